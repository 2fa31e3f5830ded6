"""cact's functions are NumPy ufuncs underneath: foreign array types dispatch
through ``__array_ufunc__`` (as Dask and xarray do), and the raw ufuncs in
``cact.ufuncs`` broadcast like any ufunc."""

import numpy as np
import pytest

import cact
from helpers import act_param_names, with_param


class Wrapped:
    """A minimal duck array in the style of Dask/xarray: it applies ufuncs to
    its data and wraps the result."""

    def __init__(self, data):
        self.data = np.asarray(data)
        self.calls = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        self.calls.append((ufunc.__name__, method))
        raw = [i.data if isinstance(i, Wrapped) else i for i in inputs]
        return type(self)(getattr(ufunc, method)(*raw, **kwargs))


@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_array_ufunc_dispatch(act):
    w = Wrapped(np.linspace(-3, 3, 7))
    res = getattr(cact, act.name)(w)
    assert isinstance(res, Wrapped)
    assert w.calls == [(act.name, "__call__")]
    np.testing.assert_array_equal(res.data, getattr(cact, act.name)(w.data))
    g = Wrapped(np.ones(7))
    back = getattr(cact, act.name + "_backward")(g, w)
    assert isinstance(back, Wrapped)
    np.testing.assert_array_equal(
        back.data, getattr(cact, act.name + "_backward")(np.ones(7), w.data)
    )


def test_raw_ufuncs_broadcast():
    x = np.linspace(-2, 2, 5)
    g = np.arange(3.0)[:, None]
    res = cact.ufuncs["tanh_backward_x"](g, x)
    assert res.shape == (3, 5)
    np.testing.assert_array_equal(res, g * cact.tanh_grad(x))
    # per-channel alpha through broadcasting of the parameter input
    alpha = np.array([0.0, 0.1, 0.2])[:, None]
    res = cact.ufuncs["leaky_relu"](x, alpha)
    for i, a in enumerate(alpha[:, 0]):
        np.testing.assert_array_equal(res[i], cact.leaky_relu(x, a))


def test_ufuncs_have_float32_and_float64_loops():
    for name, uf in cact.ufuncs.items():
        assert isinstance(uf, np.ufunc)
        assert {t.split("->")[0][-1] for t in uf.types} == {"f", "d"}, name


# ------------------------------------------ validation of foreign array types
# Issue 15, item 4: objects with __array_ufunc__ (pandas, xarray) skipped the
# checks that ndarrays get.  They are validated on the dtype and shape they
# expose, with nothing converted or computed, and still dispatch through the
# ufunc, so each gets its own type back (as for np.tanh).
class Duck(Wrapped):
    """Wrapped with the dtype and shape attributes that pandas, xarray and
    Dask expose."""

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def shape(self):
        return self.data.shape


def _kinds():
    def pandas(a):
        return pytest.importorskip("pandas").Series(a)

    def xarray(a):
        return pytest.importorskip("xarray").DataArray(a)

    return [pytest.param(Duck, id="duck"), pytest.param(pandas, id="pandas"),
            pytest.param(xarray, id="xarray")]


def _unwrap(r):
    return r.data if isinstance(r, Wrapped) else np.asarray(r)


@pytest.mark.parametrize("wrap", _kinds())
@pytest.mark.parametrize("act, name", act_param_names())
def test_foreign_parameter_beyond_float32_is_value_error(act, name, wrap):
    x, g = wrap(np.float32([-1.0, 2.0])), wrap(np.float32([1.0, 1.0]))
    ps = with_param(act, name, 1e39)
    pos = [ps[p.name] for p in act.params]
    for fn, args in ((getattr(cact, act.name), (x, *pos)),
                     (getattr(cact, act.name + "_grad"), (x, *pos))):
        with pytest.raises(ValueError, match="float32 range"):
            fn(*args)
    with pytest.raises(ValueError, match="float32 range"):
        getattr(cact, act.name + "_backward")(g, x, **ps)
    # float64 data takes the same value
    _unwrap(getattr(cact, act.name)(wrap(np.float64([-1.0, 2.0])), *pos))


@pytest.mark.parametrize("wrap", _kinds())
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_foreign_out_is_checked_and_left_unchanged(act, wrap):
    x = wrap(np.float32([-1.0, 2.0]))
    bwd = getattr(cact, act.name + "_backward")
    for out, exc in ((np.full(2, 7.0), TypeError),              # float64 for a float32 result
                     (np.full(3, 7.0, np.float32), ValueError),  # wrong shape
                     ([0.0, 0.0], TypeError)):                   # not an ndarray
        before = np.array(out, copy=True)
        calls = [lambda: getattr(cact, act.name)(x, out=out),
                 lambda: getattr(cact, act.name + "_grad")(x, out=out),
                 lambda: bwd(x, x, out=out)]
        if "backward_y" in act.variants:
            calls.append(lambda: bwd(np.ones(2, np.float32), y=x, out=out))
        for call in calls:
            with pytest.raises(exc):
                call()
            assert np.array_equal(np.asarray(out), before) and np.asarray(out).dtype == before.dtype


@pytest.mark.parametrize("wrap", _kinds())
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_foreign_unsupported_dtype_names_it(act, wrap):
    z = wrap(np.array([1j, 2.0]))
    for fn in (getattr(cact, act.name), getattr(cact, act.name + "_grad")):
        with pytest.raises(TypeError, match="complex128"):
            fn(z)
    with pytest.raises(TypeError, match="complex128"):
        getattr(cact, act.name + "_backward")(np.ones(2), z)


@pytest.mark.parametrize("wrap", _kinds())
def test_foreign_weak_scalar_beyond_float32_is_value_error(wrap):
    with pytest.raises(ValueError, match="float32 range"):
        cact.tanh_backward(1e39, wrap(np.float32([1.0, 2.0])))


@pytest.mark.parametrize("wrap", _kinds())
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_foreign_types_come_back_with_the_ndarray_values(act, wrap, dtype):
    a = np.array([-2, -1, 0, 1, 3], dtype=dtype)
    x = wrap(a)
    res = getattr(cact, act.name)(x)
    assert type(res) is type(x)
    want = getattr(cact, act.name)(a)
    assert _unwrap(res).dtype == want.dtype
    np.testing.assert_array_equal(_unwrap(res), want)
    back = getattr(cact, act.name + "_backward")(wrap(np.ones(5, dtype)), x)
    assert type(back) is type(x)
    np.testing.assert_array_equal(_unwrap(back), getattr(cact, act.name + "_backward")(np.ones(5, dtype), a))


def test_dask_stays_lazy():
    da = pytest.importorskip("dask.array")
    dask = pytest.importorskip("dask")
    computed = []

    def make():
        computed.append(1)
        return np.linspace(-3, 3, 7, dtype=np.float32)

    d = da.from_delayed(dask.delayed(make)(), shape=(7,), dtype=np.float32)
    for act in cact.ACTIVATIONS:
        res = getattr(cact, act.name)(d)
        bwd = getattr(cact, act.name + "_backward")
        back = bwd(d, y=res) if "backward_y" in act.variants else bwd(d, d)
        assert isinstance(res, da.Array) and isinstance(back, da.Array) and res.dtype == np.float32
        for p in act.params:
            with pytest.raises(ValueError, match="float32 range"):
                getattr(cact, act.name)(d, **with_param(act, p.name, 1e39))
        with pytest.raises(TypeError):
            getattr(cact, act.name)(d, out=np.empty(7))
    # a chunk of unknown length: no shape to check, still lazy
    res = cact.relu(d[d > 0])
    assert isinstance(res, da.Array)
    assert computed == [], "cact computed a Dask array"
    np.testing.assert_array_equal(cact.tanh(d).compute(), cact.tanh(make()))
