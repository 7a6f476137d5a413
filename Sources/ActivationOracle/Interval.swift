import CMPFR

/// A closed interval [lo, hi] that contains an exact real value. Every operation below rounds the
/// lower endpoint down and the upper one up, so containment survives each step; the width shrinks
/// as the working precision grows, which is all Ziv's strategy needs. Overflow gives ±inf
/// endpoints and underflow gives ±0 or the least positive MPFR number, both still valid bounds.
struct Interval: @unchecked Sendable {
    let lo: BigFloat
    let hi: BigFloat

    static func point(_ x: BigFloat) -> Interval { Interval(lo: x, hi: x) }

    var isPoint: Bool { lo === hi || BigFloat.compare(lo, hi) == 0 }
    var hasNaN: Bool { lo.isNaN || hi.isNaN }
}

typealias UnaryMPFR = (UnsafeMutablePointer<__mpfr_struct>?, UnsafePointer<__mpfr_struct>?, mpfr_rnd_t) -> Int32

/// Interval arithmetic at one working precision.
struct IntervalArithmetic {
    let precision: Int

    private func new() -> BigFloat { BigFloat(precision: precision) }

    // MARK: Monotone building blocks

    /// f increasing: [f↓(lo), f↑(hi)].
    func increasing(_ a: Interval, _ f: UnaryMPFR) -> Interval {
        let lo = new(), hi = new()
        _ = f(lo.raw, a.lo.raw, MPFR_RNDD)
        _ = f(hi.raw, a.hi.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }

    /// f decreasing: [f↓(hi), f↑(lo)].
    func decreasing(_ a: Interval, _ f: UnaryMPFR) -> Interval {
        let lo = new(), hi = new()
        _ = f(lo.raw, a.hi.raw, MPFR_RNDD)
        _ = f(hi.raw, a.lo.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }

    func negate(_ a: Interval) -> Interval {
        let lo = new(), hi = new()
        mpfr_neg(lo.raw, a.hi.raw, MPFR_RNDD)
        mpfr_neg(hi.raw, a.lo.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }

    func abs(_ a: Interval) -> Interval {
        if a.lo.sign >= 0 { return a }
        if a.hi.sign <= 0 { return negate(a) }
        let zero = new()
        mpfr_set_zero(zero.raw, 1)
        let hi = new()
        mpfr_max(hi.raw, a.hi.raw, negate(a).hi.raw, MPFR_RNDU)
        return Interval(lo: zero, hi: hi)
    }

    func add(_ a: Interval, _ b: Interval) -> Interval {
        let lo = new(), hi = new()
        mpfr_add(lo.raw, a.lo.raw, b.lo.raw, MPFR_RNDD)
        mpfr_add(hi.raw, a.hi.raw, b.hi.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }

    func subtract(_ a: Interval, _ b: Interval) -> Interval {
        let lo = new(), hi = new()
        mpfr_sub(lo.raw, a.lo.raw, b.hi.raw, MPFR_RNDD)
        mpfr_sub(hi.raw, a.hi.raw, b.lo.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }

    /// The hull of the four endpoint products (0·∞ counts as 0: an infinite endpoint only means
    /// "unbounded", and the other factor's zero endpoint is attained).
    func multiply(_ a: Interval, _ b: Interval) -> Interval {
        combine(a, b) { r, x, y, rnd in
            mpfr_mul(r, x, y, rnd)
            if mpfr_nan_p(r) != 0 { mpfr_set_zero(r, 1) }
        }
    }

    /// a/b; b must exclude 0 (every formula here divides by a positive quantity).
    func divide(_ a: Interval, _ b: Interval) -> Interval {
        if b.lo.sign <= 0 && b.hi.sign >= 0 {
            let lo = new(), hi = new()
            mpfr_set_inf(lo.raw, -1)
            mpfr_set_inf(hi.raw, 1)
            return Interval(lo: lo, hi: hi)
        }
        return combine(a, b) { r, x, y, rnd in mpfr_div(r, x, y, rnd) }
    }

    private func combine(_ a: Interval, _ b: Interval,
                         _ op: (UnsafeMutablePointer<__mpfr_struct>, UnsafeMutablePointer<__mpfr_struct>,
                                UnsafeMutablePointer<__mpfr_struct>, mpfr_rnd_t) -> Void) -> Interval {
        let lo = new(), hi = new(), t = new()
        var first = true
        for x in [a.lo, a.hi] {
            for y in [b.lo, b.hi] {
                op(t.raw, x.raw, y.raw, MPFR_RNDD)
                if first || mpfr_cmp(t.raw, lo.raw) < 0 { mpfr_set(lo.raw, t.raw, MPFR_RNDN) }
                op(t.raw, x.raw, y.raw, MPFR_RNDU)
                if first || mpfr_cmp(t.raw, hi.raw) > 0 { mpfr_set(hi.raw, t.raw, MPFR_RNDN) }
                first = false
            }
        }
        return Interval(lo: lo, hi: hi)
    }

    /// a · 2^k (exact).
    func scale(_ a: Interval, byPowerOfTwo k: Int) -> Interval {
        let lo = new(), hi = new()
        mpfr_mul_2si(lo.raw, a.lo.raw, k, MPFR_RNDD)
        mpfr_mul_2si(hi.raw, a.hi.raw, k, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }

    func square(_ a: Interval) -> Interval {
        let m = abs(a)
        return increasing(m) { r, x, rnd in mpfr_sqr(r, x, rnd) }
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
        let s = decreasing(abs(a), mpfr_sech)
        return square(s)
    }

    /// σ(t) = 1/(1 + e^(−t)), increasing. Each endpoint is evaluated in the form that has no
    /// cancellation and no overflow on its side of 0: 1/(1 + e^(−t)) for t ≥ 0, e^t/(1 + e^t) for t < 0.
    /// Both forms are increasing in the intermediate e, so rounding e and each step the same way
    /// as the endpoint gives a bound.
    func sigmoid(_ a: Interval) -> Interval {
        Interval(lo: sigmoidBound(a.lo, down: true), hi: sigmoidBound(a.hi, down: false))
    }

    private func sigmoidBound(_ t: BigFloat, down: Bool) -> BigFloat {
        let toward = down ? MPFR_RNDD : MPFR_RNDU, away = down ? MPFR_RNDU : MPFR_RNDD
        let e = new(), d = new(), r = new()
        if t.sign >= 0 {
            let minusT = BigFloat.exactNegation(t)
            mpfr_exp(e.raw, minusT.raw, away)     // larger e → smaller σ
            mpfr_add_ui(d.raw, e.raw, 1, away)
            mpfr_ui_div(r.raw, 1, d.raw, toward)
        } else {
            mpfr_exp(e.raw, t.raw, toward)        // σ = e/(1 + e), increasing in e
            mpfr_add_ui(d.raw, e.raw, 1, away)
            mpfr_div(r.raw, e.raw, d.raw, toward)
        }
        return r
    }

    /// softplus(t) = log(1 + e^t), increasing: log1p(e^t) for t < 0, t + log1p(e^(−t)) for t ≥ 0.
    func softplus(_ a: Interval) -> Interval {
        Interval(lo: softplusBound(a.lo, down: true), hi: softplusBound(a.hi, down: false))
    }

    private func softplusBound(_ t: BigFloat, down: Bool) -> BigFloat {
        let rnd = down ? MPFR_RNDD : MPFR_RNDU
        let e = new(), l = new()
        if t.sign < 0 {
            mpfr_exp(e.raw, t.raw, rnd)
            mpfr_log1p(l.raw, e.raw, rnd)
            return l
        }
        let minusT = BigFloat.exactNegation(t)
        mpfr_exp(e.raw, minusT.raw, rnd)
        mpfr_log1p(l.raw, e.raw, rnd)
        let r = new()
        mpfr_add(r.raw, l.raw, t.raw, rnd)
        return r
    }

    // MARK: Constants

    func constant(_ q: ExactRational) -> Interval { q.enclosure(precision: precision) }
    func constant(_ n: Int) -> Interval { .point(BigFloat.exact(n)) }

    /// π.
    var pi: Interval {
        let lo = new(), hi = new()
        mpfr_const_pi(lo.raw, MPFR_RNDD)
        mpfr_const_pi(hi.raw, MPFR_RNDU)
        return Interval(lo: lo, hi: hi)
    }
}
