import ActivationCatalog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One activation's kernel: f and f′ of a `Double`. Each form avoids the cancellation or overflow
/// named beside it; results for `Float16` and `BFloat16` are a `Double` result rounded once, so
/// their error is the rounding (½ ULP) plus the Double formula's (≲ 2^−40 relative). `Float`
/// results are rounded once from `evaluateFloatResults`, whose relative error some kernels let grow
/// to just under 2^−24 for speed (`FastExp.ForFloat`). Every result is within 1 ULP, which the gate
/// measures against the oracle and the exhaustive float32 certificates prove for Float. The
/// `Double` results carry the libm and composition errors; their bounds are in `KernelBounds`.
public protocol ActivationKernel: Sendable {
    func value(_ x: Double) -> Double
    func derivative(_ x: Double) -> Double
    /// Where the Double value is an exact midpoint of a narrower format only because a term below
    /// Double's precision was dropped: the value and that term's sign. nil elsewhere.
    func valueWithTieBreak(_ x: Double) -> (Double, Int)?
    /// The same for the derivative.
    func derivativeWithTieBreak(_ x: Double) -> (Double, Int)?
    /// True when `evaluate(_:derivative:)` is a real lane-wise form giving exactly the scalar
    /// results (same Double operations, selects instead of branches, no tie-break cases): loops then
    /// run it `DoubleLanes.scalarCount` elements at a time.
    static var isVectorized: Bool { get }
    /// nil when some lane needs the scalar path (out of the lane form's range, NaN, a tie-break
    /// case): the loop then does those elements one by one.
    func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes?
    /// True when `evaluateForFloat(_:derivative:)` is a cheaper lane form for `Float` results only.
    static var hasFloatLanes: Bool { get }
    /// `Float` results (buffers and scalars alike, so the two agree): Double lanes without the
    /// double-double arguments, tie-breaks and libm calls that Double results need. Its relative
    /// error stays below 2^−40 before the one rounding to Float (arguments up to |t| ≈ 110 carry
    /// ~2^−46, cancellations near roots go to the scalar path), so Float results are within 1 ULP:
    /// the declared f32 bound. Float16/BFloat16 buffers use it where that error cannot change the
    /// rounding, and the scalar path elsewhere (`Lanes.halfResults`). nil as for `evaluate`.
    func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes?
    /// What Float results (scalars, buffers, and f′ in a Float backward pass) are rounded from:
    /// by default `evaluateForFloat`. A kernel may give a cheaper form here whose relative error
    /// stays below 2^−24 before that one rounding (so every Float result is within 1 ULP of the
    /// correctly rounded one) but that is too coarse for the narrower outputs' rounding decisions,
    /// which keep `evaluateForFloat` (`Lanes.halfResults`, 2^−40). Its error bound is in its doc
    /// comment; the exhaustive float32 certificate of the entry is the proof.
    func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes?
    /// Float backward passes take f′ from `evaluateFloatResults` through a call instead of inline.
    /// Only where measured faster: inlined into `Lanes.backwardLoop`, gelu's 8-lane polynomials
    /// were split into 4 + 2 + 1 + 1 lanes (12 scalar multiplies per step with AVX-512, none in
    /// the derivative's own loop); for the others the call costs (elu's backward 0.88 → 1.51 ns).
    static var outOfLineFloatBackward: Bool { get }
    /// The quantities for which `evaluateExactFloat` gives, for every Float input, exactly the
    /// result of the Double path rounded to Float (so certificates made through either hold for
    /// both); empty for most kernels.
    var exactFloatLanes: ExactFloatLanes { get }
    /// Float results computed in Float lanes: only where `exactFloatLanes` says so.
    func evaluateExactFloat(_ x: SIMD4<Float>, derivative: Bool) -> SIMD4<Float>
    /// The same over `count` Floats (a multiple of 4), or g·f′(x) when `gradient` is given: the
    /// kernel owns the loop so that it can compile one per shape, with no branch inside.
    func mapExactFloat(_ src: UnsafeRawPointer, gradient: UnsafeRawPointer?, _ dst: UnsafeMutableRawPointer,
                       count: Int, derivative: Bool)
}

/// Quantities a kernel computes directly in Float lanes because each result is one IEEE Float
/// operation on exact operands (piecewise-linear entries: a constant, x, x − a, s·x), correctly
/// rounded just as the Double result rounded once: a loop then runs at about the cost of a copy.
public struct ExactFloatLanes: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let value = ExactFloatLanes(rawValue: 1)
    public static let derivative = ExactFloatLanes(rawValue: 2)
    /// g·f′(x) for Float g: f′ must be a Float itself, so g·f′ is exact in Double, or 1/d with
    /// g/d rounding as the Double path does (`PiecewiseLinearKernel.floatLineForm`).
    public static let backward = ExactFloatLanes(rawValue: 4)
}

extension ActivationKernel {
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? { nil }
    public func derivativeWithTieBreak(_ x: Double) -> (Double, Int)? { nil }
    public static var isVectorized: Bool { false }
    public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? { nil }
    public static var hasFloatLanes: Bool { false }
    public static var outOfLineFloatBackward: Bool { false }
    @inline(__always)
    public func evaluateForFloat(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? { evaluate(x, derivative: derivative) }
    @inline(__always)
    public func evaluateFloatResults(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? { evaluateForFloat(x, derivative: derivative) }
    public var exactFloatLanes: ExactFloatLanes { [] }
    public func evaluateExactFloat(_ x: SIMD4<Float>, derivative: Bool) -> SIMD4<Float> {
        preconditionFailure("\(Self.self) has no exact Float lanes")
    }
    public func mapExactFloat(_ src: UnsafeRawPointer, gradient: UnsafeRawPointer?, _ dst: UnsafeMutableRawPointer,
                              count: Int, derivative: Bool) {
        preconditionFailure("\(Self.self) has no exact Float lanes")
    }
}

/// The Double lanes every lane form works in (`evaluate`, `evaluateForFloat`, `FastExp`): eight,
/// one AVX-512 register (two AVX, four SSE2 ones). Measured against four: faster with default
/// flags and with AVX-512, the same with AVX2 (Reference/kernel-bench.md). Results do not depend
/// on the width (every operation is lane-wise). One concrete type on purpose: mask operations
/// (compares, `all`, `replacing(with:where:)`) written generically over `SIMD` resolve to the
/// stdlib's per-lane loops and ran 4–10× slower here.
public typealias DoubleLanes = SIMD8<Double>

extension SIMDMask where Storage == SIMD8<Int64> {
    /// Every lane true. The stdlib's `all(_:)` and `any(_:)` reduce through a generic
    /// `SIMD.max()`/`min()` that was not inlined (4 % of a silu buffer); these fold the lanes with
    /// concrete ANDs and ORs.
    @inline(__always) var allTrue: Bool {
        let v = unsafeBitCast(self, to: SIMD8<Int64>.self)
        let h = v.lowHalf & v.highHalf, q = h.lowHalf & h.highHalf
        return q[0] & q[1] == -1
    }
    /// Some lane true (see `allTrue`).
    @inline(__always) var anyTrue: Bool {
        let v = unsafeBitCast(self, to: SIMD8<Int64>.self)
        let h = v.lowHalf | v.highHalf, q = h.lowHalf | h.highHalf
        return q[0] | q[1] != 0
    }
}

extension SIMD8 where Scalar == Double {
    /// The bits of each lane as Int64 (for masks, shifts and exponent fields).
    @inline(__always) var bits: SIMD8<Int64> { unsafeBitCast(self, to: SIMD8<Int64>.self) }
    @inline(__always) init(bits: SIMD8<Int64>) { self = unsafeBitCast(bits, to: Self.self) }
    /// |x| lane-wise (a bit mask: vectorizes, unlike a per-lane abs).
    @inline(__always) var magnitude: Self { Self(bits: bits & Int64.max) }
    /// |self| with the sign bit of `sign`.
    @inline(__always) func withSign(of sign: Self) -> Self { Self(bits: magnitude.bits | (sign.bits & Int64.min)) }
    /// `x` itself where it is NaN, else self: a NaN input comes back as it was (quieted), in
    /// every build (a NaN computed through a formula takes its sign from operand order).
    @inline(__always) func keepingNaN(of x: Self) -> Self { replacing(with: x, where: x .!= x) }
    /// Each lane limited to [−limit, limit] (NaN stays NaN).
    @inline(__always) func clamped(to limit: Double) -> Self {
        replacing(with: -limit, where: self .< -limit).replacing(with: limit, where: self .> limit)
    }
    /// True when every lane is finite (x − x is NaN for ±inf and NaN).
    @inline(__always) var allFinite: Bool { ((self - self) .== 0).allTrue }
    /// True when no lane lies within `radius` of `center` (where a difference cancels).
    @inline(__always) func avoids(_ center: Double, radius: Double) -> Bool { ((self - Self(repeating: center)).magnitude .> radius).allTrue }
    /// `self` in the lanes where `t` lies farther than `radius` from `center`, and `fine`'s lanes
    /// where it does not (nil when `fine` declines): each lane's result depends on its own input
    /// only, never on which neighbours share its group in a buffer (a scalar call broadcasts x to
    /// every lane and must get the same bits). `fine` runs only when some lane needs it.
    @inline(__always) func replacing(near center: Double, radius: Double, of t: Self, with fine: () -> Self?) -> Self? {
        let near = (t - Self(repeating: center)).magnitude .<= radius
        guard near.anyTrue else { return self }
        return fine()?.replacing(with: self, where: .!near)
    }
    /// True when no lane is a nonzero below `limit` (default 2^−50, where x/2 may be a Float
    /// midpoint that the dropped x² term decides: those go to the scalar tie-break).
    @inline(__always) func avoidsTinyNonzero(below limit: Double = 0x1p-50) -> Bool {
        let m = magnitude
        return !((m .< limit) .& (m .> 0)).anyTrue
    }
    /// σ(t) and σ(−t) from e = e^(−|t|) (|t| clamped at 700, where both are 0 or 1 in Float).
    @inline(__always) static func logistic(_ t: Self) -> (plus: Self, minus: Self, e: Self, inverse: Self) {
        let m = t.magnitude
        let e = FastExp.exp(-m.replacing(with: 700, where: m .> 700))
        let inverse = 1 / (1 + e)
        let small = e * inverse
        return (small.replacing(with: inverse, where: t .>= 0), inverse.replacing(with: small, where: t .>= 0), e, inverse)
    }
}

/// f(x) = x/2 + c·x² + O(x³) near 0 (silu, gelu, gelu-tanh, quick-gelu, hard-swish). Below
/// |x| = 2^−50 the series is exact to Double precision; where c·x² falls below Double's last place
/// too, x/2 may be an exact midpoint of a narrower format and c's sign breaks the tie.
@inlinable func halfNearZero(_ x: Double, curvature c: Double) -> (Double, Int)? {
    guard abs(x) < 0x1p-50, x != 0 else { return nil }
    return (x * (0.5 + c * x), c > 0 ? 1 : (c < 0 ? -1 : 0)) // factored: keeps the sign of a zero
}

/// f(x) = x + t(x) with a tail t of sign `sign` (gelu, silu, mish: −sign(x); softplus: +1;
/// log-sigmoid: −1) that falls below Double's last place of x, so the Double result is x itself
/// while x can be a midpoint of a narrower output (bfloat16 9.5 is one of e4m3fn's; gelu(9.5) is
/// 9.5 − 1e−21, so 9, not 10): the tail's sign breaks the tie. No tie-break otherwise.
@inlinable func identityTail(_ x: Double, _ v: Double, sign: Int) -> (Double, Int) {
    (v, v == x && x.isFinite && x != 0 ? sign : 0)
}

/// a + b and its rounding error, exactly (Knuth's TwoSum).
@inlinable func twoSum(_ a: Double, _ b: Double) -> (sum: Double, error: Double) {
    let s = a + b, bb = s - a
    return (s, (a - (s - bb)) + (b - bb))
}

/// f (or f′) = c + t with a constant limit c and a tail t of sign `sign` lost in Double, where the
/// Double result is c itself: c times a scale can be a midpoint of a narrower output (silu′(x)/4 is
/// 0.25 in e2m1, between 0 and 0.5; silu′ > 1 there, so 0.5). No tie-break otherwise.
@inlinable func limitTail(_ v: Double, _ c: Double, sign: Int, at x: Double) -> (Double, Int) {
    (v, v == c && x.isFinite ? sign : 0) // at ±inf the limit is the exact value
}

/// Parameter values and kink data a kernel is built from: parameters as the `Double` nearest the
/// exact value, kink positions as `Double`, and at each kink the side whose derivative the chosen
/// convention takes (catalog order).
public struct KernelConfiguration: Sendable {
    public var parameters: [String: Double]
    /// The exact parameter minus its Double, rounded (0 when not known): lets kernels whose error
    /// grows with the argument (silu's beta·x) carry the parameter to ~106 bits.
    public var parameterTails: [String: Double]
    public var kinks: [Double]
    public var derivativeSides: [Side]

    public init(parameters: [String: Double] = [:], parameterTails: [String: Double] = [:], kinks: [Double] = [],
                derivativeSides: [Side] = []) {
        self.parameters = parameters
        self.parameterTails = parameterTails
        self.kinks = kinks
        self.derivativeSides = derivativeSides
    }

    subscript(_ name: String) -> Double {
        guard let value = parameters[name] else { preconditionFailure("kernel parameter '\(name)' missing") }
        return value
    }
    func kink(_ i: Int) -> Double { kinks[i] }
    func side(_ i: Int) -> Side { derivativeSides[i] }
}

// MARK: - Shared pieces

/// σ(t) without overflow: 1/(1 + e^(−t)) for t ≥ 0, e^t/(1 + e^t) for t < 0.
@inlinable func logistic(_ t: Double) -> Double {
    if t >= 0 { return 1 / (1 + exp(-t)) }
    let e = exp(t)
    return e / (1 + e)
}

/// σ′(t) = σ(t)·σ(−t) = e/(1 + e)² from e = e^(−|t|): no 1 − σ cancellation past |t| ≈ 17. Its
/// maximum is 1/4, which rounding could overshoot near 0; the clamp only moves results toward the
/// exact value. Written once for a scalar and for lanes (libm's e here, `FastExp`'s in SigmoidKernel).
@inline(__always) func logisticDerivative<T: LaneArithmetic>(expMinusAbs e: T) -> T {
    let d = T(broadcast: 1) + e
    return (e / (d * d)).clamped(above: 0.25)
}

/// σ′(t) with libm's exp.
@inline(__always) func logisticDerivative(_ t: Double) -> Double { logisticDerivative(expMinusAbs: exp(-abs(t))) }

/// σ(hi + lo) ≈ σ(hi)·(1 + lo·σ(−hi)): the argument's rounding error carried to first order
/// (|lo| ≤ 2^−52·|hi| ≤ 2^−42 here, so the second-order term is below 2^−84 relative). Past
/// |hi| = 800, σ is 0 or 1 to every bit and the correction is skipped (lo may exceed 1 there).
@inlinable func logistic(_ t: DoubleDouble) -> Double { firstOrder(t, logistic) }

/// The first-order correction above for any σ implementation (libm's `logistic` or `SigmoidKernel.sigma`).
@inlinable func firstOrder(_ t: DoubleDouble, _ sigma: (Double) -> Double) -> Double {
    let s = sigma(t.hi)
    return t.lo == 0 || !(abs(t.hi) < 800) ? s : s * (1 + t.lo * sigma(-t.hi))
}

/// erfc(hi + lo) ≈ erfc(hi) − lo·(2/√π)·e^(−hi²); past |hi| = 30 erfc is 0 or 2 in binary64.
@inlinable func erfc(_ z: DoubleDouble) -> Double {
    let e = erfc(z.hi)
    return z.lo == 0 || !(abs(z.hi) < 30) ? e : e - z.lo * 0x1.20dd750429b6dp+0 * exp(-z.hi * z.hi)
}

/// log(1 + e^t) without overflow: t + log1p(e^(−t)) for t > 0, log1p(e^t) otherwise.
@inlinable func softplus(_ t: Double) -> Double {
    t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
}

/// The derivative across a kink: below, at (by the convention's side), above. NaN stays NaN.
@inlinable func across(_ x: Double, _ kink: Double, _ side: Side, below: Double, above: Double) -> Double {
    if x < kink { return below }
    if x > kink { return above }
    if x.isNaN { return x }
    return side == .left ? below : above
}

/// Across two kinks k0 < k1: both sides are computed and one is selected, so loops stay branch-free.
@inlinable func across(_ x: Double, _ k0: Double, _ s0: Side, _ k1: Double, _ s1: Side,
                       below: Double, between: Double, above: Double) -> Double {
    let low = across(x, k0, s0, below: below, above: between)
    let high = across(x, k1, s1, below: between, above: above)
    return x <= (k0 + k1) / 2 ? low : high
}

/// A result that is 0 only because it underflowed keeps the sign of the exact value.
@inlinable func signed(_ y: Double, negative: Bool) -> Double {
    y == 0 && negative ? -0.0 : y
}
