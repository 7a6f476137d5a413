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

Usage:
  independent_reference.py vectors OUTDIR [--per-case N]     # the committed test data files
  independent_reference.py eval FUNCTION QUANTITY FORMAT IN.npy OUT.npy [--backend gmpy2]
"""
import argparse
import math
import os
import random
import sys
from fractions import Fraction as Fr

import mpmath

FORMATS = {  # name: (precision p, exponent bits)
    "f16": (11, 5), "bf16": (8, 8), "f32": (24, 8), "f64": (53, 11),
}


class Fmt:
    def __init__(self, name):
        self.name = name
        self.p, self.ebits = FORMATS[name]
        self.width = 1 + self.ebits + self.p - 1
        self.bias = (1 << (self.ebits - 1)) - 1
        self.emin = 1 - self.bias              # exponent of the smallest normal
        self.sign = 1 << (self.width - 1)
        self.expmask = ((1 << self.ebits) - 1) << (self.p - 1)
        self.fracmask = (1 << (self.p - 1)) - 1
        self.qnan = self.expmask | (1 << (self.p - 2))

    def inf(self, neg):
        return self.expmask | (self.sign if neg else 0)

    def zero(self, neg):
        return self.sign if neg else 0

    def is_nan(self, b):
        return b & self.expmask == self.expmask and b & self.fracmask

    def is_inf(self, b):
        return b & ~self.sign == self.expmask

    def is_zero(self, b):
        return b & ~self.sign == 0

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
        """Nearest-even rounding of a nonzero Fraction (sign kept for results that round to 0)."""
        neg = q < 0
        a = -q if neg else q
        e = a.numerator.bit_length() - a.denominator.bit_length()
        if a < Fr(2) ** e:
            e -= 1
        if e > self.bias:
            return self.inf(neg)
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
        s = self.sign if neg else 0
        if n < 1 << (self.p - 1):
            return s | n
        biased = unit + (self.p - 1) + self.bias
        if biased >= (1 << self.ebits) - 1:
            return self.inf(neg)
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


def limit_bits(fmt, v):
    if v == "+0": return fmt.zero(False)
    if v == "-0": return fmt.zero(True)
    if v == "inf": return fmt.inf(False)
    if v == "-inf": return fmt.inf(True)
    return fmt.round(Fr(v))


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

    def real_value(self, f, x, P, fmt):
        """Rounded value of a real function at exact dyadic x, or 'zero' for an exact zero."""
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
                    results.append(split_sum(fmt, M, *v))
                    continue
                if v == 0:
                    results.append("zero")
                    continue
                e = M.exponent(v)
                if e < fmt.emin - fmt.p - 4:  # far below half the least subnormal: a signed zero
                    results.append(fmt.zero(M.negative(v)))
                    continue
                if e > fmt.bias + 4:  # far above the largest finite
                    results.append(fmt.inf(M.negative(v)))
                    continue
                q = M.frac(v)
                slack = abs(q) * Fr(1, 2 ** (prec - 16))
                results += [fmt.round(q - slack), fmt.round(q + slack), fmt.round(q)]
            if len(set(results)) == 1:
                return results[0]
            if all(r != "zero" and fmt.is_zero(r) for r in results) and len({fmt.neg(r) for r in results}) == 1:
                return results[0]
            p *= 2
            if p > 1 << 16:
                raise RuntimeError("no convergence")

    def evaluate(self, name, quantity, fmt, xbits, P=None):
        P = DEFAULTS.get(name, {}) if P is None else P
        f = FUNCTIONS[name][0 if quantity == "value" else 1]
        if fmt.is_nan(xbits):
            return fmt.qnan
        if fmt.is_inf(xbits):
            lim = LIMITS[name]
            i = (0 if quantity == "value" else 2) + (0 if fmt.neg(xbits) else 1)
            return limit_bits(fmt, lim[i])
        x = fmt.value(xbits)
        r = self._at(f, x, P, fmt)
        if r != "zero":
            return r
        if fmt.is_zero(xbits):  # exact zero at +-0: the sign of f just beside 0 on that side
            tiny = Fr(1, 2 ** 3000)
            beside = self._at(f, -tiny if fmt.neg(xbits) else tiny, P, fmt)
            return fmt.zero(beside != "zero" and fmt.neg(beside))
        return fmt.zero(False)

    def _at(self, f, x, P, fmt):
        if f.real:
            return self.real_value(f, x, P, fmt)
        q = f(x, P)
        return "zero" if q == 0 else fmt.round(q)


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


def cmd_vectors(args):
    ev = Evaluator(MpmathBackend())
    os.makedirs(args.outdir, exist_ok=True)
    for name in FUNCTIONS:
        # one generator per entry: regenerating or adding an entry leaves the others' inputs alone
        rng = random.Random("20261123-" + name)
        lines = [
            "# Independent reference values for '%s' (default parameters, PyTorch kink convention)." % name,
            "# Made by Scripts/independent_reference.py vectors (%s, Python fractions for rational pieces," % ev.M.name,
            "# limits at +-inf from its hand-written table); no code shared with the Swift oracle.",
            "# Columns: format quantity x-bits expected-bits   # x as a hex float",
        ]
        for fname in ("f16", "bf16", "f32", "f64"):
            fmt = Fmt(fname)
            xs = sample_inputs(name, fmt, args.per_case, rng)
            for quantity in ("value", "derivative"):
                for xb in xs:
                    try:
                        r = ev.evaluate(name, quantity, fmt, xb)
                    except RuntimeError:
                        sys.exit("%s %s %s at x = %s (0x%x): no convergence" % (name, quantity, fname, hexfloat(fmt, xb), xb))
                    w = fmt.width // 4
                    lines.append("%s %s 0x%0*x 0x%0*x  # %s" % (fname, quantity, w, xb, w, r, hexfloat(fmt, xb)))
        with open(os.path.join(args.outdir, name + ".txt"), "w") as fh:
            fh.write("\n".join(lines) + "\n")
        print(name, file=sys.stderr)


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
    e = sub.add_parser("eval")
    for a in ("function", "quantity", "format", "input", "output"):
        e.add_argument(a)
    e.add_argument("--backend", default="gmpy2", choices=["gmpy2", "mpmath"])
    args = ap.parse_args()
    {"vectors": cmd_vectors, "eval": cmd_eval}[args.cmd](args)


if __name__ == "__main__":
    main()
