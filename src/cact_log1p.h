/*
 * cact_log1p.h -- the log1p core: log(1 + t) for t in [0, 1], which is all
 * that softplus, logsigmoid and mish need (log1p(exp(-|x|)): the argument is
 * an exponential of a non-positive number).  Two precisions, as the exp
 * cores (cact_exp32.h, cact_exp.h):
 *   cact_log1p32(t)          float32 functions: in double, relative error
 *                            below 2^-35.7 (a float32 budget, not double's);
 *   cact_log1p_dw_f64(th, tl, &lo)
 *                            float64 functions: t given as a double-word
 *                            th + tl, log1p(t) returned as a double-word
 *                            hi + lo, relative error about 2^-56.4;
 *   cact_log1p_wide_f64(th, tl, &lo)
 *                            the same for any finite t >= 0 (log_softmax).
 * Plain arithmetic and selects only (no libm call, no data-dependent branch,
 * no table), so the loops that call it vectorise at every level.
 *
 * Identity.  With k = 0 or 1 chosen so that 1 + u = (1 + t) / 2^k lies in
 * [sqrt(2)/2, sqrt(2)]:
 *     log1p(t) = k ln2 + log(1 + u) = k ln2 + 2 atanh(s),  s = u / (2 + u),
 * since (1 + s) / (1 - s) = 1 + u.  For t in [0, 1] the reduction needs no
 * exponent extraction: k = 1 exactly when t >= sqrt(2) - 1, and then
 * u = (t - 1) / 2, which is exact (t - 1 by Fast2Sum, the halving by
 * scaling); k = 0 gives u = t itself.  So u is in [-0.2929, 0.4143], |s| <=
 * (sqrt 2 - 1) / (sqrt 2 + 1) = 0.171573 and z = s^2 <= 0.0294373.  The cut
 * is taken on th alone and need not be exact: either branch is valid a few
 * ulps across it (the fitting interval below is widened to z <= 0.02944).
 *
 * Polynomial.  2 atanh(s) = 2 s + s z R(z), R(z) = sum 2 z^k / (2k + 3) =
 * 2/3 + 2z/5 + ...; R is replaced by a polynomial in z on [0, 0.02944],
 * near-minimax (Chebyshev interpolation with mpmath at 80 digits,
 * coefficients rounded to double: tools/fit_log1p.py fits them and prints
 * the error).  The term s z R(z) is at most z R / 2 <= 0.0099 of the result,
 * so its own rounding errors (a few 2^-53 relative) enter the result damped
 * by that factor.
 *   float32: degree 3, |s z (p - R)| <= 2^-35.8 of 2 atanh(s);
 *   float64: degree 7, 2^-60.7.
 *
 * Special values: t = 0 gives +0 (s = 0); a tiny t (down to the normal
 * range; callers keep t >= 2^-1022 in float64, any double in float32)
 * gives t itself to the last bit, as the leading term is 2 (t / 2); NaN goes
 * through as NaN.  Inputs outside [0, 1] are not supported (callers clamp).
 */
#ifndef CACT_LOG1P_H
#define CACT_LOG1P_H

#include "cact_exp.h"

/* sqrt(2) - 1 rounded to double: where k switches from 0 to 1 (the exact
 * value does not matter, see above). */
#define CACT_SQRT2M1 0.41421356237309503 /* 0x1.a827999fcef32p-2 */

/* ------------------------------------------------------------- float32
 * log1p(t) for t in [0, 1] in double.  u = t or (t - 1) / 2: the second is
 * one rounding of t - 1 (at most 2^-54 absolute, against a result >= 0.35)
 * and an exact halving.  s = u / (2 + u): two roundings, 2^-52 relative; the
 * polynomial term adds 0.0099 (2^-35.8 + a few 2^-53); the sum with k ln2
 * (ln2 rounded to double) and its rounding: 2^-52.  In all below 2^-35.7
 * relative, which a float32 result rounded once from it turns into 0.5 ULP
 * plus 2^-11.7 ULP. */
CACT_INLINE double cact_log1p32_r(double z)
{
    double p = 0.2333057432907243;                 /* 0x1.ddcf66cb38974p-3 */
    p = cact_madd_f64(p, z, 0.2855081687937602);   /* 0x1.245c40ded716cp-2 */
    p = cact_madd_f64(p, z, 0.40000121874506667);  /* 0x1.9999eb637b16ap-2 */
    return cact_madd_f64(p, z, 0.6666666655445466); /* 0x1.5555554bb1c3ep-1 */
}

/* e ln2 + log(1 + u) = e ln2 + 2 atanh(s), s = u / (2 + u), for u in
 * [-0.2930, 0.4143] and an integer-valued e >= 0 (e = 0 or 1 gives the bits
 * of 0 + (...) and ln2 + (...): fma(1, a, b) is a + b rounded once). */
CACT_INLINE double cact_log1p32_core(double e, double u)
{
    const double s = u / (2.0 + u);
    const double z = s * s;
    return cact_madd_f64(e, CACT_LN2_HI_f64, cact_madd_f64(s * z, cact_log1p32_r(z), 2.0 * s));
}

CACT_INLINE double cact_log1p32(double t)
{
    const int k = t >= CACT_SQRT2M1;
    return cact_log1p32_core(k ? 1.0 : 0.0, k ? (t - 1.0) * 0.5 : t);
}

/* The exponent e of w sqrt(2) for a finite w >= 1, as a double, and 2^-e in
 * *p: w 2^-e is then in [sqrt(2)/2, sqrt(2)] (an ulp beyond at the cut).
 * Read from the bits: e + 1023 is in the low bits of the exponent field,
 * made a double by the 2^52 trick (an or with 2^52's bits and a subtraction
 * of 2^52 + 1023: no int64 conversion, which AVX2 lacks), so the callers'
 * loops vectorise. */
CACT_INLINE double cact_log1p_exponent(double w, double *p)
{
    const uint64_t eb = cact_bits_f64(w * 1.4142135623730951) >> 52; /* 0x1.6a09e667f3bcdp0 */
    const double e = cact_from_bits_f64(eb | 0x4330000000000000ULL) - 4503599627371519.0;
    *p = cact_pow2i_f64(-e);
    return e;
}

/* log1p(t) for any finite t >= 0 in double, for float32 results: log_softmax's
 * log of a row's sum s = 1 + t, t up to the row length (src/cact_softmax.h).
 * Relative error below 2^-35.5.
 *
 * Reduction: with w = 1 + t rounded and e the exponent of w sqrt(2) (read
 * from its bits, no libm), 1 + t = 2^e (1 + f) with 1 + f = w / 2^e in
 * [sqrt(2)/2, sqrt(2)] (an ulp beyond at the cut, where either e is valid:
 * the polynomial's interval is widened for that), f = w 2^-e - 1 exact
 * (Sterbenz); then log1p(t) = e ln2 + 2 atanh(s), s = f / (2 + f), as in
 * cact_log1p32.  e = 0 (t below about sqrt(2) - 1): f = t itself, so a tiny
 * t keeps its full relative accuracy (log1p(1e-30) = 1e-30).  e >= 1: t >=
 * 0.41 and the rounding of 1 + t, 2^-53 of w, is at most 2^-51.5 of the
 * result; e ln2 adds two roundings.  e from the bits (cact_log1p_exponent),
 * so the function vectorises. */
CACT_INLINE double cact_log1p32_wide(double t)
{
    double p;
    const double w = 1.0 + t;
    const double e = cact_log1p_exponent(w, &p);
    return cact_log1p32_core(e, e == 0.0 ? t : w * p - 1.0);
}

/* ------------------------------------------------------------- float64
 * log1p(th + tl) = hi + lo for th in [0, 1], |tl| <= ulp(th) (a normalised
 * double-word), th = 0 or th >= 2^-1021 (so that th / 2 is exact).
 *
 *   u = uh + ul exactly: k = 0: th + tl; k = 1: (th - 1) / 2, with th - 1
 *       = d1 + e1 by Fast2Sum (|-1| >= th), then (e1 + tl) / 2 (one
 *       rounding of a term below 2^-52, 2^-105 relative to the result);
 *   s = sh + sl = u / (2 + u): 2 + uh = dh + dl by Fast2Sum (2 >= |uh|),
 *       + ul; sh = uh / dh rounded, the residual uh - sh dh exact in one
 *       fma (sh is within an ulp of the quotient), sl = (residual - sh dl +
 *       ul) / dh, a correction that needs only a few correct bits;
 *   2 atanh(s) = 2 sh + 2 sl + sh z R(z) with z = sh^2 (sl's effect on the
 *       cubic term, 2 s^2 sl, is below 2^-57 of the result's ulp);
 *   k ln2 + 2 sh = h + e by Fast2Sum (ln2 >= |2 sh| for k = 1; h = 2 sh,
 *       e = 0 for k = 0), lo = e + (k LN2_LO + 2 sl + cubic), renormalised.
 * Error: the cubic term's (2^-60.7 from the polynomial, a few 2^-53 of
 * rounding times 0.0099, sl left out of it: 2^-58) and ln2's 2^-108: about
 * 2^-56.4 relative (the largest against mpmath at 200 bits over 30000
 * points, just above the cut sqrt(2) - 1; 2^-57.1 on 25000 points spread
 * over [0, 1]), 1/10 ULP of a double result.  No step overflows or
 * underflows for th in [2^-1021, 1] but the cubic term of a tiny s (then far
 * below lo's ulp). */
CACT_INLINE double cact_log1p_r_f64(double z)
{
    double p = 0.1308675766695207;                 /* 0x1.0c044ccf380aap-3 */
    p = cact_madd_f64(p, z, 0.13268760562036724);  /* 0x1.0fbe84f5caccap-3 */
    p = cact_madd_f64(p, z, 0.15386240172447838);  /* 0x1.3b1c35fbecd93p-3 */
    p = cact_madd_f64(p, z, 0.18181795631498243);  /* 0x1.745cf90196560p-3 */
    p = cact_madd_f64(p, z, 0.22222222391794727);  /* 0x1.c71c720160332p-3 */
    p = cact_madd_f64(p, z, 0.28571428570803253);  /* 0x1.2492492476c8bp-2 */
    p = cact_madd_f64(p, z, 0.4000000000000088);   /* 0x1.9999999999a38p-2 */
    return cact_madd_f64(p, z, 0.6666666666666666); /* 0x1.5555555555555p-1 */
}

/* The steps after the reduction: a + al + log(1 + uh + ul) = hi + lo for u
 * in [-0.2930, 0.4143] (|ul| <= 2^-52) and a + al = k ln2 (k >= 0 an
 * integer, a = 0 or a >= ln2 > |2 sh|, so h = a + 2 sh is a Fast2Sum). */
CACT_INLINE double cact_log1p_core_f64(double a, double al, double uh, double ul, double *lo)
{
    const double dh = 2.0 + uh;
    const double dl = ((2.0 - dh) + uh) + ul;
    const double sh = uh / dh;
    const double res = cact_fma_f64(-sh, dh, uh);
    const double sl = (cact_fma_f64(-sh, dl, res) + ul) / dh;
    const double z = sh * sh;
    /* 2 sl + cubic as one madd: left to the compiler, the product of the
     * cubic was fused into the sum in vectorised loops only */
    const double tail = cact_madd_f64(sh * z, cact_log1p_r_f64(z), 2.0 * sl);
    const double b = 2.0 * sh;
    const double h = a + b;
    const double l = ((a - h) + b) + (al + tail);
    const double hi = h + l;
    *lo = (h - hi) + l;
    return hi;
}

CACT_INLINE double cact_log1p_dw_f64(double th, double tl, double *lo)
{
    const int k = th >= CACT_SQRT2M1;
    const double d1 = th - 1.0;
    const double e1 = th - (d1 + 1.0);
    const double uh = k ? 0.5 * d1 : th;
    const double ul = k ? 0.5 * (e1 + tl) : tl;
    return cact_log1p_core_f64(k ? CACT_LN2_HI_f64 : 0.0, k ? CACT_LN2_LO_f64 : 0.0, uh, ul, lo);
}

/* log1p(th + tl) = hi + lo for any finite th >= 0 (th = 0 or th >= 2^-1021,
 * |tl| <= ulp(th)): float64 log_softmax's log of a row's sum s = 1 + t, t up
 * to the row's length (src/cact_softmax.h), vectorised across the rows of a
 * block where libm's log1p cost about 10 ns a row.  Relative error about
 * 2^-56.4, as cact_log1p_dw_f64 (measured the same way, t up to 3e6 and
 * down to 1e-300; libm's log1p: within 1 ULP).
 *
 * Reduction: w + wl = 1 + th exactly (Knuth's TwoSum: th may exceed 1), tl
 * added to wl (one rounding of a term below 2^-52 of w); e the exponent of
 * w sqrt(2) read from its bits (cact_log1p_exponent), so that
 * 1 + t = 2^e (1 + u) with
 * 1 + u = (w + wl) 2^-e in [sqrt(2)/2, sqrt(2)] (an ulp beyond at the cut,
 * where either e is valid: the core's interval is widened for that);
 *   e = 0:  u = th + tl itself (t below about sqrt(2) - 1), so a tiny t
 *           keeps its full relative accuracy;
 *   e >= 1: uh = w 2^-e - 1, exact (Sterbenz), ul = wl 2^-e.
 * e ln2 = e H1 + (e H2 + e LN2_LO) with LN2_HI = H1 + H2 split at 27 bits
 * (cact_exp.h): e H1 is exact for e < 2^26 and is the Fast2Sum's leading
 * term; the rest, below 2^-27 e, enters the low part with a rounding of
 * 2^-80 e, far below 2^-57 of the result (>= e ln2). */
CACT_INLINE double cact_log1p_wide_f64(double th, double tl, double *lo)
{
    double p;
    const double w = 1.0 + th, v = w - 1.0;
    const double wl = ((1.0 - (w - v)) + (th - v)) + tl;
    const double e = cact_log1p_exponent(w, &p);
    const int one = e == 0.0;
    const double uh = one ? th : w * p - 1.0;
    const double ul = one ? tl : wl * p;
    return cact_log1p_core_f64(e * CACT_LN2_H1_f64,
                               cact_madd_f64(e, CACT_LN2_LO_f64, e * CACT_LN2_H2_f64), uh, ul, lo);
}

#endif /* CACT_LOG1P_H */
