"""Run-time dispatch: every instruction-set level the CPU supports gives the
baseline's results, and the level can be chosen with CACT_ISA."""

import os
import subprocess
import sys

import numpy as np
import pytest

import cact
from cact import _core
from helpers import isa_level

LEVELS = _core.isa_levels()
VARIANTS = tuple(suffix for _, suffix in cact._table.VARIANTS)  # ufunc name suffixes


@pytest.fixture(params=[name for name, _ in LEVELS])
def isa(request):
    name = request.param
    if not dict(LEVELS)[name]:
        pytest.skip(f"this CPU does not support the {name} level")
    with isa_level(name):
        yield name


def _sample(dtype):
    rng = np.random.default_rng(7)
    fi = np.finfo(dtype)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, fi.tiny, -fi.tiny, fi.smallest_subnormal,
               fi.max, -fi.max, 1e-30, -1e-30, 87.3, -87.3, -103.9, 709.7, -745.1, 20.0, -20.0]
    x = np.concatenate([
        np.array(special),
        np.linspace(-120, 120, 20001),
        rng.standard_normal(20000) * 4,
        rng.standard_normal(2000) * 1e-5,
    ]).astype(dtype)
    return x


def _call(act, suffix, x, g):
    # x is the input of the ufunc: for the backward from y, y itself, computed
    # once by the caller so that every level gets the same y.
    uf = cact.ufuncs[act.name + suffix]
    params = [p.default for p in act.params]
    with np.errstate(all="ignore"):
        if suffix.startswith("_backward"):
            return uf(g, x, *params)
        return uf(x, *params)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("suffix", VARIANTS)
@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_level_matches_baseline(isa, act, suffix, dtype):
    if act.name + suffix not in cact.ufuncs:
        pytest.skip(f"{act.name} has no y-form")
    x = _sample(dtype)
    if suffix == "_backward_y":
        with np.errstate(all="ignore"):
            x = getattr(cact, act.name)(x)
    g = np.linspace(-2, 2, x.size).astype(dtype)
    got = _call(act, suffix, x, g)
    with isa_level("baseline"):
        want = _call(act, suffix, x, g)
    # Same special-value classes everywhere ...
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    zeros = want == 0
    np.testing.assert_array_equal(np.signbit(got[zeros]), np.signbit(want[zeros]))
    # ... and at most 1 ULP apart elsewhere: the FMA levels use the
    # instruction where baseline emulates it (and contraction may change the
    # last bit), but each result is within 1 ULP of the truth on the same
    # side of every rounding boundary but one.
    fin = np.isfinite(want)
    diff = np.abs(got[fin].astype(np.float64) - want[fin].astype(np.float64))
    with np.errstate(over="ignore"):  # spacing(max) is inf
        ulp = np.spacing(np.abs(want[fin])).astype(np.float64)
    assert np.all(diff <= ulp), (isa, act.name + suffix, np.max(diff / ulp))


@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_level_contiguous_equals_strided(isa, act):
    # Each level's contiguous and strided loops agree bit for bit.
    x = _sample(np.float32)
    fn = getattr(cact, act.name)
    np.testing.assert_array_equal(fn(x)[::3], fn(x[::3]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("prefetch", [False, True])
def test_prefetch_forms_same_bits(isa, prefetch, dtype):
    # The loops prefetch in short blocks where the CPU gains from it (on for
    # Intel by default), else the exp family's in long blocks and the
    # backward from y not at all: a hint only, so in either form, at every
    # level, the contiguous loops (every forward, fused bias form and
    # backward) give the strided loops' bits, from an output that starts off
    # a cache line, out of place and in place.
    rng = np.random.default_rng(11)
    was = _core._prefetch_short(prefetch)
    try:
        for act in cact.ACTIVATIONS:
            params = [p.default for p in act.params]
            # below and above CACT_SHORT_MIN (16384: shorter chunks keep the
            # long blocks), ending inside a short block, on one, inside a
            # long one
            for n in (1000, 1024 + 129, 16384, 16384 + 128 + 7, 16384 + 1024 + 64):
                x = rng.standard_normal(n + 1).astype(dtype) * 4
                g = rng.standard_normal(n + 1).astype(dtype)
                with np.errstate(all="ignore"):
                    y = getattr(cact, act.name)(x)
                for suffix, data in (("", (x,)), ("_backward_x", (g, x)), ("_backward_y", (g, y)),
                                     ("_bias", (x, g))):
                    uf = cact.ufuncs.get(act.name + suffix)
                    if uf is None:
                        continue
                    # 4 or 8 bytes off the buffers' start: off a cache line
                    cont = [d[1:n + 1] for d in data]
                    with np.errstate(all="ignore"):
                        got = uf(*cont, *params)
                        strided = uf(*[np.repeat(d, 2)[::2] for d in cont], *params)
                        inplace = cont[0].copy()
                        uf(inplace, *cont[1:], *params, out=inplace)
                    name = act.name + suffix
                    np.testing.assert_array_equal(got, strided, err_msg=name)
                    np.testing.assert_array_equal(inplace, strided, err_msg=name)
    finally:
        _core._prefetch_short(was)
    assert _core._prefetch_short() == was


@pytest.mark.parametrize("prefetch", [False, True])
def test_log_softmax_backward_prefetch_same_bits(isa, prefetch):
    # float64 log_softmax_backward prefetches each row's y where the CPU
    # takes the short-block form (src/cact_softmax.h): the same bits as a
    # strided y, which never prefetches, for rows shorter and longer than
    # the prefetched span (CACT_LSM_PREFETCH, 2048 doubles).
    rng = np.random.default_rng(12)
    was = _core._prefetch_short(prefetch)
    try:
        for cols in (1000, 2048, 5000):
            y = cact.log_softmax(rng.standard_normal((6, cols)))
            g = rng.standard_normal((6, cols))
            got = cact.log_softmax_backward(g, y)
            ys = np.repeat(y, 2, axis=1)[:, ::2]
            np.testing.assert_array_equal(got, cact.log_softmax_backward(g, ys))
    finally:
        _core._prefetch_short(was)


def test_levels_listed_and_best_chosen():
    names = [n for n, _ in LEVELS]
    assert names[0] == "baseline" and dict(LEVELS)["baseline"]
    best = [n for n, ok in LEVELS if ok][-1]
    env = {k: v for k, v in os.environ.items() if k != "CACT_ISA"}
    out = subprocess.run(
        [sys.executable, "-c", "import cact._core as c; print(c.isa())"],
        env=env, capture_output=True, text=True, check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__))),
    )
    assert out.stdout.strip() == best


def _import_with(level):
    return subprocess.run(
        [sys.executable, "-c", "import cact; print(cact.show_config('dicts')['instruction set'])"],
        env=dict(os.environ, CACT_ISA=level), capture_output=True, text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__))),
    )


def test_cact_isa_environment_variable():
    out = _import_with("baseline")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "baseline"


def test_cact_isa_unknown_level_fails_import_clearly():
    out = _import_with("sse9")
    assert out.returncode != 0
    assert "CACT_ISA='sse9'" in out.stderr and "baseline" in out.stderr


def test_set_isa_errors():
    with pytest.raises(ValueError, match="unknown instruction-set level"):
        _core._set_isa("nope")
    unsupported = [n for n, ok in LEVELS if not ok]
    if not unsupported:
        pytest.skip("this CPU supports every compiled level")
    with pytest.raises(RuntimeError, match="does not support"):
        _core._set_isa(unsupported[0])
