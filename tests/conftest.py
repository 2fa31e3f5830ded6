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


def pytest_addoption(parser):
    parser.addoption(
        "--runslow", action="store_true", default=False, help="run tests marked slow"
    )


def pytest_collection_modifyitems(config, items):
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
