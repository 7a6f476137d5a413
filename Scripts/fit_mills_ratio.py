#!/usr/bin/env python3
# Coefficients of GELUKernel.millsRatio (Sources/ActivationKernels/Kernels.swift): run with
#   pip install mpmath numpy && python3 Scripts/fit_mills_ratio.py [DEGREE]
# and paste the printed hex values; it also prints the check over float32 arguments.
# DEGREE 18 (the default) is millsRatio (2^-46, for the 2^-40 lanes); 12 is millsRatioForFloat
# (2^-31.8, for Float results only).
# Mills ratio R(y) = Phi(-y)/phi(y) on 0 <= y <= 24 (gelu' must stay accurate where a gradient
# up to 2^128 times it is a nonzero float: y <= 19.6) as a polynomial in s, t = 6/(6 + y),
# s = (t - mid)*inv_half: least squares (relative weight) in the Chebyshev basis at 108 Chebyshev
# nodes of t, against mpmath at 120 bits; converted to monomials in s.
import argparse
import mpmath as mp, numpy as np
mp.mp.prec = 120
def R(y):
    y = mp.mpf(y)
    return mp.erfc(y/mp.sqrt(2))/2 / (mp.exp(-y*y/2)/mp.sqrt(2*mp.pi))
parser = argparse.ArgumentParser(description="Fit GELUKernel's Mills ratio polynomial.")
parser.add_argument("degree", nargs="?", type=int, default=18, help="polynomial degree in s (18: millsRatio, 12: millsRatioForFloat)")
degree = parser.parse_args().degree
if not 2 <= degree <= 40:
    parser.error(f"degree must be between 2 and 40 (got {degree})")
c, Y, n = 6.0, 24.0, degree
a, b = c/(c+Y), 1.0
mid = (a+b)/2; inv_half = 1/((b-a)/2)
k = np.arange(6*n)
tn = np.cos(np.pi*(k+0.5)/(6*n))
ts = mid + tn/inv_half
vals = np.array([float(R(c*(1-t)/t)) for t in ts])
s = (ts - mid)*inv_half
V = np.polynomial.chebyshev.chebvander(s, n)
coef, *_ = np.linalg.lstsq(V / vals[:,None], np.ones_like(vals), rcond=None)
mono = np.polynomial.chebyshev.cheb2poly(coef)
print("mid", float(mid).hex(), "inv_half", float(inv_half).hex())
def chain(cs, var, name):
    out = ["        var %s = %s * %s + %s" % (name, float(cs[-1]).hex(), var, float(cs[-2]).hex())]
    out += ["        %s = %s * %s + %s" % (name, name, var, float(c).hex()) for c in cs[-3::-1]]
    return "\n".join(out).replace("+ -", "- ")
print("// Swift body (paste into GELUKernel.millsRatio):")
print("        let s = (6 / (6 + y) - %s) * %s" % (float(mid).hex(), float(inv_half).hex()))
print("        let s2 = s * s")
print(chain(mono[0::2], "s2", "e"))
print(chain(mono[1::2], "s2", "o"))
print("        return e + s * o")
# verify on all float32 y in a dense sample, Double arithmetic as in Swift
rng = np.random.default_rng(7)
ys = np.unique(np.concatenate([rng.uniform(0, Y, 20000), np.linspace(0, Y, 30001)]).astype(np.float32)).astype(np.float64)
worst = 0
for y in ys:
    t = c/(c+y); ss = (t - mid)*inv_half
    # as the Swift code evaluates it: even and odd coefficients, two Horner chains in s^2
    s2 = ss*ss
    ev, od = mono[0::2], mono[1::2]
    e = ev[-1]
    for m in ev[-2::-1]: e = e*s2 + m
    o = od[-1]
    for m in od[-2::-1]: o = o*s2 + m
    v = e + ss*o
    e = abs(v/float(R(y)) - 1)
    worst = max(worst, e)
print("max rel err %.3g (2^%.1f) over %d float32 y" % (worst, np.log2(worst), len(ys)))
