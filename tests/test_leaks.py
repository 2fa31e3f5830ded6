"""Memory: repeated calls of every kind leave the process's memory flat.

The full check (a million calls) is ``python tools/leakcheck.py``; the test
suite runs the same script with fewer calls in a fresh process, and the full
one with --runslow.
"""

import os
import subprocess
import sys

import pytest

import cact

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "tools", "leakcheck.py")


def _run(calls: int, limit_mb: float):
    if "libasan" in os.environ.get("LD_PRELOAD", ""):
        pytest.skip("AddressSanitizer keeps freed memory in quarantine: RSS is not meaningful")
    if not os.path.exists(SCRIPT):
        pytest.skip("tools/leakcheck.py is not in this checkout")
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
    env = dict(os.environ, PYTHONPATH=pkg_parent + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, SCRIPT, "--calls", str(calls), "--max-growth-mb", str(limit_mb)],
                       capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "OK" in r.stdout, r.stdout


def test_calls_leave_memory_flat():
    _run(30_000, 1.0)


@pytest.mark.slow
def test_a_million_calls_leave_memory_flat():
    _run(1_000_000, 4.0)
