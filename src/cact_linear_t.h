/*
 * cact_linear_t.h -- the piecewise-linear functions written for a generic type T, as
 * cact_exp_family_t.h: included by cact_linear.h once per dtype, with
 * CACT_T (float, double) and CACT_SFX (f32, f64) defined.  No include guard
 * on purpose.  Why each select is written as it is: cact_linear.h.
 */
#define CACT_CAT_(a, b) a##_##b
#define CACT_CAT(a, b) CACT_CAT_(a, b)
#define CACT_FN(name) CACT_CAT(name, CACT_SFX)
#define CACT_ZERO ((CACT_T)0)

/* relu: -0.0 and negative inputs give +0.0; NaN fails "x <= 0" and stays. */
CACT_INLINE CACT_T CACT_FN(cact_relu_f)(CACT_T x) { return x <= CACT_ZERO ? CACT_ZERO : x; }

CACT_INLINE CACT_T CACT_FN(cact_relu_backward_x)(CACT_T g, CACT_T x)
{
    return x > CACT_ZERO ? g : (x <= CACT_ZERO ? CACT_ZERO : x);
}

CACT_INLINE CACT_T CACT_FN(cact_relu_backward_y)(CACT_T g, CACT_T y)
{
    return CACT_FN(cact_relu_backward_x)(g, y);
}

CACT_INLINE CACT_T CACT_FN(cact_leaky_relu_f)(CACT_T x, CACT_T alpha)
{
    return x > CACT_ZERO ? x : alpha * x;
}

CACT_INLINE CACT_T CACT_FN(cact_leaky_relu_backward_x)(CACT_T g, CACT_T x, CACT_T alpha)
{
    return x > CACT_ZERO ? g : (x <= CACT_ZERO ? alpha * g : x);
}

CACT_INLINE CACT_T CACT_FN(cact_leaky_relu_backward_y)(CACT_T g, CACT_T y, CACT_T alpha)
{
    return CACT_FN(cact_leaky_relu_backward_x)(g, y, alpha);
}

/* hardtanh = clip(x, lo, hi) for lo <= hi (checked in the Python layer):
 * lo at and below lo, hi at and above hi, x itself between; NaN fails both
 * compares and stays.  x = -0.0 with lo = +0.0 gives lo, +0.0 (relu6). */
CACT_INLINE CACT_T CACT_FN(cact_hardtanh_f)(CACT_T x, CACT_T lo, CACT_T hi)
{
    /* The same selects as x <= lo ? lo : (x >= hi ? hi : x), written as two
     * independent tests on x: gcc if-converts the nested form into three
     * compares, two ANDs and two blends per vector (it builds the mask of
     * the inner branch as "not the outer and the inner"), this one into two
     * compares and two blends. */
    const CACT_T u = x >= hi ? hi : x;
    return x <= lo ? lo : u;
}

/* g inside the open interval (lo, hi), 0 outside and at the ends (PyTorch's
 * hardtanh_backward: f'(lo) = f'(hi) = 0), the input NaN for a NaN.  The
 * y-form is the same test on y: y is in (lo, hi) exactly when x is, since
 * f returns x itself there (with lo = hi nothing is inside: f' = 0). */
CACT_INLINE CACT_T CACT_FN(cact_hardtanh_backward_x)(CACT_T g, CACT_T x, CACT_T lo, CACT_T hi)
{
    return (x > lo) & (x < hi) ? g : (x == x ? CACT_ZERO : x);
}

CACT_INLINE CACT_T CACT_FN(cact_hardtanh_backward_y)(CACT_T g, CACT_T y, CACT_T lo, CACT_T hi)
{
    return CACT_FN(cact_hardtanh_backward_x)(g, y, lo, hi);
}

/* relu6 = hardtanh(x, 0, 6), the ends constants. */
CACT_INLINE CACT_T CACT_FN(cact_relu6_f)(CACT_T x)
{
    return CACT_FN(cact_hardtanh_f)(x, CACT_ZERO, (CACT_T)6);
}

CACT_INLINE CACT_T CACT_FN(cact_relu6_backward_x)(CACT_T g, CACT_T x)
{
    return CACT_FN(cact_hardtanh_backward_x)(g, x, CACT_ZERO, (CACT_T)6);
}

/* y in (0, 6) exactly when x is: relu6 returns x itself there. */
CACT_INLINE CACT_T CACT_FN(cact_relu6_backward_y)(CACT_T g, CACT_T y)
{
    return CACT_FN(cact_relu6_backward_x)(g, y);
}

/* (s + e) / 6 rounded once, for a pair with |e| <= ulp(s) / 2 (cact_linear.h,
 * hardsigmoid): q = s (1/6) within two ulps of s / 6, the residual s - 6 q
 * exact in one fma, and the correction (residual + e) / 6 added to q in the
 * last fma, multiplied by 1/6. */
CACT_INLINE CACT_T CACT_FN(cact_sixth_dw)(CACT_T s, CACT_T e)
{
    const CACT_T q = s * CACT_FN(CACT_SIXTH);
    const CACT_T r = CACT_FN(cact_fma)(-q, (CACT_T)6, s);
    return CACT_FN(cact_fma)(r + e, CACT_FN(CACT_SIXTH), q);
}

/* hardsigmoid = (3 + c) / 6, c = clip(x, -3, 3), 3 + c = s + e exactly
 * (Fast2Sum: |3| >= |c|) and divided by 6 as a pair (cact_linear.h). */
CACT_INLINE CACT_T CACT_FN(cact_hardsigmoid_f_dw)(CACT_T x)
{
    const CACT_T c = CACT_FN(cact_hardtanh_f)(x, (CACT_T)-3, (CACT_T)3);
    const CACT_T s = (CACT_T)3 + c;
    const CACT_T e = ((CACT_T)3 - s) + c;
    const CACT_T y = CACT_FN(cact_sixth_dw)(s, e);
    return x == x ? y : x;
}

/* hardswish = c (c + 3) / 6 between -3 and 3 (cact_linear.h): c + 3 = s + e
 * exactly (Fast2Sum), c (s + e) = ph + pl (ph's fma residual plus c e), the
 * pair divided by 6. */
CACT_INLINE CACT_T CACT_FN(cact_hardswish_f_dw)(CACT_T x)
{
    const CACT_T c = CACT_FN(cact_hardtanh_f)(x, (CACT_T)-3, (CACT_T)3);
    const CACT_T s = (CACT_T)3 + c;
    const CACT_T e = ((CACT_T)3 - s) + c;
    const CACT_T ph = c * s;
    const CACT_T pl = CACT_FN(cact_fma)(c, s, -ph) + c * e;
    const CACT_T y = CACT_FN(cact_sixth_dw)(ph, pl);
    /* The selects one after the other, each on values already computed: the
     * nested form (x != x ? x + x : (x <= -3 ? 0 : (x >= 3 ? x : ...)))
     * was not if-converted by gcc 12 ("control flow in loop"), so the loop
     * ran scalar with unpredictable branches: 17 ns an element, 0.05x
     * torch's time (tools/check_vectorized.py now fails such a loop). */
    /* a zero result has the sign of c (x (x + 3) / 6 with x + 3 > 0): the
     * low parts would give +0.0 for x = -0.0, and for the tiniest negative
     * x (-5e-324, whose result rounds to -0.0) so would the baseline
     * level's emulated fma, which adds zeros of both signs */
    const CACT_T mid = y == CACT_ZERO ? c * CACT_ZERO : y;
    const CACT_T hi = x >= (CACT_T)3 ? x : mid;
    const CACT_T lo = x <= (CACT_T)-3 ? CACT_ZERO : hi;
    return x != x ? x + x : lo;
}

/* hardsigmoid'(x) g = g / 6 inside (-3, 3), 0 outside and at both ends
 * (PyTorch's hardsigmoid_backward), the input NaN for a NaN; g / 6 is one
 * correctly rounded division.  From y: y is in (0, 1) exactly when x is in
 * (-3, 3) (cact_linear.h), so the y-form is the same test on y. */
CACT_INLINE CACT_T CACT_FN(cact_hardsigmoid_backward_x)(CACT_T g, CACT_T x)
{
    return (x > (CACT_T)-3) & (x < (CACT_T)3) ? g / (CACT_T)6 : (x == x ? CACT_ZERO : x);
}

CACT_INLINE CACT_T CACT_FN(cact_hardsigmoid_backward_y)(CACT_T g, CACT_T y)
{
    return (y > CACT_ZERO) & (y < (CACT_T)1) ? g / (CACT_T)6 : (y == y ? CACT_ZERO : y);
}

#undef CACT_CAT_
#undef CACT_CAT
#undef CACT_FN
#undef CACT_ZERO
