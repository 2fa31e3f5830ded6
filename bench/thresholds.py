#!/usr/bin/env python
"""Check cact's thread rule: at every size, does cact's own choice of threads
run as fast as the better of 1 thread and all threads?

cact does not use a fixed size threshold.  Each kernel's cost per item is
measured where it runs (the first long calls time their first 2048 items on
the calling thread, and every 64th call after that), and a call uses one
thread per 1.5 us of estimated work (``src/cact_parallel.c``; the constants
are ``cact._core._split_rule()``, the costs measured so far
``cact._core._kernel_costs()``).  A fixed count measured on one machine was
wrong on the next: relu's cost per item is a tenth of sigmoid's, the baseline
level's 3-5x the AVX2 level's, and an AVX-512 core's half of that again.

Method
------
* One function per row asked for (``--funcs``, default sigmoid, relu and
  maxout with 2 pieces), in place (maxout: into a preallocated output).
* Sizes 2**9 .. 2**20, each timed three ways: 1 thread, ``--threads``
  threads forced on (``cact._core._set_min_parallel_override(1)``), and
  cact's default with ``--threads`` threads allowed (the rule decides; its
  probes are part of the timing).
* Timing as in bench/bench.py (bench/_timing.py): the input refilled from a
  pristine copy before each call (untimed); ``--repeat`` repetitions,
  interleaved (each walks every size and takes the three samples back to
  back, so a change of load hits them alike); the best sample of each.
* Per size: the three times, the threads the rule chose (from the measured
  cost), and ``rule / best``: the default's time over the better of the two
  forced ones.  Above 1.10 the rule lost more than 10% to a fixed choice at
  that size: such sizes are listed at the end.
* The crossover: the smallest size from which the forced ``--threads`` win
  in every repetition at that size and every larger one, and the size from
  which the rule splits; they should be close.

Run it on an otherwise idle machine.

Recorded run
------------
2026-11-30, project machine (2 vCPUs of an AMD EPYC Zen 3, KVM, AVX2 level;
gcc 12.2), ``python bench/thresholds.py --repeat 5 --min-exp 10 --max-exp
20``.  Measured cost (ns per item), where 2 threads won in all 5 repetitions
from on, where the rule splits, and the worst ``rule / best`` over 2^10..2^20:

==============  =====  ==================  ============  ==================
function        cost   2 threads win from  rule splits   worst rule / best
==============  =====  ==================  ============  ==================
sigmoid f32     1.75   4096 (1.1-1.3x      n >= 1710     1.07 (n = 1024)
                       from 2048 in most)
sigmoid f64     4.19   32768 (1.3-1.5x     n >= 716      1.04
                       from 2048 in most)
relu f32        0.168  2**20 (1.3-1.4x     n >= 17887    1.24 (16384), 1.16
                       at 32768-131072)                  (262144)
relu f64        0.264  524288              n >= 11357    1.52 (131072)
maxout f32, 2   0.231  524288              n >= 6505     1.07
maxout f64, 2   0.215  524288              n >= 6979     1.25 (32768)
==============  =====  ==================  ============  ==================

Before the rule, fixed thresholds from an AVX-512 Xeon kept float64 sigmoid
serial below 131072 elements (1.6x lost at 2^13..2^16 here) and relu below
524288.  The rule's losses are at sizes where the refilled input sits in the
calling core's cache and the second core fetches its half from there (the
forced 2 threads lose as much: relu f64 at 131072 took 46.6 us with 2
threads, 26.5 us with 1); "win in every repetition" is strict for the
memory-bound functions, whose medians favour 2 threads from 32768.

Examples::

    python bench/thresholds.py                  # full measurement (minutes)
    python bench/thresholds.py --quick          # smoke run (seconds)
    python bench/thresholds.py --funcs relu --dtypes f32 --repeat 9
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import statistics
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
try:
    import cact
except ImportError:  # not installed: use the in-place build of this checkout
    sys.path.insert(1, os.path.dirname(_HERE))
    import cact
from cact._table import ACTIVATIONS  # noqa: E402

from _timing import Timed, fmt_time, machine_info, timer_overhead_ns  # noqa: E402

MAXOUT_PIECES = 2
DTYPES = {"f32": np.float32, "f64": np.float64}
FUNCS = [a.name for a in ACTIVATIONS] + ["maxout"]
KERNEL = {"maxout": "maxout_reduce"}  # the chunk kernel a function runs (cact._core._kernel_costs)
LOSS = 1.10  # rule / best above this is listed


def _call(name: str, dtype, n: int, seed: int) -> tuple:
    rng = np.random.default_rng([seed, n])  # the same input for every way of timing
    if name == "maxout":
        z = rng.uniform(-8, 8, n).astype(dtype)
        out = np.empty(n // MAXOUT_PIECES, dtype)
        return functools.partial(cact.maxout, z, MAXOUT_PIECES, out=out), None
    fn = getattr(cact, name)
    x0 = rng.uniform(-8, 8, n).astype(dtype)
    x = x0.copy()
    return functools.partial(fn, x, out=x), functools.partial(np.copyto, x, x0)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description="Check cact's thread rule: default vs 1 thread vs all threads, per size.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples::" + __doc__.split("Examples::", 1)[1],
    )
    p.add_argument("--funcs", default="sigmoid,relu,maxout",
                   help=f"comma-separated functions among {','.join(FUNCS)} (default sigmoid,relu,maxout)")
    p.add_argument("--dtypes", default="f32,f64", help="comma-separated dtypes: f32, f64 (default both)")
    p.add_argument("--min-exp", type=int, default=9, help="smallest size 2**E (default 9)")
    p.add_argument("--max-exp", type=int, default=None, help="largest size 2**E (default 20; --quick: 14)")
    p.add_argument("--threads", type=int, default=2, help="thread count compared with 1 (default 2)")
    p.add_argument("--repeat", type=int, default=None,
                   help="interleaved repetitions (default 7; --quick: 3)")
    p.add_argument("--min-sample-ms", type=float, default=None,
                   help="minimum timed length of one sample (default 2; --quick: 0.3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="smoke run: fewer sizes and repetitions")
    p.add_argument("--json", metavar="PATH", help="also save the raw results as JSON")
    args = p.parse_args(argv)

    funcs = [f.strip() for f in args.funcs.split(",") if f.strip()]
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    bad = [f for f in funcs if f not in FUNCS] + [d for d in dtypes if d not in DTYPES]
    if bad:
        p.error(f"unknown function or dtype {bad}; functions: {FUNCS}, dtypes: {list(DTYPES)}")
    max_exp = args.max_exp if args.max_exp is not None else (14 if args.quick else 20)
    if not 7 <= args.min_exp <= max_exp:
        p.error("need 7 <= --min-exp <= --max-exp (cact never threads below 128 items)")
    repeat = args.repeat or (3 if args.quick else 7)
    min_sample_ns = 1e6 * (args.min_sample_ms or (0.3 if args.quick else 2.0))
    many = args.threads
    if many < 2:
        p.error("--threads must be >= 2")

    core = cact._core
    if not all(hasattr(core, h) for h in ("_set_min_parallel_override", "_kernel_costs", "_split_rule")):
        print("error: this build of cact lacks the thread-rule hooks of cact._core "
              "(_set_min_parallel_override, _kernel_costs, _split_rule); rebuild it.", file=sys.stderr)
        return 2
    cfg = cact.show_config(mode="dicts")
    if not str(cfg.get("openmp", "")).startswith("yes"):
        print(f"error: cact was built without threads ({cfg.get('openmp')}); nothing to measure.",
              file=sys.stderr)
        return 2
    rule = core._split_rule()

    overhead = timer_overhead_ns()
    header = machine_info()
    header.pop("cact threads", None)
    header["threads compared"] = f"1 vs {many} vs the rule (at most {many})"
    header["rule"] = (f"serial below {rule['serial_work']} items; probe {rule['probe_work']} items; "
                      f"one thread per {rule['thread_ns'] / 1000:g} us of estimated work")
    header["timer"] = f"perf_counter_ns, {overhead} ns per read pair (subtracted)"
    header["method"] = (f"{repeat} interleaved repetitions, samples of >= {min_sample_ns / 1e6:g} ms, "
                        "input refilled before each call (untimed)")
    w = max(map(len, header))
    for k, v in header.items():
        print(f"{k:>{w}} : {v}")
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if ncpu and ncpu < many:
        print(f"warning: only {ncpu} CPUs usable, fewer than {many} threads", file=sys.stderr)
    print()

    sizes = [2**e for e in range(args.min_exp, max_exp + 1)]
    ways = ("1", str(many), "rule")
    previous = cact.get_num_threads()
    raw, losses = [], []

    def _set(way: str) -> None:
        cact.set_num_threads(1 if way == "1" else many)
        core._set_min_parallel_override(1 if way == str(many) else 0)

    try:
        for name in funcs:
            for dname in dtypes:
                dtype = DTYPES[dname]
                kernel = f"{KERNEL.get(name, name)}_{dname}"
                core._kernel_costs(reset=True)
                items = {}
                for n in sizes:
                    call, refill = _call(name, dtype, n, args.seed)
                    for way in ways:
                        it = Timed(way, call, refill)
                        _set(way)
                        with np.errstate(all="ignore"):
                            it.calibrate(min_sample_ns, overhead)
                        items[n, way] = it
                with np.errstate(all="ignore"):
                    for _ in range(repeat):
                        for n in sizes:
                            for way in ways:
                                it = items[n, way]
                                _set(way)
                                it.samples.append(it.sample(it.inner, overhead))
                cost = core._kernel_costs().get(kernel)
                work = MAXOUT_PIECES if name == "maxout" else 1
                what = f"maxout(z, {MAXOUT_PIECES}, out=o)" if name == "maxout" else f"{name}(x, out=x)"
                print(f"{what} {dname}: measured cost "
                      + (f"{cost:.3g} ns per item of work" if cost else "(never measured)"))
                cols = ["n", "1 thread", f"{many} threads", "rule", "rule thr", "rule/best",
                        f"t1/t{many} min"]
                print(f"{cols[0]:>9} {cols[1]:>10} {cols[2]:>10} {cols[3]:>10} {cols[4]:>8} "
                      f"{cols[5]:>9} {cols[6]:>10}")
                wins_all = {}
                for n in sizes:
                    a, b, r = items[n, "1"], items[n, str(many)], items[n, "rule"]
                    ratios = [x / y if y > 0 else float("inf") for x, y in zip(a.samples, b.samples)]
                    wins_all[n] = all(x > 1 for x in ratios)
                    chosen = 1
                    if cost and n * work >= rule["serial_work"]:
                        chosen = max(1, min(many, int(cost * n * work / rule["thread_ns"])))
                    vs_best = r.best / min(a.best, b.best)
                    print(f"{n:>9} {fmt_time(a.best):>10} {fmt_time(b.best):>10} {fmt_time(r.best):>10} "
                          f"{chosen:>8} {vs_best:>9.3f} {min(ratios):>10.3f}")
                    if vs_best > LOSS:
                        losses.append(f"{name} {dname} n={n}: rule {vs_best:.2f}x the best "
                                      f"({chosen} thread{'s' if chosen > 1 else ''})")
                    raw.append({"function": name, "dtype": dname, "n": n, "cost_ns": cost,
                                "rule_threads": chosen, "t1_ns": a.samples,
                                f"t{many}_ns": b.samples, "rule_ns": r.samples})
                crossover = None
                for n in reversed(sizes):
                    if not wins_all[n]:
                        break
                    crossover = n
                splits = (f"n >= {math.ceil(2 * rule['thread_ns'] / (cost * work))}" if cost
                          else "never measured")
                shown = (f"n = {crossover}" if crossover is not None
                         else f"beyond {sizes[-1]} (extend --max-exp)")
                print(f"{many} threads win in every repetition from {shown}; the rule splits from {splits}\n")
    finally:
        core._set_min_parallel_override(0)
        cact.set_num_threads(previous)

    print(f"sizes where the rule lost more than {LOSS - 1:.0%} to the better fixed choice: "
          + ("none" if not losses else ""))
    for line in losses:
        print("  " + line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "repeat": repeat, "min_sample_ns": min_sample_ns,
                       "rule": rule, "results": raw}, f, indent=1)
        print(f"raw results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
