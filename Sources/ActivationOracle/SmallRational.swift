import CMPFR

/// m·2^e/d exactly, with machine integers (d odd and positive): the rational pieces (lines, hard-
/// swish's parabola, softsign) at a 16- or 32-bit input, for the fast path's one blind spot there —
/// an exact value that lies on, or a hair from, a rounding boundary (11x/48 is a float32 midpoint
/// for about 4 % of inputs x; (x + 3)/6 for some). The binary64 enclosure cannot tell a tie from a
/// near-tie; comparing m·2^e with the boundary times d in integers can, in nanoseconds instead of
/// Ziv's loop over `ExactRational` (~8 µs). Every operation is exact or gives nil (an integer
/// would overflow), and nil leaves the input to Ziv's loop as before.
struct SmallRational: Sendable, Equatable {
    /// Numerator (odd unless 0), binary exponent, odd positive denominator.
    let m: Int64, e: Int, d: Int64

    /// Kept below 2^62 in magnitude so that negation and one doubling cannot overflow.
    static let limit: Int64 = 1 << 62

    init?(m: Int64, e: Int, d: Int64) {
        guard d > 0, m.magnitude < UInt64(Self.limit), d < Self.limit, Swift.abs(e) < 1 << 20 else { return nil }
        if m == 0 { self.m = 0; self.e = 0; self.d = 1; return }
        var m = m, d = d, e = e
        let twos = m.trailingZeroBitCount
        m >>= twos
        e += twos
        let dTwos = d.trailingZeroBitCount
        d >>= dTwos
        e -= dTwos
        var a = m.magnitude, b = UInt64(d)  // gcd(|m|, d)
        while b != 0 { (a, b) = (b, a % b) }
        if a > 1 { m /= Int64(a); d /= Int64(a) }
        self.m = m; self.e = e; self.d = d
    }

    /// A finite binary64 value, exactly.
    init?(_ x: Double) {
        guard x.isFinite else { return nil }
        if x == 0 { self.init(m: 0, e: 0, d: 1); return }
        let significand = Int64(x.significandBitPattern | (x.isNormal ? 1 << 52 : 0))
        self.init(m: x.sign == .minus ? -significand : significand, e: x.isNormal ? Int(x.exponent) - 52 : -1074, d: 1)
    }

    /// A catalog constant, when its numerator and denominator are integers times powers of two
    /// that fit (11/48, 1/6, 0.044715 = 8943/200000 do; 1/3^100 does not).
    init?(_ q: ExactRational) {
        func parts(_ v: BigFloat) -> (Int64, Int)? {
            if v.isZero { return (0, 0) }
            let d = mpfr_get_d(v.raw, MPFR_RNDN)
            guard mpfr_cmp_d(v.raw, d) == 0, let s = SmallRational(d) else { return nil }
            return (s.m, s.e)
        }
        guard let (n, ne) = parts(q.num), let (d, de) = parts(q.den), d != 0 else { return nil }
        self.init(m: d < 0 ? -n : n, e: ne - de, d: Swift.abs(d))
    }

    /// −1, 0 or 1: the sign of self − b for a finite binary64 b, or nil when the integers would
    /// overflow.
    func compare(_ b: Double) -> Int? {
        guard let other = SmallRational(b) else { return nil }
        // m·2^e/d − M·2^E = (m·2^e − M·d·2^E)/d, and d > 0.
        guard case let (md, false) = other.m.multipliedReportingOverflow(by: d) else { return nil }
        let g = Swift.min(e, other.e)
        guard let x = Self.shifted(m, by: e - g), let y = Self.shifted(md, by: other.e - g) else { return nil }
        return x < y ? -1 : (x > y ? 1 : 0)
    }

    static func shifted(_ v: Int64, by s: Int) -> Int64? {
        if v == 0 { return 0 }
        guard s < 62, v.magnitude < UInt64(limit) >> UInt64(s) else { return nil }
        return v << Int64(s)
    }
}

/// The rational operations on `SmallRational?` (nil: not representable, propagated).
struct SmallRationalArithmetic: RationalOperations {
    typealias Value = SmallRational?
    func constant(_ c: Constant) -> SmallRational? { c.small }
    func constant(_ n: Int) -> SmallRational? { SmallRational(m: Int64(n), e: 0, d: 1) }
    func negate(_ a: SmallRational?) -> SmallRational? { a.flatMap { SmallRational(m: -$0.m, e: $0.e, d: $0.d) } }
    func abs(_ a: SmallRational?) -> SmallRational? { a.flatMap { SmallRational(m: Swift.abs($0.m), e: $0.e, d: $0.d) } }
    func add(_ a: SmallRational?, _ b: SmallRational?) -> SmallRational? {
        guard let a, let b else { return nil }
        if a.m == 0 { return b }
        if b.m == 0 { return a }
        let g = Swift.min(a.e, b.e)
        guard case let (ad, false) = a.m.multipliedReportingOverflow(by: b.d), case let (bd, false) = b.m.multipliedReportingOverflow(by: a.d),
              let x = SmallRational.shifted(ad, by: a.e - g), let y = SmallRational.shifted(bd, by: b.e - g),
              case let (sum, false) = x.addingReportingOverflow(y), case let (den, false) = a.d.multipliedReportingOverflow(by: b.d) else { return nil }
        return SmallRational(m: sum, e: g, d: den)
    }
    func subtract(_ a: SmallRational?, _ b: SmallRational?) -> SmallRational? { add(a, negate(b)) }
    func multiply(_ a: SmallRational?, _ b: SmallRational?) -> SmallRational? {
        guard let a, let b, case let (m, false) = a.m.multipliedReportingOverflow(by: b.m),
              case let (d, false) = a.d.multipliedReportingOverflow(by: b.d) else { return nil }
        return SmallRational(m: m, e: a.e + b.e, d: d)
    }
    func divide(_ a: SmallRational?, _ b: SmallRational?) -> SmallRational? {
        // a/b = a.m·b.d·2^(a.e − b.e) / (a.d·b.m), b.m odd: its sign moves to the numerator.
        guard let a, let b, b.m != 0, case let (m, false) = a.m.multipliedReportingOverflow(by: b.d),
              case let (d, false) = a.d.multipliedReportingOverflow(by: Int64(b.m.magnitude)) else { return nil }
        return SmallRational(m: b.m < 0 ? -m : m, e: a.e - b.e, d: d)
    }
}
