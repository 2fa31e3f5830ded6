"""Saturating activations make gradients vanish in deep networks.

One deep MLP per activation (sigmoid, tanh, ReLU, Leaky ReLU, ELU): 64 inputs,
15 hidden layers of 64 units, 10 outputs; Xavier initialisation for sigmoid
and tanh, He for the ReLU family, the same seed for all.  On the handwritten
digits that scikit-learn ships in its package (``load_digits``, no download;
a NumPy-generated data set of the same shape when scikit-learn is missing):

1. the norm of the weight gradient of every layer after one backward pass at
   initialisation (on the first 256 training images), plotted on a log scale:
   sigmoid's derivative is at most 1/4, so each layer shrinks the gradient on
   its way back and the first layer gets almost nothing;
2. the training loss over the first epochs of minibatch SGD (same rate,
   momentum and batches for every activation).

Prints a markdown table; writes vanishing_gradients.png.

    python examples/vanishing_gradients.py [--out DIR] [--quick]
"""

from __future__ import annotations

import numpy as np

import _mlp

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
DEPTH = 15  # hidden layers
WIDTH = 64


def layer_gradient_norms(net, x, labels) -> list[float]:
    """||dL/dW|| of each layer (input side first) after one backward pass."""
    _, dlogits = _mlp.softmax_cross_entropy(net.forward(x), labels)
    net.backward(dlogits)
    return [float(np.linalg.norm(layer.dW)) for layer in net.layers]


def main() -> None:
    args = _mlp.common_args(__doc__.splitlines()[0]).parse_args()
    epochs = 2 if args.quick else 15
    x, labels, data_name = _mlp.digits(seed=0)
    x_train, y_train, x_test, y_test = _mlp.split(x, labels, seed=1)
    if args.quick:  # the tests: a third of the training set, 2 epochs
        x_train, y_train = x_train[:450], y_train[:450]
    sizes = [x.shape[1]] + [WIDTH] * DEPTH + [10]
    lr, momentum, batch = 0.01, 0.9, 32
    print(f"data set: {data_name}")
    print(f"MLP {x.shape[1]}-{WIDTH}x{DEPTH}-10 ({DEPTH + 1} weight layers), float32; "
          f"SGD lr {lr}, momentum {momentum}, batch {batch}, {epochs} epochs")

    norms, losses, rows = {}, {}, []
    for act in ACTIVATIONS:
        net = _mlp.MLP(sizes, act, seed=0)
        norms[act] = layer_gradient_norms(net, x_train[:256], y_train[:256])
        start = _mlp.loss_of(net, x_train, y_train)
        losses[act] = [start] + _mlp.train(net, x_train, y_train, epochs=epochs, lr=lr,
                                           batch=batch, momentum=momentum)
        first, last = norms[act][0], norms[act][-1]
        rows.append([act, _mlp.init_for(act).__name__, f"{first:.2e}", f"{last:.2e}",
                     f"{first / last:.2e}", f"{start:.3f}", f"{losses[act][-1]:.3f}",
                     f"{net.accuracy(x_test, y_test):.1%}"])
    print()
    print(_mlp.markdown_table(
        ["activation", "init", "grad norm layer 1", f"grad norm layer {DEPTH + 1}",
         "first/last", "loss at start", f"loss after {epochs} epochs", "test accuracy"], rows))

    fig = _mlp.new_figure((11.0, 4.0))
    ax_g, ax_l = fig.subplots(1, 2)
    for act in ACTIVATIONS:
        ax_g.semilogy(range(1, DEPTH + 2), norms[act], marker="o", markersize=3, label=act)
        ax_l.plot(range(epochs + 1), losses[act], marker="o", markersize=3, label=act)
    ax_g.set_xlabel("layer (1 = next to the input)")
    ax_g.set_ylabel("||dL/dW|| after one backward pass")
    ax_g.set_title(f"Gradient norm per layer, {DEPTH} hidden layers, at initialisation")
    ax_l.set_xlabel("epoch")
    ax_l.set_ylabel("training loss (cross-entropy)")
    ax_l.set_title("Training loss, same SGD schedule")
    for ax in (ax_g, ax_l):
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    fig.suptitle(data_name.split(":")[0])
    _mlp.save(fig, args.out, "vanishing_gradients.png")


if __name__ == "__main__":
    main()
