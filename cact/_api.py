"""The Python API: validation, allocation and documentation around the ufuncs.

Every elementwise function here is made from a row of the activation table
(``cact/_table.py``) by ``_make_unary`` and ``_make_backward``;
the compiled ufuncs they call are in ``cact.ufuncs``.  Validation happens
before any ufunc runs, so an error never leaves a buffer half written.

Conventions (NumPy's, as ``np.tanh``):

* float32 in -> float32 out, float64 in -> float64 out.  Bool and integer
  inputs are converted as NumPy's type resolution converts them for a ufunc
  with float32 and float64 loops: 8- and 16-bit integers and bools to float32,
  wider integers and Python ints to float64 (``np.tanh`` gives float16 where
  cact gives float32, as cact has no float16 loop).  float16 is computed and
  returned as float32.  Other dtypes (complex, long double, object, strings,
  datetimes, structured) raise ``TypeError`` naming the dtype.  Python numbers
  are weak (NEP 50); one that does not fit the computation dtype (an int
  beyond float64, a finite number beyond float32 beside float32 arrays) is a
  ``ValueError``, as for ``alpha``.
* ``out=None`` allocates; ``out=x`` works in place and returns ``x``.
  ``out`` must be a writable ``numpy.ndarray`` of exactly the result's shape and
  dtype (``TypeError`` for a wrong type or dtype, ``ValueError`` for a wrong
  shape, a read-only array or one whose elements overlap each other).
* Any shape and strides; partial overlap between ``out`` and an input gives the
  same result as without overlap (NumPy copies the input first).
* Objects that implement ``__array_ufunc__`` (pandas, xarray, Dask, ...) are
  validated as ndarrays are, on the ``dtype`` and ``shape`` they expose
  (nothing is converted or computed, so Dask stays lazy), and passed to the
  ufunc untouched, so they dispatch as they do for ``np.tanh`` and come back
  as their own type.  One that exposes no NumPy dtype is left to its
  ``__array_ufunc__``.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import numbers
import operator

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from . import _core
from ._table import ACTIVATIONS, AXIS_BY_NAME, MAXOUT, ufunc_name

__all__ = [a.name + sfx for a in ACTIVATIONS for sfx in ("", "_grad", "_backward")] + [
    "maxout",
    "maxout_backward",
    "softmax",
    "log_softmax",
    "softmax_backward",
    "log_softmax_backward",
]

ufuncs = _core.ufuncs

_FLT_MAX = float(np.finfo(np.float32).max)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_NATIVE = {_F32, _F64}


# --------------------------------------------------------------- validation
def _unsupported_dtype(fname: str, argname: str, dt: np.dtype) -> TypeError:
    if dt.kind == "c":
        why = "complex numbers are not supported (activations are real functions)"
    elif dt.kind == "f":
        why = (
            f"{dt.name} (long double) is not supported; convert with "
            f"{argname}.astype(np.float64) (precision beyond float64 would be lost)"
        )
    else:
        why = "cact computes in float32 or float64 (bool and integer inputs are converted)"
    return TypeError(f"cact.{fname}: {argname} has unsupported dtype {dt!s} ({dt.kind!r}); {why}")


def _operand(fname: str, argname: str, obj):
    """Return ``(operand, dtype)`` with the operand ready for the ufunc.

    ndarrays (subclasses included) and NumPy scalars are passed on as they are,
    other array-likes (lists, memoryviews, ...) are converted with
    ``np.asarray``.  Python floats and ints are NumPy's weak scalars: their
    "dtype" is the type ``float`` or ``int``, which takes the dtype of the
    arrays beside them (NEP 50).  Objects with their own ``__array_ufunc__``
    are left for the ufunc to dispatch, after the same dtype check on the
    dtype they expose (``_foreign_dtype``); their dtype is None only when they
    expose no NumPy dtype.
    """
    if isinstance(obj, (np.ndarray, np.generic)):
        dt = obj.dtype
    elif type(obj) is float:
        return obj, float
    elif type(obj) is int:
        return _python_int(fname, argname, obj)
    elif isinstance(obj, bool):
        return obj, np.dtype(bool)
    elif isinstance(obj, (float, int)):  # subclasses of float and int
        return (float(obj), float) if isinstance(obj, float) else _python_int(fname, argname, int(obj))
    elif getattr(type(obj), "__array_ufunc__", None) is not None:
        dt = _foreign_dtype(obj)
        if dt is None:
            return obj, None
    else:
        if isinstance(obj, complex):
            dt = np.dtype(complex)
        else:
            obj = np.asarray(obj)
            dt = obj.dtype
    if dt.kind in "biu" or (dt.kind == "f" and dt.itemsize <= 8):
        return obj, dt
    raise _unsupported_dtype(fname, argname, dt)


def _foreign_dtype(obj) -> np.dtype | None:
    """The NumPy dtype an array type with its own ``__array_ufunc__`` exposes,
    read from its ``dtype`` attribute (metadata only: a Dask array is not
    computed).  pandas' extension dtypes name theirs in ``numpy_dtype``
    ("Float32" -> float32).  None when there is none (a categorical, a duck
    array without ``dtype``)."""
    dt = getattr(obj, "dtype", None)
    if dt is not None and not isinstance(dt, np.dtype):
        dt = getattr(dt, "numpy_dtype", None)
    return dt if isinstance(dt, np.dtype) else None


def _python_int(fname: str, argname: str, obj: int):
    """A Python int operand: weak, as a float (the value it is computed with).

    NumPy has no integer type for ints outside [-2**63, 2**64) and rejects
    them; cact computes in floating point, so such an int is used as the
    float it rounds to, and one beyond the float64 range is a ValueError."""
    if -(2**63) <= obj < 2**64:
        return obj, int
    try:
        return float(obj), float
    except OverflowError:
        raise ValueError(
            f"cact.{fname}: {argname} is an integer beyond the float64 range"
        ) from None


def _check_weak_in_float32(fname: str, argname: str, obj, dt) -> None:
    """A Python number beside float32 arrays is computed in float32 (NEP 50):
    a finite one beyond the float32 range would silently become inf (NumPy
    warns "overflow encountered in cast"), so it is a ValueError, as for alpha."""
    if (dt is float or dt is int) and abs(obj) > _FLT_MAX and not math.isinf(obj):
        raise ValueError(
            f"cact.{fname}: {argname}={obj!r} is outside the float32 range of the "
            "computation (the array operands are float32); pass a float64 array instead"
        )


_RESOLVED: dict = {}


def _result_dtype(uf: np.ufunc, dtypes: tuple) -> np.dtype:
    """The output dtype the ufunc picks for these operand dtypes (cached).

    ``float`` and ``int`` in ``dtypes`` stand for Python scalars (weak).
    """
    key = (uf.__name__,) + dtypes
    try:
        return _RESOLVED[key]
    except KeyError:
        pass
    # identity, not ==: np.dtype("float64") == float is True
    strong = {d for d in dtypes if d is not float and d is not int}
    if len(strong) == 1 and next(iter(strong)) in _NATIVE:
        res = next(iter(strong))
    else:
        res = uf.resolve_dtypes(dtypes + (None,))[-1]
    _RESOLVED[key] = res
    return res


def _check_out(fname: str, out, shape: tuple, dtype: np.dtype | None, argname: str = "out"):
    if not isinstance(out, np.ndarray):
        raise TypeError(
            f"cact.{fname}: {argname} must be a numpy.ndarray, got {type(out).__name__}; "
            f"pass a writable array of the result's shape and dtype, or {argname}=None"
        )
    if dtype is not None and out.dtype != dtype:
        raise TypeError(
            f"cact.{fname}: {argname} has dtype {out.dtype} but the result is {dtype}; "
            f"pass {argname} of dtype {dtype} (e.g. the input itself for in-place) or {argname}=None"
        )
    if shape is not None and out.shape != shape:
        raise ValueError(
            f"cact.{fname}: {argname} has shape {out.shape} but the result has shape {shape}"
        )
    if not out.flags.writeable:
        raise ValueError(f"cact.{fname}: {argname} is read-only; pass a writable array or {argname}=None")
    if 0 in out.strides and out.size > 1 and any(
        st == 0 and n > 1 for st, n in zip(out.strides, out.shape)
    ):
        raise ValueError(
            f"cact.{fname}: {argname} has a zero stride (e.g. from np.broadcast_to), so its "
            "elements overlap; pass an array with one element per result"
        )


def _param(fname: str, name: str, value, dtype: np.dtype | None) -> float:
    if isinstance(value, (bool, np.bool_)) or not (
        isinstance(value, numbers.Real)
        or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf")
    ):
        raise TypeError(
            f"cact.{fname}: {name} must be a real number, got {type(value).__name__}"
        )
    try:
        v = float(value)
    except OverflowError:  # an integer or fraction beyond the float64 range
        raise ValueError(
            f"cact.{fname}: {name} must be finite, got a number beyond the float64 range"
        ) from None
    if not math.isfinite(v):
        raise ValueError(f"cact.{fname}: {name} must be finite, got {v}")
    if dtype == _F32 and abs(v) > _FLT_MAX:
        raise ValueError(
            f"cact.{fname}: {name}={v} is outside the float32 range of the computation"
        )
    return v


def _bind(fname: str, act, pos: tuple, kw: dict) -> list:
    """The values of the row's parameters from a call's extra positional
    arguments (in the row's order) and keywords, defaults for the others."""
    names = [p.name for p in act.params]
    if len(pos) > len(names):
        raise TypeError(f"cact.{fname}() takes at most {len(names) + 1} positional arguments "
                        f"({len(pos) + 1} given)")
    values = dict(zip(names, pos))
    for k, v in kw.items():
        if k not in names:
            raise TypeError(f"cact.{fname}() got an unexpected keyword argument {k!r}")
        if k in values:
            raise TypeError(f"cact.{fname}() got multiple values for argument {k!r}")
        values[k] = v
    out = [values.get(p.name, p.default) for p in act.params]
    _check_bounds(fname, act, dict(zip(names, out)))
    return out


def _check_bounds(fname: str, act, values: dict) -> None:
    """The rows' conditions between parameters on every call (Param.bound):
    ValueError when one fails.  Values that are not finite real numbers are
    left to _param's TypeError or ValueError."""
    for p in act.params:
        if p.bound is None:
            continue
        op, bound = p.bound
        v, b = values[p.name], values[bound] if isinstance(bound, str) else bound
        if not all((isinstance(t, numbers.Real) and not isinstance(t, (bool, np.bool_)))
                   or (isinstance(t, np.ndarray) and t.ndim == 0 and t.dtype.kind in "iuf")
                   for t in (v, b)):
            continue
        try:
            v, b = float(v), float(b)
        except OverflowError:  # beyond float64: _param's error
            continue
        if not (math.isfinite(v) and math.isfinite(b)):
            continue
        if not p.holds({p.name: v, **({bound: b} if isinstance(bound, str) else {})}):
            what = f"{bound} ({b})" if isinstance(bound, str) else f"{b:g}"
            why = f" ({p.why})" if p.why else ""
            raise ValueError(f"cact.{fname}: {p.name} must be {op} {what}, got {v}{why}")


def _widens_float(rdt, *dtypes) -> bool:
    """Will the ufunc convert a float operand to the wider result dtype?

    NumPy converts float32 to float64 in hardware, which raises the invalid
    flag for a signalling NaN and makes NumPy warn "invalid value encountered
    in cast" (or raise under ``np.errstate(invalid="raise")``).  A NaN input
    gives a NaN output without any warning in cact, so such calls run under
    ``np.errstate(invalid="ignore")``: no other flag can come from these casts,
    and cact's own loops clear theirs.
    """
    return any(
        isinstance(d, np.dtype) and d.kind == "f" and d.itemsize != rdt.itemsize for d in dtypes
    )


# Parameter-free ufuncs of each arity: every compiled ufunc has the same two
# loops (float32, float64), so these give the result dtype of any function.
_FREE = next(a for a in ACTIVATIONS if not a.params)
_UNARY_BASE = ufuncs[ufunc_name(_FREE, "f")]
_BINARY_BASE = ufuncs[ufunc_name(_FREE, "backward_x")]


def _shape(obj) -> tuple | None:
    """The shape of an operand: an array's, a foreign array's ``shape`` (None
    when it has none or it is not known yet, as a Dask array's NaN lengths
    after boolean indexing), () for a scalar."""
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.shape
    if isinstance(obj, (float, int, complex)):
        return ()
    shape = getattr(obj, "shape", None)
    try:
        return tuple(operator.index(n) for n in shape)
    except TypeError:  # no shape, or a length that is NaN or None
        return None


def _signature(params: list[tuple[str, object, object]]) -> inspect.Signature:
    P = inspect.Parameter
    return inspect.Signature([P(name, kind, default=default) for name, kind, default in params])


# -------------------------------------------------------------- docstrings
def _param_doc(act) -> str:
    lines = []
    for p in act.params:
        lines += [f"{p.name} : float, default {p.default}", f"    {p.doc[0].upper() + p.doc[1:]}."]
    return "\n".join(lines)


def _example(fn, act, call: str) -> str:
    return f">>> {call}\n{fn(np.array(act.example))!r}"


_COMMON_RULES = """\
float32 inputs give float32 results, float64 give float64 (bool and integer
inputs are converted as NumPy converts them for a float ufunc).  Any shape and
strides; the GIL is released and long arrays are split over
``cact.get_num_threads()`` threads.  Array types with ``__array_ufunc__``
(Dask, xarray, pandas) come back as their own type: a Dask array gives a lazy
Dask array with the same chunks, computed chunk by chunk."""


def _finish(fn, name: str, doc: str, sig: inspect.Signature):
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = "cact"
    fn.__doc__ = doc
    fn.__signature__ = sig
    return fn


# ----------------------------------------------------------- fused forms
# Rows of the bias form's gufunc below which the elementwise ufunc is used
# (the rows gufunc splits rows over the threads, never a row: a few long
# rows go to the elementwise loop, which splits elements).
_MIN_ROWS = 16


def _fused_call(name: str, act, variant: str, x, values: list, bias, deriv_out, out):
    """f(x + bias) or f'(x + bias) (variant "f" or "grad"), with f'(x + bias)
    into deriv_out in the same pass (variant "f"); bias None: x alone.

    Two fused kernels per row (cact/_table.py FUSED): f_bias, and fd_bias
    for deriv_out (without a bias, with the 0-d bias -0.0: x + -0.0 is x).
    The derivative with a bias is np.add(x, bias) into out (x itself when
    out is x), then the grad kernel in place: bitwise f_grad(x + bias)."""
    x, dt = _operand(name, "x", x)
    args, dts = (x,), (dt,)
    if bias is not None:
        b, bdt = _operand(name, "bias", bias)
        args, dts = (x, b), (dt, bdt)
    grad_uf = ufuncs[ufunc_name(act, "grad")]
    if any(not isinstance(a, (np.ndarray, np.generic, float, int)) for a in args):
        # Dask, xarray, pandas: their __array_ufunc__ broadcasts (and chunks)
        # the elementwise ufunc; they take no out= of NumPy's
        if deriv_out is not None:
            raise TypeError(
                f"cact.{name}: deriv_out= cannot be used with a Dask or other non-NumPy "
                "array (it is not filled in place); call "
                f"cact.{act.name}_grad(x, bias=b) for the derivative")
        if out is not None and _dask_array_module(*args) is not None:
            _no_dask_out(name, out)
        ps = [_param(name, p.name, v, None) for p, v in zip(act.params, values)]
        if variant == "grad":
            return grad_uf(np.add(*args), *ps, out=out)
        return ufuncs[ufunc_name(act, "f_bias")](*args, *ps, out=out)
    rdt = _result_dtype(_BINARY_BASE if bias is not None else _UNARY_BASE, dts)
    if rdt is _F32 or rdt == _F32:
        for a, d, an in zip(args, dts, ("x", "bias")):
            _check_weak_in_float32(name, an, a, d)
    ps = [rdt.type(_param(name, p.name, v, rdt)) for p, v in zip(act.params, values)]
    shapes = [_shape(a) for a in args]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(
            f"cact.{name}: bias of shape {shapes[1]} does not broadcast against x of shape "
            f"{shapes[0]}; pass a bias of the shape of x's last axis ({shapes[0][-1:]}), "
            "of x's shape, or one that broadcasts to it") from None
    if out is not None:
        _check_out(name, out, shape, rdt)
    if deriv_out is not None:
        _check_out(name, deriv_out, shape, rdt, "deriv_out")
        if out is not None and np.shares_memory(out, deriv_out):
            raise ValueError(f"cact.{name}: out and deriv_out share memory; pass two "
                             "separate arrays (f(x) goes to out, f'(x) to deriv_out)")
    widen = _widens_float(rdt, *dts)
    with np.errstate(invalid="ignore") if widen else contextlib.nullcontext():
        if variant == "grad":
            # two passes, no kernel of its own: z = x + b (NumPy's sum, the
            # one the fused kernels round), then f'(z) in place on z
            z = np.add(x, b, out=out, dtype=rdt)
            return grad_uf(z, *ps, out=z) if isinstance(z, np.ndarray) else grad_uf(z, *ps)
        if bias is None:
            # f and f' of x itself: the 0-d bias -0.0 (x + -0.0 == x, bitwise)
            args, shapes = (x, rdt.type(-0.0)), [shapes[0], ()]
        uname = ufunc_name(act, "fd_bias" if deriv_out is not None else "f_bias")
        if len(shapes[1]) == 1 and len(shape) >= 2 and shape == shapes[0] \
                and shapes[1][0] == shape[-1] and math.prod(shape[:-1]) >= _MIN_ROWS:
            # a 1-D bias along the last axis: one gufunc row an outer item,
            # the rows split over the threads (the elementwise ufunc would be
            # called row by row by NumPy, each call too short to split)
            uname += "_rows"
        if deriv_out is not None:
            return ufuncs[uname](*args, *ps, out=(out, deriv_out))[0]
        return ufuncs[uname](*args, *ps, out=out)


def _no_deriv_out(name: str, variant: str, deriv_out) -> None:
    if variant != "f" and deriv_out is not None:
        raise TypeError(f"cact.{name}() got an unexpected keyword argument 'deriv_out' "
                        "(the forward function takes it: f(x, deriv_out=d) fills d with f'(x))")


# ----------------------------------------------------------- elementwise
def _make_unary(act, variant: str):
    """``f(x, [alpha], *, out=None)`` for variant "f" or "grad" of a table row."""
    name = ufunc_name(act, variant)
    uf = ufuncs[name]
    base_uf = _UNARY_BASE
    P = inspect.Parameter
    plist = [("x", P.POSITIONAL_OR_KEYWORD, P.empty)]

    if act.params:

        def fn(x, *pvals, out=None, bias=None, deriv_out=None, **kw):
            values = _bind(name, act, pvals, kw)
            if bias is not None or deriv_out is not None:
                _no_deriv_out(name, variant, deriv_out)
                return _fused_call(name, act, variant, x, values, bias, deriv_out, out)
            x, dt = _operand(name, "x", x)
            if out is not None and _dask_array_module(x) is not None:
                _no_dask_out(name, out)
            if dt is None:  # foreign array type: its __array_ufunc__ decides
                return uf(x, *[_param(name, p.name, v, None) for p, v in zip(act.params, values)],
                          out=out)
            # The result dtype is the one of the parameter-free functions (bool
            # and small integers -> float32); parameters are passed in that dtype.
            rdt = _result_dtype(base_uf, (dt,))
            ps = [rdt.type(_param(name, p.name, v, rdt)) for p, v in zip(act.params, values)]
            if out is not None:
                _check_out(name, out, _shape(x), rdt)
            return uf(x, *ps, out=out)

        plist += [(p.name, P.POSITIONAL_OR_KEYWORD, p.default) for p in act.params]
        call = f"cact.{name}(x, " + ", ".join(f"{p.name}={p.default}" for p in act.params) + ")"
    else:

        def fn(x, *, out=None, bias=None, deriv_out=None):
            if bias is not None or deriv_out is not None:
                _no_deriv_out(name, variant, deriv_out)
                return _fused_call(name, act, variant, x, [], bias, deriv_out, out)
            x, dt = _operand(name, "x", x)
            if out is not None and _dask_array_module(x) is not None:
                _no_dask_out(name, out)
            if out is not None and dt is not None:
                _check_out(name, out, _shape(x), _result_dtype(uf, (dt,)))
            return uf(x, out=out)

        call = f"cact.{name}(x)"
    plist.append(("out", P.KEYWORD_ONLY, None))
    plist.append(("bias", P.KEYWORD_ONLY, None))
    if variant == "f":
        plist.append(("deriv_out", P.KEYWORD_ONLY, None))
    params = _param_doc(act)
    if variant == "f":
        fused_doc = (
            "bias : array_like, optional\n"
            "    Added to x first: the result is f(z), z = x + bias with NumPy\n"
            "    broadcasting, in one pass without a temporary (z rounded once, as\n"
            "    NumPy's sum; ``out=x`` works in place).  A 1-D bias along the last\n"
            "    axis of x (a dense layer's ``x @ W + b``) runs its rows on the\n"
            "    threads.\n"
            "deriv_out : ndarray, optional\n"
            "    Receives f'(z) (f'(x) without a bias) in the same pass: a writable array of\n"
            "    the result's shape and dtype, not sharing memory with out.  For\n"
            "    training code whose forward runs in place, where the backward cannot\n"
            "    use y (functions without a y-form) and x is gone.  Bitwise equal to\n"
            f"    ``cact.{act.name}_grad(x, bias=bias)``.\n")
    else:
        fused_doc = (
            "bias : array_like, optional\n"
            "    Added to x first: the result is f'(z), z = x + bias with NumPy\n"
            "    broadcasting (z rounded once, as NumPy's sum), in two passes: z\n"
            "    into out (``out=x`` works in place), then f' in place on it.  The\n"
            "    forward's ``deriv_out=`` gives f'(z) in the forward's own pass.\n")
    if variant == "f":
        head = f"{act.summary}\n\n    f(x) = {act.f}"
        returns = "f(x), same shape as ``x``; a NumPy scalar for scalar input."
        notes = act.notes
        see_also = f"{act.name}_grad, {act.name}_backward"
        tail = (
            ">>> y = np.linspace(-3, 3, 7, dtype=np.float32)\n"
            f">>> cact.{name}(y, out=y) is y      # in place\nTrue\n"
        )
    else:
        head = f"Derivative of {act.name}, elementwise.\n\n    f'(x) = {act.grad}"
        returns = "f'(x), same shape as ``x``; a NumPy scalar for scalar input."
        notes = (
            "Computed from x with a formula that stays accurate where f saturates.  For\n"
            f"the gradient of a loss, ``{act.name}_backward`` fuses ``grad_output * f'(x)``\n"
            "in one pass and can also work from the forward output y."
        )
        see_also = f"{act.name}, {act.name}_backward"
        tail = ""
    doc = f"""{head}

Parameters
----------
x : array_like
    Input{" of the forward pass" if variant == "grad" else ""}.
{params + chr(10) if params else ""}out : ndarray, optional
    Where to write the result: a writable array of the result's shape and
    dtype.  ``out=x`` computes in place and returns ``x``.
{fused_doc}
Returns
-------
ndarray or scalar
    {returns}

Notes
-----
{notes}

{_COMMON_RULES}

See Also
--------
{see_also}

Examples
--------
>>> import numpy as np, cact
>>> x = np.array({list(act.example)})
{{example}}
{tail}"""
    _finish(fn, name, doc, _signature(plist))
    fn.__doc__ = doc.replace("{example}", _example(fn, act, call))
    return fn


def _make_backward(act):
    name = act.name + "_backward"
    uf_x = ufuncs[ufunc_name(act, "backward_x")]
    has_y = "backward_y" in act.variants
    uf_y = ufuncs[ufunc_name(act, "backward_y")] if has_y else None
    nparams = len(act.params)

    def fn(grad_output, x=None, *, y=None, out=None, **kw):
        if (x is None) == (y is None):
            raise TypeError(
                f"cact.{name}: pass exactly one of x= (the forward input) or y= "
                "(the forward output)"
            )
        values = _bind(name, act, (), kw)
        if y is not None and not has_y:
            raise TypeError(
                f"cact.{name}: {act.name} has no derivative from its output y (f is not "
                "invertible, so y does not determine x): pass x= (the forward input)"
            )
        uf = uf_x if y is None else uf_y
        g, gdt = _operand(name, "grad_output", grad_output)
        v, vdt = _operand(name, "x" if y is None else "y", x if y is None else y)
        if out is not None and _dask_array_module(g, v) is not None:
            _no_dask_out(name, out)
        known = gdt is not None and vdt is not None
        args = (g, v)
        # The result dtype is the one of the parameter-free backward functions;
        # alpha is passed in that dtype (so integer inputs do not turn a
        # float32 computation into float64).
        rdt = _result_dtype(_BINARY_BASE, (gdt, vdt)) if known else None
        if rdt is _F32 or rdt == _F32:
            _check_weak_in_float32(name, "grad_output", g, gdt)
            _check_weak_in_float32(name, "x" if y is None else "y", v, vdt)
        for p, value in zip(act.params, values):
            a = _param(name, p.name, value, rdt)
            if y is not None and p.y_min is not None and a < p.y_min:
                raise ValueError(
                    f"cact.{name}: the derivative from y needs {p.name} >= {p.y_min:g} (got {a}); "
                    f"with a smaller {p.name} the sign of y does not give the sign of x: "
                    "pass x= instead"
                )
            args += (rdt.type(a) if known else a,)
        if out is not None and known:
            gs, vs = _shape(g), _shape(v)
            try:
                shape = None if gs is None or vs is None else np.broadcast_shapes(gs, vs)
            except ValueError:
                raise ValueError(
                    f"cact.{name}: grad_output shape {gs} and "
                    f"{'x' if y is None else 'y'} shape {vs} do not broadcast"
                ) from None
            _check_out(name, out, shape, rdt)
        if known and _widens_float(rdt, gdt, vdt):
            with np.errstate(invalid="ignore"):
                return uf(*args, out=out)
        return uf(*args, out=out)

    P = inspect.Parameter
    plist = [("grad_output", P.POSITIONAL_OR_KEYWORD, P.empty),
             ("x", P.POSITIONAL_OR_KEYWORD, None),
             ("y", P.KEYWORD_ONLY, None)]
    plist += [(p.name, P.KEYWORD_ONLY, p.default) for p in act.params]
    plist.append(("out", P.KEYWORD_ONLY, None))
    params = _param_doc(act)
    ycond = "".join(f" (requires {p.name} >= {p.y_min:g}, else ValueError)"
                    for p in act.params if p.y_min is not None)
    if has_y:
        from_y = f"\n    from y:  grad_output * ({act.grad_y}){ycond}"
        x_doc = "Input of the forward pass.  Pass exactly one of ``x`` and ``y``."
        y_doc = (f"Output of the forward pass, ``y = {act.name}(x)``, for when x was\n"
                 "    overwritten by an in-place forward pass.")
        y_note = ("  From y it is as exact as y allows: y already carries the rounding\n"
                  "of the forward pass, and where f saturates (y close to its limits) that\n"
                  "rounding dominates the derivative's small value.")
        example = (f">>> np.allclose(cact.{name}(g, x), cact.{name}(g, y=cact.{act.name}(x)))\n"
                   "True")
    else:
        from_y = ""
        x_doc = "Input of the forward pass (required)."
        y_doc = (f"Not accepted: {act.name} is not invertible, so its output does not\n"
                 "    determine f'; passing it raises TypeError.")
        y_note = ""
        example = (f">>> np.allclose(cact.{name}(g, x), cact.{act.name}_grad(x))\n"
                   "True")
    doc = f"""Backward pass of {act.name}: ``grad_output * f'(x)`` in one pass.

    from x:  grad_output * ({act.grad}){from_y}

Parameters
----------
grad_output : array_like
    Gradient of the loss with respect to the output of {act.name}.
x : array_like, optional
    {x_doc}
y : array_like, optional
    {y_doc}
{params + chr(10) if params else ""}out : ndarray, optional
    Where to write the result; ``out=grad_output`` works in place.

Returns
-------
ndarray or scalar
    The gradient with respect to x, shaped like the broadcast of
    ``grad_output`` and ``x`` (or ``y``).

Notes
-----
From x the derivative is as accurate as ``{act.name}_grad``, saturated tails
included.{y_note}

{_COMMON_RULES}

Examples
--------
>>> import numpy as np, cact
>>> x = np.array({list(act.example)})
>>> g = np.ones_like(x)
{example}
"""
    return _finish(fn, name, doc, _signature(plist))


_FUNCS = {}
for _act in ACTIVATIONS:
    _FUNCS[_act.name] = _make_unary(_act, "f")
    _FUNCS[_act.name + "_grad"] = _make_unary(_act, "grad")
    _FUNCS[_act.name + "_backward"] = _make_backward(_act)
# The public functions are the compiled wrappers of _core (generated from the
# table into src/_fast.pxi): they take the fast path for exact, contiguous,
# native float32/float64 arrays with out None or an input itself, and call the
# validating implementations above for everything else.
def _compiled(slow):
    """The compiled wrapper of _core named as ``slow``, with its docstring and
    signature; ``slow`` becomes its validating path (_core._SLOW)."""
    name = slow.__name__
    fast = getattr(_core, name)
    _core._SLOW[name] = slow
    fast.__doc__ = slow.__doc__
    fast.__signature__ = inspect.signature(slow)
    fast.__module__ = "cact"
    fast.__qualname__ = name
    return fast


for _name, _slow in list(_FUNCS.items()):
    _FUNCS[_name] = _compiled(_slow)
globals().update(_FUNCS)


# ------------------------------------------------------------------ maxout
def _no_mask(fname: str, argname: str, obj, fill: str, why: str) -> None:
    # maxout works on the data of its input: a mask would be ignored silently.
    if isinstance(obj, np.ma.MaskedArray):
        raise TypeError(
            f"cact.{fname}: {argname} is a masked array, whose mask maxout would ignore; "
            f"pass {argname}.filled({fill}) {why}, or np.ma.getdata({argname})"
        )


def _integer(fname: str, argname: str, value, minimum: int, what: str = "an integer",
             hint: str = "") -> int:
    """``operator.index(value)`` with cact's messages: TypeError for a bool or
    a non-integer, ValueError below ``minimum``."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"cact.{fname}: {argname} must be {what}, got bool")
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(
            f"cact.{fname}: {argname} must be {what}, got {type(value).__name__}"
        ) from None
    if value < minimum:
        raise ValueError(f"cact.{fname}: {argname} must be >= {minimum}{hint}, got {value}")
    return value


def _pieces_axis(fname: str, pieces, axis, ndim: int) -> tuple[int, int]:
    """Validated ``(pieces, axis)``, the axis normalised for ``ndim`` dimensions."""
    pieces = _integer(fname, "pieces", pieces, 1)
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"cact.{fname}: axis must be an integer, got {type(axis).__name__}") from None
    return pieces, normalize_axis_index(axis, ndim)  # AxisError (a ValueError) if out of range


def _maxout_args(fname: str, z, pieces, axis):
    _no_mask(fname, "z", z, "-np.inf", "to leave masked entries out of the maxima")
    z, dt = _operand(fname, "z", z)
    if dt is None:  # foreign array type: compute on its NumPy view
        z = np.asarray(z)
        z, dt = _operand(fname, "z", z)
    z = np.asarray(z)  # subclasses too: np.matrix cannot be reshaped into groups
    pieces, ax = _pieces_axis(fname, pieces, axis, z.ndim)
    n = z.shape[ax]
    if n % pieces:
        raise ValueError(
            f"cact.{fname}: z.shape[{axis}] = {n} is not a multiple of pieces = {pieces}"
        )
    return z, dt, pieces, ax, n // pieces


def _groups(a: np.ndarray, ax: int, m: int, pieces: int) -> np.ndarray:
    """View of ``a`` with axis ``ax`` moved last and split into (m, pieces).

    Splitting one axis is always possible without a copy, whatever the strides.
    """
    t = a if ax == a.ndim - 1 else np.moveaxis(a, ax, -1)
    return t.reshape(t.shape[:-1] + (m, pieces))


# ------------------------------------------------------------- maxout on Dask
# The elementwise functions need nothing for Dask: their ufuncs dispatch
# through dask.array.Array.__array_ufunc__ (elemwise, chunk by chunk).  maxout
# is a reduction over groups along an axis, which np.asarray would compute
# whole, so Dask arrays get a map_blocks graph instead: each block of the axis
# must hold whole groups.  Dask is never imported by ``import cact``: a Dask
# array is recognised by the module of its type, and dask.array (already loaded
# when such an array exists) is imported only then.
def _dask_array_module(*objs):
    """``dask.array`` if one of ``objs`` is a Dask array, else None."""
    for obj in objs:
        mod = type(obj).__module__
        if mod == "dask" or mod.startswith("dask."):
            import dask.array as da

            if isinstance(obj, da.Array):
                return da
    return None


def _no_dask_out(fname: str, out) -> None:
    if out is not None:
        raise TypeError(
            f"cact.{fname}: out= cannot be used with a Dask array (the result is lazy "
            "and computed chunk by chunk); use the returned Dask array"
        )


def _whole_groups(fname: str, z, ax: int, axis, pieces: int):
    """``z`` with every chunk along ``ax`` a multiple of ``pieces`` entries.

    Chunks that are already whole numbers of groups are kept.  Otherwise ``z``
    is rechunked along ``ax`` only, to the multiple of ``pieces`` nearest to
    its first chunk (at least one group): equal chunks and a smaller last one,
    which also holds whole groups because ``pieces`` divides the length.  The
    other axes keep their chunks.
    """
    chunks = z.chunks[ax]
    if any(math.isnan(c) for c in chunks):
        raise ValueError(
            f"cact.{fname}: z has unknown chunk sizes along axis {axis}; "
            "call z.compute_chunk_sizes() first"
        )
    n = sum(chunks)
    if n % pieces:
        raise ValueError(
            f"cact.{fname}: z.shape[{axis}] = {n} is not a multiple of pieces = {pieces}"
        )
    if all(c % pieces == 0 for c in chunks):
        return z
    size = max(1, round(chunks[0] / pieces)) * pieces
    return z.rechunk({ax: size})


def _group_chunks(chunks: tuple, ax: int, pieces: int) -> tuple:
    """The chunks of maxout's result: those of z with the axis' divided by pieces."""
    return tuple(
        tuple(c // pieces for c in cs) if i == ax else cs for i, cs in enumerate(chunks)
    )


def _dask_meta(dtype: np.dtype, ndim: int) -> np.ndarray:
    return np.empty((0,) * ndim, dtype=dtype)


def _maxout_dask(da, z, pieces, axis, out):
    fname = "maxout"
    _no_dask_out(fname, out)
    _, dt = _operand(fname, "z", z)  # the dtype check, on the dtype Dask reports
    pieces, ax = _pieces_axis(fname, pieces, axis, z.ndim)
    z = _whole_groups(fname, z, ax, axis, pieces)
    rdt = _result_dtype(ufuncs["_maxout_reduce"], (dt,))
    # Each block is a NumPy array in the worker, given to maxout's NumPy path
    # (the graph refers to it by reference, as cact._api.maxout).
    return da.map_blocks(
        maxout, z, pieces, ax, chunks=_group_chunks(z.chunks, ax, pieces), dtype=rdt,
        meta=_dask_meta(rdt, z.ndim),
    )


def _maxout_backward_dask(da, grad_output, z, pieces, axis, out):
    fname = "maxout_backward"
    _no_dask_out(fname, out)
    _no_mask(fname, "z", z, "-np.inf", "to leave masked entries out of the maxima")
    _no_mask(fname, "grad_output", grad_output, "0", "to give masked entries no gradient")
    # a NumPy operand beside a Dask one becomes a Dask array (one chunk per
    # block of the other after the rechunk below)
    z = z if isinstance(z, da.Array) else da.asarray(z)
    g = grad_output if isinstance(grad_output, da.Array) else da.asarray(grad_output)
    _, zdt = _operand(fname, "z", z)
    _, gdt = _operand(fname, "grad_output", g)
    pieces, ax = _pieces_axis(fname, pieces, axis, z.ndim)
    z = _whole_groups(fname, z, ax, axis, pieces)
    shape = z.shape[:ax] + (z.shape[ax] // pieces,) + z.shape[ax + 1:]
    if g.shape != shape:
        raise ValueError(
            f"cact.{fname}: grad_output has shape {g.shape} but maxout(z, {pieces}, "
            f"axis={axis}) has shape {shape}"
        )
    rdt = _result_dtype(ufuncs["_maxout_scatter"], (gdt, zdt))
    # grad_output's blocks must be the group maxima of z's blocks, one for one:
    # the chunks of z with the axis' chunks divided by pieces.
    g = g.rechunk(_group_chunks(z.chunks, ax, pieces))
    # Block (i, j, ...) of the result is maxout_backward of the blocks
    # (i, j, ...) of g and z.  align_arrays=False: blockwise would otherwise
    # "unify" the two arrays' chunks along the axis, whose lengths differ by
    # the factor pieces; the result takes z's chunks there.
    ind = tuple(range(z.ndim))
    return da.blockwise(
        maxout_backward, ind, g, ind, z, ind, pieces, None, ax, None,
        dtype=rdt, meta=_dask_meta(rdt, z.ndim), align_arrays=False, concatenate=True,
        adjust_chunks={ax: z.chunks[ax]},
    )


def maxout(z, pieces, axis=-1, *, out=None):
    da = _dask_array_module(z)
    if da is not None:
        return _maxout_dask(da, z, pieces, axis, out)
    fname = "maxout"
    z, dt, pieces, ax, m = _maxout_args(fname, z, pieces, axis)
    uf = ufuncs["_maxout_reduce"]
    rdt = _result_dtype(uf, (dt,))
    shape = z.shape[:ax] + (m,) + z.shape[ax + 1:]
    if out is None:
        out = np.empty(shape, dtype=rdt)
    else:
        _check_out(fname, out, shape, rdt)
    uf(_groups(z, ax, m, pieces), out=out if ax == z.ndim - 1 else np.moveaxis(out, ax, -1))
    return out


def maxout_backward(grad_output, z, pieces, axis=-1, *, out=None):
    da = _dask_array_module(z, grad_output)
    if da is not None:
        return _maxout_backward_dask(da, grad_output, z, pieces, axis, out)
    fname = "maxout_backward"
    z, zdt, pieces, ax, m = _maxout_args(fname, z, pieces, axis)
    _no_mask(fname, "grad_output", grad_output, "0", "to give masked entries no gradient")
    g, gdt = _operand(fname, "grad_output", grad_output)
    g = np.asarray(g)
    gdt = g.dtype
    shape = z.shape[:ax] + (m,) + z.shape[ax + 1:]
    if g.shape != shape:
        raise ValueError(
            f"cact.{fname}: grad_output has shape {g.shape} but maxout(z, {pieces}, "
            f"axis={axis}) has shape {shape}"
        )
    uf = ufuncs["_maxout_scatter"]
    rdt = _result_dtype(uf, (gdt, zdt))
    if out is None:
        out = np.empty(z.shape, dtype=rdt)
    else:
        _check_out(fname, out, z.shape, rdt)
    out_groups = _groups(out, ax, m, pieces)
    g_last = g if ax == z.ndim - 1 else np.moveaxis(g, ax, -1)
    if _widens_float(rdt, gdt, zdt):
        with np.errstate(invalid="ignore"):
            uf(g_last, _groups(z, ax, m, pieces), out=out_groups)
    else:
        uf(g_last, _groups(z, ax, m, pieces), out=out_groups)
    return out


# The public maxout functions are the compiled wrappers of _core: a fast path
# for exact C-contiguous float32/float64 arrays with the groups along the last
# axis, and these validating implementations for everything else.
_maxout_slow, _maxout_backward_slow = maxout, maxout_backward

maxout.__doc__ = f"""Maxout: the maximum over consecutive groups of ``pieces`` entries.

    {MAXOUT["f"]}

Maxout takes the max of k = ``pieces`` linear pieces computed by the previous
layer; it generalises ReLU (``maxout(stack([x, 0]))``) and Leaky ReLU at k
times the compute.

Parameters
----------
z : array_like
    Pre-activations; ``z.shape[axis]`` must be a multiple of ``pieces``.
pieces : int
    Group size k >= 1.
axis : int, default -1
    The axis holding the groups.
out : ndarray, optional
    Where to write the result, of shape ``z.shape`` with ``z.shape[axis] //
    pieces`` at ``axis`` and the result's dtype.

Returns
-------
ndarray
    The group maxima.  A NaN in a group gives NaN (as ``np.max``).

Raises
------
ValueError
    ``pieces < 1`` or a length that is not a multiple of ``pieces``;
    ``numpy.exceptions.AxisError`` (a ValueError) for a bad axis.
TypeError
    Non-integer ``pieces`` or ``axis``, unsupported dtypes, a masked array
    (its mask would be ignored: pass ``z.filled(-np.inf)``).

Notes
-----
Array-likes are converted with ``np.asarray``; ndarray subclasses
(``np.matrix``) give a plain ndarray.

A Dask array gives a lazy Dask array, computed block by block (``out`` must
then be None).  Every chunk along ``axis`` must hold whole groups: where a
chunk length is not a multiple of ``pieces``, ``z`` is rechunked along
``axis`` (only) to the multiple of ``pieces`` nearest its first chunk, so
chunk that axis in multiples of ``pieces`` to avoid the rechunk.  Unknown
chunk sizes along ``axis`` are a ``ValueError``.

Examples
--------
>>> import numpy as np, cact
>>> z = np.array([[1.0, 3.0, -2.0, -5.0], [0.5, 0.5, 4.0, 2.0]])
>>> cact.maxout(z, 2)
array([[ 3. , -2. ],
       [ 0.5,  4. ]])
"""

maxout_backward.__doc__ = f"""Backward pass of :func:`maxout`.

    {MAXOUT["backward"]}

The arg-max of each group is recomputed from ``z`` (the first maximum on ties
and the first NaN, exactly as ``np.argmax``), so no indices need to be saved
by the forward pass.

Parameters
----------
grad_output : array_like
    Gradient with respect to ``maxout(z, pieces, axis)``, of that shape.
z : array_like
    Input of the forward pass.
pieces, axis : int
    As given to :func:`maxout`.
out : ndarray, optional
    Where to write the result, shaped like ``z``.

Returns
-------
ndarray
    Shaped like ``z``: each gradient at its group's arg-max, zeros elsewhere.

Raises
------
As :func:`maxout`, and ``ValueError`` for a ``grad_output`` not shaped like
``maxout(z, pieces, axis)``; masked arrays are a ``TypeError``.

Notes
-----
If ``z`` or ``grad_output`` is a Dask array, the result is a lazy Dask array
chunked like ``z`` (a NumPy operand is converted with ``dask.array.asarray``).
``z`` is rechunked along ``axis`` as in :func:`maxout` where its chunks there
are not multiples of ``pieces``, and ``grad_output`` to the matching chunks.

Examples
--------
>>> import numpy as np, cact
>>> z = np.array([1.0, 3.0, 3.0, -5.0])
>>> cact.maxout_backward(np.array([10.0, 20.0]), z, 2)
array([ 0., 10., 20.,  0.])
"""


for _slow in (_maxout_slow, _maxout_backward_slow):
    _fast = getattr(_core, _slow.__name__)
    _core._SLOW[_slow.__name__] = _slow
    _fast.__doc__ = _slow.__doc__
    _fast.__signature__ = inspect.signature(_slow)
    _fast.__module__ = "cact"
    _fast.__qualname__ = _slow.__name__
    globals()[_slow.__name__] = _fast
maxout, maxout_backward = _core.maxout, _core.maxout_backward


# --------------------------------------------------------- axis operations
# softmax, log_softmax and their backward passes: gufuncs "(n)->(n)" and
# "(n),(n)->(n)" over the axis moved last (the "rows" kind of AXIS_OPS in
# cact/_table.py).  One helper validates, allocates and calls for all four,
# and one makes the Dask graph.
def _axis_index(fname: str, axis, ndim: int) -> int:
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"cact.{fname}: axis must be an integer, got {type(axis).__name__}") from None
    if isinstance(axis, (bool, np.bool_)):
        raise TypeError(f"cact.{fname}: axis must be an integer, got bool")
    if ndim == 0:
        raise ValueError(f"cact.{fname}: the input is 0-d; an axis operation needs at least 1 dimension")
    return normalize_axis_index(axis, ndim)  # AxisError (a ValueError) if out of range


def _axis_call(fname: str, names: tuple, operands: tuple, axis, out):
    """Validate, allocate and run the axis operation ``fname`` over ``axis``.

    Every check happens before the ufunc runs, so an error leaves ``out``
    untouched."""
    ops, dts = [], []
    for argname, obj in zip(names, operands):
        _no_mask(fname, argname, obj, "a value", "(cact would ignore the mask)")
        obj, dt = _operand(fname, argname, obj)
        a = np.asarray(obj)  # foreign types and subclasses: their NumPy view
        if dt is None or dt is float or dt is int:
            _, dt = _operand(fname, argname, a)
        ops.append(a)
        dts.append(a.dtype)
    shape = ops[0].shape
    for argname, a in zip(names[1:], ops[1:]):
        if a.shape != shape:
            raise ValueError(
                f"cact.{fname}: {argname} has shape {a.shape} but {names[0]} has shape {shape}"
            )
    ax = _axis_index(fname, axis, len(shape))
    uf = ufuncs["_" + fname]
    rdt = _result_dtype(uf, tuple(dts))
    if out is None:
        out = np.empty(shape, dtype=rdt)
    else:
        _check_out(fname, out, shape, rdt)
    last = ax == len(shape) - 1
    moved = [a if last else np.moveaxis(a, ax, -1) for a in ops]
    o = out if last else np.moveaxis(out, ax, -1)
    if _widens_float(rdt, *dts):
        with np.errstate(invalid="ignore"):
            uf(*moved, out=o)
    else:
        uf(*moved, out=o)
    return out


def _axis_dask(da, fn, fname: str, names: tuple, operands: tuple, axis, out):
    """The lazy Dask form: every block holds whole rows along ``axis``
    (rechunked to one chunk there when it is split: ``{axis: -1}``, the other
    axes keep their chunks), and each block goes to ``fn``'s NumPy path in the
    worker.  Nothing is computed here."""
    _no_dask_out(fname, out)
    arrs, dts = [], []
    for argname, obj in zip(names, operands):
        a = obj if isinstance(obj, da.Array) else da.asarray(obj)
        _, dt = _operand(fname, argname, a)  # the dtype check, on Dask's dtype
        arrs.append(a)
        dts.append(dt)
    shape = arrs[0].shape
    for argname, a in zip(names[1:], arrs[1:]):
        if a.shape != shape:
            raise ValueError(
                f"cact.{fname}: {argname} has shape {a.shape} but {names[0]} has shape {shape}"
            )
    ax = _axis_index(fname, axis, len(shape))
    if any(math.isnan(c) for c in arrs[0].chunks[ax]):
        raise ValueError(
            f"cact.{fname}: {names[0]} has unknown chunk sizes along axis {axis}; "
            "call compute_chunk_sizes() first"
        )
    first = arrs[0] if len(arrs[0].chunks[ax]) == 1 else arrs[0].rechunk({ax: -1})
    arrs = [first] + [a.rechunk(first.chunks) for a in arrs[1:]]
    rdt = _result_dtype(ufuncs["_" + fname], tuple(dts))
    return da.map_blocks(fn, *arrs, axis=ax, dtype=rdt, meta=_dask_meta(rdt, len(shape)))


def softmax(x, axis=-1, *, out=None):
    da = _dask_array_module(x)
    if da is not None:
        return _axis_dask(da, softmax, "softmax", ("x",), (x,), axis, out)
    return _axis_call("softmax", ("x",), (x,), axis, out)


def log_softmax(x, axis=-1, *, out=None):
    da = _dask_array_module(x)
    if da is not None:
        return _axis_dask(da, log_softmax, "log_softmax", ("x",), (x,), axis, out)
    return _axis_call("log_softmax", ("x",), (x,), axis, out)


def softmax_backward(grad_output, y, axis=-1, *, out=None):
    da = _dask_array_module(grad_output, y)
    if da is not None:
        return _axis_dask(da, softmax_backward, "softmax_backward", ("grad_output", "y"),
                          (grad_output, y), axis, out)
    return _axis_call("softmax_backward", ("grad_output", "y"), (grad_output, y), axis, out)


def log_softmax_backward(grad_output, y, axis=-1, *, out=None):
    da = _dask_array_module(grad_output, y)
    if da is not None:
        return _axis_dask(da, log_softmax_backward, "log_softmax_backward", ("grad_output", "y"),
                          (grad_output, y), axis, out)
    return _axis_call("log_softmax_backward", ("grad_output", "y"), (grad_output, y), axis, out)


_AXIS_COMMON = """
Conventions
-----------
NumPy's, as for the elementwise functions: any shape and strides, any axis
(negative counts from the end), float32 stays float32 and float64 float64
(bools and integers converted as there), ``out=`` a writable array of the
result's shape and dtype; ``out={inplace}`` works in place.  The GIL is
released; independent rows are spread over cact's threads (a row is never
split, so results are bitwise the same for any thread count and layout).

Accuracy: every output within 2 ULP of the correctly rounded result for rows
up to 10^5 long (measured: 1 ULP; tests/test_softmax.py checks it against
mpmath and exact float64 references).  float32 is computed in double (sums in
float64), float64 with double-word arithmetic and compensated sums; the
exponentials come from cact's exp core.

Dask: a Dask array gives a lazy Dask array.  Each block must hold whole rows
along ``axis``: where the axis is split over several chunks it is rechunked
to one chunk along that axis only (``x.rechunk({{axis: -1}})``; chunk the
other axes to bound the block size).  The whole array is never computed in
memory.  ``out`` must then be None.
"""

softmax.__doc__ = """Softmax along an axis: ``exp(x - max x) / sum(exp(x - max x))``.

    softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j

Numerically stable for any finite input (the max is subtracted first), rows of
any length (1 gives 1.0).  A row holding NaN or +inf, or only -inf, gives NaN
everywhere (as ``torch.softmax``); -inf entries beside a finite max give 0.

Parameters
----------
x : array_like
axis : int, default -1
out : ndarray, optional

Returns
-------
ndarray
    Same shape as ``x``; each row along ``axis`` sums to 1.
""" + _AXIS_COMMON.format(inplace="x") + """
Examples
--------
>>> import numpy as np, cact
>>> cact.softmax(np.array([1.0, 2.0, 3.0]))
array([0.09003057, 0.24472847, 0.66524096])
>>> cact.softmax(np.array([[0.0, 1000.0], [0.0, 0.0]]), axis=1)
array([[0. , 1. ],
       [0.5, 0.5]])
"""

log_softmax.__doc__ = """Log-softmax along an axis: ``(x - max x) - log(sum(exp(x - max x)))``.

    log_softmax(x)_i = (x_i - m) - log(sum_j exp(x_j - m)),   m = max_j x_j

The logarithm is ``log1p`` of the sum without the max term, so a row
dominated by one entry keeps full relative accuracy there (``log_softmax([0,
-40])[0]`` is ``-4.25e-18``, not 0).  Special values as :func:`softmax`;
-inf entries beside a finite max give -inf.

Parameters
----------
x : array_like
axis : int, default -1
out : ndarray, optional

Returns
-------
ndarray
    Same shape as ``x``, every entry <= 0.
""" + _AXIS_COMMON.format(inplace="x") + """
Examples
--------
>>> import numpy as np, cact
>>> cact.log_softmax(np.array([1.0, 2.0, 3.0]))
array([-2.40760596, -1.40760596, -0.40760596])
"""

softmax_backward.__doc__ = """Backward pass of :func:`softmax` from its output y.

    grad_x_i = y_i (g_i - sum_j g_j y_j)

Parameters
----------
grad_output : array_like
    Gradient with respect to ``y``, shaped like ``y``.
y : array_like
    ``softmax(x, axis)``, the forward's output.
axis : int, default -1
out : ndarray, optional

Returns
-------
ndarray
    The gradient with respect to x.  Where g_i and sum(g y) cancel, the
    error is relative to the larger of them (float32: products and the sum
    in float64, then y (g - sum) in float32, within 0.5 ULP plus 3 unit
    roundoffs of the larger term; float64: exact products, compensated sum,
    one final rounding).
""" + _AXIS_COMMON.format(inplace="grad_output") + """
Examples
--------
>>> import numpy as np, cact
>>> y = cact.softmax(np.array([0.0, 0.0]))
>>> cact.softmax_backward(np.array([1.0, 0.0]), y)
array([ 0.25, -0.25])
"""

log_softmax_backward.__doc__ = """Backward pass of :func:`log_softmax` from its output y.

    grad_x_i = g_i - exp(y_i) sum_j g_j

Parameters
----------
grad_output : array_like
    Gradient with respect to ``y``, shaped like ``y``.
y : array_like
    ``log_softmax(x, axis)``, the forward's output (log-probabilities, <= 0).
axis : int, default -1
out : ndarray, optional

Returns
-------
ndarray
    The gradient with respect to x.  Where g_i and exp(y_i) sum(g) cancel,
    the error is relative to the larger of them (float32 on AVX2 and
    AVX-512 CPUs: the sum in float64, then exp(y) in float32 within 1.4
    unit roundoffs and g - exp(y) sum in one fused multiply-add, within
    0.5 ULP plus 2.4 unit roundoffs of the larger term; elsewhere in
    float64, rounded once; float64: compensated sum, exp(y) from the
    float64 exp core, 0.5 ULP plus 2 unit roundoffs with a fused
    multiply-add, 1.6 without).
""" + _AXIS_COMMON.format(inplace="grad_output") + """
Examples
--------
>>> import numpy as np, cact
>>> y = cact.log_softmax(np.array([0.0, 0.0]))
>>> cact.log_softmax_backward(np.array([1.0, 0.0]), y)
array([ 0.5, -0.5])
"""

for _slow in (softmax, log_softmax, softmax_backward, log_softmax_backward):
    assert AXIS_BY_NAME[_slow.__name__].kind == "rows"
    _fast = getattr(_core, _slow.__name__)
    _core._SLOW[_slow.__name__] = _slow
    _fast.__doc__ = _slow.__doc__
    _fast.__signature__ = inspect.signature(_slow)
    _fast.__module__ = "cact"
    _fast.__qualname__ = _slow.__name__
    globals()[_slow.__name__] = _fast
