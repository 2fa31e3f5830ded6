"""The constants of mish's element functions (src/cact_mish.h), computed with
mpmath at 60 digits and printed as the C defines' values: x1, the zero of
mish' (the minimum of mish), as a triple, and the Taylor coefficients N1 (a
pair), N2..N12 of

    N(x) = (e + 2)(e^2 + 2e + 2) + 4x (1 + e),  e = exp(x),

about x1, where mish'(x) = e N / (n + 2)^2 with n = e (e + 2) (N(x1) = 0),
with the size of each term relative to the first at the zones' edges,
|x - x1| = 2^-4 (float64, which keeps N2..N12) and 2^-7 (float32, N2..N5).

    python tools/mish_consts.py
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

    def n_of(x):
        e = m.exp(x)
        return (e + 2) * (e * e + 2 * e + 2) + 4 * x * (1 + e)

    x1 = m.findroot(n_of, -1.19)
    co = m.taylor(n_of, x1, 14)
    for name, v, parts in (("X1", x1, 3), ("N1", co[1], 2)):
        print(name, "  ".join(f"{h!r} ({h.hex()})" for h in split(v, parts)))
    for j in range(2, 15):
        rel = [abs(co[j]) * m.mpf(2) ** (-z * (j - 1)) / abs(co[1]) for z in (4, 7)]
        print(f"N{j} {float(co[j])!r} ({float(co[j]).hex()})  term / N1 d at 2^-4: "
              f"{m.nstr(rel[0], 3)}, at 2^-7: {m.nstr(rel[1], 3)}")
    e1 = m.exp(x1)
    print("x1 =", m.nstr(x1, 35), " e^x1 =", m.nstr(e1, 20),
          " mish(x1) =", m.nstr(x1 * m.tanh(m.log1p(e1)), 20))


if __name__ == "__main__":
    main()
