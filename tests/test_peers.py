"""The benchmark's peers come from the table rows (Activation.peers): the
data of every row is well formed, and every peer call bench/_peers.py builds
from it, for each library installed, computes what cact computes (the check
bench/bench.py makes in every cell, here on a small array)."""

import importlib
import os
import re
import sys

import numpy as np
import pytest

import cact
from cact import _numpy_ref, _table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
needs_bench = pytest.mark.skipif(not os.path.isdir(BENCH), reason="no bench/ beside the tests")
ROWS = [pytest.param(a, id=a.name) for a in cact.ACTIVATIONS]
# Names a numexpr expression may use besides the row's parameters.
NUMEXPR_VARS = {"f": {"x"}, "grad": {"x"}, "backward_x": {"g", "x"}, "backward_y": {"g", "y"}}
NUMEXPR_FUNCS = {"exp", "expm1", "tanh", "where", "log", "log1p", "abs", "sqrt"}


@pytest.mark.parametrize("act", ROWS)
def test_peer_data_is_well_formed(act):
    peers = {p.name for p in act.params}
    data = act.peers
    for lib in ("numpy", "scipy", "numexpr", "torch", "onnx"):
        extra = set(getattr(data, lib)) - set(act.variants)
        assert not extra, f"{act.name}: peers.{lib} has variants the row lacks: {extra}"
    for variant, names in data.numpy.items():
        assert names and all(callable(getattr(_numpy_ref, n, None)) for n in names), (variant, names)
        assert _numpy_ref.candidates(act.name, variant) == tuple(getattr(_numpy_ref, n) for n in names)
    assert set(data.scipy) <= {"f", "grad"}, "scipy peers are called fn(x, out=x)"
    for variant, expr in data.numexpr.items():
        names = set(re.findall(r"[A-Za-z_]\w*", expr)) - NUMEXPR_FUNCS
        assert names <= NUMEXPR_VARS[variant] | {"one", "zero"} | peers, (variant, expr)
    tokens = {"buf", "v", "is_result"}
    assert not tokens & peers, "a parameter's name shadows a TorchCall token"
    for variant, call in data.torch.items():
        for a in list(call.args) + [a for _, a in call.kwargs]:
            literal = isinstance(a, str) and len(a) > 1 and a[0] == a[-1] == "'"
            recip = isinstance(a, str) and a.startswith("1/") and a[2:] in peers
            assert not isinstance(a, str) or literal or recip or a in tokens | peers, (variant, a)
            if variant in ("f", "grad"):
                assert a not in ("v", "is_result"), (variant, a)
    for variant, nodes in data.onnx.items():
        known = ({"x"} if variant in ("f", "grad") else {"g", "v"}) | {"one", "zero"} | peers
        for op, ins, out, attrs in nodes:
            assert set(ins) <= known, f"{act.name} {variant}: {op} reads {set(ins) - known} before it is made"
            known.add(out)
        assert nodes[-1][2] == "out", (variant, nodes[-1])


@pytest.fixture(scope="module")
def peers():
    """The installed peers, built once (one thread each); torch's and
    numexpr's thread counts are restored afterwards."""
    sys.path.insert(0, BENCH)
    try:
        import _peers
    finally:
        sys.path.remove(BENCH)
    libs = {}
    for name in ("torch", "numexpr"):
        try:
            libs[name] = importlib.import_module(name)
        except ImportError:
            pass
    before = {name: lib.get_num_threads() for name, lib in libs.items()}
    yield _peers.load_peers(1)
    for name, n in before.items():
        libs[name].set_num_threads(n)


@needs_bench
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ROWS)
def test_every_peer_matches_cact(peers, act, dtype):
    rng = np.random.default_rng(3)
    x = rng.uniform(-8, 8, 257).astype(dtype)
    g = rng.uniform(-8, 8, 257).astype(dtype)
    # 0.25: exact in float32, which ONNX's LeakyRelu/Elu alpha attribute is
    # (with the default 0.01 ONNX Runtime's float64 LeakyRelu differs in the
    # 9th digit, as the benchmark notes)
    params = {p.name: 0.25 for p in act.params}
    eps = np.finfo(dtype).eps
    checked = []
    for variant in act.variants:
        if variant in ("f", "grad"):
            fn = getattr(cact, act.name if variant == "f" else act.name + "_grad")
            want, start, v = fn(x, **params), x, None
        else:
            v = x if variant == "backward_x" else getattr(cact, act.name)(x, **params)
            kw = {"x": v} if variant == "backward_x" else {"y": v}
            want, start = getattr(cact, act.name + "_backward")(g, **kw, **params), g
        for pname, peer in peers.items():
            for i, make in enumerate(peer.makers(act.name, variant)):
                buf = start.copy()
                v_in = None if v is None else v.copy()
                with np.errstate(all="ignore"):
                    call = make(buf, v_in, _numpy_ref.Workspace(buf), params)
                    if call is None:  # a case the peer cannot run (ONNX Runtime's float64 Elu)
                        continue
                    call()
                where = f"{pname}#{i} {act.name} {variant} {np.dtype(dtype).name}"
                np.testing.assert_allclose(buf, want, rtol=64 * eps,
                                           atol=64 * eps * float(np.max(np.abs(want))), err_msg=where)
                if v is not None:
                    assert np.array_equal(v_in, v), f"{where} wrote its read-only input"
                checked.append((pname, variant))
        for peer in peers.values():
            peer.reset()  # frees the ONNX Runtime sessions
    # a NumPy peer is optional (cact/_numpy_ref.py); a row that names one
    # must have had it checked
    if "f" in act.peers.numpy and "numpy" in peers:
        assert ("numpy", "f") in checked


@needs_bench
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_peers_match_cact(peers, name, dtype):
    """bench/softmax.py's peers (bench/_peers.py) compute what cact does, along
    the last axis, forward from x and backward from y, into out= only."""
    rng = np.random.default_rng(4)
    x = rng.uniform(-20, 20, (9, 37)).astype(dtype)
    g = rng.uniform(-2, 2, x.shape).astype(dtype)
    y = getattr(cact, name)(x)
    eps = np.finfo(dtype).eps
    checked = set()
    for variant, v, gv, want in (("f", x, None, y),
                                 ("backward", y, g, getattr(cact, name + "_backward")(g, y))):
        for pname, peer in peers.items():
            for make in peer.makers(name, variant):
                out = np.full_like(x, np.nan)
                v_in, g_in = v.copy(), None if gv is None else gv.copy()
                call = make(v_in, g_in, out, _numpy_ref.Workspace(v_in))
                if call is None:
                    continue
                call()
                where = f"{pname} {name} {variant} {np.dtype(dtype).name}"
                np.testing.assert_allclose(out, want, rtol=256 * eps,
                                           atol=256 * eps * float(np.max(np.abs(want))), err_msg=where)
                assert np.array_equal(v_in, v) and (gv is None or np.array_equal(g_in, gv)), where
                checked.add((pname, variant))
        for peer in peers.values():
            peer.reset()
    if "numpy" in peers:  # NumPy's formulation is always there
        assert {("numpy", "f"), ("numpy", "backward")} <= checked


@needs_bench
def test_every_installed_peer_library_loads(peers):
    """A library that imports is a peer: a row naming an op or an overload
    the installed version lacks fails here (load_peers raises), instead of
    the whole library dropping silently out of every benchmark table (torch
    2.14's hardswish_backward has an ``out`` overload, not ``grad_input``)."""
    for name, modules in (("torch", ("torch",)), ("numexpr", ("numexpr",)), ("scipy", ("scipy",)),
                          ("onnxruntime", ("onnx", "onnxruntime"))):
        try:
            for module in modules:
                importlib.import_module(module)
        except ImportError:
            continue
        assert name in peers, f"{' and '.join(modules)} import but the {name} peer did not load"
