"""The GIL is released while cact computes.

A pure-Python thread counts as fast as it can while the main thread makes one
long cact call.  If the call held the GIL, the counter could advance only for
the few switch intervals around the call, not during it; released, it keeps
counting for the whole call.  The check compares counts, not times: the
counter must advance during the call by a large fraction of what it advances
in an equally long stretch of pure waiting (``time.sleep`` releases the GIL).
"""

import threading
import time

import numpy as np
import pytest

import cact


def _gains(fn, x):
    """(counter gain during one call, gain while sleeping as long), averaged."""
    stop = False
    count = 0

    def spin():
        nonlocal count
        while not stop:
            count += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.01)
        t0 = time.perf_counter()
        fn(x)
        duration = time.perf_counter() - t0
        c0 = count
        time.sleep(duration)
        idle_gain = count - c0
        c0 = count
        for _ in range(3):
            fn(x)
        call_gain = (count - c0) / 3
    finally:
        stop = True
        t.join()
    return call_gain, idle_gain


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "relu"])
def test_gil_released_during_call(name):
    fn = getattr(cact, name)
    x = np.linspace(-5, 5, 4_000_000 if name != "relu" else 40_000_000)
    old = cact.set_num_threads(1)
    try:
        # Held GIL: the counter moves only in the few 5 ms switch intervals
        # around a call of ~100 ms (<= ~10% of idle_gain).  Released: it keeps
        # counting for the whole call.  Other load on the machine can starve
        # the counting thread for a while, so the best of three attempts counts.
        ratios = []
        for _ in range(3):
            call_gain, idle_gain = _gains(fn, x)
            ratios.append(call_gain / max(idle_gain, 1))
            if ratios[-1] > 0.3:
                break
    finally:
        cact.set_num_threads(old)
    assert max(ratios) > 0.3, ratios
