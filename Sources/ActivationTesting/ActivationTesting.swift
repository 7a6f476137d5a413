@_exported import ActivationCatalog
import ActivationIO
import ActivationOracle
import ActivationVerification
import Foundation

/// Which quantity of which catalog entry an implementation computes: the entry's name or alias,
/// its parameters written exactly as the CLI's `--param` takes them (`"0.01"` is 1/100,
/// `"f32:0.01"` the float32 nearest it — what frameworks store), the kink convention of its
/// derivative (and of f″, for `order: 2`), and value or derivative.
public struct ActivationUnderTest: Sendable, CustomStringConvertible {
    public var name: String
    public var parameters: [String: String]
    public var convention: KinkConvention
    public var derivative: Bool
    /// 0, 1 or 2: the derivative's order (2: f″, a double-backward implementation); nil follows
    /// `derivative`.
    public var order: Int?

    public init(_ name: String, parameters: [String: String] = [:], convention: KinkConvention = .pytorch, derivative: Bool = false,
                order: Int? = nil) {
        self.name = name
        self.parameters = parameters
        self.convention = convention
        self.derivative = derivative
        self.order = order
    }

    public var description: String {
        let p = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: ", ")
        let prime = order.flatMap { Quantity(order: $0)?.prime } ?? (derivative ? "′" : "")
        return "\(name)\(p.isEmpty ? "" : "(\(p))")\(prime)"
    }

    func resolve() throws -> (ActivationFunction, Quantity) {
        do {
            return try FunctionSpec.resolve(name, parameters: parameters.keys.sorted().map { ($0, parameters[$0]!) },
                                            convention: convention, derivative: derivative, order: order)
        } catch let error as InputError { throw ActivationTestError(error.description) }
    }
}

/// What a check accepts beyond correct rounding, and which inputs it tries.
public struct ActivationTestOptions: Sendable {
    /// Largest accepted distance in ULP for finite results (0: correctly rounded).
    public var maxULP: UInt64 = 0
    /// Accept subnormal results flushed to zero and subnormal inputs read as zero (not for
    /// backward checks).
    public var allowFlushToZero = false
    /// Accept +0 for −0 and the reverse.
    public var ignoreZeroSign = false
    /// At kinks, also accept the derivative these conventions give (not for backward checks).
    public var alsoAcceptConventions: [KinkConvention] = []
    /// Accept results that depend on the input's place in the buffer (still reported).
    public var allowPositionDependence = false
    /// Random inputs from the fixed seed (float32, float64; binary16 and bfloat16 check every input).
    public var count = 10_000
    /// The fixed seed: the same inputs on every run.
    public var seed: UInt64 = 20_261_123
    /// Random inputs from a fresh seed on every run (0: none). The report names the seed;
    /// `ACTIVATION_TESTING_SEED=<seed>` in the environment replays it.
    public var freshCount = 1_000
    /// Every one of the 2^32 float32 inputs (opt-in: minutes on a few cores), or one shard of
    /// them (`shard: (k, n)`, n a power of two), instead of the sampled inputs.
    public var exhaustive = false
    public var shard: (index: Int, of: Int) = (0, 1)

    public init(maxULP: UInt64 = 0, allowFlushToZero: Bool = false, ignoreZeroSign: Bool = false,
                alsoAcceptConventions: [KinkConvention] = [], allowPositionDependence: Bool = false, count: Int = 10_000,
                seed: UInt64 = 20_261_123, freshCount: Int = 1_000, exhaustive: Bool = false, shard: (index: Int, of: Int) = (0, 1)) {
        self.maxULP = maxULP
        self.allowFlushToZero = allowFlushToZero
        self.ignoreZeroSign = ignoreZeroSign
        self.alsoAcceptConventions = alsoAcceptConventions
        self.allowPositionDependence = allowPositionDependence
        self.count = count
        self.seed = seed
        self.freshCount = freshCount
        self.exhaustive = exhaustive
        self.shard = shard
    }
}

/// A check that could not run: an unknown entry or convention, a parameter outside its domain,
/// a buffer implementation that wrote outside its output or returned the wrong number of results.
public struct ActivationTestError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A failed check as an error: its description is the whole report (for `try` in XCTest or
/// Swift Testing).
public struct ActivationTestFailure: Error, CustomStringConvertible, Sendable {
    public let report: ActivationTestReport
    public var description: String { report.description }
}

/// The outcome of a check: what `activation-oracle verify` prints, as a value.
public struct ActivationTestReport: CustomStringConvertible, Sendable {
    /// One disagreement with the correctly rounded result.
    public struct Case: Sendable {
        /// Bit patterns in hex (`0x3f800000`) and shortest decimals.
        public let input, expected, actual: String
        public let inputDecimal, expectedDecimal, actualDecimal: String
        /// ULP distance (nil: a NaN against a number).
        public let ulps: UInt64?
        /// `nan`, `inf`, `zero_sign`, `subnormal` or `finite`.
        public let kind: String
        public let allowed: Bool
    }

    /// The comparison itself: counts per class, the histogram, the worst cases (up to 10) and a
    /// sample for plotting.
    public let validation: ValidationReport
    /// The simplest failing input of each class after shrinking, as hex bit patterns.
    public var simplest: [String: String] {
        Dictionary(uniqueKeysWithValues: shrunk.map { ($0.key.rawValue, validation.format.hexBits($0.value)) })
    }
    let shrunk: [Disagreement: UInt64]
    /// How to run the same inputs again.
    public let replay: String
    let source: String

    public var passed: Bool { validation.pass }
    public var maxULP: UInt64 { validation.maxULP }
    public var classes: [String: Int] { Dictionary(uniqueKeysWithValues: validation.classes.map { ($0.key.rawValue, $0.value) }) }
    /// Results per distance: "0", "1", "2", "3–4", … "NaN", nonempty buckets only.
    public var histogram: [(ulps: String, count: Int)] { validation.histogramRows }
    /// Inputs whose result depended on their place in the buffer.
    public var positionDependent: Int { validation.positionDependent }
    public var worst: [Case] {
        let f = validation.format
        return validation.worst.map {
            Case(input: f.hexBits($0.input), expected: f.hexBits($0.expected), actual: f.hexBits($0.actual),
                 inputDecimal: f.shortestDecimal($0.input), expectedDecimal: f.shortestDecimal($0.expected),
                 actualDecimal: f.shortestDecimal($0.actual), ulps: $0.ulps == .max ? nil : $0.ulps,
                 kind: $0.disagreement.rawValue, allowed: $0.allowed)
        }
    }

    /// The text report, ending with the line that replays it.
    public var description: String {
        ReportRendering(report: validation, source: source, simplest: shrunk).text() + "\nreplay: " + replay
    }

    /// Throws `ActivationTestFailure` (whose description is this report) unless it passed.
    public func requirePassed() throws {
        if !passed { throw ActivationTestFailure(report: self) }
    }
}

/// Checks Swift implementations of catalog entries against the correctly rounded oracle, the
/// way `activation-oracle verify --command` checks a subprocess: the specials, every kink with
/// neighbours, the oracle's thresholds, random inputs from a fixed and a fresh seed (every input
/// for binary16 and bfloat16), then a search around the worst failures and the shrinking of each
/// failing class to its simplest input; a sample of 2,048 inputs is asked again alone and at
/// other offsets in batches of other lengths, so a result that depends on its place is its own class.
public enum ActivationCheck {
    /// A scalar implementation `(T) -> T`.
    public static func check<T: FloatFormatRepresentable>(_ test: ActivationUnderTest, options: ActivationTestOptions = .init(),
                                                          scalar f: (T) -> T) throws -> ActivationTestReport {
        try withoutActuallyEscaping(f) { f in
            try run(test, T.floatFormat, options, source: "scalar (\(T.self)) -> \(T.self)") { inputs in
                inputs.map { f(T(formatBits: $0)).formatBits }
            }
        }
    }

    /// A buffer implementation, as kernels are written: it reads `input` and writes every element
    /// of `output` (same count). It is called with many lengths and at misaligned offsets, with
    /// 1–7 guard elements before `output` and 16 after; a write to one of them stops the check
    /// with an `ActivationTestError`.
    public static func check<T: FloatFormatRepresentable>(
        _ test: ActivationUnderTest, options: ActivationTestOptions = .init(),
        buffer f: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
    ) throws -> ActivationTestReport {
        try withoutActuallyEscaping(f) { f in
            var calls = 0
            return try run(test, T.floatFormat, options, source: "buffer (\(T.self))") { inputs in
                calls += 1
                return try guarded(inputs, offset: 1 + calls % 7) { x, _, y in f(x, y) }
            }
        }
    }

    /// A fused kernel that writes its results in an 8-bit or smaller format (FP8, MX): one byte per
    /// element, the bit pattern of `output`, judged against RN_output(scale·f(x)) — one rounding
    /// of the exact product. `overflow` defaults to ml_dtypes' rule for `output` (NaN for e4m3fn,
    /// saturation for the MX formats; PyTorch's casts saturate); `scale` is an exact positive
    /// number ("1/16", "0x1p-4", "f32:0.37"). NaN inputs are not sent when `output` has no NaN.
    /// Called as `check(buffer:)` calls, with guard bytes around the output.
    public static func check<T: FloatFormatRepresentable>(
        _ test: ActivationUnderTest, output: FloatFormat, overflow: FloatFormat.Overflow? = nil, scale: String? = nil,
        options: ActivationTestOptions = .init(), buffer f: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<UInt8>) -> Void
    ) throws -> ActivationTestReport {
        guard output.byteWidth == 1 else { throw ActivationTestError("output \(output): byte buffers hold the 8-bit and smaller formats") }
        let rounding: ResultRounding
        do {
            rounding = try ResultRounding(output, overflow: overflow, scale: try scale.map { try ExactNumber(parsing: $0) })
        } catch let error as OracleError {
            throw ActivationTestError(error.description)
        } catch let error as ExactNumber.ParseError {
            throw ActivationTestError("scale: \(error)")
        }
        return try withoutActuallyEscaping(f) { f in
            var calls = 0
            return try run(test, T.floatFormat, options, source: "buffer (\(T.self)) → \(rounding)", result: rounding) { inputs in
                calls += 1
                return try guardedBytes(inputs, as: T.self, offset: 1 + calls % 7) { x, y in f(x, y) }
            }
        }
    }

    /// `guarded` for byte outputs: canaries 0xA5 around the output.
    static func guardedBytes<T: FloatFormatRepresentable>(
        _ inputs: [UInt64], as: T.Type, offset: Int, _ body: (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<UInt8>) -> Void
    ) throws -> [UInt64] {
        let n = inputs.count, pad = 16, canary: UInt8 = 0xA5
        var x = [T](repeating: T(formatBits: 0), count: offset + n + pad)
        for i in 0..<n { x[offset + i] = T(formatBits: inputs[i]) }
        var y = [UInt8](repeating: canary, count: offset + n + pad)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                body(UnsafeBufferPointer(rebasing: xp[offset..<offset + n]), UnsafeMutableBufferPointer(rebasing: yp[offset..<offset + n]))
            }
        }
        for i in y.indices where (i < offset || i >= offset + n) && y[i] != canary {
            throw ActivationTestError("the buffer implementation wrote outside its output: byte \(i - offset) of a buffer of \(n)")
        }
        return (0..<n).map { UInt64(y[offset + $0]) }
    }

    /// A backward implementation: `output[i] = gradOutput[i] · f′(input[i])`, compared with the
    /// correctly rounded product (one rounding of the exact g·f′(x)). Each input is paired with a
    /// gradient drawn from it and the seed (±1, 0.5, −2, powers of two from 2^−8 to 2^7, random
    /// values in [−4, 4]; never ±0). Where f′(x) is exactly ±0 the expected product is the zero
    /// IEEE multiplication gives (its sign: g's xor f′'s).
    public static func checkBackward<T: FloatFormatRepresentable>(
        _ test: ActivationUnderTest, options: ActivationTestOptions = .init(),
        backward f: (_ input: UnsafeBufferPointer<T>, _ gradOutput: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>) -> Void
    ) throws -> ActivationTestReport {
        if test.order == 2 { throw ActivationTestError("checkBackward checks g·f′(x); a double-backward implementation is checked with order: 2 as a value check") }
        var derivativeTest = test
        derivativeTest.derivative = true
        derivativeTest.order = nil
        let format = T.floatFormat
        let seed = options.seed
        func gradient(_ x: UInt64) -> UInt64 {
            var rng = SplitMix64(seed: seed ^ (x &* 0x9E37_79B9_7F4A_7C15))
            switch rng.next() % 8 {
            case 0: return format.rounding(1.0)
            case 1: return format.rounding(-1.0)
            case 2: return format.rounding(0.5)
            case 3: return format.rounding(-2.0)
            case 4: return format.rounding(Double(sign: .plus, exponent: Int(rng.next() % 16) - 8, significand: 1)) // finite in binary16 too
            default: return format.rounding(Double.random(in: -4...4, using: &rng))
            }
        }
        let (function, _) = try derivativeTest.resolve()
        if options.allowFlushToZero || !options.alsoAcceptConventions.isEmpty {
            throw ActivationTestError("allowFlushToZero and alsoAcceptConventions are for value and derivative checks, not backward")
        }
        // g·f′(x) rounded once. A zero result gets the sign of the product g·f′ — for an exactly
        // zero f′ that is the zero IEEE multiplication gives (g's sign xor the sign of f′'s zero),
        // as every kernel computes it; the oracle alone gives +0 for an exact zero. (f′ in
        // binary64 carries the sign: an exact zero with its convention's sign, or a value.)
        let oracle: Hunt.Oracle = { inputs in
            inputs.map { x in
                let g = gradient(x), product = function.evaluate(.derivative, bits: x, scaledBy: g, format: format)
                guard format.isZero(product) else { return product }
                let wide = function.evaluate(.derivative, bits: format.doubleValue(x).bitPattern, format: .f64)
                return format.zero(negative: format.isNegative(g) != FloatFormat.f64.isNegative(wide))
            }
        }
        return try withoutActuallyEscaping(f) { f in
            var calls = 0
            return try run(derivativeTest, format, options, source: "backward (\(T.self)): g·f′(x), g drawn from x and the seed",
                           oracle: oracle) { inputs in
                calls += 1
                let g = inputs.map(gradient)
                return try guarded(inputs, second: g, offset: 1 + calls % 7) { x, g, y in f(x, g, y) }
            }
        }
    }

    /// Runs `body` on copies of `inputs` (and `second`) placed `offset` elements into larger
    /// buffers, the output surrounded by canaries; a changed canary is an error.
    static func guarded<T: FloatFormatRepresentable>(
        _ inputs: [UInt64], second: [UInt64]? = nil, offset: Int,
        _ body: (UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
    ) throws -> [UInt64] {
        let n = inputs.count, pad = 16
        let canary = T(formatBits: T.floatFormat.quietNaN | 0x15 & T.floatFormat.fractionMask)
        var x = [T](repeating: canary, count: offset + n + pad), g = x, y = x
        for i in 0..<n {
            x[offset + i] = T(formatBits: inputs[i])
            g[offset + i] = T(formatBits: second?[i] ?? 0)
        }
        x.withUnsafeBufferPointer { xp in
            g.withUnsafeBufferPointer { gp in
                y.withUnsafeMutableBufferPointer { yp in
                    body(UnsafeBufferPointer(rebasing: xp[offset..<offset + n]), UnsafeBufferPointer(rebasing: gp[offset..<offset + n]),
                         UnsafeMutableBufferPointer(rebasing: yp[offset..<offset + n]))
                }
            }
        }
        for i in y.indices where (i < offset || i >= offset + n) && y[i].formatBits != canary.formatBits {
            throw ActivationTestError("the buffer implementation wrote outside its output: element \(i - offset) of a buffer of \(n)")
        }
        return (0..<n).map { y[offset + $0].formatBits }
    }

    /// The seed of the fresh inputs: `ACTIVATION_TESTING_SEED`, or a new one.
    static func freshSeed() throws -> UInt64 {
        guard let text = ProcessInfo.processInfo.environment["ACTIVATION_TESTING_SEED"] else { return UInt64.random(in: 0...UInt64.max) }
        guard let seed = UInt64(text) else { throw ActivationTestError("ACTIVATION_TESTING_SEED='\(text)' is not a seed (a whole number from 0 to 2^64 − 1)") }
        return seed
    }

    static func run(_ test: ActivationUnderTest, _ format: FloatFormat, _ options: ActivationTestOptions, source: String,
                    oracle: Hunt.Oracle? = nil, result: ResultRounding? = nil,
                    _ implementation: ([UInt64]) throws -> [UInt64]) throws -> ActivationTestReport {
        let (function, quantity) = try test.resolve()
        var others: [ActivationFunction] = []
        for c in options.alsoAcceptConventions {
            do { others.append(try function.with(convention: c, for: quantity)) } catch let error as OracleError { throw ActivationTestError(error.description) }
        }
        guard (0...100_000_000).contains(options.count), (0...100_000_000).contains(options.freshCount) else {
            throw ActivationTestError("count and freshCount must be from 0 to 100,000,000")
        }
        let allowances = Allowances(maxULP: options.maxULP, allowFTZ: options.allowFlushToZero, ignoreZeroSign: options.ignoreZeroSign,
                                    kinkConventions: others, allowPositionDependence: options.allowPositionDependence)
        var report = ValidationReport(function: function, quantity: quantity, format: format, result: result, allowances: allowances)
        let keep = { (x: UInt64) in report.outputFormat.hasNaN || !format.isNaN(x) } // no result for NaN without NaN
        if options.exhaustive {
            guard format == .f32 else { throw ActivationTestError("exhaustive checks are for Float (2^32 inputs); 16-bit formats are always checked on every input") }
            let shard: Range<Int>
            do { shard = try Exhaustive.chunks(shard: options.shard.index, of: options.shard.of) } catch let error as InputError {
                throw ActivationTestError(error.description)
            }
            for chunk in shard {
                let inputs = Exhaustive.inputs(chunk: chunk).filter(keep)
                let actual: [UInt64]
                do { actual = try Hunt.answers(inputs, implementation) } catch let error as ImplementationError {
                    throw ActivationTestError(error.description)
                }
                let expected: [UInt64]
                if let oracle {
                    expected = oracle(inputs)
                } else if report.result.isPlain(for: format) && inputs.count == 1 << Exhaustive.chunkBits {
                    expected = Exhaustive.oracle(function, quantity, chunk: chunk, threads: ProcessInfo.processInfo.activeProcessorCount)
                } else {
                    expected = Gate.oracle(function, quantity, inputs, format, to: report.result)
                }
                report.record(inputs: inputs, expected: expected, actual: actual)
            }
            if oracle == nil { report.measureWorst() } // its real-valued error is against f, not g·f′
            let replay = "ActivationTestOptions(exhaustive: true, shard: (\(options.shard.index), \(options.shard.of)))"
            return ActivationTestReport(validation: report, shrunk: [:], replay: replay,
                                        source: "\(test) through \(source), every input of shard \(options.shard.index)/\(options.shard.of)")
        }
        let fresh = try freshSeed()
        var inputs = Gate.inputs(function, format, count: options.count, seed: options.seed, exhaustiveSmall: true, result: result)
        // (Gate.inputs leaves out NaN inputs a NaN-less output has no result for; random ones are never NaN.)
        if format.bitWidth > 16 && options.freshCount > 0 { inputs += Inputs.random(format, count: options.freshCount, seed: fresh) }
        let simplest: [Disagreement: UInt64]
        do {
            simplest = try Hunt.run(inputs, report: &report, oracle: oracle, implementation: implementation)
        } catch let error as ImplementationError { throw ActivationTestError(error.description) }
        if oracle == nil { report.measureWorst() } // its real-valued error is against f, not g·f′
        let replay = "ACTIVATION_TESTING_SEED=\(fresh) swift test --filter <this test>  (fixed seed \(options.seed), \(options.count) + \(format.bitWidth > 16 ? options.freshCount : 0) random inputs)"
        return ActivationTestReport(validation: report, shrunk: simplest,
                                    replay: replay, source: "\(test) through \(source), seed \(options.seed) and fresh seed \(fresh)")
    }
}
