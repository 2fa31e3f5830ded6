"""cact's thread rule (src/cact_parallel.c): a long call times its first items
(the probe) and is split over one thread per ``thread_ns`` of estimated work.

The rule decides by the kernel's cost measured on this machine, so these tests
check the rule itself (the decision follows the measured cost, the probed
prefix plus the split rest is bitwise the serial result, the costs are reset
with the instruction-set level), never a machine's speed."""

import numpy as np
import pytest

import cact
from cact import _core
from helpers import OPENMP, VARIANTS, acts, assert_bitwise, call, dtname, isa_level, make_inputs, param_sets

pytestmark = pytest.mark.skipif(not OPENMP, reason="a serial build never splits")

RULE = _core._split_rule()


def _expected_threads(cost, n, work, nthreads):
    """The rule's choice for a call of n items (the probe, when there was one,
    ran the first probe_work of them already: counting them is conservative)."""
    if n * work < RULE["serial_work"]:
        return 1
    return max(1, min(nthreads, int(cost * n * work / RULE["thread_ns"])))


def test_rule_constants():
    assert RULE["serial_work"] >= 128
    assert RULE["probe_work"] >= RULE["serial_work"]
    assert RULE["thread_ns"] > 0


def test_costs_are_measured_per_kernel_and_reset(threads):
    threads(2)
    _core._kernel_costs(reset=True)
    assert _core._kernel_costs() == {}
    x = np.linspace(-8, 8, 5000, dtype=np.float32)
    cact.sigmoid(x)
    cact.relu(x.astype(np.float64))
    costs = _core._kernel_costs()
    assert set(costs) == {"sigmoid_f32", "relu_f64"}
    assert all(c > 0 for c in costs.values())
    # below serial_work nothing is timed
    _core._kernel_costs(reset=True)
    cact.tanh(x[: RULE["serial_work"] - 1])
    assert _core._kernel_costs() == {}
    # one thread: nothing is timed either
    threads(1)
    cact.tanh(x)
    assert _core._kernel_costs() == {}


def test_level_change_forgets_the_costs(threads):
    threads(2)
    x = np.linspace(-8, 8, 5000)
    cact.elu(x)
    assert "elu_f64" in _core._kernel_costs()
    with isa_level("baseline"):
        assert _core._kernel_costs() == {}
        cact.elu(x)
        assert "elu_f64" in _core._kernel_costs()
    assert _core._kernel_costs() == {}


@pytest.mark.parametrize("n", [600, 5000, 300_001])
@pytest.mark.parametrize("name", ["sigmoid", "relu"])
def test_decision_follows_the_measured_cost(name, n, threads):
    """Every call splits exactly when its measured cost says so (the split
    counter of pool_stats counts the calls handed to the pool)."""
    threads(2)
    fn = getattr(cact, name)
    x = np.random.default_rng(n).uniform(-8, 8, n).astype(np.float32)
    _core._kernel_costs(reset=True)
    for _ in range(6):  # the first calls probe, the later ones use the estimate
        before = _core.pool_stats()["split_calls"]
        fn(x)
        split = _core.pool_stats()["split_calls"] - before
        cost = _core._kernel_costs().get(f"{name}_f32")
        if n < RULE["serial_work"]:
            assert cost is None and split == 0
            continue
        # the prefix the probe ran is not counted by the rule: allow either
        # side of the boundary when the estimate sits right at it
        want = {_expected_threads(cost, n, 1, 2) > 1,
                _expected_threads(cost, max(n - RULE["probe_work"], 0), 1, 2) > 1}
        assert (split == 1) in want, (name, n, cost, split)


def test_a_long_call_is_split(threads):
    """10^6 float64 sigmoid is at least 1 ms of work on any CPU: split."""
    threads(2)
    x = np.linspace(-8, 8, 10**6)
    before = _core.pool_stats()["split_calls"]
    cact.sigmoid(x)
    cact.sigmoid(x)
    assert _core.pool_stats()["split_calls"] - before == 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=dtname)
@pytest.mark.parametrize("act", acts(), ids=lambda a: a.name)
def test_probe_then_split_is_bitwise_serial(act, dtype, threads):
    """The probe runs the first probe_work items serially and the rest is split
    (or not): for sizes around the probe and far beyond it, contiguous,
    reversed and strided, every variant equals the serial result, on the first
    calls (probing) and the later ones (deciding from the estimate)."""
    params = param_sets(act)[-1]
    p = RULE["probe_work"]
    sizes = [RULE["serial_work"], p - 1, p, p + 1, p + 64 * 3 + 1, 20_000, 200_003]
    x = np.random.default_rng(3).uniform(-12, 12, max(sizes)).astype(dtype)
    failures = []
    for variant in act.variants:
        base = make_inputs(act, variant, x, params)
        threads(1)
        full = call(act, variant, base, params)
        rev = call(act, variant, tuple(a[::-1] for a in base), params)
        threads(2)
        _core._kernel_costs(reset=True)
        for rep in range(5):
            for n in sizes:
                if call(act, variant, tuple(a[:n] for a in base), params).tobytes() != full[:n].tobytes():
                    failures.append(f"{variant} n={n} call {rep}")
            if call(act, variant, tuple(a[::-1] for a in base), params).tobytes() != rev.tobytes():
                failures.append(f"{variant} reversed call {rep}")
            got = call(act, variant, tuple(a[::2] for a in base), params)
            assert_bitwise(got, full[::2], f"{act.name} {variant} stride 2")
    assert not failures, f"{act.name} {dtname(dtype)}: {failures[:5]}"


def test_maxout_probe_counts_work_in_pieces(threads):
    """maxout's work per group is its piece count: the probe runs
    probe_work / pieces groups, and the result is the serial one."""
    threads(1)
    n = 50_001
    z = np.random.default_rng(5).integers(-4, 5, 4 * n).astype(np.float32)
    # grad_output and the output in one allocation, far apart: cact_run's
    # overlap check is conservative (each range widened by the core span), and
    # two separately allocated neighbours can look overlapping, which keeps a
    # call serial (and unprobed)
    mem = np.zeros(n + 4096 + 4 * n, np.float32)
    g, out = mem[:n], mem[n + 4096:]
    g[:] = 1
    want_m, want_b = cact.maxout(z, 4), cact.maxout_backward(g, z, 4)
    threads(2)
    _core._kernel_costs(reset=True)
    for _ in range(5):
        assert_bitwise(cact.maxout(z, 4), want_m, "maxout")
        assert_bitwise(cact.maxout_backward(g, z, 4, out=out), want_b, "maxout_backward")
    costs = _core._kernel_costs()
    state = (cact.get_num_threads(), _core._set_min_parallel_override(0), _core.pool_stats())
    assert "maxout_reduce_f32" in costs and "maxout_scatter_f32" in costs, (costs, state)


@pytest.mark.parametrize("gap", [0, 8, 4096])
@pytest.mark.parametrize("op", ["softmax", "log_softmax", "softmax_backward", "prelu_rows"])
def test_rows_next_to_each_other_are_split(op, gap, threads):
    """Arrays that lie one after the other in memory (NumPy maps large ones
    next to each other) do not overlap: a rows call from one into the next
    is split.  Each operand's range is its own rows (src/cact_parallel.c
    cact_operand_range); one core span for every operand made 1000 x 1000
    float64 softmax into the array mapped below its input run on one
    thread."""
    threads(2)
    rows, n = 1000, 1000
    size = rows * n
    buf = np.empty(2 * size + gap // 8 + 1)
    x = buf[:size].reshape(rows, n)
    o = buf[size + gap // 8: 2 * size + gap // 8].reshape(rows, n)
    x[...] = np.random.default_rng(5).normal(0, 3, (rows, n))
    for below in (False, True):
        a, b = (o, x) if below else (x, o)  # input above or below the output
        b[...] = 0
        want = None
        before = _core.pool_stats()["split_calls"]
        if op == "prelu_rows":
            w = np.linspace(0.1, 0.2, 10)
            cact.prelu(a.reshape(100, 10, n), w, 1, out=b.reshape(100, 10, n))
            want = np.where(a > 0, a, a * np.repeat(np.tile(w, 100), n).reshape(rows, n))
        elif op == "softmax_backward":
            y = cact.softmax(a)
            g = np.ones_like(a)
            before = _core.pool_stats()["split_calls"]
            cact.softmax_backward(g, y, out=b)
            want = y * (g - (g * y).sum(axis=1, keepdims=True))
            np.testing.assert_allclose(b, want, atol=1e-15)
            want = None
        else:
            getattr(cact, op)(a, out=b)
        assert _core.pool_stats()["split_calls"] - before == 1, (op, gap, below)
        if op in ("softmax", "log_softmax"):
            want = getattr(cact, op)(a.copy())
        if want is not None:
            np.testing.assert_array_equal(b, want)


def test_sleeping_workers_are_woken_only_for_enough_work(threads):
    """src/cact_pool.c: a split call wakes sleeping workers only when its
    estimated work exceeds 2 x (signal + latency) of a wake; a shorter one is
    published without the wake (the caller runs what no awake worker takes),
    with the same bits; every 16th such call wakes anyway to measure again,
    and the measurement replaces the estimates."""
    import time

    threads(2)
    x = np.random.default_rng(5).uniform(-8, 8, 200_000)
    want = cact.tanh(x, out=np.empty_like(x))  # also: the pool's worker exists
    cact.tanh(x, out=np.empty_like(x))
    try:
        # a wake that costs 10 ms: no call of ~1 ms of work wakes a worker
        _core._set_wake_costs(5_000_000, 5_000_000)
        before = _core.pool_stats()
        unwoken = 0
        for _ in range(5):
            time.sleep(0.005)  # the worker's spin (200 us at most) is over: asleep
            # again before each call: the 16th call's wake (the process's
            # count, which earlier tests move) measures the real, lower costs,
            # after which the calls would be worth a wake
            _core._set_wake_costs(5_000_000, 5_000_000)
            out = np.empty_like(x)
            cact.tanh(x, out=out)
            assert_bitwise(out, want)
        after = _core.pool_stats()
        assert after["split_calls"] - before["split_calls"] == 5
        unwoken = after["unwoken_calls"] - before["unwoken_calls"]
        assert 4 <= unwoken <= 5  # one of them may be the 16th, which wakes
        # then every 16th wakes: the estimates come down to the measured wake
        for _ in range(16):
            time.sleep(0.002)
            cact.tanh(x, out=out)
        st = _core.pool_stats()
        assert 0 < st["wake_signal_ns"] < 5_000_000
        assert 0 < st["wake_latency_ns"] < 5_000_000
        assert_bitwise(out, want)
    finally:
        _core._set_wake_costs(0, 0)  # measured afresh from the next wake


def test_worker_spin_follows_the_gap_between_calls(threads):
    """src/cact_pool.c: a worker spins 20 us after a job, or twice the gap
    the calls leave between one job's end and the next publishing when that
    is at most 200 us: calls ~30 us apart make it spin longer than 20 us,
    one long pause puts it back at once, and the results keep their bits."""
    import time

    threads(2)
    x = np.random.default_rng(6).uniform(-8, 8, 200_000)
    want = cact.tanh(x, out=np.empty_like(x))
    out = np.empty_like(x)
    spins = []
    for _ in range(40):
        t = time.perf_counter()
        while time.perf_counter() - t < 30e-6:  # the caller's work between calls
            pass
        cact.tanh(x, out=out)
        spins.append(_core.pool_stats()["worker_spin_ns"])
    assert_bitwise(out, want)
    assert all(20_000 <= s <= 200_000 for s in spins), spins
    # a machine's hiccup makes a long gap that resets the estimate, so ask
    # only that some of the later calls' spins grew past the floor
    assert max(spins[10:]) > 20_000, spins
    time.sleep(0.005)
    cact.tanh(x, out=out)
    assert _core.pool_stats()["worker_spin_ns"] == 20_000
