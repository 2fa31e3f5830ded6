"""The references themselves: complete for the table, and self-consistent
(the NumPy high-precision forms agree with mpmath; the ULP helpers are right)."""

import numpy as np
import pytest

import cact
from helpers import acts, param_sets
from reference import (
    LONGDOUBLE_IS_WIDE,
    REFERENCES,
    evaluate,
    mp,
    mp_eval,
    ulp_error,
    ulp_of,
)


def test_every_row_has_a_reference():
    names = [a.name for a in cact.ACTIVATIONS]
    missing = [n for n in names if n not in REFERENCES]
    assert not missing, f"rows of cact.ACTIVATIONS without a reference in tests/reference.py: {missing}"
    extra = sorted(set(REFERENCES) - set(names))
    assert not extra, f"references for rows that are not in the table: {extra}"


@pytest.mark.parametrize("act", acts())
def test_reference_params_match_table(act):
    assert REFERENCES[act.name].params == tuple(p.name for p in act.params)


@pytest.mark.parametrize("act", acts())
def test_inexact_rows_have_a_c_reference(act):
    """tools/exhaustive_f32.py sweeps every float32 input of the rows with a
    C reference: a row whose float32 promise is more than one rounding
    (ulp > 0.5 for f, grad or backward_x) must be among them."""
    ref = REFERENCES[act.name]
    assert (ref.c_f is None) == (ref.c_grad is None), act.name
    if max(act.ulp["float32"][v] for v in ("f", "grad", "backward_x")) > 0.5:
        assert ref.c_f is not None, f"{act.name}: give c_f and c_grad in tests/reference.py"


@pytest.mark.parametrize("act", acts())
@pytest.mark.parametrize("variant", ["f", "grad", "backward_y"])
def test_numpy_reference_agrees_with_mpmath(act, variant):
    """The float64 (for float32 results) and long double (for float64) forms
    against mpmath at 40 digits, relative to the ULP of the result dtype."""
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(-40, 40, 300), -np.logspace(-300, 2.8, 60),
                        np.logspace(-300, 2.8, 60), [0.0]])
    for ps in param_sets(act):
        ref = REFERENCES[act.name]
        if variant == "backward_y":
            # evaluate the y-form on values y = f(x)
            x = np.asarray(ref.f(x, **ps), dtype=np.float64)
            mpfn, npfn = ref.mp_grad_y, ref.grad_y
        else:
            mpfn = ref.mp_f if variant == "f" else ref.mp_grad
            npfn = ref.f if variant == "f" else ref.grad
        exact = mp_eval(mpfn, x, **ps)
        hi_dts = [(np.float64, np.float32)]
        if LONGDOUBLE_IS_WIDE:
            hi_dts.append((np.longdouble, np.float64))
        for hi, dt in hi_dts:
            approx = np.asarray(npfn(x.astype(hi), **ps))
            err = ulp_error(approx, exact, dt)
            # the reference must be far more exact than the dtype it checks
            assert err.max() < 0.01, (
                f"{act.name} {variant} {ps}: {np.dtype(hi).name} reference is "
                f"{err.max():.3g} ULP of {np.dtype(dt).name} from mpmath at x={x[np.argmax(err)]!r}"
            )


def test_mpmath_spot_values():
    with mp.workdps(40):
        s30 = REFERENCES["sigmoid"].mp_grad(mp.mpf(30))
        # e**-30 / (1 + e**-30)**2 = 9.3576229688384...e-14 (the docs' 9.357622968839e-14
        # is this to 12 digits, rounded in the last one)
        assert mp.almosteq(s30, mp.mpf("9.357622968839e-14"), 1e-12)
        assert mp.nstr(s30, 15) == "9.35762296883842e-14"
        assert mp.almosteq(REFERENCES["tanh"].mp_grad(mp.mpf(20)), 4 * mp.exp(-40), 1e-15)


def test_ulp_helpers():
    f32, f64 = np.float32, np.float64
    assert ulp_of(np.array(1.0), f32) == 2.0**-23
    assert ulp_of(np.array(1.5), f64) == 2.0**-52
    assert ulp_of(np.array(0.99), f64) == 2.0**-53
    assert ulp_of(np.array(0.0), f32) == np.finfo(f32).smallest_subnormal
    assert ulp_of(np.array(1e-40), f32) == np.finfo(f32).smallest_subnormal
    assert ulp_of(np.array(1e-310), f64) == np.finfo(f64).smallest_subnormal
    one = np.array(1.0)
    assert ulp_error(np.float32(1.0), one, f32) == 0
    assert ulp_error(np.nextafter(f32(1), f32(2)), one, f32) == 1
    assert ulp_error(np.float32(np.nan), np.array(np.nan), f32) == 0
    assert ulp_error(np.float32(np.nan), one, f32) == np.inf
    assert ulp_error(np.float32(np.inf), np.array(np.inf), f32) == 0
    assert ulp_error(np.float32(-np.inf), np.array(np.inf), f32) == np.inf
    tiny = np.finfo(f32).smallest_subnormal
    assert ulp_error(np.float32(3 * tiny), np.array(2.5 * float(tiny)), f32) == 0.5
    if LONGDOUBLE_IS_WIDE:
        ref = np.array(1.0, dtype=np.longdouble) + np.longdouble(2.0**-54)
        assert ulp_error(np.float64(1.0), ref, f64) == 0.25
    exact = mp_eval(lambda v: v, np.array([1.0]))
    assert ulp_error(np.array([1.0 + 2**-52]), exact, f64)[0] == 1.0


def test_evaluate_variants_consistent():
    x = np.linspace(-5, 5, 11)
    g = np.full_like(x, 2.0)
    for act in cact.ACTIVATIONS:
        ps = param_sets(act)[0]
        f = evaluate(act.name, "f", np.float32, x, **ps)
        grad = evaluate(act.name, "grad", np.float32, x, **ps)
        np.testing.assert_allclose(evaluate(act.name, "backward_x", np.float32, g, x, **ps), 2 * grad)
        if "backward_y" in act.variants:
            np.testing.assert_allclose(evaluate(act.name, "backward_y", np.float32, g, f, **ps), 2 * grad,
                                       rtol=1e-12, atol=1e-15)
