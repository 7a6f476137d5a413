#!/usr/bin/env python3
"""How much the Float-result derivative forms of silu/quick-gelu, gelu-tanh and mish amplify the
error of their one exponential (Sources/ActivationKernels/Kernels.swift, `evaluateFloatResults`
with `derivative: true`).

    python3 Scripts/float_derivative_condition.py

Each form computes f' from one exponential e (silu: e^(-t), t = beta*x, written in t; gelu-tanh:
e^(-2u(x)); mish: e^(-|x|)), clamped at 700 as the kernels do, and e comes from
FastExp.ForFloat.exp with a relative error below 2^-28.9. To first order that error reaches f'
multiplied by the condition number S = |e * df'/de| / |f'|, which is below 2 away from the root
but grows like 1/|x - r| near f''s root r, where the form's two terms cancel. The script writes
the three forms exactly as the kernels do (mish's branches on the sign too), takes df'/de by a
complex step (step 1e-8: no cancellation, truncation near 1e-16 relative; a far smaller step
underflows to 0 past |t| = 670), and prints the largest S on 4,000,001 equally spaced points of
|t| <= 700 (the kernels clamp there; gelu-tanh: |x| <= 21.1, where 2u reaches 700) plus the two
band edges, outside bands of radius 2^-k around r (r by mpmath.findroot at 100 bits). The
kernels take another form for lanes within 2^-5 of r; S times 2^-28.9 outside is the bound
stated in the doc comments, and it must stay below 2^-24 (the rounding errors of the binary64
operations add less than 2^-45 there). Inside the band silu' and quick-gelu' take the 2^-40 form
(`evaluateForFloat`), and gelu', gelu-tanh' and mish' their root series' first seven terms in
lanes (`RootSeries.lanes(nearRoot:)`); the last table checks those against f' written here
independently. The proof that every Float result is
within 1 ULP is the exhaustive certificate of each entry; this is why it can hold. Needs numpy and
mpmath (not `swift test`).
"""
import os
import re

import mpmath
import numpy as np

mpmath.mp.prec = 100
C = 0.7978845608028654   # sqrt(2/pi) as the kernel's Double (GELUTanhKernel.c.hi)
K = 0.044715             # GELUTanhKernel.k.hi


def silu(t, e):
    inverse = 1 / (1 + e)
    return inverse * (1 + t * (e * inverse))


def gelu_tanh_t(x):
    return 2 * C * x * (1 + K * x * x)


def gelu_tanh(x, e):
    inverse = 1 / (1 + e)
    return inverse * (1 + 2 * x * (e * inverse) * (C * (1 + 3 * K * x * x)))


def mish(x, w):
    p = (1 + w) * (1 + w)
    negative = x < 0
    numerator = np.where(negative, w * (w + 2), 1 + 2 * w)
    inverse = 1 / np.where(negative, p + 1, p + w * w)
    weight = np.where(negative, w, w * w)
    return numerator * inverse + 4 * x * weight * (1 + w) * inverse * inverse


def exact_roots():
    sig = lambda t: 1 / (1 + mpmath.exp(-t))
    silu_d = lambda t: sig(t) * (1 + t * sig(-t))
    u = lambda x: C * (x + K * x ** 3)
    gt_d = lambda x: sig(2 * u(x)) * (1 + 2 * x * sig(-2 * u(x)) * C * (1 + 3 * K * x * x))
    sp = lambda x: mpmath.log1p(mpmath.exp(x))
    mish_d = lambda x: mpmath.tanh(sp(x)) + x * mpmath.sech(sp(x)) ** 2 * sig(x)
    return {"silu": float(mpmath.findroot(silu_d, -1.28)), "gelu-tanh": float(mpmath.findroot(gt_d, -0.75)),
            "mish": float(mpmath.findroot(mish_d, -1.19))}


def condition(form, argument, x):
    e = np.exp(-np.clip(argument(x), -700, 700))
    h = 1e-8
    value = form(x, e)
    slope = np.imag(form(x, e * (1 + 1j * h))) / h
    return np.abs(slope / value), value


def swift_series(name):
    """The root r (hi, lo) and the coefficients of RootSeries.NAME, read from the Swift source."""
    source = open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                               "Sources", "ActivationKernels", "RootSeries.swift")).read()
    m = re.search(r"static let %s = RootSeries\(root: \(([^,]+), ([^)]+)\), coefficients: \[(.*?)\]\)" % name, source, re.S)
    return (float.fromhex(m.group(1).strip()), float.fromhex(m.group(2).strip()),
            [float.fromhex(c.strip()) for c in m.group(3).split(",") if c.strip()])


def series_truncation(terms=7, points=2001):
    """RootSeries.lanes(nearRoot:): the first `terms` coefficients against f' written independently
    here in mpmath (exact constants: sqrt(2/pi) and 0.044715 for gelu-tanh), largest relative
    difference over |x - r| <= rootBand = 2^-5 (evaluated exactly in mpmath, so this is the
    truncation plus the coefficients' own rounding, not the lanes' binary64 roundings)."""
    sig = lambda t: 1 / (1 + mpmath.exp(-t))
    c = mpmath.sqrt(2 / mpmath.pi)
    k = mpmath.mpf("0.044715")
    u = lambda x: c * (x + k * x ** 3)
    sp = lambda x: mpmath.log1p(mpmath.exp(x))
    exact = {"gelu": lambda x: mpmath.ncdf(x) + x * mpmath.npdf(x),
             "geluTanh": lambda x: sig(2 * u(x)) * (1 + 2 * x * sig(-2 * u(x)) * c * (1 + 3 * k * x * x)),
             "mish": lambda x: mpmath.tanh(sp(x)) + x * mpmath.sech(sp(x)) ** 2 * sig(x)}
    print(f"RootSeries.lanes(nearRoot:), {terms} terms, |x - r| <= 2^-5, {points} points against mpmath:")
    for name, f in exact.items():
        hi, lo, coefficients = swift_series(name)
        r = mpmath.mpf(hi) + mpmath.mpf(lo)
        worst = 0
        for i in range(points):
            d = mpmath.mpf(2) ** -5 * (2 * mpmath.mpf(i) / (points - 1) - 1)
            if d == 0:
                continue
            series = d * sum(mpmath.mpf(a) * d ** j for j, a in enumerate(coefficients[:terms]))
            true = f(r + d)
            worst = max(worst, abs(series - true) / abs(true))
        print(f"  {name}: max relative difference 2^{float(mpmath.log(worst, 2)):.1f}")


def main():
    roots = exact_roots()
    cases = [("silu (in t = beta*x)", silu, lambda x: x, roots["silu"], 700),
             ("gelu-tanh (in x)", gelu_tanh, gelu_tanh_t, roots["gelu-tanh"], 21.1),
             ("mish (in x)", mish, lambda x: np.abs(x), roots["mish"], 700)]
    for name, form, argument, root, reach in cases:
        print(f"{name}: root {root!r}")
        for k in range(2, 9):
            radius = 2.0 ** -k
            x = np.concatenate([np.linspace(-reach, reach, 4_000_001), [root - radius, root + radius]])
            x = x[np.abs(x - root) >= radius]
            s, value = condition(form, argument, x)
            s = s[value != 0]
            worst = s.max()
            print(f"  |x - r| >= 2^-{k}: max S {worst:.3f}, bound {worst:.3f} * 2^-28.9 = 2^{np.log2(worst) - 28.9:.2f}")
    series_truncation()


if __name__ == "__main__":
    main()
