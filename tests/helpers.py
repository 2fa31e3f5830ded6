"""Helpers shared by the test modules: calling every variant of a table row
through the public API, building its inputs, and comparing bitwise."""

from __future__ import annotations

import contextlib
import math
import numbers

import numpy as np
import pytest

import cact
from cact import _table
from reference import evaluate

DTYPES = (np.float32, np.float64)

#: cact was built with OpenMP (else get_num_threads() is always 1)
OPENMP = cact.show_config(mode="dicts")["openmp"].startswith("yes")
# The variants and their ufunc suffixes, from the table (cact/_table.py).
VARIANTS = _table.VARIANT_NAMES
SUFFIX = dict(_table.VARIANTS)

#: the instruction-set levels compiled in and supported by this CPU
LEVELS = [name for name, ok in cact._core.isa_levels() if ok]


@contextlib.contextmanager
def isa_level(name: str):
    """Run the block with the kernels of instruction-set level ``name``, then
    restore the level that was in use."""
    previous = cact._core._set_isa(name)
    try:
        yield name
    finally:
        cact._core._set_isa(previous)


# A size from which the tests split loops over the threads, through the
# override of min_parallel below: cact's own rule decides by each kernel's
# measured cost (src/cact_parallel.c), which differs between machines, so the
# tests that need a split loop ask for one.  test_threads.py tests the rule.
SPLIT = 4096


@contextlib.contextmanager
def min_parallel(n: int):
    """Run the block with every loop of at least ``n`` items of work split
    over the threads (0: cact's own rule), then restore what was before."""
    previous = cact._core._set_min_parallel_override(n)
    try:
        yield
    finally:
        cact._core._set_min_parallel_override(previous)


def param_sets(act) -> list[dict]:
    """The default parameters of a row (as a dict) and the row's other sets
    (Activation.test_params)."""
    default = {p.name: p.default for p in act.params}
    return [default] + [dict(default, **p) for p in act.test_params]


def defaults(act) -> dict:
    """The row's parameters at their defaults, by name."""
    return {p.name: p.default for p in act.params}


def bound_ok(act, params: dict) -> bool:
    """Whether the parameters meet the row's conditions between them
    (Param.bound, e.g. hardtanh's max_val >= min_val)."""
    return all(p.holds(params) for p in act.params)


def _finite_real(v) -> bool:
    if isinstance(v, np.ndarray):
        v = v[()] if v.ndim == 0 else None
    if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def with_param(act, name: str, value) -> dict:
    """The row's default parameters with ``name`` set to ``value``: how the
    tests try one parameter at a time (0, negative, huge, a bad type...).
    Where a finite value would break a condition >= between two parameters
    (Param.bound), the other one takes the same value, so that the set stays
    valid (hardtanh(min_val=7) runs with max_val=7)."""
    params = dict(defaults(act), **{name: value})
    if _finite_real(value):
        for p in act.params:
            if p.bound is not None and p.bound[0] == ">=" and isinstance(p.bound[1], str):
                other = p.bound[1]
                if name in (p.name, other) and float(params[p.name]) < float(params[other]):
                    params[other if name == p.name else p.name] = value
    return params


def meet_bounds(act, params: dict) -> dict:
    """params with each pair that breaks a condition >= between two
    parameters (Param.bound) swapped, so that it holds."""
    params = dict(params)
    for p in act.params:
        if p.bound is not None and p.bound[0] == ">=" and isinstance(p.bound[1], str):
            other = p.bound[1]
            if params[p.name] < params[other]:
                params[p.name], params[other] = params[other], params[p.name]
    return params


def each_param(act, values) -> list[dict]:
    """with_param for every parameter of the row and every value in values
    (none for a row without parameters), leaving out the sets that break a
    condition with_param cannot mend (Param.bound "!=": celu's alpha = 0)."""
    sets = [with_param(act, p.name, v) for p in act.params for v in values]
    return [ps for ps in sets if not _finite_params(ps) or bound_ok(act, ps)]


def _finite_params(ps: dict) -> bool:
    return all(_finite_real(v) for v in ps.values())


def y_allowed(act, params: dict) -> bool:
    """Whether the derivative from y accepts these parameters (Param.y_min)."""
    return all(float(params[p.name]) >= p.y_min for p in act.params if p.y_min is not None)


def act_param_names(acts_=None):
    """pytest params over (row, parameter name) for every parameter of every
    row (default: every row), with ids row[name]."""
    return [pytest.param(a, p.name, id=f"{a.name}[{p.name}]")
            for a in (cact.ACTIVATIONS if acts_ is None else acts_) for p in a.params]


def rounded(params: dict, dtype) -> dict:
    """Parameters as cact uses them for ``dtype`` (rounded to float32)."""
    return {k: float(np.dtype(dtype).type(v)) for k, v in params.items()}


def dtname(dtype) -> str:
    return np.dtype(dtype).name


def act_params():
    """pytest params over (row, params) with readable ids."""
    out = []
    for act in cact.ACTIVATIONS:
        for ps in param_sets(act):
            pid = act.name + "".join(f"[{k}={v}]" for k, v in ps.items())
            out.append(pytest.param(act, ps, id=pid))
    return out


def acts():
    return [pytest.param(a, id=a.name) for a in cact.ACTIVATIONS]


def call(act, variant: str, inputs: tuple, params: dict | None = None, out=None):
    """Call one variant of a row through the public Python API."""
    params = {p.name: p.default for p in act.params} if params is None else params
    pos = [params[p.name] for p in act.params]
    kw = {} if out is None else {"out": out}
    if variant == "f":
        return getattr(cact, act.name)(inputs[0], *pos, **kw)
    if variant == "grad":
        return getattr(cact, act.name + "_grad")(inputs[0], *pos, **kw)
    fn = getattr(cact, act.name + "_backward")
    if variant == "backward_x":
        return fn(inputs[0], inputs[1], **params, **kw)
    return fn(inputs[0], y=inputs[1], **params, **kw)


def call_ufunc(act, variant: str, inputs: tuple, params: dict | None = None, **kw):
    """Call the compiled ufunc of one variant directly."""
    params = {p.name: p.default for p in act.params} if params is None else params
    uf = cact.ufuncs[act.name + SUFFIX[variant]]
    return uf(*inputs, *[params[p.name] for p in act.params], **kw)


def make_inputs(act, variant: str, x: np.ndarray, params: dict, seed: int = 99) -> tuple:
    """The inputs of a variant for forward inputs x: (x,), (g, x) or (g, y),
    with g random in [-2, 2] and y = f(x) from the reference, in x's dtype."""
    x = np.asarray(x)
    if variant in ("f", "grad"):
        return (x,)
    rng = np.random.default_rng(seed)
    g = rng.uniform(-2.0, 2.0, x.shape).astype(x.dtype)
    if variant == "backward_x":
        return (g, x)
    with np.errstate(invalid="ignore", over="ignore"):  # signalling NaNs
        y = evaluate(act.name, "f", x.dtype, x, **rounded(params, x.dtype)).astype(x.dtype)
    return (g, y)


def assert_bitwise(actual, expected, what: str = ""):
    """Same dtype, shape and bytes (NaN payloads and signed zeros included)."""
    a, e = np.asarray(actual), np.asarray(expected)
    assert a.dtype == e.dtype, f"{what}: dtype {a.dtype} != {e.dtype}"
    assert a.shape == e.shape, f"{what}: shape {a.shape} != {e.shape}"
    if a.tobytes() != e.tobytes():  # tobytes() is in C order for any layout
        av, ev = a.ravel(), e.ravel()
        diff = [i for i in range(av.size) if av[i : i + 1].tobytes() != ev[i : i + 1].tobytes()]
        i = diff[0]
        raise AssertionError(
            f"{what}: {len(diff)} of {av.size} elements differ bitwise; first at flat "
            f"index {i}: {av[i]!r} != {ev[i]!r}"
        )
