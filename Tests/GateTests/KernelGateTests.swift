import ActivationCatalog
import ActivationKernels
import ActivationOracle
import ActivationVerification
import Foundation
import Testing

/// Tiers: the default runs every entry, value and derivative, on every binary16 and bfloat16
/// input, and for float32 and float64 on the specials, every kink with neighbours, the oracle's
/// thresholds, 10,000 (float32) or 1,500 (float64, where every result takes Ziv's loop) inputs from
/// a fixed seed and 300 from a fresh one. ACTIVATION_ORACLE_DEEP=1 raises the random inputs to
/// 100,000 per entry and format.
enum Tier {
    static let deep = ProcessInfo.processInfo.environment["ACTIVATION_ORACLE_DEEP"] == "1"
    static let fixedSeed: UInt64 = 20_261_123
    /// A fresh seed each run, or the one in ACTIVATION_ORACLE_SEED to replay a failure.
    static let freshSeed: UInt64 = ProcessInfo.processInfo.environment["ACTIVATION_ORACLE_SEED"].flatMap { UInt64($0) }
        ?? UInt64.random(in: 1...UInt64.max)
}

@Suite("Kernel gate: built-in kernels within their declared bounds")
struct KernelGateTests {
    @Test("every entry, value and derivative, all formats", arguments: Activation.allCases)
    func withinBounds(_ activation: Activation) throws {
        let function = try ActivationFunction(activation)
        let kernel = Gate.kernel(for: function)
        for format in FloatFormat.interchange {
            var inputs = Inputs.specials(format) + Inputs.kinks(function, format) + Thresholds.inputs(function, format)
            inputs += Inputs.random(format, count: Tier.deep ? 100_000 : (format == .f64 ? 1_500 : 10_000), seed: Tier.fixedSeed)
            var fresh = Inputs.random(format, count: 300, seed: Tier.freshSeed)
            if format.bitWidth == 16 { inputs = Inputs.all16(format); fresh = [] }
            for quantity in [Quantity.value, .derivative] {
                let bound = KernelBounds.ulps(activation, format, derivative: quantity == .derivative)
                for (set, label) in [(inputs, "fixed seed \(Tier.fixedSeed)"), (fresh, "fresh seed \(Tier.freshSeed)")] {
                    let c = Gate.compare(function, quantity, format: format, inputs: set,
                                         results: Gate.evaluateBuffer(kernel, quantity, inputs: set, format: format), bound: bound)
                    #expect(c.pass, """
                        \(activation) \(quantity) \(format): max \(c.maxULP) ULP > bound \(bound), classes \(c.classes); \
                        \(c.worst.first.map { Self.describe($0, format) } ?? ""); \(label) — replay: \
                        ACTIVATION_ORACLE_SEED=\(Tier.freshSeed) swift test --filter KernelGateTests
                        """)
                }
            }
        }
    }

    /// gelu-tanh′ of a NaN is that NaN, quieted, sign and payload kept — in every build. Before,
    /// the AVX2 build (`Scripts/host-swift`) returned it with the sign flipped (two NaNs of
    /// opposite signs met in a product; x86 keeps the first operand, and the compilers' operand
    /// orders differ), so `exhaustive recheck` of its certificate said CHANGED.
    @Test func geluTanhDerivativeKeepsTheNaN() throws {
        let kernel = Gate.kernel(for: try ActivationFunction(.geluTanh))
        let inputs: [UInt64] = [0x7f80_0001, 0x7fc0_0000, 0x7fff_ffff, 0xff80_0001, 0xffc0_0000, 0xffff_ffff, 0x7f81_2345, 0xff81_2345]
        let got = Gate.evaluateBuffer(kernel, .derivative, inputs: inputs, format: .f32)
        #expect(got == inputs.map { $0 | 0x0040_0000 }, "\(got.map { FloatFormat.f32.hexBits($0) })")
    }

    static func describe(_ w: ValidationReport.Case, _ format: FloatFormat) -> String {
        "x = \(format.shortest(w.input)) (\(format.hexBits(w.input))): expected \(format.hexFloat(w.expected)) (\(format.hexBits(w.expected))), got \(format.hexFloat(w.actual)) (\(format.hexBits(w.actual))), \(w.ulps) ULP, \(w.disagreement.rawValue)"
    }

    /// Scalar calls and buffer loops give the same bits: for binary16 and bfloat16 on every input
    /// (buffers run tables or lanes there, scalar calls the scalar path, and the gate above checks
    /// the buffers), elsewhere on specials and 2,000 random inputs.
    @Test(arguments: Activation.allCases)
    func scalarMatchesBuffer(_ activation: Activation) throws {
        let kernel = Gate.kernel(for: try ActivationFunction(activation))
        for format in FloatFormat.interchange {
            let inputs = format.bitWidth == 16 ? Inputs.all16(format) : Inputs.specials(format) + Inputs.random(format, count: 2_000, seed: 99)
            for quantity in [Quantity.value, .derivative] {
                let buffer = Gate.evaluateBuffer(kernel, quantity, inputs: inputs, format: format)
                let scalar = inputs.map { Gate.evaluate(kernel, quantity, bits: $0, format: format) }
                let differ = zip(buffer, scalar).filter { $0 != $1 && !(format.isNaN($0) && format.isNaN($1)) }.count
                #expect(differ == 0, "\(activation) \(quantity) \(format): \(differ) scalar/buffer differences")
            }
        }
    }

    /// Float derivatives near f′'s root, where the cheap form (`evaluateFloatResults`, one
    /// `FastExp.ForFloat` exponential) hands lanes within 2^−5 of the root to another form: silu
    /// and quick-gelu to the 2^−40 form (bands in t = beta·x), which sends groups with a lane
    /// within 2^−8 to the scalar path; gelu, gelu-tanh and mish to their root series in lanes
    /// (`RootSeries.lanes(nearRoot:)`): 4,096 consecutive inputs across each of those band edges and across
    /// the root, and 4,096 spread over ±1/8. Every result within 1 ULP of the oracle; every result
    /// the same from a scalar call, at another position in the buffer (shifted by three, so each
    /// input meets other neighbours in its group of eight) and as the f′ of a backward pass with
    /// g = 1. Roots by mpmath.findroot (100 bits) on the definitions
    /// (`Scripts/float_derivative_condition.py` prints them; gelu′'s: R(y) = y for the Mills ratio R, x = −y).
    @Test(arguments: [(Activation.silu, -1.2784645427610737, 1.0), (.quickGELU, -1.2784645427610737, 1.702),
                      (.geluTanh, -0.7524614220710162, 1), (.mish, -1.1924312145154952, 1), (.gelu, -0.751791524693564, 1)])
    func floatDerivativeAroundTheRoot(_ activation: Activation, _ root: Double, _ beta: Double) throws {
        let function = try ActivationFunction(activation)
        let kernel = Gate.kernel(for: function)
        func bits(_ t: Double) -> Int64 { Int64(Float(t / beta).bitPattern) } // all negative: larger bits, smaller x
        var inputs: [UInt64] = []
        for center in [root, root - 0x1p-5, root + 0x1p-5, root - 0x1p-8, root + 0x1p-8] {
            inputs += (-2_048..<2_048).map { UInt64(bits(center) + Int64($0)) }
        }
        inputs += (0..<4_096).map { UInt64(bitPattern: bits(root - 0.125 + 0.25 * Double($0) / 4_096)) }
        let buffer = Gate.evaluateBuffer(kernel, .derivative, inputs: inputs, format: .f32)
        let c = Gate.compare(function, .derivative, format: .f32, inputs: inputs, results: buffer, bound: 1)
        #expect(c.maxULP <= 1, "\(activation)′ f32 near the root: max \(c.maxULP) ULP; \(c.worst.first.map { Self.describe($0, .f32) } ?? "")")
        let scalar = inputs.map { Gate.evaluate(kernel, .derivative, bits: $0, format: .f32) }
        let scalarDiffers = zip(scalar, buffer).filter { $0 != $1 }.count
        #expect(scalarDiffers == 0, "\(activation)′: \(scalarDiffers) scalar/buffer differences")
        let shifted = Gate.evaluateBuffer(kernel, .derivative, inputs: Array(inputs[3...] + inputs[..<3]), format: .f32)
        let moved = Array(shifted[(shifted.count - 3)...] + shifted[..<(shifted.count - 3)])
        let positionDiffers = zip(moved, buffer).filter { $0 != $1 }.count
        #expect(positionDiffers == 0, "\(activation)′: \(positionDiffers) results depend on the position in the buffer")
        let x = inputs.map { Float(bitPattern: UInt32($0)) }
        let backward = kernel.backward(input: x, gradOutput: [Float](repeating: 1, count: x.count)).map { UInt64($0.bitPattern) }
        let backwardDiffers = zip(backward, buffer).filter { $0 != $1 }.count
        #expect(backwardDiffers == 0, "\(activation)′: \(backwardDiffers) differences between backward with g = 1 and f′")
    }

    /// The same choice in the lanes themselves, before any rounding: a group holding one input
    /// inside the 2^−5 band and seven just outside it gives each of the seven exactly the Double
    /// it gets alone (where the two forms differ in nearly every last bit, so a choice made for
    /// the whole group shows on every lane).
    @Test func floatDerivativeLanesChooseAlone() {
        let kernels: [(String, any ActivationKernel, Double, Double)] = [
            ("silu", SigmoidGatedKernel(beta: 1), -1.2784645427610737, 1), ("quick-gelu", SigmoidGatedKernel(beta: 1.702), -1.2784645427610737, 1.702),
            ("gelu-tanh", GELUTanhKernel(), -0.7524614220710162, 1), ("mish", MishKernel(), -1.1924312145154952, 1),
            ("gelu", GELUKernel(), -0.751791524693564, 1)]
        for (name, kernel, root, beta) in kernels {
            let inside = (root + 0x1.8p-6) / beta // inside 2^−5, outside the 2^−40 lanes' own 2^−8 (gelu: 2^−6)
            var differs = 0, formsDiffer = 0
            for k in 0..<512 {
                var lanes = DoubleLanes(repeating: inside)
                for j in 1..<8 { lanes[j] = (root + 0x1p-5 + 0x1p-5 * Double(k * 7 + j) / 3_584) / beta }
                guard let got = kernel.evaluateFloatResults(lanes, derivative: true) else { differs += 1; continue }
                for j in 1..<8 {
                    let alone = kernel.evaluateFloatResults(DoubleLanes(repeating: lanes[j]), derivative: true)?[0]
                    if alone?.bitPattern != got[j].bitPattern { differs += 1 }
                    if kernel.evaluateForFloat(DoubleLanes(repeating: lanes[j]), derivative: true)?[0].bitPattern != got[j].bitPattern { formsDiffer += 1 }
                }
            }
            #expect(differs == 0, "\(name)′: \(differs) lanes got another value beside an input inside the band")
            #expect(formsDiffer > 3_000, "\(name)′: the two forms agree on \(3_584 - formsDiffer) of 3,584 inputs: this test would not see a whole-group choice")
        }
    }

    /// silu′ with a huge beta: t = beta·x far past the ±700 clamp of the exponential (and +inf for
    /// x = 1e10), where f′ is 1 or −0 in every narrow format; t itself must be clamped in the sum,
    /// or t·e^−700 ≈ 1e300·1e−304 shows (1.0000986 at x = 1 before).
    @Test func siluDerivativeWithHugeBeta() throws {
        let function = try ActivationFunction(.silu, parameters: ["beta": try ExactNumber(parsing: "1e300")])
        let kernel = Gate.kernel(for: function)
        let values: [Double] = [1, -1, 1e10, -1e10, 0.5, -0.5, 3, -3]
        for format in [FloatFormat.f32, .bf16, .f16] {
            let inputs = (values + values.map { -$0 * 2 }).map { format.rounding($0) }
            let got = Gate.evaluateBuffer(kernel, .derivative, inputs: inputs, format: format)
            let c = Gate.compare(function, .derivative, format: format, inputs: inputs, results: got,
                                 bound: KernelBounds.ulps(.silu, format, derivative: true))
            #expect(c.maxULP <= KernelBounds.ulps(.silu, format, derivative: true),
                    "silu′(beta = 1e300) \(format): max \(c.maxULP) ULP; \(c.worst.first.map { Self.describe($0, format) } ?? "")")
        }
    }

    /// softplus with a huge beta: beta·x overflows to +inf for x = 1e10 and 3e38, where
    /// softplus(beta·x)/beta was inf (in lanes and scalars) and the value is x.
    @Test func softplusWithHugeBeta() throws {
        let function = try ActivationFunction(.softplus, parameters: ["beta": try ExactNumber(parsing: "1e300")])
        let kernel = Gate.kernel(for: function)
        let values: [Double] = [1e10, 3e38, 1, -1, -1e10, 0.5, 700, -3e38]
        for format in [FloatFormat.f32, .bf16, .f16, .f64] {
            let inputs = (values + values).map { format.rounding($0) }
            let bound = KernelBounds.ulps(.softplus, format, derivative: false)
            let got = Gate.evaluateBuffer(kernel, .value, inputs: inputs, format: format)
            let c = Gate.compare(function, .value, format: format, inputs: inputs, results: got, bound: bound)
            #expect(c.maxULP <= bound, "softplus(beta = 1e300) \(format): max \(c.maxULP) ULP; \(c.worst.first.map { Self.describe($0, format) } ?? "")")
        }
    }

    /// binary64 backward buffers (Double lanes where the kernel has them) give g·f′(x) with the
    /// scalar f′, bit for bit.
    @Test(arguments: Activation.allCases)
    func doubleBackwardMatchesScalar(_ activation: Activation) throws {
        let kernel = Gate.kernel(for: try ActivationFunction(activation))
        let xs = (Inputs.specials(.f64) + Inputs.random(.f64, count: 2_000, seed: 7)).map { Double(bitPattern: $0) }
        let gs = Inputs.random(.f64, count: xs.count, seed: 8).map { Double(bitPattern: $0) }
        let got = kernel.backward(input: xs, gradOutput: gs)
        var differ: [String] = []
        for i in xs.indices {
            let expected = gs[i] * kernel.derivative(xs[i])
            if got[i].bitPattern != expected.bitPattern && !(got[i].isNaN && expected.isNaN) {
                differ.append("x = \(xs[i]), g = \(gs[i]): buffer \(got[i]), scalar \(expected)")
            }
        }
        #expect(differ.isEmpty, "\(activation): \(differ.count) differences, first \(differ.first ?? "")")
    }

    /// The backward pass is gradOut·f′(x) rounded once; in place works.
    @Test(arguments: [Activation.gelu, .silu, .hardSwish, .relu])
    func backwardMatchesDerivative(_ activation: Activation) throws {
        let kernel = Gate.kernel(for: try ActivationFunction(activation))
        let x: [Float] = [-4, -3, -1.5, -0.5, 0, 0.25, 2, 3, 7]
        let g: [Float] = [1, -2, 0.5, 3, -1, 1e-3, 8, -0.25, 1]
        let gradIn = kernel.backward(input: x, gradOutput: g)
        let derivative = kernel.derivative(x)
        for i in x.indices {
            #expect(gradIn[i] == Float(Double(g[i]) * Double(derivative[i])) || abs(gradIn[i] - g[i] * derivative[i]) <= abs(g[i] * derivative[i]) * 2e-7,
                    "\(activation) backward at \(x[i])")
        }
        var buffer = x
        buffer.withUnsafeMutableBufferPointer { b in kernel.forward(UnsafeBufferPointer(b), into: b) }
        #expect(buffer == kernel.forward(x))
    }

    @Test func preluParameterGradient() throws {
        let kernel = Gate.kernel(for: try ActivationFunction(.prelu))
        let x: [Float] = [-2, -1, 0, 1, 2], g: [Float] = [1, 1, 1, 1, 1]
        let sum = x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { gb in kernel.parameterGradient("alpha", input: xb, gradOutput: gb) } }
        #expect(sum == -3)
        #expect(kernel.parameterDerivative(Float(-2), with: "alpha") == -2)
        #expect(kernel.parameterDerivative(Float(-2), with: "beta") == nil)
    }
}

extension KernelGateTests {
    /// prelu's layer gradient over buffers long enough for the lanes (and a tail), in every format,
    /// against the exact sum: inputs are k/256 with |k| ≤ 255 (exact in every format, bfloat16's 8
    /// bits included), so every product and partial sum is exact in Double and the expected value
    /// is an integer sum / 2^16. A NaN input gives NaN; ±0 and positive inputs contribute nothing.
    @Test func preluParameterGradientSums() throws {
        let kernel = Gate.kernel(for: try ActivationFunction(.prelu))
        var rng = SplitMix64(seed: 2_026_120_2)
        let n = 10_007
        let ks = (0..<n).map { _ in Int(rng.next() % 511) - 255 }, ms = (0..<n).map { _ in Int(rng.next() % 511) - 255 }
        let expected = Double(zip(ks, ms).reduce(0) { $0 + ($1.0 < 0 ? $1.0 * $1.1 : 0) }) / 65_536
        func check<T: KernelElement>(_: T.Type) {
            let x = ks.map { T(roundingDouble: Double($0) / 256) }, g = ms.map { T(roundingDouble: Double($0) / 256) }
            let sum = x.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { kernel.parameterGradient("alpha", input: xb, gradOutput: $0) } }
            #expect(sum == expected, "\(T.self): \(sum ?? .nan), expected \(expected)")
            var xn = x
            xn[n / 2] = T(roundingDouble: .nan)
            let nan = xn.withUnsafeBufferPointer { xb in g.withUnsafeBufferPointer { kernel.parameterGradient("alpha", input: xb, gradOutput: $0) } }
            #expect(nan?.isNaN == true, "\(T.self): a NaN input gave \(nan ?? 0)")
        }
        check(Float.self)
        check(Double.self)
        check(BFloat16.self)
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        check(Float16.self)
        #endif
    }
}

/// The gate must fail, with the right class, on kernels broken the ways real ones are.
@Suite("Gate has teeth")
struct GateTeethTests {
    struct Broken: Sendable, CustomStringConvertible {
        var name: String
        var activation: Activation
        var quantity: Quantity = .value
        var expected: Disagreement
        var convention: KinkConvention = .pytorch
        var breakage: @Sendable (UInt64, UInt64) -> UInt64 // (x, correct result) → broken result
        var description: String { name }
    }

    static let f = FloatFormat.f32
    static let cases: [Broken] = [
        Broken(name: "flushes subnormal results to zero", activation: .sigmoid, expected: .subnormal) { _, y in
            f.isSubnormal(y) ? f.zero(negative: f.isNegative(y)) : y },
        Broken(name: "relu(NaN) = 0", activation: .relu, expected: .nan) { x, y in f.isNaN(x) ? 0 : y },
        Broken(name: "wrong sign of zero", activation: .silu, expected: .zeroSign) { _, y in f.isZero(y) ? y ^ f.signMask : y },
        Broken(name: "2 ULP off in [1, 2)", activation: .tanh, expected: .finite) { x, y in
            let v = Float(bitPattern: UInt32(x))
            return (1..<2).contains(v) ? y + 2 : y },
        Broken(name: "saturates too early", activation: .sigmoid, expected: .finite) { x, y in
            Float(bitPattern: UInt32(x)) > 8 ? UInt64(Float(1).bitPattern) : y },
        Broken(name: "overflows at large |x|", activation: .gelu, expected: .inf) { x, y in
            abs(Float(bitPattern: UInt32(x))) > 1e30 && !f.isNaN(x) ? f.infinity(negative: false) : y },
        Broken(name: "another kink convention", activation: .relu, quantity: .derivative, expected: .finite) { x, y in
            f.isZero(x) ? UInt64(Float(1).bitPattern) : y },
        Broken(name: "NaN at −inf", activation: .silu, expected: .nan) { x, y in
            x == f.infinity(negative: true) ? f.quietNaN : y },
    ]

    @Test(arguments: cases)
    func caught(_ broken: Broken) throws {
        let function = try ActivationFunction(broken.activation, convention: broken.convention)
        let kernel = Gate.kernel(for: function)
        let inputs = Inputs.specials(Self.f) + Inputs.kinks(function, Self.f) + Inputs.random(Self.f, count: 3_000, seed: 7)
        let bound = KernelBounds.ulps(broken.activation, Self.f, derivative: broken.quantity == .derivative)
        let c = Gate.compare(function, broken.quantity, format: Self.f, inputs: inputs, bound: bound) { x in
            broken.breakage(x, Gate.evaluate(kernel, broken.quantity, bits: x, format: Self.f))
        }
        #expect(!c.pass, "\(broken) was not caught")
        #expect((c.classes[broken.expected] ?? 0) > 0, "\(broken): classes \(c.classes)")
    }

    /// Thresholds come from the oracle: sigmoid rounds to 1 in binary32 from the first float
    /// x ≥ ln(2^25 − 1) ≈ 17.3287 (where 1/(1 + e^x) ≤ 2^−25; the tie goes to even, 1.0):
    /// 0x418aa123, computed with mpmath. It is subnormal below x ≈ −87.34.
    @Test func thresholdsFromTheOracle() throws {
        let points = Thresholds.points(try ActivationFunction(.sigmoid), .value, .f32)
        let limit = try #require(points.first { $0.what.contains("limit at +inf") })
        #expect(limit.input == 0x418a_a123, "\(points)")
        #expect(points.contains { $0.what.contains("subnormal") && FloatFormat.f32.isNegative($0.input) })
        #expect(!points.contains { $0.what.contains("overflows") })
    }

    @Test func ulpDistanceRules() {
        let f = FloatFormat.f32
        #expect(ULP.distance(0, 0x8000_0000, format: f) == 0)
        #expect(ULP.distance(0, 0x8000_0000, format: f, strictZeroSign: true) == 1)
        #expect(ULP.distance(0x0000_0001, 0x8000_0001, format: f) == 2)
        #expect(ULP.distance(0x7f7f_ffff, 0x7f80_0000, format: f) == 1)           // max → inf
        #expect(ULP.distance(0x7fc0_0000, 0xffc0_0001, format: f) == 0)           // NaN ~ NaN
        #expect(ULP.distance(0x7fc0_0000, 0, format: f) == .max)
        #expect(ULP.distance(0x3f80_0000, 0x3f7f_ffff, format: f) == 1)           // across a binade
        #expect(Disagreement.classify(expected: 0x0000_0003, actual: 0, format: f) == .subnormal)
        #expect(Disagreement.classify(expected: 0x0000_0000, actual: 0x0000_0001, format: f) == .subnormal)
        #expect(Disagreement.classify(expected: 0xb3ad_c0e0, actual: 0, format: f) == .finite)      // a lost tail: −8.09e−8 as 0
        #expect(Disagreement.classify(expected: 0x8000_0000, actual: 0, format: f) == .zeroSign)
        #expect(Disagreement.classify(expected: 0x7f80_0000, actual: 0x7f7f_ffff, format: f) == .inf)
    }
}

extension FloatFormat {
    func shortest(_ bits: UInt64) -> String { String(doubleValue(bits)) }
}

/// The backward pass against the oracle's correctly rounded g·f′(x).
@Suite("Kernel gate: backward")
struct BackwardGateTests {
    /// Bound for g·f′ in each format: 1 ULP (binary16, bfloat16, binary32), and for binary64 the
    /// derivative's declared bound plus one rounding of the product, for |g| ≤ 1.
    static func bound(_ activation: Activation, _ format: FloatFormat) -> UInt64 {
        format == .f64 ? KernelBounds.ulps(activation, .f64, derivative: true) + 1 : 1
    }

    @Test(arguments: Activation.allCases)
    func backwardWithinBound(_ activation: Activation) throws {
        let function = try ActivationFunction(activation)
        let kernel = Gate.kernel(for: function)
        func check<T: KernelElement & FloatFormatRepresentable>(_: T.Type) {
            let format = T.floatFormat
            let xs = (Inputs.specials(format) + Inputs.kinks(function, format) + Thresholds.inputs(function, format)
                      + Inputs.random(format, count: format == .f64 ? 300 : 2_000, seed: 31)).filter { !format.isNaN($0) }
            let gs = Inputs.random(format, count: xs.count, seed: 32).map { g -> UInt64 in
                guard format.isFinite(g) else { return format.rounding(1.5) }
                // binary64: |g| ≤ 1 (see KernelBounds: where f′ is subnormal in binary64, a larger
                // g magnifies its absolute error)
                let d = format.doubleValue(g)
                if format == .f64 && abs(d) > 1 { return format.rounding(d.significand / (d < 0 ? -2 : 2)) }
                return g
            }
            let actual = kernel.backward(input: xs.map { T(formatBits: $0) }, gradOutput: gs.map { T(formatBits: $0) })
            var worst: UInt64 = 0, worstAt = 0
            for i in xs.indices {
                let expected = function.evaluate(.derivative, bits: xs[i], scaledBy: gs[i], format: format)
                let d = ULP.distance(expected, actual[i].formatBits, format: format)
                if d > worst { (worst, worstAt) = (d, i) }
            }
            #expect(worst <= Self.bound(activation, format),
                    "\(activation) backward \(format): \(worst) ULP at x = \(format.hexFloat(xs[worstAt])), g = \(format.hexFloat(gs[worstAt]))")
        }
        check(Float16.self)
        check(BFloat16.self)
        check(Float.self)
        check(Double.self)
    }
}

extension BackwardGateTests {
    /// Large binary16/bfloat16 backward buffers take f′ from a table (`HalfDerivatives`): every
    /// non-NaN pattern once, with random gradients, against the oracle's g·f′(x), within the same
    /// bound; in place gives the same bits.
    @Test(arguments: [Activation.gelu, .sigmoid, .leakyReLU, .hardSwish, .mish, .tanhShrink])
    func tableBackwardWithinBound(_ activation: Activation) throws {
        let function = try ActivationFunction(activation)
        let kernel = Gate.kernel(for: function)
        func check<T: KernelElement & FloatFormatRepresentable>(_: T.Type) {
            let format = T.floatFormat
            let finite = (0..<UInt64(65_536)).filter { !format.isNaN($0) }
            let xs = finite + finite.prefix(4_096) // ≥ 65,536 elements: the size that builds the table
            let gs = Inputs.random(format, count: xs.count, seed: 33).map { format.isFinite($0) ? $0 : format.rounding(-0.75) }
            let x = xs.map { T(formatBits: $0) }, g = gs.map { T(formatBits: $0) }
            let actual = kernel.backward(input: x, gradOutput: g)
            var worst: UInt64 = 0, worstAt = 0
            for i in xs.indices {
                let d = ULP.distance(function.evaluate(.derivative, bits: xs[i], scaledBy: gs[i], format: format), actual[i].formatBits, format: format)
                if d > worst { (worst, worstAt) = (d, i) }
            }
            #expect(worst <= Self.bound(activation, format),
                    "\(activation) backward \(format), table: \(worst) ULP at x = \(format.hexFloat(xs[worstAt])), g = \(format.hexFloat(gs[worstAt]))")
            var inPlace = x
            inPlace.withUnsafeMutableBufferPointer { b in
                g.withUnsafeBufferPointer { kernel.backward(input: UnsafeBufferPointer(b), gradOutput: $0, into: b) }
            }
            #expect(inPlace.map(\.formatBits) == actual.map(\.formatBits), "\(activation) \(format): in place differs")
        }
        check(BFloat16.self)
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        check(Float16.self)
        #endif
    }

    /// A backward pass computed from the output, σ·(1 − σ) in Float as many frameworks do, is
    /// caught: past x ≈ 16.6 it returns 0 where g·σ′(x) is a normal number.
    @Test func backwardFromOutputIsCaught() throws {
        let function = try ActivationFunction(.sigmoid)
        let kernel = Gate.kernel(for: function)
        let format = FloatFormat.f32
        let xs: [Float] = [-20, -3, 0.5, 10, 17, 20, 30]
        let g: Float = 1
        var worst: UInt64 = 0
        for x in xs {
            let y = kernel.value(x)
            let broken = g * (y * (1 - y))
            let expected = function.evaluate(.derivative, bits: x.formatBits, scaledBy: g.formatBits, format: format)
            worst = max(worst, ULP.distance(expected, broken.formatBits, format: format))
        }
        #expect(worst > 1_000_000, "from-output backward only \(worst) ULP off")
    }
}
