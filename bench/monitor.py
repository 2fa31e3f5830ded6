"""The cost of counting in the forward pass: ``cact.forward_with_stats``
against the plain forward, side by side.

For every elementwise activation of the table, float32 and float64, at each
size: the plain in-place forward ``cact.<f>(x, out=x)``, the same with the
counts (``cact.forward_with_stats(f, x, out=x)``), and, for scale, what a
second pass over the output would cost in NumPy
(``cact.<f>(x, out=x); np.count_nonzero(x == 0)``: the dead count alone).
Samples are interleaved (``bench/_timing.py``), the input refilled before
each call (untimed), and the table gives the median time of each and the
ratio stats / plain (the issue's target: within 1.10).

Usage::

    python bench/monitor.py                     # 10^6 and 10^7, every row, both dtypes
    python bench/monitor.py --sizes 1e6 --acts relu,sigmoid --repeat 9
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cact  # noqa: E402
from _timing import Timed, fmt_time, machine_info, measure_interleaved, timer_overhead_ns  # noqa: E402


def run(acts, dtypes, sizes, repeat, min_sample_ns, out=print) -> list:
    overhead = timer_overhead_ns()
    out("| activation | dtype | n | plain | with stats | stats / plain "
        "| plain + NumPy dead count | that / plain |")
    out("|---|---|---:|---:|---:|---:|---:|---:|")
    rows = []
    rng = np.random.default_rng(0)
    for dtype in dtypes:
        for n in sizes:
            x0 = (rng.standard_normal(n) * 4).astype(dtype)
            buf = np.empty_like(x0)

            def refill(buf=buf, x0=x0):
                np.copyto(buf, x0)

            for act in acts:
                f = getattr(cact, act)
                items = [
                    Timed("plain", lambda f=f: f(buf, out=buf), refill),
                    Timed("stats", lambda f=f: cact.forward_with_stats(f, buf, out=buf), refill),
                    Timed("numpy", lambda f=f: (f(buf, out=buf), np.count_nonzero(buf == 0)),
                          refill),
                ]
                measure_interleaved(items, repeat, min_sample_ns, overhead)
                t = {it.label: it.median for it in items}
                rows.append((act, np.dtype(dtype).name, n, t))
                out(f"| {act} | {np.dtype(dtype).name} | {n:.0e} | {fmt_time(t['plain'])} | "
                    f"{fmt_time(t['stats'])} | {t['stats'] / t['plain']:.3f} | "
                    f"{fmt_time(t['numpy'])} | {t['numpy'] / t['plain']:.3f} |")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--acts", default=",".join(a.name for a in cact.ACTIVATIONS))
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--sizes", default="1e6,1e7")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--min-sample-ms", type=float, default=20.0)
    a = ap.parse_args(argv)
    for k, v in machine_info().items():
        print(f"# {k}: {v}")
    run(a.acts.split(","), [np.dtype(d).type for d in a.dtypes.split(",")],
        [int(float(s)) for s in a.sizes.split(",")], a.repeat, a.min_sample_ms * 1e6)
    return 0


if __name__ == "__main__":
    sys.exit(main())
