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

    @Option(help: "Number format: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1 (or ml_dtypes' names).")
    var format: FloatFormat

    @OptionGroup var result: ResultOptions

    @OptionGroup var io: IOOptions

    func run() throws {
        let (f, quantity) = try function.resolve()
        try Gate.checkKernelQuantity(quantity)
        try Gate.checkKernelParameters(f)
        let kernel = Gate.kernel(for: f)
        let rounding = try result.resolve(input: format)
        try Gate.checkKernelScale(rounding)
        try io.stream(format: format, to: rounding) { Gate.evaluateBuffer(kernel, quantity, inputs: $0, format: format, to: rounding) }
    }
}
