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
from libc.stddef cimport ptrdiff_t
from libc.string cimport memcpy
from cpython.mem cimport PyMem_Malloc, PyMem_Free

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
        int nonempty
    const cact_ufunc_spec cact_ufunc_specs[]
    const int cact_n_ufunc_specs
    int cact_get_num_threads()
    void cact_set_num_threads(int n)
    int cact_get_requested_threads()
    int cact_openmp_enabled()
    int cact_install_fork_handler()
    const char *cact_compiler()
    const char *cact_build_flags()
    const char *cact_openmp_library()
    void cact_set_min_parallel_override(ptrdiff_t n)
    ptrdiff_t cact_get_min_parallel_override()
    const int cact_n_chunks
    volatile float cact_kernel_cost_ns[]
    const char *const cact_chunk_names[]
    void cact_reset_kernel_costs()
    long long cact_get_split_calls()
    void cact_split_rule(ptrdiff_t *serial_work, ptrdiff_t *probe_work, double *thread_ns)
    int cact_isa_count()
    const char *cact_isa_name(int level)
    int cact_isa_supported(int level)
    int cact_isa_best()
    int cact_isa_set(int level)
    int cact_isa_get()

cdef extern from "cact_common.h" nogil:
    int cact_prefetch_short
    int cact_prefetch_short_default()
    void cact_run(int kernel, int nargs, char **args, const ptrdiff_t *dims,
                  const ptrdiff_t *steps, ptrdiff_t work_per_item, ptrdiff_t core_span)
    void cact_run_rows(int kernel, int nargs, char **args, const ptrdiff_t *dims,
                       const ptrdiff_t *steps, ptrdiff_t core_span)

cdef extern from "cact_prelu.h" nogil:
    enum: CACT_PRELU_COL_ROWS

cdef extern from "cact_pool.h" nogil:
    int cact_thread_limit()
    int cact_pool_workers()
    long long cact_pool_busy_calls()
    long long cact_pool_worker_chunks()
    void cact_pool_set_spin(long long worker_ns, long long done_ns)
    long long cact_pool_worker_spin_ns()
    void cact_pool_wake_costs(long long *signal_ns, long long *latency_ns, long long *skipped)
    void cact_pool_set_wake_costs(long long signal_ns, long long latency_ns)

cdef extern from "cact_gufunc.h":
    # p = 0 is a ValueError before any loop runs (NumPy >= 2.1; see the header)
    int cact_install_nonempty_core(object uf) except -1


# The arrays a ufunc points to (loops, data, type signatures).  NumPy keeps
# the pointers for the ufunc's lifetime and never frees them, so they are
# static arrays of this module: memory obtained with malloc would be lost
# when the ufuncs are deallocated at interpreter exit (valgrind reports it).
cdef enum:
    _MAX_UFUNCS = 512  # every row's variants, its fused forms and the axis operations (about 210 today)
    _MAX_ARGS = 8  # CACT_MAX_ARGS in src/cact_common.h

cdef cnp.PyUFuncGenericFunction _funcs[_MAX_UFUNCS][2]
cdef void *_data[_MAX_UFUNCS][2]
cdef char _types[_MAX_UFUNCS][2 * _MAX_ARGS]


cdef object _make_ufunc(int i, const cact_ufunc_spec *spec):
    cdef int nargs = spec.nin + spec.nout
    cdef int j, k
    if i >= _MAX_UFUNCS or nargs > _MAX_ARGS:
        raise ImportError("cact._core: more ufuncs or operands than _MAX_UFUNCS / _MAX_ARGS")
    cdef cnp.PyUFuncGenericFunction *funcs = &_funcs[i][0]
    cdef void **data = &_data[i][0]
    cdef char *types = &_types[i][0]
    for j in range(2):
        funcs[j] = <cnp.PyUFuncGenericFunction>spec.loops[j]
        data[j] = NULL
        for k in range(nargs):
            types[j * nargs + k] = cnp.NPY_FLOAT if j == 0 else cnp.NPY_DOUBLE
    if spec.signature == NULL:
        return cnp.PyUFunc_FromFuncAndData(
            funcs, data, types, 2, spec.nin, spec.nout, cnp.PyUFunc_None,
            <char *>spec.name, <char *>spec.doc, 0)
    uf = cnp.PyUFunc_FromFuncAndDataAndSignature(
        funcs, data, types, 2, spec.nin, spec.nout, cnp.PyUFunc_None,
        <char *>spec.name, <char *>spec.doc, 0, <char *>spec.signature)
    # maxout's gufuncs reduce over their core dimension: p = 0 is an error
    # (softmax's rows may be empty)
    if spec.nonempty:
        cact_install_nonempty_core(uf)
    return uf


cdef dict _build():
    cdef int i
    out = {}
    for i in range(cact_n_ufunc_specs):
        out[cact_ufunc_specs[i].name.decode("ascii")] = _make_ufunc(i, &cact_ufunc_specs[i])
    return out


#: name -> numpy.ufunc for every compiled loop (float32 and float64 each).
ufuncs = _build()


# ------------------------------------------------------------- fast path
# The public elementwise functions (generated into _fast.pxi from the
# activation table) first try this path: exact ndarrays, C-contiguous, native
# float32/float64, out None or an input itself, alpha a float in range.  It
# calls the ufunc's inner loop directly (same kernels, same thread rule, same
# flag clearing), without NumPy's ufunc dispatch or Python-level checks.
# Anything else returns _NOFAST and the wrapper calls the full Python
# implementation in cact._api (registered in _SLOW), which validates every
# argument and goes through the ufunc.

cdef object _NOFAST = object()
# Calls the fast path completed (for the tests: a form that silently fell back
# to the validating path would still give the right result).
cdef Py_ssize_t _fast_calls = 0
#: name -> the validating Python implementation (filled by cact._api).
_SLOW = {}

# Below this many elements the GIL is kept: releasing and re-acquiring it
# costs about as much as computing a few thousand cheap elements.
cdef Py_ssize_t _NOGIL_MIN = 4096
cdef double _FLT_MAX = 3.4028234663852886e38


cdef inline int _dtype_index(cnp.ndarray a) noexcept:
    """0 for native float32, 1 for native float64, -1 otherwise."""
    cdef int t = cnp.PyArray_TYPE(a)
    if not cnp.PyArray_ISNOTSWAPPED(a):
        return -1
    if t == cnp.NPY_FLOAT:
        return 0
    if t == cnp.NPY_DOUBLE:
        return 1
    return -1


cdef inline bint _partial_overlap(char *a, char *b, ptrdiff_t nbytes) noexcept:
    """Do [a, a+nbytes) and [b, b+nbytes) overlap without being identical?"""
    return a != b and a < b + nbytes and b < a + nbytes


cdef inline bint _plain(object a, int dt) noexcept:
    """An exact aligned C-contiguous ndarray of dtype index dt."""
    return (type(a) is cnp.ndarray and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a)
            and cnp.PyArray_ISALIGNED(<cnp.ndarray>a) and _dtype_index(<cnp.ndarray>a) == dt)


cdef inline bint _apart(cnp.ndarray a, cnp.ndarray b) noexcept:
    cdef char *pa = cnp.PyArray_BYTES(a)
    cdef char *pb = cnp.PyArray_BYTES(b)
    return pa + cnp.PyArray_NBYTES(a) <= pb or pb + cnp.PyArray_NBYTES(b) <= pa


cdef inline void _call_loop(int spec, int dt, char **args, ptrdiff_t n,
                            ptrdiff_t *steps) noexcept:
    cdef cact_loop_fn loop = cact_ufunc_specs[spec].loops[dt]
    if n >= _NOGIL_MIN:
        with nogil:
            loop(args, &n, steps, NULL)
    else:
        loop(args, &n, steps, NULL)


cdef object _fast_call(int spec, object a0, object a1, object out, object p0, object p1,
                       int nparams):
    """Elementwise fast path for 1 or 2 data operands (a1 None for 1) and the
    row's first nparams (0, 1 or 2) parameters p0, p1, each a Python float
    within the float32 range (anything else takes the validating path).  The
    rows' conditions on their parameters (Param.bound) are tested by the
    generated callers (_fast.pxi) before this call."""
    cdef cnp.ndarray x, v, o
    cdef int dt, nin, k
    cdef char *args[5]
    cdef ptrdiff_t steps[5]
    cdef ptrdiff_t n, w
    cdef float p32[2]
    cdef double p64[2]
    cdef int j
    if type(a0) is not cnp.ndarray:
        return _NOFAST
    x = <cnp.ndarray>a0
    # Misaligned data (np.frombuffer at an odd offset) goes through the ufunc,
    # which hands the kernels aligned copies: C may not load a misaligned float.
    if (cnp.PyArray_NDIM(x) == 0 or not cnp.PyArray_IS_C_CONTIGUOUS(x)
            or not cnp.PyArray_ISALIGNED(x)):
        return _NOFAST
    dt = _dtype_index(x)
    if dt < 0:
        return _NOFAST
    if a1 is not None:
        if type(a1) is not cnp.ndarray:
            return _NOFAST
        v = <cnp.ndarray>a1
        if (not cnp.PyArray_IS_C_CONTIGUOUS(v) or not cnp.PyArray_ISALIGNED(v)
                or cnp.PyArray_TYPE(v) != cnp.PyArray_TYPE(x)
                or not cnp.PyArray_ISNOTSWAPPED(v) or not cnp.PyArray_SAMESHAPE(x, v)):
            return _NOFAST
    w = 4 if dt == 0 else 8
    n = cnp.PyArray_SIZE(x)
    if out is None:
        o = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x),
                                          cnp.PyArray_TYPE(x), 0)
    else:
        # any C-contiguous, aligned, writable ndarray of exactly the input's
        # dtype and shape: the same memory as an input (out=x, or another
        # view object of it) is in place; memory apart from every input is a
        # plain output; a partial overlap takes the ufunc path, which copies
        if type(out) is not cnp.ndarray:
            return _NOFAST
        o = <cnp.ndarray>out
        if (not cnp.PyArray_ISWRITEABLE(o) or not cnp.PyArray_IS_C_CONTIGUOUS(o)
                or not cnp.PyArray_ISALIGNED(o) or cnp.PyArray_TYPE(o) != cnp.PyArray_TYPE(x)
                or not cnp.PyArray_ISNOTSWAPPED(o) or not cnp.PyArray_SAMESHAPE(x, o)):
            return _NOFAST
        if _partial_overlap(cnp.PyArray_BYTES(o), cnp.PyArray_BYTES(x), n * w):
            return _NOFAST
        if a1 is not None and _partial_overlap(cnp.PyArray_BYTES(o), cnp.PyArray_BYTES(v),
                                               n * w):
            return _NOFAST
    nin = 1 if a1 is None else 2
    args[0] = cnp.PyArray_BYTES(x)
    steps[0] = w
    if a1 is not None:
        args[1] = cnp.PyArray_BYTES(v)
        steps[1] = w
    k = nin
    if not _fast_params(p0, p1, nparams, dt, p32, p64, args + k, steps + k):
        return _NOFAST
    k += nparams
    args[k] = cnp.PyArray_BYTES(o)
    steps[k] = w
    _call_loop(spec, dt, args, n, steps)
    global _fast_calls
    _fast_calls += 1
    return o


cdef bint _fast_params(object p0, object p1, int nparams, int dt, float *p32, double *p64,
                       char **args, ptrdiff_t *steps):
    """The first nparams of p0, p1 as the kernel's scalar operands (args,
    steps 0), each a Python float within the float32 range; False for
    anything else (the validating path then says what is wrong)."""
    cdef int j
    for j in range(nparams):
        p = p0 if j == 0 else p1
        if type(p) is not float:
            return False
        p64[j] = p
        if not (-_FLT_MAX <= p64[j] <= _FLT_MAX):  # also rejects NaN
            return False
        p32[j] = <float>p64[j]
        args[j] = <char *>&p32[j] if dt == 0 else <char *>&p64[j]
        steps[j] = 0
    return True


# Rows of a fused call below which each row is one call of the elementwise
# kernel (which splits a long row over the threads) rather than one call of
# the rows gufunc (which splits rows, never a row): cact._api._MIN_ROWS.
cdef Py_ssize_t _BIAS_MIN_ROWS = 16


cdef object _bias_fast(int spec_fb, int spec_fb_rows, int spec_fdb, int spec_fdb_rows,
                       object a0, object bias, object out, object deriv_out,
                       object p0, object p1, int nparams):
    """f(x + bias), with f'(x + bias) into deriv_out when it is given, for the
    common case: x an exact C-contiguous native float32/float64 ndarray of at
    least one dimension, bias None (x alone, as the 0-d bias -0.0: x + -0.0
    is x bitwise) or a 1-D ndarray of x's dtype along x's last axis, out None,
    x itself or an array apart from x and bias, deriv_out None or an array
    apart from every other operand (each of x's shape and dtype, C-contiguous,
    writable).  The fused kernels (or their rows gufunc) are called as
    cact._api._fused_call calls them through NumPy, so the bits are the
    same.  Anything else returns _NOFAST."""
    cdef cnp.ndarray x, b, o, d
    cdef int dt, nout, k, nargs, spec, i
    cdef char *args[6]
    cdef ptrdiff_t steps[10]
    cdef ptrdiff_t dims[2]
    cdef ptrdiff_t n, w, cols, rows, r
    cdef float p32[2]
    cdef float zero32 = -0.0
    cdef double p64[2]
    cdef double zero64 = -0.0
    cdef cact_loop_fn loop
    if type(a0) is not cnp.ndarray:
        return _NOFAST
    x = <cnp.ndarray>a0
    dt = _dtype_index(x)
    if dt < 0 or cnp.PyArray_NDIM(x) == 0 or not _plain(x, dt):
        return _NOFAST
    w = 4 if dt == 0 else 8
    n = cnp.PyArray_SIZE(x)
    cols = cnp.PyArray_DIM(x, cnp.PyArray_NDIM(x) - 1)
    if bias is not None:
        if (not _plain(bias, dt) or cnp.PyArray_NDIM(<cnp.ndarray>bias) != 1
                or cnp.PyArray_DIM(<cnp.ndarray>bias, 0) != cols):
            return _NOFAST
        b = <cnp.ndarray>bias
    # the parameters before any allocation (args[2:], steps[2:])
    if not _fast_params(p0, p1, nparams, dt, p32, p64, args + 2, steps + 2):
        return _NOFAST
    if out is None:
        o = <cnp.ndarray>cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x),
                                          cnp.PyArray_TYPE(x), 0)
    else:
        if (not _plain(out, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>out, x)
                or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out)):
            return _NOFAST
        o = <cnp.ndarray>out
        if cnp.PyArray_BYTES(o) != cnp.PyArray_BYTES(x) and not _apart(o, x):
            return _NOFAST
        if bias is not None and not _apart(o, b):
            return _NOFAST
    nout = 1
    if deriv_out is not None:
        if (not _plain(deriv_out, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>deriv_out, x)
                or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>deriv_out)):
            return _NOFAST
        d = <cnp.ndarray>deriv_out
        if not _apart(d, x) or not _apart(d, o) or (bias is not None and not _apart(d, b)):
            return _NOFAST
        nout = 2
    # args: x, b, the parameters, out (, deriv_out); steps: one per operand
    # for the elementwise kernel, or the rows gufunc's outer steps then the
    # core strides of x, b and the outputs
    args[0] = cnp.PyArray_BYTES(x)
    if bias is not None:
        args[1] = cnp.PyArray_BYTES(b)
    else:
        args[1] = <char *>&zero32 if dt == 0 else <char *>&zero64
    k = 2 + nparams
    args[k] = cnp.PyArray_BYTES(o)
    if nout == 2:
        args[k + 1] = cnp.PyArray_BYTES(d)
    nargs = k + nout
    rows = n // cols if cols else 0
    if n == 0:
        pass
    elif bias is not None and rows >= _BIAS_MIN_ROWS:
        # the rows gufunc: outer steps (a row of x and of each output, 0 for
        # the bias and the parameters), then the core strides of x, b and
        # the outputs
        spec = spec_fdb_rows if nout == 2 else spec_fb_rows
        for i in range(nargs):
            steps[i] = cols * w if i == 0 or i >= k else 0
        for i in range(2 + nout):
            steps[nargs + i] = w
        dims[0] = rows
        dims[1] = cols
        loop = cact_ufunc_specs[spec].loops[dt]
        if n >= _NOGIL_MIN:
            with nogil:
                loop(args, dims, steps, NULL)
        else:
            loop(args, dims, steps, NULL)
    else:
        # the elementwise kernel: once over x with the 0-d bias, else once a
        # row (each row of x and of the outputs beside the whole bias)
        spec = spec_fdb if nout == 2 else spec_fb
        steps[0] = w
        steps[1] = w if bias is not None else 0
        for i in range(k, nargs):
            steps[i] = w
        if bias is None:
            _call_loop(spec, dt, args, n, steps)
        else:
            for r in range(rows):
                _call_loop(spec, dt, args, cols, steps)
                args[0] += cols * w
                for i in range(k, nargs):
                    args[i] += cols * w
    global _fast_calls
    _fast_calls += 1
    return o


include "_fast.pxi"


# ------------------------------------------------------- maxout fast path
# maxout(z, pieces) and maxout_backward(g, z, pieces) for the common case:
# exact C-contiguous native float32/float64 ndarrays, the groups along the
# last axis, pieces a Python int, out None or a C-contiguous array of the
# result's shape and dtype apart from every input.  The gufunc's inner loop
# is called directly (same kernels and thread rule as through NumPy).
cdef int _spec_index(str name) except -1:
    cdef int i
    for i in range(cact_n_ufunc_specs):
        if cact_ufunc_specs[i].name.decode("ascii") == name:
            return i
    raise ImportError(f"cact._core: no ufunc spec {name}")


cdef int _SPEC_REDUCE = _spec_index("_maxout_reduce")
cdef int _SPEC_SCATTER = _spec_index("_maxout_scatter")


cdef object _maxout_fast(object z, object pieces, object axis, object out, object g):
    """The result, or _NOFAST.  g is None for the forward."""
    cdef cnp.ndarray zz, oo, gg
    cdef int dt, nd, i
    cdef Py_ssize_t p, last, m
    cdef char *args[3]
    cdef ptrdiff_t steps[5]
    cdef ptrdiff_t dims[2]
    cdef ptrdiff_t w
    cdef cnp.npy_intp shape[32]
    cdef int spec
    cdef cact_loop_fn loop
    if type(z) is not cnp.ndarray or type(pieces) is not int:
        return _NOFAST
    zz = <cnp.ndarray>z
    dt = _dtype_index(zz)
    nd = cnp.PyArray_NDIM(zz)
    if dt < 0 or nd == 0 or nd > 32 or not _plain(zz, dt):
        return _NOFAST
    if not (axis == -1 or axis == nd - 1) or type(axis) is not int:
        return _NOFAST
    p = pieces
    last = cnp.PyArray_DIM(zz, nd - 1)
    if p < 1 or last % p != 0:
        return _NOFAST
    m = last // p
    w = 4 if dt == 0 else 8
    for i in range(nd - 1):
        shape[i] = cnp.PyArray_DIM(zz, i)
    shape[nd - 1] = m
    if g is None:
        if out is None:
            oo = <cnp.ndarray>cnp.PyArray_EMPTY(nd, shape, cnp.PyArray_TYPE(zz), 0)
        else:
            if not _plain(out, dt) or cnp.PyArray_NDIM(<cnp.ndarray>out) != nd:
                return _NOFAST
            oo = <cnp.ndarray>out
            for i in range(nd):
                if cnp.PyArray_DIM(oo, i) != shape[i]:
                    return _NOFAST
            if not cnp.PyArray_ISWRITEABLE(oo) or not _apart(oo, zz):
                return _NOFAST
        args[0] = cnp.PyArray_BYTES(zz)
        args[1] = cnp.PyArray_BYTES(oo)
        steps[0] = p * w
        steps[1] = w
        steps[2] = w
        dims[0] = cnp.PyArray_SIZE(zz) // p if p else 0
        dims[1] = p
        spec = _SPEC_REDUCE
    else:
        if not _plain(g, dt) or cnp.PyArray_NDIM(<cnp.ndarray>g) != nd:
            return _NOFAST
        gg = <cnp.ndarray>g
        for i in range(nd):
            if cnp.PyArray_DIM(gg, i) != shape[i]:
                return _NOFAST
        if out is None:
            oo = <cnp.ndarray>cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(zz), cnp.PyArray_TYPE(zz), 0)
        else:
            if (not _plain(out, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>out, zz)
                    or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out)):
                return _NOFAST
            oo = <cnp.ndarray>out
            if not _apart(oo, zz) or not _apart(oo, gg):
                return _NOFAST
        args[0] = cnp.PyArray_BYTES(gg)
        args[1] = cnp.PyArray_BYTES(zz)
        args[2] = cnp.PyArray_BYTES(oo)
        steps[0] = w
        steps[1] = p * w
        steps[2] = p * w
        steps[3] = w
        steps[4] = w
        dims[0] = cnp.PyArray_SIZE(zz) // p if p else 0
        dims[1] = p
        spec = _SPEC_SCATTER
    if dims[0] > 0:
        loop = cact_ufunc_specs[spec].loops[dt]
        if dims[0] * p >= _NOGIL_MIN:
            with nogil:
                loop(args, dims, steps, NULL)
        else:
            loop(args, dims, steps, NULL)
    global _fast_calls
    _fast_calls += 1
    return oo


def maxout(z, pieces, axis=-1, *, out=None):
    r = _maxout_fast(z, pieces, axis, out, None)
    if r is _NOFAST:
        return _SLOW["maxout"](z, pieces, axis, out=out)
    return r


def maxout_backward(grad_output, z, pieces, axis=-1, *, out=None):
    r = _NOFAST
    if grad_output is not None:
        r = _maxout_fast(z, pieces, axis, out, grad_output)
    if r is _NOFAST:
        return _SLOW["maxout_backward"](grad_output, z, pieces, axis, out=out)
    return r


# ------------------------------------------------------- prelu fast path
# prelu(x, weight, axis, out=out) for the common case, on the kernels the
# validating path (cact/_prelu.py) runs through NumPy, with the same bits:
# x an exact C-contiguous native float32/float64 ndarray of at least one
# dimension, axis a Python int, weight a Python float within the float32
# range or a C-contiguous 1-D ndarray of x's dtype (one slope, or one per
# channel), out None, x itself or an array apart from x and the weight.
#   one slope:        leaky_relu's elementwise kernel, the slope a scalar;
#   channels last:    the parameter rows gufunc leaky_relu_prows, k rows of
#                     C as one row of k C with the slopes tiled k times
#                     (cact._prelu._last_rows: C >= 16);
#   channels before:  the same gufunc on (A C, B) rows, the slope of each
#                     row (the slopes tiled A times) with core stride 0
#                     (cact._prelu._channel_rows: B >= 16 and A C >= 16);
#   up to _PRELU_STACK elements, any layout: the elementwise kernel once, with
#                     the slope of each element spread on the stack.
# Everything else returns _NOFAST.  Through Python, the checks and the
# np.tile / np.full temporaries cost 10-50 us a call (float32 (1, 64, 8, 8),
# AMD EPYC Zen 4: 18.5 us against 0.7 us for leaky_relu).
cdef int _SPEC_LEAKY = _spec_index("leaky_relu")
cdef int _SPEC_LEAKY_PROWS = _spec_index("leaky_relu_prows")
# the tiled slopes on the stack up to this many (8 KiB of float64), else
# malloc'd; the channels-last rows hold at most 1024 of them
cdef enum:
    _PRELU_STACK = 1024
# the smallest row and number of rows taken as rows (cact._prelu's thresholds)
cdef Py_ssize_t _PRELU_MIN = 16


cdef inline ptrdiff_t _gcd(ptrdiff_t a, ptrdiff_t b) noexcept:
    while b:
        a, b = b, a % b
    return a


cdef inline void _tile(char *dst, const char *src, ptrdiff_t nbytes, ptrdiff_t times) noexcept nogil:
    cdef ptrdiff_t i
    for i in range(times):
        memcpy(dst + i * nbytes, src, nbytes)


cdef int _prelu_slopes(cnp.ndarray x, int dt, object weight, object axis, float *p32,
                       double *p64, char **slopes, int *ax, ptrdiff_t *C):
    """The slopes of prelu's fast paths: 1 for one slope (a Python float
    within the float32 range, or a 1-D ndarray of x's dtype of length 1; the
    axis is not used, as in the validating path), 0 for one slope per
    channel (a 1-D ndarray of x's dtype along the int axis *ax, of length
    *C), -1 for anything else (the validating path)."""
    cdef int nd = cnp.PyArray_NDIM(x)
    cdef cnp.ndarray wa
    ax[0] = 0
    C[0] = 1
    if type(weight) is float:
        p64[0] = weight
        if not (-_FLT_MAX <= p64[0] <= _FLT_MAX):  # also rejects NaN
            return -1
        p32[0] = <float>p64[0]
        slopes[0] = <char *>p32 if dt == 0 else <char *>p64
        return 1
    if not _plain(weight, dt) or cnp.PyArray_NDIM(<cnp.ndarray>weight) != 1:
        return -1
    wa = <cnp.ndarray>weight
    slopes[0] = cnp.PyArray_BYTES(wa)
    if cnp.PyArray_DIM(wa, 0) == 1:
        return 1
    if type(axis) is not int or not -nd <= axis < nd:
        return -1
    ax[0] = axis + nd if axis < 0 else axis
    C[0] = cnp.PyArray_DIM(x, ax[0])
    return 0 if cnp.PyArray_DIM(wa, 0) == C[0] else -1


cdef object _prelu_out(object out, cnp.ndarray x, int dt, tuple inputs, object weight):
    """prelu's result array: a new one for out None; out itself when it is a
    C-contiguous writable array of x's dtype and shape, each input (x, g)
    itself or apart from it, and apart from a weight array; else None."""
    cdef cnp.ndarray o
    if out is None:
        return cnp.PyArray_EMPTY(cnp.PyArray_NDIM(x), cnp.PyArray_DIMS(x), cnp.PyArray_TYPE(x), 0)
    if (not _plain(out, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>out, x)
            or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out)):
        return None
    o = <cnp.ndarray>out
    for a in inputs:
        if cnp.PyArray_BYTES(o) != cnp.PyArray_BYTES(<cnp.ndarray>a) and not _apart(o, <cnp.ndarray>a):
            return None
    if type(weight) is not float and not _apart(o, <cnp.ndarray>weight):
        return None
    return o


cdef object _prelu_fast(object a0, object weight, object axis, object out):
    cdef cnp.ndarray x, o
    cdef int dt, nd, ax, i, r
    cdef ptrdiff_t w, n, C, A, B, R, k, L, rows, ntile
    cdef char *args[4]
    cdef ptrdiff_t steps[7]
    cdef ptrdiff_t dims[2]
    cdef double stack[_PRELU_STACK]
    cdef char *slopes
    cdef char *heap = NULL
    cdef float p32 = 0.0
    cdef double p64 = 0.0
    cdef bint one = False
    cdef bint small
    cdef cact_loop_fn loop
    if type(a0) is not cnp.ndarray:
        return _NOFAST
    x = <cnp.ndarray>a0
    dt = _dtype_index(x)
    nd = cnp.PyArray_NDIM(x)
    if dt < 0 or nd == 0 or not _plain(x, dt):
        return _NOFAST
    w = 4 if dt == 0 else 8
    n = cnp.PyArray_SIZE(x)
    r = _prelu_slopes(x, dt, weight, axis, &p32, &p64, &slopes, &ax, &C)
    if r < 0:
        return _NOFAST
    one = r == 1
    A = 1
    B = 0
    R = 0
    # at most _PRELU_STACK elements in any layout: one slope per element (on
    # the stack), one call of the elementwise kernel (its loop for a slope
    # array: the bits of the one-slope loop); rows that short would cost a
    # kernel call each
    small = not one and 0 < n <= _PRELU_STACK
    if small:
        B = 1
        for i in range(ax + 1, nd):
            B *= cnp.PyArray_DIM(x, i)
    elif not one and n > 0:
        if ax == nd - 1:
            R = n // C
            if C < _PRELU_MIN:
                return _NOFAST
        else:
            A = 1
            for i in range(ax):
                A *= cnp.PyArray_DIM(x, i)
            B = n // (A * C)
            if B < _PRELU_MIN or A * C < _PRELU_MIN:
                return _NOFAST
    res = _prelu_out(out, x, dt, (x,), weight)
    if res is None:
        return _NOFAST
    o = <cnp.ndarray>res
    global _fast_calls
    if n == 0:
        _fast_calls += 1
        return o
    args[0] = cnp.PyArray_BYTES(x)
    if one or small:
        # leaky_relu(x, slope): x, the slope (stride 0) or the slope of each
        # element, out
        if small:
            for i in range(n):
                memcpy(<char *>stack + i * w, slopes + ((i // B) % C) * w, w)
            slopes = <char *>stack
        args[1] = slopes
        args[2] = cnp.PyArray_BYTES(o)
        steps[0] = w
        steps[1] = w if small else 0
        steps[2] = w
        _call_loop(_SPEC_LEAKY, dt, args, n, steps)
        _fast_calls += 1
        return o
    if ax == nd - 1:
        # rows of L = k C: x, the slopes (a row of L, the same for every row),
        # out; outer steps, then the core strides of the three
        k = _gcd(R, max(1, 1024 // C))
        L = k * C
        rows = R // k
        if k > 1:
            _tile(<char *>stack, slopes, C * w, k)
            slopes = <char *>stack
        args[1] = slopes
        args[2] = cnp.PyArray_BYTES(o)
        steps[0] = L * w
        steps[1] = 0
        steps[2] = L * w
        steps[3] = w
        steps[4] = w
        steps[5] = w
        dims[0] = rows
        dims[1] = L
    else:
        # rows of B with one slope each, on the same gufunc: x, the slope of
        # each row (the C slopes tiled A times; core stride 0, so that the
        # kernel runs its loop for one slope), out; outer steps, then the
        # core strides of the three
        if A > 1:
            ntile = A * C
            if ntile > _PRELU_STACK:
                heap = <char *>PyMem_Malloc(ntile * w)
                if heap == NULL:
                    raise MemoryError()
                _tile(heap, slopes, C * w, A)
                slopes = heap
            else:
                _tile(<char *>stack, slopes, C * w, A)
                slopes = <char *>stack
        args[1] = slopes
        args[2] = cnp.PyArray_BYTES(o)
        steps[0] = B * w
        steps[1] = w
        steps[2] = B * w
        steps[3] = w
        steps[4] = 0
        steps[5] = w
        dims[0] = A * C
        dims[1] = B
    loop = cact_ufunc_specs[_SPEC_LEAKY_PROWS].loops[dt]
    try:
        if n >= _NOGIL_MIN:
            with nogil:
                loop(args, dims, steps, NULL)
        else:
            loop(args, dims, steps, NULL)
    finally:
        PyMem_Free(heap)
    _fast_calls += 1
    return o


def prelu(x, weight, axis=1, *, out=None):
    r = _prelu_fast(x, weight, axis, out)
    if r is _NOFAST:
        return _SLOW["prelu"](x, weight, axis, out=out)
    return r


# prelu_backward(g, x, weight, axis, out=out) -> (grad_x, grad_weight) for
# the same common case as prelu (rows of any length up to _PRELU_STACK
# elements) (g of x's dtype and shape; out None, g or x
# itself, or an array apart from both and the weight), in one read of g and
# x: the chunks prelu_bw_rows / prelu_bw_cols (src/cact_prelu.h) write grad_x
# and sums of g x in double (per row, or per column of a block of rows),
# which are added up here per channel and rounded once to the dtype (+0.0
# for a zero sum, as the validating path).  One slope: rows of
# _PRELU_BW_ROW entries (the last one shorter), so that the threads split
# them.  The validating path (cact/_prelu.py) reads the arrays twice and
# builds float64 blocks (float32 32 x 64 x 28 x 28, 2 threads, AMD EPYC Zen
# 4: 3.8 ms; (1, 64, 8, 8): 37 us).
cdef int _CHUNK_PRELU_ROWS = 0
cdef int _CHUNK_PRELU_COLS = 0
cdef Py_ssize_t _PRELU_BW_ROW = 4096


cdef void _prelu_chunk_call(int chunk, char *g, char *x, char *slopes, ptrdiff_t slope_step,
                            char *gx, double *sums, ptrdiff_t sums_step, ptrdiff_t items,
                            ptrdiff_t m, ptrdiff_t L, ptrdiff_t w) noexcept nogil:
    """items outer items of m rows of L entries (prelu_bw_cols) or of one row
    of L (prelu_bw_rows, m = 1): g, x, grad_x a whole item apart, the slopes
    slope_step apart, the sums sums_step bytes apart."""
    cdef char *args[5]
    cdef ptrdiff_t steps[5]
    cdef ptrdiff_t dims[4]
    args[0] = g
    args[1] = x
    args[2] = slopes
    args[3] = gx
    args[4] = <char *>sums
    steps[0] = m * L * w
    steps[1] = m * L * w
    steps[2] = slope_step
    steps[3] = m * L * w
    steps[4] = sums_step
    dims[0] = items
    dims[1] = m * L
    dims[2] = L
    dims[3] = m
    if items > 0:
        cact_run_rows(chunk, 5, args, dims, steps, 0)


cdef void _prelu_rows_call(int dt, char *g, char *x, char *slopes, ptrdiff_t slope_step,
                           char *gx, double *sums, ptrdiff_t rows, ptrdiff_t n,
                           ptrdiff_t w) noexcept nogil:
    _prelu_chunk_call(_CHUNK_PRELU_ROWS + dt, g, x, slopes, slope_step, gx, sums, 8, rows, 1,
                      n, w)


cdef void _prelu_cols_call(int dt, char *g, char *x, char *slopes, char *gx, double *sums,
                           ptrdiff_t items, ptrdiff_t m, ptrdiff_t L, ptrdiff_t w) noexcept nogil:
    _prelu_chunk_call(_CHUNK_PRELU_COLS + dt, g, x, slopes, 0, gx, sums, L * 8, items, m, L, w)


cdef void _prelu_bw_run(int layout, int dt, char *g, char *x, char *slopes, char *o,
                        double *sums, double *acc, ptrdiff_t n, ptrdiff_t C, ptrdiff_t B,
                        ptrdiff_t L, ptrdiff_t w) noexcept nogil:
    """The chunks over the whole input (see _prelu_backward_fast), then the
    sums added up per channel into acc (zeros)."""
    cdef ptrdiff_t rows, items, tail, j, m = CACT_PRELU_COL_ROWS
    if layout == 0:
        rows = n // _PRELU_BW_ROW
        tail = n - rows * _PRELU_BW_ROW
        _prelu_rows_call(dt, g, x, slopes, 0, o, sums, rows, _PRELU_BW_ROW, w)
        j = rows * _PRELU_BW_ROW * w
        _prelu_rows_call(dt, g + j, x + j, slopes, 0, o + j, sums + rows, 1 if tail else 0,
                         tail, w)
        for j in range(rows + (1 if tail else 0)):
            acc[0] += sums[j]
    elif layout == 1:
        rows = n // L
        items = rows // m
        tail = rows - items * m
        _prelu_cols_call(dt, g, x, slopes, o, sums, items, m, L, w)
        j = items * m * L * w
        _prelu_cols_call(dt, g + j, x + j, slopes, o + j, sums + items * L, 1 if tail else 0,
                         tail, L, w)
        for j in range((items + (1 if tail else 0)) * L):
            acc[j % C] += sums[j]
    else:
        rows = n // B
        _prelu_rows_call(dt, g, x, slopes, w, o, sums, rows, B, w)
        for j in range(rows):
            acc[j % C] += sums[j]


cdef object _prelu_backward_fast(object g0, object x0, object weight, object axis, object out):
    cdef cnp.ndarray g, x, o, gw
    cdef int dt, nd, ax, i, r
    cdef ptrdiff_t w, n, C, A, B, k, L, nbuf, c
    cdef cnp.npy_intp nsums
    cdef double stack[_PRELU_STACK]
    cdef double scratch[_PRELU_STACK]
    cdef char *slopes
    cdef char *tiled = NULL
    cdef double *heap = NULL
    cdef double *sums
    cdef double *acc
    cdef float p32 = 0.0
    cdef double p64 = 0.0
    cdef bint one = False
    cdef int layout  # 0 one slope, 1 channels last, 2 channels before
    if type(x0) is not cnp.ndarray:
        return _NOFAST
    x = <cnp.ndarray>x0
    dt = _dtype_index(x)
    nd = cnp.PyArray_NDIM(x)
    if dt < 0 or nd == 0 or not _plain(x, dt):
        return _NOFAST
    if not _plain(g0, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>g0, x):
        return _NOFAST
    g = <cnp.ndarray>g0
    w = 4 if dt == 0 else 8
    n = cnp.PyArray_SIZE(x)
    r = _prelu_slopes(x, dt, weight, axis, &p32, &p64, &slopes, &ax, &C)
    if r < 0:
        return _NOFAST
    one = r == 1
    layout = 0 if one else (1 if ax == nd - 1 else 2)
    A = 1
    B = 1
    # short rows cost a kernel call each: above _PRELU_STACK elements they
    # are left to the validating path's NumPy broadcasting
    if layout == 1:
        if C < _PRELU_MIN and n > _PRELU_STACK:
            return _NOFAST
    elif layout == 2:
        for i in range(ax):
            A *= cnp.PyArray_DIM(x, i)
        B = n // (A * C) if A * C else 0
        if n > _PRELU_STACK and (B < _PRELU_MIN or A * C < _PRELU_MIN):
            return _NOFAST
    res = _prelu_out(out, x, dt, (g, x), weight)
    if res is None:
        return _NOFAST
    o = <cnp.ndarray>res
    nsums = C
    # the tiled slopes and the sums: one slope, rows of _PRELU_BW_ROW and
    # the shorter last one; channels last, k rows of C as one row of L = k C
    # (the slopes tiled k times on the stack), items of m such rows and the
    # last m' < m; channels before, A C rows of B (the C slopes tiled A times,
    # one a row).  The sums and the channels' totals (acc) share one buffer:
    # the stack's, or malloc'd when longer.
    L = 0
    if n == 0:
        nbuf = 0
    elif layout == 0:
        nbuf = n // _PRELU_BW_ROW + 1
    elif layout == 1:
        k = _gcd(n // C, max(1, 1024 // C))
        L = k * C
        if k > 1:
            _tile(<char *>stack, slopes, C * w, k)
            slopes = <char *>stack
        nbuf = (n // L // CACT_PRELU_COL_ROWS + 1) * L
    else:
        nbuf = A * C
    try:
        if layout == 2 and A > 1 and n > 0:
            tiled = <char *>PyMem_Malloc(A * C * w)
            if tiled == NULL:
                raise MemoryError()
            _tile(tiled, slopes, C * w, A)
            slopes = tiled
        if nbuf + nsums <= _PRELU_STACK:
            acc = scratch
        else:
            heap = <double *>PyMem_Malloc((nbuf + nsums) * sizeof(double))
            if heap == NULL:
                raise MemoryError()
            acc = heap
        sums = acc + nsums
        for c in range(nsums):
            acc[c] = 0.0
        if nbuf:
            if n >= _NOGIL_MIN:
                with nogil:
                    _prelu_bw_run(layout, dt, cnp.PyArray_BYTES(g), cnp.PyArray_BYTES(x), slopes,
                                  cnp.PyArray_BYTES(o), sums, acc, n, C, B, L, w)
            else:
                _prelu_bw_run(layout, dt, cnp.PyArray_BYTES(g), cnp.PyArray_BYTES(x), slopes,
                              cnp.PyArray_BYTES(o), sums, acc, n, C, B, L, w)
        # the weight's shape (() for a Python float), x's dtype; a zero sum
        # is +0.0, and each total is rounded once
        gw = <cnp.ndarray>cnp.PyArray_EMPTY(0 if type(weight) is float else 1, &nsums,
                                            cnp.PyArray_TYPE(x), 0)
        for c in range(nsums):
            if dt == 0:
                (<float *>cnp.PyArray_DATA(gw))[c] = <float>(acc[c] + 0.0)
            else:
                (<double *>cnp.PyArray_DATA(gw))[c] = acc[c] + 0.0
    finally:
        PyMem_Free(heap)
        PyMem_Free(tiled)
    global _fast_calls
    _fast_calls += 1
    return o, gw


def prelu_backward(grad_output, x, weight, axis=1, *, out=None):
    r = _prelu_backward_fast(grad_output, x, weight, axis, out)
    if r is _NOFAST:
        return _SLOW["prelu_backward"](grad_output, x, weight, axis, out=out)
    return r


# -------------------------------------------- axis operations, fast path
# softmax, log_softmax and their backward passes (the "rows" kind of
# cact/_table.py's AXIS_OPS) for the common case: exact C-contiguous native
# float32/float64 ndarrays of one dtype and shape, the axis the last one
# (-1 or ndim - 1, a Python int), out None, an input itself (in place: each
# row reads its entries before writing them) or a C-contiguous array apart
# from every input.  The gufunc's inner loop is called directly.
cdef object _rows_fast(int spec, object a0, object a1, object axis, object out):
    cdef cnp.ndarray x, y, oo
    cdef int dt, nd
    cdef char *args[3]
    cdef ptrdiff_t steps[6]
    cdef ptrdiff_t dims[2]
    cdef ptrdiff_t w, last
    cdef int nargs = 2 if a1 is None else 3
    cdef cact_loop_fn loop
    if type(a0) is not cnp.ndarray or type(axis) is not int:
        return _NOFAST
    x = <cnp.ndarray>a0
    dt = _dtype_index(x)
    nd = cnp.PyArray_NDIM(x)
    if dt < 0 or nd == 0 or not _plain(x, dt):
        return _NOFAST
    if not (axis == -1 or axis == nd - 1):
        return _NOFAST
    if a1 is not None:
        if not _plain(a1, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>a1, x):
            return _NOFAST
        y = <cnp.ndarray>a1
    if out is None:
        oo = <cnp.ndarray>cnp.PyArray_EMPTY(nd, cnp.PyArray_DIMS(x), cnp.PyArray_TYPE(x), 0)
    else:
        if (not _plain(out, dt) or not cnp.PyArray_SAMESHAPE(<cnp.ndarray>out, x)
                or not cnp.PyArray_ISWRITEABLE(<cnp.ndarray>out)):
            return _NOFAST
        oo = <cnp.ndarray>out
        if out is not a0 and not _apart(oo, x):
            return _NOFAST
        if a1 is not None and out is not a1 and not _apart(oo, y):
            return _NOFAST
    last = cnp.PyArray_DIM(x, nd - 1)
    w = 4 if dt == 0 else 8
    args[0] = cnp.PyArray_BYTES(x)
    if a1 is not None:
        args[1] = cnp.PyArray_BYTES(y)
    args[nargs - 1] = cnp.PyArray_BYTES(oo)
    for i in range(nargs):
        steps[i] = last * w
        steps[nargs + i] = w
    dims[1] = last
    dims[0] = cnp.PyArray_SIZE(x) // last if last else 0
    if dims[0] > 0:
        loop = cact_ufunc_specs[spec].loops[dt]
        if dims[0] * last >= _NOGIL_MIN:
            with nogil:
                loop(args, dims, steps, NULL)
        else:
            loop(args, dims, steps, NULL)
    global _fast_calls
    _fast_calls += 1
    return oo


cdef int _SPEC_SOFTMAX = _spec_index("_softmax")
cdef int _SPEC_LOG_SOFTMAX = _spec_index("_log_softmax")
cdef int _SPEC_SOFTMAX_BACKWARD = _spec_index("_softmax_backward")
cdef int _SPEC_LOG_SOFTMAX_BACKWARD = _spec_index("_log_softmax_backward")


def softmax(x, axis=-1, *, out=None):
    r = _rows_fast(_SPEC_SOFTMAX, x, None, axis, out)
    if r is _NOFAST:
        return _SLOW["softmax"](x, axis, out=out)
    return r


def log_softmax(x, axis=-1, *, out=None):
    r = _rows_fast(_SPEC_LOG_SOFTMAX, x, None, axis, out)
    if r is _NOFAST:
        return _SLOW["log_softmax"](x, axis, out=out)
    return r


def softmax_backward(grad_output, y, axis=-1, *, out=None):
    r = _NOFAST
    if y is not None:
        r = _rows_fast(_SPEC_SOFTMAX_BACKWARD, grad_output, y, axis, out)
    if r is _NOFAST:
        return _SLOW["softmax_backward"](grad_output, y, axis, out=out)
    return r


def log_softmax_backward(grad_output, y, axis=-1, *, out=None):
    r = _NOFAST
    if y is not None:
        r = _rows_fast(_SPEC_LOG_SOFTMAX_BACKWARD, grad_output, y, axis, out)
    if r is _NOFAST:
        return _SLOW["log_softmax_backward"](grad_output, y, axis, out=out)
    return r


# ------------------------------------------------------------------ stats
#: chunk kernel name -> its index (the stats kernels are called by name)
_CHUNK_INDEX = {cact_chunk_names[i].decode("ascii"): i for i in range(cact_n_chunks)}
# the float32 chunk, the float64 one next to it (src/render.py's order)
_CHUNK_PRELU_ROWS = _CHUNK_INDEX["prelu_bw_rows_f32"]
_CHUNK_PRELU_COLS = _CHUNK_INDEX["prelu_bw_cols_f32"]
assert _CHUNK_INDEX["prelu_bw_rows_f64"] == _CHUNK_PRELU_ROWS + 1
assert _CHUNK_INDEX["prelu_bw_cols_f64"] == _CHUNK_PRELU_COLS + 1


def _stats_1d(str kernel, cnp.ndarray x, cnp.ndarray out, tuple params, double a, double b):
    """The stats kernel ``kernel`` (e.g. "sigmoid_stats_y") over ``x`` into
    ``out`` (same dtype, float32 or float64; both C-contiguous of one shape,
    or both 1-D of one length with any strides; ``out`` may be ``x``):
    ``a``, ``b`` are the kernel's two scalars (the interval ends of a
    "_stats_y" kernel, the threshold of a "_stats_x" one); returns
    ``(saturated, dead)``.  Called by
    cact.forward_with_stats, which validates everything first."""
    cdef int dt = _dtype_index(x)
    cdef int np_ = len(params), j, k
    cdef char *args[_MAX_ARGS]
    cdef ptrdiff_t steps[_MAX_ARGS]
    cdef ptrdiff_t dims[1]
    cdef float p32[_MAX_ARGS]
    cdef double p64[_MAX_ARGS]
    cdef long long counts[2]
    cdef bint flat = (cnp.PyArray_IS_C_CONTIGUOUS(x) and cnp.PyArray_IS_C_CONTIGUOUS(out)
                      and cnp.PyArray_SAMESHAPE(x, out))
    if (dt < 0 or _dtype_index(out) != dt or np_ + 5 > _MAX_ARGS
            or not flat and (cnp.PyArray_NDIM(x) != 1 or cnp.PyArray_NDIM(out) != 1
                             or cnp.PyArray_DIM(x, 0) != cnp.PyArray_DIM(out, 0))):
        raise ValueError("cact._core._stats_1d: x and out must be float32/float64 arrays "
                         "of one dtype, both C-contiguous of one shape or both 1-D of one "
                         "length")
    k = _CHUNK_INDEX[kernel + ("_f32" if dt == 0 else "_f64")]
    for j in range(np_):
        p32[j] = <float>params[j]
        p64[j] = <double>params[j]
    p32[np_] = <float>a
    p64[np_] = a
    p32[np_ + 1] = <float>b
    p64[np_ + 1] = b
    counts[0] = 0
    counts[1] = 0
    args[0] = cnp.PyArray_BYTES(x)
    steps[0] = (4 if dt == 0 else 8) if flat else cnp.PyArray_STRIDE(x, 0)
    for j in range(np_ + 2):
        args[1 + j] = <char *>&p32[j] if dt == 0 else <char *>&p64[j]
        steps[1 + j] = 0
    args[3 + np_] = <char *>&counts[0]
    steps[3 + np_] = 0
    args[4 + np_] = cnp.PyArray_BYTES(out)
    steps[4 + np_] = steps[0] if flat else cnp.PyArray_STRIDE(out, 0)
    dims[0] = cnp.PyArray_SIZE(x) if flat else cnp.PyArray_DIM(x, 0)
    if dims[0] >= _NOGIL_MIN:
        with nogil:
            cact_run(k, np_ + 5, args, dims, steps, 1, 0)
    else:
        cact_run(k, np_ + 5, args, dims, steps, 1, 0)
    return counts[0], counts[1]

cact_isa_set(cact_isa_best())
cact_prefetch_short = cact_prefetch_short_default()

# fork() safety: a forked child forgets the parent's worker threads and
# starts its own (see src/cact_pool.c).
if cact_install_fork_handler() != 0:
    raise ImportError("cact: pthread_atfork failed; cannot make fork() safe")


def _fast_path_calls():
    """How many calls the compiled fast path has completed (for the tests)."""
    return _fast_calls


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


def _prefetch_short(on=None):
    """Whether the contiguous loops prefetch in short blocks further ahead
    (the exp family's and every backward from y; on by default for Intel
    CPUs, see src/cact_common.h) rather than in the burst ahead of long
    blocks (the exp family's only); with it, float64 log_softmax_backward
    also prefetches each row's y (src/cact_softmax.h).  ``on`` sets it (for
    the tests and the benchmarks: the results are the same bits either
    way).  Returns the previous setting."""
    global cact_prefetch_short
    previous = bool(cact_prefetch_short)
    if on is not None:
        cact_prefetch_short = 1 if on else 0
    return previous


def get_num_threads():
    """Return the number of threads cact uses for large arrays.

    This is the value set by :func:`set_num_threads`, or, if none was set, the
    OpenMP runtime's ``omp_get_max_threads()`` for the calling thread (which
    honours ``OMP_NUM_THREADS`` and ``threadpoolctl`` limits), at most
    :func:`thread_limit`.  Always 1 when cact was built without OpenMP.
    """
    return cact_get_num_threads()


def _set_num_threads(int n):
    """n >= 1 pins the count, 0 follows the OpenMP runtime's default again."""
    cact_set_num_threads(n)


def _requested_threads():
    """The count pinned by set_num_threads, or 0 when following the default."""
    return cact_get_requested_threads()


def thread_limit():
    """The most threads cact uses: max(64, 4 x the CPUs online), at most 1024."""
    return cact_thread_limit()


def pool_stats():
    """The thread pool's counters: workers started, calls that cact split
    over threads (by its rule or the tests' override), calls that ran on their
    own thread because another thread was using the pool, chunks run by
    the workers (not by the calling thread), in all; the measured cost of
    waking a sleeping worker (ns: the caller's signal, and the time from
    publishing a job to the woken worker's first chunk; 0 until measured)
    and the split calls whose work was too short to be worth that wake, which
    sleeping workers were left out of; how long a worker now spins after a
    call before it sleeps (ns: longer while calls follow each other
    closely, see src/cact_pool.c)."""
    cdef long long signal_ns, latency_ns, skipped
    cact_pool_wake_costs(&signal_ns, &latency_ns, &skipped)
    return {"workers": cact_pool_workers(), "split_calls": cact_get_split_calls(),
            "busy_calls": cact_pool_busy_calls(), "worker_chunks": cact_pool_worker_chunks(),
            "wake_signal_ns": signal_ns, "wake_latency_ns": latency_ns,
            "unwoken_calls": skipped, "worker_spin_ns": cact_pool_worker_spin_ns()}


def _set_wake_costs(long long signal_ns, long long latency_ns):
    """Set the pool's wake-cost estimates in ns (for the tests only)."""
    cact_pool_set_wake_costs(signal_ns, latency_ns)


def _set_pool_spin(long long worker_ns=-1, long long done_ns=-1):
    """Change the pool's spin bounds in ns (for bench/ only; -1 keeps one)."""
    cact_pool_set_spin(worker_ns, done_ns)


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
    """Split every loop of at least n items of work over all the threads,
    instead of deciding by the kernels' measured costs (0 restores that).
    For the tests and bench/thresholds.py only.  Returns the previous value."""
    previous = cact_get_min_parallel_override()
    cact_set_min_parallel_override(n)
    return previous


def _kernel_costs(reset=False):
    """{kernel name: measured ns per item} for the kernels of the level in use
    that have decided a split so far (src/cact_parallel.c); ``reset=True``
    forgets them first (each is measured again on its next long call).
    For bench/thresholds.py and bug reports."""
    if reset:
        cact_reset_kernel_costs()
    return {cact_chunk_names[k].decode("ascii"): <double>cact_kernel_cost_ns[k]
            for k in range(cact_n_chunks) if cact_kernel_cost_ns[k] > 0}


def _split_rule():
    """The constants of the thread rule (src/cact_parallel.c): loops below
    ``serial_work`` items of work stay serial; a probe times the first
    ``probe_work``; a call uses one thread per ``thread_ns`` of estimated
    work."""
    cdef ptrdiff_t serial_work, probe_work
    cdef double thread_ns
    cact_split_rule(&serial_work, &probe_work, &thread_ns)
    return {"serial_work": serial_work, "probe_work": probe_work, "thread_ns": thread_ns}
