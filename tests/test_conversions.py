"""Input conversions, result dtypes, scalars and array subclasses."""

import array

import numpy as np
import pytest

import cact
from helpers import VARIANTS, acts, assert_bitwise, call, param_sets, with_param

# input dtype -> result dtype (NumPy's type resolution for a ufunc with only
# float32 and float64 loops; float16 has no loop and computes in float32)
RESULT_DTYPE = {
    np.bool_: np.float32, np.int8: np.float32, np.uint8: np.float32, np.int16: np.float32,
    np.uint16: np.float32, np.float16: np.float32, np.int32: np.float64, np.uint32: np.float64,
    np.int64: np.float64, np.uint64: np.float64, np.float32: np.float32, np.float64: np.float64,
}


def _values(dt):
    if dt is np.bool_:
        return np.array([True, False, True])
    if np.dtype(dt).kind == "u":
        return np.array([0, 1, 2, 3, 100], dt)
    return np.array([-3, -1, 0, 1, 2, 5], dt)


@pytest.mark.parametrize("in_dt", list(RESULT_DTYPE), ids=lambda d: np.dtype(d).name)
def test_array_dtype_conversion(in_dt):
    """Every function and variant: the result dtype follows RESULT_DTYPE and the
    values are those of the input converted to it first (bitwise)."""
    x = _values(in_dt)
    res_dt = np.dtype(RESULT_DTYPE[in_dt])
    failures = []
    for act in cact.ACTIVATIONS:
        params = param_sets(act)[0]
        for variant in act.variants:
            inputs = (x,) if variant in ("f", "grad") else (x, np.abs(x) if variant == "backward_y" else x)
            got = call(act, variant, inputs, params)
            if got.dtype != res_dt:
                failures.append(f"{act.name} {variant} gave {got.dtype}")
                continue
            expected = call(act, variant, tuple(a.astype(res_dt) for a in inputs), params)
            assert_bitwise(got, expected, f"{act.name} {variant} of {np.dtype(in_dt)}")
            out = np.empty(x.shape, res_dt)
            assert call(act, variant, inputs, params, out=out) is out
            assert_bitwise(out, expected, f"{act.name} {variant} of {np.dtype(in_dt)} into out")
    assert not failures, f"{np.dtype(in_dt)} input should give {res_dt}: " + "; ".join(failures)


@pytest.mark.parametrize("act", acts())
def test_python_objects(act):
    f = getattr(cact, act.name)
    grad = getattr(cact, act.name + "_grad")
    bwd = getattr(cact, act.name + "_backward")
    ref = f(np.array([-1.5, 0.0, 2.0]))
    # lists, tuples, nested lists, memoryviews, array.array
    for obj in ([-1.5, 0.0, 2.0], (-1.5, 0.0, 2.0), memoryview(array.array("d", [-1.5, 0.0, 2.0])),
                array.array("d", [-1.5, 0.0, 2.0])):
        got = f(obj)
        assert isinstance(got, np.ndarray) and got.dtype == np.float64
        assert_bitwise(got, ref, f"{act.name}({type(obj).__name__})")
    assert_bitwise(f([[-1.5, 0.0, 2.0]]), ref[None], f"{act.name}(nested list)")
    assert f([1, 2]).dtype == np.float64  # list of ints -> int64 -> float64
    # Python scalars give NumPy scalars, like np.tanh
    for v in (-1.5, 2.0, 0.0):
        got = f(v)
        assert type(got) is np.float64, type(got)
        assert got.tobytes() == f(np.array([v]))[0].tobytes()
        assert type(grad(v)) is np.float64
        assert type(bwd(1.0, v)) is np.float64
    assert type(f(3)) is np.float64 and f(3) == f(3.0)


def test_python_bool_scalar():
    """A Python bool converts as a bool array: to float32 (for every row)."""
    bad = [a.name for a in cact.ACTIVATIONS if getattr(cact, a.name)(True).dtype != np.float32]
    assert not bad, f"f(True) is not float32 for {bad}"
    for a in cact.ACTIVATIONS:
        assert getattr(cact, a.name)(True) == getattr(cact, a.name)(np.float32(1.0))


@pytest.mark.parametrize("dt", [np.float16, np.float32, np.float64, np.int8, np.int64])
@pytest.mark.parametrize("act", acts())
def test_scalars_and_0d(act, dt):
    """NumPy scalars and 0-d arrays give NumPy scalars of the result dtype."""
    res_dt = RESULT_DTYPE[dt]
    for variant in act.variants:
        ins = (dt(2),) if variant in ("f", "grad") else (dt(3), dt(2))
        for form in (ins, tuple(np.array(v) for v in ins)):
            got = call(act, variant, form, param_sets(act)[0])
            assert type(got) is res_dt, f"{act.name} {variant} of {type(form[0])}: {type(got)}"
            exp = call(act, variant, tuple(np.array([v], res_dt) for v in ins), param_sets(act)[0])[0]
            assert got.tobytes() == exp.tobytes()
    # 0-d out: returns out
    out = np.empty((), res_dt)
    assert call(act, "f", (np.array(dt(2)),), out=out) is out


@pytest.mark.parametrize("act", acts())
def test_backward_mixed_dtypes(act):
    bwd = getattr(cact, act.name + "_backward")
    x32 = np.array([-1.0, 0.5, 2.0], np.float32)
    x64 = x32.astype(np.float64)
    assert bwd(x32, x64).dtype == np.float64
    assert bwd(x64, x32).dtype == np.float64
    assert bwd(x32.astype(np.int64), x32).dtype == np.float64
    assert bwd(x32.astype(np.int8), x32).dtype == np.float32
    assert bwd(x32.astype(np.float16), x32).dtype == np.float32
    assert_bitwise(bwd(x32, x64), bwd(x64, x64), "float32 grad_output with float64 x")


@pytest.mark.parametrize("act", acts())
def test_python_scalar_with_float32_array_keeps_float32(act):
    """A Python float or int next to a float32 array is 'weak' (NEP 50): the
    result is float32, as np.multiply(1.0, x32); alpha never changes the dtype."""
    bwd = getattr(cact, act.name + "_backward")
    x32 = np.array([-1.0, 0.5, 2.0], np.float32)
    for g in (2.0, 2):
        res = bwd(g, x32)
        assert res.dtype == np.float32
        assert_bitwise(res, bwd(np.full(3, 2.0, np.float32), x32), f"{act.name}_backward({g!r}, x32)")
        if "backward_y" in act.variants:
            assert bwd(g, y=x32).dtype == np.float32
        assert bwd(x32, float(g)).dtype == np.float32
    for p in act.params:  # each parameter given as a Python float and int
        for v in (0.5, 2):
            pos = with_param(act, p.name, v).values()
            assert getattr(cact, act.name)(x32, *pos).dtype == np.float32
            assert getattr(cact, act.name + "_grad")(x32, *pos).dtype == np.float32


def test_python_scalar_with_float32_array_into_float32_out():
    """out= of the result's dtype is accepted: ``f_backward(2.0, x32)`` is
    float32, so a float32 out (e.g. x itself) must be accepted too."""
    failures = []
    x32 = np.array([-1.0, 0.5, 2.0], np.float32)
    for act in cact.ACTIVATIONS:
        bwd = getattr(cact, act.name + "_backward")
        calls = [
            ("(2.0, x32)", lambda out: bwd(2.0, x32, out=out), bwd(2.0, x32)),
            ("(2, x32)", lambda out: bwd(2, x32, out=out), bwd(2, x32)),
            ("(g32, 0.5)", lambda out: bwd(x32, 0.5, out=out), bwd(x32, 0.5)),
        ]
        if "backward_y" in act.variants:
            calls.append(("(2.0, y=y32)", lambda out: bwd(2.0, y=np.abs(x32), out=out), bwd(2.0, y=np.abs(x32))))
        for label, fn, expected in calls:
            assert expected.dtype == np.float32
            out = np.zeros(3, np.float32)
            try:
                res = fn(out)
            except TypeError as e:
                failures.append(f"{act.name}_backward{label}: {e}")
                continue
            assert res is out
            assert_bitwise(res, expected, f"{act.name}_backward{label} into float32 out")
    assert not failures, f"{len(failures)} calls rejected a float32 out: " + "; ".join(failures[:2])


def test_float16_computes_in_float32():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], np.float16)
    for act in cact.ACTIVATIONS:
        got = getattr(cact, act.name)(x)
        assert got.dtype == np.float32
        assert_bitwise(got, getattr(cact, act.name)(x.astype(np.float32)), act.name)
    assert np.tanh(x).dtype == np.float16  # the documented difference from np.tanh


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
@pytest.mark.parametrize("act", acts())
def test_matrix_subclass(act):
    m = np.matrix([[-1.0, 0.5], [2.0, -3.0]])
    for variant in act.variants:
        ins = (m,) if variant in ("f", "grad") else (m, abs(m))
        got = call(act, variant, ins, param_sets(act)[0])
        expected = call(act, variant, tuple(np.asarray(a) for a in ins), param_sets(act)[0])
        assert got.shape == (2, 2)
        assert_bitwise(np.asarray(got), expected, f"{act.name} {variant} of np.matrix")


@pytest.mark.parametrize("act", acts())
def test_masked_array_keeps_mask(act):
    data = np.array([-1.0, 0.5, 2.0, -3.0])
    mask = np.array([False, True, False, True])
    m = np.ma.masked_array(data, mask=mask)
    for variant in act.variants:
        ins = (m,) if variant in ("f", "grad") else (m, abs(m))
        got = call(act, variant, ins, param_sets(act)[0])
        assert isinstance(got, np.ma.MaskedArray), f"{act.name} {variant}: {type(got)}"
        np.testing.assert_array_equal(np.ma.getmaskarray(got), mask)
        expected = call(act, variant, tuple(np.ma.getdata(a) for a in ins), param_sets(act)[0])
        assert_bitwise(np.ma.getdata(got)[~mask], expected[~mask], f"{act.name} {variant} masked")


class _Duck:
    """A foreign array type that implements __array_ufunc__."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return ("dispatched", ufunc.__name__, method, len(inputs))


@pytest.mark.parametrize("act", acts())
def test_array_ufunc_dispatch(act):
    assert getattr(cact, act.name)(_Duck()) == ("dispatched", act.name, "__call__", 1 + len(act.params))
    assert getattr(cact, act.name + "_grad")(_Duck())[1] == act.name + "_grad"
    bwd = getattr(cact, act.name + "_backward")
    assert bwd(_Duck(), np.ones(2))[1] == act.name + "_backward_x"
    if "backward_y" in act.variants:
        assert bwd(np.ones(2), y=_Duck())[1] == act.name + "_backward_y"


def test_ufuncs_are_numpy_ufuncs():
    for act in cact.ACTIVATIONS:
        for sfx, nin in (("", 1), ("_grad", 1), ("_backward_x", 2), ("_backward_y", 2)):
            if act.name + sfx not in cact.ufuncs:  # no y-form
                assert sfx == "_backward_y" and "backward_y" not in act.variants
                continue
            uf = cact.ufuncs[act.name + sfx]
            assert isinstance(uf, np.ufunc)
            assert uf.nin == nin + len(act.params) and uf.nout == 1
            assert {t.split("->")[1] for t in uf.types} == {"f", "d"}
