"""Dask (issue 13): every elementwise function and maxout work lazily on Dask
arrays, chunk by chunk, and compute on a real ``distributed.LocalCluster``
(2 worker processes of 1 thread each, loopback only) to the same bits as the
same call on the computed NumPy array.  xarray keeps its coordinates.  A
worker's cact follows the nanny's OMP_NUM_THREADS=1.

The cluster is one module-scoped fixture, started once (a few seconds) and
bounded in time: connecting and every result wait at most TIMEOUT seconds.
Graph construction is checked to compute nothing by running it under a Dask
scheduler that fails on any use.
"""

from __future__ import annotations

import numpy as np
import pytest

import cact
from helpers import param_sets

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

TIMEOUT = 60  # seconds: cluster start, and each gather of results

# Chunkings of 1-d arrays of these lengths: regular, ragged last chunk, one
# chunk, chunks smaller than a group of maxout
SHAPES_CHUNKS = [
    ((1000,), (250,)),
    ((1003,), (250,)),
    ((1003,), (1003,)),
    ((37, 29), (10, 8)),
]
DTYPES = [np.float32, np.float64]


def _no_compute(*args, **kwargs):
    raise AssertionError("a Dask graph was computed while it was being built")


@pytest.fixture(scope="module")
def client():
    with dask.config.set({"distributed.comm.timeouts.connect": f"{TIMEOUT}s"}):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=40,  # logging.ERROR
        )
        try:
            c = distributed.Client(cluster, timeout=f"{TIMEOUT}s")
        except BaseException:
            cluster.close()
            raise
    try:
        c.wait_for_workers(2, timeout=TIMEOUT)
        yield c
    finally:
        c.close()
        cluster.close()


def _compute(client, *arrays):
    """Compute on the cluster (never locally), each result bounded in time."""
    return [f.result(timeout=TIMEOUT) for f in client.compute(list(arrays))]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-9, 9, size=shape).astype(dtype)
    flat = x.reshape(-1)
    flat[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30]  # bitwise comparison
    return x


def _bitwise(got, expected, what):
    got = np.asarray(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape, what
    assert got.tobytes() == expected.tobytes(), f"{what}: results differ bitwise"


def _elementwise_calls(act, kw):
    """(label, function of (x, g, y) for Dask and NumPy operands alike), with
    the parameters kw."""
    f = getattr(cact, act.name)
    grad = getattr(cact, act.name + "_grad")
    bwd = getattr(cact, act.name + "_backward")
    calls = [
        ("f", lambda x, g, y: f(x, **kw)),
        ("grad", lambda x, g, y: grad(x, **kw)),
        ("backward_x", lambda x, g, y: bwd(g, x, **kw)),
        ("backward_y", lambda x, g, y: bwd(g, y=y, **kw)),
    ]
    return [c for c in calls if c[0] in act.variants]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_elementwise_lazy_and_bitwise_on_cluster(client, dtype):
    lazy, expected, labels = [], [], []
    for shape, chunks in SHAPES_CHUNKS:
        x_np = _data(shape, dtype)
        g_np = _data(shape, dtype, seed=1)
        x = da.from_array(x_np, chunks=chunks)
        g = da.from_array(g_np, chunks=chunks)
        for act in cact.ACTIVATIONS:
            ps = param_sets(act)[-1]  # a set other than the defaults where the tests have one
            y_np = getattr(cact, act.name)(x_np, **ps)
            y = da.from_array(y_np, chunks=chunks)
            for variant, call in _elementwise_calls(act, ps):
                with dask.config.set(scheduler=_no_compute):
                    r = call(x, g, y)
                assert isinstance(r, da.Array), (act.name, variant)
                assert r.chunks == x.chunks and r.dtype == np.dtype(dtype)
                lazy.append(r)
                expected.append(call(x_np, g_np, y_np))
                labels.append(f"{act.name} {variant} {shape} {chunks}")
    for r, e, what in zip(_compute(client, *lazy), expected, labels):
        _bitwise(r, e, what)


def test_elementwise_generated_chunk_by_chunk(client):
    # input generated on the workers; NumPy operand beside a Dask one
    x = da.random.default_rng(5).standard_normal(100_003, chunks=20_000, dtype=np.float32) * 6
    g = np.float32(0.5)
    ys = [cact.sigmoid(x), cact.tanh_backward(g, x), cact.elu(x, 0.5), cact.relu_grad(x)]
    x_np, *got = _compute(client, x, *ys)
    expected = [cact.sigmoid(x_np), cact.tanh_backward(g, x_np), cact.elu(x_np, 0.5),
                cact.relu_grad(x_np)]
    for r, e, name in zip(got, expected, ["sigmoid", "tanh_backward", "elu", "relu_grad"]):
        _bitwise(r, e, name)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_maxout_lazy_and_bitwise_on_cluster(client, dtype):
    # (shape, chunks, pieces, axis); chunks along the axis of whole groups,
    # ragged, or not multiples of pieces (rechunked)
    cases = [
        ((12, 1000), (5, 250), 2, -1),
        ((12, 1002), (5, 250), 3, -1),   # 250 is not a multiple of 3: rechunked
        ((12, 1000), (5, 333), 4, 1),    # ragged and not multiples of 4
        ((90, 7), (25, 7), 3, 0),        # axis 0, ragged last chunk 15
        ((64,), (7,), 2, 0),             # odd chunks: rechunked to 8
    ]
    lazy, expected, labels = [], [], []
    for shape, chunks, pieces, axis in cases:
        z_np = _data(shape, dtype, seed=2)
        z = da.from_array(z_np, chunks=chunks)
        m_np = cact.maxout(z_np, pieces, axis)
        g_np = _data(m_np.shape, dtype, seed=3)
        g = da.from_array(g_np)  # one chunk: rechunked to match z's blocks
        with dask.config.set(scheduler=_no_compute):
            m = cact.maxout(z, pieces, axis)
            b = cact.maxout_backward(g, z, pieces, axis)
            b_np_grad = cact.maxout_backward(g_np, z, pieces, axis)  # NumPy grad, Dask z
        ax = axis % len(shape)
        for r in (m, b, b_np_grad):
            assert isinstance(r, da.Array)
            assert r.dtype == np.dtype(dtype)
        # every block holds whole groups: one task per block, no whole-array step
        assert all(c % pieces == 0 for c in b.chunks[ax])
        assert m.shape == m_np.shape and b.shape == shape
        assert sum(m.chunks[ax]) * pieces == sum(b.chunks[ax])
        lazy += [m, b, b_np_grad]
        b_np = cact.maxout_backward(g_np, z_np, pieces, axis)
        expected += [m_np, b_np, b_np]
        labels += [f"maxout {shape} {chunks} p={pieces} axis={axis}",
                   f"maxout_backward {shape} {chunks} p={pieces} axis={axis}",
                   f"maxout_backward (NumPy grad) {shape} {chunks} p={pieces} axis={axis}"]
    for r, e, what in zip(_compute(client, *lazy), expected, labels):
        _bitwise(r, e, what)


def test_maxout_keeps_whole_group_chunks():
    # chunks that already hold whole groups are not rechunked; others are,
    # along the axis only, to multiples of pieces
    z = da.zeros((6, 40), chunks=(4, 10))
    assert cact.maxout(z, 2).chunks == ((4, 2), (5, 5, 5, 5))
    z = da.zeros((6, 40), chunks=(4, 7))
    m = cact.maxout(z, 4)
    assert m.chunks == ((4, 2), (2, 2, 2, 2, 2))  # 7 -> 8 entries, 2 groups per block


def test_maxout_dask_errors():
    z = da.zeros((4, 10), chunks=5)
    with pytest.raises(ValueError, match="not a multiple of pieces"):
        cact.maxout(z, 3)
    with pytest.raises(TypeError, match="out= cannot be used with a Dask array"):
        cact.maxout(z, 2, out=np.empty((4, 5)))
    with pytest.raises(TypeError, match="pieces must be an integer"):
        cact.maxout(z, 2.0)
    with pytest.raises(np.exceptions.AxisError):
        cact.maxout(z, 2, axis=2)
    with pytest.raises(TypeError, match="unsupported dtype"):
        cact.maxout(z.astype(np.complex64), 2)
    with pytest.raises(ValueError, match="grad_output has shape"):
        cact.maxout_backward(da.zeros((4, 4)), z, 2)
    with pytest.raises(TypeError, match="out= cannot be used with a Dask array"):
        cact.maxout_backward(da.zeros((4, 5)), z, 2, out=np.empty((4, 10)))
    unknown = z[z[:, 0] > 0]  # rows of unknown count; the axis -1 is known
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        cact.maxout(unknown, 2, axis=0)
    assert isinstance(cact.maxout(unknown, 2), da.Array)


def test_elementwise_out_with_dask_is_type_error():
    x = da.zeros(10, chunks=5)
    out = np.empty(10)
    for call in (lambda: cact.sigmoid(x, out=out), lambda: cact.elu(x, 0.5, out=out),
                 lambda: cact.tanh_backward(x, x, out=out),
                 lambda: cact.leaky_relu_backward(np.ones(10), y=x, out=out)):
        with pytest.raises(TypeError, match="out= cannot be used with a Dask array"):
            call()


def test_chain_forward_backward_on_cluster(client):
    # one graph: forward, maxout, maxout's backward, the activation's backward
    # from y, a reduction; as a training step would chain them
    x_np = _data((64, 1000), np.float32, seed=7)
    x = da.from_array(x_np, chunks=(16, 300))
    with dask.config.set(scheduler=_no_compute):
        y = cact.elu(x, 0.5)
        m = cact.maxout(y, 4)
        gm = cact.sigmoid(m)                      # a stand-in upstream gradient
        gy = cact.maxout_backward(gm, y, 4)
        gx = cact.elu_backward(gy, y=y, alpha=0.5)
        total = gx.sum(axis=1)
    y_np = cact.elu(x_np, 0.5)
    m_np = cact.maxout(y_np, 4)
    gx_np = cact.elu_backward(cact.maxout_backward(cact.sigmoid(m_np), y_np, 4), y=y_np, alpha=0.5)
    got_gx, got_total = _compute(client, gx, total)
    _bitwise(got_gx, gx_np, "chained gradient")
    # the reduction adds per block of Dask's choosing: compare to a sum in the same blocks
    blocks = [gx_np[:, i:i + 300].sum(axis=1) for i in range(0, 1000, 300)]
    np.testing.assert_allclose(got_total, sum(blocks), rtol=1e-6)


def test_xarray_keeps_coordinates_on_cluster(client):
    xr = pytest.importorskip("xarray")
    x_np = _data((30, 40), np.float64, seed=9)
    coords = {"t": np.arange(30) * 0.5, "c": [f"ch{i}" for i in range(40)]}
    x = xr.DataArray(da.from_array(x_np, chunks=(10, 15)), dims=("t", "c"), coords=coords,
                     name="z", attrs={"units": "V"})
    y = cact.tanh(x)
    g = cact.tanh_backward(xr.ones_like(x), y=y)
    e = cact.leaky_relu(x, 0.2)
    for r in (y, g, e):
        assert isinstance(r, xr.DataArray) and isinstance(r.data, da.Array)  # still lazy
        assert r.dims == ("t", "c")
        np.testing.assert_array_equal(r["t"].values, coords["t"])
        assert list(r["c"].values) == coords["c"]
    y_c, g_c, e_c = _compute(client, y.data, g.data, e.data)
    y_np = cact.tanh(x_np)
    _bitwise(y_c, y_np, "tanh")
    _bitwise(g_c, cact.tanh_backward(np.ones_like(x_np), y=y_np), "tanh_backward")
    _bitwise(e_c, cact.leaky_relu(x_np, 0.2), "leaky_relu")


def test_worker_threads_follow_nanny(client):
    # The nanny starts workers with OMP_NUM_THREADS=1 (distributed's
    # pre-spawn-environ), which cact's default count follows: workers x
    # threads stay within the cores, and no pool thread is started.
    def _worker_threads():  # nested: cloudpickle sends it by value
        import os

        from cact import _core

        x = np.linspace(-5, 5, 1 << 21, dtype=np.float32)  # above every threading threshold
        cact.sigmoid(x, out=x)
        return (cact.get_num_threads(), os.environ.get("OMP_NUM_THREADS"),
                _core.pool_stats()["workers"])

    on_workers = client.run(_worker_threads)
    assert len(on_workers) == 2
    for addr, (nthreads, env, pool_workers) in on_workers.items():
        assert env == "1", addr
        assert nthreads == 1, f"{addr}: cact uses {nthreads} threads in a Dask worker"
        assert pool_workers == 0, addr
    # and in a task, on the worker's task thread
    assert client.submit(cact.get_num_threads, pure=False).result(timeout=TIMEOUT) == 1


def test_import_cact_does_not_import_dask():
    # Dask arrays are recognised by their type's module; dask.array is
    # imported only when one is passed in
    import subprocess
    import sys

    code = ("import sys, numpy as np, cact; cact.maxout(np.zeros(4), 2); "
            "cact.sigmoid(np.zeros(4)[::2], out=np.zeros(2)); "
            "cact.tanh_backward(np.ones(3), y=np.zeros(3)[::1], out=np.zeros(3)); "
            "cact.maxout_backward(np.ones(2), np.zeros(4), 2); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
