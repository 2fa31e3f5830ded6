"""Pickling (issue 13): every public object of cact pickles by reference and
unpickles in a fresh process, so cact works with multiprocessing,
ProcessPoolExecutor and Dask distributed.

NumPy pickles a ufunc by its name and pickle looks it up in the module the
ufunc reports (``cact._ufuncs``, see that module); the public functions are
compiled (Cython) functions reporting module ``cact``.  The children here are
spawned, so they share nothing with this process: they import cact only while
unpickling, and their results must be bitwise equal to this process's.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import pickle

import numpy as np
import pytest

import cact
from helpers import param_sets
import _workers

TIMEOUT = 120  # seconds for a spawned child (it imports NumPy and cact)

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def _public_objects() -> dict:
    """"cact.NAME" for every name in cact.__all__, "ufuncs[NAME]" for every ufunc."""
    objects = {f"cact.{name}": getattr(cact, name) for name in cact.__all__}
    objects.update({f"ufuncs[{name}]": uf for name, uf in cact.ufuncs.items()})
    return objects


def _inputs(dtype):
    # special values too: the comparison is bitwise
    x = np.concatenate([np.linspace(-9, 9, 1994), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]])
    return x.astype(dtype), np.linspace(0.5, 2.0, x.size).astype(dtype)


def _calls(dtype) -> list:
    """(function, args, kwargs) for every public array function and ufunc."""
    x, g = _inputs(dtype)
    calls = []
    for act in cact.ACTIVATIONS:
        ps = param_sets(act)[-1]  # a set other than the defaults where the tests have one
        calls += [
            (getattr(cact, act.name), (x,), ps),
            (getattr(cact, act.name + "_grad"), (x,), ps),
            (getattr(cact, act.name + "_backward"), (g, x), ps),
        ]
        if "backward_y" in act.variants:
            calls.append((getattr(cact, act.name + "_backward"), (g,), dict(y=getattr(cact, act.name)(x, **ps), **ps)))
    calls += [(cact.maxout, (x, 2), {}), (cact.maxout_backward, (g[: x.size // 2], x, 2), {})]
    calls += [(cact.softmax, (x,), {}), (cact.log_softmax, (x,), {}),
              (cact.softmax_backward, (g, cact.softmax(x)), {}),
              (cact.log_softmax_backward, (g, cact.log_softmax(x)), {})]
    for name, uf in cact.ufuncs.items():
        if name == "_maxout_reduce":
            args = (x.reshape(-1, 2),)
        elif name == "_maxout_scatter":
            args = (g[: x.size // 2], x.reshape(-1, 2))
        elif uf.signature is not None and uf.signature.startswith("(n)"):
            # softmax's rows and the fused bias forms' rows: (n) operands are
            # rows, () a parameter
            ins = uf.signature.split("->")[0].split(",")
            rows = (x.reshape(-1, 2), g.reshape(-1, 2))
            args = tuple(rows[i % 2] if c == "(n)" else 0.5 for i, c in enumerate(ins))
        else:
            assert uf.signature is None, f"a new gufunc {name}: give it inputs here"
            args = (x, g, x, g)[: uf.nin]  # the parameter inputs broadcast too
        calls.append((uf, args, {}))
    return calls


def _expected(calls) -> list:
    return [fn(*args, **kwargs) for fn, args, kwargs in calls]


def _assert_bitwise(got, expected, calls):
    assert len(got) == len(expected)
    for r, e, (fn, _, _) in zip(got, expected, calls):
        name = getattr(fn, "__name__", fn)
        # the fused f and f' (two outputs) give a tuple
        for ri, ei in zip(*((v if isinstance(v, tuple) else (v,)) for v in (r, e))):
            assert ri.dtype == ei.dtype and ri.shape == ei.shape, name
            assert ri.tobytes() == ei.tobytes(), f"{name}: results differ bitwise"


@pytest.mark.parametrize("key", sorted(_public_objects()))
def test_round_trip_in_process(key):
    obj = _public_objects()[key]
    for proto in PROTOCOLS:
        back = pickle.loads(pickle.dumps(obj, protocol=proto))
        if callable(obj):
            assert back is obj, f"{key}, protocol {proto}"
        else:
            assert back == obj, f"{key}, protocol {proto}"


@pytest.mark.parametrize("name", sorted(cact.ufuncs))
def test_ufunc_pickles_by_reference(name):
    uf = cact.ufuncs[name]
    # by reference: the module and the name, never the loops themselves
    blob = pickle.dumps(uf, protocol=pickle.HIGHEST_PROTOCOL)
    assert b"cact._ufuncs" in blob and name.encode() in blob
    assert len(blob) < 100
    # and NumPy dispatch is unchanged: the ufunc itself, its name and repr
    assert uf.__name__ == name and repr(uf) == f"<ufunc '{name}'>"


def test_cloudpickle_round_trip():
    # Dask distributed serialises task graphs with cloudpickle
    cloudpickle = pytest.importorskip("cloudpickle")
    for key, obj in _public_objects().items():
        back = cloudpickle.loads(cloudpickle.dumps(obj))
        assert (back is obj) if callable(obj) else (back == obj), key


def _child_blob(dtype):
    calls = _calls(dtype)
    return calls, pickle.dumps((_public_objects(), calls))


def _check_child_answer(answer, calls):
    imported_before, same, results = answer
    assert not imported_before, "the child imported cact before unpickling (not a fresh process)"
    bad = [k for k, ok in same.items() if not ok]
    assert not bad, f"unpickled in a fresh process, these are not cact's own objects: {bad}"
    _assert_bitwise(results, _expected(calls), calls)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spawned_multiprocessing_child(dtype):
    calls, blob = _child_blob(dtype)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        answer = pool.apply_async(_workers.unpickle_and_apply, (blob,)).get(TIMEOUT)
    _check_child_answer(answer, calls)


def test_process_pool_executor():
    # the executor pickles the function and its arguments itself; the child
    # returns arrays computed by the unpickled functions
    calls = _calls(np.float32) + _calls(np.float64)
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        got = ex.submit(_workers.apply_calls, calls).result(TIMEOUT)
        # pickled ufuncs as the mapped function: pool.map(cact.ufuncs[...], ...)
        x, _ = _inputs(np.float32)
        mapped = list(ex.map(cact.ufuncs["sigmoid"], [x, x[::2]], timeout=TIMEOUT))
    _assert_bitwise(got, _expected(calls), calls)
    _assert_bitwise(mapped, [cact.sigmoid(x), cact.sigmoid(x[::2])], [(cact.sigmoid, (), {})] * 2)


def test_ufunc_without_module_attribute_is_found_in_cact_ufuncs():
    # Where a NumPy gives ufuncs no attribute dict, cact._ufuncs cannot set
    # __module__ and pickle searches sys.modules for the ufunc by name: it
    # must find it in cact._ufuncs (and nowhere it cannot be imported from).
    uf = cact.ufuncs["tanh_grad"]
    saved = uf.__dict__.pop("__module__", None)
    try:
        assert getattr(uf, "__module__", None) is None
        blob = pickle.dumps(uf)
        assert b"cact._ufuncs" in blob
        assert pickle.loads(blob) is uf
    finally:
        if saved is not None:
            uf.__module__ = saved
