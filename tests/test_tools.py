"""The reliability tools in tools/ keep working: the fuzz harness runs a
short random campaign (no atheris needed), the shell scripts parse."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import cact

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "tools")
pytestmark = pytest.mark.skipif(not os.path.isdir(TOOLS), reason="no tools/ in this checkout")


def _env():
    pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
    return dict(os.environ, PYTHONPATH=pkg_parent + os.pathsep + os.environ.get("PYTHONPATH", ""))


def test_fuzz_harness_random_inputs():
    """tools/fuzz.py's oracle holds on 1500 random inputs (reproducible seed)."""
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "fuzz.py"), "--random", "1500", "--seed", "7"],
                       capture_output=True, text=True, timeout=600, env=_env())
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert "no failure" in r.stdout


@pytest.mark.parametrize("script", ["sanitize.sh", "valgrind.sh"])
def test_shell_scripts_parse(script):
    if shutil.which("bash") is None:
        pytest.skip("no bash")
    subprocess.run(["bash", "-n", os.path.join(TOOLS, script)], check=True)


def test_valgrind_report_parser(tmp_path):
    """tools/valgrind_report.py counts an error with a frame in cact's
    extension, and ignores one elsewhere."""
    xml = tmp_path / "m.xml"
    frame = "<frame><obj>{obj}</obj><fn>f</fn></frame>"
    err = ("<error><kind>InvalidRead</kind><what>bad</what><stack>" + frame + "</stack></error>")
    xml.write_text("<valgrindoutput>" + err.format(obj="/usr/lib/libpython3.so")
                   + "</valgrindoutput>")
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "valgrind_report.py"), str(xml)],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "0 in cact's code" in r.stdout
    xml.write_text("<valgrindoutput>" + err.format(obj="/x/cact/_core.cpython-311-x86_64-linux-gnu.so")
                   + "</valgrindoutput>")
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "valgrind_report.py"), str(xml)],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "1 in cact's code" in r.stdout


def _exhaustive_tool():
    sys.path.insert(0, TOOLS)
    try:
        import exhaustive_f32
    finally:
        sys.path.remove(TOOLS)
    return exhaustive_f32


def test_exhaustive_f32_tool_runs():
    """tools/exhaustive_f32.py builds its C driver from src/ and measures every
    function it renders from the rows (those with a C reference: the exp
    family today) within 1 ULP (a sparse stride here; the full sweep is the
    opt-in run recorded in the README)."""
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        pytest.skip("no C compiler")
    level = cact._core.isa()
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "exhaustive_f32.py"), "--stride", "999983",
                        "--levels", level], capture_output=True, text=True, timeout=600, env=_env())
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    rows = [line for line in r.stdout.splitlines() if line.startswith("| ") and "ULP" not in line]
    funcs = _exhaustive_tool().functions()
    assert len(funcs) >= 9 and {a.name for a, _ in funcs} >= {"sigmoid", "tanh", "elu"}
    assert len(rows) == 1 + len(funcs), r.stdout  # header + each row's f, grad, backward_x
    for act, variant in funcs:
        assert any(line.startswith(f"| {act.name} {variant} |") for line in rows), (act.name, variant)


def test_exhaustive_f32_renders_any_row(tmp_path):
    """A row brings itself into the exhaustive sweep with its C reference:
    here leaky_relu (the linear family, a parameter), given one for the
    test, is compiled and measured within its row's promise (0.5 ULP: the one
    rounding of alpha * x, 0 for the derivative)."""
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        pytest.skip("no C compiler")
    import dataclasses

    tool = _exhaustive_tool()
    refs = {name: dataclasses.replace(ref, c_f=None) for name, ref in tool.reference.REFERENCES.items()}
    refs["leaky_relu"] = dataclasses.replace(refs["leaky_relu"], c_f="return x > 0 ? x : alpha * x;",
                                             c_grad="return x > 0 ? 1 : alpha;")
    funcs = tool.functions(refs)
    assert [(a.name, v) for a, v in funcs] == [("leaky_relu", v) for v in tool.MEASURED]
    (tmp_path / "exhaustive_rows.h").write_text(tool.render_header(funcs, refs))
    exe = tool.build(cact._core.isa(), str(tmp_path))
    for fn, (act, variant) in enumerate(funcs):
        out = subprocess.run([exe, str(fn), "999983", "0.3"], capture_output=True, text=True,
                             check=True).stdout.split("\t")
        assert out[0] == f"leaky_relu {variant}", out
        assert float(out[1]) <= act.ulp["float32"][variant], out


def test_rows_subset_for_the_wheel_runs(tmp_path):
    """CACT_TEST_ROWS (tools/check_wheels.sh) keeps the row-parametrised tests
    of the named rows and every test not parametrised by a row; an unknown
    name is a usage error."""
    here = os.path.dirname(os.path.abspath(__file__))

    def collect(rows):
        # the cact this test imported (an in-place build or the installed one)
        pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(cact.__file__)))
        path = os.pathsep.join(p for p in (pkg_parent, os.environ.get("PYTHONPATH", "")) if p)
        env = dict(os.environ, CACT_TEST_ROWS=rows, PYTHONPATH=path)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "--co", "-q", "-p", "no:cacheprovider",
             os.path.join(here, "test_fastpath.py")],
            capture_output=True, text=True, env=env, cwd=str(tmp_path), timeout=120)

    full = collect("")
    sub = collect("relu")
    ids = lambda r: [ln for ln in r.stdout.splitlines() if "::" in ln]  # noqa: E731
    assert full.returncode == 0 and sub.returncode == 0, full.stderr + sub.stderr
    names = [a.name for a in cact.ACTIVATIONS]
    kept = ids(sub)
    assert 0 < len(kept) < len(ids(full))
    others = [n for n in names if n != "relu"]
    # ids carry the row's name; "relu" is a prefix of "relu6": compare tokens
    for item in kept:
        tokens = set(item.replace("[", "-").replace("]", "-").split("-"))
        assert not tokens & set(others), item
    assert any("relu" in i for i in kept)
    assert any("maxout" in i for i in kept)  # not parametrised by a row
    bad = collect("nope")
    assert bad.returncode != 0 and "CACT_TEST_ROWS names no row" in bad.stdout + bad.stderr


def test_data_dependence_tool_runs():
    """bench/data_dependence.py times every variant of a row at each value and
    level asked for, and prints the ratio of its slowest to fastest value."""
    script = os.path.join(ROOT, "bench", "data_dependence.py")
    if not os.path.exists(script):
        pytest.skip("no bench/ in this checkout")
    r = subprocess.run([sys.executable, script, "--rows", "elu", "--level", "baseline", "--n", "256",
                        "--repeat", "1", "--values", "1", "-1", "--all"],
                       capture_output=True, text=True, timeout=300, env=_env())
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("elu ")]
    kernels = {" ".join(ln.split()[1:3]) for ln in lines}
    assert kernels == {f"{v} {d}" for v in ("f", "grad", "backward_x", "backward_y")
                       for d in ("float32", "float64")}
    assert all(len(ln.split()) == 3 + 2 + 1 and float(ln.split()[-1]) >= 1.0 for ln in lines)
    assert "worst max/min" in r.stdout


def test_softmax_bench_runs():
    """bench/softmax.py times cact against the peers it finds (NumPy at
    least) and prints one table row per cell, with the ratios."""
    script = os.path.join(ROOT, "bench", "softmax.py")
    if not os.path.exists(script):
        pytest.skip("no bench/ in this checkout")
    r = subprocess.run([sys.executable, script, "--sizes", "40", "--rows-of", "4,40", "--dtypes", "float32",
                        "--functions", "softmax", "--peers", "numpy", "--repeat", "1", "--threads", "1"],
                       capture_output=True, text=True, timeout=300, env=_env())
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith("| softmax |")]
    assert len(rows) == 4  # f and backward x rows of 4 and 40
    for ln in rows:
        cols = [c.strip() for c in ln.strip("|").split("|")]
        assert float(cols[-2]) > 0  # best peer / cact
        assert cols[-1] == "nan" or float(cols[-1]) > 0  # stream / cact (nan: no C compiler)


def test_prelu_bench_runs():
    """bench/prelu.py times cact's prelu and prelu_backward next to NumPy (and
    PyTorch where installed), one table row per pass, dtype and layout."""
    script = os.path.join(ROOT, "bench", "prelu.py")
    if not os.path.exists(script):
        pytest.skip("no bench/ in this checkout")
    r = subprocess.run([sys.executable, script, "--shape", "2,3,4,5", "--dtypes", "float32",
                        "--repeat", "1", "--threads", "1"],
                       capture_output=True, text=True, timeout=300, env=_env())
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    rows = [ln for ln in r.stdout.splitlines() if ln.startswith(("| forward |", "| backward |"))]
    assert len(rows) == 4
    assert all(float(ln.strip("|").split("|")[-1]) > 0 for ln in rows)


def test_kernel_times_tool_runs(tmp_path):
    """tools/kernel_times.py renders a timed loop for every variant and dtype
    of the rows asked, builds it at the level asked and prints a positive
    time for each; --json writes them and --compare reads them back."""
    if shutil.which(os.environ.get("CC", "gcc")) is None:
        pytest.skip("no C compiler")
    level = cact._core.isa()
    js = tmp_path / "t.json"
    cmd = [sys.executable, os.path.join(TOOLS, "kernel_times.py"), "--rows", "sigmoid,celu",
           "--levels", level, "--rounds", "2", "--json", str(js)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=_env())
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith(("| sigmoid", "| celu"))]
    want = {(a.name, v, dt) for a in cact.ACTIVATIONS if a.name in ("sigmoid", "celu")
            for v in a.variants for dt in ("float32", "float64")}
    assert {tuple(c.strip() for c in ln.split("|")[1:4]) for ln in lines} == want
    assert all(float(ln.split("|")[4]) > 0 for ln in lines), r.stdout
    saved = json.loads(js.read_text())
    assert saved["levels"] == [level] and len(saved["ns"]) == len(want)
    r = subprocess.run(cmd[:-2] + ["--compare", str(js)], capture_output=True, text=True, timeout=600,
                       env=_env())
    assert r.returncode == 0 and "(" in r.stdout.splitlines()[-1], r.stdout[-2000:] + r.stderr[-2000:]
