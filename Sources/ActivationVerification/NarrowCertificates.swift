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
        /// Inputs checked (NaN inputs into a format without NaN are left out: no result exists).
        public let inputs: Int
        public let mismatches: Int
        public let maxULP: UInt64
        /// The first input (in pattern order) whose kernel result differs, if any.
        public let firstMismatch: UInt64?
        public let bound: UInt64
        public var passed: Bool { maxULP <= bound && (bound > 0 || mismatches == 0) }
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
            let all = (0..<(UInt64(1) << UInt64(input.bitWidth))).filter { !(input.isNaN($0) && !output.hasNaN) }
            let result = ResultRounding.plain(output)
            for quantity in [Quantity.value, .derivative] {
                let expected = Gate.oracle(f, quantity, all, input, to: result)
                var mismatches = 0, maxULP: UInt64 = 0, first: UInt64?
                for (i, x) in all.enumerated() {
                    let got = Gate.evaluate(kernel, quantity, bits: x, format: input, to: result)
                    guard Disagreement.classify(expected: expected[i], actual: got, format: output) != nil else { continue }
                    mismatches += 1
                    if first == nil { first = x }
                    maxULP = max(maxULP, ULP.distance(got, expected[i], format: output))
                }
                rows.append(Row(activation: activation, quantity: quantity, input: input, output: output, inputs: all.count,
                                mismatches: mismatches, maxULP: maxULP, firstMismatch: first,
                                bound: KernelBounds.ulps(activation, input: input, output: output, derivative: quantity == .derivative)))
            }
        }
        return rows
    }
}
