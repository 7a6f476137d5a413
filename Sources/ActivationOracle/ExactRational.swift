import ActivationCatalog
import CMPFR

/// An exact rational number num/den with dyadic `num`, `den` (den > 0): the values of the
/// piecewise-linear and rational activations (relu, hard-*, softsign, shrinks, ...) and of every
/// parameter. Rounding one goes through round-to-odd, so no loop is needed even at exact midpoints.
struct ExactRational: @unchecked Sendable {
    let num: BigFloat
    let den: BigFloat

    init(_ num: BigFloat, over den: BigFloat? = nil) {
        let den = den ?? BigFloat.exact(1)
        precondition(!den.isZero, "ExactRational with zero denominator")
        if den.sign < 0 {
            self.num = BigFloat.exactNegation(num)
            self.den = BigFloat.exactNegation(den)
        } else {
            self.num = num
            self.den = den
        }
    }

    init(_ integer: Int) { self.init(BigFloat.exact(integer)) }

    /// The exact value of a catalog or user number.
    init(_ number: ExactNumber) {
        var num = BigFloat.exact(digits: number.mantissa, radix: number.radix)
        var den = BigFloat.exact(digits: number.denominator, radix: 10)
        if number.exponent2 != 0 {
            let scaled = BigFloat(precision: num.precision)
            mpfr_mul_2si(scaled.raw, num.raw, number.exponent2, MPFR_RNDN)
            num = scaled
        }
        if number.exponent10 != 0 {
            let k = abs(number.exponent10)
            let power = BigFloat(precision: Int(Double(k) * 2.33) + 8) // 5^k; 2^k is applied apart
            mpfr_ui_pow_ui(power.raw, 5, UInt(k), MPFR_RNDN)
            let withTwos = BigFloat(precision: power.precision)
            mpfr_mul_2si(withTwos.raw, power.raw, k, MPFR_RNDN)
            if number.exponent10 > 0 { num = BigFloat.exactProduct(num, withTwos) } else { den = BigFloat.exactProduct(den, withTwos) }
        }
        if number.negative { num = BigFloat.exactNegation(num) }
        self.init(num, over: den)
    }

    var isZero: Bool { num.isZero }
    var sign: Int { num.sign }

    static func + (a: ExactRational, b: ExactRational) -> ExactRational {
        ExactRational(BigFloat.exactSum(BigFloat.exactProduct(a.num, b.den), BigFloat.exactProduct(b.num, a.den)),
                      over: BigFloat.exactProduct(a.den, b.den))
    }
    static prefix func - (a: ExactRational) -> ExactRational {
        ExactRational(BigFloat.exactNegation(a.num), over: a.den)
    }
    static func - (a: ExactRational, b: ExactRational) -> ExactRational { a + (-b) }
    static func * (a: ExactRational, b: ExactRational) -> ExactRational {
        ExactRational(BigFloat.exactProduct(a.num, b.num), over: BigFloat.exactProduct(a.den, b.den))
    }
    static func / (a: ExactRational, b: ExactRational) -> ExactRational {
        precondition(!b.isZero, "division by an exact zero")
        return ExactRational(BigFloat.exactProduct(a.num, b.den), over: BigFloat.exactProduct(a.den, b.num))
    }

    /// Exact three-way comparison.
    static func compare(_ a: ExactRational, _ b: ExactRational) -> Int { (a - b).sign }

    var absoluteValue: ExactRational { sign < 0 ? -self : self }

    /// The value as a Double when it is one exactly (for the fast path's binary64 factors).
    var exactDouble: Double? {
        if isZero { return 0 }
        let bits = rounded(to: .f64)
        guard FloatFormat.f64.isFinite(bits) else { return nil }
        return ExactRational.compare(ExactRational(BigFloat.exact(bits: bits, format: .f64)), self) == 0 ? Double(bitPattern: bits) : nil
    }

    /// The enclosure [RNDD(num/den), RNDU(num/den)] at `precision` bits.
    func enclosure(precision: Int) -> Interval {
        let lo = BigFloat(precision: precision), hi = BigFloat(precision: precision)
        let tl = mpfr_div(lo.raw, num.raw, den.raw, MPFR_RNDD), th = mpfr_div(hi.raw, num.raw, den.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi, loOpen: tl != 0, hiOpen: th != 0)
    }

    /// Correctly rounded to `format`: the quotient rounded to odd at p + 2 bits, then to nearest
    /// even at p bits (or fewer, for subnormals). Round-to-odd keeps every p + 2-bit boundary on the
    /// right side, so the second rounding equals the direct one, exact midpoints included.
    func rounded(to format: FloatFormat, overflow: FloatFormat.Overflow? = nil) -> UInt64 {
        let odd = BigFloat(precision: format.precision + 2)
        let ternary = mpfr_div(odd.raw, num.raw, den.raw, MPFR_RNDZ)
        if ternary != 0 && odd.significantBits < odd.precision {
            if odd.sign > 0 { mpfr_nextabove(odd.raw) } else { mpfr_nextbelow(odd.raw) }
        }
        return odd.rounded(to: format, overflow: overflow)
    }
}
