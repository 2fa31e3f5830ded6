# cython: language_level=3
"""cact._core: the compiled layer.

Creates one NumPy ufunc per spec exported by the generated ufunc file
(src/cact_ufuncs.c, from src/cact_ufuncs.c.tp and cact/_table.py) and
exposes the thread controls.  The Python API in cact/_api.py wraps these.

Layers (README "Architecture"): C element functions (src/*.h) -> loop kernels
(generated, threaded by cact_run in src/cact_parallel.c) -> these ufuncs, whose
loops NumPy calls with the GIL released -> the Python API (validation).
"""

cimport numpy as cnp
from libc.stdlib cimport malloc
from libc.stddef cimport ptrdiff_t

cnp.import_array()
cnp.import_ufunc()

cdef extern from "cact_kernels.h" nogil:
    ctypedef void (*cact_loop_fn)(char **, const ptrdiff_t *, const ptrdiff_t *, void *)
    ctypedef struct cact_ufunc_spec:
        const char *name
        int nin
        int nout
        const char *signature
        cact_loop_fn loops[2]
        const char *doc
    const cact_ufunc_spec cact_ufunc_specs[]
    const int cact_n_ufunc_specs
    int cact_get_num_threads()
    int cact_set_num_threads(int n)
    int cact_openmp_enabled()
    const char *cact_compiler()
    const char *cact_build_flags()
    const char *cact_openmp_library()
    void cact_set_min_parallel_override(ptrdiff_t n)
    int cact_isa_count()
    const char *cact_isa_name(int level)
    int cact_isa_supported(int level)
    int cact_isa_best()
    int cact_isa_set(int level)
    int cact_isa_get()


cdef object _make_ufunc(const cact_ufunc_spec *spec):
    # The ufunc keeps pointers to these arrays for its lifetime (the process's,
    # as the module is never unloaded), so they are allocated once and kept.
    cdef int nargs = spec.nin + spec.nout
    cdef int j, k
    cdef cnp.PyUFuncGenericFunction *funcs = <cnp.PyUFuncGenericFunction *>malloc(
        2 * sizeof(cnp.PyUFuncGenericFunction))
    cdef char *types = <char *>malloc(2 * nargs)
    cdef void **data = <void **>malloc(2 * sizeof(void *))
    if funcs == NULL or types == NULL or data == NULL:
        raise MemoryError()
    for j in range(2):
        funcs[j] = <cnp.PyUFuncGenericFunction>spec.loops[j]
        data[j] = NULL
        for k in range(nargs):
            types[j * nargs + k] = cnp.NPY_FLOAT if j == 0 else cnp.NPY_DOUBLE
    if spec.signature == NULL:
        return cnp.PyUFunc_FromFuncAndData(
            funcs, data, types, 2, spec.nin, spec.nout, cnp.PyUFunc_None,
            <char *>spec.name, <char *>spec.doc, 0)
    return cnp.PyUFunc_FromFuncAndDataAndSignature(
        funcs, data, types, 2, spec.nin, spec.nout, cnp.PyUFunc_None,
        <char *>spec.name, <char *>spec.doc, 0, <char *>spec.signature)


cdef dict _build():
    cdef int i
    out = {}
    for i in range(cact_n_ufunc_specs):
        out[cact_ufunc_specs[i].name.decode("ascii")] = _make_ufunc(&cact_ufunc_specs[i])
    return out


#: name -> numpy.ufunc for every compiled loop (float32 and float64 each).
ufuncs = _build()

cact_isa_set(cact_isa_best())


def isa_levels():
    """The instruction-set levels compiled in, lowest first, as
    ``[(name, supported_by_this_cpu), ...]``."""
    return [(cact_isa_name(i).decode("ascii"), bool(cact_isa_supported(i)))
            for i in range(cact_isa_count())]


def isa():
    """The name of the instruction-set level the kernels run at."""
    return cact_isa_name(cact_isa_get()).decode("ascii")


def _set_isa(name):
    """Run the kernels at level ``name`` (for tests and bug reports).

    Raises ValueError for a level that is not compiled in and RuntimeError
    for one this CPU does not support.  Returns the previous level's name.
    """
    previous = isa()
    names = [n for n, _ in isa_levels()]
    if name not in names:
        raise ValueError(
            f"unknown instruction-set level {name!r}; this build has {', '.join(names)}")
    if cact_isa_set(names.index(name)) != 0:
        raise RuntimeError(
            f"this CPU does not support the instruction-set level {name!r}; "
            f"supported: {', '.join(n for n, ok in isa_levels() if ok)}")
    return previous


def get_num_threads():
    """Return the number of threads cact uses for large arrays.

    This is the value set by :func:`set_num_threads`, or, if none was set, the
    OpenMP runtime's ``omp_get_max_threads()`` for the calling thread (which
    honours ``OMP_NUM_THREADS`` and ``threadpoolctl`` limits).  Always 1 when
    cact was built without OpenMP.
    """
    return cact_get_num_threads()


def _set_num_threads(int n):
    return cact_set_num_threads(n)


def openmp_version():
    """The OpenMP specification date (yyyymm) compiled in, or 0 without OpenMP."""
    return cact_openmp_enabled()


def compiler():
    """The C compiler that built the kernels."""
    return cact_compiler().decode("utf-8", "replace")


def build_flags():
    """The compile flags the kernels were built with."""
    return cact_build_flags().decode("utf-8", "replace")


def openmp_library():
    """The path of the OpenMP runtime library this module calls (the vendored
    copy in a repaired wheel), or "" without OpenMP or if unknown."""
    return cact_openmp_library().decode("utf-8", "replace")


def _set_min_parallel_override(Py_ssize_t n):
    """Replace every OpenMP threshold by n elements (0 restores the compiled
    thresholds).  For bench/thresholds.py only."""
    cact_set_min_parallel_override(n)
