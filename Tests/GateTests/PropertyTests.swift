import ActivationCatalog
import ActivationKernels
import ActivationOracle
import ActivationVerification
import Testing

/// The catalog's facts (monotonicity, range, odd symmetry, derivative range) hold for the oracle
/// and for the kernels, on sorted inputs from a fixed seed plus the specials, ±inf included.
@Suite("Properties")
struct PropertyTests {
    static func sortedInputs(_ format: FloatFormat, count: Int) -> [UInt64] {
        let xs = (Inputs.specials(format) + Inputs.random(format, count: count, seed: 4242)).filter { !format.isNaN($0) }
        return xs.sorted { format.doubleValue($0) < format.doubleValue($1) }
    }

    /// Checks one sequence of results (for sorted inputs) against the facts.
    static func check(_ activation: Activation, _ who: String, _ format: FloatFormat, _ xs: [UInt64],
                      values: [UInt64], derivatives: [UInt64], oddPairs: [(UInt64, UInt64)]) {
        let p = activation.entry.properties
        let v = values.map(format.doubleValue), d = derivatives.map(format.doubleValue)
        if p.monotonicity != nil {
            let drops = zip(v, v.dropFirst()).enumerated().filter { $0.element.1 < $0.element.0 }
            #expect(drops.isEmpty, "\(who) \(activation) \(format) decreases at x = \(drops.first.map { format.doubleValue(xs[$0.offset + 1]) } ?? 0)")
            #expect(d.allSatisfy { $0 >= 0 }, "\(who) \(activation) \(format): negative derivative of a monotone function")
        }
        // Rounding is monotone: lower ≤ f implies round(lower) ≤ round(f), so bounds are rounded too.
        func r(_ bound: Double) -> Double { format.doubleValue(format.rounding(bound)) }
        if let lower = p.range.lower { #expect(v.allSatisfy { $0 >= r(lower) }, "\(who) \(activation) \(format) below \(lower)") }
        if let upper = p.range.upper { #expect(v.allSatisfy { $0 <= r(upper) }, "\(who) \(activation) \(format) above \(upper)") }
        if let lower = p.derivativeRange.lower { #expect(d.allSatisfy { $0 >= r(lower) }, "\(who) \(activation)′ \(format) below \(lower)") }
        if let upper = p.derivativeRange.upper { #expect(d.allSatisfy { $0 <= r(upper) }, "\(who) \(activation)′ \(format) above \(upper)") }
        // Odd: f(−x) = −f(x), where exact zeros count as equal (they are +0 by rule).
        for (a, b) in oddPairs {
            #expect(a == b ^ format.signMask || (format.isZero(a) && format.isZero(b)), "\(who) \(activation) \(format) is not odd")
        }
    }

    @Test("kernels", arguments: Activation.allCases)
    func kernels(_ activation: Activation) throws {
        let kernel = Gate.kernel(for: try ActivationFunction(activation))
        for format in [FloatFormat.f32, .f64, .bf16] {
            let xs = Self.sortedInputs(format, count: 4_000)
            let values = Gate.evaluateBuffer(kernel, .value, inputs: xs, format: format)
            let derivatives = Gate.evaluateBuffer(kernel, .derivative, inputs: xs, format: format)
            var odd: [(UInt64, UInt64)] = []
            if activation.entry.properties.odd {
                let negated = Gate.evaluateBuffer(kernel, .value, inputs: xs.map { $0 ^ format.signMask }, format: format)
                odd = Array(zip(negated, values))
            }
            Self.check(activation, "kernel", format, xs, values: values, derivatives: derivatives, oddPairs: odd)
        }
    }

    @Test("oracle", arguments: Activation.allCases)
    func oracle(_ activation: Activation) throws {
        let f = try ActivationFunction(activation)
        for format in [FloatFormat.f32, .bf16] {
            let xs = Self.sortedInputs(format, count: 600)
            let values = Gate.oracle(f, .value, xs, format), derivatives = Gate.oracle(f, .derivative, xs, format)
            var odd: [(UInt64, UInt64)] = []
            if activation.entry.properties.odd {
                odd = Array(zip(Gate.oracle(f, .value, xs.map { $0 ^ format.signMask }, format), values))
            }
            Self.check(activation, "oracle", format, xs, values: values, derivatives: derivatives, oddPairs: odd)
        }
    }
}
