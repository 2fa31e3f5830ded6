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
 * Each formula is written once, in double, as cact_<name>_<variant>_d(..., vec):
 * float64 variants call it with vec = 0 (the C library's exp/expm1/tanh),
 * float32 variants convert to double, call it with vec = 1 (the branch-free
 * double core of cact_exp.h, which the compiler vectorises) and round once:
 * every float32 result is within 0.5 ULP + ~2^-28 ULP of the exact value,
 * subnormal results included (the cast rounds them correctly).  vec is a
 * constant at every call, so the choice costs nothing after inlining.
 *
 * None of these functions branches on data in a way that changes the formula
 * between elements of a contiguous and a strided loop: each loop calls the very
 * same function, so results are bitwise identical for every layout and thread
 * count.  Floating-point exception flags raised on the way (overflow of an
 * unused branch, underflow to a subnormal, invalid for a signalling NaN) are
 * cleared by the driver so NumPy never warns.
 */
#ifndef CACT_EXP_FAMILY_H
#define CACT_EXP_FAMILY_H

#include "cact_exp.h"

/* The core for a formula: vec = 0 the C library (float64), 1 our own
 * vectorisable double core (float32).  expm1 is only needed for x <= 0. */
CACT_INLINE double cact_exp_d(double x, const int vec) { return vec ? cact_exp_v(x) : cact_exp(x); }
CACT_INLINE double cact_expm1_neg_d(double x, const int vec)
{
    return vec ? cact_expm1_neg_v(x) : cact_expm1(x);
}
CACT_INLINE double cact_tanh_d(double x, const int vec) { return vec ? cact_tanh_v(x) : cact_tanh(x); }

/* ------------------------------------------------------------------ sigmoid
 * sigmoid(x) = 1 / (1 + exp(-x)).
 *
 * With e = exp(-|x|) in (0, 1] nothing overflows:
 *     x >= 0:  1 / (1 + e)
 *     x <  0:  e / (1 + e)      (= 1 - 1/(1+e), but without the cancellation)
 * Error in double: e (<= 1 ULP), 1 + e (0.5 ULP), the division (0.5 ULP):
 * about 2 ULP at most.  Special values: NaN -> NaN (fabs and exp keep it),
 * +inf -> 1/(1+0) = 1, -inf -> 0/(1+0) = 0, +-0 -> 0.5.  For x < -708.4 e is
 * subnormal and so is the result, computed rather than flushed; below about
 * -745.1 it is 0.  In float32 the results for x in about [-103.9, -87.3] are
 * float32 subnormals, computed from the double value by the final rounding.
 *
 * sigmoid'(x) = sigmoid(x) sigmoid(-x) = e / (1 + e)^2, symmetric in x and
 * accurate in the tails (sigmoid'(30) = 9.357622968838e-14; the textbook
 * s (1 - s) gives 9.35918e-14 in double and 0 in float32).  +-inf -> 0.
 *
 * From y = sigmoid(x): f' = y (1 - y).  In the upper tail 1 - y is exact
 * (Sterbenz) but y itself carries the rounding of the forward pass, so the
 * result is only as exact as y: relative error about 1/(1-y) ULP of y.
 * For float32 y, y (1 - y) is exact in double (1 - y exact, 48-bit product).
 */
CACT_INLINE double cact_sigmoid_f_d(double x, const int vec)
{
    const double e = cact_exp_d(-fabs(x), vec);
    return (x >= 0.0 ? 1.0 : e) / (1.0 + e);
}

CACT_INLINE double cact_sigmoid_grad_d(double x, const int vec)
{
    const double e = cact_exp_d(-fabs(x), vec);
    const double d = 1.0 + e;
    return e / (d * d);
}

CACT_INLINE double cact_sigmoid_grad_y_d(double y) { return y * (1.0 - y); }

/* --------------------------------------------------------------------- tanh
 * tanh(x) from the core (odd, tanh(-0.0) = -0.0, tanh(+-inf) = +-1).
 *
 * tanh'(x) = 1 - tanh(x)^2 = sech(x)^2 = 4 e / (1 + e)^2 with e = exp(-2|x|)
 * in (0, 1].  This form has no cancellation anywhere: near 0 it tends to
 * 4 * 1 / 2^2 = 1, in the tails to 4 e (tanh'(20) = 1.7e-17 where 1 - y^2 is
 * exactly 0).  Error in double: e (1 ULP), 1 + e, the square and the
 * division: at most about 3 ULP.  2|x| cannot overflow to a wrong result:
 * for |x| > 2^1023 it is inf and e = 0, the true value underflows as well.
 *
 * From y = tanh(x): f' = 1 - y^2 = (1 - |y|)(1 + |y|): for |y| >= 0.5 the
 * factor 1 - |y| is exact (Sterbenz), so the error is that of y itself
 * magnified by 1/(1 - |y|) near saturation, plus 1.5 ULP.  (For float32 y,
 * either form is exact in double.)
 */
CACT_INLINE double cact_tanh_f_d(double x, const int vec) { return cact_tanh_d(x, vec); }

CACT_INLINE double cact_tanh_grad_d(double x, const int vec)
{
    const double e = cact_exp_d(-2.0 * fabs(x), vec);
    const double d = 1.0 + e;
    return (4.0 * e) / (d * d);
}

CACT_INLINE double cact_tanh_grad_y_d(double y)
{
    const double ay = fabs(y);
    return (1.0 - ay) * (1.0 + ay);
}

/* ---------------------------------------------------------------------- elu
 * elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise.
 *
 * exp(x) - 1 comes from expm1, so small negative x keep full relative
 * accuracy (elu(-1e-10) = -1e-10 alpha, not 0).  The negative branch is
 * evaluated at min(x, 0) (written x < 0 ? x : 0 * x, which keeps NaN and
 * -0.0), so a large positive x never overflows inside it.  NaN fails x > 0
 * and goes through expm1(NaN) = NaN.  elu(-inf) = -alpha, elu(-0.0) = alpha *
 * -0.0 = -0.0 for alpha > 0.
 *
 * elu'(x) = 1 for x > 0, alpha exp(x) otherwise: elu'(0) = alpha as in
 * PyTorch, elu'(-inf) = 0 (never alpha * 0 * inf), elu'(NaN) = NaN.
 *
 * From y (alpha >= 0 required, checked by the Python layer):
 *   y > 0 <=> x > 0, and for x <= 0, y + alpha = alpha exp(x).
 * For y near -alpha (deep saturation) y + alpha cancels: the result has an
 * absolute error of about one ULP of alpha, as exact as y allows.
 */
CACT_INLINE double cact_elu_nonpos(double x) { return x < 0.0 ? x : 0.0 * x; }

CACT_INLINE double cact_elu_f_d(double x, double alpha, const int vec)
{
    return x > 0.0 ? x : alpha * cact_expm1_neg_d(cact_elu_nonpos(x), vec);
}

CACT_INLINE double cact_elu_grad_d(double x, double alpha, const int vec)
{
    return x > 0.0 ? 1.0 : alpha * cact_exp_d(cact_elu_nonpos(x), vec);
}

CACT_INLINE double cact_elu_backward_x_d(double g, double x, double alpha, const int vec)
{
    return x > 0.0 ? g : g * (alpha * cact_exp_d(cact_elu_nonpos(x), vec));
}

CACT_INLINE double cact_elu_backward_y_d(double g, double y, double alpha)
{
    return y > 0.0 ? g : g * (y + alpha);
}

/* ------------------------------------------------- the exported variants
 * float64: the double formula with the C library core.
 * float32: the double formula with the vectorisable core, rounded once.
 * backward = g * f' with one more rounding in double (float32: exact product
 * of a float and the double f' rounded once in double, then to float).
 */
#define CACT_EXP_UNARY(name)                                                           \
    CACT_INLINE double cact_##name##_f_f64(double x) { return cact_##name##_f_d(x, 0); } \
    CACT_INLINE float cact_##name##_f_f32(float x)                                     \
    {                                                                                  \
        return (float)cact_##name##_f_d(x, 1);                                         \
    }                                                                                  \
    CACT_INLINE double cact_##name##_grad_f64(double x) { return cact_##name##_grad_d(x, 0); } \
    CACT_INLINE float cact_##name##_grad_f32(float x)                                  \
    {                                                                                  \
        return (float)cact_##name##_grad_d(x, 1);                                      \
    }                                                                                  \
    CACT_INLINE double cact_##name##_backward_x_f64(double g, double x)                \
    {                                                                                  \
        return g * cact_##name##_grad_d(x, 0);                                         \
    }                                                                                  \
    CACT_INLINE float cact_##name##_backward_x_f32(float g, float x)                   \
    {                                                                                  \
        return (float)((double)g * cact_##name##_grad_d(x, 1));                        \
    }                                                                                  \
    CACT_INLINE double cact_##name##_backward_y_f64(double g, double y)                \
    {                                                                                  \
        return g * cact_##name##_grad_y_d(y);                                          \
    }                                                                                  \
    CACT_INLINE float cact_##name##_backward_y_f32(float g, float y)                   \
    {                                                                                  \
        return (float)((double)g * cact_##name##_grad_y_d(y));                         \
    }

CACT_EXP_UNARY(sigmoid)
CACT_EXP_UNARY(tanh)

CACT_INLINE double cact_elu_f_f64(double x, double alpha) { return cact_elu_f_d(x, alpha, 0); }
CACT_INLINE float cact_elu_f_f32(float x, float alpha)
{
    return (float)cact_elu_f_d(x, alpha, 1);
}
CACT_INLINE double cact_elu_grad_f64(double x, double alpha) { return cact_elu_grad_d(x, alpha, 0); }
CACT_INLINE float cact_elu_grad_f32(float x, float alpha)
{
    return (float)cact_elu_grad_d(x, alpha, 1);
}
CACT_INLINE double cact_elu_backward_x_f64(double g, double x, double alpha)
{
    return cact_elu_backward_x_d(g, x, alpha, 0);
}
CACT_INLINE float cact_elu_backward_x_f32(float g, float x, float alpha)
{
    return (float)cact_elu_backward_x_d(g, x, alpha, 1);
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
