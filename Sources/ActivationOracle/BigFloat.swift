import ActivationCatalog
import CMPFR

/// One MPFR number, owned: `mpfr_init2` in `init`, `mpfr_clear` in `deinit`. MPFR writes through the
/// pointer, so Swift's exclusivity rules never see an in-place call on a `var`. Values are written
/// once, right after allocation, and only read afterwards, which is why sharing them is safe.
final class BigFloat: @unchecked Sendable {
    let raw: UnsafeMutablePointer<__mpfr_struct>

    init(precision: Int) {
        raw = .allocate(capacity: 1)
        mpfr_init2(raw, mpfr_prec_t(max(precision, 1)))
    }

    deinit {
        mpfr_clear(raw)
        raw.deallocate()
    }

    var precision: Int { Int(mpfr_get_prec(raw)) }
    var isZero: Bool { mpfr_zero_p(raw) != 0 }
    var isNaN: Bool { mpfr_nan_p(raw) != 0 }
    var isInfinite: Bool { mpfr_inf_p(raw) != 0 }
    /// −1, 0 or +1 (0 for either zero).
    var sign: Int { Int(mpfr_sgn(raw)) }
    var signBit: Bool { mpfr_signbit(raw) != 0 }
    /// The MPFR exponent e with |self| ∈ [2^(e−1), 2^e); only for regular (nonzero finite) values.
    var exponent: Int { Int(mpfr_get_exp(raw)) }
    /// Significant bits actually used (trailing zeros not counted).
    var significantBits: Int { Int(mpfr_min_prec(raw)) }

    /// Compares numerically (−0 == +0); NaN must not occur.
    static func compare(_ a: BigFloat, _ b: BigFloat) -> Int { Int(mpfr_cmp(a.raw, b.raw)) }

    /// k + 1/2 for an integer k.
    var isHalfInteger: Bool {
        if mpfr_integer_p(raw) != 0 { return false }
        let doubled = BigFloat(precision: precision)
        mpfr_mul_2si(doubled.raw, raw, 1, MPFR_RNDN)
        return mpfr_integer_p(doubled.raw) != 0
    }

    /// Zero, or so close to MPFR's smallest exponent that it can only come from an underflow.
    var isUnderflowArtifact: Bool {
        isZero || (!isNaN && !isInfinite && exponent < Int(mpfr_get_emin_min()) / 2)
    }

    /// The value rounded to the nearest `Double` (for display and error metrics, not for results).
    var doubleValue: Double { mpfr_get_d(raw, MPFR_RNDN) }
}

/// MPFR's exponent range is per thread here. The oracle widens it to the maximum on entry so that
/// intermediate values (x³ for x = 2^1023, e^(−x²) for large x) neither overflow nor flush early.
enum MPFRRange {
    static func widen() {
        mpfr_set_emin(mpfr_get_emin_min())
        mpfr_set_emax(mpfr_get_emax_max())
    }
}

// MARK: - Exact arithmetic
//
// Each helper chooses a precision large enough for the exact result and checks that MPFR reported
// no rounding (ternary value 0); a violation is a bug in the oracle, not bad input.

extension BigFloat {
    static func exact(_ integer: Int) -> BigFloat {
        let r = BigFloat(precision: 64)
        mpfr_set_si(r.raw, integer, MPFR_RNDN)
        return r
    }

    /// ±n · 2^e exactly.
    static func exact(negative: Bool, significand n: UInt64, exponent e: Int) -> BigFloat {
        let r = BigFloat(precision: 64)
        mpfr_set_ui_2exp(r.raw, UInt(n), e, MPFR_RNDN)
        if negative { mpfr_neg(r.raw, r.raw, MPFR_RNDN) }
        return r
    }

    /// The exact value of a finite bit pattern in `format`.
    static func exact(bits: UInt64, format: FloatFormat) -> BigFloat {
        let (negative, n, e) = format.decode(bits)
        let r = exact(negative: negative, significand: n, exponent: e)
        if n == 0 && negative { mpfr_neg(r.raw, r.raw, MPFR_RNDN) } // keep −0
        return r
    }

    /// ±2^e.
    static func powerOfTwo(_ e: Int, negative: Bool = false) -> BigFloat {
        exact(negative: negative, significand: 1, exponent: e)
    }

    /// An integer written in `radix` (digits only).
    static func exact(digits: String, radix: Int) -> BigFloat {
        let bitsPerDigit = radix == 16 ? 4.0 : 3.33
        let r = BigFloat(precision: Int(Double(digits.count) * bitsPerDigit) + 8)
        let status = digits.withCString { mpfr_set_str(r.raw, $0, Int32(radix), MPFR_RNDN) }
        precondition(status == 0 && mpfr_number_p(r.raw) != 0, "exact(digits:) got '\(digits)'")
        return r
    }

    /// Bit position of the least significant set bit (value = odd · 2^lsb).
    private var lowestBitExponent: Int { exponent - significantBits }

    private static func checked(_ r: BigFloat, _ ternary: Int32, _ op: String) -> BigFloat {
        precondition(ternary == 0, "exact \(op) was rounded: precision computed too small")
        return r
    }

    static func exactSum(_ a: BigFloat, _ b: BigFloat) -> BigFloat {
        if b.isZero && !a.isZero { return a }
        if a.isZero && !b.isZero { return b }
        if a.isZero && b.isZero {
            let r = BigFloat(precision: 2)
            mpfr_add(r.raw, a.raw, b.raw, MPFR_RNDN)
            return r
        }
        let top = max(a.exponent, b.exponent) + 1
        let bottom = min(a.lowestBitExponent, b.lowestBitExponent)
        let r = BigFloat(precision: top - bottom + 1)
        return checked(r, mpfr_add(r.raw, a.raw, b.raw, MPFR_RNDN), "sum")
    }

    static func exactNegation(_ a: BigFloat) -> BigFloat {
        let r = BigFloat(precision: a.precision)
        return checked(r, mpfr_neg(r.raw, a.raw, MPFR_RNDN), "negation")
    }

    static func exactProduct(_ a: BigFloat, _ b: BigFloat) -> BigFloat {
        let bits = (a.isZero ? 1 : a.significantBits) + (b.isZero ? 1 : b.significantBits)
        let r = BigFloat(precision: bits + 1)
        return checked(r, mpfr_mul(r.raw, a.raw, b.raw, MPFR_RNDN), "product")
    }

    static func exactAbs(_ a: BigFloat) -> BigFloat { a.sign < 0 ? exactNegation(a) : a }
}

// MARK: - Rounding to a format

extension BigFloat {
    /// This value rounded to nearest, ties to even, in `format`: gradual underflow, overflow to
    /// ±inf, a nonzero value that rounds to zero keeps its sign. Exact: the significand is found
    /// by scaling (exact) and `mpfr_roundeven` into an integer that fits.
    ///
    /// `beyond` > 0 (< 0) says the number being rounded is strictly above (below) this one, by an
    /// unknown but tiny amount: a tie then goes up (down) instead of to even.
    ///
    /// `overflow`: what a value beyond the largest finite becomes (nil: the format's default).
    func rounded(to format: FloatFormat, beyond: Int = 0, overflow: FloatFormat.Overflow? = nil) -> UInt64 {
        if isNaN { return format.quietNaN }
        if isInfinite { return format.exactInfinity(negative: signBit, overflow) }
        if isZero { return format.zero(negative: signBit) }
        let negative = sign < 0
        // |self| ∈ [2^(e−1), 2^e): past 2^(maxExponent+1) every value overflows.
        let e = exponent
        if e - 1 > format.maxExponent { return format.overflowed(negative: negative, overflow) }
        // Weight of the last significand bit at this binade, clamped to the subnormal unit.
        let unit = max(e - format.precision, format.minSubnormalExponent)
        if e < unit - 1 { return format.zero(negative: negative) } // below half the unit
        let scaled = BigFloat(precision: precision)
        mpfr_mul_2si(scaled.raw, raw, -unit, MPFR_RNDN)
        mpfr_abs(scaled.raw, scaled.raw, MPFR_RNDN)
        let integer = BigFloat(precision: format.precision + 2)
        let outward = beyond * (negative ? -1 : 1) // direction in magnitude
        if outward != 0 && scaled.isHalfInteger {
            mpfr_rint(integer.raw, scaled.raw, outward > 0 ? MPFR_RNDU : MPFR_RNDD)
        } else {
            mpfr_roundeven(integer.raw, scaled.raw)
        }
        let n = UInt64(mpfr_get_ui(integer.raw, MPFR_RNDN))
        return format.encode(negative: negative, significand: n, unitExponent: unit, overflow: overflow)
    }
}
