import ActivationCatalog
import ActivationOracle

/// What a third-party implementation may do beyond being correctly rounded, before it fails.
public struct Allowances: Sendable {
    /// Largest ULP distance (see `ULP`) accepted for finite and subnormal results.
    public var maxULP: UInt64 = 0
    /// Accept ±0 where the exact result is subnormal (flush to zero), and subnormal inputs read
    /// as zero (denormals are zero).
    public var allowFTZ = false
    /// Accept +0 for −0 and the reverse.
    public var ignoreZeroSign = false
    /// At kinks, also accept the derivative these conventions give.
    public var kinkConventions: [ActivationFunction] = []
    /// Accept an implementation whose result for one input depends on where the input sits in
    /// the batch (vector main loop or scalar tail): still counted and reported, not failed.
    public var allowPositionDependence = false

    public init(maxULP: UInt64 = 0, allowFTZ: Bool = false, ignoreZeroSign: Bool = false,
                kinkConventions: [ActivationFunction] = [], allowPositionDependence: Bool = false) {
        self.maxULP = maxULP
        self.allowFTZ = allowFTZ
        self.ignoreZeroSign = ignoreZeroSign
        self.kinkConventions = kinkConventions
        self.allowPositionDependence = allowPositionDependence
    }
}

/// The comparison of another implementation's results with the oracle, accumulated over any
/// number of chunks in bounded memory: counts per class, a histogram of ULP distances, the k worst
/// cases, and a bounded sample of disagreements for plotting.
public struct ValidationReport: Sendable {
    public struct Case: Sendable {
        public var input: UInt64
        public var expected: UInt64
        public var actual: UInt64
        /// Ordinal ULP distance; `UInt64.max` for a NaN against a number.
        public var ulps: UInt64
        public var disagreement: Disagreement
        /// Accepted by an allowance (not counted against `pass`).
        public var allowed: Bool
        /// |actual − exact| in ulps of the exact value (see `ULP`), for the worst cases once
        /// `measureWorst()` ran; nil for NaN/inf cases.
        public var realULPs: Double? = nil
    }

    /// One input that gave two results in two places (a batch offset, a file element).
    public struct PositionCase: Sendable {
        public var input: UInt64
        public var first: UInt64
        public var firstPlace: String
        public var other: UInt64
        public var otherPlace: String
    }

    public let function: ActivationFunction
    public let quantity: Quantity
    /// The inputs' format.
    public let format: FloatFormat
    /// Where results go: `outputFormat`, its overflow rule and a scale (plain: `format` itself).
    public let result: ResultRounding
    /// The results' format (ULP distances and classes are counted in it).
    public var outputFormat: FloatFormat { result.format }
    public let allowances: Allowances
    public private(set) var count = 0
    /// Largest ULP distance (see `ULP`) over every result except those a class allowance accepts
    /// (flush to zero, zero sign, kink convention) and NaN mismatches (`classes[.nan]` counts
    /// them): within `allowances.maxULP` when the report passes.
    public private(set) var maxULP: UInt64 = 0
    /// Disagreements per class, allowed ones included.
    public private(set) var classes: [Disagreement: Int] = [:]
    /// How many disagreements the allowances accepted.
    public private(set) var allowedCount = 0
    /// Results beyond the allowances.
    public private(set) var failures = 0
    /// `histogram[0]` counts exact results, `[1]` 1 ULP, `[k]` (k ≥ 2) distances in
    /// (2^(k−2), 2^(k−1)] (k ≤ 65: binary64 distances reach 2^64 − 2^53); the last bucket NaN mismatches.
    public private(set) var histogram = [Int](repeating: 0, count: 67)
    /// The worst cases, failures before allowed ones, then by ULP distance.
    public private(set) var worst: [Case] = []
    /// The worst failure of each class (shrinking starts from it even when other classes fill `worst`).
    public private(set) var worstFailure: [Disagreement: Case] = [:]
    /// Up to `plotLimit` disagreements spread over the run (every n-th once the sample is full).
    public private(set) var plotSample: [Case] = []
    /// Inputs whose result depended on their place (each counted once), and the first of them.
    public private(set) var positionDependent = 0
    public private(set) var positionCases: [PositionCase] = []
    private var positionInputs: Set<UInt64> = []
    let keep: Int
    let plotLimit = 4_000
    private var plotStride = 1, plotSeen = 0

    public init(function: ActivationFunction, quantity: Quantity, format: FloatFormat, result: ResultRounding? = nil,
                allowances: Allowances = Allowances(), keep: Int = 10) {
        self.function = function
        self.quantity = quantity
        self.format = format
        self.result = result ?? .plain(format)
        self.allowances = allowances
        self.keep = max(1, keep)
    }

    /// Within the allowances: no result beyond them, and no input whose result depends on its
    /// place unless that is allowed.
    public var pass: Bool { failures == 0 && (positionDependent == 0 || allowances.allowPositionDependence) }

    /// Records that `input` gave `first` in one place and `other` in another (the same bits, or
    /// NaN and NaN, are no difference). Each input counts once.
    public mutating func recordPosition(input: UInt64, first: UInt64, firstPlace: String, other: UInt64, otherPlace: String) {
        guard first != other, !(outputFormat.isNaN(first) && outputFormat.isNaN(other)) else { return }
        guard positionInputs.count < 1 << 20, positionInputs.insert(input).inserted else { return }
        positionDependent += 1
        if positionCases.count < keep {
            positionCases.append(PositionCase(input: input, first: first, firstPlace: firstPlace, other: other, otherPlace: otherPlace))
        }
    }

    static func bucket(_ ulps: UInt64) -> Int {
        if ulps == .max { return 66 }
        if ulps <= 1 { return Int(ulps) }
        return 64 - (ulps - 1).leadingZeroBitCount + 1
    }

    /// The nonempty buckets, each with its label: what every rendering of the report lists.
    public var histogramRows: [(ulps: String, count: Int)] {
        histogram.indices.filter { histogram[$0] > 0 }.map { (Self.bucketLabel($0), histogram[$0]) }
    }

    /// The nonempty buckets' bounds, in `histogramRows`' order.
    public var histogramBounds: [(lo: UInt64?, hi: UInt64?)] {
        histogram.indices.filter { histogram[$0] > 0 }.map(Self.bucketBounds)
    }

    /// Histogram bucket k holds distances lo...hi ULP: 0, 1, 2, then 2^(k−2) + 1 ... 2^(k−1); hi is
    /// nil for the last numeric bucket (its 2^64 is past UInt64), both are nil for NaN (k = 66).
    public static func bucketBounds(_ k: Int) -> (lo: UInt64?, hi: UInt64?) {
        switch k {
        case 0, 1, 2: (UInt64(k), UInt64(k))
        case 65: ((UInt64(1) << 63) + 1, nil)
        case 66: (nil, nil)
        default: ((UInt64(1) << UInt64(k - 2)) + 1, UInt64(1) << UInt64(k - 1))
        }
    }

    /// A human label for histogram bucket k: its bounds.
    public static func bucketLabel(_ k: Int) -> String {
        switch bucketBounds(k) {
        case (nil, _): "NaN"
        case (let lo?, nil): "\(lo)–18446744073709551616"
        case (let lo?, let hi?): lo == hi ? "\(lo)" : "\(lo)–\(hi)"
        }
    }

    /// Compares one chunk; `expected` comes from the oracle.
    public mutating func record(inputs: [UInt64], expected: [UInt64], actual: [UInt64]) {
        precondition(inputs.count == expected.count && inputs.count == actual.count)
        for i in inputs.indices { record(input: inputs[i], expected: expected[i], actual: actual[i]) }
    }

    @discardableResult
    mutating func record(input: UInt64, expected: UInt64, actual: UInt64) -> Case? {
        count += 1
        // Equal bits (nearly every input of an exhaustive run) agree without the classifying call.
        guard expected != actual, let kind = Disagreement.classify(expected: expected, actual: actual, format: outputFormat) else {
            histogram[0] += 1
            return nil
        }
        let ulps = ULP.distance(expected, actual, format: outputFormat)
        classes[kind, default: 0] += 1
        let allowance = self.allowance(input: input, expected: expected, actual: actual, kind: kind, ulps: ulps)
        let allowed = allowance != nil
        histogram[Self.bucket(ulps)] += 1
        if allowed { allowedCount += 1 } else { failures += 1 }
        if allowance != .byClass && ulps != .max { maxULP = max(maxULP, ulps) }
        let c = Case(input: input, expected: expected, actual: actual, ulps: ulps, disagreement: kind, allowed: allowed)
        if !allowed, worstFailure[kind].map({ Self.worse(c, $0) }) ?? true { worstFailure[kind] = c }
        if (worst.count < keep || Self.worse(c, worst.last!)) && !worst.contains(where: { $0.input == input }) {
            worst.append(c)
            worst.sort(by: Self.worse)
            if worst.count > keep { worst.removeLast() }
        }
        plotSeen += 1
        if plotSeen % plotStride == 0 {
            plotSample.append(c)
            if plotSample.count >= plotLimit {
                plotSample = stride(from: 0, to: plotSample.count, by: 2).map { plotSample[$0] }
                plotStride *= 2
            }
        }
        return c
    }

    static func worse(_ a: Case, _ b: Case) -> Bool {
        if a.allowed != b.allowed { return !a.allowed }
        return a.ulps > b.ulps
    }

    enum Allowance { case byULP, byClass }

    /// Which allowance accepts this disagreement, if any.
    private func allowance(input: UInt64, expected: UInt64, actual: UInt64, kind: Disagreement, ulps: UInt64) -> Allowance? {
        switch kind {
        case .zeroSign:
            if allowances.ignoreZeroSign { return .byClass }
        case .finite, .subnormal:
            if ulps <= allowances.maxULP { return .byULP }
        case .nan, .inf:
            break
        }
        if allowances.allowFTZ {
            if outputFormat.isSubnormal(expected) && outputFormat.isZero(actual) { return .byClass }
            if format.isSubnormal(input) {
                let zero = format.zero(negative: format.isNegative(input))
                if function.evaluate(quantity, bits: zero, format: format, to: result) == actual { return .byClass }
            }
        }
        for other in allowances.kinkConventions where other.evaluate(quantity, bits: input, format: format, to: result) == actual {
            return .byClass
        }
        return nil
    }

    /// Fills in the real-valued error of the worst cases from the oracle's enclosure.
    public mutating func measureWorst() {
        for i in worst.indices {
            let c = worst[i]
            guard outputFormat.isFinite(c.actual), outputFormat.isFinite(c.expected), format.isFinite(c.input),
                  let exact = function.enclosure(quantity, bits: c.input, format: format, precision: 160, scale: result) else { continue }
            worst[i].realULPs = exact.lower.ulpError(of: c.actual, format: outputFormat)
        }
    }
}

/// The adaptive part of a check against an implementation that can be asked about any input
/// (`verify --command`): look around the worst failures, then shrink each failing class to its
/// simplest failing input (toward 0, ±1, small integers, fewer significand bits; see `Simplify`).
public enum Hunt {
    /// One batch of inputs in, the implementation's results out (same count).
    public typealias Implementation = ([UInt64]) throws -> [UInt64]
    /// The correctly rounded results for a batch (default: the report's function and quantity).
    public typealias Oracle = ([UInt64]) -> [UInt64]

    static func expected(_ inputs: [UInt64], _ report: ValidationReport, _ oracle: Oracle?) -> [UInt64] {
        oracle?(inputs) ?? Gate.oracle(report.function, report.quantity, inputs, report.format, to: report.result)
    }

    /// How many inputs are asked again in other places.
    public static let positionSample = 2_048
    /// Batch lengths for asking again: none a multiple of 8 or 16, so that inputs sent in full
    /// vectors the first time now also land in scalar tails, and at other offsets.
    static let positionLengths = [1, 3, 7, 13, 31, 5, 67, 9, 127, 15, 33, 17]

    /// The implementation's results for `inputs`, one per input (or an `ImplementationError`).
    package static func answers(_ inputs: [UInt64], _ implementation: Implementation) throws -> [UInt64] {
        let actual = try implementation(inputs)
        guard actual.count == inputs.count else {
            throw ImplementationError("gave \(actual.count) results for \(inputs.count) inputs")
        }
        return actual
    }

    /// Asks `implementation` about `inputs`, records them, and returns the failures and the answers.
    @discardableResult
    static func ask(_ inputs: [UInt64], _ report: inout ValidationReport, _ implementation: Implementation,
                    _ oracle: Oracle? = nil) throws -> (failures: [ValidationReport.Case], actual: [UInt64]) {
        guard !inputs.isEmpty else { return ([], []) }
        let actual = try answers(inputs, implementation)
        let expected = expected(inputs, report, oracle)
        var failures: [ValidationReport.Case] = []
        for i in inputs.indices {
            if let c = report.record(input: inputs[i], expected: expected[i], actual: actual[i]), !c.allowed { failures.append(c) }
        }
        return (failures, actual)
    }

    /// Sends the inputs of `first` again, each alone and then in reverse order in batches of
    /// other lengths (each at another offset, many in a batch's tail), and records every input whose result
    /// changed with its place. Changed answers are judged like the first ones (and counted).
    static func positions(_ first: [(input: UInt64, result: UInt64, place: String)], _ report: inout ValidationReport,
                          _ implementation: Implementation, _ oracle: Oracle? = nil) throws {
        var seen = Set<UInt64>()
        let again = first.reversed().filter { seen.insert($0.input).inserted }
        // Twice: each input alone (some implementations take another path for one element),
        // then in batches of the lengths above.
        var batches: [Range<Int>] = again.indices.map { $0..<$0 + 1 }
        var start = 0, k = 0
        while start < again.count {
            let length = min(positionLengths[k % positionLengths.count], again.count - start)
            batches.append(start..<start + length)
            start += length
            k += 1
        }
        for range in batches {
            let length = range.count
            let part = Array(again[range])
            let inputs = part.map(\.input)
            let actual = try answers(inputs, implementation)
            var changed: [Int] = []
            for (i, a) in part.enumerated() where a.result != actual[i] && !(report.outputFormat.isNaN(a.result) && report.outputFormat.isNaN(actual[i])) {
                report.recordPosition(input: a.input, first: a.result, firstPlace: a.place, other: actual[i],
                                      otherPlace: "offset \(i) of a batch of \(length)")
                changed.append(i)
            }
            // A changed answer is judged too (a scalar tail can be wrong where the vector loop is not).
            if !changed.isEmpty {
                let expected = expected(changed.map { inputs[$0] }, report, oracle)
                report.record(inputs: changed.map { inputs[$0] }, expected: expected, actual: changed.map { actual[$0] })
            }
        }
    }

    /// Runs the whole search: `inputs` first, then neighbours at distances 1, 2, 4, … 2^30 ULP
    /// around the `seeds` worst failures, then shrinking. Returns the simplest failing input found
    /// for each class.
    public static func run(_ inputs: [UInt64], report: inout ValidationReport, batch: Int = 4_096, seeds: Int = 8,
                           oracle: Oracle? = nil, implementation: Implementation) throws -> [Disagreement: UInt64] {
        let format = report.format
        // A sample of the inputs (spread over them, specials first) is asked again in other places.
        let step = max(1, inputs.count / positionSample)
        var firstAnswers: [(input: UInt64, result: UInt64, place: String)] = []
        for start in stride(from: 0, to: inputs.count, by: batch) {
            let chunk = Array(inputs[start..<min(start + batch, inputs.count)])
            let (_, actual) = try ask(chunk, &report, implementation, oracle)
            for i in chunk.indices where (start + i) % step == 0 {
                firstAnswers.append((chunk[i], actual[i], "offset \(i) of a batch of \(chunk.count)"))
            }
        }
        try positions(firstAnswers, &report, implementation, oracle)
        var probes: [UInt64] = []
        for c in report.worst.filter({ !$0.allowed }).prefix(seeds) {
            let ordinal = ULP.ordinal(c.input, format, strictZeroSign: true)
            for j in 0..<31 {
                for d in [Int64(1) << Int64(j), -(Int64(1) << Int64(j))] {
                    if let b = ULP.bits(atOrdinal: ordinal + d, format) { probes.append(b) }
                }
            }
        }
        try ask(probes, &report, implementation, oracle)
        var simplest: [Disagreement: UInt64] = [:]
        for kind in Disagreement.allCases {
            guard var current = report.worstFailure[kind]?.input else { continue }
            for _ in 0..<64 {
                let candidates = Simplify.candidates(current, format)
                let failing = try ask(candidates, &report, implementation, oracle).failures.filter { $0.disagreement == kind }
                guard let next = candidates.first(where: { x in failing.contains { $0.input == x } }) else { break }
                current = next
            }
            simplest[kind] = current
        }
        return simplest
    }
}

/// An implementation that broke the exchange itself (too few or too many results).
public struct ImplementationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
