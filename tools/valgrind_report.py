#!/usr/bin/env python
"""Summarise a valgrind memcheck XML report (tools/valgrind.sh).

    python tools/valgrind_report.py memcheck.*.xml

An error counts against cact when any frame of its stack is in cact's
extension module (the object file ``cact/_core*.so`` or a source file of
``src/``).  Exit status 1 if there is any such error (definite leaks
included), 0 otherwise; the other reports are summarised by kind.
"""

from __future__ import annotations

import collections
import re
import sys
import xml.etree.ElementTree as ET

CACT_OBJ = re.compile(r"cact/_core[^/]*\.so$")
CACT_SRC = re.compile(r"^(cact_[a-z0-9_]+\.(c|h|inc)|_core\.c)$")


def frames(err):
    for stack in err.iter("stack"):
        for fr in stack.iter("frame"):
            yield {k: (fr.findtext(k) or "") for k in ("obj", "fn", "file", "line")}


def in_cact(err) -> bool:
    return any(CACT_OBJ.search(f["obj"]) or CACT_SRC.match(f["file"]) for f in frames(err))


def describe(err) -> str:
    what = err.findtext("what") or err.findtext("xwhat/text") or ""
    fr = [f"{f['fn'] or '?'} ({f['file'] or f['obj'].rsplit('/', 1)[-1]}:{f['line']})"
          for f in frames(err)][:8]
    return f"{err.findtext('kind')}: {what}\n    " + "\n    ".join(fr)


def main(paths: list[str]) -> int:
    errors, suppressed = [], 0
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            # a forked child that exec'd another program (e.g. platform's
            # "uname -p") leaves a report without its end: no errors in it
            print(f"valgrind: {path}: no complete report (a child that exec'd another program)")
            continue
        errors += root.findall("error")
        suppressed += sum(int(p.findtext("count") or 0) for p in root.iter("pair"))
    ours = [e for e in errors if in_cact(e)]
    others = collections.Counter(e.findtext("kind") for e in errors if not in_cact(e))
    print(f"valgrind: {len(paths)} process(es), {len(errors)} error reports "
          f"({suppressed} suppressed), {len(ours)} in cact's code")
    if others:
        print("  elsewhere (interpreter, NumPy, loader): " +
              ", ".join(f"{k} x{v}" for k, v in others.most_common()))
    for e in ours:
        print(describe(e))
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
