"""The activation table: the single source of truth for cact.

Every elementwise activation is one ``Activation`` row below plus its C element
functions in ``src/`` (``cact_<name>_{f,grad,backward_x,backward_y}_{f32,f64}``).
The rows drive

* the build: ``setup.py`` renders ``src/cact_kernels.inc.tp`` and
  ``src/cact_ufuncs.c.tp`` from ``ACTIVATIONS``
  (loops, ufunc registration),
* the Python API: ``cact/_api.py`` makes ``f``, ``f_grad`` and ``f_backward`` for
  each row, with docstrings assembled from the formulas here,
* the tests (``tests/``), which parametrise over the rows and require an
  independent reference for each, and the benchmarks (``bench/``): each row
  names its peers (``Activation.peers``), which ``bench/_peers.py`` and
  ``cact/_numpy_ref.py`` turn into timed calls.
* the tools and docs: ``tools/exhaustive_f32.py`` sweeps the rows that have
  a C reference in ``tests/reference.py``, and ``tools/readme_tables.py``
  renders the README's API and accuracy-promise tables (``tests/test_docs.py``
  fails when the README's copy is stale).

This module must only import the standard library: ``setup.py`` loads it with
``runpy`` before the package is built.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "Param",
    "TorchCall",
    "Peers",
    "SameAs",
    "Activation",
    "ACTIVATIONS",
    "BY_NAME",
    "VARIANTS",
    "VARIANT_NAMES",
    "MAXOUT",
    "AxisOp",
    "AXIS_OPS",
    "AXIS_BY_NAME",
    "ufunc_name",
    "FUSED",
]


@dataclass(frozen=True)
class Param:
    """A scalar parameter of an activation (e.g. ``alpha``).

    ``y_min``: the derivative from y (``f_backward(g, y=...)``) is only valid
    for values >= ``y_min`` (None: for every value); below it the Python API
    raises ValueError.  For ELU and Leaky ReLU it is 0: with a negative alpha
    the sign of y no longer tells the sign of x.
    """

    name: str
    default: float
    doc: str
    y_min: float | None = None
    # A condition on every call, (op, bound) with op ">", ">=" or "!=" and
    # bound a number or the name of another parameter of the row (hardtanh's
    # max_val >= min_val, celu's alpha != 0): otherwise the Python API raises
    # ValueError, whose message ends with ``why`` when given (what breaks).
    # The compiled fast path tests the condition on Python floats before its
    # call and leaves a failing call to the validating path (src/render.py).
    bound: tuple[str, float | str] | None = None
    why: str = ""

    def holds(self, values: dict[str, float]) -> bool:
        """Whether this parameter's condition (``bound``) holds for the
        parameter values by name (floats; -0.0 == 0, so "!= 0" rejects both
        zeros).  True without a condition."""
        if self.bound is None:
            return True
        op, b = self.bound
        v, w = values[self.name], values[b] if isinstance(b, str) else b
        return _BOUND_OPS[op](float(v), float(w))


# The operators of Param.bound (also written as such into the fast path's
# Python test by src/render.py).
_BOUND_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": lambda v, w: v > w,
    ">=": lambda v, w: v >= w,
    "!=": lambda v, w: v != w,
}


@dataclass(frozen=True)
class TorchCall:
    """One PyTorch call of the benchmark: ``op(*args, **dict(kwargs))``.

    ``op`` is a dotted path under the ``torch`` module: ``"sigmoid_"``,
    ``"nn.functional.elu_"``, ``"ops.aten.elu_backward.grad_input"``.  The
    arguments are tokens that bench/_peers.py resolves per call:

    * ``"buf"``: the tensor viewing the buffer written in place (x for f and
      grad, grad_output for the backward);
    * ``"v"``: the tensor viewing x (backward_x) or y (backward_y), read only;
    * ``"is_result"``: True for backward_y, False for backward_x (the aten
      backward ops that take either);
    * a parameter's name: its value, a Python float; ``"1/"`` and a
      parameter's name: its reciprocal (celu's ``input_scale=1/alpha`` of
      ``aten.elu_backward``);
    * a string in single quotes, ``"'tanh'"``: the string itself (gelu's
      ``approximate='tanh'``);
    * anything else (a number): itself.
    """

    op: str
    args: tuple[object, ...] = ("buf",)
    kwargs: tuple[tuple[str, object], ...] = ()
    # True for an op with neither an in-place nor an out= overload, which
    # returns a new tensor: the benchmark's call copies it into "buf"
    # (aten.mish_backward), so its time includes that copy.
    functional: bool = False


# An ONNX node: (op type, input names, output name, attributes).  An attribute
# whose value is a parameter's name takes the parameter's value.
OnnxNode = tuple[str, tuple[str, ...], str, dict[str, object]]


@dataclass(frozen=True)
class Peers:
    """What bench/bench.py times this row against, per variant (``f``,
    ``grad``, ``backward_x``, ``backward_y``); a variant without an entry is
    benchmarked without that peer.  Plain data: bench/_peers.py builds the
    calls (see its docstring for how each library is run).

    ``numpy``: names of functions in ``cact/_numpy_ref.py``, the plain
    textbook one first (the benchmark keeps the fastest).
    ``scipy``: dotted path of a ufunc under ``scipy``, called ``fn(x, out=x)``
    (f and grad only).
    ``numexpr``: one expression, evaluated with ``out=`` the buffer; its
    variables are ``x`` (f, grad), ``g`` and ``x`` or ``y`` (backward), the
    constants ``one`` and ``zero`` and the parameters by name, all of the
    array's dtype so that float32 is computed in float32.
    ``torch``: one ``TorchCall``, in place.
    ``onnx``: the graph of ``OnnxNode``; its inputs are ``x`` (f, grad) or
    ``g`` and ``v`` (x or y, backward), its output ``out``, and the constants
    ``one``, ``zero`` and the parameters by name are scalars of the dtype.
    """

    numpy: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scipy: dict[str, str] = field(default_factory=dict)
    numexpr: dict[str, str] = field(default_factory=dict)
    torch: dict[str, TorchCall] = field(default_factory=dict)
    onnx: dict[str, tuple[OnnxNode, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SameAs:
    """This row with ``params`` gives the same bits as row ``row`` with
    ``row_params`` for the ``variants`` named (where one formula is the other:
    celu with alpha = 1 is elu with alpha = 1).  Inputs and outputs of both
    are in the same dtype; backward_y takes y = f(x) of this row."""

    row: str
    params: dict[str, float]
    row_params: dict[str, float]
    variants: tuple[str, ...]


@dataclass(frozen=True)
class Activation:
    """One row of the table.

    ``family`` says where the element functions are and how the tests treat
    them: ``"exp"`` (``src/cact_exp_family.h``, and ``src/cact_erf.h`` for
    GELU's erfc core, built on the shared exp core); ``"linear"`` (``src/cact_linear.h``, piecewise linear: selects, so
    f' from y equals f' from x bitwise, and the backward selects 0 on the flat
    pieces even for an infinite grad_output); ``"rational"`` (also
    ``src/cact_linear.h``: smooth rational functions, which the tests treat as
    the exp family: f' from y within the accuracy y allows, g * f'(x) the
    IEEE product).  No thread threshold: cact measures each kernel's cost
    where it runs (``src/cact_parallel.c``).
    """

    name: str
    family: str
    summary: str
    f: str
    grad: str
    # The accuracy promise: the largest error, in ULPs of the result, per
    # dtype ("float32", "float64") and variant, for every parameter value
    # (tests/test_accuracy.py and tests/test_values.py hold each row to it).
    ulp: dict[str, dict[str, float]]
    # Where the computation switches formula or saturates, per dtype: the
    # tests sample 40 ULPs either side of each point (tests/test_values.py).
    switch: dict[str, tuple[float, ...]]
    # f' written through y = f(x), the formula only (a condition on the
    # parameters is Param.y_min, which the docstrings state once); None when
    # f is not invertible: then the row has no backward_y variant and
    # f_backward(g, y=...) raises TypeError.
    grad_y: str | None = None
    params: tuple[Param, ...] = ()
    # Saturation as an interval test on y, for cact.forward_with_stats:
    # (t, *params) -> (lo, hi) such that |f'(y)| < t exactly when y < lo or
    # y > hi, for every y the row outputs (t >= 0, parameters inside the
    # y-form), computed on exact decimal.Decimal arguments (cact/_stats.py
    # rounds the ends outwards to the dtype, so the float test is the exact
    # one).  None: saturation is counted from f'(x), which costs the
    # derivative's evaluation.
    saturated_y: Callable[..., tuple[Decimal | float, Decimal | float]] | None = None
    notes: str = ""
    # Values used in the docstring example and the ``python -m cact`` demo.
    example: tuple[float, ...] = (-2.0, -0.5, 0.0, 0.5, 2.0)
    # Properties the tests check for every parameter set of the row:
    odd: bool = False  # f(-x) = -f(x), bitwise
    monotonic: bool = True  # f non-decreasing (not for leaky_relu's alpha < 0)
    identity_at_zero: bool = False  # f(x) = x + O(x^2): f(t) = t for t subnormal
    # The implementations the benchmark compares this row with.
    peers: Peers = Peers()
    # Parameter sets the tests use besides the defaults (each a dict of the
    # parameters it changes): a value where the row's formulas take another
    # branch (a negative alpha), or where a rounding differs from the
    # default's.
    test_params: tuple[dict[str, float], ...] = ()
    # Other rows this one equals bitwise (SameAs); tests/test_values.py
    # checks each over dense and special inputs.
    same_as: tuple[SameAs, ...] = ()

    @property
    def variants(self) -> tuple[str, ...]:
        """The compiled variants of this row, in VARIANT_NAMES order: all four,
        or all but backward_y when f has no y-form."""
        return tuple(v for v in VARIANT_NAMES if v != "backward_y" or self.grad_y is not None)

    @property
    def fast_path(self) -> bool:
        """Whether the Python functions of this row take the compiled fast
        path (src/render.py): it carries at most two parameters and tests the
        rows' conditions on them (Param.bound) before the fast call; rows
        with more take the validating implementation for every call."""
        return len(self.params) <= 2

    @property
    def y_needs_nonneg(self) -> bool:
        """Whether the derivative from y restricts a parameter (Param.y_min;
        every such bound is 0 today, which the tests' "alpha < 0" relies on)."""
        return any(p.y_min is not None for p in self.params)


_ALPHA_LEAKY = Param("alpha", 0.01, "slope for x <= 0 (PyTorch/ONNX/JAX default 0.01)", y_min=0.0)
_ALPHA_ELU = Param("alpha", 1.0, "scale of the negative saturation value -alpha", y_min=0.0)

# Accuracy promises (ULPs of the result).  _F32_BY: the float32 backward from
# y: f'(y) carried exactly as two floats and g times it rounded once, 0.5 ULP
# plus the low part's rounding, which reaches 1 ULP only for a subnormal
# result (src/cact_exp_family.h); at the baseline level it is computed in
# double and rounded once (0.5 ULP plus about 2^-26).  _EXP: what
# src/cact_exp_family.h promises for the exp family from x, both dtypes
# (float32 measures 0.504 ULP over every input, float64 0.77 over 2.2e6
# points: README, Accuracy); the issue that set the contract asked <= 1 ULP
# for forward functions, <= 2 for derivatives.  The
# float64 backward from y is the plain formula of the row (README, Semantics):
# its measured maxima rounded up.  The linear family is exact or one rounding.
_F32_BY = 1.0
_EXP = {"f": 1.0, "grad": 1.0, "backward_x": 1.0}
_EXACT = {"f": 0.0, "grad": 0.0, "backward_x": 0.0, "backward_y": 0.0}
_ONE_PRODUCT = {"f": 0.5, "grad": 0.0, "backward_x": 0.5, "backward_y": 0.5}
_ONE_ROUNDING = {"f": 1.0, "grad": 1.0, "backward_x": 1.0, "backward_y": 1.0}

# The saturated_y intervals (see Activation).  They are called with exact
# decimal.Decimal arguments in a 420-digit context (cact/_stats.py rounds the
# ends outwards to the dtype, exactly), so they use integer constants,
# comparisons and .sqrt() only.  _TINY: the least positive double, so that
# y < _TINY is y <= 0 for floats of either dtype.
_TINY = 5e-324
_End = tuple[Decimal | float, Decimal | float]
_ALL: _End = (math.inf, -math.inf)  # y < inf or y > -inf: every output but NaN
_NONE: _End = (-math.inf, math.inf)


def _sat_sigmoid(t: Decimal) -> _End:
    # y (1 - y) < t outside the roots (1 -+ r)/2, r = sqrt(1 - 4t)
    if 4 * t > 1:
        return _ALL
    r = (1 - 4 * t).sqrt()
    return (1 - r) / 2, (1 + r) / 2


def _sat_tanh(t: Decimal) -> _End:
    # 1 - y**2 < t outside -+sqrt(1 - t)
    if t > 1:
        return _ALL
    r = (1 - t).sqrt()
    return -r, r


def _sat_leaky(t: Decimal, alpha: Decimal = Decimal(0)) -> _End:
    # f' is 1 for y > 0 and alpha for y <= 0 (relu: alpha = 0)
    if t > 1:
        return _ALL if abs(alpha) < t else (-math.inf, 0.0)
    return (_TINY, math.inf) if abs(alpha) < t else _NONE


# SELU's constants (PyTorch's): scale, alpha, and their product.
_SELU_SCALE = Decimal("1.0507009873554804934193349852946")
_SELU_ALPHA = Decimal("1.6732632423543772848170429916717")


def _sat_selu(t: Decimal) -> _End:
    # f' is scale for y > 0 and y + scale alpha (in [0, scale alpha]) for
    # y <= 0: ELU's interval with alpha = scale alpha and 1 -> scale
    return (min(Decimal(_TINY), t - _SELU_SCALE * _SELU_ALPHA),
            (0.0 if t > _SELU_SCALE else math.inf))


# Just inside an end that is itself a value of the dtype: rounded outwards to
# the dtype, v + _EPS is the next number above v and v - _EPS the one below,
# so y < v + _EPS is y <= v (2^-1200 is below every subnormal of float64).
_EPS = Decimal(2) ** -1200


def _sat_clip(t: Decimal, lo: Decimal = Decimal(0), hi: Decimal = Decimal(6),
              slope: Decimal = Decimal(1)) -> _End:
    # f' is slope strictly inside (lo, hi), 0 at and beyond the ends (hardtanh,
    # relu6, hardsigmoid on y in (0, 1) with slope 1/6): saturated at y <= lo
    # and y >= hi while 0 < t <= slope, everywhere above
    if t > slope:
        return _ALL
    return (lo + _EPS, hi - _EPS) if t > 0 else _NONE


def _sat_hardtanh(t: Decimal, min_val: Decimal, max_val: Decimal) -> _End:
    return _sat_clip(t, min_val, max_val)


def _sat_hardsigmoid(t: Decimal) -> _End:
    return _sat_clip(t, Decimal(0), Decimal(1), Decimal(1) / 6)


def _sat_softsign(t: Decimal) -> _End:
    # (1 - |y|)^2 < t outside -+(1 - sqrt(t)), |y| < 1
    if t > 1:
        return _ALL
    r = 1 - t.sqrt()
    return -r, r


def _sat_softplus(t: Decimal, beta: Decimal) -> _End:
    # 1 - exp(-beta y) < t where beta y < -ln(1 - t) = c (beta y >= 0 for
    # every output): y < c / beta for beta > 0, y > c / beta for beta < 0;
    # t = 1 takes every finite y, t > 1 every y; beta = 0 gives f' = 0
    if t > 1 or (beta == 0 and t > 0):
        return _ALL
    if beta == 0:
        return _NONE
    c = -(1 - t).ln() if t < 1 else Decimal("Infinity")
    if beta > 0:
        return (c / beta if t < 1 else math.inf), math.inf
    return -math.inf, (c / beta if t < 1 else -math.inf)


def _sat_logsigmoid(t: Decimal) -> _End:
    # 1 - exp(y) < t above ln(1 - t) (y <= 0; t = 1: every y but -inf)
    if t > 1:
        return _ALL
    return -math.inf, ((1 - t).ln() if t < 1 else -math.inf)


def _sat_elu(t: Decimal, alpha: Decimal) -> _End:
    # f' is 1 for y > 0 and y + alpha (in [0, alpha]) for y <= 0: saturated
    # where y <= 0 and y < t - alpha, or y > 0 when 1 < t
    return min(Decimal(_TINY), t - alpha), (0.0 if t > 1 else math.inf)


def _sat_celu(t: Decimal, alpha: Decimal) -> _End:
    # f' is 1 for y > 0 and 1 + y / alpha for y <= 0: in [0, 1] for alpha > 0
    # (saturated where y <= 0 and y < alpha (t - 1), or y > 0 when 1 < t),
    # >= 1 for alpha < 0 (nothing saturated for t <= 1; for t > 1 every y
    # above alpha (t - 1), where f' < t)
    if alpha > 0:
        return min(Decimal(_TINY), alpha * (t - 1)), (0.0 if t > 1 else math.inf)
    return (-math.inf, alpha * (t - 1)) if t > 1 else _NONE


# Peer fragments shared by rows (plain data, see Peers).
def _aten_backward(op: str, *args: object, out: str = "grad_input") -> TorchCall:
    """An aten backward op writing into grad_output itself: its overload
    named ``out`` with the keyword of that name (``grad_input`` for most,
    ``out`` for hardswish_backward in torch 2.14)."""
    return TorchCall(f"ops.aten.{op}.{out}", ("buf",) + args, ((out, "buf"),))


def _onnx_through_y(op: str, d_of_y: Callable[[str, str], tuple[OnnxNode, ...]]
                    ) -> dict[str, tuple[OnnxNode, ...]]:
    """ONNX graphs of a row whose derivative ONNX computes from y = op(x):
    ``d_of_y(y, out)`` gives the nodes of f'(y)."""
    mul_g: tuple[OnnxNode, ...] = (("Mul", ("g", "d"), "out", {}),)
    return {
        "f": ((op, ("x",), "out", {}),),
        "grad": ((op, ("x",), "y", {}),) + d_of_y("y", "out"),
        "backward_x": ((op, ("v",), "y", {}),) + d_of_y("y", "d") + mul_g,
        "backward_y": d_of_y("v", "d") + mul_g,
    }


def _onnx_sigmoid_d(y: str, out: str) -> tuple[OnnxNode, ...]:  # y (1 - y)
    return (("Sub", ("one", y), "t1", {}), ("Mul", ("t1", y), out, {}))


def _onnx_tanh_d(y: str, out: str) -> tuple[OnnxNode, ...]:  # 1 - y*y
    return (("Mul", (y, y), "t1", {}), ("Sub", ("one", "t1"), out, {}))


def _onnx_select(v: str, neg: tuple[OnnxNode, ...], neg_out: str, pos: str) -> tuple[OnnxNode, ...]:
    """Where(v > 0, pos, neg_out), neg_out computed by the nodes neg."""
    return (("Greater", (v, "zero"), "m", {}),) + neg + (("Where", ("m", pos, neg_out), "out", {}),)


ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="sigmoid",
        family="exp",
        summary="Logistic sigmoid, saturating to 0 and 1.",
        f="1 / (1 + exp(-x))",
        grad="sigmoid(x) * sigmoid(-x) = exp(-|x|) / (1 + exp(-|x|))**2",
        grad_y="y * (1 - y)",
        ulp={"float32": {**_EXP, "backward_y": _F32_BY}, "float64": {**_EXP, "backward_y": 2.0}},
        # float32: last nonzero result, subnormal range, the logistic's
        # saturation to 1 (16.6-17.05) and beyond; float64 likewise
        switch={
            "float32": (-103.97, -103.28, -88.72, -87.34, -87.3, -20.0, -17.05, -16.6, 0.0, 16.6,
                        17.05, 20.0, 88.72),
            "float64": (-745.13, -744.44, -709.78, -708.4, -36.74, -37.0, 0.0, 36.74, 37.0, 709.78,
                        745.13),
        },
        saturated_y=_sat_sigmoid,
        notes=(
            "Computed with e = exp(-|x|), which never overflows: 1/(1+e) for x >= 0 and\n"
            "e/(1+e) for x < 0.  sigmoid(+inf) = 1, sigmoid(-inf) = 0, float32 results\n"
            "that are subnormal (x in about [-103.9, -87.3]) are computed, not flushed.\n"
            "The derivative from x stays accurate in the tails: sigmoid_grad(30.0) is\n"
            "9.357622968838e-14, where y * (1 - y) would give 0 or rounding noise."
        ),
        peers=Peers(
            numpy={"f": ("_sigmoid_f", "_sigmoid_f_tanh"), "grad": ("_sigmoid_grad",),
                   "backward_x": ("_sigmoid_backward_x",), "backward_y": ("_sigmoid_backward_y",)},
            scipy={"f": "special.expit"},
            numexpr={
                "f": "one / (one + exp(-x))",
                "grad": "exp(-x) / (one + exp(-x))**2",
                "backward_x": "g * exp(-x) / (one + exp(-x))**2",
                "backward_y": "g * y * (one - y)",
            },
            torch={"f": TorchCall("sigmoid_"), "backward_y": _aten_backward("sigmoid_backward", "v")},
            onnx=_onnx_through_y("Sigmoid", _onnx_sigmoid_d),
        ),
    ),
    Activation(
        name="tanh",
        family="exp",
        summary="Hyperbolic tangent, saturating to -1 and 1.",
        f="(exp(x) - exp(-x)) / (exp(x) + exp(-x))",
        grad="1 - tanh(x)**2 = 4 exp(-2|x|) / (1 + exp(-2|x|))**2",
        grad_y="1 - y**2",
        ulp={"float32": {**_EXP, "backward_y": _F32_BY}, "float64": {**_EXP, "backward_y": 2.0}},
        # saturation to +-1, the clamps of the exp argument, tiny arguments
        switch={
            "float32": (-9.01, -9.0, -8.7, -0.5, 0.0, 0.5, 8.7, 9.0, 9.01, 1e-4, -1e-4, 1e-20, 25.0,
                        -25.0),
            "float64": (-19.06, -19.0, -9.0, -0.55, 0.0, 0.55, 9.0, 19.06, 22.0, 1e-8, -1e-8, 1e-200,
                        354.9, -354.9, 372.6),
        },
        odd=True,
        identity_at_zero=True,
        saturated_y=_sat_tanh,
        notes=(
            "tanh(+-inf) = +-1 and tanh(-0.0) = -0.0.  The derivative from x is computed\n"
            "as 4e/(1+e)**2 with e = exp(-2|x|), accurate in the tails where 1 - y**2\n"
            "cancels to 0."
        ),
        peers=Peers(
            numpy={"f": ("_tanh_f",), "grad": ("_tanh_grad",), "backward_x": ("_tanh_backward_x",),
                   "backward_y": ("_tanh_backward_y",)},
            numexpr={
                "f": "tanh(x)",
                "grad": "one - tanh(x)**2",
                "backward_x": "g * (one - tanh(x)**2)",
                "backward_y": "g * (one - y**2)",
            },
            torch={"f": TorchCall("tanh_"), "backward_y": _aten_backward("tanh_backward", "v")},
            onnx=_onnx_through_y("Tanh", _onnx_tanh_d),
        ),
    ),
    Activation(
        name="relu",
        family="linear",
        summary="Rectified linear unit.",
        f="max(x, 0)",
        grad="1 if x > 0 else 0   (relu'(0) = 0, as PyTorch)",
        grad_y="1 if y > 0 else 0",
        ulp={"float32": _EXACT, "float64": _EXACT},
        switch={"float32": (0.0,), "float64": (0.0,)},
        saturated_y=_sat_leaky,
        notes="relu(-0.0) is +0.0; relu(NaN) is NaN and so are its derivatives.",
        peers=Peers(
            numpy={"f": ("_relu_f",), "grad": ("_relu_grad",), "backward_x": ("_relu_backward",),
                   "backward_y": ("_relu_backward",)},
            numexpr={
                "f": "where(x > zero, x, zero)",
                "grad": "where(x > zero, one, zero)",
                "backward_x": "where(x > zero, g, zero)",
                "backward_y": "where(y > zero, g, zero)",
            },
            torch={"f": TorchCall("relu_"),
                   "backward_x": _aten_backward("threshold_backward", "v", 0),
                   "backward_y": _aten_backward("threshold_backward", "v", 0)},
            onnx={
                "f": (("Relu", ("x",), "out", {}),),
                "grad": _onnx_select("x", (), "zero", "one"),
                "backward_x": _onnx_select("v", (), "zero", "g"),
                "backward_y": _onnx_select("v", (), "zero", "g"),
            },
        ),
    ),
    Activation(
        name="leaky_relu",
        family="linear",
        summary="Leaky ReLU: a small slope alpha for negative inputs.",
        f="x if x > 0 else alpha * x",
        grad="1 if x > 0 else alpha   (leaky_relu'(0) = alpha, as PyTorch)",
        grad_y="1 if y > 0 else alpha",
        ulp={"float32": _ONE_PRODUCT, "float64": _ONE_PRODUCT},
        switch={"float32": (0.0,), "float64": (0.0,)},
        params=(_ALPHA_LEAKY,),
        monotonic=False,
        identity_at_zero=True,
        saturated_y=_sat_leaky,
        notes=(
            "For float32 inputs alpha is rounded to float32 first.  alpha * x follows\n"
            "IEEE arithmetic: with alpha = 0, leaky_relu(-inf) is NaN (0 * inf)."
        ),
        test_params=({"alpha": 0.3},),
        peers=Peers(
            numpy={"f": ("_leaky_relu_f",), "grad": ("_leaky_relu_grad",),
                   "backward_x": ("_leaky_relu_backward",), "backward_y": ("_leaky_relu_backward",)},
            numexpr={
                "f": "where(x > zero, x, alpha * x)",
                "grad": "where(x > zero, one, alpha)",
                "backward_x": "where(x > zero, g, alpha * g)",
                "backward_y": "where(y > zero, g, alpha * g)",
            },
            torch={
                "f": TorchCall("nn.functional.leaky_relu_", ("buf", "alpha")),
                "backward_x": _aten_backward("leaky_relu_backward", "v", "alpha", "is_result"),
                "backward_y": _aten_backward("leaky_relu_backward", "v", "alpha", "is_result"),
            },
            onnx={
                "f": (("LeakyRelu", ("x",), "out", {"alpha": "alpha"}),),
                "grad": _onnx_select("x", (), "alpha", "one"),
                "backward_x": _onnx_select("v", (("Mul", ("g", "alpha"), "s", {}),), "s", "g"),
                "backward_y": _onnx_select("v", (("Mul", ("g", "alpha"), "s", {}),), "s", "g"),
            },
        ),
    ),
    Activation(
        name="elu",
        family="exp",
        summary="Exponential linear unit, saturating softly to -alpha.",
        f="x if x > 0 else alpha * (exp(x) - 1)",
        grad="1 if x > 0 else alpha * exp(x)   (elu'(0) = alpha, as PyTorch)",
        grad_y="1 if y > 0 else y + alpha",
        ulp={"float32": {**_EXP, "backward_y": _F32_BY}, "float64": {**_EXP, "backward_y": 1.5}},
        # float32 and float64: below the last nonzero exp(x), the subnormal
        # range of exp(x), the saturation to -alpha, and tiny x
        switch={
            "float32": (-103.97, -88.72, -87.3, -17.33, -16.64, -1e-7, 0.0, 1e-7),
            "float64": (-745.13, -709.78, -708.4, -37.43, -36.04, -1e-17, 0.0, 1e-17),
        },
        params=(_ALPHA_ELU,),
        identity_at_zero=True,
        saturated_y=_sat_elu,
        notes=(
            "exp(x) - 1 is computed with expm1, so elu keeps full relative accuracy\n"
            "for small negative x; elu(-inf) = -alpha, elu(-0.0) = -0.0 for alpha > 0.\n"
            "A zero result has the sign IEEE gives the formula: elu(x, alpha=0) is -0.0\n"
            "for every x < 0 (0 times exp(x) - 1 < 0), at every instruction-set level."
        ),
        test_params=({"alpha": 0.5},),
        peers=Peers(
            numpy={"f": ("_elu_f",), "grad": ("_elu_grad",), "backward_x": ("_elu_backward_x",),
                   "backward_y": ("_elu_backward_y",)},
            numexpr={
                "f": "where(x > zero, x, alpha * expm1(x))",
                "grad": "where(x > zero, one, alpha * exp(x))",
                "backward_x": "where(x > zero, g, g * alpha * exp(x))",
                "backward_y": "where(y > zero, g, g * (y + alpha))",
            },
            # elu_backward(grad, alpha, scale, input_scale, is_result, self_or_result)
            torch={
                "f": TorchCall("nn.functional.elu_", ("buf", "alpha")),
                "backward_x": _aten_backward("elu_backward", "alpha", 1, 1, "is_result", "v"),
                "backward_y": _aten_backward("elu_backward", "alpha", 1, 1, "is_result", "v"),
            },
            onnx={
                "f": (("Elu", ("x",), "out", {"alpha": "alpha"}),),
                "grad": _onnx_select("x", (("Exp", ("x",), "e", {}), ("Mul", ("e", "alpha"), "t1", {})),
                                     "t1", "one"),
                "backward_x": _onnx_select("v", (("Exp", ("v",), "e", {}), ("Mul", ("e", "alpha"), "t2", {}),
                                                 ("Mul", ("g", "t2"), "s", {})), "s", "g"),
                "backward_y": _onnx_select("v", (("Add", ("v", "alpha"), "t2", {}),
                                                 ("Mul", ("g", "t2"), "s", {})), "s", "g"),
            },
        ),
    ),
    Activation(
        name="celu",
        family="exp",
        summary="Continuously differentiable ELU: ELU with its exponent scaled by 1 / alpha, saturating to -alpha.",
        f="x if x > 0 else alpha * (exp(x / alpha) - 1)",
        grad="1 if x > 0 else exp(x / alpha)   (celu'(0) = 1, as PyTorch)",
        grad_y="1 if y > 0 else y / alpha + 1",
        # x / alpha as an exact pair in float64, ELU's one rounding after
        # (src/cact_exp_family.h, celu); float32 in double on the float32
        # core.  The float64 backward from y is rounded once (y + alpha and
        # the quotient as pairs): as exact as y allows
        ulp={"float32": {**_EXP, "backward_y": 1.0}, "float64": {**_EXP, "backward_y": 1.0}},
        # ELU's points at alpha = 1 (below the last nonzero exp(q), its
        # subnormal range, the saturation to -alpha, tiny x) and the clamps
        # of q (float32 -40 for expm1 and -300 for exp; float64 -50, -1500,
        # and 2^-54, below which f is x itself)
        switch={
            "float32": (-300.0, -103.97, -88.72, -87.3, -40.0, -17.33, -16.64, -1e-7, 0.0, 1e-7),
            "float64": (-1500.0, -745.13, -709.78, -708.4, -50.0, -37.43, -36.04, -5.551115123125783e-17,
                        -1e-17, 0.0, 1e-17),
        },
        params=(Param("alpha", 1.0, "scale: the negative saturation value is -alpha (any sign, not 0)",
                      bound=("!=", 0.0), why="celu divides x by alpha"),),
        identity_at_zero=True,
        saturated_y=_sat_celu,
        notes=(
            "The quotient is carried to twice the precision and the exponential minus 1\n"
            "is an expm1, so celu keeps full relative accuracy for small negative x and in\n"
            "the tail.  alpha = 0 raises ValueError (PyTorch: ZeroDivisionError).  A\n"
            "negative alpha takes the same formula, as PyTorch: celu then falls to -inf as\n"
            "x -> -inf, and the derivative from y holds for it too (y <= 0 exactly when\n"
            "x <= 0; PyTorch refuses it).  celu(+-0) = +-0, celu(-inf) = -alpha (alpha > 0) or\n"
            "-inf.  With alpha = 1 celu is elu, bitwise (f, f' and the backward from x)."
        ),
        test_params=({"alpha": 0.5}, {"alpha": 2.5}, {"alpha": -0.5}),
        same_as=(SameAs("elu", {"alpha": 1.0}, {"alpha": 1.0}, ("f", "grad", "backward_x")),),
        peers=Peers(
            numexpr={
                "f": "where(x > zero, x, alpha * expm1(x / alpha))",
                "grad": "where(x > zero, one, exp(x / alpha))",
                "backward_x": "where(x > zero, g, g * exp(x / alpha))",
                "backward_y": "where(y > zero, g, g * (y / alpha + one))",
            },
            # elu_backward(grad, alpha, scale, input_scale, is_result, self_or_result)
            torch={
                "f": TorchCall("nn.functional.celu_", ("buf", "alpha")),
                "backward_x": _aten_backward("elu_backward", "alpha", 1, "1/alpha", "is_result", "v"),
                "backward_y": _aten_backward("elu_backward", "alpha", 1, "1/alpha", "is_result", "v"),
            },
            onnx={"f": (("Celu", ("x",), "out", {"alpha": "alpha"}),)},
        ),
    ),
    Activation(
        name="selu",
        family="exp",
        summary="Scaled exponential linear unit (self-normalising networks), PyTorch's constants.",
        f="scale * (x if x > 0 else alpha * (exp(x) - 1)),  scale = 1.0507009873554805, "
          "alpha = 1.6732632423543772",
        grad="scale if x > 0 else scale * alpha * exp(x)   (selu'(0) = scale * alpha, as PyTorch)",
        grad_y="scale if y > 0 else y + scale * alpha",
        ulp={"float32": {**_EXP, "backward_y": 1.0}, "float64": {**_EXP, "backward_y": 2.0}},
        # ELU's points: below the last nonzero exp(x), its subnormal range,
        # the saturation to -scale alpha, tiny x
        switch={
            "float32": (-103.97, -88.72, -87.3, -17.33, -16.64, -1e-7, 0.0, 1e-7),
            "float64": (-745.13, -709.78, -708.4, -37.43, -36.04, -1e-17, 0.0, 1e-17),
        },
        saturated_y=_sat_selu,
        notes=(
            "scale and alpha are PyTorch's (torch.nn.functional.selu), carried as\n"
            "double-word constants in float64 so that selu keeps one rounding;\n"
            "selu(-inf) = -scale * alpha = -1.7580993408473766, selu(-0.0) = -0.0."
        ),
        peers=Peers(
            numpy={"f": ("_selu_f",)},
            # elu_backward(grad, alpha, scale, input_scale, is_result, self_or_result)
            torch={
                "f": TorchCall("nn.functional.selu_", ("buf",)),
                "backward_x": _aten_backward("elu_backward", 1.6732632423543772, 1.0507009873554805,
                                             1, "is_result", "v"),
                "backward_y": _aten_backward("elu_backward", 1.6732632423543772, 1.0507009873554805,
                                             1, "is_result", "v"),
            },
            onnx={"f": (("Selu", ("x",), "out", {}),)},
        ),
    ),
    Activation(
        name="silu",
        family="exp",
        summary="SiLU (swish): x times sigmoid(x), smooth, with a minimum of -0.2785 at x = -1.2785.",
        f="x * sigmoid(x) = x / (1 + exp(-x))",
        grad="s * (1 + x * (1 - s)),  s = sigmoid(x)   (silu'(0) = 1/2, 0 at x = -1.2785)",
        # float32 in double on the float32 core, rounded once; float64 on the
        # double-word core with g f' rounded once (src/cact_exp_family.h,
        # SiLU): 0.5 ULP plus a few tenths, the derivative's zero included
        ulp={"float32": _EXP, "float64": _EXP},
        # float32: the clamp of the exp argument, the last nonzero result
        # (|x e^x| = 2^-150) and the start of the subnormal ones, the zone
        # about f's minimum x0 (f' = 0) and its ends, 0, f = x from 17.33 on;
        # float64 likewise (the forward's clamp -800, the derivative's -1500,
        # f = x from 38 on, f' clamped at 100)
        switch={
            "float32": (-200.0, -108.66, -91.86, -1.2862770, -1.2784645, -1.2706520, 0.0, 17.33,
                        200.0),
            "float64": (-1500.0, -800.0, -751.76, -714.97, -1.2862770427610738, -1.2784645427610738,
                        -1.2706520427610738, 0.0, 38.0, 40.0, 100.0),
        },
        monotonic=False,
        identity_at_zero=False,
        notes=("silu(-inf) = -0.0 and silu'(-inf) = -0.0 (the limits; PyTorch gives NaN there), silu(+inf)\n"
               "= +inf, silu'(+inf) = 1, silu(-0.0) = -0.0.  No derivative from y: silu is not\n"
               "invertible.  silu' is 0 at x0 = -1.2784645427610738, where its two terms\n"
               "s and x s (1 - s) cancel: cact expands N = 1 + x + e^x about x0, so the\n"
               "derivative keeps its accuracy there too (src/cact_exp_family.h, SiLU)."),
        example=(-4.0, -1.2784645427610738, 0.0, 1.0, 4.0),
        peers=Peers(
            numexpr={
                "f": "x / (one + exp(-x))",
                "grad": "(one + exp(-x) * (one + x)) / (one + exp(-x))**2",
                "backward_x": "g * (one + exp(-x) * (one + x)) / (one + exp(-x))**2",
            },
            torch={"f": TorchCall("nn.functional.silu", ("buf",), (("inplace", True),)),
                   "backward_x": _aten_backward("silu_backward", "v")},
        ),
    ),
    Activation(
        name="gelu_tanh",
        family="exp",
        summary="GELU, tanh approximation (PyTorch's approximate='tanh'): smooth, minimum -0.17 at -0.7525.",
        f="x/2 * (1 + tanh(u)),  u = sqrt(2/pi) * (x + 0.044715 x**3)   (= x * sigmoid(2u))",
        grad="s + x s (1 - s) 2u',  s = sigmoid(2u)   (0 at x = -0.75246)",
        # as silu's (src/cact_exp_family.h, gelu_tanh): float32 in double on
        # the float32 core, float64 with 2u as a pair and g f' rounded once
        ulp={"float32": _EXP, "float64": _EXP},
        # the clamps of x (float32 -14 and 10; float64 -27.3 for f', -22 for
        # f, 10), the last nonzero result and the start of the subnormal
        # ones, the zone about f's minimum x1 (f' = 0) and its ends, 0, f = x
        # from 5.06 (float32) / 7.15 (float64) on
        switch={
            "float32": (-14.0, -10.770868, -10.100637, -0.7602739220710163, -0.7524614220710163,
                        -0.7446489220710163, 0.0, 5.0613804, 10.0),
            "float64": (-27.3, -22.0, -21.547075, -21.17688, -0.7563676720710163, -0.7524614220710163,
                        -0.7485551720710163, 0.0, 7.1450659, 10.0),
        },
        monotonic=False,
        notes=("Computed as x sigmoid(2u), the same function: no cancellation for negative x\n"
               "and no clamping of the tail.  gelu_tanh(-inf) = -0.0 and its\n"
               "derivative -0.0 there (the limits; PyTorch gives NaN), gelu_tanh(+inf) = +inf,\n"
               "derivative 1.  No derivative from y: f is not invertible (minimum -0.17004 at\n"
               "x = -0.75246, where f' = 0: cact expands f' about that zero and keeps its\n"
               "accuracy there, src/cact_exp_family.h)."),
        example=(-3.0, -0.7524614220710163, 0.0, 0.5, 3.0),
        peers=Peers(
            torch={"f": TorchCall("ops.aten.gelu_", ("buf",), (("approximate", "'tanh'"),)),
                   "backward_x": TorchCall("ops.aten.gelu_backward.grad_input", ("buf", "v"),
                                           (("approximate", "'tanh'"), ("grad_input", "buf")))},
        ),
    ),
    Activation(
        name="mish",
        family="exp",
        summary="Mish: x times tanh(softplus(x)), smooth, with a minimum of -0.3088 at x = -1.1924.",
        f="x * tanh(softplus(x)) = x * n / (n + 2),  n = e (e + 2),  e = exp(x)",
        grad="t + x (1 - t**2) sigmoid(x),  t = tanh(softplus(x))   (mish'(0) = 0.6, 0 at x = -1.19243)",
        # float32 in double on the float32 core, rounded once; float64 on the
        # double-word core with pairs throughout and g f' rounded once
        # (src/cact_mish.h): 0.5 ULP plus a few tenths, the derivative's zero
        # included
        ulp={"float32": _EXP, "float64": _EXP},
        # float32: the clamp of x (-200), the last nonzero result and the
        # start of the subnormal ones, the zone about f's minimum x1 (f' = 0)
        # and its ends, 0, f = x from 9.01 on, the clamp 200; float64: the
        # backward's clamp -1500 (EXP_LO) and the forward's -800, the last
        # nonzero result, the subnormal ones, the pair's exponent floor (u <
        # 2^-960 from x = -665.42), the zone, 0, f = x from 19.06 on, the
        # clamp 40
        switch={
            "float32": (-200.0, -108.66030, -91.856775, -1.2002437145154952, -1.1924312145154952,
                        -1.1846187145154952, 0.0, 9.0107913, 200.0),
            "float64": (-1500.0, -800.0, -751.75563, -714.96866, -665.42129, -1.2002437145154952,
                        -1.1924312145154952, -1.1846187145154952, 0.0, 19.061547, 40.0),
        },
        monotonic=False,
        notes=("Computed in the form above, n = (1 + e)**2 - 1 without the subtraction: no\n"
               "cancellation for negative x and no clamping of either tail (mish(-100) =\n"
               "-3.7e-42, as x e).  mish(-inf) = -0.0 and mish'(-inf) = -0.0 (the limits; PyTorch\n"
               "gives NaN there, and for mish'(+inf)), mish(+inf) = +inf, mish'(+inf) = 1,\n"
               "mish(-0.0) = -0.0.  No derivative from y: mish is not invertible (minimum\n"
               "-0.30884 at x1 = -1.1924312145154952, where mish' = 0: its two terms t and\n"
               "x (1 - t**2) sigmoid(x) cancel, and cact expands the derivative's numerator\n"
               "about x1, so it keeps its accuracy there too, src/cact_mish.h)."),
        example=(-4.0, -1.1924312145154952, 0.0, 1.0, 4.0),
        peers=Peers(
            numexpr={
                "f": "x * tanh(log1p(exp(x)))",
                "grad": "tanh(log1p(exp(x))) + x * (one - tanh(log1p(exp(x)))**2) / (one + exp(-x))",
                "backward_x": "g * (tanh(log1p(exp(x))) + x * (one - tanh(log1p(exp(x)))**2)"
                              " / (one + exp(-x)))",
            },
            # aten.mish_backward(grad_output, self) has no out= overload:
            # a functional call, copied into grad_output.  ONNX's Mish needs
            # opset 18 (the benchmark builds opset 17): no onnx peer.
            torch={"f": TorchCall("nn.functional.mish", ("buf",), (("inplace", True),)),
                   "backward_x": TorchCall("ops.aten.mish_backward", ("buf", "v"), functional=True)},
        ),
    ),
    Activation(
        name="softplus",
        family="exp",
        summary="Softplus: a smooth ReLU, exact for every x (no linear threshold).",
        f="log(1 + exp(beta * x)) / beta = (max(beta x, 0) + log1p(exp(-|beta x|))) / beta",
        grad="sigmoid(beta * x)",
        grad_y="1 - exp(-beta * y)",
        # float32 in double rounded once on the float32 exp and log1p cores;
        # float64 with beta x as an exact pair (src/cact_softplus.h): 0.5 ULP
        # plus a few hundredths, promised within the exp family's 1 ULP; the
        # float64 backward from y carries f's rounding of y (its measured
        # maximum rounded up, as the other rows)
        ulp={"float32": {**_EXP, "backward_y": _F32_BY}, "float64": {**_EXP, "backward_y": 2.0}},
        # float32: last nonzero result, the subnormal range, log1p's cut
        # (|x| = -ln(sqrt 2 - 1)), x where log1p(exp(-x)) drops below half an
        # ULP of x, and the clamp of the exp argument at -300 (beta x); float64
        # likewise, with the exp clamp at -1500 and the switch to x itself above 40
        switch={
            "float32": (-103.97, -103.28, -87.34, -17.0, -0.8813735870195429, 0.0, 0.8813735870195429,
                        16.6, 17.05, 88.72, -300.0),
            "float64": (-745.13, -744.44, -708.4, -707.7, -37.0, -0.8813735870195429, 0.0,
                        0.8813735870195429, 36.74, 37.0, 40.0, 709.78, 745.13, -1500.0),
        },
        params=(Param("beta", 1.0, "sharpness: softplus tends to relu as beta grows"),),
        saturated_y=_sat_softplus,
        notes=("Exact for every x: no linear threshold (PyTorch returns x itself for\n"
               "beta x > 20, where cact keeps log1p(exp(-beta x)) / beta).  beta takes any\n"
               "value, as PyTorch: beta < 0 gives -softplus(-x, -beta) (negative, still\n"
               "increasing, f' = sigmoid(beta x) and 1 - exp(-beta y) as written), beta = 0\n"
               "gives +inf (ln 2 / 0) with f' = 1/2 from x and 0 from y.\n"
               "softplus(-inf) = +0, softplus(+inf) = +inf for beta > 0; NaN is NaN and so\n"
               "are its derivatives."),
        example=(-20.0, -1.0, 0.0, 1.0, 20.0),
        test_params=({"beta": 0.3},),
        peers=Peers(
            numexpr={
                "f": "where(x > zero, x, zero) + log1p(exp(-abs(beta * x))) / beta",
                "grad": "one / (one + exp(-beta * x))",
                "backward_x": "g / (one + exp(-beta * x))",
                "backward_y": "g * -expm1(-beta * y)",
            },
            # PyTorch's threshold (20) is its default; the benchmark's inputs
            # stay below it
            torch={"f": TorchCall("ops.aten.softplus.out", ("buf", "beta", 20.0), (("out", "buf"),)),
                   "backward_x": _aten_backward("softplus_backward", "v", "beta", 20.0)},
            onnx={"f": (("Mul", ("x", "beta"), "t1", {}), ("Softplus", ("t1",), "t2", {}),
                        ("Div", ("t2", "beta"), "out", {}))},
        ),
    ),
    Activation(
        name="logsigmoid",
        family="exp",
        summary="Log-sigmoid: log(sigmoid(x)) = -softplus(-x), accurate in both tails.",
        f="log(1 / (1 + exp(-x))) = min(x, 0) - log1p(exp(-|x|))",
        grad="sigmoid(-x) = 1 / (1 + exp(x))",
        grad_y="1 - exp(y)",
        # softplus's functions at -x (src/cact_softplus.h): its promises
        ulp={"float32": {**_EXP, "backward_y": _F32_BY}, "float64": {**_EXP, "backward_y": 2.0}},
        # softplus's points mirrored
        switch={
            "float32": (103.97, 103.28, 87.34, 17.0, 0.8813735870195429, 0.0, -0.8813735870195429,
                        -16.6, -17.05, -88.72, 300.0),
            "float64": (745.13, 744.44, 708.4, 707.7, 37.0, 0.8813735870195429, 0.0,
                        -0.8813735870195429, -36.74, -37.0, -40.0, -709.78, -745.13, 1500.0),
        },
        saturated_y=_sat_logsigmoid,
        notes=("logsigmoid(x) = -softplus(x, beta=1) at -x, exact for every x: for large x it\n"
               "is -exp(-x), not 0 (logsigmoid(40.0) = -4.248354255291589e-18), and for\n"
               "large negative x it is x - exp(x).  logsigmoid(+inf) = -0.0 and so is every\n"
               "result that rounds to zero (the function is negative; PyTorch gives +0.0,\n"
               "scipy.special.log_expit -0.0), logsigmoid(-inf) = -inf; NaN is NaN and so\n"
               "are its derivatives."),
        example=(-20.0, -1.0, 0.0, 1.0, 20.0),
        peers=Peers(
            scipy={"f": "special.log_expit"},
            numexpr={
                "f": "where(x < zero, x, zero) - log1p(exp(-abs(x)))",
                "grad": "one / (one + exp(x))",
                "backward_x": "g / (one + exp(x))",
                "backward_y": "g * -expm1(y)",
            },
            # f only: aten.log_sigmoid_backward(grad, x, buffer) takes the
            # buffer exp(-|x|) that aten.log_sigmoid_forward computes, which
            # no call of the benchmark provides
            torch={"f": TorchCall("ops.aten.log_sigmoid.out", ("buf",), (("out", "buf"),))},
        ),
    ),
    Activation(
        name="hardtanh",
        family="linear",
        summary="Hard tanh: x clipped to [min_val, max_val].",
        f="min(max(x, min_val), max_val)",
        grad="1 if min_val < x < max_val else 0   (0 at both ends, as PyTorch)",
        grad_y="1 if min_val < y < max_val else 0",
        ulp={"float32": _EXACT, "float64": _EXACT},
        switch={"float32": (-1.0, 1.0), "float64": (-1.0, 1.0)},
        params=(Param("min_val", -1.0, "lower end of the linear region"),
                Param("max_val", 1.0, "upper end of the linear region (>= min_val, as PyTorch)",
                      bound=(">=", "min_val"))),
        identity_at_zero=True,
        # min_val <= max_val, as PyTorch, which raises for min_val > max_val
        # and allows equality; the derivative from y needs nothing more (y
        # is inside (min_val, max_val) exactly when x is, and with equal ends
        # nothing is inside: f' = 0 both ways)
        notes=("min_val > max_val raises ValueError, as PyTorch; min_val = max_val is allowed\n"
               "(f is that constant, f' is 0).  The ends are reached exactly: hardtanh(x) is\n"
               "min_val itself for x <= min_val, so hardtanh(-0.0, min_val=0.0) is +0.0 (as\n"
               "relu6; PyTorch's clamp keeps -0.0).  hardtanh(NaN) is NaN and so are its\n"
               "derivatives."),
        saturated_y=_sat_hardtanh,
        test_params=({"min_val": -0.5, "max_val": 2.5}, {"min_val": 0.25, "max_val": 0.25}),
        peers=Peers(
            numpy={"f": ("_hardtanh_f",), "grad": ("_hardtanh_grad",),
                   "backward_x": ("_hardtanh_backward",), "backward_y": ("_hardtanh_backward",)},
            numexpr={
                "f": "where(x > min_val, where(x < max_val, x, max_val), min_val)",
                "grad": "where((x > min_val) & (x < max_val), one, zero)",
                "backward_x": "where((x > min_val) & (x < max_val), g, zero)",
                "backward_y": "where((y > min_val) & (y < max_val), g, zero)",
            },
            torch={"f": TorchCall("nn.functional.hardtanh_", ("buf", "min_val", "max_val")),
                   "backward_x": _aten_backward("hardtanh_backward", "v", "min_val", "max_val"),
                   "backward_y": _aten_backward("hardtanh_backward", "v", "min_val", "max_val")},
        ),
    ),
    Activation(
        name="relu6",
        family="linear",
        summary="ReLU clipped at 6 (MobileNet): hardtanh with the ends 0 and 6.",
        f="min(max(x, 0), 6)",
        grad="1 if 0 < x < 6 else 0   (relu6'(0) = relu6'(6) = 0, as PyTorch)",
        grad_y="1 if 0 < y < 6 else 0",
        ulp={"float32": _EXACT, "float64": _EXACT},
        switch={"float32": (0.0, 6.0), "float64": (0.0, 6.0)},
        notes="relu6(-0.0) is +0.0; relu6(NaN) is NaN and so are its derivatives.",
        example=(-2.0, 0.0, 3.0, 6.0, 8.0),
        saturated_y=_sat_clip,
        same_as=(SameAs("hardtanh", {}, {"min_val": 0.0, "max_val": 6.0},
                        ("f", "grad", "backward_x", "backward_y")),),
        peers=Peers(
            numpy={"f": ("_relu6_f",), "grad": ("_relu6_grad",), "backward_x": ("_relu6_backward",),
                   "backward_y": ("_relu6_backward",)},
            numexpr={
                "f": "where(x > zero, where(x < 6, x, 6), zero)",
                "grad": "where((x > zero) & (x < 6), one, zero)",
                "backward_x": "where((x > zero) & (x < 6), g, zero)",
                "backward_y": "where((y > zero) & (y < 6), g, zero)",
            },
            torch={"f": TorchCall("nn.functional.relu6", ("buf",), (("inplace", True),)),
                   "backward_x": _aten_backward("hardtanh_backward", "v", 0.0, 6.0),
                   "backward_y": _aten_backward("hardtanh_backward", "v", 0.0, 6.0)},
        ),
    ),
    Activation(
        name="hardsigmoid",
        family="linear",
        summary="Hard sigmoid: piecewise linear, 0 below -3 and 1 above 3.",
        f="min(max(x + 3, 0), 6) / 6",
        grad="1/6 if -3 < x < 3 else 0   (hardsigmoid'(-3) = hardsigmoid'(3) = 0, as PyTorch)",
        grad_y="1/6 if 0 < y < 1 else 0",
        # one rounding of (x + 3) / 6 and of g / 6: 0.5 ULP plus a few 2^-50
        # relative (src/cact_linear.h), against a reference in the next
        # precision; promised within the contract's 1 ULP
        ulp={"float32": _ONE_ROUNDING, "float64": _ONE_ROUNDING},
        switch={"float32": (-3.0, 0.0, 3.0), "float64": (-3.0, 0.0, 3.0)},
        notes=("hardsigmoid(x) is exactly 0 for x <= -3 and 1 for x >= 3; NaN is NaN and so are\n"
               "its derivatives."),
        example=(-4.0, -1.5, 0.0, 1.5, 4.0),
        saturated_y=_sat_hardsigmoid,
        peers=Peers(
            numpy={"f": ("_hardsigmoid_f",), "grad": ("_hardsigmoid_grad",),
                   "backward_x": ("_hardsigmoid_backward",), "backward_y": ("_hardsigmoid_backward_y",)},
            numexpr={
                "f": "where(x > -3, where(x < 3, (x + 3) / 6, one), zero)",
                "grad": "where((x > -3) & (x < 3), one / 6, zero)",
                "backward_x": "where((x > -3) & (x < 3), g / 6, zero)",
                "backward_y": "where((y > zero) & (y < one), g / 6, zero)",
            },
            # f only: PyTorch's hardsigmoid_backward multiplies by 1/6 rounded
            # to float32 (3e-8 relative in float64), which the benchmark's
            # check of every peer's result rejects
            torch={"f": TorchCall("nn.functional.hardsigmoid", ("buf",), (("inplace", True),))},
        ),
    ),
    Activation(
        name="hardswish",
        family="linear",
        summary="Hard swish (MobileNetV3): x times hardsigmoid(x), 0 below -3 and x above 3.",
        f="x * min(max(x + 3, 0), 6) / 6",
        grad="0 if x <= -3, 1 if x >= 3, else (2x + 3) / 6   (as PyTorch's hardswish_backward)",
        # one rounding of x (x + 3) / 6 and of g (2x + 3) / 6: 0.5 ULP plus a
        # few 2^-50 relative (src/cact_linear.h); promised within 1 ULP
        ulp={"float32": {"f": 1.0, "grad": 1.0, "backward_x": 1.0},
             "float64": {"f": 1.0, "grad": 1.0, "backward_x": 1.0}},
        # the ends of the middle piece, f's minimum (f' = 0) and 0
        switch={"float32": (-3.0, -1.5, 0.0, 3.0), "float64": (-3.0, -1.5, 0.0, 3.0)},
        monotonic=False,
        notes=("hardswish(x) is +0.0 for x <= -3, -inf included (PyTorch: -0.0, and NaN at -inf),\n"
               "x itself for x >= 3, and f' is 0 at -3 and 1 at 3, as PyTorch.  No derivative\n"
               "from y: f is not invertible (it dips to -3/8 at x = -1.5).  NaN is NaN and so\n"
               "are its derivatives."),
        example=(-4.0, -1.5, 0.0, 1.5, 4.0),
        peers=Peers(
            numexpr={
                "f": "where(x > -3, where(x < 3, x * (x + 3) / 6, x), zero)",
                "grad": "where(x > -3, where(x < 3, (2 * x + 3) / 6, one), zero)",
                "backward_x": "where(x > -3, where(x < 3, g * (2 * x + 3) / 6, g), zero)",
            },
            torch={"f": TorchCall("nn.functional.hardswish", ("buf",), (("inplace", True),)),
                   "backward_x": _aten_backward("hardswish_backward", "v", out="out")},
        ),
    ),
    Activation(
        name="softsign",
        family="rational",
        summary="Softsign: a rational sigmoid, saturating to -1 and 1 like 1/|x| (not exponentially).",
        f="x / (1 + |x|)",
        grad="1 / (1 + |x|)**2",
        grad_y="(1 - |y|)**2",
        # float32 in double rounded once, float64 through exact pairs with
        # one rounding at the end (src/cact_linear.h): 0.5 ULP plus a few
        # 2^-50 relative; promised within the contract's 1 ULP
        ulp={"float32": _ONE_ROUNDING, "float64": _ONE_ROUNDING},
        # 0, |x| = 1 (where 1 + |x| changes binade), the saturation of f to
        # +-1 (2^24, 2^53), float64's clamp of |x| at 2^60, and f' subnormal
        # and then 0 (float32 2^63, 2^74.5; float64 2^511, 2^537.5)
        switch={
            "float32": (-1.0, 0.0, 1.0, 1.6777216e7, -1.6777216e7, 9.223372036854776e18, 2.671373890628154e22),
            "float64": (-1.0, 0.0, 1.0, 9.007199254740992e15, -9.007199254740992e15, 1.152921504606847e18,
                        6.703903964971299e153, 6.362424904190393e161),
        },
        odd=True,
        identity_at_zero=True,
        notes=("softsign(+-inf) = +-1, softsign(-0.0) = -0.0, and f'(+-inf) = 0 (grad_output times\n"
               "it the IEEE product).  NaN is NaN and so are its derivatives."),
        example=(-9.0, -1.0, 0.0, 1.0, 9.0),
        saturated_y=_sat_softsign,
        peers=Peers(
            numexpr={
                "f": "x / (one + abs(x))",
                "grad": "one / (one + abs(x))**2",
                "backward_x": "g / (one + abs(x))**2",
                "backward_y": "g * (one - abs(y))**2",
            },
        ),
    ),
    Activation(
        name="gelu",
        family="exp",
        summary="Gaussian error linear unit, exact (PyTorch's approximate='none'): x times the normal CDF.",
        f="x * Phi(x) = x / 2 * (1 + erf(x / sqrt(2)))",
        grad="Phi(x) + x * phi(x)   (phi(x) = exp(-x**2 / 2) / sqrt(2 pi), the normal density)",
        # f within 0.5 ULP plus about 2^-58 (float64) / 2^-31 (float32)
        # relative, f' likewise (through its zero at -0.7518 too: the zone is
        # evaluated as (x - r) H(x - r), src/cact_erf.h); promised within
        # the contract's 1 ULP
        ulp={"float32": {"f": 1.0, "grad": 1.0, "backward_x": 1.0},
             "float64": {"f": 1.0, "grad": 1.0, "backward_x": 1.0}},
        # the last nonzero result and the subnormal range, the clamp of
        # |x| (20, 54.5), the cancellation zone of f' around its zero
        # -0.7518 (selected on [-0.8, -0.7]), 0, and where Phi rounds to 1
        switch={
            "float32": (-20.0, -14.36, -13.15, -0.8, -0.7518, -0.7, 0.0, 5.42, 20.0),
            "float64": (-54.5, -38.58, -37.62, -0.8, -0.7518, -0.7, 0.0, 8.29, 54.5),
        },
        monotonic=False,
        notes=("Computed on the tail Phi(-|x|) = erfc(|x| / sqrt 2) / 2 directly, so negative x\n"
               "keep their relative accuracy (gelu(-20.0) = -5.5e-88 in float64; the textbook\n"
               "formula through erf cancels to 0 near -5).  gelu(-inf) = -0.0 and f'(+-inf) = 1, 0\n"
               "(the limits; PyTorch gives NaN), gelu(-0.0) = -0.0.  f' has a zero at\n"
               "x = -0.75179 (f's minimum, -0.16997), where Phi(x) and x phi(x) cancel; cact\n"
               "evaluates it as (x - r) H(x) there, so f' keeps its relative accuracy.  No\n"
               "derivative from y: f is not invertible.  NaN is NaN and so are its derivatives."),
        example=(-3.0, -0.75, 0.0, 0.5, 3.0),
        peers=Peers(
            torch={"f": TorchCall("ops.aten.gelu.out", ("buf",), (("out", "buf"),)),
                   "backward_x": _aten_backward("gelu_backward", "v")},
        ),
    ),
)

BY_NAME: dict[str, Activation] = {a.name: a for a in ACTIVATIONS}

# The four compiled variants of each row, with the suffix of their ufunc name.
VARIANTS: tuple[tuple[str, str], ...] = (
    ("f", ""),
    ("grad", "_grad"),
    ("backward_x", "_backward_x"),
    ("backward_y", "_backward_y"),
)


VARIANT_NAMES: tuple[str, ...] = tuple(v for v, _ in VARIANTS)


# The fused forms of every row (issue 12): name -> the variants it outputs
# in one pass, of z = x + b.  "f_bias" is f(x + b), "fd_bias" f(x + b) and
# f'(x + b); x + b is rounded once, as NumPy's x + b.  cact's f(x, bias=,
# deriv_out=) calls them (cact/_api.py); two forms only, since every fused
# kernel is compiled once per level and per dtype:
#   - f(x, deriv_out=d) without a bias is fd_bias with the 0-d bias -0.0
#     (x + -0.0 is x bitwise for every x, -0.0, infinities and quiet NaNs
#     included; a signalling NaN comes back quiet, payload kept, as from
#     NumPy's x + -0.0); the kernel runs a 0-d bias through its vector loop;
#   - f_grad(x, bias=b) is np.add(x, b, out=out), then the grad kernel in
#     place on out: two passes, no kernel of its own.
# Each also has a rows gufunc, the ufunc's name + "_rows", signature
# (n),(n)[,()...]->(n)[,(n)].
FUSED: dict[str, tuple[str, ...]] = {
    "f_bias": ("f",),
    "fd_bias": ("f", "grad"),
}
_FUSED_SUFFIX = {"f_bias": "_bias", "fd_bias": "_fd_bias"}

# Kernels that also get a "parameter rows" gufunc, the ufunc's name +
# "_prows", signature (n),...,(n)->(n): every operand, the parameters
# included, one value per element along the row (the elementwise kernel's
# loop for parameter arrays), the rows split over the threads.  PReLU's
# channels-last layout (cact/_prelu.py): rows of C channels with the slopes
# (C,) along each row, where NumPy would hand the plain ufunc one row of C
# at a time, each call too short to split.
PARAM_ROWS: tuple[tuple[str, str], ...] = (
    ("leaky_relu", "f"),
    ("leaky_relu", "backward_x"),
)


def ufunc_name(act: Activation, variant: str) -> str:
    """The name of the compiled ufunc for one row and one variant (or one of
    the FUSED forms)."""
    return act.name + (_FUSED_SUFFIX[variant] if variant in FUSED else dict(VARIANTS)[variant])


MAXOUT = {
    "summary": "Maxout: the maximum over consecutive groups of `pieces` entries along an axis.",
    "f": "out[..., j, ...] = max(z[..., j*pieces : (j+1)*pieces, ...])",
    "backward": "grad_z = grad_output at the arg-max of each group (first on ties), 0 elsewhere",
}


@dataclass(frozen=True)
class AxisOp:
    """An axis operation: the second kind of row.  Its compiled form is a
    generalised ufunc whose core dimension is the axis (the Python layer moves
    the axis last); the outer items are threaded by cact's pool like the
    elementwise loops (src/cact_parallel.c), one item on one thread.

    ``kind``: ``"rows"`` -- one row function per dtype,
    ``cact_<name>_row_<t>(a0, s0, ..., out, s_out, n)`` in ``src/`` (strides
    in bytes), for signatures in which every operand has the one core
    dimension n; ``src/cact_kernels.inc.tp`` generates the loop around it,
    which passes unit strides where the row is contiguous so the same code is
    vectorised.  ``"groups"`` -- a loop written by hand in the template
    (maxout's two gufuncs).
    ``signature``: the gufunc's core signature; ``nin``: its inputs.
    ``work_per_item``: the work of one outer item for the thread rule, a C
    expression (``dims[1]``: the row length); ``core_span``: the byte extent
    of one item's core dimensions for the overlap check, a C expression over
    ``dims`` and ``steps`` (outer steps first, then the core strides).
    ``nonempty``: a core dimension of 0 is a ValueError before any loop
    (src/cact_gufunc.h); softmax of an empty row is an empty row.
    ``blocks``: the dtypes ("f32", "f64") whose row function also has a
    block form for short rows, ``cact_<name>_rows_<t>`` (operands as (start,
    row step, stride), then n and the number of rows; it returns the rows it
    did), which the loop calls first: many short rows at a time, with the
    row function's results bit for bit (src/cact_softmax.h).
    ``public``: the cact function built on it (its docstring is in
    cact/_api.py); ``args`` and ``formula``: the ufunc's docstring.
    """

    name: str
    kind: str
    signature: str
    nin: int
    public: str
    args: str
    formula: str
    work_per_item: str = "dims[1]"
    core_span: str = ""
    nonempty: bool = False
    blocks: tuple[str, ...] = ()

    @property
    def ufunc(self) -> str:
        return "_" + self.name


def _row_span(nargs: int) -> str:
    # every operand has the one core dimension n: its stride is steps[nargs + k]
    return "dims[1] * (" + " + ".join(f"cact_absp(steps[{nargs + k}])" for k in range(nargs)) + ")"


AXIS_OPS: tuple[AxisOp, ...] = (
    AxisOp("maxout_reduce", "groups", "(p)->()", 1, "maxout", "z",
           "max over the last axis (first arg-max, NaN wins)",
           core_span="dims[1] * cact_absp(steps[2])", nonempty=True),
    AxisOp("maxout_scatter", "groups", "(),(p)->(p)", 2, "maxout_backward", "g, z",
           "g at the arg-max of z, 0 elsewhere",
           core_span="dims[1] * (cact_absp(steps[3]) + cact_absp(steps[4]))", nonempty=True),
    AxisOp("softmax", "rows", "(n)->(n)", 1, "softmax", "x",
           "exp(x - max x) / sum exp(x - max x) over the last axis", core_span=_row_span(2),
           blocks=("f32", "f64")),
    AxisOp("log_softmax", "rows", "(n)->(n)", 1, "log_softmax", "x",
           "(x - max x) - log(sum exp(x - max x)) over the last axis", core_span=_row_span(2),
           blocks=("f32", "f64")),
    AxisOp("softmax_backward", "rows", "(n),(n)->(n)", 2, "softmax_backward", "g, y",
           "y (g - sum(g y)) over the last axis, y = softmax(x)", core_span=_row_span(3),
           blocks=("f64",)),
    AxisOp("log_softmax_backward", "rows", "(n),(n)->(n)", 2, "log_softmax_backward", "g, y",
           "g - exp(y) sum(g) over the last axis, y = log_softmax(x)", core_span=_row_span(3),
           blocks=("f32", "f64")),
)

AXIS_BY_NAME: dict[str, AxisOp] = {a.name: a for a in AXIS_OPS}
