"""Fused bias + activation and deriv_out (issue 12): ``f(x, bias=b)`` is
``f(x + b)`` with NumPy broadcasting, ``f_grad(x, bias=b)`` is
``f_grad(x + b)``, ``f(x, bias=b, deriv_out=d)`` fills d with
``f_grad(x + b)`` in the same pass.  Each is checked bitwise against the
unfused calls (which the accuracy tests check against the references), for
every row, both dtypes, the rows gufunc path (a 1-D bias along the last axis)
and the elementwise one (any other broadcast), layouts, in place and
threads; bad input raises and leaves every buffer as it was."""

import numpy as np
import pytest

import cact
from helpers import (DTYPES, act_params, acts, assert_bitwise, defaults, dtname, isa_level,
                     min_parallel)


def _x(rng, shape, dt):
    x = rng.standard_normal(shape) * 4
    x.flat[:8] = [0.0, -0.0, 1e-30, -1e-30, 30.0, -30.0, 3.0, -3.0][: x.size]
    return x.astype(dt)


def _f(act, params):
    return lambda x, **kw: getattr(cact, act.name)(x, **params, **kw)


def _g(act, params):
    return lambda x, **kw: getattr(cact, act.name + "_grad")(x, **params, **kw)


# (x shape, bias shape): the rows path (1-D bias along the last axis, at
# least 16 rows), and the elementwise path (every other broadcast, and few
# rows)
SHAPES = [((64, 37), (37,)), ((4, 8, 33), (33,)), ((3, 37), (37,)), ((64, 37), (64, 1)),
          ((64, 37), ()), ((64, 37), (64, 37)), ((5, 1, 7), (3, 1)), ((1000,), (1000,))]


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act, params", act_params())
def test_bias_and_deriv_out_bitwise(act, params, dtype, rng):
    f, g = _f(act, params), _g(act, params)
    for xs, bs in SHAPES:
        x = _x(rng, xs, dtype)
        b = np.asarray(rng.standard_normal(bs), dtype=dtype)
        z = x + b
        what = f"{act.name} {params} {dtname(dtype)} x{xs} b{bs}"
        assert_bitwise(f(x, bias=b), f(z), what + " f")
        assert_bitwise(g(x, bias=b), g(z), what + " grad")
        d = np.empty(z.shape, dtype)
        y = f(x, bias=b, deriv_out=d)
        assert_bitwise(y, f(z), what + " f with deriv_out")
        assert_bitwise(d, g(z), what + " deriv_out")
        # no bias: f and f' of x itself (signed zeros kept: no + 0.0)
        d2 = np.empty(x.shape, dtype)
        assert_bitwise(f(x, deriv_out=d2), f(x), what + " f, deriv_out, no bias")
        assert_bitwise(d2, g(x), what + " deriv_out, no bias")


@pytest.mark.parametrize("act", acts())
def test_in_place_and_layouts(act, rng):
    params = defaults(act)
    f, g = _f(act, params), _g(act, params)
    x0 = _x(rng, (40, 24), np.float32)
    b = rng.standard_normal(24).astype(np.float32)
    ref, dref = f(x0 + b), g(x0 + b)
    x = x0.copy()
    assert f(x, bias=b, out=x) is x
    assert_bitwise(x, ref, "out=x")
    x = x0.copy()
    d = np.empty_like(x)
    assert f(x, bias=b, out=x, deriv_out=d) is x
    assert_bitwise(x, ref, "out=x with deriv_out")
    assert_bitwise(d, dref, "deriv_out with out=x")
    x = x0.copy()
    assert g(x, bias=b, out=x) is x
    assert_bitwise(x, dref, "grad out=x")
    # deriv_out=x: x is read before f' is written
    x = x0.copy()
    y = f(x, bias=b, deriv_out=x)
    assert_bitwise(y, ref, "deriv_out=x: f")
    assert_bitwise(x, dref, "deriv_out=x: f'")
    # strided, negative strides, Fortran order, bias a strided view
    big = _x(rng, (80, 48), np.float64)
    bb = rng.standard_normal(48)
    for xv, bv in ((big[::2, ::2], bb[::2]), (big[::-1, ::-2], bb[::-2]), (np.asfortranarray(big), bb)):
        assert_bitwise(f(xv, bias=bv), f(xv + bv), "views")
        dv = np.empty(xv.shape)[::1]
        assert_bitwise(f(xv, bias=bv, deriv_out=dv), f(xv + bv), "views with deriv_out")
        assert_bitwise(dv, g(xv + bv), "views: deriv_out")


@pytest.mark.parametrize("act", acts())
def test_dtypes_mix(act, rng):
    params = defaults(act)
    f = _f(act, params)
    x = _x(rng, (20, 9), np.float32)
    b64 = rng.standard_normal(9)
    y = f(x, bias=b64)
    assert y.dtype == np.float64
    assert_bitwise(y, f(x.astype(np.float64) + b64), "float32 x + float64 bias")
    y = f(x, bias=0.5)  # a Python float is weak: float32 stays
    assert y.dtype == np.float32
    assert_bitwise(y, f(x + np.float32(0.5)), "weak scalar bias")
    # a list is converted as NumPy converts it (float64), as in x + [...]
    assert_bitwise(f(x, bias=[0.25] * 9), f(x + np.asarray([0.25] * 9)), "list bias")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_threads_bitwise(act, dtype, threads, rng):
    params = defaults(act)
    f, g = _f(act, params), _g(act, params)
    for xs, bs in (((300, 257), (257,)), ((300, 257), (300, 1)), ((70000,), (70000,)), ((70000,), ())):
        x = _x(rng, xs, dtype)
        b = np.asarray(rng.standard_normal(bs), dtype=dtype)
        threads(1)
        y1, g1 = f(x, bias=b), g(x, bias=b)
        d1 = np.empty(np.broadcast_shapes(xs, bs), dtype)
        f(x, bias=b, deriv_out=d1)
        threads(2)
        with min_parallel(256):
            assert_bitwise(f(x, bias=b), y1, f"{act.name} {xs} 2 threads")
            assert_bitwise(g(x, bias=b), g1, f"{act.name} {xs} grad 2 threads")
            d2 = np.empty_like(d1)
            f(x, bias=b, deriv_out=d2)
            assert_bitwise(d2, d1, f"{act.name} {xs} deriv_out 2 threads")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_every_level_bitwise(act, dtype, level, rng):
    # Two fused kernels per row and dtype, compiled at baseline and AVX2: the
    # AVX-512 level's table takes AVX2's (cact_isa_avx512.c), and its results
    # are still bitwise that level's own f and f' (same C, same fma).
    params = defaults(act)
    f, g = _f(act, params), _g(act, params)
    fi = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, fi.tiny, -fi.smallest_subnormal,
               fi.max, -fi.max, 1e-30, -1e-30, 20.0, -20.0, 88.7, -103.9, 709.8, -745.2]
    x = np.concatenate([special, np.linspace(-40, 40, 4007), rng.standard_normal(6000) * 8])
    x = x.astype(dtype).reshape(-1, 25)
    b = rng.standard_normal(25).astype(dtype)
    with np.errstate(all="ignore"):
        z = x + b
        what = f"{act.name} {dtname(dtype)} at {level}"
        assert_bitwise(f(x, bias=b), f(z), what + " f")
        assert_bitwise(g(x, bias=b), g(z), what + " grad")
        d = np.empty_like(x)
        assert_bitwise(f(x, bias=b, deriv_out=d), f(z), what + " f with deriv_out")
        assert_bitwise(d, g(z), what + " deriv_out")
        d = np.empty_like(x)
        assert_bitwise(f(x, deriv_out=d), f(x), what + " f, deriv_out, no bias")
        assert_bitwise(d, g(x), what + " deriv_out, no bias")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_scalar_bias_lengths(dtype, rng):
    # A 0-d bias (f(x, deriv_out=d) without one is b = -0.0) is read from a
    # block of CACT_BLOCK (1024) copies: lengths around it, views, and the
    # signed zeros and infinities that x + -0.0 keeps.
    for n in (0, 1, 7, 1023, 1024, 1025, 2049, 5000):
        x = (rng.standard_normal(n) * 6).astype(dtype)
        x[: min(n, 4)] = [-0.0, 0.0, -np.inf, np.inf][: min(n, 4)]
        for b in (None, -0.0, 0.75, np.asarray(-1.5, dtype)):
            z = x if b is None else x + b
            for xv, zv in ((x, z), (x[::-3], z[::-3])):
                d = np.empty_like(xv)
                y = cact.gelu(xv, bias=b, deriv_out=d)
                assert_bitwise(y, cact.gelu(zv), f"gelu n={n} b={b!r}")
                assert_bitwise(d, cact.gelu_grad(zv), f"gelu' n={n} b={b!r}")
                assert_bitwise(cact.relu(xv, bias=b), cact.relu(zv), f"relu n={n} b={b!r}")
    # a signalling NaN comes back quiet (payload kept), as from x + -0.0
    bits = {np.float32: (np.uint32, 0x7FA00001, 0x00400000),
            np.float64: (np.uint64, 0x7FF4000000000001, 0x0008000000000000)}[dtype]
    snan = np.array([bits[1]], bits[0]).view(dtype)
    d = np.empty_like(snan)
    with np.errstate(invalid="ignore"):
        y = cact.relu(snan, deriv_out=d)
    assert y.view(bits[0])[0] == bits[1] | bits[2] and np.isnan(d[0])


def test_grad_bias_scalars_and_out(rng):
    # f_grad(x, bias=b) is np.add(x, b, out=out), then f' in place on it
    assert_bitwise(cact.tanh_grad(np.float32(0.25), bias=0.5), cact.tanh_grad(np.float32(0.75)),
                   "scalar")
    assert type(cact.elu_grad(-1.0, 0.5, bias=0.25)) is np.float64
    x = rng.standard_normal((6, 5))
    b = rng.standard_normal(5)
    out = np.empty_like(x)
    assert cact.silu_grad(x, bias=b, out=out) is out
    assert_bitwise(out, cact.silu_grad(x + b), "out")
    x32 = x.astype(np.float32)
    assert_bitwise(cact.silu_grad(x32, bias=b), cact.silu_grad(x32 + b), "float32 x + float64 b")


def _unchanged(arrays):
    snap = [a.copy() for a in arrays]

    def check():
        for a, s in zip(arrays, snap):
            assert_bitwise(a, s, "a buffer changed on a failed call")
    return check


def test_errors_leave_buffers_unchanged():
    x = np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4)
    b = np.ones(4, np.float32)
    out = np.zeros((3, 4), np.float32)
    d = np.zeros((3, 4), np.float32)
    check = _unchanged([x, b, out, d])
    with pytest.raises(ValueError, match="does not broadcast"):
        cact.sigmoid(x, bias=np.ones(3, np.float32), out=out, deriv_out=d)
    with pytest.raises(ValueError, match="deriv_out has shape"):
        cact.sigmoid(x, bias=b, deriv_out=np.zeros((4, 3), np.float32))
    with pytest.raises(TypeError, match="deriv_out has dtype"):
        cact.sigmoid(x, bias=b, deriv_out=np.zeros((3, 4)))
    with pytest.raises(TypeError, match="deriv_out must be a numpy.ndarray"):
        cact.sigmoid(x, deriv_out=[0.0] * 12)
    with pytest.raises(ValueError, match="share memory"):
        cact.sigmoid(x, bias=b, out=out, deriv_out=out)
    ro = np.zeros((3, 4), np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="deriv_out is read-only"):
        cact.sigmoid(x, deriv_out=ro)
    with pytest.raises(TypeError, match="deriv_out"):
        cact.sigmoid_grad(x, bias=b, deriv_out=d)
    with pytest.raises(TypeError, match="bias"):
        cact.sigmoid(x, bias=np.array(["a"] * 4))
    with pytest.raises(TypeError, match="bias"):
        cact.elu(x, 0.5, bias=np.ones(4, complex))
    with pytest.raises(ValueError, match="alpha"):
        cact.elu(x, float("nan"), bias=b, out=out)
    with pytest.raises(ValueError, match="min_val"):
        cact.hardtanh(x, 2.0, 1.0, bias=b, out=out)
    check()


def test_signatures_and_docs():
    import inspect

    for act in cact.ACTIVATIONS:
        f, g = getattr(cact, act.name), getattr(cact, act.name + "_grad")
        assert "bias" in inspect.signature(f).parameters
        assert "deriv_out" in inspect.signature(f).parameters
        assert "bias" in inspect.signature(g).parameters
        assert "deriv_out" not in inspect.signature(g).parameters
        assert "bias : array_like" in f.__doc__ and "deriv_out : ndarray" in f.__doc__
        assert "bias : array_like" in g.__doc__


def test_dask_bias_stays_lazy(rng):
    da = pytest.importorskip("dask.array")
    x = _x(rng, (64, 30), np.float64)
    b = rng.standard_normal(30)
    dx = da.from_array(x, chunks=(16, 30))
    y = cact.gelu(dx, bias=b)
    assert isinstance(y, da.Array)
    assert_bitwise(y.compute(), cact.gelu(x + b), "dask bias")
    assert_bitwise(cact.gelu_grad(dx, bias=b).compute(), cact.gelu_grad(x + b), "dask grad bias")
    with pytest.raises(TypeError, match="deriv_out"):
        cact.gelu(dx, bias=b, deriv_out=np.empty((64, 30)))
