"""Shapes, strides, byte orders, alignment, lengths and thread counts.

Whatever the layout, every result must be bitwise equal to the computation
on a C-contiguous copy of the same values: the kernels compute each element
with the same function on every path.
"""

import numpy as np
import pytest

import cact
from helpers import SPLIT, DTYPES, VARIANTS, acts, assert_bitwise, call, dtname, make_inputs, param_sets

def _values(dtype, n, seed=5):
    """n values covering both branches, zero, the tails and NaN/inf."""
    rng = np.random.default_rng(seed)
    v = rng.uniform(-12, 12, n)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 40.0, -40.0, 1.0]
    k = min(n, len(special))
    v[:: max(n // k, 1)][:k] = special[:k]
    return v.astype(dtype)


def _misaligned(a):
    """A writable copy of a whose data pointer is not aligned to its itemsize."""
    a = np.ascontiguousarray(a)
    buf = bytearray(a.nbytes + 1)
    m = np.frombuffer(buf, dtype=a.dtype, count=a.size, offset=1).reshape(a.shape)
    m[...] = a
    assert not m.flags.aligned
    return m


def _layouts(dtype):
    """(name, make) pairs; make(values_1d_of_length_>=240) returns the array."""
    dt = np.dtype(dtype)
    return [
        ("C-1d", lambda v: v[:77].copy()),
        ("C-2d", lambda v: v[:77].reshape(7, 11).copy()),
        ("F-2d", lambda v: np.asfortranarray(v[:77].reshape(7, 11))),
        ("slice[::3]", lambda v: v[::3]),
        ("reversed[::-1]", lambda v: v[::-1]),
        ("slice[-7:5:-2]", lambda v: v[-7:5:-2]),
        ("transpose-2d", lambda v: v[:77].reshape(7, 11).T),
        ("transpose-3d", lambda v: v[:120].reshape(4, 5, 6).transpose(2, 0, 1)),
        ("2d[::-1,::2]", lambda v: v[:240].reshape(12, 20)[::-1, ::2]),
        ("0-d", lambda v: np.array(v[1])),
        ("empty(0,)", lambda v: v[:0].copy()),
        ("empty(0,5)", lambda v: np.empty((0, 5), dt)),
        ("empty(5,0)", lambda v: np.empty((5, 0), dt)),
        ("byteswapped", lambda v: v[:77].astype(dt.newbyteorder(">" if dt.isnative and np.little_endian else "<"))),
        ("misaligned", lambda v: _misaligned(v[:77])),
        ("misaligned-2d-strided", lambda v: _misaligned(v[:240]).reshape(12, 20)[:, 1::3]),
    ]


def _cases():
    out = []
    for act in cact.ACTIVATIONS:
        for variant in act.variants:
            for dt in DTYPES:
                for name, make in _layouts(dt):
                    out.append(pytest.param(act, variant, dt, make,
                                            id=f"{act.name}-{variant}-{dtname(dt)}-{name}"))
    return out


@pytest.mark.parametrize("act, variant, dtype, make", _cases())
def test_layout_bitwise_equals_contiguous(act, variant, dtype, make):
    params = param_sets(act)[-1]
    base = _values(dtype, 240)
    base_inputs = make_inputs(act, variant, base, params)
    inputs = tuple(make(v) for v in base_inputs)
    contiguous = tuple(np.array(a, dtype=np.dtype(dtype), order="C") for a in inputs)
    expected = call(act, variant, contiguous, params)
    got = call(act, variant, inputs, params)
    what = f"{act.name} {variant} {dtname(dtype)} shape {inputs[0].shape} strides {inputs[0].strides}"
    assert type(got) is type(expected), what
    assert_bitwise(got, expected, what)
    # the same through out= of the same layout (for byteswapped input a
    # native out of the same shape)
    out = make(np.zeros(240, dtype=dtype))
    if out.size == 0 and out.ndim > 1:
        return  # empty n-d out: see test_out_empty_multidimensional
    if out.dtype != np.dtype(dtype) or not out.flags.writeable:
        out = np.zeros(inputs[0].shape, dtype=dtype)
    res = call(act, variant, inputs, params, out=out)
    assert res is out, what
    assert_bitwise(out, expected, what + " (out=)")
    for a, before in zip(inputs, base_inputs):  # inputs untouched
        assert_bitwise(a, make(before), what + " (input modified)")


@pytest.mark.parametrize("shape", [(0, 5), (5, 0), (3, 0, 2), (0,)])
def test_out_empty_multidimensional(shape):
    """An empty out of the result's shape is a valid out, as for np.tanh (NumPy
    gives empty n-d arrays zero strides, which are not overlapping elements)."""
    failures = []
    for dt in DTYPES:
        x = np.empty(shape, dt)
        for act in cact.ACTIVATIONS:
            for variant in act.variants:
                ins = make_inputs(act, variant, x, param_sets(act)[0])
                for out in (np.empty(shape, dt), ins[-1]):
                    try:
                        res = call(act, variant, ins, out=out)
                        assert res is out and res.shape == shape
                    except Exception as e:  # noqa: BLE001 (collected, reported below)
                        failures.append(f"{act.name} {variant} {dtname(dt)}: {type(e).__name__}: {e}")
    assert not failures, f"{len(failures)} calls failed, e.g. " + "; ".join(failures[:2])


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", ["backward_x", "backward_y"])
@pytest.mark.parametrize("act", acts())
def test_backward_broadcasting_and_mixed_layouts(act, variant, dtype):
    params = param_sets(act)[-1]
    x = _values(dtype, 77).reshape(7, 11)
    g, v = make_inputs(act, variant, x, params)
    expected = call(act, variant, (g, v), params)
    # mixed layouts
    got = call(act, variant, (np.asfortranarray(g), v[::-1, ::-1].copy()[::-1, ::-1]), params)
    assert_bitwise(got, expected, f"{act.name} {variant} mixed layouts")
    # broadcast grad_output: a row, a column, a scalar
    for gb in (g[:1, :], g[:, :1], g[0, 0], np.array(g[0, 0])):
        exp = call(act, variant, (np.broadcast_to(gb, x.shape).copy(), v), params)
        assert_bitwise(call(act, variant, (gb, v), params), exp, f"{act.name} {variant} g shape {np.shape(gb)}")
    # broadcast x/y
    exp = call(act, variant, (g, np.broadcast_to(v[:1], x.shape).copy()), params)
    assert_bitwise(call(act, variant, (g, v[:1]), params), exp, f"{act.name} {variant} x row")


# ------------------------------------------------------------------- lengths
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", acts())
def test_lengths_and_offsets(act, variant, dtype):
    """Every length 1..70 at offsets 0..3, contiguous and with stride 2, equals
    the corresponding part of one long computation."""
    params = param_sets(act)[-1]
    base = make_inputs(act, variant, _values(dtype, 300), params)
    full = call(act, variant, base, params)
    for off in range(4):
        for n in range(1, 71):
            got = call(act, variant, tuple(a[off:off + n] for a in base), params)
            assert_bitwise(got, full[off:off + n], f"{act.name} {variant} {dtname(dtype)} n={n} offset={off}")
            got = call(act, variant, tuple(a[off::2][:n] for a in base), params)
            assert_bitwise(got, full[off::2][:n], f"{act.name} {variant} {dtname(dtype)} n={n} offset={off} stride 2")


@pytest.fixture(autouse=True)
def _split_from_split_size(split):
    """Loops of SPLIT items or more are split over the threads in every test
    here (cact's own rule is tested in test_split_rule.py)."""
    yield


# ------------------------------------------------------------------- threads
def _threshold(act, dtype):
    return SPLIT


def _serial(act, variant, inputs, params, chunk=100):
    """The computation in pieces shorter than any threading threshold."""
    n = inputs[0].shape[0]
    parts = [call(act, variant, tuple(a[i:i + chunk] for a in inputs), params)
             for i in range(0, n, chunk)]
    return np.concatenate(parts)


@pytest.mark.parametrize("nthreads", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", acts())
def test_around_openmp_threshold(act, variant, dtype, nthreads, threads):
    threads(nthreads)
    thr = _threshold(act, dtype)
    params = param_sets(act)[-1]
    base = make_inputs(act, variant, _values(dtype, thr + 1, seed=thr), params)
    expected = _serial(act, variant, base, params)
    for n in (thr - 1, thr, thr + 1):
        ins = tuple(a[:n] for a in base)
        assert_bitwise(call(act, variant, ins, params), expected[:n],
                       f"{act.name} {variant} {dtname(dtype)} n={n} threads={nthreads}")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", acts())
def test_bitwise_identical_across_thread_counts(act, variant, dtype, threads):
    thr = _threshold(act, dtype)
    n = 2 * thr + 4097
    params = param_sets(act)[-1]
    base = make_inputs(act, variant, _values(dtype, n, seed=n), params)
    results = {}
    for k in (1, 2, 3):
        threads(k)
        results[k] = call(act, variant, base, params)
        # strided and 2-D views of the same data go through the threaded path too
        results[k, "strided"] = call(act, variant, tuple(a[::-1] for a in base), params)
    for k in (2, 3):
        assert_bitwise(results[k], results[1], f"{act.name} {variant} {dtname(dtype)} threads={k} vs 1")
        assert_bitwise(results[k, "strided"], results[1, "strided"],
                       f"{act.name} {variant} {dtname(dtype)} reversed, threads={k} vs 1")
    assert_bitwise(results[1, "strided"], results[1][::-1], f"{act.name} {variant} reversed vs contiguous")
