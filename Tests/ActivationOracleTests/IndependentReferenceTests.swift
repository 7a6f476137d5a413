import ActivationCatalog
import ActivationOracle
import Testing

/// The oracle against values made by another tool (mpmath and exact fractions, with limits from a
/// hand-written table) for every entry, f, f′ and f″ (PyTorch's double backward at kinks) and all four formats: specials, kinks with
/// their neighbours, and random bit patterns, uniform and log-uniform inputs. Bit for bit, the sign
/// of zero included.
@Suite("Oracle vs. independent reference (Scripts/independent_reference.py)")
struct IndependentReferenceTests {
    @Test("agrees bit for bit", arguments: Activation.allCases)
    func agrees(_ activation: Activation) throws {
        let cases = try TestData.independentCases(activation)
        #expect(cases.count >= 4 * 3 * 100, "too few reference cases for \(activation)")
        #expect(Set(cases.map(\.quantity)) == [.value, .derivative, .secondDerivative])
        let f = try ActivationFunction(activation)
        var seen = Set<FloatFormat>()
        for c in cases {
            seen.insert(c.format)
            let got = f.evaluate(c.quantity, bits: c.input, format: c.format)
            #expect(c.format.sameResult(got, c.expected),
                    "\(activation) line \(c.line): \(c) but oracle gave \(c.format.hexBits(got)) (\(c.format.hexFloat(got)))")
        }
        #expect(seen == Set(FloatFormat.interchange))
    }
}
