"""Every error of the elementwise API: its exception type, and that no buffer
(input, grad_output, out) was modified."""

import decimal
import fractions

import numpy as np
import pytest

import cact
from helpers import DTYPES, act_param_names, acts, bound_ok, dtname, with_param

# (row, name of a parameter) for every parameter of every row, and those
# that the derivative from y restricts (Param.y_min)
PARAMS = act_param_names()
Y_MIN_PARAMS = [pytest.param(a, p.name, id=f"{a.name}[{p.name}]")
                for a in cact.ACTIVATIONS for p in a.params if p.y_min is not None]


def raises_and_keeps(exc, fn, *args, match=None, **kw):
    """Call fn expecting exc; every ndarray argument must be bitwise unchanged."""
    arrays = [a for a in (*args, *kw.values()) if isinstance(a, np.ndarray)]
    before = [(a.tobytes(), a.dtype, a.shape, a.strides) for a in arrays]
    with pytest.raises(exc, match=match) as info:
        fn(*args, **kw)
    for a, b in zip(arrays, before):
        assert (a.tobytes(), a.dtype, a.shape, a.strides) == b, (
            f"{fn.__name__}: an argument was modified by the failing call ({info.value})")
    return info


def _funcs(act):
    """(label, callable taking (x, out=...)) for f, grad and backward from x
    and from y (where the row has a y-form)."""
    f = getattr(cact, act.name)
    grad = getattr(cact, act.name + "_grad")
    bwd = getattr(cact, act.name + "_backward")
    funcs = [
        (act.name, lambda x, **kw: f(x, **kw)),
        (act.name + "_grad", lambda x, **kw: grad(x, **kw)),
        (act.name + "_backward(x=)", lambda x, **kw: bwd(np.ones(x.shape, x.dtype), x, **kw)),
    ]
    if "backward_y" in act.variants:
        funcs.append((act.name + "_backward(y=)", lambda x, **kw: bwd(np.ones(x.shape, x.dtype), y=x, **kw)))
    return funcs


def _all_funcs():
    return [pytest.param(fn, id=label) for act in cact.ACTIVATIONS for label, fn in _funcs(act)]


# ------------------------------------------------------------------ dtypes
UNSUPPORTED = [
    np.array([1 + 1j, 2], np.complex64),
    np.array([1 + 1j, 2], np.complex128),
    np.array([1 + 1j, 2], np.clongdouble),
    np.array([1.0, 2.0], np.longdouble),
    np.array([1.0, 2.0], dtype=object),
    np.array(["a", "b"]),
    np.array([b"a", b"b"]),
    np.array(["2020-01-01", "2021-01-01"], "datetime64[D]"),
    np.array([1, 2], "timedelta64[s]"),
    np.zeros(2, dtype=[("a", "f8"), ("b", "i4")]),
    np.zeros(2, "V8"),
]
UNSUPPORTED_IDS = [str(a.dtype) for a in UNSUPPORTED]
if np.dtype(np.longdouble) == np.dtype(np.float64):  # e.g. MSVC: long double is double
    UNSUPPORTED_IDS, UNSUPPORTED = zip(*[(i, a) for i, a in zip(UNSUPPORTED_IDS, UNSUPPORTED)
                                         if a.dtype != np.longdouble])


def _unsupported_calls(act, bad):
    """Calls that pass the unsupported array in every argument position."""
    f = getattr(cact, act.name)
    grad = getattr(cact, act.name + "_grad")
    bwd = getattr(cact, act.name + "_backward")
    ok = np.ones(bad.shape)
    calls = [
        ("x", f, (bad,), {}),
        ("x", grad, (bad,), {}),
        ("grad_output", bwd, (bad, ok), {}),
        ("x", bwd, (ok, bad), {}),
    ]
    if "backward_y" in act.variants:  # (else y= is a TypeError of its own)
        calls += [("grad_output", bwd, (bad,), {"y": ok}), ("y", bwd, (ok,), {"y": bad})]
    return calls


@pytest.mark.parametrize("bad", UNSUPPORTED, ids=UNSUPPORTED_IDS)
@pytest.mark.parametrize("act", acts())
@pytest.mark.parametrize("with_out", [False, True], ids=["", "out"])
def test_unsupported_dtype_is_type_error_naming_it(act, bad, with_out):
    for argname, fn, args, kw in _unsupported_calls(act, bad):
        if with_out:
            kw = dict(kw, out=np.full(bad.shape, 7.0))
        info = raises_and_keeps(TypeError, fn, *args, **kw)
        msg = str(info.value)
        assert str(bad.dtype) in msg and argname in msg, f"{fn.__name__}: message {msg!r}"


@pytest.mark.parametrize("value", [1j, [1j, 2.0], ["a"], [b"x"], [None, 1.0], "1.0"],
                         ids=["complex", "list-complex", "list-str", "list-bytes", "list-None", "str"])
@pytest.mark.parametrize("act", acts())
def test_unsupported_python_objects(act, value):
    raises_and_keeps(TypeError, getattr(cact, act.name), value)
    raises_and_keeps(TypeError, getattr(cact, act.name + "_grad"), value)
    raises_and_keeps(TypeError, getattr(cact, act.name + "_backward"), value, np.ones(1))
    raises_and_keeps(TypeError, getattr(cact, act.name + "_backward"), np.ones(1), y=value)


# --------------------------------------------------------------------- out
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("fn", _all_funcs())
def test_out_errors(fn, dtype):
    x = np.linspace(-0.5, 3, 12).astype(dtype)  # >= 0: valid as y for every row
    other = np.float64 if dtype == np.float32 else np.float32
    cases = [
        (TypeError, [0.0] * 12, "list"),
        (TypeError, (np.empty(12, dtype),), "tuple"),
        (TypeError, np.empty(12, other), "wrong float dtype"),
        (TypeError, np.empty(12, np.int64), "int dtype"),
        (TypeError, np.empty(12, np.complex128), "complex dtype"),
        (TypeError, np.empty(12, np.dtype(dtype).newbyteorder()), "byte-swapped dtype"),
        (ValueError, np.empty(11, dtype), "too short"),
        (ValueError, np.empty((2, 12), dtype), "broadcastable, larger"),
        (ValueError, np.empty((12, 1), dtype), "wrong shape"),
        (ValueError, np.empty((), dtype), "0-d"),
    ]
    ro = np.zeros(12, dtype)
    ro.flags.writeable = False
    cases.append((ValueError, ro, "read-only"))
    cases.append((ValueError, np.broadcast_to(np.zeros(1, dtype), (12,)), "broadcast_to"))
    base = np.zeros(1, dtype)
    zs = np.lib.stride_tricks.as_strided(base, shape=(12,), strides=(0,))
    assert zs.flags.writeable
    cases.append((ValueError, zs, "writable zero stride (as_strided)"))
    for exc, out, what in cases:
        if isinstance(out, np.ndarray) and out.flags.writeable:
            out[...] = 7  # something to check is preserved
        try:
            raises_and_keeps(exc, fn, x, out=out)
        except AssertionError as e:  # name the case
            raise AssertionError(f"out={what}: {e}") from None
        except pytest.fail.Exception as e:
            raise AssertionError(f"out={what}: {e}") from None
    assert base[0] == 7


@pytest.mark.parametrize("act", acts())
def test_backward_out_must_match_broadcast_shape(act):
    bwd = getattr(cact, act.name + "_backward")
    g, x = np.ones((3, 1)), np.ones((1, 4))
    assert bwd(g, x).shape == (3, 4)
    out = np.full((3, 4), 5.0)
    assert bwd(g, x, out=out) is out
    raises_and_keeps(ValueError, bwd, g, x, out=np.full((4, 3), 5.0))
    raises_and_keeps(ValueError, bwd, g, x, out=np.full((1, 4), 5.0))
    raises_and_keeps(ValueError, bwd, np.ones(3), np.ones(4))
    raises_and_keeps(ValueError, bwd, np.ones(3), np.ones(4), out=np.full(4, 5.0))
    if "backward_y" in act.variants:
        raises_and_keeps(ValueError, bwd, np.ones(3), y=np.ones(4), out=np.full(3, 5.0))


# ---------------------------------------------------------------- x and y
@pytest.mark.parametrize("act", acts())
def test_backward_needs_exactly_one_of_x_and_y(act):
    bwd = getattr(cact, act.name + "_backward")
    g, x = np.ones(4), np.linspace(0, 1, 4)
    out = np.full(4, 3.0)
    raises_and_keeps(TypeError, bwd, g)
    raises_and_keeps(TypeError, bwd, g, out=out)
    raises_and_keeps(TypeError, bwd, g, x, y=x)
    raises_and_keeps(TypeError, bwd, g, x, y=x, out=out)
    raises_and_keeps(TypeError, bwd, g, x=None, y=None)
    raises_and_keeps(TypeError, bwd, g, x, gamma=1.0)  # unknown keyword (no row has gamma)
    raises_and_keeps(TypeError, bwd, g, x, None, None)  # y and the parameters are keyword-only
    if "alpha" not in {p.name for p in act.params}:
        raises_and_keeps(TypeError, bwd, g, x, alpha=0.1)


@pytest.mark.parametrize("act", acts())
def test_positional_arguments(act):
    x = np.ones(3)
    f = getattr(cact, act.name)
    grad = getattr(cact, act.name + "_grad")
    extra = [0.5] * (len(act.params) + 1)
    raises_and_keeps(TypeError, f, x, *extra)
    raises_and_keeps(TypeError, grad, x, *extra)
    raises_and_keeps(TypeError, f, x, np.empty(3))  # out is keyword-only (or a bad parameter)
    raises_and_keeps(TypeError, f)


# -------------------------------------------------------------- parameters
BAD_TYPE = [
    ("str", "0.1"), ("None", None), ("bool", True), ("np.bool_", np.bool_(True)),
    ("complex", 0.1 + 0j), ("np.complex", np.complex128(0.1)), ("list", [0.1]),
    ("1-d array", np.array([0.1])), ("Decimal", decimal.Decimal("0.1")),
    ("bool 0-d array", np.array(True)), ("object", object()),
]
BAD_VALUE = [("nan", float("nan")), ("inf", float("inf")), ("-inf", -float("inf")),
             ("np.nan float32", np.float32("nan")), ("0-d nan", np.array(np.nan))]


def _param_calls(act, dtype, params):
    """Every way to pass the row's parameters: positionally to f and f_grad,
    by keyword to each, with and without out=, from x and from y."""
    x = np.linspace(-1, 1, 5).astype(dtype)
    g = np.ones(5, dtype)
    out = np.full(5, 9.0, dtype)
    f = getattr(cact, act.name)
    grad = getattr(cact, act.name + "_grad")
    bwd = getattr(cact, act.name + "_backward")
    pos = tuple(params[p.name] for p in act.params)
    calls = [
        (f, (x, *pos), {}),
        (f, (x,), {**params, "out": out}),
        (grad, (x, *pos), {"out": out}),
        (bwd, (g, x), dict(params)),
        (bwd, (g, x), {**params, "out": g}),
    ]
    if "backward_y" in act.variants:
        calls.append((bwd, (g,), {"y": x, **params, "out": out}))
    return calls


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("label, value", BAD_TYPE, ids=[b[0] for b in BAD_TYPE])
@pytest.mark.parametrize("act, name", PARAMS)
def test_parameter_wrong_type(act, name, label, value, dtype):
    for fn, args, kw in _param_calls(act, dtype, with_param(act, name, value)):
        raises_and_keeps(TypeError, fn, *args, **kw)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("label, value", BAD_VALUE, ids=[b[0] for b in BAD_VALUE])
@pytest.mark.parametrize("act, name", PARAMS)
def test_parameter_not_finite(act, name, label, value, dtype):
    for fn, args, kw in _param_calls(act, dtype, with_param(act, name, value)):
        raises_and_keeps(ValueError, fn, *args, **kw)


@pytest.mark.parametrize("act, name", PARAMS)
def test_parameter_outside_float32_range(act, name):
    big = 1e39
    y_min = {p.name: p.y_min for p in act.params}[name]
    for value in (big, -big, float(np.finfo(np.float64).max)):
        for fn, args, kw in _param_calls(act, np.float32, with_param(act, name, value)):
            if "y" in kw and y_min is not None and value < y_min:
                continue  # that is the error of the y-form, tested below
            raises_and_keeps(ValueError, fn, *args, **kw)
    # float32 max itself is allowed; float64 input takes any finite value
    fmax = float(np.finfo(np.float32).max)
    for fn, args, kw in _param_calls(act, np.float32, with_param(act, name, fmax)):
        fn(*args, **kw)
    for fn, args, kw in _param_calls(act, np.float64, with_param(act, name, big)):
        fn(*args, **kw)


@pytest.mark.parametrize("act, name", PARAMS)
@pytest.mark.parametrize("value", [0.5, 2, np.float32(0.5), np.float64(0.5), np.int8(2),
                                   np.array(0.5), np.array(2), fractions.Fraction(1, 2), -0.0, 0],
                         ids=["float", "int", "np.float32", "np.float64", "np.int8",
                              "0-d float", "0-d int", "Fraction", "-0.0", "zero"])
def test_parameter_accepted_types(act, name, value):
    """Any finite real number is accepted and means the same as its float()
    (where the row's condition on it holds: celu's alpha != 0)."""
    typed, plain = with_param(act, name, value), with_param(act, name, float(value))
    if not bound_ok(act, plain):
        pytest.skip(f"{name}={value!r} breaks {act.name}'s condition on it (Param.bound)")
    for dtype in DTYPES:
        for (fn, args, kw), (_, pargs, pkw) in zip(_param_calls(act, dtype, typed),
                                                   _param_calls(act, dtype, plain)):
            if "y" in kw:  # a y that f outputs
                kw = dict(kw, y=getattr(cact, act.name)(kw["y"], **plain))
                pkw = dict(pkw, y=kw["y"])
            np.testing.assert_array_equal(fn(*args, **kw), fn(*pargs, **pkw))


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act, name", Y_MIN_PARAMS)
def test_backward_from_y_below_y_min(act, name, dtype):
    bwd = getattr(cact, act.name + "_backward")
    y_min = {p.name: p.y_min for p in act.params}[name]
    g = np.ones(5, dtype)
    y = np.linspace(-0.5, 1, 5).astype(dtype)
    out = np.full(5, 4.0, dtype)
    for value in (y_min - 0.1, y_min - 1e-30, y_min - 2):
        ps = with_param(act, name, value)
        info = raises_and_keeps(ValueError, bwd, g, y=y, **ps)
        assert name in str(info.value)
        raises_and_keeps(ValueError, bwd, g, y=y, **ps, out=out)
        raises_and_keeps(ValueError, bwd, g, y=y, **ps, out=g)
        # from x it is fine
        assert bwd(g, y, **ps).dtype == np.dtype(dtype)
    # y_min itself (and -0.0 for 0) is allowed from y
    bwd(g, y=y, **with_param(act, name, y_min))
    bwd(g, y=y, **with_param(act, name, -0.0 if y_min == 0 else y_min))


BOUND_PARAMS = [pytest.param(a, p, id=f"{a.name}[{p.name}]")
                for a in cact.ACTIVATIONS for p in a.params if p.bound is not None]


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act, p", BOUND_PARAMS)
def test_parameter_bound(act, p, dtype):
    """A condition between parameters (Param.bound, e.g. hardtanh's max_val >=
    min_val): broken, ValueError naming the parameter on every path (every
    call form, forward_with_stats) with nothing written; met, accepted (the
    equality too where the condition is >=)."""
    op, b = p.bound
    base = with_param(act, b, 0.5) if isinstance(b, str) else dict(with_param(act, p.name, b))
    w = float(base[b]) if isinstance(b, str) else float(b)
    bads = [dict(base, **{p.name: v}) for v in ((w, -w) if op == "!=" else (w - 0.25,))]
    for bad in bads:
        for fn, args, kw in _param_calls(act, dtype, bad):
            info = raises_and_keeps(ValueError, fn, *args, **kw)
            assert p.name in str(info.value) and p.why in str(info.value)
    bad = bads[0]
    x = np.linspace(-1, 1, 5).astype(dtype)
    with pytest.raises(ValueError, match=p.name):
        cact.forward_with_stats(act.name, x, **bad)
    with pytest.raises(ValueError, match=p.name):
        cact.forward_with_stats(act.name, x, *[bad[q.name] for q in act.params])
    good = ([dict(base, **{p.name: w + 0.25})] + ([dict(base, **{p.name: w})] if op == ">=" else [])
            + ([dict(base, **{p.name: w - 0.25})] if op == "!=" else []))
    for ps in good:
        for fn, args, kw in _param_calls(act, dtype, ps):
            fn(*args, **kw)
        cact.forward_with_stats(act.name, x, **ps)
