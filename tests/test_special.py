"""Special values (signed zeros, infinities, NaN, subnormals, the largest
finite values) and the absence of floating-point warnings."""

import warnings

import numpy as np
import pytest

import cact
from helpers import DTYPES, VARIANTS, acts, call, call_ufunc, dtname, each_param, param_sets
from reference import evaluate, mp, ulp_error

INF, NAN = np.inf, np.nan


def _value(spec, dt):
    """A special input/expected value in dtype dt: a float or one of the
    strings max, -max, tiny (smallest subnormal), -tiny."""
    fi = np.finfo(dt)
    named = {"max": fi.max, "-max": -fi.max, "tiny": fi.smallest_subnormal,
             "-tiny": -fi.smallest_subnormal}
    if callable(spec):
        return dt(spec(dt))
    return dt(named[spec]) if isinstance(spec, str) else dt(spec)


# (function, variant, params, inputs, expected).  Inputs are x for f and grad,
# (grad_output, x) for backward_x and (grad_output, y) for backward_y.  The
# result must equal expected exactly, sign of zero included; NaN must be NaN.
A = 0.01  # leaky_relu's default alpha
SPECIAL = [
    # sigmoid
    ("sigmoid", "f", {}, (0.0,), 0.5),
    ("sigmoid", "f", {}, (-0.0,), 0.5),
    ("sigmoid", "f", {}, (INF,), 1.0),
    ("sigmoid", "f", {}, (-INF,), 0.0),
    ("sigmoid", "f", {}, (NAN,), NAN),
    ("sigmoid", "f", {}, ("max",), 1.0),
    ("sigmoid", "f", {}, ("-max",), 0.0),
    ("sigmoid", "f", {}, ("tiny",), 0.5),
    ("sigmoid", "f", {}, ("-tiny",), 0.5),
    ("sigmoid", "grad", {}, (0.0,), 0.25),
    ("sigmoid", "grad", {}, (-0.0,), 0.25),
    ("sigmoid", "grad", {}, (INF,), 0.0),
    ("sigmoid", "grad", {}, (-INF,), 0.0),
    ("sigmoid", "grad", {}, (NAN,), NAN),
    ("sigmoid", "grad", {}, ("max",), 0.0),
    ("sigmoid", "grad", {}, ("-max",), 0.0),
    ("sigmoid", "backward_x", {}, (3.0, 0.0), 0.75),
    ("sigmoid", "backward_x", {}, (1.0, INF), 0.0),
    ("sigmoid", "backward_x", {}, (1.0, NAN), NAN),
    ("sigmoid", "backward_x", {}, (NAN, 1.0), NAN),
    ("sigmoid", "backward_x", {}, (INF, 0.0), INF),
    ("sigmoid", "backward_y", {}, (1.0, 1.0), 0.0),
    ("sigmoid", "backward_y", {}, (1.0, 0.0), 0.0),
    ("sigmoid", "backward_y", {}, (2.0, 0.5), 0.5),
    ("sigmoid", "backward_y", {}, (1.0, NAN), NAN),
    # tanh
    ("tanh", "f", {}, (0.0,), 0.0),
    ("tanh", "f", {}, (-0.0,), -0.0),
    ("tanh", "f", {}, (INF,), 1.0),
    ("tanh", "f", {}, (-INF,), -1.0),
    ("tanh", "f", {}, (NAN,), NAN),
    ("tanh", "f", {}, ("max",), 1.0),
    ("tanh", "f", {}, ("-max",), -1.0),
    ("tanh", "f", {}, ("tiny",), "tiny"),
    ("tanh", "f", {}, ("-tiny",), "-tiny"),
    ("tanh", "grad", {}, (0.0,), 1.0),
    ("tanh", "grad", {}, (-0.0,), 1.0),
    ("tanh", "grad", {}, (INF,), 0.0),
    ("tanh", "grad", {}, (-INF,), 0.0),
    ("tanh", "grad", {}, (NAN,), NAN),
    ("tanh", "grad", {}, ("max",), 0.0),
    ("tanh", "grad", {}, ("-max",), 0.0),
    ("tanh", "grad", {}, ("tiny",), 1.0),
    ("tanh", "backward_x", {}, (2.0, 0.0), 2.0),
    ("tanh", "backward_x", {}, (1.0, -INF), 0.0),
    ("tanh", "backward_x", {}, (1.0, NAN), NAN),
    ("tanh", "backward_y", {}, (1.0, 1.0), 0.0),
    ("tanh", "backward_y", {}, (1.0, -1.0), 0.0),
    ("tanh", "backward_y", {}, (3.0, 0.0), 3.0),
    ("tanh", "backward_y", {}, (1.0, NAN), NAN),
    # relu
    ("relu", "f", {}, (0.0,), 0.0),
    ("relu", "f", {}, (-0.0,), 0.0),  # +0.0, not -0.0
    ("relu", "f", {}, (-1.0,), 0.0),
    ("relu", "f", {}, (INF,), INF),
    ("relu", "f", {}, (-INF,), 0.0),
    ("relu", "f", {}, (NAN,), NAN),
    ("relu", "f", {}, ("max",), "max"),
    ("relu", "f", {}, ("-max",), 0.0),
    ("relu", "f", {}, ("tiny",), "tiny"),
    ("relu", "f", {}, ("-tiny",), 0.0),
    ("relu", "grad", {}, (0.0,), 0.0),  # relu'(0) = 0 as PyTorch
    ("relu", "grad", {}, (-0.0,), 0.0),
    ("relu", "grad", {}, ("tiny",), 1.0),
    ("relu", "grad", {}, ("-tiny",), 0.0),
    ("relu", "grad", {}, (INF,), 1.0),
    ("relu", "grad", {}, (-INF,), 0.0),
    ("relu", "grad", {}, (NAN,), NAN),
    ("relu", "backward_x", {}, (5.0, 0.0), 0.0),
    ("relu", "backward_x", {}, (5.0, "tiny"), 5.0),
    ("relu", "backward_x", {}, (INF, -1.0), 0.0),  # selects, never inf * 0
    ("relu", "backward_x", {}, (1.0, NAN), NAN),
    ("relu", "backward_y", {}, (5.0, 0.0), 0.0),
    ("relu", "backward_y", {}, (5.0, 2.0), 5.0),
    ("relu", "backward_y", {}, (1.0, NAN), NAN),
    # leaky_relu
    ("leaky_relu", "f", {}, (0.0,), 0.0),
    ("leaky_relu", "f", {}, (-0.0,), -0.0),
    ("leaky_relu", "f", {}, (INF,), INF),
    ("leaky_relu", "f", {}, (-INF,), -INF),
    ("leaky_relu", "f", {}, (NAN,), NAN),
    ("leaky_relu", "f", {}, ("max",), "max"),
    ("leaky_relu", "f", {}, (-2.0,), lambda dt: dt(-2.0) * dt(A)),
    ("leaky_relu", "f", {}, ("-max",), lambda dt: -np.finfo(dt).max * dt(A)),
    ("leaky_relu", "f", {"alpha": 0.0}, (-1.0,), -0.0),
    ("leaky_relu", "f", {"alpha": 0.0}, (-INF,), NAN),  # 0 * inf, documented
    ("leaky_relu", "f", {"alpha": -0.5}, (-4.0,), 2.0),
    ("leaky_relu", "grad", {}, (0.0,), A),  # leaky_relu'(0) = alpha as PyTorch
    ("leaky_relu", "grad", {}, (-0.0,), A),
    ("leaky_relu", "grad", {}, (-INF,), A),
    ("leaky_relu", "grad", {}, (INF,), 1.0),
    ("leaky_relu", "grad", {}, ("tiny",), 1.0),
    ("leaky_relu", "grad", {}, (NAN,), NAN),
    ("leaky_relu", "grad", {"alpha": 0.25}, (0.0,), 0.25),
    ("leaky_relu", "backward_x", {"alpha": 0.25}, (2.0, 0.0), 0.5),
    ("leaky_relu", "backward_x", {"alpha": 0.25}, (INF, -1.0), INF),
    ("leaky_relu", "backward_x", {}, (1.0, NAN), NAN),
    ("leaky_relu", "backward_y", {"alpha": 0.25}, (2.0, 0.0), 0.5),
    ("leaky_relu", "backward_y", {"alpha": 0.25}, (2.0, 3.0), 2.0),
    ("leaky_relu", "backward_y", {}, (1.0, NAN), NAN),
    # elu
    ("elu", "f", {}, (0.0,), 0.0),
    ("elu", "f", {}, (-0.0,), -0.0),
    ("elu", "f", {}, (INF,), INF),
    ("elu", "f", {}, (-INF,), -1.0),
    ("elu", "f", {"alpha": 0.5}, (-INF,), -0.5),
    ("elu", "f", {"alpha": 2.5}, (-INF,), -2.5),
    ("elu", "f", {}, (NAN,), NAN),
    ("elu", "f", {}, ("max",), "max"),
    ("elu", "f", {}, ("-max",), -1.0),
    ("elu", "f", {}, ("tiny",), "tiny"),
    ("elu", "f", {}, ("-tiny",), "-tiny"),
    ("elu", "grad", {}, (0.0,), 1.0),  # elu'(0) = alpha as PyTorch
    ("elu", "grad", {"alpha": 0.5}, (0.0,), 0.5),
    ("elu", "grad", {"alpha": 0.5}, (-0.0,), 0.5),
    ("elu", "grad", {}, (INF,), 1.0),
    ("elu", "grad", {}, (-INF,), 0.0),
    ("elu", "grad", {}, ("-max",), 0.0),
    ("elu", "grad", {}, ("tiny",), 1.0),
    ("elu", "grad", {}, (NAN,), NAN),
    ("elu", "backward_x", {"alpha": 0.5}, (2.0, 0.0), 1.0),
    ("elu", "backward_x", {}, (1.0, -INF), 0.0),
    ("elu", "backward_x", {}, (3.0, "max"), 3.0),
    ("elu", "backward_x", {}, (1.0, NAN), NAN),
    ("elu", "backward_y", {"alpha": 0.5}, (1.0, -0.5), 0.0),
    ("elu", "backward_y", {"alpha": 0.5}, (2.0, 0.0), 1.0),
    ("elu", "backward_y", {}, (2.0, 3.0), 2.0),
    ("elu", "backward_y", {}, (1.0, NAN), NAN),
    # selu: scale = 1.0507009873554805, scale alpha = 1.7580993408473766
    ("selu", "f", {}, (0.0,), 0.0),
    ("selu", "f", {}, (-0.0,), -0.0),
    ("selu", "f", {}, (INF,), INF),
    ("selu", "f", {}, (NAN,), NAN),
    ("selu", "f", {}, ("max",), INF),  # scale > 1: beyond the largest finite value
    ("selu", "grad", {}, (INF,), lambda dt: 1.0507009873554805),
    ("selu", "grad", {}, (-INF,), 0.0),
    ("selu", "grad", {}, (NAN,), NAN),
    ("selu", "backward_x", {}, (1.0, -INF), 0.0),
    ("selu", "backward_x", {}, (1.0, NAN), NAN),
    ("selu", "backward_y", {}, (2.0, 0.0), lambda dt: 2 * 1.7580993408473768),  # selu'(0) = scale alpha
    ("selu", "backward_y", {}, (1.0, NAN), NAN),
    # hardtanh: the ends are reached exactly, the derivative is 0 at both
    ("hardtanh", "f", {}, (-0.0,), -0.0),
    ("hardtanh", "f", {}, (-INF,), -1.0),
    ("hardtanh", "f", {}, ("max",), 1.0),
    ("hardtanh", "f", {}, ("tiny",), "tiny"),
    ("hardtanh", "f", {}, (NAN,), NAN),
    ("hardtanh", "f", {"min_val": 0.5, "max_val": 0.5}, (3.0,), 0.5),
    ("hardtanh", "f", {"min_val": -2.0, "max_val": 3.0}, (2.5,), 2.5),
    ("hardtanh", "grad", {}, (-1.0,), 0.0),
    ("hardtanh", "grad", {}, (1.0,), 0.0),
    ("hardtanh", "grad", {}, (-0.0,), 1.0),
    ("hardtanh", "grad", {}, (NAN,), NAN),
    ("hardtanh", "grad", {"min_val": 0.5, "max_val": 0.5}, (0.5,), 0.0),
    ("hardtanh", "backward_x", {}, (INF, 0.5), INF),
    ("hardtanh", "backward_x", {}, (INF, 2.0), 0.0),
    ("hardtanh", "backward_x", {}, (1.0, NAN), NAN),
    ("hardtanh", "backward_y", {}, (2.0, 1.0), 0.0),
    ("hardtanh", "backward_y", {}, (2.0, -0.5), 2.0),
    ("hardtanh", "backward_y", {}, (1.0, NAN), NAN),
    # relu6: 0 and 6 are reached exactly; the derivative is 0 at both ends
    ("relu6", "f", {}, (-0.0,), 0.0),
    ("relu6", "f", {}, (-INF,), 0.0),
    ("relu6", "f", {}, (INF,), 6.0),
    ("relu6", "f", {}, ("max",), 6.0),
    ("relu6", "f", {}, ("tiny",), "tiny"),
    ("relu6", "f", {}, (NAN,), NAN),
    ("relu6", "grad", {}, (0.0,), 0.0),
    ("relu6", "grad", {}, (6.0,), 0.0),
    ("relu6", "grad", {}, ("tiny",), 1.0),
    ("relu6", "grad", {}, (NAN,), NAN),
    ("relu6", "backward_x", {}, (INF, 3.0), INF),
    ("relu6", "backward_x", {}, (INF, 7.0), 0.0),
    ("relu6", "backward_x", {}, (1.0, NAN), NAN),
    ("relu6", "backward_y", {}, (2.0, 6.0), 0.0),
    ("relu6", "backward_y", {}, (2.0, 5.5), 2.0),
    ("relu6", "backward_y", {}, (1.0, NAN), NAN),
    # hardsigmoid: 0 and 1 exactly beyond -3 and 3, the derivative 0 at both
    ("hardsigmoid", "f", {}, (-3.0,), 0.0),
    ("hardsigmoid", "f", {}, (-INF,), 0.0),
    ("hardsigmoid", "f", {}, (3.0,), 1.0),
    ("hardsigmoid", "f", {}, (INF,), 1.0),
    ("hardsigmoid", "f", {}, ("-max",), 0.0),
    ("hardsigmoid", "f", {}, ("max",), 1.0),
    ("hardsigmoid", "f", {}, (-0.0,), 0.5),
    ("hardsigmoid", "f", {}, (1.5,), 0.75),
    ("hardsigmoid", "f", {}, (NAN,), NAN),
    ("hardsigmoid", "grad", {}, (-3.0,), 0.0),
    ("hardsigmoid", "grad", {}, (3.0,), 0.0),
    ("hardsigmoid", "grad", {}, (0.0,), lambda dt: dt(1) / dt(6)),
    ("hardsigmoid", "grad", {}, (NAN,), NAN),
    ("hardsigmoid", "backward_x", {}, (6.0, 2.0), 1.0),
    ("hardsigmoid", "backward_x", {}, (INF, 4.0), 0.0),
    ("hardsigmoid", "backward_x", {}, (1.0, NAN), NAN),
    ("hardsigmoid", "backward_y", {}, (6.0, 0.5), 1.0),
    ("hardsigmoid", "backward_y", {}, (6.0, 1.0), 0.0),
    ("hardsigmoid", "backward_y", {}, (6.0, 0.0), 0.0),
    ("hardsigmoid", "backward_y", {}, (1.0, NAN), NAN),
]


def test_special_table_names_rows_and_variants():
    """The hand-written cases above are optional (every row and variant gets
    the derived cases of test_derived_special_values); those there must name
    a row and one of its variants."""
    bad = [(n, v) for n, v, *_ in SPECIAL
           if n not in cact._table.BY_NAME or v not in cact._table.BY_NAME[n].variants]
    assert not bad, f"special values for no row or variant: {bad}"


def _derived_inputs(act, dtype):
    """The special inputs of every row: NaN, signed zeros, the smallest
    subnormals, the largest finite values, infinities, and the row's switch
    and saturation points (Activation.switch) with their neighbours."""
    fi = np.finfo(dtype)
    v = [np.nan, 0.0, -0.0, fi.smallest_subnormal, -fi.smallest_subnormal, fi.max, -fi.max, np.inf, -np.inf]
    for x0 in act.switch[dtname(dtype)]:
        c = dtype(x0)
        v += [c, np.nextafter(c, dtype(-np.inf)), np.nextafter(c, dtype(np.inf))]
    return np.array(v, dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_derived_special_values(act, dtype, level):
    """Special values that need no table entry, derived from the row and its
    independent reference (tests/reference.py) for every variant and every
    parameter set: NaN in, NaN out; elsewhere within the row's ULP promise
    (Activation.ulp), exact where the promise is 0 or the reference is a zero
    or an infinity, and then with the reference's sign; an array and each
    element as a scalar give the same bits."""
    x = _derived_inputs(act, dtype)
    g = np.full(x.shape, 1.5, dtype)  # an exact scaling of f'
    for params in param_sets(act):
        rp = {k: float(dtype(v)) for k, v in params.items()}
        for variant in act.variants:
            if variant in ("f", "grad"):
                ins = (x,)
            else:
                v = x if variant == "backward_x" else np.asarray(call(act, "f", (x,), params))
                ins = (g, v)
            with np.errstate(all="raise"):
                got = np.asarray(call(act, variant, ins, params))
                scalars = [call(act, variant, tuple(a[i] for a in ins), params) for i in range(x.size)]
            assert np.array(scalars, dtype).tobytes() == got.tobytes(), f"{act.name} {variant}: scalar != array"
            with np.errstate(all="ignore"):
                ref = np.asarray(evaluate(act.name, variant, dtype, *ins, **rp))
                ref_d = ref.astype(np.float64).astype(dtype) if ref.dtype == object else ref.astype(dtype)
            err = ulp_error(got, ref, dtype)
            promise = act.ulp[dtname(dtype)][variant]
            exact = (promise == 0) | (ref_d == 0) | np.isinf(ref_d)
            for i in range(x.size):
                what = (f"{act.name}_{variant}{tuple(a[i] for a in ins)} {params} {dtname(dtype)}: "
                        f"got {got[i]!r}, reference {ref[i]!r}")
                if np.isnan(ref_d[i]):
                    assert np.isnan(got[i]), what
                elif exact[i]:
                    assert got[i] == ref_d[i] and np.signbit(got[i]) == np.signbit(ref_d[i]), what
                else:
                    assert err[i] <= promise, f"{what}: {err[i]:.3g} ULP"


def _id(case):
    name, variant, params, inputs, expected = case
    p = "".join(f"[{k}={v}]" for k, v in params.items())
    return f"{name}{p}-{variant}{inputs!r}".replace(" ", "")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("case", SPECIAL, ids=[_id(c) for c in SPECIAL])
def test_special_value(case, dtype):
    name, variant, params, inputs, expected = case
    act = cact._table.BY_NAME[name]
    params = dict(param_sets(act)[0], **params)
    ins = tuple(np.array([_value(v, dtype)] * 3) for v in inputs)
    exp = _value(expected, dtype)
    with np.errstate(all="raise"):
        for kind, got in (("array", call(act, variant, ins, params)),
                          ("scalar", call(act, variant, tuple(v[0] for v in ins), params))):
            got = np.asarray(got)
            assert got.dtype == np.dtype(dtype)
            what = f"{name}_{variant}{tuple(v[0] for v in ins)} {params} {dtname(dtype)} ({kind})"
            if np.isnan(exp):
                assert np.isnan(got).all(), f"{what}: {got} is not NaN"
            else:
                assert (got == exp).all(), f"{what}: got {got}, expected {exp!r}"
                assert (np.signbit(got) == np.signbit(exp)).all(), (
                    f"{what}: sign of zero: got {got}, expected {exp!r}")


def test_float32_sigmoid_subnormal_results():
    """float32 results in about [-103.9, -87.3] are subnormal, computed, not flushed."""
    got = cact.sigmoid(np.float32(-100.0))
    with mp.workdps(40):
        exact = float(1 / (1 + mp.exp(100)))  # 3.7200759760208e-44
    assert got == np.float32(exact) and got > 0, got
    assert got == pytest.approx(3.72e-44, rel=0.05)
    x = np.linspace(-103.5, -87.5, 500).astype(np.float32)
    y = cact.sigmoid(x)
    assert (y > 0).all() and (y < np.finfo(np.float32).smallest_normal).all()
    assert (np.diff(y) >= 0).all()
    # sigmoid'(x) = sigmoid(x) * sigmoid(-x) equals sigmoid(x) there
    np.testing.assert_array_equal(cact.sigmoid_grad(x), y)


def test_float64_sigmoid_subnormal_results():
    x = np.array([-710.0, -730.0, -740.0, -744.0])
    y = cact.sigmoid(x)
    assert (y > 0).all() and (y < np.finfo(np.float64).smallest_normal).all()
    with mp.workdps(40):
        exact = [float(1 / (1 + mp.exp(-mp.mpf(v)))) for v in x]
    np.testing.assert_array_equal(y, exact)
    assert cact.sigmoid(-746.0) == 0.0 and not np.signbit(cact.sigmoid(-746.0))


def test_softplus_backward_y_outside_the_outputs():
    """g (1 - exp(a)), a = -beta y > 0 (no output of f): the formula's value
    wherever it is finite, up to a = 1454 where a subnormal g keeps it so
    (tools/fuzz.py seed 1), a zero for g = 0 at every finite y (f' is
    finite there), -inf times g at y = -inf."""
    tiny = np.finfo(np.float64).smallest_subnormal
    for g, y in [(tiny, -745.13), (tiny, -1000.0), (-tiny, -1400.0), (2.0**-1000, -1200.0),
                 (1e-300, -700.0), (3.0, -1.5), (1e-310, -40.0)]:
        with mp.workdps(60):
            exact = float(mp.mpf(g) * (1 - mp.exp(-mp.mpf(y))))
        got = cact.softplus_backward(np.float64(g), y=np.float64(y))
        # F = 2^n - R rounded, then g F rounded: within one ULP
        assert abs(got - exact) <= np.spacing(abs(exact)), (g, y, got, exact)
    # past the largest finite product: an overflow, not a NaN
    assert cact.softplus_backward(tiny, y=-1500.0) == -INF
    assert cact.logsigmoid_backward(-tiny, y=1460.0) == INF
    for dt in DTYPES:
        for y in (-709.78, -800.0, -1e30, -np.finfo(dt).max):
            got = cact.softplus_backward(dt(0.0), y=dt(y))
            assert got == 0 and np.signbit(got), (dt, y, got)  # +0 * (negative f')
        assert np.isnan(cact.softplus_backward(dt(0.0), y=dt(-INF)))
        # beta y beyond the range: f' is still finite (fuzz seed 7)
        assert cact.softplus_backward(dt(0.0), y=dt(-1e30), beta=1e300 if dt is np.float64 else 1e30) == 0
        assert cact.softplus_backward(dt(1e-30), y=dt(-INF)) == -INF
        # beta = 0: f = ln 2 / 0 = inf for every x but NaN, which stays NaN
        assert np.isnan(cact.softplus(dt(NAN), beta=0.0))


# ------------------------------------------------------------------- warnings
def _nasty(dtype):
    fi = np.finfo(dtype)
    v = [0.0, -0.0, INF, -INF, NAN, fi.max, -fi.max, fi.smallest_subnormal,
         -fi.smallest_subnormal, fi.smallest_normal, -fi.smallest_normal, 1e30, -1e30,
         800.0, -800.0, 745.0, -745.0, 710.0, -710.0, 104.0, -104.0, 100.0, -100.0,
         90.0, -90.0, 88.7, -88.7, 87.3, -87.3, 20.0, -20.0, 1.0, -1.0, 1e-30, -1e-30]
    with np.errstate(over="ignore"):
        return np.array(v, dtype=np.float64).astype(dtype)


@pytest.mark.parametrize("errstate", ["default", "raise"])
@pytest.mark.parametrize("layout", ["contiguous", "strided", "threaded"])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_no_floating_point_warnings(act, dtype, layout, errstate, threads):
    """No RuntimeWarning (warnings are errors in this suite) and, under
    np.errstate(all="raise"), no FloatingPointError, for any input: every
    pair of nasty values as (grad_output, x/y), every parameter set, each
    parameter 0."""
    v = _nasty(dtype)
    g, x = (a.ravel() for a in np.meshgrid(v, v))
    if layout == "threaded":  # long enough for the OpenMP path
        threads(2)
        reps = -(-300_000 // x.size)
        g, x = np.tile(g, reps), np.tile(x, reps)
    elif layout == "strided":
        g, x = np.repeat(g, 2)[::2], np.repeat(x, 2)[::-2]
    psets = param_sets(act) + each_param(act, [0.0])
    ctx = np.errstate(all="raise") if errstate == "raise" else np.errstate()
    with ctx, warnings.catch_warnings():
        warnings.simplefilter("error")
        for ps in psets:
            for variant in act.variants:
                ins = (x,) if variant in ("f", "grad") else (g, x)
                call(act, variant, ins, ps)
                call_ufunc(act, variant, ins, ps)
                out = np.empty_like(x)
                call(act, variant, ins, ps, out=out)
                for i in (0, 4, 5, 6):  # scalars
                    call(act, variant, tuple(a[i] for a in ins), ps)
