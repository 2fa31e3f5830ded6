/*
 * cact_mish.h -- element functions of mish, on the exp cores (cact_exp32.h
 * for float32, the double-word cact_exp_dw_f64 for float64).  Naming and
 * variants as in cact_exp_family.h (the derivative is backward_x with g = 1);
 * the row is in the "exp" family of the table.  No y-form: mish is not
 * invertible (minimum -0.30884 at x1 = -1.19243).
 *
 * --------------------------------------------------------------------- mish
 * mish(x) = x tanh(softplus(x)), as torch.nn.functional.mish.  With
 * e = exp(x), tanh(log(1 + e)) = ((1 + e)^2 - 1) / ((1 + e)^2 + 1), and
 * (1 + e)^2 - 1 = e (e + 2) = n exactly, so
 *     t = tanh(softplus(x)) = n / (n + 2),   mish(x) = x n / (n + 2),
 * which does not cancel ((e + 1)^2 - 1 loses every digit of e for small e).
 * Written with u = exp(-|x|) in (0, 1] so that nothing overflows: for x < 0
 * u = e, for x >= 0 the same fraction divided by e^2:
 *     x <  0:  t = num / den,  num = u^2 + 2u,  den = num + 2
 *     x >= 0:  t = num / den,  num = 1 + 2u,    den = num + 2u^2
 * Every sum adds positive terms, and t's relative condition in u is at most
 * 1 (x < 0: 2 (2u + 2) / ((u + 2)(n + 2)) <= 1; x >= 0: below 0.6), so u's
 * relative error passes to t at most once.  No clamping that changes a
 * result: for large x, 1 - t = 2u^2 / den falls below half an ulp from
 * x = 19.1 on (both dtypes: float32 from x = 9.4), and f = x is then the
 * rounding itself; for very negative x, f = x u (1 + u/2) / (1 + u + u^2/2)
 * is computed down into the subnormal results (float32 to x = -108.7,
 * float64 to -751.6), not flushed.  mish(-inf) = -0.0 (the limit; PyTorch:
 * NaN), mish(+inf) = +inf, mish(-0.0) = -0.0.
 *
 * mish'(x) = t + x (1 - t^2) sigmoid(x), and with 1 - t^2 = 4 (n + 1) /
 * (n + 2)^2, n + 1 = (1 + e)^2 and sigmoid(x) = e / (1 + e):
 *     mish'(x) = [n (n + 2) + 4 x e (1 + e)] / (n + 2)^2
 * (PyTorch's mish_backward computes the first form).  In u:
 *     x >= 0:  f' = [num den + 4x u^2 (1 + u)] / den^2   (every term >= 0)
 *     x <  0:  f' = u N / den^2,  N = (u + 2) den + 4x (1 + u)
 * (u N = num den + 4 x u (1 + u), with u factored out so that the deep tail,
 * f' = u (1 + x) to first order, keeps its relative accuracy and scale.)
 * The cancellation zone: N has one zero, at x1 = -1.1924312145154952 (the
 * minimum of f), where the two terms of the numerator are 1.887 each; 1 ULP
 * of that is the contract's bound inside the zone.  cact keeps the ordinary
 * bound there instead: near x1, with d = x - x1 (an exact pair: x1 is a
 * triple), N is its Taylor series about x1,
 *     N = N1 d + N2 d^2 + ... (N1 = 6.408),
 * float64 within |d| < 2^-4 to N12 (the N13 term is below 2^-67 of N1 d at
 * the edge), float32 within 2^-7 to N5 (2^-41); the coefficients are
 * mpmath's (tools/mish_consts.py), not a fit.  Why the zones are that wide:
 * outside them u's relative error reaches f' multiplied by |d log f' /
 * d log u| (u at fixed x), which is 24.7 at |d| = 2^-7, 12.8 at 2^-6, 6.8
 * at 2^-5, 3.8 at 2^-4, 2.3 at 2^-3 and below 2.1 beyond (mpmath).  float64
 * with the zone at 2^-7 measured 1.03 ULP (1.12 at the baseline level) just
 * outside it: the double-word core's u is good to about 2^-58 only, and
 * 24.7 2^-58 is half an ULP; at 2^-4 the excess is below 0.25 ULP.
 * float32's e (2^-33) costs at most 24.7 2^-33 = 2^-28.4 at its edge.
 * f' = 1 (rounded) from x = 20 on; below x = -1500 (float64, the exp core's
 * EXP_LO; float32 -200) g f' is a zero for every finite g.
 *
 * float32: in double on the float32 core (e relative 2^-33), rounded once:
 * 0.5 ULP plus about 2^-8 (f) and, for f', 2^-28.4 / 2^-24 = 2^-4.4 at the
 * zone's edge at most.
 * float64: u = 2^k (Eh + El) from the double-word core (to about 2^-60),
 * carried as the normal pair U = u 2^(-k + max(k, NE)) with NE = -960 (so
 * that its low part El 2^NE stays normal too: at the core's NE_MIN = -1020
 * it would be subnormal); for k < NE (x < -665) every sum below is linear
 * in u to far below an ulp, and the rest of 2^k, 2^(k - NE), is applied
 * last.  num, den, u^2 and the numerator are pairs (TwoSum, exact products
 * by fma: cact_fma_f64, never cact_madd_f64, in every step whose exactness
 * matters, so that the baseline level's emulated fma keeps the bound), the
 * quotients are double-word divisions (cact_div_dw_f64), x times t and g
 * times f' are rounded once (cact_mul_dw, cact_g_times_scaled: |g| >= 1
 * takes the first factor of the scale before the product, a subnormal g is
 * multiplied first), and the scale is exact but for a subnormal result's
 * one extra rounding.
 */
#ifndef CACT_MISH_H
#define CACT_MISH_H

#include "cact_exp_family.h"
#include "cact_softplus.h" /* cact_add_dw_f64, cact_div_dw_f64 */

/* x1, the zero of mish' (the minimum of mish), as the triple X1H + X1L +
 * X1LL (-1.19243121451549521213758834042073940...), and the Taylor
 * coefficients N1 (a pair) and N2..N12 of N(x) = (e + 2)(e^2 + 2e + 2) +
 * 4x (1 + e) about x1 (tools/mish_consts.py, mpmath at 60 digits).  ZONE:
 * |x - x1| below it takes the series.  NE: the exponent floor of the pair U
 * (the section above).  F_LO: the forward's clamp of x (mish(-800) =
 * -10^-344.5 is a zero in double; x itself still gives the sign), HI: f = x
 * from 19.1 on and f' = 1 from 20 on, the clamp from above; LO: the
 * backward's clamp of x below (the core's EXP_LO). */
#define CACT_MISH_X1H_f64 -1.1924312145154952    /* -0x1.31432c0d12d84p+0 */
#define CACT_MISH_X1L_f64 -4.8484829848031044e-17 /* -0x1.bf319154da210p-55 */
#define CACT_MISH_X1LL_f64 -1.898915114090381e-33 /* -0x1.3b82ea8c1efc4p-109 */
#define CACT_MISH_N1H_f64 6.407964080090054     /* 0x1.9a1c155f7b7d1p+2 */
#define CACT_MISH_N1L_f64 2.814383212638563e-16 /* 0x1.4479ee534728bp-52 */
#define CACT_MISH_N2_f64 2.2632074335192134     /* 0x1.21b0c7fb83ba1p+1 */
#define CACT_MISH_N3_f64 1.286182291977346      /* 0x1.49433e20bcadap+0 */
#define CACT_MISH_N4_f64 0.5578184890230967     /* 0x1.1d9a628eeaaafp-1 */
#define CACT_MISH_N5_f64 0.2085348386108657     /* 0x1.ab14503f484eap-3 */
#define CACT_MISH_N6_f64 0.0716825354043923     /* 0x1.259c961419819p-4 */
#define CACT_MISH_N7_f64 0.0232452953734544     /* 0x1.7cd9d5da8cd96p-6 */
#define CACT_MISH_N8_f64 0.00713752469673982    /* 0x1.d3c3cb259a92ap-8 */
#define CACT_MISH_N9_f64 0.0020670392756840066  /* 0x1.0eee542d5e558p-9 */
#define CACT_MISH_N10_f64 0.0005622392837959497 /* 0x1.26c67ab1023f3p-11 */
#define CACT_MISH_N11_f64 0.00014329059386493075 /* 0x1.2c808d435f993p-13 */
#define CACT_MISH_N12_f64 3.419272493900515e-05 /* 0x1.1ed45153f0af0p-15 */
#define CACT_MISH_ZONE_f64 0.0625               /* 2^-4 */
#define CACT_MISH_NE_f64 -960.0
#define CACT_MISH_F_LO_f64 -800.0
#define CACT_MISH_HI_f64 40.0
#define CACT_MISH_TINY_f64 0x1p-968

/* ------------------------------------------------------------- float32 */

/* num / den of the section above in double, u = exp(-|x|) (clamped at
 * -200: u^2 is then far below an ulp of 1 for x >= 0, and x u below the
 * float subnormals for x < 0). */
CACT_INLINE double cact_mish_den32(double u, int neg, double *num)
{
    *num = neg ? u * (u + 2.0) : 1.0 + 2.0 * u;
    return *num + (neg ? 2.0 : 2.0 * (u * u));
}

/* mish(x) = x num / den in double, rounded once.  x = -inf gives -0.0 (the
 * limit; x u would be -inf e^-200). */
CACT_INLINE float cact_mish_f_f32(float x)
{
    double num;
    const double u = cact_exp32(cact_negabs32(x, -200.0f));
    const double den = cact_mish_den32(u, x < 0.0f, &num);
    const double y = (double)x * (num / den);
    return cact_nan_pass_f32(x, x == -INFINITY ? -0.0f : (float)y);
}

/* mish'(x) g = g M / den^2 in double, rounded once:
 *   x >= 0:  M = num den + 4x u^2 (1 + u), x clamped at 200 (4x u^2 is then
 *            below 2^-570: +inf gives g);
 *   x < 0:   M = u N, N = (u + 2) den + 4x (1 + u), x clamped at -200 as u
 *            (|f'(-200)| < 2^-280, a zero in float times any float g);
 *   |x - x1| < 2^-7:  N = d (N1 + d (N2 + d (N3 + d (N4 + d N5)))), d =
 *            (x - X1H) - X1L (x - X1H exact, d to 2^-53 relative).
 * x = -inf: g * -0.0, the IEEE product with f'(-inf) = -0. */
CACT_INLINE float cact_mish_backward_x_f32(float g, float x)
{
    double num;
    const int neg = x < 0.0f;
    const double u = cact_exp32(cact_negabs32(x, -200.0f));
    const double den = cact_mish_den32(u, neg, &num);
    const double xd = (double)x;
    const double xc = neg ? (x > -200.0f ? xd : -200.0) : (x < 200.0f ? xd : 200.0);
    const double d = (xd - CACT_MISH_X1H_f64) - CACT_MISH_X1L_f64;
    const int zone = fabs(d) < 0.0078125; /* 2^-7 */
    const double dz = zone ? d : 0.0;
    const double pz = CACT_MISH_N2_f64 + dz * (CACT_MISH_N3_f64 + dz * (CACT_MISH_N4_f64 + dz * CACT_MISH_N5_f64));
    const double nz = d * (CACT_MISH_N1H_f64 + dz * pz);
    const double nn = zone ? nz : (u + 2.0) * den + (4.0 * xc) * (1.0 + u);
    const double m = neg ? u * nn : num * den + (4.0 * xc) * ((u * u) * (1.0 + u));
    const float y = (float)((double)g * (m / (den * den)));
    return cact_nan_pass_f32(x, x == -INFINITY ? g * -0.0f : y);
}

/* ------------------------------------------------------------- float64 */

/* u = exp(-|x|) for the clamped x as the pair U = uh + ul = u 2^(-k + max(k,
 * NE)) (returns k, u = 2^k (Eh + El) from the core), u^2 as the pair sh + sl,
 * and num, den as pairs (all sums of positive terms, cact_add_dw_f64:
 * 2^-104 relative).  For k < NE, U^2 is below 2^-1900 of 2U and drops out. */
CACT_INLINE double cact_mish_core_f64(double xc, int neg, double *uh, double *ul, double *sh,
                                      double *sl, double *nh, double *nl, double *dh, double *dl)
{
    double Eh, El;
    const double k = cact_exp_dw_f64(-fabs(xc), &Eh, &El);
    const double se = cact_pow2i_f64(k < CACT_MISH_NE_f64 ? CACT_MISH_NE_f64 : k);
    *uh = Eh * se;
    *ul = El * se;
    *sh = cact_mul_dw2_f64(*uh, *ul, *uh, *ul, sl);
    /* x < 0: num = u^2 + 2u, den = num + 2; x >= 0: num = 1 + 2u, den = num + 2u^2 */
    *nh = cact_add_dw_f64(neg ? *sh : 1.0, neg ? *sl : 0.0, 2.0 * *uh, 2.0 * *ul, nl);
    *dh = cact_add_dw_f64(*nh, *nl, neg ? 2.0 : 2.0 * *sh, neg ? 0.0 : 2.0 * *sl, dl);
    return k;
}

/* 2^(k - max(k, NE)): the rest of the scale, 1 unless x < -665. */
CACT_INLINE double cact_mish_kk_f64(double k)
{
    return k < CACT_MISH_NE_f64 ? k - CACT_MISH_NE_f64 : 0.0;
}

/* mish(x) = x (q + ql) 2^(k - max(k, NE)), q + ql = num / den (double-word
 * quotient), x times it rounded once (cact_mul_dw), then the scale (one
 * normal factor: x >= F_LO keeps k - NE >= -195), with a subnormal
 * result's second rounding corrected (below).  x clamped to
 * [F_LO, HI]: x itself from HI on, a zero of x's sign below F_LO (-inf
 * gives -0.0); |x| < TINY scaled (below). */
CACT_INLINE double cact_mish_f_f64(double x)
{
    double uh, ul, sh, sl, nh, nl, dh, dl, ql;
    const int neg = x < 0.0;
    const double xc = x < CACT_MISH_F_LO_f64 ? CACT_MISH_F_LO_f64 : (x < CACT_MISH_HI_f64 ? x : CACT_MISH_HI_f64);
    const double k = cact_mish_core_f64(xc, neg, &uh, &ul, &sh, &sl, &nh, &nl, &dh, &dl);
    const double q = cact_div_dw_f64(nh, nl, dh, dl, &ql);
    /* |x| < TINY: x 2^200 (exact) in the product, 2^-200 in the scale, so
     * that the product is never subnormal (the baseline's emulated fma loses
     * bits when its splitting underflows, and a plain x q rounds twice:
     * 0.80 ULP measured at x = 5.9e-295) */
    const int tiny = fabs(x) < CACT_MISH_TINY_f64;
    const double xs = tiny ? x * 0x1p200 : xc;
    const double m = cact_mul_dw_f64(xs, 0.0, q, ql);
    /* x < 0 or tiny: m 2^kk.  A subnormal result would be rounded twice (m
     * to 53 bits, then to the subnormal grid: 0.80 ULP measured), so the
     * rounding is corrected: ml = x (q + ql) - m (exact residual plus the
     * low product), yy = m 2^kk rounded, and (m - yy 2^-kk) + ml (exact
     * difference: yy 2^-kk is exact and within half a grid step of m) is
     * what yy misses, which times 2^kk rounds to 0 or one step of the grid:
     * the rounding of x (q + ql) 2^kk itself.  For a normal result yy is
     * exact and the correction below its half ulp. */
    const double ml = cact_fma_f64(xs, q, -m) + xs * ql;
    const double kk = tiny ? -200.0 : cact_mish_kk_f64(k);
    const double rest = cact_pow2i_f64(kk), inv = cact_pow2i_f64(-kk);
    const double yy = m * rest;
    const double ys = yy + ((m - yy * inv) + ml) * rest;
    /* +-0 gives itself (the correction would add +0 to -0.0) */
    const double y = x == 0.0 ? x : (neg || tiny ? ys : (x < CACT_MISH_HI_f64 ? m : x));
    return cact_nan_pass_f64(x, y);
}

/* mish'(x) g = g (M / den^2) 2^(k - max(k, NE)), M a pair:
 *   x >= 0:  M = num den + 4x u^2 (1 + u) (no cancellation; x clamped at
 *            HI, where f' rounds to 1: +inf gives g);
 *   x < 0:   M = num den + 4x u (1 + u) = U N, pairs summed by
 *            cact_add_dw_f64 (their cancellation, at most 2^3.5 outside
 *            the zone, costs 2^-100 relative); x clamped at LO (the core's
 *            EXP_LO: g f' is a zero of the sign of f' < 0 below it);
 *   |d| < 2^-4, d = x - x1 (the zone, x < 0): M = U N with N = N1 d +
 *            d^2 p(d), d the exact pair (x - X1H) - X1L - X1LL (x - X1H
 *            exact by Sterbenz, then TwoSum), N1 d a pair product (N1 a
 *            pair), the d^2 p(d) term (below 2^-5.4 of it: its rounding
 *            is 0.03 ULP at most) plain, the sum
 *            renormalised (Fast2Sum).
 * P = M / den^2 (double-word quotient; |P| = |f'| <= 1.1 for k >= NE, and
 * below 2^-900 otherwise), g P rounded once and scaled by the rest of 2^k
 * exactly (cact_g_times_scaled: huge and subnormal g stay right).  x = -inf:
 * g * -0.0, the IEEE product with f'(-inf) = -0. */
CACT_INLINE double cact_mish_backward_x_f64(double g, double x)
{
    double uh, ul, sh, sl, nh, nl, dh, dl, ol, wl, xwl, ndl, al, dd, Nzl, ml, DDl, pl;
    const int neg = x < 0.0;
    const double xc = neg ? (x < CACT_EXP_LO_f64 ? CACT_EXP_LO_f64 : x) : (x < CACT_MISH_HI_f64 ? x : CACT_MISH_HI_f64);
    const double k = cact_mish_core_f64(xc, neg, &uh, &ul, &sh, &sl, &nh, &nl, &dh, &dl);
    /* w = u (1 + u) for x < 0, u^2 (1 + u) for x >= 0; 4x w; num den */
    const double oh = cact_two_sum_f64(1.0, uh, &ol);
    const double wh = cact_mul_dw2_f64(neg ? uh : sh, neg ? ul : sl, oh, ol + ul, &wl);
    const double xwh = cact_mul_dw2_f64(4.0 * xc, 0.0, wh, wl, &xwl);
    const double ndh = cact_mul_dw2_f64(nh, nl, dh, dl, &ndl);
    const double ah = cact_add_dw_f64(ndh, ndl, xwh, xwl, &al);
    /* the zone: N = N1 d + d^2 p(d) */
    const double d0 = xc - CACT_MISH_X1H_f64;
    const double ddh = cact_two_sum_f64(d0, -CACT_MISH_X1L_f64, &dd);
    const double ddl = dd - CACT_MISH_X1LL_f64;
    const int zone = fabs(ddh) < CACT_MISH_ZONE_f64;
    const double dz = zone ? ddh : 0.0;
    double p = CACT_MISH_N12_f64;
    p = cact_madd_f64(p, dz, CACT_MISH_N11_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N10_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N9_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N8_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N7_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N6_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N5_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N4_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N3_f64);
    p = cact_madd_f64(p, dz, CACT_MISH_N2_f64);
    const double n1 = CACT_MISH_N1H_f64, zh1 = n1 * ddh;
    const double zl1 = cact_fma_f64(n1, ddh, -zh1) +
                       ((n1 * ddl + CACT_MISH_N1L_f64 * ddh) + ddh * (dz * p));
    const double Nzh = zh1 + zl1;
    Nzl = (zh1 - Nzh) + zl1;
    const double zmh = cact_mul_dw2_f64(uh, ul, Nzh, Nzl, &ml);
    /* P = M / den^2 */
    const double mh = zone ? zmh : ah, mlo = zone ? ml : al;
    const double DDh = cact_mul_dw2_f64(dh, dl, dh, dl, &DDl);
    const double ph = cact_div_dw_f64(mh, mlo, DDh, DDl, &pl);
    const double y = cact_g_times_scaled_f64(g, ph, pl, cact_mish_kk_f64(k), 1.0);
    return cact_nan_pass_f64(x, x == -(double)INFINITY ? g * -0.0 : y);
}

#endif /* CACT_MISH_H */
