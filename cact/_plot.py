"""``python -m cact plot``: the activations of the table and their derivatives, drawn.

Two figures, every curve computed by cact itself (the forward function and its
``_grad``, each row with its default parameters), never by a NumPy formula:

* ``cact_activations``: one panel per row of ``cact.ACTIVATIONS`` (a row added
  to the table gets its panel with no change here) plus one for maxout with
  k = 2 pieces, f and f' on [-6, 6], the regions where |f'| < 0.01 shaded
  (saturated or dead: a gradient passing through is almost or exactly 0).
* ``cact_relu_family``: ReLU, Leaky ReLU and ELU near 0, on [-2, 2], with
  their derivatives.

matplotlib is an optional dependency (``pip install "cact[plot]"``); the figures
are drawn with the Agg canvas and the object-oriented API (``Figure``, not
``pyplot``), so nothing here touches matplotlib's global backend or state.
"""

from __future__ import annotations

import math
import os

import numpy as np

import cact
from cact._table import ACTIVATIONS, BY_NAME

# |f'| below this counts as saturated (or dead) and is shaded.
SATURATION = 0.01
# maxout's panel: the max of two lines z_j = a_j * x + b_j, one convex
# piecewise-linear function (cact.maxout over the two pieces).
MAXOUT_PIECES = ((-0.5, -1.0), (0.8, 0.0))

F_COLOUR = "tab:blue"
G_COLOUR = "tab:orange"
SHADE_COLOUR = "tab:red"


class MissingMatplotlib(RuntimeError):
    """matplotlib is not installed; the message names the extra to install."""


def _matplotlib():
    """The two matplotlib classes used here, or MissingMatplotlib."""
    try:
        import matplotlib  # noqa: F401  (first: the message then names matplotlib)
    except ImportError:
        raise MissingMatplotlib(
            'python -m cact plot needs matplotlib, which is not installed: '
            'pip install "cact[plot]" (from a checkout: pip install ".[plot]")'
        ) from None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


def _new_figure(figsize):
    Figure, FigureCanvasAgg = _matplotlib()
    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)  # attaches itself to the figure: savefig draws with Agg
    return fig


def _shade(ax, x, mask) -> None:
    """Shade the x-ranges where ``mask`` holds, over the full height of ``ax``."""
    ax.fill_between(x, 0, 1, where=mask, color=SHADE_COLOUR, alpha=0.12, linewidth=0,
                    transform=ax.get_xaxis_transform())


def _params(act) -> str:
    return ", ".join(f"{p.name}={p.default:g}" for p in act.params)


def _curves(act, x):
    """f(x) and f'(x) from cact, with the row's default parameters."""
    kw = {p.name: p.default for p in act.params}
    return getattr(cact, act.name)(x, **kw), getattr(cact, act.name + "_grad")(x, **kw)


def _maxout_curves(x):
    """maxout over MAXOUT_PIECES and its derivative in x, both from cact.

    The derivative is sum_j a_j * d maxout / d z_j, where
    ``cact.maxout_backward`` gives d maxout / d z_j (1 for the winning piece).
    """
    slopes = np.array([a for a, _ in MAXOUT_PIECES])
    z = x[:, None] * slopes + np.array([b for _, b in MAXOUT_PIECES])  # (n, 2)
    y = cact.maxout(z, 2)[:, 0]
    dz = cact.maxout_backward(np.ones((x.size, 1)), z, 2)  # (n, 2): one-hot winner
    return z, y, dz @ slopes


def activations_figure(lo: float = -6.0, hi: float = 6.0, n: int = 1201):
    """Figure 1: one panel per table row (+ maxout), f and f' on [lo, hi]."""
    x = np.linspace(lo, hi, n)
    panels = len(ACTIVATIONS) + 1
    cols = 3
    rows = math.ceil(panels / cols)
    fig = _new_figure((4.0 * cols, 2.9 * rows))
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    for ax in axes[panels:]:
        fig.delaxes(ax)
    for ax, act in zip(axes, ACTIVATIONS):
        y, g = _curves(act, x)
        ax.plot(x, y, color=F_COLOUR, label="f(x)")
        ax.plot(x, g, color=G_COLOUR, label="f'(x)")
        _shade(ax, x, np.abs(g) < SATURATION)
        p = _params(act)
        ax.set_title(f"{act.name}" + (f" ({p})" if p else ""))
    # maxout, k = 2: the two pieces dashed, their max solid.
    ax = axes[len(ACTIVATIONS)]
    z, y, g = _maxout_curves(x)
    for j, (a, b) in enumerate(MAXOUT_PIECES):
        ax.plot(x, z[:, j], color="grey", linestyle="--", linewidth=0.8,
                label="pieces" if j == 0 else None)
    ax.plot(x, y, color=F_COLOUR, label="f(x)")
    ax.plot(x, g, color=G_COLOUR, label="f'(x)")
    _shade(ax, x, np.abs(g) < SATURATION)
    ax.set_title("maxout, k=2: max(-0.5x - 1, 0.8x)")
    ax.set_ylim(-2.5, 5.0)
    for ax in axes[:panels]:
        ax.axhline(0, color="black", linewidth=0.5)
        ax.axvline(0, color="black", linewidth=0.5)
        ax.set_xlim(lo, hi)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left", fontsize="small")
    fig.suptitle(f"cact activations f and derivatives f' (computed by cact); "
                 f"shaded: |f'| < {SATURATION:g}")
    return fig


def relu_family_figure(lo: float = -2.0, hi: float = 2.0, n: int = 801):
    """Figure 2: ReLU, Leaky ReLU and ELU near 0, f (left) and f' (right)."""
    x = np.linspace(lo, hi, n)
    fig = _new_figure((10.0, 3.8))
    ax_f, ax_g = fig.subplots(1, 2)
    colours = ("tab:blue", "tab:green", "tab:purple")
    for name, colour in zip(("relu", "leaky_relu", "elu"), colours):
        act = BY_NAME[name]
        y, g = _curves(act, x)
        p = _params(act)
        label = name + (f" ({p})" if p else "")
        ax_f.plot(x, y, color=colour, label=label)
        ax_g.plot(x, g, color=colour, label=label)
    # Leaky ReLU's default slope 0.01 is hard to see at this scale: the same
    # function with alpha = 0.1, dashed, shows its shape.
    ax_f.plot(x, cact.leaky_relu(x, alpha=0.1), color=colours[1], linestyle="--",
              linewidth=0.9, label="leaky_relu (alpha=0.1)")
    ax_g.plot(x, cact.leaky_relu_grad(x, alpha=0.1), color=colours[1], linestyle="--",
              linewidth=0.9, label="leaky_relu (alpha=0.1)")
    ax_f.set_title("f(x) near 0")
    ax_g.set_title("f'(x) near 0: ReLU's is exactly 0 for x <= 0")
    for ax in (ax_f, ax_g):
        ax.axhline(0, color="black", linewidth=0.5)
        ax.axvline(0, color="black", linewidth=0.5)
        ax.set_xlim(lo, hi)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    return fig


FIGURES = {
    "cact_activations": activations_figure,
    "cact_relu_family": relu_family_figure,
}


def write(out: str = ".", fmt: str = "png", dpi: int = 80) -> list[str]:
    """Draw every figure of FIGURES into ``out`` as ``<name>.<fmt>``; the paths."""
    _matplotlib()  # fail before creating the folder when matplotlib is missing
    os.makedirs(out, exist_ok=True)
    paths = []
    for name, make in FIGURES.items():
        path = os.path.join(out, f"{name}.{fmt}")
        make().savefig(path, format=fmt, dpi=dpi)
        paths.append(path)
    return paths
