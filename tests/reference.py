"""Independent references for the activation table, and ULP helpers.

Nothing here imports cact.  Every row of ``cact.ACTIVATIONS`` needs an entry in
``REFERENCES`` (``test_reference.py`` checks that), with

* ``f``, ``grad`` (from x) and ``grad_y`` (the derivative written through
  y = f(x)) as NumPy functions that compute in the dtype of their argument:
  float64 for float32 results, ``np.longdouble`` (80-bit extended on x86) for
  float64 results.  The formulas are the textbook stable ones, chosen where
  possible to differ from cact's (e.g. sigmoid' = s(x) s(-x), tanh' = sech^2);
* ``mp_f``, ``mp_grad``, ``mp_grad_y``: the same in mpmath (scalar mpf in and
  out, ``mp.dps = 40``), used for spot values and, where long double is no
  wider than double, for the float64 references;
* ``c_f``, ``c_grad`` (optional): f and f'(x) as the body of a C function of
  ``double x`` and the parameters (``double alpha``) returning double, with
  the C library: the reference of ``tools/exhaustive_f32.py``, which runs
  every float32 input through cact's C element functions (a double
  reference is exact to about 2^-27 float32 ULP).  A row whose float32
  promise is more than one rounding needs them (``test_reference.py``).

Parameters (``alpha``) are passed as keyword arguments; for float32 results the
caller passes alpha rounded to float32 (cact rounds alpha to the dtype).
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from typing import Callable

import mpmath
import numpy as np

mp = mpmath.mp
MP_DPS = 40

#: True when np.longdouble carries at least 64 mantissa bits (x86 extended or
#: IEEE quad): then it is the float64 reference precision.
LONGDOUBLE_IS_WIDE = np.finfo(np.longdouble).nmant >= 63


def high_dtype(dtype) -> np.dtype:
    """The dtype the reference is evaluated in for results of ``dtype``."""
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return np.dtype(np.float64)
    if dtype == np.float64:
        return np.dtype(np.longdouble) if LONGDOUBLE_IS_WIDE else np.dtype(object)
    raise ValueError(f"no reference precision for {dtype}")


# ------------------------------------------------------------------ numpy forms
def _q(x):
    return np.asarray(x)


def _c(x, v):
    """The constant v in the dtype of x."""
    return x.dtype.type(v)


def _sigmoid(x):
    x = _q(x)
    one = _c(x, 1)
    with np.errstate(all="ignore"):
        pos = one / (one + np.exp(-x))
        ex = np.exp(x)
        neg = ex / (one + ex)
        return np.where(x >= 0, pos, neg)


def _sigmoid_grad(x):
    x = _q(x)
    return _sigmoid(x) * _sigmoid(-x)


def _sigmoid_grad_y(y):
    y = _q(y)
    return y * (_c(y, 1) - y)


def _tanh(x):
    return np.tanh(_q(x))


def _tanh_grad(x):
    x = _q(x)
    with np.errstate(all="ignore"):
        c = np.cosh(x)
        return _c(x, 1) / (c * c)


def _tanh_grad_y(y):
    # (1 - y)(1 + y): no cancellation in the reference precision near |y| = 1
    y = _q(y)
    one = _c(y, 1)
    return (one - y) * (one + y)


def _relu(x):
    x = _q(x)
    return np.where(np.isnan(x), x, np.where(x > 0, x, _c(x, 0)))


def _relu_grad(x):
    x = _q(x)
    return np.where(np.isnan(x), x, np.where(x > 0, _c(x, 1), _c(x, 0)))


def _leaky(x, alpha):
    x = _q(x)
    with np.errstate(all="ignore"):
        return np.where(x > 0, x, _c(x, alpha) * x)


def _leaky_grad(x, alpha):
    x = _q(x)
    return np.where(np.isnan(x), x, np.where(x > 0, _c(x, 1), _c(x, alpha)))


def _clip(x, lo, hi):
    # the reference's own clip: NaN stays (np.where, not np.clip's order of
    # operations); -0.0 below lo = 0 becomes +0.0 as in relu
    x = _q(x)
    return np.where(x <= _c(x, lo), _c(x, lo), np.where(x >= _c(x, hi), _c(x, hi), x))


def _clip_grad(x, lo, hi):
    x = _q(x)
    inside = (x > _c(x, lo)) & (x < _c(x, hi))
    return np.where(np.isnan(x), x, np.where(inside, _c(x, 1), _c(x, 0)))


def _hardsigmoid(x):
    # (clip(x, -3, 3) + 3) / 6 in the reference precision, NaN kept
    x = _q(x)
    c = np.where(x <= -3, _c(x, -3), np.where(x >= 3, _c(x, 3), x))
    return (c + _c(x, 3)) / _c(x, 6)


def _hardswish(x):
    # 0 at and below -3, x at and above 3, x (x + 3) / 6 between, in the
    # reference precision; NaN kept
    x = _q(x)
    with np.errstate(all="ignore"):
        mid = x * (x + _c(x, 3)) / _c(x, 6)
    return np.where(x <= -3, _c(x, 0), np.where(x >= 3, x, mid))


def _hardswish_grad(x):
    x = _q(x)
    with np.errstate(all="ignore"):
        mid = (_c(x, 2) * x + _c(x, 3)) / _c(x, 6)
    return np.where(x <= -3, _c(x, 0), np.where(x >= 3, _c(x, 1), mid))


def _softsign(x):
    # x / (1 + |x|) in the reference precision; +-1 at +-inf (inf / inf)
    x = _q(x)
    with np.errstate(all="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (_c(x, 1) + np.abs(x)))


def _softsign_grad(x):
    x = _q(x)
    d = _c(x, 1) + np.abs(x)
    with np.errstate(all="ignore"):
        return _c(x, 1) / (d * d)


def _softsign_grad_y(y):
    y = _q(y)
    c = _c(y, 1) - np.abs(y)
    return c * c


def _product_pair(x, b):
    """b x = zh + zl in the dtype of x, exactly (to far below its last bit):
    x and b split into 26 + 27 bits (cleared mantissa bits of the doubles),
    the four partial products exact in long double (64 bits) and summed with
    Knuth's TwoSum; zl = 0 where zh is not finite.  exp(b x) needs it: a
    rounding of b x by 2^-64 relative is 745 2^-64 relative in exp(-745)."""
    x = _q(x)
    mask = np.uint64(~((1 << 27) - 1) & (2**64 - 1))
    with np.errstate(all="ignore"):
        xd = x.astype(np.float64)
        bd = np.float64(b)
        xh = (xd.view(np.uint64) & mask).view(np.float64)
        bh = (np.asarray(bd).view(np.uint64) & mask).view(np.float64)
        xh, xl = xh.astype(x.dtype), (xd - xh).astype(x.dtype)
        bh, bl = x.dtype.type(bh), x.dtype.type(bd - bh)

        def two_sum(a, c):
            s = a + c
            v = s - a
            return s, (a - (s - v)) + (c - v)

        s, e1 = two_sum(xh * bh, xh * bl)
        s, e2 = two_sum(s, xl * bh)
        s, e3 = two_sum(s, xl * bl)
        fin = np.isfinite(xd)
        # beta = 0: z = 0 for every x (cact's convention: f' = 1/2 at +-inf)
        # but a NaN, which stays NaN (f(NaN) = NaN, not ln 2 / 0 = inf)
        zh = np.where(fin, s, x * _c(x, b)) if b != 0 else np.where(np.isnan(x), x, _c(x, 0))
        return zh, np.where(fin & (b != 0), e1 + e2 + e3, _c(x, 0))


def _softplus(x, beta):
    # logaddexp(0, z) (NumPy's stable form, in the reference precision) at
    # z = zh, plus sigmoid(zh) zl for the rest of z = beta x
    x = _q(x)
    zh, zl = _product_pair(x, beta)
    with np.errstate(all="ignore"):
        return (np.logaddexp(_c(x, 0), zh) + _sigmoid(zh) * zl) / _c(x, beta)


def _softplus_grad(x, beta):
    # sigmoid(zh + zl) = sigmoid(zh) + sigmoid(zh) sigmoid(-zh) zl
    x = _q(x)
    zh, zl = _product_pair(x, beta)
    with np.errstate(all="ignore"):
        return _sigmoid(zh) + _sigmoid(zh) * _sigmoid(-zh) * zl


def _softplus_grad_y(y, beta):
    # 1 - exp(-(zh + zl)) = -expm1(-zh) + exp(-zh) zl
    y = _q(y)
    zh, zl = _product_pair(y, beta)
    with np.errstate(all="ignore"):
        head = -np.expm1(-zh)
        # where the head overflows (-inf) the low part's term is inf too:
        # inf - inf would be NaN for the value -inf
        return head + np.where((zl == 0) | np.isinf(head), _c(y, 0), np.exp(-zh) * zl)


def _logsigmoid(x):
    # -logaddexp(0, -x) in the reference precision: -0.0 at +inf
    x = _q(x)
    with np.errstate(all="ignore"):
        return -np.logaddexp(_c(x, 0), -x)


def _logsigmoid_grad_y(y):
    y = _q(y)
    with np.errstate(all="ignore"):
        return -np.expm1(y)


def _elu(x, alpha):
    x = _q(x)
    with np.errstate(all="ignore"):
        # x < 0 ? x : 0 * x keeps the sign of -0.0 (elu(-0.0) = -0.0)
        return np.where(x > 0, x, _c(x, alpha) * np.expm1(np.where(x < 0, x, x * _c(x, 0))))


def _elu_grad(x, alpha):
    x = _q(x)
    with np.errstate(all="ignore"):
        return np.where(x > 0, _c(x, 1), _c(x, alpha) * np.exp(np.minimum(x, _c(x, 0))))


def _elu_grad_y(y, alpha):
    y = _q(y)
    return np.where(y > 0, _c(y, 1), y + _c(y, alpha))


def _celu_band(x, q, lo):
    """Where a long-double q = x / alpha is not precise enough: its rounding,
    |q| 2^-64 relative in exp(q), passes 1/100 ULP of float64 for |q| > 16
    (for float32 results, computed in double, 300 2^-53 is far below): those
    points (q between lo and the clamp 1500) take mpmath."""
    if x.dtype.itemsize <= 8:
        return np.zeros(np.shape(x), bool)
    return (np.abs(q) > 16) & (q > lo) & (q < 1500)


def _celu(x, alpha):
    x = _q(x)
    a = _c(x, alpha)
    with np.errstate(all="ignore"):
        q = x / a
        y = np.where(x > 0, x, a * np.expm1(q))
    # alpha > 0: expm1(q) is -1 to far below an ULP from q = -45 on, where q's
    # rounding costs nothing; alpha < 0: q > 0 and the band
    return _gt_mp_points(x, y, lambda v: _mp_celu(v, mp.mpf(alpha)), _celu_band(x, q, 0.0) & (x < 0))


def _celu_grad(x, alpha):
    x = _q(x)
    a = _c(x, alpha)
    with np.errstate(all="ignore"):
        q = x / a
        d = np.where(x > 0, _c(x, 1), np.exp(q))
    # below q = -760, exp(q) is below the float64 subnormals for any g
    return _gt_mp_points(x, d, lambda v: _mp_celu_grad(v, mp.mpf(alpha)), _celu_band(x, q, -760.0) & (x < 0))


def _celu_grad_y(y, alpha):
    # (y + alpha) / alpha: y + alpha is exact near saturation (Sterbenz), so
    # the small derivative there is not lost to the rounding of y / alpha
    y = _q(y)
    a = _c(y, alpha)
    with np.errstate(all="ignore"):
        return np.where(y > 0, _c(y, 1), (y + a) / a)


def _mp_celu(x, alpha):
    return x if x > 0 else alpha * mp.expm1(x / alpha)


def _mp_celu_grad(x, alpha):
    return mp.mpf(1) if x > 0 else mp.exp(x / alpha)


def _mp_celu_grad_y(y, alpha):
    return mp.mpf(1) if y > 0 else y / alpha + 1


# SELU: PyTorch's constants, at the reference precision (strings: a float64
# literal would round them)
_SELU_S = "1.0507009873554804934193349852946"
_SELU_A = "1.6732632423543772848170429916717"
# scale * alpha as two doubles (hi + lo, 106 bits): the derivative from y,
# y + scale alpha, cancels near saturation (y -> -scale alpha) down to the
# last bits of the constant, which one long double (64 bits) does not hold
with decimal.localcontext(decimal.Context(prec=80)):
    _SELU_SA = decimal.Decimal(_SELU_S) * decimal.Decimal(_SELU_A)
    _SELU_SA_HI = float(_SELU_SA)
    # the rest as a decimal string, parsed in the reference dtype (a long
    # double keeps 64 of its bits; as a double it would lose 0.03 ULP of
    # float64 at y = -scale alpha + 1 ULP)
    _SELU_SA_LO = str(_SELU_SA - decimal.Decimal(_SELU_SA_HI))


def _selu(x):
    x = _q(x)
    s, sa = _c(x, _SELU_S), _c(x, _SELU_S) * _c(x, _SELU_A)
    with np.errstate(all="ignore"):
        return np.where(x > 0, s * x, sa * np.expm1(np.where(x < 0, x, x * _c(x, 0))))


def _selu_grad(x):
    x = _q(x)
    s, sa = _c(x, _SELU_S), _c(x, _SELU_S) * _c(x, _SELU_A)
    with np.errstate(all="ignore"):
        return np.where(x > 0, s, sa * np.exp(np.minimum(x, _c(x, 0))))


def _selu_grad_y(y):
    # (y + hi) is exact near saturation (Sterbenz), then + lo
    y = _q(y)
    return np.where(y > 0, _c(y, _SELU_S), (y + _c(y, _SELU_SA_HI)) + _c(y, _SELU_SA_LO))


def _mp_selu(x):
    s, a = mp.mpf(_SELU_S), mp.mpf(_SELU_A)
    return s * x if x > 0 else s * a * mp.expm1(x)


def _mp_selu_grad(x):
    s, a = mp.mpf(_SELU_S), mp.mpf(_SELU_A)
    return s if x > 0 else s * a * mp.exp(x)


def _mp_selu_grad_y(y):
    s, a = mp.mpf(_SELU_S), mp.mpf(_SELU_A)
    return s if y > 0 else y + s * a


# GELU: x Phi(x), Phi the normal distribution function, computed on the tail
# P = Phi(-|x|) so that negative x keep their relative accuracy.  Long double
# (float64 results): exp(-a^2/2) phi with a^2/2 split exactly (a = ah + al,
# ah 32 bits: ah^2, 2 ah al and al^2 are each exact) and
#   a <  1.5: P = 1/2 - phi(a) sum a^(2n+1) / (2n+1)!!  (positive terms),
#   a >= 1.5: P = phi(a) m(a), m the Mills ratio by Laplace's continued
#             fraction 1/(a + 1/(a + 2/(a + 3/(a + ...)))), 400 terms from
#             the tail;
# within 2^-59 relative of mpmath over [0, 41] (a prototype's check).  Float64
# (float32 results): the C library's erfc, P = erfc(a / sqrt 2) / 2 (a / sqrt 2
# rounds, which costs 2 z^2 2^-53 <= 2^-45 of P for the float32 range).
# Near the zero of gelu' (|x - r| < 1e-3 in float64, < 0.05 in long double),
# where Phi(x) and x phi(x) cancel, the derivative comes from mpmath.
_GELU_ROOT = -0.7517915246935645


def _gelu_parts(x):
    """(P, phi) = (Phi(-|x|), phi(|x|)) in the dtype of x."""
    t = x.dtype.type
    a = np.abs(x)
    with np.errstate(all="ignore"):
        if t is np.float64:
            erfc = np.frompyfunc(math.erfc, 1, 1)
            p = np.asarray(erfc(a / np.sqrt(2.0)), dtype=np.float64) / 2
            return p, np.exp(-(a * a) / 2) / np.sqrt(2 * np.pi)
        k = t(4294967297.0)  # 2^32 + 1: Veltkamp's split at 32 bits
        ae = np.minimum(a, t(200))  # exp(-20000) is 0 in long double too
        ah = ae * k - (ae * k - ae)
        al = ae - ah
        e = np.exp(-(ah * ah) / t(2)) * np.exp(-(ah * al)) * np.exp(-(al * al) / t(2))
        ph = e / np.sqrt(t(2) * t("3.14159265358979323846264338327950288"))
        cut = t(1.5)
        ac = np.where(a < cut, cut, a)
        d = ac.copy()
        for k in range(400, 0, -1):
            d = ac + t(k) / d
        tail = ph / d
        asm = np.where(a < cut, a, t(0))
        term, tot, a2 = asm.copy(), asm.copy(), asm * asm
        for n in range(1, 80):
            term = term * a2 / t(2 * n + 1)
            tot = tot + term
        return np.where(a < cut, t(0.5) - ph * tot, tail), ph


def _gelu(x):
    x = _q(x)
    p, _ = _gelu_parts(x)
    with np.errstate(all="ignore"):
        y = np.where(x < 0, x * p, x * (_c(x, 1) - p))
    return np.where(np.isinf(x), np.where(x > 0, x, _c(x, -0.0)), y)


def _gelu_grad(x):
    x = _q(x)
    p, ph = _gelu_parts(x)
    a = np.abs(x)
    with np.errstate(all="ignore"):
        d = np.where(x < 0, p - a * ph, (_c(x, 1) - p) + a * ph)
    # below the zero gelu' is negative: a result that underflows is -0.0
    d = np.where((d == 0) & (x < _GELU_ROOT), _c(x, -0.0), d)
    d = np.where(np.isinf(x), np.where(x > 0, _c(x, 1), _c(x, 0)), d)
    width = 1e-3 if x.dtype == np.float64 else 0.05
    near = np.flatnonzero(np.abs(x.astype(np.float64) - _GELU_ROOT) < width)
    if near.size:
        d = np.array(d, copy=True)
        flat = d.reshape(-1)
        xs = x.reshape(-1)
        with mp.workdps(MP_DPS):
            for i in near:
                v = _mp_gelu_grad(mp.mpf(float(xs[i])))
                hi = float(v)
                flat[i] = x.dtype.type(hi) + x.dtype.type(float(v - hi))
    return d


def _mp_gelu(x):
    if mp.isinf(x):
        return x if x > 0 else mp.mpf(0)
    return x * mp.ncdf(x)


def _mp_gelu_grad(x):
    if mp.isinf(x):
        return mp.mpf(1) if x > 0 else mp.mpf(0)
    return mp.ncdf(x) + x * mp.npdf(x)


def _silu(x):
    # x / (1 + exp(-x)) for x >= 0, x exp(x) / (1 + exp(x)) below (nothing
    # overflows); -0.0 at -inf (the limit: -inf * 0 would be NaN)
    x = _q(x)
    one = _c(x, 1)
    with np.errstate(all="ignore"):
        ex = np.exp(x)
        y = np.where(x >= 0, x / (one + np.exp(-x)), x * ex / (one + ex))
    return np.where(x == -np.inf, _c(x, -0.0), y)


def _silu_grad(x):
    # s (1 + x (1 - s)) with 1 - s = sigmoid(-x): the textbook form (a zero
    # from an underflowed s keeps the sign of 1 + x).  It cancels near the zero x0 = -1.2785 in the reference
    # precision as well (f' = 0.218 (x - x0) there), so within 2^-20 (double,
    # for float32 results) or 2^-3 (long double, 11 bits beyond float64) of
    # x0 the points are computed with mpmath's form instead, where the
    # reference's own rounding would reach 1/256 ULP of the result
    x = _q(x)
    with np.errstate(all="ignore"):
        s = _sigmoid(x)
        d = s * (_c(x, 1) + x * _sigmoid(-x))
    d = np.where(np.isinf(x), np.where(x > 0, _c(x, 1), _c(x, -0.0)), d)
    width = 2.0**-20 if x.dtype.itemsize <= 8 else 2.0**-3
    near = np.abs(x - _c(x, _SILU_X0)) < _c(x, width)
    if near.any():
        d = np.array(d, copy=True, ndmin=1)
        xs = np.array(x, ndmin=1)
        with mp.workdps(MP_DPS):
            for i in np.flatnonzero(near):
                d.flat[i] = x.dtype.type(mp.nstr(_mp_silu_grad(_to_mpf(xs.flat[i])), 40))
        d = d.reshape(np.shape(x))
    return d


# silu's zero of f' (the minimum of f), x0 = -1 - W(1/e)
_SILU_X0 = "-1.27846454276107379510935873902298015543948"


def _mp_silu(x):
    if mp.isinf(x):
        return x if x > 0 else mp.mpf(0)
    return x / (1 + mp.exp(-x))


def _mp_silu_grad(x):
    # s (1 + x (1 - s)) at 40 digits: near x0 the cancellation costs the
    # digits of -log10 |d|, far more than double's 16 left
    if mp.isinf(x):
        return mp.mpf(1) if x > 0 else mp.mpf(0)
    with mp.workdps(MP_DPS + 20):
        s = 1 / (1 + mp.exp(-x))
        return s * (1 + x * (1 - s))


# gelu_tanh: u = sqrt(2/pi) (x + 0.044715 x^3), PyTorch's approximate='tanh'
_GT_C = "0.79788456080286535587989211986876373695171726232986931533185"  # sqrt(2/pi)
_GT_K = "0.044715"
# the zero of gelu_tanh' (the minimum of f), -0.75246...
_GT_X1 = "-0.75246142207101625848795444328891609060539217803762927064"


def _gt_u(x):
    return _c(x, _GT_C) * (x + _c(x, _GT_K) * (x * x * x))


def _gt_mp_points(x, out, fn, near):
    """out with the points where ``near`` holds replaced by mpmath's fn."""
    if not np.any(near):
        return out
    out = np.array(out, copy=True, ndmin=1)
    xs = np.array(x, ndmin=1)
    with mp.workdps(MP_DPS):
        for i in np.flatnonzero(near):
            out.flat[i] = x.dtype.type(mp.nstr(fn(_to_mpf(xs.flat[i])), 40))
    return out.reshape(np.shape(x))


def _gt_band(x):
    # long double: u's own rounding, |2u| 2^-64 relative in e^2u, is |2u|
    # 2^-11 ULP of float64, above the reference's 1/100 ULP where 2u < -10
    # and f is not yet 0 (x in [-22, -3]): mpmath there
    if x.dtype.itemsize <= 8:
        return np.zeros(np.shape(x), bool)
    return (x > -22) & (x < -3)


def _gelu_tanh(x):
    # x >= 0: PyTorch's x/2 (1 + tanh(u)) (no cancellation); x < 0: x e / (1 + e)
    # with e = exp(2u) (1 + tanh(u) = 2 e / (1 + e), which does not cancel)
    x = _q(x)
    with np.errstate(all="ignore"):
        u = _gt_u(x)
        e = np.exp(_c(x, 2) * u)
        pos = _c(x, 0.5) * x * (_c(x, 1) + np.tanh(u))
        y = np.where(x >= 0, pos, x * e / (_c(x, 1) + e))
    y = np.where(x == -np.inf, _c(x, -0.0), y)
    return _gt_mp_points(x, y, _mp_gelu_tanh, _gt_band(x))


def _gelu_tanh_grad(x):
    # 1/2 (1 + tanh u) + x/2 (1 - tanh^2 u) u' for x >= 0; for x < 0 with
    # s = e / (1 + e), e = exp(2u): s (1 + x (1 - s) 2u').  Near the zero x1
    # (the width as silu's) and in the long-double band: mpmath
    x = _q(x)
    one = _c(x, 1)
    with np.errstate(all="ignore"):
        u = _gt_u(x)
        du = _c(x, _GT_C) * (one + _c(x, 3) * _c(x, _GT_K) * x * x)
        t = np.tanh(u)
        pos = _c(x, 0.5) * (one + t) + _c(x, 0.5) * x * ((one - t) * (one + t)) * du
        e = np.exp(_c(x, 2) * u)
        sg = e / (one + e)
        neg = sg * (one + x * (one / (one + e)) * (_c(x, 2) * du))
        d = np.where(x >= 0, pos, neg)
    d = np.where(np.isinf(x), np.where(x > 0, one, _c(x, -0.0)), d)
    width = 2.0**-20 if x.dtype.itemsize <= 8 else 2.0**-3
    near = (np.abs(x - _c(x, _GT_X1)) < _c(x, width)) | _gt_band(x)
    return _gt_mp_points(x, d, _mp_gelu_tanh_grad, near)


def _mp_gelu_tanh(x):
    if mp.isinf(x):
        return x if x > 0 else mp.mpf(0)
    u = mp.mpf(_GT_C) * (x + mp.mpf(_GT_K) * x**3)
    return x / (1 + mp.exp(-2 * u))


def _mp_gelu_tanh_grad(x):
    # d/dx of x/2 (1 + tanh u) = 1/2 (1 + tanh u) + x/2 sech^2(u) u', with
    # 1 + tanh u = 2 s and sech^2 u = 4 s (1 - s), s = sigmoid(2u), at 60
    # digits (near x1 the sum cancels by the digits of -log10 |x - x1|)
    if mp.isinf(x):
        return mp.mpf(1) if x > 0 else mp.mpf(0)
    with mp.workdps(MP_DPS + 20):
        c, k = mp.mpf(_GT_C), mp.mpf(_GT_K)
        u = c * (x + k * x**3)
        s = 1 / (1 + mp.exp(-2 * u))
        return s + x * 2 * s * (1 - s) * c * (1 + 3 * k * x**2)


# mish: x tanh(softplus(x)), the textbook form (cact computes x n / (n + 2),
# n = e (e + 2)): softplus = max(x, 0) + log1p(exp(-|x|)) (no overflow; tanh
# of a small softplus keeps its relative accuracy, so the negative tail is x
# e to the reference precision), tanh' = sech^2 = 1 / cosh^2
_MISH_X1 = "-1.19243121451549521213758834042073940560068640932252931455166"


def _mish_t(x):
    with np.errstate(all="ignore"):
        sp = np.where(x > 0, x, _c(x, 0)) + np.log1p(np.exp(-np.abs(x)))
        return sp, np.tanh(sp)


def _mish(x):
    x = _q(x)
    _, t = _mish_t(x)
    with np.errstate(all="ignore"):
        y = x * t
    return np.where(x == -np.inf, _c(x, -0.0), y)


def _mish_grad(x):
    # t + x sech^2(softplus) sigmoid(x).  It cancels near the zero x1 =
    # -1.1924 (f' = 0.267 (x - x1) there, the terms 0.26): within 2^-20
    # (double, for float32 results) or 2^-3 (long double) of x1, mpmath, as
    # silu's reference
    x = _q(x)
    sp, t = _mish_t(x)
    with np.errstate(all="ignore"):
        c = np.cosh(sp)
        d = t + x * (_c(x, 1) / (c * c)) * _sigmoid(x)
    # below x1 mish' is negative: a result that underflows is -0.0
    d = np.where((d == 0) & (x < _c(x, _MISH_X1)), _c(x, -0.0), d)
    d = np.where(np.isinf(x), np.where(x > 0, _c(x, 1), _c(x, -0.0)), d)
    width = 2.0**-20 if x.dtype.itemsize <= 8 else 2.0**-3
    near = np.abs(x - _c(x, _MISH_X1)) < _c(x, width)
    return _gt_mp_points(x, d, _mp_mish_grad, near)


def _mp_mish(x):
    if mp.isinf(x):
        return x if x > 0 else mp.mpf(0)
    return x * mp.tanh(mp.log1p(mp.exp(x)))


def _mp_mish_grad(x):
    # at 60 digits: near x1 the sum cancels by the digits of -log10 |x - x1|
    if mp.isinf(x):
        return mp.mpf(1) if x > 0 else mp.mpf(0)
    with mp.workdps(MP_DPS + 20):
        t = mp.tanh(mp.log1p(mp.exp(x)))
        return t + x * (1 - t * t) / (1 + mp.exp(-x))


# ----------------------------------------------------------------- mpmath forms
def _mp_sigmoid(x):
    return 1 / (1 + mp.exp(-x))


def _mp_sigmoid_grad(x):
    return _mp_sigmoid(x) * _mp_sigmoid(-x)


def _mp_tanh_grad(x):
    return 1 / mp.cosh(x) ** 2


def _mp_relu(x):
    return x if x > 0 else mp.mpf(0)


def _mp_relu_grad(x):
    return mp.mpf(1) if x > 0 else mp.mpf(0)


def _mp_leaky(x, alpha):
    return x if x > 0 else alpha * x


def _mp_leaky_grad(x, alpha):
    return mp.mpf(1) if x > 0 else mp.mpf(alpha)


def _mp_clip(x, lo, hi):
    return mp.mpf(lo) if x <= lo else (mp.mpf(hi) if x >= hi else x)


def _mp_clip_grad(x, lo, hi):
    return mp.mpf(1) if lo < x < hi else mp.mpf(0)


def _mp_hardsigmoid(x):
    return (_mp_clip(x, -3, 3) + 3) / 6


def _mp_hardswish(x):
    return mp.mpf(0) if x <= -3 else (x if x >= 3 else x * (x + 3) / 6)


def _mp_hardswish_grad(x):
    return mp.mpf(0) if x <= -3 else (mp.mpf(1) if x >= 3 else (2 * x + 3) / 6)


def _mp_softsign(x):
    return mp.sign(x) if mp.isinf(x) else x / (1 + abs(x))


def _mp_softsign_grad(x):
    return 1 / (1 + abs(x)) ** 2


def _mp_softplus(x, beta):
    return mp.log1p(mp.exp(beta * x)) / beta


def _mp_softplus_grad(x, beta):
    return 1 / (1 + mp.exp(-beta * x))


def _mp_softplus_grad_y(y, beta):
    return -mp.expm1(-beta * y)


def _mp_logsigmoid(x):
    return -mp.log1p(mp.exp(-x))


def _mp_elu(x, alpha):
    return x if x > 0 else alpha * mp.expm1(x)


def _mp_elu_grad(x, alpha):
    return mp.mpf(1) if x > 0 else alpha * mp.exp(x)


def _mp_elu_grad_y(y, alpha):
    return mp.mpf(1) if y > 0 else y + alpha


@dataclass(frozen=True)
class Reference:
    f: Callable
    grad: Callable
    grad_y: Callable
    mp_f: Callable
    mp_grad: Callable
    mp_grad_y: Callable
    params: tuple[str, ...] = ()
    # Points where f is not differentiable (skipped by finite differences).
    kinks: tuple[float, ...] = ()
    c_f: str | None = None
    c_grad: str | None = None


REFERENCES: dict[str, Reference] = {
    "sigmoid": Reference(
        _sigmoid, _sigmoid_grad, _sigmoid_grad_y,
        _mp_sigmoid, _mp_sigmoid_grad, lambda y: y * (1 - y),
        # e = exp(-|x|) never overflows; e / (1 + e) for x < 0 has no cancellation
        c_f="double e = exp(-fabs(x)); return (x >= 0 ? 1.0 : e) / (1.0 + e);",
        c_grad="double e = exp(-fabs(x)); return e / ((1 + e) * (1 + e));",
    ),
    "tanh": Reference(
        _tanh, _tanh_grad, _tanh_grad_y,
        mp.tanh, _mp_tanh_grad, lambda y: (1 - y) * (1 + y),
        c_f="return tanh(x);",
        # sech^2 = 4 e / (1 + e)^2 with e = exp(-2|x|): no cancellation, no overflow
        c_grad="double e = exp(-2.0 * fabs(x)); return 4 * e / ((1 + e) * (1 + e));",
    ),
    "relu": Reference(
        _relu, _relu_grad, _relu_grad,
        _mp_relu, _mp_relu_grad, _mp_relu_grad,
        kinks=(0.0,),
    ),
    "leaky_relu": Reference(
        _leaky, _leaky_grad, _leaky_grad,
        _mp_leaky, _mp_leaky_grad, _mp_leaky_grad,
        params=("alpha",), kinks=(0.0,),
    ),
    "elu": Reference(
        _elu, _elu_grad, _elu_grad_y,
        _mp_elu, _mp_elu_grad, _mp_elu_grad_y,
        params=("alpha",), kinks=(0.0,),
        c_f="return x > 0 ? x : alpha * expm1(x);",
        c_grad="return x > 0 ? 1 : alpha * exp(x);",
    ),
    "celu": Reference(
        _celu, _celu_grad, _celu_grad_y,
        _mp_celu, _mp_celu_grad, _mp_celu_grad_y,
        # differentiable at 0 (f' = 1 from both sides), but f'' jumps there
        params=("alpha",), kinks=(0.0,),
        c_f="return x > 0 ? x : alpha * expm1(x / alpha);",
        c_grad="return x > 0 ? 1 : exp(x / alpha);",
    ),
    "selu": Reference(
        _selu, _selu_grad, _selu_grad_y,
        _mp_selu, _mp_selu_grad, _mp_selu_grad_y,
        kinks=(0.0,),
        c_f="const double s = 1.0507009873554804934, sa = s * 1.6732632423543772848;"
            " return x > 0 ? s * x : sa * expm1(x);",
        c_grad="const double s = 1.0507009873554804934, sa = s * 1.6732632423543772848;"
               " return x > 0 ? s : sa * exp(x);",
    ),
    "hardtanh": Reference(
        lambda x, min_val, max_val: _clip(x, min_val, max_val),
        lambda x, min_val, max_val: _clip_grad(x, min_val, max_val),
        lambda y, min_val, max_val: _clip_grad(y, min_val, max_val),
        lambda x, min_val, max_val: _mp_clip(x, min_val, max_val),
        lambda x, min_val, max_val: _mp_clip_grad(x, min_val, max_val),
        lambda y, min_val, max_val: _mp_clip_grad(y, min_val, max_val),
        params=("min_val", "max_val"), kinks=(-1.0, 1.0),
    ),
    "silu": Reference(
        _silu, _silu_grad, None, _mp_silu, _mp_silu_grad, None,
        c_f="return isinf(x) ? (x > 0 ? x : 0.0) : x / (1 + exp(-x));",
        # long double in the C reference: the sum cancels near x0 = -1.2785,
        # where double's 2^-53 would be 10^5 float32 ULPs of f'
        c_grad="long double s = 1 / (1 + expl(-(long double)x));"
               " return isinf(x) ? (x > 0 ? 1.0 : -0.0) : (double)(s * (1 + x * (1 - s)));",
    ),
    "gelu_tanh": Reference(
        _gelu_tanh, _gelu_tanh_grad, None, _mp_gelu_tanh, _mp_gelu_tanh_grad, None,
        # long double: x e^2u / (1 + e^2u) below 0, PyTorch's tanh form above
        c_f="if (isinf(x)) return x > 0 ? x : -0.0;"
            " long double X = x, u = 0.797884560802865355879892119869L * (X + 0.044715L * X * X * X);"
            " if (x >= 0) return (double)(0.5L * X * (1 + tanhl(u)));"
            " long double e = expl(2 * u); return (double)(X * e / (1 + e));",
        c_grad="if (isinf(x)) return x > 0 ? 1.0 : -0.0;"
               " long double X = x, c = 0.797884560802865355879892119869L, k = 0.044715L;"
               " long double u = c * (X + k * X * X * X), du = c * (1 + 3 * k * X * X);"
               " long double s = 1 / (1 + expl(-2 * u));"
               " return (double)(s + X * 2 * s * (1 - s) * du);",
    ),
    "mish": Reference(
        _mish, _mish_grad, None, _mp_mish, _mp_mish_grad, None,
        # long double: mish' cancels near x1 = -1.1924, where double's 2^-53
        # would be many float32 ULPs of f'
        c_f="if (isinf(x)) return x > 0 ? x : -0.0;"
            " long double X = x, s = (X > 0 ? X : 0) + log1pl(expl(-fabsl(X)));"
            " return (double)(X * tanhl(s));",
        c_grad="if (isinf(x)) return x > 0 ? 1.0 : -0.0;"
               " long double X = x, s = (X > 0 ? X : 0) + log1pl(expl(-fabsl(X)));"
               " long double t = tanhl(s), c = coshl(s);"
               " return (double)(t + X / (c * c) / (1 + expl(-X)));",
    ),
    "relu6": Reference(
        lambda x: _clip(x, 0, 6), lambda x: _clip_grad(x, 0, 6), lambda y: _clip_grad(y, 0, 6),
        lambda x: _mp_clip(x, 0, 6), lambda x: _mp_clip_grad(x, 0, 6),
        lambda y: _mp_clip_grad(y, 0, 6),
        kinks=(0.0, 6.0),
    ),
    "hardswish": Reference(
        _hardswish, _hardswish_grad, None, _mp_hardswish, _mp_hardswish_grad, None,
        kinks=(-3.0, 3.0),
        c_f="return x <= -3 ? 0 : (x >= 3 ? x : x * (x + 3) / 6);",
        c_grad="return x <= -3 ? 0 : (x >= 3 ? 1 : (2 * x + 3) / 6);",
    ),
    "softsign": Reference(
        _softsign, _softsign_grad, _softsign_grad_y,
        _mp_softsign, _mp_softsign_grad, lambda y: (1 - abs(y)) ** 2,
        # f is smooth at 0 but f'' jumps there (-+2), which puts a central
        # difference off by h: skipped as a kink
        kinks=(0.0,),
        c_f="return isinf(x) ? copysign(1.0, x) : x / (1 + fabs(x));",
        c_grad="double d = 1 + fabs(x); return 1 / (d * d);",
    ),
    "softplus": Reference(
        _softplus, _softplus_grad, _softplus_grad_y,
        _mp_softplus, _mp_softplus_grad, _mp_softplus_grad_y,
        params=("beta",),
        c_f="double z = beta * x; return z > 0 ? (z + log1p(exp(-z))) / beta : log1p(exp(z)) / beta;",
        c_grad="double e = exp(-fabs(beta * x)); return (beta * x >= 0 ? 1.0 : e) / (1.0 + e);",
    ),
    "logsigmoid": Reference(
        _logsigmoid, lambda x: _sigmoid(-_q(x)), _logsigmoid_grad_y,
        _mp_logsigmoid, lambda x: 1 / (1 + mp.exp(x)), lambda y: -mp.expm1(y),
        c_f="return x < 0 ? x - log1p(exp(x)) : -log1p(exp(-x));",
        c_grad="double e = exp(-fabs(x)); return (x <= 0 ? 1.0 : e) / (1.0 + e);",
    ),
    "hardsigmoid": Reference(
        _hardsigmoid, lambda x: _clip_grad(x, -3, 3) / _c(_q(x), 6), lambda y: _clip_grad(y, 0, 1) / _c(_q(y), 6),
        _mp_hardsigmoid, lambda x: _mp_clip_grad(x, -3, 3) / 6, lambda y: _mp_clip_grad(y, 0, 1) / 6,
        kinks=(-3.0, 3.0),
        c_f="double c = x <= -3 ? -3 : (x >= 3 ? 3 : x); return (c + 3) / 6;",
        c_grad="return x > -3 && x < 3 ? 1.0 / 6 : 0;",
    ),
    "gelu": Reference(
        _gelu, _gelu_grad, None, _mp_gelu, _mp_gelu_grad, None,
        # long double in C (80-bit on x86): gelu' cancels near its zero, where
        # a double reference would be off by many float32 ULPs
        c_f="long double X = x; return isinf(x) ? (x > 0 ? x : -0.0)"
            " : (double)(X * 0.5L * erfcl(-X * 0.70710678118654752440L));",
        c_grad="long double X = x; return isinf(x) ? (x > 0 ? 1.0 : 0.0)"
               " : (double)(0.5L * erfcl(-X * 0.70710678118654752440L)"
               " + X * expl(-0.5L * X * X) * 0.39894228040143267794L);",
    ),
}


# ------------------------------------------------------------------- evaluation
def mp_eval(fn, *arrays, **params):
    """Apply the scalar mpmath function elementwise; returns an object array of mpf."""
    with mp.workdps(MP_DPS):
        ps = {k: mp.mpf(v) for k, v in params.items()}

        def one(*xs):
            return fn(*[mp.mpf(float(v)) for v in xs], **ps)

        return np.frompyfunc(one, len(arrays), 1)(*arrays)


def evaluate(name: str, variant: str, dtype, *args, **params):
    """The reference for one variant, in the high precision of ``dtype``.

    variant: "f" (args: x), "grad" (x), "backward_x" (g, x), "backward_y" (g, y).
    The inputs are the exact float32/float64 values given to cact.
    Returns an array of ``high_dtype(dtype)``.
    """
    ref = REFERENCES[name]
    hd = high_dtype(dtype)
    if hd == object:
        with mp.workdps(MP_DPS):
            if variant == "f":
                return mp_eval(ref.mp_f, *args, **params)
            if variant == "grad":
                return mp_eval(ref.mp_grad, *args, **params)
            fn = ref.mp_grad if variant == "backward_x" else ref.mp_grad_y
            return mp_eval(lambda g, v, **p: g * fn(v, **p), *args, **params)
    with np.errstate(invalid="ignore"):  # signalling NaNs
        hi = [np.asarray(a).astype(hd) for a in args]
    if variant == "f":
        return np.asarray(ref.f(hi[0], **params))
    if variant == "grad":
        return np.asarray(ref.grad(hi[0], **params))
    fn = ref.grad if variant == "backward_x" else ref.grad_y
    with np.errstate(all="ignore"):
        return np.asarray(hi[0] * fn(hi[1], **params))


# ---------------------------------------------------------------------- ULPs
def ulp_of(ref, dtype):
    """One ULP of ``dtype`` at the magnitude of ``ref`` (a high-precision array).

    ``2**(floor(log2 |ref|) - nmant)`` for normal magnitudes; the smallest
    subnormal spacing for zeros and subnormal magnitudes.  Returned in the
    dtype of ``ref`` (float for object arrays).
    """
    fi = np.finfo(dtype)
    ref = np.asarray(ref)
    if ref.dtype == object:
        out = np.empty(ref.shape, dtype=object)
        with mp.workdps(MP_DPS):
            for i, r in np.ndenumerate(ref):
                a = abs(mp.mpf(r))
                if not mp.isfinite(a):  # an infinity or NaN: ulp_error compares them itself
                    out[i] = mp.mpf(1)
                elif a < fi.smallest_normal:
                    out[i] = mp.mpf(float(fi.smallest_subnormal))
                else:
                    # floor(log2 a) exactly: the exponent of a's binary form
                    out[i] = mp.ldexp(1, int(mp.frexp(a)[1]) - 1 - fi.nmant)
        return out
    a = np.abs(ref)
    with np.errstate(all="ignore"):
        _, e = np.frexp(a)
        u = np.ldexp(np.ones_like(a), e - 1 - fi.nmant)
    tiny = a.dtype.type(fi.smallest_subnormal)
    return np.where(a < a.dtype.type(fi.smallest_normal), tiny, u)


def _to_mpf(v):
    """An mpf holding exactly the float32/float64/long double value v."""
    hi = float(v)
    if not np.isfinite(hi) or np.asarray(v).dtype.itemsize <= 8:
        return mp.mpf(hi)
    # the mantissa in [1/2, 1) as two doubles (64 bits), then the exponent:
    # exact also where v is below the doubles' normal range (a float64
    # subnormal result's reference, gelu(-38.4) = -7.4e-322)
    m, e = np.frexp(v)
    mh = float(m)
    with mp.workdps(MP_DPS):
        return mp.ldexp(mp.mpf(mh) + mp.mpf(float(m - type(m)(mh))), int(e))


def _overflowed(ref, dtype):
    """ref with the values whose correct rounding to dtype is an infinity
    (half an ULP beyond the largest finite value, or more) replaced by it:
    selu(3.3e38) in float32 is +inf, its float64 reference 3.5e38."""
    fi = np.finfo(dtype)
    if ref.dtype == object:
        with mp.workdps(MP_DPS):
            lim = mp.mpf(float(fi.max)) * (1 + mp.mpf(2) ** -(fi.nmant + 1))
            out = ref.copy()
            for i, r in np.ndenumerate(ref):
                r = mp.mpf(r)
                if mp.isfinite(r) and abs(r) >= lim:
                    out[i] = mp.mpf("inf") if r > 0 else mp.mpf("-inf")
            return out
    with np.errstate(over="ignore"):
        lim = ref.dtype.type(fi.max) * (1 + ref.dtype.type(2.0) ** -(fi.nmant + 1))
    if not np.isfinite(lim):  # ref in the dtype itself: nothing beyond it
        return ref
    with np.errstate(invalid="ignore"):
        return np.where(np.abs(ref) >= lim, np.copysign(ref.dtype.type(np.inf), ref), ref)


def ulp_error(result, ref, dtype=None):
    """|result - ref| in ULPs of the result's dtype at the reference value.

    NaN/NaN and equal infinities count as 0; any other mismatch of
    non-finite values is inf.  ``ref`` is the high-precision reference.
    """
    result = np.asarray(result)
    dtype = np.dtype(dtype or result.dtype)
    ref = _overflowed(np.asarray(ref), dtype)
    if ref.dtype == object:
        with mp.workdps(MP_DPS):
            u = ulp_of(ref, dtype)
            err = np.empty(ref.shape, dtype=np.float64)
            for i, r in np.ndenumerate(ref):
                v = result[i]
                r = mp.mpf(r)
                if mp.isnan(r) or np.isnan(v):
                    err[i] = 0.0 if (mp.isnan(r) and np.isnan(v)) else np.inf
                elif mp.isinf(r) or np.isinf(v):
                    err[i] = 0.0 if _to_mpf(v) == r else np.inf
                else:
                    err[i] = float(abs(_to_mpf(v) - r) / u[i])
        return err
    with np.errstate(invalid="ignore"):  # signalling NaNs
        res = result.astype(ref.dtype)
    u = ulp_of(ref, dtype)
    with np.errstate(all="ignore"):
        err = np.abs(res - ref) / u
    rn, fn = np.isnan(ref), np.isnan(res)
    nonfinite = ~np.isfinite(ref) | ~np.isfinite(res)
    err = np.where(nonfinite, np.where(res == ref, 0.0, np.inf), err)
    err = np.where(rn | fn, np.where(rn & fn, 0.0, np.inf), err)
    return err.astype(np.float64)


# ------------------------------------------------------------------ test data
def dense_sample(dtype, n_core: int = 200_000, seed: int = 12345) -> np.ndarray:
    """Deterministic inputs of ``dtype``: a dense core over [-30, 30], both
    tails (to +-800 for float64, +-110 for float32, beyond which everything
    saturates), tiny and subnormal magnitudes of both signs, and +-0."""
    dtype = np.dtype(dtype)
    rng = np.random.default_rng(seed)
    tail = 800.0 if dtype == np.float64 else 110.0
    fi = np.finfo(dtype)
    tiny = np.logspace(np.log10(float(fi.smallest_subnormal)), -3, 4000)
    parts = [
        rng.uniform(-30.0, 30.0, n_core),
        np.linspace(-30.0, 30.0, 6001),  # includes the integers and 0
        rng.uniform(30.0, tail, 20_000),
        -rng.uniform(30.0, tail, 20_000),
        tiny,
        -tiny,
        [0.0, -0.0],
    ]
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]).astype(dtype)
