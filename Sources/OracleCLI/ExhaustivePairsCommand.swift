import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// Every pair of a 16-bit format for one gated unit: `exhaustive pairs swiglu --format bf16`.
struct ExhaustivePairs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairs",
        abstract: "Check all 2^32 pairs (a, b) of binary16 or bfloat16 for a gated unit's built-in kernel and write a certificate.",
        discussion: """
        Value (default) or --wrt a; --wrt b is the gate alone (the one-input checks cover it). \
        --shard k/n checks the k-th of n equal ranges of a (0-based, n a power of two ≤ 65536). \
        3 to 24 minutes for all pairs on 2 cores in a release build (glu the fastest, geglu the slowest). Exit 1 when a result is \
        beyond the bound (default: the kernel's declared bound, KernelBounds).
        """)

    @Argument(help: "A gated unit: glu, reglu, geglu, geglu-tanh, swiglu.")
    var function: String

    @Option(help: "bf16 or f16.")
    var format: FloatFormat

    @Option(help: "a: ∂f/∂a = b·g′(a) instead of the value.")
    var wrt: String?

    @Option(help: "k/n: only the k-th (0-based) of n equal ranges of a.")
    var shard: String = "0/1"

    @Option(name: .shortAndLong, help: "Certificate file (default exhaustive-pairs-<unit>[-da]-<format>[-k-of-n].json).")
    var output: String?

    @Option(help: "Worker threads.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "No progress line on stderr.")
    var quiet = false

    func run() throws {
        guard let (g, quantity) = try FunctionSpec.resolveGated(function, wrt: wrt) else {
            throw InputError("'\(function.prefix(40))' is no gated unit (\(GatedUnit.allCases.map(\.name).joined(separator: ", "))); one-input entries: `exhaustive run`")
        }
        guard format.bitWidth == 16 else { throw InputError("--format must be bf16 or f16 (all pairs of a 16-bit format: 2^32)") }
        guard (1...256).contains(threads) else { throw InputError("--threads must be from 1 to 256") }
        let fields = shard.split(separator: "/", omittingEmptySubsequences: false).map { f in f.count <= 5 && !f.isEmpty && f.allSatisfy(\.isNumber) ? Int(f) : nil }
        guard fields.count == 2, let k = fields[0], let n = fields[1], n >= 1, n <= 65536, n & (n - 1) == 0, k < n else {
            throw InputError("--shard must be k/n with n a power of two ≤ 65536 and 0 ≤ k < n (got '\(shard.prefix(40))')")
        }
        let per = 65536 / n
        let range = UInt64(k * per)..<UInt64((k + 1) * per)
        let path = output ?? "exhaustive-pairs-\(g.unit.name)\(quantity == .partialA ? "-da" : "")-\(format)\(n > 1 ? "-\(k)-of-\(n)" : "").json"
        _ = try OutputFiles.target(path, option: "--output") // checked before hours of work
        let bound = KernelBounds.ulps(g.unit, format, quantity: quantity)
        let command = "activation-oracle exhaustive pairs \(g.unit.name) --format \(format)\(quantity == .partialA ? " --wrt a" : "")\(n > 1 ? " --shard \(k)/\(n)" : "")"
        let quiet = self.quiet, total = range.count
        let started = Date()
        let certificate = try GatedExhaustive.run(g.unit, quantity, format: format, range: range, bound: bound, threads: threads,
                                                  shard: "\(k)/\(n)", command: command) { done in
            if !quiet && (done % 256 == 0 || done == total) {
                let rate = Double(done) * 65536 / max(Date().timeIntervalSince(started), 1e-3)
                Console.error(String(format: "\r%@ %@: %d/%d values of a, %.1f M pairs/s   ", g.unit.name, quantity.rawValue, done, total, rate / 1e6))
            }
        }
        if !quiet { Console.error("\n") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let files = OutputFiles()
        try files.write(String(decoding: try encoder.encode(certificate), as: UTF8.self) + "\n", to: path, option: "--output")
        try files.commit()
        print("\(g.unit) \(quantity) \(format): \(certificate.pairs_checked) pairs, max \(certificate.max_ulp) ULP (bound \(bound)), \(certificate.failures) beyond; \(String(format: "%.0f", certificate.seconds)) s → \(path)")
        if !certificate.pass { throw ExitCode(1) }
    }
}
