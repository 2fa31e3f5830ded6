/*
 * cact_erf.h -- the erfc core (the normal distribution Phi) and GELU.
 *
 * GELU (exact, PyTorch's approximate='none') is gelu(x) = x Phi(x), with
 * Phi(x) = (1 + erf(x / sqrt 2)) / 2 the standard normal distribution
 * function, and gelu'(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi).
 *
 * ------------------------------------------------------------ the erfc core
 * The textbook 0.5 x (1 + erf(x / sqrt 2)) cancels for negative x: 1 + erf
 * is 1 - (1 - 1e-6) near x = -5 (gelu(-5) = -1.43e-6 comes out with a few
 * correct digits, or 0 further down), and no clamping of the tail is
 * allowed (gelu(-20) = -5.5e-88 in float64; float32 results are nonzero
 * down to x = -14.4, where x Phi(x) leaves the subnormals).  Here everything
 * is computed on a = |x| from the tail quantity
 *
 *     P(a) = Phi(-a) = erfc(a / sqrt 2) / 2 = exp(-a^2/2) R(a),   a >= 0,
 *
 * where R(a) = erfcx(a / sqrt 2) / 2 (the scaled complementary error
 * function) is smooth, decreasing from R(0) = 1/2 to R(a) ~ 1 / (a sqrt(2 pi)):
 *     x <  0:  Phi(x) = P(a)        (no subtraction at all)
 *     x >= 0:  Phi(x) = 1 - P(a)    (P <= 1/2, so at most a factor 2 of
 *                                    relative error is added: no cancellation).
 * exp(-a^2/2) goes through the shared exp core (cact_exp32.h in float32,
 * the double-word cact_exp_dw_f64 of cact_exp.h in float64), with a^2/2 an
 * exact quantity: a float32 a squared is exact in double; a float64 a^2 is
 * the exact pair h + l (l = fma(a, a, -h), then both halved exactly), and
 * exp(-h - l) = exp(-h) (1 - l) to l^2 < 2^-86 (|l| <= ulp(h) / 2 <= 2^-43
 * for h <= 1485).
 *
 * R(a) = t Q(t), t = 4 / (4 + a) in (0, 1].  The substitution maps the
 * whole half-line onto an interval where Q is smooth (Q(t) tends to
 * (1/4 + 1/a) / sqrt(2 pi) as a grows; 4 gave the lowest degree among
 * 2, 3, 4), so one polynomial in v = t - m covers every a below the clamp:
 * no intervals to select between, one division, Horner's rule.  The
 * coefficients are Chebyshev interpolants fitted with mpmath at 60 digits by
 * tools/fit_erf.py (run it with --check for the errors quoted here):
 *   float32: t in [1/6, 1] (a <= 20), m = 7/12, degree 13: relative error
 *            of Q 2^-35.5 with the coefficients rounded to double;
 *   float64: t in [1/16, 1] (a <= 54.5), m = 17/32, degree 28: 2^-59.8 with
 *            the constant and first four coefficients as double-word pairs
 *            (hi + lo) and the rest rounded to double.
 * In float64 the last five steps of Horner's rule run in double-word
 * arithmetic (each step: the product's exact low part by fma, Knuth's
 * TwoSum with the coefficient, the low parts summed), since the terms of
 * degree 1 to 4 are as large as Q itself; the plain double steps below them
 * carry terms of size |v^5 q| <= 0.07 |v|^5, whose roundings stay below
 * 2^-59 of Q.  t itself is a double-word: th = 4 / (4 + a) with 4 + a as an
 * exact TwoSum and tl from the division's residual (one fma); v = th - m is
 * exact up to a Fast2Sum error term; the low part vl of v enters as
 * Q'(vh) vl, Q' from the first nine coefficients (2^-8 relative is enough:
 * vl is 2^-53 of t).  Relative error of R: about 2^-59.
 *
 * Clamps: a <= 20 in float32: gelu(-20) = -5.5e-88 and g gelu'(-20)
 * (|g| <= 3.4e38) are far below the float32 subnormals, so every result
 * there is the zero it rounds to (-0.0 for gelu); a <= 54.5 in float64,
 * where exp(-a^2/2) = 1e-645 puts g gelu'(x) below 2^-1075 for every finite
 * g (and keeps the exp argument above the core's EXP_LO = -1500).  Positive
 * x beyond the clamp give Phi = 1 (x itself for gelu, g for the backward).
 *
 * ------------------------------------------------------------------- gelu
 *   float32: x P or x (1 - P) in double, rounded once.  Error of P: exp
 *            2^-33, Q 2^-35.5, a few 2^-53: within 0.51 ULP.
 *   float64: P = 2^n (Eh + El)(Rh + Rl) as a double-word product; x < 0:
 *            -a P rounded once in an fma, then scaled by 2^n in three
 *            exact factors (cact_pow2_3_f64) so that a subnormal result
 *            (x in about [-38.6, -37.6]) is rounded once more only by the
 *            last one; x >= 0: Phi = 1 - P as a Fast2Sum pair (P scaled by
 *            2^max(n, -1020), as sigmoid's: below that 1 - P is 1 to far
 *            below 2^-106) and x Phi rounded once in an fma.  Error: 0.5
 *            ULP plus about 2^-58 relative.
 * gelu(+-0) = +-0, gelu(+inf) = +inf, gelu(-inf) = -0.0 (the limit; PyTorch
 * gives NaN, -inf times 0), NaN -> NaN (the input itself, cact_nan_pass).
 *
 * ------------------------------------------------------ gelu' and backward
 * gelu'(x) = Phi(x) + x phi(x).  With D(a) = a / sqrt(2 pi) - R(a):
 *     x <  0:  gelu'(x) = -exp(-a^2/2) D(a)
 *     x >= 0:  gelu'(x) = 1 + exp(-a^2/2) D(a)   (>= 1/2: no cancellation)
 * D is a double-word (a / sqrt(2 pi) with 1/sqrt(2 pi) as a pair, a TwoSum
 * with R).  g gelu'(x) is rounded once: the negative side as the exp
 * family's cact_logistic_grad (g takes the first factor of 2^n when |g| >= 1,
 * the product is one fma, then the exact scalings), the positive side as
 * g (Fh + Fl) in one fma.  gelu'(-inf) = 0 (g * 0 as IEEE), gelu'(+inf) = 1.
 *
 * The cancellation zone.  gelu' has one zero, r = -0.75179152469356446
 * (gelu's minimum, -0.16997), where Phi(x) and x phi(x), both about 0.226,
 * cancel: D's absolute error (2^-59 of R in float64, 2^-35 in float32)
 * becomes any number of ULPs of the result near r.  The contract allows 1 ULP
 * of the largest term there (ULP(0.226)); cact does better: on the zone
 * x in [-0.80, -0.70] it selects gelu'(x) = (x - r) H(x - r), with x - r
 * exact up to the low part of r (r = RH + RL as a pair, x - RH exact by
 * Sterbenz) and H = gelu' / (x - r) a polynomial fitted by tools/fit_erf.py
 * (float32: degree 5, relative 2^-37.4; float64: degree 9, 2^-64.2, its
 * last two Horner steps in double-word), so the derivative keeps its
 * relative accuracy through the zero (float64: (x - r) to 2^-106 absolute,
 * the product rounded once; the 61 floats nearest r measured 0.500 ULP in
 * float64 and float32).  At the zone's ends |gelu'| >= 0.02, a cancellation
 * by a factor 22 at most, and the general formula measured 0.55 ULP
 * (float64) just outside them.
 *
 * Branch-free: both sides (and the zone) are computed and selected, as in
 * the exp family, so every layout and thread count gives the same bits.
 */
#ifndef CACT_ERF_H
#define CACT_ERF_H

#include "cact_exp_family.h" /* the exp cores, cact_nan_pass, the double-word products */

/* ------------------------------------------------------------ constants
 * Generated by tools/fit_erf.py (shortest decimals that convert to exactly
 * the fitted doubles; the hexadecimal form beside each). */
#define CACT_ERF_M64 0.53125 /* 17/32 */
#define CACT_ERF_A32 20.0f
#define CACT_ERF_A64 54.5
#define CACT_ERF_TINY 0x1p-30
#define CACT_GELU_ZLO -0.8
#define CACT_GELU_ZHI -0.7
#define CACT_GELU_RH -0.7517915246935645 /* -0x1.80ead197f00b4p-1 */
#define CACT_GELU_RL 1.4956759177009883e-17 /* 0x1.13e74c58cada8p-56 */
#define CACT_ERF_C_H 0.3989422804014327 /* 0x1.9884533d43651p-2 */
#define CACT_ERF_C_L -2.49232720227773e-17 /* -0x1.cbc0d30ebfd15p-56 */
#define CACT_ERF_M32 0.5833333333333334 /* 7/12 rounded: 0x1.2aaaaaaaaaaabp-1 */
#define CACT_ERF_Q64_0H 0.19870934803241416 /* 0x1.96f4ed39ab6b5p-3 */
#define CACT_ERF_Q64_0L 7.481736825244426e-18 /* 0x1.140701a5aed7dp-57 */
#define CACT_ERF_Q64_1H 0.32926707790081644 /* 0x1.512b638cef184p-2 */
#define CACT_ERF_Q64_1L 2.3980274283879586e-17 /* 0x1.ba5ba4be43d88p-56 */
#define CACT_ERF_Q64_2H 0.42354337365257194 /* 0x1.b1b55aa919e97p-2 */
#define CACT_ERF_Q64_2L -2.485443945822755e-17 /* -0x1.ca7bc597d5658p-56 */
#define CACT_ERF_Q64_3H 0.403795373907394 /* 0x1.9d7c88d4d5597p-2 */
#define CACT_ERF_Q64_3L -1.8176547189957918e-17 /* -0x1.4f4c51359a2e4p-56 */
#define CACT_ERF_Q64_4H 0.25014092252508646 /* 0x1.0024f1268bcaep-2 */
#define CACT_ERF_Q64_4L 4.4245158385771376e-18 /* 0x1.4678bdbf06e77p-58 */
#define CACT_ERF_Q64_5 0.048830337611116645 /* 0x1.9004a3e2f4d0ep-5 */
#define CACT_ERF_Q64_6 -0.06678197087119477 /* -0x1.1189f8cdaad41p-4 */
#define CACT_ERF_Q64_7 -0.04902016996651501 /* -0x1.9192bf5b37a6cp-5 */
#define CACT_ERF_Q64_8 0.01674218117858972 /* 0x1.124dcc280c480p-6 */
#define CACT_ERF_Q64_9 0.02847401399031018 /* 0x1.d284abb7f35cep-6 */
#define CACT_ERF_Q64_10 -0.006524033696368816 /* -0x1.ab8f1f5d28f29p-8 */
#define CACT_ERF_Q64_11 -0.016834207069575925 /* -0x1.13cfc83458cfap-6 */
#define CACT_ERF_Q64_12 0.005322661114520923 /* 0x1.5cd36f6a207dcp-8 */
#define CACT_ERF_Q64_13 0.010223498078065545 /* 0x1.4f00eaf2b077cp-7 */
#define CACT_ERF_Q64_14 -0.005892230222056875 /* -0x1.8227381aaf484p-8 */
#define CACT_ERF_Q64_15 -0.005603151307219582 /* -0x1.6f35479e79e9ep-8 */
#define CACT_ERF_Q64_16 0.006291607836289413 /* 0x1.9c53a9e56824bp-8 */
#define CACT_ERF_Q64_17 0.0017462565302148573 /* 0x1.c9c54ac0343b5p-10 */
#define CACT_ERF_Q64_18 -0.005757693421690955 /* -0x1.795610f2518f1p-8 */
#define CACT_ERF_Q64_19 0.001502075072857632 /* 0x1.89c28d4199092p-10 */
#define CACT_ERF_Q64_20 0.003990004822307966 /* 0x1.057d2c39028a3p-8 */
#define CACT_ERF_Q64_21 -0.003672843951499639 /* -0x1.e168314f5c782p-9 */
#define CACT_ERF_Q64_22 -0.0012818433733774723 /* -0x1.50070d781087fp-10 */
#define CACT_ERF_Q64_23 0.004152120759386205 /* 0x1.101d06dee0104p-8 */
#define CACT_ERF_Q64_24 -0.0012661560077837845 /* -0x1.4bea4a948bfdep-10 */
#define CACT_ERF_Q64_25 -0.0028998696036636232 /* -0x1.7c177a388650bp-9 */
#define CACT_ERF_Q64_26 0.002173138318928565 /* 0x1.1cd66c04dae76p-9 */
#define CACT_ERF_Q64_27 0.0010090572337386012 /* 0x1.0884af46592acp-10 */
#define CACT_ERF_Q64_28 -0.001144925285861883 /* -0x1.2c22a2a2f5a8ap-10 */
#define CACT_ERF_Q32_0 0.21706651821770315 /* 0x1.bc8d5ee669b97p-3 */
#define CACT_ERF_Q32_1 0.37681527556062727 /* 0x1.81dbdd14aa1bfp-2 */
#define CACT_ERF_Q32_2 0.4907689411665153 /* 0x1.f68c2220cf98dp-2 */
#define CACT_ERF_Q32_3 0.4570317491715542 /* 0x1.d400217fb3b66p-2 */
#define CACT_ERF_Q32_4 0.25990719201138734 /* 0x1.0a251c66bc850p-2 */
#define CACT_ERF_Q32_5 0.02532652951346411 /* 0x1.9ef329fed1035p-6 */
#define CACT_ERF_Q32_6 -0.0830516255656969 /* -0x1.542df0faf2ea8p-4 */
#define CACT_ERF_Q32_7 -0.03941191723377042 /* -0x1.42dcc7f2ef3a9p-5 */
#define CACT_ERF_Q32_8 0.028829283558521525 /* 0x1.d856c78342efap-6 */
#define CACT_ERF_Q32_9 0.022759087989390827 /* 0x1.74e288a67a637p-6 */
#define CACT_ERF_Q32_10 -0.014009958268159744 /* -0x1.cb140c4a3fc36p-7 */
#define CACT_ERF_Q32_11 -0.011536463581164488 /* -0x1.7a06dee573cd8p-7 */
#define CACT_ERF_Q32_12 0.006658225953040487 /* 0x1.b45a7eb7ba5b4p-8 */
#define CACT_ERF_Q32_13 0.004280521097684144 /* 0x1.18873a1fd81dcp-8 */
#define CACT_GELU_H64_0H 0.4314939923140469 /* 0x1.b9d98fa5a3215p-2 */
#define CACT_GELU_H64_0L 2.7324032892512634e-17 /* 0x1.f80a18dc19186p-56 */
#define CACT_GELU_H64_1H 0.388284982990552 /* 0x1.8d9a941de3ac5p-2 */
#define CACT_GELU_H64_1L 2.4493048367010053e-17 /* 0x1.c3d126926b359p-56 */
#define CACT_GELU_H64_2 -0.018199676398671396 /* -0x1.2a2ef9bb86607p-6 */
#define CACT_GELU_H64_3 -0.11400823329722905 /* -0x1.d2fa4c17c8095p-4 */
#define CACT_GELU_H64_4 -0.014771522147250802 /* -0x1.e40882446d2dfp-7 */
#define CACT_GELU_H64_5 0.019421679850511353 /* 0x1.3e346df2a5200p-6 */
#define CACT_GELU_H64_6 0.004539227250922528 /* 0x1.297b989781cb3p-8 */
#define CACT_GELU_H64_7 -0.0022395455564741787 /* -0x1.258aadd88e0b9p-9 */
#define CACT_GELU_H64_8 -0.0007443012057954218 /* -0x1.863a6ab2b7d61p-11 */
#define CACT_GELU_H64_9 0.0001878102061857013 /* 0x1.89ddd6308499dp-13 */
#define CACT_GELU_H32_0 0.43149399231619945 /* 0x1.b9d98fa5ac98ep-2 */
#define CACT_GELU_H32_1 0.3882849830459317 /* 0x1.8d9a941ed73c5p-2 */
#define CACT_GELU_H32_2 -0.018199691965609024 /* -0x1.2a2f0a72883a7p-6 */
#define CACT_GELU_H32_3 -0.11400834630947547 /* -0x1.d2fa6a6dec803p-4 */
#define CACT_GELU_H32_4 -0.014754755496171027 /* -0x1.e37bdc288414fp-7 */
#define CACT_GELU_H32_5 0.019461885253572137 /* 0x1.3edd102bafab5p-6 */
/* ------------------------------------------------------------ float32
 * In double on the float32 exp core, rounded once (see the top). */

/* P = Phi(-a) = exp(-a^2/2) t Q(t) for 0 <= a <= 20 (a double holding a
 * float): a^2/2 is exact, 4 + a is exact, t rounds once. */
CACT_INLINE double cact_erf_R32(double a)
{
    const double t = 4.0 / (4.0 + a);
    const double v = t - CACT_ERF_M32;
    double q = CACT_ERF_Q32_13;
    q = cact_madd_f64(q, v, CACT_ERF_Q32_12);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_11);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_10);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_9);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_8);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_7);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_6);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_5);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_4);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_3);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_2);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_1);
    q = cact_madd_f64(q, v, CACT_ERF_Q32_0);
    return t * q;
}

/* gelu(x) = -a P (x < 0) or x (1 - P) (x >= 0); a = |x| clamped at 20 on
 * the float's bits (cact_negabs32), so -inf gives -20 P(20) = -0.0 in
 * float and +inf gives inf (1 - P) = inf.  Tiny a (below 2^-30): P = 1/2 -
 * a / sqrt(2 pi), the Taylor polynomial (the next term is a^3 / 15, below
 * 2^-90), which is 1/2 itself in double for a below 2^-54: then x P is
 * x / 2 exactly, and a subnormal x / 2 halfway between two floats rounds to
 * even, as x / 2 plus the rest of the terms (far below 2^-53 of it) does in
 * any double reference (the polynomial's 2^-35 would push it either way). */
CACT_INLINE float cact_gelu_f_f32(float x)
{
    const double a = -cact_negabs32(x, -CACT_ERF_A32);
    const double p0 = cact_exp32(-0.5 * (a * a)) * cact_erf_R32(a);
    const double p = a < CACT_ERF_TINY ? 0.5 - a * CACT_ERF_C_H : p0;
    const double y = x < 0.0f ? -a * p : (double)x * (1.0 - p);
    return cact_nan_pass_f32(x, (float)y);
}

/* H(u) = gelu'(r + u) / u on the zone (u = x - r, |u| <= 0.052). */
CACT_INLINE double cact_gelu_H32(double u)
{
    double h = CACT_GELU_H32_5;
    h = cact_madd_f64(h, u, CACT_GELU_H32_4);
    h = cact_madd_f64(h, u, CACT_GELU_H32_3);
    h = cact_madd_f64(h, u, CACT_GELU_H32_2);
    h = cact_madd_f64(h, u, CACT_GELU_H32_1);
    return cact_madd_f64(h, u, CACT_GELU_H32_0);
}

/* g gelu'(x): 1 + E D (x >= 0), -E D (x < 0), (x - r) H on the zone; in
 * double, g times it rounded once.  D = a / sqrt(2 pi) - R loses at most
 * a factor 22 of R's relative accuracy outside the zone (at its ends).
 * x - RH is exact (Sterbenz, on the zone), minus RL rounds once.
 * x = -inf: g * 0, as IEEE (the clamp would give g times a tiny number). */
CACT_INLINE float cact_gelu_backward_x_f32(float g, float x)
{
    const double a = -cact_negabs32(x, -CACT_ERF_A32);
    const double e = cact_exp32(-0.5 * (a * a));
    const double d = a * CACT_ERF_C_H - cact_erf_R32(a);
    const double u = (double)x - CACT_GELU_RH;
    const double z = (u - CACT_GELU_RL) * cact_gelu_H32(u);
    const int zone = (x >= (float)CACT_GELU_ZLO) & (x <= (float)CACT_GELU_ZHI);
    const double fp = zone ? z : (x < 0.0f ? -(e * d) : 1.0 + e * d);
    const float y = (float)((double)g * fp);
    return cact_nan_pass_f32(x, x == -INFINITY ? g * 0.0f : y);
}

/* ------------------------------------------------------------ float64 */

/* (h, l) = (ch + cl) + v (h + l) as a double-word: the product's exact low
 * part by fma, TwoSum with the coefficient (either may be the larger). */
CACT_INLINE void cact_erf_dw_step(double ch, double cl, double v, double *h, double *l)
{
    const double p = *h * v;
    const double pe = cact_fma_f64(*h, v, -p) + *l * v;
    const double s = ch + p;
    const double b = s - ch;
    const double e = (ch - (s - b)) + (p - b);
    *h = s;
    *l = e + pe + cl;
}

/* R(a) = Phi(-a) exp(a^2/2) = t Q(t) as Rh + Rl, 0 <= a <= 54.5 (see the
 * top): t = 4 / (4 + a) = th + tl, v = th - 17/32 = vh + vl, Q(vh) by Horner
 * (double to degree 5, double-word below), plus Q'(vh) vl, times t. */
CACT_INLINE double cact_erf_R64(double a, double *Rl)
{
    const double sh = 4.0 + a;
    const double sb = sh - a;
    const double sl = (a - (sh - sb)) + (4.0 - sb);
    const double th = 4.0 / sh;
    const double tl = (cact_fma_f64(-th, sh, 4.0) - th * sl) * (th * 0.25);
    /* Fast2Sum of -m and th: exact where th > m (Sterbenz), and |m| >= |th|
     * below (th = 1 is exact too) */
    const double vh = th - CACT_ERF_M64;
    const double vl = (th - (vh + CACT_ERF_M64)) + tl;
    double q = CACT_ERF_Q64_28;
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_27);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_26);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_25);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_24);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_23);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_22);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_21);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_20);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_19);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_18);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_17);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_16);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_15);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_14);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_13);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_12);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_11);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_10);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_9);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_8);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_7);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_6);
    q = cact_madd_f64(q, vh, CACT_ERF_Q64_5);
    double l = 0.0;
    cact_erf_dw_step(CACT_ERF_Q64_4H, CACT_ERF_Q64_4L, vh, &q, &l);
    cact_erf_dw_step(CACT_ERF_Q64_3H, CACT_ERF_Q64_3L, vh, &q, &l);
    cact_erf_dw_step(CACT_ERF_Q64_2H, CACT_ERF_Q64_2L, vh, &q, &l);
    cact_erf_dw_step(CACT_ERF_Q64_1H, CACT_ERF_Q64_1L, vh, &q, &l);
    cact_erf_dw_step(CACT_ERF_Q64_0H, CACT_ERF_Q64_0L, vh, &q, &l);
    /* Q'(vh) from the coefficients of degree 1 to 9 (the rest is below
     * 2^-8 of it) */
    double dq = 9.0 * CACT_ERF_Q64_9;
    dq = cact_madd_f64(dq, vh, 8.0 * CACT_ERF_Q64_8);
    dq = cact_madd_f64(dq, vh, 7.0 * CACT_ERF_Q64_7);
    dq = cact_madd_f64(dq, vh, 6.0 * CACT_ERF_Q64_6);
    dq = cact_madd_f64(dq, vh, 5.0 * CACT_ERF_Q64_5);
    dq = cact_madd_f64(dq, vh, 4.0 * CACT_ERF_Q64_4H);
    dq = cact_madd_f64(dq, vh, 3.0 * CACT_ERF_Q64_3H);
    dq = cact_madd_f64(dq, vh, 2.0 * CACT_ERF_Q64_2H);
    dq = cact_madd_f64(dq, vh, CACT_ERF_Q64_1H);
    l = cact_madd_f64(dq, vl, l);
    return cact_mul_dw2_f64(th, tl, q, l, Rl);
}

/* The shared part of the float64 functions: a = |x| clamped at 54.5 (NaN
 * gives 54.5: the callers return the NaN itself), exp(-a^2/2) =
 * 2^n (Eh + El) with the low part of a^2/2 folded in, R = Rh + Rl; returns n. */
CACT_INLINE double cact_erf_core64(double x, double *a, double *Eh, double *El, double *Rh,
                                   double *Rl)
{
    const double ax = fabs(x);
    const double aa = ax < CACT_ERF_A64 ? ax : CACT_ERF_A64;
    const double sq = aa * aa;
    const double h = 0.5 * sq, l = 0.5 * cact_fma_f64(aa, aa, -sq);
    double eh, el;
    const double n = cact_exp_dw_f64(-h, &eh, &el);
    *a = aa;
    *Eh = eh;
    *El = el - eh * l;
    *Rh = cact_erf_R64(aa, Rl);
    return n;
}

/* gelu(x): x < 0: -a (E R) rounded once, then 2^n in three factors; x >= 0:
 * x (1 - P) with 1 - P a Fast2Sum pair, P = E R 2^max(n, NE_MIN); x beyond
 * the clamp: x itself.  -0.0 takes the x >= 0 side: -0 Fh = -0.0. */
CACT_INLINE double cact_gelu_f_f64(double x)
{
    double a, Eh, El, Rh, Rl, Pl, s1, s2, s3;
    const double n = cact_erf_core64(x, &a, &Eh, &El, &Rh, &Rl);
    double Ph = cact_mul_dw2_f64(Eh, El, Rh, Rl, &Pl);
    /* tiny a: P = 1/2 - a / sqrt(2 pi) as the pair (1/2, -a CH), as in
     * float32 (n = 0 there) */
    const int tiny = a < CACT_ERF_TINY;
    Ph = tiny ? 0.5 : Ph;
    Pl = tiny ? -a * CACT_ERF_C_H : Pl;
    cact_pow2_3_f64(n, &s1, &s2, &s3);
    /* a product that rounds to zero takes the plain product, which keeps
     * IEEE's sign (the baseline's emulated fma adds zeros of both signs:
     * gelu(-0.0) was +0.0 there) */
    const double m0 = -a * Ph;
    const double m = m0 == 0.0 ? m0 : cact_fma_f64(-a, Ph, -a * Pl);
    const double neg = ((m * s1) * s2) * s3;
    const double se = cact_pow2i_f64(n < CACT_NE_MIN_f64 ? CACT_NE_MIN_f64 : n);
    const double ph = Ph * se, pl = Pl * se;
    const double fh = 1.0 - ph;
    const double fl = ((1.0 - fh) - ph) - pl;
    const double p0 = x * fh;
    const double pos = x >= CACT_ERF_A64 ? x : (p0 == 0.0 ? p0 : cact_fma_f64(x, fh, x * fl));
    return cact_nan_pass_f64(x, x < 0.0 ? neg : pos);
}

/* H(u) = gelu'(r + u) / u on the zone as Hh + Hl: double Horner to degree
 * 2, the last two steps in double-word. */
CACT_INLINE double cact_gelu_H64(double u, double *Hl)
{
    double h = CACT_GELU_H64_9;
    h = cact_madd_f64(h, u, CACT_GELU_H64_8);
    h = cact_madd_f64(h, u, CACT_GELU_H64_7);
    h = cact_madd_f64(h, u, CACT_GELU_H64_6);
    h = cact_madd_f64(h, u, CACT_GELU_H64_5);
    h = cact_madd_f64(h, u, CACT_GELU_H64_4);
    h = cact_madd_f64(h, u, CACT_GELU_H64_3);
    h = cact_madd_f64(h, u, CACT_GELU_H64_2);
    double l = 0.0;
    cact_erf_dw_step(CACT_GELU_H64_1H, CACT_GELU_H64_1L, u, &h, &l);
    cact_erf_dw_step(CACT_GELU_H64_0H, CACT_GELU_H64_0L, u, &h, &l);
    *Hl = l;
    return h;
}

/* g gelu'(x).  D = a C - R as a pair (C = 1/sqrt(2 pi) = CH + CL), M = E D
 * as a pair.  x >= 0: F = 1 + M 2^max(n, NE_MIN) (Fast2Sum: |M| <= 1/2),
 * g F in one fma.  x < 0: -M, or on the zone (where n = 0: a^2/2 is in
 * [0.245, 0.32]) Z = (x - r) H, times g rounded once and scaled by 2^n as in
 * cact_logistic_grad (the order of the products keeps a large g from
 * overflowing and a tiny one from being scaled into the subnormals).  A zero
 * or infinite g times the high part takes the plain product, the IEEE answer
 * (an infinite g meets inf - inf in the fma otherwise). */
CACT_INLINE double cact_gelu_backward_x_f64(double g, double x)
{
    double a, Eh, El, Rh, Rl, Ml, Hl, Zl, s1, s2, s3;
    const double n = cact_erf_core64(x, &a, &Eh, &El, &Rh, &Rl);
    const double ch = a * CACT_ERF_C_H;
    const double cl = cact_fma_f64(a, CACT_ERF_C_H, -ch) + a * CACT_ERF_C_L;
    const double dh = ch - Rh;
    const double db = dh - ch;
    const double dl = ((ch - (dh - db)) + (-Rh - db)) + (cl - Rl);
    const double Mh = cact_mul_dw2_f64(Eh, El, dh, dl, &Ml);
    /* x >= 0 */
    const double se = cact_pow2i_f64(n < CACT_NE_MIN_f64 ? CACT_NE_MIN_f64 : n);
    const double mh = Mh * se;
    const double fh = 1.0 + mh;
    const double fl = ((1.0 - fh) + mh) + Ml * se;
    const double gp = g * fh;
    const int plainp = gp == 0.0 || fabs(gp) == (double)INFINITY;
    const double pos = plainp ? gp : cact_fma_f64(g, fh, g * fl);
    /* the zone */
    const double u = x - CACT_GELU_RH;
    const double uh = u - CACT_GELU_RL;
    const double ul = (u - uh) - CACT_GELU_RL;
    const double Hh = cact_gelu_H64(uh, &Hl);
    const double Zh = cact_mul_dw2_f64(uh, ul, Hh, Hl, &Zl);
    const int zone = (x >= CACT_GELU_ZLO) & (x <= CACT_GELU_ZHI);
    const double kh = zone ? Zh : -Mh, kl = zone ? Zl : -Ml;
    /* x < 0: g k 2^n */
    cact_pow2_3_f64(n, &s1, &s2, &s3);
    const int big = fabs(g) >= 1.0;
    const double gs = big ? g * s1 : g;
    const double m0 = gs * kh;
    const int plain = m0 == 0.0 || fabs(m0) == (double)INFINITY;
    const double m = plain ? m0 : cact_fma_f64(gs, kh, gs * kl);
    const double neg = ((m * (big ? 1.0 : s1)) * s2) * s3;
    const double y = x < 0.0 ? (x == -(double)INFINITY ? g * 0.0 : neg) : pos;
    return cact_nan_pass_f64(x, y);
}

#endif /* CACT_ERF_H */
