import ActivationCatalog
import ActivationIO
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

        A gated unit (glu, reglu, geglu, geglu-tanh, swiglu; --wrt a or b for a partial \
        derivative): inputs.npy holds pairs, shape [count, 2] (a, b), from every edge input of a \
        with every edge value of b (0, ±inf, NaN, subnormals, largest) and --count random pairs; \
        expected.npy one result per pair.
        """)

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1 (or ml_dtypes' names); bf16 stored as <u2 bit patterns, the narrow formats as |u1.")
    var format: FloatFormat

    @Option(help: "Random inputs besides the specials, kinks and thresholds.")
    var count: Int = 10_000

    @Option(help: "Seed of the random inputs.")
    var seed: UInt64 = 20_261_123

    @Option(name: .shortAndLong, help: "Directory to write into (created if missing).")
    var output: String

    @OptionGroup var result: ResultOptions

    func run() throws {
        let write: (OutputFiles) throws -> String
        if let (g, quantity) = try function.resolveGated() {
            guard !result.isGiven else { throw InputError("\(g.unit): --output-format, --overflow and --scale are for one-input entries") }
            try GatedGate.checkFormat(format, g.unit)
            try checkCount(count, minimum: 0)
            write = { try writeGated(g, quantity, into: $0) }
        } else {
            let (f, quantity) = try function.resolve()
            try checkCount(count, minimum: 0)
            let rounding = try result.resolve(input: format)
            write = { try self.write(f, quantity, rounding, into: $0) }
        }
        // The directory: an existing one, or one made here (and removed again if the run fails).
        guard !output.isEmpty else { throw InputError("--output: empty path") }
        var isDirectory: ObjCBool = false
        var made: [String] = []
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw InputError("--output \(output): exists and is not a directory") }
        } else {
            // The missing directories, outermost first; each made here is removed again on failure.
            var missing: [String] = [], path = output
            while !path.isEmpty && !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                missing.insert(path, at: 0)
                path = Path.parent(path)
            }
            guard path.isEmpty || isDirectory.boolValue else { throw InputError("--output \(output): \(path) is not a directory") }
            for directory in missing {
                guard mkdir(directory, 0o777) == 0 else {
                    let reason = String(cString: strerror(errno))
                    for d in made.reversed() { rmdir(d) }
                    throw InputError("--output \(output): cannot create directory \(directory) (\(reason))")
                }
                made.append(directory)
            }
        }
        let files = OutputFiles()
        do {
            let summary = try write(files)
            try files.commit()
            print(summary)
        } catch {
            files.discard()
            for d in made.reversed() { rmdir(d) } // only the empty directories this run made
            throw error
        }
    }

    private func path(_ name: String) -> String { Path.join(output, name) }

    /// The three files' targets, checked before the oracle's work.
    private func checkTargets() throws {
        for name in ["inputs.npy", "expected.npy", "manifest.json"] { _ = try OutputFiles.target(path(name), option: "--output") }
    }

    private static func descr(_ format: FloatFormat) -> String { format.numpyFloatDescr ?? format.numpyBitsDescr }

    /// inputs.npy (in `format`, of `shape`), expected.npy (one result per input row, in
    /// `resultFormat`) and manifest.json.
    private func writeFiles(_ files: OutputFiles, inputs: [UInt64], shape: [Int], expected: [UInt64], resultFormat: FloatFormat,
                            manifest: [String: Any]) throws {
        for (name, values, fmt, shape) in [("inputs.npy", inputs, format, shape), ("expected.npy", expected, resultFormat, [expected.count])] {
            let writer = try NumericWriter(path: path(name), files: files, format: fmt, encoding: .npy(descr: Self.descr(fmt), shape: shape))
            try writer.write(values)
            try writer.finish()
        }
        let data = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try files.write(data, to: path("manifest.json"), option: "--output")
    }

    private func write(_ f: ActivationFunction, _ quantity: Quantity, _ rounding: ResultRounding, into files: OutputFiles) throws -> String {
        try checkTargets()
        // NaN inputs have no result in an output format without NaN: left out.
        let keep = { (x: UInt64) in rounding.format.hasNaN || !format.isNaN(x) }
        let parts: [(String, [UInt64])] = [
            ("specials", Inputs.specials(format).filter(keep)), ("kinks", Inputs.kinks(f, format).filter(keep)),
            ("thresholds", Thresholds.inputs(f, format).filter(keep)), ("random", Inputs.random(format, count: count, seed: seed)),
        ]
        let inputs = parts.flatMap(\.1)
        let expected = Gate.oracle(f, quantity, inputs, format, to: rounding)
        let descr = Self.descr(format), outDescr = Self.descr(rounding.format)
        var parameters: [String: String] = [:]
        for p in f.parameterTexts { parameters[p.name] = p.value }
        let manifest: [String: Any] = [
            "tool": "activation-oracle", "version": ActivationOracleCommand.version,
            "function": f.activation.name, "parameters": parameters, "convention": f.convention.rawValue,
            "quantity": quantity.description, "derivative": quantity == .derivative, "order": quantity.order ?? 1,
            "format": format.rawValue, "dtype": descr, "count": inputs.count, "seed": seed,
            "output_format": rounding.format.rawValue, "output_dtype": outDescr, "overflow": rounding.overflow.rawValue,
            "scale": rounding.scale?.text ?? "1",
            "generators": parts.map { ["name": $0.0, "count": $0.1.count] },
            "files": ["inputs": "inputs.npy", "expected": "expected.npy"],
            "verify": "activation-oracle verify \(f.activation.name) \(f.parameterTexts.filter { (try? ExactNumber(parsing: $0.value)) != nil }.map { "--param \($0.name)=\($0.value) " }.joined())\(FunctionSpec.arguments(for: quantity))\(f.convention == .pytorch ? "" : "--convention \(f.convention) ")--format \(format)\(result.replayArguments) --input inputs.npy --actual RESULTS.npy",
        ]
        try writeFiles(files, inputs: inputs, shape: [inputs.count], expected: expected, resultFormat: rounding.format, manifest: manifest)
        return ("wrote \(inputs.count) inputs (\(parts.map { "\($0.0) \($0.1.count)" }.joined(separator: ", "))) to \(output)")
    }

    /// A gated unit's vectors: inputs.npy holds the pairs with a trailing axis of 2 (`[n, 2]`, a
    /// then b — what `verify` and `reference` read), expected.npy one result per pair.
    private func writeGated(_ g: GatedFunction, _ quantity: GatedQuantity, into files: OutputFiles) throws -> String {
        try checkTargets()
        let pairs = GatedGate.pairs(g, format, count: count, seed: seed)
        let edges = pairs.count - count
        let expected = GatedGate.oracle(g, quantity, pairs, format)
        let descr = Self.descr(format)
        let wrt = quantity == .value ? "" : "--wrt \(quantity == .partialA ? "a" : "b") "
        let manifest: [String: Any] = [
            "tool": "activation-oracle", "version": ActivationOracleCommand.version,
            "function": g.unit.name, "gate": g.unit.entry.gate.name, "definition": g.unit.entry.definition,
            "quantity": quantity.rawValue, "format": format.rawValue, "dtype": descr, "count": pairs.count, "seed": seed,
            "layout": "inputs.npy has shape [count, 2]: column 0 is a, column 1 is b; expected.npy has shape [count]",
            "generators": [["name": "edge pairs (every edge input of a with every edge value of b)", "count": edges], ["name": "random", "count": count]],
            "files": ["inputs": "inputs.npy", "expected": "expected.npy"],
            "verify": "activation-oracle verify \(g.unit.name) \(wrt)--format \(format) --input inputs.npy --actual RESULTS.npy",
        ]
        try writeFiles(files, inputs: pairs.flatMap { [$0.a, $0.b] }, shape: [pairs.count, 2], expected: expected, resultFormat: format, manifest: manifest)
        return "wrote \(pairs.count) pairs (edge pairs \(edges), random \(count)) to \(output)"
    }
}
