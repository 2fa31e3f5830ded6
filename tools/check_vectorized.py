"""Check that gcc vectorises every contiguous kernel loop at the AVX2 level.

cact's speed rests on the compiler turning each scalar-looking element
function into vector code: a loop that stays scalar runs 5-50x slower, with
no test failing (results are bitwise the same).  It happens silently when an
element function has a select gcc does not if-convert: hardswish's float64
forward, whose nested ``a ? b : (c ? d : ...)`` selects gcc 12 left as
branches ("control flow in loop"), ran at 17 ns an element, 0.05x PyTorch's
time, for a release before this check caught it.

This compiles ``src/cact_isa_avx2.c`` as ``setup.py`` does (gcc, -O3, the
level's target pragma) with ``-fopt-info-vec`` and reads which loops of the
generated ``src/cact_kernels.inc`` were vectorised:

* every contiguous main loop (``for (i = i0; i < i1; i++)``, the blocks of a
  chunk) must be: a loop gcc reports "not vectorized" fails the check;
* the fixed-length tail loops (``i < CACT_TAIL``) are listed when scalar, as
  a note (the last few elements of a call);
* every loop of a header in ``src/`` whose line carries the comment
  ``cact:vector`` must be vectorised too, or the loop nested in it (the next
  line), which gcc may vectorise instead (the row loops of the axis
  operations, ``src/cact_softmax.h``; on a macro's invocation line, at least
  one of the macro's loops): float64 softmax's sum loop, left scalar by a
  select gcc did not if-convert, ran at 12 ns an element before this.

Usage: python tools/check_vectorized.py [--cc gcc] [--verbose]
Needs gcc (the report's wording is gcc's) and NumPy; the kernels are
rendered first with Cython's Tempita when it is installed (``src/render.py``),
else the rendered ``src/cact_kernels.inc`` of a build is used.  Exit
status 0 when every main loop is vectorised, 1 otherwise, 2 when no usable
gcc is found.
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import shutil
import subprocess
import sys
import sysconfig
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERNELS = os.path.join(ROOT, "src", "cact_kernels.inc")
MAIN_LOOP = "for (ptrdiff_t i = i0; i < i1; i++)"
TAIL_LOOP = "for (ptrdiff_t i = 0; i < CACT_TAIL; i++)"


def loops_of(path: str) -> dict[int, tuple[str, str]]:
    """Line number -> (kind, the chunk function it belongs to)."""
    loops = {}
    func = "?"
    with open(path) as fh:
        for no, line in enumerate(fh, 1):
            # a plain kernel, or a fused one (named by CACT_FUSED or CACT_FUSED2: its level's)
            m = re.match(r"(?:static void |void CACT_FUSED2?\()(chunk_\w+)\)?\(", line)
            if m:
                func = m.group(1)
            if MAIN_LOOP in line:
                loops[no] = ("main", func)
            elif TAIL_LOOP in line:
                loops[no] = ("tail", func)
    return loops


def marked_loops(src: str) -> dict[tuple[str, int], str]:
    """(header, line) -> the line's text, for every line marked cact:vector."""
    marked = {}
    for name in sorted(os.listdir(src)):
        if name.endswith(".h"):
            with open(os.path.join(src, name)) as fh:
                for no, line in enumerate(fh, 1):
                    if "cact:vector" in line and not line.lstrip().startswith(("*", "/*")):
                        marked[(name, no)] = line.strip()
    return marked


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cc", default=os.environ.get("CC", "gcc").split()[0])
    p.add_argument("--verbose", action="store_true", help="list every loop")
    args = p.parse_args(argv)
    cc = shutil.which(args.cc)
    if cc is None:
        print(f"check_vectorized: no {args.cc} found", file=sys.stderr)
        return 2
    version = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout
    if "clang" in version.lower() or "gcc" not in version.lower() and "free software" not in version.lower():
        print(f"check_vectorized: {args.cc} is not gcc (-fopt-info is gcc's)", file=sys.stderr)
        return 2
    try:
        import Cython  # noqa: F401  (src/render.py's templates need its Tempita)
    except ImportError:
        # a checkout built by pip (build isolation) has the rendered files
        if not os.path.exists(KERNELS):
            print("check_vectorized: src/cact_kernels.inc is not rendered; install Cython "
                  "or build cact first", file=sys.stderr)
            return 2
    else:
        sys.path.insert(0, os.path.join(ROOT, "src"))
        try:
            runpy.run_path(os.path.join(ROOT, "src", "render.py"))["render"]()
        finally:
            sys.path.pop(0)
    import numpy

    with tempfile.TemporaryDirectory() as tmp:
        # -fno-ipa-icf: identical chunk functions (relu_backward_x and _y)
        # are otherwise merged before the vectoriser reports on each
        cmd = [cc, "-O3", "-fPIC", "-fno-trapping-math", "-fopenmp", "-fno-ipa-icf",
               "-I" + numpy.get_include(), "-I" + sysconfig.get_paths()["include"],
               "-I" + os.path.join(ROOT, "src"),
               "-DNPY_NO_DEPRECATED_API=NPY_2_0_API_VERSION",
               "-DNPY_TARGET_VERSION=NPY_2_0_API_VERSION",
               "-fopt-info-vec-optimized", "-fopt-info-vec-missed",
               "-c", os.path.join(ROOT, "src", "cact_isa_avx2.c"),
               "-o", os.path.join(tmp, "avx2.o")]
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if run.returncode != 0:
        print(run.stderr[-4000:], file=sys.stderr)
        print("check_vectorized: the compile failed", file=sys.stderr)
        return 1
    loops = loops_of(KERNELS)
    done: set[int] = set()
    missed: dict[int, str] = {}
    pat = re.compile(r"cact_kernels\.inc:(\d+):\d+: (optimized|missed): (.*)")
    for line in run.stderr.splitlines():
        m = pat.search(line)
        if not m or int(m.group(1)) not in loops:
            continue
        no = int(m.group(1))
        if m.group(2) == "optimized" and "loop vectorized" in m.group(3):
            done.add(no)
        elif m.group(2) == "missed" and "not vectorized" in m.group(3):
            missed.setdefault(no, m.group(3))
    marked = marked_loops(os.path.join(ROOT, "src"))
    hpat = re.compile(r"(\w+\.h):(\d+):\d+: (optimized|missed): (.*)")
    vec_marked: set[tuple[str, int]] = set()
    why_marked: dict[tuple[str, int], str] = {}
    for line in run.stderr.splitlines():
        m = hpat.search(line)
        if not m:
            continue
        key = (m.group(1), int(m.group(2)))
        if key not in marked:
            key = (m.group(1), int(m.group(2)) - 1)  # the loop nested in a marked one
            if key not in marked:
                continue
        if m.group(3) == "optimized" and "loop vectorized" in m.group(4):
            vec_marked.add(key)
        elif m.group(3) == "missed" and "not vectorized" in m.group(4):
            why_marked.setdefault(key, m.group(4))
    bad, notes = [], []
    for key in sorted(marked):
        if args.verbose:
            print(f"  {'vector' if key in vec_marked else 'SCALAR'} marked {key[0]}:{key[1]}")
        if key not in vec_marked:
            bad.append(f"{marked[key]} ({key[0]}:{key[1]}, marked cact:vector): "
                       + why_marked.get(key, "no vectorisation reported"))
    for no, (kind, func) in sorted(loops.items()):
        ok = no in done
        if args.verbose:
            print(f"  {'vector' if ok else 'SCALAR'} {kind:4} {func} (cact_kernels.inc:{no})")
        if not ok:
            why = missed.get(no, "no vectorisation reported")
            (bad if kind == "main" else notes).append(f"{func} ({kind} loop, cact_kernels.inc:{no}): {why}")
    n_main = sum(1 for kind, _ in loops.values() if kind == "main")
    for note in notes:
        print(f"check_vectorized: note: scalar {note}")
    if bad:
        for b in bad:
            print(f"check_vectorized: NOT VECTORISED: {b}", file=sys.stderr)
        print("check_vectorized: write the element function's selects as selects of values "
              "computed beforehand (see src/cact_linear.h, hardswish)", file=sys.stderr)
        return 1
    print(f"check_vectorized: all {n_main} contiguous main loops of the avx2 level are "
          f"vectorised ({len(notes)} scalar tail loops), and the {len(marked)} loops marked "
          "cact:vector in src/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
