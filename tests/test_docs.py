"""The README documents every function of the activation table."""

import os
import re

import pytest

import cact

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


@pytest.fixture(scope="module")
def readme():
    if not os.path.exists(README):
        pytest.skip("README.md is not beside the tests (installed test run)")
    with open(README, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_readme_lists_every_row(readme, act):
    sig = f"`{act.name}(x" + (f", {act.params[0].name}={act.params[0].default})`" if act.params else ")`")
    assert sig in readme, f"README's API table lacks {sig}"


def test_readme_has_the_two_commands(readme):
    assert "pip install . && python -m cact" in readme
    assert 'pip install ".[test]" && pytest' in readme


@pytest.mark.parametrize("name", [n for n in cact.__all__ if callable(getattr(cact, n))])
def test_public_functions_have_docstrings(name):
    doc = getattr(cact, name).__doc__
    assert doc and len(doc.strip()) > 40, name


def _clauses(doc: str) -> list[str]:
    """The clauses of a docstring: its text with the line breaks joined, cut
    at sentence and clause punctuation and parentheses, those of at least
    three words (shorter ones, such as "default 0.01", legitimately recur)."""
    text = " ".join(doc.split())
    parts = (" ".join(p.split()) for p in re.split(r"[.;,()]|\s-\s", text))
    return [p for p in parts if len(p.split()) >= 3]


@pytest.mark.parametrize(
    "name",
    [n for n in cact.__all__ if callable(getattr(cact, n))] + sorted(f"ufuncs[{n!r}]" for n in cact.ufuncs),
)
def test_docstrings_do_not_repeat_a_clause(name):
    # issue 15, item 8: "from y: ... (requires alpha >= 0)) (requires alpha >= 0, else ValueError)"
    obj = cact.ufuncs[name[8:-2]] if name.startswith("ufuncs[") else getattr(cact, name)
    clauses = _clauses(obj.__doc__)
    repeated = sorted({c for c in clauses if clauses.count(c) > 1})
    assert not repeated, f"cact.{name}'s docstring repeats {repeated}"
