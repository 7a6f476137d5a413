import ActivationCatalog

/// The declared accuracy of the built-in kernels: the largest ULP distance (see `ULP` in
/// ActivationVerification) from the correctly rounded result, per entry, format and quantity.
/// The gate in `swift test` and `activation-oracle check` enforce it; each number is what was
/// measured, not a wish. Float16, BFloat16 and Float results are one rounding of a Double result;
/// where the Double dropped a term that decides a midpoint, its sign breaks the tie. Float results
/// of kernels with Float lanes come from cheaper Double forms (`ActivationKernel.evaluateForFloat`,
/// relative error < 2^−40; for Float results alone `evaluateFloatResults`, < 2^−25 with each
/// form's bound in its doc comment), so they are within 1 ULP but not always correctly rounded;
/// the float32 certificates (Reference/certificates) are the proof on every input.
///
/// Backward passes (g·f′(x), rounded once): within 1 ULP of the correctly rounded product for
/// binary16, bfloat16 and binary32 (the product is formed in Double); for binary64 within the
/// derivative's bound plus 1 when |g| ≤ 1. Beyond that in binary64, where f′(x) is itself
/// subnormal (sigmoid′ for x < −708, gelu′ for x < −37.5, …) a gradient |g| > 1 magnifies the
/// subnormal's absolute error: f′ is rounded before the product, and no scaled form is kept.
public enum KernelBounds {
    /// The bound for inputs in one format and results in another (`Kernel.evaluate(derivative:
    /// bits:input:output:)`): the output's own bound, except from binary64 inputs, whose Double
    /// result carries the f64 kernel's few-ULP error into the final rounding — 1 ULP there
    /// (measured: rational kernels such as softsign and hard-sigmoid round through a midpoint
    /// for some binary64 inputs). Inputs of 16 bits or fewer are certified exhaustively into
    /// each 8-bit format at 0 (Reference/narrow-certificates.md); float32 inputs are checked by
    /// `activation-oracle check --output-format` on the gate's inputs and the output's midpoints.
    public static func ulps(_ activation: Activation, input: FloatFormat, output: FloatFormat, derivative: Bool) -> UInt64 {
        let bound = ulps(activation, output, derivative: derivative)
        return input == .f64 && output != .f64 ? max(1, bound) : bound
    }

    public static func ulps(_ activation: Activation, _ format: FloatFormat, derivative: Bool) -> UInt64 {
        switch format {
        case .f16, .bf16:
            return 0 // correctly rounded: all 65,536 inputs checked (activation-oracle check --format f16,bf16)
        case .f32:
            return 1 // one rounding of a Double result within a few Double ULP
        case .f64:
            return (derivative ? doubleDerivative : doubleValue)[activation] ?? 1
        case .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1:
            return 0 // the bound narrow kernels must meet (every input is checkable); none exist yet
        }
    }

    /// Double kernels compose glibc calls (each within ~½–1 ULP) with a few roundings; arguments
    /// of exp/erfc/σ are carried as double-doubles, derivatives near their roots use series, and
    /// subnormal intermediates are avoided, so these bounds hold uniformly in x. Measured with
    /// `activation-oracle check --format f64 --count 300000` at seeds 11, 12, 77 and 78 and with
    /// 100,000 inputs at seed 9: the maximum seen over those 1.3 million inputs per entry.
    static let doubleValue: [Activation: UInt64] = [
        .sigmoid: 2, .tanh: 2, .leakyReLU: 1, .prelu: 1, .rrelu: 1, .elu: 1, .selu: 3, .celu: 1,
        .gelu: 4, .geluTanh: 4, .quickGELU: 4, .silu: 3, .mish: 4, .softplus: 1, .softsign: 1,
        .hardSigmoid: 1, .hardSwish: 2, .tanhShrink: 4, .logSigmoid: 1,
        .relu: 0, .relu6: 0, .hardTanh: 0, .hardShrink: 0, .softShrink: 0, .threshold: 0, .thresholdedReLU: 0, .step: 0,
    ]
    static let doubleDerivative: [Activation: UInt64] = [
        .sigmoid: 4, .tanh: 4, .leakyReLU: 0, .prelu: 0, .rrelu: 0, .elu: 1, .selu: 3, .celu: 1,
        .gelu: 4, .geluTanh: 6, .quickGELU: 6, .silu: 5, .mish: 8, .softplus: 2, .softsign: 3,
        .hardSigmoid: 0, .hardSwish: 1, .tanhShrink: 5, .logSigmoid: 2,
        .relu: 0, .relu6: 0, .hardTanh: 0, .hardShrink: 0, .softShrink: 0, .threshold: 0, .thresholdedReLU: 0, .step: 0,
    ]
}

extension KernelBounds {
    /// A gated unit's kernel (`GatedKernel`) in ULP of `format`: the gate's Double result times the
    /// factor, rounded once with the product's error as tie-break. binary16 and bfloat16: 0
    /// (correctly rounded); float32: 1; binary64: the gate's binary64 bound plus one rounding of
    /// the product — for pairs where g(a) (or g′(a)) is a normal binary64 number or exactly 0:
    /// an underflowed Double times a large b has lost its digits (silu(−800)·1e300).
    public static func ulps(_ unit: GatedUnit, _ format: FloatFormat, quantity: GatedQuantity) -> UInt64 {
        switch format {
        case .f64:
            return ulps(unit.entry.gate, .f64, derivative: quantity == .partialA) + (quantity == .partialB ? 0 : 1)
        case .f16, .bf16, .f32, .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1:
            return ulps(unit.entry.gate, format, derivative: quantity == .partialA)
        }
    }
}
