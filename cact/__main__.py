"""``python -m cact``: a short demonstration of cact on this machine.

Prints the version and build, each activation of the table and its
derivative on a few sample points, a maxout example, and the speed of each
forward function against its plain-NumPy equivalent (``cact/_numpy_ref.py``)
in place on 10^6 float32 elements.  Every time printed is measured in this
run; for the full benchmark see ``bench/bench.py`` in the source tree.

``python -m cact plot [--out DIR] [--format png|svg]`` draws each activation and
its derivative instead (``cact/_plot.py``; needs matplotlib, the ``plot`` extra).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time

import numpy as np

import cact
from cact import _numpy_ref as ref
from cact._table import ACTIVATIONS, MAXOUT

_now = time.perf_counter_ns


def _fmt(ns: float) -> str:
    for unit, scale in (("ns", 1.0), ("us", 1e3), ("ms", 1e6)):
        if ns / scale < 999.5:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns / 1e9:.3g} s"


def _arr(a) -> str:
    return np.array2string(np.asarray(a), precision=6, floatmode="maxprec", separator=", ",
                           max_line_width=200)


def _header() -> None:
    cfg = cact.show_config(mode="dicts")
    print(f"cact {cact.__version__}: neural-network activations and their derivatives as "
          f"in-place NumPy ufuncs (numpy {cfg.get('numpy')}, Python {cfg.get('python')})")
    openmp = cfg.get("openmp", "?")
    omp = "OpenMP" if str(openmp).startswith("yes") else "no OpenMP (serial)"
    print(f"build: {cfg.get('compiler')}, {cfg.get('compile flags')}; {omp}, "
          f"{cact.get_num_threads()} thread(s)")


def _values() -> None:
    for act in ACTIVATIONS:
        x = np.array(act.example, dtype=np.float64)
        params = "".join(f", {p.name}={p.default}" for p in act.params)
        print(f"\n{act.name}{f' ({params[2:]})' if params else ''}: f(x) = {act.f}")
        print(f"  x     = {_arr(x)}")
        print(f"  f(x)  = {_arr(getattr(cact, act.name)(x))}")
        print(f"  f'(x) = {_arr(getattr(cact, act.name + '_grad')(x))}")
    z = np.array([[1.0, 3.0, -2.0, -5.0], [0.5, 0.5, 4.0, 2.0]])
    print(f"\nmaxout: {MAXOUT['f']}")
    print(f"  z            = {_arr(z).replace(chr(10), '')}")
    print(f"  maxout(z, 2) = {_arr(cact.maxout(z, 2)).replace(chr(10), '')}")
    g = np.array([[10.0, 20.0], [30.0, 40.0]])
    print(f"  maxout_backward(g = {_arr(g).replace(chr(10), '')}, z, 2) = "
          f"{_arr(cact.maxout_backward(g, z, 2)).replace(chr(10), '')}")


def _best_interleaved(calls: dict, repeat: int) -> dict:
    """Best-of-``repeat`` time (ns) of each ``(call, refill)``, samples interleaved."""
    for call, refill in calls.values():  # warm-up: page faults, scratch buffers
        refill()
        call()
    times = {k: [] for k in calls}
    for _ in range(repeat):
        for k, (call, refill) in calls.items():
            refill()
            t0 = _now()
            call()
            times[k].append(_now() - t0)
    return {k: min(v) for k, v in times.items()}


def _speed(n: int, repeat: int) -> None:
    dtype = np.float32
    rng = np.random.default_rng(0)
    print(f"\nspeed: forward functions, n = {n:,} float32, in place "
          f"(x uniform in [-8, 8], refilled before each call), best of {repeat} "
          f"({cact.get_num_threads()} cact thread(s), NumPy single-threaded):")
    print("  (numpy/cact > 1: cact is faster; NumPy: the fastest plain-NumPy formulation tried)")
    print(f"  {'function':<12} {'numpy':>9} {'cact':>9} {'numpy/cact':>11}")
    rows = []
    with np.errstate(all="ignore"):
        for act in ACTIVATIONS:
            x0 = rng.uniform(-8, 8, n).astype(dtype)
            x = x0.copy()
            refill = functools.partial(np.copyto, x, x0)
            params = {p.name: p.default for p in act.params}
            ws = ref.Workspace(x)
            calls = {"cact": (functools.partial(getattr(cact, act.name), x, out=x), refill)}
            for i, impl in enumerate(ref.candidates(act.name, "f")):
                calls[i] = (functools.partial(impl, x, ws, **params), refill)
            rows.append((act.name, calls))
        cols = 1000
        z = rng.uniform(-8, 8, (n // cols, cols)).astype(dtype)
        for pieces in (2, 4):
            out = np.empty((n // cols, cols // pieces), dtype)
            ws = ref.Workspace(z)
            calls = {"cact": (functools.partial(cact.maxout, z, pieces, out=out), _nothing)}
            for i, impl in enumerate(ref.MAXOUT_REF.get("f", ())):
                calls[i] = (functools.partial(impl, z, pieces, out, ws), _nothing)
            rows.append((f"maxout k={pieces}", calls))
        for name, calls in rows:
            best = _best_interleaved(calls, repeat)
            c = best.pop("cact")
            if best:
                b = min(best.values())
                ratio = b / c if c > 0 else float("inf")
                print(f"  {name:<12} {_fmt(b):>9} {_fmt(c):>9} {ratio:>10.2f}x")
            else:
                print(f"  {name:<12} {'n/a':>9} {_fmt(c):>9} {'n/a':>11}")


def _nothing() -> None:
    pass


def _plot(args) -> int:
    from cact import _plot

    try:
        paths = _plot.write(args.out, args.format)
    except _plot.MissingMatplotlib as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for path in paths:
        print(path)
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m cact",
                                description="A short demonstration of cact on this machine.")
    p.add_argument("--no-speed", action="store_true", help="skip the speed comparison")
    p.add_argument("-n", type=int, default=10**6, help="elements for the speed comparison (default 10^6)")
    p.add_argument("--repeat", type=int, default=7, help="timed calls per function (default 7)")
    # Without a subcommand: the demonstration above, as before.
    sub = p.add_subparsers(dest="command", metavar="{plot}")
    pp = sub.add_parser("plot", help="draw each activation and its derivative (needs matplotlib)",
                        description="Draw every activation of the table and its derivative "
                                    "on [-6, 6], and ReLU / Leaky ReLU / ELU near 0, computed "
                                    "by cact; print the paths written.  Needs matplotlib "
                                    '(pip install "cact[plot]").')
    pp.add_argument("--out", default=".", help="folder for the figures (default: current)")
    pp.add_argument("--format", choices=("png", "svg"), default="png",
                    help="image format (default png)")
    args = p.parse_args(argv)
    if args.command == "plot":
        return _plot(args)
    if args.n < 1000 or args.repeat < 1:
        p.error("need -n >= 1000 and --repeat >= 1")
    _header()
    _values()
    if not args.no_speed:
        _speed(args.n, args.repeat)
    return 0

if __name__ == "__main__":
    sys.exit(main())
