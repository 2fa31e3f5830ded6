/*
 * cact_prelu_t.h -- prelu_backward's row functions for a generic type T:
 * included by cact_prelu.h once per dtype, with CACT_T (float, double) and
 * CACT_SFX (f32, f64) defined.  No include guard on purpose.  What each
 * computes and its error: cact_prelu.h.
 */
#define CACT_CAT_(a, b) a##_##b
#define CACT_CAT(a, b) CACT_CAT_(a, b)
#define CACT_FN(name) CACT_CAT(name, CACT_SFX)

/* g x in double where x <= 0 (exact for float32), exactly 0 where x > 0
 * whatever g is; a NaN x fails x > 0 and gives NaN */
CACT_INLINE double CACT_FN(cact_prelu_term)(CACT_T g, CACT_T x)
{
    return cact_select_f64(x > (CACT_T)0, 0.0, (double)g * (double)x);
}

/* One row of n entries with the one slope w: grad_x into gx, the row's sum
 * returned (blocks folded pairwise into running lanes, see cact_prelu.h). */
CACT_INLINE double CACT_FN(cact_prelu_bw_row)(const CACT_T *g, const CACT_T *x, CACT_T w,
                                             CACT_T *gx, ptrdiff_t n)
{
    double lanes[CACT_PRELU_LANES] = {0};
    double b[CACT_PRELU_BLOCK];
    const ptrdiff_t nmain = n - n % CACT_PRELU_BLOCK;
    for (ptrdiff_t i0 = 0; i0 < nmain; i0 += CACT_PRELU_BLOCK) {
        for (int k = 0; k < CACT_PRELU_BLOCK; k++) { /* cact:vector */
            const CACT_T gv = g[i0 + k], xv = x[i0 + k];
            b[k] = CACT_FN(cact_prelu_term)(gv, xv);
            gx[i0 + k] = CACT_FN(cact_leaky_relu_backward_x)(gv, xv, w);
        }
        cact_prelu_fold(b, 32);
        cact_prelu_fold(b, 16);
        cact_prelu_fold(b, 8);
        for (int j = 0; j < CACT_PRELU_LANES; j++) {
            lanes[j] += b[j];
        }
    }
    for (ptrdiff_t i = nmain; i < n; i++) {
        const CACT_T gv = g[i], xv = x[i];
        lanes[(i - nmain) % CACT_PRELU_LANES] += CACT_FN(cact_prelu_term)(gv, xv);
        gx[i] = CACT_FN(cact_leaky_relu_backward_x)(gv, xv, w);
    }
    cact_prelu_fold(lanes, 4);
    cact_prelu_fold(lanes, 2);
    return lanes[0] + lanes[1];
}

/* m rows of L entries with the slopes s[0..L) along each row: grad_x into
 * gx, the column sums over the m rows into acc[0..L). */
CACT_INLINE void CACT_FN(cact_prelu_bw_cols)(const CACT_T *g, const CACT_T *x, const CACT_T *s,
                                            CACT_T *gx, double *acc, ptrdiff_t m, ptrdiff_t L)
{
    for (ptrdiff_t j = 0; j < L; j++) {
        acc[j] = 0.0;
    }
    for (ptrdiff_t r = 0; r < m; r++) {
        const CACT_T *gr = g + r * L, *xr = x + r * L;
        CACT_T *gxr = gx + r * L;
        for (ptrdiff_t j = 0; j < L; j++) { /* cact:vector */
            const CACT_T gv = gr[j], xv = xr[j];
            acc[j] += CACT_FN(cact_prelu_term)(gv, xv);
            gxr[j] = CACT_FN(cact_leaky_relu_backward_x)(gv, xv, s[j]);
        }
    }
}
