import ActivationCatalog
import ActivationOracle
import Testing

@Suite("Catalog, parameters and formats")
struct CatalogAndParameterTests {
    @Test func namesAndAliasesAreUnique() {
        var seen: [String: Activation] = [:]
        for activation in Activation.allCases {
            for name in [activation.name] + activation.entry.aliases {
                let key = name.lowercased().filter { $0 != "-" && $0 != "_" }
                #expect(seen[key] == nil, "\(name) names both \(seen[key]!) and \(activation)")
                seen[key] = activation
                #expect(Activation(named: name) == activation)
            }
        }
        #expect(Activation(named: "swish") == .silu)
        #expect(Activation(named: "Leaky_ReLU") == .leakyReLU)
        #expect(Activation(named: "nope") == nil)
        #expect(Activation.allCases.count == 27)
    }

    /// Every entry configures with its defaults under every convention its kinks offer, and has
    /// one oracle piece per interval between kinks (checked inside the initialiser).
    @Test(arguments: Activation.allCases)
    func configuresWithDefaults(_ activation: Activation) throws {
        let entry = activation.entry
        #expect(!entry.definition.isEmpty && !entry.derivative.isEmpty)
        for convention in KinkConvention.allCases {
            let offered = entry.kinks.allSatisfy { $0.side(for: convention) != nil }
            if offered {
                _ = try ActivationFunction(activation, convention: convention)
            } else {
                #expect(throws: OracleError.self) { try ActivationFunction(activation, convention: convention) }
            }
        }
    }

    @Test func badParameters() throws {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try ActivationFunction(.relu, parameters: ["alpha": ExactNumber(parsing: "1")]) }
            .contains("relu has no parameter 'alpha'"))
        #expect(message { _ = try ActivationFunction(.celu, parameters: ["alpha": ExactNumber(parsing: "0")]) }
            .contains("alpha must be ≠ 0"))
        #expect(message { _ = try ActivationFunction(.softplus, parameters: ["beta": ExactNumber(parsing: "-1")]) }
            .contains("beta must be > 0"))
        #expect(message { _ = try ActivationFunction(.hardTanh, parameters: ["min": ExactNumber(parsing: "2")]) }
            .contains("max must be > min"))
        #expect(message { _ = try ActivationFunction(.rrelu, parameters: ["slope": ExactNumber(parsing: "0.5")]) }
            .contains("slope must be ≤ upper"))
        #expect(message { _ = try ActivationFunction(.hardShrink, parameters: ["lambda": ExactNumber(parsing: "-1")]) }
            .contains("≥ 0"))
        #expect(message { _ = try ActivationFunction(.hardShrink, convention: .jax) }.contains("jax has no hard-shrink"))
        #expect(message { _ = try ActivationFunction(.threshold, parameters: ["threshold": ExactNumber(parsing: "1e70000")]) }
            .contains("magnitude"))
    }

    /// Parameters are exact: alpha = 0.01 (the decimal) and alpha = f32:0.01 (float32's nearest)
    /// give different results, as frameworks that store alpha in float32 do.
    @Test func exactVersusStoredParameters() throws {
        let exact = try ActivationFunction(.leakyReLU, parameters: ["alpha": ExactNumber(parsing: "0.01")])
        let stored = try ActivationFunction(.leakyReLU, parameters: ["alpha": ExactNumber(parsing: "f32:0.01")])
        let x = TestData.bits("-0x1.fffffep+0", .f32)
        let a = exact.evaluate(.value, bits: x, format: .f32), b = stored.evaluate(.value, bits: x, format: .f32)
        #expect(a != b)
        #expect(a == TestData.bits("-0.0199999998", .f32)) // −(2 − 2^−23)/100 = −0.019999998807907…
    }

    @Test func exactNumberParsing() throws {
        #expect(try ExactNumber(parsing: "0.01").approximateValue == 0.01)
        #expect(try ExactNumber(parsing: "1/6").approximateValue == 1.0 / 6)
        #expect(try ExactNumber(parsing: "-0x1.8p-3").approximateValue == -0.1875)
        #expect(try ExactNumber(parsing: "2.5e3").approximateValue == 2500)
        #expect(try ExactNumber(parsing: "f32:0.1").approximateValue == Double(Float(0.1)))
        #expect(try ExactNumber(parsing: "-0").negative)
        for bad in ["", "abc", "1/0", "1/x", "0x", "1e", "f16:1", "1..2", "--1", "nan", "inf", "f32:1e99"] {
            #expect(throws: ExactNumber.ParseError.self, "\(bad)") { try ExactNumber(parsing: bad) }
        }
    }

    @Test func textInputsRoundCorrectlyInEveryFormat() {
        // 0.1 → nearest in each format; bf16 rounds 0.1 directly, not via float32 (no double rounding).
        #expect(TestData.bits("0.1", .f16) == 0x2e66)
        #expect(TestData.bits("0.1", .bf16) == 0x3dcd)
        #expect(TestData.bits("0.1", .f32) == 0x3dcc_cccd)
        #expect(TestData.bits("0.1", .f64) == 0x3fb9_9999_9999_999a)
        // 1 + 2^−8 + 2^−30 is just above a bf16 midpoint: rounds up; float32 first would tie down.
        #expect(TestData.bits("0x1.01000004p0", .bf16) == 0x3f81)
        #expect(TestData.bits("1e-50", .f32) == 0)
        #expect(TestData.bits("-1e39", .f32) == 0xff80_0000)
    }

    @Test func formatsEncodeAndDecode() {
        for format in FloatFormat.interchange {
            for bits: UInt64 in [1, format.fractionMask, format.largestFinite, 1 << UInt64(format.fractionBits)] {
                let (negative, n, e) = format.decode(bits)
                #expect(format.encode(negative: negative, significand: n, unitExponent: e) == bits)
            }
        }
        #expect(FloatFormat.f32.hexFloat(0xbe40_0000) == "-0x1.8p-3")
        #expect(FloatFormat.f16.hexFloat(0x0001) == "0x1p-24")
        #expect(FloatFormat.bf16.doubleValue(0x3f80) == 1)
    }

    @Test func bfloat16RoundsFromFloat() {
        #expect(BFloat16(Float(1)).bitPattern == 0x3f80)
        #expect(BFloat16(Float(bitPattern: 0x3f80_8000)).bitPattern == 0x3f80)  // tie → even
        #expect(BFloat16(Float(bitPattern: 0x3f81_8000)).bitPattern == 0x3f82)  // tie → even
        #expect(BFloat16(Float(bitPattern: 0x3f80_8001)).bitPattern == 0x3f81)
        #expect(BFloat16(Float.greatestFiniteMagnitude).bitPattern == 0x7f80)  // overflow → inf
        #expect(BFloat16(Float.nan).isNaN)
        #expect(BFloat16(bitPattern: 0x4049).floatValue == 3.140625)
    }

    /// `FloatFormat.rounding(_: Double)` (its fast path for normal IEEE results included) against
    /// the hardware's conversions: Float(Double) and Float16(Double) round correctly; bfloat16
    /// against the oracle's MPFR rounding of the same exact value; ties broken both ways by
    /// `tieBreak` (the midpoint's neighbours).
    @Test func roundingFromDoubleMatchesHardwareAndMPFR() throws {
        var rng = SystemRandomNumberGenerator()
        var values: [Double] = [0x1p-126, 0x1.fffffffp-127, 65504, 65520, 0x1.ffffffp127, 0x1.fffffffp127, 3.140625, 1 + 0x1p-8, 1 + 0x1p-11, 1 + 0x1p-24]
        for _ in 0..<20_000 {
            let bits = UInt64.random(in: 0...UInt64.max, using: &rng)
            let v = Double(bitPattern: bits)
            if v.isFinite { values.append(Double(sign: v.sign, exponent: Int.random(in: -160...140, using: &rng), significand: v.significand)) }
        }
        for v in values + values.map(-) {
            #expect(FloatFormat.f32.rounding(v) == UInt64(Float(v).bitPattern), "f32 \(v)")
            #expect(FloatFormat.f16.rounding(v) == UInt64(Float16(v).bitPattern), "f16 \(v)")
            let exact = try ExactNumber(parsing: String(v.bitPattern, radix: 16).isEmpty ? "0" : "\(v)")
            #expect(FloatFormat.bf16.rounding(v) == FloatFormat.bf16.rounding(exact), "bf16 \(v)")
        }
        // A bfloat16 midpoint: tieBreak decides, 0 ties to even.
        let mid = 1 + 0x1p-8, up = FloatFormat.bf16.rounding(1 + 0x1p-7), one = FloatFormat.bf16.rounding(1.0)
        #expect(FloatFormat.bf16.rounding(mid) == one && FloatFormat.bf16.rounding(mid, tieBreak: 1) == up && FloatFormat.bf16.rounding(mid, tieBreak: -1) == one)
        // tieBreak says on which side of v the exact value lies (+1: toward +inf), for negatives too.
        #expect(FloatFormat.bf16.rounding(-mid, tieBreak: 1) == one | 0x8000 && FloatFormat.bf16.rounding(-mid, tieBreak: -1) == up | 0x8000)
    }
}
