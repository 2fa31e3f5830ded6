/*
 * cact_exp_family_t.h -- sigmoid, tanh and ELU from x on the double-word exp
 * core, written for a generic type T; included by cact_exp_family.h for
 * double (CACT_T, CACT_SFX).  No include guard on purpose.  The formulas and their error budgets are in
 * cact_exp_family.h; U is the unit roundoff of T.
 */
#define CACT_CAT_(a, b) a##_##b
#define CACT_CAT(a, b) CACT_CAT_(a, b)
#define CACT_FN(name) CACT_CAT(name, CACT_SFX)
#define CACT_K(name) CACT_CAT(name, CACT_SFX)
#define CACT_ONE ((CACT_T)1)
#define CACT_ZERO ((CACT_T)0)

/* The clamps keep NaN: every comparison with NaN is false.  Bitwise selects
 * (cact_select), as every clamp in front of an exp core: written as ?:,
 * gcc 12 may push the constant arm through the core (see cact_select). */
CACT_INLINE CACT_T CACT_FN(cact_clamp_exp)(CACT_T a)
{
    return CACT_FN(cact_select)(a < CACT_K(CACT_EXP_LO), CACT_K(CACT_EXP_LO), a);
}

CACT_INLINE CACT_T CACT_FN(cact_clamp_expm1)(CACT_T a)
{
    return CACT_FN(cact_select)(a < CACT_K(CACT_EXPM1_LO), CACT_K(CACT_EXPM1_LO), a);
}

/* min(x, 0) for the negative branch of ELU, keeping NaN and -0.0. */
CACT_INLINE CACT_T CACT_FN(cact_nonpos)(CACT_T x) { return x < CACT_ZERO ? x : CACT_ZERO * x; }

/* y, or the input itself (quieted) when it is NaN.  A NaN x flows through the
 * formulas as well, but which of several NaN operands an instruction returns
 * can differ between the vectorised and the scalar code; selecting x + x makes
 * the result's bits depend on x alone, so every layout gives the same bytes. */
CACT_INLINE CACT_T CACT_FN(cact_nan_pass)(CACT_T x, CACT_T y) { return x != x ? x + x : y; }

/* The logistic core, for a <= 0 (clamped) or NaN:
 *   e = exp(a) = 2^n (Eh + El), returns n;
 *   se = 2^max(n, NE_MIN), a normal number;
 *   q = 1 / (1 + e) = qh + ql.
 * 1 + e is formed from e' = (Eh + El) se, which is e itself for n >= NE_MIN
 * and below 2^NE_MIN otherwise, where 1 + e' = 1 + e = 1 to far below U^2
 * (so no subnormal e is ever formed).  d = 1 + e' as a double-word (Fast2Sum,
 * 1 >= e'); qh = 1 / dh correctly rounded, the residual 1 - qh dh is exact in
 * one fma (qh is within an ulp of 1 / dh), the second fma folds in dl, and
 * ql = qh * residual: q to about 2^-2 U^2 plus e's own error damped by
 * e / (1 + e) <= 1/2. */
CACT_INLINE void CACT_FN(cact_logistic_q)(CACT_T n, CACT_T Eh, CACT_T El, CACT_T *se,
                                          CACT_T *qh, CACT_T *ql)
{
    *se = CACT_FN(cact_pow2i)(n < CACT_K(CACT_NE_MIN) ? CACT_K(CACT_NE_MIN) : n);
    const CACT_T eh = Eh * *se, el = El * *se;
    const CACT_T dh = CACT_ONE + eh;
    const CACT_T dl = ((CACT_ONE - dh) + eh) + el;
    const CACT_T q = CACT_ONE / dh;
    CACT_T res = CACT_FN(cact_fma)(-q, dh, CACT_ONE);
    res = CACT_FN(cact_fma)(-q, dl, res);
    *qh = q;
    *ql = q * res;
}

CACT_INLINE CACT_T CACT_FN(cact_logistic)(CACT_T a, CACT_T *Eh, CACT_T *El, CACT_T *se,
                                          CACT_T *qh, CACT_T *ql)
{
    const CACT_T n = CACT_FN(cact_exp_dw)(a, Eh, El);
    CACT_FN(cact_logistic_q)(n, *Eh, *El, se, qh, ql);
    return n;
}

/* The logistic core for an argument given as a pair a + al (|al| <= ulp(a)),
 * a <= 0 clamped: exp(a + al) = 2^n (Eh + El)(1 + al) to al^2 / 2 < 2^-86
 * relative (|al| <= 1500 U), the product's low part renormalised (Fast2Sum)
 * before the quotient. */
CACT_INLINE CACT_T CACT_FN(cact_logistic_pair)(CACT_T a, CACT_T al, CACT_T *Eh, CACT_T *El,
                                               CACT_T *se, CACT_T *qh, CACT_T *ql)
{
    CACT_T h, l;
    const CACT_T n = CACT_FN(cact_exp_dw)(a, &h, &l);
    const CACT_T l1 = CACT_FN(cact_fma)(h, al, l);
    *Eh = h + l1;
    *El = (h - *Eh) + l1;
    CACT_FN(cact_logistic_q)(n, *Eh, *El, se, qh, ql);
    return n;
}

/* 2^(n - max(n, NE_MIN)), the part of 2^n that se leaves, in [2^-126, 1] for
 * float when n >= -250 (-2042 for double): what EXP_LO_F keeps. */
CACT_INLINE CACT_T CACT_FN(cact_pow2_rest)(CACT_T n)
{
    return CACT_FN(cact_pow2i)(n < CACT_K(CACT_NE_MIN) ? n - CACT_K(CACT_NE_MIN) : CACT_ZERO);
}

/* (ah + al)(bh + bl) with one rounding: the product of two double-words less
 * the negligible al bl, the cross terms summed inside the last fma. */
CACT_INLINE CACT_T CACT_FN(cact_mul_dw)(CACT_T ah, CACT_T al, CACT_T bh, CACT_T bl)
{
    return CACT_FN(cact_fma)(ah, bh, CACT_FN(cact_fma)(ah, bl, al * bh));
}

/* The same product as a double-word ph + pl: ph = ah bh rounded, pl its exact
 * error (one fma) plus the cross terms; relative error about 2 U^2. */
CACT_INLINE CACT_T CACT_FN(cact_mul_dw2)(CACT_T ah, CACT_T al, CACT_T bh, CACT_T bl, CACT_T *pl)
{
    const CACT_T ph = ah * bh;
    *pl = CACT_FN(cact_fma)(ah, bh, -ph) + CACT_FN(cact_fma)(ah, bl, al * bh);
    return ph;
}

/* sigmoid(x) = N / (1 + e), e = exp(-|x|), N = 1 for x >= 0 and e for x < 0.
 * The numerator is the double-word 1 or Eh + El; the product with q is
 * rounded once and then scaled by 2^n = se rest, exactly (se >= 2^NE_MIN
 * keeps the first product normal), so a subnormal result is rounded a second
 * time only by the last factor.  Clamped at EXP_LO_F: sigmoid(-170) is 0 in
 * float, sigmoid(-1400) in double. */
CACT_INLINE CACT_T CACT_FN(cact_sigmoid_f)(CACT_T x)
{
    CACT_T Eh, El, se, qh, ql;
    const CACT_T a = -CACT_FN(cact_fabs)(x);
    const CACT_T n = CACT_FN(cact_logistic)(a < CACT_K(CACT_EXP_LO_F) ? CACT_K(CACT_EXP_LO_F) : a,
                                            &Eh, &El, &se, &qh, &ql);
    const int pos = x >= CACT_ZERO;
    const CACT_T m = CACT_FN(cact_mul_dw)(pos ? CACT_ONE : Eh, pos ? CACT_ZERO : El, qh, ql);
    return CACT_FN(cact_nan_pass)(x, pos ? m : (m * se) * CACT_FN(cact_pow2_rest)(n));
}

/* g (ph + pl) k 2^n, for a double-word P = ph + pl (a mantissa, |P| up to a
 * few, see below) and an integer-valued n in [-2200, 0]: g times P is rounded
 * once, before the exact scaling by k 2^n = k s1 s2 s3 (cact_pow2_3): 0.5 ULP
 * plus P's own error (a subnormal result is rounded a second time by the last
 * factor).
 * Order of the products: for |g| >= 1, g takes the first scale factor s1
 * before the product (exact: |g| s1 >= 2^-97 / 2^-734 is normal), so g near the
 * maximum never overflows in g times the mantissa where the result is finite
 * (s1 P <= 1: s1 = 1 needs n = 0, where P <= 1 for the logistic and silu's
 * P <= 1.1 stays below the result's own overflow, and s1 <= 1/2 otherwise), and
 * k rides on the last factor, whose product is the one rounding of a
 * subnormal result and cannot overflow (the result is at most |g|).  For
 * |g| < 1 the product comes first, so a tiny g is not scaled into the
 * subnormals before it is used. */
CACT_INLINE CACT_T CACT_FN(cact_g_times_scaled)(CACT_T g, CACT_T ph, CACT_T pl, CACT_T n, CACT_T k)
{
    CACT_T s1, s2, s3;
    CACT_FN(cact_pow2_3)(n, &s1, &s2, &s3);
    const int big = CACT_FN(cact_fabs)(g) >= CACT_ONE;
    const CACT_T gs = big ? g * s1 : g;
    /* an infinite g meets gs pl = inf * 0 or inf - inf in the fma, and a
     * product that underflows to zero must keep its sign (the emulated fma
     * of the baseline level adds zeros of both signs): the plain product is
     * the IEEE answer in both cases */
    const CACT_T m0 = gs * ph;
    const int plain = m0 == CACT_ZERO || CACT_FN(cact_fabs)(m0) == (CACT_T)INFINITY;
    const CACT_T m = plain ? m0 : CACT_FN(cact_fma)(gs, ph, gs * pl);
    return ((m * (big ? CACT_ONE : s1)) * s2) * (k * s3);
}

/* k g e / (1 + e)^2: k = 1 for sigmoid with a = -|x|, 4 for tanh with
 * a = -2|x|; g = 1 for the derivative, the upstream gradient for backward_x.
 * P = (E q) q is carried as double-words and g times it rounded once
 * (cact_g_times_scaled): 0.5 ULP plus a few tenths of U.  x = +-inf gives
 * f' = 0 exactly (not exp(EXP_LO)): g * 0, as IEEE would. */
CACT_INLINE CACT_T CACT_FN(cact_logistic_grad)(CACT_T a, CACT_T k, CACT_T g)
{
    CACT_T Eh, El, se, qh, ql, ml, pl;
    const CACT_T n = CACT_FN(cact_logistic)(CACT_FN(cact_clamp_exp)(a), &Eh, &El, &se, &qh, &ql);
    const CACT_T mh = CACT_FN(cact_mul_dw2)(Eh, El, qh, ql, &ml);
    const CACT_T ph = CACT_FN(cact_mul_dw2)(mh, ml, qh, ql, &pl);
    const CACT_T y = CACT_FN(cact_g_times_scaled)(g, ph, pl, n, k);
    return a == -(CACT_T)INFINITY ? g * CACT_ZERO : y;
}

CACT_INLINE CACT_T CACT_FN(cact_sigmoid_backward_x)(CACT_T g, CACT_T x)
{
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_logistic_grad)(-CACT_FN(cact_fabs)(x), CACT_ONE, g));
}

CACT_INLINE CACT_T CACT_FN(cact_tanh_backward_x)(CACT_T g, CACT_T x)
{
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_logistic_grad)((CACT_T)-2 * CACT_FN(cact_fabs)(x), (CACT_T)4, g));
}

/* tanh(|x|) = -t / (2 + t), t = expm1(-2|x|) = th + tl in (-1, 0].
 * Numerator nh + nl = -(th + tl), denominator dh + dl = 2 + t (Fast2Sum,
 * 2 >= |th|).  inv = 1/dh; qh = nh inv (within about an ulp); the residual
 * nh - qh dh is exact in one fma, the second fma and + nl fold in the low
 * parts; the correction residual * inv needs only a few bits.  The sign comes
 * back with copysign: tanh(-0.0) = -0.0, NaN stays NaN. */
CACT_INLINE CACT_T CACT_FN(cact_tanh_f)(CACT_T x)
{
    CACT_T th, tl;
    CACT_FN(cact_expm1_dw)(CACT_FN(cact_clamp_expm1)((CACT_T)-2 * CACT_FN(cact_fabs)(x)), &th, &tl);
    const CACT_T nh = -th, nl = -tl;
    const CACT_T dh = (CACT_T)2 + th;
    const CACT_T dl = (((CACT_T)2 - dh) + th) + tl;
    const CACT_T inv = CACT_ONE / dh;
    const CACT_T qh = nh * inv;
    CACT_T res = CACT_FN(cact_fma)(-qh, dh, nh);
    res = CACT_FN(cact_fma)(-qh, dl, res) + nl;
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_copysign)(CACT_FN(cact_fma)(res, inv, qh), x));
}

/* elu(x) = x for x > 0, alpha expm1(x) otherwise: alpha (th + tl) with one
 * rounding.  x = +-0 gives alpha * x (elu(-0.0) = -0.0 for alpha > 0).
 * A zero product takes its sign from alpha th, as IEEE gives alpha expm1(x):
 * for x < 0, th < 0 (th = x exactly for tiny x, -1 for x <= EXPM1_LO), and the
 * sum alpha th + alpha tl would make a zero +0.0 whenever alpha tl is +0.0
 * (alpha = 0 with tl >= 0, or a product below the smallest subnormal; the
 * emulated fma of the baseline level adds zeros of either sign), so
 * elu(-50, alpha=0) was +0.0 where 0 (exp(-50) - 1) = -0.0.  (alpha th) 0 is
 * a zero with exactly that sign even when alpha th itself rounds to the
 * smallest subnormal (its magnitude can sit just above half of it while y's
 * is just below: y = 0 is the correct rounding, only the sign is taken). */
CACT_INLINE CACT_T CACT_FN(cact_elu_f)(CACT_T x, CACT_T alpha)
{
    CACT_T th, tl;
    CACT_FN(cact_expm1_dw)(CACT_FN(cact_clamp_expm1)(CACT_FN(cact_nonpos)(x)), &th, &tl);
    const CACT_T y0 = CACT_FN(cact_fma)(alpha, th, alpha * tl);
    const CACT_T y = y0 == CACT_ZERO ? (alpha * th) * CACT_ZERO : y0;
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_select)(x > CACT_ZERO, x, x == CACT_ZERO ? alpha * x : y));
}

/* g alpha exp(x) for x <= 0, g = 1 for the derivative: (g (alpha s1)) as an
 * exact double-word (one fma) times E = Eh + El with one rounding, then the
 * exact scalings s2, s3: 0.5 ULP plus a few tenths of U.  s1 <= 1/2 whenever
 * E > 1, so alpha s1 E cannot overflow.  An alpha beyond 2^960 takes part as
 * alpha 2^-64, the 2^64 joining s3 (still exact: s3 <= 1), so that g alpha
 * does not overflow before the scalings where the result is finite (g = 2,
 * alpha = 1.7e308, x = -1.25 gave inf for 9.7e307); the product before s3
 * stays a normal number where the result is (alpha > 2^960 would need
 * 2^n < 2^-1900 for it to be subnormal).  g and alpha both near the maximum
 * can still overflow there.  The test is on the loop-invariant alpha, a
 * bitwise select (a ?: there leaves loops scalar with gcc 12).  x = -inf
 * gives g (alpha 0), as IEEE would. */
CACT_INLINE CACT_T CACT_FN(cact_elu_g_exp)(CACT_T x, CACT_T alpha, CACT_T g)
{
    CACT_T Eh, El, s1, s2, s3;
    const CACT_T a = CACT_FN(cact_nonpos)(x);
    const CACT_T n = CACT_FN(cact_exp_dw)(CACT_FN(cact_clamp_exp)(a), &Eh, &El);
    CACT_FN(cact_pow2_3)(n, &s1, &s2, &s3);
    const int huge = CACT_FN(cact_fabs)(alpha) > CACT_K(CACT_ELU_HUGE);
    const CACT_T as1 = (alpha * CACT_FN(cact_select)(huge, CACT_K(CACT_ELU_DOWN), CACT_ONE)) * s1;
    s3 = s3 * CACT_FN(cact_select)(huge, CACT_K(CACT_ELU_UP), CACT_ONE);
    /* as in cact_logistic_grad: |g| >= 1 takes s2 first */
    const int big = CACT_FN(cact_fabs)(g) >= CACT_ONE;
    const CACT_T gs = big ? g * s2 : g;
    const CACT_T ph = gs * as1;
    const CACT_T pl = CACT_FN(cact_fma)(gs, as1, -ph);
    /* a zero or infinite ph takes the plain product (as in cact_logistic_grad) */
    const int plain = ph == CACT_ZERO || CACT_FN(cact_fabs)(ph) == (CACT_T)INFINITY;
    const CACT_T m = plain ? ph * Eh : CACT_FN(cact_mul_dw)(ph, pl, Eh, El);
    const CACT_T y = (m * (big ? CACT_ONE : s2)) * s3;
    return a == -(CACT_T)INFINITY ? g * (alpha * CACT_ZERO) : y;
}

/* scale v as fma(SH, v, SL v), within 2^-106 relative before its one
 * rounding.  Where SH v is below SELU_TINY = 2^-968 (zeros and subnormal
 * results included) or overflows, SH v itself: +-0 and +-inf with IEEE's
 * signs, and below 2^-968 a product whose missing SL v is at most 0.35 ULP
 * (2^-54.5 relative), 0.85 ULP in all.  The emulated fma of the baseline
 * level needs it: it makes a NaN of an infinite or huge v, can give -0.0 +
 * -0.0 as +0.0, and loses bits when its splitting underflows (1.4 ULP at
 * x = 4e-314 before this). */
CACT_INLINE CACT_T CACT_FN(cact_selu_scale)(CACT_T v)
{
    const CACT_T p = CACT_K(CACT_SELU_SH) * v;
    const CACT_T ap = CACT_FN(cact_fabs)(p);
    const int plain = ap < CACT_K(CACT_SELU_TINY) || !(ap < (CACT_T)INFINITY);
    return plain ? p : CACT_FN(cact_fma)(CACT_K(CACT_SELU_SH), v, CACT_K(CACT_SELU_SL) * v);
}

/* selu(x) = scale x for x >= 0, scale alpha expm1(x) otherwise, each with
 * its constant as a double-word pair (cact_exp_family.h): scale x =
 * fma(SH, x, SL x), one rounding of a value within 2^-106 relative of the
 * exact product (SL x is rounded, far below an ULP); scale alpha (th + tl) =
 * fma(SAH, th, SAH tl + SAL th), the ELU forward with the pair: 0.5 ULP plus
 * a few tenths of U.  -0.0 gives -0.0 (SH -0 + SL -0), +-inf +-inf and
 * scale alpha -1 rounded.  A result is never a zero for x < 0 (|scale alpha
 * x| > |x| for tiny x, and th <= x < 0). */
CACT_INLINE CACT_T CACT_FN(cact_selu_f)(CACT_T x)
{
    CACT_T th, tl;
    CACT_FN(cact_expm1_dw)(CACT_FN(cact_clamp_expm1)(CACT_FN(cact_nonpos)(x)), &th, &tl);
    const CACT_T sah = CACT_K(CACT_SELU_SAH), sal = CACT_K(CACT_SELU_SAL);
    const CACT_T n0 = CACT_FN(cact_fma)(sah, th, CACT_FN(cact_fma)(sal, th, sah * tl));
    /* tiny x < 0: th = x and tl = 0, and the plain SAH x is within 0.55 ULP
     * (the baseline's emulated fma is not, as in cact_selu_scale) */
    const CACT_T neg = CACT_FN(cact_fabs)(x) < CACT_K(CACT_SELU_TINY) ? sah * x : n0;
    return CACT_FN(cact_nan_pass)(x, x >= CACT_ZERO ? CACT_FN(cact_selu_scale)(x) : neg);
}

/* selu'(x) g: g scale for x > 0 (cact_selu_scale, 0.5 ULP), g scale alpha
 * exp(x) otherwise by ELU's careful product with alpha = SAH (selu'(0) =
 * scale alpha, as PyTorch); leaving SAL out costs SAL / SAH = 2^-56.8
 * relative, 0.05 ULP at most. */
CACT_INLINE CACT_T CACT_FN(cact_selu_backward_x)(CACT_T g, CACT_T x)
{
    return CACT_FN(cact_nan_pass)(
        x, CACT_FN(cact_select)(x > CACT_ZERO, CACT_FN(cact_selu_scale)(g),
                                CACT_FN(cact_elu_g_exp)(x, CACT_K(CACT_SELU_SAH), g)));
}

/* silu(x) = x s, s = sigmoid(x) = N q as a double-word (cact_exp_family.h,
 * SiLU): q = 1 / (1 + e) from the logistic core, N = 1 for x >= 0 and
 * E = Eh + El for x < 0 (then s = (E q) 2^n, cact_mul_dw2), x times it with
 * one rounding (cact_mul_dw), and for x < 0 the exact scaling by 2^n = se rest
 * as sigmoid's.  The exp argument is -|x| clamped at -800: silu(-800) =
 * -800 e^-800 = -2.9e-345 is a zero in double already, and so is every x
 * below (x itself clamped with it, so -inf gives -0.0, not -inf * 0); 2^n
 * stays within se rest.  x >= 40: x itself, the correct rounding (x e^-x <
 * 2^-55 x from 38 on).  |x| < 2^-968 (TINY): the plain product x (E q), where
 * s = 1/2 exactly, since the emulated fma of the baseline level loses bits
 * when its splitting underflows (selu's case). */
CACT_INLINE CACT_T CACT_FN(cact_silu_f)(CACT_T x)
{
    CACT_T Eh, El, se, qh, ql, ml;
    const CACT_T a = -CACT_FN(cact_fabs)(x);
    const CACT_T n = CACT_FN(cact_logistic)(a < CACT_K(CACT_SILU_F_LO) ? CACT_K(CACT_SILU_F_LO) : a,
                                            &Eh, &El, &se, &qh, &ql);
    const int pos = x >= CACT_ZERO;
    const CACT_T eq = CACT_FN(cact_mul_dw2)(Eh, El, qh, ql, &ml);
    const CACT_T sh = pos ? qh : eq, sl = pos ? ql : ml;
    const CACT_T xc = x < CACT_K(CACT_SILU_F_LO) ? CACT_K(CACT_SILU_F_LO) : x;
    const CACT_T m = CACT_FN(cact_fabs)(x) < CACT_K(CACT_SILU_TINY)
                         ? xc * sh : CACT_FN(cact_mul_dw)(xc, CACT_ZERO, sh, sl);
    const CACT_T y = pos ? (x < (CACT_T)40 ? m : x) : (m * se) * CACT_FN(cact_pow2_rest)(n);
    return CACT_FN(cact_nan_pass)(x, y);
}

/* silu'(x) g (cact_exp_family.h, SiLU), f' = 2^k P with P a double-word and g
 * times it rounded once by cact_g_times_scaled:
 *   x >= 0 (k = 0):  P = q (1 + T), T = x e q = x (E q) 2^n, in [0, 1/e]: 1 + T
 *                    a Fast2Sum pair, no cancellation; x clamped at 100
 *                    (f' = 1 + (x - 1) e^-x rounds to 1 from 40 on; +inf
 *                    gives g);
 *   x < 0 (k = n):   P = (E q) q N, N = 1 + x + e, x clamped at -1500 as the
 *                    exp core's EXP_LO (|x| e^x g < 2^-1075 below it for every
 *                    finite g, so the result is a zero of the right sign):
 *                    1 + x (TwoSum) and e (E scaled by s1 s2 s3, a zero
 *                    where it underflows: then |1 + x| > 2^900 e) summed as a
 *                    pair, exact to 2^-104 of max(|1 + x|, e);
 *   |d| < 2^-7, d = x - x0 (the zone around f's minimum x0, where N cancels):
 *                    N = d + E0 expm1(d) = (1 + E0) d + E0 d^2 g(d) with d as
 *                    the pair (x - X0H) - X0L - X0LL (x - X0H exact by
 *                    Sterbenz, then TwoSum), g the exp core's polynomial
 *                    (cact_exp_g: (e^r - 1 - r) / r^2 on |r| <= 0.347, either
 *                    sign; no reduction needed) and E0 = E0H + E0L: d and
 *                    E0 expm1(d) have one sign, so N is a sum without
 *                    cancellation, (1 + E0H) dh a Fast2Sum pair plus the fma
 *                    residual, and the d^2 term, below 2^-10 of N, needs only
 *                    its plain rounding: N to about 2^-104 relative.
 * x = -inf gives g * -0.0 (f' -> -0), the IEEE product. */
CACT_INLINE CACT_T CACT_FN(cact_silu_backward_x)(CACT_T g, CACT_T x)
{
    CACT_T Eh, El, se, qh, ql, ml, s1, s2, s3;
    const int neg = x < CACT_ZERO;
    const CACT_T xc = neg ? (x < CACT_K(CACT_EXP_LO) ? CACT_K(CACT_EXP_LO) : x)
                          : (x < (CACT_T)100 ? x : (CACT_T)100);
    const CACT_T n = CACT_FN(cact_logistic)(neg ? xc : -xc, &Eh, &El, &se, &qh, &ql);
    const CACT_T eqh = CACT_FN(cact_mul_dw2)(Eh, El, qh, ql, &ml);
    /* x >= 0: T = x (E q) 2^n (n >= -145: 2^n normal), U = 1 + T */
    const CACT_T s = CACT_FN(cact_pow2i)(neg ? CACT_ZERO : n);
    const CACT_T tth = (xc * eqh) * s;
    const CACT_T ttl = (CACT_FN(cact_fma)(xc, eqh, -(xc * eqh)) + xc * ml) * s;
    const CACT_T uh = CACT_ONE + tth;
    const CACT_T ul = ((CACT_ONE - uh) + tth) + ttl;
    /* x < 0: N = (1 + x) + e */
    CACT_FN(cact_pow2_3)(neg ? n : CACT_ZERO, &s1, &s2, &s3);
    const CACT_T eh = ((Eh * s1) * s2) * s3, el = ((El * s1) * s2) * s3;
    const CACT_T ah = CACT_ONE + xc, av = ah - xc;
    const CACT_T al = (CACT_ONE - av) + (xc - (ah - av));
    const CACT_T bh = ah + eh, bv = bh - ah;
    const CACT_T bl = ((ah - (bh - bv)) + (eh - bv)) + (al + el);
    /* the zone: N = d + E0 expm1(d) */
    const CACT_T d0 = xc - CACT_K(CACT_SILU_X0H);
    const CACT_T dh = d0 - CACT_K(CACT_SILU_X0L), dv = dh - d0; /* TwoSum */
    const CACT_T dl = ((d0 - (dh - dv)) - (CACT_K(CACT_SILU_X0L) + dv)) - CACT_K(CACT_SILU_X0LL);
    const int zone = CACT_FN(cact_fabs)(dh) < CACT_K(CACT_SILU_ZONE);
    const CACT_T dz = zone ? dh : CACT_ZERO;
    const CACT_T rz = (dz * dz) * CACT_FN(cact_exp_g)(dz); /* expm1(dz) - dz */
    const CACT_T e0h = CACT_K(CACT_SILU_E0H), e0l = CACT_K(CACT_SILU_E0L);
    const CACT_T ph = e0h * dh;
    const CACT_T zh = dh + ph;
    const CACT_T zl = ((dh - zh) + ph) + (CACT_FN(cact_fma)(e0h, dh, -ph) +
                                          (dl + (e0h * (rz + dl) + e0l * dh)));
    /* P = ((E q) q) N for x < 0, q U for x >= 0: the same two products */
    CACT_T ql2, pl;
    const CACT_T qh2 = CACT_FN(cact_mul_dw2)(eqh, ml, qh, ql, &ql2);
    const CACT_T vh = neg ? qh2 : qh, vl = neg ? ql2 : ql;
    const CACT_T wh = neg ? (zone ? zh : bh) : uh;
    const CACT_T wl = neg ? (zone ? zl : bl) : ul;
    const CACT_T ph2 = CACT_FN(cact_mul_dw2)(vh, vl, wh, wl, &pl);
    const CACT_T y = CACT_FN(cact_g_times_scaled)(g, ph2, pl, neg ? n : CACT_ZERO, CACT_ONE);
    return CACT_FN(cact_nan_pass)(x, x == -(CACT_T)INFINITY ? g * -CACT_ZERO : y);
}

/* a + b as a pair (Knuth's TwoSum: either may be larger). */
CACT_INLINE CACT_T CACT_FN(cact_two_sum)(CACT_T a, CACT_T b, CACT_T *l)
{
    const CACT_T h = a + b, v = h - a;
    *l = (a - (h - v)) + (b - v);
    return h;
}

/* gelu_tanh's z = 2c (x + K x^3) as a pair zh + zl (cact_exp_family.h,
 * gelu_tanh), for |x| <= 27.3: x^2 and x^3 exact pairs (fma), K x^3 and
 * C2 w as pair products (cact_mul_dw2), x + K x^3 a TwoSum (one sign: no
 * cancellation): relative error about 2^-100, so that e^z keeps 2^-86 even
 * at |z| = 1500 (a plain z would cost |z| 2^-53 relative, 1500 ULPs).  x^2
 * goes out as the pair x2h + x2l for the derivative's z'. */
CACT_INLINE CACT_T CACT_FN(cact_gelu_tanh_z)(CACT_T x, CACT_T *zl, CACT_T *x2h, CACT_T *x2l)
{
    CACT_T kl, wl, sl;
    *x2h = x * x;
    *x2l = CACT_FN(cact_fma)(x, x, -*x2h);
    const CACT_T x3h = *x2h * x;
    const CACT_T x3l = CACT_FN(cact_fma)(*x2h, x, -x3h) + *x2l * x;
    const CACT_T kh = CACT_FN(cact_mul_dw2)(CACT_K(CACT_GELU_KH), CACT_K(CACT_GELU_KL), x3h, x3l, &kl);
    const CACT_T wh = CACT_FN(cact_two_sum)(x, kh, &sl);
    wl = sl + kl;
    return CACT_FN(cact_mul_dw2)(CACT_K(CACT_GELU_C2H), CACT_K(CACT_GELU_C2L), wh, wl, zl);
}

/* gelu_tanh(x) = x sigmoid(z), as silu's x sigmoid(x) with the pair z: the
 * logistic core on -|z| with its low part (cact_logistic_pair), x q for
 * x >= 0 and x (E q) 2^n below, one rounding.  x clamped to [F_LO, HI]:
 * x itself from HI on (f = x (1 - e^-z) rounds to x from 7.2 on), and a
 * zero of x's sign below F_LO (-inf gives -0.0, the limit); |x| < TINY the
 * plain x q, q = 1/2 exactly there. */
CACT_INLINE CACT_T CACT_FN(cact_gelu_tanh_f)(CACT_T x)
{
    CACT_T zl, x2h, x2l, Eh, El, se, qh, ql, ml;
    const CACT_T lo = CACT_K(CACT_GELU_F_LO), hi = CACT_K(CACT_GELU_HI);
    const CACT_T xc = x < lo ? lo : (x < hi ? x : hi);
    const CACT_T zh = CACT_FN(cact_gelu_tanh_z)(xc, &zl, &x2h, &x2l);
    const int pos = x >= CACT_ZERO;
    const CACT_T n = CACT_FN(cact_logistic_pair)(pos ? -zh : zh, pos ? -zl : zl, &Eh, &El, &se, &qh, &ql);
    const CACT_T eq = CACT_FN(cact_mul_dw2)(Eh, El, qh, ql, &ml);
    const CACT_T sh = pos ? qh : eq, sl = pos ? ql : ml;
    const CACT_T m = CACT_FN(cact_fabs)(x) < CACT_K(CACT_SILU_TINY)
                         ? xc * sh : CACT_FN(cact_mul_dw)(xc, CACT_ZERO, sh, sl);
    const CACT_T y = pos ? (x < hi ? m : x) : (m * se) * CACT_FN(cact_pow2_rest)(n);
    return CACT_FN(cact_nan_pass)(x, y);
}

/* gelu_tanh'(x) g (cact_exp_family.h, gelu_tanh): silu's scheme with
 * V = x z' = x C2 (1 + 3K x^2) in the place of x, a pair:
 *   x >= 0 (k = 0):  P = q (1 + T), T = V (E q) 2^n in [0, 0.3];
 *   x < 0 (k = n):   P = (E q) q N, N = (1 + V) + e as pairs (TwoSum);
 *   |x - x1| < 2^-8: N = d (N1 + d p(d)), the Taylor series about the zero
 *                    x1 with d the exact pair (x - X1H) - X1L - X1LL: N1 d a
 *                    pair product, the rest (below 2^-12 of it) plain.
 * x clamped to [LO, HI] (a zero below, of the sign of f' < 0; f' = 1 from 7.2
 * on).  For x < 0, |P| reaches 11 (x = -3) where 2^n's first factor is only
 * 2^-3: P goes in as P / 16 with n + 4 when n <= -4, which keeps s1 |P| <= 1
 * in cact_g_times_scaled (a g near the largest double does not overflow
 * before the scaling).  x = -inf: g * -0.0, the IEEE product with f' -> -0. */
CACT_INLINE CACT_T CACT_FN(cact_gelu_tanh_backward_x)(CACT_T g, CACT_T x)
{
    CACT_T zl, x2h, x2l, Eh, El, se, qh, ql, ml, kl, ol, cl, vl, tl, al, bl, s1, s2, s3, ql2, pl;
    const CACT_T lo = CACT_K(CACT_GELU_LO), hi = CACT_K(CACT_GELU_HI);
    const int neg = x < CACT_ZERO;
    const CACT_T xc = x < lo ? lo : (x < hi ? x : hi);
    const CACT_T zh = CACT_FN(cact_gelu_tanh_z)(xc, &zl, &x2h, &x2l);
    const CACT_T n = CACT_FN(cact_logistic_pair)(neg ? zh : -zh, neg ? zl : -zl, &Eh, &El, &se, &qh, &ql);
    const CACT_T eqh = CACT_FN(cact_mul_dw2)(Eh, El, qh, ql, &ml);
    /* V = x C2 (1 + 3K x^2) */
    const CACT_T kh = CACT_FN(cact_mul_dw2)(CACT_K(CACT_GELU_K3H), CACT_K(CACT_GELU_K3L), x2h, x2l, &kl);
    const CACT_T oh = CACT_FN(cact_two_sum)(CACT_ONE, kh, &ol);
    const CACT_T ch = CACT_FN(cact_mul_dw2)(CACT_K(CACT_GELU_C2H), CACT_K(CACT_GELU_C2L), oh, ol + kl, &cl);
    const CACT_T vh = CACT_FN(cact_mul_dw2)(xc, CACT_ZERO, ch, cl, &vl);
    /* x >= 0: U = 1 + T, T = V (E q) 2^n (n >= -126: 2^n normal) */
    const CACT_T s = CACT_FN(cact_pow2i)(neg ? CACT_ZERO : n);
    const CACT_T th = CACT_FN(cact_mul_dw2)(vh, vl, eqh, ml, &tl) * s;
    const CACT_T uh = CACT_ONE + th;
    const CACT_T ul = ((CACT_ONE - uh) + th) + tl * s;
    /* x < 0: N = (1 + V) + e */
    CACT_FN(cact_pow2_3)(neg ? n : CACT_ZERO, &s1, &s2, &s3);
    const CACT_T eh = ((Eh * s1) * s2) * s3, el = ((El * s1) * s2) * s3;
    const CACT_T ah = CACT_FN(cact_two_sum)(CACT_ONE, vh, &al);
    const CACT_T bh = CACT_FN(cact_two_sum)(ah, eh, &bl);
    /* the zone: N = N1 d + d^2 p(d) */
    const CACT_T d0 = xc - CACT_K(CACT_GELU_X1H);
    CACT_T dl;
    const CACT_T dh = CACT_FN(cact_two_sum)(d0, -CACT_K(CACT_GELU_X1L), &dl);
    dl -= CACT_K(CACT_GELU_X1LL);
    const int zone = CACT_FN(cact_fabs)(dh) < CACT_K(CACT_GELU_ZONE);
    const CACT_T dz = zone ? dh : CACT_ZERO;
    CACT_T p = CACT_K(CACT_GELU_N8);
    p = CACT_FN(cact_madd)(p, dz, CACT_K(CACT_GELU_N7));
    p = CACT_FN(cact_madd)(p, dz, CACT_K(CACT_GELU_N6));
    p = CACT_FN(cact_madd)(p, dz, CACT_K(CACT_GELU_N5));
    p = CACT_FN(cact_madd)(p, dz, CACT_K(CACT_GELU_N4));
    p = CACT_FN(cact_madd)(p, dz, CACT_K(CACT_GELU_N3));
    p = CACT_FN(cact_madd)(p, dz, CACT_K(CACT_GELU_N2));
    const CACT_T n1 = CACT_K(CACT_GELU_N1H), zh1 = n1 * dh;
    const CACT_T zl1 = CACT_FN(cact_fma)(n1, dh, -zh1) +
                       ((n1 * dl + CACT_K(CACT_GELU_N1L) * dh) + dh * (dz * p));
    /* P = ((E q) q) N for x < 0, q U for x >= 0 */
    const CACT_T qh2 = CACT_FN(cact_mul_dw2)(eqh, ml, qh, ql, &ql2);
    const CACT_T wh = neg ? (zone ? zh1 : bh) : uh;
    const CACT_T wl = neg ? (zone ? zl1 : bl + (al + el) + vl) : ul;
    const CACT_T ph = CACT_FN(cact_mul_dw2)(neg ? qh2 : qh, neg ? ql2 : ql, wh, wl, &pl);
    const int shift = neg && n <= (CACT_T)-4;
    const CACT_T k = shift ? (CACT_T)0.0625 : CACT_ONE;
    const CACT_T y = CACT_FN(cact_g_times_scaled)(g, ph * k, pl * k,
                                                  neg ? (shift ? n + (CACT_T)4 : n) : CACT_ZERO, CACT_ONE);
    return CACT_FN(cact_nan_pass)(x, x == -(CACT_T)INFINITY ? g * -CACT_ZERO : y);
}

/* elu'(x) g: g for x > 0, g alpha exp(x) otherwise (elu'(0) = alpha, as PyTorch). */
CACT_INLINE CACT_T CACT_FN(cact_elu_backward_x)(CACT_T g, CACT_T x, CACT_T alpha)
{
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_select)(x > CACT_ZERO, g, CACT_FN(cact_elu_g_exp)(x, alpha, g)));
}

/* ---------------------------------------------------------------- celu
 * (cact_exp_family.h, celu.)  q = x / alpha as the pair qh + ql, with no
 * division (cact_recip): qh = (x t) r within 2^-52 relative of the
 * quotient, the residual x t - qh alpha' in one fma (exact to 2^-53 of
 * itself, a term below 2^-51 of x t), ql = residual r: qh + ql is x / alpha
 * to about 2^-102 relative (qh need not be the rounded quotient here: the
 * pair only goes into exp and expm1, as a sum).  ql = 0 where |qh| is beyond
 * the clamp 1500 (-EXP_LO) or not finite, where only the clamp's value is
 * used (the fma would give NaN for an infinite qh).  alpha = 1 gives qh = x
 * and ql = 0 exactly. */
CACT_INLINE CACT_T CACT_FN(cact_celu_q)(CACT_T x, CACT_T alpha, CACT_T *ql)
{
    CACT_T t, at;
    const CACT_T r = CACT_FN(cact_recip)(alpha, &t, &at);
    const CACT_T xt = x * t;
    const CACT_T qh = xt * r;
    const CACT_T res = CACT_FN(cact_fma)(-qh, at, xt);
    *ql = CACT_FN(cact_fabs)(qh) <= -CACT_K(CACT_EXP_LO) ? res * r : CACT_ZERO;
    return qh;
}

/* v (h + l) rounded once, for h > 0, |l| <= ulp(h), and a v that the exact
 * scalings have made as large as the result needs: fma(v, h, v l).  Where
 * v h is zero or infinite, v h itself, IEEE's product (inside the baseline's
 * emulated fma inf - inf is NaN, and -0.0 + -0.0 can come out +0.0); where
 * it is below CELU_TINY = 2^-968 (a subnormal result included), the same fma
 * on v 2^200 (exact) and the result times 2^-200: the emulated fma loses bits
 * when its splitting underflows, and the plain product would drop v l (up to
 * 1 ULP).  The scaled result is rounded a second time only where it is
 * subnormal, where the first rounding (2^-53 relative) is far below its ULP. */
CACT_INLINE CACT_T CACT_FN(cact_celu_times)(CACT_T v, CACT_T h, CACT_T l)
{
    const CACT_T p = v * h;
    const CACT_T ap = CACT_FN(cact_fabs)(p);
    const int tiny = ap < CACT_K(CACT_CELU_TINY);
    const CACT_T vs = tiny ? v * CACT_K(CACT_CELU_UP) : v;
    const CACT_T m = CACT_FN(cact_fma)(vs, h, vs * l) * (tiny ? CACT_K(CACT_CELU_DOWN) : CACT_ONE);
    return ap == CACT_ZERO || ap == (CACT_T)INFINITY ? p : m;
}

/* 2^k for an integer-valued k in [0, 2046] as two factors k1 + k2 (each
 * at most 1023): v 2^k1 2^k2 is exact, or the overflow the result has. */
CACT_INLINE CACT_T CACT_FN(cact_celu_up)(CACT_T v, CACT_T k)
{
    const CACT_T k1 = (k * (CACT_T)0.5 + CACT_K(CACT_SHIFT)) - CACT_K(CACT_SHIFT);
    return (v * CACT_FN(cact_pow2i)(k1)) * CACT_FN(cact_pow2i)(k - k1);
}

/* celu(x) = x for x > 0, alpha expm1(q) otherwise, q = x / alpha = qh + ql
 * clamped to [EXPM1_LO, -EXP_LO] = [-50, 1500] (alpha > 0 gives q <= 0,
 * alpha < 0 q >= 0).  One reduction q = n ln2 + r (cact_exp_reduce), then
 * expm1(q) = K (th + tl) by cact_expm1_dw's steps written for both signs:
 *   q <= 0:  K = 1,   (2^n - 1) + 2^n r + 2^n L   (cact_expm1_dw's very
 *            operations, so that alpha = 1 gives elu's bits);
 *   q > 0:   K = 2^n, (1 - 2^-n) + r + L          (2^-n floored at 2^-1022,
 *            far below U there), a Fast2Sum again: 1 - 2^-n >= 1/2 >= |r|
 *            for n >= 1, and n = 0 leaves r exact;
 * renormalised, then corrected by ql: expm1(q + ql) = expm1(q) + e^q ql,
 * e^q / K = th + B with B = 1 (q <= 0) or 2^-n.  alpha K (th + tl) with one
 * rounding (cact_celu_times): K = 2^nT 2^k, nT = min(n, 1000) applied to the
 * pair (exact: th + tl >= 0.2 for n >= 1), k = n - nT (n up to 2165 at the
 * clamp) to alpha in two exact factors, so neither a tiny alpha nor a huge
 * 2^n is rounded before the product.  |q| < 2^-54: x itself (celu(x) =
 * x (1 + q/2 + ...) rounds to x), which is exact for subnormal x too; x = +-0
 * gives x (alpha expm1(+-0 / alpha) = +-0 for either sign of alpha).
 * x = -inf: -alpha (alpha > 0), -inf (alpha < 0). */
CACT_INLINE CACT_T CACT_FN(cact_celu_f)(CACT_T x, CACT_T alpha)
{
    CACT_T ql, r, L;
    const CACT_T qh = CACT_FN(cact_celu_q)(x, alpha, &ql);
    const CACT_T hi_clamp = -CACT_K(CACT_EXP_LO);
    const CACT_T a = CACT_FN(cact_clamp_expm1)(CACT_FN(cact_select)(qh < hi_clamp, qh, hi_clamp));
    const CACT_T n = CACT_FN(cact_exp_reduce)(a, &r, &L);
    const int pos = a > CACT_ZERO;
    const CACT_T s = CACT_FN(cact_pow2i)(pos ? CACT_ZERO : n);      /* 2^n, or 1 */
    const CACT_T mn = -n < (CACT_T)-1022 ? (CACT_T)-1022 : -n;
    const CACT_T c0 = pos ? CACT_ONE : -CACT_ONE;
    const CACT_T c1 = pos ? -CACT_FN(cact_pow2i)(pos ? mn : CACT_ZERO) : s;
    const CACT_T hi = c1 + c0;
    const CACT_T lo = c1 - (hi - c0);
    const CACT_T b = s * r;
    const CACT_T h = hi + b;
    const CACT_T l = ((hi - h) + b) + (lo + s * L);
    const CACT_T th = h + l;
    const CACT_T tl0 = (h - th) + l;
    const CACT_T bq = pos ? -c1 : CACT_ONE; /* e^q / K = th + bq */
    const CACT_T tl = CACT_FN(cact_madd)(th + bq, ql, tl0);
    /* K = 2^nT 2^k */
    const CACT_T nt = pos ? (n < (CACT_T)1000 ? n : (CACT_T)1000) : CACT_ZERO;
    const CACT_T st = CACT_FN(cact_pow2i)(nt);
    const CACT_T av = CACT_FN(cact_celu_up)(alpha, pos ? n - nt : CACT_ZERO);
    const CACT_T y = CACT_FN(cact_celu_times)(av, th * st, tl * st);
    const int same = x == CACT_ZERO || CACT_FN(cact_fabs)(qh) < CACT_K(CACT_CELU_Q_TINY);
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_select)(x > CACT_ZERO || same, x, y));
}

/* celu'(x) g: g for x > 0 (celu'(0) = exp(0) = 1, as PyTorch), g exp(q)
 * otherwise, q = qh + ql clamped to [EXP_LO, -EXP_LO] = [-1500, 1500]:
 * exp(qh) = 2^n (Eh + El) from the core, times 1 + ql (El + Eh ql), then
 *   q <= 0:  ELU's careful product (cact_elu_g_exp) with alpha = 1, its very
 *            operations (alpha = 1 gives elu's bits): 2^n in three factors,
 *            |g| >= 1 takes the second before the product;
 *   q > 0:   2^nT on the pair (nT = min(n, 1000), exact), 2^(n - nT) on g
 *            in two exact factors (a g that overflows there makes a result
 *            that does), g (Eh + El) rounded once (cact_celu_times).
 * x = -inf: g * 0 for alpha > 0 (as ELU); for alpha < 0 the clamp's
 * g exp(1500), an infinity, or a zero for g = 0 (never 0 * inf = NaN). */
CACT_INLINE CACT_T CACT_FN(cact_celu_backward_x)(CACT_T g, CACT_T x, CACT_T alpha)
{
    CACT_T ql, Eh, El0, s1, s2, s3;
    const CACT_T qh = CACT_FN(cact_celu_q)(x, alpha, &ql);
    const CACT_T hi_clamp = -CACT_K(CACT_EXP_LO);
    const CACT_T a = CACT_FN(cact_clamp_exp)(CACT_FN(cact_select)(qh < hi_clamp, qh, hi_clamp));
    const CACT_T n = CACT_FN(cact_exp_dw)(a, &Eh, &El0);
    const CACT_T El = CACT_FN(cact_madd)(Eh, ql, El0);
    const int pos = a > CACT_ZERO;
    /* q <= 0: cact_elu_g_exp's steps with alpha = 1 */
    CACT_FN(cact_pow2_3)(pos ? CACT_ZERO : n, &s1, &s2, &s3);
    const CACT_T as1 = CACT_ONE * s1;
    const int big = CACT_FN(cact_fabs)(g) >= CACT_ONE;
    const CACT_T gs = big ? g * s2 : g;
    const CACT_T ph = gs * as1;
    const CACT_T pl = CACT_FN(cact_fma)(gs, as1, -ph);
    const int plain = ph == CACT_ZERO || CACT_FN(cact_fabs)(ph) == (CACT_T)INFINITY;
    const CACT_T m = plain ? ph * Eh : CACT_FN(cact_mul_dw)(ph, pl, Eh, El);
    const CACT_T yn = (m * (big ? CACT_ONE : s2)) * s3;
    /* q > 0 */
    const CACT_T nt = pos ? (n < (CACT_T)1000 ? n : (CACT_T)1000) : CACT_ZERO;
    const CACT_T st = CACT_FN(cact_pow2i)(nt);
    const CACT_T gv = CACT_FN(cact_celu_up)(g, pos ? n - nt : CACT_ZERO);
    const CACT_T yp = CACT_FN(cact_celu_times)(gv, Eh * st, El * st);
    const CACT_T y = x == -(CACT_T)INFINITY && qh < CACT_ZERO ? g * CACT_ZERO : (pos ? yp : yn);
    return CACT_FN(cact_nan_pass)(x, CACT_FN(cact_select)(x > CACT_ZERO, g, y));
}

#undef CACT_CAT_
#undef CACT_CAT
#undef CACT_FN
#undef CACT_K
#undef CACT_ONE
#undef CACT_ZERO
