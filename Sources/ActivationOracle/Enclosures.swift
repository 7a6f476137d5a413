import ActivationCatalog
import CMPFR
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The C library's functions under names the arithmetic models' methods do not shadow.
func cExp(_ x: Double) -> Double { exp(x) }
func cExpm1(_ x: Double) -> Double { expm1(x) }
func cLog1p(_ x: Double) -> Double { log1p(x) }
func cTanh(_ x: Double) -> Double { tanh(x) }
func cErfc(_ x: Double) -> Double { erfc(x) }
func cCosh(_ x: Double) -> Double { cosh(x) }

/// The operations every formula in `Definitions.swift` is written in, once, generically. Four
/// models evaluate them:
/// - `ExactArithmetic` (rational pieces only): exact rationals, rounded once by round-to-odd;
/// - `IntervalArithmetic`: MPFR enclosures at any precision with proven-open endpoints — the
///   oracle's Ziv loop;
/// - `BallArithmetic` (real pieces): binary64 midpoint-radius enclosures — the fast path's first
///   tier, which decides nearly every binary16/bfloat16/binary32 result of a real piece;
/// - `FastArithmetic`: binary64 intervals widened outward at every step, with exact points and
///   proven signs — the fast path's second tier (ties, zeros, rational pieces), which hands the
///   rest to Ziv's loop.
protocol RationalOperations {
    associatedtype Value
    func constant(_ c: Constant) -> Value
    func constant(_ n: Int) -> Value
    func negate(_ a: Value) -> Value
    func abs(_ a: Value) -> Value
    func add(_ a: Value, _ b: Value) -> Value
    func subtract(_ a: Value, _ b: Value) -> Value
    func multiply(_ a: Value, _ b: Value) -> Value
    /// a/b; b excludes 0 in every formula here.
    func divide(_ a: Value, _ b: Value) -> Value
}

protocol RealOperations: RationalOperations {
    var pi: Value { get }
    /// A real constant of a formula (`RealConstant`); the fast path keeps its enclosure from the
    /// first use on instead of evaluating it for every input.
    func constant(_ c: RealConstant) -> Value
    func scale(_ a: Value, byPowerOfTwo k: Int) -> Value
    func square(_ a: Value) -> Value
    func sqrt(_ a: Value) -> Value
    func exp(_ a: Value) -> Value
    func expm1(_ a: Value) -> Value
    func tanh(_ a: Value) -> Value
    func erfc(_ a: Value) -> Value
    /// sech²(a), even, decreasing in |a|.
    func sechSquared(_ a: Value) -> Value
    /// σ(a) = 1/(1 + e^(−a)).
    func sigmoid(_ a: Value) -> Value
    /// σ(a) and σ(−a) (by default two `sigmoid`s; the ball tier shares one e^(−|a|)).
    func sigmoids(_ a: Value) -> (plus: Value, minus: Value)
    /// softplus(a) = log(1 + e^a).
    func softplus(_ a: Value) -> Value
    /// a − tanh(a), increasing; near 0 the two cancel, so the fast path uses the series.
    func tanhShrink(_ a: Value) -> Value
}

extension RealOperations {
    func sigmoids(_ a: Value) -> (plus: Value, minus: Value) { (sigmoid(a), sigmoid(negate(a))) }
}

/// The irrational constants of the formulas, each defined once, as an expression in the same
/// operations (so every model encloses it soundly).
enum RealConstant: Int, CaseIterable {
    case sqrtHalf, sqrtTwoPi, sqrtTwoOverPi

    func evaluate<A: RealOperations>(_ a: A) -> A.Value {
        switch self {
        case .sqrtHalf: a.sqrt(a.divide(a.constant(1), a.constant(2)))
        case .sqrtTwoPi: a.sqrt(a.scale(a.pi, byPowerOfTwo: 1))
        case .sqrtTwoOverPi: a.sqrt(a.divide(a.constant(2), a.pi))
        }
    }
}

/// An exact rational constant of a formula (a parameter, 0.044715, ...) with its binary64
/// enclosure computed once, so the fast path never converts it per call.
struct Constant: @unchecked Sendable {
    let exact: ExactRational
    let fast: FastInterval
    /// The same in machine integers where it fits (`SmallRational`), for the fast path's ties.
    let small: SmallRational?

    init(_ q: ExactRational) {
        exact = q
        let lo = BigFloat(precision: 53), hi = BigFloat(precision: 53)
        mpfr_div(lo.raw, q.num.raw, q.den.raw, MPFR_RNDD)
        mpfr_div(hi.raw, q.num.raw, q.den.raw, MPFR_RNDU)
        let l = mpfr_get_d(lo.raw, MPFR_RNDD), h = mpfr_get_d(hi.raw, MPFR_RNDU)
        fast = FastInterval(lo: l, hi: h, sign: q.sign)
        small = SmallRational(q)
    }
    init(_ n: Int) { self.init(ExactRational(n)) }
}

/// Rational pieces, exactly.
struct ExactArithmetic: RationalOperations {
    func constant(_ c: Constant) -> ExactRational { c.exact }
    func constant(_ n: Int) -> ExactRational { ExactRational(n) }
    func negate(_ a: ExactRational) -> ExactRational { -a }
    func abs(_ a: ExactRational) -> ExactRational { a.absoluteValue }
    func add(_ a: ExactRational, _ b: ExactRational) -> ExactRational { a + b }
    func subtract(_ a: ExactRational, _ b: ExactRational) -> ExactRational { a - b }
    func multiply(_ a: ExactRational, _ b: ExactRational) -> ExactRational { a * b }
    func divide(_ a: ExactRational, _ b: ExactRational) -> ExactRational { a / b }
}

extension IntervalArithmetic: RealOperations {
    func constant(_ c: Constant) -> Interval { constant(c.exact) }
    func constant(_ c: RealConstant) -> Interval { c.evaluate(self) }
    /// Ziv's loop supplies the bits the cancellation costs.
    func tanhShrink(_ a: Interval) -> Interval { subtract(a, tanh(a)) }
}

/// A binary64 enclosure [lo, hi] of a real value, plus its sign when proven (+1 or −1; 0 when
/// unknown), which decides the sign of results that round to zero. A point interval (lo == hi)
/// is exact: operations widen only when they were inexact.
struct FastInterval: Sendable {
    var lo: Double
    var hi: Double
    var sign: Int

    init(lo: Double, hi: Double, sign: Int = 0) {
        self.lo = lo
        self.hi = hi
        self.sign = sign != 0 ? sign : (lo > 0 ? 1 : (hi < 0 ? -1 : 0))
    }

    /// The exact point x.
    init(_ x: Double) { self.init(lo: x, hi: x) }

    var isPoint: Bool { lo == hi }
}

/// binary64 enclosures. Soundness rests on two facts only:
/// - IEEE 754 +, −, ×, ÷, √ and fma are correctly rounded to nearest, so the exact result lies
///   within one ulp of the computed one: `nextDown`/`nextUp` bound it (error-free transformations
///   tell exact results, which stay points);
/// - glibc's exp, expm1, log1p, tanh, erfc and cosh are within a few ulps (glibc's manual lists at
///   most 5 for these on x86-64; the CORE-MATH and glibc authors' analyses give < 1 for exp,
///   expm1 and log1p): each result is widened by `libmRelative` = 2^−44 (> 250 ulps) plus
///   `libmAbsolute` = 2^−1040 for underflowed results, a margin the tests and the bulk
///   comparison with MPFR (see Reference/oracle-fast-path.md) check.
/// A NaN endpoint (inf − inf) makes the caller escalate; infinite endpoints are valid bounds.
struct FastArithmetic: RealOperations {
    static let libmRelative = 0x1p-44
    static let libmAbsolute = 0x1p-1040

    @inline(__always) private func down(_ x: Double) -> Double { x.nextDown }
    @inline(__always) private func up(_ x: Double) -> Double { x.nextUp }

    /// A libm result enclosed with the margin (before sign information is added).
    @inline(__always) private func libm(_ lo: Double, _ hi: Double, sign: Int) -> FastInterval {
        let l = lo - (Swift.abs(lo) * Self.libmRelative + Self.libmAbsolute)
        let h = hi + (Swift.abs(hi) * Self.libmRelative + Self.libmAbsolute)
        return FastInterval(lo: sign > 0 ? Swift.max(l, 0) : l, hi: sign < 0 ? Swift.min(h, 0) : h, sign: sign)
    }

    func constant(_ c: Constant) -> FastInterval { c.fast }
    private static let sqrtHalf = RealConstant.sqrtHalf.evaluate(FastArithmetic())
    private static let sqrtTwoPi = RealConstant.sqrtTwoPi.evaluate(FastArithmetic())
    private static let sqrtTwoOverPi = RealConstant.sqrtTwoOverPi.evaluate(FastArithmetic())
    /// One stored enclosure each (an array would be retained and released per use).
    func constant(_ c: RealConstant) -> FastInterval {
        switch c {
        case .sqrtHalf: Self.sqrtHalf
        case .sqrtTwoPi: Self.sqrtTwoPi
        case .sqrtTwoOverPi: Self.sqrtTwoOverPi
        }
    }
    func constant(_ n: Int) -> FastInterval { FastInterval(Double(n)) }

    @inline(__always) func negate(_ a: FastInterval) -> FastInterval { FastInterval(lo: -a.hi, hi: -a.lo, sign: -a.sign) }

    @inline(__always) func abs(_ a: FastInterval) -> FastInterval {
        if a.lo >= 0 { return a }
        if a.hi <= 0 { return negate(a) }
        return FastInterval(lo: 0, hi: Swift.max(-a.lo, a.hi), sign: a.sign != 0 ? 1 : 0)
    }

    @inline(__always) func add(_ a: FastInterval, _ b: FastInterval) -> FastInterval {
        let sign = a.sign == b.sign ? a.sign : 0
        if a.isPoint && b.isPoint {
            let s = a.lo + b.lo
            // TwoSum: the rounding error of s, exactly.
            let bb = s - a.lo, e = (a.lo - (s - bb)) + (b.lo - bb)
            if e == 0 && s.isFinite { return FastInterval(lo: s, hi: s, sign: sign) }
            return FastInterval(lo: down(s), hi: up(s), sign: sign)
        }
        return FastInterval(lo: down(a.lo + b.lo), hi: up(a.hi + b.hi), sign: sign)
    }

    @inline(__always) func subtract(_ a: FastInterval, _ b: FastInterval) -> FastInterval { add(a, negate(b)) }

    @inline(__always) func multiply(_ a: FastInterval, _ b: FastInterval) -> FastInterval {
        let sign = a.sign &* b.sign  // each −1, 0 or 1
        if a.isPoint && b.isPoint {
            let p = a.lo * b.lo
            // fma gives the product's rounding error exactly (when p is normal).
            if p == 0 ? (a.lo == 0 || b.lo == 0) : (p.isNormal && p.addingProduct(-a.lo, b.lo) == 0) {
                return FastInterval(lo: p, hi: p, sign: sign)
            }
            return FastInterval(lo: down(p), hi: up(p), sign: sign)
        }
        // One-signed factors (nearly every product in these formulas): the extremes are known
        // corners, the ones `hull` would pick (rounding is monotone), at two products instead of four.
        @inline(__always) func p(_ x: Double, _ y: Double) -> Double { let r = x * y; return r.isNaN ? 0 : r }
        if a.lo >= 0 {
            if b.lo >= 0 { return FastInterval(lo: down(p(a.lo, b.lo)), hi: up(p(a.hi, b.hi)), sign: sign) }
            if b.hi <= 0 { return FastInterval(lo: down(p(a.hi, b.lo)), hi: up(p(a.lo, b.hi)), sign: sign) }
        } else if a.hi <= 0 {
            if b.lo >= 0 { return FastInterval(lo: down(p(a.lo, b.hi)), hi: up(p(a.hi, b.lo)), sign: sign) }
            if b.hi <= 0 { return FastInterval(lo: down(p(a.hi, b.hi)), hi: up(p(a.lo, b.lo)), sign: sign) }
        }
        return hull(a, b, sign: sign) { $0 * $1 }
    }

    @inline(__always) func divide(_ a: FastInterval, _ b: FastInterval) -> FastInterval {
        if b.lo <= 0 && b.hi >= 0 { return FastInterval(lo: -.infinity, hi: .infinity) }
        let sign = a.sign &* b.sign
        if a.isPoint && b.isPoint {
            let q = a.lo / b.lo
            if a.lo == 0 { return FastInterval(lo: 0, hi: 0) }
            // The remainder a − q·b is exact in an fma; zero means q is the quotient.
            if q.isNormal && a.lo.addingProduct(-q, b.lo) == 0 { return FastInterval(lo: q, hi: q, sign: sign) }
            return FastInterval(lo: down(q), hi: up(q), sign: sign)
        }
        // b is one-signed here; a one-signed too (nearly always): the extremes are known corners.
        @inline(__always) func q(_ x: Double, _ y: Double) -> Double { let r = x / y; return r.isNaN ? 0 : r }
        if b.lo > 0 {
            if a.lo >= 0 { return FastInterval(lo: down(q(a.lo, b.hi)), hi: up(q(a.hi, b.lo)), sign: sign) }
            if a.hi <= 0 { return FastInterval(lo: down(q(a.lo, b.lo)), hi: up(q(a.hi, b.hi)), sign: sign) }
        } else {
            if a.lo >= 0 { return FastInterval(lo: down(q(a.hi, b.hi)), hi: up(q(a.lo, b.lo)), sign: sign) }
            if a.hi <= 0 { return FastInterval(lo: down(q(a.hi, b.lo)), hi: up(q(a.lo, b.hi)), sign: sign) }
        }
        return hull(a, b, sign: sign) { $0 / $1 }
    }

    /// Min and max over the corner values, one ulp outward; 0·∞ counts as 0.
    @inline(__always)
    private func hull(_ a: FastInterval, _ b: FastInterval, sign: Int, _ op: (Double, Double) -> Double) -> FastInterval {
        func f(_ x: Double, _ y: Double) -> Double { let r = op(x, y); return r.isNaN ? 0 : r }
        let p1 = f(a.lo, b.lo), p2 = f(a.lo, b.hi), p3 = f(a.hi, b.lo), p4 = f(a.hi, b.hi)
        return FastInterval(lo: down(Swift.min(Swift.min(p1, p2), Swift.min(p3, p4))),
                            hi: up(Swift.max(Swift.max(p1, p2), Swift.max(p3, p4))), sign: sign)
    }

    var pi: FastInterval { FastInterval(lo: Double.pi.nextDown, hi: Double.pi.nextUp, sign: 1) }

    @inline(__always) func scale(_ a: FastInterval, byPowerOfTwo k: Int) -> FastInterval {
        let f = Double(sign: .plus, exponent: k, significand: 1)
        let lo = a.lo * f, hi = a.hi * f
        let exact = (lo == 0 || lo.isNormal) && (hi == 0 || hi.isNormal) && (lo != 0 || a.lo == 0) && (hi != 0 || a.hi == 0)
        return exact ? FastInterval(lo: lo, hi: hi, sign: a.sign) : FastInterval(lo: down(lo), hi: up(hi), sign: a.sign)
    }

    @inline(__always) func square(_ a: FastInterval) -> FastInterval {
        let m = abs(a)
        let r = multiply(FastInterval(lo: m.lo, hi: m.lo, sign: m.sign), FastInterval(lo: m.lo, hi: m.lo, sign: m.sign))
        let s = multiply(FastInterval(lo: m.hi, hi: m.hi, sign: m.sign), FastInterval(lo: m.hi, hi: m.hi, sign: m.sign))
        return FastInterval(lo: Swift.max(r.lo, 0), hi: s.hi, sign: a.sign != 0 ? 1 : 0)
    }

    @inline(__always) func sqrt(_ a: FastInterval) -> FastInterval {
        let l = a.lo.squareRoot(), h = a.isPoint ? l : a.hi.squareRoot()
        let exact = a.isPoint && (-a.lo).addingProduct(l, l) == 0
        if exact { return FastInterval(lo: l, hi: l, sign: a.sign) }
        return FastInterval(lo: Swift.max(down(l), 0), hi: up(h), sign: a.sign)
    }

    /// The increasing libm function f at both endpoints, with the margin.
    @inline(__always)
    private func increasing(_ a: FastInterval, sign: Int, _ f: (Double) -> Double) -> FastInterval {
        let atLo = f(a.lo)
        return libm(atLo, a.isPoint ? atLo : f(a.hi), sign: sign)
    }

    /// The same for an increasing f > 0 whose logarithmic derivative is at most 1 (exp, σ): one
    /// call on a narrow interval (`narrowWidth`).
    @inline(__always)
    private func increasingPositive(_ a: FastInterval, _ f: (Double) -> Double) -> FastInterval {
        let atLo = f(a.lo)
        if let d = narrowWidth(a) { return growing(libm(atLo, atLo, sign: 1), by: d) }
        return libm(atLo, a.isPoint ? atLo : f(a.hi), sign: 1)
    }

    /// The width d of a non-point interval when it is at most 2^−36 (every enclosure of a formula
    /// evaluated at one input, until a wide one meets a cancellation or a pole), else nil. On such
    /// an interval a function f > 0 whose logarithmic derivative is at most 1 in magnitude (exp, σ,
    /// cosh) moves by a factor e^(±d) from one end to the other, and e^d ≤ 1 + 2d for 0 ≤ d ≤ 1,
    /// e^(−d) ≥ 1 − d: one libm call at the lower end bounds both ends, at a width of 2d relative
    /// (≤ 2^−35, far under any format's half ulp here), instead of a second call.
    @inline(__always) private func narrowWidth(_ a: FastInterval) -> Double? {
        guard !a.isPoint else { return nil }
        let d = up(a.hi - a.lo)
        return d <= 0x1p-36 ? d : nil
    }

    /// f(a.hi) ≤ f(a.lo)·(1 + 2d) from the enclosure [lo, hi] of f(a.lo) (see `narrowWidth`).
    @inline(__always) private func growing(_ atLo: FastInterval, by d: Double) -> FastInterval {
        FastInterval(lo: atLo.lo, hi: up(atLo.hi * up(1 + 2 * d)), sign: atLo.sign)
    }

    func exp(_ a: FastInterval) -> FastInterval { increasingPositive(a, cExp) }
    func expm1(_ a: FastInterval) -> FastInterval { increasing(a, sign: a.sign, cExpm1) }
    /// On a narrow interval (`narrowWidth`) one call: tanh′ ≤ 1, so tanh(hi) ≤ tanh(lo) + d, used
    /// where d is at most 2^−36 of |tanh(lo)| (else both ends are evaluated).
    func tanh(_ a: FastInterval) -> FastInterval {
        guard let d = narrowWidth(a) else { return increasing(a, sign: a.sign, cTanh) }
        let t = cTanh(a.lo)
        guard d <= 0x1p-36 * Swift.abs(t) else { return increasing(a, sign: a.sign, cTanh) }
        let atLo = libm(t, t, sign: a.sign)
        let h = up(atLo.hi + d)
        return FastInterval(lo: atLo.lo, hi: a.sign < 0 ? Swift.min(h, 0) : h, sign: a.sign)
    }

    /// On a narrow interval one call: erfc is decreasing with |(ln erfc)′(z)| < L = 2·max(z, 0) + 1.5
    /// (2/√π below 0, where erfc > 1; above, z + √(z² + 2) by the bound
    /// erfc z > 2e^(−z²)/(√π(z + √(z² + 2))), Abramowitz & Stegun 7.1.13), so
    /// erfc(hi) ≥ erfc(lo)·(1 − L·d), used where L·d ≤ 2^−36.
    func erfc(_ a: FastInterval) -> FastInterval {
        let atLo = cErfc(a.lo)
        if let d = narrowWidth(a) {
            let spread = up(up(2 * Swift.max(a.hi, 0) + 1.5) * d)
            if spread <= 0x1p-36 {
                let e = libm(atLo, atLo, sign: 1)
                return FastInterval(lo: down(e.lo * down(1 - spread)), hi: e.hi, sign: 1)
            }
        }
        return libm(a.isPoint ? atLo : cErfc(a.hi), atLo, sign: 1)
    }

    func sechSquared(_ a: FastInterval) -> FastInterval {
        let m = abs(a)
        // 1/cosh: cosh's margin, then one rounded division per endpoint; on a narrow interval
        // cosh(m.hi) ≤ cosh(m.lo)·(1 + 2d) (|tanh| ≤ 1 is cosh's logarithmic derivative).
        let cLo = libm(cCosh(m.lo), cCosh(m.lo), sign: 1)
        let cHi = narrowWidth(m).map { growing(cLo, by: $0) } ?? libm(cCosh(m.hi), cCosh(m.hi), sign: 1)
        let s = FastInterval(lo: down(1 / cHi.hi), hi: up(1 / cLo.lo), sign: 1)
        return square(s)
    }

    /// σ at each endpoint in the form without cancellation (1/(1 + e^(−t)) for t ≥ 0, e^t/(1 + e^t)
    /// below): exp's error passes through with a factor ≤ 1 and the two roundings add 2 ulps,
    /// all inside the libm margin. On a narrow interval σ at the lower end only: (ln σ)′ = σ(−t) ≤ 1
    /// (`narrowWidth`).
    func sigmoid(_ a: FastInterval) -> FastInterval {
        increasingPositive(a) { t in
            if t >= 0 { return 1 / (1 + cExp(-t)) }
            let e = cExp(t)
            return e / (1 + e)
        }
    }

    /// t − tanh t. For |t| ≤ 1/16 the alternating series t³/3 − 2t⁵/15 + 17t⁷/315 − … through
    /// t¹³ (terms decrease, so the first one left out, < 2^−56 of the sum, bounds the truncation;
    /// Horner's roundings add < 2^−48), inside the libm margin; beyond, the difference as is.
    func tanhShrink(_ a: FastInterval) -> FastInterval {
        guard a.isPoint, Swift.abs(a.lo) <= 0x1p-4 else { return subtract(a, tanh(a)) }
        let t = a.lo, t2 = t * t
        var p = -21844.0 / 6081075
        p = p * t2 + 1382.0 / 155925
        p = p * t2 - 62.0 / 2835
        p = p * t2 + 17.0 / 315
        p = p * t2 - 2.0 / 15
        p = p * t2 + 1.0 / 3
        let v = t * t2 * p
        return libm(v, v, sign: a.sign)
    }

    /// softplus at each endpoint: log1p(e^t) for t < 0, t + log1p(e^(−t)) for t ≥ 0 (both terms
    /// positive); condition numbers ≤ 1, so the libm margin covers every step.
    func softplus(_ a: FastInterval) -> FastInterval {
        @inline(__always) func s(_ t: Double) -> Double {
            t < 0 ? cLog1p(cExp(t)) : t + cLog1p(cExp(-t))
        }
        return libm(s(a.lo), a.isPoint ? s(a.lo) : s(a.hi), sign: 1)
    }
}
