/*
 * cact_exp_t.h -- the double-word exp core, written for a generic type T;
 * included by cact_exp.h with CACT_T double and CACT_SFX f64 (the float32
 * functions use cact_exp32.h instead; the float figures below are what the
 * same code gives in float arithmetic).  No include guard on purpose.  See
 * cact_exp.h for the overview.
 *
 * Notation: U is the unit roundoff of T (2^-24 float, 2^-53 double).
 */
#define CACT_CAT_(a, b) a##_##b
#define CACT_CAT(a, b) CACT_CAT_(a, b)
#define CACT_FN(name) CACT_CAT(name, CACT_SFX)
#define CACT_K(name) CACT_CAT(name, CACT_SFX)

/* Range reduction: a = n ln2 + r for a <= 0, already clamped.
 *
 *   n = round(a / ln2), with the SHIFT trick (any nearby integer would do:
 *       the polynomial covers |r| <= ln2/2 + 5e-4);
 *   r = a - n LN2_HI, one fma: exact.  n LN2_HI is a multiple of 2^-p
 *       (float: 2^-24) and so is a when |a| >= 1/2; the difference is below
 *       1/2 in magnitude, so it fits in p bits.  For |a| < 1/2, n is 0 or
 *       -1 and the same argument holds with a's own ulp;
 *   c = -n LN2_LO, the rest of the reduction: |c| <= 289 * 1.9e-9 (float),
 *       2165 * 2.3e-17 (double), far below U, so exp(c) = 1 + c to within
 *       c^2/2 < 2^-60 U.
 * Then exp(a) = 2^n exp(r) (1 + c) and
 *   exp(r) (1 + c) - 1 = r + [r^2 g(r) + c (1 + r + r^2 g(r))] = r + L
 * with r exact and L small (|L| <= 0.07): its rounding errors are a few
 * 2^-4 U at most, the polynomial's 0.01 U.  Returns n; r and L go out. */
CACT_INLINE CACT_T CACT_FN(cact_exp_reduce)(CACT_T a, CACT_T *r, CACT_T *L)
{
    const CACT_T n = (a * CACT_K(CACT_LOG2E) + CACT_K(CACT_SHIFT)) - CACT_K(CACT_SHIFT);
#ifdef CACT_HW_FMA
    const CACT_T rr = CACT_FN(cact_fma)(-n, CACT_K(CACT_LN2_HI), a);
#else
    /* Without the instruction (the baseline level), not the emulated fma
     * (about 20 operations) but Cody and Waite's two steps with LN2_HI split
     * as H1 + H2 exactly (H1: 27 significant bits, H2: 26): n H1 and n H2 are
     * exact (|n| <= 2165 has 12 bits); t = a - n H1 is exact (both multiples
     * of 2^-53, or of a's ulp when |a| < 1/2, and |t| < 1/2: the argument
     * above); t - n H2 rounds once to r, which is representable: the same
     * bits as the fma. */
    const CACT_T rr = (a - n * CACT_K(CACT_LN2_H1)) - n * CACT_K(CACT_LN2_H2);
#endif
    const CACT_T c = -n * CACT_K(CACT_LN2_LO);
    const CACT_T p = (rr * rr) * CACT_FN(cact_exp_g)(rr);
    *r = rr;
    *L = p + CACT_FN(cact_fma)(c, rr + p, c);
    return n;
}

/* exp(a) = 2^n (Eh + El) for EXP_LO <= a <= 0 (or NaN): Eh + El in
 * [0.70, 1.42] to about 0.07 U, as a normalised double-word.
 *   s = r + L rounded, e1 its exact rounding error (Fast2Sum: |r| >= |L|
 *     whenever the error matters; when r is tinier than L both are below U^2);
 *   Eh = 1 + s, El = ((1 - Eh) + s) + e1 (Fast2Sum, |1| >= |s|). */
CACT_INLINE CACT_T CACT_FN(cact_exp_dw)(CACT_T a, CACT_T *Eh, CACT_T *El)
{
    CACT_T r, L;
    const CACT_T n = CACT_FN(cact_exp_reduce)(a, &r, &L);
    const CACT_T s = r + L;
    const CACT_T e1 = (r - s) + L;
    const CACT_T h = (CACT_T)1 + s;
    *Eh = h;
    *El = (((CACT_T)1 - h) + s) + e1;
    return n;
}

/* exp(a) - 1 = th + tl for EXPM1_LO <= a <= 0 (or NaN), without cancellation:
 *   exp(a) - 1 = (s - 1) + s r + s L,  s = 2^n (normal: n >= -73).
 * s - 1 is a Fast2Sum of -1 and s (hi + 1 is exact for hi in [-1, 0]), s r and
 * s L are exact scalings; (s - 1) + s r is a Fast2Sum again (|s - 1| >= 1/2
 * >= |s r| for n <= -1, and s - 1 = 0 for n = 0, where th = r exactly, so tiny
 * a keep their full relative accuracy), renormalised.  Relative error about
 * 0.1 U.
 * a = -0.0 gives th = +0.0: callers that care about the sign select. */
CACT_INLINE void CACT_FN(cact_expm1_dw)(CACT_T a, CACT_T *th, CACT_T *tl)
{
    CACT_T r, L;
    const CACT_T n = CACT_FN(cact_exp_reduce)(a, &r, &L);
    const CACT_T s = CACT_FN(cact_pow2i)(n);
    const CACT_T hi = s - (CACT_T)1;
    const CACT_T lo = s - (hi + (CACT_T)1);
    const CACT_T b = s * r;
    const CACT_T h = hi + b;
    const CACT_T l = ((hi - h) + b) + (lo + s * L);
    /* renormalise (Fast2Sum, |h| >= |l|): for n = 0, L is up to r^2/2, not
     * small against r, and the callers' corrections assume |tl| <= ulp(th) */
    *th = h + l;
    *tl = (h - *th) + l;
}

/* 2^n = s1 s2 s3 for an integer-valued n in [-2200, 0] (the clamps keep it
 * there), each factor a normal number (n/3 >= -734 > -1022; float: n >= -289,
 * n/3 >= -97 > -126).  Multiplying a result by s1, s2, s3 in turn is exact
 * until the last product, so a subnormal result is rounded once.  s1 carries
 * the rounding down: n <= -1 gives s1 <= 1/2. */
CACT_INLINE void CACT_FN(cact_pow2_3)(CACT_T n, CACT_T *s1, CACT_T *s2, CACT_T *s3)
{
    const CACT_T n3 = (n * (CACT_T)(1.0 / 3.0) + CACT_K(CACT_SHIFT)) - CACT_K(CACT_SHIFT);
    const CACT_T n2 = ((n - n3) * (CACT_T)0.5 + CACT_K(CACT_SHIFT)) - CACT_K(CACT_SHIFT);
    *s1 = CACT_FN(cact_pow2i)(n - n3 - n2);
    *s2 = CACT_FN(cact_pow2i)(n2);
    *s3 = CACT_FN(cact_pow2i)(n3);
}

#undef CACT_CAT_
#undef CACT_CAT
#undef CACT_FN
#undef CACT_K
