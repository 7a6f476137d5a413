import ActivationCatalog
@testable import ActivationOracle
import Testing

/// `evaluate(_:patterns:format:)` — one enclosure for a whole run of inputs, or the mean value
/// theorem per input — must give what `evaluate(_:bits:format:)` gives at every input. Ranges of
/// 512 consecutive patterns (in float32, bfloat16 and binary16, where 512 patterns span binades)
/// straddle the places where a wrong run would show first: kinks (the halves beside them are
/// runs), the binades where f′ stops rounding to f′(0), saturation, underflow tails, the last
/// finite patterns and ±inf/NaN, ±0 and the first subnormals. The bulk comparison is every
/// exhaustive run: all 2^32 results against the kernel, the certificates unchanged
/// (Reference/oracle-fast-path.md).
@Suite("Oracle runs of inputs agree with one input at a time")
struct ExhaustiveRunTests {
    /// Where runs start (a run starts 256 patterns below each point's float32 pattern).
    static let places: [Double] = [0x1p-120, 0x1p-40, 0x1p-26, 0x1p-12, 0.01, 0.5, 1, 3, 6, 7.99, 20, 100, 5000, 0x1p100]

    static func runs(_ format: FloatFormat) -> [Range<UInt64>] {
        var starts: [UInt64] = [0, format.signMask]                                   // ±0 and the first subnormals
        for x in places {
            for s in [1.0, -1.0] {
                let bits = format.rounding(s * x)
                if format.isFinite(bits) && bits & ~format.signMask >= 256 { starts.append(bits - 256) }
            }
        }
        let inf = format.rounding(.infinity)
        starts += [inf - 512, inf - 256, (inf | format.signMask) - 256]                // the last finite, ±inf, NaN
        return starts.map { $0..<Swift.min($0 + 512, format.allBitsMask + 1) }
    }

    static let functions: [(Activation, [String: ExactNumber])] = Activation.allCases.map { ($0, [:]) } + [
        (.silu, ["beta": try! ExactNumber(parsing: "0.0001")]), (.elu, ["alpha": try! ExactNumber(parsing: "2")]),
        (.softplus, ["beta": try! ExactNumber(parsing: "3")]),
    ]

    @Test("same results as input by input", arguments: 0..<functions.count)
    func agrees(_ index: Int) throws {
        let (activation, parameters) = Self.functions[index]
        let f = try ActivationFunction(activation, parameters: parameters)
        for quantity in [Quantity.value, .derivative, .secondDerivative] {
            if (try? f.validate(quantity)) == nil { continue }
            for format in [FloatFormat.f32, .bf16, .f16] {
                var wrong = 0
                for run in Self.runs(format) {
                    let results = f.evaluate(quantity, patterns: run, format: format)
                    for (i, bits) in run.enumerated() {
                        let expected = f.evaluate(quantity, bits: bits, format: format)
                        if results[i] != expected {
                            wrong += 1
                            if wrong <= 3 {
                                Issue.record("\(f) \(quantity) \(format) x=\(format.hexFloat(bits)): run \(format.hexFloat(results[i])), one input \(format.hexFloat(expected))")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each shortcut is taken where it should be (or the tests above compare nothing new): one
    /// result for sigmoid′ near 0 and relu below 0, the mean value theorem for silu near 0 and
    /// gelu′ around 1, neither across a kink or ±inf.
    @Test func shortcutsAreTaken() throws {
        let sigmoid = try ActivationFunction(.sigmoid), relu = try ActivationFunction(.relu)
        let silu = try ActivationFunction(.silu), gelu = try ActivationFunction(.gelu)
        let hardSigmoid = try ActivationFunction(.hardSigmoid)
        let f32 = FloatFormat.f32
        func run(_ f: ActivationFunction, _ q: Quantity, at x: Double, _ count: Int = 512) -> ActivationFunction.Run? {
            f.run(q, first: f32.rounding(x), count: count, f32)
        }
        #expect(run(sigmoid, .derivative, at: 0x1p-40).flatMap(sigmoid.constant) == f32.rounding(0.25))
        #expect(run(relu, .value, at: -3).flatMap(relu.constant) == f32.zero(negative: false))
        #expect(run(silu, .value, at: 0x1p-40).flatMap(silu.constant) == nil)
        for (f, q, x, count) in [(silu, Quantity.value, 0x1p-40, 4096), (gelu, .derivative, 1.0, 64)] {
            var out = [UInt64](repeating: 0, count: count)
            let r = try #require(run(f, q, at: x, count))
            let taken = out.withUnsafeMutableBufferPointer { f.fillBySlope(r, $0.baseAddress!) }
            #expect(taken, "\(f) \(q) at \(x): the mean value theorem was not taken")
            let first = f32.rounding(x)
            let wrong = (0..<count).filter { out[$0] != f.evaluate(q, bits: first + UInt64($0), format: f32) }.count
            #expect(wrong == 0, "\(f) \(q) at \(x): \(wrong) of \(count) differ")
        }
        // The sign at ±4096 stands for the far tails only at the default parameters (where the
        // tests check it): a straddling enclosure at −1e7 gets no sign from it otherwise.
        let smallBeta = try ActivationFunction(.silu, parameters: ["beta": try ExactNumber(parsing: "0.0001")])
        let defaultBeta = try ActivationFunction(.silu, parameters: ["beta": try ExactNumber(parsing: "1")])
        #expect(!smallBeta.defaultParameters && defaultBeta.defaultParameters && silu.defaultParameters)
        #expect(smallBeta.provenZero(.derivative, x: -1e7, lo: -1e-320, hi: 1e-320, sign: 0, format: f32, tails: true) == nil)
        #expect(defaultBeta.provenZero(.derivative, x: -1e7, lo: -1e-320, hi: 1e-320, sign: 0, format: f32, tails: true) != nil)
        #expect(silu.evaluate(.value, patterns: 5..<5, format: f32).isEmpty)
        #expect(run(hardSigmoid, .value, at: f32.doubleValue(f32.rounding(3) - 8), 16) == nil)   // across the kink at 3
        #expect(run(sigmoid, .value, at: f32.doubleValue(f32.rounding(.infinity) - 8), 16) == nil)
    }
}
