import ActivationCatalog
import ActivationOracle
import ArgumentParser
import Dispatch
import Foundation

struct ReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reference",
        abstract: "Correctly rounded values (or derivatives) for the inputs in a file.",
        discussion: "Streams: memory stays bounded for any file size. On error nothing is written to --output.")

    @OptionGroup var function: FunctionOptions

    @Option(help: "Number format: f16, bf16, f32 or f64.")
    var format: FloatFormat

    @OptionGroup var io: IOOptions

    func run() throws {
        let (f, quantity) = try function.resolve()
        let reader = try NumericReader(path: io.input, format: format, textBits: io.bits)
        let writer = try NumericWriter(path: io.output, format: format, encoding: reader.encoding)
        do {
            while true {
                let inputs = try reader.next(maximum: 1 << 15)
                if inputs.isEmpty { break }
                try writer.write(Self.evaluate(f, quantity, inputs, format))
            }
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
    }

    /// Evaluates a chunk on every core.
    static func evaluate(_ f: ActivationFunction, _ quantity: Quantity, _ inputs: [UInt64], _ format: FloatFormat) -> [UInt64] {
        var outputs = [UInt64](repeating: 0, count: inputs.count)
        let workers = min(inputs.count, max(1, ProcessInfo.processInfo.activeProcessorCount) * 4)
        outputs.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                var i = worker
                while i < inputs.count {
                    out[i] = f.evaluate(quantity, bits: inputs[i], format: format)
                    i += workers
                }
            }
        }
        return outputs
    }
}
