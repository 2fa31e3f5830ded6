"""Plain-NumPy equivalents of cact's functions, for speed comparisons.

These are the baselines of ``bench/bench.py`` and of the ``python -m cact``
demonstration: what a careful NumPy user would write, in place, with ``out=``
so that no temporary array is allocated (scratch buffers come from a
``Workspace`` allocated before the timing starts).  Masked ``where=`` ufunc
calls and ``np.copyto(..., where=)`` are avoided on purpose: on random signs
they are an order of magnitude slower than the branch-free arithmetic used
here.

They are speed references, *not* accuracy references (the tests have their
own): they use the textbook formulas, which are accurate on the benchmark
domain (inputs in [-8, 8]) but may overflow or lose accuracy in the tails,
and may not follow cact's NaN and signed-zero conventions.  Callers should
run them under ``np.errstate(all="ignore")``.

Layout::

    NUMPY_REF[name][variant] -> tuple of candidate implementations

built from the table: each row lists the names of its functions here in
``Activation.peers.numpy`` (``cact/_table.py``).  They are optional: a row or
variant without one has no entry, and the benchmark and ``python -m cact``
show cact alone there (tests/test_peers.py checks the ones that exist).

``variant`` is one of ``f``, ``grad`` (``fn(x, ws, **params)``, result written
into ``x``), ``backward_x`` (``fn(g, x, ws, **params)``) and ``backward_y``
(``fn(g, y, ws, **params)``), both writing ``g * f'`` into ``g`` and leaving
``x`` / ``y`` untouched.  ``params`` are the row's parameters (``alpha=``).
When a variant has several candidates, the benchmark times each and compares
cact with the fastest; the first candidate is the plain textbook one.

``MAXOUT_REF["f"](z, pieces, out, ws)`` and
``MAXOUT_REF["backward"](g, z, pieces, out, ws)`` work on 2-D ``z`` with the
groups along the last axis.

A table row without an entry here is still benchmarked, with no baseline.
This module is not part of the public API.
"""

from __future__ import annotations

import numpy as np

from cact._table import ACTIVATIONS

__all__ = ["Workspace", "NUMPY_REF", "MAXOUT_REF", "candidates"]


class Workspace:
    """Scratch buffers shaped like ``like``, allocated once on first use."""

    def __init__(self, like: np.ndarray):
        self._shape = like.shape
        self._dtype = like.dtype
        self._bufs: dict = {}

    def float(self, i: int = 0) -> np.ndarray:
        key = ("f", i)
        buf = self._bufs.get(key)
        if buf is None:
            buf = self._bufs[key] = np.empty(self._shape, self._dtype)
        return buf

    def bool(self, i: int = 0) -> np.ndarray:
        key = ("b", i)
        buf = self._bufs.get(key)
        if buf is None:
            buf = self._bufs[key] = np.empty(self._shape, np.bool_)
        return buf

    def get(self, key, factory):
        """Any other scratch object, made by ``factory()`` on first use."""
        buf = self._bufs.get(key)
        if buf is None:
            buf = self._bufs[key] = factory()
        return buf


# ------------------------------------------------------------------ sigmoid
def _sigmoid_f(x, ws):
    # 1 / (1 + exp(-x))
    np.negative(x, out=x)
    np.exp(x, out=x)
    x += 1
    np.reciprocal(x, out=x)


def _sigmoid_f_tanh(x, ws):
    # 0.5 * tanh(0.5 x) + 0.5  (the same function; faster where np.tanh is)
    x *= 0.5
    np.tanh(x, out=x)
    x *= 0.5
    x += 0.5


def _sigmoid_grad(x, ws):
    # e / (1 + e)**2 with e = exp(-x)
    t = ws.float()
    np.negative(x, out=x)
    np.exp(x, out=x)
    np.add(x, 1, out=t)
    np.square(t, out=t)
    np.divide(x, t, out=x)


def _sigmoid_backward_x(g, x, ws):
    t = ws.float()
    np.negative(x, out=t)
    np.exp(t, out=t)
    g *= t
    t += 1
    np.square(t, out=t)
    g /= t


def _sigmoid_backward_y(g, y, ws):
    # g * y * (1 - y)
    t = ws.float()
    np.subtract(1, y, out=t)
    t *= y
    g *= t


# --------------------------------------------------------------------- tanh
def _tanh_f(x, ws):
    np.tanh(x, out=x)


def _tanh_grad(x, ws):
    # 1 - tanh(x)**2
    np.tanh(x, out=x)
    np.square(x, out=x)
    np.subtract(1, x, out=x)


def _tanh_backward_x(g, x, ws):
    t = ws.float()
    np.tanh(x, out=t)
    np.square(t, out=t)
    np.subtract(1, t, out=t)
    g *= t


def _tanh_backward_y(g, y, ws):
    t = ws.float()
    np.square(y, out=t)
    np.subtract(1, t, out=t)
    g *= t


# --------------------------------------------------------------------- relu
def _relu_f(x, ws):
    np.maximum(x, 0, out=x)


def _relu_grad(x, ws):
    np.greater(x, 0, out=x)  # bool -> float cast into x


def _relu_backward(g, v, ws):
    m = ws.bool()
    np.greater(v, 0, out=m)
    np.multiply(g, m, out=g)


# --------------------------------------------------------------- leaky_relu
def _leaky_relu_f(x, ws, alpha=0.01):
    # max(x, alpha x) for alpha <= 1, min(x, alpha x) for alpha > 1
    t = ws.float()
    np.multiply(x, alpha, out=t)
    (np.maximum if alpha <= 1 else np.minimum)(x, t, out=x)


def _leaky_relu_grad(x, ws, alpha=0.01):
    # (x > 0) * (1 - alpha) + alpha
    np.greater(x, 0, out=x)
    x *= 1 - alpha
    x += alpha


def _leaky_relu_backward(g, v, ws, alpha=0.01):
    t = ws.float()
    np.greater(v, 0, out=t)
    t *= 1 - alpha
    t += alpha
    g *= t


# ---------------------------------------------------------------------- elu
def _elu_f(x, ws, alpha=1.0):
    # max(x, 0) + alpha * expm1(min(x, 0))
    t = ws.float()
    np.minimum(x, 0, out=t)
    np.expm1(t, out=t)
    t *= alpha
    np.maximum(x, 0, out=x)
    x += t


# --------------------------------------------------------------------- selu
_SELU_SCALE, _SELU_ALPHA = 1.0507009873554805, 1.6732632423543772


def _selu_f(x, ws):
    # scale * (max(x, 0) + alpha * expm1(min(x, 0)))
    _elu_f(x, ws, alpha=_SELU_ALPHA)
    x *= _SELU_SCALE


def _elu_grad(x, ws, alpha=1.0):
    # alpha * exp(min(x, 0)) + (1 - alpha) * (x > 0)
    t = ws.float()
    np.minimum(x, 0, out=t)
    np.exp(t, out=t)
    t *= alpha
    np.greater(x, 0, out=x)
    x *= 1 - alpha
    x += t


def _elu_backward_x(g, x, ws, alpha=1.0):
    t, u = ws.float(0), ws.float(1)
    np.minimum(x, 0, out=t)
    np.exp(t, out=t)
    t *= alpha
    np.greater(x, 0, out=u)
    u *= 1 - alpha
    t += u
    g *= t


def _elu_backward_y(g, y, ws, alpha=1.0):
    # 1 if y > 0 else y + alpha  ==  min(y, 0) + alpha + (1 - alpha) * (y > 0)
    t, u = ws.float(0), ws.float(1)
    np.minimum(y, 0, out=t)
    t += alpha
    np.greater(y, 0, out=u)
    u *= 1 - alpha
    t += u
    g *= t


# ----------------------------------------------------------------- hardtanh
def _hardtanh_f(x, ws, min_val=-1.0, max_val=1.0):
    np.clip(x, min_val, max_val, out=x)


def _hardtanh_grad(x, ws, min_val=-1.0, max_val=1.0):
    m, n = ws.bool(0), ws.bool(1)
    np.greater(x, min_val, out=m)
    np.less(x, max_val, out=n)
    np.logical_and(m, n, out=x)


def _hardtanh_backward(g, v, ws, min_val=-1.0, max_val=1.0):
    m, n = ws.bool(0), ws.bool(1)
    np.greater(v, min_val, out=m)
    np.less(v, max_val, out=n)
    m &= n
    np.multiply(g, m, out=g)


# -------------------------------------------------------------------- relu6
def _relu6_f(x, ws):
    np.clip(x, 0, 6, out=x)


def _relu6_grad(x, ws):
    # (x > 0) & (x < 6), the bool cast into x
    m, n = ws.bool(0), ws.bool(1)
    np.greater(x, 0, out=m)
    np.less(x, 6, out=n)
    np.logical_and(m, n, out=x)


def _relu6_backward(g, v, ws):
    m, n = ws.bool(0), ws.bool(1)
    np.greater(v, 0, out=m)
    np.less(v, 6, out=n)
    m &= n
    np.multiply(g, m, out=g)


# -------------------------------------------------------------- hardsigmoid
def _hardsigmoid_f(x, ws):
    x += 3
    np.clip(x, 0, 6, out=x)
    x /= 6


def _hardsigmoid_grad(x, ws):
    m, n = ws.bool(0), ws.bool(1)
    np.greater(x, -3, out=m)
    np.less(x, 3, out=n)
    np.logical_and(m, n, out=x)
    x /= 6


def _hardsigmoid_backward(g, v, ws, lo=-3, hi=3):
    m, n = ws.bool(0), ws.bool(1)
    np.greater(v, lo, out=m)
    np.less(v, hi, out=n)
    m &= n
    np.multiply(g, m, out=g)
    g /= 6


def _hardsigmoid_backward_y(g, y, ws):
    _hardsigmoid_backward(g, y, ws, 0, 1)


def _from_rows() -> dict[str, dict[str, tuple]]:
    """NUMPY_REF from the table: each row names its functions here
    (``Activation.peers.numpy``), so a new row brings its own entry."""
    here = globals()
    return {
        act.name: {variant: tuple(here[fn] for fn in names)
                   for variant, names in act.peers.numpy.items()}
        for act in ACTIVATIONS if act.peers.numpy
    }


NUMPY_REF: dict[str, dict[str, tuple]] = _from_rows()


# ------------------------------------------------------------------- maxout
def _maxout_f(z, pieces, out, ws):
    rows, cols = z.shape
    np.max(z.reshape(rows, cols // pieces, pieces), axis=-1, out=out)


def _maxout_f_pairwise(z, pieces, out, ws):
    # np.maximum over the strided pieces: much faster than a reduction over a short axis
    rows, cols = z.shape
    zr = z.reshape(rows, cols // pieces, pieces)
    if pieces == 1:
        np.copyto(out, zr[..., 0])
        return
    np.maximum(zr[..., 0], zr[..., 1], out=out)
    for j in range(2, pieces):
        np.maximum(out, zr[..., j], out=out)


def _maxout_backward(g, z, pieces, out, ws):
    rows, cols = z.shape
    m = cols // pieces
    idx = ws.get(("argmax", rows, m), lambda: np.empty((rows, m, 1), np.intp))
    np.argmax(z.reshape(rows, m, pieces), axis=-1, out=idx, keepdims=True)
    out.fill(0)
    np.put_along_axis(out.reshape(rows, m, pieces), idx, g.reshape(rows, m, 1), axis=-1)


MAXOUT_REF = {"f": (_maxout_f, _maxout_f_pairwise), "backward": (_maxout_backward,)}


def candidates(name: str, variant: str) -> tuple:
    """The NumPy implementations of one row and variant; () when there is none."""
    return NUMPY_REF.get(name, {}).get(variant, ())
