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
