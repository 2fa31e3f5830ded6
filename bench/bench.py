#!/usr/bin/env python
"""Benchmark cact against plain NumPy (and SciPy / numexpr when installed).

For every row of ``cact.ACTIVATIONS`` (a new row is benchmarked
automatically), every variant

    forward       f(x, out=x)
    grad          f_grad(x, out=x)
    backward(x)   f_backward(g, x, out=g)
    backward(y)   f_backward(g, y=y, out=g)

every dtype (float32, float64) and every size (10^3, 10^5, 10^6, 10^7
elements), the in-place cact call is timed against the best plain NumPy
equivalent written with ``out=`` (``cact/_numpy_ref.py``; when a variant has
several NumPy candidates, the fastest is the baseline).  Maxout with 2 and 4
pieces (rows of 1000 columns) is timed against
``np.max(z.reshape(rows, m, p), axis=-1, out=...)`` and its backward against
``np.argmax`` + ``np.put_along_axis``.

Inputs are uniform in [-8, 8] (seeded); ``g`` likewise, ``y = f(x)``.  Before
each timed call the buffer it overwrites is refilled from a pristine copy
(untimed).  Each sample is the mean over an inner loop long enough that the
sample lasts at least ``--min-sample-ms``; the table shows the best of
``--repeat`` samples (and cact's median), the speed-up numpy/cact of the best
times and cact's throughput in 10^9 elements per second.  Samples of the
implementations compared are interleaved.  Every baseline is also checked
against cact's result once per function, variant and dtype; a disagreement is
reported.

Examples::

    python bench/bench.py                       # the full table (minutes)
    python bench/bench.py --quick               # smoke run (seconds)
    python bench/bench.py --funcs sigmoid,maxout --dtypes float32 --threads 1
    python bench/bench.py --markdown --json results.json
"""

from __future__ import annotations

import argparse
import functools
import json
import math
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
from cact import _numpy_ref as ref  # noqa: E402
from cact._table import ACTIVATIONS  # noqa: E402

from _timing import Timed, fmt_time, machine_info, measure_interleaved, timer_overhead_ns  # noqa: E402

VARIANTS = ("f", "grad", "backward_x", "backward_y")
VARIANT_LABEL = {
    "f": "forward",
    "grad": "grad",
    "backward_x": "backward(x)",
    "backward_y": "backward(y)",
    "backward": "backward",
}
MAXOUT_PIECES = (2, 4)
MAXOUT_COLS = 1000
DEFAULT_SIZES = (10**3, 10**5, 10**6, 10**7)
QUICK_SIZES = (10**3, 10**5)
DTYPES = {"float32": np.float32, "float64": np.float64}


# ------------------------------------------------------------------ peers
def _load_peers(threads: int) -> dict:
    """Optional third-party implementations, by column name; absent when not installed."""
    peers = {}
    try:
        import scipy.special as sps

        peers["scipy"] = {("sigmoid", "f"): lambda x, ws, **p: sps.expit(x, out=x)}
    except Exception:
        pass
    try:
        import numexpr as ne

        ne.set_num_threads(threads)
        peers["numexpr"] = _numexpr_impls(ne)
    except Exception:
        pass
    return peers


# numexpr expressions; constants are passed as variables of the array's dtype
# (``one``, ``zero``, ``a``) so that float32 is computed in float32.
_NE_EXPR = {
    "sigmoid": {
        "f": "one / (one + exp(-x))",
        "grad": "exp(-x) / (one + exp(-x))**2",
        "backward_x": "g * exp(-x) / (one + exp(-x))**2",
        "backward_y": "g * y * (one - y)",
    },
    "tanh": {
        "f": "tanh(x)",
        "grad": "one - tanh(x)**2",
        "backward_x": "g * (one - tanh(x)**2)",
        "backward_y": "g * (one - y**2)",
    },
    "relu": {
        "f": "where(x > zero, x, zero)",
        "grad": "where(x > zero, one, zero)",
        "backward_x": "where(x > zero, g, zero)",
        "backward_y": "where(y > zero, g, zero)",
    },
    "leaky_relu": {
        "f": "where(x > zero, x, a * x)",
        "grad": "where(x > zero, one, a)",
        "backward_x": "where(x > zero, g, a * g)",
        "backward_y": "where(y > zero, g, a * g)",
    },
    "elu": {
        "f": "where(x > zero, x, a * expm1(x))",
        "grad": "where(x > zero, one, a * exp(x))",
        "backward_x": "where(x > zero, g, g * a * exp(x))",
        "backward_y": "where(y > zero, g, g * (y + a))",
    },
}


def _numexpr_impls(ne) -> dict:
    impls = {}
    for name, exprs in _NE_EXPR.items():
        for variant, expr in exprs.items():
            impls[(name, variant)] = _ne_impl(ne, expr, variant)
    return impls


def _ne_impl(ne, expr, variant):
    def consts(arr, p):
        dt = arr.dtype.type
        return {"one": dt(1), "zero": dt(0), "a": dt(p.get("alpha", 0.0))}

    if variant in ("f", "grad"):
        def fn(x, ws, **p):
            ne.evaluate(expr, local_dict={"x": x, **consts(x, p)}, out=x, casting="no")
    else:
        v = "x" if variant == "backward_x" else "y"

        def fn(g, xy, ws, **p):
            ne.evaluate(expr, local_dict={"g": g, v: xy, **consts(g, p)}, out=g, casting="no")
    return fn


# ----------------------------------------------------------- one measurement
def _params(act) -> dict:
    return {p.name: p.default for p in act.params}


def _elementwise_case(act, variant, dtype, n, rng, peers, args):
    """Build the Timed items and a correctness check for one table cell."""
    x0 = rng.uniform(-8, 8, n).astype(dtype)
    params = _params(act)
    fwd = getattr(cact, act.name)
    if variant in ("f", "grad"):
        fn = fwd if variant == "f" else getattr(cact, act.name + "_grad")
        target0, others = x0, ()

        def cact_call(buf):
            return functools.partial(fn, buf, out=buf)

        def np_call(impl, buf, ws):
            return functools.partial(impl, buf, ws, **params)
    else:
        bw = getattr(cact, act.name + "_backward")
        g0 = rng.uniform(-8, 8, n).astype(dtype)
        v = x0 if variant == "backward_x" else fwd(x0)
        target0, others = g0, (v,)

        if variant == "backward_x":
            def cact_call(buf):
                return functools.partial(bw, buf, v, out=buf)
        else:
            def cact_call(buf):
                return functools.partial(bw, buf, y=v, out=buf)

        def np_call(impl, buf, ws):
            return functools.partial(impl, buf, v, ws, **params)

    buf = target0.copy()
    refill = functools.partial(np.copyto, buf, target0)
    ws = ref.Workspace(x0)
    items = {"cact": Timed("cact", cact_call(buf), refill)}
    cands = ref.candidates(act.name, variant)
    for i, impl in enumerate(cands):
        items[f"numpy#{i}"] = Timed(f"numpy#{i}", np_call(impl, buf, ws), refill)
    for peer, impls in peers.items():
        impl = impls.get((act.name, variant))
        if impl is not None:
            items[peer] = Timed(peer, np_call(impl, buf, ws), refill)

    def result_of(label):
        np.copyto(buf, target0)
        items[label].call()
        return buf.copy()

    inputs = (x0,) + others  # must be left untouched by every implementation
    pristine = [a.copy() for a in inputs]
    return items, result_of, inputs, pristine


def _maxout_case(pieces, variant, dtype, n, rng, peers, args):
    rows = n // MAXOUT_COLS
    z = rng.uniform(-8, 8, (rows, MAXOUT_COLS)).astype(dtype)
    m = MAXOUT_COLS // pieces
    ws = ref.Workspace(z)
    if variant == "f":
        out = np.empty((rows, m), dtype)
        items = {"cact": Timed("cact", functools.partial(cact.maxout, z, pieces, out=out), None)}
        for i, impl in enumerate(ref.MAXOUT_REF.get("f", ())):
            items[f"numpy#{i}"] = Timed(f"numpy#{i}", functools.partial(impl, z, pieces, out, ws), None)
        inputs = (z,)
    else:
        g = rng.uniform(-8, 8, (rows, m)).astype(dtype)
        out = np.empty_like(z)
        items = {"cact": Timed("cact", functools.partial(cact.maxout_backward, g, z, pieces, out=out), None)}
        for i, impl in enumerate(ref.MAXOUT_REF.get("backward", ())):
            items[f"numpy#{i}"] = Timed(f"numpy#{i}", functools.partial(impl, g, z, pieces, out, ws), None)
        inputs = (z, g)

    def result_of(label):
        out.fill(np.nan)
        items[label].call()
        return out.copy()

    return items, result_of, inputs, [a.copy() for a in inputs]


def _check(items, result_of, inputs, pristine, dtype):
    """Compare every other implementation with cact; return a list of problems."""
    eps = float(np.finfo(dtype).eps)
    want = result_of("cact")
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    problems = []
    for label in items:
        if label == "cact":
            continue
        try:
            got = result_of(label)
        except Exception as e:  # a peer that cannot run this case
            problems.append((label, f"failed: {type(e).__name__}: {e}", True))
            continue
        if got.dtype != want.dtype or not np.allclose(got, want, rtol=64 * eps, atol=64 * eps * scale):
            diff = np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))
            problems.append((label, f"differs from cact (max abs diff {diff:.3g})", False))
        for a, p in zip(inputs, pristine):
            if not np.array_equal(a, p):
                problems.append((label, "modified an input it must only read", False))
                np.copyto(a, p)
    return problems


# ------------------------------------------------------------------- main
def _parse_sizes(s: str) -> list[int]:
    out = []
    for tok in s.split(","):
        tok = tok.strip()
        if tok:
            v = float(tok) if any(c in tok for c in ".eE") else int(tok)
            if v < 1 or v != int(v):
                raise argparse.ArgumentTypeError(f"bad size {tok!r}")
            out.append(int(v))
    return out


def _parse_list(allowed):
    def parse(s):
        vals = [t.strip() for t in s.split(",") if t.strip()]
        bad = [v for v in vals if v not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {bad}; choose from {', '.join(allowed)}")
        return vals
    return parse


def main(argv=None) -> int:
    func_names = [a.name for a in ACTIVATIONS] + ["maxout"]
    p = argparse.ArgumentParser(
        description="Time cact's in-place functions against plain NumPy.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples::" + __doc__.split("Examples::", 1)[1],
    )
    p.add_argument("--sizes", type=_parse_sizes, default=None,
                   help="comma-separated element counts (default 1e3,1e5,1e6,1e7; --quick: 1e3,1e5)")
    p.add_argument("--dtypes", type=_parse_list(list(DTYPES)), default=list(DTYPES),
                   help="comma-separated dtypes (default float32,float64)")
    p.add_argument("--funcs", type=_parse_list(func_names), default=func_names,
                   help=f"comma-separated functions (default all: {','.join(func_names)})")
    p.add_argument("--variants", type=_parse_list(list(VARIANTS)), default=list(VARIANTS),
                   help="comma-separated elementwise variants (default all: " + ",".join(VARIANTS)
                   + "); maxout always runs forward and backward")
    p.add_argument("--threads", type=int, default=None,
                   help="cact.set_num_threads(N) before timing (default: cact's default)")
    p.add_argument("--repeat", type=int, default=None, help="samples per measurement (default 7; --quick: 3)")
    p.add_argument("--min-sample-ms", type=float, default=None,
                   help="minimum timed length of one sample (default 2; --quick: 0.5)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the inputs (default 0)")
    p.add_argument("--quick", action="store_true", help="smoke run: small sizes, few repeats")
    p.add_argument("--markdown", action="store_true", help="print a markdown table")
    p.add_argument("--json", metavar="PATH", help="also save the raw results as JSON")
    args = p.parse_args(argv)

    sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    repeat = args.repeat or (3 if args.quick else 7)
    min_sample_ns = 1e6 * (args.min_sample_ms or (0.5 if args.quick else 2.0))
    if repeat < 1:
        p.error("--repeat must be >= 1")
    if args.threads is not None:
        if args.threads < 1:
            p.error("--threads must be >= 1")
        cact.set_num_threads(args.threads)
    threads = cact.get_num_threads()
    peers = _load_peers(threads)

    overhead = timer_overhead_ns()
    header = machine_info()
    header["timer"] = f"perf_counter_ns, {overhead} ns per read pair (subtracted)"
    header["method"] = (f"in place, best of {repeat} samples of >= {min_sample_ns / 1e6:g} ms, "
                        "input refilled before each call (untimed)")
    header["peers"] = ", ".join(peers) or "none installed (scipy, numexpr are optional)"
    if "numexpr" in peers:
        import numexpr as ne

        header["numexpr"] = f"{ne.__version__}, {threads} threads"

    md = args.markdown
    if md:
        print("### cact benchmark\n")
        for k, v in header.items():
            print(f"- **{k}**: {v}")
        print()
    else:
        w = max(map(len, header))
        for k, v in header.items():
            print(f"{k:>{w}} : {v}")
        print()

    peer_cols = list(peers)
    cols = (["function", "variant", "dtype", "n", "numpy", "cact", "cact med", "speed-up",
             "Gelem/s"] + peer_cols)
    aligns = ["<", "<", "<", ">", ">", ">", ">", ">", ">"] + [">"] * len(peer_cols)
    widths = [12, 11, 7, 8, 9, 9, 9, 8, 7] + [max(9, len(c)) for c in peer_cols]

    def emit(cells):
        if md:
            print("| " + " | ".join(cells) + " |", flush=True)
        else:
            print("  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, aligns, widths)).rstrip(),
                  flush=True)

    emit(cols)
    if md:
        print("|" + "|".join("---:" if a == ">" else "---" for a in aligns) + "|")
    else:
        print("-" * (sum(widths) + 2 * (len(widths) - 1)))

    cases = []
    for act in ACTIVATIONS:
        if act.name in args.funcs:
            for variant in args.variants:
                cases.append((act.name, variant, functools.partial(_elementwise_case, act, variant)))
    if "maxout" in args.funcs:
        for pieces in MAXOUT_PIECES:
            for variant in ("f", "backward"):
                cases.append((f"maxout k={pieces}", variant, functools.partial(_maxout_case, pieces, variant)))

    results, warnings = [], []
    rng = np.random.default_rng(args.seed)
    with np.errstate(all="ignore"):
        for fname, variant, make in cases:
            for dname in args.dtypes:
                dtype = DTYPES[dname]
                checked = False
                for n in sizes:
                    if fname.startswith("maxout") and (n % MAXOUT_COLS or n < MAXOUT_COLS):
                        warnings.append(f"{fname}: n={n} skipped (not a multiple of {MAXOUT_COLS})")
                        continue
                    items, result_of, inputs, pristine = make(dtype, n, rng, peers, args)
                    if not checked:  # once per function, variant and dtype
                        for label, msg, drop in _check(items, result_of, inputs, pristine, dtype):
                            warnings.append(f"{fname} {VARIANT_LABEL[variant]} {dname}: {label} {msg}")
                            if drop:  # a peer that cannot run it: leave it out
                                peers.get(label, {}).pop((fname, variant), None)
                                items.pop(label, None)
                        checked = True
                    measure_interleaved(list(items.values()), repeat, min_sample_ns, overhead)
                    c = items["cact"]
                    nps = [it for k, it in items.items() if k.startswith("numpy#")]
                    best_np = min(nps, key=lambda it: it.best) if nps else None
                    speedup = best_np.best / c.best if best_np and c.best > 0 else None
                    gelem = n / c.best if c.best > 0 else None
                    emit([fname, VARIANT_LABEL[variant], dname, f"{n:.0e}".replace("e+0", "e"),
                          fmt_time(best_np.best if best_np else None), fmt_time(c.best),
                          fmt_time(c.median),
                          f"{speedup:.2f}x" if speedup else "n/a",
                          f"{gelem:.3f}" if gelem else "n/a"]
                         + [fmt_time(items[pc].best) if pc in items else "" for pc in peer_cols])
                    results.append({
                        "function": fname, "variant": variant, "dtype": dname, "n": n,
                        "speedup": speedup, "gelem_per_s": gelem,
                        "numpy_candidate": best_np.label if best_np else None,
                        "impls": {k: {"best_ns": it.best, "median_ns": it.median, "inner": it.inner,
                                      "samples_ns": it.samples} for k, it in items.items()},
                    })
                    del items, inputs, pristine, result_of

    # geometric mean of the speed-ups, per size
    summary = {}
    for n in sizes:
        s = [r["speedup"] for r in results if r["n"] == n and r["speedup"]]
        if s:
            summary[n] = (math.exp(sum(map(math.log, s)) / len(s)), min(s), max(s), len(s))
    print()
    if summary:
        print("speed-up numpy/cact, geometric mean (min .. max) over the rows above:")
        for n, (gm, lo, hi, k) in summary.items():
            print(f"  n={n:.0e}: {gm:.2f}x ({lo:.2f} .. {hi:.2f}, {k} rows)".replace("e+0", "e"))
    for wmsg in dict.fromkeys(warnings):
        print(f"note: {wmsg}", file=sys.stderr)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "repeat": repeat, "min_sample_ns": min_sample_ns,
                       "results": results,
                       "summary": {str(n): {"geomean": v[0], "min": v[1], "max": v[2], "rows": v[3]}
                                   for n, v in summary.items()}}, f, indent=1)
        print(f"raw results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
