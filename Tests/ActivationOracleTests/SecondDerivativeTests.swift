import ActivationCatalog
import ActivationOracle
import Testing

/// f″ at its kinks under each convention, as the frameworks' double backward gives it (measured
/// with PyTorch 2.15, JAX 0.10 and TensorFlow 2.21 through `Adapters/frameworks.py`; the
/// expected values here are those measurements and closed forms, not the oracle's output), and
/// the bad requests. The bulk agreement is `IndependentReferenceTests` (f″ in every format).
@Suite("Second derivatives")
struct SecondDerivativeTests {
    func f2(_ activation: Activation, _ x: Double, _ convention: KinkConvention = .pytorch,
            parameters: [String: String] = [:]) throws -> Double {
        let f = try ActivationFunction(activation, parameters: parameters.mapValues { try ExactNumber(parsing: $0) }, convention: convention)
        try f.validate(.secondDerivative)
        return f.evaluate(.secondDerivative, x)
    }

    /// elu″(0) and selu″(0): PyTorch and TensorFlow take the right side's 0, JAX the left's alpha
    /// (its `where(x > 0, …)` picks the exponential branch at 0).
    @Test func exponentialUnitsAtZero() throws {
        #expect(try f2(.elu, 0) == 0 && f2(.elu, 0, .tensorflow) == 0 && f2(.elu, 0, .right) == 0)
        #expect(try f2(.elu, 0, .jax) == 1 && f2(.elu, 0, .left) == 1)
        #expect(try f2(.elu, 0, .jax, parameters: ["alpha": "0.5"]) == 0.5)
        #expect(try f2(.selu, 0, .jax) == 1.7580993408473768)  // scale·alpha, rounded (Python fractions)
        #expect(try f2(.selu, 0) == 0)
        // f″ beside the kink is the piece's: alpha·e^x on the left, 0 on the right.
        #expect(try f2(.elu, -1) == 0.36787944117144233 && f2(.elu, 1) == 0)
    }

    /// celu: f and f′ are continuous at 0 and only f″ jumps (1/alpha to 0). JAX's
    /// maximum/minimum split each tie's gradient in half: celu″(0) = 1/(4·alpha) there.
    @Test func celuIsAKinkOfTheSecondDerivativeAlone() throws {
        #expect(try f2(.celu, 0) == 0)
        #expect(try f2(.celu, 0, .jax) == 0.25 && f2(.celu, 0, .jax, parameters: ["alpha": "2"]) == 0.125)
        #expect(try f2(.celu, 0, .left, parameters: ["alpha": "2"]) == 0.5)
        // The kink of f″ is not one of f's or f′'s: kernels and f′ conventions do not see it.
        let celu = try ActivationFunction(.celu)
        #expect(celu.kinkPositions(roundedTo: .f32).isEmpty && celu.secondDerivativeKinkPositions(roundedTo: .f32) == [0])
        #expect(celu.evaluate(.derivative, 0.0) == 1 && celu.evaluate(.value, -0.0).sign == .minus)
        #expect(Activation.celu.entry.firstOrderKinks.isEmpty)
    }

    /// softsign″ = −2·sign(x)/(1 + |x|)³: 2 on the left of 0, −2 on the right. PyTorch's |x|
    /// backward has sign(0) = 0 (f″(0) = 0, signed like f″ beside 0); JAX gives −2; TensorFlow
    /// has no gradient for SoftsignGrad, so it has no softsign″ to take a convention from.
    @Test func softsignAtZero() throws {
        #expect(try f2(.softsign, 0) == 0 && f2(.softsign, 0).sign == .minus && f2(.softsign, -0.0).sign == .plus)
        #expect(try f2(.softsign, 0, .jax) == -2 && f2(.softsign, 0, .left) == 2 && f2(.softsign, 0, .right) == -2)
        #expect(try f2(.softsign, 1) == -0.25 && f2(.softsign, -1) == 0.25)
        let tf = try ActivationFunction(.softsign, convention: .tensorflow)
        #expect(tf.evaluate(.derivative, 0.0) == 1) // f′ is fine under every convention
        #expect(throws: OracleError.self) { try tf.validate(.secondDerivative) }
        do { try tf.validate(.secondDerivative) } catch {
            #expect("\(error)".contains("tensorflow has no second derivative of softsign at x = 0") && "\(error)".contains("--convention pytorch|jax|left|right"))
        }
        #expect(throws: OracleError.self) { try ActivationFunction(.softsign).with(convention: .tensorflow, for: .secondDerivative) }
    }

    /// hard-swish″ is 1/3 on (−3, 3) and 0 outside; PyTorch's hardswish_backward derivative and
    /// JAX's relu6 select are 0 at both ends (open interval).
    @Test func hardSwishAtItsKinks() throws {
        for c in [KinkConvention.pytorch, .jax] {
            #expect(try f2(.hardSwish, -3, c) == 0 && f2(.hardSwish, 3, c) == 0)
        }
        #expect(try f2(.hardSwish, 3, .left) == 1.0 / 3 && f2(.hardSwish, -3, .right) == 1.0 / 3)
        #expect(try f2(.hardSwish, 0) == 1.0 / 3)
    }

    /// Closed forms at 0 (by hand: quick-gelu″(0) = 1.702·σ(0)²·2 = 0.851, σ(0) = 1/2, tanh(ln 2) = 3/5, sech²(ln 2) = 16/25, φ(0) = 1/√(2π)).
    @Test func closedFormsAtZero() throws {
        #expect(try f2(.silu, 0) == 0.5 && f2(.quickGELU, 0) == 0.851 && f2(.softplus, 0) == 0.25 && f2(.logSigmoid, 0) == -0.25)
        #expect(try f2(.silu, 0, parameters: ["beta": "2"]) == 1) // beta·σσ̄·2 = 2·1/4·2
        #expect(try f2(.mish, 0) == 0.64)                            // 16/25, nearest double
        #expect(try Float(f2(.gelu, 0)) == Float(0.7978845608028654)) // 2φ(0) = √(2/π)
        // Odd functions have odd f″ and a zero at 0 signed like f″ beside it.
        for a in [Activation.tanh, .sigmoid] {
            #expect(try f2(a, 0).sign == .minus && f2(a, -0.0).sign == .plus)
            #expect(try f2(a, 1.5) == -f2(a, -1.5))
        }
        #expect(try f2(.tanhShrink, 0).sign == .plus && f2(.tanhShrink, 2) == -f2(.tanhShrink, -2))
    }

    /// Limits at ±inf are signed zeros (every f″ tends to 0); NaN stays NaN.
    @Test func limitsAndNaN() throws {
        let cases: [(Activation, Double, FloatingPointSign)] = [
            (.gelu, .infinity, .minus), (.gelu, -.infinity, .minus), (.sigmoid, .infinity, .minus), (.sigmoid, -.infinity, .plus),
            (.tanhShrink, -.infinity, .minus), (.softsign, .infinity, .minus), (.elu, -.infinity, .plus), (.relu, .infinity, .plus),
        ]
        for (a, x, sign) in cases {
            let y = try f2(a, x)
            #expect(y == 0 && y.sign == sign, "\(a)″(\(x)) = \(y)")
        }
        #expect(try f2(.gelu, .nan).isNaN)
    }

    /// Every entry has f″ under the default convention, at its defaults, in every format.
    @Test(arguments: Activation.allCases)
    func everyEntryHasOne(_ activation: Activation) throws {
        let f = try ActivationFunction(activation)
        try f.validate(.secondDerivative)
        #expect(!activation.entry.secondDerivative.isEmpty)
        for format in FloatFormat.allCases where format.hasNaN {
            #expect(format.isNaN(f.evaluate(.secondDerivative, bits: format.quietNaN, format: format)))
        }
    }
}
