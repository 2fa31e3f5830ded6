"""Processes: fork safety, the multiprocessing start methods, OMP_NUM_THREADS
in subprocesses, and PyTorch in the same process.

GNU OpenMP (libgomp) is not fork-safe: a child forked after the parent ran a
parallel region hangs in its next parallel region.  cact runs its loops on its
own threads (src/cact_pool.c) and never enters a parallel region; a
``pthread_atfork`` child handler forgets the parent's workers, and the child
starts its own.  So a forked child keeps its thread count and computes the
same bits, whoever used the OpenMP runtime in the parent (cact, PyTorch, any
``gcc -fopenmp`` library).
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
    """Run cact with 2 threads in this process (so its worker threads exist)."""
    threads(2)
    nthreads, digest, workers = _workers.digest()
    assert workers >= (1 if OPENMP else 0)
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
    nthreads, digest, workers = _wait(pid, rfd)
    assert digest == expected
    if OPENMP:  # the child keeps the count and started its own worker
        assert nthreads == 2 and workers == 1
    # the parent keeps its threads
    assert cact.get_num_threads() == (2 if OPENMP else 1)
    assert _workers.digest()[1] == expected


@needs_fork
def test_fork_child_of_fork_child(threads):
    """A grandchild (fork of a forked child) has threads too and works."""
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
    nthreads, digest, workers = _wait(pid, rfd)
    assert digest == expected
    assert (nthreads, workers) == ((2, 1) if OPENMP else (1, 0))


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
    for nthreads, digest, workers in answers:
        assert digest == expected, method
        if method == "fork" and OPENMP:  # the parent's setting, inherited
            assert nthreads == 2
        else:  # a fresh interpreter: the OpenMP runtime's default
            assert nthreads >= 1


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
    """A process that forks before using threads gives its child the normal
    thread count too."""
    code = (
        "import os, cact, _workers\n"
        "cact.set_num_threads(2)\n"
        "want = cact.get_num_threads()  # 1 in a serial build\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    n, d, workers = _workers.digest()\n"
        "    os._exit(0 if n == want else 3)\n"
        "_, st = os.waitpid(pid, 0)\n"
        "assert os.WEXITSTATUS(st) == 0, st\n"
        "print(_workers.digest()[0])\n"
    )
    out = _run_python(code).stdout.split()
    assert out == [("2" if OPENMP else "1")]


# A second OpenMP user in the process: a library built with `gcc -fopenmp`
# (it links the same libgomp.so.1 as a source build of cact), or PyTorch.
_OMP_LIB_C = r"""
#include <omp.h>
double spin(int n) {
    double s = 0;
    #pragma omp parallel for reduction(+:s) num_threads(2)
    for (int i = 0; i < n; i++) s += 1.0 / (1.0 + i);
    return s;
}
"""

_FORK_AFTER_OTHER_OMP = """
import ctypes, multiprocessing as mp, sys
import numpy as np
which, arg = sys.argv[1], sys.argv[2]
if which == 'torch':
    import torch
    torch.set_num_threads(2)
    torch.tanh(torch.randn(4_000_000))      # a threaded op in torch's runtime
else:
    lib = ctypes.CDLL(arg)
    lib.spin.restype = ctypes.c_double
    lib.spin(10_000_000)                     # a parallel region, 2 threads
import cact

def work(i):
    x = np.linspace(-5, 5, 1_000_000)
    return cact.get_num_threads(), cact.tanh(x).tobytes() == want

x = np.linspace(-5, 5, 1_000_000)
want = cact.tanh(x).tobytes()
with mp.get_context('fork').Pool(2) as p:
    print(p.map_async(work, range(4)).get(timeout=%d))
""" % TIMEOUT


def _omp_library(tmp_path) -> str:
    import shutil
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no C compiler to build a second OpenMP library")
    src = tmp_path / "omp_user.c"
    src.write_text(_OMP_LIB_C)
    lib = tmp_path / "libomp_user.so"
    r = subprocess.run([cc, "-O1", "-fopenmp", "-shared", "-fPIC", str(src), "-o", str(lib)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot build an OpenMP library: {r.stderr.strip()[:200]}")
    return str(lib)


@needs_fork
@pytest.mark.parametrize("other", ["gcc-openmp-library", "torch"])
def test_fork_after_another_openmp_user(other, tmp_path):
    """Issue 15.1: a child forked after ANOTHER library ran threads in the
    shared OpenMP runtime used to hang in cact's first parallel region (the
    fork guard counted only cact's own teams).  Every child must finish, keep
    the thread count and compute the same bits."""
    if other == "torch":
        pytest.importorskip("torch")
        arg = ""
    else:
        arg = _omp_library(tmp_path)
    code = _FORK_AFTER_OTHER_OMP.replace("sys.argv[1]", repr(other.split("-")[0]))
    code = code.replace("sys.argv[2]", repr(arg))
    r = _run_python(code, timeout=TIMEOUT + 30)
    answers = eval(r.stdout.strip().splitlines()[-1])  # a list of (int, bool)
    assert len(answers) == 4
    for n, same in answers:
        assert same and (n >= 1 if OPENMP else n == 1)


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
