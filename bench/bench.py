#!/usr/bin/env python
"""Benchmark cact side by side with every peer users would otherwise pick.

One run times, for every row of ``cact.ACTIVATIONS`` (a new row is
benchmarked automatically) and for maxout with 2 and 4 pieces, the in-place
cact call against, when they are installed (bench/_peers.py, from the peer
data of each row, ``Activation.peers``):

    numpy        the best plain-NumPy formulation with out= (cact/_numpy_ref.py)
    scipy        scipy.special.expit (sigmoid)
    numexpr      one expression, out=, same threads
    torch        CPU kernels in place on torch.from_numpy views (sigmoid_,
                 tanh_, relu_, F.leaky_relu_, F.elu_; backward through
                 torch.ops.aten.*_backward with grad_input= the gradient)
    onnxruntime  a tiny ONNX model per case, IO-bound in place

and the memory-stream limit (bench/_stream.py), built at start-up from C with
OpenMP and the same threads: ``x *= 1`` ("stream", one read and one write per
element) and, for backward rows, ``g = g*1 + y*0`` ("stream2", two reads and
one write).  A peer whose package does not import is skipped; the header lists
the peers found, with versions.  To install them all (and matplotlib for
``--plot``): ``pip install scipy numexpr torch onnx onnxruntime matplotlib``
(on the project machine: ``torch==2.13.0``, the CPU build).

Grid: variants ``forward`` f(x, out=x) and ``backward(y)`` f_backward(g, y=y,
out=g) by default (``--variants`` adds ``grad`` f_grad(x, out=x) and
``backward_x`` f_backward(g, x, out=g)); float32 and float64; n = 10^3, 10^5,
10^6, 10^7, 10^8 elements (a cell at 10^8 float64 holds up to about 9 GB of
inputs, copies and scratch buffers; leave 10^8 out with ``--sizes``).  Maxout
works on rows of 1000 columns (n is the input size).

Method (bench/_timing.py): inputs uniform in [-8, 8] (seeded); g likewise,
y = f(x).  Before each timed call the buffer it overwrites is refilled from a
pristine copy (untimed).  A sample is the mean over an inner loop that lasts
at least ``--min-sample-ms``; the samples of cact, every peer formulation and
the stream are interleaved, and each keeps its best of ``--repeat`` samples
(``--large-repeat`` at n >= 10^8).  With more than one thread, each sample
waits first (``--settle-ms``) until the thread pools of the previous one have
stopped spinning: ONNX Runtime's spin for tens of ms after a run, OpenMP's
for a few, and would otherwise take a core from the next sample.  The
stream times itself inside C (no Python call), with 1 and with the
benchmark's threads, the faster counting.  torch views and ONNX Runtime
sessions and bindings are made once per cell, outside the timing.

Correctness: in every cell each peer's result is compared with cact's
(relative and absolute tolerance 64 eps, the absolute one scaled by the
largest result), and the inputs it must only read are checked untouched.  A
peer that differs is still timed and marked ``*`` in the table, with the
difference in a note; one that fails is left out of that cell.

Table: one row per cell with each peer's time (its fastest formulation), the
stream's, the fastest peer, ``vs best`` = fastest peer time / cact time (above
1.00x cact is faster), ``vs stream`` = stream time / cact time (the fraction
of the memory-stream speed cact reaches) and cact's throughput.  Then a
summary: the geometric mean of ``vs best`` per size, the cells where a peer
is faster, and cact / stream at the largest size.

``--overhead``: the per-call cost at n = 1 and 16 (or ``--sizes``): cact, the
peers and ``np.tanh(x, out=x)`` on an array of the same size and dtype, with
cact / np.tanh per row.

Examples::

    python bench/bench.py                                   # the full grid (long)
    python bench/bench.py --sizes 1e3,1e5,1e6,1e7           # without 10^8
    python bench/bench.py --quick                           # smoke run (a minute or two)
    python bench/bench.py --funcs sigmoid,maxout --dtypes float32 --threads 1
    python bench/bench.py --peers numpy,torch,stream --variants all
    python bench/bench.py --markdown --json results.json --plot speedup.png
    python bench/bench.py --overhead
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import math
import os
import sys

import numpy as np

# bench/ is not a package: make its helpers importable however it is run
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)
try:
    import cact
except ImportError:  # not installed: use the in-place build of this checkout
    sys.path.insert(1, os.path.dirname(_HERE))
    import cact
from cact import _numpy_ref as ref  # noqa: E402
from cact._table import ACTIVATIONS  # noqa: E402

from _peers import PEER_ORDER, load_peers  # noqa: E402
from _stream import StreamLib  # noqa: E402
from _timing import Timed, fmt_time, machine_info, measure_interleaved, timer_overhead_ns  # noqa: E402

VARIANTS = ("f", "grad", "backward_x", "backward_y")
DEFAULT_VARIANTS = ("f", "backward_y")
VARIANT_LABEL = {
    "f": "forward",
    "grad": "grad",
    "backward_x": "backward(x)",
    "backward_y": "backward(y)",
    "backward": "backward",
}
MAXOUT_PIECES = (2, 4)
MAXOUT_COLS = 1000
DEFAULT_SIZES = (10**3, 10**5, 10**6, 10**7, 10**8)
QUICK_SIZES = (10**3, 10**5)
OVERHEAD_SIZES = (1, 16)
LARGE_N = 10**8
DTYPES = {"float32": np.float32, "float64": np.float64}
CHECK_CHUNK = 1 << 20


# ------------------------------------------------------------------- cells
class Cell:
    """The buffers and timed calls of one table cell."""

    def __init__(self):
        self.items: dict[str, Timed] = {}     # "cact", "<peer>#<i>", "np.tanh"
        self.streams: dict[str, Timed] = {}   # "stream#<threads>", "stream2#<threads>"
        self.reset_out = None                 # prepares the output before a checked call
        self.out = None                       # where the checked call leaves its result
        self.inputs: tuple = ()               # arrays handed to the peers to read only
        self.pristine: list = []

    def result_of(self, label: str) -> np.ndarray:
        """Run one call on fresh input; its result (a view of the output buffer)."""
        self.reset_out()
        self.items[label].call()
        self.items[label].warm = True
        return self.out


def _params(act) -> dict:
    return {p.name: p.default for p in act.params}


def _add_peers(cell, peers, key, args, refill, notes, where):
    for pname, peer in peers.items():
        for i, mk in enumerate(peer.makers(*key)):
            try:
                call = mk(*args)
            except Exception as e:  # a peer that cannot set this case up
                notes.setdefault((where, pname, "setup"), f"{pname} setup failed: {type(e).__name__}: {e}")
                call = None
            if call is not None:
                cell.items[f"{pname}#{i}"] = Timed(f"{pname}#{i}", call, refill)


def _elementwise_cell(act, variant, dtype, n, rng, peers, ctx) -> Cell:
    x0 = rng.uniform(-8, 8, n).astype(dtype)
    params = _params(act)
    fwd = getattr(cact, act.name)
    cell = Cell()
    if variant in ("f", "grad"):
        fn = fwd if variant == "f" else getattr(cact, act.name + "_grad")
        target0, v = x0, None
        buf = target0.copy()
        cact_call = functools.partial(fn, buf, out=buf)
    else:
        bw = getattr(cact, act.name + "_backward")
        target0 = rng.uniform(-8, 8, n).astype(dtype)
        v = x0 if variant == "backward_x" else fwd(x0)
        buf = target0.copy()
        cell.inputs = (v,)
        if variant == "backward_x":
            cact_call = functools.partial(bw, buf, v, out=buf)
        else:
            cact_call = functools.partial(bw, buf, y=v, out=buf)
    refill = functools.partial(np.copyto, buf, target0)
    ws = ref.Workspace(buf)
    cell.items["cact"] = Timed("cact", cact_call, refill)
    _add_peers(cell, peers, (act.name, variant), (buf, v, ws, params), refill, ctx["notes"],
               (act.name, variant, np.dtype(dtype).name))
    if ctx.get("tanh_ref"):  # --overhead: np.tanh(x, out=x) on an array of the same size
        t0 = x0.copy()
        t = t0.copy()
        cell.items["np.tanh"] = Timed("np.tanh", functools.partial(np.tanh, t, out=t),
                                      functools.partial(np.copyto, t, t0))
    stream = ctx.get("stream")
    if stream is not None:
        for nt in sorted({1, ctx["threads"]}):
            cell.streams[f"stream#{nt}"] = stream.timed(f"stream#{nt}", buf, nt)
            if v is not None:
                cell.streams[f"stream2#{nt}"] = stream.timed(f"stream2#{nt}", buf, nt, y=v)
    cell.reset_out = refill
    cell.out = buf
    cell.pristine = [a.copy() for a in cell.inputs]
    cell._keep = (buf, ws, target0, v)  # noqa: SLF001  (alive as long as the calls)
    return cell


def _maxout_cell(pieces, variant, dtype, n, rng, peers, ctx) -> Cell:
    rows = n // MAXOUT_COLS
    z = rng.uniform(-8, 8, (rows, MAXOUT_COLS)).astype(dtype)
    m = MAXOUT_COLS // pieces
    ws = ref.Workspace(z)
    cell = Cell()
    if variant == "f":
        g = None
        out = np.empty((rows, m), dtype)
        cell.items["cact"] = Timed("cact", functools.partial(cact.maxout, z, pieces, out=out), None)
        cell.inputs = (z,)
    else:
        g = rng.uniform(-8, 8, (rows, m)).astype(dtype)
        out = np.empty_like(z)
        cell.items["cact"] = Timed("cact", functools.partial(cact.maxout_backward, g, z, pieces, out=out),
                                   None)
        cell.inputs = (z, g)
    _add_peers(cell, peers, ("maxout", variant), (z, g, pieces, out, ws), None, ctx["notes"],
               (f"maxout k={pieces}", variant, np.dtype(dtype).name))
    stream = ctx.get("stream")
    if stream is not None:
        for nt in sorted({1, ctx["threads"]}):
            cell.streams[f"stream#{nt}"] = stream.timed(f"stream#{nt}", z.reshape(-1), nt)
    cell.reset_out = functools.partial(out.fill, np.nan)
    cell.out = out
    cell.pristine = [a.copy() for a in cell.inputs]
    cell._keep = (z, g, out, ws)  # noqa: SLF001
    return cell


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.reshape(-1), b.reshape(-1)
    d = 0.0
    for i in range(0, a.size, CHECK_CHUNK):
        x = a[i:i + CHECK_CHUNK].astype(np.float64)
        x -= b[i:i + CHECK_CHUNK]
        d = max(d, float(np.nanmax(np.abs(x))) if x.size else 0.0)
    return d


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float) -> bool:
    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    g, w = got.reshape(-1), want.reshape(-1)
    return all(np.allclose(g[i:i + CHECK_CHUNK], w[i:i + CHECK_CHUNK], rtol=rtol, atol=atol)
               for i in range(0, g.size, CHECK_CHUNK))


def _check(cell: Cell, dtype) -> list[tuple[str, str, bool]]:
    """Compare every peer formulation with cact: (label, problem, drop it)."""
    eps = float(np.finfo(dtype).eps)
    want = cell.result_of("cact").copy()
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    problems = []
    for label in list(cell.items):
        if label in ("cact", "np.tanh"):
            continue
        try:
            got = cell.result_of(label)
        except Exception as e:  # a peer that cannot run this case
            problems.append((label, f"failed: {type(e).__name__}: {e}", True))
            continue
        if not _close(got, want, 64 * eps, 64 * eps * scale):
            if got.shape != want.shape or got.dtype != want.dtype:
                msg = f"gives {got.dtype}{got.shape}, cact {want.dtype}{want.shape}"
            else:
                msg = f"differs from cact (max abs diff {_max_abs_diff(got, want):.3g})"
            problems.append((label, msg, False))
        del got
        for a, p in zip(cell.inputs, cell.pristine):
            if not np.array_equal(a, p):
                problems.append((label, "modified an input it must only read", False))
                np.copyto(a, p)
    return problems


# ----------------------------------------------------------------- options
def _parse_sizes(s: str) -> list[int]:
    out = []
    for tok in s.split(","):
        tok = tok.strip()
        if tok:
            try:
                v = float(tok) if any(c in tok for c in ".eE") else int(tok)
            except ValueError:
                raise argparse.ArgumentTypeError(f"bad size {tok!r}") from None
            if v < 1 or v != int(v):
                raise argparse.ArgumentTypeError(f"bad size {tok!r}")
            out.append(int(v))
    return out


def _parse_list(allowed, everything=None):
    def parse(s):
        vals = [t.strip() for t in s.split(",") if t.strip()]
        if everything is not None and vals == ["all"]:
            return list(everything)
        bad = [v for v in vals if v not in allowed]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown {bad}; choose from {', '.join(allowed)}")
        return vals
    return parse


def _fmt_n(n: int) -> str:
    if n >= 1000 and n == 10 ** round(math.log10(n)):
        return f"1e{round(math.log10(n))}"
    return str(n)


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _geomean(v):
    return math.exp(sum(map(math.log, v)) / len(v))


# ------------------------------------------------------------------- table
class Table:
    def __init__(self, cols, aligns, widths, md):
        self.cols, self.aligns, self.widths, self.md = cols, aligns, widths, md

    def header(self):
        self.row(self.cols)
        if self.md:
            print("|" + "|".join("---:" if a == ">" else "---" for a in self.aligns) + "|")
        else:
            print("-" * (sum(self.widths) + 2 * (len(self.widths) - 1)))

    def row(self, cells):
        if self.md:
            print("| " + " | ".join(cells) + " |", flush=True)
        else:
            print("  ".join(f"{c:{a}{w}}" for c, a, w in zip(cells, self.aligns, self.widths)).rstrip(),
                  flush=True)


# -------------------------------------------------------------------- main
def main(argv=None) -> int:
    func_names = [a.name for a in ACTIVATIONS] + ["maxout"]
    peer_names = list(PEER_ORDER) + ["stream"]
    p = argparse.ArgumentParser(
        description="Time cact's in-place functions side by side with NumPy, SciPy, numexpr, "
                    "PyTorch, ONNX Runtime and the memory stream.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Examples::" + __doc__.split("Examples::", 1)[1],
    )
    p.add_argument("--sizes", type=_parse_sizes, default=None,
                   help="comma-separated element counts (default 1e3,1e5,1e6,1e7,1e8; --quick: "
                        "1e3,1e5; --overhead: 1,16)")
    p.add_argument("--dtypes", type=_parse_list(list(DTYPES)), default=list(DTYPES),
                   help="comma-separated dtypes (default float32,float64)")
    p.add_argument("--funcs", type=_parse_list(func_names), default=func_names,
                   help=f"comma-separated functions (default all: {','.join(func_names)})")
    p.add_argument("--variants", type=_parse_list(list(VARIANTS), VARIANTS), default=list(DEFAULT_VARIANTS),
                   help="comma-separated elementwise variants among " + ",".join(VARIANTS)
                   + ", or all (default f,backward_y); maxout always runs forward and backward")
    p.add_argument("--peers", type=_parse_list(peer_names), default=None,
                   help="comma-separated peers to compare, among " + ",".join(peer_names)
                   + " (default: every one installed)")
    p.add_argument("--threads", type=int, default=None,
                   help="cact.set_num_threads(N) before timing; the peers and the stream use "
                        "the same count (default: cact's default)")
    p.add_argument("--repeat", type=int, default=None, help="samples per measurement (default 7; --quick: 3)")
    p.add_argument("--large-repeat", type=int, default=None,
                   help="samples per measurement at n >= 10^8 (default: min(3, --repeat))")
    p.add_argument("--min-sample-ms", type=float, default=None,
                   help="minimum timed length of one sample (default 2; --quick: 0.5)")
    p.add_argument("--settle-ms", type=float, default=None,
                   help="before each sample, wait up to this long until the thread pools of the "
                        "previous implementation stop spinning (default 200 with more than one "
                        "thread, else 0; 0 disables)")
    p.add_argument("--seed", type=int, default=0, help="random seed of the inputs (default 0)")
    p.add_argument("--quick", action="store_true", help="smoke run: small sizes, few repeats")
    p.add_argument("--overhead", action="store_true",
                   help="per-call overhead mode: n = 1 and 16, cact vs np.tanh(x, out=x) and the peers")
    p.add_argument("--markdown", action="store_true", help="print markdown tables")
    p.add_argument("--json", metavar="PATH", help="also save the raw results as JSON")
    p.add_argument("--plot", metavar="PATH.png",
                   help="also plot the speed-up against n, one line per peer (needs matplotlib)")
    args = p.parse_args(argv)

    if args.overhead:
        sizes = args.sizes or list(OVERHEAD_SIZES)
    else:
        sizes = args.sizes or list(QUICK_SIZES if args.quick else DEFAULT_SIZES)
    repeat = args.repeat or (3 if args.quick else 7)
    large_repeat = args.large_repeat or min(3, repeat)
    min_sample_ns = 1e6 * (args.min_sample_ms or (0.5 if args.quick else 2.0))
    if repeat < 1 or large_repeat < 1:
        p.error("--repeat and --large-repeat must be >= 1")
    if args.threads is not None:
        if args.threads < 1:
            p.error("--threads must be >= 1")
        cact.set_num_threads(args.threads)
    threads = cact.get_num_threads()
    settle_ms = args.settle_ms if args.settle_ms is not None else (200.0 if threads > 1 else 0.0)
    wanted = args.peers if args.peers is not None else peer_names

    notes: dict = {}
    peers = load_peers(threads, [w for w in wanted if w in PEER_ORDER])
    if args.peers is not None:
        for w in args.peers:
            if w in PEER_ORDER and w not in peers:
                notes[("peers", w)] = f"peer {w} was asked for but does not import: skipped"
    stream = None
    if "stream" in wanted and not args.overhead:
        stream = StreamLib.build()
        if stream is None:
            notes[("peers", "stream")] = "no working C compiler with OpenMP: no stream column"

    overhead = timer_overhead_ns()
    header = machine_info()
    header["timer"] = f"perf_counter_ns, {overhead} ns per read pair (subtracted)"
    header["method"] = (f"in place, best of {repeat} interleaved samples"
                        + (f" ({large_repeat} at n >= {_fmt_n(LARGE_N)})" if not args.overhead else "")
                        + f" of >= {min_sample_ns / 1e6:g} ms, input refilled before each call (untimed)"
                        + (f"; before each sample, wait <= {settle_ms:g} ms for idle thread pools"
                           if settle_ms > 0 else ""))
    header["peers"] = ", ".join(f"{k} {pe.version}" for k, pe in peers.items()) or "none"
    for k, pe in peers.items():
        if pe.detail:
            header[f"peer {k}"] = pe.detail
    if stream is not None:
        header["stream"] = stream.describe(threads)
    if args.overhead:
        header["mode"] = "per-call overhead; np.tanh = np.tanh(x, out=x) on an array of the same size"

    md = args.markdown
    if md:
        print("### cact benchmark" + (" (per-call overhead)" if args.overhead else "") + "\n")
        for k, v in header.items():
            print(f"- **{k}**: {v}")
        print()
    else:
        w = max(map(len, header))
        for k, v in header.items():
            print(f"{k:>{w}} : {v}")
        print()

    peer_cols = list(peers)
    has_stream = stream is not None
    elementwise_variants = [v for v in args.variants]
    has_stream2 = has_stream and any(v.startswith("backward") for v in elementwise_variants) and any(
        a.name in args.funcs for a in ACTIVATIONS)
    cols = ["function", "variant", "dtype", "n", "cact"]
    if args.overhead:
        cols.append("np.tanh")
    cols += peer_cols
    if has_stream:
        cols.append("stream")
    if has_stream2:
        cols.append("stream2")
    cols += ["best peer", "vs best"]
    if args.overhead:
        cols.append("cact/tanh")
    if has_stream:
        cols.append("vs stream")
    if has_stream2:
        cols.append("vs str2")
    if not args.overhead:
        cols.append("Gelem/s")
    fixed = {"function": (12, "<"), "variant": (11, "<"), "dtype": (7, "<"), "n": (5, ">"),
             "best peer": (11, "<")}
    widths = [fixed.get(c, (max(8, len(c)), ">"))[0] for c in cols]
    aligns = [fixed.get(c, (0, ">"))[1] for c in cols]
    table = Table(cols, aligns, widths, md)
    table.header()

    cases = []
    for act in ACTIVATIONS:
        if act.name in args.funcs:
            for variant in elementwise_variants:
                if variant not in act.variants:
                    notes[(act.name, variant)] = (f"{act.name}: no {VARIANT_LABEL[variant]} cells "
                                                  "(f is not invertible: no derivative from y)")
                    continue
                cases.append((act.name, variant, functools.partial(_elementwise_cell, act, variant)))
    if "maxout" in args.funcs:
        if args.overhead:
            notes[("maxout",)] = "maxout is not part of --overhead"
        else:
            for pieces in MAXOUT_PIECES:
                for variant in ("f", "backward"):
                    cases.append((f"maxout k={pieces}", variant,
                                  functools.partial(_maxout_cell, pieces, variant)))

    ctx = {"notes": notes, "threads": threads, "stream": stream, "tanh_ref": args.overhead}
    results = []
    rng = np.random.default_rng(args.seed)
    with np.errstate(all="ignore"):
        for fname, variant, make in cases:
            for dname in args.dtypes:
                dtype = DTYPES[dname]
                where = (fname, variant, dname)
                for n in sizes:
                    if fname.startswith("maxout") and (n % MAXOUT_COLS or n < MAXOUT_COLS):
                        notes[(fname, n)] = f"{fname}: n={n} skipped (not a multiple of {MAXOUT_COLS})"
                        continue
                    need = 12 * n * np.dtype(dtype).itemsize  # peak seen: about 11.5 n itemsize
                    avail = _mem_available()
                    if avail is not None and need > avail:
                        notes[(where, n, "mem")] = (f"{fname} {VARIANT_LABEL[variant]} {dname} n={_fmt_n(n)} "
                                                    f"skipped: needs about {need / 2**30:.1f} GiB, "
                                                    f"{avail / 2**30:.1f} GiB available")
                        continue
                    cell = make(dtype, n, rng, peers, ctx)
                    differs = set()
                    for label, msg, drop in _check(cell, dtype):
                        pname = label.split("#")[0]
                        key = (where, label, msg.split(" (")[0])
                        notes.setdefault(key, f"{fname} {VARIANT_LABEL[variant]} {dname}: {pname} "
                                              f"(formulation {label.split('#')[-1]}) {msg}"
                                              f"{'' if len(sizes) == 1 else f' [first at n={_fmt_n(n)}]'}")
                        if drop:
                            cell.items.pop(label, None)
                        else:
                            differs.add(pname)
                    rep = large_repeat if n >= LARGE_N else repeat
                    measure_interleaved(list(cell.items.values()) + list(cell.streams.values()),
                                        rep, min_sample_ns, overhead, settle_ms * 1e6)
                    results.append(_row(fname, variant, dname, n, cell, peer_cols, differs, table,
                                        has_stream, has_stream2, args.overhead))
                    del cell
                    gc.collect()
                for pe in peers.values():
                    pe.reset()

    _summary(results, sizes, args.overhead, has_stream, md)
    if args.overhead:
        # every common call form against NumPy in the same form (issue 9)
        import call_forms

        print("\n### Call forms\n")
        call_forms.run(16, repeat)
    for msg in notes.values():
        print(f"note: {msg}", file=sys.stderr)

    if args.plot:
        if args.overhead:
            print("note: --plot is ignored with --overhead", file=sys.stderr)
        else:
            from _plot import plot

            title = (f"cact speed-up over each peer (peer time / cact time), {threads} threads, "
                     f"{header.get('instruction set', '')}, {header['date'][:10]}")
            why = plot(results, args.plot, title, peer_cols, VARIANT_LABEL)
            print(f"note: {why}" if why else f"plot written to {args.plot}",
                  file=sys.stderr if why else sys.stdout)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": header, "mode": "overhead" if args.overhead else "grid",
                       "repeat": repeat, "large_repeat": large_repeat, "min_sample_ns": min_sample_ns,
                       "settle_ms": settle_ms,
                       "threads": threads, "peers": {k: pe.describe() for k, pe in peers.items()},
                       "results": results, "notes": list(notes.values())}, f, indent=1)
        print(f"raw results written to {args.json}")
    return 0


def _best_of(cell: Cell, prefix: str):
    its = [it for k, it in cell.items.items() if k.split("#")[0] == prefix]
    its += [it for k, it in cell.streams.items() if k.split("#")[0] == prefix]
    return min(its, key=lambda it: it.best) if its else None


def _row(fname, variant, dname, n, cell, peer_cols, differs, table, has_stream, has_stream2, overhead_mode):
    c = cell.items["cact"]
    times = {"cact": c.best}
    labels = {}
    for pc in peer_cols + ["np.tanh", "stream", "stream2"]:
        it = _best_of(cell, pc)
        if it is not None:
            times[pc] = it.best
            labels[pc] = it.label
    peer_times = {pc: times[pc] for pc in peer_cols if pc in times}
    best_peer = min(peer_times, key=peer_times.get) if peer_times else None
    ratio = lambda t: (t / c.best) if (t and c.best > 0) else None  # noqa: E731
    vs_best = ratio(peer_times.get(best_peer))
    vs_stream = ratio(times.get("stream"))
    vs_stream2 = ratio(times.get("stream2"))
    vs_tanh = (c.best / times["np.tanh"]) if times.get("np.tanh") else None
    gelem = n / c.best if c.best > 0 else None

    def t(pc):
        if pc not in times:
            return ""
        return fmt_time(times[pc]) + ("*" if pc in differs else "")

    cells = [fname, VARIANT_LABEL[variant], dname, _fmt_n(n), fmt_time(c.best)]
    if overhead_mode:
        cells.append(t("np.tanh"))
    cells += [t(pc) for pc in peer_cols]
    if has_stream:
        cells.append(t("stream"))
    if has_stream2:
        cells.append(t("stream2"))
    cells += [best_peer or "", f"{vs_best:.2f}x" if vs_best else "n/a"]
    if overhead_mode:
        cells.append(f"{vs_tanh:.2f}" if vs_tanh else "n/a")
    if has_stream:
        cells.append(f"{100 * vs_stream:.0f}%" if vs_stream else "")
    if has_stream2:
        cells.append(f"{100 * vs_stream2:.0f}%" if vs_stream2 else "")
    if not overhead_mode:
        cells.append(f"{gelem:.3f}" if gelem else "n/a")
    table.row(cells)

    return {
        "function": fname, "variant": variant, "dtype": dname, "n": n,
        "times": times, "formulation": labels,
        "best_peer": best_peer, "vs_best_peer": vs_best,
        "vs_numpy": ratio(times.get("numpy")),
        "vs_stream": vs_stream, "vs_stream2": vs_stream2,
        "cact_over_np_tanh": vs_tanh,
        "gelem_per_s": gelem, "cact_median_ns": c.median,
        "differs_from_cact": sorted(differs),
        "impls": {k: {"best_ns": it.best, "median_ns": it.median, "inner": it.inner,
                      "samples_ns": it.samples}
                  for k, it in list(cell.items.items()) + list(cell.streams.items())},
    }


def _summary(results, sizes, overhead_mode, has_stream, md):
    pre = "" if not md else "\n"
    print()
    rows = [r for r in results if r["vs_best_peer"]]
    if rows:
        print(f"{pre}cact vs the fastest peer (peer time / cact time), geometric mean "
              "(min .. max; cells where a peer is faster):")
        for n in sizes:
            s = [r["vs_best_peer"] for r in rows if r["n"] == n]
            if s:
                slow = sum(v < 1.0 for v in s)
                print(f"  n={_fmt_n(n)}: {_geomean(s):.2f}x ({min(s):.2f} .. {max(s):.2f}; "
                      f"{slow} of {len(s)})")
        slow = [r for r in rows if r["vs_best_peer"] < 1.0]
        if slow:
            print(f"{pre}cells where a peer is faster than cact:")
            for r in slow:
                print(f"  {r['function']} {VARIANT_LABEL[r['variant']]} {r['dtype']} n={_fmt_n(r['n'])}: "
                      f"{r['vs_best_peer']:.2f}x ({r['best_peer']})")
    np_rows = [r["vs_numpy"] for r in results if r["vs_numpy"]]
    if np_rows and not overhead_mode:
        print(f"{pre}cact vs numpy, geometric mean: " + ", ".join(
            f"n={_fmt_n(n)} {_geomean(s):.2f}x" for n in sizes
            if (s := [r["vs_numpy"] for r in results if r["n"] == n and r["vs_numpy"]])))
    if has_stream and results and not overhead_mode:
        big = max(r["n"] for r in results)
        at = [r for r in results if r["n"] == big and r["vs_stream"]]
        if at:
            print(f"{pre}cact / stream at n={_fmt_n(big)} (stream2 for backward rows):")
            for r in at:
                s2 = f", {100 * r['vs_stream2']:.0f}% of stream2" if r["vs_stream2"] else ""
                print(f"  {r['function']} {VARIANT_LABEL[r['variant']]} {r['dtype']}: "
                      f"{100 * r['vs_stream']:.0f}% of stream{s2}")
    if overhead_mode:
        at = [r for r in results if r["cact_over_np_tanh"]]
        if at:
            print(f"{pre}cact time / np.tanh(x, out=x) time per call (target at n=16: <= 0.5):")
            for n in sizes:
                s = [r["cact_over_np_tanh"] for r in at if r["n"] == n]
                if s:
                    worst = max((r for r in at if r["n"] == n), key=lambda r: r["cact_over_np_tanh"])
                    print(f"  n={n}: {min(s):.2f} .. {max(s):.2f} (worst: {worst['function']} "
                          f"{VARIANT_LABEL[worst['variant']]} {worst['dtype']})")


if __name__ == "__main__":
    sys.exit(main())
