"""The public API surface: names, docstrings, signatures (from the table),
doctest examples, and the ufunc registry."""

import doctest
import inspect

import numpy as np
import pytest

import cact
from helpers import acts

P = inspect.Parameter
PUBLIC_FUNCS = [n for n in cact.__all__ if callable(getattr(cact, n)) and not isinstance(getattr(cact, n), dict)]


def test_all_names_exist_and_cover_the_table():
    for name in cact.__all__:
        assert hasattr(cact, name), name
    for act in cact.ACTIVATIONS:
        for sfx in ("", "_grad", "_backward"):
            assert act.name + sfx in cact.__all__, act.name + sfx
    for name in ("maxout", "maxout_backward", "get_num_threads", "set_num_threads", "show_config"):
        assert name in cact.__all__
    assert len(set(cact.__all__)) == len(cact.__all__)


@pytest.mark.parametrize("name", PUBLIC_FUNCS)
def test_public_function_has_docstring(name):
    fn = getattr(cact, name)
    doc = inspect.getdoc(fn)
    assert doc and len(doc.strip()) > 40, f"cact.{name} has no real docstring"
    assert fn.__doc__ is not type(fn).__doc__
    if not name.startswith("_"):
        assert getattr(fn, "__name__", name) == name
    assert cact.__doc__


@pytest.mark.parametrize("act", acts())
def test_docstrings_state_formulas_and_params(act):
    f, grad, bwd = (getattr(cact, act.name + s) for s in ("", "_grad", "_backward"))
    assert act.f in f.__doc__
    assert act.grad in grad.__doc__
    if act.grad_y is not None:
        assert act.grad_y in bwd.__doc__
    for p in act.params:
        for fn in (f, grad, bwd):
            assert p.name in fn.__doc__ and str(p.default) in fn.__doc__


def _sig(fn):
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


@pytest.mark.parametrize("act", acts())
def test_signatures_match_the_table(act):
    params = [(p.name, P.POSITIONAL_OR_KEYWORD, p.default) for p in act.params]
    unary = [("x", P.POSITIONAL_OR_KEYWORD, P.empty)] + params + [("out", P.KEYWORD_ONLY, None),
                                                                   ("bias", P.KEYWORD_ONLY, None)]
    assert _sig(getattr(cact, act.name)) == unary + [("deriv_out", P.KEYWORD_ONLY, None)]
    assert _sig(getattr(cact, act.name + "_grad")) == unary
    backward = [("grad_output", P.POSITIONAL_OR_KEYWORD, P.empty),
                ("x", P.POSITIONAL_OR_KEYWORD, None),
                ("y", P.KEYWORD_ONLY, None)]
    backward += [(p.name, P.KEYWORD_ONLY, p.default) for p in act.params]
    backward += [("out", P.KEYWORD_ONLY, None)]
    assert _sig(getattr(cact, act.name + "_backward")) == backward


@pytest.mark.parametrize("act", acts())
def test_signature_is_callable_as_written(act):
    """Keyword calls that the signature allows work, with the documented defaults."""
    x = np.linspace(-2, 2, 9)
    g = np.full(9, 2.0)
    f, grad, bwd = (getattr(cact, act.name + s) for s in ("", "_grad", "_backward"))
    kw = {p.name: p.default for p in act.params}
    np.testing.assert_array_equal(f(x=x), f(x, **kw))
    np.testing.assert_array_equal(grad(x=x, **kw), grad(x))
    np.testing.assert_array_equal(bwd(grad_output=g, x=x, **kw), bwd(g, x))
    if "backward_y" in act.variants:
        np.testing.assert_array_equal(bwd(grad_output=g, y=np.abs(x), **kw), bwd(g, y=np.abs(x)))


def test_other_signatures():
    assert _sig(cact.maxout) == [("z", P.POSITIONAL_OR_KEYWORD, P.empty),
                                 ("pieces", P.POSITIONAL_OR_KEYWORD, P.empty),
                                 ("axis", P.POSITIONAL_OR_KEYWORD, -1),
                                 ("out", P.KEYWORD_ONLY, None)]
    assert _sig(cact.maxout_backward) == [("grad_output", P.POSITIONAL_OR_KEYWORD, P.empty),
                                          ("z", P.POSITIONAL_OR_KEYWORD, P.empty),
                                          ("pieces", P.POSITIONAL_OR_KEYWORD, P.empty),
                                          ("axis", P.POSITIONAL_OR_KEYWORD, -1),
                                          ("out", P.KEYWORD_ONLY, None)]
    assert _sig(cact.get_num_threads) == []
    assert [p[0] for p in _sig(cact.set_num_threads)] == ["n"]
    assert _sig(cact.show_config) == [("mode", P.POSITIONAL_OR_KEYWORD, "stdout")]


def test_default_parameters_are_the_documented_ones():
    # PyTorch/ONNX/JAX defaults
    assert cact._table.BY_NAME["leaky_relu"].params[0].default == 0.01
    assert cact._table.BY_NAME["elu"].params[0].default == 1.0
    x = np.array([-2.0])
    assert cact.leaky_relu(x)[0] == -2.0 * 0.01
    assert cact.elu(x)[0] == np.expm1(-2.0)


@pytest.mark.parametrize("name", PUBLIC_FUNCS)
def test_docstring_examples(name):
    fn = getattr(cact, name)
    tests = doctest.DocTestFinder(recurse=False).find(fn, name, globs={"np": np, "cact": cact})
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    report = []
    for t in tests:
        result = runner.run(t, out=report.append)
        assert result.failed == 0, "".join(report)


def test_ufunc_registry():
    expected = {cact._table.ufunc_name(a, v) for a in cact.ACTIVATIONS for v in a.variants}
    # the fused forms and their rows gufuncs
    for a in cact.ACTIVATIONS:
        for v in cact._table.FUSED:
            expected |= {cact._table.ufunc_name(a, v), cact._table.ufunc_name(a, v) + "_rows"}
    # the parameter rows gufuncs (prelu's channels-last layout)
    expected |= {cact._table.ufunc_name(a, v) + "_prows" for a in cact.ACTIVATIONS
                 for name, v in cact._table.PARAM_ROWS if a.name == name}
    public = {k for k in cact.ufuncs if not k.startswith("_")}
    assert public == expected
    for name in expected:
        assert cact.ufuncs[name].__name__ == name
        assert cact.ufuncs[name].__doc__
