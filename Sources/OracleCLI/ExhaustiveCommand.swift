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
        subcommands: [ExhaustiveRun.self, ExhaustiveMerge.self, ExhaustiveRecheck.self, ExhaustivePairs.self],
        defaultSubcommand: ExhaustiveRun.self)
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

    static let chunkBits = Exhaustive.chunkBits

    /// `k/n`: n a power of two from 1 to 4096, 0 ≤ k < n, plain decimal digits only.
    static func parseShard(_ text: String) throws -> [Int] {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        let numbers = fields.map { f -> Int? in
            f.count <= 4 && !f.isEmpty && f.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } ? Int(f) : nil
        }
        guard numbers.count == 2, let k = numbers[0], let n = numbers[1] else {
            throw InputError("--shard must be k/n with n a power of two ≤ 4096 and 0 ≤ k < n (got '\(text)')")
        }
        _ = try Exhaustive.chunks(shard: k, of: n)
        return [k, n]
    }

    func run() throws {
        let (f, quantity) = try function.resolve()
        guard quantity == .value || quantity == .derivative else { throw InputError("exhaustive checks values or first derivatives (not --order 2 or --wrt): certificates cover f and f′") }
        let parts = try Self.parseShard(shard)
        try Subprocess.checkTimeout(timeout)
        guard threads >= 1 else { throw InputError("--threads must be ≥ 1") }
        if command == nil && impl != "builtin" { throw InputError("--impl must be builtin (or give --command)") }
        let chunks = try Exhaustive.chunks(shard: parts[0], of: parts[1])
        let chunkCount = chunks.count, firstChunk = chunks.lowerBound
        let implementation = command.map { "command: \($0)" } ?? "builtin Swift kernel (ActivationKernels, Float)"
        let bound = self.bound ?? (command == nil ? KernelBounds.ulps(f.activation, .f32, derivative: quantity == .derivative) : 0)
        let path = output ?? "exhaustive-\(f.activation.name)\(quantity == .derivative ? "-derivative" : "")\(parts[1] > 1 ? "-\(parts[0])of\(parts[1])" : "").json"
        if command == nil { try Gate.checkKernelParameters(f) }
        let kernel = Gate.kernel(for: f)
        var certificate = Certificate(f, quantity, implementation: implementation, shard: (parts[0], parts[1]), bound: bound,
                                      command: reproduction(f, quantity))
        // Both files are checked before any work: only regular files (or absent) are written.
        _ = try OutputFiles.target(path, option: "--output")
        let checkpoint = try RewrittenFile(path + ".checkpoint", option: "--output (checkpoint)")
        if FileManager.default.fileExists(atPath: path) {
            let done = try Certificate.read(path)
            guard done.chunks == nil else { throw InputError("\(path): a checkpoint, not a certificate (choose --output)") }
            guard done.sameRun(as: certificate) else {
                throw InputError("\(path): a certificate of another run exists (function, parameters, quantity, implementation, shard or bound differ; remove it or choose --output)")
            }
            // The finished result, reported again with its verdict (a failed run fails again) —
            // for the built-in kernel only if this build still gives the certified bits.
            if command == nil,
               Exhaustive.outputsDigest(try done.chunkRange(path), threads: threads, Self.floatKernel(kernel, quantity)) != done.outputs_sha256 {
                throw InputError("\(path): complete, but this build gives other bits than the ones it certifies (remove it to run again; `exhaustive recheck` says the same)")
            }
            print("\(path): already complete — \(done.inputs_checked) inputs, max ULP \(done.max_ulp) (bound \(done.bound)) → \(done.pass ? "pass" : "FAIL") (remove it to run again)")
            if !done.pass { throw ExitCode(1) }
            return
        }
        // The run in progress lives in a checkpoint beside the certificate (git ignores *.checkpoint).
        if FileManager.default.fileExists(atPath: checkpoint.target) {
            let previous = try Certificate.read(checkpoint.target)
            try certificate.resume(from: previous, path: checkpoint.target)
            // Chunks checkpointed by another build of the built-in kernel are checked again.
            if command == nil, let chunks = certificate.chunks, !chunks.isEmpty {
                let keys = chunks.keys.sorted()
                let digests = Exhaustive.chunkDigests(keys, threads: threads, Self.floatKernel(kernel, quantity))
                let stale = zip(keys, digests).filter { chunks[$0.0]?.digest != $0.1 }.map(\.0)
                if !stale.isEmpty {
                    Console.error("activation-oracle: \(stale.count) of the checkpoint's \(keys.count) chunks came from another build; checking them again\n")
                    for chunk in stale { certificate.chunks?[chunk] = nil }
                }
            }
        }
        let child = try command.map {
            try Subprocess(command: $0, header: "activation-oracle-protocol 1 \(f.activation.name) f32 \(quantity.token)", format: .f32, timeout: timeout)
        }
        // The first Ctrl-C lets the running chunks finish and writes the checkpoint; a second
        // one (say, while a --command child hangs) stops at once.
        interrupted = 0
        signal(SIGINT) { _ in interrupted = 1; signal(SIGINT, SIG_DFL) }
        let todo = (firstChunk..<firstChunk + chunkCount).filter { certificate.chunks?[$0] == nil }
        let start = Date(), alreadyDone = chunkCount - todo.count, previousSeconds = certificate.seconds
        var lastPrint = Date.distantPast
        nonisolated(unsafe) var shared = certificate
        var failure: Error?
        do {
            try Exhaustive.run(f, quantity, allowances: Allowances(maxULP: bound), chunks: todo, threads: threads,
                               implementation: child.map { child in .sequential { try child.evaluate($0) } }
                                   ?? .parallel { Gate.evaluateBuffer(kernel, quantity, inputs: $0, format: .f32) },
                               stop: { interrupted != 0 }) { chunk, tally in
                shared.chunks?[chunk] = tally
                shared.seconds = previousSeconds + Date().timeIntervalSince(start)
                try checkpoint.write(shared.encoded())
                let done = shared.chunks?.count ?? 0
                if !quiet && Date().timeIntervalSince(lastPrint) > 1 {
                    lastPrint = Date()
                    let rate = Double((done - alreadyDone) << Self.chunkBits) / max(Date().timeIntervalSince(start), 1e-9)
                    let eta = Double((chunkCount - done) << Self.chunkBits) / max(rate, 1)
                    Console.error((String(format: "\r%@ %@: %d/%d chunks, %.2f M inputs/s, ETA %.0f s   ",
                        f.activation.name, quantity == .derivative ? "f′" : "f", done, chunkCount, rate / 1e6, eta)))
                }
            }
            if interrupted == 0 { try child?.finish() }
        } catch { failure = error }
        if !quiet && lastPrint != .distantPast { Console.error("\n") } // ends the progress line, if one was printed
        if let failure {
            // One line: the cause, and what the checkpoint keeps for the same command to resume.
            let kept = shared.chunks?.count ?? 0
            let cause = (failure as? InputError)?.description ?? "\(failure)"
            throw InputError(kept > 0 ? "\(cause); the checkpoint \(checkpoint.target) keeps the \(kept) chunks checked (the same command resumes; remove it to start again)" : cause)
        }
        certificate = shared
        if interrupted != 0 || (certificate.chunks?.count ?? 0) < chunkCount {
            print("interrupted: \(certificate.chunks?.count ?? 0) of \(chunkCount) chunks checked; checkpoint \(checkpoint.target) (run the same command to resume)")
            throw ExitCode(130)
        }
        certificate.completeChunks()
        try certificate.write(to: path)
        checkpoint.remove()
        print("\(certificate.function)\(certificate.derivative ? "′" : ""): \(certificate.inputs_checked) inputs, max ULP \(certificate.max_ulp) (bound \(bound)), \(String(format: "%.0f", certificate.seconds)) s → \(certificate.pass ? "pass" : "FAIL"); certificate \(path)")
        if !certificate.pass { throw ExitCode(1) }
    }

    /// The built-in kernel's float32 buffer call for `quantity` (what the digests are made of).
    static func floatKernel(_ kernel: Kernel, _ quantity: Quantity) -> @Sendable (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void {
        { x, y in quantity == .derivative ? kernel.derivative(x, into: y) : kernel.forward(x, into: y) }
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
        let merged = try Certificate.merged(read)
        try merged.write(to: output)
        print("merged \(read.count) shards: \(merged.inputs_checked) inputs, max ULP \(merged.max_ulp) → \(merged.pass ? "pass" : "FAIL"); \(output)")
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
            try Gate.checkKernelParameters(f)
            let kernel = Gate.kernel(for: f)
            let range = try certificate.chunkRange(path)
                        let start = Date()
            let digest = Exhaustive.outputsDigest(range, threads: threads, ExhaustiveRun.floatKernel(kernel, quantity))
            let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
            let name = "\(f.activation.name)\(quantity == .derivative ? "′" : "")"
            if digest == certificate.outputs_sha256 {
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
