"""Property-based tests (Hypothesis) over dtype, shape, strides, offset,
overlap, out, thread count and parameters, against the NumPy reference.

Properties, for every public function:

* layout invariance: the result is bitwise the result for C-contiguous,
  aligned, native copies of the (converted) inputs computed on one thread --
  whatever the strides, byte order, byte offset, overlap with out, out's own
  layout, or thread count;
* accuracy: it agrees with the independent reference (tests/reference.py) to
  the ULP bounds of test_accuracy.py;
* out= returns out, and inputs that are not out are unchanged;
* maxout equals the group values at np.argmax, and maxout_backward routes
  grad_output there.

The default profile is derandomized (the same examples on every run, as CI
needs); HYPOTHESIS_PROFILE=cact-explore runs many more, randomly.
"""

import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import cact  # noqa: E402
from cact import _core  # noqa: E402
from reference import evaluate, ulp_error  # noqa: E402
from test_accuracy import ULP_TOL  # noqa: E402

settings.register_profile("cact", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("cact-explore", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "cact"))

IN_DTYPES = ["f4", "f8", "f4", "f8", ">f4", ">f8", "f2", "i1", "u1", "i4", "?"]
SMALL = {"f4", ">f4", "f2", "i1", "u1", "?"}
from helpers import VARIANTS, bound_ok, call, meet_bounds, param_sets, y_allowed  # noqa: E402


def _result_dtype(*specs):
    return np.dtype("f4") if all(s in SMALL for s in specs) else np.dtype("f8")


def _elements(spec):
    dt = np.dtype(spec)
    if dt.kind == "f":
        width = 16 if dt.itemsize == 2 else 32 if dt.itemsize == 4 else 64
        return st.floats(width=width, allow_nan=True, allow_infinity=True, allow_subnormal=True)
    return None  # hypothesis' default for integers and bools


@st.composite
def layouts(draw, a):
    """a (C order) re-laid: reversed/strided axes, a transposition, a byte
    offset 1..15, or Fortran order -- same values, same shape."""
    kind = draw(st.sampled_from(["C", "strided", "transposed", "misaligned", "F", "readonly"]))
    if kind == "strided" and a.ndim:
        steps = [draw(st.sampled_from([1, 2, -1, -3])) for _ in range(a.ndim)]
        big = a
        for ax, s in enumerate(steps):
            big = np.repeat(big, abs(s), axis=ax)
        view = big[tuple(slice(None, None, s) for s in steps)]
        if any(s < 0 for s in steps):  # undo the reversal of the values
            view = view[tuple(slice(None, None, -1) if s < 0 else slice(None) for s in steps)]
        assert view.shape == a.shape
        return view
    if kind == "transposed" and a.ndim >= 2:
        perm = draw(st.permutations(range(a.ndim)))
        inv = np.argsort(perm)
        return a.transpose(perm).copy(order="C").transpose(inv)
    if kind == "misaligned":
        off = draw(st.integers(1, 15))
        buf = bytearray(a.nbytes + 16)
        m = np.frombuffer(buf, a.dtype, a.size, off).reshape(a.shape)
        m[...] = a
        return m
    if kind == "F" and a.ndim:
        return np.asfortranarray(a)
    if kind == "readonly":
        r = a.copy()
        r.flags.writeable = False
        return r
    return a


@st.composite
def operands(draw, nin, shape):
    specs, arrays = [], []
    for _ in range(nin):
        spec = draw(st.sampled_from(IN_DTYPES))
        a = draw(hnp.arrays(np.dtype(spec), shape, elements=_elements(spec)))
        arrays.append(draw(layouts(np.array(a, order="C"))))
        specs.append(spec)
    return specs, arrays


def _canon(a, dt):
    with np.errstate(all="ignore"):
        return np.array(a, dtype=dt, order="C", copy=True)


def _same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _call(act, variant, ins, params, out=None):
    return call(act, variant, ins, params, out=out)


def param_values(act, variant):
    """A strategy for the row's parameters: each a float in [-10, 10], >= its
    y_min for the derivative from y (Param.y_min), the pairs ordered as the
    row's conditions between them say (Param.bound)."""
    def one(p):
        lo = p.y_min if variant == "backward_y" and p.y_min is not None else -10.0
        return st.floats(lo, 10, allow_nan=False, allow_infinity=False)
    return (st.fixed_dictionaries({p.name: one(p) for p in act.params}).map(lambda d: meet_bounds(act, d))
            .filter(lambda d: bound_ok(act, d)))


class _threads:
    def __init__(self, n, override):
        self.n, self.override = n, override

    def __enter__(self):
        self.old = cact.set_num_threads(self.n)
        _core._set_min_parallel_override(self.override)

    def __exit__(self, *exc):
        cact.set_num_threads(self.old)
        _core._set_min_parallel_override(0)


def _check_reference(act, variant, cins, params, res):
    rdt = res.dtype
    with np.errstate(all="ignore"):
        ref = evaluate(act.name, variant, rdt, *cins, **{k: float(rdt.type(v)) for k, v in params.items()})
    err = ulp_error(res, ref, rdt)
    if ref.dtype != object:  # overflow: the exact value rounds to +-inf
        with np.errstate(all="ignore"):
            r = ref.astype(rdt)
        over = np.isinf(r) & np.isfinite(ref)
        err = np.where(over, np.where(res == r, 0.0, np.inf), err)
    tol = ULP_TOL[act.name, rdt.name][variant]
    if act.name == "elu" and rdt == np.float64:
        tol += 0.5  # alpha not a power of two: one more rounding
        if variant in ("grad", "backward_x"):  # exp(x) underflows before alpha scales it
            g = np.abs(cins[0]).astype(np.float64) if variant == "backward_x" else 1.0
            with np.errstate(all="ignore"):
                ok = (np.abs(res.astype(np.float64) - ref.astype(np.float64))
                      <= 2 * abs(params["alpha"]) * g * 2.0 ** -1074)
            err = np.where(ok, 0.0, err)
    if variant in ("backward_x", "backward_y"):
        keep = np.isfinite(cins[0])  # relu's backward selects g or 0 where the reference multiplies
        err = np.where(keep, err, 0.0)
        if variant == "backward_x" and rdt == np.float64:
            # g * f'(x) with f'(x) subnormal (e.g. sigmoid'(720)): its relative accuracy is lower
            with np.errstate(all="ignore"):
                ok = np.abs(res - ref.astype(np.float64)) <= 4 * np.abs(cins[0]) * 2.0 ** -1074
            err = np.where(ok, 0.0, err)
    bad = err > tol
    assert not bad.any(), (
        f"{act.name} {variant} {rdt} {params}: {err[bad].max():.3g} ULP at inputs "
        f"{[np.asarray(c)[bad][:2] for c in cins]}: got {res[bad][:2]}, reference {ref[bad][:2]}")


@given(data=st.data(),
       act=st.sampled_from(cact.ACTIVATIONS),
       variant=st.sampled_from(VARIANTS),
       shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6),
       nthreads=st.sampled_from([1, 2, 3, 4, 7]),
       override=st.sampled_from([0, 128]),
       out_kind=st.sampled_from(["none", "fresh", "strided", "misaligned", "inplace"]))
def test_elementwise_properties(data, act, variant, shape, nthreads, override, out_kind):
    if variant not in act.variants:
        variant = "backward_x"  # a row without a y-form
    nin = 1 if variant in ("f", "grad") else 2
    params = data.draw(param_values(act, variant))
    assert variant != "backward_y" or y_allowed(act, params)
    specs, ins = data.draw(operands(nin, shape))
    rdt = _result_dtype(*specs)
    cins = [_canon(a, rdt) for a in ins]
    if variant == "backward_y":  # y a forward output, so that the reference applies
        cins[1] = np.asarray(getattr(cact, act.name)(cins[1], **params))
        ins[1] = data.draw(layouts(cins[1].copy()))
    snapshots = [a.tobytes() for a in ins]
    out = None
    if out_kind == "fresh":
        out = np.full(shape, 3, rdt)
    elif out_kind in ("strided", "misaligned"):
        out = data.draw(layouts(np.zeros(shape, rdt)))
        if not out.flags.writeable:
            out = np.zeros(shape, rdt)
    elif out_kind == "inplace":
        k = data.draw(st.integers(0, nin - 1))
        if ins[k].dtype == rdt and ins[k].flags.writeable:
            out = ins[k]
    with _threads(nthreads, override):
        res = _call(act, variant, ins, params, out=out)
    if out is not None:
        assert res is out
    for a, s in zip(ins, snapshots):
        if a is not out:
            assert a.tobytes() == s, "an input was modified"
    with _threads(1, 0):
        expected = _call(act, variant, cins, params)
    assert _same(res, expected), f"{act.name} {variant} {specs} {shape}: layout changed the result"
    _check_reference(act, variant, cins, params, np.asarray(expected))


@given(act=st.sampled_from(cact.ACTIVATIONS),
       variant=st.sampled_from(VARIANTS),
       dtype=st.sampled_from(["f4", "f8"]),
       n=st.integers(2, 600),
       shift=st.integers(-40, 40).filter(bool),
       reverse=st.booleans(),
       which=st.integers(0, 1),
       nthreads=st.sampled_from([1, 2, 3]),
       seed=st.integers(0, 2**32 - 1))
def test_partial_overlap_property(act, variant, dtype, n, shift, reverse, which, nthreads, seed):
    """out overlapping an input at any element shift, possibly reversed: the
    result is the one computed from a copy."""
    if variant not in act.variants:
        variant = "backward_x"  # a row without a y-form
    rng = np.random.default_rng(seed)
    nin = 1 if variant in ("f", "grad") else 2
    params = param_sets(act)[-1]  # a set other than the defaults where the tests have one
    vals = [rng.uniform(-12, 12, n).astype(dtype) for _ in range(nin)]
    if variant == "backward_y":
        vals[1] = np.asarray(getattr(cact, act.name)(vals[1], **params))
    with _threads(1, 0):
        expected = _call(act, variant, vals, params)
    k = min(which, nin - 1)
    buf = np.zeros(n + abs(shift), dtype)
    lo, hi = (slice(0, n), slice(shift, n + shift)) if shift > 0 else (slice(-shift, n - shift), slice(0, n))
    buf[lo] = vals[k]
    ins = list(vals)
    ins[k] = buf[lo]
    out = buf[hi]
    if reverse:
        ins[k] = buf[lo][::-1]
        buf[lo] = vals[k][::-1]
    with _threads(nthreads, 128):
        res = _call(act, variant, ins, params, out=out)
    assert res is out and _same(res, expected), f"{act.name} {variant} shift={shift} reverse={reverse}"


@given(data=st.data(),
       spec=st.sampled_from(IN_DTYPES),
       gspec=st.sampled_from(["f4", "f8", "i1"]),
       shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=8),
       nthreads=st.sampled_from([1, 2, 3]),
       override=st.sampled_from([0, 128]))
def test_maxout_properties(data, spec, gspec, shape, nthreads, override):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    pieces = data.draw(st.sampled_from([d for d in range(1, max(n, 1) + 1) if n % d == 0] or [1]))
    z0 = data.draw(hnp.arrays(np.dtype(spec), shape, elements=_elements(spec)))
    z = data.draw(layouts(np.array(z0, order="C")))
    rdt = _result_dtype(spec)
    zc = _canon(z0, rdt)
    t = np.moveaxis(zc, axis, -1)
    groups = t.reshape(t.shape[:-1] + (t.shape[-1] // pieces, pieces))
    idx = np.argmax(groups, -1) if groups.size else np.zeros(groups.shape[:-1], np.intp)
    m_ref = np.take_along_axis(groups, idx[..., None], -1)[..., 0] if groups.size else groups[..., 0]
    m_ref = np.moveaxis(m_ref, -1, axis)
    with _threads(nthreads, override):
        m = cact.maxout(z, pieces, axis)
    assert _same(m, m_ref), f"maxout {spec} {shape} pieces={pieces} axis={axis}"
    g0 = data.draw(hnp.arrays(np.dtype(gspec), m_ref.shape, elements=_elements(gspec)))
    g = data.draw(layouts(np.array(g0, order="C")))
    bdt = _result_dtype(spec, gspec)
    ref = np.zeros(groups.shape, bdt)
    if groups.size:
        gl = np.moveaxis(_canon(g0, bdt), axis, -1)
        np.put_along_axis(ref, idx[..., None], gl[..., None], -1)
    ref = np.moveaxis(ref.reshape(ref.shape[:-2] + (ref.shape[-2] * ref.shape[-1],)), -1, axis)
    out = data.draw(st.sampled_from([None, "fresh", "strided"]))
    if out is not None:
        out = np.full(z.shape, 9, bdt) if out == "fresh" else data.draw(layouts(np.zeros(z.shape, bdt)))
        if not out.flags.writeable:
            out = np.zeros(z.shape, bdt)
    with _threads(nthreads, override):
        b = cact.maxout_backward(g, z, pieces, axis, out=out)
    assert out is None or b is out
    assert _same(b, ref), f"maxout_backward {spec}/{gspec} {shape} pieces={pieces} axis={axis}"
