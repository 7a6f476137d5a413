import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationVerification
import ArgumentParser
import Dispatch
import Foundation

/// Times the built-in kernels in the running build (use a release build) against a plain copy
/// measured in the same run.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "ns/element of every kernel (forward, derivative, backward) over contiguous buffers, and the ratio to a plain copy.",
        discussion: "Single thread, best of --repeat runs, inputs uniform in [-8, 8]. Build with -c release; see README for flags.")

    @Option(help: "Only this activation (default: all).")
    var function: String?

    @Option(help: "Element format.")
    var format: FloatFormat = .f32

    @Option(help: "Elements per buffer.")
    var count: Int = 1 << 20

    @Option(help: "Runs per measurement; the fastest counts.")
    var `repeat`: Int = 5

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        var activations = Activation.allCases
        if let function {
            activations = [try FunctionSpec.activation(named: function)]
        }
        try checkCount(count, minimum: 1)
        guard (1...10_000).contains(`repeat`) else { throw InputError("--repeat must be from 1 to 10000, got \(`repeat`)") }
        // The concrete (non-generic) kernel entry points, as an application calls them.
        switch format {
        case .f32: try measure(activations, Calls<Float>(forward: { $0.forward($1, into: $2) }, derivative: { $0.derivative($1, into: $2) },
                                                         backward: { $0.backward(input: $1, gradOutput: $2, into: $3) }))
        case .f64: try measure(activations, Calls<Double>(forward: { $0.forward($1, into: $2) }, derivative: { $0.derivative($1, into: $2) },
                                                          backward: { $0.backward(input: $1, gradOutput: $2, into: $3) }))
        case .f16:
            #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
            try measure(activations, Calls<Float16>.generic)
            #else
            throw InputError("Float16 is not available on this platform")
            #endif
        case .bf16: try measure(activations, Calls<BFloat16>.generic)
        case .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1:
            throw InputError("bench: no kernels for \(format) yet")  // not reachable: --format refuses narrow formats
        }
    }

    struct Row: Codable {
        var function: String
        var format: String
        var direction: String // forward, derivative, backward; prelu also alpha-gradient
        var ns_per_element: Double
        var ratio_to_copy: Double
    }

    struct Report: Codable {
        var copy_ns_per_element: Double
        /// Reading two arrays and writing one (the input, the gradient and gradIn of a backward
        /// pass) with nothing computed: the bytes' exclusive or, as 64-bit words.
        var two_inputs_ns_per_element: Double
        var count: Int
        var build: String
        var results: [Row]
    }

    struct Calls<T> {
        var forward: (Kernel, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
        var derivative: (Kernel, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
        var backward: (Kernel, UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
    }

    func measure<T: KernelElement>(_ activations: [Activation], _ calls: Calls<T>) throws {
        var rng = SystemRandomNumberGenerator()
        let input = (0..<count).map { _ in T(roundingDouble: Double.random(in: -8...8, using: &rng)) }
        let grad = (0..<count).map { _ in T(roundingDouble: Double.random(in: -1...1, using: &rng)) }
        var output = [T](repeating: T(roundingDouble: 0), count: count)
        let copy = best {
            input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { o in _ = o.initialize(from: i) } }
        }
        let twoInputs = best {
            input.withUnsafeBytes { a in grad.withUnsafeBytes { b in output.withUnsafeMutableBytes { o in
                let words = o.count / 8
                for w in 0..<words {
                    o.storeBytes(of: a.load(fromByteOffset: w &* 8, as: UInt64.self) ^ b.load(fromByteOffset: w &* 8, as: UInt64.self),
                                 toByteOffset: w &* 8, as: UInt64.self)
                }
                for k in words &* 8..<o.count { o[k] = a[k] ^ b[k] }
            } } }
        }
        var rows: [Row] = []
        for activation in activations {
            let kernel = Kernel(activation)
            let timings: [(String, Double)] = [
                ("forward", best { input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { calls.forward(kernel, i, $0) } } }),
                ("derivative", best { input.withUnsafeBufferPointer { i in output.withUnsafeMutableBufferPointer { calls.derivative(kernel, i, $0) } } }),
                ("backward", best { input.withUnsafeBufferPointer { i in grad.withUnsafeBufferPointer { g in
                    output.withUnsafeMutableBufferPointer { calls.backward(kernel, i, g, $0) } } } }),
            ]
            var all = timings
            if activation == .prelu { // a layer also needs d/dalpha, reduced over the buffer
                all.append(("alpha-gradient", best { input.withUnsafeBufferPointer { i in grad.withUnsafeBufferPointer { g in
                    _ = kernel.parameterGradient("alpha", input: i, gradOutput: g) } } }))
            }
            for (direction, ns) in all {
                rows.append(Row(function: activation.name, format: format.rawValue, direction: direction,
                                ns_per_element: ns, ratio_to_copy: ns / copy))
            }
        }
        #if DEBUG
        let build = "debug (numbers are not meaningful: use swift build -c release)"
        #else
        let build = "release"
        #endif
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(Report(copy_ns_per_element: copy, two_inputs_ns_per_element: twoInputs, count: count, build: build, results: rows))
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("bench: \(count) × \(format), single thread, best of \(`repeat`), \(build) build; copy: \(String(format: "%.3f", copy)) ns/element; two inputs to one output (xor, backward's traffic): \(String(format: "%.3f", twoInputs))")
        print("function           forward ns (×copy)   derivative ns (×copy)   backward ns (×copy)")
        for activation in activations {
            let r = rows.filter { $0.function == activation.name && $0.direction != "alpha-gradient" }
            let cells = r.map { String(format: "%8.3f (%6.1f×)", $0.ns_per_element, $0.ratio_to_copy) }
            print(activation.name.padding(toLength: 17, withPad: " ", startingAt: 0) + "  " + cells.joined(separator: "   "))
        }
        if let a = rows.first(where: { $0.direction == "alpha-gradient" }) {
            print(String(format: "prelu d/dalpha summed over the buffer (parameterGradient): %.3f ns/element (%.1f× copy)", a.ns_per_element, a.ratio_to_copy))
        }
    }

    /// Fastest of `repeat` runs, in ns per element.
    func best(_ body: () -> Void) -> Double {
        var fastest = Double.infinity
        for _ in 0..<`repeat` {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
            fastest = min(fastest, elapsed / Double(count))
        }
        return fastest
    }
}

extension BenchCommand.Calls where T: KernelElement {
    /// The generic entry points (the 16-bit formats have no concrete ones).
    static var generic: Self {
        Self(forward: { $0.forward($1, into: $2) }, derivative: { $0.derivative($1, into: $2) },
             backward: { $0.backward(input: $1, gradOutput: $2, into: $3) })
    }
}
