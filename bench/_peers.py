"""The implementations bench/bench.py compares cact with (its "peers").

Each peer is loaded only when its package imports; a missing package is
skipped without a message (the benchmark header lists the peers found).

A peer maps ``(function, variant)`` to a tuple of *makers*, one per
formulation; the benchmark times every formulation and shows the fastest.
A maker sets everything up outside the timing (tensor views, ONNX sessions,
IO bindings) and returns the zero-argument call to time, or ``None`` when the
peer cannot run that case (a dtype it lacks, for instance):

* elementwise, ``variant`` in ``f``, ``grad``, ``backward_x``, ``backward_y``::

      maker(buf, v, ws, params) -> call | None

  ``buf`` is overwritten in place: with ``f(buf)`` / ``f'(buf)`` for ``f`` and
  ``grad``, with ``buf * f'`` for the backward variants, where ``v`` is ``x``
  or ``y = f(x)`` (``None`` for ``f`` and ``grad``); ``v`` must only be read.
  ``ws`` is a ``cact._numpy_ref.Workspace`` for scratch buffers and
  ``params`` the row's parameters (``{"alpha": ...}``).
* maxout, ``("maxout", "f")`` and ``("maxout", "backward")``::

      maker(z, g, pieces, out, ws) -> call | None

  ``z`` is 2-D with the groups along the last axis, ``out`` the result
  (``(rows, cols // pieces)`` forward, like ``z`` backward) and ``g`` the
  gradient of the output (``None`` forward).

* softmax and log_softmax along the last axis, ``(name, "f")`` and
  ``(name, "backward")`` with name ``softmax`` or ``log_softmax``::

      maker(v, g, out, ws) -> call | None

  ``v`` is 2-D, the rows along the last axis: the input x forward, the
  forward's output y backward (with ``g`` the gradient of y; ``None``
  forward); the result goes to ``out``, a buffer of ``v``'s shape (used by
  bench/softmax.py).

What each row is compared with is data in its table row
(``Activation.peers`` in ``cact/_table.py``: NumPy function names, numexpr
expressions, torch calls, ONNX graphs); this module turns that data into
makers, the same way for every row, and holds maxout's peers (maxout is not
a row).  The peers, each in place where the library allows it:

=============  ==============================================================
numpy          ``cact/_numpy_ref.py``: the best plain-NumPy formulations with
               ``out=`` (several per case; the fastest counts)
scipy          a ufunc ``fn(x, out=x)`` (``special.expit``, sigmoid forward)
numexpr        one expression per case with ``out=``, ``casting="no"``,
               ``numexpr.set_num_threads(threads)``
torch          CPU tensors viewing the NumPy buffers (``torch.from_numpy``,
               made once per cell): the in-place forward (``torch.sigmoid_``,
               ``F.elu_``, ...); backward through
               ``torch.ops.aten.*_backward.grad_input`` with ``grad_input=``
               the gradient buffer itself; ``torch.set_num_threads(threads)``
onnxruntime    one tiny ONNX model per case (built with the ``onnx`` package),
               CPU execution provider, ``intra_op_num_threads = threads``, run
               with IO binding of the input and output to the same NumPy
               buffer (in place, no copies)
=============  ==============================================================

Every peer's result is compared with cact's by the benchmark.
"""

from __future__ import annotations

import functools
import importlib

import numpy as np

from cact import _numpy_ref as ref
from cact._table import ACTIVATIONS

PEER_ORDER = ("numpy", "scipy", "numexpr", "torch", "onnxruntime")


class Peer:
    """One library: its makers by ``(function, variant)`` and a header line."""

    def __init__(self, name: str, version: str, detail: str = ""):
        self.name = name
        self.version = version
        self.detail = detail
        self.impls: dict[tuple[str, str], tuple] = {}

    def makers(self, func: str, variant: str) -> tuple:
        return self.impls.get((func, variant), ())

    def drop(self, func: str, variant: str) -> None:
        self.impls.pop((func, variant), None)

    def reset(self) -> None:
        """Free per-case state (sessions, buffers) between cases."""

    def describe(self) -> str:
        return f"{self.name} {self.version}" + (f" ({self.detail})" if self.detail else "")


def load_peers(threads: int, wanted=PEER_ORDER) -> dict[str, Peer]:
    """The peers among ``wanted`` whose packages import, in ``PEER_ORDER``."""
    loaders = {
        "numpy": _numpy_peer,
        "scipy": _scipy_peer,
        "numexpr": _numexpr_peer,
        "torch": _torch_peer,
        "onnxruntime": _ort_peer,
    }
    peers = {}
    for name in PEER_ORDER:
        if name not in wanted:
            continue
        try:
            peer = loaders[name](threads)
        except ImportError:  # not installed (or its own imports fail): skipped
            peer = None
        # Anything else is a fault in a row's peer data (an op or overload
        # the installed version does not have): it is raised, not skipped,
        # or one bad row would drop the whole library from every table.
        if peer is not None:
            peers[name] = peer
    return peers


# ------------------------------------------------------------------- numpy
def _numpy_peer(threads):
    peer = Peer("numpy", np.__version__, "best in-place formulation, 1 thread")
    for name, variants in ref.NUMPY_REF.items():
        for variant, impls in variants.items():
            if variant in ("f", "grad"):
                peer.impls[(name, variant)] = tuple(
                    (lambda buf, v, ws, p, impl=impl: functools.partial(impl, buf, ws, **p))
                    for impl in impls)
            else:
                peer.impls[(name, variant)] = tuple(
                    (lambda buf, v, ws, p, impl=impl: functools.partial(impl, buf, v, ws, **p))
                    for impl in impls)
    for variant, impls in ref.MAXOUT_REF.items():
        if variant == "f":
            peer.impls[("maxout", "f")] = tuple(
                (lambda z, g, k, out, ws, impl=impl: functools.partial(impl, z, k, out, ws))
                for impl in impls)
        else:
            peer.impls[("maxout", variant)] = tuple(
                (lambda z, g, k, out, ws, impl=impl: functools.partial(impl, g, z, k, out, ws))
                for impl in impls)
    peer.impls.update(_numpy_softmax())
    return peer


def _numpy_softmax() -> dict:
    """NumPy's softmax passes with ``out=`` and one row-sum buffer: max,
    subtract, exp, sum, divide (log_softmax: a scratch exp for the sum, then
    subtract its log)."""
    def rowbuf(ws, v):
        return ws.get(("row", v.shape[0], v.dtype.str), lambda: np.empty((v.shape[0], 1), v.dtype))

    def softmax(v, g, out, ws):
        s = rowbuf(ws, v)

        def call():
            np.max(v, axis=-1, keepdims=True, out=s)
            np.subtract(v, s, out=out)
            np.exp(out, out=out)
            np.sum(out, axis=-1, keepdims=True, out=s)
            np.divide(out, s, out=out)
        return call

    def log_softmax(v, g, out, ws):
        s, e = rowbuf(ws, v), ws.get(("exp", v.shape, v.dtype.str), lambda: np.empty_like(v))

        def call():
            np.max(v, axis=-1, keepdims=True, out=s)
            np.subtract(v, s, out=out)
            np.exp(out, out=e)
            np.sum(e, axis=-1, keepdims=True, out=s)
            np.log(s, out=s)
            np.subtract(out, s, out=out)
        return call

    def softmax_backward(v, g, out, ws):
        s = rowbuf(ws, v)

        def call():
            np.multiply(g, v, out=out)
            np.sum(out, axis=-1, keepdims=True, out=s)
            np.subtract(g, s, out=out)
            np.multiply(out, v, out=out)
        return call

    def log_softmax_backward(v, g, out, ws):
        s = rowbuf(ws, v)

        def call():
            np.sum(g, axis=-1, keepdims=True, out=s)
            np.exp(v, out=out)
            np.multiply(out, s, out=out)
            np.subtract(g, out, out=out)
        return call

    return {("softmax", "f"): (softmax,), ("log_softmax", "f"): (log_softmax,),
            ("softmax", "backward"): (softmax_backward,),
            ("log_softmax", "backward"): (log_softmax_backward,)}


# ------------------------------------------------------------------- scipy
def _scipy_peer(threads):
    import scipy

    paths = sorted({path for act in ACTIVATIONS for path in act.peers.scipy.values()})
    peer = Peer("scipy", scipy.__version__, ", ".join(paths + ["1 thread"]))
    for act in ACTIVATIONS:
        for variant, path in act.peers.scipy.items():
            module, _, fname = path.rpartition(".")
            fn = getattr(importlib.import_module("scipy." + module), fname)  # scipy's submodules load lazily
            peer.impls[(act.name, variant)] = (
                lambda buf, v, ws, p, fn=fn: functools.partial(fn, buf, out=buf),)
    # softmax: scipy.special returns a new array (no out=), copied into out
    from scipy import special

    for name in ("softmax", "log_softmax"):
        fn = getattr(special, name)
        peer.impls[(name, "f")] = (
            lambda v, g, out, ws, fn=fn: lambda: np.copyto(out, fn(v, axis=-1)),)
    return peer


# ----------------------------------------------------------------- numexpr
def _numexpr_peer(threads):
    import numexpr as ne

    ne.set_num_threads(threads)
    vml = "VML" if getattr(ne, "use_vml", False) else "no VML"
    peer = Peer("numexpr", ne.__version__, f"{threads} threads, {vml}")

    def maker(expr, variant):
        def make(buf, v, ws, p):
            dt = buf.dtype.type
            # constants and parameters of the array's dtype: float32 stays float32
            d = {"one": dt(1), "zero": dt(0), **{k: dt(val) for k, val in p.items()}}
            if variant in ("f", "grad"):
                d["x"] = buf
            else:
                d["g"] = buf
                d["x" if variant == "backward_x" else "y"] = v
            return functools.partial(ne.evaluate, expr, local_dict=d, out=buf, casting="no")
        return make

    for act in ACTIVATIONS:
        for variant, expr in act.peers.numexpr.items():
            peer.impls[(act.name, variant)] = (maker(expr, variant),)

    def maxout_f(z, g, k, out, ws):
        rows, cols = z.shape
        zr = z.reshape(rows, cols // k, k)
        d = {f"z{j}": zr[..., j] for j in range(k)}
        expr = "z0"
        for j in range(1, k):
            expr = f"where({expr} >= z{j}, {expr}, z{j})"
        return functools.partial(ne.evaluate, expr, local_dict=d, out=out, casting="no")

    peer.impls[("maxout", "f")] = (maxout_f,)
    return peer


# ------------------------------------------------------------------- torch
def optional_torch(threads: int):
    """PyTorch with ``threads`` intra-op threads, or None when it is not
    installed (bench/fused.py and bench/prelu.py call it directly)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    return torch


def _torch_peer(threads):
    torch = optional_torch(threads)
    if torch is None:
        raise ImportError("torch")  # load_peers skips it
    import torch.nn.functional  # noqa: F401  (imports the submodule the rows name)

    peer = Peer("torch", torch.__version__, f"{torch.get_num_threads()} threads")
    T = torch.from_numpy

    def maker(call, variant):
        """The maker of one TorchCall (cact/_table.py says how its argument
        tokens resolve)."""
        op = functools.reduce(getattr, call.op.split("."), torch)

        def make(buf, v, ws, p):
            tensors = {"buf": T(buf), "v": None if v is None else T(v)}
            flags = {"is_result": variant == "backward_y"}

            def arg(a):
                if isinstance(a, str) and len(a) > 1 and a[0] == a[-1] == "'":
                    return a[1:-1]  # a string literal
                if isinstance(a, str) and a.startswith("1/"):
                    return 1.0 / p[a[2:]]  # a parameter's reciprocal
                if isinstance(a, str):
                    return tensors[a] if a in tensors else flags[a] if a in flags else p[a]
                return a
            fn = functools.partial(op, *map(arg, call.args),
                                   **{k: arg(a) for k, a in call.kwargs})
            if call.functional:  # a new tensor, copied into the buffer
                dst = tensors["buf"]
                return lambda: dst.copy_(fn())
            return fn
        return make

    for act in ACTIVATIONS:
        for variant, call in act.peers.torch.items():
            peer.impls[(act.name, variant)] = (maker(call, variant),)

    # maxout: amax over a (rows, m, pieces) view, or pairwise maximum
    def maxout_amax(z, g, k, out, ws):
        rows, cols = z.shape
        return functools.partial(torch.amax, T(z).view(rows, cols // k, k), dim=-1, out=T(out))

    def maxout_pairwise(z, g, k, out, ws):
        rows, cols = z.shape
        zv, o = T(z).view(rows, cols // k, k), T(out)
        if k < 2:
            return None
        parts = [zv[..., j] for j in range(k)]

        def call():
            torch.maximum(parts[0], parts[1], out=o)
            for j in range(2, k):
                torch.maximum(o, parts[j], out=o)
        return call

    def maxout_backward(z, g, k, out, ws):
        rows, cols = z.shape
        m = cols // k
        zv = T(z).view(rows, m, k)
        o = T(out)
        ov = o.view(rows, m, k)
        gv = T(g).view(rows, m, 1)
        idx = ws.get(("torch-argmax", rows, m), lambda: torch.empty((rows, m, 1), dtype=torch.int64))

        def call():
            torch.argmax(zv, dim=-1, keepdim=True, out=idx)
            o.zero_()
            ov.scatter_(-1, idx, gv)
        return call

    peer.impls[("maxout", "f")] = (maxout_amax, maxout_pairwise)
    peer.impls[("maxout", "backward")] = (maxout_backward,)

    # softmax: the aten kernels' out= overloads (what torch.softmax and
    # autograd's backward call), writing straight into the NumPy buffer
    aten = torch.ops.aten

    def sm(fwd, log):
        def make(v, g, out, ws):
            V, O = T(v), T(out)
            if g is None:
                return functools.partial(fwd, V, -1, False, out=O)
            G = T(g)
            if log:
                return functools.partial(aten._log_softmax_backward_data.out, G, V, -1, V.dtype, out=O)
            return functools.partial(aten._softmax_backward_data.out, G, V, -1, V.dtype, grad_input=O)
        return make

    for name, fwd, log in (("softmax", torch._softmax, False), ("log_softmax", torch._log_softmax, True)):
        peer.impls[(name, "f")] = (sm(fwd, log),)
        peer.impls[(name, "backward")] = (sm(fwd, log),)
    return peer


# ------------------------------------------------------------- onnxruntime
# Elementwise graphs are the rows' (Peers.onnx); maxout's are below.  Nodes
# are (op, inputs, output, attributes), constants scalars of the array's dtype.
def _ort_peer(threads):
    import onnx  # noqa: F401  (models are built with it)
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    opset = 17
    ttype = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE}

    def session(nodes, inputs, out_dims, dtype, params=None, extra_inits=()):
        """An InferenceSession for ``nodes``, or None if ORT cannot run it.

        ``inputs``: (name, symbolic dims) pairs; the output is ``out``."""
        dtype = np.dtype(dtype)
        t = ttype[dtype]
        params = params or {}
        onnx_nodes, used = [], set()
        for op, ins, out, attrs in nodes:
            # an attribute naming a parameter takes its value (Peers.onnx)
            attrs = {k: (float(params[v]) if isinstance(v, str) and v in params else v)
                     for k, v in attrs.items()}
            onnx_nodes.append(helper.make_node(op, list(ins), [out], **attrs))
            used.update(ins)
        consts = {"one": 1.0, "zero": 0.0, **params}
        inits = [numpy_helper.from_array(np.array(consts[c], dtype), c) for c in consts if c in used]
        inits += [e for e in extra_inits if e.name in used]
        vi = [helper.make_tensor_value_info(nm, t, dims) for nm, dims in inputs]
        vo = [helper.make_tensor_value_info("out", t, out_dims)]
        graph = helper.make_graph(onnx_nodes, "cact_bench", vi, vo, initializer=inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.log_severity_level = 3
        try:
            return ort.InferenceSession(model.SerializeToString(), so,
                                        providers=["CPUExecutionProvider"])
        except Exception:  # e.g. an operator without a float64 kernel (Elu)
            return None

    class OrtPeer(Peer):
        def __init__(self):
            super().__init__("onnxruntime", ort.__version__,
                             f"{threads} intra-op threads, IO binding in place, opset {opset}")
            self._sessions = {}

        def reset(self):
            self._sessions.clear()  # frees the sessions and their memory arenas

        def get(self, key, build):
            if key not in self._sessions:
                self._sessions[key] = build()
            return self._sessions[key]

    peer = OrtPeer()

    def bind(sess, arrays, out):
        io = sess.io_binding()
        for nm, a in arrays.items():
            io.bind_input(nm, "cpu", 0, a.dtype, list(a.shape), a.ctypes.data)
        io.bind_output("out", "cpu", 0, out.dtype, list(out.shape), out.ctypes.data)
        return functools.partial(sess.run_with_iobinding, io)

    def elementwise(name, variant, nodes):
        inputs = [("x", ["n"])] if variant in ("f", "grad") else [("g", ["n"]), ("v", ["n"])]

        def make(buf, v, ws, p):
            key = (name, variant, buf.dtype.str, tuple(sorted(p.items())))
            sess = peer.get(key, lambda: session(nodes, inputs, ["n"], buf.dtype, p))
            if sess is None or buf.ndim != 1:
                return None
            arrays = {"x": buf} if v is None else {"g": buf, "v": v}
            return bind(sess, arrays, buf)
        return make

    for act in ACTIVATIONS:
        for variant, nodes in act.peers.onnx.items():
            peer.impls[(act.name, variant)] = (elementwise(act.name, variant, nodes),)

    def maxout(variant):
        if variant == "f":
            nodes = [("Reshape", ["z", "shape3"], "zr", {}),
                     ("ReduceMax", ["zr"], "out", {"axes": [-1], "keepdims": 0})]
            inputs = [("z", ["rows", "cols"])]
        else:  # the gradient goes to every maximum of its group (no ties on random data)
            nodes = [("Reshape", ["z", "shape3"], "zr", {}),
                     ("ReduceMax", ["zr"], "mx", {"axes": [-1], "keepdims": 1}),
                     ("Equal", ["zr", "mx"], "m", {}),
                     ("Reshape", ["g", "shapeg"], "gr", {}),
                     ("Where", ["m", "gr", "zero"], "w", {}),
                     ("Reshape", ["w", "shape2"], "out", {})]
            inputs = [("z", ["rows", "cols"]), ("g", ["rows", "m"])]

        def make(z, g, k, out, ws):
            shapes = [numpy_helper.from_array(np.array(s, np.int64), nm) for nm, s in
                      (("shape3", [0, -1, k]), ("shapeg", [0, -1, 1]), ("shape2", [0, -1]))]
            key = ("maxout", variant, k, z.dtype.str)
            sess = peer.get(key, lambda: session(nodes, inputs, ["rows", "cols_out"], z.dtype,
                                                 extra_inits=shapes))
            if sess is None:
                return None
            arrays = {"z": z} if variant == "f" else {"z": z, "g": g}
            return bind(sess, arrays, out)
        return make

    peer.impls[("maxout", "f")] = (maxout("f"),)
    peer.impls[("maxout", "backward")] = (maxout("backward"),)

    # softmax: the Softmax and LogSoftmax operators (axis -1); the backward
    # passes, which ONNX has no inference operator for, as graphs of their
    # formulas (y (g - sum(g y)), g - exp(y) sum(g))
    axes = numpy_helper.from_array(np.array([-1], np.int64), "axes")
    graphs = {
        ("softmax", "f"): [("Softmax", ["v"], "out", {"axis": -1})],
        ("log_softmax", "f"): [("LogSoftmax", ["v"], "out", {"axis": -1})],
        ("softmax", "backward"): [("Mul", ["g", "v"], "gy", {}),
                                  ("ReduceSum", ["gy", "axes"], "s", {"keepdims": 1}),
                                  ("Sub", ["g", "s"], "d", {}),
                                  ("Mul", ["d", "v"], "out", {})],
        ("log_softmax", "backward"): [("ReduceSum", ["g", "axes"], "s", {"keepdims": 1}),
                                      ("Exp", ["v"], "e", {}),
                                      ("Mul", ["e", "s"], "es", {}),
                                      ("Sub", ["g", "es"], "out", {})],
    }

    def softmax(key, nodes):
        def make(v, g, out, ws):
            inputs = [("v", ["rows", "n"])] + ([] if g is None else [("g", ["rows", "n"])])
            sess = peer.get(key + (v.dtype.str,),
                            lambda: session(nodes, inputs, ["rows", "n"], v.dtype, extra_inits=[axes]))
            if sess is None:
                return None
            return bind(sess, {"v": v} if g is None else {"v": v, "g": g}, out)
        return make

    for key, nodes in graphs.items():
        peer.impls[key] = (softmax(key, nodes),)
    return peer
