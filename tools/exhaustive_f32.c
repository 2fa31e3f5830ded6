/*
 * exhaustive_f32.c -- every float32 input through cact's element functions,
 * against a double reference; the maximum error in ULPs.
 *
 * Built and run by tools/exhaustive_f32.py, once per instruction-set level:
 * LEVEL 0 is the platform baseline, 1 AVX2 + FMA, 2 AVX-512, with the same
 * target pragmas and CACT_KERNEL_FMA as src/cact_isa_<level>.c, so this runs
 * the very code of the extension's kernels.  What it measures comes from
 * exhaustive_rows.h, which tools/exhaustive_f32.py renders from the table
 * (cact/_table.py: the rows and their parameters) and the references
 * (tests/reference.py: c_f and c_grad, the textbook formulas in double with
 * the C library, whose error of a few double ULPs is below 2^-27 float32
 * ULP): N_FUNCTIONS, NAMES, NPARAMS, reference() and kernel().
 *
 *   exhaustive_f32 FUNCTION STRIDE [PARAM ...]   FUNCTION 0..N_FUNCTIONS-1
 * prints: name max_ulp x_at_max count
 */
#include "level_target.h" /* the level's target pragmas, CACT_KERNEL_FMA */
#include "cact_elements.h" /* every row's element functions */

#include <float.h>
#include <stdio.h>
#include <stdlib.h>

#define G 1.5 /* grad_output of the backward: exact scaling, as tools/accuracy.py */
#define BLOCK 4096
#include "exhaustive_rows.h"

/* ULP of the float32 nearest r (subnormal spacing below FLT_MIN) */
static double ulp32(double r)
{
    int e;
    r = fabs(r);
    if (r < FLT_MIN) return ldexp(1.0, -149);
    frexp(r, &e);
    return ldexp(1.0, e - 24);
}

int main(int argc, char **argv)
{
    const int fn = argc > 1 ? atoi(argv[1]) : -1;
    if (fn < 0 || fn >= N_FUNCTIONS || argc != 3 + NPARAMS[fn]) {
        fprintf(stderr, "usage: %s FUNCTION(0-%d) STRIDE [PARAM ...] (see NAMES, NPARAMS)\n",
                argv[0], N_FUNCTIONS - 1);
        return 2;
    }
    const long long stride = atoll(argv[2]);
    /* the kernel gets the parameters rounded to float, as cact rounds them
     * for float32 arrays; the reference gets the same values */
    float pf[8];
    double pd[8];
    for (int j = 0; j < NPARAMS[fn]; j++) {
        pf[j] = (float)atof(argv[3 + j]);
        pd[j] = pf[j];
    }
    const long long nblocks = ((1LL << 32) / stride + BLOCK - 1) / BLOCK;
    double worst = 0, worst_x = 0;
    long long count = 0;
#pragma omp parallel
    {
        float x[BLOCK], y[BLOCK];
        double lw = 0, lx = 0;
        long long lc = 0;
#pragma omp for schedule(dynamic, 64)
        for (long long b = 0; b < nblocks; b++) {
            int n = 0;
            for (int i = 0; i < BLOCK; i++) {
                const unsigned long long k = (unsigned long long)(b * BLOCK + i) * stride;
                if (k >> 32) break;
                const uint32_t u = (uint32_t)k;
                float v;
                memcpy(&v, &u, sizeof v);
                if (v == v) x[n++] = v; /* NaN inputs: tests/test_values.py */
            }
            kernel(fn, x, y, n, pf);
            for (int i = 0; i < n; i++) {
                /* beyond the float32 range (half an ULP above FLT_MAX) the
                 * correctly rounded result is an infinity */
                const double r0 = reference(fn, x[i], pd);
                const double r = fabs(r0) >= 0x1.ffffffp127 ? copysign(INFINITY, r0) : r0;
                double err;
                if (isinf(r) || isinf(y[i]) || isnan(y[i]))
                    err = (r == (double)y[i]) ? 0 : INFINITY;
                else
                    err = fabs((double)y[i] - r) / ulp32(r);
                if (err > lw) { lw = err; lx = x[i]; }
            }
            lc += n;
        }
#pragma omp critical
        {
            if (lw > worst) { worst = lw; worst_x = lx; }
            count += lc;
        }
    }
    printf("%s\t%.6f\t%.9g\t%lld\n", NAMES[fn], worst, worst_x, count);
    return 0;
}
