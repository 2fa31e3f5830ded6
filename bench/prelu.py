"""prelu and prelu_backward side by side with PyTorch and NumPy.

For each dtype and layout (channels-first ``(N, C, H, W)`` with ``axis=1``,
channels-last ``(N, H, W, C)`` with ``axis=-1``), one slope per channel:

* forward: ``cact.prelu(x, w, axis, out=y)`` against ``torch.prelu`` (a new
  tensor: PyTorch has no out= form) and NumPy's
  ``np.multiply(x, w, out=y); np.maximum(x, y, out=y)`` for w <= 1 (one
  pass less than ``np.where``; the weights here are in [0, 0.5]);
* backward: ``cact.prelu_backward(g, x, w, axis, out=gx)`` (grad_x and
  grad_weight) against ``torch.ops.aten._prelu_kernel_backward`` (what
  autograd runs) and NumPy's ``np.where`` formulation with a float64
  weight sum.

Prints median times and ``best peer / cact`` (above 1: cact is faster;
issue 12 asks for >= 1.0).  Samples are interleaved (bench/_timing.py).

Usage::

    python bench/prelu.py [--shape 32,64,28,28] [--dtypes float32,float64] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
try:
    import cact
except ImportError:  # not installed: use the in-place build of this checkout
    sys.path.insert(1, os.path.dirname(_HERE))
    import cact
from _peers import optional_torch  # noqa: E402
from _timing import (Timed, add_run_options, apply_run_options, fmt_time, machine_info,  # noqa: E402
                     measure_interleaved, timer_overhead_ns)


def _numpy_forward(x, wv, y):
    np.multiply(x, wv, out=y)
    np.maximum(x, y, out=y)


def _numpy_backward(g, x, wv, gx, axes):
    np.copyto(gx, np.where(x > 0, g, g * wv))
    return np.where(x > 0, 0.0, np.multiply(x, g, dtype=np.float64)).sum(axis=axes)


def run(args, out=print) -> list[dict]:
    nth, settle_ms = apply_run_options(args)
    torch = optional_torch(nth)
    info = machine_info()
    out(f"# bench/prelu.py: {info['cpu']}; {info['cores']}; Python {info['python']}, "
        f"NumPy {info['numpy']}, cact {info['cact']} ({info['instruction set']}), "
        + (f"torch {torch.__version__}" if torch else "torch: not installed"))
    out(f"# threads: {nth} (cact and torch; NumPy 1); median of {args.repeat} interleaved samples")
    out("| pass | dtype | layout | n | cact | torch | numpy | best peer / cact |")
    out("|---|---|---|---:|---:|---:|---:|---:|")
    shape_cf = tuple(int(s) for s in args.shape.split(","))
    overhead = timer_overhead_ns()
    rng = np.random.default_rng(0)
    results = []
    for dtn in args.dtypes.split(","):
        dt = np.dtype(dtn)
        for layout in ("channels-first", "channels-last"):
            shape = shape_cf if layout == "channels-first" else shape_cf[:1] + shape_cf[2:] + shape_cf[1:2]
            axis = 1 if layout == "channels-first" else len(shape) - 1
            C = shape[axis]
            x = rng.standard_normal(shape).astype(dt)
            g = rng.standard_normal(shape).astype(dt)
            w = rng.uniform(0, 0.5, C).astype(dt)
            wv = w.reshape([C if i == axis else 1 for i in range(len(shape))])
            axes = tuple(i for i in range(len(shape)) if i != axis)
            y, gx = np.empty_like(x), np.empty_like(x)
            for pss in ("forward", "backward"):
                if pss == "forward":
                    items = [Timed("cact", lambda: cact.prelu(x, w, axis=axis, out=y), None),
                             Timed("numpy", lambda: _numpy_forward(x, wv, y), None)]
                else:
                    items = [Timed("cact", lambda: cact.prelu_backward(g, x, w, axis=axis, out=gx), None),
                             Timed("numpy", lambda: _numpy_backward(g, x, wv, gx, axes), None)]
                if torch is not None:
                    X, G, W = torch.from_numpy(x), torch.from_numpy(g), torch.from_numpy(w)
                    WV = torch.from_numpy(np.ascontiguousarray(wv))  # the slopes broadcast
                    if layout == "channels-first":
                        tf = lambda: torch.prelu(X, W)  # noqa: E731
                    else:  # torch.prelu takes channels on axis 1: the kernel with the weight broadcast
                        tf = lambda: torch.ops.aten._prelu_kernel(X, WV)  # noqa: E731
                    tb = lambda: torch.ops.aten._prelu_kernel_backward(G, X, WV)  # noqa: E731
                    items.append(Timed("torch", tf if pss == "forward" else tb, None))
                measure_interleaved(items, args.repeat, 20e6, overhead, settle_ms * 1e6)
                med = {it.label: it.median for it in items}
                best = min(v for k, v in med.items() if k != "cact")
                results.append({"pass": pss, "dtype": dtn, "layout": layout, **med})
                out(f"| {pss} | {dtn} | {layout} | {x.size:.2e} | {fmt_time(med['cact'])} | "
                    f"{fmt_time(med.get('torch'))} | {fmt_time(med['numpy'])} | {best / med['cact']:.2f} |")
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shape", default="32,64,28,28", help="the channels-first shape (N, C, ...)")
    ap.add_argument("--dtypes", default="float32,float64")
    add_run_options(ap)
    run(ap.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
