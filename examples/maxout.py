"""Maxout learns its own piecewise-linear activation.

A maxout unit outputs the largest of k linear functions of its input
(``cact.maxout`` over groups of k pre-activations, ``cact.maxout_backward``
for the gradient): a convex piecewise-linear function with up to k pieces that
training shapes, where ReLU fixes it to max(z, 0) (maxout with k = 2 and one
piece held at 0).  Maxout networks with k = 2, 3 and 4 and a ReLU network, all
2 -> 32 -> 32 -> 2 (the same number of units; a maxout layer has k times the
weights), are trained on the two spirals with the same SGD schedule.  Prints
accuracy and parameter counts; plots what a few learned first-layer units
compute along a line through the input plane: the k pieces (dashed) and
their maximum, the unit's output.

    python examples/maxout.py [--out DIR] [--quick]
"""

from __future__ import annotations

import time

import numpy as np

import _mlp

MODELS = (("relu", "relu", 1), ("maxout k=2", "maxout", 2), ("maxout k=3", "maxout", 3),
          ("maxout k=4", "maxout", 4))
UNITS_SHOWN = 3


def unit_along_line(layer, unit: int, t: np.ndarray):
    """The pieces and output of first-layer maxout ``unit`` at the inputs t * u.

    u is the unit vector along which the unit's first two pieces differ most
    (w_0 - w_1), so the kinks show.  Piece j at input t*u is
    t * (w_j . u) + b_j: a line in t.  Returns (pieces (len(t), k), output)."""
    k = layer.pieces
    cols = slice(unit * k, (unit + 1) * k)  # a unit's pieces are adjacent columns
    W, b = layer.W[:, cols].astype(np.float64), layer.b[cols].astype(np.float64)
    u = W[:, 0] - W[:, 1]
    u /= np.linalg.norm(u)
    pieces = t[:, None] * (u @ W) + b
    # the unit's output as cact computes it in the network: maxout over its k pieces
    return pieces, _mlp.cact.maxout(pieces, k)[:, 0]


def main() -> None:
    args = _mlp.common_args(__doc__.splitlines()[0]).parse_args()
    n, epochs = (1000, 40) if args.quick else (4000, 100)
    x, labels = _mlp.two_spirals(n, seed=0)
    x_train, y_train, x_test, y_test = _mlp.split(x, labels, seed=1)
    print(f"two spirals: {len(x_train)} training and {len(x_test)} test points; "
          f"MLP 2-32-32-2, minibatch SGD (lr 0.05, batch 32, momentum 0.9), {epochs} epochs, "
          "float32")

    rows, nets = [], {}
    for name, act, k in MODELS:
        net = _mlp.MLP([2, 32, 32, 2], act, pieces=k, seed=0)
        t0 = time.perf_counter()
        losses = _mlp.train(net, x_train, y_train, epochs=epochs, lr=0.05, batch=32)
        seconds = time.perf_counter() - t0
        params = sum(p.size for layer in net.layers for p, _, _ in layer.params())
        nets[name] = net
        rows.append([name, str(params), f"{losses[-1]:.3f}",
                     f"{net.accuracy(x_train, y_train):.1%}",
                     f"{net.accuracy(x_test, y_test):.1%}", f"{seconds:.1f}"])
    print()
    print(_mlp.markdown_table(["model", "parameters", "final loss", "train accuracy",
                               "test accuracy", "train time (s)"], rows))

    # A few learned units of each maxout network's first layer.
    maxouts = [name for name, act, _ in MODELS if act == "maxout"]
    fig = _mlp.new_figure((3.2 * UNITS_SHOWN, 2.6 * len(maxouts)))
    axes = fig.subplots(len(maxouts), UNITS_SHOWN, squeeze=False)
    t = np.linspace(-4.0, 4.0, 401)
    for row_axes, name in zip(axes, maxouts):
        layer = nets[name].layers[0]
        for unit, ax in enumerate(row_axes):
            pieces, out = unit_along_line(layer, unit, t)
            ax.plot(t, pieces, color="grey", linestyle="--", linewidth=0.8)
            ax.plot(t, out, color="tab:blue", linewidth=2)
            ax.set_ylim(out.min() - 1.0, out.max() + 1.0)
            ax.set_title(f"{name}, unit {unit}", fontsize="medium")
            ax.grid(alpha=0.3)
        row_axes[0].set_ylabel("unit output")
    for ax in axes[-1]:
        ax.set_xlabel("t (input t*u, u a unit direction)")
    fig.suptitle("Learned maxout units: k linear pieces (dashed), the unit = their max")
    _mlp.save(fig, args.out, "maxout.png")


if __name__ == "__main__":
    main()
