"""The README documents every function of the activation table."""

import dataclasses
import difflib
import os
import re
import runpy

import pytest

import cact
from cact import _table

README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")


@pytest.fixture(scope="module")
def readme():
    if not os.path.exists(README):
        pytest.skip("README.md is not beside the tests (installed test run)")
    with open(README, encoding="utf-8") as f:
        return f.read()


@pytest.mark.parametrize("act", cact.ACTIVATIONS, ids=lambda a: a.name)
def test_readme_lists_every_row(readme, act):
    sig = f"`{act.name}(x" + "".join(f", {p.name}={p.default}" for p in act.params) + ")`"
    assert sig in readme, f"README's API table lacks {sig}"


def test_readme_tables_follow_the_rows(readme):
    """The README's API and accuracy-promise tables are rendered from the
    rows (tools/readme_tables.py): a row added or changed without
    regenerating them fails here."""
    script = os.path.join(os.path.dirname(README), "tools", "readme_tables.py")
    if not os.path.exists(script):
        pytest.skip("tools/readme_tables.py is not beside the tests")
    render = runpy.run_path(script)["render"]
    for name in ("api", "promise"):
        assert f"<!-- BEGIN generated: {name} " in readme, f"README.md lost its generated {name} table"
    expected = render(readme)
    if expected != readme:
        diff = "\n".join(difflib.unified_diff(readme.splitlines(), expected.splitlines(), "README.md",
                                              "rendered", lineterm="", n=0))
        pytest.fail("README.md's generated tables differ from cact/_table.py; regenerate them with "
                    "`python tools/readme_tables.py`:\n" + diff)


def test_readme_tables_render_any_row():
    """Rows the table can express but none has yet: no y-form, two parameters."""
    script = os.path.join(os.path.dirname(README), "tools", "readme_tables.py")
    if not os.path.exists(script):
        pytest.skip("tools/readme_tables.py is not beside the tests")
    tool = runpy.run_path(script)
    sig = cact.ACTIVATIONS[0]
    noy = dataclasses.replace(sig, name="noy", grad_y=None,
                              ulp={d: {k: v for k, v in sig.ulp[d].items() if k != "backward_y"}
                                   for d in sig.ulp})
    two = dataclasses.replace(sig, name="two", params=(
        _table.Param("lo", -1.0, "lower end"), _table.Param("hi", 1.0, "upper end", y_min=0.0)))
    api = tool["api_table"]([noy, two]).splitlines()
    assert api[2].startswith("| `noy(x)` |") and api[2].endswith("| none: pass x= |")
    assert api[3].startswith("| `two(x, lo=-1.0, hi=1.0)` |") and api[3].endswith(" (hi >= 0) |")
    promise = tool["promise_table"]([noy]).splitlines()
    assert promise[2] == "| noy | 1 / 1 / 1 / - | 1 / 1 / 1 / - |"


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
