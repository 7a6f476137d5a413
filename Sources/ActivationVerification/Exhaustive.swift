import ActivationCatalog
import ActivationIO
import ActivationOracle
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The tool's version: printed by --version and written into every report, manifest and certificate.
public let activationOracleVersion = "0.5.0"

/// Every float32 input of one entry and quantity (or one shard of them) against the oracle, in
/// chunks of 2^20 on every core, with a certificate: the engine of `activation-oracle exhaustive`
/// (run, resume from a checkpoint, merge shards, recheck a build), usable by any caller.
package enum Exhaustive {
    package static let chunkBits = 20

    /// How results are obtained: a buffer function safe to call from several threads at once
    /// (chunks run in parallel), or one that must be asked in order (a subprocess; the oracle then
    /// splits each chunk between the threads). Either way it takes a chunk as runs of inputs
    /// (`ActivationFunction.evaluate(_:patterns:format:)`).
    package enum Implementation {
        case parallel(@Sendable ([UInt64]) -> [UInt64])
        case sequential(([UInt64]) throws -> [UInt64])
    }

    /// The chunks of shard k of n (n a power of two from 1 to 4096, 0 ≤ k < n).
    package static func chunks(shard k: Int, of n: Int) throws -> Range<Int> {
        guard n >= 1, n <= 4096, n & (n - 1) == 0, k >= 0, k < n else {
            throw InputError("--shard must be k/n with n a power of two ≤ 4096 and 0 ≤ k < n (got '\(k)/\(n)')")
        }
        let count = (1 << (32 - chunkBits)) / n
        return k * count..<(k + 1) * count
    }

    /// The inputs of one chunk.
    package static func inputs(chunk: Int) -> [UInt64] { Array(chunkPatterns(chunk)) }

    /// The bit patterns of one chunk.
    package static func chunkPatterns(_ chunk: Int) -> Range<UInt64> {
        let base = UInt64(chunk) << UInt64(chunkBits)
        return base..<base + (1 << UInt64(chunkBits))
    }

    /// Checks the chunks `todo`, calling `finished` with each chunk's tally as it completes (one
    /// call at a time). Stops early when `stop()` turns true or `finished` throws; a failure of the
    /// implementation or of `finished` is rethrown after the running chunks ended.
    package static func run(_ f: ActivationFunction, _ quantity: Quantity, allowances: Allowances, chunks todo: [Int],
                            threads: Int, implementation: Implementation, stop: @Sendable () -> Bool,
                            finished: @escaping (Int, Tally) throws -> Void) throws {
        @Sendable func check(_ chunk: Int, _ f: ActivationFunction, _ actual: [UInt64], _ expected: [UInt64]) -> Tally {
            var report = ValidationReport(function: f, quantity: quantity, format: .f32, allowances: allowances)
            report.record(inputs: inputs(chunk: chunk), expected: expected, actual: actual)
            return Tally(report, digest: Certificate.chunkDigest(actual))
        }
        switch implementation {
        case .sequential(let results):
            for chunk in todo where !stop() {
                let inputs = inputs(chunk: chunk)
                let actual = try results(inputs)
                try finished(chunk, check(chunk, f, actual, oracle(f, quantity, chunk: chunk, threads: threads)))
            }
        case .parallel(let results):
            let lock = NSLock()
            nonisolated(unsafe) var failure: Error?
            nonisolated(unsafe) let finished = finished
            forEachChunk(threads: threads, count: todo.count, worker: { f.independentCopy() }) { i, f in
                guard !stop() else { return false }
                let inputs = inputs(chunk: todo[i])
                let actual = results(inputs)
                let tally = check(todo[i], f, actual, f.evaluate(quantity, patterns: chunkPatterns(todo[i]), format: .f32))
                lock.lock()
                defer { lock.unlock() }
                guard failure == nil else { return false }
                do { try finished(todo[i], tally) } catch { failure = error; return false }
                return true
            }
            if let failure { throw failure }
        }
    }

    /// The oracle's results for one chunk, its range split between `threads` workers.
    package static func oracle(_ f: ActivationFunction, _ quantity: Quantity, chunk: Int, threads: Int) -> [UInt64] {
        let patterns = chunkPatterns(chunk), parts = max(1, threads)
        var out = [UInt64](repeating: 0, count: patterns.count)
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                let lo = patterns.lowerBound + UInt64(patterns.count * p / parts)
                let hi = patterns.lowerBound + UInt64(patterns.count * (p + 1) / parts)
                let results = f.independentCopy().evaluate(quantity, patterns: lo..<hi, format: .f32)
                for (i, r) in results.enumerated() { buffer[Int(lo - patterns.lowerBound) + i] = r }
            }
        }
        return out
    }

    /// The outputs digest (as in `Certificate.outputs_sha256`) of a float32 buffer function over
    /// the chunks `range`, on `threads` workers; the oracle is not consulted.
    package static func outputsDigest(_ range: Range<Int>, threads: Int,
                                      _ kernel: @Sendable @escaping (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> String {
        Certificate.combinedDigest(chunkDigests(Array(range), threads: threads, kernel))
    }

    /// Each chunk's digest (as in a checkpoint's tallies) of a float32 buffer function.
    package static func chunkDigests(_ chunks: [Int], threads: Int,
                                     _ kernel: @Sendable @escaping (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> [String] {
        nonisolated(unsafe) var digests = [String](repeating: "", count: chunks.count)
        let lock = NSLock()
        let empty = [Float](repeating: 0, count: 1 << chunkBits)
        forEachChunk(threads: threads, count: chunks.count, worker: { (xs: empty, ys: empty) }) { i, buffers in
            let base = UInt32(chunks[i]) << UInt32(chunkBits)
            for j in buffers.xs.indices { buffers.xs[j] = Float(bitPattern: base | UInt32(j)) }
            buffers.xs.withUnsafeBufferPointer { x in buffers.ys.withUnsafeMutableBufferPointer { y in kernel(x, y) } }
            #if _endian(little)
            let digest = buffers.ys.withUnsafeBytes { Certificate.chunkDigest(littleEndian: $0) }
            #else
            let digest = Certificate.chunkDigest(buffers.ys.map { UInt64($0.bitPattern) })
            #endif
            lock.lock(); digests[i] = digest; lock.unlock()
            return true
        }
        return digests
    }
}

/// The counts of a run or of part of one, in the certificate's terms (Codable for checkpoints).
package struct Tally: Codable, Equatable {
    package struct Worst: Codable, Equatable {
        package var input: UInt64, expected: UInt64, actual: UInt64, ulps: UInt64, kind: String, allowed: Bool
    }
    package var inputs: UInt64 = 0
    package var failures: UInt64 = 0
    package var allowed: UInt64 = 0
    package var maxULP: UInt64 = 0
    package var classes: [String: UInt64] = [:]
    package var worst: [Worst] = []
    /// SHA-256 of the implementation's results in input order (little-endian bit patterns).
    package var digest = ""

    package init() {}

    package init(_ report: ValidationReport, digest: String) {
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
    package mutating func merge(_ other: Tally, keep: Int = 10) {
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
package struct Certificate: Codable {
    package var tool = "activation-oracle"
    package var version = activationOracleVersion
    package var function: String
    package var parameters: [String: String]
    package var convention: String
    package var derivative: Bool
    package var format = "f32"
    package var implementation: String
    package var shard: String
    package var first_input: UInt64
    package var end_input: UInt64
    package var inputs_checked: UInt64
    package var max_ulp: UInt64
    package var bound: UInt64
    package var pass: Bool
    package var worst: String?
    package var worst_cases: [Tally.Worst]
    package var classes: [String: UInt64]
    package var seconds: Double
    package var machine: String
    package var outputs_sha256: String
    package var command: String
    /// Chunks of 2^20 inputs done so far, with their tallies (digest per chunk): the checkpoint.
    package var chunks: [Int: Tally]?

    package static func machine() -> String {
        var info = utsname()
        uname(&info)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(info.machine)) \(text(info.sysname)) \(text(info.release)), \(ProcessInfo.processInfo.activeProcessorCount) cores"
    }

    /// One chunk's digest: SHA-256 of its float32 results, little-endian, in input order.
    package static func chunkDigest(_ results: [UInt64]) -> String {
        let words = results.map { UInt32(truncatingIfNeeded: $0).littleEndian }
        return words.withUnsafeBytes { chunkDigest(littleEndian: $0) }
    }

    /// The same from the results' bytes as they lie (little-endian float32s).
    package static func chunkDigest(littleEndian bytes: UnsafeRawBufferPointer) -> String {
        var digest = SHA256()
        digest.update(bytes)
        return digest.finalize()
    }

    /// The digest of a whole range: SHA-256 over the chunk digests in input order.
    package static func combinedDigest(_ digests: [String]) -> String {
        var h = SHA256()
        for d in digests { h.update(Array(d.utf8)) }
        return h.finalize()
    }

    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Writes the certificate (all or nothing; only over a regular file).
    package func write(to path: String, option: String = "--output") throws {
        let files = OutputFiles()
        try files.write(try encoded(), to: path, option: option)
        try files.commit()
    }

    /// The same run: function, parameters, quantity, convention, implementation, shard and bound.
    package func sameRun(as other: Certificate) -> Bool {
        function == other.function && parameters == other.parameters && derivative == other.derivative
            && implementation == other.implementation && shard == other.shard && convention == other.convention
            && bound == other.bound
    }

    /// Its input range, checked: whole chunks within the 2^32 float32 patterns, not empty.
    package func chunkRange(_ path: String) throws -> Range<Int> {
        let chunk = UInt64(1) << UInt64(Exhaustive.chunkBits)
        guard first_input < end_input, end_input <= 1 << 32, first_input % chunk == 0, end_input % chunk == 0 else {
            throw InputError("\(path): bad input range \(first_input)..<\(end_input) (whole chunks of 2^\(Exhaustive.chunkBits) within 0..<2^32)")
        }
        return Int(first_input / chunk)..<Int(end_input / chunk)
    }

    package static func read(_ path: String) throws -> Certificate {
        // A regular file of at most 64 MiB (a FIFO would block, a device never end).
        var info = stat()
        guard stat(path, &info) == 0 else { throw InputError("\(path): no such file") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw InputError("\(path): not a regular file") }
        guard info.st_size <= 64 << 20 else { throw InputError("\(path): \(info.st_size) bytes, too large for a certificate") }
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("\(path): cannot read") }
        do { return try JSONDecoder().decode(Certificate.self, from: data) } catch {
            throw InputError("\(path): not a certificate (\(OutputFiles.reason(error)))")
        }
    }
}

extension Certificate {
    /// Fills in the totals from `tally` and drops the per-chunk checkpoint data.
    package mutating func complete(_ tally: Tally, digests: [String]) {
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

/// Chunks 0..<count on `threads` workers, each taking the next chunk as it finishes one, with
/// state of its own (`worker`: buffers, an independent oracle). `work` returns false to stop
/// that worker (an error, an interrupt); the others stop at their next chunk only if they see
/// the same condition.
package func forEachChunk<State>(threads: Int, count: Int, worker: @Sendable () -> State, _ work: @Sendable (Int, inout State) -> Bool) {
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


extension Certificate {
    /// A new, empty run of `f`'s `quantity` over shard k of n.
    package init(_ f: ActivationFunction, _ quantity: Quantity, implementation: String, shard: (k: Int, n: Int), bound: UInt64, command: String) {
        var parameters: [String: String] = [:]
        for p in f.parameterTexts { parameters[p.name] = p.value }
        let chunks = (try? Exhaustive.chunks(shard: shard.k, of: shard.n)) ?? 0..<0
        self.init(function: f.activation.name, parameters: parameters, convention: f.convention.rawValue,
                  derivative: quantity == .derivative, implementation: implementation, shard: "\(shard.k)/\(shard.n)",
                  first_input: UInt64(chunks.lowerBound) << UInt64(Exhaustive.chunkBits),
                  end_input: UInt64(chunks.upperBound) << UInt64(Exhaustive.chunkBits),
                  inputs_checked: 0, max_ulp: 0, bound: bound, pass: false, worst: nil, worst_cases: [], classes: [:], seconds: 0,
                  machine: Certificate.machine(), outputs_sha256: "", command: command, chunks: [:])
    }

    /// Takes the chunks checked so far from a checkpoint of the same run, checked: only chunks of
    /// this run's range, each with all its inputs and a digest.
    package mutating func resume(from previous: Certificate, path: String) throws {
        guard previous.sameRun(as: self), previous.first_input == first_input, previous.end_input == end_input else {
            throw InputError("\(path): a checkpoint of another run exists (remove it or choose --output)")
        }
        let range = try chunkRange(path)
        guard let chunks = previous.chunks, chunks.keys.allSatisfy(range.contains),
              chunks.values.allSatisfy({ $0.inputs == UInt64(1) << UInt64(Exhaustive.chunkBits) && $0.digest.count == 64 }),
              previous.seconds.isFinite, previous.seconds >= 0 else {
            throw InputError("\(path): a damaged checkpoint (chunks outside the run or incomplete; remove it to start again)")
        }
        self.chunks = chunks
        seconds = previous.seconds
    }

    /// The totals of every chunk checked, in input order (the run is complete).
    package mutating func completeChunks() {
        let chunks = self.chunks ?? [:]
        var total = Tally()
        for chunk in chunks.keys.sorted() { total.merge(chunks[chunk]!) }
        complete(total, digests: chunks.keys.sorted().map { chunks[$0]!.digest })
    }

    /// The certificate of complete shards of one run (sorted by range; they must tile it).
    package static func merged(_ parts: [Certificate]) throws -> Certificate {
        let parts = parts.sorted { $0.first_input < $1.first_input }
        guard let first = parts.first else { throw InputError("no certificates given") }
        guard parts.allSatisfy({ $0.seconds.isFinite && $0.seconds >= 0 }), parts.map(\.seconds).reduce(0, +).isFinite else {
            throw InputError("a shard's seconds is not a finite number of seconds (or they add up to more than a Double holds)")
        }
        var end = first.first_input
        for c in parts {
            guard c.chunks == nil else { throw InputError("shard \(c.shard) is not complete (resume it first)") }
            guard c.function == first.function, c.parameters == first.parameters, c.derivative == first.derivative,
                  c.implementation == first.implementation, c.convention == first.convention, c.bound == first.bound else {
                throw InputError("shard \(c.shard) is from another run (function, parameters, quantity, implementation or bound differ)")
            }
            guard c.first_input == end else { throw InputError("shards do not tile the inputs: gap or overlap at \(FloatFormat.f32.hexBits(end))") }
            guard c.end_input > c.first_input, c.inputs_checked == c.end_input - c.first_input else {
                throw InputError("shard \(c.shard) says it checked \(c.inputs_checked) inputs of its \(c.end_input &- c.first_input)")
            }
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
        return merged
    }
}
