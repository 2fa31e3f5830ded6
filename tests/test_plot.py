"""``python -m cact plot``: the figures, their panels, and the error without matplotlib."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import cact
from cact.__main__ import main


def _mpl():
    return pytest.importorskip("matplotlib", reason="matplotlib not installed (the plot extra)")


def test_every_table_row_has_a_panel():
    _mpl()
    from cact import _plot

    fig = _plot.activations_figure()
    titles = [ax.get_title() for ax in fig.axes]
    # one panel per row of the table, plus maxout; no empty leftover panels
    assert len(fig.axes) == len(cact.ACTIVATIONS) + 1
    for act in cact.ACTIVATIONS:
        assert sum(t.split(" ")[0] == act.name for t in titles) == 1, (act.name, titles)
    assert any(t.startswith("maxout") for t in titles)
    # each row's panel draws f and f' as cact computes them
    for ax, act in zip(fig.axes, cact.ACTIVATIONS):
        f_line, g_line = ax.get_lines()[:2]
        x = np.asarray(f_line.get_xdata())
        assert x[0] == -6.0 and x[-1] == 6.0
        np.testing.assert_array_equal(f_line.get_ydata(), getattr(cact, act.name)(x))
        np.testing.assert_array_equal(g_line.get_ydata(), getattr(cact, act.name + "_grad")(x))


def test_relu_family_figure():
    _mpl()
    from cact import _plot

    fig = _plot.relu_family_figure()
    assert len(fig.axes) == 2
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    for name in ("relu", "leaky_relu", "elu"):
        assert any(lab.split(" ")[0] == name for lab in labels), labels


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_plot_command_writes_files(tmp_path, capsys, fmt):
    _mpl()
    out = tmp_path / "figs"
    assert main(["plot", "--out", str(out), "--format", fmt]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(p) for p in out.iterdir())
    assert len(printed) == 2
    for path in printed:
        assert path.endswith("." + fmt)
        assert os.path.getsize(path) > 1000


def test_plot_without_matplotlib():
    # A None entry in sys.modules makes `import matplotlib` raise ImportError,
    # as on an installation without it; run in a child so this process keeps
    # its matplotlib.
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "from cact.__main__ import main\n"
            "sys.exit(main(['plot', '--out', sys.argv[1]]))")
    out = os.path.join(os.getcwd(), "never-created-by-test-plot")
    r = subprocess.run([sys.executable, "-c", code, out], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2, r
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "matplotlib" in lines[0] and "cact[plot]" in lines[0]
    assert not os.path.exists(out)


def test_no_argument_keeps_the_demonstration(capsys):
    assert main(["--no-speed"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("cact ")
    for act in cact.ACTIVATIONS:
        assert f"\n{act.name}" in out
