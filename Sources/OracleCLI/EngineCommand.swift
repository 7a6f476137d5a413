import ActivationCatalog
import ActivationIO
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// The Python package's oracle: one long-lived child per Python process, framed requests on
/// stdin and answers on stdout (`Frames`). Each request is a JSON object with an `op`; a request
/// that cannot be answered gets `{"error": "<one sentence>"}` and the engine stays up. A broken
/// frame ends it (exit 2, one line on stderr). Python/PROTOCOL.md lists the operations.
struct EngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Serve the Python package (binary frames on stdin/stdout; see Python/PROTOCOL.md).",
        discussion: "Not for people: `import activation_oracle` starts it. Exit 0 when stdin ends between frames, 2 on a broken frame.")

    /// One request; which fields matter depends on `op`.
    struct Request: Decodable {
        var op: String
        var function: String?
        var format: String?
        var derivative: Bool?
        /// 0, 1 or 2: the derivative's order with respect to x (`derivative` is order 1).
        var order: Int?
        /// Gated units: "a" or "b" (∂f/∂a, ∂f/∂b); absent for the value.
        var wrt: String?
        var params: [String: String]?
        var convention: String?
        var max_ulp: UInt64?
        var allow_ftz: Bool?
        var ignore_zero_sign: Bool?
        var allow_position_dependence: Bool?
        var also_accept: [String]?
        var count: Int?
        var seed: UInt64?
        var parts: Int?
        var worst: Int?
        var source: String?
        var message: String?
        /// `reference` only: where results go (another format, overflow rule, exact scale).
        var output_format: String?
        var overflow: String?
        var scale: String?
    }

    /// Python's side of a `check` stopped it (its callable raised or answered wrongly).
    struct Aborted: Error { let message: String }

    func run() throws {
        while true {
            let frame: (json: Data, payload: [UInt8])?
            do { frame = try Frames.read() } catch let error as Frames.Malformed { throw InputError("engine: \(error)") }
            guard let frame else { return }
            let request: Request
            do { request = try JSONDecoder().decode(Request.self, from: frame.json) } catch {
                // "unparsed": the engine cannot know how many frames belong to this request (a
                // compare's parts), so the client must not count on the exchange being in step.
                try reply(["error": "engine: a request that is not a protocol JSON object (\(Self.reason(error)))", "unparsed": true])
                continue
            }
            do {
                try handle(request, frame.payload)
            } catch let error as InputError {
                try reply(["error": error.description])
            } catch let error as OracleError {
                try reply(["error": error.description])
            } catch let error as ImplementationError {
                try reply(["error": "the callable \(error.description)"])
            } catch let error as Aborted {
                try reply(["error": error.message, "aborted": true])
            }
        }
    }

    static func reason(_ error: Error) -> String {
        if case DecodingError.typeMismatch(_, let context) = error { return context.codingPath.map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription }
        if case DecodingError.keyNotFound(let key, _) = error { return "no '\(key.stringValue)'" }
        return "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
    }

    func reply(_ object: [String: Any], payload: [UInt8] = []) throws {
        let json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        guard Frames.write(json: json, payload: payload) else { throw InputError("engine: cannot write to stdout (the Python side is gone)") }
    }

    func resolve(_ r: Request) throws -> (ActivationFunction, Quantity, FloatFormat) {
        guard let name = r.function else { throw InputError("no function named") }
        guard let formatName = r.format, let format = FloatFormat(argument: formatName) else {
            throw InputError("unknown format '\(r.format ?? "")' (\(FloatFormat.allValueStrings.joined(separator: ", ")))")
        }
        let convention = try r.convention.map(FunctionSpec.convention(named:)) ?? .pytorch
        let params = (r.params ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        let (f, quantity) = try FunctionSpec.resolve(name, parameters: params, convention: convention, derivative: r.derivative ?? false, order: r.order)
        return (f, quantity, format)
    }

    /// The request's output format, overflow rule and scale, as `reference --output-format
    /// --overflow --scale` reads them.
    func resultRounding(_ r: Request, input: FloatFormat) throws -> ResultRounding {
        var output: FloatFormat?, overflow: FloatFormat.Overflow?
        if let name = r.output_format {
            guard let format = FloatFormat(argument: name) else {
                throw InputError("unknown output format '\(name.prefix(40))' (\(FloatFormat.allValueStrings.joined(separator: ", ")))")
            }
            output = format
        }
        if let name = r.overflow {
            guard let rule = FloatFormat.Overflow(rawValue: name) else {
                throw InputError("unknown overflow '\(name.prefix(40))' (nan, saturate, inf)")
            }
            overflow = rule
        }
        return try ResultOptions.rounding(input: input, output: output, overflow: overflow, scale: r.scale)
    }

    func allowances(_ r: Request, _ f: ActivationFunction, _ quantity: Quantity) throws -> Allowances {
        let others = try (r.also_accept ?? []).map { try f.with(convention: try FunctionSpec.convention(named: $0), for: quantity) }
        return Allowances(maxULP: r.max_ulp ?? 0, allowFTZ: r.allow_ftz ?? false, ignoreZeroSign: r.ignore_zero_sign ?? false,
                          kinkConventions: others, allowPositionDependence: r.allow_position_dependence ?? false)
    }

    func patterns(_ payload: [UInt8], _ format: FloatFormat) throws -> [UInt64] {
        guard let p = Frames.patterns(payload, width: format.byteWidth) else {
            throw InputError("a payload of \(payload.count) bytes is not a whole number of \(format) values")
        }
        if format.bitWidth < 8 * format.byteWidth, let i = p.firstIndex(where: { $0 & ~format.allBitsMask != 0 }) {
            throw InputError("element \(i) is 0x\(String(p[i], radix: 16)), not a bit pattern of \(format) (\(format.bitWidth) bits)")
        }
        return p
    }

    func handle(_ r: Request, _ payload: [UInt8]) throws {
        switch r.op {
        case "hello":
            try reply(["version": activationOracleVersion, "protocol": 1])
        case "catalog":
            try reply(["functions": Activation.allCases.map(Self.describe),
                       "gated": GatedUnit.allCases.map { u in
                           ["name": u.name, "aliases": u.entry.aliases, "definition": u.entry.definition, "gate": u.entry.gate.name,
                            "d/da": u.entry.partialA, "d/db": u.entry.partialB] as [String: Any]
                       }])
        case "reference":
            let (f, quantity, format) = try resolve(r)
            let rounding = try resultRounding(r, input: format)
            let x = try patterns(payload, format)
            try refuseNaN(x, 0, format, rounding.format)
            try reply([:], payload: Frames.payload(Gate.oracle(f, quantity, x, format, to: rounding), width: rounding.format.byteWidth))
        case "inputs":
            let (f, _, format) = try resolve(r)
            let count = r.count ?? 10_000
            guard (0...maximumCount).contains(count) else { throw InputError("count must be from 0 to \(maximumCount), got \(count)") }
            let x = Gate.inputs(f, format, count: count, seed: r.seed ?? 0, exhaustiveSmall: true)
            try reply([:], payload: Frames.payload(x, width: format.byteWidth))
        case "compare":
            try compare(r)
        case "check":
            try check(r)
        case "gated", "gated_backward", "gated_compare":
            try gated(r, payload)
        default:
            throw InputError("engine: unknown op '\(r.op.prefix(40))'")
        }
    }

    /// `compare`: the request names the function and allowances (and where results go, as for
    /// `reference`); `parts` frames follow, each the inputs then the results (the same count of
    /// each; results in the output format's width). All parts are read even when the request is
    /// refused, so that the exchange stays in step.
    func compare(_ r: Request) throws {
        let parts = r.parts ?? 0
        var comparison: StreamComparison?
        var refusal: Error?
        do {
            guard (0...1 << 24).contains(parts) else { throw InputError("parts must be from 0 to 2^24, got \(parts)") }
            let (f, quantity, format) = try resolve(r)
            let worst = r.worst ?? 10
            guard (1...1_000).contains(worst) else { throw InputError("worst must be from 1 to 1000, got \(worst)") }
            comparison = StreamComparison(ValidationReport(function: f, quantity: quantity, format: format,
                                                           result: try resultRounding(r, input: format),
                                                           allowances: try allowances(r, f, quantity), keep: worst))
        } catch { refusal = error }
        for _ in 0..<max(0, min(parts, 1 << 24)) {
            guard let frame = try Frames.read() else { throw InputError("engine: the input ended inside a compare") }
            guard refusal == nil, let report = comparison?.report else { continue }
            do {
                let (win, wout) = (report.format.byteWidth, report.outputFormat.byteWidth)
                guard frame.payload.count % (win + wout) == 0 else {
                    throw InputError("a compare part of \(frame.payload.count) bytes is not inputs and results of one length")
                }
                let n = frame.payload.count / (win + wout)
                let inputs = try patterns(Array(frame.payload[..<(n * win)]), report.format)
                let results = try patterns(Array(frame.payload[(n * win)...]), report.outputFormat)
                try refuseNaN(inputs, comparison!.seen, report.format, report.outputFormat)
                comparison!.add(inputs: inputs, actual: results)
            } catch { refusal = error }
        }
        if let refusal { throw refusal }
        guard var report = comparison?.report else { throw InputError("engine: nothing to compare") }
        report.measureWorst()
        try reply(Self.rendered(report, source: r.source ?? "arrays", simplest: [:]))
    }

    /// `check`: the engine drives Python's callable as `verify --command` drives a subprocess:
    /// it sends `{"op": "evaluate"}` frames with inputs, Python answers `{"op": "results"}` with
    /// the results or `{"op": "abort", "message": …}`; then the report.
    func check(_ r: Request) throws {
        let (f, quantity, format) = try resolve(r)
        let count = r.count ?? 10_000
        guard (0...maximumCount).contains(count) else { throw InputError("count must be from 0 to \(maximumCount), got \(count)") }
        let worst = r.worst ?? 10
        guard (1...1_000).contains(worst) else { throw InputError("worst must be from 1 to 1000, got \(worst)") }
        let rounding = try resultRounding(r, input: format)
        var report = ValidationReport(function: f, quantity: quantity, format: format, result: rounding,
                                      allowances: try allowances(r, f, quantity), keep: worst)
        let inputs = Gate.inputs(f, format, count: count, seed: r.seed ?? 0, exhaustiveSmall: true, result: rounding)
        let width = format.byteWidth
        let simplest = try Hunt.run(inputs, report: &report) { batch in
            try reply(["op": "evaluate"], payload: Frames.payload(batch, width: width))
            let frame: (json: Data, payload: [UInt8])?
            do { frame = try Frames.read() } catch let error as Frames.Malformed { throw InputError("engine: \(error)") }
            guard let frame else { throw InputError("engine: the input ended inside a check") }
            let answer = try? JSONDecoder().decode(Request.self, from: frame.json)
            switch answer?.op {
            case "results": return try patterns(frame.payload, rounding.format)
            case "abort": throw Aborted(message: answer?.message ?? "check stopped by the caller")
            default: throw InputError("engine: expected results or abort inside a check, got '\(String(decoding: frame.json.prefix(60), as: UTF8.self))'")
            }
        }
        report.measureWorst()
        try reply(Self.rendered(report, source: r.source ?? "a Python callable", simplest: simplest))
    }

    /// A gated unit (two inputs). The payload holds equal parts, each the elements of one array:
    /// `gated` a then b, answered with f(a, b) (or ∂f/∂a, ∂f/∂b with `wrt`); `gated_backward` a,
    /// b, then the incoming gradient g, answered with g·b·g′(a) then g·g(a); `gated_compare` a,
    /// b, then the results to judge (`max_ulp`), answered with the report (JSON and text).
    func gated(_ r: Request, _ payload: [UInt8]) throws {
        guard let name = r.function else { throw InputError("no function named") }
        guard let formatName = r.format, let format = FloatFormat(argument: formatName), format.bitWidth >= 16 else {
            throw InputError("gated units: format must be f16, bf16, f32 or f64 (got '\(r.format?.prefix(40) ?? "")')")
        }
        let convention = try r.convention.map(FunctionSpec.convention(named:)) ?? .pytorch
        let params = (r.params ?? [:]).sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        guard let (g, quantity) = try FunctionSpec.resolveGated(name, parameters: params, convention: convention,
                                                                derivative: r.derivative ?? false, order: r.order, wrt: r.wrt) else {
            throw InputError("'\(name.prefix(40))' is no gated unit (\(GatedUnit.allCases.map(\.name).joined(separator: ", ")))")
        }
        let parts = r.op == "gated" ? 2 : 3
        let all = try patterns(payload, format)
        guard all.count % parts == 0 else { throw InputError("a \(r.op) payload of \(all.count) values is not \(parts) arrays of one length") }
        let n = all.count / parts
        if r.op == "gated_compare" && n == 0 { throw InputError("no pairs: nothing to compare") }
        let pairs = (0..<n).map { (a: all[$0], b: all[n + $0]) }
        switch r.op {
        case "gated":
            try reply([:], payload: Frames.payload(GatedGate.oracle(g, quantity, pairs, format), width: format.byteWidth))
        case "gated_backward":
            let results = (0..<n).map { g.backward(a: all[$0], b: all[n + $0], gradient: all[2 * n + $0], format: format) }
            try reply([:], payload: Frames.payload(results.map(\.da) + results.map(\.db), width: format.byteWidth))
        default:
            let maxULP = r.max_ulp ?? 0
            let worst = r.worst ?? 10
            guard (1...1_000).contains(worst) else { throw InputError("worst must be from 1 to 1000, got \(worst)") }
            let c = GatedGate.compare(g, quantity, format: format, pairs: pairs, results: Array(all[(2 * n)...]), bound: maxULP, keep: worst)
            let source = r.source ?? "arrays"
            let json = try JSONSerialization.jsonObject(with: Data(try c.json(source: source).utf8))
            try reply(["report": json, "text": "verify \(g.unit) (\(g.unit.entry.definition)), \(source)\n" + c.text()])
        }
    }

    /// The report in every form: its JSON object (as `verify --json` writes it), the text `verify`
    /// prints, Markdown and an SVG plot.
    static func rendered(_ report: ValidationReport, source: String, simplest: [Disagreement: UInt64]) throws -> [String: Any] {
        let rendering = ReportRendering(report: report, source: source, simplest: simplest)
        let json = try JSONSerialization.jsonObject(with: Data(try rendering.json().utf8))
        return ["report": json, "text": rendering.text(), "markdown": rendering.markdown(), "svg": rendering.svg()]
    }

    static func describe(_ activation: Activation) -> [String: Any] {
        let entry = activation.entry
        return [
            "name": activation.name, "aliases": entry.aliases, "definition": entry.definition, "derivative": entry.derivative,
            "second_derivative": entry.secondDerivative,
            "parameters": entry.parameters.map { spec in
                ["name": spec.name, "default": "\(spec.defaultValue)", "summary": spec.summary,
                 "constraints": spec.constraints.map { "\(spec.name) \($0)" }] as [String: Any]
            },
            "kinks": entry.firstOrderKinks.map { "\($0.at)" },
            "second_derivative_kinks": entry.kinks.map { "\($0.at)" },
        ]
    }
}
