import ActivationCatalog
import ActivationOracle

/// A small, fast, seedable generator (SplitMix64): the same seed gives the same inputs everywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Input generators, as bit patterns of one format.
public enum Inputs {
    /// ±0, ±inf, quiet and signalling NaNs with payloads, ±smallest and largest subnormal,
    /// ±smallest normal, ±largest finite, ±1, ±0.5, ±2.
    /// The narrow formats have few enough patterns to take them all.
    public static func specials(_ format: FloatFormat) -> [UInt64] {
        if format.isNarrow { return all(format) }
        let one = format.rounding(1.0), half = format.rounding(0.5), two = format.rounding(2.0)
        let positive: [UInt64] = [0, format.exponentMask, 1, format.fractionMask, format.fractionMask + 1,
                                  format.largestFinite, one, half, two]
        let nans: [UInt64] = [format.quietNaN, format.quietNaN | 0x5, format.exponentMask | 1, format.quietNaN | format.signMask]
        return positive + positive.map { $0 | format.signMask } + nans
    }

    /// Each value and its k neighbours on either side in the format's order.
    public static func neighbourhood(of bits: UInt64, _ format: FloatFormat, k: Int) -> [UInt64] {
        let ordinal = ULP.ordinal(bits, format, strictZeroSign: true)
        return (-k...k).compactMap { d in ULP.bits(atOrdinal: ordinal + Int64(d), format) }
    }

    /// The kinks, f″'s alone included (correctly rounded into the format), with k neighbours each.
    public static func kinks(_ function: ActivationFunction, _ format: FloatFormat, k: Int = 4) -> [UInt64] {
        function.secondDerivativeKinkPositions(roundedTo: format).flatMap { neighbourhood(of: $0, format, k: k) }
    }

    /// `count` inputs from a seed: uniform bit patterns, uniform in [−range, range], log-uniform
    /// magnitudes with random sign, in equal parts. NaN patterns are skipped.
    public static func random(_ format: FloatFormat, count: Int, seed: UInt64, range: Double = 20) -> [UInt64] {
        var rng = SplitMix64(seed: seed)
        var out: [UInt64] = []
        out.reserveCapacity(count)
        let (lo, hi) = (Double(format.minSubnormalExponent), Double(format.maxExponent + 1))
        while out.count < count {
            let bits: UInt64
            switch out.count % 3 {
            case 0: bits = rng.next() & format.allBitsMask
            case 1: bits = format.rounding(Double.random(in: -range...range, using: &rng))
            default:
                let magnitude = Double(sign: .plus, exponent: 0, significand: 1) * exp2(Double.random(in: lo..<hi, using: &rng))
                bits = format.rounding(Bool.random(using: &rng) ? magnitude : -magnitude)
            }
            if !format.isNaN(bits) { out.append(bits) }
        }
        return out
    }

    /// Inputs x (with a neighbour each side) for which s·x is a rounding midpoint of `result`'s
    /// format: where f(x) ≈ x or x/2 (the gated units far out and near 0, softplus, leaky slopes)
    /// a result computed wide and then cast lands on that midpoint and rounds the wrong way
    /// (gelu(9.5)/16 = 0.59375 − 1e−22, e4m3fn's midpoint of 0.5625 and 0.625). For the narrow
    /// outputs, every midpoint; for wider ones, a few per binade.
    public static func outputMidpoints(_ format: FloatFormat, _ result: ResultRounding) -> [UInt64] {
        let out = result.format, s = result.scale?.approximateValue ?? 1
        guard s > 0, s.isFinite else { return [] }
        let top = UInt64(1) << UInt64(out.bitWidth - 1)
        let step = out.isNarrow ? 1 : max(1, Int(top >> 10))
        var values: [Double] = []
        for b in stride(from: UInt64(0), to: top, by: step) where out.isFinite(b) && out.isFinite(b + 1) && b + 1 <= out.largestFinite {
            let mid = (out.doubleValue(b) + out.doubleValue(b + 1)) / 2
            values += [mid / s, 2 * mid / s]
        }
        return values.flatMap { v in [v, -v] }.flatMap { v -> [UInt64] in
            let x = format.rounding(v)
            return format.isFinite(x) ? neighbourhood(of: x, format, k: 1) : []
        }
    }

    /// Every bit pattern of a 16-bit format.
    public static func all16(_ format: FloatFormat) -> [UInt64] {
        precondition(format.bitWidth == 16)
        return all(format)
    }

    /// Every bit pattern of a format of at most 16 bits.
    public static func all(_ format: FloatFormat) -> [UInt64] {
        precondition(format.bitWidth <= 16)
        return (0..<UInt64(1) << UInt64(format.bitWidth)).map { $0 }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
