"""Thread-count controls, calls from several Python threads, OMP_NUM_THREADS,
and show_config."""

import concurrent.futures
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import cact
from helpers import SPLIT, OPENMP, VARIANTS, assert_bitwise, call, make_inputs, param_sets


@pytest.fixture(autouse=True)
def _split_from_split_size(split):
    """Loops of SPLIT items or more are split over the threads in every test
    here (cact's own rule is tested in test_split_rule.py)."""
    yield


def test_get_set_round_trip():
    if not OPENMP:  # serial build: accepted, no effect, always 1
        assert cact.get_num_threads() == 1
        assert cact.set_num_threads(3) == 1
        assert cact.get_num_threads() == 1
        return
    old = cact.get_num_threads()
    assert isinstance(old, int) and old >= 1
    assert cact.set_num_threads(3) == old
    assert cact.get_num_threads() == 3
    assert cact.set_num_threads(1) == 3
    assert cact.get_num_threads() == 1
    assert cact.set_num_threads(np.int64(2)) == 1
    assert cact.get_num_threads() == 2
    assert cact.set_num_threads(old) == 2
    assert cact.get_num_threads() == old


@pytest.mark.parametrize("bad, exc", [
    (0, ValueError), (-1, ValueError), (-(2**40), ValueError), (2**31, ValueError),
    (cact.thread_limit() + 1, ValueError), (100_000, ValueError),
    (2.0, TypeError), ("2", TypeError), (True, TypeError),
    (np.float64(2), TypeError), ([2], TypeError),
])
def test_set_num_threads_bad_values(bad, exc, threads):
    threads(2)
    before = cact.get_num_threads()
    with pytest.raises(exc):
        cact.set_num_threads(bad)
    assert cact.get_num_threads() == before


def test_thread_limit():
    limit = cact.thread_limit()
    assert limit == min(max(64, 4 * os.cpu_count()), 1024)
    with pytest.raises(ValueError, match=f"limit of {limit} threads"):
        cact.set_num_threads(limit + 1)


_RESTORE = r"""
import json
import numpy as np, cact, threadpoolctl
x = np.linspace(-3, 3, 1_000_000)
out = {"default": cact.get_num_threads()}
old = cact.set_num_threads(1)               # the documented restore pattern
out["old"] = old
cact.tanh(x)
cact.set_num_threads(old)
with threadpoolctl.threadpool_limits(1):    # the default is followed again
    out["limited_after_restore"] = cact.get_num_threads()
cact.set_num_threads(3)
old = cact.set_num_threads(1)
cact.set_num_threads(old)                   # a pinned count is restored pinned
with threadpoolctl.threadpool_limits(1):
    out["limited_pinned"] = cact.get_num_threads()
prev = cact.set_num_threads(None)           # back to the default explicitly
out["prev"] = prev
with threadpoolctl.threadpool_limits(1):
    out["limited_after_none"] = cact.get_num_threads()
out["after"] = cact.get_num_threads()
print(json.dumps(out))
"""


@pytest.mark.skipif(not OPENMP, reason="serial build: no thread count to restore")
def test_restore_pattern_restores_the_default():
    """Issue 15.2: ``old = set_num_threads(1); set_num_threads(old)`` used to
    pin today's count, so later threadpoolctl limits no longer reached cact."""
    pytest.importorskip("threadpoolctl")
    import json
    out = json.loads(_run_python(_RESTORE, OMP_NUM_THREADS="2"))
    assert out["default"] == 2 and out["old"] == 2
    assert out["limited_after_restore"] == 1
    assert out["limited_pinned"] == 3
    assert out["prev"] == 3
    assert out["limited_after_none"] == 1
    assert out["after"] == 2


@pytest.mark.skipif(not OPENMP, reason="serial build: no threads")
def test_huge_omp_num_threads_is_capped():
    """Issue 15.3: a huge count used to start that many threads (or kill the
    process when they could not be created); it is capped at thread_limit()."""
    code = ("import numpy as np, cact\n"
            "x = np.linspace(-5, 5, 1_000_000)\n"
            "a = cact.tanh(x).tobytes()\n"
            "print(cact.get_num_threads(), cact.thread_limit(), cact._core.pool_stats()['workers'],"
            " a == np.asarray(cact.tanh(x)).tobytes())")
    n, limit, workers, same = _run_python(code, OMP_NUM_THREADS="100000").split()
    assert int(n) == int(limit) and int(workers) <= int(limit) - 1 and same == "True"


@pytest.mark.skipif(not OPENMP, reason="serial build: no threads")
def test_workers_share_the_work(threads):
    """The pool's workers do run chunks (a pool whose workers never took any
    would still give right results, so count them)."""
    from cact import _core
    threads(2)
    x = np.random.default_rng(3).uniform(-8, 8, 4_000_000)
    before = _core.pool_stats()["worker_chunks"]
    for _ in range(20):
        cact.tanh(x, out=x)
    assert _core.pool_stats()["worker_chunks"] > before


def test_more_threads_than_cores_or_work(threads):
    x = np.linspace(-5, 5, 300_001)
    threads(1)
    expected = cact.tanh(x[:100]), cact.tanh(x), cact.tanh(x[:5000])
    threads(64)
    assert_bitwise(cact.tanh(x[:100]), expected[0], "tanh, 64 threads, 100 elements")
    assert_bitwise(cact.tanh(x), expected[1], "tanh, 64 threads")
    assert_bitwise(cact.tanh(x[:5000]), expected[2], "tanh, 64 threads, 5000 elements")


def _jobs(dtype):
    """(act, variant, inputs, params) for every row and variant, each long
    enough for the OpenMP path of its row."""
    jobs = []
    for i, act in enumerate(cact.ACTIVATIONS):
        n = SPLIT + 1000
        params = param_sets(act)[-1]
        rng = np.random.default_rng(i)
        x = rng.uniform(-10, 10, n).astype(dtype)
        for variant in act.variants:
            jobs.append((act, variant, make_inputs(act, variant, x, params), params))
    return jobs


@pytest.mark.parametrize("nthreads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_concurrent_calls_on_separate_arrays(dtype, nthreads, threads):
    """8 Python threads run every function at once, each on its own output
    (out=None and a private out=), on inputs no other thread writes."""
    threads(nthreads)
    jobs = _jobs(dtype)
    expected = [call(a, v, ins, p) for a, v, ins, p in jobs]

    def work(k):
        failures = []
        dst = {}
        for j in [(k + i) % len(jobs) for i in range(len(jobs))]:
            a, v, ins, p = jobs[j]
            res = call(a, v, ins, p)
            out = dst.setdefault(res.shape, np.empty_like(res))
            call(a, v, ins, p, out=out)
            for label, r in (("", res), (" (out=)", out)):
                if r.tobytes() != expected[j].tobytes():
                    failures.append(f"{a.name} {v}{label} from Python thread {k}")
        return failures

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        failures = [f for per_thread in ex.map(work, range(8)) for f in per_thread]
    assert not failures, f"{len(failures)} wrong results: {failures[:4]}"


def test_concurrent_calls_on_shared_read_only_input(threads):
    threads(2)
    n = SPLIT + 1  # every function takes the pool path
    x = np.random.default_rng(1).uniform(-8, 8, n)
    x.flags.writeable = False
    fns = [cact.sigmoid, cact.tanh, cact.relu, cact.leaky_relu, cact.elu,
           cact.relu_grad, cact.tanh_grad, cact.elu_grad]
    expected = [f(x).tobytes() for f in fns]
    barrier = threading.Barrier(8)

    def work(k):
        barrier.wait()
        order = [(k + j) % len(fns) for j in range(len(fns))]
        return [fns[i].__name__ for i in order if fns[i](x).tobytes() != expected[i]]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        failures = [f for per_thread in ex.map(work, range(8)) for f in per_thread]
    assert not failures, f"wrong results on a shared input from: {failures}"


def test_concurrent_in_place_and_thread_count_changes(threads):
    """In-place calls on separate arrays while another thread keeps changing
    the thread count: results are bitwise identical for every count."""
    threads(2)
    base = np.random.default_rng(2).uniform(-8, 8, (8, 100_000)).astype(np.float32)
    expected = cact.elu(base)
    stop = threading.Event()

    def toggle():
        k = 0
        while not stop.is_set():
            cact.set_num_threads(1 + k % 3)
            k += 1

    def work(i):
        out = []
        for _ in range(10):
            a = base[i].copy()
            assert cact.elu(a, out=a) is a
            out.append(a)
        return out

    t = threading.Thread(target=toggle)
    t.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
            results = list(ex.map(work, range(8)))
    finally:
        stop.set()
        t.join()
    for i, per_thread in enumerate(results):
        for a in per_thread:
            assert_bitwise(a, expected[i], f"elu in place, row {i}")


def _run_python(code, **env):
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
    e = dict(os.environ)
    e.update(env)
    e["PYTHONPATH"] = pkg_parent + os.pathsep + e.get("PYTHONPATH", "")
    r = subprocess.run([sys.executable, "-c", code], cwd=pkg_parent, env=e,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_omp_num_threads_sets_the_default():
    code = "import cact; print(cact.get_num_threads(), cact.__file__)"
    out = _run_python(code, OMP_NUM_THREADS="1")
    assert out.split()[0] == "1", out
    assert out.split()[1] == cact.__file__  # the same build as this process
    if OPENMP:
        assert _run_python(code, OMP_NUM_THREADS="3").split()[0] == "3"
        out = _run_python("import cact; cact.set_num_threads(2); print(cact.get_num_threads())",
                          OMP_NUM_THREADS="1")
        assert out == "2"


def test_show_config(capsys):
    cfg = cact.show_config(mode="dicts")
    assert isinstance(cfg, dict)
    for key in ("cact", "numpy", "python", "compiler", "openmp", "threads"):
        assert key in cfg, key
    assert cfg["threads"] == cact.get_num_threads()
    assert cfg["cact"] == cact.__version__
    assert cfg["openmp"].startswith(("yes", "no"))
    assert cact.show_config() is None
    printed = capsys.readouterr().out
    assert "openmp" in printed and cact.__version__ in printed
    with pytest.raises(ValueError):
        cact.show_config(mode="json")


@pytest.mark.skipif(not OPENMP, reason="serial build: no pool")
def test_concurrent_callers_share_the_pool_without_a_second_team(threads):
    """One call at a time uses the pool; a call made meanwhile from another
    Python thread runs on its own thread (counted as busy), with the same
    bits.  Checked by the counter, since the bits alone would not tell."""
    from cact import _core
    threads(2)
    x = np.random.default_rng(5).uniform(-8, 8, 2_000_000).astype(np.float32)
    want = cact.sigmoid(x)
    barrier = threading.Barrier(4)

    def work(_):
        barrier.wait()
        return all(cact.sigmoid(x).tobytes() == want.tobytes() for _ in range(5))

    before = _core.pool_stats()["busy_calls"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as ex:
        assert all(ex.map(work, range(4)))
    assert _core.pool_stats()["busy_calls"] > before
