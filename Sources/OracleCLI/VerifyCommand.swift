import ActivationCatalog
import ActivationIO
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// Another implementation's results against the oracle: from files, or asked through the
/// subprocess protocol with the gate's generators and an adaptive search.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare another implementation's results with the correctly rounded ones.",
        discussion: """
        Files: --input X --actual Y (same forms as `reference`; streamed, bounded memory). \
        Subprocess: --command "CMD ARGS" speaks the protocol in the README; the tool sends the \
        specials, kinks, computed thresholds and --count random inputs, then searches around the \
        worst failures and shrinks each to its simplest input. Exit 0 within the allowances, \
        1 beyond them, 2 for bad usage, files or a misbehaving subprocess.
        """)

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1 (or ml_dtypes' names).")
    var format: FloatFormat

    @Option(name: .shortAndLong, help: "Inputs the implementation was run on (.npy or text).")
    var input: String?

    @Option(help: "The implementation's results, same length and order as --input.")
    var actual: String?

    @Flag(help: "Text files hold bit patterns (0x3fc00000) instead of values.")
    var bits = false

    @Option(help: "Run this shell command as the implementation (subprocess protocol, see README).")
    var command: String?

    @Option(help: "Random inputs sent to --command (besides specials, kinks and thresholds; f16/bf16 get all 65,536).")
    var count: Int = 20_000

    @Option(help: "Seed of the random inputs (printed; the same seed sends the same inputs).")
    var seed: UInt64 = 20_261_123

    @Option(help: "Seconds to wait for each answer of --command before giving up.")
    var timeout: Double = 60

    @OptionGroup var result: ResultOptions

    @OptionGroup var gate: AllowanceOptions

    @OptionGroup var reports: ReportOptions

    func run() throws {
        if let (g, quantity) = try function.resolveGated() { return try runGated(g, quantity) }
        let (f, quantity) = try function.resolve()
        let allowances = try gate.allowances(for: f, quantity: quantity)
        try reports.checkOutputs()
        try Subprocess.checkTimeout(timeout)
        try checkCount(count, minimum: 0)
        let rounding = try result.resolve(input: format)
        var report = ValidationReport(function: f, quantity: quantity, format: format, result: rounding, allowances: allowances, keep: reports.worst)
        var simplest: [Disagreement: UInt64] = [:]
        var source: String
        switch (input, actual, command) {
        case (let input?, let actual?, nil):
            source = "files \(input), \(actual)"
            try compareFiles(input: input, actual: actual, into: &report)
        case (nil, nil, let command?):
            source = "command \(command) (seed \(seed), \(count) random inputs)"
            guard quantity.order != nil else {
                throw InputError("--command checks values and derivatives with respect to x (not --wrt)")
            }
            let header = Subprocess.header(f, format, quantity, rounding)
            let child = try Subprocess(command: command, header: header, format: format, resultFormat: rounding.format, timeout: timeout)
            let inputs = Gate.inputs(f, format, count: count, seed: seed, exhaustiveSmall: true, result: rounding)
            simplest = try Hunt.run(inputs, report: &report) { try child.evaluate($0) }
            try child.finish()
        default:
            throw InputError("give either --input and --actual, or --command")
        }
        try reports.emit(report, source: source, simplest: simplest)
        if !report.pass { throw ExitCode(1) }
    }

    /// Streams both files in step; their lengths must match.
    func compareFiles(input: String, actual: String, into report: inout ValidationReport) throws {
        let x = try NumericReader(path: input, format: format, textBits: bits)
        let y = try NumericReader(path: actual, format: report.outputFormat, textBits: bits, option: "--actual")
        if case .npy(_, let a) = x.encoding, case .npy(_, let b) = y.encoding, a.reduce(1, *) != b.reduce(1, *) {
            throw InputError("length mismatch: \(input) holds \(a.reduce(1, *)) values, \(actual) \(b.reduce(1, *))")
        }
        var comparison = StreamComparison(report)
        while true {
            let xs = try x.next(maximum: 1 << 16), ys = try y.next(maximum: xs.isEmpty ? 1 : xs.count)
            if xs.isEmpty && ys.isEmpty { break }
            guard xs.count == ys.count else {
                let (short, long) = xs.count < ys.count ? (input, actual) : (actual, input)
                throw InputError("length mismatch: \(short) ends after \(comparison.seen + min(xs.count, ys.count)) values, \(long) has more")
            }
            try refuseNaN(xs, comparison.seen, format, report.outputFormat)
            comparison.add(inputs: xs, actual: ys)
        }
        report = comparison.report
        if comparison.seen == 0 { throw InputError("\(input): no values") }
    }
}

/// What counts as a pass: shared by every command that judges an implementation.
struct AllowanceOptions: ParsableArguments {
    @Option(help: "Largest accepted ULP distance for finite results (0: correctly rounded).")
    var maxULP: UInt64 = 0

    @Flag(help: "Accept flush-to-zero of subnormal results and subnormal inputs read as zero.")
    var allowFTZ = false

    @Flag(help: "Accept +0 for −0 and the reverse.")
    var ignoreZeroSign = false

    @Option(help: "At kinks, also accept these conventions' derivatives (comma-separated: pytorch, jax, tensorflow, left, right).")
    var kinkConvention: String?

    @Flag(help: "Accept results that depend on the input's place in the batch (still reported).")
    var allowPositionDependence = false

    func allowances(for f: ActivationFunction, quantity: Quantity) throws -> Allowances {
        var others: [ActivationFunction] = []
        for name in kinkConvention?.split(separator: ",", omittingEmptySubsequences: false) ?? [] {
            others.append(try f.with(convention: try FunctionSpec.convention(named: String(name)), for: quantity))
        }
        return Allowances(maxULP: maxULP, allowFTZ: allowFTZ, ignoreZeroSign: ignoreZeroSign, kinkConventions: others,
                          allowPositionDependence: allowPositionDependence)
    }
}
