import ActivationCatalog
import ActivationOracle
import Testing

/// Values known in closed form, correctly rounded by hand (ln 2 and the SELU product were rounded
/// with Python's fractions module; the rest are exact or elementary fractions).
@Suite("Closed forms")
struct ClosedFormTests {
    struct Case: CustomStringConvertible, Sendable {
        var function: Activation
        var quantity: Quantity
        var x: String
        /// Expected bits for f16, bf16, f32, f64.
        var expected: [UInt64]
        var parameters: [String: String] = [:]
        var convention: KinkConvention = .pytorch
        var description: String { "\(function) \(quantity) at \(x)" }
    }

    static let ln2: [UInt64] = [0x398c, 0x3f31, 0x3f317218, 0x3fe62e42fefa39ef]
    static let half: [UInt64] = [0x3800, 0x3f00, 0x3f000000, 0x3fe0000000000000]
    static let quarter: [UInt64] = [0x3400, 0x3e80, 0x3e800000, 0x3fd0000000000000]
    static let threeFifths: [UInt64] = [0x38cd, 0x3f1a, 0x3f19999a, 0x3fe3333333333333]
    static let twoThirds: [UInt64] = [0x3955, 0x3f2b, 0x3f2aaaab, 0x3fe5555555555555]
    static let minusSeluLimit: [UInt64] = [0xbf08, 0xbfe1, 0xbfe10966, 0xbffc212cc640f031]
    static let one: [UInt64] = [0x3c00, 0x3f80, 0x3f800000, 0x3ff0000000000000]
    static let minusHalf: [UInt64] = [0xb800, 0xbf00, 0xbf000000, 0xbfe0000000000000]
    static let threeHalves: [UInt64] = [0x3e00, 0x3fc0, 0x3fc00000, 0x3ff8000000000000]
    static let zero: [UInt64] = [0, 0, 0, 0]
    static let minusZero: [UInt64] = [0x8000, 0x8000, 0x8000_0000, 0x8000_0000_0000_0000]

    static let cases: [Case] = [
        Case(function: .sigmoid, quantity: .value, x: "0", expected: half),
        Case(function: .sigmoid, quantity: .derivative, x: "0", expected: quarter),
        Case(function: .softplus, quantity: .value, x: "0", expected: ln2),
        Case(function: .softplus, quantity: .derivative, x: "0", expected: half),
        Case(function: .logSigmoid, quantity: .value, x: "0", expected: ln2.enumerated().map { $1 | [0x8000, 0x8000, 0x8000_0000, 0x8000_0000_0000_0000][$0] }),
        Case(function: .gelu, quantity: .derivative, x: "0", expected: half),
        Case(function: .silu, quantity: .derivative, x: "0", expected: half),
        Case(function: .geluTanh, quantity: .derivative, x: "0", expected: half),
        Case(function: .mish, quantity: .derivative, x: "0", expected: threeFifths),  // tanh(ln 2) = 3/5
        Case(function: .tanh, quantity: .derivative, x: "0", expected: one),
        Case(function: .softsign, quantity: .value, x: "1", expected: half),
        Case(function: .softsign, quantity: .derivative, x: "1", expected: quarter),
        Case(function: .hardSwish, quantity: .value, x: "1", expected: twoThirds),
        Case(function: .hardSwish, quantity: .derivative, x: "-3", expected: zero),                           // PyTorch 2.15: left at −3
        Case(function: .hardSwish, quantity: .derivative, x: "3", expected: one),                             // and right at 3
        Case(function: .hardSwish, quantity: .derivative, x: "-3", expected: minusHalf, convention: .right),  // older PyTorch: x/3 + 1/2 on [−3, 3]
        Case(function: .hardSwish, quantity: .derivative, x: "3", expected: threeHalves, convention: .left),
        Case(function: .hardSwish, quantity: .derivative, x: "-3", expected: zero, convention: .jax),
        Case(function: .hardSwish, quantity: .derivative, x: "3", expected: one, convention: .jax),
        Case(function: .hardSwish, quantity: .value, x: "-4", expected: zero),                                // exact zero is +0
        Case(function: .selu, quantity: .value, x: "-inf", expected: minusSeluLimit),                         // −scale·alpha
        Case(function: .elu, quantity: .derivative, x: "0", expected: half, parameters: ["alpha": "0.5"]),    // PyTorch: left
        Case(function: .elu, quantity: .derivative, x: "0", expected: one, parameters: ["alpha": "0.5"], convention: .tensorflow),
        Case(function: .relu, quantity: .derivative, x: "0", expected: zero),
        Case(function: .relu, quantity: .derivative, x: "0", expected: one, convention: .right),
        Case(function: .leakyReLU, quantity: .derivative, x: "0", expected: one, convention: .jax),
        Case(function: .hardTanh, quantity: .derivative, x: "1", expected: zero),
        Case(function: .hardTanh, quantity: .derivative, x: "1", expected: one, convention: .jax),
        Case(function: .step, quantity: .value, x: "0", expected: half, parameters: ["value": "0.5"]),
        Case(function: .step, quantity: .value, x: "-0", expected: half, parameters: ["value": "0.5"]),
        Case(function: .threshold, quantity: .value, x: "1", expected: minusHalf, parameters: ["threshold": "1", "value": "-0.5"]),
        Case(function: .hardShrink, quantity: .value, x: "0.5", expected: zero),
        Case(function: .relu, quantity: .value, x: "-0", expected: zero),
        Case(function: .silu, quantity: .value, x: "-0", expected: minusZero),
        Case(function: .tanhShrink, quantity: .value, x: "-0", expected: minusZero),
        Case(function: .gelu, quantity: .value, x: "-inf", expected: minusZero),
        Case(function: .hardSigmoid, quantity: .value, x: "1", expected: [0x399a, 0x3f33, 0x3f33_3333, 0x3fe6_6666_6666_6666],
             parameters: ["slope": "0.2", "offset": "0.5"]),  // 0.7, ONNX form
    ]

    @Test(arguments: cases)
    func value(_ c: Case) throws {
        let parameters = try c.parameters.mapValues { try ExactNumber(parsing: $0) }
        let f = try ActivationFunction(c.function, parameters: parameters, convention: c.convention)
        for (format, expected) in zip(FloatFormat.interchange, c.expected) {
            let x = c.x.hasSuffix("inf") ? format.infinity(negative: c.x.hasPrefix("-")) : TestData.bits(c.x, format)
            let got = f.evaluate(c.quantity, bits: x, format: format)
            #expect(got == expected, "\(c) in \(format): got \(format.hexBits(got)), expected \(format.hexBits(expected))")
        }
    }
}
