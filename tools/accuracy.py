"""Measure cact's accuracy: max error in ULPs per function, variant, dtype and
instruction-set level, and write the table the README publishes.

    python tools/accuracy.py                 # float32 exhaustive (minutes)
    python tools/accuracy.py --f32-stride 64 # every 64th float32 bit pattern
    python tools/accuracy.py --json tests/accuracy_maxima.json --markdown out.md
    python tools/accuracy.py --f32-stride 256 --f64-points 300000 \
        --rows celu,mish --levels avx512 --json tests/accuracy_maxima.json

With --rows or --levels, only those cells are measured and, with --json, merged
into the existing file (every other cell kept as recorded, the header saying
what was added from which run): a new row, or a level that the machine of the
last full run did not have, is recorded without a full sweep.

float32: every float32 bit pattern that is not a NaN (2^32 - 2^24 inputs), or
every k-th one with ``--f32-stride k``, for the forward function and the
derivative from x of every row, against float64 references.  The backward
from x uses g = 1.5 (exact scaling of f'), the backward from y uses y = the
float32 forward result, against the reference evaluated from that y.
float64: ``dense_sample`` of the test suite (a dense core on [-30, 30], both
tails, tiny and subnormal magnitudes) with ``--f64-points`` core points,
against 80-bit long double references (mpmath where long double is double).

The references are the test suite's (tests/reference.py): independent stable
formulas, none of which calls cact.  At each level, results bitwise equal to
the baseline's are not measured again.

The JSON output is what tests/test_accuracy_levels.py checks a dense sample
against in every normal test run (the accuracy ratchet).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import reference  # noqa: E402  (tests/reference.py)

import accuracy_sweep  # noqa: E402  (tests/accuracy_sweep.py)


def _cact():
    try:
        import cact
    except ImportError:  # not installed: the checkout built in place
        sys.path.insert(0, ROOT)
        import cact
    return cact


def _levels(wanted=None):
    """The levels this CPU supports, or those of ``wanted`` (all supported)."""
    cact = _cact()
    levels = [name for name, ok in cact._core.isa_levels() if ok]
    if wanted is None:
        return levels
    missing = [lv for lv in wanted if lv not in levels]
    if missing:
        raise SystemExit(f"accuracy.py: level(s) {', '.join(missing)} not supported here "
                         f"(this build and CPU: {', '.join(levels)})")
    return [lv for lv in levels if lv in wanted]


def _measure(x, dtype, levels, rows=None):
    _cact().set_num_threads(1)  # one process per core
    return accuracy_sweep.measure(x, dtype, levels, rows)


def _f32_chunk(args):
    start, count, stride, levels, rows = args
    bits = np.arange(start, start + count * stride, stride, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = x[~np.isnan(x)]
    return _measure(x, np.float32, levels, rows)


def _merge(into, part):
    for k, v in part.items():
        into[k] = max(into.get(k, 0.0), v)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--f32-stride", type=int, default=1,
                    help="measure every k-th float32 bit pattern (1: all, default)")
    ap.add_argument("--f64-points", type=int, default=2_000_000,
                    help="core points of the float64 dense sample (default 2e6)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json", metavar="PATH", nargs="?", const=None,
                    help="write the maxima as JSON (the ratchet: tests/accuracy_maxima.json)")
    ap.add_argument("--markdown", metavar="PATH", help="write the table as markdown")
    ap.add_argument("--rows", help="comma-separated rows to measure (default: every row)")
    ap.add_argument("--levels", help="comma-separated levels to measure (default: every level "
                    "this CPU supports)")
    args = ap.parse_args(argv)

    cact = _cact()
    names = [act.name for act in cact.ACTIVATIONS]
    rows = None
    if args.rows:
        rows = [r.strip() for r in args.rows.split(",") if r.strip()]
        unknown = [r for r in rows if r not in names]
        if unknown:
            raise SystemExit(f"accuracy.py: no row {', '.join(unknown)}; rows: {', '.join(names)}")
    levels = _levels([lv.strip() for lv in args.levels.split(",")] if args.levels else None)
    partial = rows is not None or args.levels is not None
    t0 = time.perf_counter()
    chunk = 1 << 24
    total = (1 << 32) // args.f32_stride
    tasks = []
    for start in range(0, total, chunk):
        count = min(chunk, total - start)
        tasks.append((start * args.f32_stride, count, args.f32_stride, levels, rows))
    f32 = {}
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        for i, part in enumerate(ex.map(_f32_chunk, tasks)):
            _merge(f32, part)
            print(f"\rfloat32: {i + 1}/{len(tasks)} chunks", end="", file=sys.stderr, flush=True)
    _merge(f32, _measure(accuracy_sweep.ratchet_sample(np.float32), np.float32, levels, rows))
    print(f"\rfloat32: {total} bit patterns in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    t1 = time.perf_counter()
    x64 = np.concatenate([reference.dense_sample(np.float64, n_core=args.f64_points),
                          accuracy_sweep.ratchet_sample(np.float64)])
    f64 = {}
    parts = np.array_split(x64, max(1, args.jobs * 4))
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        for part in ex.map(_measure, parts, [np.float64] * len(parts), [levels] * len(parts),
                           [rows] * len(parts)):
            _merge(f64, part)
    print(f"float64: {x64.size} points in {time.perf_counter() - t1:.0f} s", file=sys.stderr)

    cfg = cact.show_config(mode="dicts")
    header = (
        f"cact {cfg['cact']}, {cfg['compiler']}, {cfg['platform']}; float32: "
        + ("all non-NaN inputs" if args.f32_stride == 1 else f"every {args.f32_stride}th bit pattern")
        + f"; float64: {x64.size} points"
    )
    lines = [f"Max error in ULPs ({header}).", "",
             "| function | variant | " + " | ".join(f"float32 {lv}" for lv in levels)
             + " | " + " | ".join(f"float64 {lv}" for lv in levels) + " |",
             "|---|---|" + "---:|" * (2 * len(levels))]
    for act in cact.ACTIVATIONS:
        if rows is not None and act.name not in rows:
            continue
        for variant in act.variants:  # no backward_y where the row has no y-form
            cells = [f"{f32[(act.name, variant, lv)]:.3f}" for lv in levels]
            cells += [f"{f64[(act.name, variant, lv)]:.3f}" for lv in levels]
            lines.append(f"| {act.name} | {variant} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if args.json and partial:
        _merge_json(args.json, header, f32, f64, rows or names, levels)
    elif args.json:
        data = {"header": header, "float32": {}, "float64": {}}
        for name, d in (("float32", f32), ("float64", f64)):
            for (fn, variant, level), v in sorted(d.items()):
                data[name].setdefault(level, {}).setdefault(fn, {})[variant] = v
        # A level this CPU lacks keeps what an earlier run on a CPU that has it
        # recorded (a machine without AVX-512 must not erase its ratchet).
        if os.path.exists(args.json):
            with open(args.json) as f:
                old = json.load(f)
            for name in ("float32", "float64"):
                for level, rows in old.get(name, {}).items():
                    if level not in levels:
                        data[name][level] = rows
                        data["header"] += f"; {name} {level}: kept from an earlier run"
        with open(args.json, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
    return 0


def _merge_json(path, header, f32, f64, rows, levels):
    """Put the measured cells into the recorded maxima at PATH, every other
    cell kept; the header says which cells came from which run."""
    with open(path) as f:
        data = json.load(f)
    for name, d in (("float32", f32), ("float64", f64)):
        for (fn, variant, level), v in sorted(d.items()):
            data[name].setdefault(level, {}).setdefault(fn, {})[variant] = v
    data["header"] += (f"; {', '.join(rows)} at {', '.join(levels)} from "
                       + header.split("; ", 1)[1])
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    sys.exit(main())
