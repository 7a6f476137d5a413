import ActivationCatalog
import ActivationOracle

/// Inputs where a function's rounded result changes character, computed from the oracle (not
/// written down): on each side of 0, the first |x| from which f (or f′) rounds to its limit at
/// ±inf, rounds to zero, turns subnormal, or overflows. Each is found by bisection over the
/// ordered bit patterns between 1 and the largest finite value, assuming the property, once
/// reached, holds all the way out (true of every catalog entry's tails).
public enum Thresholds {
    public struct Point: Sendable, CustomStringConvertible {
        public var what: String
        public var input: UInt64
        public var description: String { what }
    }

    public static func points(_ function: ActivationFunction, _ quantity: Quantity, _ format: FloatFormat) -> [Point] {
        var out: [Point] = []
        for negative in [false, true] {
            let sign = negative ? format.signMask : 0
            let side = negative ? "−" : "+"
            var properties: [(String, (UInt64) -> Bool)] = [
                ("rounds to zero", { format.isZero($0) }),
                ("is subnormal or zero", { format.isSubnormal($0) || format.isZero($0) }),
                // Formats without infinity overflow to NaN (or saturate, which is no threshold).
                ("overflows", { format.hasInfinity ? format.isInfinite($0) : format.isNaN($0) }),
            ]
            if format.hasInfinity {
                let limit = function.evaluate(quantity, bits: format.infinity(negative: negative), format: format)
                properties.insert(("rounds to its limit at \(side)inf", { format.sameValue($0, limit) }), at: 0)
            } else {
                // No infinity to take the limit at: the value at the largest finite input stands in.
                let end = function.evaluate(quantity, bits: format.largestFinite | sign, format: format)
                properties.insert(("rounds to its result at \(side)max", { format.sameValue($0, end) }), at: 0)
            }
            for (name, holds) in properties {
                // Holding only at the largest finite itself is no threshold.
                if let x = firstFrom(function, quantity, format, sign: sign, where: holds), x & ~format.signMask != format.largestFinite {
                    out.append(Point(what: "\(quantity) \(name) from x = \(format.hexFloat(x))", input: x))
                }
            }
        }
        return out
    }

    /// The smallest magnitude m in [1, max] (sign applied) with the property at m and at max.
    static func firstFrom(_ f: ActivationFunction, _ q: Quantity, _ format: FloatFormat, sign: UInt64,
                          where holds: (UInt64) -> Bool) -> UInt64? {
        let one = format.rounding(1.0)
        var lo = one, hi = format.largestFinite // magnitudes as ordered bit patterns
        func at(_ m: UInt64) -> Bool { holds(f.evaluate(q, bits: m | sign, format: format)) }
        guard at(hi) else { return nil }
        if at(lo) { return lo | sign }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if at(mid) { hi = mid } else { lo = mid }
        }
        return hi | sign
    }

    /// The threshold inputs with `k` neighbours on each side, for f, f′ and f″.
    public static func inputs(_ function: ActivationFunction, _ format: FloatFormat, k: Int = 2) -> [UInt64] {
        [Quantity.value, .derivative, .secondDerivative].flatMap { q in
            points(function, q, format).flatMap { Inputs.neighbourhood(of: $0.input, format, k: k) }
        }
    }
}

extension FloatFormat {
    /// Same value: equal bits, or both zero (either sign), or both NaN.
    func sameValue(_ a: UInt64, _ b: UInt64) -> Bool {
        a == b || (isZero(a) && isZero(b)) || (isNaN(a) && isNaN(b))
    }
}
