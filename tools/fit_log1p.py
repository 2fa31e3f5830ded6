"""Fit the polynomials of the log1p core (src/cact_log1p.h) with mpmath.

    python tools/fit_log1p.py            # prints the coefficients and their errors

The core writes log1p(t) = k ln2 + 2 atanh(s), s = u / (2 + u), with
1 + t = 2^k (1 + u) and k = 0 or 1 chosen so that 1 + u lies in
[sqrt(2)/2, sqrt(2)]: |s| <= (sqrt 2 - 1) / (sqrt 2 + 1) = 0.171573, and
z = s^2 <= 0.0294373 (widened to 0.02944 below for the roundings of s).
2 atanh(s) = 2 s + s z R(z) with

    R(z) = sum_{k >= 0} 2 z^k / (2k + 3)  (2/3 + 2z/5 + 2z^2/7 + ...),

evaluated here from the series at 80 digits.  R is fitted on [0, ZMAX] by
Chebyshev interpolation (mpmath.chebyfit, near-minimax), the coefficients
rounded to double, and the error printed as it matters to the core: the
largest |s z (p(z) - R(z))| / (2 atanh s) over a dense grid, i.e. the
relative error the polynomial adds to log1p (the k = 1 branch adds ln 2 to
the result, which only makes it smaller).

float32 (evaluated in double, cact_log1p32): degree 3, about 2^-33;
float64 (cact_log1p_dw): degree 7, about 2^-62, far below the 2^-53 of
the double-word's other steps.
"""

from __future__ import annotations

import mpmath

mp = mpmath.mp
ZMAX = mpmath.mpf("0.02944")


def R(z):
    z = mp.mpf(z)
    total, k, term = mp.mpf(0), 0, mp.mpf(1)
    while True:
        add = 2 * term / (2 * k + 3)
        total += add
        if abs(add) < mp.mpf(2) ** -(mp.prec + 8):
            return total
        term *= z
        k += 1


def fit(degree: int):
    with mp.workdps(80):
        poly, _ = mp.chebyfit(R, [0, ZMAX], degree + 1, error=True)
        coeffs = [float(c) for c in poly]  # highest degree first, rounded to double
        worst = mp.mpf(0)
        n = 4000
        for i in range(1, n + 1):
            z = ZMAX * i / n
            s = mp.sqrt(z)
            p = mp.mpf(0)
            for c in coeffs:
                p = p * z + mp.mpf(c)
            err = abs(s * z * (p - R(z))) / (2 * mp.atanh(s))
            worst = max(worst, err)
        return coeffs, float(mp.log(worst, 2))


def print_coefficients(title: str, coeffs, suffix: str = "") -> None:
    """The title, then one C literal per line (highest degree first) with its
    hex form in a comment: the lines of the header's polynomial (suffix "f"
    for float constants).  tools/fit_expf.py prints its fit with it too."""
    print(title)
    for c in coeffs:
        c = float(c)
        print(f"    {c!r:>24}{suffix}  /* {c.hex()} */")


def main() -> None:
    for name, degree in (("float32 (cact_log1p32_r)", 3), ("float64 (cact_log1p_r)", 7)):
        coeffs, err = fit(degree)
        print_coefficients(f"{name}: degree {degree}, relative error of log1p 2^{err:.1f}", coeffs)


if __name__ == "__main__":
    main()
