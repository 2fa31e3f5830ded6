/*
 * cact_kernels.h -- what the generated kernel file exports to the Cython
 * module: one spec per ufunc (elementwise activations and maxout's two
 * generalised ufuncs), each with a float32 and a float64 inner loop.
 */
#ifndef CACT_KERNELS_H
#define CACT_KERNELS_H

#include <stddef.h>

#include "cact_common.h" /* the thread controls */

/* NumPy's PyUFuncGenericFunction with ptrdiff_t for npy_intp (same size). */
typedef void (*cact_loop_fn)(char **args, const ptrdiff_t *dims, const ptrdiff_t *steps,
                             void *data);

typedef struct {
    const char *name;      /* ufunc __name__ */
    int nin;               /* inputs, parameters included */
    int nout;
    const char *signature; /* gufunc core signature, or NULL if elementwise */
    cact_loop_fn loops[2]; /* float32, float64 */
    const char *doc;
    int nonempty;          /* a gufunc whose core dimension must not be 0 */
} cact_ufunc_spec;

extern const cact_ufunc_spec cact_ufunc_specs[];
extern const int cact_n_ufunc_specs;

const char *cact_compiler(void);
const char *cact_build_flags(void);
const char *cact_openmp_library(void);
void cact_set_min_parallel_override(ptrdiff_t n);
ptrdiff_t cact_get_min_parallel_override(void);

/* Instruction-set levels (cact_dispatch.c). */
int cact_isa_count(void);
const char *cact_isa_name(int level);
int cact_isa_supported(int level);
int cact_isa_best(void);
int cact_isa_set(int level);
int cact_isa_get(void);

#endif /* CACT_KERNELS_H */
