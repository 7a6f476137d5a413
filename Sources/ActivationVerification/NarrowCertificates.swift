import ActivationCatalog
import ActivationKernels
import ActivationOracle

/// The built-in kernels' narrow outputs against the oracle on every input where that is small:
/// each 8-bit and smaller format into itself, and every bfloat16 input into each 8-bit format —
/// value and derivative, default parameters, the format's default overflow, no scale. The page
/// `Reference/narrow-certificates.md` is this table (made by `activation-oracle docs`).
public enum NarrowCertificates {
    public struct Row: Sendable {
        public let activation: Activation
        public let quantity: Quantity
        public let input: FloatFormat
        public let output: FloatFormat
        /// The comparison (`Gate.compare`, within the declared bound): inputs checked — NaN inputs
        /// into a format without NaN are left out, no result exists for them — its disagreements
        /// (`classes`), `maxULP`, `worst` and `pass`.
        public let report: ValidationReport
        public var mismatches: Int { report.classes.values.reduce(0, +) }
    }

    /// The (input, output) pairs certified.
    public static let pairs: [(FloatFormat, FloatFormat)] =
        FloatFormat.narrow.map { ($0, $0) } + FloatFormat.narrow.filter { $0.bitWidth == 8 }.map { (.bf16, $0) }

    /// Every row for one entry.
    public static func rows(_ activation: Activation) throws -> [Row] {
        let f = try ActivationFunction(activation)
        let kernel = Gate.kernel(for: f)
        var rows: [Row] = []
        for (input, output) in pairs {
            let result = ResultRounding.plain(output)
            let all = Inputs.all(input).filter { output.hasNaN || !input.isNaN($0) }
            for quantity in [Quantity.value, .derivative] {
                let actual = Gate.evaluateBuffer(kernel, quantity, inputs: all, format: input, to: result)
                let bound = KernelBounds.ulps(activation, input: input, output: output, derivative: quantity == .derivative)
                rows.append(Row(activation: activation, quantity: quantity, input: input, output: output,
                                report: Gate.compare(f, quantity, format: input, to: result, inputs: all, results: actual, bound: bound)))
            }
        }
        return rows
    }
}
