import ActivationCatalog
import ActivationIO
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// `activation-oracle`: the root command. One file per subcommand.
public struct ActivationOracleCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "activation-oracle",
        abstract: "Correctly rounded activation functions and their derivatives, as a reference.",
        discussion: "Exit codes: 0 success, 1 a check failed, 2 bad input (usage, file, value, parameter).",
        version: ActivationOracleCommand.version,
        subcommands: [CheckCommand.self, VerifyCommand.self, VectorsCommand.self, ExhaustiveCommand.self, DocsCommand.self, ServeCommand.self, EngineCommand.self, ListCommand.self, ReferenceCommand.self,
                      ApplyCommand.self, BenchCommand.self, DemoCommand.self]
    )
    /// Printed by --version and written into every report and manifest.
    public static let version = activationOracleVersion
    public init() {}
}

/// Runs the tool: every error becomes one line on stderr; usage and input errors exit with 2.
public enum CLI {
    public static func main(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try ActivationOracleCommand.parseAsRoot(arguments)
            try command.run()
            // What was printed must have reached stdout (a full disk or /dev/full is an error).
            if fflush(nil) != 0 { fail("cannot write to standard output (\(String(cString: strerror(errno))))") }
            exit(0)
        } catch let error as InputError {
            fail(error.description)
        } catch let error as ImplementationError {
            fail(error.description)
        } catch let error as OracleError {
            fail(error.description)
        } catch let error as ExactNumber.ParseError {
            fail(error.description)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch let error as CocoaError {
            fail(OutputFiles.reason(error))
        } catch {
            if ActivationOracleCommand.exitCode(for: error) == .success {
                print(ActivationOracleCommand.fullMessage(for: error))
                exit(0)
            }
            // One line: a list of allowed values ("- f16" lines) joins the first line.
            let lines = ActivationOracleCommand.message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            let choices = lines.dropFirst().prefix { $0.hasPrefix("- ") }.map { $0.dropFirst(2) }
            let message = (lines.first.map { choices.isEmpty ? $0 : $0 + " " + choices.joined(separator: ", ") }) ?? "\(error)"
            fail(message + " (see activation-oracle --help)")
        }
    }

    static func fail(_ message: String) -> Never {
        var text = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        if text.lowercased().hasPrefix("error: ") { text.removeFirst(7) }
        Console.error("activation-oracle: error: \(text)\n")
        exit(2)
    }
}

/// Every format by its name or ml_dtypes' (`float8_e4m3fn`).
extension FloatFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(named: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
extension FloatFormat.Overflow: ExpressibleByArgument {}
extension KinkConvention: ExpressibleByArgument {}

/// Which function, parameters, quantity and kink convention: shared by every subcommand that
/// evaluates something.
struct FunctionOptions: ParsableArguments {
    @Argument(help: "Activation name or alias (see `activation-oracle list`).")
    var function: String

    @Option(name: .customLong("param"),
            help: "name=value; exact (0.01 is 1/100), or 1/6, 0x1.8p-3, f32:0.01 (the float32 nearest 0.01). Repeatable.")
    var params: [String] = []

    @Flag(help: "The derivative with respect to x instead of the value (the same as --order 1).")
    var derivative = false

    @Option(help: "Which derivative with respect to x: 0 (the value), 1 (as --derivative) or 2 (f″: what double backward computes).")
    var order: Int?

    @Option(help: "The derivative with respect to this parameter instead (prelu: alpha).")
    var wrt: String?

    @Option(help: "Derivative at kinks: pytorch, jax, tensorflow, left or right.")
    var convention: KinkConvention = .pytorch

    func resolve() throws -> (ActivationFunction, Quantity) {
        if GatedUnit(named: function) != nil {
            throw InputError("\(function) is a gated unit (two inputs): this command takes one-input entries; `reference` and `verify` take gated units")
        }
        return try FunctionSpec.resolve(function, parameters: try pairs(), convention: convention, derivative: derivative, order: order, wrt: wrt)
    }

    /// The gated unit named, with its quantity, or nil for a one-input entry.
    func resolveGated() throws -> (GatedFunction, GatedQuantity)? {
        try FunctionSpec.resolveGated(function, parameters: try pairs(), convention: convention, derivative: derivative, order: order, wrt: wrt)
    }

    private func pairs() throws -> [(name: String, value: String)] {
        try params.map { assignment -> (name: String, value: String) in
            guard let eq = assignment.firstIndex(of: "=") else {
                throw InputError("--param expects name=value, got '\(assignment)'")
            }
            return (String(assignment[..<eq]), String(assignment[assignment.index(after: eq)...]))
        }
    }
}

/// Where results go when not simply into the input's format: another format, an overflow rule,
/// an exact scale. Shared by the commands that produce or judge results.
struct ResultOptions: ParsableArguments {
    @Option(name: .customLong("output-format"), help: "Format of the results (default: --format's). bf16 in, e4m3fn out: RN_e4m3fn(s·f(x)) with one rounding.")
    var outputFormat: FloatFormat?

    @Option(help: "What a finite result beyond the output's largest finite becomes: nan, saturate or inf (default: ml_dtypes' choice per format; PyTorch's float8 casts saturate).")
    var overflow: FloatFormat.Overflow?

    @Option(help: "Exact positive factor s applied before the rounding: the result is RN(s·f(x)) (1/16, 0x1p-4, f32:0.3).")
    var scale: String?

    /// The options as given, to replay a run (` --output-format e4m3fn --scale 1/16`).
    /// Whether any of the three was given.
    var isGiven: Bool { outputFormat != nil || overflow != nil || scale != nil }

    var replayArguments: String {
        [outputFormat.map { " --output-format \($0)" }, overflow.map { " --overflow \($0.rawValue)" }, scale.map { " --scale=\($0)" }]
            .compactMap { $0 }.joined()
    }

    /// The rounding asked for, or an `InputError`: no such overflow in that format (inf in
    /// e4m3fn), a scale that is not a positive exact number.
    func resolve(input: FloatFormat) throws -> ResultRounding {
        try Self.rounding(input: input, output: outputFormat, overflow: overflow, scale: scale)
    }

    static func rounding(input: FloatFormat, output outputFormat: FloatFormat?, overflow: FloatFormat.Overflow?,
                         scale: String?) throws -> ResultRounding {
        let number: ExactNumber?
        if let scale {
            do { number = try ExactNumber(parsing: scale) } catch let error as ExactNumber.ParseError {
                throw InputError("--scale: \(error)")
            }
        } else {
            number = nil
        }
        do { return try ResultRounding(outputFormat ?? input, overflow: overflow, scale: number) } catch let error as OracleError {
            throw InputError(error.description)
        }
    }
}

/// Files in and out.
struct IOOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Input: .npy (<f2/<f4/<f8, or <u2/<u4/<u8 bit patterns; bf16 as <u2 or ml_dtypes' <V2; the narrow formats as |u1 or ml_dtypes' <V1) or text, one value per line. Default: stdin.")
    var input: String?

    @Option(name: .shortAndLong, help: "Output in the input's form (npy dtype, or text). Default: stdout.")
    var output: String?

    @Flag(help: "Text holds bit patterns (0x3fc00000) instead of decimal or hex-float values.")
    var bits = false

    /// Reads the input in chunks, maps each chunk of bit patterns, writes the results in the
    /// input's form (in `result`'s format: its float dtype when the input had one, else its bit
    /// patterns); the output file appears only when everything succeeded. A NaN input with an
    /// output format without NaN is refused (`refuseNaN`: one line, nothing written).
    /// `arity` 2: the inputs are a gated unit's pairs (a `.npy` trailing axis of 2, text `a b`
    /// lines), handed to `transform` flattened (a, b, a, b, …); one result per pair, the output's
    /// shape without that axis.
    func stream(format: FloatFormat, to result: ResultRounding, arity: Int = 1, chunk: Int = 1 << 15,
                _ transform: ([UInt64]) -> [UInt64]) throws {
        let files = OutputFiles()
        if let output, output != "-" { _ = try OutputFiles.target(output, option: "--output") }
        let reader = try NumericReader(path: input, format: format, textBits: bits)
        try reader.expectRecords(of: arity)
        let outFormat = result.format
        var encoding = reader.encoding.converted(from: format, to: outFormat)
        if arity > 1, case .npy(let descr, let shape) = encoding { encoding = .npy(descr: descr, shape: Array(shape.dropLast())) }
        let writer = try NumericWriter(path: output, files: files, format: outFormat, encoding: encoding)
        var seen = 0
        while true {
            let inputs = try reader.next(maximum: chunk)
            if inputs.isEmpty { break }
            try refuseNaN(inputs, seen, format, outFormat)
            seen += inputs.count
            try writer.write(transform(inputs))
        }
        try writer.finish()
        try files.commit()
    }
}

/// A NaN input has no result in a format without NaN (e2m3, e3m2, e2m1): one line naming it
/// (`offset`: how many inputs came before these).
func refuseNaN(_ inputs: [UInt64], _ offset: Int, _ format: FloatFormat, _ output: FloatFormat) throws {
    guard !output.hasNaN, let i = inputs.firstIndex(where: format.isNaN) else { return }
    throw InputError("input value \(offset + i + 1) (counting from 1) is NaN, and \(output) has no NaN to give for it")
}

/// The most inputs a `--count` may ask for: beyond it the arrays alone would not fit in memory.
let maximumCount = 100_000_000

/// `--count` within `minimum...maximumCount`, or one line and exit 2.
func checkCount(_ count: Int, minimum: Int, option: String = "--count") throws {
    guard count >= minimum, count <= maximumCount else {
        throw InputError("\(option) must be from \(minimum) to \(maximumCount), got \(count)")
    }
}

/// A comma-separated list of formats, each known, none empty.
func parseFormats(_ text: String) throws -> [FloatFormat] {
    let names = text.split(separator: ",", omittingEmptySubsequences: false)
    var seen: Set<FloatFormat> = []
    return try names.map { name -> FloatFormat in
        guard let f = FloatFormat(argument: String(name).trimmingCharacters(in: .whitespaces)) else {
            throw InputError("--format: unknown format '\(name)' in '\(text)' (\(FloatFormat.allValueStrings.joined(separator: ", ")), comma-separated)")
        }
        guard seen.insert(f).inserted else { throw InputError("--format: \(f) given twice in '\(text)'") }
        return f
    }
}
