"""Accuracy against the independent references, in ULPs of the result dtype.

Every (function, variant, dtype, parameters) is evaluated on
``reference.dense_sample`` (about 256k inputs, float64 116k unless --runslow
(F64_CORE below): a dense core over [-30, 30],
both tails to +-800 (float64) / +-110 (float32), tiny and subnormal magnitudes,
+-0) and compared with the reference in higher precision (float64 for float32
results, 80-bit long double for float64 results, mpmath where long double is
not wider than double).  The backward from y is compared with the reference
derivative evaluated from the very same y, so it measures cact's own error,
not the rounding y already carries.
"""

import numpy as np
import pytest

import cact
from helpers import DTYPES, VARIANTS, act_params, call, dtname, make_inputs, rounded
from reference import (
    LONGDOUBLE_IS_WIDE,
    REFERENCES,
    dense_sample,
    evaluate,
    mp,
    mp_eval,
    ulp_error,
)

# Largest allowed error, in ULPs of the result dtype, for each function,
# variant and dtype (all parameter sets of the row): the row's promise
# (cact/_table.py, Activation.ulp, where each bound is explained).  The
# measured maxima are in the README (tools/accuracy.py).
ULP_TOL = {(a.name, dt): a.ulp[dt] for a in cact.ACTIVATIONS for dt in ("float32", "float64")}

_SAMPLES = {}

# The float64 sample's random core: 60k points in a normal run (the long
# double references take most of the suite's time; every level's float64
# maxima are checked on 100k more points by test_accuracy_levels.py and
# recorded by tools/accuracy.py on 400k), the full 200k with --runslow.
F64_CORE = {False: 60_000, True: 200_000}


def _sample(dtype, slow=False):
    key = (np.dtype(dtype).name, slow)
    if key not in _SAMPLES:
        if np.dtype(dtype) == np.float64:
            x = dense_sample(dtype, n_core=F64_CORE[slow])
            if not LONGDOUBLE_IS_WIDE:
                x = x[::20].copy()  # mpmath references: a sparser sample
        else:
            x = dense_sample(dtype)
        _SAMPLES[key] = x
    return _SAMPLES[key]


def test_tolerance_table_covers_the_table():
    missing = [(a.name, dtname(d)) for a in cact.ACTIVATIONS for d in DTYPES
               if (a.name, dtname(d)) not in ULP_TOL]
    assert not missing, f"no ULP tolerance for {missing}"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act, params", act_params())
def test_dense_ulp_error(act, params, variant, dtype, request):
    x = _sample(dtype, request.config.getoption("--runslow"))
    ps = rounded(params, dtype)
    inputs = make_inputs(act, variant, x, params)
    result = call(act, variant, inputs, params)
    assert result.dtype == np.dtype(dtype)
    ref = evaluate(act.name, variant, dtype, *inputs, **ps)
    err = ulp_error(result, ref, dtype)
    tol = ULP_TOL[act.name, dtname(dtype)][variant]
    i = int(np.argmax(err))
    assert err[i] <= tol, (
        f"{act.name} {variant} {dtname(dtype)} {params}: max error {err[i]:.4g} ULP > {tol:.4g} "
        f"at inputs {[inp[i] for inp in inputs]!r}: got {result[i]!r}, reference {ref[i]!r}; "
        f"{np.count_nonzero(err > tol)} of {err.size} points over"
    )


@pytest.mark.parametrize("act, params", act_params())
def test_float64_against_mpmath(act, params):
    """float64 results against mpmath at 40 digits on a modest sample (the
    dense test uses long double; this one does not depend on it)."""
    x = dense_sample(np.float64)[::200].copy()
    for variant in act.variants:
        inputs = make_inputs(act, variant, x, params)
        result = call(act, variant, inputs, params)
        fns = REFERENCES[act.name]
        fn = {"f": fns.mp_f, "grad": fns.mp_grad,
              "backward_x": lambda g, v, **p: g * fns.mp_grad(v, **p),
              "backward_y": lambda g, v, **p: g * fns.mp_grad_y(v, **p)}[variant]
        exact = mp_eval(fn, *inputs, **params)
        err = ulp_error(result, exact, np.float64)
        tol = ULP_TOL[act.name, "float64"][variant]
        i = int(np.argmax(err))
        assert err[i] <= tol, (
            f"{act.name} {variant} float64 {params}: {err[i]:.4g} ULP > {tol} from mpmath at "
            f"inputs {[inp[i] for inp in inputs]!r}: got {result[i]!r}, mpmath {exact[i]}")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act, params", act_params())
def test_grad_matches_finite_difference(act, params, dtype):
    """f' against a central difference of the float64 reference f, away from kinks."""
    x = np.linspace(-6.0, 6.0, 4001)
    for k in REFERENCES[act.name].kinks:
        x = x[np.abs(x - k) > 1e-3]
    x = x.astype(dtype).astype(np.float64)
    h = 1e-5
    xp, xm = x + h, x - h
    f = REFERENCES[act.name].f
    fd = (f(xp, **params) - f(xm, **params)) / (xp - xm)
    got = call(act, "grad", (x.astype(dtype),), params).astype(np.float64)
    rtol = 1e-6 if dtype == np.float64 else 2e-6
    ok = np.abs(got - fd) <= rtol * np.abs(fd) + 1e-9
    assert ok.all(), (
        f"{act.name}_grad {dtname(dtype)} {params}: differs from the finite difference at "
        f"x={x[~ok][:5]}: got {got[~ok][:5]}, finite difference {fd[~ok][:5]}"
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act, params", act_params())
def test_backward_is_grad_output_times_grad(act, params, dtype):
    """backward from x equals g * f'(x) rounded once; with g = 1 exactly f'(x),
    and from y = f(x) it agrees with it to the accuracy y allows."""
    x = np.linspace(-8, 8, 1601).astype(dtype)
    ones = np.ones_like(x)
    grad = call(act, "grad", (x,), params)
    np.testing.assert_array_equal(call(act, "backward_x", (ones, x), params), grad)
    if "backward_y" not in act.variants:
        return
    y = call(act, "f", (x,), params)
    from_y = call(act, "backward_y", (ones, y), params)
    if act.family == "linear":  # exact: y > 0 exactly when x > 0
        np.testing.assert_array_equal(from_y, grad, err_msg=f"{act.name} {dtname(dtype)}")
    else:
        # y carries the rounding of f, which near saturation dominates f'
        # (documented): an absolute error of a few ULPs of max(|y|, 1).
        eps = float(np.finfo(dtype).eps)
        err = np.abs(from_y.astype(np.float64) - grad) / np.maximum(np.abs(y), 1.0)
        assert err.max() <= 4 * eps, (
            f"{act.name} {dtname(dtype)}: backward from y differs from f'(x) by "
            f"{err.max() / eps:.3g} eps at x={x[np.argmax(err)]!r}"
        )


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_sigmoid_grad_tail(dtype):
    """sigmoid'(30) is 9.3576229688384e-14, not 0 or s*(1-s) noise."""
    got = cact.sigmoid_grad(dtype(30.0))
    assert isinstance(got, dtype)
    with mp.workdps(40):
        exact = mp.exp(-30) / (1 + mp.exp(-30)) ** 2
        assert abs(mp.mpf(float(got)) / exact - 1) < 4 * np.finfo(dtype).eps
    assert cact.sigmoid_grad(dtype(-30.0)) == got
    if dtype == np.float64:
        assert got == pytest.approx(9.357622968839e-14, rel=1e-12, abs=0)
        assert cact.sigmoid_grad(30.0) == got  # Python float


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("x", [10.0, 20.0, 40.0])
def test_tanh_grad_tail(dtype, x):
    got = cact.tanh_grad(dtype(x))
    with mp.workdps(40):
        exact = 1 / mp.cosh(x) ** 2
        assert got > 0
        assert abs(mp.mpf(float(got)) / exact - 1) < 8 * np.finfo(dtype).eps, (got, exact)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_elu_small_negative_keeps_relative_accuracy(dtype):
    x = -np.logspace(-30, -3, 50).astype(dtype)
    got = cact.elu(x)
    with mp.workdps(40):
        for xi, gi in zip(x, got):
            exact = mp.expm1(mp.mpf(float(xi)))
            assert abs(mp.mpf(float(gi)) / exact - 1) < np.finfo(dtype).eps, (xi, gi)


@pytest.mark.slow
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act, params", act_params())
def test_random_bit_patterns_ulp_error(act, params, dtype):
    """2M random bit patterns: every exponent, subnormals, infinities and NaN
    payloads; same tolerances as the dense sample."""
    rng = np.random.default_rng(77)
    ut = np.uint32 if dtype == np.float32 else np.uint64
    x = rng.integers(0, np.iinfo(ut).max, 2_000_000, dtype=ut, endpoint=True).view(dtype)
    if not LONGDOUBLE_IS_WIDE and np.dtype(dtype) == np.float64:
        x = x[:50_000]
    ps = rounded(params, dtype)
    for variant in act.variants:
        inputs = make_inputs(act, variant, x, params)
        if variant == "backward_x":  # keep g * f'(x) finite: |g| <= 2
            inputs = (inputs[0], x)
        result = call(act, variant, inputs, params)
        ref = evaluate(act.name, variant, dtype, *inputs, **ps)
        err = ulp_error(result, ref, dtype)
        tol = ULP_TOL[act.name, dtname(dtype)][variant]
        i = int(np.argmax(err))
        assert err[i] <= tol, (
            f"{act.name} {variant} {dtname(dtype)} {params}: {err[i]:.4g} ULP > {tol} at "
            f"inputs {[inp[i] for inp in inputs]!r}: got {result[i]!r}, reference {ref[i]!r}")
