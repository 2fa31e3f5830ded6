/*
 * cact_exp.h -- the exp core of the float64 functions (sigmoid, tanh, ELU and
 * their derivatives), and the bit and fma helpers both cores use.
 *
 * Every float64 exponential that cact evaluates goes through this core, and
 * every float32 one through cact_exp32.h (double arithmetic sized for the
 * float32 budget), so the accuracy and speed of the exp family is decided in
 * these two places.  This one is written for a generic type T in cact_exp_t.h
 * and included for double (float32 used it too, in float arithmetic, until
 * the float32 core replaced it: see cact_exp32.h for why).  Plain
 * arithmetic, bit operations and selects only (no libm call, no data-dependent
 * branch), so the compiler vectorises every loop that uses it at every level.
 *
 * The results are kept as unevaluated sums of two numbers ("double-word", hi +
 * lo with |lo| <= ulp(hi)), so that the callers can do the final addition or
 * division with one rounding: that is what keeps sigmoid, tanh and ELU within
 * 1 ULP in double arithmetic (there is no wider type to compute in).  The
 * error-free steps need a fused multiply-add; cact_fma_<t> is the hardware
 * instruction where the level has one (AVX2 and AVX-512 on x86-64, every
 * aarch64), and an exact emulation elsewhere (below).
 *
 * This header provides, for t = f64 (and the bit helpers for f32 too):
 *   cact_fma_t(a, b, c)     a * b + c with one rounding (see the emulations);
 *   cact_madd_t(a, b, c)    a * b + c, fused where the hardware has it: for
 *                           polynomials, where either rounding is fine;
 *   cact_exp_dw_t(a, ..)    exp(a) = 2^n (Eh + El) for a <= 0;
 *   cact_expm1_dw_t(a, ..)  exp(a) - 1 = th + tl for a <= 0;
 *   cact_pow2_3_t(n, ..)    2^n as three normal factors, applied one after the
 *                           other so that a subnormal result is rounded once.
 */
#ifndef CACT_EXP_H
#define CACT_EXP_H

#include "cact_common.h"

#include <stdint.h>
#include <string.h>

/* Whether this translation unit's target has a fused multiply-add: the FMA
 * levels define CACT_KERNEL_FMA before including the kernels (cact_isa_*.c);
 * compilers also say so for the platform baseline (aarch64 always has it). */
#if defined(CACT_KERNEL_FMA) || defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define CACT_HW_FMA 1
#endif

/* The bits of a float or double and back (memcpy: no aliasing questions, and
 * compilers turn it into a register move that vectorises).
 *
 * cact_select(c, a, b) is c ? a : b with both a and b computed for every
 * element: a bitwise blend, which the compiler cannot turn back into a branch.
 * Use it where one arm is a clamped exp and the other is cheap (elu's g for
 * x > 0).  A plain ?: there is if-converted with the inner selects' masks
 * merged into the outer one, and the vector lanes whose result is thrown away
 * then take the clamp's boundary (exp at EXP_LO, subnormal products) instead of
 * the input: gcc 12 at -O3 made elu_backward float64 2-3x slower on
 * all-positive input than on all-negative input, the same bits out (ns per
 * element at the avx2 level, then avx512: AMD EPYC Zen 5 3.8 against 1.7 and
 * 2.3 against 0.95; AMD EPYC Zen 4 10.9 against 5.2 and 3.5 against 2.5).
 * bench/data_dependence.py finds such kernels. */
#define CACT_BITCAST(T, U, sfx)                                                  \
    CACT_INLINE U cact_bits_##sfx(T x)                                           \
    {                                                                            \
        U u;                                                                     \
        memcpy(&u, &x, sizeof u);                                                \
        return u;                                                                \
    }                                                                            \
    CACT_INLINE T cact_from_bits_##sfx(U u)                                      \
    {                                                                            \
        T x;                                                                     \
        memcpy(&x, &u, sizeof x);                                                \
        return x;                                                                \
    }                                                                            \
    CACT_INLINE T cact_select_##sfx(int c, T a, T b)                             \
    {                                                                            \
        const U m = (U)0 - (U)(c != 0);                                          \
        return cact_from_bits_##sfx((cact_bits_##sfx(a) & m) |                   \
                                    (cact_bits_##sfx(b) & ~m));                  \
    }

CACT_BITCAST(float, uint32_t, f32)
CACT_BITCAST(double, uint64_t, f64)

CACT_INLINE float cact_fabs_f32(float x) { return fabsf(x); }
CACT_INLINE double cact_fabs_f64(double x) { return fabs(x); }
CACT_INLINE float cact_copysign_f32(float x, float s) { return copysignf(x, s); }
CACT_INLINE double cact_copysign_f64(double x, double s) { return copysign(x, s); }

/* --------------------------------------------------- fused multiply-add
 * Without the instruction, Dekker's exact product a * b = ph + pl, the operands split into
 *           26-bit halves by clearing low mantissa bits (not Veltkamp's
 * 2^27 + 1 multiplication, which overflows for |a| > 2^996), then ph + c as
 * Knuth's two-sum and the two error terms added last.  Exact when the result
 * fits in a double (the residuals), within about 2^-104 relative otherwise.
 * About 20 operations.
 */
CACT_INLINE double cact_fma_f64(double a, double b, double c)
{
#ifdef CACT_HW_FMA
    return fma(a, b, c);
#else
    const uint64_t mask = ~(uint64_t)0 << 27;
    const double ah = cact_from_bits_f64(cact_bits_f64(a) & mask), al = a - ah;
    const double bh = cact_from_bits_f64(cact_bits_f64(b) & mask), bl = b - bh;
    const double ph = a * b;
    const double pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl;
    const double s = ph + c, v = s - ph;
    const double e = (ph - (s - v)) + (c - v);
    return s + (e + pl);
#endif
}

/* The float fused multiply-add, for the float32 forms that run only where
 * the level has the instruction (#ifdef CACT_HW_FMA: the backward from y of
 * the exp family, hardsigmoid and hardswish); without it fmaf would be
 * libm's software fma, so those levels compute float32 in double instead. */
CACT_INLINE float cact_fma_f32(float a, float b, float c) { return fmaf(a, b, c); }

CACT_INLINE double cact_madd_f64(double a, double b, double c)
{
#ifdef CACT_HW_FMA
    return fma(a, b, c);
#else
    return a * b + c;
#endif
}

/* ------------------------------------------------- division by a parameter
 * v / a for a parameter a != 0 (celu's alpha, softplus's beta) as
 * (v t) r with t a power of two, a' = a t (exact) and r = 1 / a'.  The
 * loops' parameter is a loop invariant, so t, a' and r are computed once per
 * loop and the element function has no division (vdivpd costs several fmas:
 * float64 celu's backward from y, three divisions an element, went from 1.55
 * to 1.42 ns an element on one AMD EPYC Zen 4 core from L2; float32's, one
 * division in double, takes 1.0 / alpha the same way, 0.57 -> 0.43).  t brings
 * a' into [2^-946, 2^960] (t = 2^128 for |a| < 2^-960, 2^-64 for
 * |a| > 2^960, else 1), so that r is a normal number with its full precision
 * (1 / a itself overflows for |a| < 2^-1024 and is subnormal, bits short,
 * for |a| > 2^1022), and so that a residual v t - q a' of a quotient q >= 1
 * is a normal number (v t >= a' >= 2^-946: the residual of v - q a itself
 * is subnormal for a subnormal a, and inexact: 42 ULP of celu' at
 * alpha = 1e-310, x = -2^-1022).  v t overflows or underflows only where
 * v / a does (t = 2^128: |v| > 2^896 makes |v / a| > 2^1856; t = 2^-64:
 * |v| < 2^-958 makes it below 2^-1918).  (v t) r is within 2^-52 relative
 * of v / a (r's rounding and the product's), so callers that need the
 * quotient beyond one rounding carry the residual (cact_div_pair_f64).
 * A parameter given per element (an array) pays one division, where the
 * quotient took one or two. */
CACT_INLINE double cact_recip_f64(double a, double *t, double *at)
{
    /* bitwise selects (cact_select_f64): a ?: on the loop-invariant a left
     * the loops scalar with gcc 12 (tools/check_vectorized.py) */
    const double m = fabs(a);
    *t = cact_select_f64(m < 0x1p-960, 0x1p128, cact_select_f64(m > 0x1p960, 0x1p-64, 1.0));
    *at = a * *t;
    return 1.0 / *at;
}

/* v / a = q + *lo from r, t, a' = cact_recip_f64(a), to about 2^-102
 * relative, and exact where the quotient is a double (lo = 0; celu's
 * backward from y at y = -alpha needs q + 1 = 0, not a few 2^-106):
 * q0 = (v t) r is within 2^-52 of the quotient, its residual v t - q0 a'
 * (one fma) exact or within 2^-53 of itself, and q = q0 + residual r the
 * quotient rounded (a correction of at most two ulps of q0, within 2^-51 of
 * its value: exact when the quotient is a double); lo is q's residual times
 * r.  An infinite q0 (v infinite, or the quotient beyond the doubles) is q
 * itself; lo is then NaN, for the caller to leave out. */
CACT_INLINE double cact_div_pair_f64(double v, double r, double t, double at, double *lo)
{
    const double vt = v * t;
    const double q0 = vt * r;
    const double c = cact_fma_f64(-q0, at, vt) * r;
    const double q = fabs(q0) < (double)INFINITY ? q0 + c : q0; /* not inf - inf */
    *lo = cact_fma_f64(-q, at, vt) * r;
    return q;
}

/* ------------------------------------------------------------ constants
 * Written as the shortest decimals that convert to exactly the intended
 * values, their hexadecimal form beside them (MSVC's C mode takes no
 * hexadecimal floating literals).
 *
 * LN2_HI is ln 2 rounded to double; LN2_LO = ln 2 - LN2_HI rounded, so
 * ln 2 = LN2_HI + LN2_LO to 2^-108 relative.
 * SHIFT = 1.5 * 2^(p-1) for p mantissa bits: adding it to |v| < 2^(p-2) leaves
 * round-to-nearest(v) in the low bits, subtracting recovers it.
 *
 * EXP_LO clamps the argument of exp below: exp(-1500) = 10^-651.4, so any
 * finite g times f'(x) below the clamp is 0 (1.8e308 * 10^-651); the clamp
 * keeps n >= -2165, which the three factors of 2^n cover with normal numbers.
 * EXPM1_LO clamps expm1's argument: exp(-50) = 1.9e-22 is below half an ULP
 * of 1, so expm1 is -1 below the clamp, and 2^n stays a normal number.
 * The forward sigmoid needs no g: EXP_LO_F = -1400 is already far beyond the
 * last nonzero result (about -745.13) and keeps n >= -2020, so that
 * 2^n = 2^NE_MIN 2^(n - NE_MIN) takes two normal factors.  NE_MIN = -1020
 * leaves room for a mantissa down to 1/4 to stay normal.
 */
#define CACT_LOG2E_f64 1.4426950408889634  /* 0x1.71547652b82fep0 */
#define CACT_LN2_HI_f64 0.6931471805599453  /* 0x1.62e42fefa39efp-1 */
#define CACT_LN2_LO_f64 2.31904681384628e-17  /* 0x1.abc9e3b398000p-56 */
/* LN2_HI = LN2_H1 + LN2_H2 exactly, H1 with the low 26 mantissa bits cleared
 * (the reduction's Cody-Waite steps at the level without fma, cact_exp_t.h) */
#define CACT_LN2_H1_f64 0.693147175014019  /* 0x1.62e42fc000000p-1 */
#define CACT_LN2_H2_f64 5.545926273775592e-09  /* 0x1.7d1cf78000000p-28 */
#define CACT_SHIFT_f64 6755399441055744.0  /* 0x1.8p52 */
#define CACT_SHIFT_f32 12582912.0f  /* 0x1.8p23 */
#define CACT_EXP_LO_f64 -1500.0
#define CACT_EXP_LO_F_f64 -1400.0
#define CACT_NE_MIN_f64 -1020.0
#define CACT_EXPM1_LO_f64 -50.0

/* 2^n for an integer-valued n in the normal exponent range, from bits: adding
 * SHIFT + bias leaves n + bias in the low mantissa bits, the left shift moves
 * them into the exponent field (the high bits fall off the integer). */
CACT_INLINE double cact_pow2i_f64(double n)
{
    return cact_from_bits_f64(cact_bits_f64(n + (CACT_SHIFT_f64 + 1023.0)) << 52);
}

/* g(r) = (exp(r) - 1 - r) / r^2 on |r| <= ln2/2 (interval widened by 5e-4 for
 * the rounding of n), so that exp(r) - 1 = r + r^2 g(r) with r exact.
 * Degree 10, near-minimax (Chebyshev interpolation with mpmath at 200 bits,
 * coefficients rounded to double): |r^2 (p(r) - g(r))| <= 0.0025 * 2^-53
 * over the interval, rounded coefficients included.  The constant term is
 * exactly 1/2. */
CACT_INLINE double cact_exp_g_f64(double r)
{
    double q = 2.0914717341716378e-09;           /* 0x1.1f731ea5352cap-29 */
    q = cact_madd_f64(q, r, 2.5105259538448494e-08); /* 0x1.af4e196027428p-26 */
    q = cact_madd_f64(q, r, 2.755727357010214e-07);  /* 0x1.27e4db57442fbp-22 */
    q = cact_madd_f64(q, r, 2.7557255297969643e-06); /* 0x1.71de021a90822p-19 */
    q = cact_madd_f64(q, r, 2.4801587325605324e-05); /* 0x1.a01a01a6dcaffp-16 */
    q = cact_madd_f64(q, r, 0.0001984126987490126);  /* 0x1.a01a01abef415p-13 */
    q = cact_madd_f64(q, r, 0.001388888888888373);   /* 0x1.6c16c16c162ccp-10 */
    q = cact_madd_f64(q, r, 0.008333333333326112);   /* 0x1.11111111100cep-7 */
    q = cact_madd_f64(q, r, 0.04166666666666667);    /* 0x1.5555555555556p-5 */
    q = cact_madd_f64(q, r, 0.1666666666666667);     /* 0x1.5555555555557p-3 */
    return cact_madd_f64(q, r, 0.5);
}

#define CACT_T double
#define CACT_SFX f64
#include "cact_exp_t.h"
#undef CACT_T
#undef CACT_SFX

#endif /* CACT_EXP_H */
