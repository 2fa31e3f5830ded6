"""The type stubs (cact/__init__.pyi) describe the runtime API exactly."""

import ast
import inspect
import os

import pytest

import cact

STUB = os.path.join(os.path.dirname(cact.__file__), "__init__.pyi")


def _stub_functions():
    with open(STUB, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    funcs = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            funcs.setdefault(node.name, node)  # first overload is enough for names
    return tree, funcs


def _stub_params(node: ast.FunctionDef):
    a = node.args
    out = []
    pos = a.posonlyargs + a.args
    defaults = [None] * (len(pos) - len(a.defaults)) + list(a.defaults)
    for arg, d in zip(pos, defaults):
        out.append((arg.arg, "positional", None if d is None else ast.literal_eval(d)))
    if a.vararg is not None:
        out.append(("*" + a.vararg.arg, "positional", None))
    for arg, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((arg.arg, "keyword", None if d is None else ast.literal_eval(d)))
    if a.kwarg is not None:
        out.append(("**" + a.kwarg.arg, "keyword", None))
    return out


def _runtime_params(fn):
    out = []
    for p in inspect.signature(fn).parameters.values():
        kind = "keyword" if p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) else "positional"
        name = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        out.append((name, kind, None if p.default is p.empty else p.default))
    return out


def test_stub_is_shipped():
    assert os.path.exists(STUB)
    assert os.path.exists(os.path.join(os.path.dirname(cact.__file__), "py.typed"))


@pytest.mark.parametrize("name", [n for n in cact.__all__
                                  if callable(getattr(cact, n)) and not isinstance(getattr(cact, n), type)])
def test_stub_matches_runtime_signature(name):
    _, funcs = _stub_functions()
    assert name in funcs, f"{name} is public but missing from cact/__init__.pyi"
    if name == "show_config":
        return  # overloaded on the literal mode
    assert _stub_params(funcs[name]) == _runtime_params(getattr(cact, name))


def test_stub_declares_every_public_name():
    tree, funcs = _stub_functions()
    declared = set(funcs)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            declared.add(node.name)
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
    missing = set(cact.__all__) - declared
    assert not missing, f"missing from the stub: {sorted(missing)}"


def test_stub_classes_have_the_runtime_fields():
    """Public classes (ActivationStats) are declared with their fields."""
    tree, _ = _stub_functions()
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    for name in cact.__all__:
        obj = getattr(cact, name)
        if isinstance(obj, type):
            assert name in classes, f"class {name} is public but missing from the stub"
            fields = [n.target.id for n in classes[name].body
                      if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
            assert tuple(fields) == getattr(obj, "_fields", tuple(fields))
