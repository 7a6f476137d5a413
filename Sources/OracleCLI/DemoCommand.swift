import ActivationCatalog
import ActivationOracle
import ArgumentParser
import Foundation

/// The main job until the kernels exist: the catalog and correctly rounded values and derivatives
/// at the inputs where common formulas go wrong.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "The catalog, then correctly rounded f and f′ at telling inputs (tails, subnormals, kinks, ±inf, NaN).")

    @Option(help: "Number format: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1 (or ml_dtypes' names).")
    var format: FloatFormat = .f32

    static let inputs = ["-inf", "-100", "-20", "-5", "-1", "-0", "0", "1e-40", "1", "3", "20", "100", "inf", "nan"]

    func run() throws {
        print("activation-oracle: \(Activation.allCases.count) activations, correctly rounded in \(format)\n")
        for activation in Activation.allCases {
            let entry = activation.entry
            let params = entry.parameters.map { "\($0.name)=\($0.defaultValue)" }.joined(separator: ", ")
            print("  \(activation.name.padding(toLength: 17, withPad: " ", startingAt: 0)) \(entry.definition)" +
                  (params.isEmpty ? "" : "   [\(params)]"))
        }
        let width = 13
        print("\nf(x) and f′(x) (PyTorch convention at kinks), \(format):")
        // Formats without infinity or NaN show their largest finite and skip NaN.
        let bits = Self.inputs.compactMap { text -> UInt64? in
            switch text {
            case "inf": return format.hasInfinity ? format.infinity(negative: false) : format.largestFinite
            case "-inf": return format.hasInfinity ? format.infinity(negative: true) : format.largestFinite | format.signMask
            case "nan": return format.hasNaN ? format.quietNaN : nil
            default: return format.rounding(try! ExactNumber(parsing: text), overflow: .saturate)
            }
        }
        print("x".padding(toLength: 20, withPad: " ", startingAt: 0) +
              bits.map { format.compactDecimal($0).leftPadded(width) }.joined())
        for activation in Activation.allCases {
            let f = try ActivationFunction(activation)
            for quantity in [Quantity.value, .derivative] {
                let label = quantity == .value ? activation.name : "  ′"
                let cells = bits.map { x in
                    format.compactDecimal(f.evaluate(quantity, bits: x, format: format)).leftPadded(width)
                }
                print(label.padding(toLength: 20, withPad: " ", startingAt: 0) + cells.joined())
            }
        }
        print("\n1e-40 is subnormal in f32; every value above is the exact result rounded once (nearest-even).")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}

extension FloatFormat {
    /// Up to 6 significant digits, for tables.
    func compactDecimal(_ bits: UInt64) -> String {
        if isNaN(bits) { return "nan" }
        if isInfinite(bits) { return isNegative(bits) ? "-inf" : "inf" }
        let v = doubleValue(bits)
        if v == 0 { return isNegative(bits) ? "-0" : "0" }
        let text = String(format: "%.6g", v)
        return text
    }
}
