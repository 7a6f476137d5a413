/// A binary floating-point format, described by its bit layout and by how it spends its top
/// exponent codes and its sign on special values (`SpecialValues`). Values travel between layers
/// as bit patterns in the low bits of a `UInt64`, so one code path serves every format.
///
/// The four interchange formats (`interchange`) are the IEEE 754 layouts every command and kernel
/// speaks; the narrow ones (`narrow`: OCP FP8, the "fnuz" FP8 pair, the MX element formats) are
/// written here from their specifications and, for now, spoken by the oracle only.
public enum FloatFormat: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// IEEE 754 binary16 (`Float16`).
    case f16
    /// bfloat16: binary32's exponent with 8 significand bits (`BFloat16`).
    case bf16
    /// IEEE 754 binary32 (`Float`).
    case f32
    /// IEEE 754 binary64 (`Double`).
    case f64
    /// OCP 8-bit E4M3 (OFP8 v1.0, ml_dtypes `float8_e4m3fn`): bias 7, no infinity, S.1111.111 is
    /// the only NaN, largest finite 448.
    case e4m3fn
    /// OCP 8-bit E5M2 (`float8_e5m2`): IEEE-style, bias 15, ±inf and NaNs, largest finite 57344.
    case e5m2
    /// 8-bit E4M3 with bias 8, no infinity and no −0: 0x80 is the one NaN (`float8_e4m3fnuz`;
    /// Graphcore/AMD), largest finite 240.
    case e4m3fnuz
    /// 8-bit E5M2 with bias 16, no infinity and no −0: 0x80 is the one NaN (`float8_e5m2fnuz`),
    /// largest finite 57344.
    case e5m2fnuz
    /// MX 6-bit element E2M3 (OCP MX v1.0, `float6_e2m3fn`): bias 1, every pattern finite, largest 7.5.
    case e2m3
    /// MX 6-bit element E3M2 (`float6_e3m2fn`): bias 3, every pattern finite, largest 28.
    case e3m2
    /// MX/NV 4-bit element E2M1 (`float4_e2m1fn`): bias 1, every pattern finite, largest 6.
    case e2m1

    public var description: String { rawValue }

    /// The format by its name here (`e4m3fn`) or by ml_dtypes' and NumPy's (`float8_e4m3fn`,
    /// `float4_e2m1fn`, `bfloat16`, `float32`); nil for anything else.
    public init?(named name: String) {
        if let format = FloatFormat(rawValue: name) { self = format; return }
        let aliases: [String: FloatFormat] = [
            "float16": .f16, "half": .f16, "bfloat16": .bf16, "float32": .f32, "float": .f32, "float64": .f64, "double": .f64,
            "float8_e4m3fn": .e4m3fn, "float8_e5m2": .e5m2, "float8_e4m3fnuz": .e4m3fnuz, "float8_e5m2fnuz": .e5m2fnuz,
            "float6_e2m3fn": .e2m3, "float6_e3m2fn": .e3m2, "float4_e2m1fn": .e2m1,
        ]
        guard let format = aliases[name] else { return nil }
        self = format
    }

    /// The IEEE-layout formats every command, kernel and file form speaks.
    public static let interchange: [FloatFormat] = [.f16, .bf16, .f32, .f64]
    /// The 8-, 6- and 4-bit formats.
    public static let narrow: [FloatFormat] = [.e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1]
    public var isNarrow: Bool { bitWidth <= 8 }

    /// How a format uses its all-ones exponent and its sign bit.
    public enum SpecialValues: Sendable {
        /// IEEE 754: the all-ones exponent holds ±inf (fraction 0) and NaNs; ±0.
        case ieee
        /// No infinity; only the all-ones pattern S.1111.111 is NaN, the rest of the top binade is
        /// finite (OCP E4M3).
        case nanAtTopOnly
        /// No infinity and no −0: the pattern 1000…0 is the only NaN (the "fnuz" formats).
        case negativeZeroIsNaN
        /// Every pattern is a finite number (MX element formats).
        case none
    }

    public var specialValues: SpecialValues {
        switch self {
        case .f16, .bf16, .f32, .f64, .e5m2: .ieee
        case .e4m3fn: .nanAtTopOnly
        case .e4m3fnuz, .e5m2fnuz: .negativeZeroIsNaN
        case .e2m3, .e3m2, .e2m1: .none
        }
    }
    public var hasInfinity: Bool { specialValues == .ieee }
    public var hasNaN: Bool { specialValues != .none }
    public var hasNegativeZero: Bool { specialValues != .negativeZeroIsNaN }

    /// What a result beyond the largest finite becomes (after rounding as if the exponent range
    /// went on): ±inf, NaN, or ±largest finite. A format allows only the specials it has.
    public enum Overflow: String, CaseIterable, Sendable {
        case infinity = "inf", nan, saturate
    }

    public func allows(_ overflow: Overflow) -> Bool {
        switch overflow {
        case .infinity: hasInfinity
        case .nan: hasNaN
        case .saturate: true
        }
    }

    /// What ml_dtypes' casts do: IEEE formats overflow to ±inf, e4m3fn and the fnuz formats to
    /// NaN, the MX element formats saturate. (PyTorch's float8 casts saturate e4m3fn instead.)
    public var defaultOverflow: Overflow {
        switch specialValues {
        case .ieee: .infinity
        case .nanAtTopOnly, .negativeZeroIsNaN: .nan
        case .none: .saturate
        }
    }

    /// Significand bits including the implicit leading bit (11, 8, 24, 53; 4, 3, 4, 3, 4, 3, 2).
    public var precision: Int {
        switch self {
        case .f16: 11
        case .bf16: 8
        case .f32: 24
        case .f64: 53
        case .e4m3fn, .e4m3fnuz, .e2m3: 4
        case .e5m2, .e5m2fnuz, .e3m2: 3
        case .e2m1: 2
        }
    }

    /// Width of the biased exponent field.
    public var exponentBits: Int {
        switch self {
        case .f16, .e5m2, .e5m2fnuz: 5
        case .bf16, .f32: 8
        case .f64: 11
        case .e4m3fn, .e4m3fnuz: 4
        case .e3m2: 3
        case .e2m3, .e2m1: 2
        }
    }

    /// What follows from `precision`, `exponentBits` and `specialValues`, derived once per format
    /// (the rounding and classification paths run for every element of an exhaustive run, and
    /// re-deriving these through switches took a third of it).
    struct Layout {
        let bitWidth, fractionBits, bias, maxExponent, minSubnormalExponent: Int
        let signMask, exponentMask, fractionMask, allBitsMask, largestFinite: UInt64

        init(_ f: FloatFormat) {
            bitWidth = 1 + f.exponentBits + (f.precision - 1)
            fractionBits = f.precision - 1
            bias = (1 << (f.exponentBits - 1)) - 1 + (f.specialValues == .negativeZeroIsNaN ? 1 : 0)
            signMask = 1 << UInt64(bitWidth - 1)
            exponentMask = ((1 << UInt64(f.exponentBits)) - 1) << UInt64(fractionBits)
            fractionMask = (1 << UInt64(fractionBits)) - 1
            allBitsMask = bitWidth == 64 ? ~0 : (1 << UInt64(bitWidth)) - 1
            switch f.specialValues {
            case .ieee: largestFinite = exponentMask - 1
            case .nanAtTopOnly: largestFinite = exponentMask | (fractionMask - 1)
            case .negativeZeroIsNaN, .none: largestFinite = exponentMask | fractionMask
            }
            maxExponent = Int(largestFinite >> UInt64(fractionBits)) - bias
            minSubnormalExponent = 1 - bias - fractionBits
        }

        static let f16 = Layout(.f16), bf16 = Layout(.bf16), f32 = Layout(.f32), f64 = Layout(.f64)
        static let e4m3fn = Layout(.e4m3fn), e5m2 = Layout(.e5m2), e4m3fnuz = Layout(.e4m3fnuz), e5m2fnuz = Layout(.e5m2fnuz)
        static let e2m3 = Layout(.e2m3), e3m2 = Layout(.e3m2), e2m1 = Layout(.e2m1)
    }

    @inline(__always) var layout: Layout {
        switch self {
        case .f16: Layout.f16
        case .bf16: Layout.bf16
        case .f32: Layout.f32
        case .f64: Layout.f64
        case .e4m3fn: Layout.e4m3fn
        case .e5m2: Layout.e5m2
        case .e4m3fnuz: Layout.e4m3fnuz
        case .e5m2fnuz: Layout.e5m2fnuz
        case .e2m3: Layout.e2m3
        case .e3m2: Layout.e3m2
        case .e2m1: Layout.e2m1
        }
    }

    public var bitWidth: Int { layout.bitWidth }
    /// Bytes per value in files and payloads (narrow formats: one byte, in its low bits).
    public var byteWidth: Int { (bitWidth + 7) / 8 }
    public var fractionBits: Int { layout.fractionBits }
    /// IEEE's 2^(e−1) − 1, one more for the fnuz formats.
    public var bias: Int { layout.bias }
    /// Exponent of the smallest normal number: 2^minNormalExponent.
    public var minNormalExponent: Int { 1 - bias }
    /// Exponent of the largest finite binade: largest finite = 1.f · 2^maxExponent.
    public var maxExponent: Int { layout.maxExponent }
    /// Exponent of one unit in the last place of the smallest subnormal: 2^(minNormalExponent − p + 1).
    public var minSubnormalExponent: Int { layout.minSubnormalExponent }

    /// The NumPy dtype that stores the values (bfloat16 and the narrow formats have none: their
    /// bits travel as unsigned integers).
    public var numpyFloatDescr: String? {
        switch self {
        case .f16: "<f2"
        case .f32: "<f4"
        case .f64: "<f8"
        case .bf16, .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1: nil
        }
    }
    /// The NumPy dtype of the unsigned integer holding the bit patterns.
    public var numpyBitsDescr: String { byteWidth == 1 ? "|u1" : "<u\(byteWidth)" }

    // MARK: Bit patterns

    public var signMask: UInt64 { layout.signMask }
    public var exponentMask: UInt64 { layout.exponentMask }
    public var fractionMask: UInt64 { layout.fractionMask }
    public var allBitsMask: UInt64 { layout.allBitsMask }

    public func isNaN(_ bits: UInt64) -> Bool {
        switch specialValues {
        case .ieee: bits & exponentMask == exponentMask && bits & fractionMask != 0
        case .nanAtTopOnly: bits & ~signMask & allBitsMask == exponentMask | fractionMask
        case .negativeZeroIsNaN: bits & allBitsMask == signMask
        case .none: false
        }
    }
    public func isInfinite(_ bits: UInt64) -> Bool {
        hasInfinity && bits & ~signMask & allBitsMask == exponentMask
    }
    public func isZero(_ bits: UInt64) -> Bool { bits & ~signMask & allBitsMask == 0 && !isNaN(bits) }
    public func isSubnormal(_ bits: UInt64) -> Bool {
        bits & exponentMask == 0 && bits & fractionMask != 0
    }
    public func isNegative(_ bits: UInt64) -> Bool { bits & signMask != 0 }
    public func isFinite(_ bits: UInt64) -> Bool { !isNaN(bits) && !isInfinite(bits) }

    /// The rounding boundary between two adjacent finite values lo < hi of one sign — their
    /// midpoint, exact in binary64 for every format narrower than it — or nil when lo and hi are
    /// not such a pair.
    public func midpoint(between lo: UInt64, _ hi: UInt64) -> Double? {
        guard isFinite(lo), isFinite(hi), isNegative(lo) == isNegative(hi), isNegative(lo) ? lo == hi + 1 : hi == lo + 1 else { return nil }
        return (doubleValue(lo) + doubleValue(hi)) / 2
    }

    /// The canonical NaN the oracle returns: IEEE's positive quiet NaN without payload; e4m3fn's
    /// 0x7f; the fnuz formats' 0x80. The MX element formats have none (callers check `hasNaN`).
    public var quietNaN: UInt64 {
        switch specialValues {
        case .ieee: exponentMask | (1 << UInt64(fractionBits - 1))
        case .nanAtTopOnly: exponentMask | fractionMask
        case .negativeZeroIsNaN: signMask
        case .none: preconditionFailure("\(self) has no NaN")
        }
    }
    /// The canonical NaN with the sign asked for, where the format can carry one (the fnuz
    /// formats' single NaN has none).
    public func nan(negative: Bool) -> UInt64 {
        hasNegativeZero && negative ? quietNaN | signMask : quietNaN
    }
    public func infinity(negative: Bool) -> UInt64 {
        precondition(hasInfinity, "\(self) has no infinity")
        return exponentMask | (negative ? signMask : 0)
    }
    /// ±0; +0 in the formats without −0.
    public func zero(negative: Bool) -> UInt64 { negative && hasNegativeZero ? signMask : 0 }
    public var largestFinite: UInt64 { layout.largestFinite }

    /// A finite result beyond the largest finite (after rounding), under `overflow` (nil: the
    /// format's default).
    public func overflowed(negative: Bool, _ overflow: Overflow? = nil) -> UInt64 {
        let overflow = overflow ?? defaultOverflow
        precondition(allows(overflow), "\(self) has no \(overflow.rawValue) to overflow to")
        switch overflow {
        case .infinity: return infinity(negative: negative)
        case .nan: return nan(negative: negative)
        case .saturate: return largestFinite | (negative ? signMask : 0)
        }
    }

    /// An exact infinity (a limit at ±inf; f(±inf) = ±inf): ±inf where the format has it and
    /// `overflow` is not saturate, else what an overflow gives.
    public func exactInfinity(negative: Bool, _ overflow: Overflow? = nil) -> UInt64 {
        let overflow = overflow ?? defaultOverflow
        return hasInfinity && overflow != .saturate ? infinity(negative: negative) : overflowed(negative: negative, overflow)
    }

    /// Packs sign, significand n and the exponent of its last bit (value = ±n · 2^unitExponent) into
    /// a bit pattern. The caller has already rounded: n < 2^p, or n = 2^p after a carry, and
    /// unitExponent ≥ minSubnormalExponent. Values past the largest finite become what `overflow`
    /// says (nil: the format's default; ±inf for the IEEE formats).
    public func encode(negative: Bool, significand n: UInt64, unitExponent e: Int, overflow: Overflow? = nil) -> UInt64 {
        let sign = negative ? signMask : 0
        if n == 0 { return zero(negative: negative) }
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
        if biased > 1 << exponentBits { return overflowed(negative: negative, overflow) }
        let magnitude = (UInt64(biased) << UInt64(fractionBits)) | (n & fractionMask)
        if magnitude > largestFinite { return overflowed(negative: negative, overflow) }
        return sign | magnitude
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
        case .f16: return Double(Float16(bitPattern: UInt16(truncatingIfNeeded: bits)))
        case .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1: break
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
        return "0x" + String(repeating: "0", count: max(0, (bitWidth + 3) / 4 - digits.count)) + digits
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
    ///
    /// `overflow`: what a finite value beyond the largest finite becomes (nil: the format's
    /// default); an infinite `value` is taken as an exact infinity (`exactInfinity`). NaN gives
    /// the format's NaN, so it must have one (the MX element formats have none).
    /// `rounding` where the result is a normal number of an IEEE format narrower than binary64, or
    /// overflows to ±inf: the Double's own bits, rounded at the format's last place (a carry
    /// moves into the exponent by itself) and rebiased. nil elsewhere (subnormal or zero results,
    /// saturation or NaN on overflow, NaN and infinite values): the general path decides.
    @inline(__always) private func normalIEEERounding(_ value: Double, tieBreak: Int, overflow: Overflow?) -> UInt64? {
        guard specialValues == .ieee, self != .f64, (overflow ?? .infinity) == .infinity else { return nil }
        let l = layout
        let bits = value.bitPattern, magnitude = bits & 0x7FFF_FFFF_FFFF_FFFF
        let e = Int(magnitude >> 52) - 1023
        guard e >= 1 - l.bias, e <= l.maxExponent + 1, magnitude >> 52 != 0x7FF else { return nil }
        let shift = UInt64(52 - l.fractionBits)
        let kept = magnitude >> shift, rest = magnitude & ((1 << shift) - 1), half: UInt64 = 1 << (shift - 1)
        let negative = bits >> 63 == 1
        let outward = negative ? -tieBreak : tieBreak
        let up = rest > half || (rest == half && (outward != 0 ? outward > 0 : kept & 1 == 1))
        let m = kept + (up ? 1 : 0) - (UInt64(1023 - l.bias) << UInt64(l.fractionBits))
        let sign: UInt64 = negative ? l.signMask : 0
        return m >= l.exponentMask ? sign | l.exponentMask : sign | m
    }

    public func rounding(_ value: Double, tieBreak: Int = 0, overflow: Overflow? = nil) -> UInt64 {
        if let r = normalIEEERounding(value, tieBreak: tieBreak, overflow: overflow) { return r }
        if value.isNaN { return nan(negative: value.sign == .minus) }
        if value.isInfinite { return exactInfinity(negative: value < 0, overflow) }
        let negative = value.sign == .minus
        if value == 0 { return zero(negative: negative) }
        let (_, n, e) = FloatFormat.f64.decode(value.bitPattern)
        // |value| = n · 2^e, n < 2^53; keep the bits above this format's unit at that binade.
        let top = e + (64 - n.leadingZeroBitCount) - 1          // exponent of the leading bit
        if top > maxExponent + 1 { return overflowed(negative: negative, overflow) }
        let unit = max(top - (precision - 1), minSubnormalExponent)
        let shift = unit - e
        if shift <= 0 { return encode(negative: negative, significand: n << UInt64(-shift), unitExponent: unit, overflow: overflow) }
        if shift > 54 { return zero(negative: negative) }
        let kept = n >> UInt64(shift)
        let rest = n & ((1 << UInt64(shift)) - 1)
        let half: UInt64 = 1 << UInt64(shift - 1)
        let outward = tieBreak * (negative ? -1 : 1)
        let up = rest > half || (rest == half && (outward != 0 ? outward > 0 : kept & 1 == 1))
        return encode(negative: negative, significand: kept + (up ? 1 : 0), unitExponent: unit, overflow: overflow)
    }
}
