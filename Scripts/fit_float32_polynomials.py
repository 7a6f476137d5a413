#!/usr/bin/env python3
"""Fit the polynomials of the Float-result kernels (FastExp.ForFloat in
Sources/ActivationKernels/FastExp.swift) and print them as Swift hex literals with their error.

    python3 Scripts/fit_float32_polynomials.py

Both approximate on |r| <= ln 2 / 2 (the reduced argument after x = k ln 2 + r):
  exp    p(r) ~ e^r,                 degree 6, minimax in relative error
  expm1  r + r^2 q(r) ~ e^r - 1,     q of degree 5, minimax in relative error
Minimax by Lawson's iteration (weighted least squares on 4,001 Chebyshev points, the weights
multiplied by the error each round), coefficients rounded to binary64, and the relative error of
the rounded coefficients measured against mpmath (200 bits) on 100,001 equally spaced points.
No random numbers, but the last bits of the fit depend on the machine's LAPACK (the committed
coefficients were printed on an AMD EPYC; an Intel Xeon gives others in the last 4-16 bits, with
the same error). So the script also reads the coefficients committed in FastExp.swift and measures
their error the same way: those are the numbers the doc comment states. Needs numpy and mpmath
(not needed by `swift test`).

The error printed is the polynomial's alone; the kernels add binary64 rounding (~2^-50) and one
rounding to float32. The proof that the float32 results are within 1 ULP is the exhaustive
certificate of each entry (Reference/certificates/); the bound here is why it can hold: a relative
error below 2^-24 before the last rounding keeps every result within one ULP.
"""
import os
import re

import mpmath
import numpy as np

SWIFT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "Sources", "ActivationKernels", "FastExp.swift")

mpmath.mp.prec = 200
HALF_LN2 = float(mpmath.log(2) / 2)


def lawson(a, b, rounds=200):
    """Coefficients c minimizing max |a·c - b| over the rows (Lawson's iteration)."""
    w = np.full(len(b), 1.0 / len(b))
    for _ in range(rounds):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        w = w * np.abs(a @ c - b)
        w /= w.sum()
    return c


def measured_error(value, exact, n=100_001):
    worst = mpmath.mpf(0)
    for i in range(n):
        r = mpmath.mpf(-HALF_LN2) + 2 * mpmath.mpf(HALF_LN2) * i / (n - 1)
        e = exact(r)
        if e != 0:
            worst = max(worst, abs(value(r) / e - 1))
    return float(mpmath.log(worst, 2))


def horner(coefficients, r):
    acc = mpmath.mpf(0)
    for c in reversed(coefficients):
        acc = acc * r + mpmath.mpf(c)
    return acc


def committed(function):
    """The coefficients of ForFloat.<function> in FastExp.swift, lowest degree first (the Horner
    lines there list them from the highest)."""
    block = open(SWIFT).read().split("enum ForFloat", 1)[1]
    body = block.split(f"static func {function}(", 1)[1].split("return", 1)[0]
    return [float.fromhex(h) for h in reversed(re.findall(r"0x[0-9a-f.]+p[-+]\d+", body))]


def main():
    points = np.cos(np.linspace(0, np.pi, 4001)) * HALF_LN2
    points = points[points != 0]

    # relative error of p against e^r: rows p's basis / e^r, right-hand side 1
    exp_a = np.vander(points, 7, increasing=True) / np.exp(points)[:, None]
    exp_c = [float(c) for c in lawson(exp_a, np.ones(len(points)))]
    exp_err = measured_error(lambda r: horner(exp_c, r), mpmath.exp)
    print(f"exp: p(r) ~ e^r, degree 6, max relative error 2^{exp_err:.2f}")
    print("    " + ", ".join(c.hex() for c in exp_c))

    # relative to e^r - 1: r^2 q(r) against e^r - 1 - r, both divided by e^r - 1
    expm1 = np.expm1(points)
    q_a = np.vander(points, 6, increasing=True) * (points * points)[:, None] / expm1[:, None]
    q = [float(c) for c in lawson(q_a, (expm1 - points) / expm1)]
    expm1_err = measured_error(lambda r: r + r * r * horner(q, r), mpmath.expm1)
    print(f"expm1: r + r^2 q(r) ~ e^r - 1, q of degree 5, max relative error 2^{expm1_err:.2f}")
    print("    " + ", ".join(c.hex() for c in q))

    exp_err = measured_error(lambda r: horner(committed("exp"), r), mpmath.exp)
    q = committed("expm1")
    expm1_err = measured_error(lambda r: r + r * r * horner(q, r), mpmath.expm1)
    print(f"committed in FastExp.swift: exp 2^{exp_err:.2f}, expm1 2^{expm1_err:.2f}")


if __name__ == "__main__":
    main()
