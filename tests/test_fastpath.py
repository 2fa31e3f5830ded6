"""The compiled fast path (exact C-contiguous native float32/float64 arrays,
out None or an input itself) gives exactly what the validating path through
the ufunc gives, and hands everything else to it."""

import math

import numpy as np
import pytest

import cact

DTYPES = [np.float32, np.float64]


def _x(dtype, n=1000):
    return np.linspace(-12, 12, n).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_fast_path_equals_ufunc(act, dtype):
    x = _x(dtype)
    g = np.cos(x).astype(dtype)
    params = [dtype(p.default) for p in act.params]
    u = cact.ufuncs
    np.testing.assert_array_equal(getattr(cact, act.name)(x), u[act.name](x, *params))
    np.testing.assert_array_equal(
        getattr(cact, act.name + "_grad")(x), u[act.name + "_grad"](x, *params))
    bwd = getattr(cact, act.name + "_backward")
    np.testing.assert_array_equal(bwd(g, x), u[act.name + "_backward_x"](g, x, *params))
    if "backward_y" in act.variants:
        y = getattr(cact, act.name)(x)
        np.testing.assert_array_equal(bwd(g, y=y), u[act.name + "_backward_y"](g, y, *params))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_fast_path_in_place_returns_the_buffer(act, dtype):
    x = _x(dtype)
    want = getattr(cact, act.name)(x.copy())
    assert getattr(cact, act.name)(x, out=x) is x
    np.testing.assert_array_equal(x, want)
    g = np.ones_like(x)
    x = _x(dtype)
    assert getattr(cact, act.name + "_backward")(g, x, out=g) is g
    assert getattr(cact, act.name + "_backward")(g, x, out=x) is x


@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_backward_output_overlapping_the_other_input(act):
    # out is grad_output exactly, but x is a shifted view of the same buffer:
    # the result must be that of separate buffers.
    buf = np.linspace(-3, 3, 2001)
    g, x = buf[1:], buf[:-1]
    want = getattr(cact, act.name + "_backward")(g.copy(), x.copy())
    got = getattr(cact, act.name + "_backward")(g, x, out=g)
    assert got is g
    np.testing.assert_array_equal(got, want)


def test_fast_path_declines_what_it_does_not_handle():
    x = _x(np.float32)
    ro = x.copy()
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cact.tanh(ro, out=ro)
    assert cact.tanh(ro).dtype == np.float32  # read-only input, new output: fine
    # 0-d arrays give NumPy scalars, as np.tanh
    assert isinstance(cact.tanh(np.array(0.5, np.float32)), np.float32)
    # non-native byte order, subclasses, bad alpha: the validating path
    np.testing.assert_array_equal(cact.tanh(x.astype(">f4")), cact.tanh(x))
    masked = np.ma.masked_array(x, mask=x < 0)
    res = cact.relu(masked)
    assert isinstance(res, np.ma.MaskedArray)
    np.testing.assert_array_equal(res.mask, masked.mask)
    with pytest.raises(ValueError, match="finite"):
        cact.elu(x, float("nan"))
    with pytest.raises(ValueError, match="alpha >= 0"):
        cact.elu_backward(x, y=x, alpha=-1.0)
    # a float32 alpha out of range of float32 is refused, not turned into inf
    with pytest.raises(ValueError, match="float32"):
        cact.leaky_relu(x, 1e300)


def _fast(call):
    """Run call(); True if it went through the compiled fast path."""
    from cact import _core
    before = _core._fast_path_calls()
    call()
    return _core._fast_path_calls() == before + 1


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_every_common_call_form_is_fast(act, dtype):
    """Issue 9: f(x, out=y) with y another buffer, out= a new view object of
    the input's memory, 2-D arrays, the backward with out= a view of
    grad_output, keyword parameters: each on the fast path, each giving what
    the ufunc gives."""
    if not act.fast_path:
        pytest.skip(f"{act.name} takes the validating path (Activation.fast_path: two parameters)")
    f = getattr(cact, act.name)
    bwd = getattr(cact, act.name + "_backward")
    kw = {p.name: float(p.default) for p in act.params}
    x = _x(dtype, 1200).reshape(30, 40)
    g = np.cos(x).astype(dtype)
    want = f(x.copy(), **kw)
    want_b = bwd(g.copy(), x.copy(), **kw)

    y = np.empty_like(x)  # a preallocated second buffer
    assert _fast(lambda: f(x, out=y, **kw))
    np.testing.assert_array_equal(y, want)
    assert f(x, out=y, **kw) is y

    a = x.copy()  # another view object of the same memory: in place
    assert _fast(lambda: f(a[:], out=a[...], **kw))
    np.testing.assert_array_equal(a, want)
    v = x.copy()
    r = f(v[3], out=v[3], **kw)
    np.testing.assert_array_equal(r, want[3])
    assert np.shares_memory(r, v)

    gg = g.copy()
    assert _fast(lambda: bwd(gg[...], x, out=gg[...], **kw))
    np.testing.assert_array_equal(gg, want_b)
    out = np.empty_like(g)
    assert _fast(lambda: bwd(g, x=x, out=out, **kw))
    np.testing.assert_array_equal(out, want_b)


def test_partial_overlap_and_bad_out_take_the_validating_path():
    buf = np.linspace(-3, 3, 2001)
    x, out = buf[:-1], buf[1:]  # out overlaps x shifted by one element
    want = cact.tanh(x.copy())
    assert not _fast(lambda: cact.tanh(x, out=out))
    np.testing.assert_array_equal(out, want)
    x = _x(np.float64)
    ro = np.empty_like(x)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cact.tanh(x, out=ro)
    with pytest.raises(TypeError):
        cact.tanh(x, out=np.empty(x.shape, np.float32))
    with pytest.raises(ValueError):
        cact.tanh(x, out=np.empty(x.size + 1))
    before = np.empty((10, 100))
    snapshot = before.copy()
    with pytest.raises(ValueError):
        cact.tanh(x, out=before)  # (1000,) into (10, 100): NumPy's rule, no reshape
    np.testing.assert_array_equal(before, snapshot)


@pytest.mark.parametrize("pieces", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", DTYPES)
def test_maxout_common_forms_are_fast(dtype, pieces):
    """Issue 9: maxout(z, k) and maxout_backward(g, z, k) with the groups on
    the last axis of C-contiguous arrays, out None or a preallocated buffer,
    1-D to 3-D, take the compiled fast path and give what the gufuncs give."""
    for shape in ((12 * pieces,), (6, 8 * pieces), (2, 3, 4 * pieces)):
        z = _x(dtype, int(np.prod(shape))).reshape(shape)
        z.flat[::7] = z.flat[1::7]  # ties
        gshape = shape[:-1] + (shape[-1] // pieces,)
        g = np.cos(np.arange(np.prod(gshape))).astype(dtype).reshape(gshape)
        groups = z.reshape(shape[:-1] + (shape[-1] // pieces, pieces))
        want = cact.ufuncs["_maxout_reduce"](groups)
        want_b = cact.ufuncs["_maxout_scatter"](g, groups).reshape(shape)
        for axis in (-1, len(shape) - 1):
            assert _fast(lambda: cact.maxout(z, pieces, axis))
            assert cact.maxout(z, pieces, axis).tobytes() == want.tobytes()
            out = np.empty(gshape, dtype)
            assert _fast(lambda: cact.maxout(z, pieces, axis, out=out))
            assert cact.maxout(z, pieces, out=out) is out and out.tobytes() == want.tobytes()
            assert _fast(lambda: cact.maxout_backward(g, z, pieces, axis))
            assert cact.maxout_backward(g, z, pieces, axis).tobytes() == want_b.tobytes()
            ob = np.empty(shape, dtype)
            assert _fast(lambda: cact.maxout_backward(g, z, pieces, out=ob))
            assert ob.tobytes() == want_b.tobytes()


def test_maxout_other_forms_take_the_validating_path():
    z = _x(np.float64, 48).reshape(6, 8)
    g = np.ones((6, 4))
    # another axis, a strided view, a mixed dtype, numpy-int pieces, out
    # overlapping the input: correct results through cact._api
    assert not _fast(lambda: cact.maxout(z, 2, axis=0))
    np.testing.assert_array_equal(cact.maxout(z, 2, axis=0), np.maximum(z[0::2], z[1::2]))
    assert not _fast(lambda: cact.maxout(z[:, ::2], 2))
    assert not _fast(lambda: cact.maxout(z, np.int64(2)))
    assert not _fast(lambda: cact.maxout_backward(g.astype(np.float32), z, 2))
    buf = np.zeros(96)
    zz = buf[:48].reshape(6, 8)
    zz[...] = z
    out = buf[40:64].reshape(6, 4)  # overlaps z's last row
    want = cact.maxout(z, 2)
    assert not _fast(lambda: cact.maxout(zz, 2, out=out))
    np.testing.assert_array_equal(out, want)
    with pytest.raises(ValueError, match="multiple"):
        cact.maxout(z, 3)
    with pytest.raises(ValueError, match="pieces"):
        cact.maxout(z, 0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_fused_bias_forms_are_fast(act, dtype):
    """Issue 12: f(x, bias=b) with a 1-D b along the last axis of a
    C-contiguous x, and f(x, [bias=b,] deriv_out=d), new output, in place or
    into another buffer, take the compiled fast path (the rows gufunc from 16
    rows, the elementwise kernel a row below) and give bitwise what the fused
    ufuncs give through NumPy."""
    if not act.fast_path:
        pytest.skip(f"{act.name} takes the validating path (Activation.fast_path: two parameters)")
    f = getattr(cact, act.name)
    kw = {p.name: float(p.default) for p in act.params}
    ps = [dtype(p.default) for p in act.params]
    fb, fdb = cact.ufuncs[act.name + "_bias"], cact.ufuncs[act.name + "_fd_bias"]
    for shape in [(3, 40), (20, 40), (40,), (2, 3, 40), (17, 1), (0, 40), (5, 0)]:
        x = np.linspace(-9, 9, math.prod(shape)).astype(dtype).reshape(shape)
        b = np.linspace(-2, 3, shape[-1]).astype(dtype)
        want = fb(x, b, *ps)
        want_f, want_d = fdb(x, b, *ps)
        want_f0, want_d0 = fdb(x, dtype(-0.0), *ps)
        r = []
        assert _fast(lambda: r.append(f(x, bias=b, **kw)))
        np.testing.assert_array_equal(r[0], want)
        assert r[0].dtype == dtype and r[0].shape == shape
        y = np.empty_like(x)
        assert _fast(lambda: f(x, bias=b, out=y, **kw))
        np.testing.assert_array_equal(y, want)
        d = np.full_like(x, np.nan)
        assert _fast(lambda: f(x, bias=b, out=y, deriv_out=d, **kw))
        np.testing.assert_array_equal(y, want_f)
        np.testing.assert_array_equal(d, want_d)
        d = np.full_like(x, np.nan)
        assert _fast(lambda: f(x, deriv_out=d, out=y, **kw))
        np.testing.assert_array_equal(y, want_f0)
        np.testing.assert_array_equal(d, want_d0)
        a = x.copy()
        assert f(a, bias=b, out=a, **kw) is a
        np.testing.assert_array_equal(a, want)
        a, d = x.copy(), np.empty_like(x)
        assert _fast(lambda: f(a[...], bias=b, out=a, deriv_out=d, **kw))
        np.testing.assert_array_equal(a, want_f)
        np.testing.assert_array_equal(d, want_d)


def test_fused_bias_other_forms_take_the_validating_path():
    x = np.linspace(-3, 3, 600).reshape(20, 30)
    b = np.linspace(-1, 1, 30)
    want = cact.ufuncs["gelu_bias"](x, b)
    # a bias of another dtype, a 2-D bias, a strided x: the validating path,
    # with NumPy's broadcasting and promotion
    assert not _fast(lambda: np.testing.assert_array_equal(cact.gelu(x, bias=b.astype(np.float32)),
                                                            cact.ufuncs["gelu_bias"](x, b.astype(np.float32))))
    assert not _fast(lambda: np.testing.assert_array_equal(cact.gelu(x, bias=b[None, :]), want))
    xt = np.asfortranarray(x)
    assert not _fast(lambda: np.testing.assert_array_equal(cact.gelu(xt, bias=b), want))
    # errors come from the validating path, every buffer left as it was
    for bad in (np.zeros(29), np.zeros((3, 30))):
        snap = x.copy()
        with pytest.raises(ValueError, match="broadcast"):
            cact.gelu(x, bias=bad, out=x)
        np.testing.assert_array_equal(x, snap)
    y = np.zeros_like(x)
    with pytest.raises(ValueError, match="share memory"):
        cact.gelu(x, bias=b, out=y, deriv_out=y[...])
    np.testing.assert_array_equal(y, 0)
    # an out that overlaps the bias (x's first row viewed as the bias): correct
    # through the validating path's copies
    z = x.copy()
    want_z = cact.ufuncs["gelu_bias"](z, z[0].copy())
    assert not _fast(lambda: cact.gelu(z, bias=z[0], out=z))
    np.testing.assert_array_equal(z, want_z)
