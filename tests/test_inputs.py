"""Bad and unusual inputs not covered elsewhere: every dtype pairing of input
and ``out``, memoryviews, subclasses in maxout, read-only inputs, misaligned
data at every byte offset, overlapping buffers, big Python numbers.

(test_errors.py, test_conversions.py, test_layouts.py and test_inplace.py
cover the basic cases; this module adds the remaining classes of the
reliability checklist.)
"""

import array

import numpy as np
import pytest

import cact
from helpers import DTYPES, VARIANTS, acts, assert_bitwise, call, dtname, make_inputs, min_parallel, param_sets, with_param


def raises_and_keeps(exc, fn, *args, **kw):
    arrays = [a for a in (*args, *kw.values()) if isinstance(a, np.ndarray)]
    before = [(a.tobytes(), a.dtype, a.shape, a.strides) for a in arrays]
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    for a, b in zip(arrays, before):
        assert (a.tobytes(), a.dtype, a.shape, a.strides) == b, f"modified by failing call: {info.value}"
    return info


def _all_calls():
    """(label, fn(x, **kw)) for every elementwise variant and maxout."""
    out = []
    for act in cact.ACTIVATIONS:
        f = getattr(cact, act.name)
        grad = getattr(cact, act.name + "_grad")
        bwd = getattr(cact, act.name + "_backward")
        out += [
            (act.name, lambda x, f=f, **kw: f(x, **kw)),
            (act.name + "_grad", lambda x, g=grad, **kw: g(x, **kw)),
            (act.name + "_backward(x=)", lambda x, b=bwd, **kw: b(np.abs(x), x, **kw)),
        ]
        if "backward_y" in act.variants:
            out.append((act.name + "_backward(y=)", lambda x, b=bwd, **kw: b(x, y=np.abs(x), **kw)))
    return out


# ------------------------------------------------------- dtype of x vs out
IN_DTYPES = ["?", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", ">f4", ">f8"]
OUT_DTYPES = ["f2", "f4", "f8", ">f4", ">f8", "i8", "g", "c8"]
RESULT = {d: np.dtype("f4") if d in ("?", "i1", "u1", "i2", "u2", "f2", "f4", ">f4") else np.dtype("f8")
          for d in IN_DTYPES}


@pytest.mark.parametrize("in_dt", IN_DTYPES)
def test_out_dtype_must_be_the_result_dtype(in_dt):
    """The casting rule for out=, both ways (float32 x into float64 out and
    float64 x into float32 out included): out must have exactly the result's
    dtype (native byte order); anything else is a TypeError that leaves every
    buffer untouched.  Same for maxout and maxout_backward."""
    x = np.array([0, 1, 2, 3, 1, 0]).astype(in_dt)
    res_dt = RESULT[in_dt]
    for out_dt in OUT_DTYPES:
        odt = np.dtype(out_dt)
        ok = odt == res_dt and odt.isnative
        calls = [(label, fn, (x,)) for label, fn in _all_calls()]
        calls += [("maxout", lambda z, **kw: cact.maxout(z, 2, **kw), (x,)),
                  ("maxout_backward", lambda z, **kw: cact.maxout_backward(
                      np.ones(3, z.dtype), z, 2, **kw), (x,))]
        for label, fn, args in calls:
            shape = (3,) if label == "maxout" else x.shape
            out = np.full(shape, 5, odt)
            if ok:
                expected = fn(*args)
                assert expected.dtype == res_dt, label
                assert fn(*args, out=out) is out
                assert_bitwise(out, expected, f"{label} {in_dt} into {out_dt}")
            else:
                info = raises_and_keeps(TypeError, fn, *args, out=out)
                assert "dtype" in str(info.value), (label, str(info.value))


@pytest.mark.parametrize("act", acts())
def test_backward_out_dtype_with_mixed_operands(act):
    """float32 grad_output with float64 x gives float64: out must be float64,
    a float32 out is a TypeError; and the other way round."""
    bwd = getattr(cact, act.name + "_backward")
    g32 = np.linspace(-2, 2, 9).astype(np.float32)
    x64 = np.linspace(0.1, 3, 9)
    for g, x in ((g32, x64), (g32.astype(np.float64), x64.astype(np.float32))):
        expected = bwd(g.astype(np.float64), x.astype(np.float64))
        out = np.empty(9)
        assert bwd(g, x, out=out) is out
        assert_bitwise(out, expected, f"{act.name}_backward mixed into float64")
        raises_and_keeps(TypeError, bwd, g, x, out=np.empty(9, np.float32))
        raises_and_keeps(TypeError, bwd, g, y=x, out=np.empty(9, np.float32))  # (no y-form: TypeError too)


# ------------------------------------------------------------- memoryviews
def _memoryviews():
    return [
        ("float32", memoryview(np.linspace(-3, 3, 8, dtype=np.float32)), np.float32),
        ("float64 2-D", memoryview(np.linspace(-3, 3, 8).reshape(2, 4)), np.float64),
        ("strided", memoryview(np.linspace(-3, 3, 16))[::2], np.float64),
        ("read-only bytes", memoryview(np.linspace(-3, 3, 8).tobytes()).cast("d"), np.float64),
        ("uint8", memoryview(bytearray(range(0, 240, 30))), np.float32),
        ("array.array('f')", memoryview(array.array("f", [-1.5, 0.0, 2.5, 7.0])), np.float32),
        ("big-endian", memoryview(np.linspace(-3, 3, 8).astype(">f8")), np.float64),
    ]


@pytest.mark.parametrize("label, mv, res_dt", _memoryviews(), ids=[m[0] for m in _memoryviews()])
def test_memoryview_inputs(label, mv, res_dt):
    """A memoryview is converted with np.asarray (zero-copy, read-only views
    included): the result equals the one for that array, nothing is written."""
    arr = np.asarray(mv)
    snapshot = arr.tobytes()
    for name, fn in _all_calls():
        got = fn(mv) if "backward" not in name else None
        if got is None:
            continue
        assert got.dtype == res_dt, (name, got.dtype)
        assert_bitwise(got, fn(arr.copy()), f"{name}({label})")
    for act in cact.ACTIVATIONS:
        bwd = getattr(cact, act.name + "_backward")
        assert_bitwise(bwd(mv, np.abs(arr)), bwd(arr.copy(), np.abs(arr)), f"{act.name}_backward(mv, ...)")
        ones = np.ones(arr.shape, arr.dtype)
        if "backward_y" in act.variants:
            assert_bitwise(bwd(ones, y=mv), bwd(ones, y=arr.copy()), f"{act.name}_backward(y=memoryview)")
    if arr.shape[-1] % 2 == 0:
        assert_bitwise(cact.maxout(mv, 2), cact.maxout(arr.copy(), 2), f"maxout({label})")
        g = np.ones(arr.shape[:-1] + (arr.shape[-1] // 2,))
        assert_bitwise(cact.maxout_backward(g, mv, 2), cact.maxout_backward(g, arr.copy(), 2),
                       f"maxout_backward({label})")
    assert np.asarray(mv).tobytes() == snapshot


def test_memoryview_out_is_type_error():
    x = np.linspace(-1, 1, 4)
    buf = np.full(4, 9.0)
    for name, fn in _all_calls():
        raises_and_keeps(TypeError, fn, x, out=memoryview(buf))
    raises_and_keeps(TypeError, cact.maxout, x, 2, out=memoryview(buf)[:2])
    assert (buf == 9.0).all()


# ------------------------------------------------ subclasses in maxout
@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_maxout_matrix_gives_ndarray():
    m = np.matrix([[1.0, 5.0, -2.0, 0.5], [3.0, 3.0, 7.0, -1.0]])
    got = cact.maxout(m, 2)
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, [[5.0, 0.5], [3.0, 7.0]])
    back = cact.maxout_backward(np.matrix([[1.0, 2.0], [3.0, 4.0]]), m, 2)
    assert type(back) is np.ndarray
    np.testing.assert_array_equal(back, [[0, 1, 0, 2], [3, 0, 4, 0]])


def test_maxout_masked_array_is_type_error():
    """maxout would ignore a mask (the maxima would include masked entries),
    so masked arrays are refused, with the fix in the message."""
    z = np.ma.masked_array([1.0, 9.0, 3.0, 2.0], mask=[False, True, False, False])
    info = raises_and_keeps(TypeError, cact.maxout, z, 2)
    assert "filled(-np.inf)" in str(info.value)
    raises_and_keeps(TypeError, cact.maxout_backward, np.ones(2), z, 2)
    info = raises_and_keeps(TypeError, cact.maxout_backward, np.ma.masked_array(np.ones(2)), z.data, 2)
    assert "grad_output" in str(info.value)
    # the suggested fix gives np.ma.max's answer
    np.testing.assert_array_equal(cact.maxout(z.filled(-np.inf), 2),
                                  z.reshape(2, 2).max(axis=1).filled())


# --------------------------------------------------------- read-only inputs
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_read_only_inputs(dtype):
    """Read-only inputs (a frozen array, a broadcast view with zero strides,
    a read-only memoryview) work with out=None and are not written."""
    base = np.linspace(-4, 4, 24).astype(dtype).reshape(4, 6)
    ro = base.copy()
    ro.flags.writeable = False
    bc = np.broadcast_to(base[:1], (4, 6))
    fb = np.frombuffer(base.tobytes(), dtype=dtype).reshape(4, 6)
    assert not fb.flags.writeable
    for x in (ro, bc, fb):
        snapshot = x.tobytes()
        xc = np.array(x)
        for name, fn in _all_calls():
            assert_bitwise(fn(x), fn(xc), f"{name} of read-only {x.strides}")
        for act in cact.ACTIVATIONS:  # read-only grad_output
            bwd = getattr(cact, act.name + "_backward")
            assert_bitwise(bwd(x, np.abs(xc)), bwd(xc, np.abs(xc)), f"{act.name}_backward ro g")
        assert_bitwise(cact.maxout(x, 3), cact.maxout(xc, 3), "maxout of read-only")
        g = np.ones((4, 2), dtype)
        assert_bitwise(cact.maxout_backward(np.broadcast_to(g[:1], (4, 2)), x, 3),
                       cact.maxout_backward(g, xc, 3), "maxout_backward of read-only")
        assert x.tobytes() == snapshot


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_broadcast_to_out_is_value_error(dtype):
    z = np.linspace(-3, 3, 12).astype(dtype).reshape(3, 4)
    for out in (np.broadcast_to(np.zeros((1, 2), dtype), (3, 2)),
                np.lib.stride_tricks.as_strided(np.zeros(2, dtype), (3, 2), (0, dtype().itemsize))):
        raises_and_keeps(ValueError, cact.maxout, z, 2, out=out)
    bout = np.lib.stride_tricks.as_strided(np.zeros(4, dtype), (3, 4), (0, dtype().itemsize))
    raises_and_keeps(ValueError, cact.maxout_backward, np.ones((3, 2), dtype), z, 2, out=bout)
    raises_and_keeps(ValueError, cact.maxout_backward, np.ones((3, 2), dtype), z, 2,
                     out=np.broadcast_to(np.zeros(4, dtype), (3, 4)))


# ----------------------------------------------------------- misalignment
def _at_offset(a, offset):
    """A copy of a in a fresh buffer, starting offset bytes into it."""
    buf = bytearray(a.nbytes + 16)
    m = np.frombuffer(buf, dtype=a.dtype, count=a.size, offset=offset).reshape(a.shape)
    m[...] = a
    return m


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_misaligned_every_offset(act, dtype):
    """Data (and out) at byte offsets 1..15 from a 16-byte aligned start
    give results bitwise equal to aligned data, serial and threaded."""
    params = param_sets(act)[-1]
    n = 300
    x = np.random.default_rng(3).uniform(-30, 30, n).astype(dtype)
    x[::17] = np.nan
    failures = []
    for variant in act.variants:
        ins = make_inputs(act, variant, x, params)
        expected = call(act, variant, ins, params)
        for override in (0, 128):  # 128: short loops take the threaded path
            with min_parallel(override):
                for off in range(1, 16) if override == 0 else (3, 8, 13):
                    mis = tuple(_at_offset(a, off) for a in ins)
                    outs = (None, _at_offset(np.zeros(n, dtype), (off * 7) % 16))
                    for out in outs if override == 0 else outs[1:]:
                        got = call(act, variant, mis, params, out=out)
                        if got.tobytes() != expected.tobytes():
                            failures.append(f"{variant} offset {off} out={out is not None} "
                                            f"override={override}")
    assert not failures, f"{act.name} {dtname(dtype)}: " + "; ".join(failures[:5])


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_misaligned_every_offset(dtype):
    z = np.random.default_rng(4).integers(-3, 4, (40, 12)).astype(dtype)
    g = np.random.default_rng(5).uniform(-1, 1, (40, 6)).astype(dtype)
    for pieces, axis in ((2, -1), (4, -1), (3, 1), (2, 0)):
        m_exp = cact.maxout(z, pieces, axis)
        gg = g if axis != 0 else np.ones((20, 12), dtype)
        if pieces != 2 or axis != -1:
            gg = np.ones(m_exp.shape, dtype)
        b_exp = cact.maxout_backward(gg, z, pieces, axis)
        for off in range(1, 16):
            zm = _at_offset(z, off)
            assert_bitwise(cact.maxout(zm, pieces, axis), m_exp, f"maxout offset {off}")
            out = _at_offset(np.zeros(m_exp.shape, dtype), (off + 3) % 16)
            assert_bitwise(cact.maxout(zm, pieces, axis, out=out), m_exp, f"maxout out offset {off}")
            assert_bitwise(cact.maxout_backward(_at_offset(gg, off), zm, pieces, axis), b_exp,
                           f"maxout_backward offset {off}")


# --------------------------------------------------------------- overlap
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("act", acts())
def test_overlap_reversed_and_frombuffer_views(act, dtype, threads):
    """out overlapping an input in the ways the checklist names: the input
    reversed (out=x[::-1]), and two np.frombuffer views of one buffer at any
    byte distance (whole elements or not): always the non-overlapping result."""
    threads(2)
    params = param_sets(act)[-1]
    isz = np.dtype(dtype).itemsize
    failures = []
    for n, override in ((50, 0), (5000, 0), (5000, 128)):  # 128: threaded
        with min_parallel(override):
            for variant in act.variants:
                x = np.random.default_rng(n).uniform(-6, 6, n).astype(dtype)
                ins = make_inputs(act, variant, x, params)
                expected = call(act, variant, ins, params)
                for k in range(len(ins)):
                    work = [a.copy() for a in ins]
                    res = call(act, variant, tuple(work), params, out=work[k][::-1])
                    if res.tobytes() != expected.tobytes():
                        failures.append(f"{variant} n={n} out=input{k}[::-1]")
                    for dist in (isz, -isz, isz // 2, -3) if override else \
                            (isz, 3 * isz, -isz, isz // 2, 1, -3):
                        buf = bytearray((n + 8) * isz)
                        start = 4 * isz
                        # two views of one (writable) buffer
                        a = np.frombuffer(buf, dtype, n, start)
                        o = np.frombuffer(buf, dtype, n, start + dist)
                        a[...] = ins[k]
                        args = list(ins)
                        args[k] = a
                        res = call(act, variant, tuple(args), params, out=o)
                        if res.tobytes() != expected.tobytes():
                            failures.append(f"{variant} n={n} out at {dist:+d} bytes from input {k}"
                                            f" (override {override})")
    assert not failures, f"{act.name} {dtname(dtype)}: " + "; ".join(failures[:5])


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_overlapping_out(dtype, threads):
    threads(2)
    for n_groups in (50, 40_000):
        z = np.random.default_rng(n_groups).integers(-5, 5, 2 * n_groups).astype(dtype)
        m = cact.maxout(z, 2)
        g = np.random.default_rng(1).uniform(-1, 1, n_groups).astype(dtype)
        b = cact.maxout_backward(g, z, 2)
        for view in (lambda w: w[:n_groups], lambda w: w[n_groups:], lambda w: w[::-1][:n_groups],
                     lambda w: w[1:n_groups + 1]):
            w = z.copy()
            res = cact.maxout(w, 2, out=view(w))
            assert_bitwise(res, m, f"maxout into an overlapping view of z ({n_groups} groups)")
        w = z.copy()
        assert_bitwise(cact.maxout_backward(g, w, 2, out=w), b, "maxout_backward out=z")
        w = z.copy()
        assert_bitwise(cact.maxout_backward(g, w, 2, out=w[::-1]), b, "maxout_backward out=z[::-1]")
        buf = np.zeros(3 * n_groups, dtype)
        buf[:n_groups] = g
        assert_bitwise(cact.maxout_backward(buf[:n_groups], z, 2, out=buf[1:2 * n_groups + 1]), b,
                       "maxout_backward out overlapping grad_output")


# ---------------------------------------------------------- Python numbers
@pytest.mark.parametrize("act", acts())
def test_python_numbers_out_of_range(act):
    """A Python number must fit the dtype it is computed in: beyond the
    float64 range (big ints) or, beside float32 arrays, beyond the float32
    range, it is a ValueError (as alpha); big ints that fit float64 are used
    as the float they round to (NumPy itself has no dtype for them)."""
    f = getattr(cact, act.name)
    bwd = getattr(cact, act.name + "_backward")
    x32 = np.linspace(-1, 1, 4).astype(np.float32)
    for big in (10 ** 400, -(10 ** 400)):
        raises_and_keeps(ValueError, f, big)
        raises_and_keeps(ValueError, bwd, big, x32)
        raises_and_keeps(ValueError, bwd, x32, big)
        raises_and_keeps(ValueError, bwd, big, 1.0)
    for big in (1e39, -1e300, 10 ** 39):
        raises_and_keeps(ValueError, bwd, big, x32)
        if "backward_y" in act.variants:
            raises_and_keeps(ValueError, bwd, x32, y=abs(big), out=x32.copy())
        assert bwd(big, x32.astype(np.float64)).dtype == np.float64  # fits float64
    for ok in (float(np.finfo(np.float32).max), np.inf, -np.inf, 2 ** 64 - 1):
        assert bwd(ok, x32).dtype == np.float32
    for big in (2 ** 64, -(2 ** 63) - 1, 2 ** 100):
        assert f(big) == f(float(big))
    for p in act.params:
        for big in (10 ** 400, -(10 ** 400)):
            ps = with_param(act, p.name, big)
            raises_and_keeps(ValueError, f, x32, *ps.values())
            raises_and_keeps(ValueError, bwd, x32, x32, **ps)
