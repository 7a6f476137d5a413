import ActivationCatalog
import ActivationOracle
import Testing

@Suite("Specials, exact and hard-to-round cases")
struct SpecialCaseTests {
    @Test("NaN in, quiet NaN out, for every entry, quantity, format and payload", arguments: Activation.allCases)
    func nanPropagates(_ activation: Activation) throws {
        let f = try ActivationFunction(activation)
        for format in FloatFormat.interchange {
            let payloads: [UInt64] = [format.quietNaN, format.exponentMask | 1, format.quietNaN | format.signMask | 3]
            for nan in payloads {
                for quantity in [Quantity.value, .derivative] {
                    #expect(f.evaluate(quantity, bits: nan, format: format) == format.quietNaN)
                }
            }
        }
    }

    /// leaky-relu(−(1 + 2^−23)) with alpha = 3/2 is −(3/2 + 3·2^−24): an exact binary32 midpoint
    /// (ties to even: 0xbfc00002). Rational pieces go through round-to-odd, so no loop runs.
    @Test func exactMidpointTiesToEven() throws {
        let f = try ActivationFunction(.leakyReLU, parameters: ["alpha": ExactNumber(parsing: "1.5")])
        #expect(f.evaluate(.value, bits: 0xbf80_0001, format: .f32) == 0xbfc0_0002)
        #expect(f.evaluate(.value, bits: 0xbf80_0003, format: .f32) == 0xbfc0_0004) // −(3/2 + 9·2^−24): tie, to even
        // f64: −(1 + 2^−52)·3/2 → −(3/2 + 3·2^−53), tie → 0xbff8000000000002
        #expect(f.evaluate(.value, bits: 0xbff0_0000_0000_0001, format: .f64) == 0xbff8_0000_0000_0002)
    }

    /// tanh-shrink(x) = x − 1 + 2/(e^(2x) + 1) for x = 0x4be323d3 ≈ 2.98e7 lies 2^(−86 million)
    /// above a binary32 midpoint. Enclosures prove their endpoints open, which decides it at once.
    @Test func hardToRoundBeyondAnyPrecision() throws {
        let f = try ActivationFunction(.tanhShrink)
        #expect(f.evaluate(.value, bits: 0x4be3_23d3, format: .f32) == 0x4be3_23d3)
        #expect(f.evaluate(.value, bits: 0xcbe3_23d3, format: .f32) == 0xcbe3_23d3)
        // In binary64 the same happens at x = 2^53 + 2: x − 1 is the midpoint of x − 2 and x.
        #expect(f.evaluate(.value, bits: 0x4340_0000_0000_0001, format: .f64) == 0x4340_0000_0000_0001)
    }

    /// x − tanh(x) ≈ x³/3 cancels for tiny x; the loop raises precision until it is resolved.
    @Test func cancellationNearZero() throws {
        let f = try ActivationFunction(.tanhShrink)
        // x = 2^−10: x³/3 − 2x⁵/15 + … ≈ 2^−30/3; binary32 result 0x2faaaaa6 (mpmath at 320+ bits).
        let got = f.evaluate(.value, bits: 0x3a80_0000, format: .f32)
        #expect(got == 0x2faa_aaa6, "got \(FloatFormat.f32.hexBits(got))")
        // The smallest subnormal input gives +0 with the right sign on both sides.
        #expect(f.evaluate(.value, bits: 0x0000_0001, format: .f64) == 0)
        #expect(f.evaluate(.value, bits: 0x8000_0000_0000_0001, format: .f64) == 0x8000_0000_0000_0000)
    }

    /// Subnormal results are kept, not flushed: sigmoid(−100) ≈ 3.72e−44 in binary32.
    @Test func subnormalResults() throws {
        let f = try ActivationFunction(.sigmoid)
        let got = f.evaluate(.value, bits: TestData.bits("-100", .f32), format: .f32)
        #expect(FloatFormat.f32.isSubnormal(got))
        #expect(got == 0x0000_001b) // 27·2^−149 = 3.78e−44 (mpmath: 3.7200759760208e−44 → 26.55 units → 27)
        #expect(f.evaluate(.value, bits: TestData.bits("-104", .f32), format: .f32) == 0x0000_0000)
    }

    /// Overflow boundaries: softplus(x) ≈ x, so the largest finite input stays finite, and x just
    /// past binary16's largest finite (65504) overflows only where the format does.
    @Test func overflowBoundaries() throws {
        let f = try ActivationFunction(.softplus)
        #expect(f.evaluate(.value, bits: 0x7bff, format: .f16) == 0x7bff)       // 65504 + e^−65504 → 65504
        #expect(f.evaluate(.value, bits: 0x7f7f_ffff, format: .f32) == 0x7f7f_ffff)
        let hs = try ActivationFunction(.hardSwish)
        #expect(hs.evaluate(.value, bits: 0x7f7f_ffff, format: .f32) == 0x7f7f_ffff) // no spurious x·(x+3) overflow
        let gt = try ActivationFunction(.geluTanh)
        #expect(gt.evaluate(.derivative, bits: TestData.bits("1e20", .f32), format: .f32) == TestData.bits("1", .f32))
        #expect(gt.evaluate(.derivative, bits: TestData.bits("-1e20", .f32), format: .f32) == 0x8000_0000)
    }

    /// Zeros with the sign of the side: f(±0) where f(0) = 0 exactly.
    @Test func signedZeros() throws {
        let expectations: [(Activation, negativeZeroGivesNegative: Bool)] = [
            (.tanh, true), (.gelu, true), (.silu, true), (.mish, true), (.softsign, true), (.elu, true),
            (.hardSwish, true), (.tanhShrink, true), (.relu, false), (.hardShrink, false), (.softShrink, false),
            (.relu6, false), (.threshold, false), (.step, false),
        ]
        for (activation, negative) in expectations {
            let f = try ActivationFunction(activation)
            for format in FloatFormat.interchange {
                #expect(f.evaluate(.value, bits: format.zero(negative: true), format: format) == format.zero(negative: negative),
                        "\(activation)(−0) in \(format)")
                #expect(f.evaluate(.value, bits: 0, format: format) == 0, "\(activation)(+0) in \(format)")
            }
        }
    }

    /// The unresolved-sign fallback assumes every transcendental piece keeps one sign for
    /// |x| ≥ 4096; check the sign is the same from 4096 to where MPFR can still resolve it.
    @Test("tails keep one sign beyond |x| = 4096", arguments: Activation.allCases)
    func tailSigns(_ activation: Activation) throws {
        let f = try ActivationFunction(activation)
        for quantity in [Quantity.value, .derivative] {
            for negative in [false, true] {
                let signs = [12, 13, 16, 20].map { k in
                    FloatFormat.f64.isNegative(f.evaluate(quantity, bits: TestData.bits(negative ? "-0x1p\(k)" : "0x1p\(k)", .f64), format: .f64))
                }
                #expect(Set(signs).count == 1, "\(activation) \(quantity) changes sign in the \(negative ? "left" : "right") tail")
            }
        }
    }

    @Test func parameterDerivative() throws {
        let f = try ActivationFunction(.prelu)
        try f.validate(.parameterDerivative("alpha"))
        #expect(f.evaluate(.parameterDerivative("alpha"), -2.5 as Float) == -2.5)
        #expect(f.evaluate(.parameterDerivative("alpha"), 2.5 as Float) == 0)
        #expect(throws: OracleError.self) { try f.validate(.parameterDerivative("beta")) }
        #expect(throws: OracleError.self) { try ActivationFunction(.relu).validate(.parameterDerivative("alpha")) }
    }

    /// g·f′(x) correctly rounded (the backward pass's exact result); expectations from mpmath.
    @Test func scaledDerivative() throws {
        let f32 = FloatFormat.f32
        let sigmoid = try ActivationFunction(.sigmoid), gelu = try ActivationFunction(.gelu)
        #expect(sigmoid.evaluate(.derivative, bits: f32.rounding(2.0), scaledBy: f32.rounding(3.0), format: f32) == 0x3ea1_4528)
        #expect(gelu.evaluate(.derivative, bits: f32.rounding(Double(Float(-0.7))), scaledBy: f32.rounding(-5.0), format: f32) == 0xbdef_78bf)
        // exact pieces multiply exactly: leaky-relu′(−1)·3 = 3·0.01 rounded once
        let leaky = try ActivationFunction(.leakyReLU)
        #expect(leaky.evaluate(.derivative, bits: f32.rounding(-1.0), scaledBy: f32.rounding(3.0), format: f32) == f32.rounding(0.03))
        #expect(f32.isNaN(sigmoid.evaluate(.derivative, bits: 0, scaledBy: f32.quietNaN, format: f32)))
    }

    @Test func typedAPI() throws {
        let f = try ActivationFunction(.sigmoid)
        #expect(f.evaluate(.value, 0 as Float) == 0.5)
        #expect(f.evaluate(.value, 0 as Double) == 0.5)
        #expect(f.evaluate(.value, 0 as Float16) == 0.5)
        #expect(f.evaluate(.value, BFloat16(0)).floatValue == 0.5)
    }

    /// The real-valued ULP error, checked against hand computations.
    @Test func realULPError() throws {
        let f = try ActivationFunction(.softplus)
        let ln2 = try #require(f.enclosure(.value, bits: 0, format: .f32, precision: 200)).lower
        // 0x3f317218 lies 0.0319548 ulp above ln 2 and 0x3f317219 1.0319548 (mpmath, ulp = 2^−24).
        #expect(abs(ln2.ulpError(of: 0x3f31_7218, format: .f32) - 0.0319547966) < 1e-9)
        #expect(abs(ln2.ulpError(of: 0x3f31_7219, format: .f32) - 1.0319547966) < 1e-9)
        // Across a binade: exact 1 vs actual 1 − 2^−24 (one below): half an ulp of 1's binade
        // below it counts 1 ulp of [0.5, 1) = 2^−24.
        let one = try #require(try ActivationFunction(.sigmoid).enclosure(.value, bits: FloatFormat.f32.infinity(negative: false), format: .f32)).lower
        #expect(abs(one.ulpError(of: 0x3f7f_ffff, format: .f32) - 1) < 1e-9)
        #expect(abs(one.ulpError(of: 0x3f80_0001, format: .f32) - 1) < 1e-9)
        // Subnormal floor: exact 0 vs the smallest subnormal is 1 ulp.
        let zero = try #require(try ActivationFunction(.relu).enclosure(.value, bits: 0xbf80_0000, format: .f32)).lower
        #expect(zero.ulpError(of: 1, format: .f32) == 1)
    }

    @Test func realEnclosure() throws {
        let f = try ActivationFunction(.softplus)
        let box = try #require(f.enclosure(.value, bits: 0, format: .f64, precision: 200))
        #expect(box.lower.decimal(digits: 30).hasPrefix("6.93147180559945309417232121458"))
        #expect(box.upper.rounded(to: .f64) == 0x3fe6_2e42_fefa_39ef)
        #expect(f.enclosure(.value, bits: FloatFormat.f64.quietNaN, format: .f64) == nil)
    }
}
