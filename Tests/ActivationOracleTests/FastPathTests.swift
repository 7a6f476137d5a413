import ActivationCatalog
@testable import ActivationOracle
import Foundation
import Testing

/// The fast path (binary64 enclosures) must never decide differently from Ziv's loop alone, and
/// must decide most inputs (or it is dead weight). Sampled here on the inputs where a wrong
/// margin would show first: kinks and their neighbours, exact midpoints of rational pieces,
/// subnormal results, saturation and underflow tails, cancellation near 0. The bulk comparison is
/// `oracle-throughput` (Reference/oracle-fast-path.md). Deep tier: ACTIVATION_ORACLE_DEEP=1.
@Suite("Oracle fast path agrees with Ziv's loop")
struct FastPathTests {
    static let deep = ProcessInfo.processInfo.environment["ACTIVATION_ORACLE_DEEP"] == "1"

    /// The proven tail signs the fast path relies on (`ActivationFunction.negativeDerivativeBelow`),
    /// checked by Ziv's loop alone (float32 results: their signs are the exact value's) at points
    /// from each threshold out past −4096.
    @Test func provenNegativeDerivativeTails() throws {
        #expect(!ActivationFunction.negativeDerivativeBelow.isEmpty)
        for (activation, below) in ActivationFunction.negativeDerivativeBelow {
            var f = try ActivationFunction(activation)
            f.usesFastPath = false
            var x = below
            while x > -5000 {
                let r = f.evaluate(.derivative, bits: FloatFormat.f32.rounding(x), format: .f32)
                #expect(FloatFormat.f32.isNegative(r), "\(activation)′(\(x)) = \(FloatFormat.f32.hexFloat(r)) is not negative")
                x *= 1.07
            }
        }
    }

    /// The tie-break f(x) > x/2 (`ActivationFunction.aboveHalfX`): at inputs whose x/2 is a
    /// rounding boundary — odd significands in the lowest binades, both signs, in each 16- and
    /// 32-bit format — the fast path now decides, and as Ziv's loop alone does. silu with β = −1
    /// (f(x) < x/2 there) must not take it: whatever the fast path decides still agrees.
    @Test func aboveHalfXTieBreak() throws {
        let cases: [(Activation, [String: ExactNumber], Bool)] = [
            (.gelu, [:], true), (.geluTanh, [:], true), (.quickGELU, [:], true), (.silu, [:], true), (.hardSwish, [:], true),
            (.silu, ["beta": try ExactNumber(parsing: "3")], true), (.silu, ["beta": try ExactNumber(parsing: "-1")], false),
        ]
        // tanh-shrink: x − 1 (x > 0) and x + 1 (x < 0) on a boundary, x = ±(2^k + 1)·2^j in each format.
        for format in [FloatFormat.f16, .bf16, .f32] {
            let fast = try ActivationFunction(.tanhShrink)
            var ziv = fast
            ziv.usesFastPath = false
            let p = format.fractionBits + 1
            let inputs = [p, p + 1, p + 3].flatMap { k in [1.0, -1.0].map { format.rounding($0 * (0x1p0 * Double(1 << k) + Double(1 << (k - p + 1)))) } }
            for x in inputs where format.isFinite(x) {
                let expected = ziv.evaluate(.value, bits: x, format: format)
                let r = fast.fastResult(.value, bits: x, format: format)
                #expect(r == expected, "tanh-shrink \(format) x=\(format.hexBits(x)): fast \(r.map(format.hexFloat) ?? "undecided"), Ziv \(format.hexFloat(expected))")
            }
        }
        for (activation, parameters, rule) in cases {
            let fast = try ActivationFunction(activation, parameters: parameters)
            var ziv = fast
            ziv.usesFastPath = false
            for format in [FloatFormat.f16, .bf16, .f32] {
                let fraction = UInt64(format.fractionBits)
                var inputs: [UInt64] = [1, 3, 5, (1 << fraction) | 1, (1 << fraction) | 0x2b, (2 << fraction) - 1]
                inputs += inputs.map { $0 | format.signMask }
                var decided = 0
                for x in inputs {
                    let expected = ziv.evaluate(.value, bits: x, format: format)
                    guard let r = fast.fastResult(.value, bits: x, format: format) else { continue }
                    decided += 1
                    #expect(r == expected, "\(activation) \(parameters) \(format) x=\(format.hexBits(x)): fast \(format.hexFloat(r)), Ziv \(format.hexFloat(expected))")
                }
                if rule { #expect(decided == inputs.count, "\(activation) \(parameters) \(format): the fast path decided \(decided) of \(inputs.count)") }
            }
        }
    }

    /// Rational pieces at exact ties and near-ties (`SmallRational`): 11x/48 (rrelu) and (x + 3)/6
    /// (hard-sigmoid) for x a multiple of 3 at every scale, x/100 (leaky-relu), hard-swish's
    /// parabola and (2x + 3)/6 — every one decided by the fast path, as Ziv's loop alone decides.
    @Test func rationalTies() throws {
        for activation in [Activation.rrelu, .hardSigmoid, .leakyReLU, .hardSwish, .softsign] {
            let fast = try ActivationFunction(activation)
            var ziv = fast
            ziv.usesFastPath = false
            for format in [FloatFormat.f16, .bf16, .f32] {
                var inputs: [UInt64] = []
                for k in stride(from: 3.0, through: 3 * 2049, by: 3 * 37) {
                    for scale in [0x1p-20, 0x1p-6, 0x1p-2, 1, 0x1p6, 0x1p40, 0x1p90] {
                        let v = format.rounding(-k * scale)
                        guard format.isFinite(v) else { continue }
                        inputs += [v, v & ~format.signMask, v + 1, v - 1]
                    }
                }
                for quantity in [Quantity.value, .derivative] {
                    var undecided = 0
                    for x in inputs where format.isFinite(x) {
                        let expected = ziv.evaluate(quantity, bits: x, format: format)
                        guard let r = fast.fastResult(quantity, bits: x, format: format) else { undecided += 1; continue }
                        #expect(r == expected, "\(activation) \(quantity) \(format) x=\(format.hexBits(x)): fast \(format.hexFloat(r)), Ziv \(format.hexFloat(expected))")
                    }
                    // only inputs at kinks (hard-sigmoid's ±3, hard-swish's ±3) may be left
                    #expect(undecided <= 4, "\(activation) \(quantity) \(format): \(undecided) of \(inputs.count) left to Ziv's loop")
                }
            }
        }
    }

    /// `SmallRational` itself, on values worked out by hand.
    @Test func smallRationalArithmetic() throws {
        let a = SmallRationalArithmetic()
        let third = a.divide(a.constant(1), a.constant(3)), sixth = a.divide(a.constant(1), a.constant(6))
        #expect(a.add(third, sixth) == SmallRational(0.5))
        #expect(a.multiply(a.constant(48), a.divide(a.constant(11), a.constant(48))) == SmallRational(11))
        #expect(a.subtract(third, third) == SmallRational(0))
        #expect(third?.compare(0x1.5555555555555p-2) == 1 && third?.compare(0x1.5555555555556p-2) == -1)
        #expect(a.divide(a.constant(-3), a.constant(-6)) == SmallRational(0.5))
        #expect(a.multiply(SmallRational(0x1p-1000), SmallRational(0x1p-1000)) == SmallRational(m: 1, e: -2000, d: 1))
        // beyond the machine integers: nil, never a wrong value
        #expect(a.add(SmallRational(0x1p100), SmallRational(1)) == nil)
        #expect(a.multiply(SmallRational(Double(1 << 40 + 1)), SmallRational(Double(1 << 40 + 1))) == nil)
        #expect(a.divide(third, a.constant(0)) == nil)
    }

    static func inputs(_ f: ActivationFunction, _ format: FloatFormat) -> [UInt64] {
        var values: [Double] = [0, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 6, -6, 1e-3, -1e-3, 1e-6, -1e-6, 0x1p-20, -0x1p-20,
                                30, -30, 88, -88, 104, -104, 4095, -4095, 5000, -5000, 1e10, -1e10, 3e38, -3e38]
        for k in f.kinkPositions(roundedTo: .f64) { values.append(Double(bitPattern: k)) }
        var bits = values.map { format.rounding($0) }
        // neighbours of kinks and of small integers (exact midpoints of x/6, x·11/48, ... live there)
        for b in bits where format.isFinite(b) && !format.isZero(b) {
            for d: UInt64 in 1...3 { bits.append(b + d); bits.append(b - d) }
        }
        // every subnormal-ish and tiny magnitude scale
        let fraction = UInt64(format.fractionBits)
        for e: UInt64 in stride(from: 0, to: format.exponentMask >> fraction, by: 7) {
            bits.append(e << fraction | 0x5)
            bits.append(format.signMask | e << fraction | 0x3)
        }
        var state: UInt64 = 0x5EED_F00D
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let n = deep ? 20_000 : 300
        for _ in 0..<n {
            bits.append(next() & format.allBitsMask)
            bits.append(format.rounding(Double(Int64(bitPattern: next()) >> 40) / Double(1 << 19)))  // [-16, 16)
            bits.append(format.rounding(Double(Int64(bitPattern: next()) >> 48) * 3))                // multiples of 3
        }
        return bits.filter { format.isFinite($0) }
    }

    /// A far tail whose sign differs from the sign at ±4096 (silu with a small beta: f′ is
    /// negative at −1e7 but positive at −4096; f″ negative at 1e7, positive at 4096). Both tiers'
    /// midpoints underflow there; the zero's sign must come from a proven sign, not the tail rule
    /// (found by review: the first ball tier returned +0 for both).
    @Test func farTailsOfSmallBeta() throws {
        let fast = try ActivationFunction(.silu, parameters: ["beta": try ExactNumber(parsing: "0.0001")])
        var ziv = fast
        ziv.usesFastPath = false
        for (quantity, x) in [(Quantity.derivative, -1e7), (.secondDerivative, 1e7), (.derivative, -3e7), (.secondDerivative, 3e7)] {
            let bits = FloatFormat.f32.rounding(x)
            let expected = ziv.evaluate(quantity, bits: bits, format: .f32)
            #expect(FloatFormat.f32.isZero(expected) && FloatFormat.f32.isNegative(expected), "\(quantity) at \(x): Ziv \(FloatFormat.f32.hexFloat(expected))")
            if let r = fast.fastResult(quantity, bits: bits, format: .f32) {
                #expect(r == expected, "\(quantity) at \(x): fast \(FloatFormat.f32.hexFloat(r)), Ziv \(FloatFormat.f32.hexFloat(expected))")
            }
        }
    }

    /// The first tier alone (`BallArithmetic`): wherever it gives an enclosure of a real piece's
    /// f, f′ or f″, the enclosure holds the correctly rounded binary64 value (Ziv's loop alone; the
    /// exact value lies between lo and hi, so its rounding does too), and it is narrow enough to
    /// decide a float32 result — within 2^−32 relative, or 2^−200 absolute (a zero of every format
    /// here) in the underflowed tails — for nearly every input it is given, or the tier would be
    /// dead weight.
    @Test("first-tier balls hold the binary64 value", arguments: Activation.allCases)
    func ballsEnclose(_ activation: Activation) throws {
        let fast = try ActivationFunction(activation)
        var ziv = fast
        ziv.usesFastPath = false
        let inputs = Self.inputs(fast, .f32).map { FloatFormat.f32.doubleValue($0) }
        for quantity in [Quantity.value, .derivative, .secondDerivative] {
            var given = 0, narrow = 0
            for x in inputs {
                guard let (lo, hi) = fast.ballEnclosure(quantity, x: x) else { continue }
                given += 1
                let exact = Double(bitPattern: ziv.evaluate(quantity, bits: x.bitPattern, format: .f64))
                #expect(lo <= exact && exact <= hi, "\(activation) \(quantity) x=\(x): ball [\(lo), \(hi)], Ziv \(exact)")
                if hi - lo <= Swift.abs(exact) * 0x1p-32 + 0x1p-200 { narrow += 1 }
            }
            if fast.ballValue.contains(where: { $0 != nil }) {
                #expect(narrow * 100 >= given * 90 && given * 100 >= inputs.count * 45,
                        "\(activation) \(quantity): \(narrow) narrow balls of \(given) given, \(inputs.count) inputs")
            } else {
                #expect(given == 0, "\(activation) has no real piece, so no ball")
            }
        }
    }

    @Test("decides only what Ziv's loop decides the same way", arguments: Activation.allCases)
    func agrees(_ activation: Activation) throws {
        let fast = try ActivationFunction(activation)
        var ziv = fast
        ziv.usesFastPath = false
        for format in [FloatFormat.f16, .bf16, .f32] {
            let inputs = Self.inputs(fast, format)
            for quantity in [Quantity.value, .derivative, .secondDerivative] {
                var decided = 0
                for x in inputs {
                    guard let r = fast.fastResult(quantity, bits: x, format: format) else { continue }
                    decided += 1
                    let expected = ziv.evaluate(quantity, bits: x, format: format)
                    #expect(r == expected, "\(activation) \(quantity) \(format) x=\(format.hexBits(x)) (\(format.hexFloat(x))): fast \(format.hexFloat(r)), Ziv \(format.hexFloat(expected))")
                }
                #expect(decided * 10 >= inputs.count * 8,
                        "\(activation) \(quantity) \(format): the fast path decided only \(decided) of \(inputs.count) inputs")
            }
        }
        #expect(fast.fastResult(.value, bits: FloatFormat.f64.rounding(1.5), format: .f64) == nil, "binary64 results always go to Ziv's loop")
    }
}
