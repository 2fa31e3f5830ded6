"""The plot of bench/bench.py (``--plot PATH.png``; needs matplotlib).

One panel per function, variant and dtype (rows: function and variant,
columns: dtype); x: n (log), y: cact's speed-up over each peer,
peer time / cact time (log), one line per peer; above 1 cact is faster.
A dashed line shows stream time / cact time, the fraction of the in-place
memory stream that cact reaches (1 = at the limit).
"""

from __future__ import annotations

import math

COLORS = {"numpy": "C0", "scipy": "C1", "numexpr": "C2", "torch": "C3", "onnxruntime": "C4"}
MARKERS = {"numpy": "o", "scipy": "s", "numexpr": "^", "torch": "D", "onnxruntime": "v"}


def plot(results: list[dict], path: str, title: str, peers: list[str], variant_label: dict) -> str | None:
    """Write the figure; return None, or why it was not written."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # not installed
        return f"matplotlib is not available ({type(e).__name__}: {e}); no plot written"

    rows = list(dict.fromkeys((r["function"], r["variant"]) for r in results))
    cols = list(dict.fromkeys(r["dtype"] for r in results))
    if not rows:
        return "no results to plot"
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(4.2 * len(cols) + 0.5, 2.6 * len(rows) + 0.8),
                             squeeze=False, sharex=True)
    handles = {}
    for i, (fn, var) in enumerate(rows):
        for j, dt in enumerate(cols):
            ax = axes[i][j]
            cell = sorted((r for r in results if r["function"] == fn and r["variant"] == var
                           and r["dtype"] == dt), key=lambda r: r["n"])
            ax.axhline(1.0, color="0.5", lw=0.8)
            ys = []
            for peer in peers:
                pts = [(r["n"], r["times"][peer] / r["times"]["cact"]) for r in cell
                       if r["times"].get(peer) and r["times"].get("cact")]
                if pts:
                    x, y = zip(*pts)
                    ys += y
                    (h,) = ax.plot(x, y, marker=MARKERS.get(peer, "o"), ms=4,
                                   color=COLORS.get(peer), label=f"vs {peer}")
                    handles.setdefault(f"vs {peer}", h)
            pts = [(r["n"], r["times"]["stream"] / r["times"]["cact"]) for r in cell
                   if r["times"].get("stream") and r["times"].get("cact")]
            if pts:
                x, y = zip(*pts)
                ys += y
                (h,) = ax.plot(x, y, ls="--", color="k", marker=".", label="stream / cact")
                handles.setdefault("stream / cact", h)
            ax.set_xscale("log")
            ax.set_yscale("log")
            if ys:
                lo, hi = min(min(ys), 0.5), max(max(ys), 2.0)
                ax.set_ylim(10 ** (math.floor(math.log10(lo) * 4) / 4), 10 ** (math.ceil(math.log10(hi) * 4) / 4))
            ax.grid(True, which="major", alpha=0.3)
            ax.set_title(f"{fn} {variant_label.get(var, var)}, {dt}", fontsize=9)
            if j == 0:
                ax.set_ylabel("peer time / cact time", fontsize=8)
            if i == len(rows) - 1:
                ax.set_xlabel("n (elements)", fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    fig.legend(list(handles.values()), list(handles), loc="lower center", ncol=min(6, len(handles)),
               fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return None
