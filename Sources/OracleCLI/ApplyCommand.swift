import ActivationCatalog
import ActivationKernels
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// Runs a built-in kernel over a file, in the same file forms as `reference`, so the kernels can be
/// compared with any other tool.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "The built-in kernel's values (or derivatives) for the inputs in a file.",
        discussion: "Same inputs, outputs and errors as `reference`; the kernel uses the exact parameters rounded to Double.")

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32 or f64.")
    var format: FloatFormat

    @OptionGroup var io: IOOptions

    func run() throws {
        let (f, quantity) = try function.resolve()
        try Gate.checkKernelParameters(f)
        let kernel = Gate.kernel(for: f)
        try io.stream(format: format) { Gate.evaluateBuffer(kernel, quantity, inputs: $0, format: format) }
    }
}
