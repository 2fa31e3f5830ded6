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


def apply_calls(calls):
    """``[fn(*args, **kwargs) for fn, args, kwargs in calls]``, run in a child
    process by test_pickle.py: the functions arrive pickled (by reference) and
    are resolved by importing cact in the child."""
    return [fn(*args, **kwargs) for fn, args, kwargs in calls]


def unpickle_and_apply(blob: bytes):
    """Run in a fresh child by test_pickle.py.  ``blob`` is
    ``pickle.dumps((objects, calls))``: ``objects`` maps "cact.NAME" and
    "ufuncs[NAME]" to the objects themselves, ``calls`` is as for
    apply_calls.  Returns (whether cact was imported before unpickling, which
    must not be needed; for each key, whether the unpickled object is the one
    the child's own cact has under that name; the calls' results)."""
    import pickle
    import sys

    imported_before = "cact" in sys.modules
    objects, calls = pickle.loads(blob)
    import cact

    same = {}
    for key, obj in objects.items():
        if key.startswith("ufuncs["):
            mine = cact.ufuncs[key[len("ufuncs["):-1]]
        else:
            mine = getattr(cact, key[len("cact."):])
        # data (the activation table, the version) is equal, objects identical
        same[key] = mine is obj if callable(mine) else mine == obj
    return imported_before, same, apply_calls(calls)
