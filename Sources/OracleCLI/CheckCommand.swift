import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// Verifies the built-in kernels against the oracle and prints the report: the main job.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Verify the built-in kernels against the oracle: max ULP per entry, format and quantity.",
        discussion: """
        Inputs: the specials, every kink with 4 neighbours each side, and --count random inputs \
        (uniform bit patterns, uniform in [-20, 20], log-uniform magnitudes) from --seed; every \
        input for f16 and bf16 unless --sample-small. Exit 1 when any result is beyond its declared bound.
        """)

    @Option(help: "Only this activation (default: all).")
    var function: String?

    @Option(help: "Input formats to check, comma-separated: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1.")
    var format: String = "f32"

    @Option(help: "Random inputs per entry and format.")
    var count: Int = 10_000

    @Option(help: "Seed of the random inputs (printed, so any run can be replayed).")
    var seed: UInt64 = 20_261_123

    @Flag(help: "Sample f16/bf16 like the other formats instead of checking all 65,536 inputs.")
    var sampleSmall = false

    @OptionGroup var result: ResultOptions

    func run() throws {
        let formats = try parseFormats(format)
        var activations = Activation.allCases
        if let function {
            activations = [try FunctionSpec.activation(named: function)]
        }
        try checkCount(count, minimum: 0)
        print("activation-oracle check: built-in kernels vs. correctly rounded oracle; seed \(seed), \(count) random inputs per entry and format\(sampleSmall ? "" : ", all inputs for f16/bf16")")
        let header = ["entry", "format", "inputs", "f max ULP", "f′ max ULP", "bound f/f′", "worst input (f′ if worse)", "result"]
        var rows: [[String]] = []
        var failed = false
        for activation in activations {
            let function = try ActivationFunction(activation)
            let kernel = Gate.kernel(for: function)
            for format in formats {
                let rounding = try result.resolve(input: format)
        try Gate.checkKernelScale(rounding)
                let inputs = Gate.inputs(function, format, count: count, seed: seed, exhaustiveSmall: !sampleSmall, result: rounding)
                var results: [ValidationReport] = []
                let bounds = [false, true].map { KernelBounds.ulps(activation, input: format, output: rounding.format, derivative: $0) }
                for (quantity, bound) in zip([Quantity.value, .derivative], bounds) {
                    let actual = Gate.evaluateBuffer(kernel, quantity, inputs: inputs, format: format, to: rounding)
                    results.append(Gate.compare(function, quantity, format: format, to: rounding, inputs: inputs, results: actual, bound: bound))
                }
                let pass = results[0].pass && results[1].pass
                failed = failed || !pass
                let worstCase = (results[1].maxULP > results[0].maxULP ? results[1] : results[0]).worst.first
                let worst = worstCase.map { c in
                    "\(format.hexFloat(c.input)) (\(c.disagreement.rawValue)\(c.realULPs.map { String(format: ", %.3g ulp", $0) } ?? ""))"
                } ?? "—"
                rows.append([activation.name, rounding.description(from: format), String(inputs.count), Self.describe(results[0]),
                             Self.describe(results[1]), "\(bounds[0])/\(bounds[1])", worst, pass ? "pass" : "FAIL"])
            }
        }
        print(ReportRendering.table(header: header, rows: rows))
        if failed {
            print("FAILED: some kernels are beyond their declared bounds (replay: activation-oracle check --format \(format)\(result.replayArguments) --count \(count) --seed \(seed))")
            throw ExitCode(1)
        }
        print("all kernels within their declared bounds")
    }

    static func describe(_ c: ValidationReport) -> String {
        let classes = Disagreement.allCases.compactMap { k in c.classes[k].map { "\(k.rawValue) \($0)" } }
        let m = String(c.maxULP)
        return classes.isEmpty ? m : m + " (" + classes.joined(separator: ", ") + ")"
    }
}
