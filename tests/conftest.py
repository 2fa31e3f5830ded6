"""Shared fixtures and options for cact's tests.

* ``--runslow`` enables tests marked ``slow`` (skipped by default).
* ``threads``: a function that sets cact's thread count for the test (a
  serial build accepts it and stays at 1); the count in effect before the
  test is restored afterwards.
* ``restore_threads`` (autouse): every test leaves the thread count as it
  found it, whatever it does.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

# reference.py lives next to this file; make it importable whatever the
# pytest import mode.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cact  # noqa: E402
from helpers import LEVELS, isa_level  # noqa: E402


def pytest_addoption(parser):
    parser.addoption(
        "--runslow", action="store_true", default=False, help="run tests marked slow"
    )


def _rows_subset() -> set[str] | None:
    """CACT_TEST_ROWS=sigmoid,elu,...: run the tests parametrised over
    activation rows for these rows only (tools/check_wheels.sh, whose six
    installed-wheel runs check the packaging on every interpreter and build
    mode: the full suite runs in CI's first step and under the sanitizers).
    Tests not parametrised by a row always run."""
    rows = os.environ.get("CACT_TEST_ROWS", "").strip()
    return {r.strip() for r in rows.split(",") if r.strip()} or None


def _names_a_row(value) -> str | None:
    if isinstance(value, cact._table.Activation):
        return value.name
    if isinstance(value, str) and value in cact._table.BY_NAME:
        return value
    return None


def pytest_report_header(config):
    rows = _rows_subset()
    if rows:
        return f"cact: tests over activation rows limited to {', '.join(sorted(rows))} (CACT_TEST_ROWS)"
    return None


def pytest_collection_modifyitems(config, items):
    rows = _rows_subset()
    if rows:
        unknown = rows - set(cact._table.BY_NAME)
        if unknown:
            raise pytest.UsageError(f"CACT_TEST_ROWS names no row: {', '.join(sorted(unknown))}")
        keep, drop = [], []
        for item in items:
            params = getattr(getattr(item, "callspec", None), "params", {})
            named = {_names_a_row(v) for v in params.values()} - {None}
            (drop if named - rows else keep).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def restore_threads():
    # the setting, not the count: a suite that started by following the
    # OpenMP runtime's default (OMP_NUM_THREADS, threadpoolctl) keeps doing so
    pinned = cact._core._requested_threads()
    yield
    cact.set_num_threads(pinned or None)


@pytest.fixture(params=LEVELS)
def level(request):
    """Run the test at each instruction-set level this CPU supports (the
    kernels of that level; the previous level restored after).  For the tests
    of exact values at special and switch points: the dense accuracy tests run
    at the best level only (test_accuracy_levels.py checks every level on its
    own sample), and the baseline level's emulated fma once gave another sign
    of zero and 1.02 ULP at such points that only a baseline-only build saw."""
    with isa_level(request.param):
        yield request.param


@pytest.fixture
def threads():
    """``threads(n)`` sets the thread count; restored after the test."""

    from helpers import OPENMP

    def set_(n: int) -> None:
        cact.set_num_threads(n)
        # a serial build accepts the value and keeps reporting 1
        assert cact.get_num_threads() == (n if OPENMP else 1)

    return set_


@pytest.fixture(autouse=True)
def _variant_of_the_row(request):
    """A test parametrised over rows and variants separately skips the
    variants a row does not have (a row without a y-form has no backward_y)."""
    params = getattr(request.node, "callspec", None)
    params = params.params if params is not None else {}
    act, variant = params.get("act"), params.get("variant")
    if act is not None and isinstance(variant, str) and hasattr(act, "variants") \
            and variant not in act.variants:
        pytest.skip(f"{act.name} has no {variant} variant")


@pytest.fixture
def split():
    """Loops of helpers.SPLIT items or more are split over the threads during
    the test (cact's own rule, by measured cost, is tested in
    test_split_rule.py)."""
    from helpers import SPLIT, min_parallel

    with min_parallel(SPLIT):
        yield SPLIT


@pytest.fixture
def rng():
    return np.random.default_rng(20240601)
