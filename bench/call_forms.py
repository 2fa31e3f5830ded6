"""The per-call cost of every common call form, against NumPy in the same form.

For short arrays (n = 16 by default) a call's time is its overhead: argument
checks, dispatch, allocation.  Each row times one form of a cact call and the
same form of a NumPy call (``np.tanh`` for the one-input functions, allocating
or with the same ``out=``; ``np.multiply`` for the two-input backward), in
float32, samples interleaved (``bench/_timing.py``), and gives the median
time per call and the ratio cact / NumPy (issue 9's target: at most 0.5).
``bench/bench.py --overhead`` prints this table after its own.

Usage::

    python bench/call_forms.py [--n 16] [--repeat 9]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cact  # noqa: E402
from _timing import Timed, fmt_time, measure_interleaved, timer_overhead_ns  # noqa: E402


def forms(n: int, dtype=np.float32) -> list:
    """(label, cact call, numpy call in the same form), on fresh buffers."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n).astype(dtype)
    y = np.empty_like(x)
    v = rng.standard_normal((2, n)).astype(dtype)
    x2 = rng.standard_normal((2, n // 2)).astype(dtype)
    g = rng.standard_normal(n).astype(dtype)
    s = cact.sigmoid(x)  # a forward output, in (0, 1)
    z = rng.standard_normal(2 * n).astype(dtype)
    gz = rng.standard_normal(n).astype(dtype)
    oz = np.empty(n, dtype)
    ob = np.empty(2 * n, dtype)
    xc = rng.standard_normal((2, n // 2)).astype(dtype)  # channels last
    w = np.linspace(0.1, 0.4, n // 2).astype(dtype)
    return [
        ("sigmoid(x)", lambda: cact.sigmoid(x), lambda: np.tanh(x)),
        ("sigmoid(x, out=x)", lambda: cact.sigmoid(x, out=x), lambda: np.tanh(x, out=x)),
        ("relu(x, out=x)", lambda: cact.relu(x, out=x), lambda: np.tanh(x, out=x)),
        ("sigmoid(x, out=y)", lambda: cact.sigmoid(x, out=y), lambda: np.tanh(x, out=y)),
        ("sigmoid(v[0], out=v[0])", lambda: cact.sigmoid(v[0], out=v[0]),
         lambda: np.tanh(v[0], out=v[0])),
        ("leaky_relu(x, alpha=0.1, out=y)", lambda: cact.leaky_relu(x, alpha=0.1, out=y),
         lambda: np.tanh(x, out=y)),
        ("elu(x, 0.5, out=x)", lambda: cact.elu(x, 0.5, out=x), lambda: np.tanh(x, out=x)),
        ("tanh(x2d, out=x2d)", lambda: cact.tanh(x2, out=x2), lambda: np.tanh(x2, out=x2)),
        ("sigmoid_grad(x)", lambda: cact.sigmoid_grad(x), lambda: np.tanh(x)),
        ("sigmoid_backward(g, y=s, out=g[...])", lambda: cact.sigmoid_backward(g, y=s, out=g[...]),
         lambda: np.multiply(g, s, out=g[...])),
        ("tanh_backward(g, x, out=y)", lambda: cact.tanh_backward(g, x, out=y),
         lambda: np.multiply(g, x, out=y)),
        ("maxout(z, 2)", lambda: cact.maxout(z, 2), lambda: np.tanh(z)),
        ("maxout(z, 2, out=o)", lambda: cact.maxout(z, 2, out=oz), lambda: np.tanh(z, out=ob)),
        ("maxout_backward(g, z, 2)", lambda: cact.maxout_backward(gz, z, 2), lambda: np.tanh(z)),
        ("maxout_backward(g, z, 2, out=o)", lambda: cact.maxout_backward(gz, z, 2, out=ob),
         lambda: np.tanh(z, out=ob)),
        ("prelu(x, 0.25, out=x)", lambda: cact.prelu(x, 0.25, out=x), lambda: np.tanh(x, out=x)),
        ("prelu(xc, w, -1, out=xc)", lambda: cact.prelu(xc, w, -1, out=xc),
         lambda: np.multiply(xc, w, out=xc)),
        ("prelu_backward(g, xc, w, -1)", lambda: cact.prelu_backward(x2, xc, w, -1),
         lambda: np.multiply(x2, w)),
    ]


def run(n: int = 16, repeat: int = 9, min_sample_ns: float = 5e6, out=print) -> list:
    overhead = timer_overhead_ns()
    out(f"| call form (float32, n = {n}) | cact | NumPy, same form | cact / NumPy |")
    out("|---|---:|---:|---:|")
    rows = []
    for label, c, ref in forms(n):
        items = [Timed("cact", c, None), Timed("numpy", ref, None)]
        measure_interleaved(items, repeat, min_sample_ns, overhead)
        t = {it.label: it.median for it in items}
        rows.append((label, t["cact"], t["numpy"]))
        out(f"| `{label}` | {fmt_time(t['cact'])} | {fmt_time(t['numpy'])} | "
            f"{t['cact'] / t['numpy']:.2f} |")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=9)
    a = ap.parse_args(argv)
    run(a.n, a.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
