"""Fused bias + activation against the two-pass forms, side by side.

A dense layer's ``h = x @ W; h += b; act(h)`` reads and writes ``h`` twice;
``cact.f(h, bias=b, out=h)`` does it in one pass.  For each function, dtype
and size (rows of ``--width`` columns, a 1-D bias along them), in place:

* ``fused``:  ``cact.f(h, bias=b, out=h)``
* ``cact 2-pass``: ``np.add(h, b, out=h); cact.f(h, out=h)``
* ``torch``: ``h.add_(b)`` then torch's in-place activation (when PyTorch is
  installed; its thread count set to cact's)
* ``stream``: ``h *= 1`` in C (bench/_stream.py), the memory traffic of one
  in-place pass: the floor of any in-place call

and prints the median times, the ratios 2-pass / fused and torch / fused
(above 1: the fused call is faster; issue 12 asks for >= 1.6 and >= 1.0),
and the fused call's fraction of the stream (stream time / fused time).
Samples are interleaved (bench/_timing.py); the header names the machine.

Usage::

    python bench/fused.py [--functions relu,sigmoid,gelu] [--sizes 1e6,1e7]
                          [--width 1024] [--repeat 7] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

# bench/ is not a package: make its helpers importable however it is run
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
try:
    import cact
except ImportError:  # not installed: use the in-place build of this checkout
    sys.path.insert(1, os.path.dirname(_HERE))
    import cact
from _peers import optional_torch  # noqa: E402
from _stream import StreamLib  # noqa: E402
from _timing import (Timed, add_run_options, apply_run_options, fmt_time, machine_info,  # noqa: E402
                     measure_interleaved, timer_overhead_ns)

# torch's in-place activation for each row that has one
_TORCH = {
    "relu": "relu_", "sigmoid": "sigmoid_", "tanh": "tanh_", "elu": "elu_", "selu": "selu_",
    "leaky_relu": "leaky_relu_", "silu": None, "gelu": None, "hardtanh": "hardtanh_",
    "relu6": None, "hardsigmoid": None, "hardswish": None,
}


def _torch_act(torch, name):
    F = torch.nn.functional
    inplace = {"silu": lambda t: F.silu(t, inplace=True), "relu6": lambda t: F.relu6(t, inplace=True),
               "hardsigmoid": lambda t: F.hardsigmoid(t, inplace=True),
               "hardswish": lambda t: F.hardswish(t, inplace=True),
               "gelu": lambda t: torch.ops.aten.gelu_(t), "softplus": None}
    if name in inplace:
        return inplace[name]
    fn = _TORCH.get(name)
    if fn is None:
        return None
    return getattr(torch, fn, None) or getattr(F, fn)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--functions", default="relu,sigmoid,tanh,gelu,silu")
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--width", type=int, default=1024)
    add_run_options(ap)
    args = ap.parse_args(argv)
    nth, settle_ms = apply_run_options(args)
    torch = optional_torch(nth)
    stream = StreamLib.build()
    info = machine_info()
    print(f"# bench/fused.py: {info['cpu']}; {info['cores']}; Python {info['python']}, "
          f"NumPy {info['numpy']}, cact {info['cact']}, "
          + (f"torch {torch.__version__}" if torch else "torch: not installed"))
    print(f"# threads: {nth} (cact and torch); rows of {args.width}, a 1-D bias, in place; "
          f"median of interleaved samples; wait <= {settle_ms:g} ms for idle pools before each")
    print("| function | dtype | n | fused | cact 2-pass | torch | stream | 2-pass/fused "
          "| torch/fused | stream/fused |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    overhead = timer_overhead_ns()
    rng = np.random.default_rng(0)
    for name in args.functions.split(","):
        f = getattr(cact, name)
        for dtn in args.dtypes.split(","):
            dt = np.dtype(dtn)
            for size in args.sizes.split(","):
                n = int(float(size))
                rows = max(1, n // args.width)
                x0 = rng.standard_normal((rows, args.width)).astype(dt)
                b = rng.standard_normal(args.width).astype(dt)
                h = x0.copy()

                def refill(h=h, x0=x0):
                    np.copyto(h, x0)

                items = [
                    Timed("fused", lambda h=h, b=b: f(h, bias=b, out=h), refill),
                    Timed("2-pass", lambda h=h, b=b: (np.add(h, b, out=h), f(h, out=h)), refill),
                ]
                ta = _torch_act(torch, name) if torch else None
                if ta is not None:
                    th, tb = torch.from_numpy(h), torch.from_numpy(b)
                    items.append(Timed("torch", lambda th=th, tb=tb, ta=ta: ta(th.add_(tb)), refill))
                if stream is not None:
                    items.append(stream.timed("stream", h, nth))
                measure_interleaved(items, args.repeat, 20e6, overhead, settle_ms * 1e6)
                med = {it.label: it.median for it in items}
                fu = med["fused"]
                tt = med.get("torch")
                st = med.get("stream")
                print(f"| {name} | {dtn} | {rows * args.width:.0e} | {fmt_time(fu)} | "
                      f"{fmt_time(med['2-pass'])} | {fmt_time(tt)} | {fmt_time(st)} | "
                      f"{med['2-pass'] / fu:.2f} | {(tt / fu) if tt else float('nan'):.2f} | "
                      f"{(st / fu) if st else float('nan'):.2f} |")
                sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
