/*
 * cact_softmax.h -- the row functions of softmax, log_softmax and their
 * backward passes: one call computes one row of n values along the axis,
 * x[i * sx] -> o[i * so] (strides in bytes).  The loops of the axis
 * operations (src/cact_kernels.inc.tp, "rows" kind of cact/_table.py) call
 * them once per outer row, with constant unit strides where the row is
 * contiguous (the compiler then vectorises the same code) and the row's own
 * strides otherwise: the order of every operation is the same, so results are
 * bitwise the same for every layout, and for every thread count (a row never
 * spans two threads).
 *
 *   softmax(x)_i     = exp(x_i - m) / s,     m = max_j x_j, s = sum_j exp(x_j - m)
 *   log_softmax(x)_i = (x_i - m) - log(s)
 *   softmax_backward(g, y)_i     = y_i (g_i - sum_j g_j y_j)
 *   log_softmax_backward(g, y)_i = g_i - exp(y_i) sum_j g_j
 *
 * Numerics (U: the unit roundoff of the result, 2^-24 or 2^-53).
 *
 * Max subtraction: d_i = x_i - m <= 0, so every exp(d_i) is in (0, 1], the
 * max term is exactly 1 and s is in [1, n]: no overflow for any finite row,
 * and no underflow of s.  The number k of entries equal to m (d_i = 0
 * exactly) is counted apart from r = sum of the others, so that s = k + r
 * and log(s) = log1p((k - 1) + r): a row dominated by one value (r below U)
 * keeps its log_softmax(max) = -log1p(r) ~ -r to full relative accuracy,
 * where log(1 + r) rounded would give 0.
 *
 * float32: everything in double over cact_exp32.h (exp within 2^-33).
 *   d = x - m in double (rounded 2^-53 relative: an absolute error below
 *   104 * 2^-53 on the d that matter, |d| < 104), exp(d) clamped at d >= -200
 *   (exp(-200) = 1.4e-87: y rounds to 0 in float32 below; the clamp keeps the
 *   core's 2^n normal).  The sums are plain double sums in 8 or 16 lanes:
 *   positive terms, relative error below n 2^-53 (10^6 terms: 2^-33).
 *   y = e (1/s) or d - log1p(u) in double (cact_log1p32_wide of
 *   cact_log1p.h, once per row: 2^-35.5 relative; it vectorises across the
 *   rows of a block, where libm's log1p cost 14 ns a row), rounded once to
 *   float: within 0.5 ULP + 2^-8 ULP.  log_softmax adds two terms of one
 *   sign (d <= 0, -log s <= 0): no cancellation.
 *
 * float64: there is no wider type, so double-words (hi + lo).
 *   d = x - m exactly as TwoSum(x, -m) = dh + dl (|dl| <= ulp(dh)/2);
 *   exp(d) = 2^n (Eh + El) from the core's cact_exp_dw_f64 on dh (0.07 U),
 *   times (1 + dl) (|dl| < 2^-42 for |dh| < 1500, so the dropped dl^2/2 is
 *   below 2^-85); dh is clamped at -1500 (exp(-1500) = 10^-651: 0 after the
 *   scaling, which pow2_3 applies in three normal factors so that a
 *   subnormal y is rounded once).
 *   The sum is compensated: 8 lanes of TwoSum (Knuth, branch-free), the
 *   error terms and the El parts added to a second accumulator per lane, the
 *   lanes combined in a fixed order: relative error about n 2^-106 + U^2.
 *   Terms with dh < -700 (below 10^-304, far below U^2 of s >= 1) are left
 *   out of the sum so that one scaling 2^n suffices there.
 *   softmax: y = 2^n (Eh + El) / (sh + sl) as a double-word quotient (the
 *   row's 1 / sh, one fma remainder), rounded once, then scaled: 0.5 ULP +
 *   about 0.1 U (1 ULP for subnormal y, rounded twice).
 *   log_softmax: L = log1p(uh + ul) = Lh + Ll for u = (k - 1) + r = uh + ul
 *   (cact_log1p_wide_f64 of cact_log1p.h, once per row: a double-word to
 *   2^-56.4 relative; it vectorises across the rows of a block, where libm's
 *   log1p, within 1 ULP, cost about 10 ns a row), y = (dh - L) + dl with
 *   TwoSum for dh - L and the low parts added last: |L| <= |y|, so L's error
 *   costs at most its own ULPs of y.
 *
 *   backward: softmax_backward's sum_j g_j y_j from exact products (fma:
 *   p + e = g y exactly) summed as above; g_i - dot as a double-word, times
 *   y_i with one fma.  log_softmax_backward's sum of g compensated the same
 *   way, then rounded to S; exp(y_i) from the core as 2^n (Eh + El) (y_i
 *   clamped to [-1500, 1500]), Eh + El rounded, times S, scaled, and g_i
 *   minus it: the product within about 1.6 U of e S (0.57 U for e, 0.5 U
 *   each for S and the product), so the result is within 0.5 ULP plus
 *   1.6 U of the subtracted term, inside the bound below.  (The product as
 *   a double-word and g_i minus it by TwoSum cost 1.26x this pass: float64
 *   1000 x 1000, one thread, AMD EPYC Zen 4, 2.74 -> 2.18 ms.)  At the FMA
 *   levels the entry is one fma instead, g_i - (P 2^s1)(m 2^s2) with S =
 *   m 2^j exactly and P = 1 + (r + L) rounded (cact_lsm_bwd_f64): 0.5 ULP
 *   plus 2 U of the subtracted term, no intermediate underflow; the form
 *   above stays for the baseline level and for a zero, subnormal or
 *   infinite S.
 *   float32: products and sums in double.  log_softmax_backward's entry
 *   g_i - exp(y_i) S in float at the FMA levels (cact_lsm_bwd_f32: exp in
 *   float, one fma with the row's S as m 2^j; 0.5 ULP + 2.4 U of the
 *   subtracted term), in double rounded once at the baseline level and where
 *   S is zero or not finite.  softmax_backward's y_i (g_i - D) is computed in float,
 *   with the sum rounded to D: its rounding, g_i - D's and the product's
 *   make 0.5 ULP plus 3 U of |y_i| max(|g_i|, |D|), inside the bound below
 *   (in double with one rounding, the pass converted every entry to double
 *   and back: rows of 1000, one thread, AMD EPYC Zen 4, 0.37 -> 0.20 ns an
 *   entry; PyTorch's float pass 0.30).  A row whose sum is beyond the float
 *   range (D infinite or NaN) keeps the double form, where y_i (g_i - sum)
 *   can still be finite.
 *   Where g_i and the subtracted term cancel, the error is relative to the
 *   larger term (a few U of the largest of g_i, y_i sum |g y|), not to the
 *   result: tests/test_softmax.py states the bound it checks.
 *
 * Special values (as torch.softmax / torch.log_softmax, checked with torch
 * 2.14): a row with a NaN, a +inf or only -inf entries has m NaN or infinite,
 * and every output of that row is NaN (torch: x - m is NaN there, and the NaN
 * reaches s).  -inf entries of a row with a finite max give softmax 0 and
 * log_softmax -inf.  In the backward passes NaN and infinite inputs go
 * through the IEEE arithmetic of the formulas.
 */
#ifndef CACT_SOFTMAX_H
#define CACT_SOFTMAX_H

#include "cact_common.h"
#include "cact_exp.h"
#include "cact_exp32.h"
#include "cact_exp_family.h" /* cact_two_sum_f64 */
#include "cact_log1p.h"

#include <math.h>
#include <stdlib.h>

/* Lanes of the row reductions: a fixed assignment of entry i to lane i % 8
 * (float32's forward sums of long rows: i % 16; the tail too), so the
 * result does not depend on the layout.
 *
 * A loop marked cact:vector must be vectorised by gcc at the avx2 level
 * (tools/check_vectorized.py checks it: the loop or the loop nested in it,
 * which gcc may vectorise instead; on a macro's invocation line, at least
 * one loop of the macro): a loop left scalar runs several times slower
 * with bitwise the same results, which no other test notices. */
#define CACT_ROW_LANES 8
/* float32's sums (in double) over rows of CACT_SM_WIDE entries or more
 * take 16 lanes: with 8, gcc vectorised the sum loop with 256-bit vectors
 * at the AVX-512 level, one exponential chain in flight per 4 entries.  16
 * lanes, float32 softmax, one thread, AMD EPYC Zen 4, 10^6 entries, three
 * interleaved runs: rows of 1000 0.86-1.26 -> 0.72-0.88 ms, rows of 10^5
 * 0.93-1.19 -> 0.76-0.84; log_softmax 0.90-1.11 -> 0.82-0.94.  Shorter rows
 * keep 8: the lanes are added one after the other at the end of each row,
 * and 16 cost rows of 3 2.8 -> 3.8 ms.  The count depends on n only, so a
 * row's result still does not depend on its layout.  The backward sums and
 * float64's compensated lanes stay 8 (16 measured no faster). */
#define CACT_ROW_LANES32 16
#define CACT_SM_WIDE 64

#define CACT_AT(T, p, i, s) (*(const T *)((p) + (i) * (s)))
#define CACT_OUT(T, p, i, s) (*(T *)((p) + (i) * (s)))

/* ------------------------------------------------------------ the max
 * NaN wins (as np.max and torch.max): the running maxima take v when v > a
 * (a NaN v never does: the select is a plain vmaxps / maxpd), and a second
 * set of lanes keeps the last NaN seen (0 until then), so that the result is
 * NaN when any entry is.  Two independent selects per entry, in
 * CACT_MAX_LANES lanes: 32 floats are 2 AVX-512 or 4 AVX2 registers per
 * chain, which hides the compare-and-blend latency (one 8-lane chain with
 * the NaN test inside the select took 0.42 ns per float on AMD EPYC Zen 4,
 * 8x the memory read).  The max of finite values is exact, so the lane
 * count does not change the result. */
#define CACT_MAX_LANES 32
#define CACT_ROW_MAX(T, sfx)                                                         \
    CACT_INLINE T cact_row_max_##sfx(const char *x, ptrdiff_t sx, ptrdiff_t n)       \
    {                                                                                \
        const ptrdiff_t nmain = n - n % CACT_MAX_LANES;                              \
        T m = -(T)INFINITY, b = (T)0;                                                \
        for (ptrdiff_t i = nmain; i < n; i++) { /* the tail, or a short row */       \
            const T v = CACT_AT(T, x, i, sx);                                        \
            m = v > m ? v : m;                                                       \
            b = v != v ? v : b;                                                      \
        }                                                                            \
        if (nmain > 0) {                                                             \
            T acc[CACT_MAX_LANES], bad[CACT_MAX_LANES];                              \
            for (int j = 0; j < CACT_MAX_LANES; j++) {                               \
                acc[j] = -(T)INFINITY;                                               \
                bad[j] = (T)0;                                                       \
            }                                                                        \
            for (ptrdiff_t i = 0; i < nmain; i += CACT_MAX_LANES) {                  \
                for (int j = 0; j < CACT_MAX_LANES; j++) {                           \
                    const T v = CACT_AT(T, x, i + j, sx);                            \
                    acc[j] = v > acc[j] ? v : acc[j];                                \
                    bad[j] = v != v ? v : bad[j];                                    \
                }                                                                    \
            }                                                                        \
            for (int j = 0; j < CACT_MAX_LANES; j++) {                               \
                m = acc[j] > m ? acc[j] : m;                                         \
                b = bad[j] != bad[j] ? bad[j] : b;                                   \
            }                                                                        \
        }                                                                            \
        return b != b ? b : m;                                                       \
    }
CACT_ROW_MAX(float, f32) /* cact:vector */
CACT_ROW_MAX(double, f64) /* cact:vector */

/* A row whose max is NaN or infinite: every output NaN (see above). */
#define CACT_ROW_NAN(T, sfx)                                                         \
    CACT_INLINE void cact_row_nan_##sfx(char *o, ptrdiff_t so, ptrdiff_t n)          \
    {                                                                                \
        for (ptrdiff_t i = 0; i < n; i++) {                                          \
            CACT_OUT(T, o, i, so) = (T)NAN;                                          \
        }                                                                            \
    }
CACT_ROW_NAN(float, f32)
CACT_ROW_NAN(double, f64)

/* Knuth's TwoSum, s + e = a + b exactly for any order of magnitudes, is the
 * exp family's cact_two_sum_f64 (cact_exp_family_t.h): s = two_sum(a, b, &e). */

/* ================================================================ float32 */

/* exp(d) for d <= 0 in double, clamped at -200 (see the header). */
CACT_INLINE double cact_sm_exp32(double d)
{
    return cact_exp32(d > -200.0 ? d : -200.0);
}

/* The sums of one row given its finite max m: k = #{d = 0} and r = the sum of
 * exp(d) over the other entries, both in double.  With store (a constant at
 * every call, so the compiler drops the test), exp(d) clamped as the output
 * needs it (cact_sm_exp32) also goes to e[i]: softmax's last pass then
 * multiplies instead of computing the exponential a second time, with the
 * very same double, so the result is bitwise the one recomputing gives. */
CACT_INLINE void cact_sm_sums_lanes_f32(const char *x, ptrdiff_t sx, ptrdiff_t n, double m,
                                        double *k, double *r, double *e, const int store,
                                        const int lanes)
{
    double ka[CACT_ROW_LANES32] = {0}, ra[CACT_ROW_LANES32] = {0};
    const ptrdiff_t nmain = n - n % lanes;
    for (ptrdiff_t i = 0; i < nmain; i += lanes) { /* cact:vector */
        for (int j = 0; j < lanes; j++) {
            const double d = (double)CACT_AT(float, x, i + j, sx) - m;
            const double t = cact_sm_exp32(d);
            const int top = d == 0.0;
            ka[j] += top ? 1.0 : 0.0;
            /* terms at and below the clamp add nothing: exp(-200) is far
             * below 2^-53 of s >= 1, and a -inf entry must add nothing
             * (log_softmax of the max is then exactly 0, as in PyTorch, not
             * -exp(-200)).  A bitwise select: gcc 12 turned the nested ?:
             * into a branch and left the loop scalar */
            ra[j] += cact_select_f64(!top & (d > -200.0), t, 0.0);
            if (store) {
                e[i + j] = t;
            }
        }
    }
    for (ptrdiff_t i = nmain; i < n; i++) {
        const double d = (double)CACT_AT(float, x, i, sx) - m;
        const double t = cact_sm_exp32(d);
        const int top = d == 0.0;
        ka[i - nmain] += top ? 1.0 : 0.0;
        ra[i - nmain] += cact_select_f64(!top & (d > -200.0), t, 0.0);
        if (store) {
            e[i] = t;
        }
    }
    double kk = 0.0, rr = 0.0;
    for (int j = 0; j < lanes; j++) {
        kk += ka[j];
        rr += ra[j];
    }
    *k = kk;
    *r = rr;
}

/* The lanes of a row of n entries (see CACT_ROW_LANES32), each count
 * compiled for itself. */
CACT_INLINE void cact_sm_sums_f32(const char *x, ptrdiff_t sx, ptrdiff_t n, double m,
                                  double *k, double *r, double *e, const int store)
{
    if (n >= CACT_SM_WIDE) {
        cact_sm_sums_lanes_f32(x, sx, n, m, k, r, e, store, CACT_ROW_LANES32);
    }
    else {
        cact_sm_sums_lanes_f32(x, sx, n, m, k, r, e, store, CACT_ROW_LANES);
    }
}

/* softmax keeps each row's exponentials between the sum and the output pass:
 * rows up to CACT_SM_KEEP(64) entries in a stack buffer (16 KB of doubles for
 * float32, 24 KB of double-word parts for float64: within L1 on current x86
 * cores), rows up to CACT_SM_HEAP(64) in a buffer from malloc (1 MB, 768 KB:
 * within L2); longer rows, or where malloc fails, compute them again in the
 * output pass (the same values, bitwise the same results).  Float32 rows of
 * 10^5 on AMD EPYC Zen 4: 1.03 ns per element kept, 1.38 computed twice. */
#define CACT_SM_KEEP 2048
#define CACT_SM_KEEP64 1024
#define CACT_SM_HEAP 131072
#define CACT_SM_HEAP64 32768

/* The buffer for n exponentials: stack (n <= keep), malloc (n <= heap) or
 * NULL (compute them again). */
CACT_INLINE double *cact_sm_buffer(double *stack, ptrdiff_t n, ptrdiff_t keep, ptrdiff_t heap,
                                   size_t per)
{
    if (n <= keep) {
        return stack;
    }
    return n <= heap ? (double *)malloc((size_t)n * per) : NULL;
}

CACT_INLINE void cact_softmax_row_f32(const char *x, ptrdiff_t sx, char *o, ptrdiff_t so,
                                      ptrdiff_t n)
{
    const float mf = cact_row_max_f32(x, sx, n);
    if (!(mf - mf == 0.0f)) { /* NaN or infinite max */
        cact_row_nan_f32(o, so, n);
        return;
    }
    const double m = (double)mf;
    double k, r;
    double stack[CACT_SM_KEEP];
    double *e = cact_sm_buffer(stack, n, CACT_SM_KEEP, CACT_SM_HEAP, sizeof(double));
    if (e != NULL) {
        cact_sm_sums_f32(x, sx, n, m, &k, &r, e, 1);
        const double inv = 1.0 / (k + r); /* one more rounding, 2^-53 */
        for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
            CACT_OUT(float, o, i, so) = (float)(e[i] * inv);
        }
        if (e != stack) {
            free(e);
        }
        return;
    }
    cact_sm_sums_f32(x, sx, n, m, &k, &r, NULL, 0);
    const double inv = 1.0 / (k + r);
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        const double d = (double)CACT_AT(float, x, i, sx) - m;
        CACT_OUT(float, o, i, so) = (float)(cact_sm_exp32(d) * inv);
    }
}

CACT_INLINE void cact_log_softmax_row_f32(const char *x, ptrdiff_t sx, char *o, ptrdiff_t so,
                                          ptrdiff_t n)
{
    const float mf = cact_row_max_f32(x, sx, n);
    if (!(mf - mf == 0.0f)) {
        cact_row_nan_f32(o, so, n);
        return;
    }
    const double m = (double)mf;
    double k, r;
    cact_sm_sums_f32(x, sx, n, m, &k, &r, NULL, 0);
    /* log(k + r) = log1p((k - 1) + r): k - 1 is exact, r carries 2^-33 */
    const double L = cact_log1p32_wide((k - 1.0) + r);
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        /* two non-positive terms: no cancellation; d = -inf gives -inf */
        const double d = (double)CACT_AT(float, x, i, sx) - m;
        CACT_OUT(float, o, i, so) = (float)(d - L);
    }
}

/* sum_j g_j y_j (exact products in double) or sum_j g_j, in double lanes. */
CACT_INLINE double cact_sm_dot_f32(const char *g, ptrdiff_t sg, const char *y, ptrdiff_t sy,
                                   ptrdiff_t n, int with_y)
{
    double a[CACT_ROW_LANES] = {0};
    const ptrdiff_t nmain = n - n % CACT_ROW_LANES;
    for (ptrdiff_t i = 0; i < nmain; i += CACT_ROW_LANES) { /* cact:vector */
        for (int j = 0; j < CACT_ROW_LANES; j++) {
            const double gv = (double)CACT_AT(float, g, i + j, sg);
            a[j] += with_y ? gv * (double)CACT_AT(float, y, i + j, sy) : gv;
        }
    }
    for (ptrdiff_t i = nmain; i < n; i++) {
        const double gv = (double)CACT_AT(float, g, i, sg);
        a[i - nmain] += with_y ? gv * (double)CACT_AT(float, y, i, sy) : gv;
    }
    double s = 0.0;
    for (int j = 0; j < CACT_ROW_LANES; j++) {
        s += a[j];
    }
    return s;
}

CACT_INLINE void cact_softmax_backward_row_f32(const char *g, ptrdiff_t sg, const char *y,
                                               ptrdiff_t sy, char *o, ptrdiff_t so, ptrdiff_t n)
{
    const double dot = cact_sm_dot_f32(g, sg, y, sy, n, 1);
    const float D = (float)dot;
    if (fabsf(D) < (float)INFINITY) { /* in float (the header's comment) */
        for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
            const float yv = CACT_AT(float, y, i, sy);
            CACT_OUT(float, o, i, so) = yv * (CACT_AT(float, g, i, sg) - D);
        }
        return;
    }
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        const double gv = (double)CACT_AT(float, g, i, sg);
        const double yv = (double)CACT_AT(float, y, i, sy);
        CACT_OUT(float, o, i, so) = (float)(yv * (gv - dot));
    }
}

/* exp(y) for the backward of log_softmax: y <= 0 is the domain (a log
 * probability); the core's reduction holds for |y| <= 700 (2^n normal), and
 * beyond 700 exp(y) is +inf for the float32 result anyway.  NaN stays NaN. */
CACT_INLINE double cact_lsm_exp32(double y)
{
    const double a = y > -700.0 ? (y < 700.0 ? y : 700.0) : -700.0;
    const double e = cact_exp32(a);
    return y == y ? (y < 700.0 ? e : (double)INFINITY) : y;
}

#ifdef CACT_HW_FMA
/* float32 log_softmax_backward's entry g - exp(y) S in float arithmetic (the
 * FMA levels; the baseline keeps the double form below, whose conversions of
 * every entry to double and back and double exp cost 2.3x this: AMD EPYC
 * Zen 4, rows of 1000 in cache, one thread, 0.93-1.06 -> 0.40-0.45 ns an
 * entry at avx512, 1.37-1.40 -> 0.55-0.57 at avx2).
 *
 * The row's sum S (a double) comes as m 2^j, m = S 2^-j rounded to float in
 * [1, 2) with S's sign (cact_lsm_split; 0.5 ULP), and
 *     exp(y) S = p 2^n m 2^j = (p 2^s1) (m 2^s2),  s1 + s2 = s = n + j,
 * with y = n ln2 + r and p = exp(r) in float:
 *   - y is clamped to [-200, 300] (NaN kept: the comparisons are false): the
 *     reduction below is exact there, and beyond it the result does not
 *     change (below -200 exp(y) |S| < 2^-288 2^149 is far below half the
 *     least subnormal; above 300 exp(y) |S| > 2^432 2^-149 overflows);
 *   - n = round(y log2e) by the shift 1.5 2^23 (n in the low bits of tn);
 *     r = y - n ln2_hi is exact (a multiple of 2^-25 below 0.35 in size,
 *     ln2_hi being ln2 rounded to float), then - n ln2_lo rounded:
 *     |r| <= 0.34658, off by at most 2^-26 (0.25 U of exp(r));
 *   - exp(r) = 1 + r q(r), q of degree 5 fitted by tools/fit_expf.py:
 *     2^-26.5 relative; with Horner's roundings in float and the last one,
 *     p 2^n is within 1.38 U of exp(y) (U = 2^-24; every float y with
 *     |y| <= 87, checked against expl at the avx512 level);
 *   - s = n + j clamped to [-190, 254] and halved into s1 = floor(s / 2) and
 *     s2, both in [-95, 127]: p 2^s1 and m 2^s2 are normal floats formed
 *     exactly (m's exponent field plus s2), and one fma forms
 *     g - (p 2^s1)(m 2^s2) with the product exact: a single rounding, no
 *     intermediate underflow or overflow.  Below s = -190 the product is
 *     below 2^-188 in size, so g (or a signed zero with the product's sign)
 *     comes out as it would for the true product; from s = 254 on it is at
 *     least 2^253.5 and the result overflows either way.
 * The error is 0.5 ULP plus at most 2.4 U of exp(y) |S| (1.38 U for exp,
 * 1 U for m; sampled: 1.71 U over 3.7 10^8 cases of y in [-260, 320], 14
 * sums from 3 2^-149 to 10^40 and 10 gradients), inside the bound in the
 * header.  A NaN y gives a NaN p and a NaN result; y = +inf gives an overflowed product (-inf for S > 0), as the
 * IEEE form does; the row function takes the double form where S is zero
 * (y = +inf must then give NaN) or not finite. */
CACT_INLINE float cact_lsm_bwd_f32(float g, float y, float m, int32_t jb)
{
    const float shift = CACT_SHIFT_f32;
    /* max(-200, y), then min(a, 300): a NaN y fails both comparisons and
     * stays NaN, with no select of its own.  gcc 12 merges the two into five
     * to seven compares and blends whichever way they are written (two ?:,
     * integer mins on the bits, this ?: and a cact_select); the loop's time
     * did not change with the form (it is bound by its ~30 vector
     * operations). */
    float a = -200.0f > y ? -200.0f : y;
    a = cact_select_f32(a > 300.0f, 300.0f, a);
    const float tn = cact_fma_f32(a, 1.4426950216293335f, shift); /* 0x1.715476p0 */
    const float nf = tn - shift;
    float r = cact_fma_f32(nf, -0.6931471824645996f, a);    /* ln2_hi, 0x1.62e43p-1 */
    r = cact_fma_f32(nf, 1.9046542121259336e-09f, r);       /* -ln2_lo, 0x1.05c61p-29 */
    float q = 0.001393364742398262f;                        /* 0x1.6d432p-10 */
    q = cact_fma_f32(q, r, 0.008369154296815395f);          /* 0x1.123d8ep-7 */
    q = cact_fma_f32(q, r, 0.04166646674275398f);           /* 0x1.5554eap-5 */
    q = cact_fma_f32(q, r, 0.16666504740715027f);           /* 0x1.55547cp-3 */
    q = cact_fma_f32(q, r, 0.5f);
    q = cact_fma_f32(q, r, 1.0f);
    const float p = cact_fma_f32(r, q, 1.0f);
    int32_t s = (int32_t)cact_bits_f32(tn) + jb; /* n + j */
    s = s > -190 ? s : -190;
    s = s < 254 ? s : 254;
    const int32_t s1 = s >> 1; /* floor: an arithmetic shift */
    const int32_t s2 = s - s1;
    const float t = p * cact_from_bits_f32((uint32_t)(s1 + 127) << 23);
    const float ms = cact_from_bits_f32(cact_bits_f32(m) + ((uint32_t)s2 << 23));
    return cact_fma_f32(-t, ms, g);
}

/* S = m 2^j for cact_lsm_bwd_f32: m rounded to float in [1, 2) (2.0 after
 * the rounding is taken as 1 and j + 1); S finite and not zero, and normal
 * (a sum of floats: |S| >= 2^-149).  Returns m and sets *jb = j minus the
 * bits of the shift 1.5 2^23, so that n + j is the bits of tn plus jb.  On
 * the double's bits (libm's frexp, a call per row, cost rows of 3 1.2x).
 * Not a rounding of cact_lsm_split_f64's m (the float64 twin below): written
 * that way, gcc 12 left the block form's loop over the rows scalar, rows of
 * 3 1.59 -> 2.2-2.6 ns an entry (AMD EPYC Zen 4, avx512). */
CACT_INLINE float cact_lsm_split(double S, int32_t *jb)
{
    const uint64_t b = cact_bits_f64(S);
    const uint64_t e = (b >> 52) & 0x7ff;
    /* S with its exponent field set to 1023: the signed m in [1, 2) */
    const float m = (float)cact_from_bits_f64((b & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1023 << 52));
    const int up = fabsf(m) == 2.0f;
    *jb = (int32_t)e - 1023 + up - (int32_t)cact_bits_f32(CACT_SHIFT_f32);
    return up ? m * 0.5f : m;
}
#endif

CACT_INLINE void cact_log_softmax_backward_row_f32(const char *g, ptrdiff_t sg, const char *y,
                                                   ptrdiff_t sy, char *o, ptrdiff_t so,
                                                   ptrdiff_t n)
{
    const double S = cact_sm_dot_f32(g, sg, y, sy, n, 0);
#ifdef CACT_HW_FMA
    if (S != 0.0 && S - S == 0.0) {
        int32_t jb;
        const float m = cact_lsm_split(S, &jb);
        for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
            CACT_OUT(float, o, i, so) =
                cact_lsm_bwd_f32(CACT_AT(float, g, i, sg), CACT_AT(float, y, i, sy), m, jb);
        }
        return;
    }
#endif
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        const double gv = (double)CACT_AT(float, g, i, sg);
        const double e = cact_lsm_exp32((double)CACT_AT(float, y, i, sy));
        CACT_OUT(float, o, i, so) = (float)(gv - e * S);
    }
}

/* ================================================================ float64 */

/* d = x - m = dh + dl exactly; dl = 0 where dh is below -1500 or not finite
 * (TwoSum gives NaN for an infinite dh). */
CACT_INLINE void cact_sm_diff_f64(double x, double m, double *dh, double *dl)
{
    double h, l;
    h = cact_two_sum_f64(x, -m, &l);
    *dh = h;
    *dl = h >= -1500.0 ? l : 0.0;
}

/* Compensated lanes: (h, c) per lane, t added as th + tl. */
#define CACT_LANE_ADD(h, c, th, tl)                                                  \
    do {                                                                             \
        double s_, e_;                                                               \
        s_ = cact_two_sum_f64((h), (th), &e_);                                       \
        (h) = s_;                                                                    \
        (c) += e_ + (tl);                                                            \
    } while (0)

/* The two steps of the lanes' total (cact_lanes_total_f64), which the block
 * forms apply across rows too: a next lane (h, c) into the running (s, e),
 * and the end, s + e renormalised. */
CACT_INLINE void cact_lane_fold_f64(double *s, double *e, double h, double c)
{
    double te;
    const double t = cact_two_sum_f64(*s, h, &te);
    *s = t;
    *e += te + c;
}

CACT_INLINE double cact_lane_end_f64(double s, double e, double *lo)
{
    const double t = s + e;
    *lo = e - (t - s);
    return t;
}

/* The lanes' total as a normalised double-word. */
CACT_INLINE void cact_lanes_total_f64(const double *h, const double *c, double *sh, double *sl)
{
    double s = h[0], e = c[0];
    for (int j = 1; j < CACT_ROW_LANES; j++) {
        cact_lane_fold_f64(&s, &e, h[j], c[j]);
    }
    *sh = cact_lane_end_f64(s, e, sl);
}

/* exp(d) for d = dh + dl as 2^n (Eh + El): the core's cact_exp_dw_f64 on dh
 * clamped at -1500 (see the header), times (1 + dl) folded into El. */
CACT_INLINE double cact_sm_exp_f64(double dh, double dl, double *Eh, double *El)
{
    double h, l;
    const double nn = cact_exp_dw_f64(dh > -1500.0 ? dh : -1500.0, &h, &l);
    *Eh = h;
    *El = l + h * dl;
    return nn;
}

/* k = #{d = 0} and r = rh + rl the compensated sum of the other exp(d), each
 * scaled by 2^n in one normal factor; terms with dh <= -700 add nothing (see
 * the header).  With store (a constant at every call), the parts of every
 * exp(d) go to eh, el, en for softmax's output pass, which then divides
 * without computing the exponential again (the same doubles: bitwise the
 * result recomputing gives).  The selects are bitwise (cact_select): with
 * ?: gcc 12 left this loop scalar ("control flow in loop"), 12 ns per entry
 * on AMD EPYC Zen 4 at the avx2 level. */
CACT_INLINE void cact_sm_sums_f64(const char *x, ptrdiff_t sx, ptrdiff_t n, double m,
                                  double *k, double *rh, double *rl,
                                  double *eh, double *el, double *en, const int store)
{
    double ka[CACT_ROW_LANES] = {0}, h[CACT_ROW_LANES] = {0}, c[CACT_ROW_LANES] = {0};
    const ptrdiff_t nmain = n - n % CACT_ROW_LANES;
#define CACT_SM_TERM_F64(i, j)                                                       \
    do {                                                                             \
        double dh, dl, Eh, El;                                                       \
        cact_sm_diff_f64(CACT_AT(double, x, (i), sx), m, &dh, &dl);                  \
        const double nn = cact_sm_exp_f64(dh, dl, &Eh, &El);                         \
        const int top = dh == 0.0;                                                   \
        const double sc = cact_select_f64(!top & (dh > -700.0), cact_pow2i_f64(nn), 0.0); \
        ka[j] += cact_select_f64(top, 1.0, 0.0);                                     \
        CACT_LANE_ADD(h[j], c[j], Eh * sc, El * sc);                                 \
        if (store) {                                                                 \
            eh[i] = Eh;                                                              \
            el[i] = El;                                                              \
            en[i] = nn;                                                              \
        }                                                                            \
    } while (0)
    for (ptrdiff_t i = 0; i < nmain; i += CACT_ROW_LANES) { /* cact:vector */
        for (int j = 0; j < CACT_ROW_LANES; j++) {
            CACT_SM_TERM_F64(i + j, j);
        }
    }
    for (ptrdiff_t i = nmain; i < n; i++) {
        CACT_SM_TERM_F64(i, i - nmain);
    }
#undef CACT_SM_TERM_F64
    double kk = 0.0;
    for (int j = 0; j < CACT_ROW_LANES; j++) {
        kk += ka[j];
    }
    *k = kk;
    cact_lanes_total_f64(h, c, rh, rl);
}

/* softmax's output: 2^nn (Eh + El) / (sh + sl) as a double-word quotient
 * with the row's inv = 1 / sh rounded (no division per entry): qh = Eh inv,
 * within about an ulp of Eh / sh; the remainder Eh - qh sh by one fma (a
 * few ulps of Eh, rounded once: 2^-53 of a term 2^-52 of q), corrected by
 * El - qh sl, times inv: the correction needs only a few correct bits, so q
 * = qh + it carries about 2^-100 before its one rounding; then scaled by
 * 2^nn in three normal factors (a subnormal y rounded once).  It took two
 * divisions per entry before (Eh / sh and the remainder's); one thread, AMD
 * EPYC Zen 4, 10^6 entries, three interleaved runs: rows of 10 3.70-3.75 ->
 * 3.51-3.53 ms, rows of 10^5 3.28-3.35 -> 3.01-3.29 (rows of 1000: within
 * the noise); the largest error stays 0.56 ULP (300 random rows against
 * mpmath). */
CACT_INLINE double cact_sm_quot_f64(double Eh, double El, double nn, double sh, double sl,
                                    double inv)
{
    double s1, s2, s3;
    const double qh = Eh * inv;
    const double rem = cact_fma_f64(-qh, sh, Eh) + (El - qh * sl);
    const double q = qh + rem * inv;
    cact_pow2_3_f64(nn, &s1, &s2, &s3);
    return ((q * s1) * s2) * s3;
}

CACT_INLINE void cact_softmax_row_f64(const char *x, ptrdiff_t sx, char *o, ptrdiff_t so,
                                      ptrdiff_t n)
{
    const double m = cact_row_max_f64(x, sx, n);
    if (!(m - m == 0.0)) {
        cact_row_nan_f64(o, so, n);
        return;
    }
    double k, rh, rl, sh, sl;
    double stack[3 * CACT_SM_KEEP64];
    double *eh = cact_sm_buffer(stack, n, CACT_SM_KEEP64, CACT_SM_HEAP64, 3 * sizeof(double));
    if (eh != NULL) {
        double *el = eh + n, *en = eh + 2 * n;
        cact_sm_sums_f64(x, sx, n, m, &k, &rh, &rl, eh, el, en, 1);
        sh = cact_two_sum_f64(k, rh, &sl); /* s = k + r, k >= 1 */
        sl += rl;
        const double inv = 1.0 / sh;
        for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
            CACT_OUT(double, o, i, so) = cact_sm_quot_f64(eh[i], el[i], en[i], sh, sl, inv);
        }
        if (eh != stack) {
            free(eh);
        }
        return;
    }
    cact_sm_sums_f64(x, sx, n, m, &k, &rh, &rl, NULL, NULL, NULL, 0);
    sh = cact_two_sum_f64(k, rh, &sl);
    sl += rl;
    const double inv = 1.0 / sh;
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        double dh, dl, Eh, El;
        cact_sm_diff_f64(CACT_AT(double, x, i, sx), m, &dh, &dl);
        const double nn = cact_sm_exp_f64(dh, dl, &Eh, &El);
        CACT_OUT(double, o, i, so) = cact_sm_quot_f64(Eh, El, nn, sh, sl, inv);
    }
}

CACT_INLINE void cact_log_softmax_row_f64(const char *x, ptrdiff_t sx, char *o, ptrdiff_t so,
                                          ptrdiff_t n)
{
    const double m = cact_row_max_f64(x, sx, n);
    if (!(m - m == 0.0)) {
        cact_row_nan_f64(o, so, n);
        return;
    }
    double k, rh, rl, uh, ul;
    cact_sm_sums_f64(x, sx, n, m, &k, &rh, &rl, NULL, NULL, NULL, 0);
    uh = cact_two_sum_f64(k - 1.0, rh, &ul); /* u = s - 1 */
    ul += rl;
    double Ll;
    const double Lh = cact_log1p_wide_f64(uh, ul, &Ll);
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        double dh, dl, a, b;
        cact_sm_diff_f64(CACT_AT(double, x, i, sx), m, &dh, &dl);
        a = cact_two_sum_f64(dh, -Lh, &b);
        const double y = a + (b + (dl - Ll));
        /* a = -inf (x = -inf, or d below -DBL_MAX): b is NaN, the result a */
        CACT_OUT(double, o, i, so) = a - a == 0.0 ? y : a;
    }
}

/* One level of a block's compensated pairwise sum: (h[k], e[k]) += (h[k +
 * half], e[k + half]) for k < half, h by TwoSum (exact), its error and the
 * two error terms added to e.  Elementwise over the block: it vectorises. */
CACT_INLINE void cact_sm_fold_f64(double *h, double *e, int half)
{
    for (int k = 0; k < half; k++) { /* cact:vector */
        double l;
        const double t = cact_two_sum_f64(h[k], h[k + half], &l);
        e[k] = (e[k] + e[k + half]) + l;
        h[k] = t;
    }
}

/* The compensated sum of g_j y_j (exact products: p + e = g y by fma) or of
 * g_j.  Blocks of 64 entries: the products and their errors into two arrays,
 * folded pairwise (entry k with k + 32, then k + 16, then k + 8: TwoSum, the
 * errors carried) into 8 lanes, which are added to the 8 running lanes as
 * the other row sums do; the last n % 64 entries go to lane (i % 64) % 8
 * one at a time; the lanes combined in a fixed order.  Every step depends on
 * the entry's index only, so every layout gives the same bits, and the
 * relative error stays about n 2^-106 + U^2.  The running lanes are updated
 * once per block: as one TwoSum chain per entry (the previous form) gcc 12
 * left the loop scalar ("reduction used in loop"), 1.1 ns an entry on AMD
 * EPYC Zen 5 at both levels; the blocks take 0.40 (avx2) and 0.27 (avx512). */
#define CACT_SM_DOT_BLOCK 64
CACT_INLINE void cact_sm_dot_f64(const char *g, ptrdiff_t sg, const char *y, ptrdiff_t sy,
                                 ptrdiff_t n, int with_y, double *dh, double *dl)
{
    double h[CACT_ROW_LANES] = {0}, c[CACT_ROW_LANES] = {0};
    double bh[CACT_SM_DOT_BLOCK], be[CACT_SM_DOT_BLOCK];
    const ptrdiff_t nmain = n - n % CACT_SM_DOT_BLOCK;
    for (ptrdiff_t i0 = 0; i0 < nmain; i0 += CACT_SM_DOT_BLOCK) {
        for (int k = 0; k < CACT_SM_DOT_BLOCK; k++) { /* cact:vector */
            const double gv = CACT_AT(double, g, i0 + k, sg);
            const double yv = with_y ? CACT_AT(double, y, i0 + k, sy) : 1.0;
            const double p = gv * yv;
            bh[k] = p;
            be[k] = with_y ? cact_fma_f64(gv, yv, -p) : 0.0;
        }
        cact_sm_fold_f64(bh, be, 32);
        cact_sm_fold_f64(bh, be, 16);
        cact_sm_fold_f64(bh, be, 8);
        for (int j = 0; j < CACT_ROW_LANES; j++) {
            CACT_LANE_ADD(h[j], c[j], bh[j], be[j]);
        }
    }
    for (ptrdiff_t i = nmain; i < n; i++) {
        const int j = (int)((i - nmain) % CACT_ROW_LANES);
        const double gv = CACT_AT(double, g, i, sg);
        const double yv = with_y ? CACT_AT(double, y, i, sy) : 1.0;
        const double p = gv * yv;
        CACT_LANE_ADD(h[j], c[j], p, with_y ? cact_fma_f64(gv, yv, -p) : 0.0);
    }
    double sh, sl;
    cact_lanes_total_f64(h, c, &sh, &sl);
    *dh = sh;
    /* an infinite or NaN total: its low part is NaN, drop it */
    *dl = sh - sh == 0.0 ? sl : 0.0;
}

CACT_INLINE void cact_softmax_backward_row_f64(const char *g, ptrdiff_t sg, const char *y,
                                               ptrdiff_t sy, char *o, ptrdiff_t so, ptrdiff_t n)
{
    double dh, dl;
    cact_sm_dot_f64(g, sg, y, sy, n, 1, &dh, &dl);
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        const double gv = CACT_AT(double, g, i, sg);
        const double yv = CACT_AT(double, y, i, sy);
        double a, b;
        a = cact_two_sum_f64(gv, -dh, &b); /* g - dot = a + b - dl */
        const double r = cact_fma_f64(yv, a, yv * (b - dl));
        CACT_OUT(double, o, i, so) = a - a == 0.0 ? r : yv * a;
    }
}

/* g - exp(y) S, the entry of log_softmax_backward's float64 output. */
CACT_INLINE double cact_lsm_term_f64(double gv, double yv, double S)
{
    double Eh, El, s1, s2, s3;
    const double yc = yv > -1500.0 ? (yv < 1500.0 ? yv : 1500.0) : -1500.0;
    const double nn = cact_exp_dw_f64(yc, &Eh, &El);
    cact_pow2_3_f64(nn, &s1, &s2, &s3);
    const double P = ((((Eh + El) * S) * s1) * s2) * s3;
    const double v = gv - P;
    /* y = +inf or NaN: the IEEE formula itself (+inf times S = 0 is NaN,
     * where the clamped y would give g) */
    return yv < (double)INFINITY ? v : gv - yv * S;
}

#ifdef CACT_HW_FMA
/* The same entry at the FMA levels, as float32's cact_lsm_bwd_f32 does it:
 * S = m 2^j with m = S 2^-j exact (S is a double), exp(y) = 2^n P with
 * P = 1 + (r + L) rounded from the core's reduction (cact_exp_reduce_f64:
 * r exact, L within a few 2^-4 U; r + L rounded adds at most 0.35 U of P
 * and 1 + (r + L) 1 U), so P is within 1.45 U of exp(r); and
 *     g - exp(y) S = fma(-(P 2^s1), m 2^s2, g),  s1 + s2 = s = n + j,
 * s clamped to [-2042, 2046] and halved (s1 = s / 2 rounded, s2 = s - s1,
 * both in [-1021, 1023]: P 2^s1 and m 2^s2 normal and exact), one rounding.
 * Below s = -2042 the product is below 2^-2040 in size and the result is
 * what the true product gives; from 2046 on it overflows either way.  y is
 * clamped to [-1500, 1500] first (the core's range; beyond, the product is
 * below 2^-1140 or above 2^1142 with |S| normal).  The error: 0.5 ULP plus
 * 1.45 U of exp(y) |S| and the rounding of S, 0.5 U, inside the bound; the
 * double-word exp and three scalings of the other form cost 1.17x this at
 * the avx512 level and 1.36x at avx2 (AMD EPYC Zen 4, 1000 entries in L1).
 * A NaN y returns NaN (the last select); the row takes the other form
 * where S is zero, subnormal or not finite (m = 0 from cact_lsm_split_f64). */
CACT_INLINE double cact_lsm_bwd_f64(double gv, double yv, double m, double j)
{
    const double yc = yv > -1500.0 ? (yv < 1500.0 ? yv : 1500.0) : -1500.0;
    double r, L;
    const double nn = cact_exp_reduce_f64(yc, &r, &L);
    const double P = 1.0 + (r + L);
    double s = nn + j;
    s = s > -2042.0 ? s : -2042.0;
    s = s < 2046.0 ? s : 2046.0;
    const double s1 = (s * 0.5 + CACT_SHIFT_f64) - CACT_SHIFT_f64; /* rounded to an integer */
    const double s2 = s - s1;
    const double v = cact_fma_f64(-(P * cact_pow2i_f64(s1)), m * cact_pow2i_f64(s2), gv);
    return yv == yv ? v : yv + yv;
}

/* S = m 2^j, m in [1, 2) with S's sign, for S normal and finite (the
 * exponent field from 1 to 2046); m = 0 otherwise. */
CACT_INLINE double cact_lsm_split_f64(double S, double *j)
{
    const uint64_t b = cact_bits_f64(S);
    const uint64_t e = (b >> 52) & 0x7ff;
    *j = (double)e - 1023.0;
    const double m = cact_from_bits_f64((b & ~((uint64_t)0x7ff << 52)) | ((uint64_t)1023 << 52));
    return e - 1 < 2046 ? m : 0.0;
}
#endif

/* The output pass of the other form (CACT_NOINLINE at the FMA levels, where
 * it is the rare path: see cact_common.h). */
#ifdef CACT_HW_FMA
CACT_NOINLINE
#else
CACT_INLINE
#endif
void cact_lsm_row_other_f64(const char *g, ptrdiff_t sg, const char *y, ptrdiff_t sy, char *o,
                            ptrdiff_t so, ptrdiff_t n, double S)
{
    for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
        CACT_OUT(double, o, i, so) =
            cact_lsm_term_f64(CACT_AT(double, g, i, sg), CACT_AT(double, y, i, sy), S);
    }
}

/* Where the short-block prefetch is taken (cact_prefetch_short,
 * cact_common.h: Intel CPUs), the row's first CACT_LSM_PREFETCH bytes of y
 * are prefetched before the sum of g, which reads only g: the output pass
 * then finds them in cache instead of waiting for each line behind an
 * exponential an entry.  Intel Xeon (2 vCPUs, AVX-512 level, one thread, a C
 * loop over this function), 10^4 rows of 1000 from memory: 38.6-40.5 ->
 * 28.3-28.9 ms; rows of 10^5 (only the start prefetched) 41.3 -> 40.4;
 * float32 (0.4 ns an entry, its loads keep memory busy) gained nothing
 * (11.1-11.6 -> 10.7-11.4 ms), and on an AMD EPYC Zen 4 a prefetch of the
 * next row's lines slowed these loops 2x, so other CPUs keep the loop as
 * it was.  A hint only: the same bits either way. */
#define CACT_LSM_PREFETCH 16384

CACT_INLINE void cact_log_softmax_backward_row_f64(const char *g, ptrdiff_t sg, const char *y,
                                                   ptrdiff_t sy, char *o, ptrdiff_t so,
                                                   ptrdiff_t n)
{
    if (cact_prefetch_short && sy == (ptrdiff_t)sizeof(double)) {
        const ptrdiff_t bytes = n * sy < CACT_LSM_PREFETCH ? n * sy : CACT_LSM_PREFETCH;
        for (ptrdiff_t q = 0; q < bytes; q += CACT_LINE) {
            CACT_PREFETCH(y + q, 0);
        }
    }
    double Sh, Sl;
    cact_sm_dot_f64(g, sg, y, sy, n, 0, &Sh, &Sl);
    const double S = Sh + Sl;
#ifdef CACT_HW_FMA
    double j;
    const double m = cact_lsm_split_f64(S, &j);
    if (m != 0.0) {
        for (ptrdiff_t i = 0; i < n; i++) { /* cact:vector */
            CACT_OUT(double, o, i, so) =
                cact_lsm_bwd_f64(CACT_AT(double, g, i, sg), CACT_AT(double, y, i, sy), m, j);
        }
        return;
    }
#endif
    cact_lsm_row_other_f64(g, sg, y, sy, o, so, n, S);
}

/* ================================================ short rows, in blocks
 * A short row costs more in per-row work than in arithmetic: the max's 32
 * lanes folded, the 8 sum lanes folded, a division or a log, the calls:
 * float32 softmax over rows of 10 took 53 ns a row on AMD EPYC Zen 4 (one
 * thread), 5 ns an entry against 0.6 for the exponential itself.  So rows of
 * up to CACT_SM_SHORT entries are also taken CACT_SM_ROWS at a time
 * (cact_<name>_rows_<t> below, which the loops of src/cact_kernels.inc.tp
 * call for the whole blocks of a chunk; the chunk's other rows go through
 * the row function): the block is copied into a local buffer transposed,
 * entry j of row r at t[j * CACT_SM_ROWS + r], so that the vector lanes are
 * rows and every per-row step (max, sums, division, log, output) runs across
 * rows (CACT_LANES_LOOP keeps those loops loops for the vectoriser).
 *
 * Each row's arithmetic is the row function's, operation for operation: the
 * max is exact in any order; the sums keep the row function's lanes (entry j
 * into lane j % 8 in increasing j, from 0, and the lanes combined in the
 * same order and way, float64's with cact_lanes_total_f64's own steps); the
 * rest is elementwise.  So the blocks give bitwise the row function's
 * results, and where a chunk's blocks start does not matter: every layout
 * and thread count gives the same bits (tests/test_softmax.py checks every
 * row of blocks against the row alone).
 * A forward row with a NaN or infinite max is all NaN, as in the row
 * function: the block computes it with a max of 0 and then selects NaN.
 *
 * CACT_SM_SHORT is below CACT_SM_DOT_BLOCK (float64's backward sums of such
 * rows are the per-entry lane sums, no 64-entry block folds) and below
 * CACT_SM_WIDE (float32's sums of such rows are in 8 lanes).  The buffers
 * are 4 KB each (float64 softmax: three and the input's, in L1).  Float32
 * softmax over rows of 10, one thread, AMD EPYC Zen 4: 5.3 -> 1.4 ms for
 * 10^6 entries; log_softmax 7.6 -> 1.5 ms. */
#define CACT_SM_ROWS 16
#define CACT_SM_SHORT 32
#define CACT_SM_BUF (CACT_SM_SHORT * CACT_SM_ROWS)
#if CACT_SM_SHORT >= CACT_SM_WIDE || CACT_SM_SHORT >= CACT_SM_DOT_BLOCK
#error "the block forms assume rows shorter than CACT_SM_WIDE and CACT_SM_DOT_BLOCK"
#endif

/* The block in, transposed and in double (t[j R + r] = row r's entry j),
 * and out (row r's entry j = y[j R + r]). */
#define CACT_SM_TRANSPOSE(T, sfx)                                                    \
    CACT_INLINE void cact_sm_in_##sfx(const char *x, ptrdiff_t rx, ptrdiff_t sx,     \
                                      ptrdiff_t n, double *t)                        \
    {                                                                                \
        for (int r = 0; r < CACT_SM_ROWS; r++) {                                     \
            for (ptrdiff_t j = 0; j < n; j++) {                                      \
                t[j * CACT_SM_ROWS + r] = (double)CACT_AT(T, x + r * rx, j, sx);     \
            }                                                                        \
        }                                                                            \
    }                                                                                \
    CACT_INLINE void cact_sm_out_##sfx(const T *y, char *o, ptrdiff_t ro,           \
                                       ptrdiff_t so, ptrdiff_t n)                    \
    {                                                                                \
        for (int r = 0; r < CACT_SM_ROWS; r++) {                                     \
            for (ptrdiff_t j = 0; j < n; j++) {                                      \
                CACT_OUT(T, o + r * ro, j, so) = y[j * CACT_SM_ROWS + r];            \
            }                                                                        \
        }                                                                            \
    }
CACT_SM_TRANSPOSE(float, f32)
CACT_SM_TRANSPOSE(double, f64)

/* Each row's max m[r] (0 where it is NaN or infinite) and ok[r] (1.0 where
 * it is finite, else 0.0), as cact_row_max: NaN wins. */
CACT_INLINE void cact_sm_block_max(const double *t, ptrdiff_t n, double *m, double *ok)
{
    enum { R = CACT_SM_ROWS };
    double bad[R];
    for (int r = 0; r < R; r++) {
        m[r] = -(double)INFINITY;
        bad[r] = 0.0;
    }
    for (ptrdiff_t j = 0; j < n; j++) {
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            const double v = t[j * R + r];
            m[r] = v > m[r] ? v : m[r];
            bad[r] = v != v ? 1.0 : bad[r];
        }
    }
    CACT_LANES_LOOP
    for (int r = 0; r < R; r++) { /* cact:vector */
        const int fin = (bad[r] == 0.0) & (m[r] - m[r] == 0.0);
        ok[r] = fin ? 1.0 : 0.0;
        m[r] = fin ? m[r] : 0.0;
    }
}

/* ---------------------------------------------------- float32 blocks */

/* cact_sm_sums_f32 for each row: kk[r] = k, rr[r] = r; with store, exp(d)
 * (clamped, as the output needs it) replaces t. */
CACT_INLINE void cact_sm_block_sums_f32(double *t, const double *m, ptrdiff_t n, double *kk,
                                        double *rr, const int store)
{
    enum { R = CACT_SM_ROWS };
    for (int r = 0; r < R; r++) {
        kk[r] = 0.0;
        rr[r] = 0.0;
    }
    for (int l = 0; l < CACT_ROW_LANES; l++) {
        double ka[R], ra[R];
        for (int r = 0; r < R; r++) {
            ka[r] = 0.0;
            ra[r] = 0.0;
        }
        for (ptrdiff_t j = l; j < n; j += CACT_ROW_LANES) {
            CACT_LANES_LOOP
            for (int r = 0; r < R; r++) { /* cact:vector */
                const double d = t[j * R + r] - m[r];
                const double e = cact_sm_exp32(d);
                const int top = d == 0.0;
                ka[r] += top ? 1.0 : 0.0;
                ra[r] += cact_select_f64(!top & (d > -200.0), e, 0.0);
                if (store) {
                    t[j * R + r] = e;
                }
            }
        }
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            kk[r] += ka[r];
            rr[r] += ra[r];
        }
    }
}

/* The float32 forward blocks: softmax (soft = 1: e / s with the row's 1 / s)
 * or log_softmax (soft = 0: d - log s), a constant at each call. */
CACT_INLINE void cact_sm_forward_block_f32(const char *x, ptrdiff_t rx, ptrdiff_t sx, char *o,
                                           ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n,
                                           const int soft)
{
    enum { R = CACT_SM_ROWS };
    double t[CACT_SM_BUF], m[R], ok[R], kk[R], rr[R], c[R];
    float y[CACT_SM_BUF];
    cact_sm_in_f32(x, rx, sx, n, t);
    cact_sm_block_max(t, n, m, ok);
    cact_sm_block_sums_f32(t, m, n, kk, rr, soft);
    CACT_LANES_LOOP
    for (int r = 0; r < R; r++) { /* cact:vector */
        c[r] = soft ? 1.0 / (kk[r] + rr[r]) : cact_log1p32_wide((kk[r] - 1.0) + rr[r]);
    }
    for (ptrdiff_t j = 0; j < n; j++) {
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            const double v = soft ? t[j * R + r] * c[r] : (t[j * R + r] - m[r]) - c[r];
            y[j * R + r] = ok[r] != 0.0 ? (float)v : (float)NAN;
        }
    }
    cact_sm_out_f32(y, o, ro, so, n);
}

CACT_INLINE void cact_softmax_block_f32(const char *x, ptrdiff_t rx, ptrdiff_t sx, char *o,
                                        ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n)
{
    cact_sm_forward_block_f32(x, rx, sx, o, ro, so, n, 1);
}

CACT_INLINE void cact_log_softmax_block_f32(const char *x, ptrdiff_t rx, ptrdiff_t sx, char *o,
                                            ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n)
{
    cact_sm_forward_block_f32(x, rx, sx, o, ro, so, n, 0);
}

/* cact_sm_dot_f32 for each row: the sum of g y (with_y) or of g. */
CACT_INLINE void cact_sm_block_dot_f32(const double *tg, const double *ty, ptrdiff_t n,
                                       int with_y, double *s)
{
    enum { R = CACT_SM_ROWS };
    for (int r = 0; r < R; r++) {
        s[r] = 0.0;
    }
    for (int l = 0; l < CACT_ROW_LANES; l++) {
        double a[R];
        for (int r = 0; r < R; r++) {
            a[r] = 0.0;
        }
        for (ptrdiff_t j = l; j < n; j += CACT_ROW_LANES) {
            CACT_LANES_LOOP
            for (int r = 0; r < R; r++) { /* cact:vector */
                a[r] += with_y ? tg[j * R + r] * ty[j * R + r] : tg[j * R + r];
            }
        }
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            s[r] += a[r];
        }
    }
}

CACT_INLINE void cact_log_softmax_backward_block_f32(const char *g, ptrdiff_t rg, ptrdiff_t sg,
                                                     const char *y, ptrdiff_t ry, ptrdiff_t sy,
                                                     char *o, ptrdiff_t ro, ptrdiff_t so,
                                                     ptrdiff_t n)
{
    enum { R = CACT_SM_ROWS };
    double tg[CACT_SM_BUF], ty[CACT_SM_BUF], S[R];
    float v[CACT_SM_BUF];
    cact_sm_in_f32(g, rg, sg, n, tg);
    cact_sm_in_f32(y, ry, sy, n, ty);
    cact_sm_block_dot_f32(tg, ty, n, 0, S);
#ifdef CACT_HW_FMA
    /* as the row function: the float form for the rows whose S is finite and
     * not zero (all of them, usually), the double form for the others */
    float m[R];
    int32_t jb[R];
    int all = 1;
    for (int r = 0; r < R; r++) {
        const int ok = S[r] != 0.0 && S[r] - S[r] == 0.0;
        m[r] = ok ? cact_lsm_split(S[r], &jb[r]) : 0.0f;
        jb[r] = ok ? jb[r] : 0;
        all &= ok;
    }
    if (all) {
        for (ptrdiff_t j = 0; j < n; j++) {
            CACT_LANES_LOOP
            for (int r = 0; r < R; r++) { /* cact:vector */
                v[j * R + r] =
                    cact_lsm_bwd_f32((float)tg[j * R + r], (float)ty[j * R + r], m[r], jb[r]);
            }
        }
        cact_sm_out_f32(v, o, ro, so, n);
        return;
    }
#endif
    for (ptrdiff_t j = 0; j < n; j++) {
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            v[j * R + r] = (float)(tg[j * R + r] - cact_lsm_exp32(ty[j * R + r]) * S[r]);
        }
    }
#ifdef CACT_HW_FMA
    for (int r = 0; r < R; r++) { /* the rows of the float form, if any */
        for (ptrdiff_t j = 0; j < n && m[r] != 0.0f; j++) {
            v[j * R + r] =
                cact_lsm_bwd_f32((float)tg[j * R + r], (float)ty[j * R + r], m[r], jb[r]);
        }
    }
#endif
    cact_sm_out_f32(v, o, ro, so, n);
}

/* ---------------------------------------------------- float64 blocks */

/* cact_sm_sums_f64 for each row: kk[r] = k, (rh[r], rl[r]) = r, with the
 * lanes combined as cact_lanes_total_f64 does (lane 0, then TwoSum with
 * each next lane's high part, the errors and low parts added to e); with
 * store, the parts Eh, El, n of exp(d) go to t (replacing x), el, en. */
CACT_INLINE void cact_sm_block_sums_f64(double *t, const double *m, ptrdiff_t n, double *kk,
                                        double *rh, double *rl, double *el, double *en,
                                        const int store)
{
    enum { R = CACT_SM_ROWS };
    double S[R], E[R];
    for (int l = 0; l < CACT_ROW_LANES; l++) {
        double ka[R], h[R], c[R];
        for (int r = 0; r < R; r++) {
            ka[r] = 0.0;
            h[r] = 0.0;
            c[r] = 0.0;
        }
        for (ptrdiff_t j = l; j < n; j += CACT_ROW_LANES) {
            CACT_LANES_LOOP
            for (int r = 0; r < R; r++) { /* cact:vector */
                double dh, dl, Eh, El;
                cact_sm_diff_f64(t[j * R + r], m[r], &dh, &dl);
                const double nn = cact_sm_exp_f64(dh, dl, &Eh, &El);
                const int top = dh == 0.0;
                const double sc = cact_select_f64(!top & (dh > -700.0), cact_pow2i_f64(nn), 0.0);
                ka[r] += cact_select_f64(top, 1.0, 0.0);
                CACT_LANE_ADD(h[r], c[r], Eh * sc, El * sc);
                if (store) {
                    t[j * R + r] = Eh;
                    el[j * R + r] = El;
                    en[j * R + r] = nn;
                }
            }
        }
        if (l == 0) {
            for (int r = 0; r < R; r++) {
                kk[r] = 0.0 + ka[r];
                S[r] = h[r];
                E[r] = c[r];
            }
            continue;
        }
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            kk[r] += ka[r];
            cact_lane_fold_f64(&S[r], &E[r], h[r], c[r]);
        }
    }
    CACT_LANES_LOOP
    for (int r = 0; r < R; r++) { /* cact:vector */
        rh[r] = cact_lane_end_f64(S[r], E[r], &rl[r]);
    }
}

CACT_INLINE void cact_softmax_block_f64(const char *x, ptrdiff_t rx, ptrdiff_t sx, char *o,
                                        ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n)
{
    enum { R = CACT_SM_ROWS };
    double t[CACT_SM_BUF], el[CACT_SM_BUF], en[CACT_SM_BUF];
    double m[R], ok[R], kk[R], rh[R], rl[R], sh[R], sl[R], inv[R];
    cact_sm_in_f64(x, rx, sx, n, t);
    cact_sm_block_max(t, n, m, ok);
    cact_sm_block_sums_f64(t, m, n, kk, rh, rl, el, en, 1);
    CACT_LANES_LOOP
    for (int r = 0; r < R; r++) { /* cact:vector */
        double l;
        sh[r] = cact_two_sum_f64(kk[r], rh[r], &l);
        sl[r] = l + rl[r];
        inv[r] = 1.0 / sh[r];
    }
    for (ptrdiff_t j = 0; j < n; j++) {
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            const double q = cact_sm_quot_f64(t[j * R + r], el[j * R + r], en[j * R + r],
                                              sh[r], sl[r], inv[r]);
            t[j * R + r] = ok[r] != 0.0 ? q : (double)NAN;
        }
    }
    cact_sm_out_f64(t, o, ro, so, n);
}

CACT_INLINE void cact_log_softmax_block_f64(const char *x, ptrdiff_t rx, ptrdiff_t sx, char *o,
                                            ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n)
{
    enum { R = CACT_SM_ROWS };
    double t[CACT_SM_BUF], y[CACT_SM_BUF];
    double m[R], ok[R], kk[R], rh[R], rl[R], Lh[R], Ll[R];
    cact_sm_in_f64(x, rx, sx, n, t);
    cact_sm_block_max(t, n, m, ok);
    cact_sm_block_sums_f64(t, m, n, kk, rh, rl, NULL, NULL, 0);
    CACT_LANES_LOOP
    for (int r = 0; r < R; r++) { /* cact:vector */
        double uh, ul, l;
        uh = cact_two_sum_f64(kk[r] - 1.0, rh[r], &ul);
        ul += rl[r];
        Lh[r] = cact_log1p_wide_f64(uh, ul, &l);
        Ll[r] = l;
    }
    for (ptrdiff_t j = 0; j < n; j++) {
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            double dh, dl, a, b;
            cact_sm_diff_f64(t[j * R + r], m[r], &dh, &dl);
            a = cact_two_sum_f64(dh, -Lh[r], &b);
            const double v = a + (b + (dl - Ll[r]));
            y[j * R + r] = ok[r] != 0.0 ? (a - a == 0.0 ? v : a) : (double)NAN;
        }
    }
    cact_sm_out_f64(y, o, ro, so, n);
}

/* cact_sm_dot_f64 for each row (n below its 64-entry blocks: the lanes of
 * exact products, or of g, combined as cact_lanes_total_f64). */
CACT_INLINE void cact_sm_block_dot_f64(const double *tg, const double *ty, ptrdiff_t n,
                                       int with_y, double *dh, double *dl)
{
    enum { R = CACT_SM_ROWS };
    double S[R], E[R];
    for (int l = 0; l < CACT_ROW_LANES; l++) {
        double h[R], c[R];
        for (int r = 0; r < R; r++) {
            h[r] = 0.0;
            c[r] = 0.0;
        }
        for (ptrdiff_t j = l; j < n; j += CACT_ROW_LANES) {
            CACT_LANES_LOOP
            for (int r = 0; r < R; r++) { /* cact:vector */
                const double gv = tg[j * R + r];
                const double yv = with_y ? ty[j * R + r] : 1.0;
                const double p = gv * yv;
                CACT_LANE_ADD(h[r], c[r], p, with_y ? cact_fma_f64(gv, yv, -p) : 0.0);
            }
        }
        if (l == 0) {
            for (int r = 0; r < R; r++) {
                S[r] = h[r];
                E[r] = c[r];
            }
            continue;
        }
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            cact_lane_fold_f64(&S[r], &E[r], h[r], c[r]);
        }
    }
    CACT_LANES_LOOP
    for (int r = 0; r < R; r++) { /* cact:vector */
        double lo;
        const double s = cact_lane_end_f64(S[r], E[r], &lo);
        dh[r] = s;
        dl[r] = s - s == 0.0 ? lo : 0.0; /* as cact_sm_dot_f64 */
    }
}

/* The float64 backward blocks: g and y in, each row's sum (of g y for
 * softmax_backward, soft = 1; of g for log_softmax_backward, soft = 0: a
 * constant at each call), and each entry as the row function computes it. */
CACT_INLINE void cact_sm_backward_block_f64(const char *g, ptrdiff_t rg, ptrdiff_t sg,
                                            const char *y, ptrdiff_t ry, ptrdiff_t sy, char *o,
                                            ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n,
                                            const int soft)
{
    enum { R = CACT_SM_ROWS };
    double tg[CACT_SM_BUF], ty[CACT_SM_BUF], dh[R], dl[R];
    cact_sm_in_f64(g, rg, sg, n, tg);
    cact_sm_in_f64(y, ry, sy, n, ty);
    cact_sm_block_dot_f64(tg, ty, n, soft, dh, dl);
#ifdef CACT_HW_FMA
    /* log_softmax_backward: as the row function, the FMA form for the rows
     * whose S is normal and finite (usually all), the other for the rest */
    double m[R], jj[R];
    int all = !soft;
    for (int r = 0; r < R && !soft; r++) {
        m[r] = cact_lsm_split_f64(dh[r] + dl[r], &jj[r]);
        all &= m[r] != 0.0;
    }
    if (all) {
        for (ptrdiff_t j = 0; j < n; j++) {
            CACT_LANES_LOOP
            for (int r = 0; r < R; r++) { /* cact:vector */
                tg[j * R + r] = cact_lsm_bwd_f64(tg[j * R + r], ty[j * R + r], m[r], jj[r]);
            }
        }
        cact_sm_out_f64(tg, o, ro, so, n);
        return;
    }
#endif
    for (ptrdiff_t j = 0; j < n; j++) {
        CACT_LANES_LOOP
        for (int r = 0; r < R; r++) { /* cact:vector */
            const double gv = tg[j * R + r], yv = ty[j * R + r];
            if (soft) { /* as cact_softmax_backward_row_f64 */
                double a, b;
                a = cact_two_sum_f64(gv, -dh[r], &b);
                const double v = cact_fma_f64(yv, a, yv * (b - dl[r]));
                tg[j * R + r] = a - a == 0.0 ? v : yv * a;
            }
            else {
                tg[j * R + r] = cact_lsm_term_f64(gv, yv, dh[r] + dl[r]);
            }
        }
    }
#ifdef CACT_HW_FMA
    for (int r = 0; r < R && !soft; r++) { /* the rows of the FMA form, if any */
        for (ptrdiff_t j = 0; j < n && m[r] != 0.0; j++) {
            tg[j * R + r] = cact_lsm_bwd_f64(CACT_AT(double, g + r * rg, j, sg),
                                             ty[j * R + r], m[r], jj[r]);
        }
    }
#endif
    cact_sm_out_f64(tg, o, ro, so, n);
}

CACT_INLINE void cact_softmax_backward_block_f64(const char *g, ptrdiff_t rg, ptrdiff_t sg,
                                                 const char *y, ptrdiff_t ry, ptrdiff_t sy,
                                                 char *o, ptrdiff_t ro, ptrdiff_t so,
                                                 ptrdiff_t n)
{
    cact_sm_backward_block_f64(g, rg, sg, y, ry, sy, o, ro, so, n, 1);
}

CACT_INLINE void cact_log_softmax_backward_block_f64(const char *g, ptrdiff_t rg, ptrdiff_t sg,
                                                     const char *y, ptrdiff_t ry, ptrdiff_t sy,
                                                     char *o, ptrdiff_t ro, ptrdiff_t so,
                                                     ptrdiff_t n)
{
    cact_sm_backward_block_f64(g, rg, sg, y, ry, sy, o, ro, so, n, 0);
}

/* The block forms the loops call, cact_<name>_rows_<t>(operands as (start,
 * row step, entry stride)..., n, rows): every whole block of CACT_SM_ROWS
 * rows of a chunk of `rows` rows of n entries, when n is at most `longest`
 * (<= CACT_SM_SHORT); returns the rows done (a multiple of CACT_SM_ROWS; 0
 * for longer rows), and the loop runs the row function on the rest. */
#define CACT_SM_ROWS_1(name, sfx, longest)                                           \
    CACT_INLINE ptrdiff_t cact_##name##_rows_##sfx(const char *x, ptrdiff_t rx,      \
                                                   ptrdiff_t sx, char *o, ptrdiff_t ro, \
                                                   ptrdiff_t so, ptrdiff_t n,         \
                                                   ptrdiff_t rows)                    \
    {                                                                                \
        ptrdiff_t i = 0;                                                             \
        if (n < 1 || n > (longest)) {                                                \
            return 0;                                                                \
        }                                                                            \
        for (; i + CACT_SM_ROWS <= rows; i += CACT_SM_ROWS) {                        \
            cact_##name##_block_##sfx(x + i * rx, rx, sx, o + i * ro, ro, so, n);    \
        }                                                                            \
        return i;                                                                    \
    }
#define CACT_SM_ROWS_2(name, sfx, longest)                                           \
    CACT_INLINE ptrdiff_t cact_##name##_rows_##sfx(                                  \
        const char *g, ptrdiff_t rg, ptrdiff_t sg, const char *y, ptrdiff_t ry,      \
        ptrdiff_t sy, char *o, ptrdiff_t ro, ptrdiff_t so, ptrdiff_t n, ptrdiff_t rows) \
    {                                                                                \
        ptrdiff_t i = 0;                                                             \
        if (n < 1 || n > (longest)) {                                                \
            return 0;                                                                \
        }                                                                            \
        for (; i + CACT_SM_ROWS <= rows; i += CACT_SM_ROWS) {                        \
            cact_##name##_block_##sfx(g + i * rg, rg, sg, y + i * ry, ry, sy,        \
                                      o + i * ro, ro, so, n);                        \
        }                                                                            \
        return i;                                                                    \
    }
/* The longest rows each takes in blocks, where the blocks were faster (AMD
 * EPYC Zen 4, one thread, 10^6 entries).  Float32 softmax_backward has no
 * block form: its row function is light (two reads, a product, a sum), and
 * the three transpositions cost more than the per-row work they save (rows
 * of 10: 1.25 against 1.28 ms; of 32: 1.08 against 0.47).  Float32
 * log_softmax_backward's row function runs the tail of a row scalar, which
 * the exponential makes dear: blocks up to 15 entries (rows of 10: 2.41 ->
 * 1.82 ms, of 12: 3.77 -> 1.74; of 16: 1.41 against 1.76 in blocks). */
CACT_SM_ROWS_1(softmax, f32, CACT_SM_SHORT)
CACT_SM_ROWS_1(log_softmax, f32, CACT_SM_SHORT)
CACT_SM_ROWS_2(log_softmax_backward, f32, 15)
CACT_SM_ROWS_1(softmax, f64, CACT_SM_SHORT)
CACT_SM_ROWS_1(log_softmax, f64, CACT_SM_SHORT)
CACT_SM_ROWS_2(softmax_backward, f64, CACT_SM_SHORT)
CACT_SM_ROWS_2(log_softmax_backward, f64, CACT_SM_SHORT)

#undef CACT_AT
#undef CACT_OUT
#undef CACT_LANE_ADD

#endif /* CACT_SOFTMAX_H */
