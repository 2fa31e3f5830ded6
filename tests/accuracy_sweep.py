"""The accuracy sweep shared by tools/accuracy.py (which records the maxima in
tests/accuracy_maxima.json) and test_accuracy_levels.py (which checks a
sample at every instruction-set level against them: the accuracy ratchet).

For every row of the table and every variant: the forward function and the
derivative from x against the references of reference.py; the backward from x
with grad_output G = 1.5 (an exact scaling of f'); the backward from y with y =
cact's own forward result, against the reference evaluated from that y.  At
each level, results bitwise equal to the baseline's are not measured again.
"""

from __future__ import annotations

import os

import numpy as np

import reference

MAXIMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accuracy_maxima.json")

from cact._table import VARIANT_NAMES as VARIANTS  # noqa: E402
from cact._table import VARIANTS as VARIANT_SUFFIXES  # noqa: E402
G = 1.5  # grad_output of the backward checks: an exact scaling


def _call(cact, act, variant, x, dtype, y=None):
    """One variant on x; the backward from y takes y (computed once by the
    caller, so that every level and the reference see the same y)."""
    params = [dtype(p.default) for p in act.params]
    inputs = (x,) if variant in ("f", "grad") else (np.full_like(x, G), x if variant == "backward_x" else y)
    with np.errstate(all="ignore"):
        return cact.ufuncs[act.name + dict(VARIANT_SUFFIXES)[variant]](*inputs, *params)


def _reference(act, variant, x, dtype, y):
    params = {p.name: float(np.dtype(dtype).type(p.default)) for p in act.params}
    if variant in ("f", "grad"):
        return reference.evaluate(act.name, variant, dtype, x, **params)
    g = np.full_like(x, G)
    if variant == "backward_x":
        return reference.evaluate(act.name, variant, dtype, g, x, **params)
    return reference.evaluate(act.name, variant, dtype, g, y, **params)


def measure(x, dtype, levels, rows=None):
    """{(name, variant, level): max ulp} over the inputs x, for the rows named
    in ``rows`` (default: every row)."""
    import cact

    out = {}
    for act in cact.ACTIVATIONS:
        if rows is not None and act.name not in rows:
            continue
        for variant in act.variants:
            y = _call(cact, act, "f", x, dtype) if variant == "backward_y" else None
            ref = _reference(act, variant, x, dtype, y)
            base = None
            base_err = None
            for level in levels:
                prev = cact._core._set_isa(level)
                try:
                    res = _call(cact, act, variant, x, dtype, y)
                finally:
                    cact._core._set_isa(prev)
                if base is None:
                    base = res
                    base_err = reference.ulp_error(res, ref, dtype)
                    err = float(np.max(base_err)) if base_err.size else 0.0
                else:
                    diff = ~((res == base) | (np.isnan(res) & np.isnan(base)))
                    err = float(np.max(base_err)) if base_err.size else 0.0
                    if diff.any():
                        e2 = reference.ulp_error(res[diff], ref[diff], dtype)
                        err = max(float(np.max(base_err[~diff], initial=0.0)), float(e2.max()))
                out[(act.name, variant, level)] = err
    return out




def ratchet_sample(dtype) -> np.ndarray:
    """The inputs the normal test run checks: for float32 2^20 random bit
    patterns that are multiples of 16 (so the recorded sweep, whose stride
    divides 16, covers them), for float64 a dense sample of its own."""
    if np.dtype(dtype) == np.float32:
        rng = np.random.default_rng(2026)
        bits = (rng.integers(0, 1 << 28, 1 << 20, dtype=np.uint64) << 4).astype(np.uint32)
        x = bits.view(np.float32)
        return x[~np.isnan(x)]
    return reference.dense_sample(np.float64, n_core=100_000, seed=777)
