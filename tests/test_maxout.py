"""maxout and maxout_backward against a NumPy reference (reshape + argmax)."""

import numpy as np
import pytest

import cact
from cact import _table
from helpers import LEVELS, SPLIT, DTYPES, assert_bitwise, dtname, isa_level


def _groups(a, pieces, axis):
    t = np.moveaxis(a, axis, -1)
    return t.reshape(t.shape[:-1] + (t.shape[-1] // pieces, pieces))


def ref_maxout(z, pieces, axis=-1):
    """The group maxima, taken at np.argmax (first maximum; first NaN wins)."""
    g = _groups(np.asarray(z), pieces, axis)
    idx = np.argmax(g, axis=-1) if g.size else np.zeros(g.shape[:-1], np.intp)
    m = np.take_along_axis(g, idx[..., None], axis=-1)[..., 0] if g.size else g.max(axis=-1, initial=0)
    return np.moveaxis(m, -1, axis)


def ref_maxout_backward(grad, z, pieces, axis=-1):
    z = np.asarray(z)
    dt = np.result_type(grad, z)
    g = _groups(z, pieces, axis)
    out = np.zeros(g.shape, dt)
    if g.size:
        idx = np.argmax(g, axis=-1)
        np.put_along_axis(out, idx[..., None], np.moveaxis(grad, axis, -1)[..., None].astype(dt), axis=-1)
    t = out.reshape(out.shape[:-2] + (-1,))
    return np.moveaxis(t, -1, axis)


def _z(shape, dtype, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    if ties:  # few distinct values: many ties
        return rng.integers(-2, 3, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


CASES = []
for shape in [(12,), (3, 12), (12, 5), (4, 6, 8), (6, 4, 12)]:
    for axis in range(-len(shape), len(shape)):
        for pieces in (1, 2, 3, 4):
            if shape[axis] % pieces == 0:
                CASES.append(pytest.param(shape, axis, pieces, id=f"{shape}-axis{axis}-p{pieces}"))


@pytest.mark.parametrize("ties", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("shape, axis, pieces", CASES)
def test_maxout_matches_reference(shape, axis, pieces, dtype, ties):
    z = _z(shape, dtype, seed=len(CASES), ties=ties)
    zc = z.copy()
    got = cact.maxout(z, pieces, axis)
    assert_bitwise(got, ref_maxout(z, pieces, axis), f"maxout {shape} axis={axis} pieces={pieces}")
    assert_bitwise(z, zc, "maxout modified z")
    g = _z(got.shape, dtype, seed=1)
    back = cact.maxout_backward(g, z, pieces, axis)
    assert_bitwise(back, ref_maxout_backward(g, z, pieces, axis),
                   f"maxout_backward {shape} axis={axis} pieces={pieces}")
    # with out=: returns out
    out = np.full(got.shape, 5.0, dtype)
    assert cact.maxout(z, pieces, axis, out=out) is out
    assert_bitwise(out, got, "maxout out=")
    bout = np.full(z.shape, 5.0, dtype)
    assert cact.maxout_backward(g, z, pieces, axis, out=bout) is bout
    assert_bitwise(bout, back, "maxout_backward out=")


LAYOUTS = {
    "slice[::2]": lambda a: a[::2],
    "reversed": lambda a: a[::-1],
    "transposed": lambda a: a.T,
    "fortran": lambda a: np.asfortranarray(a),
    "2d[::-1,::3]": lambda a: a[::-1, ::3],
    "moveaxis-3d": lambda a: a.reshape(6, 6, -1).transpose(1, 2, 0),
}


@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("pieces", [2, 3])
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_maxout_strided_inputs_and_outs(layout, dtype, pieces, axis):
    base = _z((24, 36), dtype, seed=3, ties=True)
    z = LAYOUTS[layout](base)
    assert z.shape[axis] % pieces == 0
    zc = np.array(z, order="C")
    expected = cact.maxout(zc, pieces, axis)
    assert_bitwise(cact.maxout(z, pieces, axis), expected, f"maxout {layout}")
    assert_bitwise(expected, ref_maxout(zc, pieces, axis), "maxout reference")
    g = _z(expected.shape, dtype, seed=4)
    gv = np.asfortranarray(g)[..., ::-1][..., ::-1]
    bexp = cact.maxout_backward(g, zc, pieces, axis)
    assert_bitwise(cact.maxout_backward(gv, z, pieces, axis), bexp, f"maxout_backward {layout}")
    # non-contiguous outs
    out = np.zeros((2 * expected.shape[0],) + expected.shape[1:], dtype)[::-2]
    assert cact.maxout(z, pieces, axis, out=out) is out
    assert_bitwise(out, expected, f"maxout {layout} into strided out")
    bout = np.zeros(z.shape[::-1], dtype).T
    assert cact.maxout_backward(g, z, pieces, axis, out=bout) is bout
    assert_bitwise(bout, bexp, f"maxout_backward {layout} into transposed out")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_ties_first_wins(dtype):
    z = np.array([1.0, 3.0, 3.0, -5.0, 2.0, 2.0, 2.0, 2.0, -0.0, 0.0, 0.0, -0.0], dtype)
    g = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0], dtype)
    np.testing.assert_array_equal(cact.maxout(z, 2), [3, 3, 2, 2, 0, 0])
    np.testing.assert_array_equal(
        cact.maxout_backward(g, z, 2), [0, 10, 20, 0, 30, 0, 40, 0, 50, 0, 60, 0])
    # signed zeros tie: the first one is returned
    m = cact.maxout(z, 2)
    assert np.signbit(m[4]) and not np.signbit(m[5])
    np.testing.assert_array_equal(cact.maxout_backward(g[:3], z, 4), [0, 10, 0, 0, 20, 0, 0, 0, 30, 0, 0, 0])


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_nan_and_inf_in_groups(dtype):
    nan, inf = np.nan, np.inf
    z = np.array([1.0, nan, 2.0, nan,      # NaN wins, the first NaN gets the gradient
                  nan, 5.0, 6.0, 7.0,      # NaN first
                  -inf, -inf, -inf, -inf,  # all -inf: the first
                  3.0, inf, inf, 2.0,      # inf: the first inf
                  nan, nan, nan, nan], dtype)
    g = np.array([1.0, 2.0, 3.0, 4.0, 5.0], dtype)
    m = cact.maxout(z, 4)
    assert np.isnan(m[0]) and np.isnan(m[1]) and np.isnan(m[4])
    assert m[2] == -inf and m[3] == inf
    np.testing.assert_array_equal(
        cact.maxout_backward(g, z, 4),
        [0, 1, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0, 0, 5, 0, 0, 0])
    assert_bitwise(cact.maxout_backward(g, z, 4), ref_maxout_backward(g, z, 4), "reference")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_pieces_one_is_identity(dtype):
    z = _z((5, 7), dtype, seed=8)
    assert_bitwise(cact.maxout(z, 1), z, "maxout(z, 1)")
    assert_bitwise(cact.maxout(z, 1, axis=0), z, "maxout(z, 1, axis=0)")
    g = _z((5, 7), dtype, seed=9)
    assert_bitwise(cact.maxout_backward(g, z, 1), g, "maxout_backward(g, z, 1)")
    w = z.copy()
    assert cact.maxout(w, 1, out=w) is w
    assert_bitwise(w, z, "maxout(z, 1, out=z)")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("shape, pieces, axis, out_shape", [
    ((0,), 3, -1, (0,)),
    ((0, 4), 2, -1, (0, 2)),
    ((4, 0), 2, -1, (4, 0)),
    ((4, 0), 2, 0, (2, 0)),
    ((0, 6, 3), 3, 1, (0, 2, 3)),
])
def test_empty(shape, pieces, axis, out_shape, dtype):
    z = np.empty(shape, dtype)
    m = cact.maxout(z, pieces, axis)
    assert m.shape == out_shape and m.dtype == np.dtype(dtype)
    b = cact.maxout_backward(np.empty(out_shape, dtype), z, pieces, axis)
    assert b.shape == shape and b.dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_empty_with_out(dtype):
    z = np.empty((0, 4), dtype)
    out = np.empty((0, 2), dtype)
    assert cact.maxout(z, 2, out=out) is out
    bout = np.empty((0, 4), dtype)
    assert cact.maxout_backward(out, z, 2, out=bout) is bout


def test_conversions():
    z = [[1, 5, 2, 7]]
    for dt, expected in [(np.int8, np.float32), (np.uint16, np.float32), (np.bool_, np.float32),
                         (np.int32, np.float64), (np.int64, np.float64), (np.float16, np.float32)]:
        m = cact.maxout(np.array(z, dt), 2)
        assert m.dtype == expected, (dt, m.dtype)
        np.testing.assert_array_equal(m, ref_maxout(np.array(z, dt).astype(expected), 2))
    assert cact.maxout(z, 2).dtype == np.float64
    np.testing.assert_array_equal(cact.maxout(z, 2), [[5.0, 7.0]])
    b = cact.maxout_backward(np.ones((1, 2), np.float32), np.array(z, np.float64), 2)
    assert b.dtype == np.float64
    np.testing.assert_array_equal(b, [[0, 1, 0, 1]])
    np.testing.assert_array_equal(cact.maxout_backward([[1, 2]], z, 2), [[0, 1, 0, 2]])


def test_pieces_and_axis_accept_integers():
    z = _z((4, 6), np.float64)
    expected = cact.maxout(z, 2, -1)
    for pieces in (np.int64(2), np.int8(2), np.array(2)[()]):
        assert_bitwise(cact.maxout(z, pieces), expected, f"pieces={pieces!r}")
    assert_bitwise(cact.maxout(z, 2, axis=np.int32(1)), expected, "axis=np.int32(1)")
    assert_bitwise(cact.maxout(z, pieces=2, axis=1), expected, "keywords")


# -------------------------------------------------------------------- errors
def _raises_and_keeps(exc, fn, *args, **kw):
    arrays = [a for a in (*args, *kw.values()) if isinstance(a, np.ndarray)]
    before = [a.tobytes() for a in arrays]
    with pytest.raises(exc) as info:
        fn(*args, **kw)
    assert [a.tobytes() for a in arrays] == before, f"buffer modified by failing call: {info.value}"
    return info


MAXOUT_ERRORS = [
    ("pieces=0", ValueError, (0,), {}),
    ("pieces=-1", ValueError, (-1,), {}),
    ("pieces=2.0", TypeError, (2.0,), {}),
    ("pieces='2'", TypeError, ("2",), {}),
    ("pieces=None", TypeError, (None,), {}),
    ("pieces=True", TypeError, (True,), {}),
    ("pieces=np.float64(2)", TypeError, (np.float64(2),), {}),
    ("not a multiple", ValueError, (4,), {}),
    ("pieces > length", ValueError, (12,), {}),
    ("axis=2", np.exceptions.AxisError, (2,), {"axis": 2}),
    ("axis=-3", np.exceptions.AxisError, (2,), {"axis": -3}),
    ("axis=1.0", TypeError, (2,), {"axis": 1.0}),
    ("axis=None", TypeError, (2,), {"axis": None}),
]


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("label, exc, args, kw", MAXOUT_ERRORS, ids=[e[0] for e in MAXOUT_ERRORS])
def test_maxout_errors(label, exc, args, kw, dtype):
    z = _z((3, 6), dtype)
    out = np.full((3, 3), 8.0, dtype)
    bout = np.full((3, 6), 8.0, dtype)
    g = np.ones((3, 3), dtype)
    _raises_and_keeps(exc, cact.maxout, z, *args, **kw)
    _raises_and_keeps(exc, cact.maxout, z, *args, out=out, **kw)
    _raises_and_keeps(exc, cact.maxout_backward, g, z, *args, **kw)
    _raises_and_keeps(exc, cact.maxout_backward, g, z, *args, out=bout, **kw)


def test_axis_error_is_value_error():
    assert issubclass(np.exceptions.AxisError, ValueError)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_0d_input(dtype):
    z = np.array(1.5, dtype)
    _raises_and_keeps(np.exceptions.AxisError, cact.maxout, z, 1)
    _raises_and_keeps(np.exceptions.AxisError, cact.maxout, dtype(1.5), 1)
    _raises_and_keeps(np.exceptions.AxisError, cact.maxout_backward, np.array(1.0, dtype), z, 1)


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_maxout_out_and_grad_errors(dtype):
    z = _z((3, 6), dtype)
    other = np.float64 if dtype == np.float32 else np.float32
    ro = np.zeros((3, 3), dtype)
    ro.flags.writeable = False
    zs = np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape=(3, 3), strides=(0, 0))
    for exc, out in [(TypeError, [[0.0] * 3] * 3), (TypeError, np.zeros((3, 3), other)),
                     (ValueError, np.zeros((3, 6), dtype)), (ValueError, np.zeros((3, 3, 1), dtype)),
                     (ValueError, ro), (ValueError, zs)]:
        _raises_and_keeps(exc, cact.maxout, z, 2, out=out)
    g = np.ones((3, 3), dtype)
    for exc, out in [(TypeError, np.zeros((3, 6), other)), (ValueError, np.zeros((3, 3), dtype)),
                     (ValueError, np.zeros((6, 3), dtype))]:
        _raises_and_keeps(exc, cact.maxout_backward, g, z, 2, out=out)
    # grad_output must have the shape of maxout(z)
    for bad in (np.ones((3, 6), dtype), np.ones((3,), dtype), np.ones((1, 3), dtype), np.ones((3, 3, 1), dtype)):
        _raises_and_keeps(ValueError, cact.maxout_backward, bad, z, 2)
    # unsupported dtypes
    for bad in (z.astype(np.complex128), z.astype(object), z.astype(np.longdouble)):
        if bad.dtype == np.float64:
            continue
        info = _raises_and_keeps(TypeError, cact.maxout, bad, 2)
        assert str(bad.dtype) in str(info.value)
        _raises_and_keeps(TypeError, cact.maxout_backward, g, bad, 2)
        _raises_and_keeps(TypeError, cact.maxout_backward, g.astype(bad.dtype), z, 2)


# ------------------------------------------------------------------- threads
@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("pieces", [1, 2, 5])
def test_maxout_threads_bitwise_identical(dtype, pieces, threads, split):
    thr = SPLIT
    results = {}
    for n_groups in (thr // pieces - 1, -(-thr // pieces), 2 * thr // pieces + 77):
        z = _z((n_groups * pieces,), dtype, seed=n_groups, ties=True)
        z[::997] = np.nan
        g = _z((n_groups,), dtype, seed=1)
        ref_m, ref_b = ref_maxout(z, pieces), ref_maxout_backward(g, z, pieces)
        for k in (1, 2, 3):
            threads(k)
            assert_bitwise(cact.maxout(z, pieces), ref_m, f"maxout n={z.size} pieces={pieces} threads={k}")
            assert_bitwise(cact.maxout_backward(g, z, pieces), ref_b,
                           f"maxout_backward n={z.size} pieces={pieces} threads={k}")
            # the same along axis 0 of a 2-D view (strided groups)
            z2 = np.ascontiguousarray(np.stack([z, -z]).T)
            results[k] = cact.maxout(z2, pieces, axis=0)
            assert_bitwise(results[k], np.stack([ref_m, ref_maxout(-z, pieces)]).T,
                           f"maxout axis=0 n={z.size} threads={k}")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("pieces", [2, 4])
def test_contiguous_groups_across_blocks(dtype, pieces):
    """The contiguous 2- and 4-piece loops work in blocks of 256 groups: group
    counts around the block size, many ties, NaNs, signed zeros and infinities,
    forward and backward bitwise equal to the reference at every level."""
    rng = np.random.default_rng(pieces)
    for ngroups in (1, 255, 256, 257, 511, 513, 1000):
        z = rng.integers(-2, 3, ngroups * pieces).astype(dtype)
        special = rng.random(z.size)
        z[special < 0.02] = np.nan
        z[(special >= 0.02) & (special < 0.04)] = -0.0
        z[(special >= 0.04) & (special < 0.05)] = np.inf
        z[(special >= 0.05) & (special < 0.06)] = -np.inf
        g = rng.standard_normal(ngroups).astype(dtype)
        for level in LEVELS:
            with isa_level(level):
                fwd = cact.maxout(z, pieces)
                back = cact.maxout_backward(g, z, pieces)
            assert_bitwise(fwd, ref_maxout(z, pieces), f"maxout {ngroups}x{pieces} at {level}")
            assert_bitwise(back, ref_maxout_backward(g, z, pieces),
                           f"maxout_backward {ngroups}x{pieces} at {level}")


# ---------------------------------------------------- empty core dimensions
# Issue 15, item 5: a gufunc given a group of p = 0 entries read outside it
# (_maxout_reduce(np.empty((3, 0))) returned whatever memory followed).  The
# maximum and the arg-max of an empty group do not exist: ValueError, as
# np.max and np.argmax raise, whatever the number of groups; an elementwise
# ufunc has no core dimension and gives an empty result for an empty array.
_GUFUNC_EMPTY = {
    "_maxout_reduce": [((3, 0),), ((0, 0),), ((0,),), ((2, 5, 0),)],
    "_maxout_scatter": [((3,), (3, 0)), ((0,), (0, 0)), ((), (0,)), ((2, 5), (2, 5, 0))],
}
# NumPy >= 2.1 lets a gufunc check its core dimensions before any loop runs
# (src/cact_gufunc.h); under 2.0 the loops guard p = 0 (NaN maxima, nothing to
# scatter) and still read nothing.
_CORE_DIMS_CHECKED = np.lib.NumpyVersion(np.__version__) >= "2.1.0"


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
@pytest.mark.parametrize("name", sorted(cact.ufuncs))
def test_every_ufunc_with_empty_core_dims(name, dtype):
    uf = cact.ufuncs[name]
    if uf.signature is None:  # elementwise: empty in, empty out, nothing read
        for shape in ((0,), (3, 0), (0, 3)):
            args = [np.empty(shape, dtype)] * uf.nin
            res = uf(*args)
            for r in res if uf.nout > 1 else (res,):
                assert r.shape == shape and r.dtype == dtype
        return
    if name.endswith(("_rows", "_prows")):  # fused bias and parameter rows: empty in, empty out
        ins = uf.signature.split("->")[0].split(",")
        for shape in ((3, 0), (0, 0), (0, 5), (2, 5, 0)):
            res = uf(*[np.full(shape if c == "(n)" else (), 7.0, dtype) for c in ins])
            for r in res if uf.nout > 1 else (res,):
                assert r.shape == shape and r.dtype == dtype
        return
    op = _table.AXIS_BY_NAME[name[1:]]
    if not op.nonempty:  # softmax's rows: an empty row gives an empty row
        for shape in ((3, 0), (0, 0), (0,), (2, 5, 0)):
            res = uf(*[np.full(shape, 7.0, dtype)] * uf.nin)
            assert res.shape == shape and res.dtype == dtype
        return
    assert name in _GUFUNC_EMPTY, f"{name}: add its empty core shapes to _GUFUNC_EMPTY"
    for shapes in _GUFUNC_EMPTY[name]:
        args = [np.full(s, 7.0, dtype) for s in shapes]
        if not _CORE_DIMS_CHECKED:  # NumPy 2.0: the loops' guard, no read
            res = uf(*args)
            want = np.full(shapes[0][:-1], np.nan, dtype) if name == "_maxout_reduce" else (
                np.empty(np.broadcast_shapes(shapes[0] + (0,), shapes[1]), dtype))
            assert_bitwise(res, want, f"{name} of empty groups under NumPy 2.0")
            continue
        with pytest.raises(ValueError, match="zero-size|empty"):
            uf(*args)
        # with out= given as well, and with out of a zero-size core
        if name == "_maxout_scatter":
            out = np.full(shapes[1], 3.0, dtype)
        else:
            out = np.full(shapes[0][:-1], 3.0, dtype)
        before = out.copy()
        with pytest.raises(ValueError, match="zero-size|empty"):
            uf(*args, out=out)
        assert_bitwise(out, before, f"{name} out after the error")


@pytest.mark.parametrize("dtype", DTYPES, ids=dtname)
def test_gufuncs_still_take_nonempty_groups(dtype):
    # the core dimension check lets every p >= 1 through, with no outer items too
    z = _z((4, 3), dtype)
    assert_bitwise(cact.ufuncs["_maxout_reduce"](z), ref_maxout(z, 3)[:, 0])
    assert cact.ufuncs["_maxout_reduce"](np.empty((0, 3), dtype)).shape == (0,)
    g = _z((4,), dtype, seed=1)
    assert_bitwise(cact.ufuncs["_maxout_scatter"](g, z), ref_maxout_backward(g[:, None], z, 3))
    assert cact.ufuncs["_maxout_scatter"](np.empty(0, dtype), np.empty((0, 3), dtype)).shape == (0, 3)
