import ActivationCatalog
import ActivationOracle
import ArgumentParser
import ActivationVerification

struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Correctly rounded values (or derivatives) for the inputs in a file.",
        discussion: "Streams: memory stays bounded for any file size. On error nothing is written to --output.")

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32 or f64.")
    var format: FloatFormat

    @OptionGroup var io: IOOptions

    func run() throws {
        let (f, quantity) = try function.resolve()
        try io.stream(format: format) { Gate.oracle(f, quantity, $0, format) }
    }
}
