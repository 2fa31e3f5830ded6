"""PReLU: a leaky ReLU whose slope is learned, one per channel.

``prelu(x, weight, axis=1)`` is ``x`` where ``x > 0`` and ``weight[c] * x``
elsewhere, ``c`` the index along the channel axis (PyTorch's
``torch.nn.functional.prelu``: channels on axis 1 of an ``(N, C, ...)``
input; ``axis=-1`` for channels-last).  It runs on the Leaky ReLU kernels,
whose slope is a ufunc operand: the weight is broadcast along the channel
axis (stride 0 everywhere else), so for channels-first inputs each inner loop
is a contiguous run of one channel with a constant slope, the compiled
vector loop; channels-last inputs take the kernels' strided loop.  Results
are exact (one rounded product, as Leaky ReLU's).
"""

from __future__ import annotations

import math
import operator

import numpy as np

from ._api import (
    _UNARY_BASE,
    _check_out,
    _compiled,
    _dask_array_module,
    _no_dask_out,
    _no_mask,
    _operand,
    _result_dtype,
    _widens_float,
    normalize_axis_index,
    ufuncs,
)

__all__ = ["prelu", "prelu_backward"]

_FWD = ufuncs["leaky_relu"]
_BWD = ufuncs["leaky_relu_backward_x"]
# the parameter rows gufuncs (cact/_table.py PARAM_ROWS): the slopes along
# each row (channels-last), or one slope a row broadcast along it
# (channels before the last axis)
_FWD_PROWS = ufuncs["leaky_relu_prows"]
_BWD_PROWS = ufuncs["leaky_relu_backward_x_prows"]


def _weight(fname: str, weight, ndim: int, shape: tuple, axis, rdt):
    """The weight as an array of dtype ``rdt`` shaped to broadcast against x
    along the channel axis, and the channel axis (None for one slope)."""
    _no_mask(fname, "weight", weight, "a value", "(cact would ignore the mask)")
    w, wdt = _operand(fname, "weight", weight)
    if wdt is None:  # a foreign array type: its NumPy view
        w, wdt = _operand(fname, "weight", np.asarray(w))
    w = np.asarray(w)
    if w.dtype.kind == "b":
        raise TypeError(f"cact.{fname}: weight must be real numbers, got dtype bool")
    if w.ndim > 1:
        raise ValueError(
            f"cact.{fname}: weight must be a scalar or 1-D (one slope per channel), "
            f"got shape {w.shape}"
        )
    with np.errstate(over="ignore", invalid="ignore"):
        w = w.astype(rdt, copy=False)
    if w.size == 1:  # one slope for every element: no channel axis needed
        return w.reshape(()), None
    try:
        ax = normalize_axis_index(operator.index(axis), ndim) if ndim else None
    except TypeError:
        raise TypeError(f"cact.{fname}: axis must be an integer, got {type(axis).__name__}") from None
    if ax is None or w.shape[0] != shape[ax]:
        have = "a 0-d input" if ax is None else f"axis {axis} of length {shape[ax]}"
        raise ValueError(
            f"cact.{fname}: weight has {w.shape[0]} slopes but the channel axis is {have}; "
            "pass one slope per channel (or a scalar), and axis= the channel axis "
            "(1 for (N, C, ...), -1 for channels-last)"
        )
    return w.reshape((w.shape[0],) + (1,) * (ndim - 1 - ax)), ax


def prelu(x, weight, axis=1, *, out=None):
    r"""PReLU: ``x`` where ``x > 0``, else ``weight[c] * x`` (c: the channel).

    .. math:: f(x) = \max(0, x) + w_c \min(0, x)

    ``weight`` is a scalar (or shape ``(1,)``: one slope) or a 1-D array of
    ``x.shape[axis]`` slopes; ``axis=1`` is PyTorch's channel axis of
    ``(N, C, ...)`` inputs, ``axis=-1`` the channels-last one.  float32 and
    float64 are kept (the weight takes x's dtype), other real inputs become
    float32 or float64 as in every cact function; any shape and strides;
    ``out=x`` works in place.  Exact: every result is x or one rounded
    product.  A NaN stays NaN.

    Examples
    --------
    >>> import numpy as np, cact
    >>> x = np.array([[[-2.0, 3.0]], [[-4.0, 1.0]]], np.float32)   # (N=2, C=1, 2)
    >>> cact.prelu(x, np.array([0.25], np.float32))
    array([[[-0.5,  3. ]],
    <BLANKLINE>
           [[-1. ,  1. ]]], dtype=float32)
    >>> cact.prelu(np.array([[-1.0, -1.0]]), [0.1, 0.2], axis=-1)
    array([[-0.1, -0.2]])
    """
    fname = "prelu"
    _no_mask(fname, "x", x, "a value", "(cact would ignore the mask)")
    x, dt = _operand(fname, "x", x)
    if _dask_array_module(x) is not None:
        _no_dask_out(fname, out)
        rdt = _result_dtype(_UNARY_BASE, (np.dtype(x.dtype),))
        w, _ = _weight(fname, weight, x.ndim, x.shape, axis, rdt)
        return _FWD(x, w)  # lazy: Dask's __array_ufunc__, block by block
    x = np.asarray(x)
    # bool and small integers -> float32, as every elementwise function
    rdt = _result_dtype(_UNARY_BASE, (x.dtype,))
    w, ax = _weight(fname, weight, x.ndim, x.shape, axis, rdt)
    if out is not None:
        _check_out(fname, out, x.shape, rdt)
    last = _last_rows(ax, rdt, out, x)
    if last is not None:
        R, L = last
        y = np.empty_like(x) if out is None else out
        _FWD_PROWS(x.reshape(R, L), np.tile(w.reshape(-1), L // w.size), out=y.reshape(R, L))
        return y
    rows = _channel_rows(x, ax, rdt, out)
    if rows is not None:
        A, C, B = rows
        y = np.empty_like(x) if out is None else out
        # A C rows of B with one slope each: the parameter rows gufunc with
        # the slopes tiled A times and broadcast along each row (core stride
        # 0: the kernel's loop for one slope), the rows split over the
        # threads.  With x as (A, C, B) and the slopes (C, 1), NumPy would
        # hand the kernel one row at a time, each call too short to split.
        slopes = np.broadcast_to(np.tile(w.reshape(C), A)[:, None], (A * C, B))
        _FWD_PROWS(x.reshape(A * C, B), slopes, out=y.reshape(A * C, B))
        return y
    if _widens_float(rdt, x.dtype):
        with np.errstate(invalid="ignore"):
            return _FWD(x, w, out=out)
    return _FWD(x, w, out=out)


def _last_rows(ax, rdt, out, *arrays):
    """(R, L) when the channel axis is the last one (channels-last) and the
    arrays (x, and grad_output for the backward) and out are C-contiguous
    ndarrays of rdt, with rows of C >= 16 channels and at least 16 of them:
    then each array is R rows of L = k C elements with the slopes (C,) tiled
    k times along every row, which
    the parameter rows gufuncs (leaky_relu_prows, leaky_relu_backward_x_prows)
    run with the rows split over the threads.  The plain ufunc would get the
    slopes broadcast, and NumPy hands its kernel one row of C at a time, each
    call too short to split (float32 32 x 28 x 28 x 64, 2 threads, AMD EPYC
    Zen 5: 322 us against 81 us for PyTorch)."""
    x = arrays[0]
    if ax is None or ax != x.ndim - 1:
        return None
    for a in arrays + ((out,) if out is not None else ()):
        if not (type(a) is np.ndarray and a.dtype == rdt and a.flags.c_contiguous):
            return None
    C = x.shape[-1]
    R = x.size // C if C else 0
    if C < 16 or R < 16:
        return None
    # k rows of C as one row of k C (the slopes tiled k times, k dividing R):
    # rows of about 1024 elements, fewer kernel calls (float32 32 x 28 x 28 x
    # 64, 2 threads, AMD EPYC Zen 5: 84 us with rows of 64, 68 us of 1024)
    k = math.gcd(R, max(1, 1024 // C))
    return R // k, k * C


def _channel_rows(x, ax, rdt, out):
    """(A, C, B) when prelu's forward can run as rows: x (and out) C-contiguous
    float32/float64 arrays of rdt, the channel axis not the last one, rows of
    B >= 16 elements and at least 16 of them.  Then x is (A, C, B) rows of B
    elements with one slope each, which the parameter rows gufunc
    (leaky_relu_prows, the slope broadcast along each row) runs, the rows
    split over the threads.  The plain ufunc would get the slope broadcast
    along the channel axis, and NumPy hands its kernel one row at a time,
    each call too short to split (float32 32 x 64 x 28 x 28, 2 threads, AMD EPYC Zen 4: 0.47 ms
    against 0.11 ms for one slope)."""
    if ax is None or ax == x.ndim - 1 or x.dtype != rdt or not x.flags.c_contiguous:
        return None
    if out is not None and not (isinstance(out, np.ndarray) and out.flags.c_contiguous):
        return None
    A, C = math.prod(x.shape[:ax]), x.shape[ax]
    B = math.prod(x.shape[ax + 1:])
    return (A, C, B) if B >= 16 and A * C >= 16 else None


def _grad_weight_direct(g, x, ax):
    """The definition, in float64: x g where x <= 0 (a NaN x included: NaN),
    an exact 0 where x > 0 whatever g is, summed over every axis but ``ax``
    (all of them when ``ax`` is None).  Whole-array temporaries: used for
    Dask arrays (lazily, block by block) and where _grad_weight's sum is not
    finite."""
    contrib = np.where(x > 0, 0.0, np.multiply(x, g, dtype=np.float64))
    return contrib.sum(axis=tuple(i for i in range(x.ndim) if i != ax))


# Elements per block of _grad_weight: 512 KB of float64 products, in L2.
_GW_BLOCK = 1 << 16


def _grad_weight(g, x, ax):
    """_grad_weight_direct's sums, from blocks that stay in cache.

    x and g are viewed as (A, C, B), C the channel axis (C = 1 for one
    slope), and taken in blocks of whole (C, B) slices, or of B where one
    slice is larger than _GW_BLOCK: min(x, 0) g in float64, summed over B,
    then over A, into the running totals.  An x > 0 entry contributes
    0 * g there, which is the exact 0 of the definition unless g is infinite
    or NaN (then NaN): a total that is not finite is computed again by the
    definition (_grad_weight_direct), so the result is the definition's sum
    in another order (a zero total is +0.0).  float32 (32, 64, 28, 28), one
    thread, AMD EPYC Zen 4: 2.3 ms against 11.0 ms for the definition with
    whole-array temporaries (the weight gradient was 37 of prelu_backward's
    38 ms)."""
    shape = x.shape
    if ax is None:
        A, C, B = 1, 1, x.size
    else:
        A, C = int(np.prod(shape[:ax], dtype=np.int64)), shape[ax]
        B = int(np.prod(shape[ax + 1:], dtype=np.int64))
    if x.size > _GW_BLOCK:
        x3, g3 = x.reshape(A, C, B), g.reshape(A, C, B)
        acc = np.zeros(C, np.float64)
        bstep = max(1, min(B, _GW_BLOCK // max(C, 1)))
        astep = max(1, _GW_BLOCK // max(C * bstep, 1))
        for a0 in range(0, A, astep):
            for b0 in range(0, B, bstep):
                blk = (slice(a0, a0 + astep), slice(None), slice(b0, b0 + bstep))
                p = np.minimum(x3[blk], 0).astype(np.float64, copy=False)
                gb = g3[blk]
                np.multiply(p, gb if gb.dtype == np.float64 else gb.astype(np.float64), out=p)
                acc += p.sum(axis=2).sum(axis=0)
    if x.size <= _GW_BLOCK or not np.all(np.isfinite(acc)):
        # one block (the definition takes fewer NumPy calls), or a 0 * inf
        acc = np.asarray(_grad_weight_direct(g, x, ax), np.float64).reshape(C)
    acc += 0.0  # a zero total is +0.0 (the definition's is -0.0 where every term is -0.0)
    return acc if ax is not None else acc.reshape(())


def prelu_backward(grad_output, x, weight, axis=1, *, out=None):
    r"""The gradients of PReLU: ``(grad_x, grad_weight)``.

    .. math::
        \text{grad\_x} = g \cdot (1 \text{ if } x > 0 \text{ else } w_c), \qquad
        \text{grad\_weight}_c = \sum_{i \in c,\ x_i \le 0} g_i x_i

    ``grad_x`` has x's shape (``out=`` receives it; ``out=grad_output`` works
    in place) and is exact (g or one rounded product).  ``grad_weight`` has
    the weight's shape, the sum over every axis but the channel axis (over
    all of them for one slope), accumulated in float64 (also for float32
    inputs), then rounded to the dtype; an x > 0 adds an exact 0 whatever
    g is, and a zero sum is +0.0.  C-contiguous float32/float64 inputs take
    one pass over g and x for both results (src/cact_prelu.h).

    Examples
    --------
    >>> import numpy as np, cact
    >>> x = np.array([[-2.0, 3.0], [-4.0, 1.0]])
    >>> g = np.ones_like(x)
    >>> gx, gw = cact.prelu_backward(g, x, np.array([0.5, 0.5]))
    >>> gx
    array([[0.5, 1. ],
           [0.5, 1. ]])
    >>> gw
    array([-6.,  0.])
    """
    fname = "prelu_backward"
    for name, obj in (("grad_output", grad_output), ("x", x)):
        _no_mask(fname, name, obj, "a value", "(cact would ignore the mask)")
    g, gdt = _operand(fname, "grad_output", grad_output)
    x, xdt = _operand(fname, "x", x)
    lazy = _dask_array_module(g, x) is not None
    if lazy:
        _no_dask_out(fname, out)
        da = _dask_array_module(g, x)
        g = g if isinstance(g, da.Array) else da.asarray(g)
        x = x if isinstance(x, da.Array) else da.asarray(x)
    else:
        g, x = np.asarray(g), np.asarray(x)
    if g.shape != x.shape:
        raise ValueError(
            f"cact.{fname}: grad_output has shape {g.shape} but x has shape {x.shape}"
        )
    rdt = np.result_type(_result_dtype(_UNARY_BASE, (np.dtype(g.dtype),)),
                         _result_dtype(_UNARY_BASE, (np.dtype(x.dtype),)))
    w, ax = _weight(fname, weight, x.ndim, x.shape, axis, rdt)
    w_shape = np.shape(weight)
    if out is not None:
        _check_out(fname, out, x.shape, rdt)
    # grad_weight first: out may be grad_output or x (in place), which the
    # sum reads.
    with np.errstate(over="ignore", invalid="ignore"):
        if lazy:
            gw = _grad_weight_direct(g, x, ax).astype(rdt).reshape(w_shape)
        else:
            gw = np.asarray(_grad_weight(g, x, ax).astype(rdt)).reshape(w_shape)
    last = None if lazy else _last_rows(ax, rdt, out, x, g)
    if last is not None:
        R, L = last
        gx = np.empty_like(x) if out is None else out
        _BWD_PROWS(g.reshape(R, L), x.reshape(R, L), np.tile(w.reshape(-1), L // w.size),
                   out=gx.reshape(R, L))
    elif _widens_float(rdt, g.dtype, x.dtype) and not lazy:
        with np.errstate(invalid="ignore"):
            gx = _BWD(g, x, w, out=out)
    else:
        gx = _BWD(g, x, w, out=out) if not lazy else _BWD(g, x, w)
    return gx, gw


# The public prelu and prelu_backward are the compiled wrappers of _core
# (src/_core.pyx _prelu_fast, _prelu_backward_fast): the common case (a
# C-contiguous float32/float64 ndarray, a 1-D weight of its dtype or a
# Python float, an int axis, out None, an input itself or an array apart)
# calls the kernels directly, without the checks and temporaries above;
# everything else comes here.
prelu = _compiled(prelu)
prelu_backward = _compiled(prelu_backward)
