"""Fit the float-arithmetic exp polynomial of src/cact_softmax.h with mpmath.

    python tools/fit_expf.py            # prints the coefficients and their errors

float32 log_softmax_backward computes exp(y) in float arithmetic at the FMA
levels (src/cact_softmax.h, cact_lsm_bwd_f32): y = n ln2 + r with
|r| <= ln2/2 plus the rounding of n (below 0.34658 for |y| <= 300), and
exp(r) = 1 + r q(r) with

    q(r) = (exp(r) - 1) / r = sum_{k >= 0} r^k / (k + 1)!

fitted here on [-RMAX, RMAX] by Chebyshev interpolation (mpmath.chebyfit,
near-minimax), the coefficients rounded to float, and the error printed as
it matters to the exp: the largest |r (p(r) - q(r))| / exp(r) over a dense
grid, the relative error the polynomial adds to exp(r) (the roundings of
evaluating it in float come on top: the header gives the measured total).
Degree 5: 2^-26.5, against the unit roundoff 2^-24 of float32 (degree
4 gives only 2^-23).
"""

from __future__ import annotations

import mpmath
import numpy as np
from fit_log1p import print_coefficients  # tools/, beside this file

mp = mpmath.mp
RMAX = mpmath.mpf("0.3466")


def q(r):
    r = mp.mpf(r)
    return mp.expm1(r) / r if r != 0 else mp.mpf(1)


def fit(degree: int):
    with mp.workdps(60):
        poly, _ = mp.chebyfit(q, [-RMAX, RMAX], degree + 1, error=True)
        # highest degree first, rounded to float (the constant term is 1)
        coeffs = [float(np.float32(float(c))) for c in poly]
        coeffs[-1] = 1.0
        worst = mp.mpf(0)
        n = 4000
        for i in range(-n, n + 1):
            r = RMAX * i / n
            p = mp.mpf(0)
            for c in coeffs:
                p = p * r + mp.mpf(c)
            worst = max(worst, abs(r * (p - q(r))) / mp.exp(r))
        return coeffs, float(mp.log(worst, 2))


def main() -> None:
    for degree in (4, 5):
        coeffs, err = fit(degree)
        print_coefficients(f"degree {degree}: relative error of exp 2^{err:.1f}", coeffs, "f")


if __name__ == "__main__":
    main()
