/*
 * cact_linear.h -- element functions of the piecewise-linear family:
 * relu, leaky_relu and the clipped relu6.  Naming as in cact_exp_family.h; the functions are in
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

#endif /* CACT_LINEAR_H */
