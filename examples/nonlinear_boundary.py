"""Without a non-linear activation, stacked layers are one linear map.

Two interleaved spirals (NumPy, fixed seed) are classified by the same MLP,
2 -> 64 -> 64 -> 2, with tanh, with ReLU, and with the identity as activation
(then the whole network is a single linear function of its input, so its
decision boundary is a straight line).  Prints the accuracy of each as a
markdown table and draws the decision boundaries.

    python examples/nonlinear_boundary.py [--out DIR] [--quick]
"""

from __future__ import annotations

import time

import numpy as np

import _mlp

ACTIVATIONS = ("tanh", "relu", None)  # None: the identity


def main() -> None:
    args = _mlp.common_args(__doc__.splitlines()[0]).parse_args()
    n, epochs = (1000, 60) if args.quick else (4000, 150)
    x, labels = _mlp.two_spirals(n, seed=0)
    x_train, y_train, x_test, y_test = _mlp.split(x, labels, seed=1)
    print(f"two spirals: {len(x_train)} training and {len(x_test)} test points; "
          f"MLP 2-64-64-2, minibatch SGD (batch 32, momentum 0.9), {epochs} epochs, float32")

    nets, rows = {}, []
    for act in ACTIVATIONS:
        name = act or "identity"
        net = _mlp.MLP([2, 64, 64, 2], act, seed=0)
        t0 = time.perf_counter()
        losses = _mlp.train(net, x_train, y_train, epochs=epochs, lr=0.1, batch=32)
        seconds = time.perf_counter() - t0
        nets[name] = net
        rows.append([name, f"{losses[-1]:.3f}", f"{net.accuracy(x_train, y_train):.1%}",
                     f"{net.accuracy(x_test, y_test):.1%}", f"{seconds:.1f}"])
    print()
    print(_mlp.markdown_table(["activation", "final loss", "train accuracy", "test accuracy",
                               "train time (s)"], rows))

    # Decision boundaries: the predicted class on a grid, the test points on top.
    fig = _mlp.new_figure((4.0 * len(nets), 4.0))
    axes = fig.subplots(1, len(nets))
    g = np.linspace(-3.9, 3.9, 200, dtype=np.float32)
    gx, gy = np.meshgrid(g, g)
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    for ax, (name, net), row in zip(axes, nets.items(), rows):
        ax.contourf(gx, gy, net.predict(grid).reshape(gx.shape), levels=[-0.5, 0.5, 1.5],
                    colors=["#c6dbef", "#fdd0a2"])
        ax.scatter(x_test[:, 0], x_test[:, 1], c=np.where(y_test == 0, "tab:blue", "tab:orange"),
                   s=5)
        ax.set_title(f"{name}: test accuracy {row[3]}")
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("Two spirals, MLP 2-64-64-2 trained with cact activations")
    _mlp.save(fig, args.out, "nonlinear_boundary.png")


if __name__ == "__main__":
    main()
