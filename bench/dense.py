"""cact inside a real NumPy program: a dense layer's training step.

Every network written with NumPy alternates a matrix product and an
activation.  This benchmark times that program, not cact alone:

    forward   H = X @ W;  H += b;  H = act(H)              (in place)
    backward  G = G0 (the gradient from the next layer, copied in);
              G *= act'(y=H);  dW = X.T @ G;  dX = G @ W.T

with X of shape (batch, width), W (width, width), float32 or float64, in
three loops over the same buffers:

numpy   NumPy's matmul (its OpenBLAS threads) and the activation and its
        derivative in NumPy (``cact._numpy_ref``, the textbook formulation
        with ``out=``, no temporaries)
cact    the same NumPy matmuls, with ``cact.<act>(H, out=H)`` and
        ``cact.<act>_backward(G, y=H, out=G)``
torch   the whole step in PyTorch (``addmm``, the in-place activation,
        ``torch.ops.aten.<act>_backward``, ``mm``), on tensors that view the
        same buffers, ``torch.set_num_threads(threads)``

and prints each loop's time per step, ``numpy/cact`` and ``torch/cact``
(above 1: cact's loop is faster).  Samples of the three loops are taken in
turn step by step (numpy, cact, numpy, ...) for about ``--budget`` seconds
per cell, and the median step counts; nothing waits for a thread pool to go
idle in between: that is the point.  The PyTorch loop runs by itself after
them (its OpenMP threads spin after each op and would slow the NumPy step
that came next).

``--interleave`` also times one cact forward call on H (refilled by
``np.copyto`` before each call) right after another library's threaded
call: a NumPy matmul (OpenBLAS), a ``torch.mm``, an ONNX Runtime MatMul
session (intra-op threads = threads), and prints the median call time after
each as a multiple of the control: the call after the same product on one
OpenBLAS thread, which evicts the caches alike but leaves no thread spinning
(after a product with a 4096 x 4096 operand a 4096-element call is 10x
slower than from a warm cache whoever ran the product).

``--guard`` is the check in ``.ci/run``: for the issue's layer (batch 256,
width 512, 131,072 activations per call, enough work to be split on 2 threads),
every activation and both dtypes, it fails (exit 1) when the cact loop is
more than 1.5x slower than the NumPy loop; a thread pool that stalls next to
BLAS is a ten-fold effect, far outside the noise.

Usage::

    python bench/dense.py                       # the README table
    python bench/dense.py --interleave          # + cact calls next to other pools
    python bench/dense.py --guard               # CI
    python bench/dense.py --acts tanh --dtypes float64 --grid 256x512
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cact  # noqa: E402
from cact import _numpy_ref as ref  # noqa: E402
from _timing import machine_info, settle  # noqa: E402

_now = time.perf_counter_ns

ACTS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
# (batch, width): batch 1 to 1024, width 256 to 4096; the largest products
# are left out of the default grid to keep a run within minutes on 2 cores.
DEFAULT_GRID = ((1, 256), (16, 256), (128, 256), (1024, 256), (1, 1024), (16, 1024),
                (128, 1024), (1024, 1024), (1, 4096), (16, 4096), (128, 4096))
GUARD_GRID = ((256, 512),)
GUARD_LIMIT = 1.5


def _openblas() -> str:
    try:
        import threadpoolctl
    except ImportError:
        return "(threadpoolctl not installed)"
    libs = [f"{i['internal_api']} {i.get('version')} ({i['num_threads']} threads"
            f"{', ' + i['threading_layer'] if i.get('threading_layer') else ''})"
            for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    return "; ".join(libs) or "none found"


class Layer:
    """The buffers of one cell and the three loops' step functions."""

    def __init__(self, act: str, dtype, batch: int, width: int, threads: int, torch=None):
        rng = np.random.default_rng(batch * 7919 + width)
        self.act, self.dtype = act, dtype
        # scaled so that H = X @ W + b spans the activations' interesting
        # range (about [-4, 4]) at every width
        self.X = rng.standard_normal((batch, width)).astype(dtype)
        self.W = (rng.standard_normal((width, width)) / np.sqrt(width) * 1.5).astype(dtype)
        self.b = rng.uniform(-0.5, 0.5, width).astype(dtype)
        self.G0 = rng.standard_normal((batch, width)).astype(dtype)
        self.H = np.empty((batch, width), dtype)
        self.G = np.empty_like(self.H)
        self.dW = np.empty_like(self.W)
        self.dX = np.empty_like(self.X)
        self.params = {p.name: p.default for p in _row(act).params}
        ws = ref.Workspace(self.H)
        f_np, b_np = ref.candidates(act, "f")[0], ref.candidates(act, "backward_y")[0]
        self._np_f = lambda: f_np(self.H, ws, **self.params)
        self._np_b = lambda: b_np(self.G, self.H, ws, **self.params)
        self._c_f = getattr(cact, act)
        self._c_b = getattr(cact, act + "_backward")
        self.torch_step = self._torch_step(torch, threads) if torch is not None else None

    def _common(self, fwd, bwd):
        X, W, H, G = self.X, self.W, self.H, self.G
        np.matmul(X, W, out=H)
        np.add(H, self.b, out=H)
        fwd()
        np.copyto(G, self.G0)
        bwd()
        np.matmul(X.T, G, out=self.dW)
        np.matmul(G, W.T, out=self.dX)

    def numpy_step(self):
        with np.errstate(all="ignore"):
            self._common(self._np_f, self._np_b)

    def cact_step(self):
        H, G, p = self.H, self.G, self.params
        self._common(lambda: self._c_f(H, **p, out=H), lambda: self._c_b(G, y=H, **p, out=G))

    def _torch_step(self, torch, threads):
        import torch.nn.functional as F

        torch.set_num_threads(threads)
        T = torch.from_numpy
        X, W, b, H, G, G0, dW, dX = map(T, (self.X, self.W, self.b, self.H, self.G, self.G0,
                                            self.dW, self.dX))
        aten, a = torch.ops.aten, self.params.get("alpha")
        fwd = {"sigmoid": lambda: torch.sigmoid_(H), "tanh": lambda: torch.tanh_(H),
               "relu": lambda: torch.relu_(H), "leaky_relu": lambda: F.leaky_relu_(H, a),
               "elu": lambda: F.elu_(H, a)}[self.act]
        bwd = {
            "sigmoid": lambda: aten.sigmoid_backward.grad_input(G, H, grad_input=G),
            "tanh": lambda: aten.tanh_backward.grad_input(G, H, grad_input=G),
            "relu": lambda: aten.threshold_backward.grad_input(G, H, 0, grad_input=G),
            "leaky_relu": lambda: aten.leaky_relu_backward.grad_input(G, H, a, True,
                                                                      grad_input=G),
            "elu": lambda: aten.elu_backward.grad_input(G, a, 1, 1, True, H, grad_input=G),
        }[self.act]

        def step():
            torch.addmm(b, X, W, out=H)
            fwd()
            G.copy_(G0)
            bwd()
            torch.mm(X.T, G, out=dW)
            torch.mm(G, W.T, out=dX)
        return step

    def check(self):
        """The cact loop and the NumPy loop compute the same layer."""
        self.numpy_step()
        want = self.dX.copy()
        self.cact_step()
        tol = 1e-3 if self.dtype == np.float32 else 1e-9
        scale = max(float(np.abs(want).max()), 1.0)
        err = float(np.abs(self.dX - want).max()) / scale
        if not err <= tol:
            raise AssertionError(f"{self.act}: cact's layer differs from NumPy's by {err:.3g}")


def _row(name):
    return next(a for a in cact.ACTIVATIONS if a.name == name)


def _time_loops(loops: dict, budget_s: float, min_steps: int = 15) -> dict:
    """Median time of one step (ns) of each loop.

    The loops take turns step by step (numpy, cact, numpy, ...), each step
    timed by itself, until about ``budget_s`` seconds are spent (at least
    ``min_steps`` steps each).  The medians are compared: on a shared machine
    whose speed drifts from second to second, steps taken side by side see
    the same machine, and one-off stalls do not count."""
    for step in loops.values():  # warm up: page faults, lazy buffers
        step()
    one = 0
    for step in loops.values():
        t0 = _now()
        step()
        one += _now() - t0
    n = max(min_steps, min(2000, int(budget_s * 1e9 / max(one, 1))))
    times = {name: [] for name in loops}
    for _ in range(n):
        for name, step in loops.items():
            t0 = _now()
            step()
            times[name].append(_now() - t0)
    return {name: statistics.median(v) for name, v in times.items()}


def _time_blocks(loops: dict, blocks: int = 7, block_s: float = 0.05) -> dict:
    """Median time of one step (ns) of each loop, run as a loop: blocks of k
    consecutive steps (about ``block_s`` seconds) taken in turn, the first
    step of each block not counted.  This is the guard's measure: a thread
    pool that stalls next to BLAS slows its own loop's every step, while
    step-by-step turns would spread the stall over both loops."""
    k = {}
    for name, step in loops.items():
        step()
        t0 = _now()
        step()
        k[name] = max(3, min(500, int(block_s * 1e9 / max(_now() - t0, 1))))
    per = {name: [] for name in loops}
    for _ in range(blocks):
        for name, step in loops.items():
            step()
            t0 = _now()
            for _ in range(k[name] - 1):
                step()
            per[name].append((_now() - t0) / (k[name] - 1))
    return {name: statistics.median(v) for name, v in per.items()}


def guard(acts, dtypes, grid) -> int:
    """The check in .ci/run (see the module docstring): 0 if no cact loop is
    more than GUARD_LIMIT x the NumPy loop, else 1.  A stall is a ten-fold
    effect on every step, while a busy machine (another process compiling,
    say) slows a loop for a while: a failing cell is measured twice more and
    fails only if every measurement is over the limit."""
    print("| act | dtype | batch x width | numpy us/step | cact us/step | numpy/cact |")
    print("|---|---|---|---:|---:|---:|")
    failed = 0
    for dtype in dtypes:
        for batch, width in grid:
            for act in acts:
                layer = Layer(act, dtype, batch, width, 1)
                layer.check()
                loops = {"numpy": layer.numpy_step, "cact": layer.cact_step}
                for attempt in range(3):
                    t = _time_blocks(loops)
                    dt = np.dtype(dtype).name
                    print(f"| {act} | {dt} | {batch} x {width} | {_fmt_us(t['numpy'])} | "
                          f"{_fmt_us(t['cact'])} | {t['numpy'] / t['cact']:.2f} |")
                    if t["cact"] <= GUARD_LIMIT * t["numpy"]:
                        break
                else:
                    failed += 1
                    print(f"dense guard: FAIL {act} {dt} {batch}x{width}: the cact loop took "
                          f"more than {GUARD_LIMIT}x the NumPy loop three times")
    total = len(acts) * len(dtypes) * len(grid)
    print(f"dense guard: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


def _fmt_us(ns: float) -> str:
    return f"{ns / 1e3:,.0f}" if ns >= 100e3 else f"{ns / 1e3:,.1f}"


def run_loops(acts, dtypes, grid, threads, budget_s, torch, out=print) -> list:
    out("| act | dtype | batch x width | numpy us/step | cact us/step | torch us/step "
        "| numpy/cact | torch/cact |")
    out("|---|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for dtype in dtypes:
        for batch, width in grid:
            for act in acts:
                layer = Layer(act, dtype, batch, width, threads, torch)
                layer.check()
                # NumPy and NumPy+cact take turns step by step; PyTorch runs
                # its own loop after them: its OpenMP threads spin after each
                # op and would slow whichever NumPy step came next
                t = _time_loops({"numpy": layer.numpy_step, "cact": layer.cact_step}, budget_s)
                if layer.torch_step is not None:
                    settle(50e6)
                    t.update(_time_loops({"torch": layer.torch_step}, budget_s / 2))
                tt = t.get("torch")
                rows.append((act, np.dtype(dtype).name, batch, width, t))
                out(f"| {act} | {np.dtype(dtype).name} | {batch} x {width} | "
                    f"{_fmt_us(t['numpy'])} | {_fmt_us(t['cact'])} | "
                    f"{_fmt_us(tt) if tt else '-'} | {t['numpy'] / t['cact']:.2f} | "
                    f"{tt / t['cact'] if tt else float('nan'):.2f} |")
    return rows


# ---------------------------------------------------------------- interleave
def _others(dtype, batch, width, threads, torch, quiet=False):
    """name -> a call of another library's thread pool (each on its own
    buffers), run right before the timed cact call; "control" is the same
    product on one OpenBLAS thread: it evicts the caches alike (a 4096 x 4096
    operand is larger than L3, and the interpreter's own data goes with it)
    but leaves no thread spinning."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((batch, width)).astype(dtype)
    B = rng.standard_normal((width, width)).astype(dtype)
    C = np.empty((batch, width), dtype)
    try:
        from threadpoolctl import threadpool_limits

        def control():
            with threadpool_limits(limits=1, user_api="blas"):
                np.matmul(A, B, out=C)
    except ImportError:
        def control():
            np.copyto(C, C)
    others = {"control": control, "openblas": lambda: np.matmul(A, B, out=C)}
    if torch is not None:
        At, Bt, Ct = (torch.from_numpy(v) for v in (A, B, C))
        others["torch"] = lambda: torch.mm(At, Bt, out=Ct)
    try:
        import onnxruntime as ort
        from onnx import TensorProto, helper

        et = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
        g = helper.make_graph(
            [helper.make_node("MatMul", ["a", "b"], ["c"])], "mm",
            [helper.make_tensor_value_info("a", et, list(A.shape)),
             helper.make_tensor_value_info("b", et, list(B.shape))],
            [helper.make_tensor_value_info("c", et, list(C.shape))])
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = min(model.ir_version, 9)
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        if quiet:  # its workers sleep at once instead of spinning after a run
            so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        sess = ort.InferenceSession(model.SerializeToString(), so,
                                    providers=["CPUExecutionProvider"])
        io = sess.io_binding()
        for name, v in (("a", A), ("b", B)):
            io.bind_input(name, "cpu", 0, v.dtype, v.shape, v.ctypes.data)
        io.bind_output("c", "cpu", 0, C.dtype, C.shape, C.ctypes.data)
        others["onnxruntime"] = lambda: sess.run_with_iobinding(io)
    except Exception:  # not installed, or no kernel for this dtype
        pass
    return others


def run_interleave(acts, dtypes, grid, threads, calls, torch, quiet=False, out=print) -> list:
    out("| act | dtype | batch x width | n | control us | after openblas | after torch "
        "| after onnxruntime |")
    out("|---|---|---|---:|---:|---:|---:|---:|")
    rows = []
    for dtype in dtypes:
        for batch, width in grid:
            others = _others(dtype, batch, width, threads, torch, quiet)
            for act in acts:
                layer = Layer(act, dtype, batch, width, threads)
                H, p, f = layer.H, layer.params, getattr(cact, act)
                np.matmul(layer.X, layer.W, out=H)
                H0 = H.copy()
                refill = lambda: np.copyto(H, H0)  # noqa: E731
                med = {}
                for name, o in others.items():
                    before = (lambda o=o: (o(), refill()))
                    # control: after OpenBLAS's workers stopped spinning (they
                    # spin about 110 ms after a product on the project machine)
                    settle(300e6 if name == "control" else 20e6)
                    d = []
                    stop = _now() + 1.5e9  # at most 1.5 s, at least 20 calls
                    for i in range(calls):
                        if i >= 20 and _now() > stop:
                            break
                        before()
                        t0 = _now()
                        f(H, **p, out=H)
                        d.append(_now() - t0)
                    med[name] = statistics.median(d)
                rows.append((act, np.dtype(dtype).name, H.size, med))
                cols = [f"{med[k] / med['control']:.2f}x" if k in med else "-"
                        for k in ("openblas", "torch", "onnxruntime")]
                out(f"| {act} | {np.dtype(dtype).name} | {batch} x {width} | {H.size} | "
                    f"{med['control'] / 1e3:.1f} | " + " | ".join(cols) + " |")
    return rows


def _parse_grid(s: str):
    return tuple(tuple(int(v) for v in cell.split("x")) for cell in s.split(","))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--acts", default=",".join(ACTS))
    ap.add_argument("--dtypes", default="float32,float64")
    ap.add_argument("--grid", type=_parse_grid, default=None,
                    help="batch x width cells, e.g. 1x256,1024x1024")
    ap.add_argument("--threads", type=int, default=None,
                    help="cact's and torch's threads (default: cact's default)")
    ap.add_argument("--budget", type=float, default=1.5, help="seconds per cell")
    ap.add_argument("--interleave", action="store_true")
    ap.add_argument("--interleave-only", action="store_true")
    ap.add_argument("--quiet-peers", action="store_true",
                    help="ONNX Runtime without spinning (with OPENBLAS_THREAD_TIMEOUT=4 and "
                         "OMP_WAIT_POLICY=passive in the environment for OpenBLAS and PyTorch)")
    ap.add_argument("--calls", type=int, default=300, help="cact calls per interleave cell")
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--guard", action="store_true",
                    help=f"CI: fail when a cact loop is > {GUARD_LIMIT}x the NumPy loop")
    args = ap.parse_args(argv)

    acts = tuple(args.acts.split(","))
    dtypes = tuple(np.dtype(d).type for d in args.dtypes.split(","))
    threads = args.threads or cact.get_num_threads()
    if args.threads:
        cact.set_num_threads(args.threads)
    torch = None
    if not (args.no_torch or args.guard):
        try:
            import torch
        except ImportError:
            torch = None

    info = machine_info()
    print(f"# dense layer: cact inside a NumPy program ({info['date']})")
    for k in ("cpu", "cores", "python", "numpy", "cact", "instruction set", "openmp runtime",
              "thread pool"):
        if k in info:
            print(f"# {k}: {info[k]}")
    print(f"# BLAS: {_openblas()}")
    print(f"# cact threads: {cact.get_num_threads()}; torch: "
          f"{torch.__version__ + f' ({threads} threads)' if torch else 'not installed'}")
    if args.interleave or args.interleave_only:
        try:
            import onnxruntime
            print(f"# onnxruntime: {onnxruntime.__version__} ({threads} intra-op threads)")
        except ImportError:
            print("# onnxruntime: not installed")
    print()

    if args.guard:
        return guard(acts, dtypes, args.grid or GUARD_GRID)

    grid = args.grid or DEFAULT_GRID
    if not args.interleave_only:
        run_loops(acts, dtypes, grid, threads, args.budget, torch)
    if args.interleave or args.interleave_only:
        print()
        run_interleave(acts, dtypes, grid, threads, args.calls, torch, args.quiet_peers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
