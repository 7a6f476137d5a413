import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import Dispatch
import Foundation

/// The built-in kernels against the oracle.
public enum Gate {
    /// The built-in kernels compute in Double: parameters (and the kinks they place) must be
    /// finite Doubles, and a nonzero parameter must not round to 0. The oracle takes any value
    /// in a parameter's domain; this says which of those the kernels cannot.
    public static func checkKernelParameters(_ function: ActivationFunction) throws {
        for name in function.parameterNames {
            let bits = function.parameter(name, roundedTo: .f64)
            let exactZero = function.parameterTexts.first { $0.name == name }.map { (try? ExactNumber(parsing: $0.value))?.isZero ?? false } ?? false
            guard FloatFormat.f64.isFinite(bits), !FloatFormat.f64.isZero(bits) || exactZero else {
                throw InputError("parameter \(name) is beyond binary64, where the built-in kernels compute (the oracle takes it: use `reference`)")
            }
        }
        guard function.kinkPositions(roundedTo: .f64).allSatisfy(FloatFormat.f64.isFinite) else {
            throw InputError("these parameters put a kink beyond binary64, where the built-in kernels compute (the oracle takes them: use `reference`)")
        }
    }

    /// The built-in kernels compute f and f′ (and prelu's ∂/∂alpha): a command that runs them
    /// refuses f″ here, before any work, rather than running some other quantity.
    public static func checkKernelQuantity(_ quantity: Quantity) throws {
        if quantity == .secondDerivative {
            throw InputError("the built-in kernels compute f and f′, not f″: use `reference --order 2` for the oracle, `verify --order 2` for an implementation")
        }
    }

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
            case .secondDerivative: preconditionFailure("checkKernelQuantity(_:) first")
            case .parameterDerivative(let name): return (kernel.parameterDerivative(x, with: name) ?? x).formatBits
            }
        }
        switch format {
        case .f16: return run(Float16(formatBits: bits))
        case .bf16: return run(BFloat16(formatBits: bits))
        case .f32: return run(Float(formatBits: bits))
        case .f64: return run(Double(formatBits: bits))
        case .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1:
            return evaluate(kernel, quantity, bits: bits, format: format, to: .plain(format))
        }
    }

    /// The built-in kernels multiply by a binary64 scale: a scale that is not one (3/10) would be
    /// another function than the oracle's, so commands running the kernels refuse it.
    public static func checkKernelScale(_ result: ResultRounding) throws {
        guard let scale = result.scale, result.binary64Scale == nil else { return }
        throw InputError("--scale \(scale.text.prefix(40)) is not a binary64 number, and the built-in kernels scale in binary64 (f64:\(scale.text.prefix(40)) is the nearest one)")
    }

    /// The kernel's result in another format, overflow rule or scale (`Kernel.evaluate(derivative:
    /// bits:input:output:)`, the scale rounded to binary64); nil for a parameter derivative.
    public static func evaluate(_ kernel: Kernel, _ quantity: Quantity, bits: UInt64, format: FloatFormat,
                                to result: ResultRounding) -> UInt64 {
        let output = KernelOutput(result.format, overflow: result.overflow,
                                  scale: result.binary64Scale ?? result.scale.map { Double(bitPattern: FloatFormat.f64.rounding($0)) } ?? 1)
        switch quantity {
        case .value: return kernel.evaluate(derivative: false, bits: bits, input: format, output: output)
        case .derivative: return kernel.evaluate(derivative: true, bits: bits, input: format, output: output)
        case .secondDerivative: preconditionFailure("checkKernelQuantity(_:) first")
        case .parameterDerivative(let name):
            let x = format.doubleValue(bits)
            let d = kernel.parameterDerivative(x, with: name) ?? x
            let p = d * output.scale, error = (-p).addingProduct(d, output.scale) // one rounding: the product's error breaks ties
            return result.format.rounding(p, tieBreak: error > 0 ? 1 : (error < 0 ? -1 : 0), overflow: result.overflow)
        }
    }

    /// The kernel's results for many inputs into `result`: its buffer path when that is the inputs'
    /// own format, else one `evaluate(_:_:bits:format:to:)` per input (the narrow-output path).
    public static func evaluateBuffer(_ kernel: Kernel, _ quantity: Quantity, inputs: [UInt64], format: FloatFormat,
                                      to result: ResultRounding) -> [UInt64] {
        result.isPlain(for: format) ? evaluateBuffer(kernel, quantity, inputs: inputs, format: format)
            : inputs.map { evaluate(kernel, quantity, bits: $0, format: format, to: result) }
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
        precondition(quantity != .secondDerivative, "checkKernelQuantity(_:) first")
        if case .parameterDerivative = quantity { return inputs.map { evaluate(kernel, quantity, bits: $0, format: format) } }
        switch format {
        case .f16: return run(kernel.forward(_:into:) as Loop<Float16>, kernel.derivative(_:into:))
        case .bf16: return run(kernel.forward(_:into:) as Loop<BFloat16>, kernel.derivative(_:into:))
        case .f32: return run(kernel.forward(_:into:) as Loop<Float>, kernel.derivative(_:into:))
        case .f64: return run(kernel.forward(_:into:) as Loop<Double>, kernel.derivative(_:into:))
        case .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1:
            return inputs.map { evaluate(kernel, quantity, bits: $0, format: format) }
        }
    }

    /// Compares a whole set of results with the oracle; passes within `bound` ULP (no NaN, inf or
    /// sign-of-zero disagreement is ever within a bound). Results are in `result`'s format
    /// (default: the inputs').
    public static func compare(_ function: ActivationFunction, _ quantity: Quantity, format: FloatFormat,
                               to result: ResultRounding? = nil,
                               inputs: [UInt64], results: [UInt64], bound: UInt64 = 0) -> ValidationReport {
        precondition(inputs.count == results.count)
        let result = result ?? .plain(format)
        let expected = oracle(function, quantity, inputs, format, to: result)
        var report = ValidationReport(function: function, quantity: quantity, format: format, result: result,
                                      allowances: Allowances(maxULP: bound), keep: 5)
        report.record(inputs: inputs, expected: expected, actual: results)
        report.measureWorst()
        return report
    }

    /// Correctly rounded results for many inputs, on every core.
    public static func oracle(_ function: ActivationFunction, _ quantity: Quantity, _ inputs: [UInt64], _ format: FloatFormat) -> [UInt64] {
        oracle(function, quantity, inputs, format, to: .plain(format))
    }

    /// The same, rounded into `result` (another format, overflow rule or scale).
    public static func oracle(_ function: ActivationFunction, _ quantity: Quantity, _ inputs: [UInt64], _ format: FloatFormat,
                              to result: ResultRounding) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: inputs.count)
        let workers = max(1, min(inputs.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let function = function.independentCopy()
                var i = w
                while i < inputs.count {
                    buffer[i] = function.evaluate(quantity, bits: inputs[i], format: format, to: result)
                    i += workers
                }
            }
        }
        return out
    }

    /// Compares `actual(x)` with the oracle on `inputs`.
    public static func compare(_ function: ActivationFunction, _ quantity: Quantity, format: FloatFormat,
                               inputs: [UInt64], bound: UInt64 = 0, actual: (UInt64) -> UInt64) -> ValidationReport {
        compare(function, quantity, format: format, inputs: inputs, results: inputs.map(actual), bound: bound)
    }

    /// The gate's inputs for one entry and format: specials, kinks with neighbours, the oracle's
    /// thresholds with neighbours, and `count` random inputs from `seed` (every input for 16-bit
    /// formats when `exhaustiveSmall`). Results going elsewhere (`result`: another format or a
    /// scale) add the inputs whose scaled value lands on an output midpoint
    /// (`Inputs.outputMidpoints`); NaN inputs are left out when the output has no NaN.
    public static func inputs(_ function: ActivationFunction, _ format: FloatFormat, count: Int, seed: UInt64,
                              exhaustiveSmall: Bool, result: ResultRounding? = nil) -> [UInt64] {
        var inputs: [UInt64]
        if format.isNarrow || (exhaustiveSmall && format.bitWidth == 16) {
            inputs = Inputs.all(format)
        } else {
            inputs = Inputs.specials(format) + Inputs.kinks(function, format) + Thresholds.inputs(function, format)
                + Inputs.random(format, count: count, seed: seed)
            if let result, result.format != format || result.scale != nil { inputs += Inputs.outputMidpoints(format, result) }
        }
        if let result, !result.format.hasNaN { inputs.removeAll(where: format.isNaN) }
        return inputs
    }
}

/// Results that arrive in chunks with their inputs (two files read in step, arrays sent by the
/// Python package), compared with the oracle in bounded memory. The same input twice must give
/// the same result: the first result and place of up to 2^20 distinct inputs are kept, and a
/// later element that disagrees is recorded as position-dependent.
public struct StreamComparison {
    public private(set) var report: ValidationReport
    /// Elements compared so far.
    public private(set) var seen = 0
    private var firstSeen: [UInt64: (result: UInt64, element: Int)] = [:]

    public init(_ report: ValidationReport) { self.report = report }

    /// Compares the next chunk (`inputs` and `actual` of the same length).
    public mutating func add(inputs: [UInt64], actual: [UInt64]) {
        precondition(inputs.count == actual.count)
        let expected = Gate.oracle(report.function, report.quantity, inputs, report.format, to: report.result)
        report.record(inputs: inputs, expected: expected, actual: actual)
        for i in inputs.indices {
            if let first = firstSeen[inputs[i]] {
                report.recordPosition(input: inputs[i], first: first.result, firstPlace: "element \(first.element)",
                                      other: actual[i], otherPlace: "element \(seen + i)")
            } else if firstSeen.count < 1 << 20 {
                firstSeen[inputs[i]] = (actual[i], seen + i)
            }
        }
        seen += inputs.count
    }
}
