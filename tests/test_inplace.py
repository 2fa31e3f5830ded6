"""out=: in place, aliasing and partial overlap."""

import numpy as np
import pytest

from helpers import SPLIT, DTYPES, VARIANTS, acts, assert_bitwise, call, dtname, make_inputs, min_parallel, param_sets


def _x(dtype, n=1000, seed=11):
    rng = np.random.default_rng(seed)
    return rng.uniform(-10, 10, n).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", acts())
def test_out_none_returns_new_array_and_keeps_input(act, variant, dtype):
    params = param_sets(act)[-1]
    ins = make_inputs(act, variant, _x(dtype), params)
    copies = [a.copy() for a in ins]
    res = call(act, variant, ins, params)
    assert isinstance(res, np.ndarray) and res.dtype == np.dtype(dtype)
    for a, c in zip(ins, copies):
        assert not np.shares_memory(res, a)
        assert_bitwise(a, c, f"{act.name} {variant}: input modified with out=None")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", acts())
def test_in_place_on_each_input(act, variant, dtype):
    """out=x (and out=grad_output, out=y for backward) returns that very array
    holding the out-of-place result."""
    params = param_sets(act)[-1]
    ins = make_inputs(act, variant, _x(dtype), params)
    expected = call(act, variant, ins, params)
    for k in range(len(ins)):
        work = [a.copy() for a in ins]
        target = work[k]
        res = call(act, variant, tuple(work), params, out=target)
        assert res is target, f"{act.name} {variant}: out=input {k} did not return it"
        assert np.shares_memory(res, target)
        assert_bitwise(res, expected, f"{act.name} {variant} {dtname(dtype)} in place on input {k}")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", acts())
def test_in_place_views(act, variant, dtype):
    """In place on strided, reversed and 2-D transposed views, and on a 0-d array."""
    params = param_sets(act)[-1]
    base = make_inputs(act, variant, _x(dtype, 1200), params)
    views = [
        lambda a: a[::2],
        lambda a: a[::-3],
        lambda a: a.reshape(30, 40).T,
        lambda a: a.reshape(30, 40)[::-1, 1::2],
        lambda a: a[:1].reshape(()),
    ]
    for view in views:
        work = [a.copy() for a in base]
        vs = tuple(view(a) for a in work)
        expected = call(act, variant, tuple(v.copy() for v in vs), params)
        res = call(act, variant, vs, params, out=vs[-1])
        assert res is vs[-1]
        assert_bitwise(res, expected, f"{act.name} {variant} in place on view {vs[-1].shape} {vs[-1].strides}")
        # elements outside the view are untouched
        mask = np.ones(work[-1].shape, bool)
        view(mask.view(np.uint8))[...] = 0
        assert_bitwise(work[-1][mask], base[-1][mask], f"{act.name} {variant}: wrote outside the view")


@pytest.mark.parametrize("size", ["serial", "threaded"])
@pytest.mark.parametrize("shift", [1, -1])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_partial_overlap(act, dtype, shift, size, threads):
    """out overlapping an input at an offset (``f(x[:-1], out=x[1:])`` and
    ``f(x[1:], out=x[:-1])``) gives the non-overlapping result, for short
    loops and for loops long enough to be split over 2 threads."""
    threads(2)
    params = param_sets(act)[-1]
    n = 300 if size == "serial" else SPLIT + 1000
    with min_parallel(SPLIT):
        failures = []
        for variant in act.variants:
            buf = [np.concatenate([a, a[:abs(shift)]]) for a in make_inputs(act, variant, _x(dtype, n), params)]
            lo, hi = (slice(0, n), slice(shift, n + shift)) if shift > 0 else \
                (slice(-shift, n - shift), slice(0, n))
            ins = tuple(b[lo] for b in buf)
            expected = call(act, variant, tuple(a.copy() for a in ins), params)
            for k in range(len(ins)):
                work = [b.copy() for b in buf]
                args = tuple(w[lo] for w in work)
                out = work[k][hi]
                assert np.shares_memory(out, args[k])
                res = call(act, variant, args, params, out=out)
                assert res is out
                nbad = np.count_nonzero(res.view(f"u{res.itemsize}") != expected.view(f"u{res.itemsize}"))
                if nbad:
                    i = int(np.flatnonzero(res.view(f"u{res.itemsize}") != expected.view(f"u{res.itemsize}"))[0])
                    failures.append(f"{variant} out=input {k}: {nbad} of {n} wrong, first at {i}: "
                                    f"{res[i]!r} != {expected[i]!r}")
    assert not failures, (f"{act.name} {dtname(dtype)} n={n}, out shifted by {shift} elements "
                          "from the input: " + "; ".join(failures))
