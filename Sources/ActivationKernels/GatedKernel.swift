import ActivationCatalog

/// A gated unit's kernel: f(a, b) = g(a)·b, ∂f/∂a = b·g′(a), ∂f/∂b = g(a), and the fused
/// two-output backward (gOut·b·g′(a), gOut·g(a)). The gate's Double kernel (its tie-break
/// included) times the factor in Double, the product's rounding error kept as the tie-break, then
/// one rounding into the element format (`Kernel.evaluate(derivative:bits:input:output:)`):
/// correctly rounded unless the exact product lies within the Double kernel's few ULP of a
/// rounding midpoint. Bounds: `KernelBounds.ulps(_:_:quantity:)`, measured by the gate.
///
/// IEEE's rules where no exact product exists, as the oracle states them: NaN in either gives
/// NaN; 0·inf is NaN; any other product with an infinity is ±inf; an exactly zero product is
/// the zero IEEE multiplication gives (sign: the xor of the factors'). g(a) is exactly zero only
/// where the gate is: relu and relu′ wherever the Double kernel gives 0, the smooth gates' values
/// at a = ±0; an underflowed Double is no exact zero (silu(−1000)·inf = −inf, not NaN).
public struct GatedKernel: Sendable {
    public let unit: GatedUnit
    public let gate: Kernel

    public init(_ unit: GatedUnit, convention: KinkConvention = .pytorch) {
        self.unit = unit
        self.gate = Kernel(unit.entry.gate, convention: convention)
    }

    /// Whether g(a) (or g′(a)) is exactly 0 where the Double kernel gave `v == 0`.
    @inline(__always) func exactlyZero(_ a: Double, derivative: Bool) -> Bool {
        switch unit {
        case .reglu: return true // relu and relu′ are exact: a Double 0 is the exact 0
        case .glu: return false  // σ and σ′ are never 0
        case .geglu, .gegluTanh, .swiglu: return !derivative && a == 0 // gelu(0) = silu(0) = 0; their f′ have irrational roots
        }
    }

    /// The gate's Double result at one a, computed once and rounded for any number of factors.
    public struct GateResult: Sendable {
        let a: Double, v: Double, tie: Int, exactZero: Bool, derivative: Bool
    }

    /// q(a) for the gate's value or derivative, `format`'s bit pattern of a.
    public func gateResult(derivative: Bool, a bits: UInt64, format: FloatFormat) -> GateResult {
        let a = format.doubleValue(bits & format.allBitsMask)
        if a.isNaN { return GateResult(a: a, v: .nan, tie: 0, exactZero: false, derivative: derivative) }
        let (v, tie) = Kernel.doubleResult(gate.kernel, a, derivative: derivative)
        return GateResult(a: a, v: v, tie: tie, exactZero: v == 0 && (a.isInfinite || exactlyZero(a, derivative: derivative)), derivative: derivative)
    }

    /// RN(q(a)·c·2^e) for a factor c·2^e (b with e = 0, or a backward pass's g·b split so that it
    /// neither overflows nor underflows Double).
    public func product(_ q: GateResult, factor c: Double, exponent e: Int = 0, format: FloatFormat) -> UInt64 {
        let v = q.v
        if v.isNaN || c.isNaN { return format.quietNaN }
        let negative = (v.sign == .minus) != (c.sign == .minus)
        if c.isInfinite || v.isInfinite {
            if c == 0 || q.exactZero { return format.quietNaN }
            return format.exactInfinity(negative: negative, format.defaultOverflow)
        }
        if c == 0 || q.exactZero { return format.zero(negative: negative) }
        var r: UInt64
        if e == 0 {
            r = gate.round((v, q.tie), x: q.a, derivative: q.derivative, output: KernelOutput(format, scale: Swift.abs(c)))
        } else {
            // Only binary64's g·b leaves Double's range: RN(q·|c|) in binary64, then times 2^e
            // (exact unless the result is subnormal or overflows: one more rounding, in the bound).
            let p = Double(bitPattern: gate.round((v, q.tie), x: q.a, derivative: q.derivative, output: KernelOutput(.f64, scale: Swift.abs(c))))
            r = format.rounding(Double(sign: .plus, exponent: e, significand: p))
        }
        return c < 0 && !format.isNaN(r) ? r ^ format.signMask : r
    }

    func product(derivative: Bool, a bits: UInt64, factor c: Double, exponent e: Int = 0, format: FloatFormat) -> UInt64 {
        product(gateResult(derivative: derivative, a: bits, format: format), factor: c, exponent: e, format: format)
    }

    /// f(a, b) = g(a)·b for bit patterns in `format`.
    public func value(a: UInt64, b: UInt64, format: FloatFormat) -> UInt64 {
        product(derivative: false, a: a, factor: format.doubleValue(b & format.allBitsMask), format: format)
    }

    /// ∂f/∂a = b·g′(a).
    public func partialA(a: UInt64, b: UInt64, format: FloatFormat) -> UInt64 {
        product(derivative: true, a: a, factor: format.doubleValue(b & format.allBitsMask), format: format)
    }

    /// ∂f/∂b = g(a), correctly rounded as the one-input kernel rounds it (b is not read).
    public func partialB(a: UInt64, format: FloatFormat) -> UInt64 {
        gate.evaluate(derivative: false, bits: a, input: format, output: KernelOutput(format))
    }

    /// The fused backward: (gOut·b·g′(a), gOut·g(a)). gOut·b is exact in Double for every format
    /// up to float32; for binary64 it is rounded once more (the bound says how much that costs).
    public func backward(a: UInt64, b: UInt64, gradient g: UInt64, format: FloatFormat) -> (da: UInt64, db: UInt64) {
        let gd = format.doubleValue(g & format.allBitsMask), bd = format.doubleValue(b & format.allBitsMask)
        var gb = (gd == 0 && bd.isInfinite) || (gd.isInfinite && bd == 0) ? Double.nan : gd * bd, e = 0
        if gb.isFinite && gb != 0 && (gb.magnitude < 0x1p-900 || gb.magnitude > 0x1p900) {
            // g·b beyond Double's comfortable range (binary64 inputs only): carry it as m·2^e.
            e = gd.exponent + bd.exponent
            gb = Double(sign: .plus, exponent: -gd.exponent, significand: gd) * Double(sign: .plus, exponent: -bd.exponent, significand: bd)
        } else if gb.isInfinite && gd.isFinite && bd.isFinite {
            e = gd.exponent + bd.exponent
            gb = Double(sign: .plus, exponent: -gd.exponent, significand: gd) * Double(sign: .plus, exponent: -bd.exponent, significand: bd)
        }
        return (product(derivative: true, a: a, factor: gb, exponent: e, format: format), product(derivative: false, a: a, factor: gd, format: format))
    }

    /// f(a[i], b[i]) into y[i] for every i, in any element type the kernels take (all three
    /// buffers of one length).
    public func forward<T: FloatFormatRepresentable>(_ a: UnsafeBufferPointer<T>, _ b: UnsafeBufferPointer<T>, into y: UnsafeMutableBufferPointer<T>) {
        precondition(a.count == b.count && b.count == y.count, "GatedKernel.forward: a, b and y must have one length")
        for i in a.indices { y[i] = T(formatBits: value(a: a[i].formatBits, b: b[i].formatBits, format: T.floatFormat)) }
    }

    /// The fused two-output backward over buffers: da[i] = g[i]·b[i]·g′(a[i]), db[i] = g[i]·g(a[i]).
    public func backward<T: FloatFormatRepresentable>(_ a: UnsafeBufferPointer<T>, _ b: UnsafeBufferPointer<T>, gradOutput g: UnsafeBufferPointer<T>,
                                                      da: UnsafeMutableBufferPointer<T>, db: UnsafeMutableBufferPointer<T>) {
        precondition(a.count == b.count && b.count == g.count && g.count == da.count && da.count == db.count,
                     "GatedKernel.backward: every buffer must have one length")
        for i in a.indices {
            let r = backward(a: a[i].formatBits, b: b[i].formatBits, gradient: g[i].formatBits, format: T.floatFormat)
            da[i] = T(formatBits: r.da)
            db[i] = T(formatBits: r.db)
        }
    }
}
