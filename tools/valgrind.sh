#!/usr/bin/env bash
# valgrind memcheck of a short test run: no error and no definite leak in
# cact's code.
#
#   bash tools/valgrind.sh [pytest selection ...]
#
# The working tree is copied to a temporary directory and built there with
# -g (same optimisation as a release build), then a short selection of the
# test suite (special values, layouts, misalignment, overlap, maxout, errors,
# a few threaded calls) runs under memcheck with PYTHONMALLOC=malloc (so
# that CPython's own allocator does not hide or fake errors) and
# tools/valgrind-python.supp (known CPython/NumPy/loader reports).
# tools/valgrind_report.py then reads the XML reports (one per process,
# forked children included): every error or
# definitely lost block with a stack frame in cact's extension fails the
# run; reports elsewhere (the interpreter, NumPy) are counted and listed but
# do not fail it.  valgrind reports no AVX-512, so the kernels run at the
# AVX2 level (or baseline, where the CPU lacks AVX2); CACT_ISA=baseline bash
# tools/valgrind.sh checks the baseline kernels too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }

start=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cact-valgrind.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$WORK"' EXIT; fi
git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$WORK"
cd "$WORK"
CFLAGS="-g" "$PY" setup.py -q build_ext --inplace >build.log 2>&1 || { tail -40 build.log; exit 1; }
export PYTHONPATH="$WORK"

if [ $# -eq 0 ]; then
    set -- tests/test_special.py tests/test_maxout.py tests/test_errors.py \
        "tests/test_layouts.py::test_layout_bitwise_equals_contiguous" \
        tests/test_inputs.py -k "not thread and not threshold"
fi
# the interpreter itself, not a wrapper script (pyenv shims are shell scripts)
PY_EXE=$("$PY" -c 'import sys; print(sys.executable)')
t0=$(date +%s)
PYTHONMALLOC=malloc valgrind --tool=memcheck --xml=yes --xml-file="$WORK/memcheck.%p.xml" \
    --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --num-callers=40 --track-origins=no --suppressions="$WORK/tools/valgrind-python.supp" \
    "$PY_EXE" -m pytest -q -p no:cacheprovider "$@" 2>&1 | tail -5
t1=$(date +%s)
"$PY" tools/valgrind_report.py "$WORK"/memcheck.*.xml
echo "valgrind: build + run $((t1 - start)) s (memcheck run $((t1 - t0)) s)"
