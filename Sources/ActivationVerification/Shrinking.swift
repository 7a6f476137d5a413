import ActivationCatalog

/// Simpler inputs for shrinking a failure: toward 0, then ±1 and small integers, then values with
/// fewer significand bits. "Simpler" is a strict order (`complexity`), so shrinking terminates.
public enum Simplify {
    /// (specials last) significant bits, then |exponent|, then sign: smaller is simpler.
    public static func complexity(_ bits: UInt64, _ format: FloatFormat) -> Int {
        if format.isNaN(bits) || format.isInfinite(bits) { return Int.max }
        if format.isZero(bits) { return format.isNegative(bits) ? 1 : 0 }
        let (negative, n, e) = format.decode(bits)
        let significant = 64 - n.leadingZeroBitCount - n.trailingZeroBitCount
        let exponent = e + n.trailingZeroBitCount // value = odd · 2^exponent
        return 2 + significant * 4_096 + abs(exponent) * 2 + (negative ? 1 : 0)
    }

    /// Candidates strictly simpler than `bits`, simplest first.
    public static func candidates(_ bits: UInt64, _ format: FloatFormat) -> [UInt64] {
        guard format.isFinite(bits) else { return [0] }
        let negative = format.isNegative(bits)
        let magnitude = format.doubleValue(bits & ~format.signMask)
        var out: [UInt64] = [0, format.rounding(1.0), format.rounding(-1.0)]
        // the nearest integers and powers of two of the same sign
        for v in [magnitude.rounded(.down), magnitude.rounded(.up), exp2(log2(magnitude).rounded(.down))] where v.isFinite {
            out.append(format.rounding(negative ? -v : v))
        }
        // fewer significand bits: clear the low half, quarter, ... of the fraction
        let fraction = bits & format.fractionMask
        var keep = format.fractionBits / 2
        while keep >= 0 {
            let drop = UInt64(format.fractionBits - keep)
            let cleared = (bits & ~format.fractionMask) | ((fraction >> drop) << drop)
            out.append(cleared)
            keep = keep == 0 ? -1 : keep / 2
        }
        if negative { out.append(bits & ~format.signMask) }
        let limit = complexity(bits, format)
        var seen = Set<UInt64>()
        return out.filter { complexity($0, format) < limit && seen.insert($0).inserted }
            .sorted { complexity($0, format) < complexity($1, format) }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An input bit pattern that prints as a float (for property-based failure reports).
public struct FloatInput: Sendable, Hashable, CustomStringConvertible {
    public var bits: UInt64
    public var format: FloatFormat
    public init(_ bits: UInt64, _ format: FloatFormat) {
        self.bits = bits
        self.format = format
    }
    public var description: String { "\(format.hexFloat(bits)) = \(format.doubleValue(bits)) (\(format.hexBits(bits)))" }
    /// Strictly simpler inputs (see `Simplify`).
    public var simpler: [FloatInput] { Simplify.candidates(bits, format).map { FloatInput($0, format) } }
}
