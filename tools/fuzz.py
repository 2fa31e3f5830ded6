#!/usr/bin/env python
"""Fuzz target for cact's Python API (atheris, a libFuzzer engine for Python).

Each fuzz input is decoded (``atheris.FuzzedDataProvider``) into one call of a
public function -- every activation, its ``_grad`` and ``_backward`` (from x or
y), ``maxout`` and ``maxout_backward`` -- with

* data of a random dtype (float32/64, float16, ints, bool, byte-swapped,
  long double, complex, object, strings, structured), raw bit patterns
  (signalling NaNs, payloads, subnormals, infinities) or special values;
* a random shape (0 to 3 dimensions, empty axes) and layout (reversed,
  strided, transposed, Fortran, misaligned by 1..15 bytes, read-only,
  broadcast with zero strides);
* a random ``out``: none, fresh, strided, misaligned, the input itself,
  partially overlapping an input, or an invalid one (dtype, shape, read-only,
  zero stride, not an array);
* random parameters (one of the row's: 0, negative, huge, NaN, inf, wrong types;
  pieces, axis: valid, bad, huge), thread counts 1..7 and OpenMP thresholds
  lowered so that short arrays take the threaded path.

The oracle (any violation raises, which atheris reports as a crash):

* a call the generator knows to be valid must succeed; one it knows to be
  invalid must raise TypeError or ValueError (AxisError is a ValueError),
  and then every array argument is bitwise unchanged;
* no other exception and no warning (warnings are errors);
* a result is bitwise equal to the same call on C-contiguous, aligned,
  native, non-overlapping float copies with one thread and the compiled
  thresholds;
* elementwise results agree with an independent NumPy reference
  (``tests/reference.py``, evaluated in higher precision) to a few ULPs,
  NaN exactly where the reference is NaN; maxout agrees with np.argmax;
* inputs that are not ``out`` are unchanged.

Usage (reproducible: a fixed -seed, a corpus of at most a few hundred inputs
of at most 512 bytes kept outside the repository)::

    python tools/fuzz.py -seed=1 -max_total_time=600 [CORPUS_DIR]
    python tools/fuzz.py --random 2000 --seed 1   # without atheris: random bytes

``--random N`` runs N random inputs through the same harness with Python's
``random`` (used by the test suite to keep this harness working).
"""

from __future__ import annotations

import os
import random
import sys
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))
if os.path.isdir(os.path.join(ROOT, "cact")):
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

try:
    import atheris
except ImportError:  # --random mode only
    atheris = None


def _imports():
    global cact, _core, evaluate, ACTS
    if atheris is not None and "--random" not in sys.argv:
        with atheris.instrument_imports(include=["cact"]):
            import cact
    else:
        import cact
    from cact import _core
    from reference import evaluate

    ACTS = list(cact.ACTIVATIONS)


cact = _core = evaluate = None
ACTS: list = []


class Expected(Exception):
    """Internal: the generator's verdict disagrees with cact."""


# ------------------------------------------------------------------ choices
GOOD_DTYPES = ["f4", "f8", "f4", "f8", "f2", "i1", "u1", "i2", "u2", "i4", "i8", "u8", "?",
               ">f4", ">f8", "<f4"]
BAD_DTYPES = ["g", "c8", "c16", "O", "U2", "S2", [("a", "f4")], "V4", "M8[s]"]
SMALL = {"f2", "i1", "u1", "i2", "u2", "?", "f4", ">f4", "<f4"}  # -> float32


def result_dtype(dts, weak_float: bool = False, weak_int: bool = False) -> np.dtype:
    """float32 when every array operand converts safely to float32 (NumPy's
    linear loop search over the float32 and float64 loops), else float64.
    ``None`` entries are Python scalars (weak); a Python float beside integer
    or bool arrays only makes them float64 (NEP 50: int8 array + 1.0 is
    float64)."""
    arr = [d for d in dts if d is not None]
    if not arr:
        return np.dtype("f8")
    if weak_float and all(np.dtype(d).kind in "biu" for d in arr):
        return np.dtype("f8")
    if weak_int and all(np.dtype(d).kind == "b" for d in arr):  # bool + 3 is int64
        return np.dtype("f8")
    return np.dtype("f4") if all(d in SMALL for d in arr) else np.dtype("f8")


FLT_MAX = float(np.finfo(np.float32).max)
SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 1e-30, -1e-30, 1e30, -1e30,
           FLT_MAX, -FLT_MAX, 1.7976931348623157e308, -1.7976931348623157e308, 5e-324, -5e-324,
           1.1754942e-38, -1.1754942e-38, 1.401298464324817e-45, -103.97, -88.72, -87.3, -20.0,
           -17.05, 16.6, 17.05, 709.78, -709.78, -745.13, 9.0, -9.0, 20.0, 40.0, -40.0, 3.0, -3.0]


class Gen:
    """Decisions from the fuzz input (atheris) or from random.Random."""

    def __init__(self, data: bytes):
        self.fdp = atheris.FuzzedDataProvider(data) if atheris is not None and not RANDOM_MODE else None
        self.rnd = None if self.fdp is not None else random.Random(data)
        # Values (not decisions) come from a generator seeded by the input:
        # short inputs still give varied arrays, deterministically.
        self.values = random.Random(data)

    def int(self, lo: int, hi: int) -> int:
        if self.fdp is not None:
            return self.fdp.ConsumeIntInRange(lo, hi)
        return self.rnd.randint(lo, hi)

    def pick(self, seq):
        return seq[self.int(0, len(seq) - 1)]

    def chance(self, k: int) -> bool:
        """True with probability about 1/k."""
        return self.int(0, k - 1) == 0

    def bytes(self, n: int) -> bytes:
        b = self.fdp.ConsumeBytes(n) if self.fdp is not None else b""
        return b + self.values.randbytes(n - len(b))


def make_values(gen: Gen, dt: np.dtype, size: int) -> np.ndarray:
    """size values of dtype dt (native byte order), C order."""
    mode = gen.int(0, 3)
    if dt.kind == "f" and mode == 0:  # raw bit patterns
        v = np.frombuffer(gen.bytes(size * dt.itemsize), dtype=dt.newbyteorder("="))
        return v.copy()
    if dt.kind == "b":
        return np.frombuffer(gen.bytes(size), np.uint8) % 2 == 1
    if dt.kind in "iu":
        v = np.frombuffer(gen.bytes(size * dt.itemsize), dtype=dt.newbyteorder("="))
        return v.copy()
    if dt.kind == "f":
        r = gen.values
        vals = [r.choice(SPECIAL) if mode == 1 or r.random() < 0.3 else r.uniform(-40.0, 40.0)
                for _ in range(size)]
        with np.errstate(over="ignore"):
            return np.array(vals, dtype=np.float64).astype(dt.newbyteorder("="))
    raise AssertionError(dt)


def make_array(gen: Gen, dtspec, shape: tuple):
    """An array of the given dtype and shape in a random layout; returns
    (array, good, layout-name)."""
    dt = np.dtype(dtspec)
    size = int(np.prod(shape)) if shape else 1
    if dt.kind in "fiub" and dt.itemsize <= 8:
        base = make_values(gen, dt, size).reshape(shape)
        if not dt.isnative:
            base = base.astype(dt)
    elif dt.kind == "f":  # long double
        base = np.arange(size, dtype=dt).reshape(shape)
    else:
        base = np.zeros(shape, dtype=dt)
    layout = gen.int(0, 9)
    a = base
    if layout == 1 and a.ndim:
        a = np.ascontiguousarray(base[..., ::-1])[..., ::-1]  # reversed view
    elif layout == 2 and a.ndim:
        big = np.repeat(base, 2, axis=-1)
        a = big[..., ::2]  # stride 2
    elif layout == 3 and a.ndim >= 2:
        a = np.ascontiguousarray(np.swapaxes(base, 0, -1)).swapaxes(0, -1)  # transposed
    elif layout == 4 and a.ndim:  # (asfortranarray makes 0-d arrays 1-d)
        a = np.asfortranarray(base)
    elif layout == 5 and base.dtype.kind in "fiub":  # misaligned by 1..15 bytes
        off = gen.int(1, 15)
        buf = bytearray(base.nbytes + off)
        a = np.frombuffer(buf, dtype=base.dtype, count=base.size, offset=off).reshape(shape)
        a[...] = base
    elif layout == 6:
        a = base.copy()
        a.flags.writeable = False
    elif layout == 7 and a.ndim and a.shape[-1] > 0:  # broadcast: zero strides, read-only
        a = np.broadcast_to(base[..., :1], shape)
    elif layout == 8 and a.ndim:
        a = base.copy()
        a = a[::-1]  # negative stride on axis 0
        a = np.ascontiguousarray(a)[::-1]
    return a, layout


def make_shape(gen: Gen) -> tuple:
    ndim = gen.int(0, 3)
    if gen.chance(12) and ndim:
        return (gen.int(60, 700),) + tuple(gen.int(1, 2) for _ in range(ndim - 1))
    return tuple(gen.int(0, 9) if gen.chance(4) else gen.int(1, 9) for _ in range(ndim))


PARAMS_GOOD = [0.0, -0.0, -1.0, 0.5, 2.0, 1e-30, -1e-30, 3, np.float32(0.25), np.float64(-2.0),
               np.int8(2), np.array(0.5)]
PARAMS_BAD_TYPE = ["0.1", None, True, np.bool_(True), 1j, [0.1], np.array([0.1])]
PARAMS_BAD_VALUE = [np.nan, np.inf, -np.inf, 10 ** 400]


def gen_param(gen: Gen, rdt: np.dtype):
    """(a parameter value, verdict) with verdict 'ok', 'type' or 'value'."""
    k = gen.int(0, 9)
    if k <= 5:
        return gen.pick(PARAMS_GOOD), "ok"
    if k == 6:
        return gen.pick(PARAMS_BAD_TYPE), "type"
    if k == 7:
        return gen.pick(PARAMS_BAD_VALUE), "value"
    big = gen.pick([1e30, -1e30, FLT_MAX, -FLT_MAX, 1e39, -1e39, 1e300, -1e300])
    ok = abs(big) <= FLT_MAX or rdt == np.float64
    return big, "ok" if ok else "value"


def bound_ok(act, params) -> bool:
    """Whether the parameters meet the row's conditions between them
    (Param.bound); values of a wrong type or not finite are errors anyway."""
    for p in act.params:
        if p.bound is not None:
            b = p.bound[1]
            try:
                v, w = float(np.float64(params[p.name])), float(np.float64(params[b] if isinstance(b, str) else b))
            except (TypeError, ValueError, OverflowError):
                continue
            if np.isfinite(v) and np.isfinite(w) and not p.holds({p.name: v, **({b: w} if isinstance(b, str) else {})}):
                return False
    return True


# ---------------------------------------------------------------- checking
def snapshot(arrays):
    return [(a, a.tobytes(), a.dtype, a.shape, a.strides) for a in arrays
            if isinstance(a, np.ndarray)]


def unchanged(snap, skip=()):
    for a, b, dt, shape, strides in snap:
        if any(a is s for s in skip) or any(np.shares_memory(a, s) for s in skip
                                            if isinstance(s, np.ndarray)):
            continue
        if (a.tobytes(), a.dtype, a.shape, a.strides) != (b, dt, shape, strides):
            raise Expected(f"an argument was modified: {a.dtype} {a.shape} {a.strides}")


def canon(a, rdt):
    """A C-contiguous, aligned, native copy in the computation dtype."""
    if a is None or isinstance(a, (float, int)) and not isinstance(a, bool):
        return a
    with np.errstate(invalid="ignore"):
        return np.array(np.asarray(a), dtype=rdt, order="C", copy=True)


def bitwise(got, exp, what):
    g, e = np.asarray(got), np.asarray(exp)
    if g.dtype != e.dtype or g.shape != e.shape or g.tobytes() != e.tobytes():
        raise Expected(f"{what}: result differs from the canonical call "
                       f"({g.dtype} {g.shape} vs {e.dtype} {e.shape})")


def serial_canonical(fn):
    """Run fn with one thread and the compiled thresholds."""
    old = cact.set_num_threads(1)
    _core._set_min_parallel_override(0)
    try:
        with np.errstate(all="raise"):
            return fn()
    finally:
        cact.set_num_threads(old)


_RANGES: dict = {}


def output_range(act, params, rdt):
    """[min, max] of f over +-0, +-inf and 400 magnitudes spread over the
    normal range of rdt: the range of f's outputs for every row (sigmoid
    [0, 1], softsign [-1, 1], celu [-alpha, inf] or, for alpha < 0, every
    value; leaky_relu with a negative slope [0, inf]).  The backward from y
    is only compared where y is one of f's outputs: elsewhere the formula
    is free to overflow (softsign's (1 - |y|)^2 at y = -1.8e308).  An
    infinite end is an infinite output (f(-inf) or f(+inf)).  Computed once
    per row, parameters and dtype."""
    key = (act.name, tuple(sorted((k, float(v)) for k, v in params.items())), rdt.str)
    if key in _RANGES:
        return _RANGES[key]
    fi = np.finfo(rdt)
    mags = np.geomspace(float(fi.smallest_normal), float(fi.max), 200).astype(rdt)
    x = np.concatenate([np.array([0.0, -0.0, np.inf, -np.inf], rdt), mags, -mags])
    with np.errstate(all="ignore"):
        y = np.asarray(getattr(cact, act.name)(x, **params)).astype(np.float64)
    y = y[~np.isnan(y)]
    _RANGES[key] = float(y.min()), float(y.max())
    return _RANGES[key]


def check_reference(act, variant, ins, params, got, what=""):
    """Agreement with the independent reference (tests/reference.py)."""
    got = np.asarray(got)
    rdt = got.dtype
    hi = [np.broadcast_to(canon(a, rdt), got.shape) if not isinstance(a, (float, int))
          else np.full(got.shape, float(a), rdt) for a in ins]
    with np.errstate(all="ignore"):
        ref = evaluate(act.name, variant, rdt, *hi,
                       **{k: float(rdt.type(v)) for k, v in params.items()})
        if ref.dtype == object:
            ref = ref.astype(np.float64)
        r = ref.astype(rdt)
    fi = np.finfo(rdt)
    gn, rn = np.isnan(got), np.isnan(r)
    if variant in ("backward_x", "backward_y"):
        # g = +-inf or NaN: relu-type backward functions select g or 0 where
        # the reference multiplies (inf * 0 = NaN); compare finite g only
        keep = np.isfinite(hi[0])
        xin = hi[1].astype(np.float64)  # x, or y for the backward from y
        if variant == "backward_y":  # y outside the range of f is not a forward output
            lo, top = output_range(act, params, rdt)
            keep = keep & (np.isnan(xin) | ((xin >= lo) & (xin <= top)))
        # g = 0 at a finite input: g f' is a zero, f' being finite; a
        # float64 reference whose f' overflowed (softplus's 1 - exp(a) past
        # a = 709.78 for a float32 y) gives 0 * inf = NaN there
        # (from x, at any non-NaN x: an infinite x too, where f' may be
        # infinite, celu's exp(x / alpha) for alpha < 0 at x = -inf: the
        # derivatives are never 0 * inf, tests/test_values.py)
        zero = (hi[0] == 0) & (np.isfinite(xin) if variant == "backward_y" else ~np.isnan(xin)) & rn
        if variant == "backward_y":
            # an infinite y that f outputs (celu(-inf) = -inf for alpha < 0):
            # g = 0 gives a zero there too, never 0 * inf (tests/test_values.py,
            # test_derivatives_never_nan_from_inf_times_zero); an infinity
            # that is no output keeps the reference's NaN
            ends = [v for v in output_range(act, params, rdt) if np.isinf(v)]
            zero |= (hi[0] == 0) & np.isin(xin, ends) & rn
        r = np.where(zero, 0, r)
        rn = rn & ~zero
        gn, rn = gn & keep, rn & keep
        got = np.where(keep, got, 0)
        r = np.where(keep, r, 0)
    if not np.array_equal(gn, rn):
        i = np.flatnonzero((gn != rn).ravel())[0]
        raise Expected(f"{what}: NaN mismatch at {i}: got {got.ravel()[i]!r}, "
                       f"reference {r.ravel()[i]!r}, inputs {[np.ravel(h)[i] for h in hi]}")
    with np.errstate(all="ignore"):
        tol = 8 * np.spacing(np.abs(r).astype(rdt)) + 4 * fi.smallest_subnormal
        if variant in ("backward_x", "backward_y"):
            # g * f'(x): f' may be subnormal (sigmoid'(712)), where its
            # relative accuracy is lower; a large g carries that error over
            tol = tol * 2 + np.abs(hi[0]).astype(np.float64) * 2 * float(np.finfo(np.float64).smallest_subnormal)
        if act.name == "elu" and variant in ("grad", "backward_x"):
            # alpha * exp(x): exp(x) underflows (x < -708) before a huge alpha
            # scales it back up: absolute accuracy |alpha| * 2^-1074
            g_ = np.abs(hi[0]).astype(np.float64) if variant == "backward_x" else 1.0
            tol = tol + abs(params.get("alpha", 1.0)) * g_ * 2 * float(np.finfo(np.float64).smallest_subnormal)
        bad = ~gn & ~((got == r) | (np.abs(got.astype(np.float64) - r.astype(np.float64)) <= tol))
        # y-forms near cancellation and inf-inf products: compare in high precision
    if bad.any():
        i = np.flatnonzero(bad.ravel())[0]
        raise Expected(f"{what}: got {got.ravel()[i]!r}, reference "
                       f"{r.ravel()[i]!r} for inputs {[np.ravel(h)[i] for h in hi]}")


# ----------------------------------------------------------- elementwise
def fuzz_elementwise(gen: Gen):
    act = gen.pick(ACTS)
    variant = gen.pick(list(act.variants))
    shape = make_shape(gen)
    nin = 1 if variant in ("f", "grad") else 2
    dts, ins, specs = [], [], []
    for k in range(nin):
        spec = gen.pick(BAD_DTYPES) if gen.chance(15) else gen.pick(GOOD_DTYPES)
        if spec in GOOD_DTYPES and gen.chance(8):  # a Python scalar or a list
            kind = gen.int(0, 2)
            if kind == 0 or (kind == 2 and not shape):
                ins.append(float(gen.pick(SPECIAL)))
                dts.append(None)
                specs.append("pyfloat")
            elif kind == 1:
                ins.append(gen.pick([gen.int(-5, 5), 2 ** 64, -(2 ** 70), 10 ** 400]))
                dts.append(None)
                specs.append("pyint")
            else:
                a, _ = make_array(gen, "f8", shape)
                ins.append(a.tolist())
                dts.append("f8")
                specs.append("list")
            continue
        sh = shape
        if nin == 2 and shape and gen.chance(5):  # a broadcasting operand
            sh = tuple(1 if gen.chance(2) else n for n in shape)
        a, _ = make_array(gen, spec, sh)
        ins.append(a)
        dts.append(spec if spec in GOOD_DTYPES else "bad")
        specs.append(str(spec))
    good = "bad" not in dts
    # ints beyond NumPy's integer types are used as floats
    weak_float = any(isinstance(a, float) or isinstance(a, int) and not -2**63 <= a < 2**64
                     for a in ins)
    weak_int = any(isinstance(a, int) and -2**63 <= a < 2**64 for a in ins)
    rdt = result_dtype(dts, weak_float, weak_int) if good else None
    try:
        rshape = np.broadcast_shapes(*[np.shape(a) for a in ins])
    except ValueError:
        rshape = None
    verdict = "ok" if good and rshape is not None else "error"
    if verdict == "ok":  # Python numbers must fit the computation dtype
        for a in ins:
            if isinstance(a, (int, float)):
                try:
                    v = float(a)
                except OverflowError:
                    verdict = "error"
                    continue
                if rdt == np.float32 and abs(v) > FLT_MAX and not np.isinf(v):
                    verdict = "error"
    params = {}
    if act.params and gen.chance(3):
        # one of the row's parameters (the others at their defaults)
        p = act.params[gen.int(0, len(act.params) - 1)]
        value, pverdict = gen_param(gen, rdt or np.dtype("f8"))
        params = {p.name: value}
        if pverdict != "ok":
            verdict = "error"
        elif not bound_ok(act, dict({q.name: q.default for q in act.params}, **params)):
            verdict = "error"  # a condition between parameters (Param.bound)
        elif variant == "backward_y" and p.y_min is not None and float(np.float64(value)) < p.y_min:
            verdict = "error"
    # out
    out_kind = gen.int(0, 11)
    out = None
    if rshape is not None and rdt is not None:
        if out_kind == 1:
            out = np.full(rshape, 7, rdt)
        elif out_kind == 2:
            o, _ = make_array(gen, rdt.str, rshape)
            out = o if o.flags.writeable and (0 not in o.strides or o.size <= 1) else np.zeros(rshape, rdt)
        elif out_kind == 3:  # in place on an input of the right dtype and shape
            cands = [a for a in ins if isinstance(a, np.ndarray) and a.dtype == rdt
                     and a.shape == rshape and a.flags.writeable and 0 not in a.strides]
            if cands:
                out = cands[gen.int(0, len(cands) - 1)]
        elif out_kind == 4 and len(rshape) == 1 and rshape[0] > 1:  # partial overlap
            k = gen.int(0, len(ins) - 1)
            if isinstance(ins[k], np.ndarray) and ins[k].dtype == rdt:
                n = rshape[0]
                shift = gen.int(1, n - 1)
                buf = np.zeros(n + shift, rdt)
                buf[:n] = np.broadcast_to(ins[k], rshape)
                buf[n:] = buf[:shift]
                lo, hi = buf[:n], buf[shift:]
                if gen.chance(2):
                    lo, hi = hi, lo
                ins[k], out = lo, hi
                if gen.chance(3):  # reversed views of the same buffer
                    ins[k] = ins[k][::-1]
        elif out_kind == 5:
            other = np.dtype("f4") if rdt == np.float64 else np.dtype("f8")
            out = np.zeros(rshape, gen.pick([other, np.dtype("i8"), rdt.newbyteorder()]))
            verdict = "error"
        elif out_kind == 6:
            out, verdict = np.zeros(rshape + (1,), rdt), "error"
        elif out_kind == 7:
            out = np.zeros(rshape, rdt)
            out.flags.writeable = False
            verdict = "error"
        elif out_kind == 8 and int(np.prod(rshape)) > 1:
            out, verdict = np.broadcast_to(np.zeros(1, rdt), rshape), "error"
        elif out_kind == 9 and int(np.prod(rshape)) > 1:
            out = np.lib.stride_tricks.as_strided(np.zeros(1, rdt), shape=rshape,
                                                  strides=(0,) * len(rshape))
            verdict = "error"
        elif out_kind == 10:
            out, verdict = [0.0] * max(1, int(np.prod(rshape))), "error"
    what = (f"{act.name} {variant} inputs={specs} shape={rshape} out_kind={out_kind} "
            f"params={params}")
    # canonical inputs: contiguous, aligned, native copies taken before the call
    cins = [canon(a, rdt) for a in ins] if verdict == "ok" else None
    nthreads = gen.pick([1, 2, 3, 4, 7])
    override = gen.pick([0, 0, 128, 1000])
    f = _elementwise_fn(act, variant)
    before = snapshot(list(ins) + [out])
    old = cact.set_num_threads(nthreads)
    _core._set_min_parallel_override(override)
    try:
        kw = dict(params)
        if out is not None:
            kw["out"] = out
        try:
            with np.errstate(all="raise"):
                res = f(*ins, **kw)
        except (TypeError, ValueError) as e:
            if verdict == "ok":
                raise Expected(f"{what}: a valid call was rejected: {type(e).__name__}: {e}") from e
            unchanged(before)
            return
    finally:
        cact.set_num_threads(old)
        _core._set_min_parallel_override(0)
    if verdict != "ok":
        raise Expected(f"{what}: accepted, expected an error")
    if out is not None and res is not out:
        raise Expected(f"{what}: out= given but not returned")
    unchanged(before, skip=(out,) if out is not None else ())
    exp = serial_canonical(lambda: f(*cins, **params))
    bitwise(res, exp, what)
    pvals = {p.name: float(np.float64(params.get(p.name, p.default))) for p in act.params}
    check_reference(act, variant, cins, pvals, res, what)


def _elementwise_fn(act, variant):
    if variant == "f":
        return getattr(cact, act.name)
    if variant == "grad":
        return getattr(cact, act.name + "_grad")
    bwd = getattr(cact, act.name + "_backward")
    if variant == "backward_x":
        return bwd
    return lambda g, y, **kw: bwd(g, y=y, **kw)


# ---------------------------------------------------------------- maxout
def ref_maxout(z, pieces, axis):
    t = np.moveaxis(z, axis, -1)
    g = t.reshape(t.shape[:-1] + (t.shape[-1] // pieces, pieces))
    if g.size == 0:
        return np.moveaxis(np.empty(g.shape[:-1], z.dtype), -1, axis)
    idx = np.argmax(g, axis=-1)
    return np.moveaxis(np.take_along_axis(g, idx[..., None], -1)[..., 0], -1, axis)


def fuzz_maxout(gen: Gen):
    backward = gen.chance(2)
    shape = make_shape(gen)
    if not shape:
        shape = (gen.int(0, 8),)
    spec = gen.pick(BAD_DTYPES) if gen.chance(15) else gen.pick(GOOD_DTYPES)
    good = spec in GOOD_DTYPES
    z, _ = make_array(gen, spec, shape)
    ndim = z.ndim
    axis = gen.int(-ndim - 1, ndim)
    verdict = "ok" if good else "type"
    if gen.chance(15):
        axis = gen.pick([1.0, None, "0"])
        verdict = "type" if verdict == "ok" else verdict
    k = gen.int(0, 9)
    if k <= 6:
        n = z.shape[axis] if isinstance(axis, int) and -ndim <= axis < ndim else 1
        divs = [d for d in range(1, max(n, 1) + 1) if n % d == 0] or [1]
        pieces = gen.pick(divs)
    else:
        pieces = gen.pick([0, -1, 2 ** 40, 2.0, True, np.int64(3), 5, 7])
    rdt = result_dtype([spec]) if good else None
    if verdict == "ok":
        if isinstance(pieces, (bool, float)):
            verdict = "type"
        elif not (-ndim <= axis < ndim):
            verdict = "value"
        elif int(pieces) < 1 or z.shape[axis] % int(pieces):
            verdict = "value"
    out = None
    g = None
    m_shape = None
    if verdict == "ok":
        ax = axis % ndim
        m_shape = z.shape[:ax] + (z.shape[ax] // int(pieces),) + z.shape[ax + 1:]
    if backward:
        gspec = gen.pick(GOOD_DTYPES)
        if m_shape is not None:
            g, _ = make_array(gen, gspec, m_shape if not gen.chance(15) else m_shape + (1,))
            if g.shape != m_shape:
                verdict = "value"
            rdt = result_dtype([spec, gspec])
        else:
            g, _ = make_array(gen, gspec, (2,))
    target_shape = z.shape if backward else m_shape
    ok_out = verdict == "ok"
    out_kind = gen.int(0, 6)
    if target_shape is not None and verdict == "ok":
        if out_kind == 1:
            out = np.full(target_shape, 3, rdt)
        elif out_kind == 2:
            o, _ = make_array(gen, rdt.str, target_shape)
            out = o if o.flags.writeable and (0 not in o.strides or o.size <= 1) else np.zeros(target_shape, rdt)
        elif out_kind == 3:
            other = np.dtype("f4") if rdt == np.float64 else np.dtype("f8")
            out, verdict = np.zeros(target_shape, other), "type"
        elif out_kind == 4:
            out = np.zeros(target_shape, rdt)
            out.flags.writeable = False
            verdict = "value"
        elif out_kind == 5 and backward and z.dtype == rdt and z.flags.writeable and \
                0 not in z.strides:
            out = z  # in place on z
    before = snapshot([z, g, out])
    nthreads = gen.pick([1, 2, 3, 4, 7])
    override = gen.pick([0, 0, 128, 1000])
    old = cact.set_num_threads(nthreads)
    _core._set_min_parallel_override(override)
    zval = canon(z, rdt) if rdt is not None and ok_out else None
    gval = canon(g, rdt) if backward and rdt is not None and ok_out and g is not None and \
        g.shape == m_shape else None
    try:
        kw = {} if out is None else {"out": out}
        try:
            with np.errstate(all="raise"):
                if backward:
                    res = cact.maxout_backward(g, z, pieces, axis, **kw)
                else:
                    res = cact.maxout(z, pieces, axis, **kw)
        except (TypeError, ValueError) as e:
            if verdict == "ok":
                raise Expected(f"maxout{'_backward' if backward else ''} {spec} {shape} "
                               f"pieces={pieces!r} axis={axis!r}: rejected: {e}") from e
            unchanged(before)
            return
    finally:
        cact.set_num_threads(old)
        _core._set_min_parallel_override(0)
    if verdict != "ok":
        raise Expected(f"maxout backward={backward} {spec} {shape} pieces={pieces!r} "
                       f"axis={axis!r} out_kind={out_kind}: accepted, expected {verdict} error")
    unchanged(before, skip=(out,) if out is not None else ())
    if backward:
        exp = serial_canonical(lambda: cact.maxout_backward(gval, zval, int(pieces), axis))
        bitwise(res, exp, "maxout_backward")
        # reference: g at np.argmax of each group
        t = np.moveaxis(zval, axis, -1)
        grp = t.reshape(t.shape[:-1] + (t.shape[-1] // int(pieces), int(pieces)))
        ref = np.zeros(grp.shape, rdt)
        if grp.size:
            idx = np.argmax(grp, -1)
            np.put_along_axis(ref, idx[..., None], np.moveaxis(gval, axis, -1)[..., None], -1)
        ref = np.moveaxis(ref.reshape(ref.shape[:-2] + (ref.shape[-2] * ref.shape[-1],)),
                          -1, axis)
        bitwise(res, ref, "maxout_backward vs np.argmax")
    else:
        exp = serial_canonical(lambda: cact.maxout(zval, int(pieces), axis))
        bitwise(res, exp, "maxout")
        bitwise(res, ref_maxout(zval, int(pieces), axis), "maxout vs np.argmax")


# ------------------------------------------------------------------ target
def TestOneInput(data: bytes):
    gen = Gen(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="ignore"):  # generation; the calls run under "raise"
            if gen.chance(4):
                fuzz_maxout(gen)
            else:
                fuzz_elementwise(gen)


RANDOM_MODE = "--random" in sys.argv


def main():
    _imports()
    if RANDOM_MODE:
        i = sys.argv.index("--random")
        n = int(sys.argv[i + 1])
        seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 0
        rnd = random.Random(seed)
        for k in range(n):
            data = rnd.getrandbits(64).to_bytes(8, "little") + bytes([k % 256])
            try:
                TestOneInput(data)
            except Exception:
                print(f"failing input #{k}: {data.hex()}", file=sys.stderr)
                raise
        print(f"fuzz: {n} random inputs, no failure")
        return
    args = list(sys.argv)
    if not any(a.startswith("-max_len") for a in args):
        args.append("-max_len=512")
    atheris.Setup(args, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
