/*
 * cact_exp_family.h -- element functions of the exp family: sigmoid, tanh, ELU,
 * SELU, CELU, SiLU, gelu_tanh.
 *
 * Naming: cact_<name>_<variant>_<dtype>, variant one of
 *   f           the activation              f(x)
 *   backward_x  the fused backward          g * f'(x)
 *   backward_y  the fused backward from y   g * f'(x) written through y = f(x)
 * and dtype f32 (float) or f64 (double).  Parameters (alpha) come last.  The
 * derivative f'(x) is backward_x with g = 1 (exact: every formula multiplies
 * by g once, or selects it), generated in src/cact_kernels.inc.tp.
 *
 Two precisions, two cores:
 *   float32: each function is its formula evaluated in double on the float32
 *            exp core (cact_exp32.h: a degree-6 polynomial, relative error
 *            about 2^-32) and rounded once to float: within 0.5 ULP plus a
 *            few hundredths (the float32 section at the end of this file);
 *   float64: the functions of x are written in cact_exp_family_t.h on the
 *            double-word exp core of cact_exp.h, with double-word steps where
 *            a plain rounding would cost more than the 1-ULP budget.  The
 *            sections below describe them; U is the unit roundoff of double.
 *
 * None of these functions branches on data in a way that changes the formula
 * between elements of a contiguous and a strided loop: each loop calls the very
 * same function, so results are bitwise identical for every layout and thread
 * count.  Floating-point exception flags raised on the way (underflow to a
 * subnormal, invalid for a signalling NaN) are cleared by the driver so NumPy
 * never warns.
 *
 * ------------------------------------------------------------------ sigmoid
 * sigmoid(x) = 1 / (1 + exp(-x)).  With e = exp(-|x|) in (0, 1] nothing
 * overflows:
 *     x >= 0:  1 / (1 + e)
 *     x <  0:  e / (1 + e)      (= 1 - 1/(1+e), but without the cancellation)
 * e = 2^n (Eh + El) from the core (mantissa to ~0.07 U), 1 + e as a
 * double-word, q = 1/(1 + e) as a double-word (one division, two fmas), and
 * the numerator times q with one rounding before the exact scaling by 2^n.
 * Error: 0.5 ULP of the final rounding plus the error of e and q, a few
 * tenths of U; a subnormal result is rounded a second time by the last
 * scaling factor.  Special values: NaN -> NaN, +inf -> 1, -inf -> 0,
 * +-0 -> 0.5.  Results are computed, not flushed: in float32 x in about
 * [-103.9, -87.3] gives subnormals (sigmoid(-100) = 3.72e-44).
 *
 * sigmoid'(x) = sigmoid(x) sigmoid(-x) = e / (1 + e)^2, symmetric in x and
 * accurate in the tails (sigmoid'(30) = 9.357622968838e-14; the textbook
 * s (1 - s) gives 9.35918e-14 in double and 0 in float32): (E q) q as
 * double-words and g times it rounded once (g = 1 for the derivative).
 *
 * From y = sigmoid(x): f' = y (1 - y).  In the upper tail 1 - y is exact
 * (Sterbenz) but y itself carries the rounding of the forward pass, so the
 * result is only as exact as y: relative error about 1/(1-y) ULP of y.
 * For float32 y, y (1 - y) is exact in double, which is used.
 *
 * --------------------------------------------------------------------- tanh
 * tanh(x) = sign(x) (-t) / (2 + t) with t = expm1(-2|x|) in (-1, 0]: no
 * cancellation anywhere, t is a double-word from the core, the quotient is
 * corrected with one residual.  Odd, tanh(-0.0) = -0.0,
 * tanh(+-inf) = +-1 (2|x| beyond 40 (float) / 50 (double) gives t = -1).
 *
 * tanh'(x) = 1 - tanh(x)^2 = sech(x)^2 = 4 e / (1 + e)^2 with e = exp(-2|x|)
 * in (0, 1]: the sigmoid derivative's formula at 2|x| times 4 (exact).  No
 * cancellation: near 0 it tends to 1, in the tails to 4 e (tanh'(20) = 1.7e-17
 * where 1 - y^2 is exactly 0).
 *
 * From y = tanh(x): f' = 1 - y^2 = (1 - |y|)(1 + |y|): for |y| >= 0.5 the
 * factor 1 - |y| is exact (Sterbenz), so the error is that of y itself
 * magnified by 1/(1 - |y|) near saturation, plus 1.5 ULP.  (For float32 y,
 * either form is exact in double, which is used.)
 *
 * ---------------------------------------------------------------------- elu
 * elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise.
 *
 * exp(x) - 1 is the core's expm1 double-word, so small negative x keep full
 * relative accuracy (elu(-1e-10) = -1e-10 alpha, not 0), and alpha times it is
 * rounded once.  The negative branch is evaluated
 * at min(x, 0) (written x < 0 ? x : 0 * x, which keeps NaN), so a large
 * positive x never overflows inside it.  NaN fails x > 0 and stays NaN.  elu(-inf) = -alpha,
 * elu(-0.0) = alpha * -0.0 = -0.0 for alpha > 0.  A zero result (alpha = +-0,
 * or alpha expm1(x) below the smallest subnormal) has the sign IEEE gives
 * alpha expm1(x): -0.0 for alpha = +0 and x < 0, at every level (the element
 * function says how).
 *
 * elu'(x) = 1 for x > 0, alpha exp(x) otherwise: elu'(0) = alpha as in
 * PyTorch, elu'(-inf) = alpha * 0 (never alpha * 0 * inf), elu'(NaN) = NaN.
 * g alpha exp(x) is rounded once.
 *
 * From y (alpha >= 0 required, checked by the Python layer):
 *   y > 0 <=> x > 0, and for x <= 0, y + alpha = alpha exp(x).
 * For y near -alpha (deep saturation) y + alpha cancels: the result has an
 * absolute error of about one ULP of alpha, as exact as y allows.
 *
 * --------------------------------------------------------------------- celu
 * celu(x) = x for x > 0, alpha (exp(x / alpha) - 1) otherwise (PyTorch's
 * max(0, x) + min(0, alpha (exp(x / alpha) - 1)), the same function for
 * either sign of alpha; alpha = 0 is refused by the Python layer, as PyTorch
 * divides by it).  With q = x / alpha, celu = alpha expm1(q): ELU's formula
 * at q.  q's rounding would be multiplied by |q| in exp(q) (700 ULP at
 * q = -700 for f'), so float64 carries q as the exact pair qh + ql (the
 * residual x - qh alpha in one fma) and corrects the core's result by it,
 * exp(qh + ql) = exp(qh) (1 + ql); float32 computes q in double (relative
 * 2^-53, at most 300 2^-53 = 2^-44.8 in exp within the clamps).
 *   alpha > 0:  q <= 0, celu in (-alpha, 0], saturating to -alpha (ELU's
 *               case; alpha = 1 is ELU with alpha = 1, bitwise: the float64
 *               functions perform elu's operations there, the low part being
 *               0, and the float32 ones elu's formula);
 *   alpha < 0:  q >= 0, celu = alpha expm1(q) falls to -inf like alpha e^q
 *               (f is still increasing, f' = e^q >= 1 for x <= 0); float64
 *               computes e^q = 2^n (Eh + El) with n up to 2165 (q clamped at
 *               1500, where every result with a nonzero alpha or g
 *               overflows), the power applied in exact parts (see
 *               cact_celu_f).
 * Tiny |q| (< 2^-54 float64): celu(x) = x (1 + q/2 + ...) rounds to x, which
 * is returned, exact for subnormal x; celu(+-0) = +-0 for either sign of
 * alpha (alpha expm1(+-0 / alpha) with IEEE's signs), celu(-inf) = -alpha or
 * -inf.  Errors: ELU's (0.5 ULP plus a few tenths of U) plus ql's own
 * rounding (2^-53 of a correction below 2^-52 of q).
 *
 * celu'(x) = 1 for x > 0, exp(q) otherwise (celu'(0) = 1, as PyTorch's
 * elu_backward with input_scale 1 / alpha); g exp(q) rounded once.
 * celu'(-inf) = 0 (alpha > 0: g * 0, as ELU) or +inf (alpha < 0: g times
 * exp of the clamp, an infinity for g != 0 and a zero for g = 0, never
 * 0 * inf = NaN).
 *
 * From y (any alpha != 0: y <= 0 exactly when x <= 0, for either sign):
 * f' = 1 for y > 0, (y + alpha) / alpha = y / alpha + 1 otherwise.  y + alpha
 * is exact near saturation (alpha > 0, y within a factor 2 of -alpha:
 * Sterbenz), and the division and the product with g are carried so that the
 * result is rounded once: y + alpha as a TwoSum pair, its quotient by alpha
 * as a pair (exact residual in one fma), g times it with one rounding.
 *
 * --------------------------------------------------------------------- silu
 * silu(x) = x sigmoid(x) (SiLU, swish), with e = exp(-|x|) and q = 1/(1 + e):
 *     x >= 0:  x q          x < 0:  x e q
 * sigmoid's double-word quotient times x, rounded once.  No y-form: silu is
 * not invertible (it dips to its minimum -W(1/e) = -0.27846 at x0 = -1.27846,
 * see below).  silu(-inf) = -0.0 (the limit; PyTorch gives
 * NaN, -inf * 0), silu(+inf) = +inf, silu(-0.0) = -0.0.
 *
 * silu'(x) = s (1 + x (1 - s)) = s + x s (1 - s), s = sigmoid(x):
 *     x >= 0:  q (1 + x e q)                      (every term positive)
 *     x < 0:   e q^2 N,  N = 1 + x + e            (e = e^x here)
 * silu'(0) = 1/2 and silu'(-inf) = -0 (PyTorch's silu_backward: NaN at both
 * infinities), silu'(+inf) = 1.
 * The cancellation zone: f' has one zero, at x0 = -1 - W(1/e) =
 * -1.2784645427610738, the root of N = 0 (then e^x0 = E0 = -(1 + x0) =
 * W(1/e)).  Near it s and x s (1 - s) cancel (the largest term s(x0) = 0.218),
 * and any formula in those terms loses the digits that their own rounding
 * errors hold: 1 ULP of 0.218 at best, the contract's bound inside the zone.
 * cact does better and keeps f' within its ordinary bound there as well: with
 * d = x - x0, N = d + E0 expm1(d) exactly (1 + x0 + E0 = 0), a sum of two
 * terms of one sign, so N and f' keep their full relative accuracy down to
 * the floats nearest x0 (f'(x) = 0.2178 d + O(d^2); the float32 nearest x0
 * is 1.3e-8 away, f' = -2.8e-9 there; the double nearest 1.1e-16 away).  x0
 * is carried as a triple of doubles (the double-word d = x - x0 is then exact
 * to 2^-160 for float64) and the expansion is taken for |d| < 2^-7, with
 * expm1(d) - d from the exp core's own polynomial (no second exponential, no
 * reduction: |d| is far inside its interval); outside, N = (1 + x) + e
 * cancels by at most a factor 0.28 / (1.27 |d|) < 2^5.5, which the
 * double-word N (float64, 2^-104 relative parts; the baseline level's
 * emulated fma and plain multiply-adds leave e about 2^-60 relative) and the
 * float32 core's 2^-33 (float32 in double) absorb.  (The float64 zone was
 * 2^-8, where the cancellation is 2^6.5: the baseline level measured 1.02
 * ULP just outside it, x = -1.282370792761078.)
 * The product is f' = 2^n P with P = (E q) q N or q (1 + x e q) a double-word,
 * and g times P is rounded once before the exact scaling (the logistic
 * derivative's cact_g_times_scaled): 0.5 ULP plus a few tenths of U.
 *
 * ---------------------------------------------------------------- gelu_tanh
 * gelu_tanh(x) = x/2 (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), as
 * PyTorch's gelu(approximate='tanh').  1 + tanh(u) = 2 sigmoid(2u) =
 * 2 / (1 + exp(-2u)), so with z = 2u = C2 (x + K x^3), C2 = 2 sqrt(2/pi),
 * K = 0.044715:
 *     gelu_tanh(x) = x sigmoid(z)       (silu's formula with z for x)
 * which neither cancels for negative x (1 + tanh(u) would, to 0 near x = -5
 * in double while the value is -1e-10) nor needs a clamp of the tail: the
 * result is x e^z / (1 + e^z) down to where it underflows.  No y-form (f
 * dips to -0.17004 at x1 = -0.75246).  gelu_tanh(-inf) = -0.0 (the limit;
 * PyTorch: NaN), +inf +inf, -0.0 -0.0.
 * float64: z needs more than double (e^z's relative error is z's absolute
 * one, |z| 2^-53 for a plain z: 0.7 ULP at z = -1500), so z is a pair to
 * 2^-100 relative (cact_gelu_tanh_z) and the exp core takes its low part
 * (cact_logistic_pair: e^(a + al) = e^a (1 + al)).
 * float32: in double on the float32 core, rounded once.
 *
 * gelu_tanh'(x) = s + x s (1 - s) z',  s = sigmoid(z),  z' = C2 (1 + 3K x^2)
 * (as PyTorch's gelu_backward with approximate='tanh': 1/2 (1 + tanh u) +
 * x/2 (1 - tanh^2 u) u'), i.e. silu's derivative with V = x z' in the place
 * of x:
 *     x >= 0:  q (1 + V e q)          x < 0:  e q^2 N,  N = 1 + V + e
 * The cancellation zone: f' has one zero, at x1 = -0.7524614220710163 (N = 0,
 * e^z = -(1 + V) = 0.29196 there); the largest terms s and x s (1 - s) z'
 * are 0.22 and cancel, 1 ULP of 0.22 being the contract's bound inside the
 * zone.  As for silu, cact keeps the ordinary bound there: N is replaced by
 * its Taylor series about x1 in d = x - x1 (exact pair: x1 is a triple),
 * N = N1 d + N2 d^2 + ..., whose first term carries it (|d| < 2^-8 float64,
 * N2..N8 and |N9 d^8| < 2^-76 of N1 d; 2^-7 float32, N2..N5); the
 * coefficients are mpmath's (tools/gelu_tanh_consts.py), not a fit.
 * Outside the zone N = (1 + V) + e cancels by at most 0.3 / (2.46 |d|).
 * f' = 1 from x = 7.2 on (both dtypes; x is clamped at 10), and below
 * x = -27.3 (float64; -14 float32) g f' is a zero for every finite g.
 */
#ifndef CACT_EXP_FAMILY_H
#define CACT_EXP_FAMILY_H

#include "cact_exp.h"

/* SELU's constants (PyTorch's, from Klambauer et al. 2017: scale =
 * 1.0507009873554804934193349852946, alpha = 1.6732632423543772848170429916717)
 * as double-word pairs, hi the nearest double and lo the rest (mpmath, 60
 * digits): scale = SH + SL, scale alpha = SAH + SAL.  The lo parts are 2^-54.5
 * and 2^-56.8 of the hi parts, a third and a twentieth of an ULP of a product:
 * the float64 forward carries them, the float32 functions (in double) do not
 * need them. */
#define CACT_SELU_SH_f64 1.0507009873554805     /* 0x1.0cfabd6a91132p+0 */
#define CACT_SELU_SL_f64 3.9874847667154144e-17 /* 0x1.6fc7d272f2695p-55 */
#define CACT_SELU_SAH_f64 1.7580993408473768    /* 0x1.c212cc640f031p+0 */
#define CACT_SELU_SAL_f64 1.41535193800845e-17  /* 0x1.05161b045a1fep-56 */
#define CACT_SELU_TINY_f64 0x1p-968             /* DBL_MIN * 2^54 */

/* SiLU (the section above).  x0 = -1 - W(1/e), the zero of silu' (the
 * minimum of silu), as the triple X0H + X0L + X0LL (mpmath at 80 digits:
 * -1.27846454276107379510935873902298...), and E0 = e^x0 = -(1 + x0) =
 * W(1/e) = 0.27846454276107379510935873902298... as the pair E0H + E0L.
 * ZONE: |x - x0| below it takes the expansion about x0 (GELU_ZONE:
 * gelu_tanh's, about its x1).  F_LO: the clamp of
 * the forward's exp argument.  TINY: below it the forward's product is the
 * plain one (as SELU_TINY). */
#define CACT_SILU_X0H_f64 -1.2784645427610737   /* -0x1.474973c84120bp+0 */
#define CACT_SILU_X0L_f64 -1.0946994183093437e-16 /* -0x1.f8d74bc9ac154p-54 */
#define CACT_SILU_X0LL_f64 -3.907766676128665e-33 /* -0x1.44a50180ba780p-108 */
#define CACT_SILU_E0H_f64 0.2784645427610738    /* 0x1.1d25cf210482ep-2 */
#define CACT_SILU_E0L_f64 -1.5523606315812798e-18 /* -0x1.ca2d0d94faaecp-60 */
#define CACT_SILU_ZONE_f64 0.0078125            /* 2^-7 */
#define CACT_GELU_ZONE_f64 0.00390625           /* 2^-8: gelu_tanh's zone */
#define CACT_SILU_F_LO_f64 -800.0
#define CACT_SILU_TINY_f64 0x1p-968

/* gelu_tanh (the section above): C2 = 2 sqrt(2/pi), K = 0.044715 and
 * K3 = 3 K as pairs; x1 = -0.75246142207101625848795444328891609..., the
 * zero of gelu_tanh' (the minimum of f), as a triple; N1, N2..N8: the Taylor
 * coefficients of N(x) = 1 + x z'(x) + exp(z(x)) about x1 (N(x1) = 0), N1 as
 * a pair (tools/gelu_tanh_consts.py, mpmath at 60 digits).  LO: the
 * backward's clamp of x (z(-27.3) = -1495.6, inside the exp core's EXP_LO,
 * and |g f'| < 10^-337 there for every finite g); F_LO the forward's
 * (gelu_tanh(-22) = -10^-345.2 is a zero in double); HI: f = x and f' = 1 in
 * both dtypes from 7.2 on, the clamp from above. */
#define CACT_GELU_C2H_f64 1.5957691216057308    /* 0x1.9884533d43651p+0 */
#define CACT_GELU_C2L_f64 -9.96930880911092e-17 /* -0x1.cbc0d30ebfd15p-54 */
#define CACT_GELU_KH_f64 0.044715               /* 0x1.6e4e26d4801f7p-5 */
#define CACT_GELU_KL_f64 2.1960211427085595e-18 /* 0x1.441355475a31ap-59 */
#define CACT_GELU_K3H_f64 0.134145              /* 0x1.12ba9d1f60179p-3 */
#define CACT_GELU_K3L_f64 1.3526957332032908e-17 /* 0x1.f30e7ff583a54p-57 */
#define CACT_GELU_X1H_f64 -0.7524614220710163   /* -0x1.81429f9e97e4dp-1 */
#define CACT_GELU_X1L_f64 3.635560509207687e-17 /* 0x1.4f523ed77dbdcp-55 */
#define CACT_GELU_X1LL_f64 -2.5415595389660457e-33 /* -0x1.a649fca8ac0e5p-109 */
#define CACT_GELU_N1H_f64 2.4606567646302393    /* 0x1.3af6cd05624f6p+1 */
#define CACT_GELU_N1L_f64 1.3772482058913877e-16 /* 0x1.3d9262739585fp-53 */
#define CACT_GELU_N2_f64 -0.09991152322555423   /* -0x1.993cd34bf4f0bp-4 */
#define CACT_GELU_N3_f64 0.4004476935340449     /* 0x1.9a0ef5cdf30cdp-2 */
#define CACT_GELU_N4_f64 0.07595899090766353    /* 0x1.3720c65c91b86p-4 */
#define CACT_GELU_N5_f64 0.030485990572147365   /* 0x1.f37b831f961d5p-6 */
#define CACT_GELU_N6_f64 0.011295232368809536   /* 0x1.721f46cff80e5p-7 */
#define CACT_GELU_N7_f64 0.003690377292774523   /* 0x1.e3b48390927c3p-9 */
#define CACT_GELU_N8_f64 0.0011529346029779267  /* 0x1.2e3c21a8287c4p-10 */
#define CACT_GELU_LO_f64 -27.3
#define CACT_GELU_F_LO_f64 -22.0
#define CACT_GELU_HI_f64 10.0

/* CELU (the section above): TINY as SELU's (DBL_MIN 2^54: a product below it
 * is computed on 2^200 times one factor, then scaled back, see
 * cact_celu_times), UP = 2^200, DOWN = 2^-200; Q_TINY: |q| below it gives
 * x itself. */
#define CACT_CELU_TINY_f64 0x1p-968
#define CACT_CELU_UP_f64 0x1p200
#define CACT_CELU_DOWN_f64 0x1p-200
#define CACT_CELU_Q_TINY_f64 0x1p-54

/* ELU's backward (cact_elu_g_exp): an alpha beyond HUGE = 2^960 is taken
 * as alpha DOWN = alpha 2^-64, and UP = 2^64 joins the last scaling. */
#define CACT_ELU_HUGE_f64 0x1p960
#define CACT_ELU_DOWN_f64 0x1p-64
#define CACT_ELU_UP_f64 0x1p64

#define CACT_T double
#define CACT_SFX f64
#include "cact_exp_family_t.h"
#undef CACT_T
#undef CACT_SFX

/* ----------------------------------------------------------- float32
 * Each function in double on the float32 exp core (cact_exp32.h) and rounded
 * once.  Every input is a float, so the double formulas never overflow nor
 * lose a subnormal: g, alpha and the results stay within 2^+-300, where
 * double is exact to 2^-53 relative.  Error of each: the core's relative
 * error (exp 2^-33, expm1 2^-31.7) times the condition of the formula (at most
 * 2, said at each), plus a few roundings of 2^-53, then the final rounding:
 * 0.5 ULP + 2^-30.7 / 2^-24 = 0.51 ULP at most, and a double rounding (first
 * to double, then to float) adds below 2^-29 ULP.  tools/exhaustive_f32.py
 * measures every float32 input.
 *
 * The clamps of the exp argument (cact_negabs32, cact_nonpos32; the result of
 * a NaN input is the input NaN itself, by cact_nan_pass_f32):
 *   sigmoid:  a >= -120: sigmoid(-120) = 7.7e-53 rounds to 0 in float, as
 *             does every smaller value (the last nonzero float32 result is
 *             at x = -103.97);
 *   the derivatives: a >= -200 (tanh: 2|x| <= 200): g e with |g| <= 3.4e38
 *             and e <= exp(-200) =
 *             1.4e-87 is below 5e-49, so 0 in float, as the exact value;
 *             ELU's g alpha e (|g alpha| <= 1.2e77): a >= -300, exp(-300) =
 *             5.1e-131;
 *   expm1:    a >= -40 (tanh: 2|x| <= 40): exp(-40) = 4.2e-18 is below half
 *             an ULP of 1, so tanh rounds to 1 and ELU to -alpha beyond it.
 */
#include "cact_exp32.h"

/* The input NaN itself (quieted) for a NaN input, else y: which of several
 * NaN operands an instruction returns differs between the vectorised and the
 * scalar code, so selecting x + x makes the result depend on x alone. */
CACT_INLINE float cact_nan_pass_f32(float x, float y) { return x != x ? x + x : y; }

/* sigmoid(x) = N / (1 + e), e = exp(-|x|), N = 1 for x >= 0 and e for x < 0:
 * the quotient's relative error is that of e times e / (1 + e) <= 1/2 (x >= 0)
 * or 1 / (1 + e) <= 1 (x < 0), plus two roundings. */
CACT_INLINE float cact_sigmoid_f_f32(float x)
{
    const double e = cact_exp32(cact_negabs32(x, -120.0f));
    return cact_nan_pass_f32(x, (float)((x < 0.0f ? e : 1.0) / (1.0 + e)));
}

/* k g e / (1 + e)^2 with e = exp(a): k = 1, a = -|x| for sigmoid; k = 4,
 * a = -2|x| for tanh (sech^2 = 4 e / (1 + e)^2), a clamped at -200.  The
 * relative error is that of e times (1 - e) / (1 + e) < 1, plus four
 * roundings; k e is exact.  An infinite x gives g * 0 as IEEE does (not g
 * times exp(-200)). */
CACT_INLINE float cact_logistic_grad32(float x, double a, double k, float g)
{
    const double e = cact_exp32(a);
    const double q = 1.0 / (1.0 + e);
    const float y = (float)((double)g * (((k * e) * q) * q));
    return cact_nan_pass_f32(x, fabsf(x) == INFINITY ? g * 0.0f : y);
}

CACT_INLINE float cact_sigmoid_backward_x_f32(float g, float x)
{
    return cact_logistic_grad32(x, cact_negabs32(x, -200.0f), 1.0, g);
}

CACT_INLINE float cact_tanh_backward_x_f32(float g, float x)
{
    return cact_logistic_grad32(x, 2.0 * cact_negabs32(x, -100.0f), 4.0, g);
}

/* tanh(|x|) = -t / (2 + t), t = expm1(-2|x|) in (-1, 0], 2|x| clamped at 40:
 * no cancellation, and the quotient's relative error is t's times
 * 2 / (2 + t) <= 2.  The sign comes back with copysign: tanh(-0.0) = -0.0. */
CACT_INLINE float cact_tanh_f_f32(float x)
{
    const double t = cact_expm1_32(2.0 * cact_negabs32(x, -20.0f));
    return cact_nan_pass_f32(x, copysignf((float)(-t / (2.0 + t)), x));
}

/* elu(x) = x for x > 0, alpha expm1(x) otherwise (x clamped at -40): alpha t
 * in double and one rounding, so a zero result keeps the sign IEEE gives
 * alpha expm1(x) (-0.0 for alpha = +0 and x < 0), and elu(+-0) = alpha * x
 * (elu(-0.0) = -0.0 for alpha > 0). */
CACT_INLINE float cact_elu_f_f32(float x, float alpha)
{
    const float y = (float)((double)alpha * cact_expm1_32(cact_nonpos32(x, -40.0f)));
    return cact_nan_pass_f32(x, cact_select_f32(x > 0.0f, x, x == 0.0f ? alpha * x : y));
}

/* g alpha exp(x) for x <= 0 (clamped at -300): g alpha is exact in double
 * (24 + 24 bits), then one rounding times e and one to float.  x = -inf gives
 * g (alpha 0), as IEEE would. */
CACT_INLINE float cact_elu_g_exp32(float x, float alpha, float g)
{
    const double e = cact_exp32(cact_nonpos32(x, -300.0f));
    const float y = (float)(((double)g * (double)alpha) * e);
    return x == -INFINITY ? g * (alpha * 0.0f) : y;
}

/* elu'(x) g: g for x > 0, g alpha exp(x) otherwise (elu'(0) = alpha, as PyTorch). */
CACT_INLINE float cact_elu_backward_x_f32(float g, float x, float alpha)
{
    return cact_nan_pass_f32(x, cact_select_f32(x > 0.0f, g, cact_elu_g_exp32(x, alpha, g)));
}

/* selu(x) = scale x for x >= 0 (-0.0 gives -0.0), scale alpha expm1(x)
 * otherwise (x clamped at -40, where expm1 is -1 in double's float32 budget):
 * one formula in double, rounded once; the constants' own errors (2^-54) are
 * far below the float32 budget. */
CACT_INLINE float cact_selu_f_f32(float x)
{
    const double t = cact_expm1_32(cact_nonpos32(x, -40.0f));
    const double y = cact_select_f64(x >= 0.0f, CACT_SELU_SH_f64 * (double)x, CACT_SELU_SAH_f64 * t);
    return cact_nan_pass_f32(x, (float)y);
}

/* selu'(x) g: g scale for x > 0, g scale alpha exp(x) otherwise (selu'(0) =
 * scale alpha, as PyTorch's elu_backward), x clamped at -300 as ELU's:
 * (g scale alpha) in double (one rounding, 2^-53) times e, then one rounding
 * to float.  x = -inf gives g 0, as IEEE would. */
CACT_INLINE float cact_selu_backward_x_f32(float g, float x)
{
    const double e = cact_exp32(cact_nonpos32(x, -300.0f));
    const float neg = x == -INFINITY ? g * 0.0f : (float)(((double)g * CACT_SELU_SAH_f64) * e);
    const float pos = (float)((double)g * CACT_SELU_SH_f64);
    return cact_nan_pass_f32(x, cact_select_f32(x > 0.0f, pos, neg));
}

/* celu's q = x / alpha as x times 1/alpha in double (relative 2^-52: the
 * reciprocal is loop-invariant, so the loop has no division; q's error then
 * moves exp(q) by at most 300 2^-52 = 2^-43.7 relative, far below the core's
 * 2^-33; alpha = 1 gives q = x exactly, elu's argument), clamped to
 * [lo, hi] by bitwise selects (cact_select_f64: as ?:, gcc 12 pushed the
 * constant arms through the exp core, with masked arithmetic and mask moves
 * through the general registers, 1.1-1.3x the time of celu and its
 * derivatives at the avx512 level, AMD EPYC Zen 5).  NaN comes out as NaN
 * (the callers return the input NaN itself). */
CACT_INLINE double cact_celu_q32(float x, float alpha, double lo, double hi)
{
    const double q = (double)x * (1.0 / (double)alpha);
    return cact_select_f64(q < lo, lo, cact_select_f64(q > hi, hi, q));
}

/* celu(x) = x for x > 0 and x = +-0, alpha expm1(q) otherwise, q clamped to
 * [-40, 300] (expm1 is -1 below -40 in double's float32 budget; beyond 300,
 * |alpha| e^q >= 1.4e-45 e^300 overflows a float): alpha t in double, one
 * rounding.  expm1_32 at q > 0 (alpha < 0): (2^n - 1) + 2^n r q(r) with
 * 2^n - 1 >= 1 and the second term smaller, no cancellation, the same
 * 2^-31.7.  alpha = 1 is elu's formula, bitwise (q = x exactly). */
CACT_INLINE float cact_celu_f_f32(float x, float alpha)
{
    const float y = (float)((double)alpha * cact_expm1_32(cact_celu_q32(x, alpha, -40.0, 300.0)));
    return cact_nan_pass_f32(x, cact_select_f32(x > 0.0f, x, x == 0.0f ? x : y));
}

/* celu'(x) g: g for x > 0, g exp(q) otherwise, q clamped to [-300, 300]
 * (g e^-300 and g e^300 are a zero and an infinity in float for every float
 * g but zero), one rounding.  x = -inf: g * 0 for alpha > 0 (as ELU),
 * g exp(300) for alpha < 0 (an infinity, or 0 for g = 0: not NaN). */
CACT_INLINE float cact_celu_backward_x_f32(float g, float x, float alpha)
{
    const float v = (float)((double)g * cact_exp32(cact_celu_q32(x, alpha, -300.0, 300.0)));
    /* every select in float on values rounded beforehand (a double select
     * beside the float ones left the loop scalar with gcc 12:
     * tools/check_vectorized.py), as cact_elu_g_exp32 */
    const float neg = x == -INFINITY && alpha > 0.0f ? g * 0.0f : v;
    return cact_nan_pass_f32(x, cact_select_f32(x > 0.0f, g, neg));
}

/* silu(x) = x N / (1 + e), e = exp(-|x|) clamped at -200, N = 1 for x >= 0
 * and e for x < 0 (sigmoid's quotient, relative error at most e's times 1,
 * plus two roundings), times x in double and rounded once.  x = -inf gives
 * -0.0 (the limit; x e would be -inf * 0): beyond the clamp |x| e^-200 <=
 * 3.4e38 * 1.4e-87 is a zero in float, as the exact value. */
CACT_INLINE float cact_silu_f_f32(float x)
{
    const double e = cact_exp32(cact_negabs32(x, -200.0f));
    const double y = (double)x * ((x < 0.0f ? e : 1.0) / (1.0 + e));
    return cact_nan_pass_f32(x, x == -INFINITY ? -0.0f : (float)y);
}

/* silu'(x) g with e = exp(-|x|) (clamped at -200) and q = 1 / (1 + e):
 *   x >= 0:  q (1 + x e q), all terms positive (x clamped at 200, where
 *            x e q is below 2^-280: +inf gives g);
 *   x < 0:   e N q^2 with N = (1 + x) + e: 1 + x is exact in double for
 *            |x| < 2^29 and otherwise dominates e;
 *   |x - x0| < 2^-7:  N = d + E0 expm1(d), d = (x - X0H) - X0L (x - X0H
 *            exact, d to 2^-53 relative), expm1(d) = d q(d) with the float32
 *            core's polynomial (cact_exp32_q, on |r| <= 0.3467, either sign,
 *            no reduction needed): relative error 2^-31.8 times
 *            E0 |expm1(d)| / |N| < 0.22.
 * Outside the zone |N| >= 1.27 2^-7 and e's 2^-33 costs at most
 * 0.28 2^-33 / 2^-6.7 = 2^-28.1 of N, below 0.04 ULP.  x = -inf: g * -0.0,
 * the IEEE product with f'(-inf) = -0. */
CACT_INLINE float cact_silu_backward_x_f32(float g, float x)
{
    const double e = cact_exp32(cact_negabs32(x, -200.0f));
    const double q = 1.0 / (1.0 + e);
    const double xd = (double)x;
    const double xp = x < 200.0f ? xd : 200.0;
    const double d = (xd - CACT_SILU_X0H_f64) - CACT_SILU_X0L_f64;
    const int zone = fabs(d) < 0.0078125; /* 2^-7 */
    const double dz = zone ? d : 0.0;
    const double nz = d + CACT_SILU_E0H_f64 * (dz * cact_exp32_q(dz));
    /* x clamped at -200 in N as in e: unclamped, N = 1 + x + e for x = -1e30
     * made g f' = 1.6e-31 for g = -1.2e26 (tools/fuzz.py) where every
     * g f'(x <= -200) rounds to zero (|f'(-200)| < 2^-280) */
    const double xn = x > -200.0f ? xd : -200.0;
    const double nn = zone ? nz : (1.0 + xn) + e;
    const double p = x < 0.0f ? (e * nn) * (q * q) : q * (1.0 + (xp * e) * q);
    const float y = (float)((double)g * p);
    return cact_nan_pass_f32(x, x == -INFINITY ? g * -0.0f : y);
}

/* gelu_tanh(x) = x sigmoid(z), z = C2 (x + K x^3), x clamped to [-14, 10]
 * (z(-14) = -218: gelu_tanh(-14) = -1e-93 is a zero in float, as below;
 * from 10 on f = x, exactly the rounding): z in double (relative 2^-51,
 * which costs e = exp(-|z|) at most |z| 2^-51 <= 2^-43), e on the float32
 * core, sigmoid's quotient and x times it, rounded once; -inf gives -0.0. */
CACT_INLINE float cact_gelu_tanh_f_f32(float x)
{
    const double xc = x < -14.0f ? -14.0 : (x < 10.0f ? (double)x : 10.0);
    const double z = CACT_GELU_C2H_f64 * (xc + CACT_GELU_KH_f64 * ((xc * xc) * xc));
    const double e = cact_exp32(-fabs(z));
    const double y = xc * ((x < 0.0f ? e : 1.0) / (1.0 + e));
    return cact_nan_pass_f32(x, x < 10.0f ? (float)y : x);
}

/* gelu_tanh'(x) g, silu's formulas with V = x z' = x C2 (1 + 3K x^2) for x:
 *   x >= 0:  q (1 + V e q);   x < 0:  e N q^2, N = (1 + V) + e;
 *   |x - x1| < 2^-7:  N = d (N1 + d (N2 + d (N3 + d (N4 + d N5)))), d =
 *            (x - X1H) - X1L (the Taylor series about the zero x1, cut
 *            where the next term is below 2^-42 of the first).
 * Outside the zone |N| >= 2.46 2^-7 and e's 2^-33 (plus z's 2^-43) costs at
 * most 0.3 2^-33 / 2^-5.7 = 2^-29 of N.  x clamped to [-14, 10] (|f'(-14)|
 * = 1e-92 and g f' a zero in float below it; f'(10) rounds to 1); x = -inf:
 * g * -0.0. */
CACT_INLINE float cact_gelu_tanh_backward_x_f32(float g, float x)
{
    const double xc = x < -14.0f ? -14.0 : (x < 10.0f ? (double)x : 10.0);
    const double x2 = xc * xc;
    const double z = CACT_GELU_C2H_f64 * (xc + CACT_GELU_KH_f64 * (x2 * xc));
    const double v = xc * (CACT_GELU_C2H_f64 * (1.0 + CACT_GELU_K3H_f64 * x2));
    const double e = cact_exp32(-fabs(z));
    const double q = 1.0 / (1.0 + e);
    const double d = (xc - CACT_GELU_X1H_f64) - CACT_GELU_X1L_f64;
    const int zone = fabs(d) < 0.0078125; /* 2^-7 */
    const double dz = zone ? d : 0.0;
    const double pz = CACT_GELU_N2_f64 + dz * (CACT_GELU_N3_f64 + dz * (CACT_GELU_N4_f64 + dz * CACT_GELU_N5_f64));
    const double nn = zone ? d * (CACT_GELU_N1H_f64 + dz * pz) : (1.0 + v) + e;
    const double p = x < 0.0f ? (e * nn) * (q * q) : q * (1.0 + (v * e) * q);
    const float y = (float)((double)g * p);
    return cact_nan_pass_f32(x, x == -INFINITY ? g * -0.0f : y);
}

/* ------------------------------------------------- the backward from y
 * g * f'(y), f' written through y.  float64: the plain formula (README,
 * Semantics: as exact as y allows).  float32 at the levels with a fused
 * multiply-add: in float, with f'(y) carried exactly as two floats and g
 * times it rounded once (a fused multiply-add), 2.2x faster than converting
 * to double and back (0.14 against 0.31 ns an element from cache on the
 * project machine) and within 0.5 ULP plus the low part's rounding: at most
 * 1 ULP, for a subnormal result.  float32 without the instruction (the
 * baseline level): in double, where y (1 - y) of a float is exact, then one
 * rounding to float.
 *
 * cact_g_times_dw32(g, h, l) = g (h + l) rounded once, for |l| <= ulp(h):
 * fma(g, h, g l).  g l is exact to its own rounding, far below an ULP of
 * the result.  Two cases take the plain product g h instead, which is then
 * what IEEE gives g f'(y): l = 0 (h is f' itself, and an fma adding a zero
 * could change the sign of a zero result: y = -0.0 in sigmoid's), and a g l
 * that is not finite (g = +-inf or NaN: inf - inf inside the fma would turn
 * g h = +-inf into NaN).  A NaN y reaches h. */
CACT_INLINE double cact_sigmoid_grad_y_d(double y) { return y * (1.0 - y); }

CACT_INLINE double cact_tanh_grad_y_d(double y)
{
    const double ay = fabs(y);
    return (1.0 - ay) * (1.0 + ay);
}

/* float64, and float32 through double (where no fma is available): g times
 * f'(y) in double, rounded once to the dtype. */
#define CACT_EXP_BACKWARD_Y_D(name, T, sfx)                                            \
    CACT_INLINE T cact_##name##_backward_y_##sfx(T g, T y)                              \
    {                                                                                  \
        return (T)((double)g * cact_##name##_grad_y_d(y));                             \
    }

CACT_EXP_BACKWARD_Y_D(sigmoid, double, f64)
CACT_EXP_BACKWARD_Y_D(tanh, double, f64)

CACT_INLINE double cact_elu_backward_y_d(double g, double y, double alpha)
{
    return y > 0.0 ? g : g * (y + alpha);
}

CACT_INLINE double cact_elu_backward_y_f64(double g, double y, double alpha)
{
    return cact_elu_backward_y_d(g, y, alpha);
}

/* selu'(y) = scale for y > 0, y + scale alpha otherwise (y = scale alpha
 * (e^x - 1), so scale alpha e^x = y + scale alpha); y <= 0 exactly when
 * x <= 0.  Both dtypes in double, float32 rounded once.  y + scale alpha as
 * (y + SAH) + SAL: near saturation (y within a factor 2 of -SAH) y + SAH is
 * exact (Sterbenz) and SAL, 1.4e-17, is what is left of the derivative when
 * y = -SAH exactly (a float64 y that deep means e^x < 2^-53: the plain sum
 * gave 0, the reference 1.4e-17); elsewhere the sum rounds once, as the
 * plain formula of the other rows. */
CACT_INLINE double cact_selu_backward_y_d(double g, double y)
{
    return g * (y > 0.0 ? CACT_SELU_SH_f64 : (y + CACT_SELU_SAH_f64) + CACT_SELU_SAL_f64);
}

CACT_INLINE double cact_selu_backward_y_f64(double g, double y) { return cact_selu_backward_y_d(g, y); }

CACT_INLINE float cact_selu_backward_y_f32(float g, float y)
{
    return (float)cact_selu_backward_y_d((double)g, (double)y);
}

/* celu'(y) g = g for y > 0, g (y / alpha + 1) otherwise (cact_exp_family.h,
 * celu).  float64: y / alpha = qh + ql (the residual y - qh alpha exact in
 * one fma), qh + 1 a TwoSum pair plus ql, renormalised (near saturation,
 * alpha > 0 and y near -alpha, qh + 1 is exact by Sterbenz and ql is what
 * is left), g times the pair rounded once (cact_celu_times' cases: the
 * plain g dh where it is zero or not finite, y = -inf or an infinite g;
 * below 2^-968 on g 2^200).  A quotient beyond 2^1000 (a y far beyond the
 * outputs for alpha > 0, or deep in the tail for alpha < 0) is computed on
 * y 2^-128 with 1 -> 2^-128 and the result scaled back: g (y / alpha)
 * stays finite where it is, up to |y / alpha| = 2^1152.  The quotients
 * without division (cact_recip_f64): the pair by cact_div_pair_f64, exact
 * where the quotient is (y = -alpha gives qh + 1 = 0, not a few 2^-106); q0
 * only decides "big", where either way is exact a few ulps across 2^1000,
 * and needs only 2^-52.  float32: in double, y + alpha times 1 / alpha
 * (loop-invariant), rounded once at the end (0.5 ULP plus four roundings of
 * 2^-53). */
CACT_INLINE double cact_celu_backward_y_f64(double g, double y, double alpha)
{
    double t, at, ql;
    const double ra = cact_recip_f64(alpha, &t, &at);
    const double q0 = (y * t) * ra;
    const int big = !(fabs(q0) < 0x1p1000);
    const double ys = big ? y * 0x1p-128 : y;
    const double one = big ? 0x1p-128 : 1.0;
    const double qh = cact_div_pair_f64(ys, ra, t, at, &ql);
    const double sh = qh + one, bb = sh - qh;
    const double sl = ((qh - (sh - bb)) + (one - bb)) + ql;
    /* an infinite y: qh itself, the limit.  celu(-inf) = -inf for alpha < 0,
     * and there g = 0 takes +-1 of its sign, whose product is a zero (the
     * derivative at an output is never 0 * inf = NaN, as from x at x = -inf);
     * for alpha > 0, -inf is no output and g = 0 gives the formula's NaN, as
     * elu's backward from y (tools/fuzz.py: g = -0.0, y = -inf, alpha = 1
     * gave a zero before) */
    const int fin = fabs(qh) < (double)INFINITY;
    const double dh = fin ? sh + sl : (g == 0.0 && alpha < 0.0 ? copysign(1.0, qh) : qh);
    const double dl = fin ? (sh - dh) + sl : 0.0;
    const double p = g * dh;
    const double ap = fabs(p);
    const int tiny = ap < CACT_CELU_TINY_f64;
    const double gs = tiny ? g * CACT_CELU_UP_f64 : g;
    const double sc = (tiny ? CACT_CELU_DOWN_f64 : 1.0) * (big ? 0x1p128 : 1.0);
    const double m = cact_fma_f64(gs, dh, gs * dl) * sc;
    const double r = ap == 0.0 || !(ap < (double)INFINITY) ? p * (big ? 0x1p128 : 1.0) : m;
    return cact_nan_pass_f64(y, y > 0.0 ? g : r);
}

CACT_INLINE float cact_celu_backward_y_f32(float g, float y, float alpha)
{
    const double d0 = ((double)y + (double)alpha) * (1.0 / (double)alpha);
    /* y = -inf: g = 0 gives a zero where -inf is an output (alpha < 0), the
     * formula's NaN where not (float64's comment) */
    const double d = fabs(d0) < (double)INFINITY || (double)g != 0.0 || alpha > 0.0f ? d0 : copysign(1.0, d0);
    return cact_nan_pass_f32(y, y > 0.0f ? g : (float)((double)g * d));
}

#ifdef CACT_HW_FMA
CACT_INLINE float cact_g_times_dw32(float g, float h, float l)
{
    const float gl = g * l;
    return l == 0.0f || !(fabsf(gl) < INFINITY) ? g * h : cact_fma_f32(g, h, gl);
}

/* y (1 - y): 1 - y = th + tl exactly (Fast2Sum: |1| >= |y| on [0, 1]), then
 * y th exactly as ph + its error (one fma) with y tl added. */
CACT_INLINE float cact_sigmoid_backward_y_f32(float g, float y)
{
    const float th = 1.0f - y;
    const float tl = (1.0f - th) - y;
    const float ph = y * th;
    return cact_g_times_dw32(g, ph, cact_fma_f32(y, tl, cact_fma_f32(y, th, -ph)));
}

/* 1 - y^2: y^2 = sh + sl exactly (one fma), 1 - sh = dh + dl exactly
 * (Fast2Sum, sh <= 1), f' = dh + (dl - sl): no cancellation is lost near
 * |y| = 1, where 1 - sh is exact (Sterbenz) and small. */
CACT_INLINE float cact_tanh_backward_y_f32(float g, float y)
{
    const float sh = y * y;
    const float sl = cact_fma_f32(y, y, -sh);
    const float dh = 1.0f - sh;
    const float dl = (1.0f - dh) - sh;
    return cact_g_times_dw32(g, dh, dl - sl);
}

/* y + alpha = sh + sl exactly (Knuth's TwoSum: either may be larger). */
CACT_INLINE float cact_elu_backward_y_f32(float g, float y, float alpha)
{
    const float sh = y + alpha;
    const float bb = sh - y;
    const float sl = (y - (sh - bb)) + (alpha - bb);
    return y > 0.0f ? g : cact_g_times_dw32(g, sh, sl);
}
#else
CACT_EXP_BACKWARD_Y_D(sigmoid, float, f32)
CACT_EXP_BACKWARD_Y_D(tanh, float, f32)

CACT_INLINE float cact_elu_backward_y_f32(float g, float y, float alpha)
{
    return (float)cact_elu_backward_y_d(g, y, alpha);
}
#endif

#endif /* CACT_EXP_FAMILY_H */
