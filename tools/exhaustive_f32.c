/*
 * exhaustive_f32.c -- every float32 input through cact's exp-family element
 * functions, against a double reference; the maximum error in ULPs.
 *
 * Built and run by tools/exhaustive_f32.py, once per instruction-set level:
 * LEVEL 0 is the platform baseline, 1 AVX2 + FMA, 2 AVX-512, with the same
 * target pragmas and CACT_KERNEL_FMA as src/cact_isa_<level>.c, so this runs
 * the very code of the extension's kernels.  The reference is the textbook
 * formula in double with the C library (exp, expm1, tanh): its error, a few
 * double ULPs, is below 2^-27 float32 ULP.
 *
 *   exhaustive_f32 FUNCTION ALPHA STRIDE     FUNCTION 0..8, see NAMES
 * prints: name max_ulp x_at_max count
 */
#if LEVEL == 1
#pragma GCC target("avx2,fma")
#define CACT_KERNEL_FMA 1
#elif LEVEL == 2
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")
#define CACT_KERNEL_FMA 1
#endif
#include "cact_exp_family.h"

#include <float.h>
#include <stdio.h>
#include <stdlib.h>

static const char *NAMES[] = {"sigmoid f", "tanh f", "elu f",
                              "sigmoid grad", "tanh grad", "elu grad",
                              "sigmoid backward_x", "tanh backward_x", "elu backward_x"};
#define G 1.5 /* grad_output of the backward: exact scaling, as tools/accuracy.py */

/* ULP of the float32 nearest r (subnormal spacing below FLT_MIN) */
static double ulp32(double r)
{
    int e;
    r = fabs(r);
    if (r < FLT_MIN) return ldexp(1.0, -149);
    frexp(r, &e);
    return ldexp(1.0, e - 24);
}

static double reference(int fn, double x, double alpha)
{
    double e;
    switch (fn) {
    case 0: e = exp(-fabs(x)); return (x >= 0 ? 1.0 : e) / (1.0 + e);
    case 1: return tanh(x);
    case 2: return x > 0 ? x : alpha * expm1(x);
    case 3: e = exp(-fabs(x)); return e / ((1 + e) * (1 + e));
    case 4: e = exp(-2.0 * fabs(x)); return 4 * e / ((1 + e) * (1 + e));
    case 5: return x > 0 ? 1 : alpha * exp(x);
    case 6: e = exp(-fabs(x)); return G * e / ((1 + e) * (1 + e));
    case 7: e = exp(-2.0 * fabs(x)); return G * 4 * e / ((1 + e) * (1 + e));
    default: return x > 0 ? G : G * alpha * exp(x);
    }
}

#define BLOCK 4096
static void kernel(int fn, const float *x, float *y, int n, float alpha)
{
    const float g = (float)G;
    switch (fn) {
#define LOOP(expr) for (int i = 0; i < n; i++) y[i] = expr; break
    case 0: LOOP(cact_sigmoid_f_f32(x[i]));
    case 1: LOOP(cact_tanh_f_f32(x[i]));
    case 2: LOOP(cact_elu_f_f32(x[i], alpha));
    case 3: LOOP(cact_sigmoid_backward_x_f32(1.0f, x[i])); /* the grad kernel's own call */
    case 4: LOOP(cact_tanh_backward_x_f32(1.0f, x[i]));
    case 5: LOOP(cact_elu_backward_x_f32(1.0f, x[i], alpha));
    case 6: LOOP(cact_sigmoid_backward_x_f32(g, x[i]));
    case 7: LOOP(cact_tanh_backward_x_f32(g, x[i]));
    default: LOOP(cact_elu_backward_x_f32(g, x[i], alpha));
#undef LOOP
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s FUNCTION(0-8) ALPHA STRIDE\n", argv[0]);
        return 2;
    }
    const int fn = atoi(argv[1]);
    const float alpha = (float)atof(argv[2]);
    const long long stride = atoll(argv[3]);
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
            kernel(fn, x, y, n, alpha);
            for (int i = 0; i < n; i++) {
                const double r = reference(fn, x[i], alpha);
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
