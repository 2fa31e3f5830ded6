"""The accuracy ratchet: at every instruction-set level this CPU supports, the
max error over a dense sample (2^20 float32 bit patterns, ~160k float64 points)
stays within the maxima that tools/accuracy.py recorded in
tests/accuracy_maxima.json (float32 from a sweep over bit patterns that
covers this sample, float64 from a dense sample that contains it).  A change
that makes any function less accurate fails here; re-run the tool to record a
deliberate change."""

import json

import numpy as np
import pytest

import cact
from accuracy_sweep import MAXIMA_PATH, VARIANTS, measure, ratchet_sample
from helpers import LEVELS


@pytest.fixture(scope="module")
def maxima():
    with open(MAXIMA_PATH) as f:
        return json.load(f)


@pytest.fixture(scope="module", params=["float32", "float64"])
def measured(request):
    dtype = np.dtype(request.param)
    return request.param, measure(ratchet_sample(dtype), dtype.type, LEVELS)


@pytest.mark.parametrize("level", LEVELS)
def test_accuracy_within_recorded_maxima(maxima, measured, level):
    dtname, got = measured
    recorded = maxima[dtname].get(level)
    if recorded is None:
        pytest.skip(f"no recorded maxima for level {level}; run tools/accuracy.py --json")
    worse = []
    for act in cact.ACTIVATIONS:
        # A row not yet recorded at this level (one added on a machine without
        # it: the avx512 cells need an AVX-512 CPU) is held to the bound the
        # row promises instead; `tools/accuracy.py --rows NAME --levels LEVEL
        # --json tests/accuracy_maxima.json` records it on a machine that has it.
        rows = recorded.get(act.name, act.ulp[dtname])
        what = "recorded" if act.name in recorded else "promised (not recorded at this level)"
        for variant in act.variants:
            limit = rows[variant]
            err = got[(act.name, variant, level)]
            if err > limit + 1e-9:
                worse.append(f"{act.name} {variant}: {err:.4f} ULP > {what} {limit:.4f}")
    assert not worse, f"{dtname} at {level}: " + "; ".join(worse)


def test_every_row_recorded_at_the_baseline_and_avx2_levels(maxima):
    # the levels every x86-64 machine of the last ten years runs: a new row
    # records them (tools/accuracy.py --rows NAME --json ...) in its commit
    for dtname in ("float32", "float64"):
        for level in ("baseline", "avx2"):
            missing = [a.name for a in cact.ACTIVATIONS if a.name not in maxima[dtname].get(level, {})]
            assert not missing, f"{dtname} {level}: no recorded maxima for {missing}"
