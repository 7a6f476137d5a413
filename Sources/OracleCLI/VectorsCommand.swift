import ActivationCatalog
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// Test vectors for another implementation: the gate's own inputs and their correctly rounded
/// results, with a manifest, so a framework user can run their function and come back with `verify`.
struct VectorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vectors",
        abstract: "Write inputs.npy, expected.npy and manifest.json for checking another implementation.",
        discussion: """
        Inputs: specials (signed zeros, infinities, NaNs with payloads, subnormal and normal \
        extremes), every kink with 4 neighbours each side, the oracle's saturation, underflow, \
        subnormal and overflow thresholds with neighbours, and --count random inputs (uniform bit \
        patterns, uniform in [-20, 20], log-uniform magnitudes) from --seed. Run your function on \
        inputs.npy, save its results with numpy.save, then: activation-oracle verify ... \
        --input DIR/inputs.npy --actual RESULTS.npy
        """)

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16 (stored as <u2 bit patterns), f32 or f64.")
    var format: FloatFormat

    @Option(help: "Random inputs besides the specials, kinks and thresholds.")
    var count: Int = 10_000

    @Option(help: "Seed of the random inputs.")
    var seed: UInt64 = 20_261_123

    @Option(name: .shortAndLong, help: "Directory to write into (created if missing).")
    var output: String

    func run() throws {
        let (f, quantity) = try function.resolve()
        guard count >= 0 else { throw InputError("--count must be ≥ 0") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw InputError("\(output): exists and is not a directory")
        }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw InputError("\(output): cannot create directory")
        }
        let parts: [(String, [UInt64])] = [
            ("specials", Inputs.specials(format)), ("kinks", Inputs.kinks(f, format)),
            ("thresholds", Thresholds.inputs(f, format)), ("random", Inputs.random(format, count: count, seed: seed)),
        ]
        let inputs = parts.flatMap(\.1)
        let expected = Gate.oracle(f, quantity, inputs, format)
        let descr = format.numpyFloatDescr ?? format.numpyBitsDescr
        let encoding = NumericEncoding.npy(descr: descr, shape: [inputs.count])
        for (name, values) in [("inputs.npy", inputs), ("expected.npy", expected)] {
            let writer = try NumericWriter(path: (output as NSString).appendingPathComponent(name), format: format, encoding: encoding)
            try writer.write(values)
            try writer.finish()
        }
        var parameters: [String: String] = [:]
        for p in f.parameterTexts { parameters[p.name] = p.value }
        let manifest: [String: Any] = [
            "tool": "activation-oracle", "version": ActivationOracleCommand.version,
            "function": f.activation.name, "parameters": parameters, "convention": f.convention.rawValue,
            "quantity": quantity.description, "derivative": quantity == .derivative,
            "format": format.rawValue, "dtype": descr, "count": inputs.count, "seed": seed,
            "generators": parts.map { ["name": $0.0, "count": $0.1.count] },
            "files": ["inputs": "inputs.npy", "expected": "expected.npy"],
            "verify": "activation-oracle verify \(f.activation.name) \(f.parameterTexts.filter { (try? ExactNumber(parsing: $0.value)) != nil }.map { "--param \($0.name)=\($0.value) " }.joined())\(quantity == .derivative ? "--derivative " : "")--format \(format) --input inputs.npy --actual RESULTS.npy",
        ]
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: (output as NSString).appendingPathComponent("manifest.json")))
        print("wrote \(inputs.count) inputs (\(parts.map { "\($0.0) \($0.1.count)" }.joined(separator: ", "))) to \(output)")
    }
}
