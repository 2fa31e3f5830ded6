"""The README documents every function of the activation table."""

import os

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
