"""How much each compiled kernel's speed depends on its input values.

A branch-free kernel should cost the same per element whatever the values it
reads.  Two things break that: subnormal operands (an FP operation on a
subnormal input or with a subnormal result takes a slow microcode path on
many x86 cores), and compiler if-conversion of a select whose discarded arm
then computes on a boundary value (the case documented at cact_select in
src/cact_exp.h: elu's backward ran 2-3x slower on all-positive input than on
all-negative input).  This tool times every row x variant x dtype on arrays
filled with one value each (x = 0.7, 4, 30 and their negatives by default),
one thread, at each instruction-set level the CPU has, and lists the kernels whose slowest value
costs more than ``--ratio`` (default 1.4) times their fastest.

Each figure is the best of ``--repeat`` samples of ns per element over
``--n`` elements (a size that stays in L2, so memory speed does not mask the
arithmetic).  backward_x and backward_y use g = 1; backward_y reads y = f(x).

    python bench/data_dependence.py                    # every level, the summary
    python bench/data_dependence.py --level avx2 --all # one level, every kernel
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

# bench/ is not a package: make its helpers importable however it is run
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import cact
except ImportError:  # not installed: use the in-place build of this checkout
    sys.path.insert(1, os.path.dirname(HERE))
    import cact
from cact import _core  # noqa: E402
from cact._table import ACTIVATIONS, ufunc_name  # noqa: E402
from cact import _ufuncs as U  # noqa: E402
from _timing import machine_info  # noqa: E402

VALUES = (0.7, 4.0, 30.0, -0.7, -4.0, -30.0)


def _measure(values, n: int, repeat: int, rows=None) -> dict:
    """At the current ISA level: {"row variant dtype": [ns per element per value]}."""
    res = {}
    for act in ACTIVATIONS:
        if rows and act.name not in rows:
            continue
        params = [p.default for p in act.params]
        for dt in (np.float32, np.float64):
            for variant in ("f", "grad", "backward_x", "backward_y"):
                if variant == "backward_y" and act.grad_y is None:
                    continue
                uf = getattr(U, ufunc_name(act, variant))
                f = getattr(U, ufunc_name(act, "f"))
                row = []
                for v in values:
                    x = np.full(n, v, dt)
                    out = np.empty(n, dt)
                    g = np.ones(n, dt)
                    if variant in ("f", "grad"):
                        args = (x, *params)
                    elif variant == "backward_x":
                        args = (g, x, *params)
                    else:
                        args = (g, f(x, *params), *params)
                    best = float("inf")
                    for _ in range(repeat):
                        t0 = time.perf_counter_ns()
                        for _ in range(8):
                            uf(*args, out=out)
                        best = min(best, (time.perf_counter_ns() - t0) / (8 * n))
                    row.append(best)
                res[f"{act.name} {variant} {np.dtype(dt).name}"] = row
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--level", nargs="+", help="ISA level(s) to run (default: every level the CPU has)")
    p.add_argument("--values", type=float, nargs="+", default=list(VALUES))
    p.add_argument("--rows", nargs="+", help="rows of the table to run (default: every row)")
    p.add_argument("--n", type=int, default=1 << 16)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--ratio", type=float, default=1.4, help="list kernels whose slowest/fastest is above this")
    p.add_argument("--all", action="store_true", help="list every kernel, not only the data-dependent ones")
    a = p.parse_args(argv)

    cact.set_num_threads(1)
    levels = a.level or [name for name, ok in _core.isa_levels() if ok]
    print(f"# {machine_info()}")
    print(f"# ns per element, 1 thread, n = {a.n}, best of {a.repeat}; x =", " ".join(f"{v:g}" for v in a.values))
    worst = 0.0
    for lv in levels:
        _core._set_isa(lv)
        res = _measure(a.values, a.n, a.repeat, a.rows)
        print(f"\n## level {lv}")
        print(f"{'kernel':34s}" + "".join(f"{v:>8g}" for v in a.values) + "   max/min")
        for k, row in res.items():
            r = max(row) / min(row)
            worst = max(worst, r)
            if a.all or r > a.ratio:
                print(f"{k:34s}" + "".join(f"{t:8.2f}" for t in row) + f"   {r:6.2f}")
    print(f"\n# worst max/min over every kernel and level: {worst:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
