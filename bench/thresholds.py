#!/usr/bin/env python
"""Measure the OpenMP thresholds of cact (``MIN_PARALLEL`` in cact/_table.py).

cact splits a loop over the threads only when it has at least
``MIN_PARALLEL[(cost, dtype)]`` elements; shorter loops run on the calling
thread, because forking and joining a thread team costs more than it saves.
This script measures, per cost class and dtype, the size from which threading
pays off on this machine.

Method
------
* One representative function per cost class of ``MIN_PARALLEL``:
  ``transcendental`` -> ``sigmoid(x, out=x)``, ``cheap`` -> ``relu(x, out=x)``,
  ``maxout`` -> ``maxout(z, 2, out=o)`` (a class without a named
  representative uses the first table row of that class).  Sizes are counted
  as the thresholds are: elements, and for maxout input elements.
* Sizes 2**9 .. 2**20 (``--min-exp``, ``--max-exp``), each timed with 1
  thread and with 2 threads (``--threads``) via ``cact.set_num_threads``.
* The compiled thresholds are bypassed for the measurement with
  ``cact._core._set_min_parallel_override(1)`` (every loop of >= 128 items is
  threaded when more than one thread is asked for), and restored (override 0)
  at the end.  Without that hook the script stops with an error.
* Timing as in bench/bench.py (bench/_timing.py): the in-place call, its input
  refilled from a pristine copy before each call (untimed), each sample the
  mean over an inner loop of at least ``--min-sample-ms``.
* ``--repeat`` repetitions, interleaved: each repetition walks all sizes, and
  at each size takes the 1-thread and the 2-thread sample back to back, so
  that load changes on the machine hit both alike.
* Per size: the best time of each thread count, the median and the minimum
  over repetitions of the ratio t1/t2, and in how many repetitions 2 threads
  won (t1/t2 > 1).
* Crossover: the smallest measured size from which 2 threads win in *every*
  repetition at that size and at every larger measured size.  The suggested
  ``MIN_PARALLEL`` value is the crossover rounded up to a power of two (the
  sizes measured are powers of two already).  When 2 threads never win
  consistently, the largest size is reported as not enough: extend
  ``--max-exp``.

Notes: the runs recorded below used OpenMP teams, whose wake-up cost the
runtime's wait policy (``OMP_WAIT_POLICY``, ``GOMP_SPINCOUNT``) changed; cact
now runs its own pool (``src/cact_pool.c``: workers spin 20 us after a call,
then sleep, and the caller never waits for one that has not started), and
back-to-back calls (as here) keep it awake.  Run it on
an otherwise idle machine, with several repetitions.

Recorded run
------------
2026-11-27, project machine (2-core Intel Xeon, KVM; gcc 12.2, libgomp;
cact 0.1.0 baseline kernels), ``python bench/thresholds.py --repeat 7`` and
``python bench/thresholds.py --classes cheap --min-exp 18 --max-exp 24``.
Crossover (2 threads win in all 7 repetitions from there on) and the value
set in ``cact/_table.py`` (crossover x2 as a margin for a cold thread pool,
rounded to a power of two):

====================  ===================  =========================
class, dtype          measured from        MIN_PARALLEL
====================  ===================  =========================
transcendental f32    2**10  (t1/t2 1.20)  2**11 = 2048
transcendental f64    2**11  (1.17)        2**12 = 4096
cheap f32 (relu)      2**22  (1.25)        2**22 = 4194304 (*)
cheap f64 (relu)      2**21  (1.44)        2**21 = 2097152 (*)
maxout f32, 2 pieces  2**16  (1.15)        2**16 = 65536
maxout f64, 2 pieces  2**16  (1.37)        2**16 = 65536
====================  ===================  =========================

(*) At 2**23 and above the 2-thread speed-up is 1.6-1.8x.  Below 2**21 the
in-place relu stream runs at 5-6 Gelem/s on one core from cache; a second
thread only adds the cost of moving half the lines to the other core.

Second run, the same day, after the kernels gained per-instruction-set
builds (the AVX-512 level in use, ``--classes transcendental --repeat 7``):
float32 sigmoid now wins with 2 threads only from 2**16 (t1/t2 1.14; at most
1.5x up to 2**20: the kernel is 4x faster, the fork/join and the transfer of
cached lines are not); float64 sigmoid (C library exp, unchanged) from 2**13
(1.07) in that run.  ``MIN_PARALLEL`` now holds 65536 and 8192 for them.

Third run, after the exp family moved to float32 / float64 arithmetic with
the double-word core and the contiguous loops gained a software prefetch
(AVX-512 level, ``--classes transcendental,cheap --repeat 5 --min-exp 11
--max-exp 21``).  Without the prefetch, a second thread reading lines that the
refill had left in the first core's cache ran 2-3x below its speed from its
own cache, and 2 threads lost to one up to 2**19 for float32 sigmoid; with it:

====================  ===================  =========================
class, dtype          measured from        MIN_PARALLEL
====================  ===================  =========================
transcendental f32    2**16  (t1/t2 1.49)  2**16 = 65536
transcendental f64    2**17  (1.55)        2**17 = 131072 (*)
cheap f32 (relu)      2**19  (1.23)        2**19 = 524288
cheap f64 (relu)      2**19  (1.43)        2**19 = 524288
====================  ===================  =========================

(*) The median ratio is above 1 from 2**13 (1.13), but one repetition in
five lost at 2**15 and 2**16.  The values are the crossovers themselves (the
first runs doubled them for a cold thread pool; the refilled inputs already
make each call the cold case).

These values belong to the kernels measured: re-run the script when the
kernels change.  Thresholds per instruction-set level would fit the baseline
level better (2048 for float32 sigmoid there); not done yet.

Examples::

    python bench/thresholds.py                  # full measurement (minutes)
    python bench/thresholds.py --quick          # smoke run (seconds)
    python bench/thresholds.py --classes cheap --dtypes f32 --repeat 9
"""

from __future__ import annotations

import argparse
import functools
import json
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
from cact._table import ACTIVATIONS, MIN_PARALLEL  # noqa: E402

from _timing import Timed, fmt_time, machine_info, timer_overhead_ns  # noqa: E402

REPRESENTATIVE = {"transcendental": "sigmoid", "cheap": "relu"}
MAXOUT_PIECES = 2
DTYPES = {"f32": np.float32, "f64": np.float64}


def _representative(cls: str) -> str:
    if cls == "maxout":
        return f"maxout(z, {MAXOUT_PIECES})"
    name = REPRESENTATIVE.get(cls)
    if name is None or not any(a.name == name and a.cost == cls for a in ACTIVATIONS):
        name = next((a.name for a in ACTIVATIONS if a.cost == cls), None)
    return name


def _timed(cls: str, name: str, dtype, n: int, seed: int) -> Timed:
    rng = np.random.default_rng([seed, n])  # the same input for every thread count
    if cls == "maxout":
        z = rng.uniform(-8, 8, n).astype(dtype)
        out = np.empty(n // MAXOUT_PIECES, dtype)
        return Timed("maxout", functools.partial(cact.maxout, z, MAXOUT_PIECES, out=out), None)
    fn = getattr(cact, name)
    x0 = rng.uniform(-8, 8, n).astype(dtype)
    x = x0.copy()
    return Timed(name, functools.partial(fn, x, out=x), functools.partial(np.copyto, x, x0))


def _pow2_ceil(n: int) -> int:
    return 1 << (int(n) - 1).bit_length()


def main(argv=None) -> int:
    classes = sorted({c for c, _ in MIN_PARALLEL}, key=[c for c, _ in MIN_PARALLEL].index)
    p = argparse.ArgumentParser(
        description="Measure cact's OpenMP thresholds (1 vs 2 threads per size).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples::" + __doc__.split("Examples::", 1)[1],
    )
    p.add_argument("--classes", default=",".join(classes),
                   help=f"comma-separated cost classes (default {','.join(classes)})")
    p.add_argument("--dtypes", default="f32,f64", help="comma-separated dtypes: f32, f64 (default both)")
    p.add_argument("--min-exp", type=int, default=9, help="smallest size 2**E (default 9)")
    p.add_argument("--max-exp", type=int, default=None, help="largest size 2**E (default 20; --quick: 15)")
    p.add_argument("--threads", type=int, default=2, help="thread count compared with 1 (default 2)")
    p.add_argument("--repeat", type=int, default=None,
                   help="interleaved repetitions (default 7; --quick: 3)")
    p.add_argument("--min-sample-ms", type=float, default=None,
                   help="minimum timed length of one sample (default 2; --quick: 0.3)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="smoke run: fewer sizes and repetitions")
    p.add_argument("--json", metavar="PATH", help="also save the raw results as JSON")
    args = p.parse_args(argv)

    sel_classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    sel_dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    bad = [c for c in sel_classes if c not in classes] + [d for d in sel_dtypes if d not in DTYPES]
    if bad:
        p.error(f"unknown class or dtype {bad}; classes: {classes}, dtypes: {list(DTYPES)}")
    max_exp = args.max_exp if args.max_exp is not None else (15 if args.quick else 20)
    if not 7 <= args.min_exp <= max_exp:
        p.error("need 7 <= --min-exp <= --max-exp (cact never threads below 128 items)")
    repeat = args.repeat or (3 if args.quick else 7)
    min_sample_ns = 1e6 * (args.min_sample_ms or (0.3 if args.quick else 2.0))
    many = args.threads
    if many < 2:
        p.error("--threads must be >= 2")

    override = getattr(cact._core, "_set_min_parallel_override", None)
    if override is None:
        print("error: this build of cact has no cact._core._set_min_parallel_override(n), so "
              "the compiled OpenMP thresholds cannot be bypassed for small sizes and the "
              "crossover cannot be measured.  Rebuild cact with the override hook "
              "(src/cact_parallel.c, src/_core.pyx).", file=sys.stderr)
        return 2
    cfg = cact.show_config(mode="dicts")
    if not str(cfg.get("openmp", "")).startswith("yes"):
        print(f"error: cact was built without OpenMP ({cfg.get('openmp')}); nothing to measure.",
              file=sys.stderr)
        return 2

    overhead = timer_overhead_ns()
    header = machine_info()
    header.pop("cact threads", None)
    header["threads compared"] = f"1 vs {many}"
    for var in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_PROC_BIND", "OMP_PLACES"):
        header[var] = os.environ.get(var, "(unset)")
    header["timer"] = f"perf_counter_ns, {overhead} ns per read pair (subtracted)"
    header["method"] = (f"{repeat} interleaved repetitions, samples of >= {min_sample_ns / 1e6:g} ms, "
                        "input refilled before each call (untimed), thresholds overridden to 1")
    w = max(map(len, header))
    for k, v in header.items():
        print(f"{k:>{w}} : {v}")
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if ncpu and ncpu < many:
        print(f"warning: only {ncpu} CPUs usable, fewer than {many} threads", file=sys.stderr)
    print()

    sizes = [2**e for e in range(args.min_exp, max_exp + 1)]
    previous = cact.get_num_threads()
    suggested, raw = {}, []
    try:
        override(1)
        for cls in sel_classes:
            name = _representative(cls)
            if name is None:
                print(f"{cls}: no table row of this class, skipped\n")
                continue
            for dname in sel_dtypes:
                key = (cls, dname)
                dtype = DTYPES[dname]
                items = {}
                for n in sizes:
                    for nt in (1, many):
                        it = _timed(cls, name, dtype, n, args.seed)
                        cact.set_num_threads(nt)
                        with np.errstate(all="ignore"):
                            it.calibrate(min_sample_ns, overhead)
                        items[n, nt] = it
                with np.errstate(all="ignore"):
                    for _ in range(repeat):
                        for n in sizes:
                            for nt in (1, many):
                                it = items[n, nt]
                                cact.set_num_threads(nt)
                                it.samples.append(it.sample(it.inner, overhead))

                cur = MIN_PARALLEL.get(key)
                how = "out= a new array" if cls == "maxout" else "in place"
                print(f"{cls} {dname}: {name}, {how}; compiled MIN_PARALLEL = {cur}")
                cols = ["n", "1 thread", f"{many} threads", f"t1/t{many} med", f"t1/t{many} min",
                        f"{many} win"]
                print(f"{cols[0]:>9} {cols[1]:>10} {cols[2]:>10} {cols[3]:>11} {cols[4]:>11} {cols[5]:>6}")
                wins_all = {}
                for n in sizes:
                    a, b = items[n, 1], items[n, many]
                    ratios = [x / y if y > 0 else float("inf") for x, y in zip(a.samples, b.samples)]
                    wins = sum(r > 1 for r in ratios)
                    wins_all[n] = wins == len(ratios)
                    print(f"{n:>9} {fmt_time(a.best):>10} {fmt_time(b.best):>10} "
                          f"{statistics.median(ratios):>11.3f} {min(ratios):>11.3f} "
                          f"{f'{wins}/{len(ratios)}':>6}")
                    raw.append({"class": cls, "dtype": dname, "function": name, "n": n,
                                "t1_ns": a.samples, f"t{many}_ns": b.samples, "ratios": ratios,
                                "inner": [a.inner, b.inner]})
                crossover = None
                for n in reversed(sizes):
                    if not wins_all[n]:
                        break
                    crossover = n
                if crossover is None:
                    print(f"crossover: {many} threads do not win in every repetition even at "
                          f"n = {sizes[-1]}; extend --max-exp\n")
                    suggested[key] = None
                else:
                    s = _pow2_ceil(crossover)
                    suggested[key] = s
                    print(f"crossover: {many} threads win in every repetition from n = {crossover}"
                          f" (2**{s.bit_length() - 1}) on\n")
    finally:
        override(0)
        cact.set_num_threads(previous)

    print("suggested MIN_PARALLEL (crossover rounded up to a power of two):")
    print("MIN_PARALLEL: dict[tuple[str, str], int] = {")
    for key in MIN_PARALLEL:
        if key in suggested:
            v = suggested[key]
            shown = v if v is not None else f"None,  # > {sizes[-1]}: not measured far enough"
            note = "" if v is None else f"  # now {MIN_PARALLEL[key]}"
            print(f"    {key!r}: {shown},{note}" if v is not None else f"    {key!r}: {shown}")
    print("}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "repeat": repeat, "min_sample_ns": min_sample_ns,
                       "results": raw,
                       "suggested": {f"{c},{d}": v for (c, d), v in suggested.items()}}, f, indent=1)
        print(f"raw results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
