import ActivationCatalog
import ActivationOracle
import Foundation
import Testing

/// The gated units against values made by another tool (Scripts/independent_reference.py
/// `gated`: mpmath and fractions, IEEE's rules for NaN, infinite and zero products written there
/// from IEEE 754): every edge input of a with every edge value of b, random pairs and backward
/// triples, in four formats. Bit for bit, the sign of zero included.
@Suite("Gated units vs. independent reference")
struct GatedUnitTests {
    struct Case: CustomStringConvertible {
        var line: Int, format: FloatFormat, quantity: String, a: UInt64, b: UInt64, g: UInt64?, expected: UInt64
        var description: String {
            "line \(line): \(format) \(quantity) a=\(format.hexBits(a)) (\(format.hexFloat(a))) b=\(format.hexBits(b)) (\(format.hexFloat(b)))"
                + (g.map { " g=\(format.hexFloat($0))" } ?? "") + " expected \(format.hexBits(expected)) (\(format.hexFloat(expected)))"
        }
    }

    static func cases(_ unit: GatedUnit) throws -> [Case] {
        let url = TestData.directory.appendingPathComponent("independent-gated/\(unit.name).txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var out: [Case] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !raw.hasPrefix("#") && !raw.isEmpty {
            let w = raw.split(separator: " ")
            let numbers = w.dropFirst(2).compactMap { UInt64($0.dropFirst(2), radix: 16) }
            guard let format = FloatFormat(rawValue: String(w[0])), numbers.count == w.count - 2, numbers.count == 3 || numbers.count == 4 else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "\(url.path):\(i + 1)"])
            }
            out.append(Case(line: i + 1, format: format, quantity: String(w[1]), a: numbers[0], b: numbers[1],
                            g: numbers.count == 4 ? numbers[2] : nil, expected: numbers.last!))
        }
        return out
    }

    @Test("agrees bit for bit", arguments: GatedUnit.allCases)
    func agrees(_ unit: GatedUnit) throws {
        let cases = try Self.cases(unit)
        #expect(Set(cases.map(\.quantity)) == ["value", "d/da", "d/db", "backward-a", "backward-b"])
        #expect(Set(cases.map(\.format)) == Set(FloatFormat.interchange) && cases.count > 8000)
        let f = try GatedFunction(unit)
        var failures = 0
        for c in cases {
            let got: UInt64
            switch c.quantity {
            case "backward-a": got = f.backward(a: c.a, b: c.b, gradient: c.g!, format: c.format).da
            case "backward-b": got = f.backward(a: c.a, b: c.b, gradient: c.g!, format: c.format).db
            default: got = f.evaluate(GatedFunction.Quantity(rawValue: c.quantity)!, a: c.a, b: c.b, format: c.format)
            }
            if !c.format.sameResult(got, c.expected) {
                failures += 1
                if failures <= 10 { Issue.record("\(unit) \(c) but oracle gave \(c.format.hexBits(got)) (\(c.format.hexFloat(got)))") }
            }
        }
        #expect(failures == 0, "\(unit): \(failures) of \(cases.count) disagree")
    }

    /// Names, aliases and the catalog's gates.
    @Test func catalog() throws {
        #expect(GatedUnit(named: "SwiGLU") == .swiglu && GatedUnit(named: "geglu_tanh") == .gegluTanh && GatedUnit(named: "silu") == nil)
        #expect(GatedUnit.swiglu.entry.gate == .silu && GatedUnit.glu.entry.gate == .sigmoid)
        #expect(GatedUnit.swiglu.entry.partialA == "b·silu′(a)")
        for unit in GatedUnit.allCases { #expect(Activation(named: unit.name) == nil, "\(unit) shadows a one-input entry") }
    }
}
