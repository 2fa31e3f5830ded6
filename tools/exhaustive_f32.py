"""Exhaustive float32 accuracy of the exp family: every float32 input.

    python tools/exhaustive_f32.py                 # all 2^32 inputs, every level
    python tools/exhaustive_f32.py --stride 4096   # a quick look
    python tools/exhaustive_f32.py --markdown PATH

Compiles ``tools/exhaustive_f32.c`` once per instruction-set level this CPU
supports (the same target pragmas as ``src/cact_isa_<level>.c``, so it runs
the extension's own element functions, vectorised the same way) and runs it
for sigmoid, tanh and ELU (alpha 1.0, or ``--alphas``): forward, derivative and
backward from x (grad_output 1.5), against the formula in double (float32
results: a double reference is exact to ~2^-27 ULP).  Every float32 bit
pattern except NaNs: ~4.3e9 inputs per function and level, a few minutes per
level on two cores.  ``tools/accuracy.py`` measures the same functions (and
the backward from y, float64) through the Python API on a sample.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEVELS = {"baseline": 0, "avx2": 1, "avx512": 2}
FUNCTIONS = 9  # see NAMES in exhaustive_f32.c
ALPHAS = (1.0,)


def _levels():
    sys.path.insert(0, ROOT)
    import cact
    return [name for name, ok in cact._core.isa_levels() if ok]


def _build(level, tmp):
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    exe = os.path.join(tmp, f"exhaustive_{level}")
    subprocess.run([cc, "-O3", "-fno-trapping-math", "-fopenmp", f"-DLEVEL={LEVELS[level]}",
                    "-I", os.path.join(ROOT, "src"), os.path.join(ROOT, "tools", "exhaustive_f32.c"),
                    "-o", exe, "-lm"], check=True)
    return exe


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stride", type=int, default=1, help="every k-th bit pattern (1: all)")
    ap.add_argument("--levels", nargs="*", help="levels to run (default: all this CPU has)")
    ap.add_argument("--alphas", type=float, nargs="*", default=list(ALPHAS), help="ELU alphas (default 1.0)")
    ap.add_argument("--markdown", metavar="PATH", help="also write the table as markdown")
    args = ap.parse_args(argv)
    levels = args.levels or _levels()
    rows = {}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for level in levels:
            exe = _build(level, tmp)
            for fn in range(FUNCTIONS):
                for alpha in (args.alphas if fn % 3 == 2 else [1.0]):
                    out = subprocess.run([exe, str(fn), repr(alpha), str(args.stride)], check=True,
                                         capture_output=True, text=True).stdout
                    name, err, at, count = out.strip().split("\t")
                    key = name if fn % 3 != 2 or len(args.alphas) == 1 else f"{name} (alpha {alpha:g})"
                    rows.setdefault(key, {})[level] = (float(err), at)
                    print(f"{level:8s} {key:32s} {float(err):.4f} ULP at x = {at} ({count} inputs)",
                          flush=True)
    what = "every float32 input" if args.stride == 1 else f"every {args.stride}th float32 bit pattern"
    lines = [f"Max error in float32 ULPs over {what} (NaNs aside), "
             f"{time.perf_counter() - t0:.0f} s:", "",
             "| function | " + " | ".join(levels) + " |", "|---|" + "---:|" * len(levels)]
    for key, per in rows.items():
        lines.append(f"| {key} | " + " | ".join(f"{per[lv][0]:.3f}" for lv in levels) + " |")
    table = "\n".join(lines)
    print("\n" + table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    worst = max(e for per in rows.values() for e, _ in per.values())
    return 0 if worst <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
