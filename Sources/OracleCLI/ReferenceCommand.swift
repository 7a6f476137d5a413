import ActivationCatalog
import ActivationIO
import ActivationOracle
import ArgumentParser
import ActivationVerification

struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Correctly rounded values (or derivatives) for the inputs in a file.",
        discussion: "Streams: memory stays bounded for any file size. On error nothing is written to --output.")

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format of the inputs: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1 (or ml_dtypes' names).")
    var format: FloatFormat

    @OptionGroup var result: ResultOptions

    @OptionGroup var io: IOOptions

    func run() throws {
        if let (g, quantity) = try function.resolveGated() {
            guard !result.isGiven else { throw InputError("\(g.unit): --output-format, --overflow and --scale are for one-input entries") }
            try GatedGate.checkFormat(format, g.unit)
            try io.stream(format: format, to: .plain(format), arity: 2) { pairs in
                GatedGate.oracle(g, quantity, stride(from: 0, to: pairs.count, by: 2).map { (a: pairs[$0], b: pairs[$0 + 1]) }, format)
            }
            return
        }
        let (f, quantity) = try function.resolve()
        let rounding = try result.resolve(input: format)
        try io.stream(format: format, to: rounding) { Gate.oracle(f, quantity, $0, format, to: rounding) }
    }
}
