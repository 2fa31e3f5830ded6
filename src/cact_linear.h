/*
 * cact_linear.h -- element functions of the piecewise-linear family:
 * relu and leaky_relu.  Naming as in cact_exp_family.h.
 *
 * These are exact: every result is either an input, zero, or one rounded
 * product alpha * x (alpha * g), so float32 is computed in float32.
 *
 * NaN handling: every comparison with NaN is false, so the selects are written
 * so that a NaN x (or y) falls through to "return x": relu(NaN) = NaN and the
 * derivatives of a NaN are NaN, never 0 or 1.  Derivative at 0 follows
 * PyTorch: relu'(0) = 0, leaky_relu'(0) = alpha.
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

/* relu: -0.0 and negative inputs give +0.0; NaN fails "x <= 0" and stays. */
#define CACT_RELU_FAMILY(T, sfx)                                                     \
    CACT_INLINE T cact_relu_f_##sfx(T x) { return x <= (T)0 ? (T)0 : x; }          \
    CACT_INLINE T cact_relu_backward_x_##sfx(T g, T x)                               \
    {                                                                                \
        return x > (T)0 ? g : (x <= (T)0 ? (T)0 : x);                                \
    }                                                                                \
    CACT_INLINE T cact_relu_backward_y_##sfx(T g, T y)                               \
    {                                                                                \
        return cact_relu_backward_x_##sfx(g, y);                                     \
    }                                                                                \
    CACT_INLINE T cact_leaky_relu_f_##sfx(T x, T alpha)                              \
    {                                                                                \
        return x > (T)0 ? x : alpha * x;                                             \
    }                                                                                \
    CACT_INLINE T cact_leaky_relu_backward_x_##sfx(T g, T x, T alpha)                \
    {                                                                                \
        return x > (T)0 ? g : (x <= (T)0 ? alpha * g : x);                           \
    }                                                                                \
    CACT_INLINE T cact_leaky_relu_backward_y_##sfx(T g, T y, T alpha)                \
    {                                                                                \
        return cact_leaky_relu_backward_x_##sfx(g, y, alpha);                        \
    }

CACT_RELU_FAMILY(float, f32)
CACT_RELU_FAMILY(double, f64)

#endif /* CACT_LINEAR_H */
