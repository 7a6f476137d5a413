/// A binary64 midpoint-radius enclosure: the exact value lies in [v − r, v + r].
struct Ball: Sendable {
    var v: Double
    var r: Double

    init(v: Double, r: Double) {
        self.v = v
        self.r = r
    }

    /// The exact point x.
    init(_ x: Double) { self.init(v: x, r: 0) }

    /// The ball around an interval's lower end that holds it: [lo − (hi − lo), hi].
    init(_ a: FastInterval) { self.init(v: a.lo, r: a.hi - a.lo) }
}

/// The fast path's first tier: midpoint-radius balls in binary64, branch-free in the common case,
/// tried before `FastArithmetic`'s intervals (which track exact points, signs and one-signed
/// corners, and decide ties, zeros and everything this tier declines). An interval operation
/// chooses corners and rounds each end outward with `nextDown`/`nextUp`; a ball carries the
/// midpoint's own rounding and the propagated radius as a few multiply-adds, which made the
/// derivatives of gelu, gelu-tanh and mish (twenty-odd operations per input) about twice as fast.
///
/// Soundness, for each operation with exact operands in [a.v ± a.r], [b.v ± b.r]:
/// - the midpoint v is the binary64 result, within `rounding(v)` = 2^−53·|v| + 2^−1060 of the
///   exact operation on a.v, b.v (round to nearest: half an ulp, ≤ 2^−53·|v|, or 2^−1075 for a
///   subnormal result; 2^−1060 also covers the radius terms that are themselves subnormal);
/// - the radius adds how far the exact operation moves over the operands' balls: |a|·r_b + |b|·r_a
///   + r_a·r_b for a product, (r_a + |a/b|·r_b)/(|b| − r_b) for a quotient (only when |b| > r_b),
///   and for a libm function f a bound on |f′| or on |(ln f)′| over the ball, or, where the
///   ball is too wide for that, f at both of its ends (every libm function here is monotone);
/// - libm results carry `FastArithmetic`'s margin (2^−44 relative plus 2^−1040 absolute), on
///   the same grounds (composites in forms of condition number ≤ 1), and each libm radius adds
///   2^−1060 for its own products' underflow;
/// - every radius is a sum, product or quotient of nonnegative terms rounded to nearest, each step
///   within a factor 1 ± 2^−53 of exact; a formula takes far fewer than 2^12 steps, so
///   `enclosure` widens the final radius by 2^−40 relative, which covers them all (a quotient's
///   |b| − r_b magnifies r_b's own error by r_b/(|b| − r_b): the divisors here are constants with
///   r_b ≤ 2^−51·|b|). The thresholds that pick a slope bound (tanh's, erfc's, ±746, 373) use
///   the radius before that widening; each has more slack than 2^−40 relative.
/// A NaN or infinite midpoint or radius makes `enclosure` decline (then the interval tier runs).
struct BallArithmetic: RealOperations {
    static let roundingRelative = 0x1p-53
    static let roundingAbsolute = 0x1p-1060

    /// The error of one binary64 rounding that gave v.
    @inline(__always) private func rounding(_ v: Double) -> Double {
        Swift.abs(v) * Self.roundingRelative + Self.roundingAbsolute
    }

    /// The error of a libm result v (`FastArithmetic.libmRelative`, `libmAbsolute`).
    @inline(__always) private func libm(_ v: Double) -> Double {
        Swift.abs(v) * FastArithmetic.libmRelative + FastArithmetic.libmAbsolute
    }

    /// Below this, a libm argument's spread (its radius times the function's slope) counts as
    /// narrow: one libm call and a slope bound. Beyond it (in practice |x| above ~2^22, where a
    /// rounded constant's radius times x is large), f at both ends of the ball.
    static let narrow = 0x1p-30

    /// f over the ball for a monotone f, from v = f(a.v) (error e) and f at both ends: the exact
    /// value lies between f at the exact ends, each within `libm` of the computed one. Sums, not
    /// `max`, so that a NaN end (an infinite ball) stays NaN and declines.
    @inline(never) private func ends(_ a: Ball, v: Double, error e: Double, _ f: (Double) -> Double) -> Ball {
        let fl = f((a.v - a.r).nextDown), fh = f((a.v + a.r).nextUp)
        return Ball(v: v, r: Swift.abs(fl - v) + Swift.abs(fh - v) + libm(fl) + libm(fh) + e)
    }

    /// The radius where the exact value moves from one of at most `bound` by a factor within
    /// e^(±ρ) (ρ ≤ 1, so e^ρ − 1 ≤ ρ(1 + ρ)) and the computed one is within `e` of it.
    @inline(__always) private func moved(_ bound: Double, by rho: Double, error e: Double) -> Double {
        bound * (rho * (1 + rho)) + e + Self.roundingAbsolute
    }

    /// f(a) for a positive monotone f whose logarithmic derivative is at most `slope` in magnitude
    /// on the ball, from v = f(a.v) computed with error `e`: f moves by a factor e^(±ρ), ρ =
    /// slope·r.
    @inline(__always) private func logLipschitz(_ v: Double, error e: Double, slope: Double, _ a: Ball,
                                                _ f: (Double) -> Double) -> Ball {
        let rho = slope * a.r
        return rho <= Self.narrow ? Ball(v: v, r: moved(v + e, by: rho, error: e)) : ends(a, v: v, error: e, f)
    }

    /// The proven enclosure [lo, hi] of a finished ball, or nil for a NaN or infinite one.
    static func enclosure(_ b: Ball) -> (lo: Double, hi: Double)? {
        let r = b.r * (1 + 0x1p-40) + roundingAbsolute
        guard b.v.isFinite, r <= .greatestFiniteMagnitude else { return nil }
        return ((b.v - r).nextDown, (b.v + r).nextUp)
    }

    func constant(_ c: Constant) -> Ball { Ball(c.fast) }
    /// The interval tier's enclosure, held once there, as a ball.
    func constant(_ c: RealConstant) -> Ball { Ball(FastArithmetic().constant(c)) }
    func constant(_ n: Int) -> Ball { Ball(Double(n)) }
    /// |π − Double.pi| < 2^−52.
    var pi: Ball { Ball(v: .pi, r: 0x1p-51) }

    @inline(__always) func negate(_ a: Ball) -> Ball { Ball(v: -a.v, r: a.r) }
    @inline(__always) func abs(_ a: Ball) -> Ball { Ball(v: Swift.abs(a.v), r: a.r) }

    @inline(__always) func add(_ a: Ball, _ b: Ball) -> Ball {
        let v = a.v + b.v
        return Ball(v: v, r: a.r + b.r + rounding(v))
    }

    @inline(__always) func subtract(_ a: Ball, _ b: Ball) -> Ball { add(a, negate(b)) }

    @inline(__always) func multiply(_ a: Ball, _ b: Ball) -> Ball {
        let v = a.v * b.v
        return Ball(v: v, r: Swift.abs(a.v) * b.r + Swift.abs(b.v) * a.r + a.r * b.r + rounding(v))
    }

    /// |a/b| ≤ |v| + `rounding(v)`, and |b| − r_b > 0 bounds the divisor away from 0.
    @inline(__always) func divide(_ a: Ball, _ b: Ball) -> Ball {
        let v = a.v / b.v, e = rounding(v), d = Swift.abs(b.v) - b.r
        let r = (a.r + (Swift.abs(v) + e) * b.r) / d + e
        return Ball(v: v, r: d > 0 ? r : .infinity)
    }

    /// Exact but for underflow and overflow (an infinite midpoint declines).
    @inline(__always) func scale(_ a: Ball, byPowerOfTwo k: Int) -> Ball {
        let f = Double(sign: .plus, exponent: k, significand: 1)
        let v = a.v * f
        return Ball(v: v, r: a.r * f + rounding(v))
    }

    @inline(__always) func square(_ a: Ball) -> Ball {
        let m = Swift.abs(a.v), v = m * m
        return Ball(v: v, r: 2 * m * a.r + a.r * a.r + rounding(v))
    }

    /// √ moves by at most r/√(a.v) over [a.v − r, a.v + r] when a.v − r ≥ 0 (√x − √y =
    /// (x − y)/(√x + √y)); √(a.v) ≥ v − `rounding(v)`.
    func sqrt(_ a: Ball) -> Ball {
        let v = a.v.squareRoot(), e = rounding(v)
        if a.r == 0 { return Ball(v: v, r: e) }
        let below = v - e
        return Ball(v: v, r: a.v - a.r >= 0 && below > 0 ? a.r / below + e : .infinity)
    }

    /// e^(−m) for m ≥ 0: 0 from m = 746 on (e^(−746) < 2^−1076 rounds to 0) without the call,
    /// whose underflow path (errno) cost a twentieth of an exhaustive gelu-tanh′ run.
    @inline(__always) private func expMinus(_ m: Double) -> Double { m >= 746 ? 0 : cExp(-m) }

    /// (ln exp)′ = 1; where the ball lies below −746, e^t < 2^−1076 is inside the margin.
    func exp(_ a: Ball) -> Ball {
        let v = a.v <= -746 ? 0 : cExp(a.v), e = libm(v)
        if a.v + a.r < -746 { return Ball(v: v, r: e) }
        return logLipschitz(v, error: e, slope: 1, a, cExp)
    }

    /// expm1(t + δ) − expm1(t) = e^t·(e^δ − 1), and e^t = 1 + expm1(t) ≤ 1 + v + error.
    func expm1(_ a: Ball) -> Ball {
        let v = cExpm1(a.v), e = libm(v)
        return a.r <= Self.narrow ? Ball(v: v, r: moved(1 + v + e, by: a.r, error: e)) : ends(a, v: v, error: e, cExpm1)
    }

    /// |tanh′| = sech² ≤ min(1, 4e^(−2m)), m the least |t| on the ball: below 2^−3, 2^−12, 2^−26,
    /// 2^−55 and 2^−1000 from m = 2, 5, 10, 20 and 400 on.
    func tanh(_ a: Ball) -> Ball {
        let v = cTanh(a.v), e = libm(v), m = Swift.abs(a.v) - a.r
        let slope = m >= 20 ? (m >= 400 ? 0x1p-1000 : 0x1p-55) : (m >= 10 ? 0x1p-26 : (m >= 5 ? 0x1p-12 : (m >= 2 ? 0x1p-3 : 1)))
        let rho = a.r * slope
        return rho <= Self.narrow ? Ball(v: v, r: rho + e + Self.roundingAbsolute) : ends(a, v: v, error: e, cTanh)
    }

    /// |(ln erfc)′(z)| < 2·max(z, 0) + 1.5 (`FastArithmetic.erfc`), taken at the ball's top; for
    /// z < 0 it is (2/√π)e^(−z²)/erfc(z) < 1.13·e^(−z²) (erfc > 1 there): < 2^−51 where the top
    /// is below −6, < 2^−1000 below −27.
    func erfc(_ a: Ball) -> Ball {
        let v = cErfc(a.v), top = a.v + a.r
        let slope = top < -27 ? 0x1p-1000 : (top < -6 ? 0x1p-51 : 2 * Swift.max(top, 0) + 1.5)
        return logLipschitz(v, error: libm(v), slope: slope, a, cErfc)
    }

    /// 1/cosh², three roundings after cosh (within four libm margins, an underflow included:
    /// where 1/cosh² underflows, sech² < 2^−1040); |(ln sech²)′| = 2|tanh| ≤ 2. A wide ball:
    /// sech² is decreasing in |t|, so its ends are |t|'s.
    func sechSquared(_ a: Ball) -> Ball {
        @inline(__always) func f(_ t: Double) -> Double { let s = 1 / cCosh(t); return s * s }
        let v = f(a.v), e = 4 * libm(v), rho = 2 * a.r
        if rho <= Self.narrow { return Ball(v: v, r: moved(v + e, by: rho, error: e)) }
        let m = Swift.abs(a.v)
        // |t| ≥ 373 on the whole ball: sech² ≤ 4e^(−746) < 2^−1074, inside the margin.
        if m - a.r >= 373 { return Ball(v: v, r: e) }
        let fl = f(Swift.max((m - a.r).nextDown, 0)), fh = f((m + a.r).nextUp)
        return Ball(v: v, r: Swift.abs(fl - v) + Swift.abs(fh - v) + 4 * (libm(fl) + libm(fh)) + e)
    }

    /// σ(t) = s or e·s with e = e^(−|t|), s = 1/(1 + e): no cancellation, no overflow, within the
    /// libm margin (`FastArithmetic.sigmoid`); σ(−t) is the other one of the two.
    @inline(__always) private func logistic(_ t: Double) -> (plus: Double, minus: Double, e: Double) {
        let e = expMinus(Swift.abs(t)), s = 1 / (1 + e), es = e * s
        return t >= 0 ? (s, es, e) : (es, s, e)
    }

    func sigmoid(_ a: Ball) -> Ball {
        let s = logistic(a.v)
        return sigmoid(a, s.plus, expMinusAbs: s.e)
    }

    /// σ(t) and σ(−t) from one e = e^(−|t|).
    func sigmoids(_ a: Ball) -> (plus: Ball, minus: Ball) {
        let s = logistic(a.v)
        return (sigmoid(a, s.plus, expMinusAbs: s.e), sigmoid(negate(a), s.minus, expMinusAbs: s.e))
    }

    /// σ over the ball from v = σ(a.v) and e = e^(−|a.v|): (ln σ)′ = σ(−t) ≤ min(1, e^(−t)); for
    /// t > 0 with r ≤ 1, e^(−t) ≤ e^(−a.v)·e^r < 2.72·e^(−a.v) on the ball, and < 2^−1000 where the
    /// whole ball lies above 746 (so far right, where σ rounds to 1 long before, a wide ball stays
    /// narrow); where it lies below −746, σ < e^(−746) < 2^−1076 is inside the margin.
    @inline(__always) private func sigmoid(_ a: Ball, _ v: Double, expMinusAbs e: Double) -> Ball {
        if a.v + a.r < -746 { return Ball(v: v, r: libm(v)) }
        let slope = a.v - a.r >= 746 ? 0x1p-1000 : (a.v > 0 && a.r <= 1 ? Swift.min(1, 2.72 * (e + libm(e))) : 1)
        return logLipschitz(v, error: libm(v), slope: slope, a) { t in logistic(t).plus }
    }

    /// max(t, 0) + log1p(e^(−|t|)), both terms nonnegative (`FastArithmetic.softplus`);
    /// (ln softplus)′ = σ/softplus ≤ 1/ln 2 < 1.45 (softplus ≥ σ for t ≤ 0, ≥ ln 2 above), and
    /// ≤ 1/t where t ≥ 1 on the whole ball (σ < 1, softplus > t).
    func softplus(_ a: Ball) -> Ball {
        @inline(__always) func f(_ t: Double) -> Double { Swift.max(t, 0) + cLog1p(expMinus(Swift.abs(t))) }
        let v = f(a.v), low = a.v - a.r
        return logLipschitz(v, error: libm(v), slope: low >= 1 ? Swift.min(1.45, 1 / low) : 1.45, a, f)
    }

    /// The series near 0 for an exact t (`FastArithmetic.tanhShrink`), else the difference.
    func tanhShrink(_ a: Ball) -> Ball {
        guard a.r == 0, Swift.abs(a.v) <= 0x1p-4 else { return subtract(a, tanh(a)) }
        let box = FastArithmetic().tanhShrink(FastInterval(a.v))
        return Ball(v: box.lo, r: box.hi - box.lo)
    }
}
