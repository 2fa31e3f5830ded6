/*
 * cact_exp_family.h -- element functions of the exp family: sigmoid, tanh, ELU.
 *
 * Naming: cact_<name>_<variant>_<dtype>, variant one of
 *   f           the activation              f(x)
 *   grad        its derivative              f'(x)
 *   backward_x  the fused backward          g * f'(x)
 *   backward_y  the fused backward from y   g * f'(x) written through y = f(x)
 * and dtype f32 (float) or f64 (double).  Parameters (alpha) come last.
 *
 * The functions of x are written once for a generic type in
 * cact_exp_family_t.h (included below for float and double) on the exp core of
 * cact_exp.h: float32 computes in float arithmetic, float64 in double, both
 * vectorised, with double-word steps where a plain rounding would cost more
 * than the 1-ULP budget.  U below is the unit roundoff of the type.
 *
 * None of these functions branches on data in a way that changes the formula
 * between elements of a contiguous and a strided loop: each loop calls the very
 * same function, so results are bitwise identical for every layout and thread
 * count.  Floating-point exception flags raised on the way (underflow to a
 * subnormal, invalid for a signalling NaN) are cleared by the driver so NumPy
 * never warns.
 *
 * ------------------------------------------------------------------ sigmoid
 * sigmoid(x) = 1 / (1 + exp(-x)).  With e = exp(-|x|) in (0, 1] nothing
 * overflows:
 *     x >= 0:  1 / (1 + e)
 *     x <  0:  e / (1 + e)      (= 1 - 1/(1+e), but without the cancellation)
 * e = 2^n (Eh + El) from the core (mantissa to ~0.07 U), 1 + e as a
 * double-word, q = 1/(1 + e) as a double-word (one division, two fmas), and
 * the numerator times q with one rounding before the exact scaling by 2^n.
 * Error: 0.5 ULP of the final rounding plus the error of e and q, a few
 * tenths of U: measured at most 0.72 ULP for normal results; a subnormal
 * result is rounded a second time by the last scaling factor (measured 0.76
 * ULP: every float32 input, tools/exhaustive_f32.py).  Special values: NaN -> NaN, +inf -> 1,
 * -inf -> 0, +-0 -> 0.5.  Results are computed, not flushed: in float32
 * x in about [-103.9, -87.3] gives subnormals (sigmoid(-100) = 3.72e-44).
 *
 * sigmoid'(x) = sigmoid(x) sigmoid(-x) = e / (1 + e)^2, symmetric in x and
 * accurate in the tails (sigmoid'(30) = 9.357622968838e-14; the textbook
 * s (1 - s) gives 9.35918e-14 in double and 0 in float32): (E q) q as
 * double-words and g times it rounded once (g = 1 for the derivative):
 * measured at most 0.77 ULP, backward_x included.
 *
 * From y = sigmoid(x): f' = y (1 - y).  In the upper tail 1 - y is exact
 * (Sterbenz) but y itself carries the rounding of the forward pass, so the
 * result is only as exact as y: relative error about 1/(1-y) ULP of y.
 * For float32 y, y (1 - y) is exact in double, which is used.
 *
 * --------------------------------------------------------------------- tanh
 * tanh(x) = sign(x) (-t) / (2 + t) with t = expm1(-2|x|) in (-1, 0]: no
 * cancellation anywhere, t is a double-word from the core, the quotient is
 * corrected with one residual: measured at most 0.78 ULP.  Odd, tanh(-0.0) = -0.0,
 * tanh(+-inf) = +-1 (2|x| beyond 40 (float) / 50 (double) gives t = -1).
 *
 * tanh'(x) = 1 - tanh(x)^2 = sech(x)^2 = 4 e / (1 + e)^2 with e = exp(-2|x|)
 * in (0, 1]: the sigmoid derivative's formula at 2|x| times 4 (exact).  No
 * cancellation: near 0 it tends to 1, in the tails to 4 e (tanh'(20) = 1.7e-17
 * where 1 - y^2 is exactly 0).
 *
 * From y = tanh(x): f' = 1 - y^2 = (1 - |y|)(1 + |y|): for |y| >= 0.5 the
 * factor 1 - |y| is exact (Sterbenz), so the error is that of y itself
 * magnified by 1/(1 - |y|) near saturation, plus 1.5 ULP.  (For float32 y,
 * either form is exact in double, which is used.)
 *
 * ---------------------------------------------------------------------- elu
 * elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise.
 *
 * exp(x) - 1 is the core's expm1 double-word, so small negative x keep full
 * relative accuracy (elu(-1e-10) = -1e-10 alpha, not 0), and alpha times it is
 * rounded once: measured at most 0.82 ULP.  The negative branch is evaluated
 * at min(x, 0) (written x < 0 ? x : 0 * x, which keeps NaN), so a large
 * positive x never overflows inside it.  NaN fails x > 0 and stays NaN.  elu(-inf) = -alpha,
 * elu(-0.0) = alpha * -0.0 = -0.0 for alpha > 0.  A zero result (alpha = +-0,
 * or alpha expm1(x) below the smallest subnormal) has the sign IEEE gives
 * alpha expm1(x): -0.0 for alpha = +0 and x < 0, at every level (the element
 * function says how).
 *
 * elu'(x) = 1 for x > 0, alpha exp(x) otherwise: elu'(0) = alpha as in
 * PyTorch, elu'(-inf) = alpha * 0 (never alpha * 0 * inf), elu'(NaN) = NaN.
 * g alpha exp(x) is rounded once: measured at most 0.70 ULP; float32
 * computes it in double
 * (see the includes below).
 *
 * From y (alpha >= 0 required, checked by the Python layer):
 *   y > 0 <=> x > 0, and for x <= 0, y + alpha = alpha exp(x).
 * For y near -alpha (deep saturation) y + alpha cancels: the result has an
 * absolute error of about one ULP of alpha, as exact as y allows.
 */
#ifndef CACT_EXP_FAMILY_H
#define CACT_EXP_FAMILY_H

#include "cact_exp.h"

/* double first: the float ELU derivatives call the double ones.  alpha and g
 * both reach the float maximum, and g alpha exp(x) then needs an exponent
 * range that float lacks in every order of the products (g alpha overflows,
 * alpha 2^n underflows), while in double g alpha exp(x) is exact up to the
 * final rounding for any float g, alpha and x.  The other float functions
 * have no such product and stay in float. */
#define cact_elu_g_exp_use_f64 cact_elu_g_exp_f64
#define CACT_T double
#define CACT_SFX f64
#include "cact_exp_family_t.h"
#undef CACT_T
#undef CACT_SFX

#define cact_elu_g_exp_use_f32(x, alpha, g) \
    ((float)cact_elu_g_exp_f64((double)(x), (double)(alpha), (double)(g)))
#define CACT_T float
#define CACT_SFX f32
#include "cact_exp_family_t.h"
#undef CACT_T
#undef CACT_SFX

/* ------------------------------------------------- the backward from y
 * g * f'(y) written in double: for float32 the product y (1 - y) of a float is
 * exact in double, so g times it is rounded once in double, then to float. */
CACT_INLINE double cact_sigmoid_grad_y_d(double y) { return y * (1.0 - y); }

CACT_INLINE double cact_tanh_grad_y_d(double y)
{
    const double ay = fabs(y);
    return (1.0 - ay) * (1.0 + ay);
}

#define CACT_EXP_BACKWARD_Y(name)                                                      \
    CACT_INLINE double cact_##name##_backward_y_f64(double g, double y)                \
    {                                                                                  \
        return g * cact_##name##_grad_y_d(y);                                          \
    }                                                                                  \
    CACT_INLINE float cact_##name##_backward_y_f32(float g, float y)                   \
    {                                                                                  \
        return (float)((double)g * cact_##name##_grad_y_d(y));                         \
    }

CACT_EXP_BACKWARD_Y(sigmoid)
CACT_EXP_BACKWARD_Y(tanh)

CACT_INLINE double cact_elu_backward_y_d(double g, double y, double alpha)
{
    return y > 0.0 ? g : g * (y + alpha);
}

CACT_INLINE double cact_elu_backward_y_f64(double g, double y, double alpha)
{
    return cact_elu_backward_y_d(g, y, alpha);
}

CACT_INLINE float cact_elu_backward_y_f32(float g, float y, float alpha)
{
    return (float)cact_elu_backward_y_d(g, y, alpha);
}

#endif /* CACT_EXP_FAMILY_H */
