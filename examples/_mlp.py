"""A tiny multi-layer perceptron in NumPy, with every activation computed by cact.

Shared by the scripts in this folder (not part of the cact package).  It is as
small as training needs:

* ``Dense``: ``z = a @ W + b`` followed by an activation, either a row of
  ``cact.ACTIVATIONS`` (by name), ``"maxout"`` (``pieces`` linear pieces per
  unit, ``cact.maxout``) or ``None`` (the identity, and the output layer).
  The forward pass works in place (``cact.<act>(z, out=z)``), and the backward
  pass uses the output y only (``cact.<act>_backward(g, y=y, out=g)``), so a
  layer keeps one array per batch.  Maxout needs its pre-activations z, which
  it keeps instead, and so does a row without a derivative from y (hardswish:
  ``cact.<act>_backward(g, x=z, out=g)``), which keeps a copy of z.
* ``MLP``: a stack of layers; ``forward`` / ``backward`` / ``step`` (SGD with
  optional momentum).
* ``softmax_cross_entropy``: the mean loss and its gradient in the logits.
* ``train``: minibatch SGD over shuffled batches, a loss per epoch.
* ``xavier`` / ``he``: the initialisations (normal, Glorot 2010 / He 2015).

Everything runs in the network's dtype, float32 by default.
"""

from __future__ import annotations

import glob
import os
import sys

import numpy as np

# Run from a source checkout built in place (setup.py build_ext --inplace):
# use the cact next to this folder when its extension is there; an installed
# cact is used otherwise.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if glob.glob(os.path.join(_ROOT, "cact", "_core.*")) and _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import cact  # noqa: E402

ELEMENTWISE = tuple(a.name for a in cact.ACTIVATIONS)
# the rows whose derivative the backward pass computes from the output y
FROM_Y = tuple(a.name for a in cact.ACTIVATIONS if a.grad_y is not None)


def xavier(rng, fan_in: int, fan_out: int, dtype) -> np.ndarray:
    """Glorot/Xavier normal: variance 2 / (fan_in + fan_out), for sigmoid and tanh."""
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def he(rng, fan_in: int, fan_out: int, dtype) -> np.ndarray:
    """He/Kaiming normal: variance 2 / fan_in, for the ReLU family."""
    std = np.sqrt(2.0 / fan_in)
    return (rng.standard_normal((fan_in, fan_out)) * std).astype(dtype)


def init_for(activation: str | None):
    """The initialisation the examples use for an activation: He for the ReLU
    family (and maxout, a generalisation of it), Xavier otherwise."""
    return he if activation in ("relu", "leaky_relu", "elu", "maxout") else xavier


class Dense:
    """``y = act(a @ W + b)`` with ``units`` outputs.

    ``activation``: a cact activation name, ``"maxout"`` (then W has
    ``units * pieces`` columns, pieces of one unit adjacent) or None (identity).
    """

    def __init__(self, fan_in, units, activation=None, *, pieces=2, init=None, rng=None,
                 dtype=np.float32):
        if activation not in ELEMENTWISE + ("maxout", None):
            raise ValueError(f"unknown activation {activation!r}")
        rng = np.random.default_rng(0) if rng is None else rng
        self.activation = activation
        self.pieces = pieces if activation == "maxout" else 1
        init = init or init_for(activation)
        self.W = init(rng, fan_in, units * self.pieces, dtype)
        self.b = np.zeros(units * self.pieces, dtype)
        self.vW = np.zeros_like(self.W)  # momentum buffers
        self.vb = np.zeros_like(self.b)

    def forward(self, a: np.ndarray, keep: bool = True) -> np.ndarray:
        z = a @ self.W
        z += self.b
        if self.activation == "maxout":
            y = cact.maxout(z, self.pieces)
            self._z = z  # the backward pass routes the gradient to each arg-max
        else:
            if self.activation is not None:
                if self.activation not in FROM_Y and keep:
                    self._z = z.copy()  # f'(x) needs x: y will overwrite z
                y = getattr(cact, self.activation)(z, out=z)  # in place: y is z
            else:
                y = z
        if keep:
            self._a, self._y = a, y
        return y

    def backward(self, g: np.ndarray) -> np.ndarray:
        """``g`` = dL/dy (overwritten); sets dW, db and returns dL/da."""
        if self.activation == "maxout":
            g = cact.maxout_backward(g, self._z, self.pieces)
        elif self.activation is not None:
            # f'(z) from the output y alone (from z for a row without a
            # y-form), fused with the product, in place
            bwd = getattr(cact, self.activation + "_backward")
            g = bwd(g, y=self._y, out=g) if self.activation in FROM_Y else bwd(g, self._z, out=g)
        self.dW = self._a.T @ g
        self.db = g.sum(axis=0)
        return g @ self.W.T

    def params(self):
        return [(self.W, self.dW, self.vW), (self.b, self.db, self.vb)]


class MLP:
    """Layers ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``: every hidden layer
    with ``activation``, the last one linear (the logits)."""

    def __init__(self, sizes, activation, *, pieces=2, init=None, seed=0, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.dtype = np.dtype(dtype)
        self.layers = [
            Dense(n_in, n_out, activation, pieces=pieces, init=init, rng=rng, dtype=dtype)
            for n_in, n_out in zip(sizes[:-2], sizes[1:-1])
        ]
        # the output layer: Xavier (or the given init), no activation
        self.layers.append(Dense(sizes[-2], sizes[-1], None, init=init or xavier, rng=rng,
                                 dtype=dtype))

    def forward(self, x: np.ndarray, keep: bool = True) -> np.ndarray:
        a = np.asarray(x, self.dtype)
        for layer in self.layers:
            a = layer.forward(a, keep)
        return a

    def backward(self, dlogits: np.ndarray) -> None:
        g = dlogits
        for layer in reversed(self.layers):
            g = layer.backward(g)

    def grad_norm(self) -> float:
        """The norm of the whole gradient (every dW and db) of the last backward pass."""
        return float(np.sqrt(sum(np.vdot(dp, dp) for layer in self.layers
                                 for _, dp, _ in layer.params())))

    def step(self, lr: float, momentum: float = 0.0, clip: float | None = None) -> None:
        """One SGD step; ``clip``: scale the gradient down to this norm when above."""
        if clip is not None:
            norm = self.grad_norm()
            if norm > clip:
                lr = lr * clip / norm
        for layer in self.layers:
            for p, dp, v in layer.params():
                v *= momentum
                v -= lr * dp
                p += v

    def predict(self, x: np.ndarray, batch: int = 4096) -> np.ndarray:
        return np.concatenate([self.forward(x[i:i + batch], keep=False).argmax(axis=1)
                               for i in range(0, len(x), batch)])

    def accuracy(self, x, labels) -> float:
        return float(np.mean(self.predict(x) == labels))


def softmax_cross_entropy(logits: np.ndarray, labels: np.ndarray):
    """Mean cross-entropy of softmax(logits) against integer labels, and its
    gradient in the logits: (softmax - onehot) / n."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), labels].mean()
    grad = np.exp(log_p)
    grad[np.arange(n), labels] -= 1
    grad /= n
    return float(loss), grad.astype(logits.dtype, copy=False)


def loss_of(net: MLP, x, labels) -> float:
    return softmax_cross_entropy(net.forward(x, keep=False), labels)[0]


def train(net: MLP, x, labels, *, epochs: int, lr, batch: int = 64, momentum: float = 0.9,
          clip: float | None = None, seed: int = 0, on_epoch=None) -> list[float]:
    """Minibatch SGD; returns the loss on the whole training set after each epoch.

    ``lr``: a number or a function of the epoch (0-based) giving the rate;
    ``clip``: the largest gradient norm a step uses (see ``MLP.step``).
    ``on_epoch(epoch, net)`` is called after each epoch when given.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, net.dtype)
    losses = []
    for epoch in range(epochs):
        rate = lr(epoch) if callable(lr) else lr
        order = rng.permutation(len(x))
        for i in range(0, len(x), batch):
            idx = order[i:i + batch]
            _, dlogits = softmax_cross_entropy(net.forward(x[idx]), labels[idx])
            net.backward(dlogits)
            net.step(rate, momentum, clip)
        losses.append(loss_of(net, x, labels))
        if on_epoch is not None:
            on_epoch(epoch, net)
    return losses


# ----------------------------------------------------------------------------
# Data sets and output shared by the examples.


def two_spirals(n: int, *, turns: float = 1.5, radius: float = 3.0, noise: float = 0.08,
                seed: int = 0):
    """``n`` points of two interleaved spirals in the plane, labels 0/1 (balanced).

    A point at angle t (uniform in radius) lies at radius radius * t / (2 pi
    turns) on spiral 0; spiral 1 is spiral 0 turned by 180 degrees.  Gaussian
    noise of standard deviation ``noise * radius`` is added.  (A radius of about
    3 puts the inputs on the scale that Xavier/He initialisation expects; in
    [-1, 1] the tanh network barely moves in the epochs the examples allow.)
    """
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0.02, 1.0, n)) * turns * 2 * np.pi
    r = radius * t / (turns * 2 * np.pi)
    sign = np.where(labels == 0, 1.0, -1.0)
    x = np.stack([sign * r * np.cos(t), sign * r * np.sin(t)], axis=1)
    x += rng.normal(0.0, noise * radius, x.shape)
    return x.astype(np.float32), labels


def digits(seed: int = 0, n_fallback: int = 1800):
    """scikit-learn's bundled handwritten digits (8x8, 10 classes, no download),
    standardised; when scikit-learn is missing, a NumPy data set of the same shape
    (10 Gaussian classes in 64 dimensions).  Returns x, labels, description."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        rng = np.random.default_rng(seed)
        centres = rng.normal(0.0, 1.0, (10, 64))
        labels = np.arange(n_fallback) % 10
        x = centres[labels] + rng.normal(0.0, 1.5, (n_fallback, 64))
        name = (f"NumPy-generated (scikit-learn not installed): {n_fallback} points, "
                "10 Gaussian classes in 64 dimensions")
    else:
        d = load_digits()
        x, labels = d.data, d.target
        name = f"scikit-learn load_digits: {len(x)} images of 8x8 pixels, 10 classes"
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-8)
    return x.astype(np.float32), labels.astype(np.int64), name


def split(x, labels, test_fraction: float = 0.25, seed: int = 0):
    """A fixed random train/test split."""
    order = np.random.default_rng(seed).permutation(len(x))
    k = int(len(x) * (1 - test_fraction))
    return x[order[:k]], labels[order[:k]], x[order[k:]], labels[order[k:]]


def markdown_table(header, rows) -> str:
    """A small markdown table: a header row and rows of already formatted cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def parse_markdown_table(text: str) -> list[dict[str, str]]:
    """The rows of the first markdown table in ``text`` as dicts (for the tests)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in ln.strip("|").split("|"))))
            for ln in lines[2:]]


def common_args(description: str):
    """The options every example takes: --out DIR and --quick."""
    import argparse

    p = argparse.ArgumentParser(description=description)
    p.add_argument("--out", default=os.path.dirname(os.path.abspath(sys.argv[0])),
                   help="folder for the figure (default: next to the script)")
    p.add_argument("--quick", action="store_true",
                   help="a reduced run (smaller data, fewer epochs) for the tests")
    return p


def new_figure(figsize):
    """A matplotlib Figure drawn with the Agg canvas (no pyplot, no display)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig, out: str, name: str, dpi: int = 80) -> str:
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, name)
    fig.savefig(path, dpi=dpi)
    print(f"\nwrote {path}")
    return path
