#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer build of cact's extension,
# running the whole test suite (and a short random run of the fuzz harness).
#
#   bash tools/sanitize.sh [extra pytest arguments, e.g. -x or --runslow]
#
# The working tree (tracked and untracked files, not the ignored build
# products) is copied to a temporary directory, built there in place with
#   -fsanitize=address,undefined -fno-sanitize-recover=undefined
#   -fno-omit-frame-pointer -g   (at -O1, SANITIZE_OPT)
# and tested there, so the normal in-place build is left alone.  CPython is
# not instrumented, so the ASan runtime is preloaded (LD_PRELOAD) and leak
# detection is off (the interpreter keeps memory until exit by design).  Any
# ASan report (out-of-bounds access, use after free, ...) or UBSan report
# (misaligned access, signed overflow, bad shift, ...) aborts the process and
# fails the run.  Needs gcc or clang with the sanitizer runtimes (Debian:
# libasan8 / libubsan1 come with gcc) and the test extra installed.
#
# Set KEEP=1 to keep the build directory, PYTHON to choose the interpreter,
# SANITIZE_OPT to the optimisation flag (default -O1; setup.py's CACT_OPT),
# SANITIZE_FUZZ to the number of random fuzz inputs (default 20000), and
# CACT_TEST_ROWS to limit the row-parametrised tests (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
CC=${CC:-gcc}

start=$(date +%s)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cact-sanitize.XXXXXX")
if [ "${KEEP:-0}" != 1 ]; then trap 'rm -rf "$WORK"' EXIT; fi
echo "sanitize: building in $WORK"
git ls-files -z -co --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$WORK"
cd "$WORK"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"
# The flags go into CC itself, so that every compile and link uses them,
# setup.py's OpenMP test program included (LDFLAGS does not reach it, and a
# failed OpenMP test would silently give a serial build: CACT_FAIL_NO_OPENMP
# makes that an error; SANITIZE_SERIAL=1 tests the serial build instead).
if [ "${SANITIZE_SERIAL:-0}" = 1 ]; then export CACT_DISABLE_OPENMP=1; else export CACT_FAIL_NO_OPENMP=1; fi
# -O1 (SANITIZE_OPT): the optimisation sanitizer builds are usually made
# with, half the compile time of -O3 for an instrumented kernel file
CACT_OPT="${SANITIZE_OPT:--O1}" CC="$CC $SAN" "$PY" setup.py -q build_ext --inplace >build.log 2>&1 || {
    tail -40 build.log; echo "sanitize: build FAILED"; exit 1; }
grep "cact: OpenMP" build.log || true

ASAN_LIB=$("$CC" -print-file-name=libasan.so)
UBSAN_LIB=$("$CC" -print-file-name=libubsan.so)
if [ ! -e "$ASAN_LIB" ]; then echo "sanitize: $CC has no libasan.so"; exit 1; fi
export LD_PRELOAD="$ASAN_LIB${UBSAN_LIB:+:$UBSAN_LIB}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export PYTHONPATH="$WORK"

# the instrumented build is the one imported
"$PY" -c "import cact; f = cact._core.__file__; assert f.startswith('$WORK'), f; print('sanitize: testing', f, '(OpenMP:', cact.show_config(mode='dicts')['openmp'] + ')')"
if ! nm -D cact/_core*.so | grep __asan_init >/dev/null; then
    echo "sanitize: the extension is not instrumented"; exit 1
fi

t0=$(date +%s)
"$PY" -m pytest -q -p no:cacheprovider tests "$@"
t1=$(date +%s)
"$PY" tools/fuzz.py --random "${SANITIZE_FUZZ:-20000}" --seed 1
t2=$(date +%s)
echo "sanitize: clean. build $((t0 - start)) s, test suite $((t1 - t0)) s, fuzz harness $((t2 - t1)) s, total $((t2 - start)) s"
