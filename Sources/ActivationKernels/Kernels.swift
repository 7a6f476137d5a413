import ActivationCatalog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// σ with e = e^(−|x|) from `FastExp` (no libm call; lane forms), 1/(1 + e) or e/(1 + e) by the
/// sign of x (the numerator selected first: one division); σ′ = e/(1 + e)², clamped at 1/4.
/// Past |x| = 700 (subnormal e) and for NaN, libm.
public struct SigmoidKernel: ActivationKernel {
    public init() {}
    public static var isVectorized: Bool { true }
    public func value(_ x: Double) -> Double { Self.sigma(x) }
    /// σ(x) = 1 − σ(−x) < 1; near 0, σ(x) = 1/2 + x/4 − …, which is 1/2 in Double below
    /// |x| = 2^−54 (and 1/2 times a scale can be a midpoint).
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        let v = value(x)
        if v == 0.5 && x != 0 { return (v, x > 0 ? 1 : -1) }
        return limitTail(v, 1, sign: -1, at: x)
    }
    public func derivative(_ x: Double) -> Double {
        guard abs(x) <= 700 else { return logisticDerivative(x) }
        return logisticDerivative(expMinusAbs: FastExp.exp(-abs(x)))
    }
    /// σ′(x) = σ(x)σ(−x) ≤ 1/4 with equality only at 0 (1/4 − x²/16 + …): 1/4 in Double for
    /// |x| < 2^−26, and 1/4 times b is a midpoint for every subnormal b ≡ 2 mod 4 (glu's ∂/∂a in
    /// bfloat16, found by `exhaustive pairs glu --wrt a`): below it.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? {
        let v = derivative(x)
        return v == 0.25 && x != 0 ? (v, -1) : nil
    }
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard derivative else { return Self.sigma(x) }
        return Self.expMinusAbs(x).map { logisticDerivative(expMinusAbs: $0) }
    }

    public static var hasFloatLanes: Bool { true }
    /// Float results: σ = 1/(1 + e^(−x)) and σ′ = e/(1 + e)², e = e^(−|x|), by
    /// `FastExp.ForFloat.exp` (argument clamped at ±700, where σ is 0 or 1 and σ′ is 0 in Float).
    /// Neither form cancels: a relative error ε in e^t moves σ by at most ε·e/(1 + e) and σ′ by
    /// at most ε·|1 − e|/(1 + e), so both stay within 2^−28.8 before the rounding to Float.
    /// A NaN input is returned.
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { return logisticDerivative(expMinusAbs: FastExp.ForFloat.exp(-x.magnitude.clamped(to: 700))).keepingNaN(of: x) }
        return FastExp.ForFloat.logisticProduct(DoubleLanes(repeating: 1), x).keepingNaN(of: x)
    }

    /// σ(x), scalar and in lanes with the same operations (sigmoid, softplus′, log-sigmoid′).
    @inline(__always) static func sigma(_ x: Double) -> Double {
        guard abs(x) <= 700 else { return logistic(x) }
        let e = FastExp.exp(-abs(x))
        return (x >= 0 ? 1 : e) / (1 + e)
    }

    @inline(__always) static func sigma(_ x: DoubleLanes) -> DoubleLanes? {
        guard let e = expMinusAbs(x) else { return nil }
        return DoubleLanes(repeating: 1).replacing(with: e, where: x .< 0) / (1 + e)
    }

    /// e^(−|x|) in lanes, or nil when a lane is past 700 or NaN.
    @inline(__always) static func expMinusAbs(_ x: DoubleLanes) -> DoubleLanes? {
        let m = x.magnitude
        guard (m .<= 700).allTrue else { return nil }            // also false for NaN lanes
        return FastExp.exp(-m)
    }
}

public struct TanhKernel: ActivationKernel {
    public init() {}
    public func value(_ x: Double) -> Double { tanh(x) }
    /// |tanh x| < 1, and tanh x = x − x³/3 + … is x to Double precision for |x| < 2^−27, while x
    /// can be a midpoint of a narrower output (bfloat16 from float32): x with the tail's sign
    /// (glibc's tanh(0x1.01p−54) is one ulp above x, which crossed that midpoint).
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        if abs(x) < 0x1p-27 && x != 0 { return (x, x > 0 ? -1 : 1) }
        let v = value(x)
        return (v, v == 1 && x.isFinite ? -1 : (v == -1 && x.isFinite ? 1 : 0))
    }
    /// sech²(x) = 4e/(1 + e)², e = e^(−2|x|): not 1 − tanh², which is 0 once tanh rounds to ±1.
    /// Clamped at its maximum 1, which rounding could overshoot near 0.
    public func derivative(_ x: Double) -> Double {
        let e = exp(-2 * abs(x))
        return min(4 * e / ((1 + e) * (1 + e)), 1)
    }
    /// sech²(x) < 1 for x ≠ 0 but 1 in Double for |x| < 2^−27: below it (1 times a scale can be a midpoint).
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? {
        let v = derivative(x)
        return v == 1 && x != 0 && x.isFinite ? (v, -1) : nil
    }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes: tanh|x| = −m/(2 + m), m = e^(−2|x|) − 1 by `FastExp.expm1` (relative, so small
    /// |x| keeps its digits), the sign put back; sech² = 4e/(1 + e)². |x| is clamped at 350, where
    /// both are ±1 and 0 in Float. NaN propagates.
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        let m = x.magnitude
        let a = -2 * m.replacing(with: 350, where: m .> 350)
        if derivative {
            let e = FastExp.exp(a)
            return 4 * e / ((1 + e) * (1 + e))
        }
        let e = FastExp.expm1(a)
        return (-e / (2 + e)).withSign(of: x)
    }
    /// Float results: the same forms from `FastExp.ForFloat` (e^t − 1 within 2^−31.8 relative,
    /// e^t within 2^−28.9). tanh|x| = −m/(2 + m) has relative condition 2/(2 + m) ≤ 2 in m, and
    /// sech² = 4e/(1 + e)² condition |1 − e|/(1 + e) < 1 in e: within 2^−30.8 and 2^−28.8 before the
    /// rounding to Float. A NaN input is returned.
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        let a = -2 * x.magnitude.clamped(to: 350)
        if derivative { return (4 * logisticDerivative(expMinusAbs: FastExp.ForFloat.exp(a))).keepingNaN(of: x) }
        let m = FastExp.ForFloat.expm1(a)
        return (-m / (2 + m)).withSign(of: x).keepingNaN(of: x)
    }
}




/// scale·x for x > 0, scale·alpha·(e^(inputScale·x) − 1) below: elu, selu and celu (inputScale
/// 1/alpha). expm1, not exp − 1, keeps the digits of small negative x.
public struct ExponentialUnitKernel: ActivationKernel {
    let negativeScale: Double   // scale·alpha
    let positiveScale: Double   // scale
    let inputScale: Double      // 1/alpha for celu, else 1
    let side: Side?
    public init(negativeScale: Double, positiveScale: Double, inputScale: Double, side: Side?) {
        self.negativeScale = negativeScale
        self.positiveScale = positiveScale
        self.inputScale = inputScale
        self.side = side
    }
    /// Just left of 0, f = k·(s·x) + k·(s·x)²/2 + … (k = scale·alpha): where the Double result is
    /// x itself (elu, celu), the lost square term's sign, k's, breaks a midpoint tie.
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        guard x < 0 && x > -0x1p-26 else { return nil }
        return identityTail(x, value(x), sign: negativeScale > 0 ? 1 : -1)
    }
    public func value(_ x: Double) -> Double {
        x > 0 ? positiveScale * x : negativeScale * expm1(x * inputScale)
    }
    public func derivative(_ x: Double) -> Double {
        let a = x * inputScale
        let below = x.isNaN ? x : negativeScale * inputScale * (abs(a) <= 700 ? FastExp.exp(a) : exp(a))
        guard let side else { return x > 0 ? positiveScale : below } // celu: continuous at 0
        if x == 0 { return side == .left ? negativeScale * inputScale : positiveScale }
        return x > 0 ? positiveScale : below
    }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes: the value by `FastExp.expm1` (argument clamped at ±700, where the result is
    /// −scale·alpha or the other branch in Float); the derivative as in `evaluate`.
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { return derivativeLanes(x) }
        guard x.allFinite else { return nil }
        var y = negativeScale * FastExp.expm1((x * inputScale).clamped(to: 700))
        y.replace(with: positiveScale * x, where: x .> 0)
        return y
    }

    /// Float values: the same form with `FastExp.ForFloat.expm1` (relative error below 2^−31.8; a =
    /// inputScale·x in plain Double moves it by at most 2^−53 relative, since |a·e^a/(e^a − 1)| ≤ 1
    /// for a < 0), clamped at ±700 (elu(−∞) = −scale·alpha); ±inf take their branch, a NaN input is
    /// returned. The derivative as `evaluateForFloat` with e^a by `FastExp.ForFloat.exp` (one
    /// product with a constant: within 2^−28.8 before the rounding to Float).
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard !derivative else { return derivativeLanes(x, forFloatResults: true) }
        let y = negativeScale * FastExp.ForFloat.expm1((x * inputScale).clamped(to: 700))
        return y.replacing(with: positiveScale * x, where: x .> 0).keepingNaN(of: x)
    }

    public static var isVectorized: Bool { true }
    /// The derivative in lanes (same operations as the scalar one); the value stays scalar (expm1).
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        derivative ? derivativeLanes(x) : nil
    }
    /// `forFloatResults`: e^a by `FastExp.ForFloat.exp` (2^−28.9 instead of ~2^−52).
    @inline(__always) func derivativeLanes(_ x: DoubleLanes, forFloatResults: Bool = false) -> DoubleLanes? {
        let a = x * inputScale
        guard (a.magnitude .<= 700).allTrue else { return nil }            // also false for NaN lanes
        // Above from x > 0, or from x = 0 when the convention takes the right side there: a mask,
        // not a branch on `side` (which duplicated the loop and left it half scalarized).
        let above = (x .> 0) .| ((x .== 0) .& SIMDMask(repeating: side == .right))
        return (negativeScale * inputScale * FastExp.exp(a, forFloatResults: forFloatResults)).replacing(with: positiveScale, where: above)
    }
}

public struct GELUKernel: ActivationKernel {
    public init() {}
    static let inverseSqrt2 = DoubleDouble(0x1.6a09e667f3bcdp-1, -0x1.bdd3413b26456p-55) // 1/√2
    static let inverseSqrt2Pi = 0x1.9884533d43651p-2                                   // 1/√(2π)
    /// Φ(x) = erfc(−x/√2)/2: erfc keeps the left tail that 1 + erf(x/√2) cancels away, and the
    /// argument −x/√2 is carried as a double-double (erfc's relative error grows like 2z² times
    /// the argument's).
    static func cdf(_ x: Double) -> Double { 0.5 * erfc(inverseSqrt2 * -x) }

    /// For x < −37, where Φ(x) and φ(x) are subnormal: Φ(x) = φ(x)·R(|x|) with the Mills ratio
    /// R(y) = 1/y − 1/y³ + 3/y⁵ − … (12 terms: below 2^−60 for y ≥ 37), and
    /// `scale`·φ(x)·2^192 formed from e^(−x²/2 + 192 ln 2) with x² exact, scaled back in one rounding.
    static func tail(_ x: Double, factor: (Double, Double) -> Double) -> Double {
        let y = -x
        var mills = 0.0, term = 1 / y
        for k in 0..<12 { mills += term; term *= -Double(2 * k + 1) / (y * y) }
        let x2 = DoubleDouble.product(x, x)
        if x2.hi > 1600 { return -0.0 }                                  // below 2^−1150
        let shift = DoubleDouble(0x1.0a2b23f3bab73p+7, 0x1.a06bb56359018p-47) // 192·ln 2
        let e = DoubleDouble.sum(-0.5 * x2.hi, shift.hi)
        let density = inverseSqrt2Pi * exp(e.hi) * (1 + (e.lo - 0.5 * x2.lo + shift.lo))
        return factor(x, mills) * density * 0x1p-192
    }

    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        halfNearZero(x, curvature: Self.inverseSqrt2Pi) ?? identityTail(x, value(x), sign: x > 0 ? -1 : 1)
    }
    public func value(_ x: Double) -> Double {
        if x.isInfinite { return x > 0 ? x : -0.0 }
        if x < -37 { return Self.tail(x) { x, mills in x * mills } }     // x·Φ = x·φ·R
        return x * Self.cdf(x)
    }
    /// gelu′ = 1 + (x·φ − Φ(−x)) > 1 for x ≥ 1 (see the oracle's tail form).
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? { x >= 1 ? limitTail(derivative(x), 1, sign: 1, at: x) : nil }
    /// Φ(x) + x·φ(x), by its root series near x ≈ −0.7518 where the two terms cancel. Past
    /// |x| = 40 the result is 1 or −0 (x·φ(x) < 2^−1074).
    public func derivative(_ x: Double) -> Double {
        if abs(x) > 40 { return x > 0 ? 1 : (x.isNaN ? x : -0.0) }
        if x < -37 { return Self.tail(x) { x, mills in x + mills } }     // Φ + xφ = φ·(x + R)
        if let near = RootSeries.gelu.evaluate(x) { return near }
        let x2 = DoubleDouble.product(x, x)
        let density = Self.inverseSqrt2Pi * exp(-0.5 * x2.hi) * (1 - 0.5 * x2.lo)
        return signed(Self.cdf(x) + x * density, negative: x < -1) // both terms may underflow
    }

    /// The Mills ratio R(y) = Φ(−y)/φ(y) for 0 ≤ y ≤ 24 in lanes (far enough for f′ times any Float
    /// gradient: past y = 19.6 that product is 0): a degree-18 polynomial in s = (t − 0.6)·2.5,
    /// t = 6/(6 + y) (R ≈ 1/y far out: smooth in t, not polynomial-like in y), fitted against
    /// mpmath by `Scripts/fit_mills_ratio.py`, which prints this body and checks it as evaluated
    /// here: relative error below 2^−46.1 over 49,968 float32 arguments.
    @inline(__always) static func millsRatio(_ y: DoubleLanes) -> DoubleLanes {
        // Even and odd coefficients as two Horner chains in s² (half the latency of one chain).
        let s = (6 / (6 + y) - 0x1.3333333333333p-1) * 0x1.4000000000000p+1
        let s2 = s * s
        var e = 0x1.7c1e280000000p-33 * s2 - 0x1.a0fbd0f318a15p-27
        e = e * s2 + 0x1.41af9db839938p-22
        e = e * s2 - 0x1.5d790e8b1a954p-18
        e = e * s2 + 0x1.8d1aa541efdc3p-16
        e = e * s2 + 0x1.30f03fb94982bp-9
        e = e * s2 + 0x1.82eaff20a3435p-6
        e = e * s2 + 0x1.be80fca050903p-4
        e = e * s2 + 0x1.1a73902d3d05ap-2
        e = e * s2 + 0x1.e4aa012912e36p-3
        var o = -0x1.043ed9d000000p-28 * s2 + 0x1.c24979be10e5cp-25
        o = o * s2 - 0x1.0c08a21a8e84ep-23
        o = o * s2 - 0x1.1154891b2931cp-16
        o = o * s2 + 0x1.cc6d3ef33ed06p-12
        o = o * s2 + 0x1.127e38d15c0a6p-7
        o = o * s2 + 0x1.c2f532fdf6815p-5
        o = o * s2 + 0x1.7d14f254d0a6ap-3
        o = o * s2 + 0x1.6c7a9b31af180p-2
        return e + s * o
    }

    /// R for Float results only: degree 12 in the same s (`Scripts/fit_mills_ratio.py 12` prints
    /// this body; relative error below 2^−31.8 over 49,968 float32 arguments).
    @inline(__always) static func millsRatioForFloat(_ y: DoubleLanes) -> DoubleLanes {
        let s = (6 / (6 + y) - 0x1.3333333333333p-1) * 0x1.4000000000000p+1
        let s2 = s * s
        var e = -0x1.19b2026916164p-18 * s2 + 0x1.7546a61d4f330p-16
        e = e * s2 + 0x1.3111f1a1cffc2p-9
        e = e * s2 + 0x1.82e9770ff2721p-6
        e = e * s2 + 0x1.be810d7fd508cp-4
        e = e * s2 + 0x1.1a738fe897eadp-2
        e = e * s2 + 0x1.e4aa012a740cdp-3
        var o = -0x1.1289861c61b37p-16 * s2 + 0x1.cc5a4529e1a98p-12
        o = o * s2 + 0x1.127f1af8d69a9p-7
        o = o * s2 + 0x1.c2f51a4131e63p-5
        o = o * s2 + 0x1.7d14f359598e6p-3
        o = o * s2 + 0x1.6c7a9b2be9f23p-2
        return e + s * o
    }
    public static var hasFloatLanes: Bool { true }
    /// Measured with AVX-512: backward 3.21 → 2.34 ns/element (f′ alone 2.03).
    public static var outOfLineFloatBackward: Bool { true }
    /// Float lanes: q = Φ(−|x|) = φ(|x|)·R(|x|) (x² exact, e^(−x²/2) by `FastExp`, R clamped at
    /// |x| = 24, past which Float results, and f′ times any Float, are 0 or x); f = x·q or
    /// x·(1 − q); f′ = φ·(R − |x|) below 0 (one product: an underflow keeps the sign) or
    /// 1 − q + x·φ. Declined: ±inf, NaN, tiny nonzero x (tie-break) and, for f′, x within 2^−6 of
    /// its root (|f′| ≥ 2^−7.2 outside).
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite, x.avoidsTinyNonzero() else { return nil }
        if derivative { guard x.avoids(RootSeries.gelu.root.hi, radius: 0x1p-6) else { return nil } }
        return Self.lanes(x, derivative: derivative, forFloatResults: false)
    }
    /// Float results: the same forms with e^(−x²/2) by `FastExp.ForFloat.exp` (relative error
    /// below 2^−28.9) and R by `millsRatioForFloat` (2^−31.8). The value carries both errors at
    /// most once: within 2^−28.6 before the rounding to Float. f′ = φ·(R − |x|) below 0 cancels
    /// near its root, multiplying R's error by R/|R − |x||, at most 17.0 for x at least 2^−5 from
    /// the root (mpmath over 0 ≤ |x| ≤ 24): within 2^−27.1 there; lanes within 2^−5 of the root
    /// take the root series' (`RootSeries.lanes(nearRoot:)`, 2^−42.4). Declined as `evaluateForFloat`: ±inf, NaN, tiny nonzero x.
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite, x.avoidsTinyNonzero() else { return nil }
        let y = Self.lanes(x, derivative: derivative, forFloatResults: true)
        guard derivative else { return y }
        return y.replacing(near: RootSeries.gelu.root.hi, radius: FastExp.ForFloat.rootBand, of: x) {
            RootSeries.gelu.lanes(nearRoot: x)
        }
    }
    /// The lane formulas of both (see `evaluateForFloat`); `forFloatResults` picks the shorter
    /// exponential and Mills ratio.
    @inline(__always) static func lanes(_ x: DoubleLanes, derivative: Bool, forFloatResults: Bool) -> DoubleLanes {
        let y = x.magnitude
        let a = -0.5 * (y * y).replacing(with: 1400, where: y .> 37)
        let density = inverseSqrt2Pi * FastExp.exp(a, forFloatResults: forFloatResults)
        let capped = y.replacing(with: 24, where: y .> 24)
        let r = forFloatResults ? millsRatioForFloat(capped) : millsRatio(capped)
        let q = density * r
        let negative = x .< 0
        guard derivative else { return x * (1 - q).replacing(with: q, where: negative) }
        return (1 - q + x * density).replacing(with: density * (r - y), where: negative)
    }
}

public struct GELUTanhKernel: ActivationKernel {
    public init() {}
    static let c = DoubleDouble(0x1.9884533d43651p-1, -0x1.cbc0d30ebfd15p-55)  // √(2/π)
    static let k = DoubleDouble(0x1.6e4e26d4801f7p-5, 0x1.441355475a31ap-59)   // 0.044715
    /// 2u = 2√(2/π)·x·(1 + 0.044715x²) as a double-double: σ(2u) for u ≈ −400 would otherwise
    /// carry 800 times u's rounding error.
    static func twoU(_ x: Double) -> DoubleDouble {
        let inner = 1 + k * DoubleDouble.product(x, x)
        let u = c * (inner * x)
        return DoubleDouble(2 * u.hi, 2 * u.lo)
    }
    /// (1 + tanh u)/2 = σ(2u): no cancellation for u ≪ 0, and x³ is never formed past |x| = 1e100,
    /// where the result is x or −0.
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        halfNearZero(x, curvature: 0.5 * Self.c.hi) ?? identityTail(x, value(x), sign: x > 0 ? -1 : 1)
    }
    public func value(_ x: Double) -> Double {
        if abs(x) > 1e100 { return x > 0 ? x : -0.0 }
        let t = Self.twoU(x)
        return t.hi < -700 ? tinyProduct(x, t) : x * logistic(t)
    }
    /// f′ = 1 + σ(−2u)·(2x·σ(2u)·u′ − 1) > 1 for x ≥ 1.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? { x >= 1 ? limitTail(derivative(x), 1, sign: 1, at: x) : nil }
    /// σ(2u)·(1 + 2x·σ(−2u)·u′), u′ = √(2/π)(1 + 3·0.044715x²), factored so an underflowed σ(2u)
    /// leaves −0, not +0; by its root series near x ≈ −0.7525.
    public func derivative(_ x: Double) -> Double {
        // NaN: x itself. Through the product below, two NaNs of opposite signs (σ(2u) and
        // σ(−2u)) meet, and which one x86 returns depends on the operand order the compiler picks:
        // the AVX2 build gave −NaN where the default build (and the certificate) has +NaN.
        if x.isNaN { return x }
        if abs(x) > 1e100 { return x > 0 ? 1 : -0.0 }
        if let near = RootSeries.geluTanh.evaluate(x) { return near }
        let t = Self.twoU(x)
        let du = Self.c.hi * (1 + 3 * Self.k.hi * x * x)
        if t.hi < -700 { return tinyProduct(1 + 2 * x * du, t) } // σ(2u) = e^(2u), σ(−2u) = 1 there
        return logistic(t) * (1 + 2 * x * logistic(-t) * du)
    }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes: the same forms with 2u in plain Double (relative error ~2^−51, so σ(2u) is off
    /// by |2u|·2^−51 ≤ 2^−44 where Float results are nonzero). Declined: ±inf, NaN, tiny nonzero
    /// x (tie-break), and x within 2^−8 of f′'s root (the sum cancels; the root series decides).
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite, x.avoidsTinyNonzero() else { return nil }
        let x2 = x * x
        let t = (2 * Self.c.hi) * (x * (1 + Self.k.hi * x2))
        let s = DoubleLanes.logistic(t)
        guard derivative else { return x * s.plus }
        guard x.avoids(RootSeries.geluTanh.root.hi, radius: 0x1p-8) else { return nil }
        let du = Self.c.hi * (1 + (3 * Self.k.hi) * x2)
        return s.plus * (1 + 2 * x * s.minus * du)
    }
    /// Float values: x/(1 + e^(−2u)), 2u in plain Double as above (σ off by ≤ 2^−44 where Float
    /// results are nonzero) and clamped at ±700 (where the result is x or rounds to ±0 in Float),
    /// e^(−2u) by `FastExp.ForFloat.exp`: within 2^−28.8 relative before the rounding to Float.
    /// ±inf, NaN and tiny nonzero x go to the scalar path.
    ///
    /// Float derivatives: the form of `evaluateForFloat` as i·(1 + 2x·e·i·u′), e = e^(−2u) from
    /// `FastExp.ForFloat.exp` (2u clamped at ±700; relative error below 2^−28.9), i = 1/(1 + e).
    /// That error reaches f′ multiplied by at most 1.2 away from the root and 4.6 for x at least 2^−5 from f′'s
    /// root r ≈ −0.7525 (`Scripts/float_derivative_condition.py`): within 2^−26.7 before the
    /// rounding to Float. Lanes within 2^−5 of r take the root series'
    /// (`RootSeries.lanes(nearRoot:)`, 2^−42.4).
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite else { return nil }
        let x2 = x * x
        let t = (2 * Self.c.hi) * (x * (1 + Self.k.hi * x2))
        if derivative {
            let e = FastExp.ForFloat.exp(-t.clamped(to: 700))
            let inverse = 1 / (1 + e)
            let du = Self.c.hi * (1 + (3 * Self.k.hi) * x2)
            return (inverse * (1 + 2 * x * (e * inverse) * du)).replacing(near: RootSeries.geluTanh.root.hi, radius: FastExp.ForFloat.rootBand, of: x) {
                RootSeries.geluTanh.lanes(nearRoot: x)
            }
        }
        guard x.avoidsTinyNonzero() else { return nil } // x/2 ties: as silu's
        return FastExp.ForFloat.logisticProduct(x, t)
    }
}

/// x·σ(beta·x): silu/swish, and quick-gelu with beta = 1.702.
public struct SigmoidGatedKernel: ActivationKernel {
    /// beta as hi + lo (lo: the exact parameter minus hi, 0 when unknown).
    let beta: DoubleDouble
    public init(beta: Double, betaTail: Double = 0) { self.beta = DoubleDouble(beta, betaTail) }
    /// t = beta·x exactly enough (a double-double), with 0·inf read as 0 (beta = 0 makes x/2).
    func argument(_ x: Double) -> DoubleDouble {
        if beta.hi == 0 { return DoubleDouble(0) }
        let t = beta * x
        return t.hi.isFinite ? t : DoubleDouble(beta.hi * x)
    }
    /// x·σ(beta·x) = x only where beta·x > 0 is large: then the tail −x·σ(−beta·x) has x's other sign.
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        halfNearZero(x, curvature: 0.25 * beta.hi) ?? identityTail(x, value(x), sign: x > 0 ? -1 : 1)
    }
    public func value(_ x: Double) -> Double {
        let t = argument(x)
        if t.hi.isInfinite { return t.hi > 0 ? x : (x > 0 ? 0.0 : -0.0) } // x·σ(−∞): x·e^t → 0 with x's sign
        if t.hi < -700 { return tinyProduct(x, t) }
        return x * firstOrder(t, SigmoidKernel.sigma)
    }

    public static var isVectorized: Bool { true }
    /// The value for beta = 1 (t = x exactly) in lanes; other betas, derivatives, and lanes that
    /// need the tie-break (|x| < 2^−50), the scaled band (x < −700) or NaN go to the scalar path.
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard !derivative, beta.hi == 1, beta.lo == 0 else { return nil }
        let m = x.magnitude
        guard (m .>= 0x1p-50).allTrue, (x .>= -700).allTrue else { return nil }
        guard let s = SigmoidKernel.sigma(x) else { return nil }
        return x * s
    }
    /// f′ = 1 + σ(−t)·(t·σ(t) − 1) > 1 for t = beta·x ≥ 2.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? {
        argument(x).hi >= 2 ? limitTail(derivative(x), 1, sign: 1, at: x) : nil
    }
    /// σ(t)·(1 + t·σ(−t)), by its root series near t ≈ −1.2785 where the sum cancels; the limit
    /// is 1 at t = +∞ and 0⁻ at t = −∞.
    public func derivative(_ x: Double) -> Double {
        let t = argument(x)
        if t.hi.isInfinite { return t.hi > 0 ? 1 : -0.0 }
        if let near = RootSeries.sigmoidGated.evaluate(t) { return near }
        if t.hi < -700 { return tinyProduct(1 + t.hi, t) }
        return logistic(t) * (1 + t.hi * logistic(-t))
    }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes for any beta: t = beta·x in plain Double (σ(t) off by |t|·2^−53 ≤ 2^−46 where
    /// Float results are nonzero), x·σ(t) and σ(t)·(1 + t·σ(−t)). Declined: ±inf, NaN, tiny
    /// nonzero x (tie-break), and t within 2^−8 of the derivative's root.
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite, x.avoidsTinyNonzero() else { return nil }
        let t = beta.hi * x
        let s = DoubleLanes.logistic(t)
        guard derivative else { return x * s.plus }
        guard t.avoids(RootSeries.sigmoidGated.root.hi, radius: 0x1p-8) else { return nil }
        return s.plus * (1 + t.clamped(to: 700) * s.minus) // clamped as σ's argument is (huge beta)
    }
    /// Float values: x/(1 + e^(−t)), t = beta·x (plain Double: σ off by at most |t|·2^−53 ≤ 2^−43
    /// where it matters; clamped at ±700, where x·σ(t) is x or rounds to ±0 in Float for every
    /// Float x), e^(−t) by `FastExp.ForFloat.exp`: relative error below 2^−28.8 before the rounding
    /// to Float. Declined: ±inf and NaN (the limits x·σ(±∞)) and tiny nonzero x, where the Double
    /// quotient is exactly x/2 — a Float midpoint for odd subnormal x (2^23 inputs) that only the
    /// scalar path's tie-break rounds right.
    ///
    /// Float derivatives: σ(t)·(1 + t·σ(−t)) as i·(1 + t·e·i), e = e^(−t) from
    /// `FastExp.ForFloat.exp` (t clamped at ±700, where f′ is 1 or rounds to −0 in Float; relative
    /// error below 2^−28.9) and i = 1/(1 + e): no branch on the sign. The error of e reaches f′
    /// multiplied by |e·∂f′/∂e|/|f′|, at most 1.6 away from the root but growing like 1/|t − r| near the root
    /// r ≈ −1.2785 where the sum cancels: at most 7.8 for |t − r| ≥ 2^−5
    /// (`Scripts/float_derivative_condition.py`), so f′ stays within 2^−25.9 before the rounding
    /// to Float. Lanes within 2^−5 of r take `evaluateForFloat`'s result.
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite else { return nil }
        let t = beta.hi * x
        if derivative {
            let c = t.clamped(to: 700) // in the sum too: t·e^−700 is not negligible for beta·x ≈ 1e300
            let e = FastExp.ForFloat.exp(-c)
            let inverse = 1 / (1 + e)
            return (inverse * (1 + c * (e * inverse))).replacing(near: RootSeries.sigmoidGated.root.hi, radius: FastExp.ForFloat.rootBand, of: t) {
                evaluateForFloat(x, derivative: true)
            }
        }
        guard x.avoidsTinyNonzero() else { return nil }
        return FastExp.ForFloat.logisticProduct(x, t)
    }
}

/// a·e^t for t < −700, where e^t alone is subnormal or nearly so and would bring only a few bits
/// into the product (σ(t) = e^t to 2^−1000 there). With a = m·2^k, a·e^t = m·e^(E), E = t + k·ln 2
/// carried as a double-double; e^(E + 192·ln 2) is normal, and one final scaling by 2^−192 rounds
/// into the subnormal range once.
@inlinable func tinyProduct(_ a: Double, _ t: DoubleDouble) -> Double {
    let ln2 = DoubleDouble(0x1.62e42fefa39efp-1, 0x1.abc9e3b39803fp-56)
    let shift = DoubleDouble(0x1.0a2b23f3bab73p+7, 0x1.a06bb56359018p-47)   // 192·ln 2 (mpmath)
    let magnitude = abs(a)
    let k = Double(magnitude.exponent)
    let kln2 = DoubleDouble.product(k, ln2.hi)
    let e1 = DoubleDouble.sum(t.hi, kln2.hi)
    let low = e1.lo + t.lo + kln2.lo + k * ln2.lo
    let negative = a < 0
    if e1.hi < -800 { return negative ? -0.0 : 0.0 }                      // below 2^−1150: rounds to 0
    let e2 = DoubleDouble.sum(e1.hi, shift.hi)
    let y = magnitude.significand * exp(e2.hi) * (1 + (e2.lo + low + shift.lo))
    let r = y * 0x1p-192
    return negative ? -r : r
}

public struct MishKernel: ActivationKernel {
    public init() {}
    /// Far out, the identity's tail; near 0, mish(x) = (3/5)·x + 0.32·x² + … (tanh(ln 2) = 3/5
    /// exactly), whose Double product is rounded: 3x − 5p (one fma, its sign exact) says on which
    /// side of p the exact 3x/5 lies, and where the product is exact the x² term lifts it
    /// (mish(−65·2^−134) = −39·2^−134 + …, a bfloat16 midpoint).
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        if abs(x) < 0x1p-50 && x != 0 {
            let p = x * 0.6
            let r = (-5 * p).addingProduct(3, x)
            return (p, r > 0 ? 1 : (r < 0 ? -1 : 1))
        }
        return identityTail(x, value(x), sign: x > 0 ? -1 : 1)
    }
    /// x·tanh(softplus(x)); past x = −700 it is x·e^x to 2^−1000, formed without a subnormal factor.
    public func value(_ x: Double) -> Double {
        if x < -700 { return x == -.infinity ? -0.0 : tinyProduct(x, DoubleDouble(x)) }
        return x * tanh(softplus(x))
    }
    /// f′ = 1 + σ(−2sp)·(4x·σ(x)·σ(2sp) − 2) > 1 for x ≥ 1.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? { x >= 1 ? limitTail(derivative(x), 1, sign: 1, at: x) : nil }
    /// tanh(sp) + x·sech²(sp)·σ(x); the exact value is negative left of ≈ −1.19, so a total
    /// underflow there is −0.
    public func derivative(_ x: Double) -> Double {
        if x.isInfinite { return x > 0 ? 1 : -0.0 }
        if let near = RootSeries.mish.evaluate(x) { return near }
        if x < -700 { return tinyProduct(1 + x, DoubleDouble(x)) } // e^x·(1 + x)
        let sp = softplus(x)
        let e = exp(-2 * sp)
        let sech2 = 4 * e / ((1 + e) * (1 + e))
        return signed(tanh(sp) + x * sech2 * logistic(x), negative: x < -2)
    }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes from one exponential, w = e^(−|x|) (|x| clamped at 700): with P = (1 + w)², the
    /// factor tanh(softplus x) is (P − w²)/(P + w²) for x ≥ 0 and (P − 1)/(P + 1) = w(w + 2)/(P + 1)
    /// below (no cancellation either way), and f′ = tanh(sp) + x·sech²(sp)·σ(x) with
    /// x·sech²·σ = 4x·w²(1 + w)/(P + w²)² resp. 4x·w(1 + w)/(P + 1)². Declined: ±inf, NaN, and x
    /// within 2^−8 of f′'s root.
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite else { return nil }
        let w = FastExp.exp(-x.magnitude.clamped(to: 700))
        let (numerator, denominator) = Self.tanhSoftplus(x, w)
        let inverse = 1 / denominator
        let factor = numerator * inverse
        guard derivative else { return x * factor }
        guard x.avoids(RootSeries.mish.root.hi, radius: 0x1p-8) else { return nil }
        return Self.derivative(x, w, factor: factor, inverse: inverse)
    }
    /// f′ = factor + 4x·weight·(1 + w)·inverse², weight w² for x ≥ 0 and w below (see above).
    @inline(__always) static func derivative(_ x: DoubleLanes, _ w: DoubleLanes, factor: DoubleLanes, inverse: DoubleLanes) -> DoubleLanes {
        let weight = (w * w).replacing(with: w, where: x .< 0)
        return factor + 4 * x * weight * (1 + w) * (inverse * inverse)
    }
    /// tanh(softplus x) as numerator/denominator from w = e^(−|x|), P = (1 + w)²: (P − w²)/(P + w²)
    /// for x ≥ 0, w(w + 2)/(P + 1) below.
    @inline(__always) static func tanhSoftplus(_ x: DoubleLanes, _ w: DoubleLanes) -> (DoubleLanes, DoubleLanes) {
        let p = (1 + w) * (1 + w)
        let negative = x .< 0
        return ((1 + 2 * w).replacing(with: w * (w + 2), where: negative),
                (p + w * w).replacing(with: p + 1, where: negative))
    }
    /// Float values: the same form from w by `FastExp.ForFloat.exp` (relative error below 2^−28.9).
    /// A relative error ε in w moves tanh(softplus x) by at most 0.54ε for x ≥ 0 and ε below
    /// (the logarithmic derivatives of the two quotients in w on (0, 1]), so x·tanh(softplus x)
    /// stays within 2^−28.8 before the rounding to Float. ±inf and NaN go to the scalar path.
    ///
    /// Float derivatives: the form of `evaluateForFloat` from the same w, whose error reaches f′
    /// multiplied by at most 6.9 for x at least 2^−5 from f′'s root r ≈ −1.1924, where the sum
    /// cancels (`Scripts/float_derivative_condition.py`): within 2^−26.1 before the rounding to
    /// Float. Lanes within 2^−5 of r take the root series'
    /// (`RootSeries.lanes(nearRoot:)`, 2^−42.4).
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite else { return nil }
        let w = FastExp.ForFloat.exp(-x.magnitude.clamped(to: 700))
        let (numerator, denominator) = Self.tanhSoftplus(x, w)
        guard derivative else { return x * (numerator / denominator) }
        let inverse = 1 / denominator
        return Self.derivative(x, w, factor: numerator * inverse, inverse: inverse)
            .replacing(near: RootSeries.mish.root.hi, radius: FastExp.ForFloat.rootBand, of: x) {
                RootSeries.mish.lanes(nearRoot: x)
            }
    }
}

public struct SoftplusKernel: ActivationKernel {
    let beta: Double
    public init(beta: Double) { self.beta = beta }
    public static var isVectorized: Bool { true }
    /// x itself once beta·x > 700: the tail log1p(e^(−beta·x))/beta is below 2^−1000·x there, and
    /// softplus(beta·x)/beta would turn an overflowed beta·x (beta = 1e300, x = 1e10) into inf.
    public func value(_ x: Double) -> Double {
        let t = beta * x
        return t > 700 ? x : softplus(t) / beta
    }
    /// softplus(beta·x)/beta = x + log1p(e^(−beta·x))/beta, above x (beta > 0).
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? { identityTail(x, value(x), sign: 1) }
    /// σ(beta·x), by the sigmoid kernel's code (lanes too).
    public func derivative(_ x: Double) -> Double { SigmoidKernel.sigma(beta * x) }
    /// σ(beta·x) < 1.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? { limitTail(derivative(x), 1, sign: -1, at: x) }
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        derivative ? SigmoidKernel.sigma(beta * x) : nil
    }
    public static var hasFloatLanes: Bool { true }
    /// Float lanes: the value as max(t, 0) + log1p(e^(−|t|)) by `FastExp` (t = beta·x in plain
    /// Double; |t| clamped at 700), divided by beta; the derivative as in `evaluate`.
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { return evaluate(x, derivative: true) }
        guard x.allFinite else { return nil }
        return valueLanes(x, forFloatResults: false)
    }
    /// Float values: the same with `softplusLanes(_:forFloatResults: true)` (within 2^−28.8 before
    /// the division by beta, which adds one rounding). The derivative as `evaluateForFloat`.
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { return evaluate(x, derivative: true) }
        guard x.allFinite else { return nil }
        return valueLanes(x, forFloatResults: true)
    }
    /// softplus(beta·x)/beta, and x itself once beta·x > 700 (as `value`).
    @inline(__always) func valueLanes(_ x: DoubleLanes, forFloatResults: Bool) -> DoubleLanes {
        let t = beta * x
        return (softplusLanes(t, forFloatResults: forFloatResults) / beta).replacing(with: x, where: t .> 700)
    }
}

/// log(1 + e^t) in lanes: max(t, 0) + log1p(e^(−|t|)), |t| clamped at 700 inside the exponential.
/// With `forFloatResults`, w = e^(−|t|) by `FastExp.ForFloat.exp` (relative error below 2^−28.9)
/// and the shorter log1p series (2^−34.2): log1p(w) carries w's relative error times
/// w/((1 + w)·log1p(w)) ≤ 1, and adding max(t, 0) ≥ 0 adds no cancellation, so the sum stays
/// within 2^−28.8 before the rounding to Float.
@inline(__always) func softplusLanes(_ t: DoubleLanes, forFloatResults: Bool = false) -> DoubleLanes {
    let m = t.magnitude
    let clamped = -m.replacing(with: 700, where: m .> 700)
    let w = FastExp.exp(clamped, forFloatResults: forFloatResults)
    return FastExp.log1pUnit(w, forFloatResults: forFloatResults) + t.replacing(with: 0, where: t .<= 0)
}

public struct SoftsignKernel: ActivationKernel {
    public init() {}
    public func value(_ x: Double) -> Double { x.isInfinite ? (x > 0 ? 1 : -1) : x / (1 + abs(x)) }
    /// x/(1 + |x|) = x − x·|x| + …: x itself in Double near 0, with the tail toward 0.
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? { identityTail(x, value(x), sign: x > 0 ? -1 : 1) }
    /// (1/(1 + |x|))², not 1/(1 + |x|)², whose square overflows past |x| ≈ 1.3e154.
    public func derivative(_ x: Double) -> Double { let r = 1 / (1 + abs(x)); return r * r }

    public static var isVectorized: Bool { true }
    /// The same operations lane-wise; ±inf (inf/inf) selected to ±1 afterwards, NaN kept.
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { let r = 1 / (1 + x.magnitude); return r * r }
        return (x / (1 + x.magnitude)).replacing(with: DoubleLanes(repeating: 1).withSign(of: x), where: x.magnitude .== .infinity)
    }
}


public struct HardSwishKernel: ActivationKernel {
    let sides: (Side, Side)
    public init(_ c: KernelConfiguration) { sides = (c.side(0), c.side(1)) }
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? { halfNearZero(x, curvature: 1.0 / 6) }
    public func value(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x <= -3 { return 0 }
        if x >= 3 { return x }
        return x * (x + 3) / 6
    }
    /// (2x + 3)/6 inside: exact numerator for float inputs, so no cancellation at its zero x = −1.5.
    public func derivative(_ x: Double) -> Double {
        across(x, -3, sides.0, 3, sides.1, below: 0, between: (2 * x + 3) / 6, above: 1)
    }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes: the same pieces by selects (NaN falls through to the middle piece and stays
    /// NaN); x·(x + 3)/6 in Double is within a few Double ulp, so Float values are within 1 ULP.
    /// Declined: tiny nonzero x for the value (its tie-break).
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        lanes(x, derivative: derivative, timesSixth: false)
    }
    /// Float results: the same forms times RN(1/6) instead of divided by 6 (a division was most
    /// of these loops' time). Relative error below 2^−51 before the rounding to Float (x + 3 and
    /// 2x + 3 exact or within 2^−53, the product 2^−53, RN(1/6) 2^−53.4, the last product 2^−53);
    /// measured: the same Float results as the division on all 2^32 inputs, value and derivative
    /// (both certificates remade: identical outputs' SHA-256).
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        lanes(x, derivative: derivative, timesSixth: true)
    }
    @inline(__always) func lanes(_ x: DoubleLanes, derivative: Bool, timesSixth: Bool) -> DoubleLanes? {
        @inline(__always) func sixth(_ v: DoubleLanes) -> DoubleLanes { timesSixth ? v * (1.0 / 6) : v / 6 }
        if derivative {
            var y = sixth(2 * x + 3)
            y.replace(with: 0, where: x .< -3)
            y.replace(with: 1, where: x .> 3)
            if sides.0 == .left { y.replace(with: 0, where: x .== -3) }
            if sides.1 == .right { y.replace(with: 1, where: x .== 3) }
            return y
        }
        guard x.avoidsTinyNonzero() else { return nil }
        var y = sixth(x * (x + 3))
        y.replace(with: 0, where: x .<= -3)
        y.replace(with: x, where: x .>= 3)
        return y
    }
}



public struct TanhShrinkKernel: ActivationKernel {
    public init() {}
    /// x − tanh x = Σ c_n x^(2n+1), n ≥ 1: its Taylor series for |x| < 1 (where the subtraction
    /// would cancel up to all digits; 46 terms reach 2^−59 at |x| = 1), the subtraction beyond.
    static let series: [Double] = [
        0x1.5555555555555p-2, -0x1.1111111111111p-3, 0x1.ba1ba1ba1ba1cp-5, -0x1.664f4882c10fap-6,
        0x1.226e355e6c23dp-7, -0x1.d6d3d0e157de0p-9, 0x1.7da36452b75e3p-10, -0x1.3558248036744p-11,
        0x1.f57d7734d1664p-13, -0x1.967e18afcafadp-14, 0x1.497d8eea25259p-15, -0x1.0b132d39a6050p-16,
        0x1.b0f72d3ee24e9p-18, -0x1.5ef2da474e5b7p-19, 0x1.1c77df95c1c0dp-20, -0x1.cd299de4ae6bbp-22,
        0x1.75cde6563fed9p-23, -0x1.2efe8db3aff1fp-24, 0x1.eb3229047434cp-26, -0x1.8e25ff9327e2cp-27,
        0x1.42ba1a349b490p-28, -0x1.0597b61cb3092p-29, 0x1.a813f6eaa7058p-31, -0x1.57bea2950f11ep-32,
        0x1.16a101c5fde96p-33, -0x1.c3b23b05e39f9p-35, 0x1.6e2193ae496d5p-36, -0x1.28c65557ea2a5p-37,
        0x1.e11cf33c632a8p-39, -0x1.85f9bf8d6b2b2p-40, 0x1.3c1a3035e663dp-41, -0x1.00390e238ecb8p-42,
        0x1.9f5f74b6c8690p-44, -0x1.50b0462832a12p-45, 0x1.10e8d36905d5ep-46, -0x1.ba6c96ed10bc4p-48,
        0x1.669d9371721f7p-49, -0x1.22aecc05ace19p-50, 0x1.d73cb99591091p-52, -0x1.7df8723315bfcp-53,
        0x1.359d1628b7da8p-54, -0x1.f5ed3bd476459p-56, 0x1.96d8b1366dc40p-57, -0x1.49c6fe119408fp-58,
        0x1.0b4eb33edc78ap-59, -0x1.b157ac319d001p-61,
    ]
    /// For |x| ≥ 1: (|x| − 1) + t with t = 2/(e^(2|x|) + 1) = 1 − tanh|x| > 0, both sums
    /// error-free (TwoSum), so the tie-break is the sign of what rounding dropped. x − tanh x
    /// loses t wherever it is below half an ulp of x − 1 (from |x| ≈ 18 in Double), and x ∓ 1 is
    /// a midpoint of narrower outputs: tanh-shrink(18) = 17 + 4.6e−16 lies just above e4m3fn's
    /// midpoint 17 (so 18, not 16).
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        guard abs(x) >= 1, x.isFinite else { return nil }
        let a = abs(x)
        let t = 2 / (exp(2 * a) + 1) // 0 once e^(2a) overflows: then t only breaks ties
        let (s, e1) = twoSum(a, -1)
        let (r, e2) = twoSum(s, t)
        let residual = e1 + e2
        let tie = residual > 0 ? 1 : (residual < 0 ? -1 : (t == 0 ? 1 : 0))
        return x > 0 ? (r, tie) : (-r, -tie)
    }

    public func value(_ x: Double) -> Double {
        guard abs(x) < 1 else { return x - tanh(x) }
        let x2 = x * x
        var sum = 0.0
        for c in Self.series.reversed() { sum = sum * x2 + c }
        return x * x2 * sum
    }
    public func derivative(_ x: Double) -> Double { let t = tanh(x); return t * t }

    public static var hasFloatLanes: Bool { true }
    /// Float lanes: |x| − tanh|x| (tanh by the tanh kernel's lanes, a few Double ulp) from
    /// |x| = 1/8 up, where the subtraction magnifies that error at most 3/x² ≤ 192 times (≤ 2^−42);
    /// below, the series' first 8 terms (the next is below 2^−57 relative); tanh² for the
    /// derivative. Past |x| = 19.1 tanh|x| is 1 in Double, and |x| − 1 is a
    /// Float midpoint for 2^24 ≤ |x| < 2^25; the dropped 2e^(−2|x|) makes the exact value larger,
    /// so |x| − 1 is nudged up by 2^−40 (it moves no other result across a Float boundary).
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        guard x.allFinite else { return nil }
        let m = x.magnitude
        let e = FastExp.expm1(-2 * m.replacing(with: 350, where: m .> 350))
        let t = -e / (2 + e)                                    // tanh|x|
        if derivative { return x.avoidsTinyNonzero(below: 0x1p-26) ? t * t : nil } // see derivativeWithTieBreak
        let x2 = x * x
        let c = Self.series
        var sum = c[7] * x2 + c[6]
        for i in (0..<6).reversed() { sum = sum * x2 + c[i] }
        var far = m - t
        far.replace(with: far * (1 + 0x1p-40), where: m .> 19.1)
        return far.withSign(of: x).replacing(with: x * x2 * sum, where: m .< 0.125)
    }
    /// tanh²(x) = x² − 2x⁴/3 + …: below |x| = 2^−26 the x⁴ term is lost and x² (exact for the
    /// narrower formats) may be their exact midpoint.
    /// And tanh² x = 1 − sech² x < 1 where it rounds to 1.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? {
        abs(x) < 0x1p-26 && x != 0 ? (x * x, -1) : limitTail(derivative(x), 1, sign: -1, at: x)
    }
}


public struct LogSigmoidKernel: ActivationKernel {
    public init() {}
    public static var isVectorized: Bool { true }
    public func value(_ x: Double) -> Double { -softplus(-x) }
    /// −softplus(−x) = x − log1p(e^x), below x.
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? { identityTail(x, value(x), sign: -1) }
    /// σ(−x), by the sigmoid kernel's code (lanes too).
    public func derivative(_ x: Double) -> Double { SigmoidKernel.sigma(-x) }
    /// σ(−x) < 1.
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? { limitTail(derivative(x), 1, sign: -1, at: x) }
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        derivative ? SigmoidKernel.sigma(-x) : nil
    }
    public static var hasFloatLanes: Bool { true }
    /// Float lanes: −softplus(−x) by the softplus lanes; the derivative as in `evaluate`.
    @inline(__always) public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { return evaluate(x, derivative: true) }
        guard x.allFinite else { return nil }
        return -softplusLanes(-x)
    }
    /// Float values: −softplus(−x) by `softplusLanes(_:forFloatResults: true)` (within 2^−28.8
    /// before the rounding to Float). The derivative as `evaluateForFloat`.
    @inline(__always) public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        if derivative { return evaluate(x, derivative: true) }
        guard x.allFinite else { return nil }
        return -softplusLanes(-x, forFloatResults: true)
    }
}

