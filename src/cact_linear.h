/*
 * cact_linear.h -- element functions of the piecewise-linear family:
 * relu, leaky_relu, the clipped hardtanh and relu6, and hardsigmoid.  Naming
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
#include "cact_exp.h" /* cact_fma_f64: hardsigmoid's float64 quotient */

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
 * float32: (c + 3) times 1/6 in double, rounded once to float: c + 3 is
 * exact in double unless |c| < 2^-28 (then within 2^-53 relative), 1/6 is
 * within 2^-54 relative and the product rounds once: 0.5 ULP plus about
 * 2^-28, as a division would give, at the cost of a multiplication (a
 * vdivpd made this forward 3.4x slower than torch's, which multiplies in
 * float).  6 (1/6) rounds to 1 exactly, so x >= 3 still gives 1.  (The same
 * y-form argument: the largest float below 3 gives 1 - 2^-24.) */
#define CACT_SIXTH_f64 0.16666666666666666 /* 0x1.5555555555555p-3 */

CACT_INLINE double cact_hardsigmoid_f_f64(double x)
{
    const double c = x <= -3.0 ? -3.0 : (x >= 3.0 ? 3.0 : x);
    const double s = 3.0 + c;
    const double e = (3.0 - s) + c;
    const double q = s * CACT_SIXTH_f64;
    const double r = cact_fma_f64(-q, 6.0, s);
    const double y = cact_fma_f64(r + e, CACT_SIXTH_f64, q);
    return x == x ? y : x;
}

CACT_INLINE float cact_hardsigmoid_f_f32(float x)
{
    const float c = x <= -3.0f ? -3.0f : (x >= 3.0f ? 3.0f : x);
    const float y = (float)(((double)c + 3.0) * CACT_SIXTH_f64);
    return x == x ? y : x;
}

#endif /* CACT_LINEAR_H */
