import ActivationCatalog
import ActivationOracle
import ActivationVerification
import Foundation

/// The textbook formulas people type, evaluated in Float as written — the atlas shows where each
/// goes wrong against the oracle. Exhaustive over the catalog: a new entry must say whether it
/// has such pitfalls (an empty list is an answer).
struct NaiveFormula {
    var formula: String
    var quantity: Quantity
    /// Parameters the formula is shown with (otherwise the catalog defaults).
    var parameters: [String: ExactNumber] = [:]
    var body: (Float) -> Float
    var why: String
}

extension Activation {
    var naiveFormulas: [NaiveFormula] {
        func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
        let fromOutput = "derivatives computed from the output lose every digit once the output rounds to its limit"
        switch self {
        case .sigmoid:
            return [NaiveFormula(formula: "1/(1 + exp(−x))", quantity: .value, body: sigmoid,
                                 why: "exp(−x) overflows for x < −88.7: the result is 0 where σ(x) is still a (subnormal) number"),
                    NaiveFormula(formula: "σ(x)·(1 − σ(x))", quantity: .derivative, body: { x in let s = sigmoid(x); return s * (1 - s) },
                                 why: fromOutput + " (σ rounds to 1 from x ≈ 16.6)")]
        case .tanh:
            return [NaiveFormula(formula: "1 − tanh²(x)", quantity: .derivative, body: { x in let t = Foundation.tanh(x); return 1 - t * t },
                                 why: fromOutput + " (tanh rounds to ±1 from |x| ≈ 9)")]
        case .softplus:
            return [NaiveFormula(formula: "log(1 + exp(x))", quantity: .value, body: { x in Foundation.log(1 + Foundation.exp(x)) },
                                 why: "exp(x) overflows for x > 88.7 (inf where softplus(x) ≈ x), and 1 + exp(x) rounds to 1 for x < −17 (0 where softplus(x) ≈ e^x)")]
        case .logSigmoid:
            return [NaiveFormula(formula: "log(1/(1 + exp(−x)))", quantity: .value, body: { x in Foundation.log(sigmoid(x)) },
                                 why: "σ(x) underflows to 0 for x < −103: log gives −inf where log-sigmoid(x) ≈ x")]
        case .gelu:
            return [NaiveFormula(formula: "x/2·(1 + erf(x/√2))", quantity: .value, body: { x in 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot().float)) },
                                 why: "1 + erf(x/√2) cancels for x < −3 and is exactly 0 below x ≈ −5.5: the left tail is lost"),
                    NaiveFormula(formula: "x·Φ(x) at x = −inf", quantity: .value, body: { x in x * 0.5 * Foundation.erfc(-x / 2.0.squareRoot().float) },
                                 why: "−inf·0 is NaN; the limit is −0")]
        case .geluTanh:
            let c = Float((2 / Double.pi).squareRoot()), k: Float = 0.044715
            return [NaiveFormula(formula: "x/2·(1 + tanh(√(2/π)(x + 0.044715x³)))", quantity: .value,
                                 body: { x in 0.5 * x * (1 + Foundation.tanh(c * (x + k * x * x * x))) },
                                 why: "1 + tanh(u) cancels for u < 0: the left tail is lost (σ(2u) keeps it)"),
                    NaiveFormula(formula: "½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²), t = tanh(u)", quantity: .derivative,
                                 body: { x in
                                     let t = Foundation.tanh(c * (x + k * x * x * x))
                                     return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * k * x * x)
                                 },
                                 why: "x² overflows for |x| > 1.8e19, and (1 − t²)·inf is NaN")]
        case .silu:
            return [NaiveFormula(formula: "x·σ(x)", quantity: .value, body: { x in x * sigmoid(x) },
                                 why: "σ(x) underflows for x < −88.7 (0 where silu is a tiny negative number), and −inf·0 is NaN")]
        case .quickGELU:
            return [NaiveFormula(formula: "x·σ(1.702x)", quantity: .value, body: { x in x * sigmoid(1.702 * x) },
                                 why: "σ(1.702x) underflows for x < −52: 0 where the value is a tiny negative number; −inf·0 is NaN")]
        case .mish:
            return [NaiveFormula(formula: "x·tanh(log(1 + exp(x)))", quantity: .value, body: { x in x * Foundation.tanh(Foundation.log(1 + Foundation.exp(x))) },
                                 why: "log(1 + exp(x)) is 0 for x < −17 (0 where mish(x) ≈ x·e^x), and −inf·0 is NaN")]
        case .elu:
            return [NaiveFormula(formula: "f(x) + alpha for x ≤ 0 (the ELU paper's form)", quantity: .derivative,
                                 body: { x in x > 0 ? 1 : (Foundation.exp(x) - 1) + 1 },
                                 why: "alpha·(e^x − 1) + alpha cancels: 0 for x < −17 where alpha·e^x is still a number")]
        case .selu, .celu:
            return [NaiveFormula(formula: "alpha·(exp(x) − 1) without expm1", quantity: .value,
                                 body: { x in
                                     let alpha: Float = self == .selu ? 1.6732632423543772848170429916717 : 1
                                     let scale: Float = self == .selu ? 1.0507009873554804934193349852946 : 1
                                     return x > 0 ? scale * x : scale * alpha * (Foundation.exp(x) - 1)
                                 },
                                 why: "exp(x) − 1 cancels for |x| < 1e−4 and is 0 below 2^−25: expm1 keeps those digits")]
        case .leakyReLU:
            return [NaiveFormula(formula: "max(alpha·x, x) with alpha = 1.5", quantity: .value, parameters: ["alpha": ExactNumber(integer: 3, over: 2)],
                                 body: { x in Swift.max(1.5 * x, x) },
                                 why: "max(alpha·x, x) equals leaky-relu only for alpha ≤ 1; for alpha > 1 it picks alpha·x on the wrong side")]
        case .hardSwish:
            return [NaiveFormula(formula: "x·relu6(x + 3)/6", quantity: .value, body: { x in x * Swift.min(Swift.max(x + 3, 0), 6) / 6 },
                                 why: "x·6 overflows for x > 5.7e37 before the division brings it back: inf where the value is x")]
        case .tanhShrink:
            return [NaiveFormula(formula: "x − tanh(x)", quantity: .value, body: { x in x - Foundation.tanh(x) },
                                 why: "cancels near 0: x − tanh x ≈ x³/3 loses its digits for |x| < 0.1 and is 0 below 2^−12")]
        case .softsign:
            return [NaiveFormula(formula: "1/(1 + |x|)²", quantity: .derivative, body: { x in let d = 1 + Swift.abs(x); return 1 / (d * d) },
                                 why: "(1 + |x|)² overflows for |x| > 1.8e19: 0 where the derivative is a tiny number")]
        case .relu, .relu6, .prelu, .rrelu, .hardSigmoid, .hardTanh, .hardShrink, .softShrink, .threshold, .thresholdedReLU, .step:
            return []
        }
    }
}

extension Double {
    var float: Float { Float(self) }
}

extension ExactNumber {
    /// p/q from small integers (for parameters the atlas shows).
    init(integer p: Int, over q: Int) {
        self = try! ExactNumber(parsing: "\(p)/\(q)")
    }
}

/// Where a naive formula first fails and how badly, against the oracle in binary32.
struct NaiveFinding {
    var formula: NaiveFormula
    /// The input nearest 0 with an error > 16 ULP or a NaN/inf mismatch; nil if none was found.
    var first: (x: Float, naive: Float, correct: Float, ulps: UInt64)?
    /// The largest error that is not a NaN mismatch.
    var worst: (x: Float, naive: Float, correct: Float, ulps: UInt64)?
    /// Inputs where a NaN comes out for a number or the reverse (at most 3).
    var nans: [Float] = []

    /// Scans ±2^e·{1, 1.25, 1.5, 1.75} for every binary32 exponent, a grid of step 1/8 on
    /// [−128, 128], ±inf and NaN.
    static func scan(_ formula: NaiveFormula, _ activation: Activation) throws -> (finding: NaiveFinding, report: ValidationReport) {
        let f = try ActivationFunction(activation, parameters: formula.parameters)
        var xs: [Float] = [.infinity, -.infinity, .nan]
        for e in -149...127 {
            for m: Float in [1, 1.25, 1.5, 1.75] {
                let v = Float(sign: .plus, exponent: e, significand: m)
                if v.isFinite { xs += [v, -v] }
            }
        }
        for i in -1024...1024 { xs.append(Float(i) / 8) }
        xs = xs.filter { !$0.isNaN }.sorted { Swift.abs($0) < Swift.abs($1) || (Swift.abs($0) == Swift.abs($1) && $0 < $1) } + [.nan]
        var finding = NaiveFinding(formula: formula)
        var report = ValidationReport(function: f, quantity: formula.quantity, format: .f32)
        for x in xs {
            let correct = f.evaluate(formula.quantity, x)
            let naive = formula.body(x)
            report.record(inputs: [UInt64(x.bitPattern)], expected: [UInt64(correct.bitPattern)], actual: [UInt64(naive.bitPattern)])
            let d = ULP.distance(UInt64(correct.bitPattern), UInt64(naive.bitPattern), format: .f32)
            let bad = d > 16
            if bad && finding.first == nil && !x.isNaN { finding.first = (x, naive, correct, d) }
            if d == .max { if finding.nans.count < 3 { finding.nans.append(x) } } else if d > (finding.worst?.ulps ?? 0) { finding.worst = (x, naive, correct, d) }
        }
        return (finding, report)
    }
}
