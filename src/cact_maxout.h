/*
 * cact_maxout.h -- element functions of maxout.
 *
 * maxout(z)_j = max(z[j*p], ..., z[j*p + p - 1]) over groups of p consecutive
 * entries.  The maximum is taken as np.argmax takes it, so the forward value
 * and the backward routing agree:
 *   - the first maximum wins on ties (a later equal value does not replace it);
 *   - a NaN counts as the maximum: the first NaN of a group is selected and the
 *     group's result is NaN, like np.max.
 * "take v" is written as !(v <= m) with m not NaN: true when v > m or v is NaN,
 * false for equal values.  Once m is NaN nothing replaces it.
 */
#ifndef CACT_MAXOUT_H
#define CACT_MAXOUT_H

#include "cact_common.h"

#define CACT_MAXOUT_FAMILY(T, sfx)                                                   \
    /* Index of the first maximum of p values at z with byte stride s. */            \
    CACT_INLINE ptrdiff_t cact_maxout_argmax_##sfx(const char *z, ptrdiff_t p,       \
                                                   ptrdiff_t s)                      \
    {                                                                                \
        T m = *(const T *)z;                                                         \
        ptrdiff_t k = 0;                                                             \
        for (ptrdiff_t j = 1; j < p; j++) {                                          \
            const T v = *(const T *)(z + j * s);                                     \
            const int take = (m == m) && !(v <= m);                                  \
            m = take ? v : m;                                                        \
            k = take ? j : k;                                                        \
        }                                                                            \
        return k;                                                                    \
    }                                                                                \
    /* One step of the same rule on values, for the unrolled fixed-p loops: */       \
    /* (m, v) -> the running maximum.  Same selection as the loop above, so */        \
    /* the specialised and the generic loops return the same element. */              \
    CACT_INLINE T cact_maxout_step_##sfx(T m, T v)                                   \
    {                                                                                \
        return ((m == m) && !(v <= m)) ? v : m;                                      \
    }                                                                                \
    /* Is v (position j > 0) the new maximum over m? as an int 0/1 */                 \
    CACT_INLINE int cact_maxout_takes_##sfx(T m, T v) { return (m == m) & !(v <= m); }

CACT_MAXOUT_FAMILY(float, f32)
CACT_MAXOUT_FAMILY(double, f64)

#endif /* CACT_MAXOUT_H */
