"""The constants of gelu_tanh's element functions (src/cact_exp_family.h,
gelu_tanh), computed with mpmath at 60 digits and printed as the C defines'
values: the pairs C2 = 2 sqrt(2/pi), K = 0.044715 and 3K; x1, the zero of
gelu_tanh' (the root of N(x) = 1 + x z'(x) + exp(z(x)), z = C2 (x + K x^3)),
as a triple; and the Taylor coefficients N1 (a pair), N2..N8 of N about x1,
with the size of each term at |x - x1| = 2^-8 relative to the first (the
float64 zone; the float32 one, 2^-7, keeps N2..N5).

    python tools/gelu_tanh_consts.py
"""

import mpmath as m


def split(v, n):
    """v as n doubles, each the nearest to what the previous ones leave."""
    out = []
    for _ in range(n):
        h = float(v)
        out.append(h)
        v -= m.mpf(h)
    return out


def main():
    m.mp.dps = 60
    c2 = 2 * m.sqrt(2 / m.pi)
    k = m.mpf("0.044715")

    def n_of(x):
        return 1 + x * c2 * (1 + 3 * k * x**2) + m.exp(c2 * (x + k * x**3))

    x1 = m.findroot(n_of, -0.75)
    co = m.taylor(n_of, x1, 9)
    for name, v, parts in (("C2", c2, 2), ("K", k, 2), ("K3", 3 * k, 2), ("X1", x1, 3), ("N1", co[1], 2)):
        print(name, "  ".join(f"{h!r} ({h.hex()})" for h in split(v, parts)))
    for j in range(2, 10):
        rel = abs(co[j]) * m.mpf(2) ** (-8 * (j - 1)) / abs(co[1])
        print(f"N{j} {float(co[j])!r} ({float(co[j]).hex()})  term / N1 d at 2^-8: {m.nstr(rel, 3)}")
    print("x1 =", m.nstr(x1, 35), " e^z(x1) =", m.nstr(m.exp(c2 * (x1 + k * x1**3)), 20),
          " f(x1) =", m.nstr(x1 / (1 + m.exp(-c2 * (x1 + k * x1**3))), 20))


if __name__ == "__main__":
    main()
