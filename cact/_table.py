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
  independent reference for each, and the benchmarks (``bench/``).

This module must only import the standard library: ``setup.py`` loads it with
``runpy`` before the package is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Param",
    "Activation",
    "ACTIVATIONS",
    "BY_NAME",
    "VARIANTS",
    "MAXOUT",
    "ufunc_name",
]


@dataclass(frozen=True)
class Param:
    """A scalar parameter of an activation (e.g. ``alpha``)."""

    name: str
    default: float
    doc: str


@dataclass(frozen=True)
class Activation:
    """One row of the table.

    ``family`` names the C header that holds the element functions: ``"exp"``
    (``src/cact_exp_family.h``, built on the shared exp core) or ``"linear"``
    (``src/cact_linear.h``, piecewise linear).  No thread threshold: cact
    measures each kernel's cost where it runs (``src/cact_parallel.c``).
    """

    name: str
    family: str
    summary: str
    f: str
    grad: str
    # The formula only: a condition on the parameters is y_needs_nonneg, which
    # the docstrings state once (cact/_api.py, src/render.py).
    grad_y: str
    params: tuple[Param, ...] = ()
    # The y-form of f' is only valid when every parameter is >= 0 (with a
    # negative alpha, the sign of y no longer tells the sign of x).
    y_needs_nonneg: bool = False
    notes: str = ""
    # Values used in the docstring example and the ``python -m cact`` demo.
    example: tuple[float, ...] = (-2.0, -0.5, 0.0, 0.5, 2.0)
    # Saturation/switch points worth testing (per dtype); informative.
    special: dict[str, Any] = field(default_factory=dict)


_ALPHA_LEAKY = Param("alpha", 0.01, "slope for x <= 0 (PyTorch/ONNX/JAX default 0.01)")
_ALPHA_ELU = Param("alpha", 1.0, "scale of the negative saturation value -alpha")

ACTIVATIONS: tuple[Activation, ...] = (
    Activation(
        name="sigmoid",
        family="exp",
        summary="Logistic sigmoid, saturating to 0 and 1.",
        f="1 / (1 + exp(-x))",
        grad="sigmoid(x) * sigmoid(-x) = exp(-|x|) / (1 + exp(-|x|))**2",
        grad_y="y * (1 - y)",
        notes=(
            "Computed with e = exp(-|x|), which never overflows: 1/(1+e) for x >= 0 and\n"
            "e/(1+e) for x < 0.  sigmoid(+inf) = 1, sigmoid(-inf) = 0, float32 results\n"
            "that are subnormal (x in about [-103.9, -87.3]) are computed, not flushed.\n"
            "The derivative from x stays accurate in the tails: sigmoid_grad(30.0) is\n"
            "9.357622968838e-14, where y * (1 - y) would give 0 or rounding noise."
        ),
    ),
    Activation(
        name="tanh",
        family="exp",
        summary="Hyperbolic tangent, saturating to -1 and 1.",
        f="(exp(x) - exp(-x)) / (exp(x) + exp(-x))",
        grad="1 - tanh(x)**2 = 4 exp(-2|x|) / (1 + exp(-2|x|))**2",
        grad_y="1 - y**2",
        notes=(
            "tanh(+-inf) = +-1 and tanh(-0.0) = -0.0.  The derivative from x is computed\n"
            "as 4e/(1+e)**2 with e = exp(-2|x|), accurate in the tails where 1 - y**2\n"
            "cancels to 0."
        ),
    ),
    Activation(
        name="relu",
        family="linear",
        summary="Rectified linear unit.",
        f="max(x, 0)",
        grad="1 if x > 0 else 0   (relu'(0) = 0, as PyTorch)",
        grad_y="1 if y > 0 else 0",
        notes="relu(-0.0) is +0.0; relu(NaN) is NaN and so are its derivatives.",
    ),
    Activation(
        name="leaky_relu",
        family="linear",
        summary="Leaky ReLU: a small slope alpha for negative inputs.",
        f="x if x > 0 else alpha * x",
        grad="1 if x > 0 else alpha   (leaky_relu'(0) = alpha, as PyTorch)",
        grad_y="1 if y > 0 else alpha",
        params=(_ALPHA_LEAKY,),
        y_needs_nonneg=True,
        notes=(
            "For float32 inputs alpha is rounded to float32 first.  alpha * x follows\n"
            "IEEE arithmetic: with alpha = 0, leaky_relu(-inf) is NaN (0 * inf)."
        ),
    ),
    Activation(
        name="elu",
        family="exp",
        summary="Exponential linear unit, saturating softly to -alpha.",
        f="x if x > 0 else alpha * (exp(x) - 1)",
        grad="1 if x > 0 else alpha * exp(x)   (elu'(0) = alpha, as PyTorch)",
        grad_y="1 if y > 0 else y + alpha",
        params=(_ALPHA_ELU,),
        y_needs_nonneg=True,
        notes=(
            "exp(x) - 1 is computed with expm1, so elu keeps full relative accuracy\n"
            "for small negative x; elu(-inf) = -alpha, elu(-0.0) = -0.0 for alpha > 0.\n"
            "A zero result has the sign IEEE gives the formula: elu(x, alpha=0) is -0.0\n"
            "for every x < 0 (0 times exp(x) - 1 < 0), at every instruction-set level."
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


def ufunc_name(act: Activation, variant: str) -> str:
    """The name of the compiled ufunc for one row and one variant."""
    return act.name + dict(VARIANTS)[variant]


MAXOUT = {
    "summary": "Maxout: the maximum over consecutive groups of `pieces` entries along an axis.",
    "f": "out[..., j, ...] = max(z[..., j*pieces : (j+1)*pieces, ...])",
    "backward": "grad_z = grad_output at the arg-max of each group (first on ties), 0 elsewhere",
}
