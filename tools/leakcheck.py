#!/usr/bin/env python
"""Leak check: a million cact calls must leave the process's memory flat.

    python tools/leakcheck.py [--calls 1000000] [--max-growth-mb 4]

Cycles through every kind of call -- the fast path, conversions (int, float16,
lists, Python scalars, byte-swapped and misaligned data), out= in place and
into a fresh array, backward from x and y, maxout and maxout_backward, short
loops split over threads (thresholds lowered), and calls that raise
TypeError or ValueError -- and measures the resident set size (RSS) after a
warm-up of 10% of the calls and at the end.  A leak of even 4 bytes per call
grows the RSS by 4 MB over a million calls, so the default limit catches any
leaked object or buffer.  Exit status 1 if the growth exceeds the limit.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if os.path.isdir(os.path.join(ROOT, "cact")):
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import cact  # noqa: E402
from cact import _core  # noqa: E402


def rss_bytes() -> int:
    """Current resident set size (Linux /proc; ru_maxrss elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_calls():
    """A list of zero-argument callables covering the API's paths."""
    x32 = np.linspace(-5, 5, 64, dtype=np.float32)
    x64 = np.linspace(-5, 5, 64)
    big = np.linspace(-5, 5, 600)  # threaded with the lowered thresholds
    out64 = np.empty_like(x64)
    work = x64.copy()
    i8 = np.arange(-32, 32, dtype=np.int8)
    f16 = x32.astype(np.float16)
    sw = x64.astype(">f8")
    buf = bytearray(x64.nbytes + 1)
    mis = np.frombuffer(buf, np.float64, 64, 1)
    z = np.linspace(-3, 3, 48)
    g = np.ones(24)
    ro = x64.copy()
    ro.flags.writeable = False

    def err(fn, *a, **k):
        def call():
            try:
                fn(*a, **k)
            except (TypeError, ValueError):
                return
            raise AssertionError("expected an error")
        return call

    calls = [
        lambda: cact.sigmoid(x32),
        lambda: cact.tanh(x64, out=out64),
        lambda: cact.relu(work, out=work),
        lambda: cact.elu(x64, 0.5),
        lambda: cact.leaky_relu(x32, alpha=0.2),
        lambda: cact.sigmoid_grad(i8),
        lambda: cact.tanh_grad(f16),
        lambda: cact.elu_grad(sw),
        lambda: cact.relu(mis),
        lambda: cact.tanh([0.5, -1.0, 2.0]),
        lambda: cact.sigmoid(0.25),
        lambda: cact.tanh_backward(x64, x64),
        lambda: cact.sigmoid_backward(x32, y=x32),
        lambda: cact.elu_backward(2.0, x32, alpha=0.5),
        lambda: cact.leaky_relu_backward(x64, y=ro, out=out64),
        lambda: cact.relu_backward(x32, x64),
        lambda: cact.maxout(z, 2),
        lambda: cact.maxout(z.reshape(6, 8), 3, axis=0),
        lambda: cact.maxout_backward(g, z, 2),
        err(cact.tanh, np.array([1j])),
        err(cact.sigmoid, x64, out=np.empty(3)),
        err(cact.elu, x64, float("nan")),
        err(cact.leaky_relu_backward, x64, y=x64, alpha=-1.0),
        err(cact.maxout, z, 5),
        err(cact.maxout, z, 2, axis=3),
        err(cact.relu, x64, out=ro),
        err(cact.tanh_backward, x64),
        err(cact.sigmoid, 10 ** 400),
        lambda: cact.get_num_threads(),
    ]
    # split over threads (thresholds lowered): slow where cores are busy, so rarer
    threaded = [lambda: cact.tanh(big), lambda: cact.maxout(big, 3),
                lambda: cact.sigmoid_backward(big, big)]
    return calls, threaded


def run(n_calls: int, max_growth_mb: float, quiet: bool = False) -> tuple[float, bool]:
    calls, threaded = make_calls()
    k, kt = len(calls), len(threaded)

    def one(i):
        if i % 256 == 255:
            threaded[(i // 256) % kt]()
        else:
            calls[i % k]()

    _core._set_min_parallel_override(256)
    old = cact.set_num_threads(2)
    try:
        warm = max(n_calls // 10, k * 256)
        for i in range(warm):
            one(i)
        gc.collect()
        before = rss_bytes()
        t0 = time.perf_counter()
        for i in range(n_calls):
            one(i)
        gc.collect()
        after = rss_bytes()
        dt = time.perf_counter() - t0
    finally:
        cact.set_num_threads(old)
        _core._set_min_parallel_override(0)
    growth = (after - before) / 2**20
    ok = growth <= max_growth_mb
    if not quiet:
        print(f"leakcheck: {n_calls} calls ({k + kt} kinds) in {dt:.1f} s; RSS "
              f"{before / 2**20:.1f} MB -> {after / 2**20:.1f} MB, growth {growth:+.2f} MB "
              f"(limit {max_growth_mb} MB): {'OK' if ok else 'LEAK'}")
    return growth, ok


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--max-growth-mb", type=float, default=4.0)
    args = p.parse_args(argv)
    _, ok = run(args.calls, args.max_growth_mb)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
