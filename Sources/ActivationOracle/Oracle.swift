import ActivationCatalog
import CMPFR

/// What is evaluated: f, f′ (the derivative with respect to x), f″, or ∂f/∂parameter.
public enum Quantity: Hashable, Sendable, CustomStringConvertible {
    case value
    case derivative
    case secondDerivative
    case parameterDerivative(String)

    public var description: String {
        switch self {
        case .value: "value"
        case .derivative: "derivative"
        case .secondDerivative: "second derivative"
        case .parameterDerivative(let name): "d/d\(name)"
        }
    }

    /// One word for protocol headers and file names: value, derivative, second-derivative, d/dNAME.
    public var token: String {
        self == .secondDerivative ? "second-derivative" : description
    }

    /// The order of the derivative with respect to x (nil for a parameter derivative).
    public var order: Int? {
        switch self {
        case .value: 0
        case .derivative: 1
        case .secondDerivative: 2
        case .parameterDerivative: nil
        }
    }

    /// The quantity of order 0, 1 or 2; nil for any other.
    public init?(order: Int) {
        switch order {
        case 0: self = .value
        case 1: self = .derivative
        case 2: self = .secondDerivative
        default: return nil
        }
    }

    /// The mark after a function's name: f, f′, f″.
    public var prime: String {
        switch self {
        case .value: ""
        case .derivative: "′"
        case .secondDerivative: "″"
        case .parameterDerivative(let name): " d/d\(name)"
        }
    }
}

/// A bad request to the oracle: unknown or out-of-domain parameter, unavailable convention.
public struct OracleError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Parameter values of one configured activation, exact.
struct ResolvedParameters: @unchecked Sendable {
    var values: [String: ExactRational] = [:]
    subscript(name: String) -> ExactRational {
        guard let value = values[name] else { preconditionFailure("parameter '\(name)' not in the catalog entry") }
        return value
    }
}

/// An activation with exact parameter values and a kink convention: the oracle for it.
///
/// `evaluate` returns the correctly rounded result — round to nearest, ties to even, gradual
/// underflow, overflow to ±inf — of the exact function at the exact input, in any `FloatFormat`:
/// - NaN gives the canonical quiet NaN; ±inf gives the limit, as f(±2^(2^20)) rounds.
/// - A nonzero result that rounds to zero keeps its sign (gelu(−40) = −0 in f32).
/// - An exactly zero result is +0, except at x = ±0, where it takes the sign that f has just
///   beside 0 on the side x's sign names: silu(−0) = −0 (silu < 0 left of 0), relu(−0) = +0
///   (relu is exactly 0 left of 0), tanh-shrink(−0) = −0.
/// - At a kink, the value is the catalog's; the derivative is the convention's one-sided one.
///
/// Method: rational pieces are rounded once through round-to-odd; transcendental ones by Ziv's
/// strategy over interval enclosures whose endpoints are rounded outward at every step, with the
/// working precision doubled until both endpoints round to the same result. Enclosures are proofs,
/// so no precision is guessed; exact results (σ(0) = 1/2) are point intervals and stop at once.
///
/// Thread-safe: no shared mutable state; MPFR's exponent range is per thread and set on entry.
public struct ActivationFunction: @unchecked Sendable, CustomStringConvertible {
    public let activation: Activation
    public let convention: KinkConvention
    /// Parameter values in effect (given or default), as text, in catalog order.
    public let parameterTexts: [(name: String, value: String)]
    let parameters: ResolvedParameters
    /// The parameters as given (the rest default).
    let givenParameters: [String: ExactNumber]
    /// Every parameter at its catalog default: the only case where the sign at ±4096 is checked to
    /// hold in the far tails (`SpecialCaseTests`), so the only one where `provenZero` may use it.
    let defaultParameters: Bool
    /// f's, f′'s and f″'s kinks in order (`curvatureOnly` marks a kink of f″ alone); `second` is
    /// what the convention makes f″ there, nil where its framework has no second derivative.
    let kinks: [(at: ExactRational, value: KinkValue, derivativeSide: Side, second: SecondAtKink?, curvatureOnly: Bool)]
    enum SecondAtKink { case side(Side), value(ExactRational) }
    let pieces: [Piece]
    /// Each kink enclosed in binary64 (a point when representable), for the fast path.
    let fastKinks: [(lo: Double, hi: Double)]
    /// The pieces' interval forms of f and f′ (`FastForm`), held apart from `pieces` so that the
    /// fast path reads one small struct per input rather than a whole `Piece` (its retains were a
    /// quarter of an exhaustive relu run).
    let fastValue: [FastForm], fastDerivative: [FastForm]
    /// The real pieces' midpoint-radius forms of f and f′ (`BallArithmetic`), the fast path's first
    /// tier; nil for rational pieces, whose ties the interval tier decides.
    let ballValue: [BallForm?], ballDerivative: [BallForm?]
    /// The rational pieces' exact values in machine integers (nil for real pieces): the fast path's
    /// ties (`SmallRational`).
    let smallValue: [SmallForm?], smallDerivative: [SmallForm?]
    /// The sign of f, f′ and f″ at −4096 and +4096 (0 for an exact zero), at 2·order + (0 for
    /// −4096, 1 for +4096): the sign of every tail result that underflows beyond them (see
    /// `Decision.zeroOfUnresolvedSign`). In lanes rather than a dictionary: the fast path reads it
    /// for every underflowed tail input (hashing was a tenth of an exhaustive gelu-tanh′ run).
    private(set) var tailSigns = SIMD8<Int8>(repeating: 0)
    /// `negativeDerivativeBelow` for this entry (−inf for none).
    let derivativeNegativeBelow: Double
    /// f(x) > x/2 for every x ≠ 0, proven (`aboveHalfX(_:_:)`): the fast path's tie-break where
    /// x/2 is a rounding boundary (a float32 x of odd significand in the lowest binade: 0.15 % of
    /// bit patterns, each a ~100 µs Ziv loop before).
    let aboveHalfX: Bool

    /// Parameter values given as exact numbers (missing ones take the catalog default). Throws
    /// `OracleError` for an unknown parameter, a value outside the entry's domain, or a convention
    /// the named framework does not define for this function.
    public init(_ activation: Activation, parameters given: [String: ExactNumber] = [:],
                convention: KinkConvention = .pytorch) throws {
        MPFRRange.widen()
        let entry = activation.entry
        let names = entry.parameters.map(\.name)
        for name in given.keys.sorted() where !names.contains(name) {
            let known = names.isEmpty ? "it has no parameters" : "its parameters: " + names.joined(separator: ", ")
            throw OracleError("\(activation) has no parameter '\(name)' (\(known))")
        }
        var resolved = ResolvedParameters()
        var texts: [(String, String)] = []
        var defaults = true
        for spec in entry.parameters {
            let value: ExactRational
            if let number = given[spec.name] {
                value = ExactRational(number)
                texts.append((spec.name, number.text))
                defaults = defaults && (try? Self.evaluate(spec.defaultValue, resolved, activation)).map { ExactRational.compare($0, value) == 0 } == true
            } else {
                value = try Self.evaluate(spec.defaultValue, resolved, activation)
                texts.append((spec.name, spec.defaultValue.description))
            }
            if !value.isZero {
                let magnitude = value.num.exponent - value.den.exponent
                guard abs(magnitude) < 65_536 else {
                    throw OracleError("\(activation): parameter \(spec.name) must have magnitude between 2^-65536 and 2^65536")
                }
            }
            resolved.values[spec.name] = value
        }
        for spec in entry.parameters {
            for constraint in spec.constraints {
                let v = resolved[spec.name]
                let holds: Bool
                switch constraint {
                case .nonZero: holds = !v.isZero
                case .positive: holds = v.sign > 0
                case .nonNegative: holds = v.sign >= 0
                case .atLeast(let e): holds = ExactRational.compare(v, try Self.evaluate(e, resolved, activation)) >= 0
                case .atMost(let e): holds = ExactRational.compare(v, try Self.evaluate(e, resolved, activation)) <= 0
                case .greaterThan(let e): holds = ExactRational.compare(v, try Self.evaluate(e, resolved, activation)) > 0
                }
                guard holds else {
                    let shown = texts.first { $0.0 == spec.name }?.1 ?? "?"
                    throw OracleError("\(activation): parameter \(spec.name) must be \(constraint) (got \(shown))")
                }
            }
        }
        var kinks: [(ExactRational, KinkValue, Side, SecondAtKink?, Bool)] = []
        for kink in entry.kinks {
            guard let side = kink.side(for: convention) else {
                let offered = ["pytorch"] + Framework.allCases.filter { kink.conventions[$0] != nil && $0 != .pytorch }.map(\.rawValue)
                throw OracleError("\(convention) has no \(activation) to take a kink convention from; use --convention \((offered + ["left", "right"]).joined(separator: "|"))")
            }
            let at = try Self.evaluate(kink.at, resolved, activation)
            if let previous = kinks.last, ExactRational.compare(previous.0, at) > 0 {
                throw OracleError("\(activation): these parameters put the kinks out of order")
            }
            var second: SecondAtKink?
            switch kink.secondDerivative(for: convention) {
            case .side(let s)?: second = .side(s)
            case .value(let e)?: second = .value(try Self.evaluate(e, resolved, activation))
            case nil: second = nil
            }
            kinks.append((at, kink.value, side, second, kink.curvatureOnly))
        }
        self.activation = activation
        self.convention = convention
        self.parameterTexts = texts.map { (name: $0.0, value: $0.1) }
        self.parameters = resolved
        self.givenParameters = given
        self.defaultParameters = defaults
        self.kinks = kinks
        self.pieces = activation.pieces(resolved)
        self.fastValue = pieces.map { FastForm(over: $0.value.fast) }
        self.fastDerivative = pieces.map { FastForm(over: $0.derivative.fast) }
        self.ballValue = pieces.map(\.value.ball)
        self.ballDerivative = pieces.map(\.derivative.ball)
        self.smallValue = pieces.map(\.value.small)
        self.smallDerivative = pieces.map(\.derivative.small)
        self.fastKinks = kinks.map { kink in let c = Constant(kink.0).fast; return (c.lo, c.hi) }
        self.aboveHalfX = Self.aboveHalfX(activation, resolved)
        precondition(pieces.count == kinks.count + 1, "\(activation): \(pieces.count) pieces for \(kinks.count) kinks")
        self.derivativeNegativeBelow = Self.negativeDerivativeBelow[activation] ?? -.infinity
        for quantity in [Quantity.value, .derivative, .secondDerivative] {
            for negative in [true, false] {
                let sign: Int8
                switch decide(formula(quantity, at: .powerOfTwo(12, negative: negative)), .f64) {
                case .rounded(let r): sign = FloatFormat.f64.isNegative(r) ? -1 : 1
                case .exactZero, .zeroOfUnresolvedSign: sign = 0
                }
                tailSigns[2 * quantity.order! + (negative ? 0 : 1)] = sign
            }
        }
    }

    /// The same function with its own closures and tables. Threads that evaluate in parallel
    /// should each take one: closures shared between cores have their reference counts bounce
    /// between caches (relu's exhaustive run spent 31 % in `swift_retain` and did not scale).
    public func independentCopy() -> ActivationFunction {
        // Cannot throw: these parameters and this convention were accepted once already.
        try! ActivationFunction(activation, parameters: givenParameters, convention: convention)
    }

    public var description: String {
        let params = parameterTexts.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")
        return params.isEmpty ? activation.name : "\(activation.name)(\(params))"
    }

    private static func evaluate(_ e: ParameterExpression, _ p: ResolvedParameters, _ f: Activation) throws -> ExactRational {
        switch e {
        case .number(let n): return ExactRational(n)
        case .parameter(let name): return p[name]
        case .negate(let a): return -(try evaluate(a, p, f))
        case .sum(let a, let b): return try evaluate(a, p, f) + evaluate(b, p, f)
        case .difference(let a, let b): return try evaluate(a, p, f) - evaluate(b, p, f)
        case .product(let a, let b): return try evaluate(a, p, f) * evaluate(b, p, f)
        case .quotient(let a, let b):
            let d = try evaluate(b, p, f)
            guard !d.isZero else { throw OracleError("\(f): \(b) must not be 0") }
            return try evaluate(a, p, f) / d
        }
    }

    /// The same function and parameters with another kink convention.
    public func with(convention: KinkConvention) throws -> ActivationFunction {
        try ActivationFunction(activation, parameters: givenParameters, convention: convention)
    }

    /// The same under another convention, which must define `quantity` (`validate(_:)`): JAX has
    /// celu″(0), TensorFlow has no softsign″.
    public func with(convention: KinkConvention, for quantity: Quantity) throws -> ActivationFunction {
        let other = try with(convention: convention)
        try other.validate(quantity)
        return other
    }

    /// Checks that `quantity` exists for this function (prelu's d/dalpha, say; f″ where the
    /// convention's framework has a second derivative at every kink).
    public func validate(_ quantity: Quantity) throws {
        if quantity == .secondDerivative, let i = kinks.firstIndex(where: { $0.second == nil }) {
            let offered = KinkConvention.allCases.filter { c in
                activation.entry.kinks.allSatisfy { $0.secondDerivative(for: c) != nil }
            }.map(\.rawValue)
            throw OracleError("\(convention) has no second derivative of \(activation) at x = \(activation.entry.kinks[i].at); use --convention \(offered.joined(separator: "|"))")
        }
        if case .parameterDerivative(let name) = quantity, pieces.contains(where: { $0.parameterDerivatives[name] == nil }) {
            let offered = activation.entry.parameterDerivatives.keys.sorted()
            throw OracleError("\(activation) has no derivative with respect to '\(name)'" +
                              (offered.isEmpty ? "" : " (available: \(offered.joined(separator: ", ")))"))
        }
    }

    // MARK: Evaluation

    /// The piece's formula that defines `quantity` at the exact x.
    func formula(_ quantity: Quantity, at x: BigFloat) -> Evaluation {
        let q = ExactRational(x)
        var index = kinks.count
        for (i, kink) in kinks.enumerated() {
            let c = ExactRational.compare(q, kink.at)
            if c > 0 { continue }
            if c < 0 { index = i; break }
            if quantity == .value, case .parameter(let name) = kink.value { return .exact(parameters[name]) }
            let side: Side
            if quantity == .value, case .side(let s) = kink.value { side = s }
            else if quantity == .secondDerivative {
                switch kink.second {
                case .side(let s)?: side = s
                case .value(let q)?: return .exact(q)
                case nil: preconditionFailure("validate(_:) first")
                }
            } else { side = kink.derivativeSide }
            index = side == .left ? i : i + 1
            break
        }
        return pieces[index].formula(quantity).exact(x)
    }

    /// The fast path: a binary64 enclosure of `quantity` (times `factor`) at the binary64 x, rounded
    /// at both ends into `result`; nil when that does not decide (the enclosure straddles a
    /// rounding boundary, x sits on a kink, or the result is a zero whose sign needs the exact
    /// rules) — then Ziv's loop decides. Two tiers: a midpoint-radius ball (`BallArithmetic`), then
    /// an interval (`FastArithmetic`), which also sees exact points, ties and proven signs. Sound
    /// because each enclosure is;
    /// never used for binary64 results. `factor` is a backward pass's gradient g (any sign; an
    /// exact zero product is +0) or, with `scaled`, the result's positive scale (signs of f kept).
    private func fastEvaluate(_ quantity: Quantity, x: Double, factor: FastInterval?, scaled: Bool = false,
                              format: FloatFormat, overflow: FloatFormat.Overflow? = nil) -> UInt64? {
        guard let index = fastPiece(at: x) else { return nil }
        let gradient = factor != nil && !scaled
        if let ball = ballForm(quantity, index) {
            // First tier: a result both ends of the ball round to; a zero only with a proven sign
            // (exact zeros are the interval tier's, which sees exact points).
            var b = ball.at(x)
            if let factor { b = BallArithmetic().multiply(b, Ball(factor)) }
            if let (lo, hi) = BallArithmetic.enclosure(b) {
                let rl = Self.round(lo, format, overflow), rh = Self.round(hi, format, overflow)
                if rl == rh && !format.isZero(rl) { return rl }
                if format.isZero(rl) && format.isZero(rh) && !gradient,
                   let zero = provenZero(quantity, x: x, lo: lo, hi: hi, sign: 0, format: format, tails: false) {
                    return zero
                }
            }
        }
        var box = fastForm(quantity, index).at(x)
        if let factor { box = FastArithmetic().multiply(box, factor) }
        guard !box.lo.isNaN && !box.hi.isNaN else { return nil }
        if box.isPoint && box.lo == 0 {
            // Exactly zero: +0, except at x = ±0 where the sign comes from beside 0.
            return x == 0 && !gradient ? nil : format.zero(negative: false)
        }
        let lo = Self.round(box.lo, format, overflow), hi = Self.round(box.hi, format, overflow)
        if lo != hi, factor == nil, let (l, above) = tieLine(quantity, x), l.significandWidth <= 51 {
            // f(x) lies in (l, box.hi] (above) or [box.lo, l) (below), l exact in binary64. With at
            // most 52 significant bits, l's neighbours have 53 and are no boundary of a format of
            // at most 32 bits: the reals between l and its neighbour round as the neighbour does,
            // and if the box's far end rounds the same, so does everything between.
            if above, box.lo <= l, Self.round(l.nextUp, format, overflow) == hi { return hi }
            if !above, box.hi >= l, Self.round(l.nextDown, format, overflow) == lo { return lo }
        }
        if lo != hi, factor == nil {
            let small: SmallForm?
            switch quantity {
            case .value: small = smallValue[index]
            case .derivative: small = smallDerivative[index]
            case .secondDerivative, .parameterDerivative: small = pieces[index].formula(quantity).small
            }
            if let small, let v = small.at(x), let r = Self.round(v, between: lo, hi, format) { return r }
        }
        if format.isZero(lo) || format.isZero(hi) {
            // A zero result needs a proven sign (nonzero values keep theirs; exact zeros are +0).
            guard format.isZero(lo) && format.isZero(hi) else { return nil }
            if gradient { return nil }
            return provenZero(quantity, x: x, lo: box.lo, hi: box.hi, sign: box.sign, format: format, tails: true)
        }
        return lo == hi ? lo : nil
    }

    func fastForm(_ quantity: Quantity, _ index: Int) -> FastForm {
        switch quantity {
        case .value: fastValue[index]
        case .derivative: fastDerivative[index]
        case .secondDerivative, .parameterDerivative: FastForm(over: pieces[index].formula(quantity).fast)
        }
    }

    private func ballForm(_ quantity: Quantity, _ index: Int) -> BallForm? {
        switch quantity {
        case .value: ballValue[index]
        case .derivative: ballDerivative[index]
        case .secondDerivative, .parameterDerivative: pieces[index].formula(quantity).ball
        }
    }

    /// The fast path's first-tier enclosure of `quantity` at x (off the kinks), for the tests:
    /// nil for rational pieces, at a kink, or where the ball is NaN or infinite.
    func ballEnclosure(_ quantity: Quantity, x: Double) -> (lo: Double, hi: Double)? {
        guard let index = fastPiece(at: x), let ball = ballForm(quantity, index) else { return nil }
        return BallArithmetic.enclosure(ball.at(x))
    }

    /// The piece a binary64 x lies in, nil when it may sit on a kink (`fastKinks`) or is NaN.
    func fastPiece(at x: Double) -> Int? {
        guard !x.isNaN else { return nil }
        for i in 0..<fastKinks.count where x <= fastKinks[i].hi {
            return x < fastKinks[i].lo ? i : nil
        }
        return fastKinks.count
    }

    /// The zero a nonzero result takes when an enclosure [lo, hi] of it (`sign`: its proven sign,
    /// or 0) rounds to zero at both ends: the sign of the value, when proven; nil otherwise.
    /// `tails`: whether the sign at ±4096 may stand for the far tails. Only the interval tier uses
    /// that rule, where its tracked signs have failed: the ball tier's midpoints underflow to 0 in
    /// every far tail and would lean on it everywhere. It is checked for the default parameters
    /// only (`defaultParameters`; silu with beta = 1e−4 changes sign beyond 4096: its f′ at −1e7
    /// is −0), so other parameters go to Ziv's loop there.
    func provenZero(_ quantity: Quantity, x: Double, lo: Double, hi: Double, sign: Int, format: FloatFormat,
                            tails: Bool) -> UInt64? {
        if lo > 0 || sign > 0 { return format.zero(negative: false) }
        if hi < 0 || sign < 0 { return format.zero(negative: true) }
        // Underflowed in binary64 too: beyond ±4096 the tail's sign (as Ziv's loop does when
        // MPFR's range runs out), nearer in Ziv's loop.
        if tails, defaultParameters, Swift.abs(x) >= 4096, let order = quantity.order, case let sign = tailSigns[2 * order + (x < 0 ? 0 : 1)], sign != 0 {
            return format.zero(negative: sign < 0)
        }
        if quantity == .derivative, x <= derivativeNegativeBelow {
            return format.zero(negative: true)
        }
        return nil
    }

    /// Whether f(x) − x/2 > 0 for every x ≠ 0. Each smooth such f is x·(½ + g(x)/2) with g odd, of
    /// the sign of x, so f(x) − x/2 = x·g(x)/2 > 0:
    /// - silu and quick-gelu, x·σ(βx): σ(βx) − ½ = tanh(βx/2)/2, of the sign of x when β > 0;
    /// - gelu, x·Φ(x): Φ(x) − ½ = erf(x/√2)/2;
    /// - gelu-tanh, x·σ(2u), u = √(2/π)(x + 0.044715x³) of the sign of x: σ(2u) − ½ = tanh(u)/2;
    /// - hard-swish: x(x + 3)/6 − x/2 = x²/6 on (−3, 3), x/2 from 3 on, −x/2 up to −3.
    /// Near 0, where f(x) ≈ x/2 + x²/4 (silu), the binary64 enclosure cannot tell f(x) from x/2
    /// once x² is below x/2's last bit; where x/2 is a boundary of the format, the sign of f − x/2
    /// decides. `FastPathTests` compares every use with Ziv's loop alone.
    static func aboveHalfX(_ activation: Activation, _ p: ResolvedParameters) -> Bool {
        switch activation {
        case .gelu, .geluTanh, .quickGELU, .hardSwish: return true
        case .silu: return p["beta"].sign > 0
        default: return false
        }
    }

    /// A line l(x), exact in binary64 (nil when it is not), with f(x) − l(x) of a proven sign that
    /// no binary64 enclosure can see near a boundary of the format: x/2 for `aboveHalfX` entries
    /// (f above it); tanh-shrink's x − 1 for x > 0 (x − tanh x > x − 1, as tanh x < 1) and x + 1
    /// for x < 0 (below it, as tanh x > −1) — x − 1 is a float32 midpoint for x = 2^24·(odd + ½)…
    func tieLine(_ quantity: Quantity, _ x: Double) -> (l: Double, above: Bool)? {
        guard quantity == .value, x != 0, x.isFinite else { return nil }
        if aboveHalfX { return (x / 2, true) }
        if activation == .tanhShrink {
            let c: Double = x > 0 ? -1 : 1, l = x + c
            // TwoSum: x + c exactly when its error term is 0.
            let bv = l - x, error = (x - (l - bv)) + (c - bv)
            return error == 0 ? (l, x > 0) : nil
        }
        return nil
    }

    /// Where f′ is proven negative all the way to −∞, so a zero it rounds to is −0 — used when both
    /// of its binary64 terms underflowed (gelu′ below x ≈ −38.5 would otherwise go to Ziv's loop
    /// for ~57 million float32 inputs, ~30 µs each). Proofs, for x at or below the value given:
    /// - gelu′ = Φ + xφ: gelu″ = φ(x)(2 − x²) < 0 for x < −√2, and gelu′ → 0 at −∞, so gelu′ < 0.
    /// - gelu-tanh′ = σ(2u)(1 + 2x·σ(−2u)·u′): for x ≤ 0, σ(−2u) ≥ ½ and u′ ≥ √(2/π) > 0.79, so
    ///   1 + 2x·σ(−2u)·u′ ≤ 1 + 0.79x < 0 for x ≤ −1.5.
    /// - mish′ = tanh(sp) + x·sech²(sp)·σ(x): with w = e^x, its sign is that of
    ///   (w + 2)(w² + 2w + 2) + 4x(1 + w), and for x ≤ −2 (w ≤ 0.136) the first term is below 4.9 while
    ///   4x(1 + w) ≤ −8.
    /// `FastPathTests` checks each sign with Ziv's loop alone at points out to −4096.
    public static let negativeDerivativeBelow: [Activation: Double] = [.gelu: -1.5, .geluTanh: -1.5, .mish: -2]

    /// RN(v) for an exact rational v known to lie between the results lo and hi when they are
    /// adjacent finite values of one sign: the one rounding boundary b between them (their midpoint,
    /// exact in binary64) decides, and v = b rounds as b does (ties to even). nil otherwise, for an
    /// exact zero (its sign follows other rules) or when the integers would overflow.
    static func round(_ v: SmallRational, between lo: UInt64, _ hi: UInt64, _ format: FloatFormat) -> UInt64? {
        guard v.m != 0, let b = format.midpoint(between: lo, hi), let c = v.compare(b) else { return nil }
        return c < 0 ? lo : (c > 0 ? hi : format.rounding(b))
    }

    @inline(__always) static func round(_ v: Double, _ format: FloatFormat, _ overflow: FloatFormat.Overflow?) -> UInt64 {
        format == .f32 && (overflow ?? .infinity) == .infinity ? UInt64(Float(v).bitPattern) : format.rounding(v, overflow: overflow)
    }

    /// Whether `evaluate` may try the fast path first (tests turn it off to compare the two).
    public var usesFastPath = true

    /// The fast path's result alone: nil when it cannot decide and `evaluate` would escalate to
    /// Ziv's loop (always nil for binary64 results and for NaN or infinite inputs).
    public func fastResult(_ quantity: Quantity = .value, bits: UInt64, format: FloatFormat) -> UInt64? {
        let bits = bits & format.allBitsMask
        guard format != .f64 && format.isFinite(bits) else { return nil }
        return fastEvaluate(quantity, x: format.doubleValue(bits), factor: nil, format: format, overflow: format.defaultOverflow)
    }

    /// The correctly rounded `quantity` at every bit pattern of `patterns` (consecutive inputs of
    /// `format`, not binary64): what `evaluate(_:bits:format:)` gives for each, at a fraction of
    /// the cost where a run of inputs can be enclosed as a whole — what an exhaustive run needs.
    /// For a run of finite nonzero inputs of one sign inside one piece, [x₀, x₁]:
    /// - **one result for all**: the interval tier's enclosure over the input interval [x₀, x₁]
    ///   (every `FastArithmetic` step is an interval operation, sound for any finite operands) rounds to
    ///   one result at both ends (a zero with a proven sign, by the same rules as one input). f′
    ///   of a smooth function rounds to f′(0) for every |x| below ~2^−25 and to its limit in the
    ///   tails; many values saturate (σ = 1, tanh = −1, relu = 0).
    /// - **the mean value theorem**: f(x) = f(x₀) + f′(ξ)·(x − x₀) with ξ in the run, so with an
    ///   enclosure F₀ of f(x₀) and D of f′ over [x₀, x₁] (the next quantity's interval form),
    ///   f(x) ∈ F₀ + D·(x − x₀), a few roundings per input instead of the libm calls. Used where
    ///   that enclosure's width is under 1/64 of a result's ulp over the run; an input whose
    ///   enclosure still straddles a rounding boundary gets `evaluate`.
    /// Otherwise — and where the range holds ±0, ±inf, NaN, both signs or a kink — it is halved
    /// down to `runLeaf` inputs, and evaluated input by input below. `ExhaustiveRunTests` compares
    /// this with `evaluate` at every input of runs at the hard places (f32, bf16, f16); every
    /// exhaustive run compares it with the kernel at all 2^32.
    public func evaluate(_ quantity: Quantity = .value, patterns: Range<UInt64>, format: FloatFormat) -> [UInt64] {
        precondition(format != .f64 && patterns.upperBound <= format.allBitsMask + 1, "evaluate(patterns:): \(format) patterns")
        var results = [UInt64](repeating: 0, count: patterns.count)
        results.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }
            fill(quantity, first: patterns.lowerBound, count: patterns.count, format, base)
        }
        return results
    }

    /// Runs of at most this many inputs are not halved further.
    static let runLeaf = 64

    private func fill(_ quantity: Quantity, first: UInt64, count: Int, _ format: FloatFormat, _ out: UnsafeMutablePointer<UInt64>) {
        if usesFastPath {
            if let run = run(quantity, first: first, count: count, format) {
                if count > Self.runLeaf, let result = constant(run) {
                    out.update(repeating: result, count: count)
                    return
                }
                if fillBySlope(run, out) { return }
            }
            if count > Self.runLeaf {
                // Also where the range holds ±0, ±inf, NaN, both signs or a kink: its halves may not.
                let half = count / 2
                fill(quantity, first: first, count: half, format, out)
                fill(quantity, first: first + UInt64(half), count: count - half, format, out + half)
                return
            }
        }
        for i in 0..<count { out[i] = evaluate(quantity, bits: first + UInt64(i), format: format) }
    }

    /// A run of inputs for `evaluate(_:patterns:format:)`: `count` consecutive bit patterns from
    /// `first`, all finite, nonzero, of one sign and inside piece `index`; [lo, hi] their range.
    struct Run {
        let quantity: Quantity, format: FloatFormat, first: UInt64, count: Int
        let index: Int, lo: Double, hi: Double

        var negative: Bool { lo < 0 }
        var range: FastInterval { FastInterval(lo: lo, hi: hi) }
    }

    /// The run of `count` patterns from `first` when it is one (`Run`), else nil.
    func run(_ quantity: Quantity, first: UInt64, count: Int, _ format: FloatFormat) -> Run? {
        guard count > 1 else { return nil }
        let last = first + UInt64(count - 1)
        guard format.isFinite(first), format.isFinite(last), !format.isZero(first), !format.isZero(last),
              format.isNegative(first) == format.isNegative(last) else { return nil }
        let a = format.doubleValue(first), b = format.doubleValue(last)
        let (lo, hi) = a < b ? (a, b) : (b, a)
        guard let index = fastPiece(at: lo), fastPiece(at: hi) == index else { return nil }
        return Run(quantity: quantity, format: format, first: first, count: count, index: index, lo: lo, hi: hi)
    }

    /// The one result every input of `run` rounds to, when the interval tier proves it.
    func constant(_ run: Run) -> UInt64? {
        let format = run.format
        let box = fastForm(run.quantity, run.index).over(run.range)
        guard !box.lo.isNaN && !box.hi.isNaN else { return nil }
        // Exactly zero everywhere (a flat piece): +0, as for each input off ±0.
        if box.isPoint && box.lo == 0 { return format.zero(negative: false) }
        let overflow = format.defaultOverflow
        let rl = Self.round(box.lo, format, overflow), rh = Self.round(box.hi, format, overflow)
        if rl == rh && !format.isZero(rl) { return rl }
        guard format.isZero(rl) && format.isZero(rh) else { return nil }
        // The rules of one input, at the run's input nearest 0 (each rule holds beyond it).
        return provenZero(run.quantity, x: run.negative ? run.hi : run.lo, lo: box.lo, hi: box.hi, sign: box.sign,
                          format: format, tails: true)
    }

    /// Fills `out` by the mean value theorem (see `evaluate(_:patterns:format:)`) when its enclosure
    /// is narrow enough over the run; false (nothing written) when it is not or when `quantity` has
    /// no next derivative here.
    func fillBySlope(_ run: Run, _ out: UnsafeMutablePointer<UInt64>) -> Bool {
        let next: Quantity
        switch run.quantity {
        case .value: next = .derivative
        case .derivative: next = .secondDerivative
        case .secondDerivative, .parameterDerivative: return false
        }
        // x₀ is the run's lower end, so h = x − x₀ ≥ 0.
        let x0 = run.lo
        let f0 = fastForm(run.quantity, run.index).at(x0)
        let d = fastForm(next, run.index).over(run.range)
        guard f0.lo.isFinite && f0.hi.isFinite && d.lo.isFinite && d.hi.isFinite else { return false }
        // Width of every input's enclosure, against the smallest |f| over the run and the
        // format's relative ulp 2^(1−p) (an underestimate of every ulp at or above that |f|,
        // subnormals included): at most 1/64 of it.
        let span = (run.hi - run.lo).nextUp
        let width = ((f0.hi - f0.lo) + ((d.hi - d.lo) * span).nextUp).nextUp
        let smallest = (Swift.min(Swift.abs(f0.lo), Swift.abs(f0.hi)) - Swift.max(Swift.abs(d.lo), Swift.abs(d.hi)) * span).nextDown
        guard f0.lo.sign == f0.hi.sign, f0.lo != 0, f0.hi != 0, smallest > 0,
              width <= smallest * Double(sign: .plus, exponent: 1 - run.format.precision - 6, significand: 1) else { return false }
        let format = run.format, overflow = format.defaultOverflow
        for i in 0..<run.count {
            let bits = run.first + UInt64(i)
            // (`doubleValue` is a call into another module, a tenth of this loop.)
            let x = format == .f32 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits))) : format.doubleValue(bits)
            // h = x − x₀ enclosed (exact for a run inside two binades of binary32).
            let h = x - x0, hLo = Swift.max(h.nextDown, 0), hHi = h.nextUp
            let low = d.lo >= 0 ? d.lo * hLo : d.lo * hHi, high = d.hi >= 0 ? d.hi * hHi : d.hi * hLo
            let l = (f0.lo + low.nextDown).nextDown, u = (f0.hi + high.nextUp).nextUp
            let rl = Self.round(l, format, overflow), rh = Self.round(u, format, overflow)
            out[i] = rl == rh && !format.isZero(rl) ? rl : evaluate(run.quantity, bits: bits, format: format)
        }
        return true
    }

    private enum Decision {
        case rounded(UInt64)
        case exactZero
        /// Rounds to zero, but the enclosure straddles 0 because its terms fell out of MPFR's
        /// exponent range (|e| < 2^62): gelu′(−1e300) = Φ(x) + x·φ(x) with both terms below 2^(−2^62).
        case zeroOfUnresolvedSign
    }

    /// Largest working precision tried before giving up (a bug, not an input problem).
    static let maximumPrecision = 1 << 21

    private func decide(_ evaluation: Evaluation, _ format: FloatFormat, _ overflow: FloatFormat.Overflow? = nil,
                        scale: Constant? = nil) -> Decision {
        let evaluation = scale.map { evaluation.scaled(by: $0.exact) } ?? evaluation
        guard let enclose = evaluation.enclosure else {
            guard case .exact(let q) = evaluation else { preconditionFailure("no enclosure") }
            return q.isZero ? .exactZero : .rounded(q.rounded(to: format, overflow: overflow))
        }
        var precision = 2 * format.precision + 16
        while precision <= Self.maximumPrecision {
            let box = enclose(IntervalArithmetic(precision: precision))
            if !box.hasNaN {
                if box.isExactZero { return .exactZero }
                let lo = box.lo.rounded(to: format, beyond: box.loOpen ? 1 : 0, overflow: overflow)
                let hi = box.hi.rounded(to: format, beyond: box.hiOpen ? -1 : 0, overflow: overflow)
                if lo == hi { return .rounded(lo) }
                if format.isZero(lo) && format.isZero(hi) {
                    // Both round to zero; the exact value is not 0 (only point enclosures are),
                    // so a one-signed enclosure decides the sign.
                    if box.lo.sign < 0 && box.hi.sign <= 0 { return .rounded(format.zero(negative: true)) }
                    if box.lo.sign >= 0 && box.hi.sign > 0 { return .rounded(format.zero(negative: false)) }
                    if box.lo.isUnderflowArtifact && box.hi.isUnderflowArtifact { return .zeroOfUnresolvedSign }
                }
            }
            precision *= 2
        }
        preconditionFailure("oracle: \(self) did not converge below \(Self.maximumPrecision) bits")
    }

    /// The stand-in for ±inf: every kink lies far inside ±2^(2^16), and f(±2^(2^20)) rounds to
    /// the limit in every format.
    private static func infinityStandIn(negative: Bool) -> BigFloat { .powerOfTwo(1 << 20, negative: negative) }
    /// A nonzero neighbour of ±0 closer to 0 than any parameter or input.
    private static func zeroNeighbour(negative: Bool) -> BigFloat { .powerOfTwo(-(1 << 20), negative: negative) }

    private func exactInput(_ bits: UInt64, _ format: FloatFormat) -> BigFloat {
        format.isInfinite(bits) ? Self.infinityStandIn(negative: format.isNegative(bits)) : .exact(bits: bits, format: format)
    }

    /// The correctly rounded `quantity` at the input with bit pattern `bits` in `format`.
    public func evaluate(_ quantity: Quantity = .value, bits: UInt64, format: FloatFormat) -> UInt64 {
        // The fast path first, before a `ResultRounding` is built (its copy and release were a
        // tenth of the cost of a relu result).
        let bits = bits & format.allBitsMask
        if usesFastPath && format != .f64 && format.isFinite(bits),
           let r = fastEvaluate(quantity, x: format.doubleValue(bits), factor: nil, format: format, overflow: format.defaultOverflow) {
            return r
        }
        return evaluate(quantity, bits: bits, format: format, to: .plain(format), fastPathTried: true)
    }

    /// The same under another rule for results beyond the largest finite (`format.allows(overflow)`
    /// must hold): saturate to ±largest finite, or NaN, or ±inf. An exact infinity (f(±inf) = ±inf)
    /// is not an overflow: it stays ±inf where the format has one, unless saturating.
    public func evaluate(_ quantity: Quantity = .value, bits: UInt64, format: FloatFormat, overflow: FloatFormat.Overflow) -> UInt64 {
        precondition(format.allows(overflow), "\(format) has no \(overflow.rawValue) to overflow to")
        return evaluate(quantity, bits: bits, format: format, to: try! ResultRounding(format, overflow: overflow))
    }

    /// RN(s·q(x)) in `result`'s format under its overflow rule, for the input with bit pattern
    /// `bits` in `format`: one rounding of the exact product, whatever the two formats. NaN gives
    /// the output's NaN (a NaN input into a format without one — the MX element formats — is a
    /// caller's error: `precondition`). f(±inf) = ±inf is an exact infinity (`exactInfinity`);
    /// a finite limit (σ(+inf) = 1) is scaled and rounded like any value. Zeros follow the rules
    /// above (s > 0 keeps every sign).
    public func evaluate(_ quantity: Quantity = .value, bits: UInt64, format: FloatFormat, to result: ResultRounding) -> UInt64 {
        evaluate(quantity, bits: bits, format: format, to: result, fastPathTried: false)
    }

    private func evaluate(_ quantity: Quantity, bits: UInt64, format: FloatFormat, to result: ResultRounding,
                          fastPathTried: Bool) -> UInt64 {
        let out = result.format, overflow = result.overflow, scale = result.factor
        let bits = bits & format.allBitsMask
        if format.isNaN(bits) {
            precondition(out.hasNaN, "\(out) has no NaN for f(NaN)")
            return out.quietNaN
        }
        if format.isInfinite(bits) {
            // An infinite limit stays infinite (exact): f at the stand-in ±2^(2^20), times
            // 2^(−2^19), still overflows binary64 only then (finite limits and parameters stay
            // within 2^65536). A finite nonzero one is exact (`finiteLimit`); zeros come below.
            MPFRRange.widen()
            let negative = format.isNegative(bits)
            let probe = decide(formula(quantity, at: exactInput(bits, format)), .f64, scale: Self.limitProbe)
            if case .rounded(let limit) = probe, FloatFormat.f64.isInfinite(limit) {
                return out.exactInfinity(negative: FloatFormat.f64.isNegative(limit), overflow)
            }
            if let limit = activation.finiteLimit(quantity, negative: negative, parameters),
               case .rounded(let r) = decide(.exact(limit), out, overflow, scale: scale) {
                return r
            }
        }
        if usesFastPath && !fastPathTried && out != .f64 && format.isFinite(bits),
           let r = fastEvaluate(quantity, x: format.doubleValue(bits), factor: scale?.fast, scaled: true, format: out, overflow: overflow) {
            return r
        }
        MPFRRange.widen()
        let x = exactInput(bits, format)
        switch decide(formula(quantity, at: x), out, overflow, scale: scale) {
        case .rounded(let r):
            return r
        case .zeroOfUnresolvedSign:
            // Only far tails underflow that much, and every transcendental piece in the catalog
            // keeps one sign for |x| ≥ 4096 (checked by the tests), so f there gives the sign.
            let near = BigFloat.powerOfTwo(12, negative: x.sign < 0)
            precondition(BigFloat.compare(BigFloat.exactAbs(x), near) > 0, "oracle: unresolved sign at |x| ≤ 4096")
            if case .rounded(let r) = decide(formula(quantity, at: near), .f64) {
                return out.zero(negative: FloatFormat.f64.isNegative(r))
            }
            preconditionFailure("oracle: no sign for \(self) at ±4096")
        case .exactZero:
            if format.isZero(bits) {
                let beside = Self.zeroNeighbour(negative: format.isNegative(bits))
                if case .rounded(let r) = decide(formula(quantity, at: beside), .f64), FloatFormat.f64.isNegative(r) {
                    return out.zero(negative: true)
                }
            }
            return out.zero(negative: false)
        }
    }

    private static let limitProbe = Constant(ExactRational(BigFloat.powerOfTwo(-(1 << 19))))

    /// The correctly rounded product g·q(x) — what a backward pass computes (gradIn = gradOut·f′(x))
    /// — for finite g, as one rounding of the exact product. NaN x or g gives NaN; an exact zero
    /// product is +0 (backward passes have no sign-of-zero convention to follow).
    public func evaluate(_ quantity: Quantity = .derivative, bits: UInt64, scaledBy g: UInt64, format: FloatFormat) -> UInt64 {
        let bits = bits & format.allBitsMask, g = g & format.allBitsMask
        if format.isNaN(bits) || format.isNaN(g) { return format.quietNaN }
        precondition(format.isFinite(g), "scaledBy: g must be finite")
        if usesFastPath && format != .f64 && format.isFinite(bits),
           let r = fastEvaluate(quantity, x: format.doubleValue(bits), factor: FastInterval(format.doubleValue(g)), format: format) {
            return r
        }
        MPFRRange.widen()
        let factor = ExactRational(BigFloat.exact(bits: g, format: format))
        switch decide(formula(quantity, at: exactInput(bits, format)).scaled(by: factor), format) {
        case .rounded(let r): return r
        case .exactZero, .zeroOfUnresolvedSign: return format.zero(negative: false)
        }
    }

    /// The correctly rounded value of `quantity` at `x`, in x's own format.
    public func evaluate<T: FloatFormatRepresentable>(_ quantity: Quantity = .value, _ x: T) -> T {
        T(formatBits: evaluate(quantity, bits: x.formatBits, format: T.floatFormat))
    }

    /// An enclosure of the exact real value at `precision` bits (for error measures in real units).
    /// For ±inf inputs it encloses f at the stand-in ±2^(2^20); NaN inputs give nil.
    /// With `scale`, the enclosure of s·f (a plain rounding's scale is 1).
    public func enclosure(_ quantity: Quantity = .value, bits: UInt64, format: FloatFormat,
                          precision: Int = 128, scale: ResultRounding? = nil) -> RealInterval? {
        MPFRRange.widen()
        let bits = bits & format.allBitsMask
        if format.isNaN(bits) { return nil }
        let box: Interval
        let evaluation = formula(quantity, at: exactInput(bits, format))
        let scaled = scale?.factor.map { evaluation.scaled(by: $0.exact) } ?? evaluation
        if let enclose = scaled.enclosure {
            box = enclose(IntervalArithmetic(precision: precision))
        } else if case .exact(let q) = scaled {
            box = q.enclosure(precision: precision)
        } else { return nil }
        return RealInterval(lower: RealNumber(box.lo), upper: RealNumber(box.hi))
    }
}

extension ActivationFunction {
    /// A factor multiplying q(x) in a gated unit: b, or a backward pass's g·b (exact), or one
    /// of the IEEE values an exact product cannot hold.
    enum Factor {
        case nan
        case infinite(negative: Bool)
        /// An exact value; `negative` is the sign of a zero.
        case finite(ExactRational, negative: Bool)

        /// The product of IEEE values given as bit patterns in `format`, exactly (NaN, 0·inf: NaN).
        init(product bits: [UInt64], format: FloatFormat) {
            var value = ExactRational(1), negative = false, infinite = false, zero = false
            for b in bits {
                if format.isNaN(b) { self = .nan; return }
                negative = negative != format.isNegative(b)
                if format.isInfinite(b) { infinite = true; continue }
                if format.isZero(b) { zero = true; continue }
                value = value * ExactRational(BigFloat.exact(bits: b, format: format))
            }
            if infinite { self = zero ? .nan : .infinite(negative: negative); return }
            self = .finite(zero ? ExactRational(0) : value, negative: negative)
        }
    }

    /// RN(q(x)·c) in `format` — a gated unit's value (c = b), ∂/∂a (q = f′, c = b) or its backward
    /// (c = g·b) — as one rounding of the exact product. The IEEE rules for what has no exact
    /// product: NaN in either gives NaN; 0·inf gives NaN (a zero limit at ±inf counts as 0:
    /// silu(−inf)·inf); any other product with an infinity is ±inf. An exactly zero product (c = 0,
    /// or q(x) exactly 0) is the zero IEEE multiplication gives from the correctly rounded q(x) and
    /// c: the xor of their signs. A nonzero product that underflows keeps its own sign.
    func evaluate(_ quantity: Quantity, bits: UInt64, format: FloatFormat, times c: Factor) -> UInt64 {
        MPFRRange.widen()
        let bits = bits & format.allBitsMask
        if format.isNaN(bits) { return format.quietNaN }
        let infiniteInput = format.isInfinite(bits)
        // q(x) itself, correctly rounded in binary64 (signed zeros and limits by the rules above):
        // its sign, infinity or zero decide the cases without an exact product. Not needed (and a
        // binary64 Ziv loop saved) for a finite x times a finite nonzero factor.
        if !infiniteInput, case .finite(let factor, _) = c, !factor.isZero,
           usesFastPath && format != .f64, let d = factor.exactDouble,
           let r = fastEvaluate(quantity, x: format.doubleValue(bits), factor: FastInterval(d), format: format), !format.isZero(r) {
            return r // (the fast path's exact zeros are +0, a backward pass's convention: zeros go on)
        }
        let alone = FloatFormat.f64.doubleValue(evaluate(quantity, bits: format.doubleValue(bits).bitPattern, format: .f64))
        if alone.isNaN { return format.quietNaN }
        let x = exactInput(bits, format)
        var qIsZero: Bool {
            if infiniteInput { return alone == 0 }
            if case .exactZero = decide(formula(quantity, at: x), .f64) { return true }
            return false
        }
        func zero(negative: Bool) -> UInt64 { format.zero(negative: negative) }
        switch c {
        case .nan:
            return format.quietNaN
        case .infinite(let negative):
            if alone.isInfinite { return format.exactInfinity(negative: (alone < 0) != negative, format.defaultOverflow) }
            if qIsZero { return format.quietNaN }
            return format.exactInfinity(negative: alone.sign == .minus ? !negative : negative, format.defaultOverflow)
        case .finite(let factor, let negative):
            let cIsZero = factor.isZero
            if alone.isInfinite {
                return cIsZero ? format.quietNaN : format.exactInfinity(negative: (alone < 0) != negative, format.defaultOverflow)
            }
            let signOfZero = (alone.sign == .minus) != negative
            if cIsZero { return zero(negative: signOfZero) }
            if infiniteInput {
                if alone == 0 { return zero(negative: signOfZero) }
                // A finite nonzero limit: `finiteLimit`'s, or an exact piece's value (relu′(+inf) = 1).
                var exactLimit: ExactRational? { if case .exact(let q) = formula(quantity, at: x) { return q }; return nil }
                guard let limit = activation.finiteLimit(quantity, negative: format.isNegative(bits), parameters) ?? exactLimit else {
                    preconditionFailure("oracle: a finite nonzero limit without finiteLimit (\(self) \(quantity))")
                }
                return (limit * factor).rounded(to: format, overflow: format.defaultOverflow)
            }
            switch decide(formula(quantity, at: x).scaled(by: factor), format, format.defaultOverflow) {
            case .rounded(let r): return r
            case .exactZero: return zero(negative: signOfZero)
            case .zeroOfUnresolvedSign:
                // Both far tails keep one sign beyond ±4096 (as in evaluate(_:bits:format:to:)).
                let near = BigFloat.powerOfTwo(12, negative: x.sign < 0)
                if case .rounded(let r) = decide(formula(quantity, at: near), .f64) {
                    return zero(negative: FloatFormat.f64.isNegative(r) != (factor.sign < 0))
                }
                preconditionFailure("oracle: no sign for \(self) at ±4096")
            }
        }
    }
}

extension GatedFunction {
    /// For exhaustive runs over pairs: a binary64 interval [lo, hi] proven to hold q(a) (the gate's
    /// value, or derivative for ∂/∂a) for a finite a off the gate's kinks, from the fast path's
    /// enclosures (it may hold 0 where q(a) underflowed binary64); nil where none is at hand (then
    /// ask `evaluate`). With it, RN(q(a)·b) for most b is the common rounding of lo·b and hi·b
    /// rounded outward.
    public func gateEnclosure(_ quantity: GatedQuantity, a: UInt64, format: FloatFormat) -> (lo: Double, hi: Double)? {
        let a = a & format.allBitsMask
        guard quantity != .partialB, format.isFinite(a) else { return nil }
        let x = format.doubleValue(a)
        guard let index = gate.fastPiece(at: x) else { return nil }
        let box = (quantity == .value ? gate.fastValue[index] : gate.fastDerivative[index]).at(x)
        guard !box.lo.isNaN, !box.hi.isNaN, box.lo.isFinite, box.hi.isFinite else { return nil }
        return (box.lo, box.hi)
    }
}

extension GatedFunction {
    /// A tighter enclosure of q(a) for the pairs the binary64 one leaves undecided (q(a)·b within
    /// a hair of a representable number or a midpoint: silu(a)·b = a·b/2 + a²b/4 for tiny a):
    /// q(a) at 192 bits once per a; each b then costs one exact product and two roundings instead
    /// of a Ziv loop.
    public struct TightEnclosure: @unchecked Sendable {
        let box: Interval
        /// q(a) is known exactly (relu's a, step's 1): a product with b can be exactly a midpoint.
        public var isExact: Bool { !box.loOpen && !box.hiOpen && BigFloat.compare(box.lo, box.hi) == 0 }
    }

    public func tightEnclosure(_ quantity: GatedQuantity, a: UInt64, format: FloatFormat) -> TightEnclosure? {
        MPFRRange.widen()
        let a = a & format.allBitsMask
        guard quantity != .partialB, format.isFinite(a) else { return nil }
        let x = BigFloat.exact(bits: a, format: format)
        for kink in gate.kinks where ExactRational.compare(ExactRational(x), kink.at) == 0 { return nil }
        guard let enclose = gate.formula(quantity == .value ? .value : .derivative, at: x).enclosure else { return nil }
        let box = enclose(IntervalArithmetic(precision: 192))
        guard !box.hasNaN, !box.isExactZero, box.lo.sign == box.hi.sign, box.lo.sign != 0 else { return nil }
        return TightEnclosure(box: box)
    }

    /// RN(q(a)·b) from the tight enclosure, or nil when it does not decide (then `evaluate`).
    public func evaluate(_ e: TightEnclosure, b: UInt64, format: FloatFormat) -> UInt64? {
        let b = b & format.allBitsMask
        guard format.isFinite(b), !format.isZero(b) else { return nil }
        let product = IntervalArithmetic(precision: 256).multiply(e.box, .point(BigFloat.exact(bits: b, format: format)))
        let lo = product.lo.rounded(to: format, beyond: product.loOpen ? 1 : 0, overflow: format.defaultOverflow)
        let hi = product.hi.rounded(to: format, beyond: product.hiOpen ? -1 : 0, overflow: format.defaultOverflow)
        return lo == hi ? lo : nil
    }
}

/// A real number held by MPFR (read-only).
public struct RealNumber: @unchecked Sendable, CustomStringConvertible {
    let value: BigFloat
    init(_ value: BigFloat) { self.value = value }

    /// Nearest `Double` (±inf or ±0 outside its range).
    public var doubleValue: Double { value.doubleValue }
    /// Correctly rounded to `format`.
    public func rounded(to format: FloatFormat) -> UInt64 { value.rounded(to: format) }
    /// Scientific decimal with `digits` significant digits.
    public func decimal(digits: Int = 20) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value.signBit ? "-inf" : "inf" }
        if value.isZero { return value.signBit ? "-0" : "0" }
        var exponent: mpfr_exp_t = 0
        guard let cString = mpfr_get_str(nil, &exponent, 10, digits, value.raw, MPFR_RNDN) else { return "?" }
        defer { mpfr_free_str(cString) }
        var mantissa = String(cString: cString)
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        let first = mantissa.prefix(1), rest = mantissa.dropFirst()
        return (negative ? "-" : "") + first + (rest.isEmpty ? "" : "." + rest) + "e" + String(exponent - 1)
    }
    public var description: String { decimal() }
}

public struct RealInterval: Sendable {
    public let lower: RealNumber
    public let upper: RealNumber
}

extension FloatFormat {
    /// The exact number correctly rounded to this format (how text inputs such as `0.1` become
    /// values, in every format including bfloat16). Zero keeps its sign.
    public func rounding(_ number: ExactNumber, overflow: Overflow? = nil) -> UInt64 {
        MPFRRange.widen()
        if number.isZero { return zero(negative: number.negative) }
        return ExactRational(number).rounded(to: self, overflow: overflow)
    }
}

extension FloatFormat {
    /// `rounding(number)`, or nil when the number lies beyond the largest finite (rounds past it,
    /// ties to even) in a format without infinity: 500 is no e4m3fn value (its default overflow
    /// would read it as NaN, and saturation as 448). Formats with infinity read it as ±inf.
    public func roundingWithinRange(_ number: ExactNumber) -> UInt64? {
        let bits = rounding(number)
        guard !hasInfinity, !number.isZero else { return bits }
        var q = ExactRational(number)
        if q.sign < 0 { q = -q }
        let largest = ExactRational(BigFloat.exact(bits: largestFinite, format: self))
        let halfUnit = ExactRational(BigFloat.powerOfTwo(maxExponent - fractionBits - 1))
        let c = ExactRational.compare(q, largest + halfUnit)
        return c > 0 || (c == 0 && largestFinite & 1 == 1) ? nil : bits
    }
}

extension ActivationFunction {
    /// A parameter's exact value correctly rounded to `format` (what a kernel in that format uses).
    public func parameter(_ name: String, roundedTo format: FloatFormat) -> UInt64 {
        MPFRRange.widen()
        let q = parameters[name]
        return q.isZero ? format.zero(negative: false) : q.rounded(to: format)
    }

    /// The exact parameter minus its correctly rounded binary64 value, itself rounded to binary64:
    /// with it, hi + lo carries the parameter to about 106 bits.
    public func parameterTail(_ name: String) -> Double {
        MPFRRange.widen()
        let q = parameters[name]
        if q.isZero { return 0 }
        let hi = BigFloat.exact(bits: q.rounded(to: .f64), format: .f64)
        let rest = q - ExactRational(hi)
        return rest.isZero ? 0 : Double(bitPattern: rest.rounded(to: .f64))
    }

    /// The catalog's kinks of f and f′ (not those of f″ alone), each correctly rounded to
    /// `format`, in order.
    public func kinkPositions(roundedTo format: FloatFormat) -> [UInt64] {
        MPFRRange.widen()
        return kinks.filter { !$0.curvatureOnly }.map { $0.at.isZero ? format.zero(negative: false) : $0.at.rounded(to: format) }
    }

    /// Every kink, f″'s alone included, correctly rounded to `format`, in order.
    public func secondDerivativeKinkPositions(roundedTo format: FloatFormat) -> [UInt64] {
        MPFRRange.widen()
        return kinks.map { $0.at.isZero ? format.zero(negative: false) : $0.at.rounded(to: format) }
    }

    /// The side of each kink of f and f′ whose derivative this function's convention takes.
    public var derivativeSides: [Side] { kinks.filter { !$0.curvatureOnly }.map(\.derivativeSide) }

    /// Names of the parameters, in catalog order.
    public var parameterNames: [String] { parameterTexts.map(\.name) }
}

extension RealNumber {
    /// |actual − self| in units of the last place, the way LLVM libc's MPFR wrapper measures it:
    /// in the binade of `self` (ulp floored at the smallest subnormal); when `actual` lies in
    /// another binade, the distance is split at each binade boundary between them and each part
    /// counted in its own ulp. `actual` must be finite and `self` finite (classes cover the rest).
    public func ulpError(of actual: UInt64, format: FloatFormat) -> Double {
        MPFRRange.widen()
        precondition(format.isFinite(actual) && !value.isNaN && !value.isInfinite, "ulpError: finite values only")
        let a = BigFloat.exact(bits: actual, format: format)
        var lo = a, hi = value
        if BigFloat.compare(lo, hi) > 0 { swap(&lo, &hi) }
        var total = 0.0
        // Walk from lo up to hi one binade at a time: [lo, min(hi, next power of two)].
        var cursor = lo
        while BigFloat.compare(cursor, hi) < 0 {
            let unit = Self.unitExponent(of: cursor, ceilingSide: true, format)
            let boundary = Self.nextBinadeBoundary(above: cursor, format)
            let end = boundary.map { BigFloat.compare($0, hi) < 0 ? $0 : hi } ?? hi
            let d = BigFloat(precision: 256)
            mpfr_sub(d.raw, end.raw, cursor.raw, MPFR_RNDN)
            mpfr_mul_2si(d.raw, d.raw, -unit, MPFR_RNDN)
            total += d.doubleValue
            cursor = end
        }
        return total
    }

    /// Exponent of one ulp for values just above `x` (ceilingSide) in `format`, floored at the
    /// smallest subnormal's.
    static func unitExponent(of x: BigFloat, ceilingSide: Bool, _ format: FloatFormat) -> Int {
        if x.isZero { return format.minSubnormalExponent }
        // For negative x the magnitude just above x (toward +inf) is smaller: its binade is the one
        // below when x is a power of two.
        var e = x.exponent // |x| in [2^(e−1), 2^e)
        if x.sign < 0 && BigFloat.isPowerOfTwo(x) { e -= 1 }
        return max(e - format.precision, format.minSubnormalExponent)
    }

    /// The next ±2^k strictly above x (toward +inf) where the ulp changes, or nil past the range.
    static func nextBinadeBoundary(above x: BigFloat, _ format: FloatFormat) -> BigFloat? {
        if x.isZero || (x.sign > 0 && x.exponent - 1 < format.minNormalExponent) {
            return BigFloat.powerOfTwo(format.minNormalExponent)
        }
        if x.sign > 0 { return BigFloat.powerOfTwo(x.exponent) }
        // negative: |x| in [2^(e−1), 2^e); moving up shrinks |x| to 2^(e−1) (or to the next lower
        // power when x is already one), and below the normal range straight to 0
        var e = x.exponent - 1
        if BigFloat.isPowerOfTwo(x) { e -= 1 }
        if e < format.minNormalExponent { return BigFloat.exact(0) }
        return BigFloat.powerOfTwo(e, negative: true)
    }
}

extension BigFloat {
    static func isPowerOfTwo(_ x: BigFloat) -> Bool { !x.isZero && x.significantBits == 1 }
}

