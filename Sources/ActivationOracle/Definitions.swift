import ActivationCatalog

/// What one piece of an activation evaluates to at an exact input.
enum Evaluation {
    /// An exact rational: rounded once, correctly, by round-to-odd.
    case exact(ExactRational)
    /// A real number known through enclosures at any working precision (Ziv's loop asks for more
    /// bits until the enclosure rounds to one value).
    case real((IntervalArithmetic) -> Interval)
    /// A real number with a second form r + t (`Tail`), used beyond `Tail.plainPrecision`.
    case tailed((IntervalArithmetic) -> Interval, Tail)

    /// The enclosure Ziv's loop asks at each precision (nil for an exact rational).
    var enclosure: ((IntervalArithmetic) -> Interval)? {
        switch self {
        case .exact: return nil
        case .real(let enclose): return enclose
        case .tailed(let plain, let tail):
            return { a in a.precision <= Tail.plainPrecision ? plain(a) : tail.enclosure(a) }
        }
    }

    /// s·(this value) for an exact s (positive for output scales, any sign for gradients): an exact rational stays exact, and a tail form's
    /// r is multiplied exactly, so that r·s stays a point (s = 3/10 times gelu(100) = 30 − 2^−7213
    /// sits just below e5m2's midpoint 30: only the exact 30 and the tail's sign decide that).
    func scaled(by s: ExactRational) -> Evaluation {
        switch self {
        case .exact(let q): return .exact(q * s)
        case .real(let enclose): return .real { a in a.multiply(enclose(a), a.constant(s)) }
        case .tailed(let plain, let tail):
            let scaledPlain = { (a: IntervalArithmetic) in a.multiply(plain(a), a.constant(s)) }
            // A negative factor (a backward pass's gradient) flips the tail's sign; 0 leaves none.
            if s.isZero { return .real(scaledPlain) }
            return .tailed(scaledPlain, Tail(r: tail.r * s, sign: s.sign < 0 ? -tail.sign : tail.sign) { a in a.multiply(tail.t(a), a.constant(s)) })
        }
    }
}

/// One quantity of one piece, written once (generically over `RationalOperations` or
/// `RealOperations`) and instantiated twice: for the oracle at an exact input, and for the fast
/// path as a binary64 enclosure at a binary64 input.
struct Formula {
    let exact: (BigFloat) -> Evaluation
    /// The binary64 enclosure over an input interval: a point for one input, or a whole run of
    /// inputs (`ActivationFunction.evaluate(_:patterns:format:)`) — every `FastArithmetic` step is
    /// an interval operation, sound for any finite operands.
    let fast: (FastInterval) -> FastInterval
    /// The fast path's first tier (`BallArithmetic`), for real formulas; rational ones go
    /// straight to the interval tier, whose exact points and `small` decide their ties.
    var ball: BallForm? = nil
    /// A rational formula's exact value in machine integers, nil where it does not fit
    /// (`SmallRational`); absent for real formulas.
    var small: SmallForm? = nil
}

/// The fast path's closures, each in a struct of its own: an array or an optional of a bare
/// function type holds it at its most general abstraction, and every call went through two
/// reabstraction thunks (with retains and, read from an array, a heap allocation) — about a
/// third of the fast path's time on sigmoid.
struct FastForm {
    let over: (FastInterval) -> FastInterval
    @inline(__always) func at(_ x: Double) -> FastInterval { over(FastInterval(x)) }
}
struct BallForm { let at: (Double) -> Ball }
struct SmallForm { let at: (Double) -> SmallRational? }

/// One smooth piece between consecutive kinks: its value and derivatives at an exact x.
struct Piece {
    var value: Formula
    var derivative: Formula
    /// f″, in a form without cancellation where one is known (σ(−t) − σ(t) = −tanh(t/2)).
    var secondDerivative: Formula
    var parameterDerivatives: [String: Formula] = [:]
}

/// A formula over exact rationals: pass the same generic function twice.
private func rational(_ exact: @escaping (ExactArithmetic, ExactRational) -> ExactRational,
                      _ fast: @escaping (FastArithmetic, FastInterval) -> FastInterval,
                      _ small: @escaping (SmallRationalArithmetic, SmallRational?) -> SmallRational?) -> Formula {
    Formula(exact: { x in .exact(exact(ExactArithmetic(), ExactRational(x))) },
            fast: { x in fast(FastArithmetic(), x) },
            small: SmallForm { x in small(SmallRationalArithmetic(), SmallRational(x)) })
}

/// A formula over enclosures: pass the same generic function three times.
private func real(_ exact: @escaping (IntervalArithmetic, Interval) -> Interval,
                  _ fast: @escaping (FastArithmetic, FastInterval) -> FastInterval,
                  _ ball: @escaping (BallArithmetic, Ball) -> Ball) -> Formula {
    Formula(exact: { x in .real { a in exact(a, .point(x)) } },
            fast: { x in fast(FastArithmetic(), x) },
            ball: BallForm { x in ball(BallArithmetic(), Ball(x)) })
}

private func constant(_ q: ExactRational) -> Formula {
    let c = Constant(q)
    return Formula(exact: { _ in .exact(q) }, fast: { _ in c.fast }, small: SmallForm { _ in c.small })
}
private func constant(_ n: Int) -> Formula { constant(ExactRational(n)) }
private var identity: Formula { Formula(exact: { x in .exact(ExactRational(x)) }, fast: { x in x }) }

/// f = r + t on one side of 0, with r exact and a tail t of proven sign (never 0 there): the form
/// that decides where the plain one cannot: where r (or r·s under a scale) is a rounding midpoint
/// of the output and t is below any working precision (gelu(17) = 17 − 1e−65 is a tie of
/// e4m3fn's 16 and 18). A derivative whose limit is 1 is a sum of two tail
/// terms of opposite signs (gelu′ = 1 + x·φ(x) − Φ(−x)); far out both underflow even MPFR's
/// exponent range (e^(−x²/2) at x = 2^100) and their difference straddles 0, while a narrow
/// output or a scale makes r·s a rounding midpoint (gelu′(x)/4 in e2m1 sits on 0.25, the midpoint
/// of 0 and 0.5) that only t's sign decides. The tail's enclosure is cut to that sign, so
/// r + t has an open endpoint at r and rounds at once.
struct Tail {
    let r: ExactRational
    let sign: Int
    let t: (IntervalArithmetic) -> Interval

    /// Below this working precision the plain form is used (it decides nearly everything).
    static let plainPrecision = 1024

    func enclosure(_ a: IntervalArithmetic) -> Interval {
        var t = t(a)
        if sign > 0 && t.lo.sign <= 0 { t = Interval(lo: BigFloat.exact(0), hi: t.hi, loOpen: true, hiOpen: t.hiOpen) }
        if sign < 0 && t.hi.sign >= 0 { t = Interval(lo: t.lo, hi: BigFloat.exact(0), loOpen: t.loOpen, hiOpen: true) }
        return a.add(a.constant(r), t)
    }
}

/// `f` with a tail form where `tail(x)` gives one, used once the plain form needed more than
/// `Tail.plainPrecision` bits.
private func withTail(_ f: Formula, _ tail: @escaping (BigFloat) -> Tail?) -> Formula {
    Formula(exact: { x in
        let plain = f.exact(x)
        guard case .real(let enclose) = plain, let form = tail(x) else { return plain }
        return .tailed(enclose, form)
    }, fast: f.fast, ball: f.ball)
}

/// A piece that is linear: slope·x + intercept, derivative slope.
private func linear(slope: ExactRational, intercept: ExactRational = ExactRational(0)) -> Piece {
    let m = Constant(slope), c = Constant(intercept)
    func line<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value { a.add(a.multiply(a.constant(m), x), a.constant(c)) }
    return Piece(value: rational(line, line, line), derivative: constant(slope), secondDerivative: constant(0))
}

private func flat(_ value: ExactRational) -> Piece { Piece(value: constant(value), derivative: constant(0), secondDerivative: constant(0)) }

/// σ(t)·σ(−t)·tanh(t/2) = σ(t)·σ(−t)·(σ(t) − σ(−t)): the difference of the two sigmoids, which
/// cancels near t = 0 and leaves nothing once σ(t) rounds to 1, taken as one tanh.
private func sigmoidCurvature<A: RealOperations>(_ a: A, _ t: A.Value) -> A.Value {
    let s = a.sigmoids(t)
    return a.multiply(a.multiply(s.plus, s.minus), a.tanh(a.scale(t, byPowerOfTwo: -1)))
}

/// x·σ(beta·x) and its derivative σ(t)·(1 + t·σ(−t)), t = beta·x — silu, swish and quick-gelu.
private func sigmoidGated(beta: ExactRational) -> Piece {
    let b = Constant(beta)
    func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(x, a.sigmoid(a.multiply(a.constant(b), x))) }
    func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
        let t = a.multiply(a.constant(b), x)
        let s = a.sigmoids(t)
        return a.multiply(s.plus, a.add(a.constant(1), a.multiply(t, s.minus)))
    }
    /// f″ = beta·σ(t)·σ(−t)·(2 − t·tanh(t/2)) (σ(−t) − σ(t) = −tanh(t/2): no cancellation).
    func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
        let t = a.multiply(a.constant(b), x)
        let bracket = a.subtract(a.constant(2), a.multiply(t, a.tanh(a.scale(t, byPowerOfTwo: -1))))
        let s = a.sigmoids(t)
        return a.multiply(a.multiply(a.constant(b), a.multiply(s.plus, s.minus)), bracket)
    }
    // f′ = 1 + σ(−t)·(t·σ(t) − 1), t = beta·x; positive tail for t ≥ 2 (2σ(2) > 1.76, increasing).
    let two = ExactRational(2)
    let tail = { (x: BigFloat) -> Tail? in
        let t = beta * ExactRational(x)
        guard ExactRational.compare(t, two) >= 0 else { return nil }
        return Tail(r: ExactRational(1), sign: 1) { a in
            let tt = a.constant(t)
            return a.multiply(a.sigmoid(a.negate(tt)), a.subtract(a.multiply(tt, a.sigmoid(tt)), a.constant(1)))
        }
    }
    // f = x − x·σ(−t) where t = beta·x > 0: the tail has x's other sign.
    let valueTail = { (x: BigFloat) -> Tail? in
        let t = beta * ExactRational(x)
        guard t.sign > 0 else { return nil }
        return Tail(r: ExactRational(x), sign: -x.sign) { a in
            a.negate(a.multiply(.point(x), a.sigmoid(a.negate(a.constant(t)))))
        }
    }
    return Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), tail),
                 secondDerivative: real(second, second, second))
}

/// For x ≥ 1: the x ≥ 1 test of the two-term derivative tails.
private func atLeastOne(_ x: BigFloat) -> Bool { BigFloat.compare(x, BigFloat.exact(1)) >= 0 }

/// alpha·(e^(x/scaleIn) − 1) for x ≤ 0 and its derivative (alpha/scaleIn)·e^(x/scaleIn): the
/// negative side of elu, selu and celu, through expm1 so that small |x| keeps its digits.
private func exponentialLinear(alpha: ExactRational, inputScale: ExactRational = ExactRational(1)) -> Piece {
    let k = Constant(alpha), s = Constant(inputScale), ks = Constant(alpha * inputScale)
    let kss = Constant(alpha * inputScale * inputScale)
    func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(a.constant(k), a.expm1(a.multiply(a.constant(s), x))) }
    func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(a.constant(ks), a.exp(a.multiply(a.constant(s), x))) }
    func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(a.constant(kss), a.exp(a.multiply(a.constant(s), x))) }
    // f = −alpha + alpha·e^(x/scaleIn) where x/scaleIn < 0: the tail has alpha's sign.
    let valueTail = { (x: BigFloat) -> Tail? in
        let sx = inputScale * ExactRational(x)
        guard sx.sign < 0, !alpha.isZero else { return nil }
        return Tail(r: -alpha, sign: alpha.sign) { a in a.multiply(a.constant(k), a.exp(a.constant(sx))) }
    }
    return Piece(value: withTail(real(value, value, value), valueTail), derivative: real(derivative, derivative, derivative),
                 secondDerivative: real(second, second, second))
}

extension Activation {
    /// The oracle's definition: one piece per interval between the catalog's kinks, written in
    /// forms without cancellation or overflow wherever one is known, so Ziv's loop converges at
    /// low precision for most inputs and the fast path's binary64 enclosures stay narrow.
    /// Exhaustive on purpose: a new catalog entry fails to compile until it is defined here.
    func pieces(_ p: ResolvedParameters) -> [Piece] {
        let one = ExactRational(1), zero = ExactRational(0)
        switch self {
        case .sigmoid:
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.sigmoid(x) }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { let s = a.sigmoids(x); return a.multiply(s.plus, s.minus) }
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.negate(sigmoidCurvature(a, x)) }
            // σ(x) = 1 − σ(−x) for x > 0.
            let valueTail = { (x: BigFloat) -> Tail? in
                x.sign > 0 ? Tail(r: one, sign: -1) { a in a.negate(a.sigmoid(a.negate(.point(x)))) } : nil
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: real(derivative, derivative, derivative),
                          secondDerivative: real(second, second, second))]
        case .tanh:
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.tanh(x) }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.sechSquared(x) }
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.negate(a.scale(a.multiply(a.tanh(x), a.sechSquared(x)), byPowerOfTwo: 1)) }
            // tanh x = ±1 ∓ 2σ(∓2x) (1 − tanh x = 2σ(−2x)).
            let valueTail = { (x: BigFloat) -> Tail? in
                if x.sign == 0 { return nil }
                let twoX = BigFloat.exactProduct(x, BigFloat.exact(2))
                return x.sign > 0
                    ? Tail(r: one, sign: -1) { a in a.negate(a.scale(a.sigmoid(a.negate(.point(twoX))), byPowerOfTwo: 1)) }
                    : Tail(r: -one, sign: 1) { a in a.scale(a.sigmoid(.point(twoX)), byPowerOfTwo: 1) }
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: real(derivative, derivative, derivative),
                          secondDerivative: real(second, second, second))]
        case .relu:
            return [flat(zero), linear(slope: one)]
        case .relu6:
            return [flat(zero), linear(slope: one), flat(ExactRational(6))]
        case .leakyReLU:
            return [linear(slope: p["alpha"]), linear(slope: one)]
        case .prelu:
            var left = linear(slope: p["alpha"]), right = linear(slope: one)
            left.parameterDerivatives["alpha"] = identity
            right.parameterDerivatives["alpha"] = constant(0)
            return [left, right]
        case .rrelu:
            return [linear(slope: p["slope"]), linear(slope: one)]
        case .elu:
            return [exponentialLinear(alpha: p["alpha"]), linear(slope: one)]
        case .selu:
            return [exponentialLinear(alpha: p["scale"] * p["alpha"]), linear(slope: p["scale"])]
        case .celu:
            // f and f′ are continuous at 0 for every alpha ≠ 0; f″ jumps there (a kink of f″ alone).
            let alpha = p["alpha"]
            return [exponentialLinear(alpha: alpha, inputScale: one / alpha), linear(slope: one)]
        case .gelu:
            // Φ(x) = erfc(−x/√2)/2 keeps the left tail that 1 + erf(x/√2) cancels away.
            func cdf<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.scale(a.erfc(a.negate(a.multiply(x, a.constant(.sqrtHalf)))), byPowerOfTwo: -1)
            }
            /// φ(x) = e^(−x²/2)/√(2π).
            func density<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.divide(a.exp(a.negate(a.scale(a.square(x), byPowerOfTwo: -1))), a.constant(.sqrtTwoPi))
            }
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(x, cdf(a, x)) }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.add(cdf(a, x), a.multiply(x, density(a, x))) }
            /// gelu″ = φ(x)·(2 − x²).
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(density(a, x), a.subtract(a.constant(2), a.square(x))) }
            // gelu = x − x·Φ(−x) for x > 0.
            let valueTail = { (x: BigFloat) -> Tail? in
                x.sign > 0 ? Tail(r: ExactRational(x), sign: -1) { a in a.negate(a.multiply(.point(x), cdf(a, a.negate(.point(x))))) } : nil
            }
            // gelu′ = 1 + (x·φ(x) − Φ(−x)), positive for x ≥ 1: Φ(−x) < φ(x)/x ≤ x·φ(x) (Mills).
            let tail = { (x: BigFloat) -> Tail? in
                guard atLeastOne(x) else { return nil }
                return Tail(r: one, sign: 1) { a in
                    let X = Interval.point(x)
                    return a.subtract(a.multiply(X, density(a, X)), cdf(a, a.negate(X)))
                }
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), tail),
                          secondDerivative: real(second, second, second))]
        case .geluTanh:
            // (1 + tanh u)/2 = σ(2u): no cancellation for u < 0, and σ(−2u) is the other factor
            // of sech²(u)/4 = σ(2u)·σ(−2u).
            let kExact = ExactRational(try! ExactNumber(parsing: "0.044715"))
            let k = Constant(kExact), k3 = Constant(kExact * ExactRational(3)), k6 = Constant(kExact * ExactRational(6))
            func c<A: RealOperations>(_ a: A) -> A.Value { a.constant(.sqrtTwoOverPi) }
            func u<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.multiply(c(a), a.add(x, a.multiply(a.constant(k), a.multiply(x, a.square(x)))))
            }
            /// u′ = √(2/π)·(1 + 3k·x²).
            func du<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.multiply(c(a), a.add(a.constant(1), a.multiply(a.constant(k3), a.square(x))))
            }
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.multiply(x, a.sigmoid(a.scale(u(a, x), byPowerOfTwo: 1)))
            }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let twoU = a.scale(u(a, x), byPowerOfTwo: 1)
                let s = a.sigmoids(twoU)
                let second = a.scale(a.multiply(a.multiply(x, a.multiply(s.plus, s.minus)), du(a, x)), byPowerOfTwo: 1)
                return a.add(s.plus, second)
            }
            /// f″ = 2σ(2u)σ(−2u)·(2u′ − 2x·tanh(u)·u′² + x·u″), u″ = √(2/π)·6k·x: the derivative of
            /// σ(2u)σ(−2u) is 2u′·σ(2u)σ(−2u)·(σ(−2u) − σ(2u)), and σ(−2u) − σ(2u) = −tanh(u).
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let uu = u(a, x), twoU = a.scale(uu, byPowerOfTwo: 1), d = du(a, x)
                let ddu = a.multiply(c(a), a.multiply(a.constant(k6), x))
                let bracket = a.add(a.subtract(a.scale(d, byPowerOfTwo: 1),
                                               a.scale(a.multiply(a.multiply(x, a.tanh(uu)), a.square(d)), byPowerOfTwo: 1)),
                                    a.multiply(x, ddu))
                let s = a.sigmoids(twoU)
                return a.scale(a.multiply(a.multiply(s.plus, s.minus), bracket), byPowerOfTwo: 1)
            }
            // f = x − x·σ(−2u) for x > 0 (u > 0 there).
            let valueTail = { (x: BigFloat) -> Tail? in
                x.sign > 0 ? Tail(r: ExactRational(x), sign: -1) { a in
                    a.negate(a.multiply(.point(x), a.sigmoid(a.negate(a.scale(u(a, .point(x)), byPowerOfTwo: 1)))))
                } : nil
            }
            // f′ = 1 + σ(−2u)·(2x·σ(2u)·u′ − 1), positive for x ≥ 1 (1.52 > 1 there, increasing).
            let tail = { (x: BigFloat) -> Tail? in
                guard atLeastOne(x) else { return nil }
                return Tail(r: one, sign: 1) { a in
                    let X = Interval.point(x)
                    let twoU = a.scale(u(a, X), byPowerOfTwo: 1)
                    let inner = a.scale(a.multiply(a.multiply(X, a.sigmoid(twoU)), du(a, X)), byPowerOfTwo: 1)
                    return a.multiply(a.sigmoid(a.negate(twoU)), a.subtract(inner, a.constant(1)))
                }
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), tail),
                          secondDerivative: real(second, second, second))]
        case .quickGELU:
            return [sigmoidGated(beta: ExactRational(try! ExactNumber(parsing: "1.702")))]
        case .silu:
            return [sigmoidGated(beta: p["beta"])]
        case .mish:
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.multiply(x, a.tanh(a.softplus(x))) }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let sp = a.softplus(x)
                return a.add(a.tanh(sp), a.multiply(x, a.multiply(a.sechSquared(sp), a.sigmoid(x))))
            }
            /// f″ = sech²(s)·σ(x)·(2 − 2x·tanh(s)·σ(x) + x·σ(−x)), s = softplus(x) (s′ = σ(x),
            /// (sech² s)′ = −2·tanh(s)·sech²(s)·σ(x), σ′ = σ(x)σ(−x)).
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let sp = a.softplus(x), sx = a.sigmoid(x)
                let bracket = a.add(a.subtract(a.constant(2), a.scale(a.multiply(a.multiply(x, a.tanh(sp)), sx), byPowerOfTwo: 1)),
                                    a.multiply(x, a.sigmoid(a.negate(x))))
                return a.multiply(a.multiply(a.sechSquared(sp), sx), bracket)
            }
            // f = x − 2x·σ(−2sp) for x > 0 (1 − tanh s = 2σ(−2s)).
            let valueTail = { (x: BigFloat) -> Tail? in
                x.sign > 0 ? Tail(r: ExactRational(x), sign: -1) { a in
                    a.negate(a.scale(a.multiply(.point(x), a.sigmoid(a.negate(a.scale(a.softplus(.point(x)), byPowerOfTwo: 1)))), byPowerOfTwo: 1))
                } : nil
            }
            // f′ = 1 + σ(−2sp)·(4x·σ(x)·σ(2sp) − 2) (sech² s = 4σ(2s)σ(−2s), 1 − tanh s = 2σ(−2s)),
            // positive for x ≥ 1 (2.72 > 2 there, increasing).
            let tail = { (x: BigFloat) -> Tail? in
                guard atLeastOne(x) else { return nil }
                return Tail(r: one, sign: 1) { a in
                    let X = Interval.point(x)
                    let twoSp = a.scale(a.softplus(X), byPowerOfTwo: 1)
                    let inner = a.scale(a.multiply(a.multiply(X, a.sigmoid(X)), a.sigmoid(twoSp)), byPowerOfTwo: 2)
                    return a.multiply(a.sigmoid(a.negate(twoSp)), a.subtract(inner, a.constant(2)))
                }
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), tail),
                          secondDerivative: real(second, second, second))]
        case .softplus:
            let beta = Constant(p["beta"])
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.divide(a.softplus(a.multiply(a.constant(beta), x)), a.constant(beta))
            }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.sigmoid(a.multiply(a.constant(beta), x)) }
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let t = a.multiply(a.constant(beta), x)
                let s = a.sigmoids(t)
                return a.multiply(a.constant(beta), a.multiply(s.plus, s.minus))
            }
            // For beta·x > 0: f = x + softplus(−beta·x)/beta, f′ = 1 − σ(−beta·x).
            let side = { (x: BigFloat) -> ExactRational? in
                let t = p["beta"] * ExactRational(x)
                return t.sign > 0 ? t : nil
            }
            let valueTail = { (x: BigFloat) -> Tail? in
                side(x).map { t in Tail(r: ExactRational(x), sign: 1) { a in a.divide(a.softplus(a.negate(a.constant(t))), a.constant(beta)) } }
            }
            let derivativeTail = { (x: BigFloat) -> Tail? in
                side(x).map { t in Tail(r: one, sign: -1) { a in a.negate(a.sigmoid(a.negate(a.constant(t)))) } }
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), derivativeTail),
                          secondDerivative: real(second, second, second))]
        case .softsign:
            func value<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value { a.divide(x, a.add(a.constant(1), a.abs(x))) }
            func derivative<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let d = a.add(a.constant(1), a.abs(x))
                return a.divide(a.constant(1), a.multiply(d, d))
            }
            /// ±2/(1 + |x|)³: 2 left of 0, −2 right of it (a kink of f″ alone).
            func curvature<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value {
                let d = a.add(a.constant(1), a.abs(x))
                return a.divide(a.constant(2), a.multiply(d, a.multiply(d, d)))
            }
            func negativeCurvature<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value { a.negate(curvature(a, x)) }
            return [Piece(value: rational(value, value, value), derivative: rational(derivative, derivative, derivative), secondDerivative: rational(curvature, curvature, curvature)),
                    Piece(value: rational(value, value, value), derivative: rational(derivative, derivative, derivative),
                          secondDerivative: rational(negativeCurvature, negativeCurvature, negativeCurvature))]
        case .hardSigmoid:
            return [flat(zero), linear(slope: p["slope"], intercept: p["offset"]), flat(one)]
        case .hardSwish:
            let sixth = Constant(one / ExactRational(6)), third = Constant(one / ExactRational(3)), half = Constant(one / ExactRational(2))
            func value<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.multiply(a.multiply(x, a.add(x, a.constant(3))), a.constant(sixth))
            }
            func derivative<A: RationalOperations>(_ a: A, _ x: A.Value) -> A.Value {
                a.add(a.multiply(x, a.constant(third)), a.constant(half))
            }
            return [flat(zero), Piece(value: rational(value, value, value), derivative: rational(derivative, derivative, derivative),
                                      secondDerivative: constant(one / ExactRational(3))), linear(slope: one)]
        case .hardTanh:
            return [flat(p["min"]), linear(slope: one), flat(p["max"])]
        case .hardShrink:
            return [linear(slope: one), flat(zero), linear(slope: one)]
        case .softShrink:
            return [linear(slope: one, intercept: p["lambda"]), flat(zero), linear(slope: one, intercept: -p["lambda"])]
        case .tanhShrink:
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.tanhShrink(x) }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.square(a.tanh(x)) }
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.scale(a.multiply(a.tanh(x), a.sechSquared(x)), byPowerOfTwo: 1) }
            // x − tanh x = (x ∓ 1) ± 2σ(∓2x); tanh² x = 1 − sech² x.
            let valueTail = { (x: BigFloat) -> Tail? in
                if x.sign == 0 { return nil }
                let twoX = BigFloat.exactProduct(x, BigFloat.exact(2))
                return x.sign > 0
                    ? Tail(r: ExactRational(x) - one, sign: 1) { a in a.scale(a.sigmoid(a.negate(.point(twoX))), byPowerOfTwo: 1) }
                    : Tail(r: ExactRational(x) + one, sign: -1) { a in a.negate(a.scale(a.sigmoid(.point(twoX)), byPowerOfTwo: 1)) }
            }
            let derivativeTail = { (x: BigFloat) -> Tail? in
                x.sign == 0 ? nil : Tail(r: one, sign: -1) { a in a.negate(a.sechSquared(.point(x))) }
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), derivativeTail),
                          secondDerivative: real(second, second, second))]
        case .threshold:
            return [flat(p["value"]), linear(slope: one)]
        case .thresholdedReLU:
            return [flat(zero), linear(slope: one)]
        case .logSigmoid:
            func value<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.negate(a.softplus(a.negate(x))) }
            func derivative<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { a.sigmoid(a.negate(x)) }
            func second<A: RealOperations>(_ a: A, _ x: A.Value) -> A.Value { let s = a.sigmoids(x); return a.negate(a.multiply(s.plus, s.minus)) }
            // For x < 0: f = x − softplus(x), f′ = 1 − σ(x).
            let valueTail = { (x: BigFloat) -> Tail? in
                x.sign < 0 ? Tail(r: ExactRational(x), sign: -1) { a in a.negate(a.softplus(.point(x))) } : nil
            }
            let derivativeTail = { (x: BigFloat) -> Tail? in
                x.sign < 0 ? Tail(r: one, sign: -1) { a in a.negate(a.sigmoid(.point(x))) } : nil
            }
            return [Piece(value: withTail(real(value, value, value), valueTail), derivative: withTail(real(derivative, derivative, derivative), derivativeTail),
                          secondDerivative: real(second, second, second))]
        case .step:
            return [flat(zero), flat(one)]
        }
    }
}

extension Piece {
    /// The formula for `quantity` (a parameter derivative must have been validated).
    func formula(_ quantity: Quantity) -> Formula {
        switch quantity {
        case .value: return value
        case .derivative: return derivative
        case .secondDerivative: return secondDerivative
        case .parameterDerivative(let name):
            guard let f = parameterDerivatives[name] else { preconditionFailure("validate(_:) first") }
            return f
        }
    }
}

extension Activation {
    /// The limit of `quantity` at −∞ (`negative`) or +∞ where it is finite and nonzero and the
    /// piece there is not exact at the stand-in ±2^(2^20) — the real pieces tending to a constant,
    /// and softsign. f(±inf) is this limit exactly: the stand-in's value differs from it by a
    /// hair, which decides wrongly when the limit times a scale is a rounding midpoint (gelu′(+inf)/4
    /// is 0.25, between e2m1's 0 and 0.5: ties to even give 0, the stand-in's 1 + hair gives 0.5).
    /// Zero and infinite limits come from the stand-in (its sign and overflow are the limit's).
    /// Exhaustive on purpose, like `pieces`.
    func finiteLimit(_ quantity: Quantity, negative: Bool, _ p: ResolvedParameters) -> ExactRational? {
        let one = ExactRational(1)
        func nonZero(_ q: ExactRational) -> ExactRational? { q.isZero ? nil : q }
        switch (self, quantity) {
        case (.sigmoid, .value): return negative ? nil : one
        case (.tanh, .value), (.softsign, .value): return negative ? -one : one
        case (.elu, .value): return negative ? nonZero(-p["alpha"]) : nil
        case (.selu, .value): return negative ? nonZero(-(p["scale"] * p["alpha"])) : nil
        case (.celu, .value): return negative && p["alpha"].sign > 0 ? -p["alpha"] : nil
        case (.gelu, .derivative), (.geluTanh, .derivative), (.quickGELU, .derivative), (.mish, .derivative),
             (.softplus, .derivative):
            return negative ? nil : one
        case (.silu, .derivative):
            let beta = p["beta"]
            return beta.isZero ? nil : ((beta.sign > 0) != negative ? one : nil)
        case (.tanhShrink, .derivative): return one
        case (.logSigmoid, .derivative): return negative ? one : nil
        case (.sigmoid, _), (.tanh, _), (.relu, _), (.relu6, _), (.leakyReLU, _), (.prelu, _), (.rrelu, _),
             (.elu, _), (.selu, _), (.celu, _), (.gelu, _), (.geluTanh, _), (.quickGELU, _), (.silu, _), (.mish, _),
             (.softplus, _), (.softsign, _), (.hardSigmoid, _), (.hardSwish, _), (.hardTanh, _), (.hardShrink, _),
             (.softShrink, _), (.tanhShrink, _), (.threshold, _), (.thresholdedReLU, _), (.logSigmoid, _), (.step, _):
            return nil
        }
    }
}
