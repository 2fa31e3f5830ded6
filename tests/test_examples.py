"""examples/: the MLP toolkit's gradients, and each example in its --quick mode.

The gradient check compares the backward pass of ``examples/_mlp.py`` (cact's
``<act>_backward`` from y, ``maxout_backward``) through a whole small network
with central finite differences of the loss, in float64.  A second test feeds
it a plausible bug (the derivative taken at y instead of x) and requires the
check to catch it, so the check is known to be able to fail.

The example runs assert the claims each one prints (read back from its markdown
table), never a number copied from an earlier run.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import cact

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
if not os.path.isdir(EXAMPLES):
    pytest.skip("examples/ is not beside the tests (installed test run)", allow_module_level=True)
sys.path.insert(0, EXAMPLES)

import _mlp  # noqa: E402


def _flat_grads(net):
    return [(layer, name) for layer in net.layers for name in ("W", "b")]


def _relative_error(net, x, labels, eps=1e-6) -> float:
    """max over parameter arrays of |analytic - numeric| / max(|analytic|, |numeric|)
    (norms over each array), the numeric gradient from central differences."""
    _, dlogits = _mlp.softmax_cross_entropy(net.forward(x), labels)
    net.backward(dlogits)
    worst = 0.0
    for layer, name in _flat_grads(net):
        p = getattr(layer, name)
        analytic = getattr(layer, "d" + name).copy()
        numeric = np.empty_like(p)
        for i in np.ndindex(p.shape):
            keep = p[i]
            p[i] = keep + eps
            up = _mlp.loss_of(net, x, labels)
            p[i] = keep - eps
            down = _mlp.loss_of(net, x, labels)
            p[i] = keep
            numeric[i] = (up - down) / (2 * eps)
        scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), 1e-12)
        worst = max(worst, np.linalg.norm(analytic - numeric) / scale)
    return worst


def _data(n=9, d=3, classes=3, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, classes, n)


@pytest.mark.parametrize("activation", list(_mlp.ELEMENTWISE) + ["maxout", None])
def test_mlp_gradients_match_finite_differences(activation):
    x, labels = _data()
    net = _mlp.MLP([3, 5, 4, 3], activation, pieces=3, seed=2, dtype=np.float64)
    # biases away from 0, so the kinks of the ReLU family are not all at one place
    for layer in net.layers:
        layer.b[:] = np.random.default_rng(3).uniform(-0.5, 0.5, layer.b.shape)
    assert _relative_error(net, x, labels) < 1e-6


class _WrongDense(_mlp.Dense):
    """A plausible bug: the fused backward given the output y as if it were x."""

    def backward(self, g):
        if self.activation is not None:
            g = getattr(cact, self.activation + "_backward")(g, x=self._y, out=g)
        self.dW = self._a.T @ g
        self.db = g.sum(axis=0)
        return g @ self.W.T


def test_gradient_check_catches_a_wrong_backward():
    x, labels = _data()
    net = _mlp.MLP([3, 5, 4, 3], "tanh", seed=2, dtype=np.float64)
    for layer in net.layers:
        layer.__class__ = _WrongDense
    assert _relative_error(net, x, labels) > 1e-3


def test_float32_by_default():
    net = _mlp.MLP([2, 4, 2], "relu")
    assert all(layer.W.dtype == np.float32 for layer in net.layers)
    assert net.forward(np.zeros((3, 2))).dtype == np.float32


def test_digits_without_scikit_learn(monkeypatch):
    # None in sys.modules: the import fails as on an installation without it
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    x, labels, name = _mlp.digits(n_fallback=200)
    assert x.shape == (200, 64) and x.dtype == np.float32
    assert set(labels) == set(range(10))
    assert "NumPy-generated" in name


def test_markdown_table_round_trip():
    text = "intro\n" + _mlp.markdown_table(["a", "b"], [[1, "x"], [2, "y"]]) + "\nafter"
    assert _mlp.parse_markdown_table(text) == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}]


# ----------------------------------------------------------------------------
# Each example, reduced (--quick), in a child process.


def _run(name, tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib not installed (the examples extra)")
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name), "--quick",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    pngs = list(tmp_path.glob("*.png"))
    assert len(pngs) == 1 and pngs[0].stat().st_size > 1000
    return r.stdout, {row[next(iter(row))]: row for row in _mlp.parse_markdown_table(r.stdout)}


def _pct(cell: str) -> float:
    return float(cell.rstrip("%")) / 100


def test_nonlinear_boundary(tmp_path):
    out, rows = _run("nonlinear_boundary.py", tmp_path)
    linear = _pct(rows["identity"]["test accuracy"])
    for act in ("tanh", "relu"):
        # a wide margin: the linear model cannot separate the spirals
        assert _pct(rows[act]["test accuracy"]) > linear + 0.25, out


def test_vanishing_gradients(tmp_path):
    out, rows = _run("vanishing_gradients.py", tmp_path)
    ratio = {a: float(rows[a]["first/last"]) for a in rows}
    # sigmoid: the first layer's gradient orders of magnitude below the last's
    assert ratio["sigmoid"] < 1e-2, out
    for act in ("relu", "leaky_relu", "elu"):
        assert ratio[act] > 100 * ratio["sigmoid"], out
    assert "data set:" in out


def test_dead_relu(tmp_path):
    out, rows = _run("dead_relu.py", tmp_path)
    dead = {a: _pct(rows[a]["never active"]) for a in rows}
    assert dead["relu"] > dead["leaky_relu"], out
    assert dead["relu"] > dead["elu"], out
    # counted by cact.forward_with_stats: a ReLU output is 0 wherever z <= 0,
    # a Leaky ReLU output only at z == 0
    zero = {a: _pct(rows[a]["outputs at 0"]) for a in rows}
    assert zero["relu"] > 0.2 and zero["leaky_relu"] < 0.01, out


def test_maxout(tmp_path):
    out, rows = _run("maxout.py", tmp_path)
    assert {"relu", "maxout k=2", "maxout k=3", "maxout k=4"} <= set(rows), out
    for name, row in rows.items():
        # every model learns the spirals well beyond chance (0.5)
        assert _pct(row["test accuracy"]) > 0.75, out
