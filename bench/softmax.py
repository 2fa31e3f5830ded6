"""softmax and log_softmax, forward and backward, side by side with the peers.

For each function, pass (forward from x, backward from the forward's output
y with a gradient g), dtype, row length and total size: cact along the last
axis of a C-contiguous (rows, n) array, into a second buffer (``out=``), next
to every installed peer (bench/_peers.py: NumPy's five passes with out=,
SciPy's ``scipy.special`` functions, PyTorch's aten kernels with out=, ONNX
Runtime's Softmax / LogSoftmax and graphs of the backward formulas) and the
memory stream (bench/_stream.py: ``stream`` x *= 1 for the forward, one read
and one write; ``stream2`` for the backward, two reads and one write).  Each
peer's result is checked against cact's before it is timed.

Prints, per cell, the median times, the fastest peer and ``best peer / cact``
(above 1: cact is faster; issue 12 asks for >= 1.0) and ``stream / cact``, the
fraction of the memory stream cact reaches.  Samples are interleaved, with
the idle-pool wait of bench/bench.py (bench/_timing.py).

Usage::

    python bench/softmax.py [--functions softmax,log_softmax] [--passes f,backward]
                            [--rows-of 10,1000,100000] [--sizes 1e4,1e6,1e7]
                            [--dtypes float32,float64] [--threads N] [--repeat 7]
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
from cact._numpy_ref import Workspace  # noqa: E402
from _peers import load_peers  # noqa: E402
from _stream import StreamLib  # noqa: E402
from _timing import (Timed, add_run_options, apply_run_options, fmt_time, machine_info,  # noqa: E402
                     measure_interleaved, timer_overhead_ns)

PEERS = ("numpy", "scipy", "torch", "onnxruntime")


def cells(functions, passes, rows_of, sizes, dtypes):
    """(function, pass, dtype, row length, size) for every size a row fits in."""
    for name in functions:
        for variant in passes:
            for dt in dtypes:
                for n in rows_of:
                    for size in sizes:
                        if size >= n:
                            yield name, variant, np.dtype(dt), n, (size // n) * n


def _inputs(name, variant, dt, n, size, rng):
    """v (x forward, y = f(x) backward), g (None forward), out: (rows, n)."""
    x = (rng.standard_normal((size // n, n)) * 4).astype(dt)
    if variant == "f":
        return x, None, np.zeros_like(x)
    y = getattr(cact, name)(x)
    return y, rng.standard_normal(x.shape).astype(dt), np.zeros_like(x)


def _cact_call(name, variant, v, g, out):
    if variant == "f":
        f = getattr(cact, name)
        return lambda: f(v, out=out)
    f = getattr(cact, name + "_backward")
    return lambda: f(g, v, out=out)


def run(args, out=print) -> list[dict]:
    nth, settle_ms = apply_run_options(args)
    peers = load_peers(nth, [p for p in args.peers.split(",") if p])
    stream = StreamLib.build()
    info = machine_info()
    out(f"# bench/softmax.py: {info['cpu']}; {info['cores']}; Python {info['python']}, "
        f"NumPy {info['numpy']}, cact {info['cact']} ({info['instruction set']})")
    out("# peers: " + ("; ".join(p.describe() for p in peers.values()) or "none installed")
        + ("" if stream else "; stream: no C compiler"))
    out(f"# threads: {nth}; rows along the last axis, C-contiguous, out= a second buffer; "
        f"median of {args.repeat} interleaved samples; wait <= {settle_ms:g} ms for idle pools")
    names = list(peers)
    out("| function | pass | dtype | row | n | cact | " + " | ".join(names)
        + " | stream | best peer / cact | stream / cact |")
    out("|---|---|---|---:|---:|---:|" + "---:|" * len(names) + "---:|---:|---:|")
    overhead = timer_overhead_ns()
    rng = np.random.default_rng(0)
    results = []
    for name, variant, dt, n, size in cells(args.functions.split(","), args.passes.split(","),
                                            [int(float(r)) for r in args.rows_of.split(",")],
                                            [int(float(s)) for s in args.sizes.split(",")],
                                            args.dtypes.split(",")):
        v, g, o = _inputs(name, variant, dt, n, size, rng)
        ws = Workspace(v)
        items = [Timed("cact", _cact_call(name, variant, v, g, o), None)]
        ref = getattr(cact, name)(v) if variant == "f" else getattr(cact, name + "_backward")(g, v)
        tol = 1e-4 if dt == np.float32 else 1e-10
        for pname, peer in peers.items():
            for make in peer.makers(name, variant):
                call = make(v, g, o, ws)
                if call is None:
                    continue
                call()
                scale = np.max(np.abs(ref), axis=-1, keepdims=True) + 1.0
                if not np.all(np.abs(o - ref) <= tol * scale):
                    raise AssertionError(f"{pname} {name} {variant} {dt} disagrees with cact")
                items.append(Timed(pname, call, None))
        if stream is not None:
            items.append(stream.timed("stream", o, nth) if g is None else stream.timed("stream", o, nth, g))
        measure_interleaved(items, args.repeat, 20e6, overhead, settle_ms * 1e6)
        med: dict[str, float] = {}
        for it in items:  # a peer's fastest formulation
            med[it.label] = min(med.get(it.label, float("inf")), it.median)
        best = min((med[p] for p in names if p in med), default=None)
        st = med.get("stream")
        c = med["cact"]
        row = {"function": name, "pass": variant, "dtype": dt.name, "row": n, "n": size,
               "cact": c, "best_peer": best, "stream": st, **{p: med.get(p) for p in names}}
        results.append(row)
        out(f"| {name} | {variant} | {dt.name} | {n} | {size:.0e} | {fmt_time(c)} | "
            + " | ".join(fmt_time(med.get(p)) for p in names)
            + f" | {fmt_time(st)} | {_ratio(best, c)} | {_ratio(st, c)} |")
    return results


def _ratio(a, c) -> str:
    """a / c with two decimals, or two significant digits below 0.1: the
    stream over cact at a few dozen elements is 0.01-0.03, and one slow
    sample of cact printed it as 0.00 (a time ratio is never zero)."""
    if not a:
        return "nan"
    v = a / c
    return f"{v:.2f}" if v >= 0.1 else f"{v:.2g}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--functions", default="softmax,log_softmax")
    ap.add_argument("--passes", default="f,backward")
    ap.add_argument("--rows-of", default="10,1000,100000", help="row lengths (the softmax axis)")
    ap.add_argument("--sizes", default="1e4,1e6,1e7", help="total elements (rounded down to whole rows)")
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--peers", default=",".join(PEERS))
    add_run_options(ap)
    run(ap.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
