"""Timing helpers shared by bench/bench.py and bench/thresholds.py.

Method: every timed call is bracketed by two ``time.perf_counter_ns()`` reads,
and the buffers it writes are refilled from a pristine copy *before* the first
read (``np.copyto``, not timed), so in-place calls always see the same input.
A sample is the mean per-call time over an inner loop of ``k`` calls, ``k``
chosen so that the timed part of a sample lasts at least ``min_sample_ns``;
the cost of the two clock reads (measured at start-up, ``timer_overhead_ns``)
is subtracted.  Samples of the implementations being compared are taken
interleaved (A, B, A, B, ...), so that a change of machine load hits them
alike.  Results report the best (minimum) and the median sample.

Thread pools keep spinning after a call (libgomp for a few ms, ONNX Runtime
for tens of ms on this machine), which would take a core from the next
implementation's sample.  With ``settle_ns`` > 0, ``measure_interleaved``
therefore waits before each sample until no other thread of the process has
run for two 1-ms windows (``settle``, Linux; capped at ``settle_ns``).  The
first call of each sample then wakes its own pool (a few us, amortised over
the sample).
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import statistics
import sys
import threading
import time
from typing import Callable, Sequence

import numpy as np

_now = time.perf_counter_ns

__all__ = [
    "timer_overhead_ns",
    "settle",
    "Timed",
    "measure_interleaved",
    "fmt_time",
    "machine_info",
    "cpu_model",
    "add_run_options",
    "apply_run_options",
]


def timer_overhead_ns(samples: int = 2000) -> int:
    """The time two back-to-back ``perf_counter_ns()`` reads add to an interval.

    The median over ``samples`` pairs, so that a preempted pair does not count.
    """
    d = []
    for _ in range(samples):
        t0 = _now()
        t1 = _now()
        d.append(t1 - t0)
    return int(statistics.median(d))


class Timed:
    """One implementation to time: ``call()`` after ``refill()`` (untimed)."""

    __slots__ = ("label", "call", "refill", "inner", "samples", "warm")

    def __init__(self, label: str, call: Callable[[], object], refill: Callable[[], object] | None):
        self.label = label
        self.call = call
        self.refill = refill
        self.inner = 1
        self.samples: list[float] = []  # mean ns per call, one per repeat
        self.warm = False  # True: called before (e.g. to check its result), skip the warm-up

    def sample(self, k: int, overhead: int) -> float:
        call, refill = self.call, self.refill
        total = 0
        if refill is None:
            for _ in range(k):
                t0 = _now()
                call()
                total += _now() - t0
        else:
            for _ in range(k):
                refill()
                t0 = _now()
                call()
                total += _now() - t0
        return max(total - k * overhead, 0) / k

    def calibrate(self, min_sample_ns: float, overhead: int, max_inner: int = 1_000_000) -> None:
        """Warm up, then pick the inner loop count for ``min_sample_ns``."""
        if not self.warm:
            self.sample(1, overhead)  # first call: page faults, lazy scratch buffers
            self.warm = True
        # the fastest of a few single calls (up to 7, within a time budget, so
        # that a call of a second is not repeated and a short call delayed by a
        # busy machine does not set the inner loop to 1)
        budget = max(4 * min_sample_ns, 50e6)
        one = spent = self.sample(1, overhead)
        for _ in range(6):
            if spent >= budget:
                break
            t = self.sample(1, overhead)
            spent += t
            one = min(one, t)
        if one >= min_sample_ns:
            self.inner = 1
            return
        k = 1
        # grow k until one sample is long enough (robust to a bad first guess)
        while True:
            k = max(k, min(max_inner, math.ceil(min_sample_ns / max(one, 1.0))))
            t = self.sample(k, overhead)
            if t * k >= 0.5 * min_sample_ns or k >= max_inner:
                break
            one = t
            k *= 2
        self.inner = k

    @property
    def best(self) -> float:
        return min(self.samples)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)


def _other_threads_cpu_ns() -> int | None:
    """CPU time so far of this process's threads other than the calling one (Linux)."""
    me = str(threading.get_native_id())
    total = 0
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return None
    for tid in tids:
        if tid == me:
            continue
        try:
            with open(f"/proc/self/task/{tid}/schedstat", "rb") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that just ended
    return total


def settle(max_ns: float, window_s: float = 0.001, idle_ns: int = 100_000) -> float:
    """Wait until the other threads of this process stop running; return the ns waited.

    Idle means: less than ``idle_ns`` of their CPU time in each of two
    consecutive windows of ``window_s``.  Gives up after ``max_ns``.  Where
    /proc is missing, sleeps ``min(max_ns, 20 ms)``.
    """
    if max_ns <= 0:
        return 0.0
    t0 = _now()
    prev = _other_threads_cpu_ns()
    if prev is None:
        time.sleep(min(max_ns, 20e6) / 1e9)
        return float(_now() - t0)
    quiet = 0
    while quiet < 2 and _now() - t0 < max_ns:
        time.sleep(window_s)
        cur = _other_threads_cpu_ns()
        quiet = quiet + 1 if cur - prev < idle_ns else 0
        prev = cur
    return float(_now() - t0)


def measure_interleaved(
    items: Sequence[Timed], repeat: int, min_sample_ns: float, overhead: int, settle_ns: float = 0
) -> None:
    """Calibrate every item, then take ``repeat`` samples of each, interleaved.

    ``settle_ns`` > 0: before each calibration and sample, wait (at most that
    long) for the thread pools of the previous implementation to go idle."""
    for it in items:
        it.samples = []
        settle(settle_ns)
        it.calibrate(min_sample_ns, overhead)
    for _ in range(repeat):
        for it in items:
            settle(settle_ns)
            it.samples.append(it.sample(it.inner, overhead))


def fmt_time(ns: float | None) -> str:
    """Format a duration in ns with 3 significant digits and a unit."""
    if ns is None or (isinstance(ns, float) and math.isnan(ns)):
        return "n/a"
    for unit, scale in (("ns", 1.0), ("us", 1e3), ("ms", 1e6), ("s", 1e9)):
        v = ns / scale
        if v < 999.5 or unit == "s":
            if v >= 99.95:
                return f"{v:.0f} {unit}"
            if v >= 9.995:
                return f"{v:.1f} {unit}"
            return f"{v:.2f} {unit}"
    return f"{ns:.3g} ns"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def add_run_options(ap, repeat: int = 7) -> None:
    """--repeat, --threads and --settle-ms, the options bench/fused.py,
    bench/prelu.py and bench/softmax.py share (bench/bench.py has its own,
    with --quick's defaults)."""
    ap.add_argument("--repeat", type=int, default=repeat, help="interleaved samples per cell")
    ap.add_argument("--threads", type=int, default=None,
                    help="cact.set_num_threads(N) first; PyTorch and ONNX Runtime get as many")
    ap.add_argument("--settle-ms", type=float, default=None,
                    help="before each sample wait (at most this long) for the thread pools "
                         "of the previous implementation to go idle (default 200 with "
                         "threads, as bench/bench.py: torch's and the stream's OpenMP "
                         "threads spin after their call and took the cores from the next)")


def apply_run_options(args) -> tuple[int, float]:
    """Set cact's thread count from --threads; return it and the settle wait
    in ms (--settle-ms, else 200 with threads and 0 with one)."""
    import cact

    if args.threads:
        cact.set_num_threads(args.threads)
    nth = cact.get_num_threads()
    return nth, args.settle_ms if args.settle_ms is not None else (200.0 if nth > 1 else 0.0)


def machine_info() -> dict:
    """Date, machine and versions for a benchmark header (cact's config included)."""
    import cact

    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count()
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} logical, {usable} usable by this process",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "cact": cact.__version__,
    }
    cfg = cact.show_config(mode="dicts")
    for k in ("compiler", "compile flags", "openmp", "openmp runtime", "OMP_NUM_THREADS",
              "instruction set"):
        if k in cfg:
            info[k] = cfg[k]
    for k, v in cfg.items():  # anything added to show_config later
        if k not in info and k not in ("python", "numpy", "platform", "threads"):
            info[k] = v
    info["cact threads"] = cact.get_num_threads()
    return info
