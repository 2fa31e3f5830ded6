"""Lengths around the vector widths (at every instruction-set level the CPU
has) and around the OpenMP split: threshold +-1 and threads x chunk +-1 for
1, 2, 3, 4 and 7 threads.

The oracle for vector widths is the element computed alone (a length-1 call
runs the scalar remainder of every loop), so a vector body, its remainder
and any alignment prologue the compiler adds must all agree bitwise.
"""

import numpy as np
import pytest

import cact
from helpers import (LEVELS, SPLIT, DTYPES, VARIANTS, acts, assert_bitwise, call, dtname, isa_level, make_inputs, min_parallel,
                     param_sets)

# Vector widths in elements: SSE2 / AVX2 / AVX-512 hold 4 / 8 / 16 floats and
# 2 / 4 / 8 doubles; float32 kernels compute in double, so 2..16 all occur.
WIDTHS = (2, 4, 8, 16)
MAXW = 16
LENGTHS = sorted(set(range(1, 2 * MAXW + 2)) | {k * w + d for w in WIDTHS for k in range(1, 11)
                                                for d in (-1, 0, 1)})
LMAX = max(LENGTHS)  # 10 W + 1 = 161


def _same(a, b) -> bool:
    """Bitwise equality without copies (NaN payloads and signed zeros count)."""
    a, b = np.asarray(a), np.asarray(b)
    u = f"u{a.dtype.itemsize}"
    return a.shape == b.shape and a.dtype == b.dtype and bool((a.view(u) == b.view(u)).all())


def _values(dtype, n, seed):
    rng = np.random.default_rng(seed)
    v = rng.uniform(-25, 25, n)
    v[::7] = rng.uniform(-1e-3, 1e-3, v[::7].size)
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 100.0, -800.0, 1e-310, -1e-40, 88.0, 20.0,
               -20.0, 9.0, 17.0, -17.0]
    k = min(len(special), v[3::11].size)
    v[3::11][:k] = special[:k]
    with np.errstate(over="ignore"):
        return v.astype(dtype)


@pytest.mark.parametrize("isa", LEVELS)
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_lengths_around_vector_widths(act, dtype, isa):
    """Lengths 1 .. 2W+1 and k W - 1, k W, k W + 1 up to 10 W, at element
    offsets 0..3, contiguous and strided: each element equals the element
    computed alone."""
    params = param_sets(act)[-1]
    failures = []
    with isa_level(isa):
        for variant in act.variants:
            base = make_inputs(act, variant, _values(dtype, LMAX + 8, seed=LMAX), params)
            alone = np.concatenate([np.atleast_1d(call(act, variant, tuple(a[i:i + 1] for a in base), params))
                                    for i in range(LMAX + 8)])
            for off in range(4):
                for n in LENGTHS:
                    got = call(act, variant, tuple(a[off:off + n] for a in base), params)
                    if got.tobytes() != alone[off:off + n].tobytes():
                        failures.append(f"{variant} n={n} offset={off}")
            stride = tuple(np.repeat(a, 3)[::3] for a in base)  # same values, stride 3
            for n in LENGTHS:
                if call(act, variant, tuple(a[:n] for a in stride), params).tobytes() != alone[:n].tobytes():
                    failures.append(f"{variant} n={n} stride 3")
    assert not failures, f"{act.name} {dtname(dtype)} at {isa}: {len(failures)} lengths wrong, e.g. {failures[:4]}"


def _ref_maxout(z, pieces):
    g = z.reshape(-1, pieces)
    return np.take_along_axis(g, np.argmax(g, axis=1)[:, None], 1)[:, 0]


@pytest.mark.parametrize("isa", LEVELS)
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_lengths_around_vector_widths(dtype, isa):
    """Group counts around the vector widths for the vectorised 2- and
    4-piece loops and the generic loop, forward and backward."""
    rng = np.random.default_rng(9)
    with isa_level(isa):
        for pieces in (2, 3, 4):
            zall = rng.integers(-3, 4, (LMAX + 4) * pieces).astype(dtype)
            zall[5::13] = np.nan
            gall = rng.uniform(-1, 1, LMAX + 4).astype(dtype)
            for off in (0, 1):
                for n in LENGTHS:
                    z = zall[off * pieces:(off + n) * pieces]
                    g = gall[off:off + n]
                    ref = _ref_maxout(z, pieces)
                    assert_bitwise(cact.maxout(z, pieces), ref, f"maxout n={n} pieces={pieces} {isa}")
                    back = np.zeros((n, pieces), dtype)
                    if n:
                        np.put_along_axis(back, np.argmax(z.reshape(-1, pieces), 1)[:, None], g[:, None], 1)
                    assert_bitwise(cact.maxout_backward(g, z, pieces), back.ravel(),
                                   f"maxout_backward n={n} pieces={pieces} {isa}")


# ------------------------------------------------------- the OpenMP split
THREADS = (2, 3, 4, 7)


def _split_sizes(threshold, t):
    """threshold - 1, threshold, threshold + 1 and t x chunk - 1, t x chunk,
    t x chunk + 1 for the chunk cact_run uses at the threshold (a multiple of
    64 items: the last thread's share is one item short, exact, one over)."""
    chunk = ((threshold + t - 1) // t + 63) // 64 * 64
    return sorted({threshold - 1, threshold, threshold + 1, t * chunk - 1, t * chunk, t * chunk + 1})


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_threads_times_chunk_at_the_thresholds(act, dtype, threads, split):
    """At a forced split size (helpers.SPLIT): threshold +-1 and threads x chunk +-1 for
    2, 3, 4 and 7 threads, bitwise equal to one thread (contiguous and reversed)."""
    thr = SPLIT
    params = param_sets(act)[-1]
    sizes = sorted({n for t in THREADS for n in _split_sizes(thr, t)})
    failures = []
    for variant in ("f",) if act.family == "linear" else act.variants:
        base = make_inputs(act, variant, _values(dtype, max(sizes), seed=thr), params)
        threads(1)
        full = call(act, variant, base, params)
        rev = call(act, variant, tuple(a[::-1] for a in base), params)
        for t in THREADS:
            threads(t)
            for n in _split_sizes(thr, t):
                if not _same(call(act, variant, tuple(a[:n] for a in base), params), full[:n]):
                    failures.append(f"{variant} n={n} threads={t}")
                if t == 3 and n == thr + 1:
                    got = call(act, variant, tuple(a[::-1] for a in base), params)
                    if not _same(got, rev):
                        failures.append(f"{variant} reversed threads={t}")
    assert not failures, f"{act.name} {dtname(dtype)}: {failures[:5]}"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_threads_times_chunk_small(act, dtype, threads):
    """With the thresholds lowered to 128 items (the test hook behind
    bench/thresholds.py), short loops are split too: every size around
    t x 64 k for t in 1, 2, 3, 4, 7 and k = 1, 2, 3, bitwise equal to serial."""
    params = param_sets(act)[-1]

    def sizes(t):
        return [t * 64 * k + d for k in (1, 2, 3) for d in (-1, 0, 1) if t * 64 * k + d >= 127]

    failures = []
    for variant in act.variants:
        base = make_inputs(act, variant, _values(dtype, 7 * 64 * 3 + 16, seed=7), params)
        threads(1)
        full = call(act, variant, base, params)
        with min_parallel(128):
            for t in THREADS:
                threads(t)
                for n in sizes(t):
                    if call(act, variant, tuple(a[:n] for a in base), params).tobytes() != full[:n].tobytes():
                        failures.append(f"{variant} n={n} threads={t}")
    assert not failures, f"{act.name} {dtname(dtype)}: {failures[:5]}"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_threads_times_chunk(dtype, threads, split):
    thr = SPLIT
    for pieces in (2, 3):
        groups = sorted({n // pieces + d for t in THREADS for n in _split_sizes(thr, t) for d in (0, 1)})
        zall = np.random.default_rng(pieces).integers(-4, 5, max(groups) * pieces).astype(dtype)
        gall = np.random.default_rng(1).uniform(-1, 1, max(groups)).astype(dtype)
        threads(1)
        m_full = cact.maxout(zall, pieces)
        b_full = cact.maxout_backward(gall, zall, pieces)
        for t in THREADS:
            threads(t)
            for n in groups:
                z = zall[:n * pieces]
                assert_bitwise(cact.maxout(z, pieces), m_full[:n], f"maxout {n} groups threads={t}")
                assert_bitwise(cact.maxout_backward(gall[:n], z, pieces), b_full[:n * pieces],
                               f"maxout_backward {n} groups threads={t}")
