import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// The subprocess protocol's other side, answered by the built-in kernels: an example server, a
/// way to check a `--command` set-up end to end, and — with `--fault` — a deliberately broken
/// implementation that shows what `verify` catches (the tests use it).
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Answer the subprocess protocol on stdin/stdout with the built-in kernels (optionally broken on purpose).",
        discussion: """
        Faults (for demonstrations and tests): ftz (subnormal results and inputs flushed to zero), \
        nan-to-zero (NaN inputs give 0), zero-sign (zeros with the other sign), two-ulp (2 ULP off \
        for 1 < x < 2), early-saturation (values beyond |x| = 8 replaced by f(±inf)), overflow \
        (inf for |x| > 1e30), other-kink (derivative at kinks from the other side), nan-at-neg-inf \
        (NaN for x = −inf), position (the last n mod 8 results of each batch 1 ULP up: a scalar tail \
        that disagrees with the vector loop); protocol faults: garbage, exit, hang, extra-line, \
        short, no-newline (endless output without a newline), stderr-flood (64 MB on stderr, then \
        correct answers).
        """)

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32, f64, e4m3fn, e5m2, e4m3fnuz, e5m2fnuz, e2m3, e3m2, e2m1 (or ml_dtypes' names).")
    var format: FloatFormat

    @OptionGroup var result: ResultOptions

    @Option(help: "Break the implementation this way (see the discussion).")
    var fault: String?

    func run() throws {
        if let (g, quantity) = try function.resolveGated() { return try serveGated(g, quantity) }
        let (f, quantity) = try function.resolve()
        try Gate.checkKernelQuantity(quantity)
        try Gate.checkKernelParameters(f)
        let kernel = Gate.kernel(for: f)
        let kinks = Set(f.kinkPositions(roundedTo: format))
        let other = try f.with(convention: f.derivativeSides.first == .left ? .right : .left)
        let otherKernel = Gate.kernel(for: other)
        let fault = self.fault
        if let fault, !Self.faults.contains(fault) {
            throw InputError("unknown --fault '\(fault)' (\(Self.faults.joined(separator: ", ")))")
        }
        if fault == "zero-sign" && !format.hasNegativeZero {
            throw InputError("--fault zero-sign: \(format) has no −0 (its sign bit on zero is NaN)")
        }
        var stdin = StdinLines()
        var lineNumber: Int { stdin.lineNumber }
        func readLine() throws -> String? { try stdin.next() }
        let rounding = try result.resolve(input: format)
        try Gate.checkKernelScale(rounding)
        if !rounding.isPlain(for: format), let fault, !Self.protocolFaults.contains(fault) {
            throw InputError("--fault \(fault) breaks results in the input's format only (with --output-format, --overflow or --scale: \(Self.protocolFaults.joined(separator: ", ")))")
        }
        let expected = Subprocess.header(f, format, quantity, rounding)
        guard let header = try readLine() else { throw InputError("serve: no protocol header on stdin") }
        guard header == expected else {
            throw InputError("serve: the header '\(header.prefix(100))' does not ask for what this server answers ('\(expected)')")
        }
        guard Console.output(Data((fault == "garbage" ? "hello\n" : "ready\n").utf8)) else { throw InputError("serve: cannot write to stdout") }
        if fault == "garbage" { return }
        var batches = 0
        while let header = try readLine() {
            guard header.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), header.count <= 5, let n = Int(header), n <= 4_096 else {
                throw InputError("serve: line \(lineNumber): expected a batch size from 0 to 4096, got '\(header.prefix(60))'")
            }
            var inputs: [UInt64] = []
            for _ in 0..<n {
                guard let line = try readLine() else { throw InputError("serve: input ended inside a batch of \(n)") }
                guard let v = format.protocolResult(line) else {
                    throw InputError("serve: line \(lineNumber): '\(line.prefix(60))' is not a \(format) bit pattern")
                }
                inputs.append(v)
            }
            batches += 1
            if fault == "exit" && batches == 2 { Foundation.exit(3) }
            if fault == "hang" && batches == 2 { sleep(3600) }
            var results = Gate.evaluateBuffer(kernel, quantity, inputs: inputs, format: format, to: rounding)
            for i in inputs.indices { results[i] = broken(results[i], input: inputs[i], f, quantity, kinks, otherKernel, fault) }
            if fault == "position" {
                // A vector loop of 8 and a scalar tail that disagree: the tail's finite results 1 ULP up.
                for i in (n - n % 8)..<n where rounding.format.isFinite(results[i]) && !rounding.format.isZero(results[i])
                    && results[i] & ~rounding.format.signMask != rounding.format.largestFinite { results[i] += 1 }
            }
            if fault == "no-newline" && batches == 2 {
                let chunk = Data(repeating: UInt8(ascii: "0"), count: 1 << 16)
                while Console.output(chunk) {}
                return
            }
            if fault == "stderr-flood" && batches == 2 {
                let chunk = Data(repeating: UInt8(ascii: "e"), count: 1 << 20)
                let text = String(decoding: chunk, as: UTF8.self)
                for _ in 0..<64 { Console.error(text) }
                Console.error("\nflooded\n")
            }
            if fault == "short" && batches == 2 { results.removeLast() }
            var text = results.map { rounding.format.hexBits($0) }.joined(separator: "\n") + "\n"
            if fault == "extra-line" && batches == 2 { text += rounding.format.hexBits(0) + "\n" }
            guard Console.output(Data(text.utf8)) else { throw InputError("serve: cannot write to stdout") }
        }
    }

    /// The protocol for a gated unit, answered by `GatedKernel`: input lines are pairs `a b`.
    /// Faults: two-ulp (results for 1 < a < 2 two ULP up), zero-sign, position.
    func serveGated(_ g: GatedFunction, _ quantity: GatedQuantity) throws {
        if result.isGiven { throw InputError("\(g.unit): --output-format, --overflow and --scale are for one-input entries") }
        try GatedGate.checkFormat(format, g.unit)
        let faults = ["two-ulp", "zero-sign", "position"]
        if let fault, !faults.contains(fault) { throw InputError("--fault for a gated unit: \(faults.joined(separator: ", ")) (got '\(fault.prefix(40))')") }
        let kernel = GatedKernel(g.unit, convention: g.gate.convention)
        var stdin = StdinLines()
        let expected = Subprocess.header(g.unit, format, quantity)
        guard let header = try stdin.next() else { throw InputError("serve: no protocol header on stdin") }
        guard header == expected else {
            throw InputError("serve: the header '\(header.prefix(100))' does not ask for what this server answers ('\(expected)')")
        }
        guard Console.output(Data("ready\n".utf8)) else { throw InputError("serve: cannot write to stdout") }
        while let size = try stdin.next() {
            guard size.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), size.count <= 5, let n = Int(size), n <= 4_096 else {
                throw InputError("serve: line \(stdin.lineNumber): expected a batch size from 0 to 4096, got '\(size.prefix(60))'")
            }
            var pairs: [(a: UInt64, b: UInt64)] = []
            for _ in 0..<n {
                guard let line = try stdin.next() else { throw InputError("serve: input ended inside a batch of \(n)") }
                let w = line.split(separator: " ", omittingEmptySubsequences: false)
                guard w.count == 2, let a = format.protocolResult(String(w[0])), let b = format.protocolResult(String(w[1])) else {
                    throw InputError("serve: line \(stdin.lineNumber): '\(line.prefix(60))' is not a pair of \(format) bit patterns 'a b'")
                }
                pairs.append((a, b))
            }
            var results = GatedGate.kernel(kernel, quantity, pairs, format)
            for i in results.indices {
                let y = results[i], a = format.doubleValue(pairs[i].a)
                switch fault {
                case "two-ulp" where a > 1 && a < 2 && format.isFinite(y) && !format.isZero(y): results[i] = y + 2
                case "zero-sign" where format.isZero(y): results[i] = y ^ format.signMask
                case "position" where i >= n - n % 8 && format.isFinite(y) && !format.isZero(y) && y & ~format.signMask != format.largestFinite: results[i] = y + 1
                default: break
                }
            }
            guard Console.output(Data((results.map { format.hexBits($0) }.joined(separator: "\n") + "\n").utf8)) else {
                throw InputError("serve: cannot write to stdout")
            }
        }
    }

    /// Faults of the protocol itself, whatever the results' format.
    static let protocolFaults = ["position", "garbage", "exit", "hang", "extra-line", "short", "no-newline", "stderr-flood"]
    static let faults = ["ftz", "nan-to-zero", "zero-sign", "two-ulp", "early-saturation", "overflow", "other-kink",
                         "nan-at-neg-inf", "position", "garbage", "exit", "hang", "extra-line", "short", "no-newline", "stderr-flood"]

    func broken(_ y: UInt64, input x: UInt64, _ f: ActivationFunction, _ quantity: Quantity, _ kinks: Set<UInt64>,
                _ otherKernel: Kernel, _ fault: String?) -> UInt64 {
        let v = format.doubleValue(x)
        switch fault {
        case "ftz":
            if format.isSubnormal(x) { return Gate.evaluate(Gate.kernel(for: f), quantity, bits: format.zero(negative: format.isNegative(x)), format: format) }
            return format.isSubnormal(y) ? format.zero(negative: format.isNegative(y)) : y
        case "nan-to-zero": return format.isNaN(x) ? 0 : y
        case "zero-sign": return format.isZero(y) ? y ^ format.signMask : y
        case "two-ulp": return v > 1 && v < 2 && format.isFinite(y) && !format.isZero(y) ? y + 2 : y
        case "early-saturation":
            // f at the end of the format's range: ±inf, or ±largest finite without infinity
            let end = format.hasInfinity ? format.infinity(negative: v < 0) : format.largestFinite | (v < 0 ? format.signMask : 0)
            return abs(v) > 8 && format.isFinite(x) ? f.evaluate(quantity, bits: end, format: format) : y
        case "overflow": return abs(v) > 1e30 && format.isFinite(x) ? format.overflowed(negative: v < 0) : y
        case "other-kink": return quantity == .derivative && kinks.contains(x) ? Gate.evaluate(otherKernel, quantity, bits: x, format: format) : y
        case "nan-at-neg-inf": return format.hasInfinity && x == format.infinity(negative: true) ? format.quietNaN : y
        default: return y
        }
    }
}

/// Lines of bounded length from stdin, whatever is sent (the protocol's child side).
struct StdinLines {
    private var input = LineBuffer(maximumLine: Subprocess.maximumLine)
    private(set) var lineNumber = 0

    mutating func next() throws -> String? {
        lineNumber += 1
        do {
            while true {
                if let line = try input.nextLine() { return line }
                var chunk = [UInt8](repeating: 0, count: 1 << 16)
                let n = read(0, &chunk, chunk.count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw InputError("serve: cannot read stdin (\(String(cString: strerror(errno))))") }
                if n == 0 { return try input.rest() }
                input.append(chunk[0..<n])
            }
        } catch is LineBuffer.TooLong {
            throw InputError("serve: line \(lineNumber) is longer than \(Subprocess.maximumLine) bytes")
        }
    }
}
