"""Many Python threads calling cact at once: total throughput and latency.

    python bench/callers.py [--repeat 5] [--calls 3000] [--spin-timeout 300]

1. Throughput.  1, 2, 4 and 8 calling Python threads share out the same eight
   float32 arrays (caller t works on arrays t, t + k, ...), so the working set
   (8 x n elements) does not change with the number of callers; each caller
   calls ``fn(a, out=a)`` on its arrays for a number of rounds.  Total elements
   / wall time from releasing the callers to the last one finishing, in
   Gelem/s, best of ``--repeat``; for ``cact.relu`` and ``cact.sigmoid`` at
   10^5 and 10^6 elements, and ``np.tanh`` as a reference (one thread per
   call, GIL released).  The arrays are refilled (uniform in [-8, 8]) before
   each repeat, not between rounds: relu is idempotent and sigmoid and tanh
   iterated stay in ranges of the same cost.  The last column is each cell
   against the one-caller figure (issue 13's target: at least 0.9x).
2. Latency.  One caller, ``fn(x, out=x)`` on a 10^6-element float32 array
   ``--calls`` times, each call timed alone: p50, p99 and max, with cact set
   to 1 and 2 threads, on a quiet machine and with one core kept busy by
   another process (a spinning Python subprocess that ends by itself after
   ``--spin-timeout`` seconds and is killed when the measurement ends).

The header names the CPU, the cact that was imported (its file: run with
``PYTHONPATH=/path/to/other/build`` to measure another build) and the
versions.  Prints markdown tables.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import cpu_model  # noqa: E402

import cact  # noqa: E402

CALLERS = (1, 2, 4, 8)
SIZES = (10**5, 10**6)
N_ARRAYS = 8
TARGET_S = 0.25  # wall time of one measurement


def _fill(arrays, seed=0):
    rng = np.random.default_rng(seed)
    for a in arrays:
        a[:] = rng.uniform(-8, 8, a.size).astype(np.float32)


def _run_callers(fn, arrays, k: int, rounds: int) -> float:
    """Seconds for k threads to run ``rounds`` rounds over their share."""
    shares = [arrays[t::k] for t in range(k)]
    start = threading.Barrier(k + 1)

    def work(share):
        start.wait()
        for _ in range(rounds):
            for a in share:
                fn(a, out=a)

    threads = [threading.Thread(target=work, args=(s,)) for s in shares]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def throughput(repeat: int) -> dict:
    funcs = {"cact.relu": cact.relu, "cact.sigmoid": cact.sigmoid, "np.tanh": np.tanh}
    table = {}
    for n in SIZES:
        arrays = [np.empty(n, np.float32) for _ in range(N_ARRAYS)]
        for label, fn in funcs.items():
            _fill(arrays)
            # rounds for about TARGET_S with one caller (after a warm-up round)
            _run_callers(fn, arrays, 1, 1)
            t1 = _run_callers(fn, arrays, 1, 2) / 2
            rounds = max(2, int(TARGET_S / max(t1, 1e-9)))
            for k in CALLERS:
                best = float("inf")
                for r in range(repeat):
                    _fill(arrays, seed=r)
                    best = min(best, _run_callers(fn, arrays, k, rounds))
                table[(label, n, k)] = rounds * N_ARRAYS * n / best / 1e9
    return table


def _spinner(timeout_s: float) -> subprocess.Popen:
    """Another process that keeps one core busy, ending by itself after timeout_s."""
    code = f"import time\nend = time.monotonic() + {timeout_s}\nwhile time.monotonic() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code])


def latency(calls: int, spin_timeout: float) -> dict:
    x0 = np.random.default_rng(1).uniform(-8, 8, 10**6).astype(np.float32)
    x = x0.copy()
    table = {}
    previous = cact.set_num_threads(1)
    try:
        for load in ("quiet", "one core busy"):
            spinner = _spinner(spin_timeout) if load != "quiet" else None
            try:
                if spinner is not None:
                    time.sleep(0.2)  # let it start spinning
                for label, fn in (("cact.relu", cact.relu), ("cact.sigmoid", cact.sigmoid)):
                    for nthreads in (1, 2):
                        cact.set_num_threads(nthreads)
                        np.copyto(x, x0)
                        for _ in range(20):  # warm-up: pool threads started
                            fn(x, out=x)
                        d = np.empty(calls)
                        for i in range(calls):
                            t0 = time.perf_counter_ns()
                            fn(x, out=x)
                            d[i] = time.perf_counter_ns() - t0
                        table[(label, nthreads, load)] = (
                            float(np.percentile(d, 50)) / 1e3,
                            float(np.percentile(d, 99)) / 1e3,
                            float(d.max()) / 1e3,
                        )
            finally:
                if spinner is not None:
                    spinner.kill()
                    spinner.wait()
    finally:
        cact.set_num_threads(previous)
    return table


def _header() -> list[str]:
    pool = "yes (cact._core.pool_stats)" if hasattr(cact._core, "pool_stats") else "no (OpenMP regions)"
    return [
        f"- CPU: {cpu_model()}; {os.cpu_count()} logical CPUs",
        f"- cact {cact.__version__} from {os.path.dirname(cact.__file__)}; own thread pool: {pool}",
        f"- cact threads by default: {cact.get_num_threads()}; Python {sys.version.split()[0]}, "
        f"NumPy {np.__version__}",
    ]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="best of this many (throughput)")
    ap.add_argument("--calls", type=int, default=3000, help="timed calls per latency cell")
    ap.add_argument("--spin-timeout", type=float, default=300.0,
                    help="seconds after which the spinning process ends by itself")
    args = ap.parse_args(argv)
    if args.repeat < 1 or args.calls < 100:
        ap.error("--repeat must be >= 1 and --calls >= 100")

    print("\n".join(_header()))
    print()
    tp = throughput(args.repeat)
    print(f"Total throughput, Gelem/s (float32, in place, 8 arrays shared out among the "
          f"callers, best of {args.repeat}; in parentheses: against 1 caller)")
    print()
    print("| function | n | " + " | ".join(f"{k} caller{'s' * (k > 1)}" for k in CALLERS)
          + " | worst / 1 caller |")
    print("|---|---:|" + "---:|" * len(CALLERS) + "---:|")
    for label in ("cact.relu", "cact.sigmoid", "np.tanh"):
        for n in SIZES:
            base = tp[(label, n, 1)]
            cells = [f"{tp[(label, n, k)]:.2f}" + ("" if k == 1 else f" ({tp[(label, n, k)] / base:.2f}x)")
                     for k in CALLERS]
            worst = min(tp[(label, n, k)] for k in CALLERS) / base
            print(f"| {label} | 10^{round(np.log10(n))} | " + " | ".join(cells) + f" | {worst:.2f}x |")
    print()
    lat = latency(args.calls, args.spin_timeout)
    print(f"Latency of one 10^6-element float32 call, us ({args.calls} calls per cell)")
    print()
    print("| function | cact threads | load | p50 | p99 | max |")
    print("|---|---:|---|---:|---:|---:|")
    for (label, nthreads, load), (p50, p99, mx) in lat.items():
        print(f"| {label} | {nthreads} | {load} | {p50:.0f} | {p99:.0f} | {mx:.0f} |")
    if hasattr(cact._core, "pool_stats"):
        print()
        print(f"pool counters after the run: {cact._core.pool_stats()}")


if __name__ == "__main__":
    main()
