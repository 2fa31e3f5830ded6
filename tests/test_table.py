"""The activation table (cact/_table.py) is complete, and what it can express
(rows without a y-form, rows with several parameters) reaches the generated
code and the Python API.  No current row lacks a y-form or has two
parameters: those paths are checked here on rows made for the test."""

import dataclasses
import os
import runpy

import numpy as np
import pytest

import cact
from cact import _api, _table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_RENDER_PY = os.path.join(ROOT, "src", "render.py")
# src/render.py is in the source tree (and the sdist), not in an installed
# cact: the tests that render need it
RENDER = runpy.run_path(_RENDER_PY) if os.path.exists(_RENDER_PY) else None
needs_render = pytest.mark.skipif(RENDER is None, reason="src/render.py is not beside the tests")


@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_every_row_is_complete(act):
    for dt in ("float32", "float64"):
        assert set(act.ulp[dt]) == set(act.variants), (act.name, dt)
        assert all(0 <= b <= 2 for b in act.ulp[dt].values())
        assert act.switch[dt], (act.name, dt)
    assert act.variants[:3] == ("f", "grad", "backward_x")
    assert act.family in ("exp", "linear", "rational"), (act.name, act.family)
    assert ("backward_y" in act.variants) == (act.grad_y is not None)
    for p in act.params:
        assert p.doc and isinstance(p.default, float)
    names = {p.name for p in act.params}
    for ps in act.test_params:
        assert ps and set(ps) <= names, (act.name, ps)
    for same in act.same_as:
        other = _table.BY_NAME[same.row]
        assert set(same.params) <= names and set(same.row_params) <= {p.name for p in other.params}
        assert same.variants and set(same.variants) <= set(act.variants) & set(other.variants)


def _fake_table():
    """The real table plus three made-up rows: one without a y-form, one with
    two parameters and conditions on them, one with three parameters."""
    table = dict(RENDER["load_table"]())
    sig = table["BY_NAME"]["sigmoid"]
    no_y = dataclasses.replace(sig, name="noy", grad_y=None,
                               ulp={d: {k: v for k, v in sig.ulp[d].items() if k != "backward_y"}
                                    for d in sig.ulp})
    two = dataclasses.replace(
        table["BY_NAME"]["elu"], name="two",
        params=(_table.Param("lo", -1.0, "lower end", bound=(">", -10.0)),
                _table.Param("hi", 1.0, "upper end", y_min=0.0, bound=(">=", "lo"))))
    ne = dataclasses.replace(
        two, name="ne", params=(_table.Param("a", 1.0, "nonzero", bound=("!=", 0.0), why="divides by a"),))
    three = dataclasses.replace(
        two, name="three", params=two.params + (_table.Param("c", 0.5, "a third"),))
    table["ACTIVATIONS"] = tuple(table["ACTIVATIONS"]) + (no_y, two, three, ne)
    return table


@needs_render
def test_render_follows_the_rows():
    ctx = RENDER["kernel_context"](_fake_table())
    ufuncs = {k["ufunc"] for k in ctx["kernels"]}
    assert {"noy", "noy_grad", "noy_backward_x"} <= ufuncs and "noy_backward_y" not in ufuncs
    two = next(k for k in ctx["kernels"] if k["ufunc"] == "two_backward_y")
    assert two["nparams"] == 2 and two["nin"] == 4
    assert "(valid for hi >= 0)" in two["formula"]
    rows = {r["name"]: r for r in ctx["rows"]}
    assert rows["noy"]["has_y"] is False and rows["noy"]["spec_by"] == -1
    # two parameters ride the fast path, their conditions tested before it;
    # a third sends the row to the validating implementation
    assert rows["two"]["fast"] is True and rows["three"]["fast"] is False
    assert rows["two"]["params_arg"] == "lo, hi, 2"
    assert rows["two"]["bound_cond"] == ("type(lo) is float and lo > -10.0 and "
                                         "type(hi) is float and type(lo) is float and hi >= lo")
    assert rows["two"]["y_cond"] == " and type(hi) is float and hi >= 0.0"
    assert rows["ne"]["bound_cond"] == "type(a) is float and a != 0.0"
    assert rows["sigmoid"]["bound_cond"] == "True" and rows["sigmoid"]["params_arg"] == "None, None, 0"
    assert rows["two"]["params_sig"] == ", lo=-1.0, hi=1.0"
    assert rows["sigmoid"]["fast"] and rows["elu"]["fast"]


@needs_render
def test_rendered_sources_compile_for_the_made_up_rows():
    """The wrappers and stubs templates render for rows without y and with two
    parameters (Python syntax checked; the C kernels need element functions)."""
    Tempita = pytest.importorskip("Cython.Tempita")  # the build's template engine

    ctx = RENDER["kernel_context"](_fake_table())
    with open(os.path.join(ROOT, "cact", "__init__.pyi.tp"), encoding="utf-8") as f:
        stub = Tempita.Template(f.read()).substitute(**ctx)
    compile(stub, "__init__.pyi", "exec")
    assert "def two(x: ArrayLike, lo: float = -1.0, hi: float = 1.0, *, out: _OutT, bias: " in stub
    with open(os.path.join(ROOT, "src", "_fast.pxi.tp"), encoding="utf-8") as f:
        fast = Tempita.Template(f.read()).substitute(**ctx)
    compile(fast, "_fast.pxi", "exec")  # the wrappers are plain Python syntax
    noy = fast[fast.index("def noy_backward"):fast.index("def two(")]
    assert "y=y" in noy and "_fast_call(-1" not in noy
    two = fast[fast.index("def two("):fast.index("def three(")]
    assert two.count("_fast_call(") == 4 and two.count("hi >= lo") == 3
    three = fast[fast.index("def three("):fast.index("def ne(")]
    assert "_fast_call(" not in three
    ne = fast[fast.index("def ne("):]
    assert ne.count("a != 0.0") == 3  # f, grad and backward


def test_param_conditions():
    """Param.holds for each operator of Param.bound; the API's ValueError
    states the condition and why (cact._api._check_bounds)."""
    gt, ge = _table.Param("a", 1.0, "", bound=(">", 0.0)), _table.Param("b", 1.0, "", bound=(">=", "a"))
    ne = _table.Param("c", 1.0, "", bound=("!=", 0.0), why="x / c")
    assert gt.holds({"a": 0.5}) and not gt.holds({"a": 0.0})
    assert ge.holds({"a": 1.0, "b": 1.0}) and not ge.holds({"a": 1.0, "b": 0.5})
    assert ne.holds({"c": -1e-300}) and not ne.holds({"c": 0.0}) and not ne.holds({"c": -0.0})
    assert _table.Param("d", 0.0, "").holds({"d": 0.0})
    act = dataclasses.replace(_table.BY_NAME["elu"], params=(ne,))
    with pytest.raises(ValueError, match=r"c must be != 0, got -0.0 \(x / c\)"):
        _api._check_bounds("f", act, {"c": -0.0})


def test_parameters_bind_like_python():
    act = dataclasses.replace(_table.BY_NAME["elu"],
                              params=(_table.Param("a", 1.0, "a"), _table.Param("b", 2.0, "b")))
    assert _api._bind("f", act, (), {}) == [1.0, 2.0]
    assert _api._bind("f", act, (5,), {"b": 7}) == [5, 7]
    with pytest.raises(TypeError, match="unexpected keyword argument 'c'"):
        _api._bind("f", act, (), {"c": 1})
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        _api._bind("f", act, (1,), {"a": 2})
    with pytest.raises(TypeError, match="at most 3 positional"):
        _api._bind("f", act, (1, 2, 3), {})


def test_a_row_without_y_form_refuses_y():
    """f_backward(g, y=...) of a row without a y-form is a TypeError that says
    why and what to pass; x= works (the sigmoid ufuncs stand in)."""
    act = dataclasses.replace(_table.BY_NAME["sigmoid"], grad_y=None)
    bwd = _api._make_backward(act)
    g, x = np.ones(5), np.linspace(-2, 2, 5)
    np.testing.assert_array_equal(bwd(g, x), cact.sigmoid_grad(x))
    with pytest.raises(TypeError, match="no derivative from its output y.*pass x="):
        bwd(g, y=cact.sigmoid(x))
    assert "from y" not in bwd.__doc__.split("Parameters")[0]
