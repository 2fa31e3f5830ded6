"""Functions run in child processes by test_processes.py (importable by a
spawned or forkserver child: no pytest, no test-only imports)."""

from __future__ import annotations

import hashlib

import numpy as np


def big_input(n: int = 600_000) -> np.ndarray:
    """Long enough for every function's OpenMP path (float64)."""
    return np.linspace(-9.0, 9.0, n)


def digest(n: int = 600_000) -> tuple[int, str, int]:
    """(thread count, sha256 of several results, worker threads started in
    this process) computed with cact in the calling process."""
    import cact
    from cact import _core

    x = big_input(n)
    h = hashlib.sha256()
    for fn in (cact.sigmoid, cact.tanh, cact.elu, cact.tanh_grad):
        h.update(fn(x).tobytes())
    h.update(cact.sigmoid_backward(x, x).tobytes())
    h.update(cact.maxout(x, 2).tobytes())
    return cact.get_num_threads(), h.hexdigest(), _core.pool_stats()["workers"]
