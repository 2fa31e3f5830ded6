/*
 * cact_gufunc.h -- the core-dimension check of the maxout gufuncs, included
 * by _core.pyx (after NumPy's headers and import_array, which sets
 * PyArray_RUNTIME_VERSION).
 *
 * _maxout_reduce (p)->() and _maxout_scatter (),(p)->(p) take the maximum or
 * the arg-max of each group of p entries.  A group of p = 0 entries has
 * neither (np.max and np.argmax raise for a zero-size array), and the loops
 * would read the group's first entry, outside the array.  NumPy calls a
 * gufunc's process_core_dims_func with the core dimensions before it
 * allocates anything or calls a loop, whatever the number of groups: there p
 * = 0 becomes a ValueError and no buffer is touched.
 *
 * That member of PyUFuncObject exists from NumPy 2.1 (C API version 0x13) on.
 * cact supports NumPy >= 2.0 and is compiled for NumPy's default target
 * (NPY_FEATURE_VERSION 1.23), whose declaration of the struct ends at _loops;
 * NumPy only appends members, so in 2.1 and later process_core_dims_func is
 * the pointer right after _loops, which cact_ufunc_2_1 spells out (the size
 * check below fails the build if that ever stops holding).  Under NumPy 2.0
 * at run time the member does not exist and is not written: the loops guard
 * p = 0 themselves (src/cact_kernels.inc.tp: NaN for the maximum, nothing to
 * write for the scatter), so no shape reads out of bounds with any NumPy.
 */
#ifndef CACT_GUFUNC_H
#define CACT_GUFUNC_H

#include <stddef.h>
#include <Python.h>
#include <numpy/ndarraytypes.h>
#include <numpy/ufuncobject.h>

static int cact_nonempty_core(PyUFuncObject *ufunc, npy_intp *core_dim_sizes)
{
    /* both gufuncs have one core dimension, p, at index 0; it comes from an
     * input, so it is known (never -1) here */
    if (core_dim_sizes[0] == 0) {
        PyErr_Format(PyExc_ValueError,
                     "%s: zero-size group (core dimension p = 0): the maximum of an "
                     "empty group does not exist (np.max raises for a zero-size array)",
                     ufunc->name ? ufunc->name : "cact gufunc");
        return -1;
    }
    return 0;
}

#if NPY_FEATURE_VERSION >= NPY_2_1_API_VERSION
#define CACT_CORE_DIMS_FUNC(uf) (((PyUFuncObject *)(uf))->process_core_dims_func)
#else
typedef struct {
    PyUFuncObject base;                               /* up to _loops */
    PyUFunc_ProcessCoreDimsFunc *process_core_dims_func; /* NumPy >= 2.1 */
} cact_ufunc_2_1;
/* the appended member directly follows _loops, as in NumPy's 2.1 header */
typedef char cact_ufunc_2_1_layout_check[
    offsetof(cact_ufunc_2_1, process_core_dims_func)
        == offsetof(PyUFuncObject, _loops) + sizeof(PyObject *) ? 1 : -1];
#define CACT_CORE_DIMS_FUNC(uf) (((cact_ufunc_2_1 *)(uf))->process_core_dims_func)
#endif

/* Install the check on a gufunc made by PyUFunc_FromFuncAndDataAndSignature.
 * Returns 1 if installed, 0 under NumPy 2.0 (the loops' guard then applies). */
static int cact_install_nonempty_core(PyObject *uf)
{
    if (PyArray_RUNTIME_VERSION < NPY_2_1_API_VERSION) {
        return 0;
    }
    CACT_CORE_DIMS_FUNC(uf) = cact_nonempty_core;
    return 1;
}

#endif /* CACT_GUFUNC_H */
