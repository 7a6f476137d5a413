import ActivationCatalog
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
        (NaN for x = −inf); protocol faults: garbage, exit, hang, extra-line, short.
        """)

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32 or f64.")
    var format: FloatFormat

    @Option(help: "Break the implementation this way (see the discussion).")
    var fault: String?

    func run() throws {
        let (f, quantity) = try function.resolve()
        let kernel = Gate.kernel(for: f)
        let kinks = Set(f.kinkPositions(roundedTo: format))
        let other = try f.with(convention: f.derivativeSides.first == .left ? .right : .left)
        let otherKernel = Gate.kernel(for: other)
        let fault = self.fault
        guard readLine()?.hasPrefix("activation-oracle-protocol 1 ") == true else { throw InputError("serve: expected the protocol header") }
        FileHandle.standardOutput.write(Data((fault == "garbage" ? "hello\n" : "ready\n").utf8))
        if fault == "garbage" { return }
        var batches = 0
        while let header = readLine() {
            guard let n = Int(header) else { throw InputError("serve: expected a count, got '\(header)'") }
            var inputs: [UInt64] = []
            for _ in 0..<n {
                guard let line = readLine(), let v = UInt64(line.dropFirst(2), radix: 16) else { throw InputError("serve: bad input line") }
                inputs.append(v)
            }
            batches += 1
            if fault == "exit" && batches == 2 { Foundation.exit(3) }
            if fault == "hang" && batches == 2 { sleep(3600) }
            var results = Gate.evaluateBuffer(kernel, quantity, inputs: inputs, format: format)
            for i in inputs.indices { results[i] = broken(results[i], input: inputs[i], f, quantity, kinks, otherKernel, fault) }
            if fault == "short" && batches == 2 { results.removeLast() }
            var text = results.map { format.hexBits($0) }.joined(separator: "\n") + "\n"
            if fault == "extra-line" && batches == 2 { text += format.hexBits(0) + "\n" }
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

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
            return abs(v) > 8 && format.isFinite(x) ? f.evaluate(quantity, bits: format.infinity(negative: v < 0), format: format) : y
        case "overflow": return abs(v) > 1e30 && format.isFinite(x) ? format.infinity(negative: v < 0) : y
        case "other-kink": return quantity == .derivative && kinks.contains(x) ? Gate.evaluate(otherKernel, quantity, bits: x, format: format) : y
        case "nan-at-neg-inf": return x == format.infinity(negative: true) ? format.quietNaN : y
        default: return y
        }
    }
}
