/// e^x for |x| ≤ 700 without libm, in a scalar and a lane form that perform the same operations
/// in the same order (so scalar and buffer results are identical): Cody–Waite reduction
/// x = k·ln 2 + r with ln 2 split so k·ln2hi is exact, e^r by its Taylor series to degree 13 (Estrin's scheme) on
/// |r| ≤ ln 2/2 (truncation 2.9e−18 relative), and 2^k assembled from the rounding constant's bits.
/// Relative error about 1.5 Double ulp; callers route |x| > 700 and NaN elsewhere.
enum FastExp {
    static let log2e = 0x1.71547652b82fep0
    static let shift = 0x1.8p52                 // adding it rounds to an integer, kept in the low bits
    static let ln2hi = 0x1.62e42p-1            // 20 significant bits: k·ln2hi is exact for |k| < 2^33
    static let ln2lo = 0x1.fdf473de6af28p-22
    static let bias = Int64(bitPattern: 0x1.8p52.bitPattern)

    @inline(__always) static func exp(_ x: Double) -> Double {
        let kf = (x * log2e + shift) - shift
        let r = (x - kf * ln2hi) - kf * ln2lo
        let k = Int64(bitPattern: (kf + shift).bitPattern) &- bias
        return polynomial(r) * Double(bitPattern: UInt64(bitPattern: (k &+ 1023) &<< 52))
    }

    @inline(__always) static func exp(_ x: DoubleLanes) -> DoubleLanes {
        let kf = (x * log2e + shift) - shift
        let r = (x - kf * ln2hi) - kf * ln2lo
        let k = (kf + shift).bits &- bias
        return polynomial(r) * DoubleLanes(bits: (k &+ 1023) &<< 52)
    }

    /// e^x in lanes (|x| ≤ 700) by `exp`, or with `forFloatResults` by the shorter `ForFloat.exp`
    /// (relative error below 2^−28.9): the one choice every form with a Float-results twin makes.
    @inline(__always) static func exp(_ x: DoubleLanes, forFloatResults: Bool) -> DoubleLanes {
        forFloatResults ? ForFloat.exp(x) : exp(x)
    }

    /// e^a − 1 in lanes for |a| ≤ 700, relative error a few Double ulp: e^r − 1 = r + r²·Q(r)
    /// straight from the polynomial (no 1 + … − 1 cancellation), then 2^k·(e^r − 1) + (2^k − 1),
    /// where |e^a − 1| ≥ 0.29 and nothing cancels. ±0 stays ±0.
    @inline(__always) static func expm1(_ a: DoubleLanes) -> DoubleLanes {
        let kf = (a * log2e + shift) - shift
        let r = (a - kf * ln2hi) - kf * ln2lo
        let k = (kf + shift).bits &- bias
        let scale = DoubleLanes(bits: (k &+ 1023) &<< 52)
        let pm1 = polynomialMinusOne(r)
        var y = (scale - 1) + scale * pm1
        y.replace(with: pm1, where: kf .== 0)
        y.replace(with: a, where: a .== 0)
        return y
    }

    /// log(1 + w) in lanes for 0 ≤ w ≤ 1 (w = e^(−|t|): softplus), relative error a few Double
    /// ulp: 2·atanh(s), s = v/(2 + v), by its Taylor series 2s·(1 + Σ s^(2n)/(2n + 1)), n = 1…9,
    /// with v = w below √2 − 1 and v = (w − 1)/2 (exact) plus ln 2 above, so |s| ≤ 0.1716 and the
    /// first omitted term is below 2^−50 of the sum. With `forFloatResults` the series stops at
    /// n = 5 (first omitted term s^12/13 < 2^−34.2 of the sum: for results rounded to Float).
    @inline(__always) static func log1pUnit(_ w: DoubleLanes, forFloatResults: Bool = false) -> DoubleLanes {
        let upper = w .> 0x1.a827999fcef32p-2                         // √2 − 1
        let v = w.replacing(with: (w - 1) * 0.5, where: upper)
        let offset = DoubleLanes(repeating: 0).replacing(with: 0x1.62e42fefa39efp-1, where: upper) // ln 2
        let s = v / (2 + v)
        let z = s * s
        // 1/3, 1/5, …, 1/19 rounded to Double (Python: (1/d).hex()); Horner in z.
        var p = DoubleLanes(repeating: 0x1.745d1745d1746p-4)
        if !forFloatResults {
            p = 0x1.af286bca1af28p-5 * z + 0x1.e1e1e1e1e1e1ep-5
            p = p * z + 0x1.1111111111111p-4
            p = p * z + 0x1.3b13b13b13b14p-4
            p = p * z + 0x1.745d1745d1746p-4
        }
        p = p * z + 0x1.c71c71c71c71cp-4
        p = p * z + 0x1.2492492492492p-3
        p = p * z + 0x1.999999999999ap-3
        p = p * z + 0x1.5555555555555p-2
        return offset + 2 * s * (1 + z * p)
    }

    // Taylor coefficients 1/n!, n = 0…13.
    static let c: (Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double) = (
        1, 1, 0.5, 0x1.5555555555555p-3, 0x1.5555555555555p-5, 0x1.1111111111111p-7, 0x1.6c16c16c16c17p-10,
        0x1.a01a01a01a01ap-13, 0x1.a01a01a01a01ap-16, 0x1.71de3a556c734p-19, 0x1.27e4fb7789f5cp-22,
        0x1.ae64567f544e4p-26, 0x1.1eed8eff8d898p-29, 0x1.6124613a86d09p-33)

    /// e^r = 1 + (r + r²·Q(r)), Q = Σ c_n r^(n−2) by Estrin's scheme (pairs, then pairs of pairs:
    /// dependency depth 4 instead of Horner's 12, which is what limits a latency-bound SIMD loop);
    /// the last two additions are Horner's, so accuracy matches it. One generic body for the scalar
    /// and the lane form: the same operations in the same order.
    @inline(__always) static func polynomial<V: LaneArithmetic>(_ r: V) -> V {
        V(broadcast: 1) + polynomialMinusOne(r)
    }

    /// e^r − 1 = r + r²·Q(r), the same terms as `polynomial` before its final 1 +.
    @inline(__always) static func polynomialMinusOne<V: LaneArithmetic>(_ r: V) -> V {
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let a0 = c.2 + c.3 * r, a1 = c.4 + c.5 * r, a2 = c.6 + c.7 * r
        let a3 = c.8 + c.9 * r, a4 = c.10 + c.11 * r, a5 = c.12 + c.13 * r
        let b0 = a0 + a1 * r2, b1 = a2 + a3 * r2, b2 = a4 + a5 * r2
        let q = (b0 + b1 * r4) + b2 * r8
        return r + r2 * q
    }
}

/// What a formula written once for a scalar and for lanes needs (`FastExp.polynomial`,
/// `logisticDerivative(expMinusAbs:)`).
protocol LaneArithmetic {
    init(broadcast: Double)
    static func + (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    /// With a constant: the stdlib's scalar–vector forms (the Self–Self ones reached through a
    /// generic witness left SIMD8 code half scalarized here).
    static func + (a: Double, b: Self) -> Self
    static func * (a: Double, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    /// `limit` where self > limit (NaN stays NaN).
    func clamped(above limit: Double) -> Self
}

extension Double: LaneArithmetic {
    @inline(__always) init(broadcast: Double) { self = broadcast }
    @inline(__always) func clamped(above limit: Double) -> Double { self > limit ? limit : self }
}

extension SIMD8: LaneArithmetic where Scalar == Double {
    @inline(__always) init(broadcast: Double) { self.init(repeating: broadcast) }
    @inline(__always) func clamped(above limit: Double) -> SIMD8<Double> { replacing(with: limit, where: self .> limit) }
}

extension FastExp {
    /// e^t and e^t − 1 for results rounded to Float only (`ActivationKernel.evaluateFloatResults`),
    /// about half the work of the Double forms above: ln 2 in one part (k·ln 2 rounds once, so r
    /// is off by at most 2^−53·708 < 2^−43 for |t| ≤ 708) and minimax polynomials on |r| ≤ ln 2/2
    /// instead of the degree-13 Taylor series — e^r of degree 6, relative error 2^−29.0; e^r − 1
    /// as r + r²·q(r), q of degree 5, relative error 2^−31.9 (both fitted and measured against
    /// mpmath by `Scripts/fit_float32_polynomials.py`). With the Double roundings: relative error
    /// below 2^−28.9 and 2^−31.8, far under the 2^−24 that keeps a Float result within 1 ULP
    /// (the float32 certificates are the proof). Horner's scheme, plain multiplies and adds (Swift
    /// contracts nothing into FMA), so every build gives the same bits. |t| ≤ 708: callers clamp.
    enum ForFloat {
        static let ln2 = 0x1.62e42fefa39efp-1
        /// 1023 minus the bits of `FastExp.shift`, so adding it to the rounded k's bits gives the
        /// biased exponent of 2^k.
        static let exponentBias = 1023 &- FastExp.bias

        @inline(__always) static func reduce(_ t: DoubleLanes) -> (r: DoubleLanes, scale: DoubleLanes) {
            let rounded = t * FastExp.log2e + FastExp.shift
            let kf = rounded - FastExp.shift
            return (t - kf * ln2, DoubleLanes(bits: (rounded.bits &+ exponentBias) &<< 52))
        }

        /// e^t, |t| ≤ 708.
        @inline(__always) static func exp(_ t: DoubleLanes) -> DoubleLanes {
            let (r, scale) = reduce(t)
            var p = 0x1.6ab9801cc3158p-10 * r + 0x1.126d0c44bf738p-7
            p = p * r + 0x1.55589a44cd5f1p-5
            p = p * r + 0x1.55540a7d279a4p-3
            p = p * r + 0x1.fffffaaf4efa6p-2
            p = p * r + 0x1.0000009c0223dp+0
            p = p * r + 0x1.0000000261529p+0
            return p * scale
        }

        /// e^a − 1, |a| ≤ 708: 2^k·(e^r − 1) + (2^k − 1), where |e^a − 1| ≥ 0.29 unless k = 0 (then
        /// exactly e^r − 1 = r + r²·q(r): no 1 + … − 1 cancellation). ±0 stays ±0, as in
        /// `FastExp.expm1` (the sum would turn −0 into +0).
        @inline(__always) static func expm1(_ a: DoubleLanes) -> DoubleLanes {
            let (r, scale) = reduce(a)
            var q = 0x1.a032be2483038p-13 * r + 0x1.6d71e5dae19f0p-10
            q = q * r + 0x1.1111895a64558p-7
            q = q * r + 0x1.5554b13f765b2p-5
            q = q * r + 0x1.555554ef9ec52p-3
            q = q * r + 0x1.00000025ea060p-1
            return ((scale - 1) + scale * (r + r * r * q)).replacing(with: a, where: a .== 0)
        }

        /// How near a derivative's root the Float-result forms that cancel there (silu, quick-gelu,
        /// gelu-tanh, mish, gelu) hand their lanes to the 2^−40 ones: each form's doc comment states
        /// its error bound outside this band (`Scripts/float_derivative_condition.py`).
        static let rootBand = 0x1p-5

        /// a·σ(t) as a/(1 + e^(−t)), t clamped at ±700 (where σ is 0 or 1 to far below any Float
        /// result's ulp): a relative error ε in e^(−t) moves it by at most ε·e/(1 + e) < ε, so it
        /// stays within 2^−28.8 of a·σ(t) before the rounding to Float (sigmoid, silu, quick-gelu,
        /// gelu-tanh).
        @inline(__always) static func logisticProduct(_ a: DoubleLanes, _ t: DoubleLanes) -> DoubleLanes {
            a / (1 + exp((-t).clamped(to: 700)))
        }
    }
}
