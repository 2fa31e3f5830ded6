"""More than 2**31 elements (opt-in: --runslow; needs about 9 GB of free
memory): 64-bit indexing in every loop, the last element right.

One float32 buffer of 2**31 + 1000 elements (8.6 GB) is computed in place,
contiguous (the threaded path) and reversed (the strided kernel with a
negative stride over more than 2**31 elements), and maxout takes the maximum
over groups of more than 2**30 elements.
"""

import numpy as np
import pytest

import cact

N = 2**31 + 1000


def _available_bytes() -> int:
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        return int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return 0


@pytest.mark.slow
def test_more_than_2_31_elements(threads):
    need = N * 4 + 2**30
    if _available_bytes() < need:
        pytest.skip(f"needs {need / 2**30:.1f} GiB of free memory")
    threads(2)
    x = np.empty(N, np.float32)
    x[...] = -0.5
    tail = np.array([-3.0, 2.0, -1.0, np.nan, 100.0, -100.0, 0.5, 7.0], np.float32)
    x[-8:] = tail
    x[2**31 - 1: 2**31 + 1] = [1.5, -2.5]  # around the 2**31 boundary
    spots = np.array([0, 2**20, 2**30, 2**31 - 2, 2**31 - 1, 2**31, 2**31 + 1, N - 9])
    before_spots = x[spots].copy()

    # relu in place, contiguous: every element, the last ones checked exactly
    assert cact.relu(x, out=x) is x
    np.testing.assert_array_equal(x[-8:], cact.relu(tail))
    np.testing.assert_array_equal(x[spots], cact.relu(before_spots))
    assert (x[: 2**31 - 1: 2**24] == 0).all()

    # leaky_relu in place through a reversed view (strided kernel, negative stride)
    x[-8:] = tail
    x[:8] = tail[::-1]
    r = x[::-1]
    assert cact.leaky_relu(r, 0.25, out=r) is r
    np.testing.assert_array_equal(x[-8:], cact.leaky_relu(tail, 0.25))
    np.testing.assert_array_equal(x[:8], cact.leaky_relu(tail[::-1], 0.25))

    # sigmoid in place (the threaded transcendental path)
    x[-8:] = tail
    cact.sigmoid(x, out=x)
    np.testing.assert_array_equal(x[-8:], cact.sigmoid(tail))

    # maxout over 2 groups of more than 2**30 elements each
    x[...] = 0.0
    x[N // 2 - 1] = 5.0  # last element of group 0
    x[N - 1] = 7.0  # the very last element
    np.testing.assert_array_equal(cact.maxout(x, N // 2), [5.0, 7.0])
    m = cact.maxout(x.reshape(2, N // 2), N // 2, axis=1)
    np.testing.assert_array_equal(m, [[5.0], [7.0]])
    del x, r
