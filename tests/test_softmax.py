"""softmax, log_softmax and their backward passes (issue 12): NumPy
conventions over any axis and layout, PyTorch's special values, and the
accuracy bound against independent references.

References: float32 results against the same formula in float64 (its error,
about n 2^-53 relative, is far below a float32 ULP); float64 results against
mpmath at 40 digits for short rows and against np.longdouble (x87 80-bit:
64-bit significand, error about 2^-60 relative for these rows) for the row
of 10^5 (mpmath would take seconds there).  The error is measured in ULPs of
the reference rounded to the dtype (subnormal spacing below the normal
range).

The bound (stated in the docstrings and the README): every forward output
within 2 ULP of the correctly rounded result for rows up to 10^5 long.  The
backward passes subtract two terms: the bound checked there is 2 ULP plus
4 U (float32: 2^-22, float64: 2^-51) of the larger subtracted term.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import cact
from helpers import DTYPES, LEVELS, SPLIT, assert_bitwise, dtname, isa_level, min_parallel

mpmath = pytest.importorskip("mpmath")
torch = pytest.importorskip("torch")

FORWARD = (cact.softmax, cact.log_softmax)
BACKWARD = (cact.softmax_backward, cact.log_softmax_backward)
U = {np.float32: 2.0**-24, np.float64: 2.0**-53}


# ------------------------------------------------------------ references
def _ref_rows(fname: str, x: np.ndarray, g: np.ndarray | None = None, wide=np.float64):
    """The exact-ish result over the last axis, in ``wide`` (float64 for
    float32 inputs, longdouble for float64 ones)."""
    xw = x.astype(wide)
    if fname in ("softmax", "log_softmax"):
        m = np.max(xw, axis=-1, keepdims=True)
        d = xw - m
        e = np.exp(d)
        s = np.sum(e, axis=-1, keepdims=True)
        if fname == "softmax":
            return e / s
        # log(s) as log1p(s - 1), s - 1 summed without the max terms: a row
        # with one dominant entry has log_softmax = -s + 1 there, not 0
        u = np.sum(np.where(d == 0, 0, e), axis=-1, keepdims=True) + (
            np.sum(d == 0, axis=-1, keepdims=True) - 1)
        return d - np.log1p(u)
    gw = g.astype(wide)
    if fname == "softmax_backward":
        return xw * (gw - np.sum(gw * xw, axis=-1, keepdims=True))
    return gw - np.exp(xw) * np.sum(gw, axis=-1, keepdims=True)


def _ref_mp(fname: str, row, grow=None) -> list:
    """One row with mpmath at 40 digits (the inputs exact); log(s) as log1p
    of the sum without the max terms, which 40 digits keep exactly."""
    with mpmath.workdps(40):
        x = [mpmath.mpf(float(v)) for v in row]
        if fname in ("softmax", "log_softmax"):
            m = max(x)
            e = [mpmath.exp(v - m) for v in x]
            if fname == "softmax":
                s = mpmath.fsum(e)
                return [v / s for v in e]
            u = mpmath.fsum(t for t, v in zip(e, x) if v != m) + (sum(v == m for v in x) - 1)
            return [(v - m) - mpmath.log1p(u) for v in x]
        g = [mpmath.mpf(float(v)) for v in grow]
        if fname == "softmax_backward":
            d = mpmath.fsum(a * b for a, b in zip(g, x))
            return [b * (a - d) for a, b in zip(g, x)]
        sg = mpmath.fsum(g)
        return [a - mpmath.exp(b) * sg for a, b in zip(g, x)]


def _ulps(got: np.ndarray, ref, dtype) -> np.ndarray:
    """|got - ref| in ULPs of ref rounded to dtype (ref in a wider type)."""
    ref = np.asarray(ref, dtype=np.longdouble)
    with np.errstate(over="ignore", invalid="ignore"):
        r = ref.astype(dtype)
        tiny = np.finfo(dtype).smallest_subnormal
        sp = np.maximum(np.spacing(np.abs(r)), tiny).astype(np.longdouble)
        err = np.abs(got.astype(np.longdouble) - ref) / sp
    # equal, both NaN, or the correctly rounded result overflows and got is it
    same = (got.astype(np.longdouble) == ref) | (np.isnan(got) & np.isnan(ref)) | (
        np.isinf(r) & (got == r))
    return np.where(same, 0, err)


def _rows(n: int, dtype, seed: int, rows: int = 3, scale: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((rows, n)) * scale).astype(dtype)


# -------------------------------------------------------------- accuracy
# the 8 lanes and vector widths +-1, the serial threshold (512 items) +-1
LENGTHS = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 511, 513, 1000]


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("f", FORWARD, ids=lambda f: f.__name__)
def test_forward_within_2_ulp(f, dtype):
    worst = 0.0
    for n in LENGTHS:
        for scale in (1.0, 30.0):
            x = _rows(n, dtype, seed=n, scale=scale)
            got = f(x)
            if dtype == np.float32:
                ref = _ref_rows(f.__name__, x)
            else:
                ref = _mp_to_longdouble([_ref_mp(f.__name__, row) for row in x])
            worst = max(worst, float(np.max(_ulps(got, ref, dtype))))
    assert worst <= 2.0, f"{f.__name__} {dtname(dtype)}: {worst:.3f} ULP"


def _mp_to_longdouble(a) -> np.ndarray:
    """mpmath values to longdouble through two doubles (hi + lo)."""
    a = np.asarray(a, dtype=object)
    # at 40 digits: mpf(v) at the default 15 would round v to a double first
    with np.errstate(over="ignore", invalid="ignore"), mpmath.workdps(40):
        return _mp_split(a)


def _mp_split(a) -> np.ndarray:
    hi = np.vectorize(lambda v: float(v), otypes=[np.float64])(a)
    lo = np.vectorize(lambda v, h: float(mpmath.mpf(v) - mpmath.mpf(h)) if np.isfinite(h) else 0.0,
                      otypes=[np.float64])(a, hi)
    return hi.astype(np.longdouble) + lo.astype(np.longdouble)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_long_row_within_2_ulp(dtype):
    """One row of 10^5 (the stated limit), values spread over +-20."""
    x = _rows(100_000, dtype, seed=5, rows=1, scale=5.0)
    wide = np.float64 if dtype == np.float32 else np.longdouble
    for f in FORWARD:
        err = np.max(_ulps(f(x), _ref_rows(f.__name__, x, wide=wide), dtype))
        assert err <= 2.0, f"{f.__name__} {dtname(dtype)} n=1e5: {err:.3f} ULP"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("n", [1024, 1025, 2048, 2049, 32768, 32769, 131072, 131073])
def test_kept_exponentials_every_buffer(n, dtype):
    """softmax keeps a row's exponentials on the stack, in a malloc'd buffer
    or not at all, by the row's length (src/cact_softmax.h, CACT_SM_KEEP and
    CACT_SM_HEAP and their float64 forms): each side of every limit within
    2 ULP, and bitwise the strided row (the same buffers by length)."""
    x = _rows(n, dtype, seed=n, rows=2, scale=6.0)
    x[1, n // 3] = -np.inf
    wide = np.float64 if dtype == np.float32 else np.longdouble
    got = cact.softmax(x)
    err = np.max(_ulps(got, _ref_rows("softmax", x, wide=wide), dtype))
    assert err <= 2.0, f"softmax {dtname(dtype)} n={n}: {err:.3f} ULP"
    xt = np.asfortranarray(x)  # each row strided
    np.testing.assert_array_equal(cact.softmax(xt), got)


def test_float64_log_softmax_log_of_the_sum_to_half_an_ulp():
    """float64 log_softmax takes log(s) as a double-word (cact_log1p_wide_f64,
    src/cact_log1p.h, 2^-56 relative), so where the result is -log(s) itself
    it is the correct rounding but for a few 2^-50: rows of n equal entries
    give -log(n), every n from 2 to 200 (the block forms up to 32, the row
    function beyond) and 1000 and 10^5 (s - 1 spans 17 binades); libm's log1p,
    used before, measured 0.59 ULP at n = 3.  And random short rows against
    mpmath: 0.52 ULP at most (1.02 with libm's log1p)."""
    worst = 0.0
    for n in list(range(2, 201)) + [1000, 100_000]:
        got = cact.log_softmax(np.zeros((3, n)))
        ref = _mp_to_longdouble([[-mpmath.log(n)] * n] * 3)
        worst = max(worst, float(np.max(_ulps(got, ref, np.float64))))
    assert worst <= 0.51, f"{worst:.3f} ULP"
    rng = np.random.default_rng(11)
    for n in (3, 10, 17, 32, 40):
        x = rng.standard_normal((24, n)) * rng.choice([0.1, 1.0, 5.0, 30.0], size=(24, 1))
        ref = _mp_to_longdouble([_ref_mp("log_softmax", row) for row in x])
        err = float(np.max(_ulps(cact.log_softmax(x), ref, np.float64)))
        assert err <= 0.6, f"rows of {n}: {err:.3f} ULP"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_huge_and_tiny_magnitudes(dtype):
    fi = np.finfo(dtype)
    rows = [
        [fi.max, fi.max * 0.5, -fi.max, 0.0],
        [-fi.max, -fi.max, -fi.max * 0.999],
        [fi.smallest_subnormal, 0.0, -fi.smallest_subnormal, fi.tiny],
        [1e30, 1e30, 1e30 - 1e24, -1e30],
        [0.0, -40.0, -60.0, -80.0, -100.0],   # log_softmax(max) = -log1p(tiny)
        [0.0, -700.0, -745.0, -103.0, -87.0],  # subnormal and vanishing softmax
    ]
    for row in rows:
        x = np.array([row], dtype=dtype)
        for f in FORWARD:
            got = f(x)
            ref = _mp_to_longdouble([_ref_mp(f.__name__, x[0])])
            err = np.max(_ulps(got, ref, dtype))
            assert err <= 2.0, f"{f.__name__} {dtname(dtype)} {row}: {got} ({err:.2f} ULP)"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("f", BACKWARD, ids=lambda f: f.__name__)
def test_backward_accuracy(f, dtype):
    """2 ULP plus 4 U of the larger subtracted term (see the module docstring)."""
    fwd = cact.softmax if f is cact.softmax_backward else cact.log_softmax
    for n in (1, 2, 7, 9, 17, 300):
        x = _rows(n, dtype, seed=n + 1)
        y = fwd(x)
        g = _rows(n, dtype, seed=n + 2, scale=1.0)
        got = f(g, y)
        if dtype == np.float32:
            ref = _ref_rows(f.__name__, y, g).astype(np.longdouble)
        else:
            ref = _mp_to_longdouble([_ref_mp(f.__name__, yr, gr) for yr, gr in zip(y, g)])
        yl, gl = y.astype(np.longdouble), g.astype(np.longdouble)
        if f is cact.softmax_backward:
            big = np.abs(yl) * np.maximum(np.abs(gl), np.abs(np.sum(gl * yl, -1, keepdims=True)))
        else:
            big = np.maximum(np.abs(gl), np.exp(yl) * np.abs(np.sum(gl, -1, keepdims=True)))
        tiny = np.finfo(dtype).smallest_subnormal
        sp = np.maximum(np.spacing(np.abs(ref.astype(dtype))), tiny).astype(np.longdouble)
        allowed = 2 * sp + 4 * U[dtype] * big
        excess = np.abs(got.astype(np.longdouble) - ref) - allowed
        assert np.all(excess <= 0), f"{f.__name__} {dtname(dtype)} n={n}"


# --------------------------------------------------------- special values
SPECIAL_ROWS = [
    [1.0, np.inf], [np.inf, np.inf], [-np.inf, np.inf], [-np.inf, -np.inf], [-np.inf],
    [1.0, np.nan], [np.nan], [-np.inf, 1.0, 2.0], [np.inf], [0.0], [-0.0, 0.0],
    [np.nan, np.inf, -np.inf],
]


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_special_values_as_torch(dtype):
    for row in SPECIAL_ROWS:
        x = np.array(row, dtype=dtype)
        t = torch.from_numpy(x.copy())
        for f, tf in ((cact.softmax, torch.softmax), (cact.log_softmax, torch.log_softmax)):
            got, want = f(x), tf(t, -1).numpy()
            # NaN, infinities and zeros (with their signs) exactly as torch;
            # finite values within torch's own rounding (1 ULP apart)
            assert np.array_equal(np.isnan(got), np.isnan(want)), (f.__name__, row, got, want)
            fin = ~np.isfinite(want) & ~np.isnan(want)
            assert np.array_equal(got[fin], want[fin]), (f.__name__, row)
            z = want == 0
            assert np.array_equal(got[z], want[z]) and np.array_equal(np.signbit(got[z]),
                                                                       np.signbit(want[z])), row
            ok = np.isfinite(want)
            np.testing.assert_array_max_ulp(got[ok], want[ok], maxulp=1)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_backward_matches_torch_autograd(dtype):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 9)) * 3).astype(dtype)
    g = rng.standard_normal((4, 9)).astype(dtype)
    for f, tf, b in ((cact.softmax, torch.softmax, cact.softmax_backward),
                     (cact.log_softmax, torch.log_softmax, cact.log_softmax_backward)):
        t = torch.from_numpy(x.copy()).requires_grad_()
        tf(t, -1).backward(torch.from_numpy(g))
        tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(b(g, f(x)), t.grad.numpy(), **tol)


# ------------------------------------------------------- axes and layouts
SHAPES = [(5,), (3, 4), (2, 3, 9), (2, 3, 2, 5)]


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_every_axis_bitwise_as_contiguous_rows(shape, dtype):
    rng = np.random.default_rng(len(shape))
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    for axis in range(-len(shape), len(shape)):
        for f in FORWARD:
            got = f(x, axis=axis)
            rows = np.ascontiguousarray(np.moveaxis(x, axis, -1))
            assert_bitwise(got, np.moveaxis(f(rows), -1, axis), f"{f.__name__} axis={axis}")
            assert np.max(_ulps(got, np.moveaxis(_ref_rows(f.__name__, rows, wide=np.longdouble), -1, axis),
                                dtype)) <= 2
        for b, f in zip(BACKWARD, FORWARD):
            y = f(x, axis=axis)
            got = b(g, y, axis=axis)
            gr = np.ascontiguousarray(np.moveaxis(g, axis, -1))
            yr = np.ascontiguousarray(np.moveaxis(y, axis, -1))
            assert_bitwise(got, np.moveaxis(b(gr, yr), -1, axis), f"{b.__name__} axis={axis}")


# Rows up to 32 entries (float32 log_softmax_backward: 15; float32
# softmax_backward: none) go 16 at a time through the block forms of
# src/cact_softmax.h (the lanes are rows), the rest of a chunk through the
# row function: lengths around the lane counts and the limits, and 37 rows
# (two blocks and 5 single rows); 63, 64 and 65 around CACT_SM_WIDE, where
# float32's row sums go from 8 lanes to 16 (row functions only: each row
# alone and strided the same).
SHORT_LENGTHS = (1, 2, 3, 7, 8, 9, 10, 15, 16, 17, 24, 31, 32, 33, 63, 64, 65)


def _short_rows(n: int, dtype, rng) -> np.ndarray:
    x = (rng.standard_normal((37, n)) * 6).astype(dtype)
    x[2] = 0.0
    x[2, ::2] = -0.0
    x[3, n // 2] = np.nan
    x[4] = -np.inf
    x[5, n - 1] = np.inf
    x[6, 0] = -np.inf
    x[7] = x[7] * 1e-30
    x[9, 0] = 1000.0  # one dominant entry: the others' exponentials underflow
    x[11] = np.finfo(dtype).max
    x[12, :] = x[12, 0]  # all equal
    x[20, n // 3] = np.nan
    return x


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("n", SHORT_LENGTHS)
def test_short_rows_in_blocks_bitwise_as_single_rows(n, dtype, threads):
    """Every row of a block bitwise the row computed alone (one row: the row
    function), at every level, for contiguous and strided rows, and with the
    rows split over threads at any point (the blocks then start elsewhere)."""
    rng = np.random.default_rng(n)
    x = _short_rows(n, dtype, rng)
    g = rng.standard_normal(x.shape).astype(dtype)
    wide = np.zeros((37, 2 * n + 1), dtype)
    for level in LEVELS:
        with isa_level(level):
            for f, b in zip(FORWARD, BACKWARD):
                y = f(x)
                for i in range(x.shape[0]):
                    assert_bitwise(y[i], f(x[i]), f"{level} {f.__name__} n={n} row {i}")
                wide[:, 1::2] = x  # rows with a stride of 2 entries
                assert_bitwise(f(wide[:, 1::2]), y, f"{level} {f.__name__} strided")
                gb = b(g, y)
                for i in range(x.shape[0]):
                    assert_bitwise(gb[i], b(g[i], y[i]), f"{level} {b.__name__} n={n} row {i}")
    big = np.concatenate([x] * 20)  # 740 rows: split at rows that are not block starts
    with min_parallel(SPLIT // 64):
        want = [f(big) for f in FORWARD]
        for k in (2, 3):
            threads(k)
            for f, w in zip(FORWARD, want):
                assert_bitwise(f(big), w, f"{f.__name__} threads={k}")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_strided_and_negative_views(dtype):
    rng = np.random.default_rng(7)
    base = (rng.standard_normal((6, 40)) * 5).astype(dtype)
    gbase = rng.standard_normal((6, 40)).astype(dtype)
    views = [lambda a: a[:, ::2], lambda a: a[:, ::-1], lambda a: a[::-2, ::-3],
             lambda a: a.T, lambda a: a[1:4, 3:30]]
    for v in views:
        x, g = v(base), v(gbase)
        for axis in (0, 1, -1):
            for f, b in zip(FORWARD, BACKWARD):
                assert_bitwise(f(x, axis=axis), f(x.copy(), axis=axis), f"{f.__name__} view")
                y = f(x, axis=axis)
                assert_bitwise(b(g, y, axis=axis), b(g.copy(), y.copy(), axis=axis), b.__name__)
                out = np.empty((x.shape[1], x.shape[0]), dtype).T  # a strided out
                assert f(x, axis=axis, out=out) is out
                assert_bitwise(out, f(x.copy(), axis=axis), "strided out")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_in_place_and_out(dtype):
    rng = np.random.default_rng(8)
    for shape, axis in (((5, 33), -1), ((5, 33), 0), ((300,), 0)):
        x = (rng.standard_normal(shape) * 4).astype(dtype)
        g = rng.standard_normal(shape).astype(dtype)
        for f, b in zip(FORWARD, BACKWARD):
            want = f(x, axis=axis)
            a = x.copy()
            assert f(a, axis=axis, out=a) is a
            assert_bitwise(a, want, f"{f.__name__} in place")
            wb = b(g, want, axis=axis)
            gg = g.copy()
            assert b(gg, want, axis=axis, out=gg) is gg
            assert_bitwise(gg, wb, f"{b.__name__} out=grad_output")
            yy = want.copy()
            assert b(g, yy, axis=axis, out=yy) is yy
            assert_bitwise(yy, wb, f"{b.__name__} out=y")
            o = np.empty_like(x)
            assert f(x, axis=axis, out=o) is o
            assert_bitwise(o, want, f"{f.__name__} out")


def test_dtypes_kept_and_converted():
    for dt, rdt in ((np.float32, np.float32), (np.float64, np.float64), (np.int8, np.float32),
                    (np.int64, np.float64), (np.float16, np.float32), (np.bool_, np.float32)):
        x = np.arange(6).reshape(2, 3).astype(dt)
        assert cact.softmax(x).dtype == rdt
        assert cact.log_softmax(x, axis=0).dtype == rdt
    assert cact.softmax([1.0, 2.0]).dtype == np.float64
    with pytest.raises(TypeError):
        cact.softmax(np.ones(3, complex))


def test_empty_rows_and_arrays():
    for shape in ((3, 0), (0, 4), (0,)):
        x = np.ones(shape, np.float32)
        assert cact.softmax(x).shape == shape
        assert cact.log_softmax_backward(x, x).shape == shape


# -------------------------------------------------------- levels, threads
def test_every_isa_level():
    rng = np.random.default_rng(9)
    for dtype in DTYPES:
        x = (rng.standard_normal((4, 1003)) * 6).astype(dtype)
        g = rng.standard_normal((4, 1003)).astype(dtype)
        x[1, 5] = -np.inf
        for level in LEVELS:
            with isa_level(level):
                for f, b in zip(FORWARD, BACKWARD):
                    y = f(x)
                    ref = _ref_rows(f.__name__, x, wide=np.longdouble)
                    assert np.max(_ulps(y, ref, dtype)) <= 2, (level, f.__name__)
                    ref_b = _ref_rows(b.__name__, y, g, wide=np.longdouble)
                    np.testing.assert_allclose(b(g, y), ref_b.astype(dtype),
                                               rtol=8 * U[dtype], atol=8 * U[dtype])


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_threads_bitwise_identical(dtype, threads):
    rng = np.random.default_rng(10)
    x = (rng.standard_normal((300, 37)) * 5).astype(dtype)
    g = rng.standard_normal((300, 37)).astype(dtype)
    want = {}
    with min_parallel(SPLIT):
        for k in (1, 2, 3):
            threads(k)
            for f, b in zip(FORWARD, BACKWARD):
                for axis in (-1, 0):
                    y = f(x, axis=axis)
                    r = (y, b(g, y, axis=axis))
                    a = x.copy()
                    f(a, axis=axis, out=a)  # in place, split too
                    key = (f.__name__, axis)
                    if key in want:
                        assert_bitwise(r[0], want[key][0], f"{key} threads={k}")
                        assert_bitwise(r[1], want[key][1], f"{key} backward threads={k}")
                    else:
                        want[key] = r
                    assert_bitwise(a, r[0], f"{key} in place threads={k}")


# ----------------------------------------------------------------- errors
def test_errors_leave_buffers_untouched():
    x = np.ones((3, 4), np.float32)
    out = np.full((3, 4), 7.0, np.float32)
    g = np.full((3, 4), 2.0, np.float32)
    cases = [
        (ValueError, lambda: cact.softmax(x, axis=2, out=out)),
        (TypeError, lambda: cact.softmax(x, axis=1.0, out=out)),
        (ValueError, lambda: cact.softmax(x, out=np.full((4, 3), 7.0, np.float32))),
        (TypeError, lambda: cact.log_softmax(x, out=np.full((3, 4), 7.0))),
        (ValueError, lambda: cact.softmax_backward(g, np.ones((3, 5), np.float32), out=out)),
        (ValueError, lambda: cact.log_softmax_backward(g, x, axis=-3, out=g)),
        (ValueError, lambda: cact.softmax(np.float32(1.0))),
        (TypeError, lambda: cact.softmax(np.ma.masked_array(x), out=out)),
    ]
    for exc, call in cases:
        with pytest.raises(exc):
            call()
        assert np.all(out == 7.0) and np.all(g == 2.0) and np.all(x == 1.0)


# ------------------------------------------------------------------- dask
def test_dask_lazy_rechunked_along_axis():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    rng = np.random.default_rng(11)
    xn = rng.standard_normal((30, 40)).astype(np.float32)
    gn = rng.standard_normal((30, 40)).astype(np.float32)
    x = da.from_array(xn, chunks=(7, 9))
    g = da.from_array(gn, chunks=(10, 40))

    def no_compute(*args, **kwargs):
        raise AssertionError("computed while building the graph")

    for axis in (0, 1, -1):
        with dask.config.set(scheduler=no_compute):
            ys = [f(x, axis=axis) for f in FORWARD]
            bs = [b(g, y, axis=axis) for b, y in zip(BACKWARD, ys)]
        assert all(isinstance(v, da.Array) for v in ys + bs)
        assert len(ys[0].chunks[axis]) == 1 and ys[0].chunks[1 - axis % 2] == x.chunks[1 - axis % 2]
        for f, b, y, bk in zip(FORWARD, BACKWARD, ys, bs):
            yn = f(xn, axis=axis)
            assert_bitwise(y.compute(scheduler="sync"), yn, f"dask {f.__name__}")
            assert_bitwise(bk.compute(scheduler="sync"), b(gn, yn, axis=axis), f"dask {b.__name__}")
    with pytest.raises(TypeError):
        cact.softmax(x, out=np.empty((30, 40), np.float32))


@pytest.mark.parametrize("n", [64, 65, 200, 1000])
def test_backward_sums_compensated_float64(n):
    """The float64 backward passes sum g (log_softmax) and g y (softmax)
    compensated, in blocks of 64 entries folded pairwise and a tail one entry
    at a time (src/cact_softmax.h, cact_sm_dot_f64): terms of 1e16 that
    cancel across blocks and the tail leave the small ones exact, where a
    plain sum gives 0.  Checked on the entries with g = 0, whose result is
    the sum's term alone."""
    from fractions import Fraction
    g = np.zeros((1, n))
    idx = [3, n // 3, n // 2 + 1, n - 1]
    g[0, idx] = [1e16, 1.0, -1e16, 1.0]
    y = cact.log_softmax(np.zeros((1, n)))
    got = cact.log_softmax_backward(g, y)
    s = math.fsum(g[0])
    assert s == 2.0
    want = -(np.exp(y[0, 0]) * s)  # exp(y) rounded once, times 2: exact
    zero = np.ones(n, bool)
    zero[idx] = False
    np.testing.assert_allclose(got[0, zero], want, rtol=4 * U[np.float64])
    ys = cact.softmax(np.linspace(-1, 1, n)[None, :])
    gs = g / ys  # g y = the terms above up to one rounding each
    dot = sum(Fraction(a) * Fraction(b) for a, b in zip(gs[0], ys[0]))
    got = cact.softmax_backward(gs, ys)
    want = -ys[0, zero] * float(dot)
    np.testing.assert_allclose(got[0, zero], want, rtol=4 * U[np.float64])


@pytest.mark.parametrize("n", [2, 9, 40])
def test_float32_backward_sum_beyond_float_range(n):
    """float32 softmax_backward computes y (g - D) in float with the row's
    double sum rounded to D (src/cact_softmax.h); a sum beyond the float
    range takes the double form, where y (g - sum) can still be finite:
    g = 3e38 everywhere and y = 2/n make the sum 6e38 and every entry
    -6e38 / n, finite, where D = inf would give -inf."""
    g = np.full((1, n), 3e38, np.float32)
    y = np.full((1, n), 2.0 / n, np.float32)
    got = cact.softmax_backward(g, y)
    gl, yl = g.astype(np.longdouble), y.astype(np.longdouble)
    want = (yl * (gl - np.sum(gl * yl, -1, keepdims=True))).astype(np.float32)
    assert np.all(np.isfinite(got)), got
    np.testing.assert_array_max_ulp(got, want, maxulp=1)
    # the same row scaled into range goes through the float form
    small = cact.softmax_backward(g * np.float32(2.0**-100), y)
    np.testing.assert_array_max_ulp(small, (want * np.float32(2.0**-100)), maxulp=2)


def _lsm_backward_cases(n: int, dtype, rng) -> tuple[np.ndarray, np.ndarray]:
    """Rows (g, y) for log_softmax_backward's FMA form (src/cact_softmax.h,
    cact_lsm_bwd_f32 and cact_lsm_bwd_f64): sums S of every size, with y
    reaching where exp(y) is subnormal or 0 while exp(y) S is not, y > 0
    (not a log probability, computed all the same), and the clamps' edges;
    18 rows, so that short rows go through a block of 16 and two single
    rows.  Each float32 range scaled by 8 for float64 (its exponent range)."""
    k = 1.0 if dtype == np.float32 else 8.0
    fi = np.finfo(dtype)
    tiny = float(fi.smallest_subnormal)
    ys = [
        rng.uniform(-250 * k, 0, n),                # S about 1e30 (1e240)
        rng.uniform(-300 * k, -60 * k, n),          # S near the top of the range (float32:
                                                    # beyond it)
        rng.uniform(-5, 0, n),                      # S 2 x the least subnormal
        rng.uniform(0, 150 * k, n),                 # y > 0, S about 1e-28 (1e-224)
        np.resize([-200.0 * k, -190.0 * k, -104.0 * k, -87.5 * k, -1e30, -np.inf,
                   -1500.0, -1500.0000000000002, -744.0], n),
        np.resize([300.0 * k, 299.0 * k, 88.7 * k, 1e30, float(fi.max), 1500.0, 709.0], n),
        rng.uniform(-20, 0, n),                     # an ordinary row
    ]
    gs = [
        np.full(n, 1e30**k / n),
        np.full(n, 3e38 if k == 1 else float(fi.max) / (2 * n)),
        np.zeros(n),
        np.full(n, 1e-28**k / n), np.full(n, -1e20), np.full(n, 1e-40 if k == 1 else 1e-300),
        rng.uniform(-1, 1, n),
    ]
    gs[2][:2] = [3 * tiny, -tiny]  # S = 2 x the least subnormal
    rows = [(g, y) for g, y in zip(gs, ys)]
    rows += [(rng.uniform(-1, 1, n), rng.uniform(-30, 0, n) * (i + 1) / 4) for i in range(11)]
    g = np.array([r[0] for r in rows], dtype)
    y = np.array([r[1] for r in rows], dtype)
    return g, y


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("n", [2, 9, 15, 33, 40])
def test_log_softmax_backward_extremes(n, dtype):
    """2 ULP plus 4 U of the larger term at every level, on rows that take the
    FMA form's clamps and scalings to their edges (and rows whose S is zero,
    or subnormal in float64, which take the other form); special values as
    the IEEE formula g - exp(y) sum(g) gives them."""
    rng = np.random.default_rng(n)
    g, y = _lsm_backward_cases(n, dtype, rng)
    specials = np.array([[np.nan, np.inf, -np.inf, 0.0][i % 4] for i in range(n)], dtype)
    g = np.vstack([g, rng.uniform(0.5, 1, (1, n)).astype(dtype),
                   np.resize([1.0, -1.0], (1, n)).astype(dtype)])
    y = np.vstack([y, specials, np.resize([np.inf, 0.0, -3.0], (1, n)).astype(dtype)])
    if n % 2:
        g[-1, -1] = 0.0  # S = 0: exp(+inf) 0 is NaN
    from fractions import Fraction
    Sx = [sum(Fraction(float(v)) for v in row) for row in g]
    tiny = np.finfo(dtype).smallest_subnormal
    assert Sx[2] == 2 * Fraction(float(tiny)) and abs(Sx[1]) > Fraction(float(np.finfo(dtype).max)) / 3
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        yl, gl = y.astype(np.longdouble), g.astype(np.longdouble)
        # the exact S rounded to long double (64 bits)
        with mpmath.workprec(80):
            S = np.array([np.longdouble(mpmath.nstr(mpmath.mpf(s.numerator) / s.denominator, 25))
                          for s in Sx])[:, None]
        t = np.exp(yl) * S
        ref = gl - t  # with IEEE special values: NaN for +inf times 0
        ieee = ref.astype(dtype)
        special = ~np.isfinite(y) | ~np.isfinite(ieee)
        sp = np.maximum(np.spacing(np.abs(ref.astype(dtype))), tiny).astype(np.longdouble)
    allowed = 2 * sp + 4 * U[dtype] * np.maximum(np.abs(gl), np.abs(t))
    for level in LEVELS:
        with isa_level(level):
            got = cact.log_softmax_backward(g, y)
            for i in range(g.shape[0]):  # the rows of a block as single rows
                assert_bitwise(got[i], cact.log_softmax_backward(g[i], y[i]), f"{level} row {i}")
        ok = ~special
        excess = np.abs(got[ok].astype(np.longdouble) - ref[ok]) - allowed[ok]
        assert np.all(excess <= 0), (level, np.argwhere(ok)[np.argmax(excess)])
        np.testing.assert_array_equal(got[special], ieee[special], err_msg=level)
