"""The type stubs type-check ordinary code (issue 15, item 6): mypy --strict
on tests/typing/usage.py through tools/check_types.sh, when mypy is installed;
the example also runs."""

import os
import runpy
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
USAGE = os.path.join(ROOT, "tests", "typing", "usage.py")
SCRIPT = os.path.join(ROOT, "tools", "check_types.sh")


def test_usage_example_runs(capsys):
    runpy.run_path(USAGE, run_name="usage")


def test_mypy_accepts_the_usage_example():
    pytest.importorskip("mypy")
    if not os.path.exists(SCRIPT) or shutil.which("bash") is None:
        pytest.skip("tools/check_types.sh needs the source tree and bash")
    res = subprocess.run(["bash", SCRIPT], capture_output=True, text=True, timeout=600,
                         env=dict(os.environ, PYTHON=sys.executable))
    assert res.returncode == 0, f"mypy rejected tests/typing/usage.py:\n{res.stdout}\n{res.stderr}"
