"""prelu and prelu_backward (issue 12): against float64 / exact-sum references
and, where installed, PyTorch's prelu and its autograd."""

import math

import numpy as np
import pytest

import cact

DTYPES = [np.float32, np.float64]


def _ref_forward(x, w_b):
    """x where x > 0 else w x, the product in float64 (exact for float32
    operands) rounded once to x's dtype."""
    x64 = x.astype(np.float64)
    return np.where(x64 > 0, x64, x64 * w_b.astype(np.float64)).astype(x.dtype)


def _channel_view(w, ndim, axis):
    ax = axis % ndim
    return w.reshape((w.shape[0],) + (1,) * (ndim - 1 - ax))


def _ref_grad_weight(g, x, ax):
    """Per channel: fsum of g x over x <= 0 (exact in float64 products for
    float32; for float64 the products are rounded once, then summed exactly)."""
    gx = np.where(x > 0, 0.0, g.astype(np.float64) * x.astype(np.float64))
    if ax is None:
        return math.fsum(gx.ravel())
    moved = np.moveaxis(gx, ax, 0)
    return np.array([math.fsum(moved[c].ravel()) for c in range(moved.shape[0])])


CASES = [  # (shape, axis, weight length)
    ((2, 3, 4, 5), 1, 3),
    ((2, 4, 5, 3), -1, 3),
    ((6, 7), 1, 7),
    ((6, 7), 0, 6),
    ((3, 2, 17), 2, 17),
    ((33,), 0, 33),
    ((4, 5), 1, 1),
]


def _data(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, shape).astype(dtype)
    x.flat[::7] = 0.0
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis,c", CASES)
def test_forward_matches_reference(shape, axis, c, dtype):
    x = _data(shape, dtype)
    w = np.linspace(-0.5, 1.5, c).astype(dtype)
    y = cact.prelu(x, w, axis=axis)
    assert y.dtype == dtype and y.shape == x.shape
    wb = w.reshape(()) if c == 1 else _channel_view(w, x.ndim, axis)
    np.testing.assert_array_equal(y, _ref_forward(x, np.broadcast_to(wb, x.shape)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_scalar_weight_and_layouts(dtype):
    x = _data((8, 6, 10), dtype, 1)
    want = _ref_forward(x, np.full(x.shape, 0.25))
    np.testing.assert_array_equal(cact.prelu(x, 0.25), want)
    np.testing.assert_array_equal(cact.prelu(x, np.array([0.25])), want)
    # strided and negative-stride views, Fortran order: the same values
    for view in (x[:, ::2, ::-1], x[::-1, :, 1::3], np.asfortranarray(x)):
        w = np.linspace(0.1, 0.6, view.shape[1]).astype(dtype)
        got = cact.prelu(view, w, axis=1)
        np.testing.assert_array_equal(
            got, _ref_forward(view, np.broadcast_to(_channel_view(w, 3, 1), view.shape)))
    # in place, and out= another buffer
    buf = x.copy()
    r = cact.prelu(buf, 0.25, out=buf)
    assert r is buf
    np.testing.assert_array_equal(buf, want)
    o = np.empty_like(x)
    assert cact.prelu(x, 0.25, out=o) is o
    np.testing.assert_array_equal(o, want)


def test_special_values():
    x = np.array([-np.inf, np.inf, np.nan, -0.0, 0.0, -1e-45, 3e38], np.float32)
    y = cact.prelu(x, 0.5)
    assert y[0] == -np.inf and y[1] == np.inf and np.isnan(y[2])
    assert y[3] == 0 and np.signbit(y[3]) and not np.signbit(y[4])
    assert y[5] == np.float32(-1e-45) * np.float32(0.5) and y[6] == np.float32(3e38)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((4, 8, 5, 6), 1), ((3, 16, 17), 1), ((16, 20), 0),
                                        ((2, 3, 16, 16), 2)])
def test_forward_as_rows(shape, axis, dtype):
    """Channels before the last axis, C-contiguous: the forward runs as rows
    of one slope each (cact/_prelu.py _channel_rows), bitwise the reference,
    out of place, into out= and in place, with NaN, infinities and zeros."""
    x = _data(shape, dtype, 11)
    x.flat[1], x.flat[2], x.flat[3], x.flat[5] = np.nan, np.inf, -np.inf, -0.0
    c = shape[axis]
    w = np.linspace(-0.5, 1.5, c).astype(dtype)
    want = _ref_forward(x, _channel_view(w, x.ndim, axis))
    np.testing.assert_array_equal(cact.prelu(x, w, axis=axis), want)
    out = np.full_like(x, 7.0)
    assert cact.prelu(x, w, axis=axis, out=out) is out
    np.testing.assert_array_equal(out, want)
    assert np.signbit(out.flat[5]) == np.signbit(want.flat[5])
    buf = x.copy()
    cact.prelu(buf, w, axis=axis, out=buf)
    np.testing.assert_array_equal(buf, want)


def test_integer_input_and_dtype():
    y = cact.prelu(np.array([[-2, 3]], np.int16), [0.5, 0.5], axis=1)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, [[-1.0, 3.0]])
    assert cact.prelu(np.array([-2.0]), 0.5).dtype == np.float64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis,c", CASES)
def test_backward_matches_reference(shape, axis, c, dtype):
    x = _data(shape, dtype, 2)
    g = _data(shape, dtype, 3)
    w = np.linspace(-0.5, 1.5, c).astype(dtype)
    gx, gw = cact.prelu_backward(g, x, w, axis=axis)
    assert gx.dtype == dtype and gw.dtype == dtype and gw.shape == w.shape
    wb = np.broadcast_to(w.reshape(()) if c == 1 else _channel_view(w, x.ndim, axis), x.shape)
    want = np.where(x > 0, g.astype(np.float64), g.astype(np.float64) * wb).astype(dtype)
    np.testing.assert_array_equal(gx, want)
    ref = _ref_grad_weight(g, x, None if c == 1 else axis % x.ndim)
    ref = np.asarray(ref, np.float64).reshape(w.shape)
    # float64 sums: NumPy's pairwise summation, a few ulps of the sum of |terms|
    scale = np.asarray(_ref_grad_weight(np.abs(g), -np.abs(x), None if c == 1 else axis % x.ndim))
    tol = 8 * np.finfo(np.float64).eps * np.abs(scale).reshape(w.shape) + 4 * np.finfo(dtype).eps * np.abs(ref)
    assert np.all(np.abs(gw.astype(np.float64) - ref) <= tol + np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis,c", [
    ((9, 3, 40000), 1, 3),     # one (C, B) slice over the block: B in blocks
    ((3000, 50), -1, 50),      # channels-last: many slices per block
    ((70, 2, 600), 1, 2),      # several slices per block, a partial last block
    ((5, 30000), 1, 1),        # one slope over every axis
])
def test_grad_weight_in_blocks(shape, axis, c, dtype):
    """The weight gradient is summed block by block (cact/_prelu.py
    _grad_weight): the exact-sum reference within a few ulps of the sum of
    |terms| per block boundary."""
    from cact import _core
    x = _data(shape, dtype, 7)
    g = _data(shape, dtype, 8)
    w = np.linspace(0.1, 0.3, c).astype(dtype)
    ax = None if c == 1 else axis % x.ndim
    ref = np.asarray(_ref_grad_weight(g, x, ax), np.float64).reshape(w.shape)
    scale = np.asarray(_ref_grad_weight(np.abs(g), -np.abs(x), ax)).reshape(w.shape)
    blocks = max(1, x.size // (1 << 16)) + 2
    tol = 8 * blocks * np.finfo(np.float64).eps * np.abs(scale) + 4 * np.finfo(dtype).eps * np.abs(ref)
    # the validating path's blocks, and the compiled one-pass kernels
    for fn in (_core._SLOW["prelu_backward"], cact.prelu_backward):
        gw = fn(g, x, w, axis)[1]
        assert np.all(np.abs(gw.astype(np.float64) - ref) <= tol + np.finfo(dtype).tiny)


@pytest.mark.parametrize("dtype", DTYPES)
def test_grad_weight_takes_nothing_from_positive_x(dtype):
    """An x > 0 adds an exact 0 to the weight gradient whatever g is (inf and
    NaN included, as PyTorch's where-select); an x <= 0 adds x g (IEEE)."""
    x = np.array([[1.0, -2.0, 3.0, -1.0], [2.0, -0.5, 5.0, -4.0]], dtype)
    g = np.array([[np.inf, 1.0, np.nan, 2.0], [-np.inf, 2.0, np.nan, 1.0]], dtype)
    gw = cact.prelu_backward(g, x, np.array([0.25, 0.25, 0.25, 0.25], dtype), axis=1)[1]
    np.testing.assert_array_equal(gw, np.array([0.0, -3.0, 0.0, -6.0], dtype))
    assert not np.signbit(gw[0]) and not np.signbit(gw[2])
    g[0, 1] = np.inf  # x = -2 <= 0: -inf, as x * g
    gw = cact.prelu_backward(g, x, np.full(4, 0.25, dtype), axis=1)[1]
    np.testing.assert_array_equal(gw, np.array([0.0, -np.inf, 0.0, -6.0], dtype))
    gw1 = cact.prelu_backward(np.full_like(x, np.nan), np.abs(x) + 1, np.array(0.5, dtype))[1]
    assert gw1 == 0.0  # one slope, every x > 0, every g NaN
    # an input over one block (the blocked sums, then the definition again)
    x = _data((3, 4, 30000), dtype, 9)
    g = _data((3, 4, 30000), dtype, 10)
    g[x > 0] = np.inf
    g[0, 1, np.argmax(x[0, 1] > 0)] = np.nan
    ref = _ref_grad_weight(g, x, 1)
    from cact import _core
    for fn in (_core._SLOW["prelu_backward"], cact.prelu_backward):
        gw = fn(g, x, np.full(4, 0.25, dtype), 1)[1]
        assert np.all(np.isfinite(gw))
        np.testing.assert_allclose(gw, ref.astype(dtype), rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_backward_in_place(dtype):
    x = _data((4, 3, 9), dtype, 4)
    g = _data((4, 3, 9), dtype, 5)
    w = np.array([0.1, 0.2, 0.3], dtype)
    want = cact.prelu_backward(g, x, w)
    buf = g.copy()
    gx, gw = cact.prelu_backward(buf, x, w, out=buf)
    assert gx is buf
    np.testing.assert_array_equal(gx, want[0])
    np.testing.assert_array_equal(gw, want[1])  # summed before out overwrote g
    buf = x.copy()
    gx, gw = cact.prelu_backward(g, buf, w, out=buf)
    np.testing.assert_array_equal(gx, want[0])
    np.testing.assert_array_equal(gw, want[1])


def test_threads_give_the_same_bits():
    x = _data((4, 8, 1 << 15), np.float32, 6)
    w = np.linspace(0.05, 0.4, 8).astype(np.float32)
    old = cact.get_num_threads()
    try:
        outs = []
        for t in (1, 2, 3):
            cact.set_num_threads(t)
            outs.append((cact.prelu(x, w), *cact.prelu_backward(x, x, w)))
    finally:
        cact.set_num_threads(old)
    for o in outs[1:]:
        for a, b in zip(outs[0], o):
            np.testing.assert_array_equal(a, b)


def test_errors_leave_buffers_untouched():
    x = _data((2, 3, 4), np.float32, 7)
    keep = x.copy()
    out = np.zeros_like(x)
    with pytest.raises(ValueError, match="3 slopes|channel axis"):
        cact.prelu(x, np.ones(4, np.float32), out=out)
    with pytest.raises(ValueError, match="scalar or 1-D"):
        cact.prelu(x, np.ones((3, 1), np.float32), out=out)
    with pytest.raises(TypeError, match="bool"):
        cact.prelu(x, np.array([True, False, True]), out=out)
    with pytest.raises(TypeError):
        cact.prelu(x.astype(np.complex64), 0.5)
    with pytest.raises(TypeError, match="dtype"):
        cact.prelu(x, 0.5, out=np.zeros(x.shape, np.float64))
    with pytest.raises(ValueError, match="shape"):
        cact.prelu(x, 0.5, out=np.zeros((2, 3), np.float32))
    with pytest.raises(np.exceptions.AxisError):
        cact.prelu(x, np.ones(3, np.float32), axis=5, out=out)
    with pytest.raises(TypeError, match="axis must be an integer"):
        cact.prelu(x, np.ones(3, np.float32), axis="1", out=out)
    with pytest.raises(ValueError, match="grad_output has shape"):
        cact.prelu_backward(np.ones((2, 3), np.float32), x, 0.5, out=out)
    assert np.array_equal(x, keep) and not out.any()


def test_matches_torch():
    torch = pytest.importorskip("torch")
    x = _data((3, 4, 5, 6), np.float32, 8)
    g = _data((3, 4, 5, 6), np.float32, 9)
    w = np.array([0.1, -0.2, 0.3, 1.5], np.float32)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    wt = torch.from_numpy(w.copy()).requires_grad_(True)
    yt = torch.nn.functional.prelu(xt, wt)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(cact.prelu(x, w), yt.detach().numpy())
    gx, gw = cact.prelu_backward(g, x, w)
    np.testing.assert_array_equal(gx, xt.grad.numpy())
    np.testing.assert_allclose(gw, wt.grad.numpy(), rtol=1e-5)


def test_dask_is_lazy():
    da = pytest.importorskip("dask.array")
    x = _data((6, 4, 10), np.float64, 10)
    g = _data((6, 4, 10), np.float64, 11)
    w = np.array([0.1, 0.2, 0.3, 0.4])
    xd, gd = da.from_array(x, chunks=(2, 2, 5)), da.from_array(g, chunks=(2, 2, 5))
    y = cact.prelu(xd, w)
    gx, gw = cact.prelu_backward(gd, xd, w)
    assert isinstance(y, da.Array) and isinstance(gx, da.Array) and isinstance(gw, da.Array)
    np.testing.assert_array_equal(y.compute(), cact.prelu(x, w))
    want = cact.prelu_backward(g, x, w)
    np.testing.assert_array_equal(gx.compute(), want[0])
    np.testing.assert_allclose(gw.compute(), want[1], rtol=1e-13)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", [a for a in cact.ACTIVATIONS if a.params], ids=lambda a: a.name)
def test_parameter_arrays_give_the_scalar_bits(act, dtype):
    """A parameter passed to the ufunc as an array of one value per element
    (what prelu's broadcast slope becomes inside NumPy's buffered iteration)
    runs the kernels' per-element loop: bitwise the scalar-parameter loop."""
    rng = np.random.default_rng(12)
    x = rng.normal(0, 4, 1000).astype(dtype)
    g = rng.normal(0, 1, 1000).astype(dtype)
    values = [dtype(p.default) for p in act.params]
    for variant, data in (("f", (x,)), ("grad", (x,)), ("backward_x", (g, x))):
        uf = cact.ufuncs[_ufunc_name(act, variant)]
        want = uf(*data, *values)
        got = uf(*data, *[np.full(x.shape, v) for v in values])
        np.testing.assert_array_equal(got, want, err_msg=f"{act.name} {variant}")


def _ufunc_name(act, variant):
    from cact._table import ufunc_name
    return ufunc_name(act, variant)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 5, 6, 32), (17, 16), (3, 40, 48), (64, 1000), (16, 2048)])
def test_channels_last_as_rows(shape, dtype):
    """The channel axis last, C-contiguous, C >= 16 and >= 16 rows: the
    forward and grad_x run on the parameter rows gufuncs (cact/_prelu.py
    _last_rows: k rows of C as one row, the slopes tiled), bitwise the
    reference, new, into out= and in place, with NaN, infinities and zeros,
    and the same bits on 1 and 3 threads."""
    x = _data(shape, dtype, 12)
    g = _data(shape, dtype, 13)
    x.flat[1], x.flat[2], x.flat[3], x.flat[5] = np.nan, np.inf, -np.inf, -0.0
    g.flat[7] = np.inf
    c = shape[-1]
    w = np.linspace(-0.5, 1.5, c).astype(dtype)
    wb = _channel_view(w, x.ndim, x.ndim - 1)
    want = _ref_forward(x, wb)
    with np.errstate(invalid="ignore"):
        want_gx = np.where(x > 0, g, g * np.broadcast_to(wb, x.shape))
        want_gx[np.isnan(x)] = x[np.isnan(x)]
    np.testing.assert_array_equal(cact.prelu(x, w, axis=-1), want)
    out = np.full_like(x, 7.0)
    assert cact.prelu(x, w, axis=-1, out=out) is out
    np.testing.assert_array_equal(out, want)
    assert np.signbit(out.flat[5]) == np.signbit(want.flat[5])
    buf = x.copy()
    cact.prelu(buf, w, axis=-1, out=buf)
    np.testing.assert_array_equal(buf, want)
    gx, gw = cact.prelu_backward(g, x, w, axis=-1)
    np.testing.assert_array_equal(gx, want_gx)
    buf = g.copy()
    gx2, gw2 = cact.prelu_backward(buf, x, w, axis=-1, out=buf)
    assert gx2 is buf
    np.testing.assert_array_equal(gx2, want_gx)
    np.testing.assert_array_equal(gw2, gw)
    old = cact.get_num_threads()
    try:
        for t in (1, 3):
            cact.set_num_threads(t)
            np.testing.assert_array_equal(cact.prelu(x, w, axis=-1), want)
            np.testing.assert_array_equal(cact.prelu_backward(g, x, w, axis=-1)[0], want_gx)
    finally:
        cact.set_num_threads(old)


def _fast_taken(fn):
    """Whether fn() went through a compiled fast path (cact._core counts them)."""
    from cact import _core
    before = _core._fast_path_calls()
    fn()
    return _core._fast_path_calls() == before + 1


FAST_CASES = [  # (shape, axis, slopes: a length, or "float" for a Python float)
    ((4, 8, 5, 6), 1, 8),        # channels first, rows of 30
    ((1, 64, 8, 8), 1, 64),      # one sample
    ((40, 30, 20), 1, 30),       # A C = 1200 slopes tiled past the stack buffer
    ((4, 8, 5, 6), 1, 1),        # one slope as a (1,) array
    ((4, 8, 5, 6), -3, "float"), # one slope as a Python float
    ((3, 5, 7, 32), -1, 32),     # channels last, rows merged
    ((4, 64), 1, 64),            # channels last, fewer than 16 rows
    ((5, 1500), -1, 1500),       # channels last, rows longer than 1024
    ((0, 8, 20), 1, 8),          # empty
    ((4, 8, 1, 1), 1, 8),        # at most 1024 elements, any layout: one call
    ((3, 5), -1, 5),             #   with a slope per element
    ((2, 3, 4), 1, 3),
    ((16, 64), 0, 16),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis,c", FAST_CASES)
def test_fast_path_gives_the_validated_bits(shape, axis, c, dtype):
    """The compiled prelu (src/_core.pyx _prelu_fast) takes every common form
    (new, out= another buffer, in place) and returns the bits of the
    validating path (cact/_prelu.py) and of the reference, NaN, infinities
    and signed zeros included."""
    from cact import _core
    slow = _core._SLOW["prelu"]
    x = _data(shape, dtype, 21)
    if x.size > 6:
        x.flat[1], x.flat[2], x.flat[3], x.flat[5] = np.nan, np.inf, -np.inf, -0.0
    if c == "float":
        w, wb = 0.375, np.array(0.375, dtype)
    else:
        w = np.linspace(-0.5, 1.5, c).astype(dtype)
        wb = w.reshape(()) if c == 1 else _channel_view(w, x.ndim, axis)
    want = _ref_forward(x, np.broadcast_to(wb, x.shape))
    got = {}
    assert _fast_taken(lambda: got.update(new=cact.prelu(x, w, axis)))
    out = np.full_like(x, 7.0)
    assert _fast_taken(lambda: got.update(out=cact.prelu(x, w, axis, out=out)))
    assert got["out"] is out
    buf = x.copy()
    assert _fast_taken(lambda: got.update(inplace=cact.prelu(buf, w, axis, out=buf)))
    assert got["inplace"] is buf
    for form, y in got.items():
        assert y.dtype == dtype and y.shape == shape, form
        np.testing.assert_array_equal(y, want, err_msg=form)
        np.testing.assert_array_equal(np.signbit(y), np.signbit(want), err_msg=form)
    np.testing.assert_array_equal(slow(x, w, axis), want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fast_path_declines_to_the_validating_path(dtype):
    """Forms the compiled prelu leaves to cact/_prelu.py still give the
    reference: a list or other-dtype weight, a NumPy integer axis, a strided
    input, a row shorter than 16, an out= that partly overlaps x, a float
    outside float32's range."""
    x = _data((4, 8, 5, 6), dtype, 22)
    w = np.linspace(0.1, 0.8, 8).astype(dtype)
    want = _ref_forward(x, _channel_view(w, 4, 1))
    other = np.float64 if dtype == np.float32 else np.float32
    xs = _data((64, 8, 2, 2), dtype, 23)
    forms = {
        "list": lambda: cact.prelu(x, list(w), 1),
        "dtype": lambda: cact.prelu(x, w.astype(other), 1),
        "np axis": lambda: cact.prelu(x, w, np.int64(1)),
        # rows of 4 past the 1024 elements taken in one call
        "short rows": lambda: cact.prelu(xs, w, 1),
    }
    for name, call in forms.items():
        y = None

        def run():
            nonlocal y
            y = call()
        assert not _fast_taken(run), name
        ref = _ref_forward(xs, _channel_view(w, 4, 1)) if name == "short rows" else want
        if name == "dtype":  # the weight rounded to `other`, then cast to x's dtype
            ref = _ref_forward(x, _channel_view(w.astype(other).astype(dtype), 4, 1))
        np.testing.assert_array_equal(y, ref, err_msg=name)
    v = np.swapaxes(x, 2, 3)
    np.testing.assert_array_equal(cact.prelu(v, w, 1), np.swapaxes(want, 2, 3))
    # out= overlapping x by one element: the ufunc path, which buffers
    big = np.concatenate([x.ravel(), np.zeros(1, dtype)])
    xs, os_ = big[1:].reshape(x.shape), big[:-1].reshape(x.shape)
    xs[...] = x
    assert not _fast_taken(lambda: cact.prelu(xs, w, 1, out=os_))
    np.testing.assert_array_equal(os_, want)
    # a slope past float32's range: float32 inf (the validating path's cast)
    if dtype == np.float32:
        y = cact.prelu(np.array([-1.0, 2.0], dtype), 1e39)
        assert y[0] == -np.inf and y[1] == 2.0


BACKWARD_FAST_CASES = [  # (shape, axis, slopes), each layout of _prelu_backward_fast
    ((4, 8, 5, 13), 1, 8),         # rows of 65: one block of 64 and a tail
    ((40, 30, 20), 1, 30),         # 1200 rows (slopes tiled on the heap)
    ((2, 3, 16, 300), 2, 16),      # channels in the middle, rows of 300
    ((3, 5, 7, 32), -1, 32),       # channels last, 105 rows: merged by 7, one short item
    ((130, 64), -1, 64),           # channels last, 130 rows merged in 2s: 65 = 64 + 1
    ((4, 64), 1, 64),              # channels last, fewer than 16 rows
    ((5, 1500), -1, 1500),         # rows longer than 1024, not merged
    ((3, 5000), 0, 1),             # one slope as (1,): rows of 4096 and a tail
    ((7, 11, 13), 1, "float"),     # one slope as a Python float, fewer than 4096
    ((0, 8, 20), 1, 8),            # empty
    ((4, 8, 1, 1), 1, 8),          # at most 1024 elements: rows of 1
    ((30, 5), -1, 5),              # channels last, 5 of them
    ((2, 3, 4), 1, 3),
]


def _check_grad_weight(gw, g, x, ax, dtype, shape):
    ref = np.asarray(_ref_grad_weight(g, x, ax), np.float64).reshape(shape)
    # the sum of |terms| (x > 0 adds nothing, whatever g is)
    with np.errstate(invalid="ignore"):
        t = np.where(x > 0, 0.0, np.abs(g.astype(np.float64) * x.astype(np.float64)))
    scale = np.asarray(_ref_grad_weight(np.ones_like(t), -t, ax)).reshape(shape)
    tol = 32 * np.finfo(np.float64).eps * np.abs(scale) + 4 * np.finfo(dtype).eps * np.abs(ref)
    assert gw.dtype == dtype and gw.shape == shape
    assert np.all(np.abs(gw.astype(np.float64) - ref) <= tol + np.finfo(dtype).tiny)
    assert not np.any(np.signbit(gw[gw == 0]))  # a zero sum is +0.0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis,c", BACKWARD_FAST_CASES)
def test_backward_fast_path(shape, axis, c, dtype):
    """The compiled prelu_backward (src/_core.pyx _prelu_backward_fast, one
    pass of src/cact_prelu.h) takes every common form: grad_x bitwise the
    validating path's and the reference, new, into out=, in place on
    grad_output and on x; grad_weight within a few ulps of the sum of |terms|
    of the exact sum; the same bits on 1, 2 and 3 threads."""
    from cact import _core
    slow = _core._SLOW["prelu_backward"]
    x = _data(shape, dtype, 31)
    g = _data(shape, dtype, 32)
    if x.size > 6:  # +inf adds an exact 0 (special values: the next test)
        x.flat[1], x.flat[5] = np.inf, -0.0
    if c == "float":
        w, wb, ax, wshape = 0.375, np.array(0.375, dtype), None, ()
    else:
        w = np.linspace(-0.5, 1.5, c).astype(dtype)
        wb = w.reshape(()) if c == 1 else _channel_view(w, x.ndim, axis)
        ax, wshape = (None if c == 1 else axis % x.ndim), w.shape
    want_gx = np.where(x > 0, g.astype(np.float64), g.astype(np.float64) * np.broadcast_to(wb, x.shape)).astype(dtype)
    np.testing.assert_array_equal(slow(g, x, w, axis)[0], want_gx)
    results = {}
    old = cact.get_num_threads()
    try:
        for t in (1, 2, 3):
            cact.set_num_threads(t)
            r = {}
            assert _fast_taken(lambda: r.update(new=cact.prelu_backward(g, x, w, axis)))
            out = np.full_like(x, 7.0)
            assert _fast_taken(lambda: r.update(out=cact.prelu_backward(g, x, w, axis, out=out)))
            assert r["out"][0] is out
            gb, xb = g.copy(), x.copy()
            assert _fast_taken(lambda: r.update(on_g=cact.prelu_backward(gb, x, w, axis, out=gb)))
            assert _fast_taken(lambda: r.update(on_x=cact.prelu_backward(g, xb, w, axis, out=xb)))
            assert r["on_g"][0] is gb and r["on_x"][0] is xb
            results[t] = r
    finally:
        cact.set_num_threads(old)
    first = results[1]["new"]
    for t, r in results.items():
        for form, (gx, gw) in r.items():
            np.testing.assert_array_equal(gx, want_gx, err_msg=f"{form}, {t} threads")
            np.testing.assert_array_equal(gw, first[1], err_msg=f"{form}, {t} threads")
    _check_grad_weight(first[1], g, x, ax, dtype, wshape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((2, 16, 70), 1), ((70, 16), -1), ((2, 5000), 0)])
def test_backward_fast_path_special_values(shape, axis, dtype):
    """In the one-pass kernels as in the definition: an x > 0 adds an exact 0
    whatever g is (inf, NaN), an x <= 0 adds x g by IEEE (-inf, NaN), and
    infinite terms of both signs give NaN."""
    x = _data(shape, dtype, 33)
    g = _data(shape, dtype, 34)
    c = 1 if axis == 0 else shape[axis]
    w = np.full(c, 0.25, dtype)
    ax = None if c == 1 else axis % x.ndim
    g[x > 0] = np.inf
    g.flat[np.flatnonzero(x.ravel() > 0)[:3]] = np.nan
    gw = cact.prelu_backward(g, x, w, axis)[1]
    assert np.all(np.isfinite(gw))
    _check_grad_weight(gw, g, x, ax, dtype, w.shape)
    x2, g2 = x.copy(), g.copy()
    neg = np.flatnonzero(x2.ravel() < 0)
    g2.flat[neg[0]] = np.inf            # -inf in its channel
    x2.flat[neg[-1]] = np.nan           # NaN in its channel
    gw2 = cact.prelu_backward(g2, x2, w, axis)[1]
    want = np.asarray(_ref_grad_weight(g2, x2, ax)).reshape(w.shape)
    np.testing.assert_array_equal(np.isnan(gw2), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(gw2), np.isinf(want))
    assert np.all(gw2[np.isinf(want)] == want[np.isinf(want)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_slope_ignores_the_axis(dtype):
    """With one slope (a float or shape (1,)) the channel axis is not used,
    in the compiled forms as in the validating path: a 1-D input with the
    default axis=1, or any axis, gives leaky_relu's bits."""
    from cact import _core
    x = _data((16,), dtype, 41)
    g = _data((16,), dtype, 42)
    want = _ref_forward(x, np.full(x.shape, 0.25))
    for w in (0.25, np.array([0.25], dtype)):
        for axis in (1, 7, -3):
            y = {}
            assert _fast_taken(lambda: y.update(r=cact.prelu(x, w, axis)))
            np.testing.assert_array_equal(y["r"], want)
            np.testing.assert_array_equal(_core._SLOW["prelu"](x, w, axis), want)
            assert _fast_taken(lambda: y.update(b=cact.prelu_backward(g, x, w, axis)))
            gx, gw = y["b"]
            sgx, sgw = _core._SLOW["prelu_backward"](g, x, w, axis)
            np.testing.assert_array_equal(gx, sgx)
            assert gw.shape == np.shape(w) and gw.dtype == dtype
            np.testing.assert_allclose(gw, sgw, rtol=4 * np.finfo(dtype).eps)


def test_compiled_forms_match_the_validating_path_on_random_cases():
    """Seeded random shapes (zeros, ones, short and long axes), axes, dtypes,
    slope kinds (a float, shape (1,), one per channel) and out forms (new,
    in place, another buffer), with NaN and -0.0 inputs: the compiled prelu
    and prelu_backward give the validating path's grad and output bits, and
    weight gradients within 4 ulps of the sum of |terms| of each other."""
    from cact import _core
    slow_f, slow_b = _core._SLOW["prelu"], _core._SLOW["prelu_backward"]
    rng = np.random.default_rng(2026)
    done = 0
    while done < 250:
        nd = int(rng.integers(1, 5))
        shape = tuple(int(rng.choice([0, 1, 2, 3, 5, 16, 17, 33, 64])) for _ in range(nd))
        if math.prod(shape) > 100_000:
            continue
        done += 1
        dtype = DTYPES[int(rng.integers(0, 2))]
        x = rng.normal(0, 3, shape).astype(dtype)
        g = rng.normal(0, 1, shape).astype(dtype)
        if x.size > 3:
            x.flat[0], x.flat[1] = np.nan, -0.0
        axis = int(rng.integers(-nd, nd))
        kind = int(rng.integers(0, 3))
        w = (float(rng.uniform(-1, 1)) if kind == 0 else
             rng.uniform(-1, 1, 1 if kind == 1 else shape[axis]).astype(dtype))
        form = int(rng.integers(0, 3))

        def run(f, *args):
            args = [a.copy() for a in args]
            if form == 0:
                return f(*args, w, axis)
            out = args[0] if form == 1 else np.full_like(args[0], 5.0)
            return f(*args, w, axis, out=out)
        case = (shape, dtype.__name__, axis, kind, form)
        a, b = run(cact.prelu, x), run(slow_f, x)
        np.testing.assert_array_equal(a, b, err_msg=str(case))
        np.testing.assert_array_equal(np.signbit(a), np.signbit(b), err_msg=str(case))
        (ga, wa), (gb, wb) = run(cact.prelu_backward, g, x), run(slow_b, g, x)
        np.testing.assert_array_equal(ga, gb, err_msg=str(case))
        assert wa.shape == wb.shape and wa.dtype == wb.dtype, case
        np.testing.assert_array_equal(np.isnan(wa), np.isnan(wb), err_msg=str(case))
        ok = ~np.isnan(wb)
        ax = None if kind < 2 else axis % nd
        with np.errstate(invalid="ignore"):
            t = np.where(x > 0, 0.0, np.abs(g.astype(np.float64) * x.astype(np.float64)))
        scale = np.abs(np.asarray(_ref_grad_weight(np.ones_like(t), -t, ax))).reshape(wb.shape)
        tol = 4 * np.finfo(np.float64).eps * scale + 2 * np.finfo(dtype).eps * np.abs(wb.astype(np.float64))
        diff = np.abs(wa.astype(np.float64) - wb.astype(np.float64))
        assert np.all(diff[ok] <= (tol + np.finfo(dtype).tiny)[ok]), case
