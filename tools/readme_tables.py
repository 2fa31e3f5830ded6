"""The README's tables that follow from the activation table, rendered from
the rows (cact/_table.py).

    python tools/readme_tables.py           # rewrite them in README.md
    python tools/readme_tables.py --check   # exit 1 if README.md differs

Each table sits between two HTML comments in README.md,
``<!-- BEGIN generated: NAME ... -->`` and ``<!-- END generated: NAME -->``;
only the text between them is replaced.  tests/test_docs.py fails when the
README's copy differs from the rendering, so a new row reaches the README
by running this script.

* ``api``: one line per row, its signature and the formulas of f, f'(x)
  and f' from y (with the parameter condition of the y-form);
* ``promise``: the accuracy bound of every row, dtype and variant (the ULPs
  ``tests/test_accuracy.py`` holds each row to).
"""

from __future__ import annotations

import argparse
import os
import re
import runpy
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
# loaded by path, as setup.py does: stdlib only, no build needed
TABLE = runpy.run_path(os.path.join(ROOT, "cact", "_table.py"))


def _md(formula: str) -> str:
    """A row's formula as a table cell: whitespace collapsed, powers as ^,
    products as juxtaposition, | escaped for the table."""
    text = " ".join(formula.split())
    return text.replace("**", "^").replace(" * ", " ").replace("|", "\\|")


def signature(act) -> str:
    return f"{act.name}(x" + "".join(f", {p.name}={p.default!r}" for p in act.params) + ")"


def api_table(acts=None) -> str:
    lines = ["| function | f(x) | f'(x) (`*_grad`, `*_backward(x=...)`) "
             "| f' from y = f(x) (`*_backward(y=...)`) |",
             "|---|---|---|---|"]
    for act in TABLE["ACTIVATIONS"] if acts is None else acts:
        if act.grad_y is None:
            from_y = "none: pass x="
        else:
            conds = [f"{p.name} >= {p.y_min:g}" for p in act.params if p.y_min is not None]
            from_y = _md(act.grad_y) + (f" ({', '.join(conds)})" if conds else "")
        lines.append(f"| `{signature(act)}` | {_md(act.f)} | {_md(act.grad)} | {from_y} |")
    return "\n".join(lines)


def promise_table(acts=None) -> str:
    variants = TABLE["VARIANT_NAMES"]
    lines = ["| function | float32 " + " / ".join(variants) + " | float64 " + " / ".join(variants) + " |",
             "|---|---|---|"]
    for act in TABLE["ACTIVATIONS"] if acts is None else acts:
        cells = [" / ".join(f"{act.ulp[dt][v]:g}" if v in act.ulp[dt] else "-" for v in variants)
                 for dt in ("float32", "float64")]
        lines.append(f"| {act.name} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


TABLES = {"api": api_table, "promise": promise_table}


def _block(name: str) -> re.Pattern:
    return re.compile(rf"(<!-- BEGIN generated: {name}\b[^>]*-->\n)(.*?)(<!-- END generated: {name} -->)",
                      re.S)


def render(readme: str) -> str:
    """``readme`` with every generated table replaced by its rendering."""
    for name, make in TABLES.items():
        pattern = _block(name)
        if not pattern.search(readme):
            raise ValueError(f"README.md has no '<!-- BEGIN generated: {name} ... -->' block")
        readme = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(3), readme)
    return readme


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if README.md is not up to date")
    args = ap.parse_args(argv)
    with open(README, encoding="utf-8") as f:
        text = f.read()
    new = render(text)
    if args.check:
        if new != text:
            print("README.md's generated tables differ from cact/_table.py: "
                  "run python tools/readme_tables.py", file=sys.stderr)
            return 1
        return 0
    if new != text:
        with open(README, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
