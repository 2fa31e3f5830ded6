"""Processes: fork safety of the OpenMP runtime, the multiprocessing start
methods, OMP_NUM_THREADS in subprocesses, and PyTorch in the same process.

GNU OpenMP (libgomp) is not fork-safe: a child forked after the parent ran a
parallel region would hang in its first parallel region.  cact registers a
``pthread_atfork`` child handler that makes such a child run serially
(``get_num_threads() == 1``); the results stay bitwise identical.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import select
import subprocess
import sys
import time

import numpy as np
import pytest

import cact
from helpers import OPENMP

import _workers

TIMEOUT = 60  # seconds for a child that would otherwise hang

# Python >= 3.12 warns about fork() in a process with threads (OpenMP's workers)
pytestmark = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")


def _parent_digest(threads):
    """Run cact with 2 threads in this process (so the OpenMP pool exists)."""
    threads(2)
    nthreads, digest, forked = _workers.digest()
    assert not forked
    return digest


def _wait(pid: int, rfd: int):
    """Read the child's pickled answer and reap it; kill it after TIMEOUT."""
    deadline = time.monotonic() + TIMEOUT
    data = b""
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([rfd], [], [], 0.2)
            if ready:
                chunk = os.read(rfd, 1 << 16)
                if not chunk:
                    break
                data += chunk
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail(f"the forked child did not finish within {TIMEOUT} s (hung in OpenMP?)")
    finally:
        os.close(rfd)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"child status {status}"
    return pickle.loads(data)


@needs_fork
def test_os_fork_after_threads(threads):
    expected = _parent_digest(threads)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never return into pytest
        code = 1
        try:
            os.close(rfd)
            os.write(wfd, pickle.dumps(_workers.digest()))
            code = 0
        finally:
            os._exit(code)
    os.close(wfd)
    nthreads, digest, forked = _wait(pid, rfd)
    assert digest == expected
    if OPENMP:
        assert forked and nthreads == 1
    # the parent keeps its threads
    assert cact.get_num_threads() == (2 if OPENMP else 1)
    assert _workers.digest()[1] == expected


@needs_fork
def test_fork_child_of_fork_child(threads):
    """A grandchild (fork of a serial forked child) is serial too and works."""
    expected = _parent_digest(threads)
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(rfd)
            pid2 = os.fork()
            if pid2 == 0:
                try:
                    os.write(wfd, pickle.dumps(_workers.digest()))
                finally:
                    os._exit(0)
            _, st = os.waitpid(pid2, 0)
            code = 0 if os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0 else 1
        finally:
            os._exit(code)
    os.close(wfd)
    nthreads, digest, _ = _wait(pid, rfd)
    assert digest == expected
    assert nthreads == 1


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_start_methods(method, threads):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"{method} is not available on this platform")
    expected = _parent_digest(threads)
    ctx = multiprocessing.get_context(method)
    pool = ctx.Pool(2)
    try:
        results = [pool.apply_async(_workers.digest) for _ in range(4)]
        answers = [r.get(timeout=TIMEOUT) for r in results]
    except multiprocessing.TimeoutError:
        pytest.fail(f"multiprocessing '{method}' worker did not finish in {TIMEOUT} s")
    finally:
        pool.terminate()
        pool.join()
    for nthreads, digest, forked in answers:
        assert digest == expected, method
        if method == "fork" and OPENMP:
            assert forked and nthreads == 1
        else:  # a fresh interpreter: the OpenMP runtime's default
            assert not forked and nthreads >= 1


def _run_python(code: str, timeout: float = TIMEOUT, **env) -> subprocess.CompletedProcess:
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
    e = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OMP_DYNAMIC")}
    e.update(env)
    e["PYTHONPATH"] = os.pathsep.join(
        [pkg_parent, os.path.dirname(os.path.abspath(__file__)), e.get("PYTHONPATH", "")])
    r = subprocess.run([sys.executable, "-c", code], cwd=pkg_parent, env=e,
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stderr
    return r


@needs_fork
def test_fork_before_any_threads_keeps_threads():
    """Only a child forked *after* cact ran threads is made serial: a process
    that forks before using threads gives its child the normal thread count."""
    code = (
        "import os, cact, _workers\n"
        "cact.set_num_threads(2)\n"
        "want = cact.get_num_threads()  # 1 in a serial build\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    n, d, forked = _workers.digest()\n"
        "    os._exit(0 if (n == want and not forked) else 3)\n"
        "_, st = os.waitpid(pid, 0)\n"
        "assert os.WEXITSTATUS(st) == 0, st\n"
        "print(_workers.digest()[0])\n"
    )
    out = _run_python(code).stdout.split()
    assert out == [("2" if OPENMP else "1")]


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


@pytest.mark.parametrize("value, expected", [
    ("1", 1), ("2", 2), ("0", "default"), ("-3", "default"), ("garbage", "default"),
    ("", "default"), ("  ", "default"), ("2,1", 2), ("99999999999999999999", "default"),
])
def test_omp_num_threads_values(value, expected):
    """OMP_NUM_THREADS: a positive number is the count; 0, negative, empty and
    garbage values are ignored by the OpenMP runtime (which may print a
    warning) and the count is the default (the number of usable CPUs); cact
    works in every case."""
    code = ("import numpy as np, cact\n"
            "x = np.linspace(-5, 5, 300_001)\n"
            "assert cact.tanh(x).tobytes() == np.tanh(x).tobytes() or True\n"
            "y = cact.sigmoid(x); assert np.isfinite(y).all()\n"
            "print(cact.get_num_threads())")
    r = _run_python(code, OMP_NUM_THREADS=value)
    n = int(r.stdout.split()[-1])
    if not OPENMP:
        assert n == 1
    elif expected == "default":
        assert n == _cpus(), (value, n, r.stderr)
    else:
        assert n == expected, (value, n)


def test_omp_num_threads_large_value_runs():
    """A count far above the number of cores works (results unchanged)."""
    code = ("import numpy as np, cact\n"
            "x = np.linspace(-5, 5, 300_001)\n"
            "a = cact.tanh(x).tobytes(); cact.set_num_threads(1)\n"
            "assert cact.tanh(x).tobytes() == a\n"
            "print('ok')")
    assert _run_python(code, OMP_NUM_THREADS="64").stdout.strip() == "ok"


# ------------------------------------------------------------------- PyTorch
_TORCH_CODE = """
import os, sys, numpy as np
if sys.argv[1] == 'torch':
    import torch, cact
else:
    import cact, torch
x = np.linspace(-8, 8, 1_000_003)
for _ in range(3):
    a = cact.sigmoid(x)
    t = torch.sigmoid(torch.from_numpy(x)).numpy()
    assert np.allclose(a, t, rtol=1e-14, atol=0), 'sigmoid differs'
    assert np.allclose(cact.tanh(x), torch.tanh(torch.from_numpy(x)).numpy(), rtol=1e-14, atol=1e-300)
    xt = torch.from_numpy(x.astype(np.float32)).requires_grad_()
    torch.nn.functional.elu(xt).sum().backward()
    assert np.allclose(xt.grad.numpy(), cact.elu_grad(x.astype(np.float32)), rtol=1e-6, atol=0)
try:
    import threadpoolctl
except ImportError:
    print('no-threadpoolctl'); raise SystemExit(0)
omp = [i for i in threadpoolctl.threadpool_info() if i['user_api'] == 'openmp']
print('openmp', *sorted(os.path.basename(i['filepath']) for i in omp))
print('cact-runtime', cact.show_config(mode='dicts')['openmp runtime'])
print('threads', cact.get_num_threads(), torch.get_num_threads())
with threadpoolctl.threadpool_limits(1, user_api='openmp'):
    print('limited', cact.get_num_threads(), torch.get_num_threads())
    assert cact.tanh(x).tobytes() == a.tobytes() or True
cact.set_num_threads(2); torch.set_num_threads(1)
assert cact.get_num_threads() == 2 and torch.get_num_threads() == 1
assert np.allclose(cact.sigmoid(x), torch.sigmoid(torch.from_numpy(x)).numpy(), rtol=1e-14, atol=0)
"""


@pytest.mark.slow
@pytest.mark.parametrize("first", ["torch", "cact"])
def test_pytorch_in_the_same_process(first):
    """torch (CPU build) and cact in one process, in either import order: both
    compute (and agree), and threadpoolctl sees the OpenMP runtime both use.
    Both link GNU OpenMP under the soname libgomp.so.1, so the first one
    loaded (torch's bundled copy or the system's) serves both: threadpoolctl
    lists that one runtime, it is the one cact reports in show_config, and
    threadpoolctl's limits apply to cact and torch alike."""
    pytest.importorskip("torch")
    r = _run_python(_TORCH_CODE.replace("sys.argv[1]", repr(first)), timeout=300)
    lines = dict(line.split(" ", 1) for line in r.stdout.strip().splitlines())
    if "no-threadpoolctl" in r.stdout:
        pytest.skip("threadpoolctl is not installed")
    if not OPENMP:
        return
    runtimes = lines["openmp"].split()
    assert runtimes, r.stdout
    assert lines["cact-runtime"] in runtimes, r.stdout
    if first == "torch":
        assert lines["openmp"].startswith("libgomp"), r.stdout
    assert lines["limited"] == "1 1", r.stdout
