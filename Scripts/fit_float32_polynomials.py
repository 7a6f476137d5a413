#!/usr/bin/env python3
"""Fit the polynomials of the Float-result kernels (FastExp.Float32 in
Sources/ActivationKernels/FastExp.swift) and print them as Swift hex literals with their error.

    python3 Scripts/fit_float32_polynomials.py

Both approximate on |r| <= ln 2 / 2 (the reduced argument after x = k ln 2 + r):
  exp    p(r) ~ e^r,                 degree 6, minimax in relative error
  expm1  r + r^2 q(r) ~ e^r - 1,     q of degree 5, minimax in relative error
Minimax by Lawson's iteration (weighted least squares on 4,001 Chebyshev points, the weights
multiplied by the error each round), coefficients rounded to binary64, and the relative error of
the rounded coefficients measured against mpmath (200 bits) on 100,001 equally spaced points.
Deterministic: no random numbers. Needs numpy and mpmath (not needed by `swift test`).

The error printed is the polynomial's alone; the kernels add binary64 rounding (~2^-50) and one
rounding to float32. The proof that the float32 results are within 1 ULP is the exhaustive
certificate of each entry (Reference/certificates/); the bound here is why it can hold: a relative
error below 2^-24 before the last rounding keeps every result within one ULP.
"""
import mpmath
import numpy as np

mpmath.mp.prec = 200
HALF_LN2 = float(mpmath.log(2) / 2)


def lawson(basis, target, points, rounds=200):
    """Coefficients c minimizing max |basis(r)·c / target(r) - 1| over points (Lawson)."""
    a = basis(points) / target(points)[:, None]
    w = np.full(len(points), 1.0 / len(points))
    for _ in range(rounds):
        sw = np.sqrt(w)
        c, *_ = np.linalg.lstsq(a * sw[:, None], sw, rcond=None)
        err = np.abs(a @ c - 1)
        w = w * err
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


def main():
    points = np.cos(np.linspace(0, np.pi, 4001)) * HALF_LN2
    points = points[points != 0]

    exp_c = [float(c) for c in lawson(lambda r: np.vander(r, 7, increasing=True), np.exp, points)]
    exp_err = measured_error(lambda r: horner(exp_c, r), mpmath.exp)
    print(f"exp: p(r) ~ e^r, degree 6, max relative error 2^{exp_err:.2f}")
    print("    " + ", ".join(c.hex() for c in exp_c))

    q_basis = lambda r: np.vander(r, 6, increasing=True) * (r * r)[:, None]   # r^2 q(r)
    rest = lambda r: np.expm1(r) - r
    # relative to e^r - 1: fit r^2 q against e^r - 1 - r, weighted by 1/(e^r - 1)
    a = q_basis(points) / np.expm1(points)[:, None]
    b = rest(points) / np.expm1(points)
    w = np.full(len(points), 1.0 / len(points))
    for _ in range(200):
        sw = np.sqrt(w)
        q, *_ = np.linalg.lstsq(a * sw[:, None], b * sw, rcond=None)
        err = np.abs(a @ q - b)
        w = w * err
        w /= w.sum()
    q = [float(c) for c in q]
    expm1_err = measured_error(lambda r: r + r * r * horner(q, r), mpmath.expm1)
    print(f"expm1: r + r^2 q(r) ~ e^r - 1, q of degree 5, max relative error 2^{expm1_err:.2f}")
    print("    " + ", ".join(c.hex() for c in q))


if __name__ == "__main__":
    main()
