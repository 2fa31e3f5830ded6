"""Thread counts x alignment offsets, and many Python threads calling cact
while another thread keeps changing the thread count.

test_threads.py covers 1..3 threads on aligned data and a few concurrent
patterns; this module adds the full checklist: 1, 2, 3, 4 and 7 threads at
every element offset of a 64-byte line and every byte misalignment, for
every function (maxout included), and 8 Python threads x many calls of
every function on private and shared inputs during thread-count changes.
"""

import concurrent.futures
import threading

import numpy as np
import pytest

import cact
from helpers import DTYPES, OPENMP, VARIANTS, acts, call, dtname, make_inputs, min_parallel, param_sets

COUNTS = (2, 3, 4, 7)  # compared with 1


def _same(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    u = f"u{a.dtype.itemsize}"
    return a.shape == b.shape and a.dtype == b.dtype and bool((a.view(u) == b.view(u)).all())


def _misaligned(a, off):
    buf = bytearray(a.nbytes + 16)
    m = np.frombuffer(buf, dtype=a.dtype, count=a.size, offset=off)
    m[...] = a
    return m


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_thread_counts_and_offsets(act, dtype, threads):
    """1, 2, 3, 4, 7 threads (short loops split with the thresholds lowered to
    128 items) at every element offset 0..15 from a 64-byte boundary
    (7 threads; 2, 3 and 4 threads at offsets 0, 1, 5, 15) and at byte
    misalignments 1..15: bitwise identical to one thread.  n is past two
    blocks (CACT_BLOCK, 1024), so one thread and two run the line-aligning
    head copy (src/cact_kernels.inc.tp) at every offset and more threads
    do not: the head, the main loop and the tail give the same bits."""
    params = param_sets(act)[-1]
    n = 2 * 1024 + 37
    width = 64 // np.dtype(dtype).itemsize  # elements per 64-byte line
    failures = []
    for variant in act.variants:
        raw = np.random.default_rng(n).uniform(-20, 20, n + width).astype(dtype)
        raw[::31] = np.nan
        base = make_inputs(act, variant, raw, params)
        threads(1)
        full = call(act, variant, base, params)
        with min_parallel(128):
            for t in COUNTS:
                threads(t)
                offsets = range(width) if t == 7 else (0, 1, 5, width - 1)
                for off in offsets:
                    got = call(act, variant, tuple(a[off:off + n] for a in base), params)
                    if not _same(got, full[off:off + n]):
                        failures.append(f"{variant} threads={t} element offset {off}")
                if t == 3:
                    for boff in range(1, 16):
                        got = call(act, variant, tuple(_misaligned(a[:n], boff) for a in base), params)
                        if not _same(got, full[:n]):
                            failures.append(f"{variant} threads={t} byte offset {boff}")
    assert not failures, f"{act.name} {dtname(dtype)}: {failures[:5]}"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_thread_counts_and_offsets(dtype, threads):
    width = 64 // np.dtype(dtype).itemsize
    for pieces in (2, 4, 3):
        z = np.random.default_rng(pieces).integers(-4, 5, (600 + width) * pieces).astype(dtype)
        z[::37] = np.nan
        g = np.random.default_rng(1).uniform(-1, 1, 600 + width).astype(dtype)
        threads(1)
        m_full, b_full = cact.maxout(z, pieces), cact.maxout_backward(g, z, pieces)
        with min_parallel(128):
            for t in COUNTS:
                threads(t)
                for off in range(width) if t == 7 else (0, 1, width - 1):
                    zz = z[off * pieces:(off + 600) * pieces]
                    assert _same(cact.maxout(zz, pieces), m_full[off:off + 600]), (pieces, t, off)
                    assert _same(cact.maxout_backward(g[off:off + 600], zz, pieces),
                                 b_full[off * pieces:(off + 600) * pieces]), (pieces, t, off)


def _all_jobs(dtype, n):
    """(fn, args, kwargs) for every public function on fresh inputs."""
    jobs = []
    rng = np.random.default_rng(n)
    x = rng.uniform(-8, 8, n).astype(dtype)
    for act in cact.ACTIVATIONS:
        params = param_sets(act)[-1]
        for variant in act.variants:
            jobs.append((act, variant, make_inputs(act, variant, x, params), params))
    return jobs


def test_many_python_threads_while_thread_count_changes(threads):
    """8 Python threads x many calls of every function (float32 and float64,
    private inputs and outputs, in place, and one shared read-only input,
    maxout included) while another thread keeps setting the thread count
    to 1..7: every result is bitwise the single-threaded one, no crash."""
    threads(1)
    # the thresholds lowered so that these moderate sizes are split too
    jobs = _all_jobs(np.float32, 3000) + _all_jobs(np.float64, 3000)
    expected = [call(a, v, ins, p) for a, v, ins, p in jobs]
    shared = np.random.default_rng(5).uniform(-8, 8, 6000)
    shared.flags.writeable = False
    shared_fns = [cact.sigmoid, cact.tanh, cact.relu, cact.elu, cact.tanh_grad,
                  lambda s: cact.maxout(s, 3), lambda s: cact.maxout_backward(np.ones(2000), s, 3)]
    shared_expected = [f(shared) for f in shared_fns]
    stop = threading.Event()
    changes = [0]

    def toggle():
        k = 0
        while not stop.is_set():
            cact.set_num_threads(1 + k % 7)
            k += 1
        changes[0] = k

    def work(i):
        failures = []
        rng = np.random.default_rng(i)
        for r in range(10):
            for j in rng.permutation(len(jobs)):
                a, v, ins, p = jobs[j]
                if r % 2:
                    res = call(a, v, ins, p)
                else:  # into a private out, or in place on a private copy
                    own = tuple(x.copy() for x in ins)
                    res = call(a, v, own, p, out=own[-1])
                if not _same(res, expected[j]):
                    failures.append(f"{a.name} {v} {res.dtype} round {r} (thread {i})")
            for f, e in zip(shared_fns, shared_expected):
                if not _same(f(shared), e):
                    failures.append(f"shared input, thread {i}")
        return failures

    with min_parallel(256):
        t = threading.Thread(target=toggle)
        t.start()
        try:
            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
                failures = [f for per in ex.map(work, range(8)) for f in per]
        finally:
            stop.set()
            t.join()
    assert not failures, f"{len(failures)} wrong results: {failures[:4]}"
    assert changes[0] > 10
    if OPENMP:
        assert 1 <= cact.get_num_threads() <= 7
