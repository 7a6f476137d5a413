/// A binary interchange format, described by its bit layout. Values travel between layers as bit
/// patterns in the low bits of a `UInt64`, so one code path serves all four formats.
public enum FloatFormat: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// IEEE 754 binary16 (`Float16`).
    case f16
    /// bfloat16: binary32's exponent with 8 significand bits (`BFloat16`).
    case bf16
    /// IEEE 754 binary32 (`Float`).
    case f32
    /// IEEE 754 binary64 (`Double`).
    case f64

    public var description: String { rawValue }

    /// Significand bits including the implicit leading bit (11, 8, 24, 53).
    public var precision: Int {
        switch self {
        case .f16: 11
        case .bf16: 8
        case .f32: 24
        case .f64: 53
        }
    }

    /// Width of the biased exponent field.
    public var exponentBits: Int {
        switch self {
        case .f16: 5
        case .bf16, .f32: 8
        case .f64: 11
        }
    }

    public var bitWidth: Int { 1 + exponentBits + (precision - 1) }
    public var fractionBits: Int { precision - 1 }
    public var bias: Int { (1 << (exponentBits - 1)) - 1 }
    /// Exponent of the smallest normal number: 2^minNormalExponent.
    public var minNormalExponent: Int { 1 - bias }
    /// Exponent of the largest finite binade: maxFinite = (2 − 2^(1−p)) · 2^maxExponent.
    public var maxExponent: Int { bias }
    /// Exponent of one unit in the last place of the smallest subnormal: 2^(minNormalExponent − p + 1).
    public var minSubnormalExponent: Int { minNormalExponent - fractionBits }

    /// The NumPy dtype that stores the values (bfloat16 has none: its bits travel as `<u2`).
    public var numpyFloatDescr: String? {
        switch self {
        case .f16: "<f2"
        case .bf16: nil
        case .f32: "<f4"
        case .f64: "<f8"
        }
    }
    /// The NumPy dtype of the unsigned integer holding the bit patterns.
    public var numpyBitsDescr: String { "<u\(bitWidth / 8)" }

    // MARK: Bit patterns

    public var signMask: UInt64 { 1 << UInt64(bitWidth - 1) }
    public var exponentMask: UInt64 { ((1 << UInt64(exponentBits)) - 1) << UInt64(fractionBits) }
    public var fractionMask: UInt64 { (1 << UInt64(fractionBits)) - 1 }
    public var allBitsMask: UInt64 {
        switch self {
        case .f16, .bf16: 0xffff
        case .f32: 0xffff_ffff
        case .f64: ~0
        }
    }

    public func isNaN(_ bits: UInt64) -> Bool {
        bits & exponentMask == exponentMask && bits & fractionMask != 0
    }
    public func isInfinite(_ bits: UInt64) -> Bool {
        bits & ~signMask & allBitsMask == exponentMask
    }
    public func isZero(_ bits: UInt64) -> Bool { bits & ~signMask & allBitsMask == 0 }
    public func isSubnormal(_ bits: UInt64) -> Bool {
        bits & exponentMask == 0 && bits & fractionMask != 0
    }
    public func isNegative(_ bits: UInt64) -> Bool { bits & signMask != 0 }
    public func isFinite(_ bits: UInt64) -> Bool { bits & exponentMask != exponentMask }

    /// The canonical quiet NaN (positive, quiet bit set, no payload) that the oracle returns.
    public var quietNaN: UInt64 { exponentMask | (1 << UInt64(fractionBits - 1)) }
    public func infinity(negative: Bool) -> UInt64 { exponentMask | (negative ? signMask : 0) }
    public func zero(negative: Bool) -> UInt64 { negative ? signMask : 0 }
    public var largestFinite: UInt64 { exponentMask - 1 }

    /// Packs sign, significand n and the exponent of its last bit (value = ±n · 2^unitExponent) into
    /// a bit pattern. The caller has already rounded: n < 2^p, or n = 2^p after a carry, and
    /// unitExponent ≥ minSubnormalExponent. Values past the largest finite become ±inf.
    public func encode(negative: Bool, significand n: UInt64, unitExponent e: Int) -> UInt64 {
        let sign = negative ? signMask : 0
        if n == 0 { return sign }
        var n = n, e = e
        // Normalise so that n has exactly p bits when possible (subnormals keep fewer).
        let p = UInt64(precision)
        while n >= (1 << p) { // carry out of rounding: n == 2^p
            precondition(n & 1 == 0, "encode: significand wider than the format")
            n >>= 1
            e += 1
        }
        while n < (1 << (p - 1)) && e > minSubnormalExponent {
            n <<= 1
            e -= 1
        }
        precondition(e >= minSubnormalExponent, "encode: exponent below the subnormal range")
        if n < (1 << (p - 1)) { return sign | n } // subnormal
        let biased = e - minSubnormalExponent + 1
        if biased >= (1 << exponentBits) - 1 { return sign | exponentMask }
        return sign | (UInt64(biased) << UInt64(fractionBits)) | (n & fractionMask)
    }

    /// Splits a finite bit pattern into sign, integer significand and unit exponent (the inverse
    /// of `encode` for finite values).
    public func decode(_ bits: UInt64) -> (negative: Bool, significand: UInt64, unitExponent: Int) {
        precondition(isFinite(bits), "decode: not a finite value")
        let biased = Int((bits & exponentMask) >> UInt64(fractionBits))
        let fraction = bits & fractionMask
        let negative = isNegative(bits)
        if biased == 0 { return (negative, fraction, minSubnormalExponent) }
        return (negative, fraction | (1 << UInt64(fractionBits)), minSubnormalExponent + biased - 1)
    }

    /// The value as a `Double`: exact for f16, bf16 and f32 (and f64 itself).
    public func doubleValue(_ bits: UInt64) -> Double {
        switch self {
        case .f32: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .f64: return Double(bitPattern: bits)
        case .bf16: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits & 0xffff) << 16))
        case .f16: break
        }
        if isNaN(bits) { return .nan }
        if isInfinite(bits) { return isNegative(bits) ? -.infinity : .infinity }
        let (negative, n, e) = decode(bits)
        let magnitude = Double(sign: .plus, exponent: e, significand: Double(n))
        return negative ? -magnitude : magnitude
    }

    /// Hex digits of a bit pattern, zero-padded to the format's width (`0x3fc00000`).
    public func hexBits(_ bits: UInt64) -> String {
        let digits = String(bits, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, bitWidth / 4 - digits.count)) + digits
    }

    /// The exact value as a C99 hex float (`-0x1.8p-3`), `nan`, `inf` or `-inf`.
    public func hexFloat(_ bits: UInt64) -> String {
        if isNaN(bits) { return "nan" }
        if isInfinite(bits) { return isNegative(bits) ? "-inf" : "inf" }
        let (negative, n, e) = decode(bits)
        let sign = negative ? "-" : ""
        if n == 0 { return sign + "0x0p+0" }
        // Write n · 2^e as 0x1.fff…p±k with the leading bit alone before the point.
        let top = 63 - n.leadingZeroBitCount
        let frac = n & ((1 << UInt64(top)) - 1)
        let exponent = e + top
        var fracHex = ""
        if top > 0 {
            let nibbles = (top + 3) / 4
            let aligned = frac << UInt64(nibbles * 4 - top)
            fracHex = String(aligned, radix: 16)
            fracHex = String(repeating: "0", count: nibbles - fracHex.count) + fracHex
            while fracHex.hasSuffix("0") { fracHex.removeLast() }
        }
        return sign + "0x1" + (fracHex.isEmpty ? "" : "." + fracHex) + "p" + (exponent >= 0 ? "+" : "") + String(exponent)
    }
}

/// The Swift types whose values the oracle and the kernels speak: `Float16`, `BFloat16`, `Float`,
/// `Double`. The conversion goes through the bit pattern and is exact.
public protocol FloatFormatRepresentable: Sendable {
    static var floatFormat: FloatFormat { get }
    init(formatBits: UInt64)
    var formatBits: UInt64 { get }
}

extension Float: FloatFormatRepresentable {
    public static var floatFormat: FloatFormat { .f32 }
    public init(formatBits: UInt64) { self.init(bitPattern: UInt32(truncatingIfNeeded: formatBits)) }
    public var formatBits: UInt64 { UInt64(bitPattern) }
}

extension Double: FloatFormatRepresentable {
    public static var floatFormat: FloatFormat { .f64 }
    public init(formatBits: UInt64) { self.init(bitPattern: formatBits) }
    public var formatBits: UInt64 { bitPattern }
}

#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: FloatFormatRepresentable {
    public static var floatFormat: FloatFormat { .f16 }
    public init(formatBits: UInt64) { self.init(bitPattern: UInt16(truncatingIfNeeded: formatBits)) }
    public var formatBits: UInt64 { UInt64(bitPattern) }
}
#endif

extension BFloat16: FloatFormatRepresentable {
    public static var floatFormat: FloatFormat { .bf16 }
    public init(formatBits: UInt64) { self.init(bitPattern: UInt16(truncatingIfNeeded: formatBits)) }
    public var formatBits: UInt64 { UInt64(bitPattern) }
}

extension FloatFormat {
    /// A `Double` rounded to nearest, ties to even, in this format (gradual underflow, overflow to
    /// ±inf, NaN quieted). One rounding, so Double → bfloat16 never detours through Float.
    ///
    /// `tieBreak` > 0 (< 0) says the number meant is a hair above (below) `value`: an exact
    /// midpoint then rounds up (down) instead of to even.
    public func rounding(_ value: Double, tieBreak: Int = 0) -> UInt64 {
        if value.isNaN { return quietNaN | (value.sign == .minus ? signMask : 0) }
        if value.isInfinite { return infinity(negative: value < 0) }
        let negative = value.sign == .minus
        if value == 0 { return zero(negative: negative) }
        let (_, n, e) = FloatFormat.f64.decode(value.bitPattern)
        // |value| = n · 2^e, n < 2^53; keep the bits above this format's unit at that binade.
        let top = e + (64 - n.leadingZeroBitCount) - 1          // exponent of the leading bit
        if top > maxExponent { return infinity(negative: negative) }
        let unit = max(top - (precision - 1), minSubnormalExponent)
        let shift = unit - e
        if shift <= 0 { return encode(negative: negative, significand: n << UInt64(-shift), unitExponent: unit) }
        if shift > 54 { return zero(negative: negative) }
        let kept = n >> UInt64(shift)
        let rest = n & ((1 << UInt64(shift)) - 1)
        let half: UInt64 = 1 << UInt64(shift - 1)
        let outward = tieBreak * (negative ? -1 : 1)
        let up = rest > half || (rest == half && (outward != 0 ? outward > 0 : kept & 1 == 1))
        return encode(negative: negative, significand: kept + (up ? 1 : 0), unitExponent: unit)
    }
}
