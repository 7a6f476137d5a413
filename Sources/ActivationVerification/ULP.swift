import ActivationCatalog

/// How far a result is from the correctly rounded one.
///
/// **ULP distance** (the rule used everywhere in the project, stated once here): the number of
/// representable values between two results, counting in the total order of the format —
/// −inf < −max < … < −min subnormal < ±0 < +min subnormal < … < +max < +inf. So:
/// - consecutive finite values are 1 apart, across binade boundaries too;
/// - +0 and −0 are the same point (distance 0) unless `strictZeroSign` is asked for, in which case
///   they are 1 apart; a sign-of-zero difference is always reported as its own class anyway;
/// - ±inf is one step past ±max;
/// - any NaN matches any NaN (payloads and signs ignored); NaN against a number is `UInt64.max`.
///
/// **Real-valued error** (`RealNumber.ulpError(of:format:)`, in the oracle because it needs the
/// exact value): |actual − exact| in units of the last place at the exact value, with the ulp
/// floored at the smallest subnormal's; across a binade boundary the distance is split there and
/// each part counted in its own ulp (as LLVM libc's MPFR wrapper does). A correctly rounded result
/// is within 0.5; a result with ordinal distance 1 is within 1.5.
public enum ULP {
    /// The position of `bits` on the ordered line (±0 both at 0 unless strict).
    static func ordinal(_ bits: UInt64, _ format: FloatFormat, strictZeroSign: Bool) -> Int64 {
        let magnitude = Int64(bitPattern: bits & ~format.signMask & format.allBitsMask)
        guard format.isNegative(bits) else { return strictZeroSign ? magnitude + 1 : magnitude }
        return -magnitude
    }

    /// The bit pattern at a position of that order (strict zero sign: −0 at 0, +0 at 1); nil
    /// beyond ±inf.
    static func bits(atOrdinal o: Int64, _ format: FloatFormat) -> UInt64? {
        let top = Int64(format.exponentMask) // +inf's ordinal (strict: +1)
        guard o > -top && o <= top else { return nil }
        return o > 0 ? UInt64(o - 1) : (UInt64(-o) | format.signMask)
    }

    public static func distance(_ a: UInt64, _ b: UInt64, format: FloatFormat, strictZeroSign: Bool = false) -> UInt64 {
        let aNaN = format.isNaN(a), bNaN = format.isNaN(b)
        if aNaN || bNaN { return aNaN && bNaN ? 0 : .max }
        // Ordinals of binary64 reach ±(2^63 − 2^52): their difference can exceed Int64, not UInt64.
        let x = ordinal(a, format, strictZeroSign: strictZeroSign), y = ordinal(b, format, strictZeroSign: strictZeroSign)
        if (x >= 0) == (y >= 0) { return (x - y).magnitude }
        return x.magnitude + y.magnitude
    }
}

/// What kind of disagreement an (expected, actual) pair is.
public enum Disagreement: String, CaseIterable, Sendable, Comparable {
    /// One is NaN and the other not.
    case nan
    /// One is ±inf and the other not, or infinities of opposite sign.
    case inf
    /// +0 against −0.
    case zeroSign = "zero_sign"
    /// A subnormal expected value returned as something else (flush to zero and friends), or a
    /// subnormal returned where 0 is due. A normal value returned as 0 is `finite`: a lost tail.
    case subnormal
    /// Two finite values that differ.
    case finite

    public static func < (a: Disagreement, b: Disagreement) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// nil when the two are the same result (same bits, or both NaN).
    public static func classify(expected: UInt64, actual: UInt64, format: FloatFormat) -> Disagreement? {
        if expected == actual || (format.isNaN(expected) && format.isNaN(actual)) { return nil }
        if format.isNaN(expected) || format.isNaN(actual) { return .nan }
        if format.isInfinite(expected) || format.isInfinite(actual) { return .inf }
        if format.isZero(expected) && format.isZero(actual) { return .zeroSign }
        if format.isSubnormal(expected) || (format.isSubnormal(actual) && format.isZero(expected)) { return .subnormal }
        return .finite
    }
}
