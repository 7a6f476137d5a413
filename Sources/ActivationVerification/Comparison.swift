import ActivationCatalog
import ActivationKernels
import ActivationOracle
import Dispatch
import Foundation

/// The result of comparing an implementation with the oracle over a set of inputs.
public struct Comparison: Sendable {
    public struct Case: Sendable {
        public var input: UInt64
        public var expected: UInt64
        public var actual: UInt64
        public var ulps: UInt64
        public var disagreement: Disagreement
        /// |actual − exact| in ulps of the exact value (see `ULP`); nil for NaN/inf cases.
        public var realULPs: Double?
    }

    public let format: FloatFormat
    public private(set) var count = 0
    public private(set) var maxULP: UInt64 = 0
    /// Worst cases, largest ULP distance first (at most `keep`).
    public private(set) var worst: [Case] = []
    public private(set) var classes: [Disagreement: Int] = [:]
    let keep: Int

    public init(format: FloatFormat, keep: Int = 5) {
        self.format = format
        self.keep = keep
    }

    mutating func record(input: UInt64, expected: UInt64, actual: UInt64) {
        count += 1
        guard let kind = Disagreement.classify(expected: expected, actual: actual, format: format) else { return }
        classes[kind, default: 0] += 1
        let ulps = ULP.distance(expected, actual, format: format)
        maxULP = max(maxULP, ulps)
        if worst.count < keep || ulps > worst.last!.ulps {
            worst.append(Case(input: input, expected: expected, actual: actual, ulps: ulps, disagreement: kind, realULPs: nil))
            worst.sort { $0.ulps > $1.ulps }
            if worst.count > keep { worst.removeLast() }
        }
    }

    /// Fills in the real-valued error of the worst cases from the oracle's enclosure.
    mutating func measureWorst(_ function: ActivationFunction, _ quantity: Quantity) {
        for i in worst.indices {
            let c = worst[i]
            guard format.isFinite(c.actual), format.isFinite(c.expected), format.isFinite(c.input),
                  let exact = function.enclosure(quantity, bits: c.input, format: format, precision: 160) else { continue }
            worst[i].realULPs = exact.lower.ulpError(of: c.actual, format: format)
        }
    }

    /// Within `bound` ULP, with no NaN/inf/sign-of-zero/subnormal class beyond what ULP counts.
    public func passes(bound: UInt64) -> Bool {
        maxULP <= bound && (classes[.nan] ?? 0) == 0 && (classes[.inf] ?? 0) == 0 && (classes[.zeroSign] ?? 0) == 0
    }
}

/// The built-in kernels against the oracle.
public enum Gate {
    /// The kernel configured with exactly the oracle's parameters (rounded to Double) and kinks.
    public static func kernel(for function: ActivationFunction) -> Kernel {
        var parameters: [String: Double] = [:], tails: [String: Double] = [:]
        for name in function.parameterNames {
            parameters[name] = Double(bitPattern: function.parameter(name, roundedTo: .f64))
            tails[name] = function.parameterTail(name)
        }
        let kinks = function.kinkPositions(roundedTo: .f64).map { Double(bitPattern: $0) }
        return Kernel(function.activation, configuration: KernelConfiguration(
            parameters: parameters, parameterTails: tails, kinks: kinks, derivativeSides: function.derivativeSides))
    }

    /// The kernel's result for one input bit pattern, in `format`.
    public static func evaluate(_ kernel: Kernel, _ quantity: Quantity, bits: UInt64, format: FloatFormat) -> UInt64 {
        func run<T: KernelElement & FloatFormatRepresentable>(_ x: T) -> UInt64 {
            switch quantity {
            case .value: return kernel.value(x).formatBits
            case .derivative: return kernel.derivative(x).formatBits
            case .parameterDerivative(let name): return (kernel.parameterDerivative(x, with: name) ?? x).formatBits
            }
        }
        switch format {
        case .f16: return run(Float16(formatBits: bits))
        case .bf16: return run(BFloat16(formatBits: bits))
        case .f32: return run(Float(formatBits: bits))
        case .f64: return run(Double(formatBits: bits))
        }
    }

    /// The kernel's results for many inputs through its buffer path (what users call), in `format`.
    /// Float and Double go through the concrete entry points, as callers in other modules reach them.
    public static func evaluateBuffer(_ kernel: Kernel, _ quantity: Quantity, inputs: [UInt64], format: FloatFormat) -> [UInt64] {
        typealias Loop<T> = (UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
        func run<T: KernelElement & FloatFormatRepresentable>(_ forward: Loop<T>, _ derivative: Loop<T>) -> [UInt64] {
            let x = inputs.map { T(formatBits: $0) }
            var y = x
            x.withUnsafeBufferPointer { i in
                y.withUnsafeMutableBufferPointer { o in quantity == .derivative ? derivative(i, o) : forward(i, o) }
            }
            return y.map(\.formatBits)
        }
        if case .parameterDerivative = quantity { return inputs.map { evaluate(kernel, quantity, bits: $0, format: format) } }
        switch format {
        case .f16: return run(kernel.forward(_:into:) as Loop<Float16>, kernel.derivative(_:into:))
        case .bf16: return run(kernel.forward(_:into:) as Loop<BFloat16>, kernel.derivative(_:into:))
        case .f32: return run(kernel.forward(_:into:) as Loop<Float>, kernel.derivative(_:into:))
        case .f64: return run(kernel.forward(_:into:) as Loop<Double>, kernel.derivative(_:into:))
        }
    }

    /// Compares a whole set of results with the oracle.
    public static func compare(_ function: ActivationFunction, _ quantity: Quantity, format: FloatFormat,
                               inputs: [UInt64], results: [UInt64]) -> Comparison {
        precondition(inputs.count == results.count)
        let expected = oracle(function, quantity, inputs, format)
        var comparison = Comparison(format: format)
        for i in inputs.indices { comparison.record(input: inputs[i], expected: expected[i], actual: results[i]) }
        comparison.measureWorst(function, quantity)
        return comparison
    }

    /// Correctly rounded results for many inputs, on every core.
    public static func oracle(_ function: ActivationFunction, _ quantity: Quantity, _ inputs: [UInt64], _ format: FloatFormat) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: inputs.count)
        let workers = max(1, min(inputs.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var i = w
                while i < inputs.count {
                    buffer[i] = function.evaluate(quantity, bits: inputs[i], format: format)
                    i += workers
                }
            }
        }
        return out
    }

    /// Compares `actual(x)` with the oracle on `inputs`.
    public static func compare(_ function: ActivationFunction, _ quantity: Quantity, format: FloatFormat,
                               inputs: [UInt64], actual: (UInt64) -> UInt64) -> Comparison {
        let expected = oracle(function, quantity, inputs, format)
        var comparison = Comparison(format: format)
        for (x, e) in zip(inputs, expected) {
            comparison.record(input: x, expected: e, actual: actual(x))
        }
        comparison.measureWorst(function, quantity)
        return comparison
    }

    /// The gate's inputs for one entry and format: specials, kinks with neighbours, the oracle's
    /// thresholds with neighbours, and `count` random inputs from `seed` (every input for 16-bit
    /// formats when `exhaustiveSmall`).
    public static func inputs(_ function: ActivationFunction, _ format: FloatFormat, count: Int, seed: UInt64,
                              exhaustiveSmall: Bool) -> [UInt64] {
        if exhaustiveSmall && format.bitWidth == 16 { return Inputs.all16(format) }
        return Inputs.specials(format) + Inputs.kinks(function, format) + Thresholds.inputs(function, format)
            + Inputs.random(format, count: count, seed: seed)
    }
}
