/*
 * cact_exp.h -- the exp core shared by sigmoid, tanh, ELU and their derivatives.
 *
 * Every exponential that cact evaluates goes through these three functions, so
 * the accuracy and speed of the whole exp family is decided here, in one place.
 *
 * Current implementation: the C library's exp, expm1 and tanh in double
 * precision.  glibc documents these as accurate to within 1 ULP (its exp is
 * correctly rounded in practice), they handle every special value (NaN in ->
 * NaN out, exp(-inf) = 0, exp(+inf) = +inf, expm1(-inf) = -1, tanh(+-inf) =
 * +-1, tanh(-0.0) = -0.0) and return correctly rounded subnormal results.
 *
 * float32 functions are evaluated in double through this core and rounded to
 * float once at the end, so their error is at most 0.5 ULP of float32 plus the
 * tiny double-precision error of the formula (about 2^-50 relative).
 *
 * The vectorised polynomial core (range reduction, polynomial, reconstruction,
 * compiled per instruction-set level) replaces these bodies without changing
 * their contracts; see the speed issue.
 */
#ifndef CACT_EXP_H
#define CACT_EXP_H

#include "cact_common.h"

/* exp(x) for any double x; never traps (flags are cleared by cact_run). */
CACT_INLINE double cact_exp(double x) { return exp(x); }

/* exp(x) - 1 without cancellation for small |x|. */
CACT_INLINE double cact_expm1(double x) { return expm1(x); }

/* tanh(x), odd, signed zero kept. */
CACT_INLINE double cact_tanh(double x) { return tanh(x); }

#endif /* CACT_EXP_H */
