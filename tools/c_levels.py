"""Build a C driver over cact's element functions at one instruction-set
level: the shared part of tools/exhaustive_f32.py and tools/kernel_times.py.

The driver includes tools/level_target.h first, which sets the target
pragmas and CACT_KERNEL_FMA of src/cact_isa_<level>.c from -DLEVEL, so the
element functions compile as the extension's kernels do; the header the
tool renders (its rows) is found in the build folder.
"""

import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# -DLEVEL of tools/level_target.h for each level name of cact._core.isa_levels()
LEVELS = {"baseline": 0, "avx2": 1, "avx512": 2}


def available_levels():
    """The levels this CPU runs (needs the built extension)."""
    import cact
    return [name for name, ok in cact._core.isa_levels() if ok]


def build(source: str, level: str, tmp: str, extra=()) -> str:
    """Compile tools/<source>.c at `level` into tmp (where the rendered
    header is) and return the executable's path."""
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    exe = os.path.join(tmp, f"{source}_{level}")
    subprocess.run([cc, "-O3", "-fno-trapping-math", *extra, f"-DLEVEL={LEVELS[level]}",
                    "-I", tmp, "-I", os.path.join(ROOT, "src"), "-I", os.path.join(ROOT, "tools"),
                    os.path.join(ROOT, "tools", f"{source}.c"), "-o", exe, "-lm"], check=True)
    return exe
