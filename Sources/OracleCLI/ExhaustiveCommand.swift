import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Dispatch
import Foundation

/// Every binary32 input of one entry and quantity, checked against the oracle, with a certificate.
struct ExhaustiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exhaustive",
        abstract: "Check all 2^32 float32 inputs (or one shard) and write a certificate; merge shard certificates.",
        subcommands: [ExhaustiveRun.self, ExhaustiveMerge.self, ExhaustiveRecheck.self],
        defaultSubcommand: ExhaustiveRun.self)
}

/// The counts of a run or of part of one, in the certificate's terms (Codable for checkpoints).
struct Tally: Codable, Equatable {
    struct Worst: Codable, Equatable {
        var input: UInt64, expected: UInt64, actual: UInt64, ulps: UInt64, kind: String, allowed: Bool
    }
    var inputs: UInt64 = 0
    var failures: UInt64 = 0
    var allowed: UInt64 = 0
    var maxULP: UInt64 = 0
    var classes: [String: UInt64] = [:]
    var worst: [Worst] = []
    /// SHA-256 of the implementation's results in input order (little-endian bit patterns).
    var digest = ""

    init() {}

    init(_ report: ValidationReport, digest: String) {
        inputs = UInt64(report.count)
        failures = UInt64(report.failures)
        allowed = UInt64(report.allowedCount)
        maxULP = report.maxULP
        for (k, v) in report.classes { classes[k.rawValue] = UInt64(v) }
        worst = report.worst.map { Worst(input: $0.input, expected: $0.expected, actual: $0.actual, ulps: $0.ulps,
                                         kind: $0.disagreement.rawValue, allowed: $0.allowed) }
        self.digest = digest
    }

    /// Adds `other` (deterministic: worst cases ordered by failure, ULP, then input).
    mutating func merge(_ other: Tally, keep: Int = 10) {
        inputs += other.inputs
        failures += other.failures
        allowed += other.allowed
        maxULP = max(maxULP, other.maxULP)
        for (k, v) in other.classes { classes[k, default: 0] += v }
        worst = Array((worst + other.worst).sorted { a, b in
            if a.allowed != b.allowed { return !a.allowed }
            if a.ulps != b.ulps { return a.ulps > b.ulps }
            return a.input < b.input
        }.prefix(keep))
    }
}

/// A finished (or partial) run: what the certificate and the checkpoint hold.
struct Certificate: Codable {
    var tool = "activation-oracle"
    var version = ActivationOracleCommand.version
    var function: String
    var parameters: [String: String]
    var convention: String
    var derivative: Bool
    var format = "f32"
    var implementation: String
    var shard: String
    var first_input: UInt64
    var end_input: UInt64
    var inputs_checked: UInt64
    var max_ulp: UInt64
    var bound: UInt64
    var pass: Bool
    var worst: String?
    var worst_cases: [Tally.Worst]
    var classes: [String: UInt64]
    var seconds: Double
    var machine: String
    var outputs_sha256: String
    var command: String
    /// Chunks of 2^20 inputs done so far, with their tallies (digest per chunk): the checkpoint.
    var chunks: [Int: Tally]?

    static func machine() -> String {
        var info = utsname()
        uname(&info)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(info.machine)) \(text(info.sysname)) \(text(info.release)), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }

    /// One chunk's digest: SHA-256 of its float32 results, little-endian, in input order.
    static func chunkDigest(_ results: [UInt64]) -> String {
        let words = results.map { UInt32(truncatingIfNeeded: $0).littleEndian }
        return words.withUnsafeBytes { chunkDigest(littleEndian: $0) }
    }

    /// The same from the results' bytes as they lie (little-endian float32s).
    static func chunkDigest(littleEndian bytes: UnsafeRawBufferPointer) -> String {
        var digest = SHA256()
        digest.update(bytes)
        return digest.finalize()
    }

    /// The digest of a whole range: SHA-256 over the chunk digests in input order.
    static func combinedDigest(_ digests: [String]) -> String {
        var h = SHA256()
        for d in digests { h.update(Array(d.utf8)) }
        return h.finalize()
    }

    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the certificate (all or nothing; only over a regular file).
    func write(to path: String, option: String = "--output") throws {
        let files = OutputFiles()
        try files.write(try encoded(), to: path, option: option)
        try files.commit()
    }

    /// The same run: function, parameters, quantity, convention, implementation, shard and bound.
    func sameRun(as other: Certificate) -> Bool {
        function == other.function && parameters == other.parameters && derivative == other.derivative
            && implementation == other.implementation && shard == other.shard && convention == other.convention
            && bound == other.bound
    }

    /// Its input range, checked: whole chunks within the 2^32 float32 patterns, not empty.
    func chunkRange(_ path: String) throws -> Range<Int> {
        let chunk = UInt64(1) << UInt64(ExhaustiveRun.chunkBits)
        guard first_input < end_input, end_input <= 1 << 32, first_input % chunk == 0, end_input % chunk == 0 else {
            throw InputError("\(path): bad input range \(first_input)..<\(end_input) (whole chunks of 2^\(ExhaustiveRun.chunkBits) within 0..<2^32)")
        }
        return Int(first_input / chunk)..<Int(end_input / chunk)
    }

    static func read(_ path: String) throws -> Certificate {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw InputError("\(path): no such file") }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot read") }
        do { return try JSONDecoder().decode(Certificate.self, from: data) } catch {
            throw InputError("\(path): not a certificate (\(OutputFiles.reason(error)))")
        }
    }
}

/// Set by SIGINT: workers finish their chunk, the checkpoint is written, the run stops.
nonisolated(unsafe) private var interrupted: sig_atomic_t = 0

struct ExhaustiveRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Check every float32 input of one entry and quantity (default: the built-in kernel).",
        discussion: """
        Inputs run in chunks of 2^20; after each chunk the checkpoint (the certificate's path plus \
        .checkpoint) is rewritten atomically, so Ctrl-C or a crash leaves a valid partial run and \
        the same command resumes it; the certificate (--output, or \
        exhaustive-<function>[-derivative][-shard].json) is written at the end. --shard k/n \
        checks the k-th of n equal ranges (0-based); `exhaustive merge` combines shard \
        certificates. Exit 1 when a result is beyond the bound.
        """)

    @OptionGroup var function: FunctionOptions

    @Option(help: "builtin (the Swift kernel), or use --command.")
    var impl: String = "builtin"

    @Option(help: "Check this implementation through the subprocess protocol instead.")
    var command: String?

    @Option(help: "Worker threads for the built-in kernel and the oracle.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "k/n: only the k-th (0-based) of n equal input ranges.")
    var shard: String = "0/1"

    @Option(name: .shortAndLong, help: "Certificate (and checkpoint) file.")
    var output: String?

    @Option(help: "Bound in ULP (default: the kernel's declared bound for --impl builtin, 0 otherwise).")
    var bound: UInt64?

    @Option(help: "Seconds to wait for each answer of --command.")
    var timeout: Double = 600

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    static let chunkBits = 20

    /// `k/n`: n a power of two from 1 to 4096, 0 ≤ k < n, plain decimal digits only.
    static func parseShard(_ text: String) throws -> [Int] {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        let numbers = fields.map { f -> Int? in
            f.count <= 4 && !f.isEmpty && f.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? Int(f) : nil
        }
        guard numbers.count == 2, let k = numbers[0], let n = numbers[1], n >= 1, n <= 4096, n & (n - 1) == 0, k < n else {
            throw InputError("--shard must be k/n with n a power of two ≤ 4096 and 0 ≤ k < n (got '\(text)')")
        }
        return [k, n]
    }

    func run() throws {
        let (f, quantity) = try function.resolve()
        guard quantity == .value || quantity == .derivative else { throw InputError("exhaustive checks values or derivatives (not --wrt)") }
        let parts = try Self.parseShard(shard)
        try Subprocess.checkTimeout(timeout)
        guard threads >= 1 else { throw InputError("--threads must be ≥ 1") }
        if command == nil && impl != "builtin" { throw InputError("--impl must be builtin (or give --command)") }
        let chunkCount = (1 << (32 - Self.chunkBits)) / parts[1]
        let firstChunk = parts[0] * chunkCount
        let implementation = command.map { "command: \($0)" } ?? "builtin Swift kernel (ActivationKernels, Float)"
        let bound = self.bound ?? (command == nil ? KernelBounds.ulps(f.activation, .f32, derivative: quantity == .derivative) : 0)
        let path = output ?? "exhaustive-\(f.activation.name)\(quantity == .derivative ? "-derivative" : "")\(parts[1] > 1 ? "-\(parts[0])of\(parts[1])" : "").json"
        var parameters: [String: String] = [:]
        for p in f.parameterTexts { parameters[p.name] = p.value }
        var certificate = Certificate(
            function: f.activation.name, parameters: parameters, convention: f.convention.rawValue,
            derivative: quantity == .derivative, implementation: implementation, shard: "\(parts[0])/\(parts[1])",
            first_input: UInt64(firstChunk) << UInt64(Self.chunkBits), end_input: UInt64(firstChunk + chunkCount) << UInt64(Self.chunkBits),
            inputs_checked: 0, max_ulp: 0, bound: bound, pass: false, worst: nil, worst_cases: [], classes: [:], seconds: 0,
            machine: Certificate.machine(), outputs_sha256: "", command: reproduction(f, quantity), chunks: [:])
        // Both files are checked before any work: only regular files (or absent) are written.
        _ = try OutputFiles.target(path, option: "--output")
        let checkpoint = try RewrittenFile(path + ".checkpoint", option: "--output (checkpoint)")
        if FileManager.default.fileExists(atPath: path) {
            let done = try Certificate.read(path)
            guard done.chunks == nil else { throw InputError("\(path): a checkpoint, not a certificate (choose --output)") }
            guard done.sameRun(as: certificate) else {
                throw InputError("\(path): a certificate of another run exists (function, parameters, quantity, implementation, shard or bound differ; remove it or choose --output)")
            }
            // The finished result, reported again with its verdict: a failed run fails again.
            print("\(path): already complete — \(done.inputs_checked) inputs, max ULP \(done.max_ulp) (bound \(done.bound)) → \(done.pass ? "pass" : "FAIL") (remove it to run again)")
            if !done.pass { throw ExitCode(1) }
            return
        }
        // The run in progress lives in a checkpoint beside the certificate (git ignores *.checkpoint).
        if FileManager.default.fileExists(atPath: checkpoint.target) {
            let previous = try Certificate.read(checkpoint.target)
            guard previous.sameRun(as: certificate), previous.first_input == certificate.first_input,
                  previous.end_input == certificate.end_input else {
                throw InputError("\(checkpoint.target): a checkpoint of another run exists (remove it or choose --output)")
            }
            let range = firstChunk..<firstChunk + chunkCount
            guard let chunks = previous.chunks, chunks.keys.allSatisfy(range.contains),
                  chunks.values.allSatisfy({ $0.inputs == UInt64(1) << UInt64(Self.chunkBits) && $0.digest.count == 64 }),
                  previous.seconds.isFinite, previous.seconds >= 0 else {
                throw InputError("\(checkpoint.target): a damaged checkpoint (chunks outside the run or incomplete; remove it to start again)")
            }
            certificate.chunks = chunks
            certificate.seconds = previous.seconds
        }
        let allowances = Allowances(maxULP: bound)
        let kernel = Gate.kernel(for: f)
        let child = try command.map {
            try Subprocess(command: $0, header: "activation-oracle-protocol 1 \(f.activation.name) f32 \(quantity)", format: .f32, timeout: timeout)
        }
        signal(SIGINT) { _ in interrupted = 1 }
        let todo = (firstChunk..<firstChunk + chunkCount).filter { certificate.chunks?[$0] == nil }
        let start = Date()
        let lock = NSLock()
        nonisolated(unsafe) var done = chunkCount - todo.count
        nonisolated(unsafe) var lastPrint = Date.distantPast
        nonisolated(unsafe) var failure: Error?
        nonisolated(unsafe) var shared = certificate

        /// One chunk: results, oracle, tally. `parallelOracle` spreads the oracle over the cores
        /// (chunks in order, for a subprocess); otherwise the caller runs chunks in parallel.
        func check(_ chunk: Int, _ f: ActivationFunction, results: ([UInt64]) throws -> [UInt64], parallelOracle: Bool) throws -> Tally {
            let base = UInt64(chunk) << UInt64(Self.chunkBits)
            let inputs = (0..<UInt64(1 << Self.chunkBits)).map { base + $0 }
            let actual = try results(inputs)
            let expected = parallelOracle ? Gate.oracle(f, quantity, inputs, .f32)
                : inputs.map { f.evaluate(quantity, bits: $0, format: .f32) }
            var report = ValidationReport(function: f, quantity: quantity, format: .f32, allowances: allowances)
            report.record(inputs: inputs, expected: expected, actual: actual)
            return Tally(report, digest: Certificate.chunkDigest(actual))
        }

        func finished(_ chunk: Int, _ tally: Tally) {
            lock.lock()
            defer { lock.unlock() }
            shared.chunks?[chunk] = tally
            shared.seconds = certificate.seconds + Date().timeIntervalSince(start)
            done += 1
            do { try checkpoint.write(shared.encoded()) } catch { failure = error }
            if !quiet && Date().timeIntervalSince(lastPrint) > 1 {
                lastPrint = Date()
                let elapsed = Date().timeIntervalSince(start)
                let rate = Double((done - (chunkCount - todo.count)) << Self.chunkBits) / max(elapsed, 1e-9)
                let eta = Double((chunkCount - done) << Self.chunkBits) / max(rate, 1)
                FileHandle.standardError.write(Data(String(format: "\r%@ %@: %d/%d chunks, %.2f M inputs/s, ETA %.0f s   ",
                    f.activation.name, quantity == .derivative ? "f′" : "f", done, chunkCount, rate / 1e6, eta).utf8))
            }
        }

        if let child {
            for chunk in todo where interrupted == 0 && failure == nil {
                finished(chunk, try check(chunk, f, results: { try child.evaluate($0) }, parallelOracle: true))
            }
            if interrupted == 0 { try child.finish() }
        } else {
            nonisolated(unsafe) let check = check, finished = finished
            forEachChunk(threads: threads, count: todo.count, worker: { f.independentCopy() }) { i, f in
                guard interrupted == 0 else { return false }
                do {
                    let tally = try check(todo[i], f, { Gate.evaluateBuffer(kernel, quantity, inputs: $0, format: .f32) }, false)
                    finished(todo[i], tally)
                    return true
                } catch {
                    lock.lock(); failure = error; lock.unlock()
                    return false
                }
            }
        }
        if !quiet { FileHandle.standardError.write(Data("\n".utf8)) }
        if let failure {
            if (shared.chunks?.count ?? 0) > 0 {
                FileHandle.standardError.write(Data("activation-oracle: the checkpoint \(checkpoint.target) keeps the \(shared.chunks?.count ?? 0) chunks checked (the same command resumes; remove it to start again)\n".utf8))
            }
            throw failure
        }
        certificate = shared
        if interrupted != 0 || (certificate.chunks?.count ?? 0) < chunkCount {
            print("interrupted: \(certificate.chunks?.count ?? 0) of \(chunkCount) chunks checked; checkpoint \(checkpoint.target) (run the same command to resume)")
            throw ExitCode(130)
        }
        let chunks = certificate.chunks ?? [:]
        var total = Tally()
        for chunk in chunks.keys.sorted() { total.merge(chunks[chunk]!) }
        certificate.complete(total, digests: chunks.keys.sorted().map { chunks[$0]!.digest })
        try certificate.write(to: path)
        checkpoint.remove()
        print("\(certificate.function)\(certificate.derivative ? "′" : ""): \(certificate.inputs_checked) inputs, max ULP \(certificate.max_ulp) (bound \(bound)), \(String(format: "%.0f", certificate.seconds)) s → \(certificate.pass ? "pass" : "FAIL"); certificate \(path)")
        if !certificate.pass { throw ExitCode(1) }
    }

    func reproduction(_ f: ActivationFunction, _ quantity: Quantity) -> String {
        var words = ["activation-oracle", "exhaustive", f.activation.name]
        words += function.params.flatMap { ["--param", $0] }
        if quantity == .derivative { words.append("--derivative") }
        if f.convention != .pytorch { words += ["--convention", f.convention.rawValue] }
        if let command { words += ["--command", "'\(command)'"] }
        if shard != "0/1" { words += ["--shard", shard] }
        return words.joined(separator: " ")
    }
}

extension Certificate {
    /// Fills in the totals from `tally` and drops the per-chunk checkpoint data.
    mutating func complete(_ tally: Tally, digests: [String]) {
        inputs_checked = tally.inputs
        max_ulp = tally.maxULP
        classes = tally.classes
        worst_cases = tally.worst
        worst = tally.worst.first.map { FloatFormat.f32.hexBits($0.input) }
        pass = tally.failures == 0
        outputs_sha256 = Certificate.combinedDigest(digests)
        chunks = nil
    }
}

struct ExhaustiveMerge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine complete shard certificates of one run into one certificate (deterministic).")

    @Argument(help: "Shard certificates.")
    var shards: [String]

    @Option(name: .shortAndLong, help: "The merged certificate.")
    var output: String

    func run() throws {
        _ = try OutputFiles.target(output, option: "--output")
        let read = try shards.map { path in
            let c = try Certificate.read(path)
            _ = try c.chunkRange(path)
            return c
        }
        let parts = read.sorted { $0.first_input < $1.first_input }
        guard let first = parts.first else { throw InputError("no certificates given") }
        var end = first.first_input
        for c in parts {
            guard c.chunks == nil else { throw InputError("shard \(c.shard) is not complete (resume it first)") }
            guard c.function == first.function, c.parameters == first.parameters, c.derivative == first.derivative,
                  c.implementation == first.implementation, c.convention == first.convention, c.bound == first.bound else {
                throw InputError("shard \(c.shard) is from another run (function, parameters, quantity, implementation or bound differ)")
            }
            guard c.first_input == end else { throw InputError("shards do not tile the inputs: gap or overlap at \(FloatFormat.f32.hexBits(end))") }
            end = c.end_input
        }
        var merged = first
        var total = Tally()
        for c in parts {
            var t = Tally()
            t.inputs = c.inputs_checked
            t.maxULP = c.max_ulp
            t.classes = c.classes
            t.worst = c.worst_cases
            t.failures = c.pass ? 0 : 1
            total.merge(t)
        }
        merged.shard = parts.count == 1 ? first.shard : "merged \(parts.map(\.shard).joined(separator: ", "))"
        merged.first_input = first.first_input
        merged.end_input = end
        merged.seconds = parts.map(\.seconds).reduce(0, +)
        merged.command = parts.map(\.command).joined(separator: "; ") + "; activation-oracle exhaustive merge ..."
        merged.complete(total, digests: parts.map(\.outputs_sha256))
        try merged.write(to: output)
        print("merged \(parts.count) shards: \(merged.inputs_checked) inputs, max ULP \(merged.max_ulp) → \(merged.pass ? "pass" : "FAIL"); \(output)")
        if !merged.pass { throw ExitCode(1) }
    }
}

/// Recomputes a certificate's outputs with the running build and compares their digest: the same
/// bits mean the oracle's verdict on them, and so the certificate, holds for this build.
struct ExhaustiveRecheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recheck",
        abstract: "Does a certificate still hold for this build? Recompute its outputs and compare their SHA-256.",
        discussion: """
        The built-in kernel is run over the certificate's inputs (its shard, in chunks of 2^20) \
        and the digest of its results compared with outputs_sha256; the oracle is not consulted, \
        because identical results were already checked against it — one to three minutes per \
        certificate on 2 cores instead of a full run. Each certificate's line is printed as soon \
        as it is decided. Run it after changing a kernel: exit 0 when every certificate holds, \
        1 when some kernel now gives other bits (run `exhaustive` again for those: the line says \
        how), 2 for a file that is not a complete certificate of a built-in kernel.
        """)

    @Argument(help: "Certificates (complete, of the built-in kernel).")
    var certificates: [String]

    @Option(help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        guard threads >= 1 else { throw InputError("--threads must be ≥ 1") }
        var changed = 0
        for path in certificates {
            let certificate = try Certificate.read(path)
            guard certificate.chunks == nil, !certificate.outputs_sha256.isEmpty else {
                throw InputError("\(path): not a complete certificate")
            }
            guard certificate.implementation.hasPrefix("builtin") else {
                throw InputError("\(path): only certificates of the built-in kernel can be rechecked (this one is of \(certificate.implementation))")
            }
            // The certificate's own reproduction command says which function, parameters and quantity.
            let words = certificate.command.split(separator: " ").map(String.init)
            guard words.count >= 3, words[0] == "activation-oracle", words[1] == "exhaustive", !certificate.command.contains("'") else {
                throw InputError("\(path): unexpected command '\(certificate.command)'")
            }
            let options: ExhaustiveRun
            do { options = try ExhaustiveRun.parse(Array(words.dropFirst(2))) } catch {
                throw InputError("\(path): cannot read its command '\(certificate.command)'")
            }
            let (f, quantity) = try options.function.resolve()
            let kernel = Gate.kernel(for: f)
            let range = try certificate.chunkRange(path)
            let first = range.lowerBound, count = range.count
            let start = Date()
            nonisolated(unsafe) var digests = [String](repeating: "", count: count)
            let lock = NSLock()
            // Buffers reused chunk after chunk: the kernel's Float buffer call (as `exhaustive`
            // makes it through `Gate.evaluateBuffer`) and the digest of its bytes.
            let empty = [Float](repeating: 0, count: 1 << ExhaustiveRun.chunkBits)
            forEachChunk(threads: threads, count: count, worker: { (xs: empty, ys: empty) }) { i, buffers in
                let base = UInt32(first + i) << UInt32(ExhaustiveRun.chunkBits)
                for j in buffers.xs.indices { buffers.xs[j] = Float(bitPattern: base | UInt32(j)) }
                buffers.xs.withUnsafeBufferPointer { x in
                    buffers.ys.withUnsafeMutableBufferPointer { y in
                        quantity == .derivative ? kernel.derivative(x, into: y) : kernel.forward(x, into: y)
                    }
                }
                #if _endian(little)
                let digest = buffers.ys.withUnsafeBytes { Certificate.chunkDigest(littleEndian: $0) }
                #else
                let digest = Certificate.chunkDigest(buffers.ys.map { UInt64($0.bitPattern) })
                #endif
                lock.lock(); digests[i] = digest; lock.unlock()
                return true
            }
            let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
            let name = "\(f.activation.name)\(quantity == .derivative ? "′" : "")"
            if Certificate.combinedDigest(digests) == certificate.outputs_sha256 {
                print("\(name): holds — this build gives the certified bits on all \(certificate.end_input - certificate.first_input) inputs (\(seconds) s; \(path))")
            } else {
                changed += 1
                print("\(name): CHANGED — this build gives other bits than the certificate checked; run again: rm \(path) && \(certificate.command) -o \(path)")
            }
            fflush(nil) // one line per certificate as it is decided, also when stdout is a file

        }
        if changed > 0 { throw ExitCode(1) }
    }
}

/// Chunks 0..<count on `threads` workers, each taking the next chunk as it finishes one, with
/// state of its own (`worker`: buffers, an independent oracle). `work` returns false to stop
/// that worker (an error, an interrupt); the others stop at their next chunk only if they see
/// the same condition.
func forEachChunk<State>(threads: Int, count: Int, worker: @Sendable () -> State, _ work: @Sendable (Int, inout State) -> Bool) {
    let lock = NSLock()
    nonisolated(unsafe) var next = 0
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, count))) { _ in
        var state = worker()
        while true {
            lock.lock()
            let i = next
            next += 1
            lock.unlock()
            guard i < count, work(i, &state) else { return }
        }
    }
}
