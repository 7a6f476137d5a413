import CMPFR

/// An interval that contains an exact real value. Every operation rounds the lower endpoint down
/// and the upper one up, so containment survives each step, and the width shrinks as the working
/// precision grows — all Ziv's strategy needs. Overflow gives ±inf endpoints and underflow ±0 or
/// the least positive MPFR number, both still valid bounds.
///
/// An endpoint is *open* when the value is proven to differ from it: MPFR reported the rounding
/// inexact (nonzero ternary), or it was computed from an open endpoint by a strictly monotone step.
/// Open is never assumed, only proven; closed is the safe default. It matters when an endpoint
/// lands exactly on a rounding midpoint while the value lies a hair inside:
/// tanh-shrink(2^24 + 2) = 2^24 + 1 + 2e^(−2^25−4) sits 2^(−48 million) above a binary32 midpoint,
/// out of reach of any precision, but the enclosure [2^24 + 1 (open), …] decides it at once.
struct Interval: @unchecked Sendable {
    let lo: BigFloat
    let hi: BigFloat
    var loOpen = false
    var hiOpen = false

    static func point(_ x: BigFloat) -> Interval { Interval(lo: x, hi: x) }

    var hasNaN: Bool { lo.isNaN || hi.isNaN }
    /// Both endpoints closed and zero: the value is exactly 0.
    var isExactZero: Bool { lo.isZero && hi.isZero && !loOpen && !hiOpen }
}

typealias UnaryMPFR = (UnsafeMutablePointer<__mpfr_struct>?, UnsafePointer<__mpfr_struct>?, mpfr_rnd_t) -> Int32
private typealias BinaryMPFR = (UnsafeMutablePointer<__mpfr_struct>?, UnsafePointer<__mpfr_struct>?,
                                UnsafePointer<__mpfr_struct>?, mpfr_rnd_t) -> Int32

/// Interval arithmetic at one working precision.
struct IntervalArithmetic {
    let precision: Int

    private func new() -> BigFloat { BigFloat(precision: precision) }

    // MARK: Monotone building blocks

    /// f strictly increasing: [f↓(lo), f↑(hi)].
    func increasing(_ a: Interval, _ f: UnaryMPFR) -> Interval {
        let lo = new(), hi = new()
        let tl = f(lo.raw, a.lo.raw, MPFR_RNDD), th = f(hi.raw, a.hi.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi, loOpen: a.loOpen || tl != 0, hiOpen: a.hiOpen || th != 0)
    }

    /// f strictly decreasing: [f↓(hi), f↑(lo)].
    func decreasing(_ a: Interval, _ f: UnaryMPFR) -> Interval {
        let lo = new(), hi = new()
        let tl = f(lo.raw, a.hi.raw, MPFR_RNDD), th = f(hi.raw, a.lo.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi, loOpen: a.hiOpen || tl != 0, hiOpen: a.loOpen || th != 0)
    }

    func negate(_ a: Interval) -> Interval {
        Interval(lo: BigFloat.exactNegation(a.hi), hi: BigFloat.exactNegation(a.lo), loOpen: a.hiOpen, hiOpen: a.loOpen)
    }

    func abs(_ a: Interval) -> Interval {
        if a.lo.sign >= 0 { return a }
        if a.hi.sign <= 0 { return negate(a) }
        let zero = BigFloat.exact(0)
        let m = negate(a)
        let c = BigFloat.compare(m.hi, a.hi)
        let hi = c > 0 ? m.hi : a.hi
        let hiOpen = c > 0 ? m.hiOpen : (c < 0 ? a.hiOpen : (m.hiOpen && a.hiOpen))
        return Interval(lo: zero, hi: hi, loOpen: false, hiOpen: hiOpen)
    }

    func add(_ a: Interval, _ b: Interval) -> Interval {
        let lo = new(), hi = new()
        let tl = mpfr_add(lo.raw, a.lo.raw, b.lo.raw, MPFR_RNDD), th = mpfr_add(hi.raw, a.hi.raw, b.hi.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi, loOpen: a.loOpen || b.loOpen || tl != 0, hiOpen: a.hiOpen || b.hiOpen || th != 0)
    }

    func subtract(_ a: Interval, _ b: Interval) -> Interval { add(a, negate(b)) }

    /// The hull of the four endpoint products (0·∞ counts as 0: an infinite endpoint only means
    /// "unbounded", and the other factor's zero endpoint is attained).
    func multiply(_ a: Interval, _ b: Interval) -> Interval {
        combine(a, b, mpfr_mul, secondAlwaysMatters: false)
    }

    /// a/b; b must exclude 0 (every formula here divides by a positive quantity).
    func divide(_ a: Interval, _ b: Interval) -> Interval {
        if b.lo.sign <= 0 && b.hi.sign >= 0 {
            let lo = new(), hi = new()
            mpfr_set_inf(lo.raw, -1)
            mpfr_set_inf(hi.raw, 1)
            return Interval(lo: lo, hi: hi)
        }
        return combine(a, b, mpfr_div, secondAlwaysMatters: false, firstAlwaysMatters: true)
    }

    /// Min and max over the corner values x ∘ y. An extreme is open when every corner that attains
    /// it is open: rounded inexactly, or built from an open endpoint the result depends on (for a
    /// product, an open factor matters only when the other factor is nonzero; for a quotient the
    /// dividend always matters).
    private func combine(_ a: Interval, _ b: Interval, _ op: BinaryMPFR, secondAlwaysMatters: Bool,
                         firstAlwaysMatters: Bool = false) -> Interval {
        let lo = new(), hi = new(), t = new()
        var loOpen = true, hiOpen = true, first = true
        for (x, xOpen) in [(a.lo, a.loOpen), (a.hi, a.hiOpen)] {
            for (y, yOpen) in [(b.lo, b.loOpen), (b.hi, b.hiOpen)] {
                let depends = (xOpen && (firstAlwaysMatters || !y.isZero)) || (yOpen && (secondAlwaysMatters || !x.isZero))
                for down in [true, false] {
                    var ternary = op(t.raw, x.raw, y.raw, down ? MPFR_RNDD : MPFR_RNDU)
                    if mpfr_nan_p(t.raw) != 0 { mpfr_set_zero(t.raw, 1); ternary = 0 }
                    let open = ternary != 0 || depends
                    let target = down ? lo : hi
                    let c = first ? (down ? -1 : 1) : Int(mpfr_cmp(t.raw, target.raw))
                    if (down && c < 0) || (!down && c > 0) {
                        mpfr_set(target.raw, t.raw, MPFR_RNDN)
                        if down { loOpen = open } else { hiOpen = open }
                    } else if c == 0 {
                        if down { loOpen = loOpen && open } else { hiOpen = hiOpen && open }
                    }
                }
                first = false
            }
        }
        return Interval(lo: lo, hi: hi, loOpen: loOpen, hiOpen: hiOpen)
    }

    /// a · 2^k.
    func scale(_ a: Interval, byPowerOfTwo k: Int) -> Interval {
        let lo = new(), hi = new()
        let tl = mpfr_mul_2si(lo.raw, a.lo.raw, k, MPFR_RNDD), th = mpfr_mul_2si(hi.raw, a.hi.raw, k, MPFR_RNDU)
        return Interval(lo: lo, hi: hi, loOpen: a.loOpen || tl != 0, hiOpen: a.hiOpen || th != 0)
    }

    func square(_ a: Interval) -> Interval {
        increasing(abs(a)) { r, x, rnd in mpfr_sqr(r, x, rnd) }
    }

    // MARK: Elementary functions

    func exp(_ a: Interval) -> Interval { increasing(a, mpfr_exp) }
    func expm1(_ a: Interval) -> Interval { increasing(a, mpfr_expm1) }
    func log1p(_ a: Interval) -> Interval { increasing(a, mpfr_log1p) }
    func tanh(_ a: Interval) -> Interval { increasing(a, mpfr_tanh) }
    func sqrt(_ a: Interval) -> Interval { increasing(a, mpfr_sqrt) }
    func erfc(_ a: Interval) -> Interval { decreasing(a, mpfr_erfc) }

    /// sech² — even, decreasing in |a|.
    func sechSquared(_ a: Interval) -> Interval {
        square(decreasing(abs(a), mpfr_sech))
    }

    /// σ(t) = 1/(1 + e^(−t)), increasing. Each endpoint is evaluated in the form that has no
    /// cancellation and no overflow on its side of 0: 1/(1 + e^(−t)) for t ≥ 0, e^t/(1 + e^t) for t < 0.
    /// Both forms are monotone in the intermediate e, so rounding e and each step the matching way
    /// gives a bound.
    func sigmoid(_ a: Interval) -> Interval {
        let (lo, loInexact) = sigmoidBound(a.lo, down: true)
        let (hi, hiInexact) = sigmoidBound(a.hi, down: false)
        return Interval(lo: lo, hi: hi, loOpen: a.loOpen || loInexact, hiOpen: a.hiOpen || hiInexact)
    }

    private func sigmoidBound(_ t: BigFloat, down: Bool) -> (BigFloat, Bool) {
        let toward = down ? MPFR_RNDD : MPFR_RNDU, away = down ? MPFR_RNDU : MPFR_RNDD
        let e = new(), d = new(), r = new()
        var ternaries: [Int32]
        if t.sign >= 0 {
            let minusT = BigFloat.exactNegation(t)
            ternaries = [mpfr_exp(e.raw, minusT.raw, away),      // larger e → smaller σ
                         mpfr_add_ui(d.raw, e.raw, 1, away),
                         mpfr_ui_div(r.raw, 1, d.raw, toward)]
        } else {
            ternaries = [mpfr_exp(e.raw, t.raw, toward),         // σ = e/(1 + e), increasing in e
                         mpfr_add_ui(d.raw, e.raw, 1, away),
                         mpfr_div(r.raw, e.raw, d.raw, toward)]
        }
        return (r, ternaries.contains { $0 != 0 })
    }

    /// softplus(t) = log(1 + e^t), increasing: log1p(e^t) for t < 0, t + log1p(e^(−t)) for t ≥ 0.
    func softplus(_ a: Interval) -> Interval {
        let (lo, loInexact) = softplusBound(a.lo, down: true)
        let (hi, hiInexact) = softplusBound(a.hi, down: false)
        return Interval(lo: lo, hi: hi, loOpen: a.loOpen || loInexact, hiOpen: a.hiOpen || hiInexact)
    }

    private func softplusBound(_ t: BigFloat, down: Bool) -> (BigFloat, Bool) {
        let rnd = down ? MPFR_RNDD : MPFR_RNDU
        let e = new(), l = new()
        if t.sign < 0 {
            let t1 = mpfr_exp(e.raw, t.raw, rnd), t2 = mpfr_log1p(l.raw, e.raw, rnd)
            return (l, t1 != 0 || t2 != 0)
        }
        let minusT = BigFloat.exactNegation(t)
        let t1 = mpfr_exp(e.raw, minusT.raw, rnd), t2 = mpfr_log1p(l.raw, e.raw, rnd)
        let r = new()
        let t3 = mpfr_add(r.raw, l.raw, t.raw, rnd)
        return (r, t1 != 0 || t2 != 0 || t3 != 0)
    }

    // MARK: Constants

    func constant(_ q: ExactRational) -> Interval { q.enclosure(precision: precision) }
    func constant(_ n: Int) -> Interval { .point(BigFloat.exact(n)) }

    /// π.
    var pi: Interval {
        let lo = new(), hi = new()
        mpfr_const_pi(lo.raw, MPFR_RNDD)
        mpfr_const_pi(hi.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi, loOpen: true, hiOpen: true)
    }
}
