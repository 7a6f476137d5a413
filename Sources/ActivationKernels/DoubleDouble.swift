/// An unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2: about 106 bits. Used only to carry the
/// rounding error of an argument into exp, erfc or σ, whose relative error would otherwise grow
/// with the argument (e^t for t ≈ 700 turns 2^−53 in t into 700·2^−53 in the result).
public struct DoubleDouble: Sendable {
    public var hi: Double
    public var lo: Double

    @inlinable public init(_ hi: Double, _ lo: Double = 0) {
        self.hi = hi
        self.lo = lo
    }

    /// a·b exactly, by fused multiply-add.
    @inlinable public static func product(_ a: Double, _ b: Double) -> DoubleDouble {
        let p = a * b
        return DoubleDouble(p, (-p).addingProduct(a, b))
    }

    @inlinable static func quickSum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        return DoubleDouble(s, b - (s - a))
    }

    @inlinable static func sum(_ a: Double, _ b: Double) -> DoubleDouble {
        let s = a + b
        let bb = s - a
        return DoubleDouble(s, (a - (s - bb)) + (b - bb))
    }

    @inlinable public static func * (a: DoubleDouble, b: Double) -> DoubleDouble {
        let p = product(a.hi, b)
        return quickSum(p.hi, p.lo + a.lo * b)
    }

    @inlinable public static func * (a: DoubleDouble, b: DoubleDouble) -> DoubleDouble {
        let p = product(a.hi, b.hi)
        return quickSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi))
    }

    @inlinable public static func + (a: Double, b: DoubleDouble) -> DoubleDouble {
        let s = sum(a, b.hi)
        return quickSum(s.hi, s.lo + b.lo)
    }

    @inlinable public static prefix func - (a: DoubleDouble) -> DoubleDouble { DoubleDouble(-a.hi, -a.lo) }
}
