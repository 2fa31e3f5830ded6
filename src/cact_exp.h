/*
 * cact_exp.h -- the exp core shared by sigmoid, tanh, ELU and their derivatives.
 *
 * Every exponential that cact evaluates goes through these three functions, so
 * the accuracy and speed of the whole exp family is decided here, in one place.
 *
 * Two implementations with the same contracts:
 *   cact_exp, cact_expm1, cact_tanh           the C library, for float64;
 *   cact_exp_v, cact_expm1_neg_v, cact_tanh_v  our own branch-free double
 *                                             core, for float32 computed in
 *                                             double and rounded once.
 * The family headers pick one with the CACT_EXP(x, vec) style helpers below.
 */
#ifndef CACT_EXP_H
#define CACT_EXP_H

#include "cact_common.h"

#include <stdint.h>
#include <string.h>

/* ------------------------------------------------------ scalar (libm) core
 * Used by the float64 functions: glibc's exp/expm1/tanh are within 1 ULP
 * (exp correctly rounded in practice) and handle every special value:
 * exp(-inf) = 0, exp(+inf) = +inf, expm1(-inf) = -1, tanh(+-inf) = +-1,
 * tanh(-0.0) = -0.0, NaN in -> NaN out, subnormal results rounded correctly.
 */
CACT_INLINE double cact_exp(double x) { return exp(x); }
CACT_INLINE double cact_expm1(double x) { return expm1(x); }
CACT_INLINE double cact_tanh(double x) { return tanh(x); }

/* ------------------------------------------------ vectorisable double core
 * Used by the float32 functions, which compute in double and round once.
 * Plain arithmetic and bit operations only (no libm call, no branch), so the
 * compiler vectorises every loop that uses it, at the SSE2 baseline too.
 *
 * Range reduction: x = n ln2 + r with n = round(x / ln2), |r| <= ln2/2.
 *   n is rounded with the 1.5 * 2^52 shift (adding it leaves round-to-
 *   nearest(x log2e) in the low mantissa bits, subtracting recovers it as a
 *   double).  r = (x - n LN2_HI) - n LN2_LO (Cody-Waite): LN2_HI has 32
 *   trailing zero bits, so n LN2_HI is exact for |n| < 2^20 and the first
 *   subtraction is exact (Sterbenz); LN2_LO carries the next 53 bits of ln2.
 * Polynomial: p(r) = exp(r) - 1 as the Taylor series to degree 13 on
 *   |r| <= 0.3466: the first omitted term, r^14/14!, is below 4.3e-18, i.e.
 *   0.02 ULP of the result; Horner's rule keeps the rounding of the small
 *   high-order terms far below one ULP.  p keeps full relative accuracy for
 *   tiny r (p = r (1 + r/2 + ...)), which expm1 needs.
 * Reconstruction: exp(x) = 2^n (1 + p).  2^n is built from bits: adding
 *   1.5*2^52 + 1023 to n puts the biased exponent n + 1023 in the low bits,
 *   a left shift by 52 moves it into the exponent field.  exp scales in two
 *   steps, 2^n1 * 2^n2 with n1 = round(n/2) and n2 = n - n1, so both factors
 *   are normal numbers for every clamped n: results that are subnormal
 *   (x < -708.4) are rounded once, by the last multiplication, and results
 *   beyond the range overflow to +inf.
 * Accuracy: |error| <= about 1 ULP of double, i.e. ~2^-52 relative, which
 *   disappears in the final rounding to float32 (0.5 ULP of float32 plus
 *   ~2^-28 ULP).
 * Special values: the clamps x < LO ? LO : x keep NaN (comparisons with NaN
 *   are false), and a NaN propagates through r and p into the result, whatever
 *   the bits of 2^n.  exp(-inf) -> clamped -760 -> 0; exp(+inf) -> clamped
 *   720 -> +inf.
 */
/* Constants are written as the shortest decimals that convert to exactly the
 * intended doubles, their hexadecimal form beside them: some C compilers
 * (MSVC's C mode) do not take hexadecimal floating literals. */
#define CACT_LOG2E 1.4426950408889634  /* 0x1.71547652b82fep0 */
#define CACT_LN2_HI 0.6931471803691238  /* 0x1.62e42fee00000p-1 */
#define CACT_LN2_LO 1.9082149292705877e-10  /* 0x1.a39ef35793c76p-33 */
#define CACT_SHIFT 6755399441055744.0  /* 0x1.8p52 */

CACT_INLINE uint64_t cact_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

CACT_INLINE double cact_from_bits(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* 2^n for an integer-valued double n in [-1022, 1023]. */
CACT_INLINE double cact_pow2i(double n)
{
    return cact_from_bits(cact_bits(n + (CACT_SHIFT + 1023.0)) << 52);
}

/* exp(r) - 1 for |r| <= ln2/2: Taylor series to degree 13 (see above). */
CACT_INLINE double cact_expm1_poly(double r)
{
    double q = 1.6059043836821613e-10;           /* 0x1.6124613a86d09p-33, 1/13! */
    q = q * r + 2.08767569878681e-09;          /* 0x1.1eed8eff8d898p-29, 1/12! */
    q = q * r + 2.505210838544172e-08;          /* 0x1.ae64567f544e4p-26, 1/11! */
    q = q * r + 2.755731922398589e-07;          /* 0x1.27e4fb7789f5cp-22, 1/10! */
    q = q * r + 2.7557319223985893e-06;          /* 0x1.71de3a556c734p-19, 1/9!  */
    q = q * r + 2.48015873015873e-05;          /* 0x1.a01a01a01a01ap-16, 1/8!  */
    q = q * r + 0.0001984126984126984;          /* 0x1.a01a01a01a01ap-13, 1/7!  */
    q = q * r + 0.001388888888888889;          /* 0x1.6c16c16c16c17p-10, 1/6!  */
    q = q * r + 0.008333333333333333;           /* 0x1.1111111111111p-7, 1/5!  */
    q = q * r + 0.041666666666666664;           /* 0x1.5555555555555p-5, 1/4!  */
    q = q * r + 0.16666666666666666;           /* 0x1.5555555555555p-3, 1/3!  */
    q = q * r + 0.5;                            /* 1/2!  */
    return r + (r * r) * q;
}

/* Reduce x (already clamped) to n and r. */
CACT_INLINE double cact_exp_reduce(double x, double *r)
{
    const double n = (x * CACT_LOG2E + CACT_SHIFT) - CACT_SHIFT;
    *r = (x - n * CACT_LN2_HI) - n * CACT_LN2_LO;
    return n;
}

/* exp(x) for any double x. */
CACT_INLINE double cact_exp_v(double x)
{
    double r;
    const double xc = x < -760.0 ? -760.0 : (x > 720.0 ? 720.0 : x);
    const double n = cact_exp_reduce(xc, &r);
    const double p = cact_expm1_poly(r);
    const double n1 = (n * 0.5 + CACT_SHIFT) - CACT_SHIFT; /* round(n/2) */
    const double s1 = cact_pow2i(n1), s2 = cact_pow2i(n - n1);
    return (s1 + s1 * p) * s2;
}

/* exp(x) - 1 for x <= 0 (what ELU and tanh need), without cancellation:
 *   expm1(x) = 2^n p + (2^n - 1),
 * 2^n - 1 is exact for n >= -53 and 2^n p is exact scaling, so the only
 * roundings are p's and the final addition; for n = 0 the result is p itself,
 * with p's full relative accuracy for tiny x.  Below -50 the result is -1 in
 * double (expm1(-50) = -1 + 1.9e-22), so x is clamped there; -inf -> -1;
 * expm1(+-0) = +-0. */
CACT_INLINE double cact_expm1_neg_v(double x)
{
    double r;
    const double xc = x < -50.0 ? -50.0 : x;
    const double n = cact_exp_reduce(xc, &r);
    const double p = cact_expm1_poly(r);
    const double s = cact_pow2i(n);
    /* x = +-0 gives p = +-0 and 1 * p + 0 = +0: select x to keep -0.0 */
    return x == 0.0 ? x : s * p + (s - 1.0);
}

/* tanh(x) = sign(x) (-t) / (2 + t) with t = expm1(-2|x|) in (-1, 0]: no
 * cancellation anywhere; about 3 ULP of double before the rounding to float.
 * |x| > 25 gives t = -1 exactly and the result +-1; tanh(-0.0) = -0.0 by the
 * copysign; NaN propagates through t. */
CACT_INLINE double cact_tanh_v(double x)
{
    const double t = cact_expm1_neg_v(-2.0 * fabs(x));
    return copysign(-t / (2.0 + t), x);
}

#endif /* CACT_EXP_H */
