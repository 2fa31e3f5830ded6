"""Monitoring in the forward pass: ``cact.forward_with_stats``.

A training loop that wants to know how many units are saturated (sigmoid and
tanh near 0 or 1/±1, where f' vanishes and so do the gradients through them)
or dead (ReLU outputs stuck at exactly 0) would otherwise make a second pass
over every activation array: ``np.count_nonzero(y == 0)`` reads 10^7 floats
again, and counting saturation needs the derivative as well.  Here the
counts come out of the forward's own loop: the compiled stats kernels
(``src/cact_kernels.inc.tp``, "stats") compute y = f(x) as the plain forward
does, bitwise, and add up the two conditions while each element is in a
register; each thread adds its chunk's counts to the total once.

Why one separate function rather than a ``stats=True`` keyword on every
forward: a NumPy function returns one kind of thing (``np.unique``'s
``return_counts`` flags make its return type depend on arguments, which
type checkers and readers both stumble on); the forwards keep their
signatures, their return types and their compiled fast path untouched; and
monitoring is something a loop does now and then for a few layers, where
``y, stats = cact.forward_with_stats(cact.relu, h, out=h)`` reads as what it
is.
"""

from __future__ import annotations

import decimal
import math
from typing import NamedTuple

import numpy as np

from . import _core
from ._api import (
    _F32,
    _F64,
    _UNARY_BASE,
    _FLT_MAX,
    _bind,
    _check_out,
    _operand,
    _param,
    _result_dtype,
)
from ._table import BY_NAME

__all__ = ["ActivationStats", "forward_with_stats"]


class ActivationStats(NamedTuple):
    """Counts from one forward call of ``cact.forward_with_stats``.

    saturated
        Elements where the derivative is below the threshold in magnitude,
        ``|f'| < threshold`` (the gradient through them is damped by more
        than that factor).
    dead
        Outputs exactly zero, ``f(x) == 0`` (either sign): for ReLU, the units
        that pass no gradient at all.
    size
        Elements in the call.
    """

    saturated: int
    dead: int
    size: int

    @property
    def saturated_fraction(self) -> float:
        """``saturated / size`` (0.0 for an empty array)."""
        return self.saturated / self.size if self.size else 0.0

    @property
    def dead_fraction(self) -> float:
        """``dead / size`` (0.0 for an empty array)."""
        return self.dead / self.size if self.size else 0.0


_FNAME = "forward_with_stats"


def _row(activation):
    """The table row for ``activation``: a row's name or cact's forward
    function itself (``cact.relu``)."""
    if isinstance(activation, str):
        name = activation
    elif callable(activation) and getattr(activation, "__module__", None) == "cact":
        name = getattr(activation, "__name__", "")
    else:
        raise TypeError(
            f"cact.{_FNAME}: activation must be the name of an elementwise activation "
            f"(e.g. 'relu') or one of cact's forward functions (e.g. cact.relu), "
            f"got {type(activation).__name__}"
        )
    if name == "maxout":
        raise ValueError(
            f"cact.{_FNAME}: maxout is not elementwise (it reduces groups of inputs); "
            "count on its output instead, e.g. np.count_nonzero(cact.maxout(z, k) == 0)"
        )
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(
            f"cact.{_FNAME}: unknown activation {name!r}; one of: "
            + ", ".join(sorted(BY_NAME))
        ) from None


def _threshold(value, rdt) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                     np.floating)):
        raise TypeError(
            f"cact.{_FNAME}: threshold must be a real number, got {type(value).__name__}"
        )
    t = float(value)
    if not math.isfinite(t) or t < 0:
        raise ValueError(
            f"cact.{_FNAME}: threshold must be finite and >= 0, got {t} "
            "(|f'| < threshold counts as saturated; 0 counts nothing)"
        )
    if rdt == _F32 and t > _FLT_MAX:
        raise ValueError(
            f"cact.{_FNAME}: threshold={t} is outside the float32 range of the computation"
        )
    return t


_CTX = decimal.Context(prec=420)  # 6 - 2^-1200 (cact._table._EPS) needs 362 digits


def _up(v, dt) -> float:
    """The least number of dtype dt >= v (v a Decimal or a float), so that
    for y of that dtype, y < v exactly when y < the result."""
    f = float(v)  # nearest double (inf beyond the range)
    if not math.isinf(f) and decimal.Decimal(f) < v:
        f = math.nextafter(f, math.inf)
    if dt == _F32 and not math.isinf(f):
        with np.errstate(over="ignore"):
            r = np.float32(f)
        if float(r) < f:
            r = np.nextafter(r, np.float32(np.inf))
        f = float(r)
    return f


def _down(v, dt) -> float:
    """The greatest number of dtype dt <= v."""
    return -_up(-v, dt)


def _plan(act, ps: tuple, t: float, dt) -> tuple[str, float, float]:
    """The stats kernel and its two scalars for row act, parameters ps,
    threshold t and dtype dt: the interval test on y (saturated_y, on exact
    decimals, its ends rounded outwards) where the row has one and the
    parameters are inside its y-form, else f'(x) < t."""
    # the parameters as the kernel computes with them (float32: rounded)
    ps = tuple(float(dt.type(v)) for v in ps)
    if act.saturated_y is not None and all(
            p.y_min is None or v >= p.y_min for p, v in zip(act.params, ps)):
        with decimal.localcontext(_CTX):
            D = decimal.Decimal
            lo, hi = act.saturated_y(D(t), *[D(v) for v in ps])
            return f"{act.name}_stats_y", _up(lo, dt), _down(hi, dt)
    return f"{act.name}_stats_x", _up(t, dt), 0.0


# (activation as passed, dtype, threshold) -> (row, default parameters, plan)
# for calls with the default parameters (the fast path); activation -> row
_PLANS: dict = {}
_ROWS: dict = {}


def forward_with_stats(activation, x, *params, out=None, threshold=0.01, **kwparams):
    """The forward pass of an activation, counting saturated and dead outputs
    in the same pass.

    ``y = f(x)`` exactly as ``cact.<activation>(x, ..., out=out)`` computes it
    (bitwise), and, read from the same loop, the number of elements where

    * ``|f'| < threshold`` (saturated): the derivative is the one cact
      computes itself, from the output y (``f_backward(1, y=y)``, no second
      exponential) where the activation has a y-form for these parameters,
      else from x (``f_grad(x)``);
    * ``f(x) == 0`` (dead; +0.0 or -0.0).

    For ReLU both counts are the units with x <= 0 (f' = 0 there); Leaky
    ReLU's negative side has slope alpha, so it counts as saturated exactly
    when ``|alpha| < threshold`` and is dead only at x = 0; sigmoid and tanh
    count |x| beyond about 4.6 and 3.0 at the default threshold 0.01; ELU (alpha
    = 1) x below about -4.6.  NaN inputs count as neither.

    Parameters
    ----------
    activation : str or callable
        An elementwise activation of the table, by name (``"relu"``) or as
        cact's forward function (``cact.relu``).
    x : array_like
        Input, float32 or float64 (bool and integers are converted as the
        forward converts them); any shape and strides.
    *params, **kwparams : float
        The activation's parameters, as in its forward (``alpha=0.1``).
    out : ndarray, optional
        Where to write y: a writable array of the result's shape and dtype.
        ``out=x`` computes in place.
    threshold : float, optional
        Saturation threshold on ``|f'|``, finite and >= 0 (default 0.01).

    Returns
    -------
    y : ndarray or scalar
        f(x) (``out`` when given; a NumPy scalar for scalar input).
    stats : ActivationStats
        ``(saturated, dead, size)`` with ``saturated_fraction`` and
        ``dead_fraction``.

    Raises
    ------
    TypeError
        An unknown kind of activation, x or threshold; an array type that
        computes lazily (Dask: counts need the data now; map over blocks).
    ValueError
        An unknown activation name, maxout (not elementwise), a parameter or
        threshold out of range, ``out`` of the wrong shape or read-only.
        Nothing is written when an error is raised.

    Notes
    -----
    The counts cost a compare and an add per element beside the forward
    (``bench/monitor.py`` measures the cost against the plain call).  They
    are exact for any number of threads: each thread counts its own chunks.

    Examples
    --------
    >>> import numpy as np, cact
    >>> h = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], dtype=np.float32)
    >>> y, stats = cact.forward_with_stats(cact.relu, h, out=h)
    >>> stats
    ActivationStats(saturated=3, dead=3, size=5)
    >>> s = cact.forward_with_stats("sigmoid", np.array([-8.0, 0.0, 8.0]))[1]
    >>> s.saturated, round(s.saturated_fraction, 3)
    (2, 0.667)
    """
    # Fast path: an exact C-contiguous float32/float64 ndarray, computed in
    # place or into a new array, default parameters, a float threshold seen
    # before with this activation and dtype.
    dt = getattr(x, "dtype", None)
    if (type(x) is np.ndarray and (dt is _F32 or dt is _F64) and x.flags.c_contiguous
            and x.ndim and (out is None or out is x) and not params and not kwparams
            and type(threshold) is float):
        try:
            kernel, lo, hi, defaults = _PLANS[activation, dt, threshold]
        except (KeyError, TypeError):  # TypeError: an unhashable activation
            pass
        else:
            y = np.empty(x.shape, dt) if out is None else x
            s, d = _core._stats_1d(kernel, x, y, defaults, lo, hi)
            return y, ActivationStats(s, d, x.size)
    try:
        act = _ROWS[activation]
    except (KeyError, TypeError):
        act = _row(activation)
        try:
            _ROWS[activation] = act
        except TypeError:
            pass
    values = _bind(_FNAME, act, params, kwparams)
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            f"cact.{_FNAME}: x is a masked array, whose masked elements would be counted; "
            "pass x.compressed() to count only the unmasked ones, or np.ma.getdata(x)"
        )
    obj, dt = _operand(_FNAME, "x", x)
    if not (isinstance(obj, (np.ndarray, np.generic, bool)) or dt is float or dt is int):
        raise TypeError(
            f"cact.{_FNAME}: x is a {type(x).__name__}, whose data is not at hand as a "
            "NumPy array (the counts need it now); pass np.asarray(x), or map the "
            "function over the blocks of a Dask array"
        )
    rdt = _result_dtype(_UNARY_BASE, (dt,))
    ps = tuple(_param(_FNAME, p.name, v, rdt) for p, v in zip(act.params, values))
    thr = _threshold(threshold, rdt)
    scalar_in = not isinstance(obj, np.ndarray)
    xa = np.asarray(obj, dtype=rdt)
    if out is not None:
        _check_out(_FNAME, out, xa.shape, rdt)
    kernel, lo, hi = _plan(act, ps, thr, rdt)
    if not params and not kwparams and type(threshold) is float and rdt in (_F32, _F64):
        if len(_PLANS) > 1024:  # a loop sweeping the threshold
            _PLANS.clear()
        try:
            _PLANS[activation, rdt, threshold] = (kernel, lo, hi, ps)
        except TypeError:
            pass

    if out is None:
        y = np.empty_like(xa, order="K")
    else:
        y = out
        same = (xa.__array_interface__["data"][0] == y.__array_interface__["data"][0]
                and xa.strides == y.strides)
        if not same and np.may_share_memory(xa, y):
            xa = xa.copy()  # a partial overlap: read from a copy
    counts = [0, 0]
    if xa.size:
        order = ("C" if xa.flags.c_contiguous and y.flags.c_contiguous
                 else "F" if xa.flags.f_contiguous and y.flags.f_contiguous else None)
        if order is not None:
            pieces = [(xa.reshape(-1, order=order), y.reshape(-1, order=order))]
        else:
            it = np.nditer([xa, y], flags=["external_loop", "zerosize_ok"],
                           op_flags=[["readonly"], ["readwrite"]], order="K")
            pieces = it
        for xs, ys in pieces:
            s, d = _core._stats_1d(kernel, xs, ys, ps, lo, hi)
            counts[0] += s
            counts[1] += d
    stats = ActivationStats(int(counts[0]), int(counts[1]), int(xa.size))
    if out is None and (scalar_in or y.ndim == 0):
        return y[()], stats
    return y, stats
