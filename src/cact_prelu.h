/*
 * cact_prelu.h -- prelu_backward in one pass: grad_x and the weight
 * gradient's sums, for the compiled fast path of cact.prelu_backward
 * (src/_core.pyx _prelu_backward_fast; chunks prelu_bw_rows and
 * prelu_bw_cols in src/cact_kernels.inc.tp).
 *
 *   grad_x = g where x > 0, else w g      (leaky_relu's backward from x, so
 *                                          the bits of cact.leaky_relu_backward)
 *   grad_w[c] = sum of g x over the entries of channel c with x <= 0
 *
 * Each entry's term is g x in double (exact for float32 operands, one
 * rounding for float64), and exactly 0 where x > 0 whatever g is (inf and NaN
 * included: PyTorch's where-select); a NaN x gives a NaN term.  The validating
 * path (cact/_prelu.py) reads the arrays twice: NumPy's where for grad_x, then
 * blocks of float64 products for the sums (float32 32 x 64 x 28 x 28, AMD EPYC
 * Zen 4: 3.8 ms on 2 threads); here both come from one read of g and x.
 *
 * Two layouts, both C-contiguous (the fast path's condition):
 *
 *   rows: channels before the last axis, x as rows of n entries with one
 *         slope each (a row is (sample, channel)): the row's sum, returned.
 *         Blocks of CACT_PRELU_BLOCK terms are stored, folded pairwise to 8
 *         and added to 8 running lanes, which are folded pairwise at the end
 *         (a running double sum would keep gcc's loop scalar: "reduction
 *         used in loop").  Error: about (6 + n / 512 + 3) 2^-53 of the sum
 *         of |terms|, against NumPy's pairwise log2(n) 2^-53; the order is
 *         fixed by the row alone, so any thread count gives the same bits.
 *   cols: channels last, x as m rows of L entries with the slopes s[0..L)
 *         along each row: the column sums over the m rows added to acc[0..L)
 *         (one running sum per column: the loop runs along the row, so it
 *         vectorises without a reduction; m is at most CACT_PRELU_COL_ROWS).
 *
 * Every term is read before grad_x is written to the same index, so
 * grad_x may be g itself (out=grad_output).  Infinite and NaN terms add up
 * by IEEE in any order (inf + -inf = NaN, NaN wins), as the definition's.
 */
#ifndef CACT_PRELU_H
#define CACT_PRELU_H

#include "cact_elements.h" /* cact_leaky_relu_backward_x_<t> */

#define CACT_PRELU_BLOCK 64
#define CACT_PRELU_LANES 8
/* rows of L entries a "cols" item sums: its partial sums (L doubles) are then
 * 1/64 of the data, which the caller adds up */
#define CACT_PRELU_COL_ROWS 64

/* a[0..k) += a[k..2k) */
CACT_INLINE void cact_prelu_fold(double *a, int k)
{
    for (int j = 0; j < k; j++) {
        a[j] += a[j + k];
    }
}

/* the row functions for each dtype: cact_prelu_t.h (cact_prelu_term_<t>,
 * cact_prelu_bw_row_<t>, cact_prelu_bw_cols_<t>) */
#define CACT_T float
#define CACT_SFX f32
#include "cact_prelu_t.h"
#undef CACT_T
#undef CACT_SFX

#define CACT_T double
#define CACT_SFX f64
#include "cact_prelu_t.h"
#undef CACT_T
#undef CACT_SFX

#endif /* CACT_PRELU_H */
