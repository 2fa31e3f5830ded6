#!/usr/bin/env bash
# Type-check a typed usage example of cact against its stubs (cact/__init__.pyi)
# with mypy in strict mode, on the checkout's cact/ (its stubs are read, nothing
# is imported or built).  Installs nothing: needs mypy and NumPy importable by
# $PYTHON (default python3).  Exit status: mypy's.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
"$PY" -m mypy --version
# --cache-dir=/dev/null: no cache left in the tree.  The example only: the stubs
# are read for it (mypy checks a .pyi it imports).
exec "$PY" -m mypy --strict --no-incremental --cache-dir=/dev/null --warn-unreachable \
    --python-version 3.10 tests/typing/usage.py
