"""Too high a learning rate kills ReLU units; Leaky ReLU and ELU keep a gradient.

The same MLP (64 -> 128 -> 128 -> 10, He initialisation, same seed) with ReLU,
Leaky ReLU and ELU is trained on the handwritten digits (scikit-learn's
``load_digits``, or a NumPy data set without scikit-learn) under one schedule:
one epoch at a learning rate that is too high (3.0), then epochs at 0.05, plain
SGD without momentum.  Each step's gradient is clipped to norm 2, so the
too-high rate throws the weights far without overflowing them to inf/NaN
(which would leave nothing to compare).

A unit that is never active, pre-activation z <= 0 for every training image,
is dead for ReLU: its output and its derivative are 0 everywhere, so no
gradient reaches its weights again.  Leaky ReLU (slope 0.01) and ELU
(derivative exp(z)) still pass a gradient and can come back.  Prints the
fraction of never-active hidden units after the high-rate epoch and at the end,
and draws the histogram of the hidden pre-activations.

    python examples/dead_relu.py [--out DIR] [--quick]
"""

from __future__ import annotations

import numpy as np

import _mlp

import cact  # noqa: E402  (after _mlp, which finds the package)

ACTIVATIONS = ("relu", "leaky_relu", "elu")
HIGH_LR, LR, CLIP = 3.0, 0.05, 2.0


def pre_activations(net, x) -> list[np.ndarray]:
    """z of every hidden layer over the whole data set (one forward pass)."""
    zs, a = [], np.asarray(x, net.dtype)
    for layer in net.layers[:-1]:
        zs.append(a @ layer.W + layer.b)
        a = layer.forward(a, keep=False)
    return zs


def never_active(net, x) -> float:
    """The fraction of hidden units with z <= 0 on every row of x."""
    zs = pre_activations(net, x)
    return float(sum((z <= 0).all(axis=0).sum() for z in zs) / sum(z.shape[1] for z in zs))


def output_stats(net, x) -> tuple[float, float]:
    """The fractions of hidden outputs over the data set that are exactly 0
    and that have |f'| < 0.001 (the gradient through them damped a
    thousandfold), counted by cact.forward_with_stats in the activation's own
    pass (no second pass over the outputs)."""
    dead = saturated = size = 0
    for layer, z in zip(net.layers[:-1], pre_activations(net, x)):
        _, st = cact.forward_with_stats(layer.activation, z, out=z, threshold=1e-3)
        dead, saturated, size = dead + st.dead, saturated + st.saturated, size + st.size
    return dead / size, saturated / size


def main() -> None:
    args = _mlp.common_args(__doc__.splitlines()[0]).parse_args()
    epochs = 2 if args.quick else 10
    x, labels, data_name = _mlp.digits(seed=0)
    x_train, y_train, x_test, y_test = _mlp.split(x, labels, seed=1)
    print(f"data set: {data_name}")
    print(f"MLP 64-128-128-10, float32; SGD without momentum, batch 32, gradient norm clipped "
          f"to {CLIP}; epoch 1 at lr {HIGH_LR} (too high), epochs 2-{epochs} at lr {LR}")

    rows, hists = [], {}
    for act in ACTIVATIONS:
        net = _mlp.MLP([64, 128, 128, 10], act, seed=0)
        after_high = []

        def count_after_first_epoch(epoch, net):
            if epoch == 0:
                after_high.append(never_active(net, x_train))

        _mlp.train(net, x_train, y_train, epochs=epochs, batch=32, momentum=0.0, clip=CLIP,
                   lr=lambda epoch: HIGH_LR if epoch == 0 else LR,
                   on_epoch=count_after_first_epoch)
        hists[act] = np.concatenate([z.ravel() for z in pre_activations(net, x_train)])
        zero, sat = output_stats(net, x_train)
        rows.append([act, f"{after_high[0]:.1%}", f"{never_active(net, x_train):.1%}",
                     f"{zero:.1%}", f"{sat:.1%}",
                     f"{_mlp.loss_of(net, x_train, y_train):.3f}",
                     f"{net.accuracy(x_test, y_test):.1%}"])
    print()
    print(_mlp.markdown_table(["activation", "never active after epoch 1", "never active",
                               "outputs at 0", "outputs with |f'| < 0.001",
                               "final loss", "test accuracy"], rows))
    print("\n(never active: hidden units, both layers, with z <= 0 on every training image, "
          "at the end unless said; outputs: every hidden output over the training set at the "
          "end, counted by cact.forward_with_stats in the forward pass)")

    fig = _mlp.new_figure((11.0, 3.6))
    axes = fig.subplots(1, len(ACTIVATIONS), sharey=True)
    lo, hi = np.percentile(np.concatenate(list(hists.values())), [0.5, 99.5])
    bins = np.linspace(min(lo, -1.0), max(hi, 1.0), 80)
    for ax, (act, z), row in zip(axes, hists.items(), rows):
        ax.hist(np.clip(z, bins[0], bins[-1]), bins=bins, color="tab:blue")
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yscale("log")
        ax.set_title(f"{act}: {row[2]} of units never active")
        ax.set_xlabel("hidden pre-activation z (training set; tails clipped)")
    axes[0].set_ylabel("count")
    fig.suptitle(f"Pre-activations after one epoch at lr {HIGH_LR} and "
                 f"{epochs - 1} at lr {LR}")
    _mlp.save(fig, args.out, "dead_relu.png")


if __name__ == "__main__":
    main()
