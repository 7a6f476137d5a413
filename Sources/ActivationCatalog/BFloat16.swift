/// bfloat16: the upper half of a binary32 — sign, 8 exponent bits, 7 fraction bits — with gradual
/// underflow. Only storage and exact conversions live here; arithmetic happens in `Float`.
public struct BFloat16: Sendable, Hashable, CustomStringConvertible {
    public var bitPattern: UInt16

    public init(bitPattern: UInt16) { self.bitPattern = bitPattern }

    /// Rounds a `Float` to the nearest bfloat16, ties to even; NaN stays NaN (quieted), overflow
    /// goes to ±inf. This is the one rounding step from `Float`, so it is correct.
    public init(_ value: Float) {
        let bits = value.bitPattern
        if value.isNaN {
            self.bitPattern = UInt16(truncatingIfNeeded: bits >> 16) | 0x0040
            return
        }
        let lower = bits & 0xFFFF
        var upper = bits >> 16
        if lower > 0x8000 || (lower == 0x8000 && upper & 1 == 1) { upper += 1 }
        self.bitPattern = UInt16(truncatingIfNeeded: upper)
    }

    /// The exact value as a `Float`.
    public var floatValue: Float { Float(bitPattern: UInt32(bitPattern) << 16) }

    public var isNaN: Bool { floatValue.isNaN }
    public var description: String { floatValue.description }
}
