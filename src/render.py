"""Render the generated C files from the activation table (cact/_table.py).

    src/cact_kernels.inc.tp -> src/cact_kernels.inc  (kernels, included once
                                                      per instruction-set level)
    src/cact_ufuncs.c.tp    -> src/cact_ufuncs.c     (NumPy loops, ufunc specs)
    src/_fast.pxi.tp        -> src/_fast.pxi         (public wrappers with the
                                                      fast path, in _core.pyx)
    cact/__init__.pyi.tp    -> cact/__init__.pyi     (type stubs)

Used by setup.py at build time; also runnable by hand:
    python src/render.py
Only the standard library and Cython's bundled Tempita are needed.
"""

from __future__ import annotations

import json
import os
import runpy

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

DTYPES = (("f32", "float"), ("f64", "double"))

# Data operands of each variant, before the parameters.
VARIANT_INPUTS = {
    "f": ("x",),
    "grad": ("x",),
    "backward_x": ("g", "x"),
    "backward_y": ("g", "y"),
}


def load_table(path: str | None = None) -> dict:
    return runpy.run_path(path or os.path.join(ROOT, "cact", "_table.py"))


def _c_string(text: str) -> str:
    # json.dumps gives a valid C string literal for ASCII text.
    text.encode("ascii")
    return json.dumps(text)


def prefetches(act, variant: str) -> bool:
    """Whether the contiguous loop of this row's variant prefetches ahead of
    each block (src/cact_common.h, CACT_PREFETCH_AHEAD): the exp family's
    computed variants, whose long element functions keep few loads in
    flight, and not the light loops (the linear and rational rows, every
    backward from y), which issue their loads as fast as memory delivers
    them and which the burst of prefetches slowed."""
    return act.family == "exp" and variant != "backward_y"


def light_prefetches(act, variant: str) -> bool:
    """Whether the contiguous loop of this row's variant, a light one
    (prefetches() is false), prefetches where the CPU gains from it, in the
    short blocks that cact_prefetch_short selects (src/cact_common.h): every
    backward from y, two input streams and a short element function, which
    the burst of prefetches() slowed on an AMD EPYC and the short blocks sped
    up on an Intel Xeon."""
    return variant == "backward_y"


def kernel_context(table: dict) -> dict:
    kernels = []
    for act in table["ACTIVATIONS"]:
        nparams = len(act.params)
        for variant in act.variants:
            data = VARIANT_INPUTS[variant]
            ndata = len(data)
            nin = ndata + nparams
            ufunc = table["ufunc_name"](act, variant)
            formula = {
                "f": f"y = {act.f}",
                "grad": f"y = {act.grad}",
                "backward_x": f"out = g * ({act.grad})",
                "backward_y": f"out = g * ({act.grad_y})",
            }[variant]
            if variant == "backward_y":
                # the ufunc computes whatever alpha it is given; cact's API checks
                formula += "".join(f" (valid for {p.name} >= {p.y_min:g})"
                                   for p in act.params if p.y_min is not None)
            args = ", ".join([f"{name}" for name in data] + [p.name for p in act.params])
            doc = (
                f"{ufunc}({args}) ufunc: {formula.splitlines()[0]}. "
                f"float32 and float64 loops. See cact.{act.name}"
                + ("" if variant == "f" else "_grad" if variant == "grad" else "_backward")
                + " for the full documentation."
            )

            kernels.append(
                {
                    "ufunc": ufunc,
                    "elements": [f"cact_{act.name}_{variant}"],
                    "fused": False,
                    "prefetch": prefetches(act, variant),
                    "light_prefetch": light_prefetches(act, variant),
                    "formula": formula.replace("*/", "* /").splitlines()[0],
                    "ndata": ndata,
                    "nparams": nparams,
                    "nin": nin,
                    "nout": 1,
                    "doc_c": _c_string(doc),
                }
            )
    # The fused forms (cact/_table.py FUSED): f, or f and f', of x + b (the
    # bias rounded in once, as NumPy's x + b) in one pass, each an
    # elementwise ufunc (any broadcasting, a 0-d bias included) whose kernel
    # also serves the rows gufunc "(n),(n)->(n)" of the common layout (a 1-D
    # bias along the last axis of a C-contiguous x), threaded over the rows.
    fused = []
    for act in table["ACTIVATIONS"]:
        nparams = len(act.params)
        pnames = [p.name for p in act.params]
        for variant, outs in table["FUSED"].items():
            ufunc = table["ufunc_name"](act, variant)
            nin = 2 + nparams
            what = {"f": "f(z)", "grad": "f'(z)"}
            doc = (f"{ufunc}({', '.join(['x', 'b'] + pnames)}) ufunc -> "
                   + ", ".join(what[o] for o in outs)
                   + f" with z = x + b. float32 and float64 loops. See cact.{act.name}"
                   + " (bias=, deriv_out=).")
            fused.append({
                "ufunc": ufunc,
                "elements": [f"cact_{act.name}_{o}" for o in outs],
                "fused": True,
                "prefetch": prefetches(act, "f"),
                "light_prefetch": False,
                "formula": ", ".join(what[o] for o in outs) + ", z = x + b",
                "ndata": 2,
                "nparams": nparams,
                "nin": nin,
                "nout": len(outs),
                "doc_c": _c_string(doc),
                # the rows gufunc of the same kernel
                "rows_ufunc": ufunc + "_rows",
                "rows_signature": ",".join(["(n)"] * 2 + ["()"] * nparams)
                + "->" + ",".join(["(n)"] * len(outs)),
            })
    kernels += fused
    # The parameter rows gufuncs (cact/_table.py PARAM_ROWS) of plain kernels.
    prows = {table["ufunc_name"](a, v) for a in table["ACTIVATIONS"]
             for name, v in table["PARAM_ROWS"] if a.name == name}
    for k in kernels:
        if k["ufunc"] in prows:
            k["prows_ufunc"] = k["ufunc"] + "_prows"
            k["prows_signature"] = ",".join(["(n)"] * k["nin"]) + "->(n)"
    chunks = [
        {"name": f"{k['ufunc']}_{t}", "nargs": k["nin"] + k["nout"], "nout": k["nout"],
         "work_per_item": "1", "core_span": "0", "rows_ufunc": k.get("rows_ufunc"),
         "prows_ufunc": k.get("prows_ufunc"), "nin": k["nin"], "fused": k["fused"]}
        for k in kernels
        for t, _T in DTYPES
    ]
    # The axis operations (cact/_table.py AXIS_OPS): gufuncs whose steps after
    # the operands' outer steps are the core strides.
    axis = []
    for op in table["AXIS_OPS"]:
        nargs = op.nin + 1
        axis.append({
            "name": op.name, "ufunc": op.ufunc, "kind": op.kind, "nin": op.nin,
            "nargs": nargs, "signature": op.signature, "nonempty": int(op.nonempty),
            "blocks": op.blocks,
            "doc_c": _c_string(f"{op.ufunc}({op.args}) -> {op.formula}. Use cact.{op.public}."),
        })
        chunks += [
            {"name": f"{op.name}_{t}", "nargs": nargs, "work_per_item": op.work_per_item,
             "core_span": op.core_span, "rows": op.kind == "rows"}
            for t, _T in DTYPES
        ]
    # The stats kernels of cact.forward_with_stats (chunks only, no ufunc):
    # the forward plus counts, saturation tested on y where the row gives the
    # interval (saturated_y), and from f'(x) for every row (parameters outside
    # the y-form, rows without the interval).
    stats = []
    for act in table["ACTIVATIONS"]:
        for mode in ("x", "y") if act.saturated_y is not None else ("x",):
            stats.append({"name": f"{act.name}_stats_{mode}", "row": act.name, "mode": mode,
                          "fused": act.family == "linear",
                          "prefetch": prefetches(act, "f"),
                          "nparams": len(act.params),
                          "pargs": "".join(f", p{j}" for j in range(len(act.params)))})
    chunks += [
        {"name": f"{s['name']}_{t}", "nargs": s["nparams"] + 5, "work_per_item": "1",
         "core_span": "0", "ufunc": False}
        for s in stats
        for t, _T in DTYPES
    ]
    # prelu_backward's one-pass kernels (src/cact_prelu.h; chunks only, called
    # by src/_core.pyx's fast path through cact_run_rows)
    chunks += [
        {"name": f"{name}_{t}", "nargs": 5, "work_per_item": "dims[1]", "core_span": "0",
         "ufunc": False}
        for name in ("prelu_bw_rows", "prelu_bw_cols")
        for t, _T in DTYPES
    ]
    # The public wrappers (_fast.pxi): spec indices are positions in
    # cact_ufunc_specs, which lists the kernels in this order.
    spec = {k["ufunc"]: i for i, k in enumerate(kernels)}
    # the rows gufuncs follow the kernels in cact_ufunc_specs (cact_ufuncs.c.tp)
    spec.update({k["rows_ufunc"]: len(kernels) + i
                 for i, k in enumerate(k for k in kernels if k.get("rows_ufunc"))})
    rows = []
    for act in table["ACTIVATIONS"]:
        uname = lambda v, a=act: table["ufunc_name"](a, v)  # noqa: E731
        ps = act.params
        # The compiled fast path carries up to two parameters (_fast_call's
        # p0, p1); a row's conditions on them (Param.bound) are tested here,
        # on Python floats, before the fast call: a call that fails one (or
        # passes anything but floats) goes to the validating implementation,
        # which raises the ValueError.  Rows with more parameters call the
        # validating implementation (Activation.fast_path).
        has_y = "backward_y" in act.variants
        conds = []
        for q in ps:
            if q.bound is not None:
                op, b = q.bound
                rhs = b if isinstance(b, str) else repr(float(b))
                typed = [q.name] + ([b] if isinstance(b, str) else [])
                conds.append(" and ".join(f"type({t}) is float" for t in typed)
                             + f" and {q.name} {op} {rhs}")
        bound_cond = " and ".join(conds) if conds else "True"
        y_min = [q for q in ps if q.y_min is not None]
        rows.append({
            "name": act.name,
            "fast": act.fast_path,
            "has_y": has_y,
            "spec_f": spec[uname("f")],
            "spec_grad": spec[uname("grad")],
            "spec_bx": spec[uname("backward_x")],
            "spec_by": spec[uname("backward_y")] if has_y else -1,
            # the fused forms (bias=, deriv_out=): the elementwise kernel, then
            # its rows gufunc, for f alone and for f with f'
            "spec_bias": ", ".join(str(spec[u]) for v in ("f_bias", "fd_bias")
                                   for u in (uname(v), uname(v) + "_rows")),
            # the Python signatures' parameters with their defaults (after x
            # in the forward functions, keyword-only after y in the backward)
            "params_sig": "".join(f", {q.name}={q.default!r}" for q in ps),
            "params_fwd": "".join(f", {q.name}" for q in ps),
            "params_bwd": "".join(f", {q.name}={q.name}" for q in ps),
            "params_arg": ", ".join([q.name for q in ps] + ["None"] * (2 - len(ps)) + [str(len(ps))])
            if len(ps) <= 2 else "",
            # a condition the fast call needs first (Param.bound), or "True"
            "bound_cond": bound_cond,
            "param_names": [q.name for q in ps],
            "stub_params": "".join(f", {q.name}: float = {q.default!r}" for q in ps),
            "y_cond": "".join(f" and type({q.name}) is float and {q.name} >= {float(q.y_min)!r}"
                              for q in y_min),
        })
    return {"kernels": kernels, "chunks": chunks, "rows": rows, "dtypes": DTYPES, "stats": stats,
            "axis": axis}


TEMPLATES = (
    ("cact_kernels.inc.tp", "cact_kernels.inc"),
    (os.path.join("..", "cact", "__init__.pyi.tp"), os.path.join("..", "cact", "__init__.pyi")),
    ("cact_ufuncs.c.tp", "cact_ufuncs.c"),
    ("_fast.pxi.tp", "_fast.pxi"),
)


def render(table_path: str | None = None) -> list[str]:
    """Render every template; rewrite an output only if its text changed."""
    from Cython import Tempita

    context = kernel_context(load_table(table_path))
    written = []
    for template_name, out_name in TEMPLATES:
        template_path = os.path.join(HERE, template_name)
        out_path = os.path.join(HERE, out_name)
        with open(template_path, encoding="utf-8") as f:
            template = Tempita.Template(f.read(), name=template_path)
        text = template.substitute(**context)
        old = None
        if os.path.exists(out_path):
            with open(out_path, encoding="utf-8") as f:
                old = f.read()
        if text != old:
            with open(out_path, "w", encoding="utf-8") as f:
                f.write(text)
        written.append(out_path)
    return written


if __name__ == "__main__":
    print("\n".join(render()))
