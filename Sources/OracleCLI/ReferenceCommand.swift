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
        let (f, quantity) = try function.resolve()
        let rounding = try result.resolve(input: format)
        try io.stream(format: format, output: rounding.format, check: { try Self.refuseNaN($0, $1, format, rounding.format) }) {
            Gate.oracle(f, quantity, $0, format, to: rounding)
        }
    }

    /// A NaN input has no result in a format without NaN (e2m3, e3m2, e2m1).
    static func refuseNaN(_ inputs: [UInt64], _ offset: Int, _ format: FloatFormat, _ output: FloatFormat) throws {
        guard !output.hasNaN, let i = inputs.firstIndex(where: format.isNaN) else { return }
        throw InputError("input value \(offset + i + 1) (counting from 1) is NaN, and \(output) has no NaN to give for it")
    }
}
