import ActivationCatalog

/// What one piece of an activation evaluates to at an exact input.
enum Evaluation {
    /// An exact rational: rounded once, correctly, by round-to-odd.
    case exact(ExactRational)
    /// A real number known through enclosures at any working precision (Ziv's loop asks for more
    /// bits until the enclosure rounds to one value).
    case real((IntervalArithmetic) -> Interval)
}

typealias Formula = (BigFloat) -> Evaluation

/// One smooth piece between consecutive kinks: its value and derivatives at an exact x.
struct Piece {
    var value: Formula
    var derivative: Formula
    var parameterDerivatives: [String: Formula] = [:]
}

/// A formula over exact rationals.
private func rational(_ f: @escaping (ExactRational) -> ExactRational) -> Formula {
    { x in .exact(f(ExactRational(x))) }
}

/// A formula over enclosures.
private func real(_ f: @escaping (IntervalArithmetic, Interval) -> Interval) -> Formula {
    { x in .real { a in f(a, .point(x)) } }
}

private func constant(_ q: ExactRational) -> Formula { { _ in .exact(q) } }
private func constant(_ n: Int) -> Formula { constant(ExactRational(n)) }
private var identity: Formula { rational { $0 } }

/// A piece that is linear: slope·x + intercept, derivative slope.
private func linear(slope: ExactRational, intercept: ExactRational = ExactRational(0)) -> Piece {
    Piece(value: rational { slope * $0 + intercept }, derivative: constant(slope))
}

private func flat(_ value: ExactRational) -> Piece { Piece(value: constant(value), derivative: constant(0)) }

/// x·σ(beta·x) and its derivative σ(t)·(1 + t·σ(−t)), t = beta·x — silu, swish and quick-gelu.
private func sigmoidGated(beta: ExactRational) -> Piece {
    Piece(
        value: real { a, x in a.multiply(x, a.sigmoid(a.multiply(a.constant(beta), x))) },
        derivative: real { a, x in
            let t = a.multiply(a.constant(beta), x)
            return a.multiply(a.sigmoid(t), a.add(a.constant(1), a.multiply(t, a.sigmoid(a.negate(t)))))
        })
}

/// alpha·(e^(x/scaleIn) − 1) for x ≤ 0 and its derivative (alpha/scaleIn)·e^(x/scaleIn): the
/// negative side of elu, selu and celu, through expm1 so that small |x| keeps its digits.
private func exponentialLinear(alpha: ExactRational, inputScale: ExactRational = ExactRational(1)) -> Piece {
    Piece(
        value: real { a, x in a.multiply(a.constant(alpha), a.expm1(a.multiply(a.constant(inputScale), x))) },
        derivative: real { a, x in
            a.multiply(a.constant(alpha * inputScale), a.exp(a.multiply(a.constant(inputScale), x)))
        })
}

extension Activation {
    /// The oracle's definition: one piece per interval between the catalog's kinks, written in
    /// forms without cancellation or overflow wherever one is known, so Ziv's loop converges at
    /// low precision for most inputs. Exhaustive on purpose: a new catalog entry fails to compile
    /// until it is defined here.
    func pieces(_ p: ResolvedParameters) -> [Piece] {
        let one = ExactRational(1), zero = ExactRational(0)
        switch self {
        case .sigmoid:
            return [Piece(value: real { a, x in a.sigmoid(x) },
                          derivative: real { a, x in a.multiply(a.sigmoid(x), a.sigmoid(a.negate(x))) })]
        case .tanh:
            return [Piece(value: real { a, x in a.tanh(x) }, derivative: real { a, x in a.sechSquared(x) })]
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
            // Smooth at 0 for every alpha ≠ 0, so one piece that branches on the sign of x.
            let alpha = p["alpha"]
            let negative = exponentialLinear(alpha: alpha, inputScale: one / alpha)
            let positive = linear(slope: one)
            return [Piece(value: { x in (x.sign < 0 ? negative : positive).value(x) },
                          derivative: { x in (x.sign < 0 ? negative : positive).derivative(x) })]
        case .gelu:
            // Φ(x) = erfc(−x/√2)/2 keeps the left tail that 1 + erf(x/√2) cancels away.
            func cdf(_ a: IntervalArithmetic, _ x: Interval) -> Interval {
                let invSqrt2 = a.sqrt(a.constant(ExactRational(1) / ExactRational(2)))
                return a.scale(a.erfc(a.negate(a.multiply(x, invSqrt2))), byPowerOfTwo: -1)
            }
            return [Piece(
                value: real { a, x in a.multiply(x, cdf(a, x)) },
                derivative: real { a, x in
                    let density = a.divide(a.exp(a.negate(a.scale(a.square(x), byPowerOfTwo: -1))),
                                           a.sqrt(a.scale(a.pi, byPowerOfTwo: 1)))
                    return a.add(cdf(a, x), a.multiply(x, density))
                })]
        case .geluTanh:
            // (1 + tanh u)/2 = σ(2u): no cancellation for u < 0, and σ(−2u) is the other factor
            // of sech²(u)/4 = σ(2u)·σ(−2u).
            let k = ExactRational(try! ExactNumber(parsing: "0.044715"))
            func c(_ a: IntervalArithmetic) -> Interval { a.sqrt(a.divide(a.constant(2), a.pi)) }
            func u(_ a: IntervalArithmetic, _ x: Interval) -> Interval {
                a.multiply(c(a), a.add(x, a.multiply(a.constant(k), a.multiply(x, a.square(x)))))
            }
            return [Piece(
                value: real { a, x in a.multiply(x, a.sigmoid(a.scale(u(a, x), byPowerOfTwo: 1))) },
                derivative: real { a, x in
                    let twoU = a.scale(u(a, x), byPowerOfTwo: 1)
                    let s = a.sigmoid(twoU), sMinus = a.sigmoid(a.negate(twoU))
                    let du = a.multiply(c(a), a.add(a.constant(1), a.multiply(a.constant(k * ExactRational(3)), a.square(x))))
                    let second = a.scale(a.multiply(a.multiply(x, a.multiply(s, sMinus)), du), byPowerOfTwo: 1)
                    return a.add(s, second)
                })]
        case .quickGELU:
            return [sigmoidGated(beta: ExactRational(try! ExactNumber(parsing: "1.702")))]
        case .silu:
            return [sigmoidGated(beta: p["beta"])]
        case .mish:
            return [Piece(
                value: real { a, x in a.multiply(x, a.tanh(a.softplus(x))) },
                derivative: real { a, x in
                    let sp = a.softplus(x)
                    return a.add(a.tanh(sp), a.multiply(x, a.multiply(a.sechSquared(sp), a.sigmoid(x))))
                })]
        case .softplus:
            let beta = p["beta"]
            return [Piece(
                value: real { a, x in a.divide(a.softplus(a.multiply(a.constant(beta), x)), a.constant(beta)) },
                derivative: real { a, x in a.sigmoid(a.multiply(a.constant(beta), x)) })]
        case .softsign:
            return [Piece(value: rational { x in x / (one + x.absoluteValue) },
                          derivative: rational { x in let d = one + x.absoluteValue; return one / (d * d) })]
        case .hardSigmoid:
            return [flat(zero), linear(slope: p["slope"], intercept: p["offset"]), flat(one)]
        case .hardSwish:
            let sixth = one / ExactRational(6)
            return [flat(zero),
                    Piece(value: rational { x in x * (x + ExactRational(3)) * sixth },
                          derivative: rational { x in x / ExactRational(3) + one / ExactRational(2) }),
                    linear(slope: one)]
        case .hardTanh:
            return [flat(p["min"]), linear(slope: one), flat(p["max"])]
        case .hardShrink:
            return [linear(slope: one), flat(zero), linear(slope: one)]
        case .softShrink:
            return [linear(slope: one, intercept: p["lambda"]), flat(zero), linear(slope: one, intercept: -p["lambda"])]
        case .tanhShrink:
            return [Piece(value: real { a, x in a.subtract(x, a.tanh(x)) },
                          derivative: real { a, x in a.square(a.tanh(x)) })]
        case .threshold:
            return [flat(p["value"]), linear(slope: one)]
        case .thresholdedReLU:
            return [flat(zero), linear(slope: one)]
        case .logSigmoid:
            return [Piece(value: real { a, x in a.negate(a.softplus(a.negate(x))) },
                          derivative: real { a, x in a.sigmoid(a.negate(x)) })]
        case .step:
            return [flat(zero), flat(one)]
        }
    }
}
