import ActivationCatalog

/// Where a kernel's result goes when it is not the input's own format: the FP8 and MX element
/// formats (or bf16 from f32, ...), what an overflow becomes there, and a scale applied first —
/// the fused "activation → multiply by s → cast" of FP8/MX recipes.
public struct KernelOutput: Sendable, Hashable {
    public let format: FloatFormat
    public let overflow: FloatFormat.Overflow
    /// The factor s (1 for none). Exact when it is a binary64 number (powers of two, float32
    /// scales); other values are rounded to binary64 first.
    public let scale: Double

    /// `format.allows(overflow)` and a positive finite `scale` are preconditions.
    public init(_ format: FloatFormat, overflow: FloatFormat.Overflow? = nil, scale: Double = 1) {
        let overflow = overflow ?? format.defaultOverflow
        precondition(format.allows(overflow), "\(format) has no \(overflow.rawValue) to overflow to")
        precondition(scale > 0 && scale.isFinite, "scale must be positive and finite")
        self.format = format
        self.overflow = overflow
        self.scale = scale
    }
}

extension Kernel {
    /// RN_out(s·q(x)) for the input with bit pattern `bits` in `input`: the Double kernel (its
    /// tie-break included), times s in Double with the product's rounding error kept as the
    /// tie-break when it is inexact (fma), then one rounding into the output format. Correctly
    /// rounded unless the exact value lies within the Double kernel's few ULP of an output
    /// midpoint — 2^−48 of the output's ULP for the 8-bit formats; every 8-bit input and every
    /// bfloat16 input is certified (Reference/narrow-certificates.md).
    ///
    /// NaN gives the output's NaN (a format without one — e2m3, e3m2, e2m1 — cannot take a NaN
    /// input: precondition). f(±inf) = ±inf is an exact infinity; a finite result beyond the
    /// output's range overflows by `output.overflow`.
    public func evaluate(derivative: Bool, bits: UInt64, input: FloatFormat, output: KernelOutput) -> UInt64 {
        let out = output.format
        let x = input.doubleValue(bits & input.allBitsMask)
        if x.isNaN {
            precondition(out.hasNaN, "\(out) has no NaN for f(NaN)")
            return out.quietNaN
        }
        return round(Self.doubleResult(kernel, x, derivative: derivative), x: x, derivative: derivative, output: output)
    }

    /// The rest of `evaluate(derivative:bits:input:output:)` once the Double result (v, tie) of q(x)
    /// is known: times s, the product's error as tie-break, one rounding (a gated unit computes
    /// (v, tie) once per a and rounds it for every b).
    public func round(_ result: (Double, Int), x: Double, derivative: Bool, output: KernelOutput) -> UInt64 {
        let out = output.format
        let (v, tie) = result
        if v.isNaN { return out.hasNaN ? out.quietNaN : out.overflowed(negative: false, .saturate) }
        if v.isInfinite {
            // Exact only at an infinite input; from a finite one it is an overflow of Double.
            return x.isInfinite ? out.exactInfinity(negative: v < 0, output.overflow) : out.overflowed(negative: v < 0, output.overflow)
        }
        let p = v * output.scale
        if p.isInfinite { return out.overflowed(negative: p < 0, output.overflow) }
        let error = output.scale == 1 ? 0 : (-p).addingProduct(v, output.scale) // v·s − p, exact or of the right sign
        // An inexact product (error ≠ 0) carries its own tie-break; an exact one inherits the kernel's.
        var tieBreak = error > 0 ? 1 : (error < 0 ? -1 : tie)
        let side = x < 0 ? -0x1p-20 : 0x1p-20
        if tieBreak == 0 && x != 0 && abs(x) < 0x1p-40 && Self.doubleResult(kernel, x < 0 ? -0.0 : 0.0, derivative: derivative).0 == v
            && !configuration.kinks.contains(where: { $0 != 0 && ($0 > 0) == (x > 0) && abs($0) <= abs(side) }) {
            let up = out.rounding(p, tieBreak: 1, overflow: output.overflow), down = out.rounding(p, tieBreak: -1, overflow: output.overflow)
            if up != down {
                // s·f(0) on a midpoint, and f(x) − f(0) (about f′(0)·x, or f″(0)·x²/2) lost in
                // Double (v is still the kernel's f at ±0 on x's side; exact pieces such as relu's
                // x have moved, and keep ties-to-even): with no kink between, every piece is
                // monotone on [0, 2^−20] on each side of 0, so the kernel there says on which side
                // of f(0) f(x) lies (hard-swish′(2^−149)/2 = 0.25 + …, e2m1's midpoint of 0 and
                // 0.5). A flat piece gives 0: then f(x) is exactly v.
                let (probe, _) = Self.doubleResult(kernel, side, derivative: derivative)
                tieBreak = probe > v ? 1 : (probe < v ? -1 : 0)
                return tieBreak > 0 ? up : (tieBreak < 0 ? down : out.rounding(p, overflow: output.overflow))
            }
        }
        return out.rounding(p, tieBreak: tieBreak, overflow: output.overflow)
    }

    /// The Double result every scalar path rounds (`value(_:)`, `derivative(_:)`, backward and
    /// narrow outputs), with its tie-break (0 when none).
    @inline(__always) static func doubleResult(_ kernel: some ActivationKernel, _ x: Double, derivative: Bool) -> (Double, Int) {
        if derivative {
            if let r = kernel.derivativeWithTieBreak(x) { return r }
            return (kernel.derivative(x), 0)
        }
        if let r = kernel.valueWithTieBreak(x) { return r }
        return (kernel.value(x), 0)
    }

    /// f (or f′) of every input, each a bit pattern of `input` in a `UInt64`'s low bits, written as
    /// bit patterns of `output.format` — one byte each for the 8-bit and smaller formats.
    /// `input` and `result` must have the same length.
    public func forward(bits input: UnsafeBufferPointer<UInt8>, format: FloatFormat, derivative: Bool = false,
                        into result: UnsafeMutableBufferPointer<UInt8>, output: KernelOutput) {
        precondition(format.byteWidth == 1 && output.format.byteWidth == 1, "forward(bits:): 8-bit formats in and out")
        precondition(input.count == result.count, "forward(bits:): \(input.count) inputs, \(result.count) outputs")
        // 256 inputs: one table, then a lookup per element.
        var table = [UInt8](repeating: 0, count: 256)
        for b in 0..<UInt64(1) << UInt64(format.bitWidth) where !(format.isNaN(b) && !output.format.hasNaN) {
            table[Int(b)] = UInt8(truncatingIfNeeded: evaluate(derivative: derivative, bits: b, input: format, output: output))
        }
        for i in input.indices {
            let b = UInt64(input[i]) & format.allBitsMask
            precondition(!(format.isNaN(b) && !output.format.hasNaN), "\(output.format) has no NaN for f(NaN)")
            result[i] = table[Int(b)]
        }
    }

    /// f (or f′) of Float inputs written as 8-bit patterns of `output.format` (a fused
    /// activation, scale and cast to FP8).
    public func forward(_ input: UnsafeBufferPointer<Float>, derivative: Bool = false,
                        into result: UnsafeMutableBufferPointer<UInt8>, output: KernelOutput) {
        precondition(output.format.byteWidth == 1, "forward(_:into:output:): an 8-bit output format")
        precondition(input.count == result.count, "forward: \(input.count) inputs, \(result.count) outputs")
        for i in input.indices {
            result[i] = UInt8(truncatingIfNeeded: evaluate(derivative: derivative, bits: UInt64(input[i].bitPattern), input: .f32, output: output))
        }
    }
}
