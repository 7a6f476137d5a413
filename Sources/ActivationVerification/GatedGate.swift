import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import Dispatch
import Foundation

/// Gated units (two inputs) against the oracle: the pairs to try, the oracle's and the kernel's
/// results for them, and the comparison. Inputs are pairs (a, b); a file holds them as a trailing
/// axis of 2 (`.npy` shape (…, 2), text lines `a b`), flattened here to a, b, a, b, ….
public enum GatedGate {
    /// Gated units are defined and checked in the four interchange formats (the narrow formats
    /// have no gated kernels or independent vectors): one line for the others.
    public static func checkFormat(_ format: FloatFormat, _ unit: GatedUnit) throws {
        guard FloatFormat.interchange.contains(format) else {
            throw InputError("\(unit): gated units take f16, bf16, f32 or f64 (got \(format))")
        }
    }

    /// b's edge values: ±0, ±inf, NaN, ±1, ± the least subnormal, ± the largest finite, 1/2, −3, 2.
    public static func edgeFactors(_ format: FloatFormat) -> [UInt64] {
        var out = [format.zero(negative: false)]
        if format.hasNegativeZero { out.append(format.zero(negative: true)) }
        if format.hasInfinity { out += [format.infinity(negative: false), format.infinity(negative: true)] }
        if format.hasNaN { out.append(format.quietNaN) }
        for v in [1.0, -1.0, 0.5, -3, 2] { out.append(format.rounding(v)) }
        out += [1, format.signMask | 1, format.largestFinite, format.signMask | format.largestFinite]
        return out
    }

    /// The pairs a check tries: every edge input of a (the gate's specials, kinks and thresholds)
    /// with every edge value of b, then `count` random pairs from `seed` (a and b each drawn as
    /// the one-input gate draws inputs).
    public static func pairs(_ f: GatedFunction, _ format: FloatFormat, count: Int, seed: UInt64) -> [(a: UInt64, b: UInt64)] {
        var seen = Set<UInt64>()
        let edges = (Inputs.specials(format) + Inputs.kinks(f.gate, format, k: 2) + Thresholds.inputs(f.gate, format, k: 1))
            .filter { seen.insert($0).inserted }
        var out = edges.flatMap { a in edgeFactors(format).map { (a: a, b: $0) } }
        let a = Inputs.random(format, count: count, seed: seed), b = Inputs.random(format, count: count, seed: seed ^ 0x5DEE_CE66_D1CE_4E5B)
        out += zip(a, b).map { (a: $0, b: $1) }
        return out
    }

    /// The oracle's results, in parallel.
    public static func oracle(_ f: GatedFunction, _ quantity: GatedQuantity, _ pairs: [(a: UInt64, b: UInt64)], _ format: FloatFormat) -> [UInt64] {
        var out = [UInt64](repeating: 0, count: pairs.count)
        let workers = max(1, min(pairs.count, ProcessInfo.processInfo.activeProcessorCount * 4))
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let f = try! GatedFunction(f.unit, convention: f.gate.convention) // own closures per thread, as Gate.oracle
                var i = w
                while i < pairs.count {
                    buffer[i] = f.evaluate(quantity, a: pairs[i].a, b: pairs[i].b, format: format)
                    i += workers
                }
            }
        }
        return out
    }

    /// The built-in kernel's results.
    public static func kernel(_ k: GatedKernel, _ quantity: GatedQuantity, _ pairs: [(a: UInt64, b: UInt64)], _ format: FloatFormat) -> [UInt64] {
        pairs.map { p in
            switch quantity {
            case .value: k.value(a: p.a, b: p.b, format: format)
            case .partialA: k.partialA(a: p.a, b: p.b, format: format)
            case .partialB: k.partialB(a: p.a, format: format)
            }
        }
    }

    /// One disagreement.
    public struct Case: Sendable {
        public var a: UInt64, b: UInt64, expected: UInt64, actual: UInt64
        public var kind: Disagreement
        /// ULP distance for finite results (nil for NaN/inf classes).
        public var ulps: UInt64?
    }

    /// The comparison of results with the oracle: a finite result within `bound` ULP passes;
    /// every other disagreement (NaN, inf, the sign of zero, a flushed subnormal) fails.
    public struct Comparison: Sendable {
        public var unit: GatedUnit, quantity: GatedQuantity, format: FloatFormat
        public var count = 0, failures = 0, maxULP: UInt64 = 0, bound: UInt64
        public var classes: [Disagreement: Int] = [:]
        public var worst: [Case] = []
        public var pass: Bool { failures == 0 }

        /// Another part of the same check (files are compared in chunks).
        public mutating func merge(_ other: Comparison, keep: Int = 10) {
            count += other.count
            failures += other.failures
            maxULP = max(maxULP, other.maxULP)
            for (k, v) in other.classes { classes[k, default: 0] += v }
            worst = Array((worst + other.worst).sorted { ($0.ulps ?? .max) > ($1.ulps ?? .max) }.prefix(keep))
        }

        /// The report as JSON (`verify --json` for a gated unit).
        public func json(source: String) throws -> String {
            let object: [String: Any] = [
                "function": unit.name, "gate": unit.entry.gate.name, "quantity": quantity.rawValue, "format": format.rawValue,
                "source": source, "count": count, "failures": failures, "max_ulp": maxULP, "bound": bound, "pass": pass,
                "classes": Dictionary(uniqueKeysWithValues: classes.map { ($0.key.rawValue, $0.value) }),
                "worst": worst.map { c -> [String: Any] in
                    ["a": format.hexBits(c.a), "b": format.hexBits(c.b), "expected": format.hexBits(c.expected), "actual": format.hexBits(c.actual),
                     "a_decimal": format.shortestDecimal(c.a), "b_decimal": format.shortestDecimal(c.b),
                     "expected_decimal": format.shortestDecimal(c.expected), "actual_decimal": format.shortestDecimal(c.actual),
                     "class": c.kind.rawValue, "ulp": c.ulps.map { $0 as Any } ?? NSNull()]
                },
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self) + "\n"
        }

        /// One line per fact, for reports and test messages.
        public func text() -> String {
            var lines = ["\(unit) \(quantity), \(format): \(count) pairs, max \(maxULP) ULP (bound \(bound)), \(failures) beyond the bound"]
            if !classes.isEmpty {
                lines.append("classes: " + classes.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))
            }
            for c in worst.prefix(5) {
                lines.append("  a = \(format.shortestDecimal(c.a)) (\(format.hexBits(c.a))), b = \(format.shortestDecimal(c.b)) (\(format.hexBits(c.b))): "
                             + "expected \(format.shortestDecimal(c.expected)), got \(format.shortestDecimal(c.actual))" + (c.ulps.map { " (\($0) ULP)" } ?? " (\(c.kind.rawValue))"))
            }
            lines.append("result: \(pass ? "PASS" : "FAIL")")
            return lines.joined(separator: "\n")
        }
    }

    public static func compare(_ f: GatedFunction, _ quantity: GatedQuantity, format: FloatFormat, pairs: [(a: UInt64, b: UInt64)],
                               results: [UInt64], expected: [UInt64]? = nil, bound: UInt64 = 0, keep: Int = 10) -> Comparison {
        precondition(results.count == pairs.count, "one result per pair")
        let expected = expected ?? oracle(f, quantity, pairs, format)
        var c = Comparison(unit: f.unit, quantity: quantity, format: format, bound: bound)
        c.count = pairs.count
        for i in pairs.indices {
            guard let kind = Disagreement.classify(expected: expected[i], actual: results[i], format: format) else { continue }
            let finite = kind == .finite || kind == .subnormal
            let ulps = finite ? ULP.distance(expected[i], results[i], format: format) : nil
            if let ulps { c.maxULP = max(c.maxULP, ulps) }
            if let ulps, ulps <= bound { continue }
            c.failures += 1
            c.classes[kind, default: 0] += 1
            let item = Case(a: pairs[i].a, b: pairs[i].b, expected: expected[i], actual: results[i], kind: kind, ulps: ulps)
            c.worst.append(item)
            c.worst.sort { ($0.ulps ?? .max) > ($1.ulps ?? .max) }
            if c.worst.count > keep { c.worst.removeLast() }
        }
        return c
    }
}
