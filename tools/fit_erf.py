"""Fit the polynomials of src/cact_erf.h (the erfc core of GELU) with mpmath.

    /work/venv/bin/python tools/fit_erf.py            # print the C constants
    /work/venv/bin/python tools/fit_erf.py --check    # and the measured errors

What is fitted (the header explains how each is used):

* R(a) = Phi(-a) exp(a^2 / 2) = erfcx(a / sqrt 2) / 2 for a >= 0 (the scaled
  complementary error function), written as R(a) = t Q(t) with
  t = 4 / (4 + a) in (0, 1].  Q is smooth on the whole of [0, 1] (it tends to
  (1/4 + 1/a) / sqrt(2 pi) as a grows), so ONE polynomial in v = t - m covers
  every a up to the clamp, without intervals to select between:
    - float64: t in [1/16, 1] (a <= 60), m = 17/32, degree 28;
    - float32: t in [1/6, 1] (a <= 20), m = 7/12 (rounded), degree 13.
* H(u) = gelu'(r + u) / u near the zero r = -0.75179... of gelu', for
  x = r + u in [-0.80, -0.70]: gelu'(x) = (x - r) H(x - r) there, which keeps
  the derivative's relative accuracy where Phi(x) + x phi(x) cancels.
    - float64 degree 9, float32 degree 5.

Method: Chebyshev interpolation at the Chebyshev nodes of each interval
(mpmath.chebyfit at 60 digits), coefficients in the monomial basis of the
variable the C code uses, then rounded: the first few to double-word pairs
(hi = the nearest double, lo = the nearest double to the rest), where the
header evaluates Horner's rule in double-word arithmetic, the others to double.
--check evaluates the rounded polynomials exactly (mpmath) at 2000 points of
each interval and prints the largest relative error against the function.
"""

from __future__ import annotations

import argparse

import mpmath as mp

mp.mp.dps = 60

K = mp.mpf(4)


def R(a):
    """Phi(-a) exp(a^2/2); mpmath's erfc at 60 digits is exact enough for any
    a we use (a <= 60: erfc(42) = 1e-768, well inside mpmath's exponents)."""
    a = mp.mpf(a)
    return mp.erfc(a / mp.sqrt(2)) / 2 * mp.exp(a * a / 2)


def Q_of_t(t):
    a = K / t - K
    return R(a) / t


def gelu_grad(x):
    x = mp.mpf(x)
    return mp.ncdf(x) + x * mp.npdf(x)


ROOT = mp.findroot(gelu_grad, mp.mpf("-0.7518"))


def H_of_u(u):
    u = mp.mpf(u)
    if u == 0:
        # the derivative of gelu' at its root: phi(r) (2 - r^2)
        return mp.npdf(ROOT) * (2 - ROOT * ROOT)
    return gelu_grad(ROOT + u) / u


def fit(fn, lo, hi, deg):
    """Monomial coefficients (constant first) of the Chebyshev interpolant of
    fn on [lo, hi], in the variable itself (not rescaled)."""
    poly, _ = mp.chebyfit(fn, [mp.mpf(lo), mp.mpf(hi)], deg + 1, error=True)
    return list(reversed(poly))


def dw(c):
    hi = float(c)
    lo = float(c - mp.mpf(hi))
    return hi, lo


def rounded(coeffs, n_dw):
    """The coefficients as C will hold them: the first n_dw as (hi, lo)
    pairs, the rest as doubles (lo = 0)."""
    out = []
    for k, c in enumerate(coeffs):
        out.append(dw(c) if k < n_dw else (float(c), 0.0))
    return out


def max_rel_err(fn, coeffs, lo, hi, n=2000):
    lo, hi = mp.mpf(lo), mp.mpf(hi)
    worst = mp.mpf(0)
    for i in range(n + 1):
        v = lo + (hi - lo) * (1 - mp.cos(mp.pi * i / n)) / 2
        p = mp.mpf(0)
        for h, l in reversed(coeffs):
            p = p * v + mp.mpf(h) + mp.mpf(l)
        worst = max(worst, abs(p / fn(v) - 1))
    return float(mp.log(worst, 2))


def hexf(v: float) -> str:
    return float.hex(v)


def emit(name, coeffs, n_dw):
    print(f"/* {name}: constant term first */")
    for k, (h, l) in enumerate(coeffs):
        if k < n_dw:
            print(f"#define {name}{k}H {h!r} /* {hexf(h)} */")
            print(f"#define {name}{k}L {l!r} /* {hexf(l)} */")
        else:
            print(f"#define {name}{k} {h!r} /* {hexf(h)} */")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print the measured relative errors")
    args = ap.parse_args()

    fits = []
    # Q for float64: t in [1/16, 1], v = t - 17/32
    m64 = mp.mpf(17) / 32
    q64 = fit(lambda v: Q_of_t(v + m64), mp.mpf(1) / 16 - m64, 1 - m64, 28)
    fits.append(("CACT_ERF_Q64_", q64, 5, lambda v: Q_of_t(v + m64), mp.mpf(1) / 16 - m64, 1 - m64))
    # Q for float32: t in [1/6, 1], v = t - M32 with M32 = 7/12 rounded to double
    m32 = mp.mpf(float(mp.mpf(7) / 12))
    q32 = fit(lambda v: Q_of_t(v + m32), mp.mpf(1) / 6 - m32, 1 - m32, 13)
    fits.append(("CACT_ERF_Q32_", q32, 0, lambda v: Q_of_t(v + m32), mp.mpf(1) / 6 - m32, 1 - m32))
    # H around the root of gelu': x in [-0.80, -0.70], u = x - r
    ulo, uhi = mp.mpf("-0.80") - ROOT, mp.mpf("-0.70") - ROOT
    h64 = fit(H_of_u, ulo, uhi, 9)
    fits.append(("CACT_GELU_H64_", h64, 2, H_of_u, ulo, uhi))
    h32 = fit(H_of_u, ulo, uhi, 5)
    fits.append(("CACT_GELU_H32_", h32, 0, H_of_u, ulo, uhi))

    rh, rl = dw(ROOT)
    c = 1 / mp.sqrt(2 * mp.pi)
    ch, cl = dw(c)
    print(f"/* the zero of gelu' (mpmath findroot, 60 digits): {mp.nstr(ROOT, 25)} */")
    print(f"#define CACT_GELU_RH {rh!r} /* {hexf(rh)} */")
    print(f"#define CACT_GELU_RL {rl!r} /* {hexf(rl)} */")
    print(f"/* 1/sqrt(2 pi) = {mp.nstr(c, 25)} */")
    print(f"#define CACT_ERF_C_H {ch!r} /* {hexf(ch)} */")
    print(f"#define CACT_ERF_C_L {cl!r} /* {hexf(cl)} */")
    print(f"#define CACT_ERF_M32 {float(m32)!r} /* 7/12 rounded: {hexf(float(m32))} */")
    for name, coeffs, n_dw, fn, lo, hi in fits:
        rc = rounded(coeffs, n_dw)
        emit(name, rc, n_dw)
        if args.check:
            print(f"/*   {name}: degree {len(rc) - 1}, max relative error 2^{max_rel_err(fn, rc, lo, hi):.1f}"
                  f" on [{float(lo):.6g}, {float(hi):.6g}] */")


if __name__ == "__main__":
    main()
