/*
 * kernel_times.c -- time cact's element functions in a vectorised loop over
 * N elements in L1, every row, variant and dtype that kernel_times_rows.h
 * lists.  Built and run by tools/kernel_times.py, once per instruction-set
 * level, with the target pragmas and CACT_KERNEL_FMA of
 * src/cact_isa_<level>.c (the same code the extension's loops compile).
 *
 * The functions are timed interleaved: every round runs each one REPS times
 * and keeps its fastest round, so that a slow phase of a shared machine
 * (frequency, a neighbour) touches every function alike.  Prints one line
 * per function: name, variant, dtype, ns per element.  The loops carry no
 * prefetch, block or tail (the extension's add little in L1): this measures
 * the element function, the place where gcc's code generation is decided
 * (a select that stays a branch, a clamp whose constant arm is pushed
 * through the exp core, a loop left scalar).
 *
 *   kernel_times [ROUNDS]
 */
#include "level_target.h" /* the level's target pragmas, CACT_KERNEL_FMA */
#include "cact_elements.h" /* every row's element functions */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N 4096
#define REPS 4

/* external linkage: the stores of the timed loops are observable, so the
 * compiler keeps them */
float xf[N], gf[N], yf[N], of[N];
double xd[N], gd[N], yd[N], od[N];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#include "kernel_times_rows.h" /* N_KERNELS, KERNELS[]: name, variant, dtype, fn, prepare */

int main(int argc, char **argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 300;
    srand(1);
    for (int i = 0; i < N; i++) {
        xf[i] = (float)((double)rand() / RAND_MAX * 16.0 - 8.0);
        gf[i] = (float)((double)rand() / RAND_MAX * 2.0 - 1.0);
        xd[i] = xf[i];
        gd[i] = gf[i];
    }
    double best[N_KERNELS];
    for (int k = 0; k < N_KERNELS; k++) {
        best[k] = 1e30;
    }
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < N_KERNELS; k++) {
            KERNELS[k].prepare();
            const double t0 = now();
            for (int j = 0; j < REPS; j++) {
                KERNELS[k].fn();
            }
            const double t = (now() - t0) / (REPS * (double)N);
            best[k] = t < best[k] ? t : best[k];
        }
    }
    for (int k = 0; k < N_KERNELS; k++) {
        printf("%s\t%s\t%s\t%.4f\n", KERNELS[k].name, KERNELS[k].variant, KERNELS[k].dtype,
               best[k] * 1e9);
    }
    return 0;
}
