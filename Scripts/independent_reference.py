#!/usr/bin/env python3
"""Independent reference values for the activation-oracle tests.

Shares no code with the Swift oracle. Each function is written from its mathematical
definition (and, at kinks, from PyTorch's CPU kernels' comparison operators), evaluated with
  * fractions.Fraction (exact) for the piecewise-rational functions, and
  * mpmath (or gmpy2, for bulk cross-checks) for the transcendental ones, at >= 320 bits, with a
    Ziv-style acceptance test: the result is accepted only when the values at precision p and 2p,
    each widened by 2^-(p-16) relative, all round to the same format value; else p doubles.
Correct rounding to binary16 / bfloat16 / binary32 / binary64 (nearest-even, gradual underflow,
overflow to inf) is done here with Python integers. Limits at +-inf come from an explicit table
below (written by hand, not computed), and exact zeros at x = +-0 take the sign of f at
+-2^-3000, as the oracle documents.

The 8-, 6- and 4-bit formats (OCP FP8 e4m3fn/e5m2, the fnuz pair, MX e2m3/e3m2/e2m1) are written
from their specifications in FORMATS, with the three overflow modes (inf, nan, saturate; each
format's default is what ml_dtypes' casts do), a separate output format and an exact scale.
Needs mpmath with gmpy2 installed (mpmath's gmpy backend: its pure-Python one overflows in erfc at
huge arguments).

Usage:
  independent_reference.py vectors OUTDIR [--per-case N]     # the committed test data files
  independent_reference.py narrow OUTDIR [--per-case N]      # the narrow formats' test data
  independent_reference.py gated OUTDIR                      # the gated units' test data
  independent_reference.py eval FUNCTION QUANTITY FORMAT IN.npy OUT.npy [--backend mpmath|gmpy2]
"""
import argparse
import math
import os
import random
import sys
from fractions import Fraction as Fr

import mpmath

# Every format, from its specification (IEEE 754-2019; the OCP 8-bit Floating Point Specification
# (OFP8) rev. 1.0 for e4m3fn/e5m2; the OCP Microscaling Formats (MX) v1.0 spec for the 6- and 4-bit
# element formats; Graphcore/AMD's "fnuz" 8-bit formats as LLVM's APFloat and ml_dtypes describe
# them). name: (precision p incl. the implicit bit, exponent bits, bias, specials).
#   ieee    all-ones exponent: +-inf (fraction 0) and NaNs (fraction != 0)
#   fn      no infinity; only S.1111.111 is NaN, the rest of the top binade is finite (OFP8 E4M3)
#   fnuz    no infinity, no -0: the pattern 1000...0 is the only NaN; bias one more than IEEE's
#   finite  every pattern is a finite number (MX element formats: no NaN, no infinity)
FORMATS = {
    "f16": (11, 5, 15, "ieee"), "bf16": (8, 8, 127, "ieee"), "f32": (24, 8, 127, "ieee"), "f64": (53, 11, 1023, "ieee"),
    "e4m3fn": (4, 4, 7, "fn"), "e5m2": (3, 5, 15, "ieee"), "e4m3fnuz": (4, 4, 8, "fnuz"), "e5m2fnuz": (3, 5, 16, "fnuz"),
    "e2m3": (4, 2, 1, "finite"), "e3m2": (3, 3, 3, "finite"), "e2m1": (2, 2, 1, "finite"),
}
NARROW = ["e4m3fn", "e5m2", "e4m3fnuz", "e5m2fnuz", "e2m3", "e3m2", "e2m1"]
# What a result beyond the largest finite becomes: "inf" (only where there is one), "nan" (only
# where there is one) or "saturate" (+-largest finite). The defaults are what ml_dtypes' casts do.
DEFAULT_OVERFLOW = {"ieee": "inf", "fn": "nan", "fnuz": "nan", "finite": "saturate"}


class Fmt:
    def __init__(self, name, overflow=None):
        self.name = name
        self.p, self.ebits, self.bias, self.kind = FORMATS[name]
        self.overflow = overflow or DEFAULT_OVERFLOW[self.kind]
        if self.overflow == "inf" and self.kind != "ieee" or self.overflow == "nan" and self.kind == "finite":
            raise ValueError("%s has no %s" % (name, "infinity" if self.overflow == "inf" else "NaN"))
        self.width = 1 + self.ebits + self.p - 1
        self.emin = 1 - self.bias              # exponent of the smallest normal
        self.sign = 1 << (self.width - 1)
        self.expmask = ((1 << self.ebits) - 1) << (self.p - 1)
        self.fracmask = (1 << (self.p - 1)) - 1
        # the largest finite pattern and its exponent (value = 1.f * 2^emax)
        self.maxbits = {"ieee": self.expmask - 1, "fn": self.expmask | (self.fracmask - 1)}.get(self.kind, self.expmask | self.fracmask)
        self.emax = (self.maxbits >> (self.p - 1)) - self.bias
        self.qnan = {"ieee": self.expmask | (1 << (self.p - 2)) if self.p > 1 else None,
                     "fn": self.expmask | self.fracmask, "fnuz": self.sign}.get(self.kind)

    def patterns(self):
        """Every bit pattern of the format (for exhaustive runs over the narrow ones)."""
        return range(1 << self.width)

    def inf(self, neg):
        """The result for an exact infinity (a limit at +-inf, or f(+-inf) = +-inf): infinity where
        the format has one, else what an overflow gives."""
        if self.kind == "ieee" and self.overflow != "saturate":
            return self.expmask | (self.sign if neg else 0)
        return self.overflowed(neg)

    def overflowed(self, neg):
        """A finite result beyond the largest finite, after rounding."""
        if self.overflow == "inf":
            return self.expmask | (self.sign if neg else 0)
        if self.overflow == "nan":
            return self.sign if self.kind == "fnuz" else self.qnan | (self.sign if neg else 0)
        return self.maxbits | (self.sign if neg else 0)

    def zero(self, neg):
        return self.sign if neg and self.kind != "fnuz" else 0

    def is_nan(self, b):
        if self.kind == "ieee":
            return b & self.expmask == self.expmask and bool(b & self.fracmask)
        if self.kind == "fn":
            return b & ~self.sign == self.expmask | self.fracmask
        if self.kind == "fnuz":
            return b == self.sign
        return False

    def is_inf(self, b):
        return self.kind == "ieee" and b & ~self.sign == self.expmask

    def is_zero(self, b):
        return b & ~self.sign == 0 and not self.is_nan(b)

    def neg(self, b):
        return bool(b & self.sign)

    def value(self, b):
        """Exact Fraction of a finite bit pattern."""
        e = (b & self.expmask) >> (self.p - 1)
        f = b & self.fracmask
        if e == 0:
            v = Fr(f) * Fr(2) ** (self.emin - self.p + 1)
        else:
            v = Fr(f | (1 << (self.p - 1))) * Fr(2) ** (e - self.bias - self.p + 1)
        return -v if self.neg(b) else v

    def round(self, q):
        """Nearest-even rounding of a Fraction (sign kept for results that round to 0); beyond the
        largest finite after rounding (as if the exponent range went on): the overflow mode's result."""
        neg = q < 0
        a = -q if neg else q
        if a == 0:
            return self.zero(neg)
        e = a.numerator.bit_length() - a.denominator.bit_length()
        if a < Fr(2) ** e:
            e -= 1
        if e > self.emax + 1:
            return self.overflowed(neg)
        unit = max(e - (self.p - 1), self.emin - (self.p - 1))
        scaled = a / Fr(2) ** unit
        n = scaled.numerator // scaled.denominator
        rem = scaled - n
        if rem > Fr(1, 2) or (rem == Fr(1, 2) and n % 2 == 1):
            n += 1
        if n == 0:
            return self.zero(neg)
        if n == 1 << self.p:
            n >>= 1
            unit += 1
        if Fr(n) * Fr(2) ** unit > self.value(self.maxbits):
            return self.overflowed(neg)
        s = self.sign if neg else 0
        if n < 1 << (self.p - 1):
            return s | n if n or self.kind != "fnuz" else 0
        biased = unit + (self.p - 1) + self.bias
        return s | (biased << (self.p - 1)) | (n & self.fracmask)


# ---------------------------------------------------------------- backends for real functions

class MpmathBackend:
    name = "mpmath %s" % mpmath.__version__

    def setprec(self, p):
        mpmath.mp.prec = p

    def num(self, q):
        if isinstance(q, Fr):
            return mpmath.mpf(q.numerator) / q.denominator
        return mpmath.mpf(q)

    def exact(self, q):  # dyadic Fraction, exactly
        n, d = q.numerator, q.denominator
        return mpmath.ldexp(mpmath.mpf(n), -(d.bit_length() - 1))

    def exponent(self, v):  # |v| < 2^exponent (v != 0)
        return int(mpmath.mag(v))

    def negative(self, v):
        return v < 0

    def frac(self, v):
        sign, man, exp, _ = v._mpf_
        if not man:
            return Fr(0)
        q = Fr(int(man)) * Fr(2) ** int(exp)
        return -q if sign else q

    exp = staticmethod(lambda x: mpmath.exp(x))
    expm1 = staticmethod(lambda x: mpmath.expm1(x))
    log1p = staticmethod(lambda x: mpmath.log1p(x))
    tanh = staticmethod(lambda x: mpmath.tanh(x))
    sech = staticmethod(lambda x: mpmath.sech(x))
    erfc = staticmethod(lambda x: mpmath.erfc(x))
    sqrt = staticmethod(lambda x: mpmath.sqrt(x))
    pi = staticmethod(lambda: +mpmath.pi)


class Gmpy2Backend:
    def __init__(self):
        import gmpy2
        self.g = gmpy2
        self.name = "gmpy2 %s (MPFR %s)" % (gmpy2.version(), gmpy2.mpfr_version())
        self.ctx = gmpy2.get_context()
        self.ctx.emin, self.ctx.emax = self.ctx.emin_min if hasattr(self.ctx, "emin_min") else -(1 << 40), (1 << 40)

    def setprec(self, p):
        self.ctx.precision = p

    def num(self, q):
        if isinstance(q, Fr):
            return self.g.mpfr(q.numerator) / q.denominator
        return self.g.mpfr(q)

    def exact(self, q):
        return self.g.mpfr(q.numerator) / q.denominator  # dyadic and <= 64 bits: exact

    def exponent(self, v):
        return int(v.as_mantissa_exp()[1]) + int(v.as_mantissa_exp()[0]).bit_length()

    def negative(self, v):
        return v < 0

    def frac(self, v):
        n, d = v.as_integer_ratio()
        return Fr(int(n), int(d))

    def exp(self, x): return self.g.exp(x)
    def expm1(self, x): return self.g.expm1(x)
    def log1p(self, x): return self.g.log1p(x)
    def tanh(self, x): return self.g.tanh(x)
    def sech(self, x): return self.g.sech(x)
    def erfc(self, x): return self.g.erfc(x)
    def sqrt(self, x): return self.g.sqrt(x)
    def pi(self): return self.g.const_pi()


# ---------------------------------------------------------------- the functions
# Each entry: (value, derivative); a function of (M, x, P) where M is the backend (None for the
# rational ones, which get x as an exact Fraction) and P the parameter dict. Parameters are exact.

def sig(M, t):
    # 1/(1+e^-t), in the form that neither overflows nor cancels on each side
    if t >= 0:
        return 1 / (1 + M.exp(-t))
    e = M.exp(t)
    return e / (1 + e)


def sp(M, t):
    if t < 0:
        return M.log1p(M.exp(t))
    return t + M.log1p(M.exp(-t))


def real(f):
    f.real = True
    return f


def rat(f):
    f.real = False
    return f


H = Fr(1, 2)
DEFAULTS = {
    "leaky-relu": {"alpha": Fr(1, 100)}, "prelu": {"alpha": Fr(1, 4)},
    "rrelu": {"slope": (Fr(1, 8) + Fr(1, 3)) / 2}, "elu": {"alpha": Fr(1)},
    "selu": {"alpha": Fr("1.6732632423543772848170429916717"), "scale": Fr("1.0507009873554804934193349852946")},
    "celu": {"alpha": Fr(1)}, "silu": {"beta": Fr(1)}, "softplus": {"beta": Fr(1)},
    "hard-sigmoid": {"slope": Fr(1, 6), "offset": H}, "hard-tanh": {"min": Fr(-1), "max": Fr(1)},
    "hard-shrink": {"lambda": H}, "soft-shrink": {"lambda": H},
    "threshold": {"threshold": Fr(0), "value": Fr(0)}, "thresholded-relu": {"theta": Fr(1)},
    "step": {"value": Fr(0)},
}

C_GELU = Fr("0.044715")
QG = Fr("1.702")


def _gelu_cdf(M, x):
    return M.erfc(-x / M.sqrt(M.num(2))) / 2


def _gtanh_u(M, x):
    return M.sqrt(2 / M.pi()) * (x + M.num(C_GELU) * x ** 3)


FUNCTIONS = {
    "sigmoid": (real(lambda M, x, P: sig(M, x)), real(lambda M, x, P: sig(M, x) * sig(M, -x))),
    "tanh": (real(lambda M, x, P: M.tanh(x)), real(lambda M, x, P: M.sech(x) ** 2)),
    # PyTorch: threshold(x, 0, 0): x <= 0 ? 0 : x ; backward: x <= 0 ? 0 : g
    "relu": (rat(lambda x, P: Fr(0) if x <= 0 else x), rat(lambda x, P: Fr(0) if x <= 0 else Fr(1))),
    # hardtanh(x, 0, 6); backward: (x <= 0 || x >= 6) ? 0 : g
    "relu6": (rat(lambda x, P: min(max(x, Fr(0)), Fr(6))), rat(lambda x, P: Fr(0) if (x <= 0 or x >= 6) else Fr(1))),
    # leaky_relu: x > 0 ? x : x*a ; backward: x > 0 ? g : g*a
    "leaky-relu": (rat(lambda x, P: x if x > 0 else x * P["alpha"]), rat(lambda x, P: Fr(1) if x > 0 else P["alpha"])),
    "prelu": (rat(lambda x, P: x if x > 0 else x * P["alpha"]), rat(lambda x, P: Fr(1) if x > 0 else P["alpha"])),
    "rrelu": (rat(lambda x, P: x if x > 0 else x * P["slope"]), rat(lambda x, P: Fr(1) if x > 0 else P["slope"])),
    # elu: x <= 0 ? a*(exp(x)-1) : x ; backward: x <= 0 ? a*exp(x) : 1
    "elu": (real(lambda M, x, P: M.num(P["alpha"]) * M.expm1(x) if x <= 0 else x),
            real(lambda M, x, P: M.num(P["alpha"]) * M.exp(x) if x <= 0 else M.num(1))),
    "selu": (real(lambda M, x, P: M.num(P["scale"] * P["alpha"]) * M.expm1(x) if x <= 0 else M.num(P["scale"]) * x),
             real(lambda M, x, P: M.num(P["scale"] * P["alpha"]) * M.exp(x) if x <= 0 else M.num(P["scale"]))),
    "celu": (real(lambda M, x, P: M.num(P["alpha"]) * M.expm1(x / M.num(P["alpha"])) if x <= 0 else x),
             real(lambda M, x, P: M.exp(x / M.num(P["alpha"])) if x <= 0 else M.num(1))),
    "gelu": (real(lambda M, x, P: x * _gelu_cdf(M, x)),
             real(lambda M, x, P: _gelu_cdf(M, x) + x * M.exp(-x * x / 2) / M.sqrt(2 * M.pi()))),
    # 0.5x(1+tanh u) == x*sig(2u); the derivative's sech^2(u)/4 == sig(2u)*sig(-2u)
    "gelu-tanh": (real(lambda M, x, P: x * sig(M, 2 * _gtanh_u(M, x))),
                  real(lambda M, x, P: sig(M, 2 * _gtanh_u(M, x)) + 2 * x * sig(M, 2 * _gtanh_u(M, x)) * sig(M, -2 * _gtanh_u(M, x))
                       * M.sqrt(2 / M.pi()) * (1 + 3 * M.num(C_GELU) * x * x))),
    "quick-gelu": (real(lambda M, x, P: x * sig(M, M.num(QG) * x)),
                   real(lambda M, x, P: sig(M, M.num(QG) * x) + M.num(QG) * x * sig(M, M.num(QG) * x) * sig(M, -M.num(QG) * x))),
    "silu": (real(lambda M, x, P: x * sig(M, M.num(P["beta"]) * x)),
             real(lambda M, x, P: sig(M, M.num(P["beta"]) * x) * (1 + M.num(P["beta"]) * x * sig(M, -M.num(P["beta"]) * x)))),
    "mish": (real(lambda M, x, P: x * M.tanh(sp(M, x))),
             real(lambda M, x, P: M.tanh(sp(M, x)) + x * M.sech(sp(M, x)) ** 2 * sig(M, x))),
    "softplus": (real(lambda M, x, P: sp(M, M.num(P["beta"]) * x) / M.num(P["beta"])),
                 real(lambda M, x, P: sig(M, M.num(P["beta"]) * x))),
    "softsign": (rat(lambda x, P: x / (1 + abs(x))), rat(lambda x, P: 1 / (1 + abs(x)) ** 2)),
    # general form; backward with PyTorch's default: (x > -3 && x < 3) ? g/6 : 0
    "hard-sigmoid": (rat(lambda x, P: min(max(P["slope"] * x + P["offset"], Fr(0)), Fr(1))),
                     rat(lambda x, P: P["slope"] if 0 < P["slope"] * x + P["offset"] < 1 else Fr(0))),
    # hardswish backward as PyTorch 2.15 computes it (measured: 0 at x = -3, 1 at x = 3):
    # x <= -3 ? 0 : (x < 3 ? x/3 + 0.5 : 1)
    "hard-swish": (rat(lambda x, P: x * min(max(x + 3, Fr(0)), Fr(6)) / 6),
                   rat(lambda x, P: Fr(0) if x <= -3 else (x / 3 + H if x < 3 else Fr(1)))),
    # hardtanh_backward: (x <= min || x >= max) ? 0 : g
    "hard-tanh": (rat(lambda x, P: min(max(x, P["min"]), P["max"])),
                  rat(lambda x, P: Fr(0) if (x <= P["min"] or x >= P["max"]) else Fr(1))),
    # hardshrink: (x >= -l && x <= l) ? 0 : x ; shrink_backward: (x >= -l && x <= l) ? 0 : g
    "hard-shrink": (rat(lambda x, P: Fr(0) if -P["lambda"] <= x <= P["lambda"] else x),
                    rat(lambda x, P: Fr(0) if -P["lambda"] <= x <= P["lambda"] else Fr(1))),
    "soft-shrink": (rat(lambda x, P: x - P["lambda"] if x > P["lambda"] else (x + P["lambda"] if x < -P["lambda"] else Fr(0))),
                    rat(lambda x, P: Fr(0) if -P["lambda"] <= x <= P["lambda"] else Fr(1))),
    # for |x| >= 1: (x - sign x) exactly, plus the tail sign(x)*2/(e^(2|x|) + 1) (see split_sum)
    "tanh-shrink": (real(lambda M, x, P: x - M.tanh(x) if abs(x) < 1 else
                         (M.frac(x) - (1 if x > 0 else -1), (1 if x > 0 else -1) * 2 / (M.exp(2 * abs(x)) + 1))),
                    real(lambda M, x, P: M.tanh(x) ** 2)),
    # threshold: x <= t ? v : x ; backward x <= t ? 0 : g
    "threshold": (rat(lambda x, P: P["value"] if x <= P["threshold"] else x),
                  rat(lambda x, P: Fr(0) if x <= P["threshold"] else Fr(1))),
    "thresholded-relu": (rat(lambda x, P: x if x > P["theta"] else Fr(0)),
                         rat(lambda x, P: Fr(1) if x > P["theta"] else Fr(0))),
    "log-sigmoid": (real(lambda M, x, P: -sp(M, -x)), real(lambda M, x, P: sig(M, -x))),
    "step": (rat(lambda x, P: Fr(1) if x > 0 else (P["value"] if x == 0 else Fr(0))), rat(lambda x, P: Fr(0))),
}

# Second derivatives, derived here by hand from the definitions above (not from the Swift forms:
# gelu-tanh through sech^2(u), mish through w = e^x, the sigmoids' difference as it stands) and, at
# kinks, as PyTorch 2.15's double backward gives them (measured: elu, selu and celu take the right
# side's 0 at 0; softsign'' (0) is 0, sign(0) = 0 in |x|'s backward; hardswish_backward's own
# derivative is 1/3 only on the open interval (-3, 3)). Piecewise-linear entries: 0 everywhere (no
# framework returns a Dirac delta; PyTorch has no double backward for hardsigmoid at all: 0 is the
# mathematical value away from its kinks and either side's at them).


def _mish2(M, x, P):
    # mish = x*g, g = tanh(softplus x) = 1 - 2/D, D = (1 + w)^2 + 1, w = e^x:
    # g' = 2D'/D^2, g'' = 2(D''D - 2D'^2)/D^3, D' = 2w(w + 1), D'' = 2w(2w + 1); mish'' = 2g' + x g''.
    w = M.exp(x)
    D = w * w + 2 * w + 2
    D1, D2 = 2 * w * (w + 1), 2 * w * (2 * w + 1)
    return 4 * D1 / D ** 2 + x * 2 * (D2 * D - 2 * D1 * D1) / D ** 3


def _gtanh2(M, x, P):
    # f = (x/2)(1 + tanh u): f'' = sech^2(u) * (u' - x tanh(u) u'^2 + (x/2) u'')
    c = M.sqrt(2 / M.pi())
    u = _gtanh_u(M, x)
    u1 = c * (1 + 3 * M.num(C_GELU) * x * x)
    u2 = c * 6 * M.num(C_GELU) * x
    return M.sech(u) ** 2 * (u1 - x * M.tanh(u) * u1 * u1 + x / 2 * u2)


def _gated2(M, x, k):
    # x*sigma(kx): f'' = k sigma(kx) sigma(-kx) (2 + kx (sigma(-kx) - sigma(kx)))
    t = k * x
    return k * sig(M, t) * sig(M, -t) * (2 + t * (sig(M, -t) - sig(M, t)))


_ZERO = rat(lambda x, P: Fr(0))
SECOND = {
    "sigmoid": real(lambda M, x, P: sig(M, x) * sig(M, -x) * (sig(M, -x) - sig(M, x))),
    "tanh": real(lambda M, x, P: -2 * M.tanh(x) * M.sech(x) ** 2),
    "relu": _ZERO, "relu6": _ZERO, "leaky-relu": _ZERO, "prelu": _ZERO, "rrelu": _ZERO,
    "elu": real(lambda M, x, P: M.num(P["alpha"]) * M.exp(x) if x < 0 else M.num(0)),
    "selu": real(lambda M, x, P: M.num(P["scale"] * P["alpha"]) * M.exp(x) if x < 0 else M.num(0)),
    "celu": real(lambda M, x, P: M.exp(x / M.num(P["alpha"])) / M.num(P["alpha"]) if x < 0 else M.num(0)),
    "gelu": real(lambda M, x, P: M.exp(-x * x / 2) / M.sqrt(2 * M.pi()) * (2 - x * x)),
    "gelu-tanh": real(_gtanh2),
    "quick-gelu": real(lambda M, x, P: _gated2(M, x, M.num(QG))),
    "silu": real(lambda M, x, P: _gated2(M, x, M.num(P["beta"]))),
    "mish": real(_mish2),
    "softplus": real(lambda M, x, P: M.num(P["beta"]) * sig(M, M.num(P["beta"]) * x) * sig(M, -M.num(P["beta"]) * x)),
    "softsign": rat(lambda x, P: 2 / (1 - x) ** 3 if x < 0 else (-2 / (1 + x) ** 3 if x > 0 else Fr(0))),
    "hard-sigmoid": _ZERO,
    "hard-swish": rat(lambda x, P: Fr(1, 3) if -3 < x < 3 else Fr(0)),
    "hard-tanh": _ZERO, "hard-shrink": _ZERO, "soft-shrink": _ZERO,
    "tanh-shrink": real(lambda M, x, P: 2 * M.tanh(x) * M.sech(x) ** 2),
    "threshold": _ZERO, "thresholded-relu": _ZERO,
    "log-sigmoid": real(lambda M, x, P: -sig(M, x) * sig(M, -x)),
    "step": _ZERO,
}
QUANTITIES = ("value", "derivative", "second-derivative")

# Tail forms: f(x) = r + t with r an exact Fraction and t a real tail, on the side where f
# approaches r (a line or a constant), for split_sum. Used only when the plain form does not
# converge: where f(x) sits astronomically close to a midpoint of the output format, which a
# narrower output or a scale makes common (gelu(17) = 17 - 1e-65 is a tie of e4m3fn's 16 and 18).
# Each is the plain form rewritten with 1 - sigma(t) = sigma(-t), 1 - tanh(t) = 2 sigma(-2t) and
# Phi(x) = 1 - Phi(-x); None off that side.
def _sx(M, x):
    return M.frac(x)


TAILS = {
    ("sigmoid", "value"): lambda M, x, P: (Fr(1), -sig(M, -x)) if x > 0 else None,
    ("tanh", "value"): lambda M, x, P: (Fr(1), -2 * sig(M, -2 * x)) if x > 0 else (Fr(-1), 2 * sig(M, 2 * x)) if x < 0 else None,
    ("tanh-shrink", "derivative"): lambda M, x, P: (Fr(1), -M.sech(x) ** 2) if x != 0 else None,
    ("gelu", "value"): lambda M, x, P: (_sx(M, x), -x * _gelu_cdf(M, -x)) if x > 0 else None,
    ("gelu", "derivative"): lambda M, x, P: (Fr(1), -_gelu_cdf(M, -x) + x * M.exp(-x * x / 2) / M.sqrt(2 * M.pi())) if x > 0 else None,
    ("gelu-tanh", "value"): lambda M, x, P: (_sx(M, x), -x * sig(M, -2 * _gtanh_u(M, x))) if x > 0 else None,
    ("gelu-tanh", "derivative"): lambda M, x, P: (Fr(1), -sig(M, -2 * _gtanh_u(M, x)) + 2 * x * sig(M, 2 * _gtanh_u(M, x))
                                                  * sig(M, -2 * _gtanh_u(M, x)) * M.sqrt(2 / M.pi()) * (1 + 3 * M.num(C_GELU) * x * x)) if x > 0 else None,
    ("quick-gelu", "value"): lambda M, x, P: (_sx(M, x), -x * sig(M, -M.num(QG) * x)) if x > 0 else None,
    ("quick-gelu", "derivative"): lambda M, x, P: (Fr(1), -sig(M, -M.num(QG) * x) + M.num(QG) * x * sig(M, M.num(QG) * x)
                                                   * sig(M, -M.num(QG) * x)) if x > 0 else None,
    ("silu", "value"): lambda M, x, P: (_sx(M, x), -x * sig(M, -M.num(P["beta"]) * x)) if x > 0 else None,
    ("silu", "derivative"): lambda M, x, P: (Fr(1), -sig(M, -M.num(P["beta"]) * x) + M.num(P["beta"]) * x * sig(M, M.num(P["beta"]) * x)
                                             * sig(M, -M.num(P["beta"]) * x)) if x > 0 else None,
    ("mish", "value"): lambda M, x, P: (_sx(M, x), -2 * x * sig(M, -2 * sp(M, x))) if x > 0 else None,
    ("mish", "derivative"): lambda M, x, P: (Fr(1), -2 * sig(M, -2 * sp(M, x)) + x * M.sech(sp(M, x)) ** 2 * sig(M, x)) if x > 0 else None,
    ("softplus", "value"): lambda M, x, P: (_sx(M, x), M.log1p(M.exp(-M.num(P["beta"]) * x)) / M.num(P["beta"])) if x > 0 else None,
    ("softplus", "derivative"): lambda M, x, P: (Fr(1), -sig(M, -M.num(P["beta"]) * x)) if x > 0 else None,
    ("log-sigmoid", "value"): lambda M, x, P: (_sx(M, x), -M.log1p(M.exp(x))) if x < 0 else None,
    ("log-sigmoid", "derivative"): lambda M, x, P: (Fr(1), -sig(M, x)) if x < 0 else None,
    ("elu", "value"): lambda M, x, P: (-P["alpha"], M.num(P["alpha"]) * M.exp(x)) if x < 0 else None,
    ("celu", "value"): lambda M, x, P: (-P["alpha"], M.num(P["alpha"]) * M.exp(x / M.num(P["alpha"]))) if x < 0 else None,
    ("selu", "value"): lambda M, x, P: (-P["scale"] * P["alpha"], M.num(P["scale"] * P["alpha"]) * M.exp(x)) if x < 0 else None,
}

# Limits at -inf and +inf, written down by hand: (value-, value+, derivative-, derivative+).
# "+0"/"-0" are signed zeros (the side the function approaches 0 from); "inf"/"-inf"; else exact.
S = DEFAULTS["selu"]
LIMITS = {
    "sigmoid": ("+0", 1, "+0", "+0"), "tanh": (-1, 1, "+0", "+0"),
    "relu": ("+0", "inf", "+0", 1), "relu6": ("+0", 6, "+0", "+0"),
    "leaky-relu": ("-inf", "inf", Fr(1, 100), 1), "prelu": ("-inf", "inf", Fr(1, 4), 1),
    "rrelu": ("-inf", "inf", DEFAULTS["rrelu"]["slope"], 1),
    "elu": (-1, "inf", "+0", 1), "selu": (-S["scale"] * S["alpha"], "inf", "+0", S["scale"]),
    "celu": (-1, "inf", "+0", 1), "gelu": ("-0", "inf", "-0", 1), "gelu-tanh": ("-0", "inf", "-0", 1),
    "quick-gelu": ("-0", "inf", "-0", 1), "silu": ("-0", "inf", "-0", 1), "mish": ("-0", "inf", "-0", 1),
    "softplus": ("+0", "inf", "+0", 1), "softsign": (-1, 1, "+0", "+0"),
    "hard-sigmoid": ("+0", 1, "+0", "+0"), "hard-swish": ("+0", "inf", "+0", 1),
    "hard-tanh": (-1, 1, "+0", "+0"), "hard-shrink": ("-inf", "inf", 1, 1), "soft-shrink": ("-inf", "inf", 1, 1),
    "tanh-shrink": ("-inf", "inf", 1, 1), "threshold": ("+0", "inf", "+0", 1),
    "thresholded-relu": ("+0", "inf", "+0", 1), "log-sigmoid": ("-inf", "-0", 1, "+0"), "step": ("+0", 1, "+0", "+0"),
}
# f'' at -inf and +inf, by hand: every one tends to 0; the sign is the side it approaches from
# (e.g. gelu'' = phi(x)(2 - x^2) < 0 for |x| > sqrt 2; tanh'' = -2 tanh sech^2 has -x's sign;
# silu'' ~ -|t| e^-|t| on both sides). Exact zeros (the piecewise-linear pieces) are +0.
SECOND_LIMITS = {name: ("+0", "+0") for name in LIMITS}
SECOND_LIMITS.update({
    "sigmoid": ("+0", "-0"), "tanh": ("+0", "-0"), "gelu": ("-0", "-0"), "gelu-tanh": ("-0", "-0"),
    "quick-gelu": ("-0", "-0"), "silu": ("-0", "-0"), "mish": ("-0", "-0"), "softsign": ("+0", "-0"),
    "tanh-shrink": ("-0", "+0"), "log-sigmoid": ("-0", "-0"),
})


# The values at x = 0 of the transcendental entries that are rational there, by hand from their
# definitions (sigma(0) = 1/2, tanh(0) = 0, sech(0) = 1, exp(0) = 1, tanh(ln 2) = 3/5), with default
# parameters. Needed where such a value is a midpoint of a narrow format (sigma'(0) = 1/4 is halfway
# between 0 and e2m1's least subnormal 1/2): the precision loop cannot decide an exact tie.
EXACT_AT_ZERO = {
    ("sigmoid", "value"): Fr(1, 2), ("sigmoid", "derivative"): Fr(1, 4),
    ("tanh", "derivative"): Fr(1), ("gelu", "derivative"): Fr(1, 2), ("gelu-tanh", "derivative"): Fr(1, 2),
    ("quick-gelu", "derivative"): Fr(1, 2), ("silu", "derivative"): Fr(1, 2), ("mish", "derivative"): Fr(3, 5),
    ("softplus", "derivative"): Fr(1, 2), ("log-sigmoid", "derivative"): Fr(1, 2),
    ("elu", "derivative"): Fr(1), ("celu", "derivative"): Fr(1),
    ("selu", "derivative"): DEFAULTS["selu"]["scale"] * DEFAULTS["selu"]["alpha"],
}


# The linear pieces of the otherwise transcendental entries (x > 0 for elu, selu and celu),
# exactly: a scale can put their value on a midpoint too (elu(1) / 4 = 1/4 in e2m1).
LINEAR_PIECES = {
    ("elu", "value"): lambda x, P: x if x > 0 else None, ("elu", "derivative"): lambda x, P: Fr(1) if x > 0 else None,
    ("celu", "value"): lambda x, P: x if x > 0 else None, ("celu", "derivative"): lambda x, P: Fr(1) if x > 0 else None,
    ("selu", "value"): lambda x, P: P["scale"] * x if x > 0 else None,
    ("selu", "derivative"): lambda x, P: P["scale"] if x > 0 else None,
}


def limit_bits(fmt, v, scale=1):
    """A limit from the table, times a positive scale, in fmt."""
    if v == "+0": return fmt.zero(False)
    if v == "-0": return fmt.zero(True)
    if v == "inf": return fmt.inf(False)
    if v == "-inf": return fmt.inf(True)
    return fmt.round(Fr(v) * scale)


def split_sum(fmt, M, r, t):
    """Rounds r + t for an exact Fraction r and a real t far below r's last place: the tail only
    breaks a tie, so r + sign(t)*2^(e_r - p - 62) rounds the same. (tanh-shrink(2^24 + 2) sits
    2^-48000000 above a binary32 midpoint: no precision reaches that, the split does.)"""
    if t == 0:
        return "zero" if r == 0 else fmt.round(r)
    e_r = r.numerator.bit_length() - r.denominator.bit_length() if r else -10 ** 9
    if r == 0 or M.exponent(t) > e_r - fmt.p - 64:
        return fmt.round(r + M.frac(t))
    return fmt.round(r + (1 if t > 0 else -1) * Fr(2) ** (e_r - fmt.p - 62))


class Evaluator:
    def __init__(self, backend):
        self.M = backend

    def real_value(self, f, x, P, fmt, scale=1, tail=None):
        """Rounded value of scale * f(x) (scale a positive Fraction) at exact dyadic x, or 'zero'
        for an exact zero. `tail`: f's tail form (TAILS), tried when the plain form has not
        converged at 2048 bits."""
        M = self.M
        ex = abs(x.numerator).bit_length() - x.denominator.bit_length() if x else 0
        # x - tanh(x) cancels about 2|ex| bits for tiny x; for huge x, x^2 and x^3 inside exp need
        # about 3|ex| bits more or exp(-x^2/2) is garbage (mpmath does not widen for that).
        p = max(320, 3 * abs(ex) + 4 * fmt.p + 64)
        while True:
            results = []
            for prec in (p, 2 * p):
                M.setprec(prec)
                v = f(M, M.exact(x), P)
                if isinstance(v, tuple):  # exact Fraction r plus a real tail t
                    r, t = v
                    results.append(split_sum(fmt, M, r * scale, t * M.num(scale) if scale != 1 else t))
                    continue
                if scale != 1:
                    v = v * M.num(scale)  # one more rounding at prec bits: inside the slack below
                if v == 0:
                    results.append("zero")
                    continue
                e = M.exponent(v)
                if e < fmt.emin - fmt.p - 4:  # far below half the least subnormal: a signed zero
                    results.append(fmt.zero(M.negative(v)))
                    continue
                if e > fmt.emax + 4:  # far above the largest finite
                    results.append(fmt.overflowed(M.negative(v)))
                    continue
                q = M.frac(v)
                slack = abs(q) * Fr(1, 2 ** (prec - 16))
                results += [fmt.round(q - slack), fmt.round(q + slack), fmt.round(q)]
            if len(set(results)) == 1:
                return results[0]
            if all(r != "zero" and fmt.is_zero(r) for r in results) and len({fmt.neg(r) for r in results}) == 1:
                return results[0]
            p *= 2
            if tail is not None and p >= 2048:
                M.setprec(p)
                if tail(M, M.exact(x), P) is not None:
                    f, tail = tail, None
            if p > 1 << 16:
                raise RuntimeError("no convergence")

    def evaluate(self, name, quantity, fmt, xbits, P=None, out=None, scale=1):
        """The correctly rounded scale * f(x) (or f'(x)) for x given as bits of fmt, rounded to
        `out` (default fmt, with its overflow mode). scale: a nonzero Fraction."""
        out = out or fmt
        scale = Fr(scale)
        if scale == 0:
            raise ValueError("scale 0")
        r = self._evaluate(name, quantity, fmt, xbits, P, out, abs(scale))
        if scale < 0 and not out.is_nan(r) and not (out.kind == "fnuz" and r == 0):
            r ^= out.sign  # RN(-a) = -RN(a): the rounding is symmetric
        return r

    def _evaluate(self, name, quantity, fmt, xbits, P, out, scale):
        defaults = P is None
        P = DEFAULTS.get(name, {}) if P is None else P
        f = SECOND[name] if quantity == "second-derivative" else FUNCTIONS[name][0 if quantity == "value" else 1]
        if fmt.is_nan(xbits):
            if out.qnan is None:
                raise ValueError("%s has no NaN for f(NaN)" % out.name)
            return out.qnan
        if fmt.is_inf(xbits):
            if quantity == "second-derivative":
                return limit_bits(out, SECOND_LIMITS[name][0 if fmt.neg(xbits) else 1], scale)
            lim = LIMITS[name]
            i = (0 if quantity == "value" else 2) + (0 if fmt.neg(xbits) else 1)
            return limit_bits(out, lim[i], scale)
        x = fmt.value(xbits)
        exact = EXACT_AT_ZERO.get((name, quantity)) if x == 0 and defaults else None
        if exact is None and (name, quantity) in LINEAR_PIECES:
            exact = LINEAR_PIECES[(name, quantity)](x, P)
        r = (out.round(exact * scale) if exact else "zero") if exact is not None else self._at(f, x, P, out, scale, TAILS.get((name, quantity)))
        if r != "zero":
            return r
        if fmt.is_zero(xbits):  # exact zero at +-0: the sign of f just beside 0 on that side
            tiny = Fr(1, 2 ** 3000)
            beside = self._at(f, -tiny if fmt.neg(xbits) else tiny, P, out, scale)
            return out.zero(beside != "zero" and out.neg(beside))
        return out.zero(False)

    def _at(self, f, x, P, fmt, scale=1, tail=None):
        if f.real:
            return self.real_value(f, x, P, fmt, scale, tail)
        q = f(x, P)
        return "zero" if q == 0 else fmt.round(q * scale)


# ---------------------------------------------------------------- inputs

KINKS = {"relu": [0], "relu6": [0, 6], "leaky-relu": [0], "prelu": [0], "rrelu": [0], "elu": [0], "selu": [0],
         "hard-sigmoid": [-3, 3], "hard-swish": [-3, 3], "hard-tanh": [-1, 1], "hard-shrink": [Fr(-1, 2), H],
         "soft-shrink": [Fr(-1, 2), H], "threshold": [0], "thresholded-relu": [1], "step": [0]}


def specials(fmt):
    top = (1 << (fmt.width - 1))
    s = [0, 1, fmt.fracmask, 1 << (fmt.p - 1), fmt.expmask - 1, fmt.expmask, fmt.qnan]
    s += [fmt.round(Fr(v)) for v in (1, Fr(1, 2), 2, 3, 6)]
    return s + [b | top for b in s]


def neighbours(fmt, xbits, k=2):
    """xbits and its k neighbours on each side (by ordered bit pattern)."""
    out = []
    for d in range(-k, k + 1):
        b = xbits
        mag = b & ~fmt.sign
        if fmt.neg(b):
            mag -= d
        else:
            mag += d
        if 0 <= mag < fmt.expmask:
            out.append((b & fmt.sign) | mag)
    return out


def sample_inputs(name, fmt, n, rng):
    xs = list(specials(fmt))
    for k in KINKS.get(name, []):
        xs += neighbours(fmt, fmt.round(Fr(k)) if k != 0 else 0)
    while len(xs) < n:
        mode = rng.randrange(3)
        if mode == 0:
            b = rng.getrandbits(fmt.width)
        elif mode == 1:
            b = fmt.round(Fr(rng.uniform(-20, 20)).limit_denominator(1 << 60) or Fr(1, 3))
        else:
            m = math.exp(rng.uniform(math.log(1e-30), math.log(1e30))) if fmt.name != "f16" else math.exp(rng.uniform(-16, 11))
            b = fmt.round(Fr(m if rng.random() < 0.5 else -m))
        if not fmt.is_nan(b):
            xs.append(b)
    return xs


def write_per_entry(outdir, lines_of):
    """One file per entry, OUTDIR/<entry>.txt, holding lines_of(entry)."""
    os.makedirs(outdir, exist_ok=True)
    for name in FUNCTIONS:
        with open(os.path.join(outdir, name + ".txt"), "w") as fh:
            fh.write("\n".join(lines_of(name)) + "\n")
        print(name, file=sys.stderr)


def cmd_vectors(args):
    ev = Evaluator(MpmathBackend())

    def lines_of(name):
        # one generator per entry: regenerating or adding an entry leaves the others' inputs alone
        rng = random.Random("20261123-" + name)
        lines = [
            "# Independent reference values for '%s' (default parameters, PyTorch kink convention)." % name,
            "# Made by Scripts/independent_reference.py vectors (%s, Python fractions for rational pieces," % ev.M.name,
            "# limits at +-inf from its hand-written table); no code shared with the Swift oracle.",
            "# Columns: format quantity x-bits expected-bits   # x as a hex float (quantity: value, derivative, second-derivative)",
        ]
        for fname in ("f16", "bf16", "f32", "f64"):
            fmt = Fmt(fname)
            xs = sample_inputs(name, fmt, args.per_case, rng)
            for quantity in QUANTITIES:
                for xb in xs:
                    try:
                        r = ev.evaluate(name, quantity, fmt, xb)
                    except RuntimeError:
                        sys.exit("%s %s %s at x = %s (0x%x): no convergence" % (name, quantity, fname, hexfloat(fmt, xb), xb))
                    w = fmt.width // 4
                    lines.append("%s %s 0x%0*x 0x%0*x  # %s" % (fname, quantity, w, xb, w, r, hexfloat(fmt, xb)))
        return lines
    write_per_entry(args.outdir, lines_of)


def read_narrow(path):
    """The sections of a file `narrow` wrote: {(input, output, overflow, scale, quantity): {x: y}},
    in file order (bit patterns as ints)."""
    sections, head = {}, None
    for line in open(path).read().splitlines():
        if not line or line.startswith("#"):
            continue
        if line.startswith("= "):
            head = tuple(line[2:].split())
            sections.setdefault(head, {})
            continue
        x, y = line.split()
        sections[head][int(x, 16)] = int(y, 16)
    return sections


# Mixed formats and scales for the narrow vectors: (input format, output format, scale). The
# scales are what FP8 recipes use: 1, a power of two (an MX block scale) and a per-tensor
# amax-derived decimal (not dyadic: the product must be rounded once, exactly).
MIXED = [("bf16", "e4m3fn", Fr(1)), ("bf16", "e4m3fn", Fr(1, 16)), ("bf16", "e5m2", Fr(1)),
         ("f32", "bf16", Fr(1)), ("f32", "e4m3fn", Fr("448") / Fr("6.5")), ("bf16", "e2m1", Fr(1, 4))]


def cmd_narrow(args):
    """Vectors for the 8-, 6- and 4-bit formats: every input of each, value and derivative, with
    the format's default overflow; the inputs whose result overflows or is infinite again under
    the other overflow modes; and a sample of mixed input/output formats with scales."""
    ev = Evaluator(MpmathBackend())

    def lines_of(name):
        rng = random.Random("20261206-narrow-" + name)
        lines = [
            "# Independent reference values for '%s' in the narrow formats (default parameters, PyTorch kink convention)." % name,
            "# Made by Scripts/independent_reference.py narrow (%s; formats from their specifications, written" % ev.M.name,
            "# in FORMATS; rounding, overflow and scale by Python integers and fractions); no code shared with the Swift oracle.",
            "# Sections: '= input-format output-format overflow scale quantity', then lines 'x-bits expected-bits' (hex).",
        ]
        section = [None]

        def emit(fin, fout, scale, quantity, xb):
            try:
                r = ev.evaluate(name, quantity, fin, xb, out=fout, scale=scale)
            except RuntimeError:
                sys.exit("%s %s %s->%s at 0x%x: no convergence" % (name, quantity, fin.name, fout.name, xb))
            head = "= %s %s %s %s %s" % (fin.name, fout.name, fout.overflow, scale, quantity)
            if head != section[0]:
                lines.append(head)
                section[0] = head
            lines.append("%x %x" % (xb, r))
            return r

        for fname in NARROW:
            fmt = Fmt(fname)
            others = [Fmt(fname, mode) for mode in ("inf", "nan", "saturate") if mode != fmt.overflow
                      and not (mode == "inf" and fmt.kind != "ieee") and not (mode == "nan" and fmt.kind == "finite")]
            for quantity in ("value", "derivative"):
                special = []
                for xb in fmt.patterns():
                    r = emit(fmt, fmt, Fr(1), quantity, xb)
                    if fmt.is_inf(r) or fmt.is_nan(r) and not fmt.is_nan(xb) or r & ~fmt.sign == fmt.maxbits:
                        special.append(xb)
                for other in others:
                    for xb in special:
                        emit(other, other, Fr(1), quantity, xb)
        for fin_name, fout_name, scale in MIXED:
            fin, fout = Fmt(fin_name), Fmt(fout_name)
            xs = [xb for xb in specials(fin) if not (fout.qnan is None and fin.is_nan(xb))]
            while len(xs) < args.per_case:
                xb = rng.getrandbits(fin.width) if rng.random() < 0.5 else fin.round(Fr(rng.uniform(-12, 12)).limit_denominator(1 << 40) or Fr(1, 3))
                if not fin.is_nan(xb):
                    xs.append(xb)
            for quantity in ("value", "derivative"):
                for xb in xs:
                    emit(fin, fout, scale, quantity, xb)
        return lines
    write_per_entry(args.outdir, lines_of)


# ---------------------------------------------------------------- gated linear units
# f(a, b) = g(a)*b with the gate g one of the entries above at its defaults. Quantities: value
# g(a)*b, d/da = b*g'(a), d/db = g(a), and a backward pass's (g_out*b*g'(a), g_out*g(a)). Each is one
# rounding of the exact product. IEEE's rules where no exact product exists, written here from
# IEEE 754 multiplication: NaN in, NaN out; 0*inf is NaN (a limit of 0 at +-inf counts as 0); any
# other product with an infinity is +-inf; an exactly zero product is the zero IEEE gives from the
# correctly rounded factor and the other factor (sign: the xor of theirs).
GATED = {"glu": "sigmoid", "reglu": "relu", "geglu": "gelu", "geglu-tanh": "gelu-tanh", "swiglu": "silu"}
GATED_QUANTITIES = ("value", "d/da", "d/db")


def _exact_zero(ev, name, quantity, fmt, xb):
    """Whether q(x) is exactly 0 (a limit of 0 at +-inf counts)."""
    if fmt.is_inf(xb):
        lim = LIMITS[name][(0 if quantity == "value" else 2) + (0 if fmt.neg(xb) else 1)]
        return lim in ("+0", "-0")
    f = FUNCTIONS[name][0 if quantity == "value" else 1]
    P = DEFAULTS.get(name, {})
    x = fmt.value(xb)
    if not f.real:
        return f(x, P) == 0
    ev.M.setprec(320)
    v = f(ev.M, ev.M.exact(x), P)
    return not isinstance(v, tuple) and v == 0


def _factor(fmt, bits):
    """The exact product of IEEE values: ('nan',), ('inf', negative) or ('num', Fraction, negative)."""
    value, neg, inf, zero = Fr(1), False, False, False
    for b in bits:
        if fmt.is_nan(b):
            return ("nan",)
        neg ^= fmt.neg(b)
        if fmt.is_inf(b):
            inf = True
        elif fmt.is_zero(b):
            zero = True
        else:
            value *= abs(fmt.value(b))
    if inf:
        return ("nan",) if zero else ("inf", neg)
    return ("num", Fr(0) if zero else value, neg)


def gated_product(ev, name, quantity, fmt, ab, factor):
    """RN(q(a)*c) for the gate `name`'s quantity q and the factor c (see _factor)."""
    if fmt.is_nan(ab) or factor[0] == "nan":
        return fmt.qnan
    alone = ev.evaluate(name, quantity, fmt, ab)
    if fmt.is_nan(alone):
        return fmt.qnan
    if factor[0] == "inf":
        if fmt.is_inf(alone):
            return fmt.inf(fmt.neg(alone) != factor[1])
        if _exact_zero(ev, name, quantity, fmt, ab):
            return fmt.qnan
        return fmt.inf(fmt.neg(alone) != factor[1])
    c, neg = factor[1], factor[2]
    if fmt.is_inf(alone):
        return fmt.qnan if c == 0 else fmt.inf(fmt.neg(alone) != neg)
    if c == 0:
        return fmt.zero(fmt.neg(alone) != neg)
    return ev.evaluate(name, quantity, fmt, ab, scale=-c if neg else c)


def gated(ev, unit, quantity, fmt, ab, bb, gb=None):
    gate = GATED[unit]
    if quantity == "value":
        return gated_product(ev, gate, "value", fmt, ab, _factor(fmt, [bb]))
    if quantity == "d/da":
        return gated_product(ev, gate, "derivative", fmt, ab, _factor(fmt, [bb]))
    if quantity == "d/db":
        return ev.evaluate(gate, "value", fmt, ab)
    if quantity == "backward-a":
        return gated_product(ev, gate, "derivative", fmt, ab, _factor(fmt, [gb, bb]))
    if quantity == "backward-b":
        return gated_product(ev, gate, "value", fmt, ab, _factor(fmt, [gb]))
    raise ValueError(quantity)


def cmd_gated(args):
    """Vectors for the gated units: each edge input of a paired with each edge value of b (0, -0,
    +-inf, NaN, +-1, +-least subnormal, +-largest finite, 1/2, -3), random pairs, and backward
    triples (a, b, g) — in f16, bf16, f32 and f64."""
    ev = Evaluator(MpmathBackend())
    os.makedirs(args.outdir, exist_ok=True)
    for unit in GATED:
        rng = random.Random("20261207-gated-" + unit)
        lines = [
            "# Independent reference values for the gated unit '%s' = %s(a)*b (default parameters, PyTorch kink convention)." % (unit, GATED[unit]),
            "# Made by Scripts/independent_reference.py gated (%s; IEEE rules for NaN, inf and zero products written" % ev.M.name,
            "# from IEEE 754 multiplication); no code shared with the Swift oracle.",
            "# Columns: format quantity a-bits b-bits expected-bits (quantity value, d/da, d/db);",
            "#          format backward-a|backward-b a-bits b-bits g-bits expected-bits (g_out*b*gate'(a), g_out*gate(a)).",
        ]
        for fname in ("f16", "bf16", "f32", "f64"):
            fmt = Fmt(fname)
            one = fmt.round(Fr(1))
            bs = [0, fmt.sign, fmt.expmask, fmt.expmask | fmt.sign, fmt.qnan, one, one | fmt.sign, 1, 1 | fmt.sign,
                  fmt.maxbits, fmt.maxbits | fmt.sign, fmt.round(Fr(1, 2)), fmt.round(Fr(-3))]
            as_ = sample_inputs(GATED[unit], fmt, args.per_case, rng)
            pairs = [(a, b) for a in as_ for b in bs]
            while len(pairs) < len(as_) * len(bs) + args.random_pairs:
                b = rng.getrandbits(fmt.width)
                a = rng.getrandbits(fmt.width) if rng.random() < 0.5 else fmt.round(Fr(rng.uniform(-12, 12)).limit_denominator(1 << 40) or Fr(1, 3))
                if not fmt.is_nan(b) and not fmt.is_nan(a):
                    pairs.append((a, b))
            w = fmt.width // 4
            for quantity in GATED_QUANTITIES:
                for a, b in pairs:
                    r = gated(ev, unit, quantity, fmt, a, b)
                    lines.append("%s %s 0x%0*x 0x%0*x 0x%0*x" % (fname, quantity, w, a, w, b, w, r))
            gs = [one, one | fmt.sign, fmt.round(Fr(1, 2)), fmt.round(Fr(3)), 0, fmt.expmask]
            for quantity in ("backward-a", "backward-b"):
                for i, (a, b) in enumerate(pairs[::3]):
                    g = gs[i % len(gs)] if i < 4 * len(gs) else fmt.round(Fr(rng.uniform(-4, 4)).limit_denominator(1 << 30) or Fr(1))
                    r = gated(ev, unit, quantity, fmt, a, b, g)
                    lines.append("%s %s 0x%0*x 0x%0*x 0x%0*x 0x%0*x" % (fname, quantity, w, a, w, b, w, g, w, r))
        with open(os.path.join(args.outdir, unit + ".txt"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print(unit, len(lines), file=sys.stderr)


def hexfloat(fmt, b):
    if fmt.is_nan(b): return "nan"
    if fmt.is_inf(b): return "-inf" if fmt.neg(b) else "inf"
    v = fmt.value(b)
    if v == 0: return "-0x0p+0" if fmt.neg(b) else "0x0p+0"
    return float.hex(float(v)) if fmt.name != "f64" else float.hex(float(v))


def cmd_eval(args):
    """Bulk: read inputs (.npy of bit patterns), write independent results (.npy, same dtype)."""
    import numpy as np
    ev = Evaluator(Gmpy2Backend() if args.backend == "gmpy2" else MpmathBackend())
    fmt = Fmt(args.format)
    xs = np.load(args.input)
    out = np.empty_like(xs)
    for i, xb in enumerate(xs.tolist()):
        out[i] = ev.evaluate(args.function, args.quantity, fmt, int(xb))
    np.save(args.output, out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("vectors")
    v.add_argument("outdir")
    v.add_argument("--per-case", type=int, default=120)
    n = sub.add_parser("narrow")
    n.add_argument("outdir")
    n.add_argument("--per-case", type=int, default=64)
    gt = sub.add_parser("gated")
    gt.add_argument("outdir")
    gt.add_argument("--per-case", type=int, default=40)
    gt.add_argument("--random-pairs", type=int, default=150)
    e = sub.add_parser("eval")
    for a in ("function", "quantity", "format", "input", "output"):
        e.add_argument(a)
    # mpmath by default: gmpy2's exponent range ends at 2^40 and the far tails (f″ at |x| ≥ 1e20,
    # mish at 1e300) underflow there; gmpy2 is faster where that cannot happen.
    e.add_argument("--backend", default="mpmath", choices=["gmpy2", "mpmath"])
    args = ap.parse_args()
    {"vectors": cmd_vectors, "narrow": cmd_narrow, "gated": cmd_gated, "eval": cmd_eval}[args.cmd](args)


if __name__ == "__main__":
    main()
