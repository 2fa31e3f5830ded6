"""cact.forward_with_stats: the forward plus saturated/dead counts in one pass.

The counts are checked exactly against NumPy on random data with special
values mixed in, for every row, parameter set (including parameters outside
the y-form, which count from f'(x)), dtype, threshold, layout, thread count
and instruction-set level; y is checked bitwise against the plain forward.
"""

from __future__ import annotations

import decimal

import numpy as np
import pytest

import cact
from cact import _stats
from helpers import DTYPES, act_params, dtname, isa_level, rounded
import mpmath as mp

from reference import REFERENCES, evaluate, high_dtype

THRESHOLDS = (0.0, 0.01, 0.2, 0.25, 0.3, 1.0, 1.5)
SPECIAL = (0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 100.0, -100.0, 800.0, -800.0)


def _x(dtype, n=20_011, seed=5):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(n) * 6).astype(dtype)
    x[: len(SPECIAL)] = SPECIAL
    x[len(SPECIAL): len(SPECIAL) + 200] = 0.0  # dead units for the ReLU family
    rng.shuffle(x)
    return x


def _forward(act, x, params):
    return getattr(cact, act.name)(x, **params)


def _reference_counts(act, x, y, params, t):
    """(saturated, dead) computed by NumPy.

    saturated: where the row has its interval test and the parameters are
    inside the y-form, |f'(y)| < t in the reference precision on the y cact
    returned (tests/reference.py, independent of cact); otherwise |f'(x)| < t
    with f' from cact's own f_grad, the derivative the kernel evaluates."""
    dt = x.dtype
    ps = rounded(params, dt)
    from_y = act.saturated_y is not None and all(
        p.y_min is None or ps[p.name] >= p.y_min for p in act.params)
    with np.errstate(invalid="ignore"):
        if from_y:
            sat = _saturated_from_y(act, y, ps, t)
        else:
            d = getattr(cact, act.name + "_grad")(x, **params)
            sat = np.abs(d.astype(np.float64)) < t
    return int(np.count_nonzero(sat)), int(np.count_nonzero(y == 0))


def _saturated_from_y(act, y, ps, t):
    """|f'(y)| < t on the reference derivative from y (tests/reference.py),
    in the reference precision; elements too close to the threshold for that
    precision to decide (1 - y**2 for |y| = 1e-30) are decided again in
    mpmath with enough digits for the product of two floats to be exact."""
    dt = y.dtype
    ones = np.ones_like(y)
    d = np.asarray(evaluate(act.name, "backward_y", dt, ones, y, **ps))
    if d.dtype == object:  # mpmath values (no wide long double)
        d = d.astype(np.float64)
    d = np.abs(d)
    sat = d < t
    eps = np.finfo(d.dtype).eps
    near = np.nonzero(np.abs(d - t) <= 8 * eps * np.maximum(d, t))[0]
    if near.size:
        ref = REFERENCES[act.name]
        with mp.workdps(900):
            for i in near:
                v = ref.mp_grad_y(mp.mpf(float(y[i])), **{k: mp.mpf(float(dt.type(v)))
                                                          for k, v in ps.items()})
                sat[i] = abs(v) < mp.mpf(t)
    return sat


@pytest.mark.parametrize("t", THRESHOLDS)
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act,params", act_params() + [
    pytest.param(cact._table.BY_NAME["leaky_relu"], {"alpha": -0.3}, id="leaky_relu[alpha=-0.3]"),
    pytest.param(cact._table.BY_NAME["elu"], {"alpha": -0.5}, id="elu[alpha=-0.5]"),
    pytest.param(cact._table.BY_NAME["elu"], {"alpha": 0.0}, id="elu[alpha=0]"),
    pytest.param(cact._table.BY_NAME["elu"], {"alpha": 3.0}, id="elu[alpha=3]"),
])
def test_counts_are_exact(act, params, dtype, t):
    x = _x(dtype)
    y, st = cact.forward_with_stats(act.name, x, threshold=t, **params)
    expected_y = _forward(act, x, params)
    assert y.tobytes() == expected_y.tobytes()
    assert st == (*_reference_counts(act, x, expected_y, params, t), x.size)
    assert isinstance(st.saturated, int) and isinstance(st.dead, int)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act,params", act_params())
def test_counts_at_the_interval_ends(act, params, dtype):
    """y values within a few ULPs of every end of the saturation interval
    (where the derivative equals the threshold) are counted as the
    reference derivative from y says; the ends are rounded outwards to the
    dtype so that the comparison in the dtype is the exact one."""
    if act.saturated_y is None:
        pytest.skip("no interval test on y")
    ps = rounded(params, dtype)
    dt = np.dtype(dtype)
    for t in (0.01, 0.1, 0.2, 0.999):
        D = decimal.Decimal
        lo, hi = act.saturated_y(D(t), *[D(ps[p.name]) for p in act.params])
        ends = [float(v) for v in (lo, hi) if abs(float(v)) < 1e30]
        ys = []
        for e in ends:
            c = dt.type(e)
            for k in range(-4, 5):
                v = c
                step = np.inf if k > 0 else -np.inf
                for _ in range(abs(k)):
                    v = np.nextafter(v, dt.type(step))
                ys.append(v)
        if not ys:
            continue
        yv = np.array(ys, dtype=dt)
        # find inputs whose forward output is each y: the kernel counts on
        # the y it computes, so drive the counting loop directly with a y
        # array through the identity of the interval test
        a, b = _stats._plan(act, tuple(ps[p.name] for p in act.params), t, dt)[1:]
        got = int(np.count_nonzero((yv < dt.type(a)) | (yv > dt.type(b))))
        want = int(np.count_nonzero(_saturated_from_y(act, yv, ps, t)))
        assert got == want, (act.name, t, yv, a, b)


LAYOUTS = ("contiguous", "2d", "fortran", "strided", "transposed", "reversed")


def _layout(x, layout):
    if layout == "contiguous":
        return x
    if layout == "2d":
        return x[: (x.size // 7) * 7].reshape(-1, 7)
    if layout == "fortran":
        return np.asfortranarray(x[: (x.size // 7) * 7].reshape(-1, 7))
    if layout == "strided":
        return x[::3]
    if layout == "transposed":
        return x[: (x.size // 7) * 7].reshape(-1, 7).T
    return x[::-1]


@pytest.mark.parametrize("inplace", [False, True], ids=["new", "inplace"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("name", ["sigmoid", "relu", "elu"])
def test_every_layout(name, dtype, layout, inplace):
    act = cact._table.BY_NAME[name]
    base = _x(dtype)
    x = _layout(base.copy(), layout)
    x0 = x.copy()
    expected = getattr(cact, name)(x0)
    want = _reference_counts(act, x0, expected, {p.name: p.default for p in act.params}, 0.01)
    if inplace:
        y, st = cact.forward_with_stats(getattr(cact, name), x, out=x)
        assert y is x
    else:
        y, st = cact.forward_with_stats(getattr(cact, name), x)
        assert x.tobytes() == x0.tobytes()
    assert y.tobytes() == expected.tobytes()
    assert (st.saturated, st.dead, st.size) == (*want, x.size)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_out_another_buffer_and_partial_overlap(dtype):
    x = _x(dtype)
    out = np.empty_like(x)
    y, st = cact.forward_with_stats("tanh", x, out=out)
    assert y is out and y.tobytes() == cact.tanh(x).tobytes()
    # out a strided view
    big = np.zeros(2 * x.size, dtype)
    y, st2 = cact.forward_with_stats("tanh", x, out=big[::2])
    assert y.base is big and y.tobytes() == cact.tanh(x).tobytes() and st2 == st
    # out overlapping x shifted by one element: computed from the original x
    buf = _x(dtype).copy()
    src = buf[:-1].copy()
    y, st3 = cact.forward_with_stats("sigmoid", buf[:-1], out=buf[1:])
    assert buf[1:].tobytes() == cact.sigmoid(src).tobytes()
    assert st3 == cact.forward_with_stats("sigmoid", src)[1]


@pytest.mark.parametrize("level", [n for n, ok in cact._core.isa_levels() if ok])
@pytest.mark.parametrize("nthreads", [1, 2, 3])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_threads_and_levels_agree(dtype, nthreads, level, threads, split):
    threads(nthreads)
    x = _x(dtype, n=50_001)
    with isa_level(level):
        for act in cact.ACTIVATIONS:
            p = {q.name: q.default for q in act.params}
            y, st = cact.forward_with_stats(act.name, x, **p)
            ref_y = getattr(cact, act.name)(x, **p)
            assert y.tobytes() == ref_y.tobytes()
            assert (st.saturated, st.dead) == _reference_counts(act, x, ref_y, p, 0.01)


def test_scalars_empty_and_conversions():
    y, st = cact.forward_with_stats("relu", -2.0)
    assert type(y) is np.float64 and y == 0 and st == (1, 1, 1)
    y, st = cact.forward_with_stats("sigmoid", np.float32(9.0))
    assert type(y) is np.float32 and st == (1, 0, 1)
    y, st = cact.forward_with_stats("tanh", np.zeros((0, 3), np.float32))
    assert y.shape == (0, 3) and st == (0, 0, 0)
    assert st.saturated_fraction == 0.0 and st.dead_fraction == 0.0
    y, st = cact.forward_with_stats("relu", [[-1, 2], [3, 0]])  # integers -> float64
    assert y.dtype == np.float64 and st.dead == 2 and st.dead_fraction == 0.5
    y, st = cact.forward_with_stats("elu", np.array([-10.0, 1.0]), 2.0)  # positional alpha
    assert y[0] == cact.elu(np.array([-10.0]), 2.0)[0] and st.saturated == 1


def test_fast_path_gives_the_validated_answer():
    x = _x(np.float32)
    slow = cact.forward_with_stats("sigmoid", x.copy(), threshold=0.0125)
    _stats._PLANS.clear()
    cact.forward_with_stats("sigmoid", x.copy(), threshold=0.0125)  # fills the plan
    fast = cact.forward_with_stats("sigmoid", x.copy(), threshold=0.0125)
    assert ("sigmoid", np.dtype(np.float32), 0.0125) in _stats._PLANS
    assert fast[1] == slow[1] and fast[0].tobytes() == slow[0].tobytes()


def _buffers_unchanged(fn, *arrays):
    before = [a.tobytes() for a in arrays]
    fn()
    assert [a.tobytes() for a in arrays] == before


@pytest.mark.parametrize("call,exc,match", [
    (lambda x, o: cact.forward_with_stats(42, x, out=o), TypeError, "activation must be"),
    (lambda x, o: cact.forward_with_stats(np.tanh, x, out=o), TypeError, "activation must be"),
    (lambda x, o: cact.forward_with_stats("nope", x, out=o), ValueError, "unknown activation"),
    (lambda x, o: cact.forward_with_stats("maxout", x, out=o), ValueError, "not elementwise"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o, threshold=-1.0), ValueError, ">= 0"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o, threshold=np.nan), ValueError, "finite"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o, threshold="a"), TypeError, "real"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o, threshold=True), TypeError, "real"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o, threshold=1e39), ValueError, "float32"),
    (lambda x, o: cact.forward_with_stats("elu", x, out=o, alpha=1e39), ValueError, "float32"),
    (lambda x, o: cact.forward_with_stats("elu", x, out=o, beta=1.0), TypeError, "unexpected"),
    (lambda x, o: cact.forward_with_stats("relu", x, 1.0, out=o), TypeError, "at most"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o[:-1]), ValueError, "shape"),
    (lambda x, o: cact.forward_with_stats("relu", x, out=o.astype(np.float64)), TypeError, "dtype"),
    (lambda x, o: cact.forward_with_stats("relu", np.ma.masked_array(x), out=o), TypeError, "masked"),
    (lambda x, o: cact.forward_with_stats("relu", x.astype(np.complex64), out=o), TypeError, "complex"),
])
def test_errors_leave_buffers_unchanged(call, exc, match):
    x = _x(np.float32, n=101)
    o = np.full_like(x, 7.0)

    def run():
        with pytest.raises(exc, match=match):
            call(x, o)

    _buffers_unchanged(run, x, o)


def test_read_only_out_and_lazy_arrays():
    x = _x(np.float32, n=64)
    ro = np.empty_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cact.forward_with_stats("relu", x, out=ro)

    class Lazy:  # an array type with its own __array_ufunc__ (like Dask)
        dtype = np.dtype(np.float32)
        shape = (3,)

        def __array_ufunc__(self, *a, **k):
            return NotImplemented

    with pytest.raises(TypeError, match="np.asarray"):
        cact.forward_with_stats("relu", Lazy())


def test_every_row_has_stats_kernels():
    """The build renders a from-x stats kernel for every row and a from-y one
    for every row with an interval test: a new row is monitored by itself."""
    names = set(cact._core._CHUNK_INDEX)
    for act in cact.ACTIVATIONS:
        for t in ("f32", "f64"):
            assert f"{act.name}_stats_x_{t}" in names
            assert (f"{act.name}_stats_y_{t}" in names) == (act.saturated_y is not None)
