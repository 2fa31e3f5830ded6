"""cact's functions are NumPy ufuncs underneath: foreign array types dispatch
through ``__array_ufunc__`` (as Dask and xarray do), and the raw ufuncs in
``cact.ufuncs`` broadcast like any ufunc."""

import numpy as np
import pytest

import cact


class Wrapped:
    """A minimal duck array in the style of Dask/xarray: it applies ufuncs to
    its data and wraps the result."""

    def __init__(self, data):
        self.data = np.asarray(data)
        self.calls = []

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        self.calls.append((ufunc.__name__, method))
        raw = [i.data if isinstance(i, Wrapped) else i for i in inputs]
        return Wrapped(getattr(ufunc, method)(*raw, **kwargs))


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
