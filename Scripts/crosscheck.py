#!/usr/bin/env python3
"""Bulk agreement check: the `activation-oracle reference` output against an independent
evaluation (Scripts/independent_reference.py's definitions, run on gmpy2 at >= 320 bits with a
p/2p acceptance test and rounding by an MPFR context with subnormalize, and its exact-fraction
and hand-written-limit paths), for every entry, value, derivative and second derivative.

  python3 Scripts/crosscheck.py [--f32 200000] [--f64 20000] [--exhaustive-small] [--jobs 2]
      [--tool .build/release/activation-oracle] [--functions a,b,...]
      [--quantities value,derivative,second-derivative] [--markdown FILE]

Inputs per (entry, format): the specials, kinks with neighbours, and for the rest a mix of uniform
bit patterns, uniform [-20, 20], log-uniform magnitudes (1e-45..1e38), and the saturation,
overflow and underflow windows |x| in [8, 120] and [2^60, max]. --exhaustive-small checks all
65,536 binary16 and bfloat16 inputs. Needs numpy and gmpy2 (pip install numpy gmpy2).
Prints a table; exits 1 when any input disagrees (the sign of zero is counted apart).
"""
import argparse
import math
import multiprocessing as mp
import os
import random
import subprocess
import sys
import tempfile
import time
from fractions import Fraction as Fr

import gmpy2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import independent_reference as ir  # noqa: E402

CTX = {  # format -> (precision, emin, emax) in MPFR's convention, for subnormalize
    "f16": (11, -23, 16), "bf16": (8, -132, 128), "f32": (24, -148, 128), "f64": (53, -1073, 1024),
}
DTYPE = {"f16": np.uint16, "bf16": np.uint16, "f32": np.uint32, "f64": np.uint64}


def to_bits(fmt, r):
    """Bits of an already-rounded gmpy2 value (exactly representable in fmt)."""
    if gmpy2.is_nan(r):
        return fmt.qnan
    if gmpy2.is_zero(r):
        return fmt.zero(gmpy2.is_signed(r))
    if gmpy2.is_infinite(r):
        return fmt.inf(r < 0)
    d = float(r)
    if fmt.name == "f64":
        return int(np.array([d], dtype=np.float64).view(np.uint64)[0])
    if fmt.name == "f32":
        return int(np.array([d], dtype=np.float32).view(np.uint32)[0])
    if fmt.name == "f16":
        return int(np.array([d], dtype=np.float16).view(np.uint16)[0])
    return int(np.array([d], dtype=np.float32).view(np.uint32)[0]) >> 16  # bf16: exact in float32


class FastEvaluator(ir.Evaluator):
    """Same definitions; transcendental values rounded by an MPFR context instead of Fractions."""

    def __init__(self):
        super().__init__(ir.Gmpy2Backend())
        self.ctx = {}
        self.unbounded = ir.Evaluator(ir.MpmathBackend())  # for what leaves MPFR's exponent range

    def rnd(self, fmt, v):
        if fmt.name not in self.ctx:
            p, emin, emax = CTX[fmt.name]
            self.ctx[fmt.name] = gmpy2.context(precision=p, emin=emin, emax=emax, subnormalize=True)
        return to_bits(fmt, self.ctx[fmt.name].plus(v))

    def real_value(self, f, x, P, fmt, scale=1, tail=None):
        if scale != 1:  # the narrow formats' scaled products: the base class's Fraction rounding
            return super().real_value(f, x, P, fmt, scale, tail)
        M = self.M
        ex = abs(x.numerator).bit_length() - x.denominator.bit_length() if x else 0
        p = max(320, 3 * abs(ex) + 4 * fmt.p + 64)
        work_ctx = gmpy2.get_context()
        while True:
            results = set()
            for prec in (p, 2 * p):
                M.setprec(prec)
                work_ctx.clear_flags()
                v = f(M, M.exact(x), P)
                if work_ctx.underflow or work_ctx.overflow:
                    # gmpy2 keeps |exponent| < 2^40: e^(-x^2) for |x| > 2^20 underflows to 0 and
                    # loses its sign. mpmath's exponents are unbounded.
                    return self.unbounded.real_value(f, x, P, fmt, 1, tail)
                if isinstance(v, tuple):
                    results.add(ir.split_sum(fmt, M, *v))
                    continue
                if v == 0:
                    results.add("zero")
                    continue
                slack = abs(v) * gmpy2.exp2(-(prec - 16))
                results |= {self.rnd(fmt, v - slack), self.rnd(fmt, v + slack), self.rnd(fmt, v)}
            if len(results) == 1:
                return results.pop()
            p *= 2
            if tail is not None and p >= 2048:  # as the base class: f = r + t decides what no precision does
                M.setprec(p)
                if tail(M, M.exact(x), P) is not None:
                    f, tail = tail, None
            if p > 1 << 16:
                raise RuntimeError("no convergence at %r" % x)


_EV = None


def work(task):
    global _EV
    if _EV is None:
        _EV = FastEvaluator()
    name, quantity, fname, xs = task
    fmt = ir.Fmt(fname)
    return [_EV.evaluate(name, quantity, fmt, int(x)) for x in xs]


_EV_MPMATH = None


def gated_work(task):
    """The gated units through the independent script's mpmath evaluator: its exponents are
    unbounded (gmpy2's underflow silu(-3.4e38) to an exact-looking 0, and 0*inf would be NaN)."""
    global _EV_MPMATH
    if _EV_MPMATH is None:
        _EV_MPMATH = ir.Evaluator(ir.MpmathBackend())
    unit, quantity, fname, pairs = task
    fmt = ir.Fmt(fname)
    return [ir.gated(_EV_MPMATH, unit, quantity, fmt, int(a), int(b)) for a, b in pairs]


def gated_oracle(tool, unit, quantity, fname, pairs):
    with tempfile.TemporaryDirectory() as d:
        i, o = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
        np.save(i, np.array(pairs, dtype=DTYPE[fname]).reshape(-1, 2))
        args = [tool, "reference", unit, "--format", fname, "-i", i, "-o", o]
        if quantity != "value":
            args[3:3] = ["--wrt", quantity[-1]]
        subprocess.run(args, check=True)
        return [int(v) for v in np.load(o).tolist()]


def gated_pairs(unit, fname, n, rng):
    """Every special a with the edge b's, then n random pairs (bit patterns, half of a from
    uniform [-12, 12])."""
    fmt = ir.Fmt(fname)
    one = fmt.round(Fr(1))
    bs = [0, fmt.sign, fmt.expmask, fmt.expmask | fmt.sign, fmt.qnan, one, one | fmt.sign, 1, 1 | fmt.sign,
          fmt.maxbits, fmt.maxbits | fmt.sign]
    pairs = [(a, b) for a in ir.specials(fmt) for b in bs]
    while len(pairs) < n:
        a = rng.getrandbits(fmt.width) if rng.random() < 0.5 else fmt.round(Fr(rng.uniform(-12, 12)) or Fr(1))
        b = rng.getrandbits(fmt.width)
        if not fmt.is_nan(a) and not fmt.is_nan(b):
            pairs.append((a, b))
    return pairs


def inputs_for(name, fname, n, rng, exhaustive_small):
    fmt = ir.Fmt(fname)
    if exhaustive_small and fname in ("f16", "bf16"):
        return [b for b in range(1 << 16) if not fmt.is_nan(b)] + [fmt.qnan]
    xs = list(ir.specials(fmt))
    for k in ir.KINKS.get(name, []):
        xs += ir.neighbours(fmt, fmt.round(Fr(k)) if k != 0 else 0, k=8)
    lo_exp, hi_exp = {"f16": (-24, 15), "bf16": (-133, 127), "f32": (-149, 127), "f64": (-1074, 1023)}[fname]
    while len(xs) < n:
        mode = rng.randrange(5)
        if mode == 0:
            b = rng.getrandbits(fmt.width)
        elif mode == 1:
            b = fmt.round(Fr(rng.uniform(-20, 20)) or Fr(1))
        elif mode == 2:
            e = rng.uniform(lo_exp, hi_exp)
            b = fmt.round(Fr(2 ** e if e > -1000 else 0.0) * rng.choice((1, -1)) or Fr(1, 3))
        elif mode == 3:
            b = fmt.round(Fr(rng.uniform(8, 120)) * rng.choice((1, -1)))
        else:
            b = fmt.round(Fr(2) ** rng.randrange(min(60, hi_exp - 4), hi_exp + 1) * Fr(rng.random() + 1) * rng.choice((1, -1)))
        if not fmt.is_nan(b):
            xs.append(b)
    return xs


def oracle(tool, name, quantity, fname, xs):
    with tempfile.TemporaryDirectory() as d:
        i, o = os.path.join(d, "in.npy"), os.path.join(d, "out.npy")
        np.save(i, np.array(xs, dtype=DTYPE[fname]))
        args = [tool, "reference", name, "--format", fname, "-i", i, "-o", o]
        if quantity != "value":
            args[3:3] = ["--order", "1" if quantity == "derivative" else "2"]
        subprocess.run(args, check=True)
        return [int(v) for v in np.load(o).tolist()]


def header(command, total, failures, args):
    import datetime
    import platform
    return "\n".join([
        "# Oracle cross-check against an independent reference",
        "",
        "<!-- Generated by Scripts/crosscheck.py; do not edit. Regenerate with the command below. -->",
        "",
        "Every entry, %s: `activation-oracle reference` (release build) against" % ", ".join(args.quantities.split(",")),
        "Scripts/independent_reference.py's definitions evaluated with gmpy2 %s at >= 320 bits (mpmath %s where"
        % (gmpy2.version(), ir.mpmath.__version__),
        "values leave MPFR's exponent range), exact fractions for the rational pieces and a hand-written",
        "table of limits at +-inf. Bit for bit; the sign of zero is counted apart.",
        "",
        "- command: `%s`" % command,
        "- date: %s; machine: %s, %d cores, Python %s" % (datetime.date.today().isoformat(), platform.machine(),
                                                         os.cpu_count(), platform.python_version()),
        "- inputs: f16 and bf16 %s, f32 %s and f64 %s per entry and" % (
            "every bit pattern (NaNs as one)" if args.exhaustive_small else "%s" % format(args.small, ","),
            format(args.f32, ","), format(args.f64, ",")),
        "  quantity: specials, kinks +-8 neighbours, uniform bit patterns, uniform [-20, 20], log-uniform",
        "  magnitudes, |x| in [8, 120] and [2^60, max]",
        "- result: **%d comparisons, %d disagreements**" % (total, failures),
        "", ""])


def write_markdown(args, rows, total, failures):
    command = "python3 Scripts/crosscheck.py " + " ".join(sys.argv[1:])
    with open(args.markdown, "w") as fh:
        fh.write(header(command, total, failures, args))
        fh.write("| entry | format | quantity | inputs | disagree | zero sign |\n|---|---|---|---:|---:|---:|\n")
        for r in rows:
            fh.write("| %s | %s | %s | %d | %d | %d |\n" % r[:6])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--f32", type=int, default=200_000)
    ap.add_argument("--f64", type=int, default=20_000)
    ap.add_argument("--small", type=int, default=20_000, help="f16/bf16 sample size without --exhaustive-small")
    ap.add_argument("--exhaustive-small", action="store_true")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--tool", default=".build/release/activation-oracle")
    ap.add_argument("--functions", default=",".join(ir.FUNCTIONS))
    ap.add_argument("--quantities", default=",".join(ir.QUANTITIES))
    ap.add_argument("--gated", action="store_true",
                    help="the gated units instead (value, d/da, d/db; --small pairs for f16/bf16, --f32, --f64)")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    rng = random.Random(20261123)
    sizes = {"f16": args.small, "bf16": args.small, "f32": args.f32, "f64": args.f64}
    rows, failures = [], 0
    if args.gated:
        args.functions = ",".join(ir.GATED) if args.functions == ",".join(ir.FUNCTIONS) else args.functions
        args.quantities = ",".join(ir.GATED_QUANTITIES)
    with mp.Pool(args.jobs) as pool:
        for name in args.functions.split(","):
            for fname in ("f16", "bf16", "f32", "f64"):
                xs = gated_pairs(name, fname, sizes[fname], rng) if args.gated else inputs_for(name, fname, sizes[fname], rng, args.exhaustive_small)
                for quantity in args.quantities.split(","):
                    t0 = time.time()
                    ours = (gated_oracle if args.gated else oracle)(args.tool, name, quantity, fname, xs)
                    t1 = time.time()
                    chunks = [xs[i:i + 2000] for i in range(0, len(xs), 2000)]
                    theirs = [r for part in pool.map(gated_work if args.gated else work,
                                                     [(name, quantity, fname, c) for c in chunks]) for r in part]
                    fmt = ir.Fmt(fname)
                    bad = zero_sign = 0
                    examples = []
                    for x, a, b in zip(xs, ours, theirs):
                        if a == b or (fmt.is_nan(a) and fmt.is_nan(b)):
                            continue
                        if fmt.is_zero(a) and fmt.is_zero(b):
                            zero_sign += 1
                        else:
                            bad += 1
                        if len(examples) < 3:
                            examples.append("x=%s oracle=0x%x independent=0x%x" % (x if isinstance(x, tuple) else hex(x), a, b))
                    failures += bad + zero_sign
                    rows.append((name, fname, quantity, len(xs), bad, zero_sign, t1 - t0, time.time() - t1, examples))
                    print("%-16s %-4s %-10s %8d inputs  disagree %d  zero-sign %d  (oracle %.1fs, independent %.1fs) %s"
                          % (name, fname, quantity, len(xs), bad, zero_sign, t1 - t0, time.time() - t1,
                             "; ".join(examples)), flush=True)
    total = sum(r[3] for r in rows)
    print("total: %d comparisons, %d disagreements" % (total, failures))
    if args.markdown:
        write_markdown(args, rows, total, failures)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
