"""threadpoolctl finds cact's OpenMP runtime and its limits reach cact.

Each check runs in a fresh interpreter: "after ``import cact`` and one call",
with no thread count set explicitly (the suite's fixtures set one, and an
explicit count wins over the runtime's default and so over threadpoolctl).
The interpreter imports the same build as this process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import cact
from helpers import OPENMP

pytest.importorskip("threadpoolctl")
pytestmark = pytest.mark.skipif(not OPENMP, reason="serial build: no OpenMP runtime")

CODE = r"""
import json, os
import numpy as np
import cact
import threadpoolctl

cact.tanh(np.linspace(-3, 3, 1_000_000, dtype=np.float32))  # one call
info = threadpoolctl.threadpool_info()
before = cact.get_num_threads()
with threadpoolctl.threadpool_limits(1):
    inside = cact.get_num_threads()
    y = cact.tanh(np.linspace(-3, 3, 1_000_000, dtype=np.float32))
with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
    inside_openmp = cact.get_num_threads()
after = cact.get_num_threads()
print(json.dumps({
    "cact": cact.__file__,
    "runtime": cact._core.openmp_library(),
    "info": info,
    "before": before, "inside": inside, "inside_openmp": inside_openmp, "after": after,
}))
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
    env["OMP_NUM_THREADS"] = "3"  # a default that differs from the limit
    r = subprocess.run([sys.executable, "-c", CODE], cwd=tmp_path_factory.mktemp("tpc"),
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["cact"] == cact.__file__  # the same build as this process
    return out


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def test_threadpool_info_lists_cacts_openmp_runtime(report):
    runtime = report["runtime"]
    if not runtime:
        pytest.skip("this platform does not tell which OpenMP library cact calls")
    openmp = [lib for lib in report["info"] if lib.get("user_api") == "openmp"]
    assert any(_same_file(lib["filepath"], runtime) for lib in openmp), (
        f"cact calls {runtime}; threadpoolctl lists {openmp}")


def test_threadpool_limits_reach_cact(report):
    assert report["before"] == 3  # OMP_NUM_THREADS
    assert report["inside"] == 1
    assert report["inside_openmp"] == 1
    assert report["after"] == 3
