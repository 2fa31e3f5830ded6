"""Golden special bit patterns through every instruction-set level and both
loop shapes (contiguous and strided), bit for bit.

float32 results are correctly rounded (0.5 ULP plus ~2^-20 ULP, see
test_accuracy.py), so for each special input the expected bits are the
float64 reference rounded to float32, computed here from reference.py, not
recorded from cact.  NaN inputs must give NaN (any payload), and every level
and loop shape must give the same bits."""

import numpy as np
import pytest

import cact
import reference
from helpers import LEVELS, isa_level

from helpers import VARIANTS  # noqa: E402
G = np.float32(1.5)

_BITS = [
    0x00000000, 0x80000000,              # +-0
    0x00000001, 0x80000001,              # +-smallest subnormal
    0x007FFFFF, 0x807FFFFF,              # +-largest subnormal
    0x00800000, 0x80800000,              # +-FLT_MIN
    0x7F7FFFFF, 0xFF7FFFFF,              # +-FLT_MAX
    0x7F800000, 0xFF800000,              # +-inf
    0x7FC00000, 0xFFC00000,              # quiet NaNs
    0x7FC12345, 0xFFC00001,              # NaN payloads
    0x7F800001, 0xFFA00000,              # signalling NaNs
]
# switch and saturation points: sigmoid's subnormal range [-103.97, -87.3],
# float32 exp underflow -88.72, saturation near +-17 and 16.6, tanh's +-9,
# tiny magnitudes where tanh(x) = x and elu(x) = alpha x
_VALUES = [-103.97, -103.28, -88.72, -87.34, -20.0, -17.05, -9.01, -1.0, -1e-7, -1e-30,
           1e-30, 1e-7, 1.0, 9.01, 16.6, 17.05, 20.0, 88.72]


def _inputs():
    x = np.array(_BITS, dtype=np.uint32).view(np.float32)
    vals = np.array(_VALUES, dtype=np.float32)
    nxt = np.nextafter(vals, np.float32(np.inf))
    prv = np.nextafter(vals, np.float32(-np.inf))
    return np.concatenate([x, vals, nxt, prv])


def _compute(act, variant, x):
    params = [np.float32(p.default) for p in act.params]
    u = cact.ufuncs
    with np.errstate(all="ignore"):
        if variant == "f":
            return lambda a: u[act.name](a, *params)
        if variant == "grad":
            return lambda a: u[act.name + "_grad"](a, *params)
        if variant == "backward_x":
            return lambda a: u[act.name + "_backward_x"](np.full_like(a, G), a, *params)
        return lambda a: u[act.name + "_backward_y"](np.full_like(a, G), a, *params)


def _expected(act, variant, x):
    params = {p.name: float(np.float32(p.default)) for p in act.params}
    with np.errstate(all="ignore"):
        if variant in ("f", "grad"):
            ref = reference.evaluate(act.name, variant, np.float32, x, **params)
        else:
            ref = reference.evaluate(act.name, variant, np.float32, np.full_like(x, G), x, **params)
        return np.asarray(ref, dtype=np.float64).astype(np.float32)


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_golden_float32(act, variant, level):
    x = _inputs()
    if variant == "backward_y":
        # y must be a possible output: feed the forward results
        x = cact.ufuncs[act.name](x, *[np.float32(p.default) for p in act.params])
    fn = _compute(act, variant, x)
    want = _expected(act, variant, x)
    with isa_level(level):
        contiguous = fn(x)
        wide = np.empty(2 * x.size, np.float32)
        wide[::2] = x
        strided = fn(wide[::2])
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(contiguous), nan)
    got_bits = contiguous[~nan].view(np.uint32)
    want_bits = want[~nan].view(np.uint32)
    bad = np.flatnonzero(got_bits != want_bits)
    assert bad.size == 0, (
        f"{act.name} {variant} at {level}: x = {x[~nan][bad][:5]!r} gives "
        f"{contiguous[~nan][bad][:5]!r}, want {want[~nan][bad][:5]!r}"
    )
    np.testing.assert_array_equal(np.isnan(strided), nan)
    assert np.array_equal(strided[~nan].view(np.uint32), got_bits)


# ------------------------------------------------------------- signed zeros
# Issue 15, item 7: where the formula's value is a zero its sign is IEEE's
# (alpha (exp(x) - 1) with alpha = 0 and x < 0 is 0 * (negative) = -0.0), and
# every level gives the same bits.  Inputs where some variant's value is a
# zero or an exact number, for alpha of both signs of zero, a tiny alpha whose
# product with a tiny expm1(x) underflows, and +-1; every level and both loop
# shapes (contiguous, with the vector body and the tail, and strided).  The
# expected bits are the reference formula (reference.py) in the higher
# precision, rounded to the dtype: rounding keeps the sign of a zero and of a
# result that underflows.
_SZ_ALPHAS = {"elu": (0.0, -0.0, 1e-30, 1.0, -1.0), "leaky_relu": (0.0, -0.0)}


def _sz_inputs(dtype):
    tiny = np.finfo(dtype).smallest_subnormal
    return np.array([-50.0, -np.inf, -1.0, -tiny, -0.0, 0.0, tiny, np.inf], dtype=dtype)


def _sz_cases():
    for name, alphas in _SZ_ALPHAS.items():
        for alpha in alphas:
            for variant in VARIANTS:
                if variant == "backward_y" and np.signbit(alpha) and alpha != 0.0:
                    continue  # the form from y needs alpha >= 0 (+-0 included)
                for g in ((None,) if variant in ("f", "grad") else (1.5, -1.5)):
                    yield pytest.param(name, variant, alpha, g, id=f"{name}-{variant}-alpha={alpha}-g={g}")


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name, variant, alpha, g", list(_sz_cases()))
def test_golden_signed_zeros(name, variant, alpha, g, dtype, level):
    x = _sz_inputs(dtype)
    a = dtype(alpha)
    with np.errstate(all="ignore"):
        if variant == "backward_y":  # y = f(x), the formula rounded to the dtype
            x = np.asarray(reference.evaluate(name, "f", dtype, x, alpha=float(a))).astype(dtype)
        args = (x,) if g is None else (np.full_like(x, g), x)
        want = np.asarray(reference.evaluate(name, variant, dtype, *args, alpha=float(a))).astype(dtype)
    uf = cact.ufuncs[name + {"f": "", "grad": "_grad"}.get(variant, "_" + variant)]
    # 3 * 16 + 5 copies: the contiguous loop's vector body and its tail
    reps = 53
    big_args = tuple(np.tile(v, reps) for v in args)
    with isa_level(level), np.errstate(all="ignore"):
        got = uf(*big_args, a)
        strided = uf(*(np.repeat(v, 2)[::2] for v in big_args), a)
    want = np.tile(want, reps)
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(np.isnan(strided), nan)
    itype = np.uint32 if dtype == np.float32 else np.uint64
    bad = np.flatnonzero(got[~nan].view(itype) != want[~nan].view(itype))
    assert bad.size == 0, (
        f"{name} {variant} alpha={alpha!r} g={g} {np.dtype(dtype).name} at {level}: "
        f"x = {np.tile(x, reps)[~nan][bad][:4]!r} gives {got[~nan][bad][:4]!r}, "
        f"want {want[~nan][bad][:4]!r}"
    )
    assert np.array_equal(strided[~nan].view(itype), got[~nan].view(itype))
