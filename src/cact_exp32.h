/*
 * cact_exp32.h -- the exp core of the float32 functions: exp and expm1 in
 * double arithmetic, accurate to the float32 budget (about 2^-31 relative),
 * not to double precision.
 *
 * Why through double: a float32 result rounded once from a double value with
 * a relative error d is within 0.5 + d / 2^-24 ULP of the exact one (plus a
 * double rounding, below 2^-29 ULP).  With d near 2^-31 every float32
 * function built here is within about 0.52 ULP, subnormal results included
 * (double holds them as normal numbers, so the conversion rounds them once),
 * and the proof is the sum of a few relative errors, with none of the
 * double-word steps that float arithmetic needs to stay within 1 ULP
 * (cact_exp.h, which the float64 functions keep).  The exp needs only a
 * degree-6 polynomial, no table, and no fused multiply-add: the baseline
 * level (SSE2, the MSVC build) runs the same code at full accuracy, and the
 * FMA levels give the same bound.  A float32 function is one formula in
 * double over this core plus one conversion.
 *
 * Provided:
 *   cact_exp32_reduce(a, &r)  a = n ln2 + r, returns 2^n (a in [-1000, 0]);
 *   cact_exp32_q(r)           (exp(r) - 1) / r for |r| <= 0.3467;
 *   cact_exp32(a)             exp(a) for a in [-1000, 0], relative 2^-33;
 *   cact_expm1_32(a)          exp(a) - 1 for a in [-1000, 0], relative 2^-31.7.
 * NaN goes through as NaN (callers select the input NaN itself, see
 * cact_nan_pass, so that every level and layout returns the same bits).
 */
#ifndef CACT_EXP32_H
#define CACT_EXP32_H

#include "cact_exp.h"

/* Range reduction: n = round(a / ln2) by the SHIFT trick, in double: adding
 * SHIFT + 1023 = 1.5 * 2^52 + 1023 to a / ln2 (|a / ln2| <= 1443 < 2^51)
 * leaves n + 1023 in the low bits of t, so that shifting t's bits left by 52
 * puts n + 1023 in the exponent field: s = 2^n, a normal number for
 * n >= -1022 (a >= -708; callers clamp a far above that).
 * r = a - n ln2 in one multiply-add with ln2 rounded to double: |r| <= ln2/2
 * plus the rounding of a / ln2 (2^-53 relative: |r| < 0.3467), and r's error
 * is at most |n| (2.3e-17 + 2^-53 ln2) <= 1000 * 1.1e-16 = 1.1e-13 absolute
 * (without a fused multiply-add, the product's rounding included), which
 * is a relative error of exp(a) = 2^n exp(r) below 2^-43.
 */
CACT_INLINE double cact_exp32_reduce(double a, double *r)
{
    const double shift = CACT_SHIFT_f64 + 1023.0;
    const double t = a * CACT_LOG2E_f64 + shift;
    const double n = t - shift;
    *r = cact_madd_f64(n, -CACT_LN2_HI_f64, a);
    return cact_from_bits_f64(cact_bits_f64(t) << 52);
}

/* q(r) = (exp(r) - 1) / r on |r| <= 0.3467, so that exp(r) = 1 + r q(r) and
 * exp(r) - 1 = r q(r) keep the leading terms exact.  Degree 6, near-minimax
 * (Chebyshev interpolation with mpmath at 60 digits, coefficients rounded to
 * double): |p/q - 1| <= 2^-31.8 over the interval, rounded coefficients
 * included (degree 5 gives only 2^-26.3).  Horner's rule in double adds
 * about 2^-52. */
CACT_INLINE double cact_exp32_q(double r)
{
    double p = 0.00019899316337192174;            /* 0x1.a151a41f36204p-13 */
    p = cact_madd_f64(p, r, 0.001394114659780266);  /* 0x1.6d75737b8689bp-10 */
    p = cact_madd_f64(p, r, 0.008333298432837545);  /* 0x1.1110c61e50f27p-7 */
    p = cact_madd_f64(p, r, 0.04166635243824799);   /* 0x1.5554aca21bbadp-5 */
    p = cact_madd_f64(p, r, 0.16666666719112208);   /* 0x1.555555675a7dfp-3 */
    p = cact_madd_f64(p, r, 0.5000000047221047);    /* 0x1.000000289004ap-1 */
    return cact_madd_f64(p, r, 1.0);
}

/* exp(a) = 2^n (1 + r q(r)) for -1000 <= a <= 0: q's 2^-31.8 enters damped by
 * |r| / exp(r) < 0.42, the reduction adds 2^-43 and the roundings a few
 * 2^-53: relative error below 2^-33. */
CACT_INLINE double cact_exp32(double a)
{
    double r;
    const double s = cact_exp32_reduce(a, &r);
    return s * cact_madd_f64(r, cact_exp32_q(r), 1.0);
}

/* exp(a) - 1 = (2^n - 1) + 2^n r q(r) for -1000 <= a <= 0.
 * n = 0 (|a| < 0.3466): r = a exactly and the result is r q(r), relative
 * error 2^-31.8 + 2^-52 whatever the size of a (expm1(-1e-30) = -1e-30).
 * n <= -1: |exp(a) - 1| >= 1 - exp(-0.3466) / 2 = 0.29, 2^n - 1 is exact
 * for n >= -53 (and -1 within 2^-53 below), and the second term is at most
 * 2^n (exp(0.3467) - 1) <= 0.21 in size, so its relative error 2^-31.8
 * costs at most 0.21 / 0.29 * 2^-31.8 = 2^-32.2 of the result; plus the
 * roundings. */
CACT_INLINE double cact_expm1_32(double a)
{
    double r;
    const double s = cact_exp32_reduce(a, &r);
    return (s - 1.0) + s * (r * cact_exp32_q(r));
}

/* The clamped arguments, on the float's bits: for x <= 0 (sign bit set) the
 * bit pattern grows with |x| as an unsigned integer, so max(x, lo) for a
 * negative lo is an unsigned min, and min(x, 0) keeps the bits where the
 * sign (an arithmetic shift right by 31) is set.  Written as selects between
 * doubles, gcc 12 pushes the constant arm of each select through the
 * computation after it and blends every intermediate result (89 vector
 * instructions for ELU's loop at AVX2 instead of 47, 1.5x the time); integer
 * min and and are single instructions (pminud, pand) at every x86 level.
 * A NaN comes out as a finite number (lo or 0): the callers return the input
 * NaN itself.
 *   cact_negabs32(x, lo)  max(-|x|, lo) as a double;
 *   cact_nonpos32(x, lo)  max(min(x, 0), lo) as a double (-0.0 for -0.0). */
CACT_INLINE double cact_clamp_bits32(uint32_t b, float lo)
{
    const uint32_t l = cact_bits_f32(lo);
    return (double)cact_from_bits_f32(b < l ? b : l);
}

CACT_INLINE double cact_negabs32(float x, float lo)
{
    return cact_clamp_bits32(cact_bits_f32(x) | 0x80000000u, lo);
}

CACT_INLINE double cact_nonpos32(float x, float lo)
{
    const uint32_t b = cact_bits_f32(x);
    return cact_clamp_bits32(b & (uint32_t)((int32_t)b >> 31), lo);
}

#endif /* CACT_EXP32_H */
