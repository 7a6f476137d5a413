import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import Dispatch
import Foundation

/// Every pair (a, b) of a 16-bit format — 2^32 of them — for one gated unit and quantity, the
/// built-in kernel against the oracle, with a certificate. A chunk is one a with all 65,536 b;
/// `--shard k/n` takes the k-th of n equal ranges of a. The oracle per pair: the gate's binary64
/// enclosure of g(a) (or g′(a)) times b, rounded outward, decides when both ends round alike
/// (nearly always); else `GatedFunction.evaluate`. ∂/∂b = g(a) does not depend on b: the
/// one-input certificates cover it.
package enum GatedExhaustive {
    package struct Certificate: Codable {
        package var tool = "activation-oracle"
        package var version = activationOracleVersion
        package var function: String
        package var gate: String
        package var quantity: String
        package var convention: String
        package var format: String
        package var implementation = "builtin Swift kernel (ActivationKernels.GatedKernel)"
        package var shard: String
        package var first_a: UInt64
        package var end_a: UInt64
        package var pairs_checked: UInt64
        package var max_ulp: UInt64
        package var bound: UInt64
        package var pass: Bool
        package var failures: UInt64
        package var classes: [String: UInt64]
        package var worst_cases: [[String: String]]
        package var seconds: Double
        package var machine: String
        /// SHA-256 of the kernel's results, little-endian 16-bit patterns, in (a, b) order.
        package var outputs_sha256: String
        package var command: String
    }

    /// The oracle's RN(q(a)·b) for every b, a fixed.
    package static func oracleRow(_ f: GatedFunction, _ quantity: GatedQuantity, a: UInt64, format: FloatFormat) -> [UInt64] {
        let count = 1 << format.bitWidth
        guard let box = f.gateEnclosure(quantity, a: a, format: format) else {
            return (0..<UInt64(count)).map { f.evaluate(quantity, a: a, b: $0, format: format) }
        }
        if !(box.lo > 0 || box.hi < 0) {
            // q(a) below binary64's range (silu(−1e30)): if even the largest b leaves |q(a)·b|
            // under half the least subnormal, every finite nonzero b gives a zero, signed as
            // q(a)·b (q(a)'s sign from the oracle's binary64 result: nonzero values and exact
            // zeros both carry it). The rest, and any wider box, go to `evaluate`.
            let largest = format.doubleValue(format.largestFinite), halfLeast = format.doubleValue(1) / 2
            let qa = FloatFormat.f64.doubleValue(f.gate.evaluate(quantity == .value ? .value : .derivative,
                                                                 bits: format.doubleValue(a).bitPattern, format: .f64))
            let tiny = max(Swift.abs(box.lo), Swift.abs(box.hi)) * largest < halfLeast
            return (0..<UInt64(count)).map { b -> UInt64 in
                let bv = format.doubleValue(b)
                guard tiny, bv.isFinite, bv != 0, !qa.isNaN else { return f.evaluate(quantity, a: a, b: b, format: format) }
                return format.zero(negative: (qa.sign == .minus) != (bv.sign == .minus))
            }
        }
        var tight: GatedFunction.TightEnclosure??  // made on the first undecided b
        var side: Side?  // learned from the first undecided b the oracle decides
        // A NaN, infinite or zero b enters the oracle only as its class and sign (`Factor`: NaN's
        // payload and sign are dropped): one evaluation per class, not 2,050 per row.
        var special: [Int: UInt64] = [:]
        return (0..<UInt64(count)).map { b -> UInt64 in
            let bv = format.doubleValue(b)
            guard bv.isFinite, bv != 0 else {
                let key = bv.isNaN ? 0 : (bv.isInfinite ? 1 : 2) + (bv.sign == .minus ? 2 : 0)
                if let r = special[key] { return r }
                let r = f.evaluate(quantity, a: a, b: b, format: format)
                special[key] = r
                return r
            }
            let p1 = box.lo * bv, p2 = box.hi * bv
            let lo = min(p1, p2).nextDown, hi = max(p1, p2).nextUp
            let r1 = format.rounding(lo), r2 = format.rounding(hi)
            if r1 == r2 { return r1 }
            let m = format.midpoint(between: r1, r2)
            if let m, let side, m * side.b == side.m * bv { return side.qAbove == (bv > 0) ? r2 : r1 }
            if tight == nil { tight = .some(f.tightEnclosure(quantity, a: a, format: format)) }
            let r = tight!.flatMap { f.evaluate($0, b: b, format: format) } ?? f.evaluate(quantity, a: a, b: b, format: format)
            if side == nil, let m, let t = tight!, !t.isExact, !format.isZero(a), r == r1 || r == r2 {
                side = Side(m: m, b: bv, qAbove: (r == r2) == (bv > 0))
            }
            return r
        }
    }

    /// Which side of c = m/b the exact q(a) lies on, learned from one pair (a, b) whose product's
    /// binary64 box straddles the rounding boundary m. Every other undecided b of the row straddles
    /// the same c: the box is 2^−52 wide (relative), while distinct m/b with 16-bit m and b differ by
    /// far more (2^−24 at least) — and the row checks it, m′·b == m·b′ (exact in binary64: at most
    /// 12 + 11 significant bits each). So q(a)·b′ lies above m′ exactly when q(a) > c and b′ > 0,
    /// or q(a) < c and b′ < 0: one Ziv loop per row instead of one per undecided b (rows where
    /// q(a) is a hair below a representable number, silu(1025)·b, have thousands). The side must
    /// be strict, so it is learned only where q(a) is not known exactly — a tight enclosure exists
    /// and is not a point (relu's q(a) = a has none: an exact rational, and a·b is exactly a
    /// midpoint, a tie to even, for many b; learning from one of those gave the first binary16
    /// reglu run 2.8 million wrong expectations) — and a ≠ 0; there the
    /// oracle separates q(a)·b from m by precision (a smooth gate's value at a ≠ 0 is irrational),
    /// never by an exact tie.
    private struct Side { let m, b: Double; let qAbove: Bool }

    /// Runs the pairs whose a lies in `range` (a bit patterns) on `threads` workers; `progress`
    /// is called after each a (from any thread, serialised).
    package static func run(_ unit: GatedUnit, _ quantity: GatedQuantity, format: FloatFormat, range: Range<UInt64>, bound: UInt64,
                            threads: Int, shard: String, command: String, progress: @escaping @Sendable (Int) -> Void) throws -> Certificate {
        precondition(format.bitWidth == 16, "pairs of a 16-bit format")
        guard quantity != .partialB else { throw InputError("\(unit) --wrt b is \(unit.entry.gate)(a), which does not depend on b: the one-input exhaustive checks cover it") }
        let start = Date()
        let n = 1 << format.bitWidth
        nonisolated(unsafe) var tallies = [GatedGate.Comparison?](repeating: nil, count: range.count)
        nonisolated(unsafe) var digests = [String](repeating: "", count: range.count)
        let lock = NSLock()
        nonisolated(unsafe) var next = 0, done = 0
        DispatchQueue.concurrentPerform(iterations: max(1, threads)) { _ in
            let f = try! GatedFunction(unit), k = GatedKernel(unit)
            let bs = (0..<UInt64(n)).map { $0 }
            while true {
                lock.lock(); let i = next; next += 1; lock.unlock()
                guard i < range.count else { return }
                let a = range.lowerBound + UInt64(i)
                let expected = oracleRow(f, quantity, a: a, format: format)
                let pairs = bs.map { (a: a, b: $0) }
                // The kernel's own two steps (what value(a:b:format:) composes per element): the
                // gate's Double result once for this a, then its rounding for every b.
                let q = k.gateResult(derivative: quantity == .partialA, a: a, format: format)
                let actual = bs.map { k.product(q, factor: format.doubleValue($0), format: format) }
                let c = GatedGate.compare(f, quantity, format: format, pairs: pairs, results: actual, expected: expected, bound: bound, keep: 5)
                var bytes = [UInt8](repeating: 0, count: 2 * actual.count)
                for (j, y) in actual.enumerated() { bytes[2 * j] = UInt8(truncatingIfNeeded: y); bytes[2 * j + 1] = UInt8(truncatingIfNeeded: y >> 8) }
                var h = SHA256()
                h.update(bytes)
                let digest = h.finalize()
                lock.lock()
                tallies[i] = c
                digests[i] = digest
                done += 1
                let finished = done
                lock.unlock()
                progress(finished)
            }
        }
        var total = GatedGate.compare(try GatedFunction(unit), quantity, format: format, pairs: [], results: [], bound: bound)
        for t in tallies { if let t { total.merge(t, keep: 10) } }
        var h = SHA256()
        h.update(Array(digests.joined().utf8))
        return Certificate(function: unit.name, gate: unit.entry.gate.name, quantity: quantity.rawValue, convention: "pytorch",
                           format: format.rawValue, shard: shard, first_a: range.lowerBound, end_a: range.upperBound,
                           pairs_checked: UInt64(total.count), max_ulp: total.maxULP, bound: bound, pass: total.pass,
                           failures: UInt64(total.failures), classes: Dictionary(uniqueKeysWithValues: total.classes.map { ($0.key.rawValue, UInt64($0.value)) }),
                           worst_cases: total.worst.map { c in
                               ["a": format.hexBits(c.a), "b": format.hexBits(c.b), "expected": format.hexBits(c.expected),
                                "actual": format.hexBits(c.actual), "class": c.kind.rawValue, "ulp": c.ulps.map(String.init) ?? "—"]
                           },
                           seconds: Date().timeIntervalSince(start), machine: ActivationVerification.Certificate.machine(),
                           outputs_sha256: h.finalize(), command: command)
    }
}
