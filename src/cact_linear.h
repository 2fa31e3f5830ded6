/*
 * cact_linear.h -- element functions of the piecewise-linear family:
 * relu, leaky_relu, the clipped hardtanh and relu6, hardsigmoid, hardswish,
 * and the rational softsign (the last three not exact: their comments below).  Naming
 * as in cact_exp_family.h; the functions are in
 * cact_linear_t.h, for a generic type, included below for float and double.
 *
 * These are exact: every result is either an input, zero, or one rounded
 * product alpha * x (alpha * g), so float32 is computed in float32.
 *
 * NaN handling: every comparison with NaN is false, so the selects are written
 * so that a NaN x (or y) falls through to "return x": relu(NaN) = NaN and the
 * derivatives of a NaN are NaN, never 0 or 1.  Derivative at 0 follows
 * PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha, and the clipped functions
 * have derivative 0 at both clip points (PyTorch's hardtanh_backward).
 *
 * The backward functions select g or 0 instead of multiplying by 0 or 1, so
 * g = +-inf or NaN never turns into NaN through inf * 0 on the zero side of
 * relu.  leaky_relu's negative side is the IEEE product alpha * g.
 *
 * The y-forms are the x-forms with y in place of x: for alpha >= 0 (checked in
 * the Python layer) y > 0 exactly when x > 0, and y <= 0 exactly when x <= 0.
 */
#ifndef CACT_LINEAR_H
#define CACT_LINEAR_H

#include "cact_common.h"
#include "cact_exp.h" /* cact_fma_f64, cact_fma_f32: hardsigmoid and hardswish quotients */

/* 1/6 rounded to each type (cact_sixth_dw, below and in cact_linear_t.h). */
#define CACT_SIXTH_f64 0.16666666666666666 /* 0x1.5555555555555p-3 */
#define CACT_SIXTH_f32 0.16666667f         /* 0x1.555556p-3 */

/* The element functions are written once for a generic type in
 * cact_linear_t.h and instantiated here for both dtypes, as the exp family's
 * are (cact_exp_family.h): one mechanism for every family. */
#define CACT_T float
#define CACT_SFX f32
#include "cact_linear_t.h"
#undef CACT_T
#undef CACT_SFX

#define CACT_T double
#define CACT_SFX f64
#include "cact_linear_t.h"
#undef CACT_T
#undef CACT_SFX

/* ------------------------------------------------------------ hardsigmoid
 * hardsigmoid(x) = relu6(x + 3) / 6 = (c + 3) / 6 with c = clip(x, -3, 3):
 * 0 at and below -3, 1 at and above 3 (exactly), NaN for NaN (the input
 * itself, as the selects above return it).  Not exact: the result is one
 * rounding of (c + 3) / 6, and the promise 1 ULP covers it.
 *
 * float64: c + 3 and then / 6 would round twice (up to 1.8 ULP of the
 * result near 1).  Instead s + e = 3 + c exactly (Fast2Sum: |3| >= |c|), and
 * the quotient of the pair by 6 is rounded once: q = s * (1/6) is within an
 * ulp of s / 6, so the residual s - 6 q is exact in one fma (the classic
 * division residual), and y = q + (residual + e) / 6, the correction
 * multiplied by 1/6 in the last fma.  The correction's own roundings are a
 * few U of a term below an ulp of q: 0.5 ULP plus about 2^-50 relative.  At
 * x = -3, s = 0 and y = +0.0.  y is then in (0, 1) exactly when x is in
 * (-3, 3) (the largest x below 3 gives 1 - 2^-53, nearer than 1), which the
 * y-form of the derivative needs.
 *
 * float32: with a fused multiply-add (the AVX2 and AVX-512 levels), the same
 * steps in float (cact_hardsigmoid_f_dw): each is exact or rounds a part of
 * the correction, which is below two ulps of q, so the result is 0.5 ULP
 * plus about 2^-21 (1/6 rounded to float is within 2^-25.4 of itself, and
 * multiplies only the correction).  Over every float32 input it differs from
 * the double form below (the baseline level's) at exact ties alone, (3 + c)
 * / 6 halfway between two floats (3.5 million inputs): the double form
 * rounds them to even, the float form the way 1/6's rounding leans, 0.5 ULP
 * either way.  Half the instructions of the double form, which converts to
 * double and back (AMD EPYC Zen 4, one core, ns per element from L1: 0.22 ->
 * 0.16 at the AVX-512 level, 0.25 -> 0.19 at AVX2).
 * Without the instruction (the baseline level), (c + 3) times 1/6 in double,
 * rounded once to float: c + 3 is exact in double unless |c| < 2^-28 (then
 * within 2^-53 relative), 1/6 is within 2^-54 relative and the product
 * rounds once: 0.5 ULP plus about 2^-28, as a division would give (a vdivpd
 * made this forward 3.4x slower than torch's, which multiplies in float).
 * 6 (1/6) rounds to 1 exactly, so x >= 3 still gives 1 in both forms.  (The
 * same y-form argument: the largest float below 3 gives 1 - 2^-24.) */
CACT_INLINE double cact_hardsigmoid_f_f64(double x) { return cact_hardsigmoid_f_dw_f64(x); }

CACT_INLINE float cact_hardsigmoid_f_f32(float x)
{
#ifdef CACT_HW_FMA
    return cact_hardsigmoid_f_dw_f32(x);
#else
    const float c = cact_hardtanh_f_f32(x, -3.0f, 3.0f);
    const float y = (float)(((double)c + 3.0) * CACT_SIXTH_f64);
    return x == x ? y : x;
#endif
}

/* -------------------------------------------------------------- hardswish
 * hardswish(x) = x relu6(x + 3) / 6: +0.0 at and below -3 (selected, so
 * also at -inf, where PyTorch's product gives NaN, and +0.0 where PyTorch's
 * x * 0 gives -0.0), x itself at and above 3, x (x + 3) / 6 between (a NaN
 * fails both tests and stays NaN through the formula).  f'(x) = 0 at and
 * below -3, 1 at and above 3, (2x + 3) / 6 between: PyTorch's
 * hardswish_backward, whose ends are 0 at -3 and 1 at 3 (the formula would
 * give -1/2 and 3/2); the backward selects 0 and g on the two outer pieces
 * and multiplies between (g = inf at x = -1.5 is inf * 0 = NaN, as PyTorch).
 * No y-form: f is not invertible (it dips to -3/8 at x = -1.5).  The
 * formulas run on c = clip(x, -3, 3), so nothing overflows on the pieces
 * that the selects discard.
 *
 * float32, the forward: with a fused multiply-add, float64's steps below in
 * float (cact_hardswish_f_dw; AMD EPYC Zen 4, one core, ns per element from
 * L1: 0.36 -> 0.26 at the AVX-512 level, 0.36 -> 0.33 at AVX2), 0.5 ULP plus
 * about 2^-21 where the result is normal.  Over every float32 input it
 * differs from the double form (the baseline level's) at 1254 exact ties, at
 * 17 inputs within 2^-23 ULP of a tie (the float form 0.5 + 2^-23.2 ULP off)
 * and at 5.6 million inputs whose result is subnormal: there x (x + 3) / 6
 * is x/2 plus far less than an ulp, which the double form loses in x + 3
 * (3 + x rounds to 3 in double below 2^-50) and the float form keeps in e,
 * then rounds twice on the subnormal grid; each form is the nearer at half
 * of them, both within 0.5 ULP plus less than 10^-9.
 * float32 without the instruction, and every float32 derivative:
 * c (c + 3) / 6 and g (2c + 3) / 6 in double (c + 3 and 2c + 3 exact unless
 * |c| < 2^-28, the products and 1/6 within a few 2^-53), rounded once to
 * float: 0.5 ULP plus about 2^-28.
 * float64: x (x + 3) with x + 3 = s + e exactly (Fast2Sum) is the pair
 * ph + pl (the fma low part of c s, plus c e), divided by 6 as hardsigmoid's
 * pair: q = ph (1/6), the residual ph - 6q exact in an fma, y = q + (residual
 * + pl) / 6 in the last fma: 0.5 ULP plus a few 2^-50.  A zero result takes
 * the sign of x (f(-0.0) = -0.0, f(-5e-324) = -0.0).  The derivative:
 * d = (2c + 3) / 6 as the pair dh + dl (2c + 3 exact as a Fast2Sum of the
 * larger and the smaller
 * magnitude, then the same division by 6), then g d with its fma low part,
 * rounded once; g d before dividing keeps a large g from overflowing.
 * A NaN x returns x + x, as the exp family's cact_nan_pass: through the
 * formulas it meets its own negation (-ph, -dh), and which of two NaNs an
 * instruction returns differs between the vector and the scalar code (the
 * sanitizer build's baseline level gave another sign bit for an element
 * computed alone than in a loop of 16). */
CACT_INLINE float cact_hardswish_f_f32(float x)
{
#ifdef CACT_HW_FMA
    return cact_hardswish_f_dw_f32(x);
#else
    const float c = cact_hardtanh_f_f32(x, -3.0f, 3.0f);
    const float y = (float)((double)c * ((double)c + 3.0) * CACT_SIXTH_f64);
    return x != x ? x + x : (x <= -3.0f ? 0.0f : (x >= 3.0f ? x : y));
#endif
}

CACT_INLINE float cact_hardswish_backward_x_f32(float g, float x)
{
    const float c = cact_hardtanh_f_f32(x, -3.0f, 3.0f);
    const float y = (float)((double)g * ((2.0 * (double)c + 3.0) * CACT_SIXTH_f64));
    return x != x ? x + x : (x <= -3.0f ? 0.0f : (x >= 3.0f ? g : y));
}

CACT_INLINE double cact_hardswish_f_f64(double x) { return cact_hardswish_f_dw_f64(x); }

CACT_INLINE double cact_hardswish_backward_x_f64(double g, double x)
{
    const double c = cact_hardtanh_f_f64(x, -3.0, 3.0);
    const double u = 2.0 * c;
    const double big = fabs(u) >= 3.0 ? u : 3.0, small = fabs(u) >= 3.0 ? 3.0 : u;
    const double s = big + small;
    const double e = small - (s - big);
    const double dh = s * CACT_SIXTH_f64;
    const double dl = (cact_fma_f64(-dh, 6.0, s) + e) * CACT_SIXTH_f64;
    const double ph = g * dh;
    const double pl = cact_fma_f64(g, dh, -ph) + g * dl;
    /* ph + pl where ph is finite and nonzero, else ph; two selects of values,
     * not one on (ph != 0) & (|ph| < inf): with g = 1 (the grad) gcc 12 then
     * failed to vectorise the loop ("relevant stmt not supported") */
    const double fin = fabs(ph) < (double)INFINITY ? ph + pl : ph;
    const double y = ph != 0.0 ? fin : ph;
    const double hi = x >= 3.0 ? g : y; /* flat selects, as the forward's */
    const double lo = x <= -3.0 ? 0.0 : hi;
    return x != x ? x + x : lo;
}

/* --------------------------------------------------------------- softsign
 * softsign(x) = x / (1 + |x|), odd, in (-1, 1); f'(x) = 1 / (1 + |x|)^2 and
 * from y = f(x), f'(y) = (1 - |y|)^2 (1 + |x| = 1 / (1 - |y|)).  Smooth (the
 * "rational" family: rounded, not selected).  Every form is computed on a =
 * |x| and f takes x's sign at the end (copysign), so f(-x) = -f(x) bitwise,
 * f(-0.0) = -0.0, and a NaN stays NaN through the arithmetic.
 *
 * float32: in double, rounded once to float.  1 + a is exact in double for
 * 2^-29 <= a < 2^53 and within 2^-53 relative otherwise; a / (1 + a),
 * g w w with w = 1 / (1 + a), and g (1 - |y|)^2 add a few 2^-53 relative
 * before the one rounding to float: 0.5 ULP plus about 2^-27.  No float
 * input overflows or underflows there (w^2 >= 2^-256).  a is clamped at
 * 2^60 in f only (beyond, the result rounds to 1 and inf / inf would be NaN);
 * f'(+-inf) = 0 from w = 0, and g w w is the IEEE product.
 *
 * float64: the same formulas would round three or four times (up to 2 ULP).
 * Instead 1 + a = s + e exactly (Fast2Sum on max(a, 1) and min(a, 1)), and:
 * f: q = a / s rounded once, its residual a - q s exact in one fma (q is the
 *    correctly rounded quotient), and y = q + (residual - q e) / s: the
 *    quotient of a by the pair with one rounding of a correction below an
 *    ulp of q, 0.5 ULP plus about 2^-51 relative.  a is clamped at 2^60 as
 *    above (1 / (1 + a) < 2^-60 rounds away, inf stays out of s).
 * f'(x) g: w = 1 / (1 + a) as the pair wh = 1 / s (rounded) and wl = (1 -
 *    wh s - wh e) wh (the residual exact in an fma; wl only needs a few bits
 *    right), then g w first and times w again, each product with its fma
 *    low part: g w^2 to 0.5 ULP plus a few 2^-52 relative, and g w before
 *    w^2 so that a large g keeps a tiny f' accurate.  a = inf: the IEEE
 *    product g 0 (s + e would be inf - inf).
 * f'(y) g: 1 - |y| = ch + cl exactly (Fast2Sum, |y| <= 1 for an output of f),
 *    then g times it and times it again as for f'(x) g (g first: for a y
 *    that is no output of f, |y| > 2^512, (1 - |y|)^2 alone would overflow
 *    and g = 0 make NaN of it).
 * Where the leading product is 0, infinite or NaN it is returned as it is
 * (the low parts would be NaN from inf - inf, or flip the sign of a zero). */
#define CACT_SOFTSIGN_CLAMP 0x1p60

CACT_INLINE float cact_softsign_f_f32(float x)
{
    double a = fabs((double)x);
    a = a >= CACT_SOFTSIGN_CLAMP ? CACT_SOFTSIGN_CLAMP : a;
    return (float)copysign(a / (1.0 + a), (double)x);
}

CACT_INLINE float cact_softsign_backward_x_f32(float g, float x)
{
    const double w = 1.0 / (1.0 + fabs((double)x));
    return (float)((double)g * w * w);
}

CACT_INLINE float cact_softsign_backward_y_f32(float g, float y)
{
    const double c = 1.0 - fabs((double)y);
    return (float)((double)g * (c * c));
}

CACT_INLINE double cact_softsign_f_f64(double x)
{
    double a = fabs(x);
    a = a >= CACT_SOFTSIGN_CLAMP ? CACT_SOFTSIGN_CLAMP : a;
    const double big = a >= 1.0 ? a : 1.0, small = a >= 1.0 ? 1.0 : a;
    const double s = big + small;
    const double e = small - (s - big);
    const double q = a / s;
    const double r = cact_fma_f64(-q, s, a);
    const double t = cact_fma_f64(-q, e, r);
    return copysign(q + t / s, x);
}

/* g below 2^-960 is scaled by 2^200 (exact) before the products and the
 * result scaled back: a product with a subnormal g would round at the
 * subnormal spacing before the pair arithmetic could correct it (2.4828e-318
 * for 2.4820e-318: tools/fuzz.py, g = 5e-324).  The pair result is then
 * within far less than a subnormal ULP and the last scaling rounds once
 * more: 0.5 ULP plus a few 2^-53 of it.  Other g: the same operations as
 * before, bitwise. */
#define CACT_SOFTSIGN_TINY_G 0x1p-960
#define CACT_SOFTSIGN_G_UP 0x1p200
#define CACT_SOFTSIGN_G_DOWN 0x1p-200

CACT_INLINE double cact_softsign_backward_x_f64(double g0, double x)
{
    const int tiny = fabs(g0) < CACT_SOFTSIGN_TINY_G;
    const double g = tiny ? g0 * CACT_SOFTSIGN_G_UP : g0;
    const double a = fabs(x);
    const double big = a >= 1.0 ? a : 1.0, small = a >= 1.0 ? 1.0 : a;
    const double s = big + small;
    const double e = small - (s - big);
    const double wh = 1.0 / s;
    const double wl = cact_fma_f64(-wh, e, cact_fma_f64(-wh, s, 1.0)) * wh;
    const double uh = g * wh;
    const double ul = cact_fma_f64(g, wh, -uh) + g * wl;
    const double yh = uh * wh;
    const double yl = cact_fma_f64(uh, wh, -yh) + (uh * wl + ul * wh);
    const double y = (yh != 0.0) & (fabs(yh) < (double)INFINITY) ? yh + yl : yh;
    return a == (double)INFINITY ? g0 * 0.0 : (tiny ? y * CACT_SOFTSIGN_G_DOWN : y);
}

CACT_INLINE double cact_softsign_backward_y_f64(double g0, double y)
{
    const int tiny = fabs(g0) < CACT_SOFTSIGN_TINY_G;
    const double g = tiny ? g0 * CACT_SOFTSIGN_G_UP : g0;
    const double b = fabs(y);
    const double ch = 1.0 - b;
    const double cl = (1.0 - ch) - b;
    const double uh = g * ch;
    const double ul = cact_fma_f64(g, ch, -uh) + g * cl;
    const double ph = uh * ch;
    const double pl = cact_fma_f64(uh, ch, -ph) + (uh * cl + ul * ch);
    const double r = (ph != 0.0) & (fabs(ph) < (double)INFINITY) ? ph + pl : ph;
    return tiny ? r * CACT_SOFTSIGN_G_DOWN : r;
}

#endif /* CACT_LINEAR_H */
