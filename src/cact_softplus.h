/*
 * cact_softplus.h -- element functions of the rows built on the log1p core
 * (cact_log1p.h) and the exp cores: softplus and logsigmoid.  Naming and
 * variants as in cact_exp_family.h (the derivative is backward_x with g = 1);
 * these rows are in the "exp" family of the table.
 *
 * ----------------------------------------------------------------- softplus
 * softplus(x, beta) = log(1 + exp(beta x)) / beta, computed with z = beta x as
 *     softplus = (max(z, 0) + log1p(exp(-|z|))) / beta,
 * which neither overflows nor cancels: exp(-|z|) is in (0, 1], log1p of it
 * in (0, ln2], and both terms are >= 0.  Exact everywhere: no linear
 * threshold as PyTorch's, which returns x itself for beta x > 20, where the
 * function is x + log1p(exp(-beta x)) / beta: 1e-10 relative at beta x = 20,
 * below float32's half ULP but 4.6e5 ULP of float64.
 * softplus(-inf) = +0, softplus(+inf) = +inf, softplus(NaN) = NaN.  Any
 * beta, as PyTorch: the identity holds for beta < 0 too (f is then
 * -softplus(-x, -beta) <= 0, and every step below keeps its bounds: z > 40
 * still means f = x), and beta = 0 gives ln2 / 0 = +inf (f' = 1/2; the
 * form from y gives 0 there).
 *
 * f'(x) = sigmoid(z) (beta cancels), the sigmoid's formulas on z:
 * 1 / (1 + e) for z >= 0, e / (1 + e) below, e = exp(-|z|).
 * From y = f(x): beta y = log(1 + exp(z)), so sigmoid(z) = 1 - exp(-beta y)
 * = -expm1(-beta y): no cancellation for small y (deep negative x), where
 * f' = beta y to first order.  y <= 0 is no output of f but an underflowed
 * 0: f'(0) = 0.
 *
 * float32: in double on the float32 cores, rounded once.  z = beta x is
 * exact in double (24 + 24 bits, |z| < 2^256); the exp argument is clamped
 * at -300, where every result is 0 in float (exp(-300) = 5.1e-131, times
 * 1 / beta <= 7.1e44 or g <= 3.4e38), the expm1 argument at -40 (exp(-40)
 * is below half an ULP of 1).  Errors: exp 2^-33 damped by at most 1 in
 * log1p(e) and in the quotients, log1p 2^-35.7, a few 2^-53 roundings:
 * 0.5 ULP plus about 2^-8.5 ULP.
 *
 * float64: z = beta x = zh + zl exactly (one fma; zl = 0 where zh is not
 * finite), because the rounding of z would be multiplied by |z| in exp(z):
 * at z = -700 a 2^-53 error of z is 700 ULP of exp(z).  exp(-|z|) is the
 * core's 2^n (Eh + El) times 1 -+ zl (zl is below 2^-42 for |z| <= 1500:
 * the square left out is 2^-84), and
 *   f:  log1p of e' = (Eh + El) 2^max(n, SOFTPLUS_NE) as a double-word (the
 *       core's input is then normal; for n < -960, z < -665, log1p(e) = e
 *       to far below an ulp and the rest of 2^n is applied at the end, in
 *       two normal factors, so a subnormal result is rounded at most twice:
 *       below 1 ULP); max(z, 0) + log1p as Knuth's TwoSum of the leading
 *       parts plus the low parts; the sum divided by beta with one rounding
 *       (quotient through the loop-invariant 1 / beta, cact_recip_f64, the
 *       residual in one fma, correction).  For z > 40 the
 *       result is x itself: log1p(exp(-z)) / z < 2^-60, so x is the correct
 *       rounding of x + log1p(exp(-z)) / beta, and z = beta x may overflow
 *       there where the result does not.  0.5 ULP plus about 2^-6 ULP.
 *   f': sigmoid(zh + zl) = sigmoid(zh) (1 + sigmoid(-zh) zl), with
 *       sigmoid(zh) from the sigmoid's logistic core (cact_exp_family_t.h:
 *       1 / (1 + e) as a double-word) as N q, N = 1 (zh >= 0) or Eh + El,
 *       the correction added to the low part; g times the double-word
 *       rounded once, then scaled by 2^n (z < 0) exactly: |g| >= 1 takes
 *       the normal factor 2^max(n, NE_MIN) before the product, so a g near
 *       the maximum does not overflow where the result is finite, a smaller
 *       g after it; the rest of 2^n in two factors as in f.  0.5 ULP plus a
 *       few tenths of U; a subnormal result is rounded a second time.
 *       x = -inf gives g * 0 (IEEE's product with f' = 0).
 *   from y: -expm1(-beta y) with beta y = zh + zl: the core's expm1
 *       double-word th + tl at -zh (clamped to [EXPM1_LO, 0]) minus
 *       (1 + th) zl, g times it rounded once: 0.5 ULP plus a few tenths of
 *       U of the formula at y.  y itself carries f's rounding, which reaches
 *       f' multiplied by beta y exp(-beta y) / (1 - exp(-beta y)) <= 1: as
 *       exact as y allows (README, Semantics).
 *
 * --------------------------------------------------------------- logsigmoid
 * logsigmoid(x) = log(sigmoid(x)) = -softplus(-x) with beta = 1: the same
 * functions at -x (exact negations), f'(x) = sigmoid(-x), and from y,
 * f' = 1 - exp(y) = -expm1(y) (softplus's form at -y).  logsigmoid(+inf) =
 * -0.0 and so is every result that underflows (the function is negative;
 * PyTorch returns +0.0 there), logsigmoid(-inf) = -inf.
 */
#ifndef CACT_SOFTPLUS_H
#define CACT_SOFTPLUS_H

#include "cact_exp_family.h"
#include "cact_log1p.h"

/* ------------------------------------------------------------- float32 */

/* -|z| clamped at -300 (NaN stays NaN).  The clamp is a bitwise select
 * (cact_select_f64): written as ?:, gcc 12 pushed its constant arm through
 * the exp core after it (masked arithmetic and mask moves through the
 * general registers in every softplus loop: softplus_backward float32 at
 * 0.88 ns an element from L1 at the avx512 level, AMD EPYC Zen 5). */
CACT_INLINE double cact_softplus_negabs32(double z)
{
    const double a = -fabs(z);
    return cact_select_f64(a < -300.0, -300.0, a);
}

/* beta x in double, exact; beta = 0 gives 0 for every x (f' = 1/2 at
 * x = +-inf too, not 0 * inf = NaN). */
CACT_INLINE double cact_softplus_z32(float x, float beta)
{
    /* the test on each element's z, not on the loop-invariant beta: gcc 12
     * does not vectorise a select on an invariant condition there
     * (tools/check_vectorized.py).  z is NaN for a number x only as 0 * inf;
     * a zero z's sign is irrelevant below (every use goes through -|z|,
     * z > 0 or z >= 0). */
    const double z = (double)beta * (double)x;
    return (z != z) & (x == x) ? 0.0 : z;
}

CACT_INLINE float cact_softplus_f_f32(float x, float beta)
{
    const double b = beta, z = cact_softplus_z32(x, beta);
    const double l = cact_log1p32(cact_exp32(cact_softplus_negabs32(z)));
    /* times 1 / beta (loop-invariant: no division in the loop), one more
     * rounding of 2^-53 */
    return cact_nan_pass_f32(x, (float)(((z > 0.0 ? z : 0.0) + l) * (1.0 / b)));
}

CACT_INLINE float cact_softplus_backward_x_f32(float g, float x, float beta)
{
    const double z = cact_softplus_z32(x, beta);
    const double e = cact_exp32(cact_softplus_negabs32(z));
    /* the select in double, on a double test (a float select on a double
     * compare left the loop scalar with gcc 12: tools/check_vectorized.py);
     * (double)g * 0.0 rounds to the float g * 0.0f, NaN for an infinite g */
    const double r = z == -(double)INFINITY ? (double)g * 0.0
                                             : (double)g * ((z >= 0.0 ? 1.0 : e) / (1.0 + e));
    return cact_nan_pass_f32(x, (float)r);
}

/* g (1 - exp(a)), a = -beta y: for a <= 0 (every output of f) 0 - t with
 * t = expm1(a) (0 - t keeps a zero f' positive: y = +-0 gives g * +0, as
 * the formula); for a > 0 (a y that f does not output) 1 - exp(a) =
 * t / E with t = expm1(-a) and E = exp(-a) from the same reduction, in
 * double: finite up to the clamp of -|a| at -700 (the reduction's 2^n stays
 * normal), where g exp(a) is beyond the float range for every float g but
 * zero (exp(700) 1.4e-45 = 1.4e259), so g = 0 gives a zero as the formula
 * (fuzz seed 1: g = 0, y = -709.78 gave NaN when 1 - exp(a) was rounded to
 * float first); an infinite y gives -inf, and g = 0 there NaN, as the formula. */
CACT_INLINE float cact_softplus_backward_y_f32(float g, float y, float beta)
{
    double r;
    const double a = -cact_softplus_z32(y, beta);
    const double m = -fabs(a);
    const double s = cact_exp32_reduce(cact_select_f64(m < -700.0, -700.0, m), &r);
    const double u = s * (r * cact_exp32_q(r));
    const double t = (s - 1.0) + u;
    const double d = fabsf(y) < INFINITY ? t / (s + u) : -(double)INFINITY;
    /* selected in double (a float select on a double test left the loop
     * scalar with gcc 12, see backward_x): a float is exact in double */
    const double v = (double)g * (a > 0.0 ? d : 0.0 - t);
    return cact_nan_pass_f32(y, (float)v);
}


/* ------------------------------------------------------------- float64
 * Every product that meets a sum is written as cact_madd_f64 (fused at the
 * FMA levels, two roundings at the baseline): left to the compiler's
 * contraction, a * b + c was fused in the vectorised loop and not in the
 * scalar one, and the two layouts differed in the last bit. */

/* g (h + l) rounded once, for |l| <= ulp(h): fma(g, h, g l); where g h is
 * zero or not finite, g h itself, IEEE's product (the low part would turn
 * an infinity into NaN through inf - inf, or change the sign of a zero). */
CACT_INLINE double cact_times_dw_f64(double g, double h, double l)
{
    const double p = g * h;
    return p == 0.0 || !(fabs(p) < (double)INFINITY) ? p : cact_fma_f64(g, h, g * l);
}

/* (ah + al) + (bh + bl) = h + l: Knuth's TwoSum of the leading parts, the
 * low parts added to its error, renormalised. */
CACT_INLINE double cact_add_dw_f64(double ah, double al, double bh, double bl, double *l)
{
    const double s = ah + bh;
    const double bb = s - ah;
    const double t = ((ah - (s - bb)) + (bh - bb)) + (al + bl);
    const double h = s + t;
    *l = (s - h) + t;
    return h;
}

/* (nh + nl) / (dh + dl) = q + l: q = nh / dh rounded, the residual
 * nh - q dh exact in one fma, the low parts folded in. */
CACT_INLINE double cact_div_dw_f64(double nh, double nl, double dh, double dl, double *l)
{
    const double q = nh / dh;
    const double res = cact_fma_f64(-q, dl, cact_fma_f64(-q, dh, nh)) + nl;
    *l = res / dh;
    return q;
}

/* b x = zh + zl exactly (one fma); zl = 0 where |zh| is beyond the exp
 * clamp (-EXP_LO = 1500) or not finite: there the exp of the pair is that
 * of the clamp, and zl, up to 2^970, would only spoil the corrections
 * (the fma would give NaN or an infinity for an infinite zh). */
CACT_INLINE double cact_mul_pair_f64(double b, double x, double *zl)
{
    const double zh = b == 0.0 ? 0.0 : b * x; /* beta = 0: 0, not 0 * inf */
    const double e = cact_fma_f64(b, x, -zh);
    *zl = fabs(zh) <= -CACT_EXP_LO_f64 && fabs(x) < (double)INFINITY ? e : 0.0;
    return zh;
}

/* The exponent below which e = 2^n (Eh + El) is carried as the normal
 * number E = e 2^(-960 - n) by the forward functions: E's low part El E / Eh
 * (about 2^-1013) stays a normal number too, so E is still a double-word
 * to 2^-106 (at the core's NE_MIN = -1020 El would be subnormal, its bits
 * lost, 0.3 ULP of a result near x = -707).  e <= 2^-960 is where every
 * function here is linear in e to far below an ulp (e^2 / e < 2^-960). */
#define CACT_SOFTPLUS_NE -960.0

/* 2^(n - max(n, ne)) in [2^-1204, 1] (n >= -2164: the clamp at EXP_LO;
 * ne = NE_MIN or SOFTPLUS_NE) as two normal factors r1 r2: a result
 * multiplied by r1, then r2, is rounded by the second product only. */
CACT_INLINE double cact_pow2_rest2_f64(double n, double ne, double *r2)
{
    const double m = n < ne ? n - ne : 0.0;
    const double h = (m * 0.5 + CACT_SHIFT_f64) - CACT_SHIFT_f64;
    *r2 = cact_pow2i_f64(m - h);
    return cact_pow2i_f64(h);
}

CACT_INLINE double cact_softplus_f_f64(double x, double beta)
{
    double zl, h, l, lo, r2;
    const double zh = cact_mul_pair_f64(beta, x, &zl);
    const double n = cact_exp_dw_f64(cact_clamp_exp_f64(-fabs(zh)), &h, &l);
    /* exp(-|z|) = (h + l)(1 -+ zl), renormalised (Fast2Sum: |h| > |c|) */
    const double c = cact_madd_f64(h, zh >= 0.0 ? -zl : zl, l);
    const double Eh = h + c, El = (h - Eh) + c;
    const double se = cact_pow2i_f64(n < CACT_SOFTPLUS_NE ? CACT_SOFTPLUS_NE : n);
    const double Lh = cact_log1p_dw_f64(Eh * se, El * se, &lo);
    /* max(z, 0) + log1p: TwoSum of the leading parts, then the low parts */
    const int pos = zh > 0.0;
    const double ph = pos ? zh : 0.0;
    const double sh = ph + Lh;
    const double bb = sh - ph;
    const double sl = ((ph - (sh - bb)) + (Lh - bb)) + ((pos ? zl : 0.0) + lo);
    /* divided by beta with one rounding, without a division (cact_recip_f64:
     * q within 2^-52 of the quotient, the residual (sh - q beta + sl) t exact
     * to 2^-53 of itself, times r as a correction); an infinite quotient (a
     * tiny beta) is the result itself */
    double t, bt;
    const double rb = cact_recip_f64(beta, &t, &bt);
    const double sht = sh * t;
    const double q = sht * rb;
    const double y = fabs(q) < (double)INFINITY ? q + (cact_fma_f64(-q, bt, sht) + sl * t) * rb : q;
    const double r1 = cact_pow2_rest2_f64(n, CACT_SOFTPLUS_NE, &r2);
    return cact_nan_pass_f64(x, zh > 40.0 ? x : (y * r1) * r2);
}

CACT_INLINE double cact_softplus_backward_x_f64(double g, double x, double beta)
{
    double zl, Eh, El, se, qh, ql, ml, r2;
    const double zh = cact_mul_pair_f64(beta, x, &zl);
    const double n = cact_logistic_f64(cact_clamp_exp_f64(-fabs(zh)), &Eh, &El, &se, &qh, &ql);
    const int pos = zh >= 0.0;
    /* sigmoid(zh) = N q (times 2^n for zh < 0); sigmoid(-zh) is e q or q */
    const double mh = cact_mul_dw2_f64(pos ? 1.0 : Eh, pos ? 0.0 : El, qh, ql, &ml);
    const double w = pos ? (Eh * se) * qh : qh;
    const double mc = cact_madd_f64(mh, w * zl, ml);
    const double sc = pos ? 1.0 : se;
    const double r1 = pos ? 1.0 : cact_pow2_rest2_f64(n, CACT_NE_MIN_f64, &r2);
    r2 = pos ? 1.0 : r2;
    const int big = fabs(g) >= 1.0;
    /* |g| >= 1 takes the scale before the product (no overflow in it), by
     * way of 2^200 where sc < 2^-800 (down to 2^NE_MIN = 2^-1020): the
     * product's low part, near 2^-1073 there, would be subnormal, which the
     * baseline level's emulated fma does not carry exactly (1.01 ULP at
     * x = -707.29, g = -1.22); the 2^-200 comes back in the product after,
     * exact where the result is normal, the one rounding where it is not */
    const double boost = sc < 1.499696813895631e-241 /* 2^-800 */
                             ? 1.6069380442589903e+60 /* 2^200 */ : 1.0;
    const double gs = big ? g * (sc * boost) : g;
    /* a zero or infinite product is IEEE's (as cact_logistic_grad) */
    const double m0 = gs * mh;
    const int plain = m0 == 0.0 || fabs(m0) == (double)INFINITY;
    const double m = plain ? m0 : cact_fma_f64(gs, mh, gs * mc);
    const double y = ((m * (big ? 1.0 / boost : sc)) * r1) * r2;
    return cact_nan_pass_f64(x, zh == -(double)INFINITY ? g * 0.0 : y);
}

/* beta y < 0 is no output of f: there (a = -beta y > 0) the formula
 * itself, 1 - exp(a) = t / (1 + t) with t = expm1(-a) from the same call
 * (-|a|), for a <= 1 (1 + t >= 1/e: no cancellation), and beyond
 *   1 - exp(a) = 2^-n (2^n - R),  R = 1 / (Eh + El),  exp(-a) = 2^n (Eh + El)
 * from the core (a up to its clamp -EXP_LO = 1500: a subnormal g keeps
 * g exp(a) finite up to a = 1454, fuzz seed 1 had g = 5e-324 at a = 745.13,
 * the formula's -1.99), R a double-word quotient of numbers near 1 (a plain
 * 1 / E and subtraction drifted to 1.3e-12 relative at a = 23.9,
 * tools/fuzz.py), the power 2^-n (up to 2^2165) applied last in factors of
 * at most 2^1000 so that the product with g rounds once. */
CACT_INLINE double cact_softplus_backward_y_f64(double g, double y, double beta)
{
    double zl, th, tl, Eh, El, ql, rl, fe;
    const double zh = cact_mul_pair_f64(beta, y, &zl);
    const double a = -zh;
    const double m = -fabs(a);
    cact_expm1_dw_f64(m < CACT_EXPM1_LO_f64 ? CACT_EXPM1_LO_f64 : m, &th, &tl);
    /* -expm1(-zh - zl) = -(th + tl) + (1 + th) zl */
    const double dh = 0.0 - th;
    const double dl = cact_madd_f64(1.0 + th, zl, -tl);
    /* outside the outputs, a <= 1: t / (1 + t), 1 + t by Fast2Sum */
    const double oh = 1.0 + th, ol = ((1.0 - oh) + th) + tl;
    const double qh = cact_div_dw_f64(th, tl, oh, ol, &ql);
    /* a > 1 */
    const double n = cact_exp_dw_f64(m < CACT_EXP_LO_f64 ? CACT_EXP_LO_f64 : m, &Eh, &El);
    const double rh = cact_div_dw_f64(1.0, 0.0, Eh, El, &rl);
    /* the low part of a: exp(a - zl) = exp(a) (1 - zl) (the head alone is
     * |zl| relative off: 60 ULP at a = 159, tools/fuzz.py) */
    const double rlz = cact_madd_f64(-rh, zl, rl);
    /* 2^n - R by TwoSum (2^n floored at 2^-1000: below 2^-60 it is far
     * under the ulp of R in [0.70, 1.42]); F in [-1.42, -0.35] */
    const double fh = cact_two_sum_f64(cact_pow2i_f64(n < -1000.0 ? -1000.0 : n), -rh, &fe);
    /* past the clamp (a > 1500, or beta y beyond the doubles) g exp(a)
     * overflows for every g but zero, which gives a zero (g times the f' of
     * a finite y, finite); y = -inf gives -inf */
    const double F = fabs(y) < (double)INFINITY ? fh + (fe - rlz) : -(double)INFINITY;
    /* g F 2^k, k = -n in [1, 2165]: k = k1 + k2 + k3, k1 <= 1000, k2 and
     * k3 <= 600.  |g| >= 1: g F rounded (|g F| >= 0.35), then exact powers
     * (or the overflow the result has).  |g| < 1: g 2^k1 exact (below
     * 2^1000), times F rounded, exact powers after (k2 = k3 = 0 unless the
     * product is a normal number). */
    const double k = -n;
    const double k1 = k < 1000.0 ? k : 1000.0;
    const double k2 = k - k1 < 600.0 ? k - k1 : 600.0;
    const double p1 = cact_pow2i_f64(k1);
    const int big = fabs(g) >= 1.0;
    const double p = (big ? g : g * p1) * F;
    const double gfar = (((big ? p1 : 1.0) * p) * cact_pow2i_f64(k2)) * cact_pow2i_f64(k - k1 - k2);
    const double outside = a > 1.0 ? gfar : g * (qh + ql);
    return cact_nan_pass_f64(y, a > 0.0 ? outside : cact_times_dw_f64(g, dh, dl));
}

/* logsigmoid(x) = -softplus(-x) with beta = 1, f'(x) = softplus'(-x), and
 * from y, softplus's form at -y; the input NaN itself for a NaN input (the
 * negation flips its sign bit on the way). */
#define CACT_LOGSIGMOID(T, sfx)                                                      \
    CACT_INLINE T cact_logsigmoid_f_##sfx(T x)                                       \
    {                                                                                \
        return cact_nan_pass_##sfx(x, -cact_softplus_f_##sfx(-x, (T)1));             \
    }                                                                                \
    CACT_INLINE T cact_logsigmoid_backward_x_##sfx(T g, T x)                         \
    {                                                                                \
        return cact_nan_pass_##sfx(x, cact_softplus_backward_x_##sfx(g, -x, (T)1));  \
    }                                                                                \
    CACT_INLINE T cact_logsigmoid_backward_y_##sfx(T g, T y)                         \
    {                                                                                \
        return cact_nan_pass_##sfx(y, cact_softplus_backward_y_##sfx(g, -y, (T)1));  \
    }

CACT_LOGSIGMOID(float, f32)
CACT_LOGSIGMOID(double, f64)

#endif /* CACT_SOFTPLUS_H */
