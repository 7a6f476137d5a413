/// Every activation the project knows. Each layer (oracle, kernels, verification, docs) switches
/// over this enum exhaustively, so a new case does not compile until every layer handles it.
/// CONTRIBUTING.md lists the steps.
public enum Activation: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case sigmoid
    case tanh
    case relu
    case relu6
    case leakyReLU = "leaky-relu"
    case prelu
    case rrelu
    case elu
    case selu
    case celu
    case gelu
    case geluTanh = "gelu-tanh"
    case quickGELU = "quick-gelu"
    case silu
    case mish
    case softplus
    case softsign
    case hardSigmoid = "hard-sigmoid"
    case hardSwish = "hard-swish"
    case hardTanh = "hard-tanh"
    case hardShrink = "hard-shrink"
    case softShrink = "soft-shrink"
    case tanhShrink = "tanh-shrink"
    case threshold
    case thresholdedReLU = "thresholded-relu"
    case logSigmoid = "log-sigmoid"
    case step

    /// The CLI name.
    public var name: String { rawValue }
    public var description: String { rawValue }

    /// Looks up a CLI name or alias; case, `_` and `-` are not significant (`leaky_relu`, `Swish`).
    public init?(named raw: String) {
        let key = Activation.normalized(raw)
        guard let match = Activation.allCases.first(where: { activation in
            ([activation.name] + activation.entry.aliases).contains { Activation.normalized($0) == key }
        }) else { return nil }
        self = match
    }

    private static func normalized(_ s: String) -> String {
        String(s.lowercased().filter { $0 != "-" && $0 != "_" })
    }
}

/// What the catalog says about one activation: the definition as it reads in documents, the
/// derivative, the parameters with defaults and domains, and the points where it is not
/// differentiable with the derivative each framework returns there.
public struct CatalogEntry: Sendable {
    public var aliases: [String] = []
    /// The definition, as documents print it.
    public var definition: String
    /// The derivative with respect to x, as documents print it.
    public var derivative: String
    /// The second derivative with respect to x, as documents print it (what double backward,
    /// `jax.grad(jax.grad(f))` and nested gradient tapes compute).
    public var secondDerivative: String
    public var parameters: [ParameterSpec] = []
    /// Points where f, f′ or f″ is not differentiable/continuous, in increasing order for every
    /// valid parameter set. The oracle defines one piece between consecutive kinks.
    public var kinks: [Kink] = []
    /// The kinks of f and f′ (those of f″ alone left out): what kernels and f′ conventions see.
    public var firstOrderKinks: [Kink] { kinks.filter { !$0.curvatureOnly } }
    /// Parameters with a derivative of their own (prelu's d/dalpha).
    public var parameterDerivatives: [String: String] = [:]
    /// Definitional points people get wrong.
    public var notes: [String] = []
    /// Mathematical facts (at default parameters) that tests check on the oracle and the kernels.
    public var properties = Properties()
}

/// Facts about an entry at its default parameters: shape, range and symmetry.
public struct Properties: Sendable {
    public enum Monotonicity: Sendable { case increasing, nondecreasing }
    public var monotonicity: Monotonicity?
    /// f(x) ∈ [lower, upper] for every x, ±inf included (nil: unbounded on that side).
    public var range: (lower: Double?, upper: Double?) = (nil, nil)
    /// f′(x) ∈ [lower, upper], kinks included under every convention.
    public var derivativeRange: (lower: Double?, upper: Double?) = (nil, nil)
    /// f(−x) = −f(x), so correctly rounded results are bitwise antisymmetric.
    public var odd = false

    public init(monotonicity: Monotonicity? = nil, range: (lower: Double?, upper: Double?) = (nil, nil),
                derivativeRange: (lower: Double?, upper: Double?) = (nil, nil), odd: Bool = false) {
        self.monotonicity = monotonicity
        self.range = range
        self.derivativeRange = derivativeRange
        self.odd = odd
    }
}

public struct ParameterSpec: Sendable {
    public var name: String
    public var defaultValue: ParameterExpression
    public var summary: String
    public var constraints: [ParameterConstraint] = []

    public init(_ name: String, _ defaultValue: ParameterExpression, _ summary: String,
                _ constraints: [ParameterConstraint] = []) {
        self.name = name
        self.defaultValue = defaultValue
        self.summary = summary
        self.constraints = constraints
    }
}

/// A condition a parameter's exact value must meet; the oracle checks it exactly.
public enum ParameterConstraint: Sendable, CustomStringConvertible {
    case nonZero
    case positive
    case nonNegative
    case atLeast(ParameterExpression)
    case atMost(ParameterExpression)
    case greaterThan(ParameterExpression)

    public var description: String {
        switch self {
        case .nonZero: "≠ 0"
        case .positive: "> 0"
        case .nonNegative: "≥ 0"
        case .atLeast(let e): "≥ \(e)"
        case .atMost(let e): "≤ \(e)"
        case .greaterThan(let e): "> \(e)"
        }
    }
}

/// Which one-sided piece defines a value at a kink.
public enum Side: String, Sendable, Hashable, CaseIterable {
    case left, right
}

/// The frameworks whose derivative conventions at kinks the oracle reproduces.
public enum Framework: String, Sendable, Hashable, CaseIterable {
    case pytorch, jax, tensorflow
}

/// How a derivative is defined at a kink: as a framework's autograd returns it (PyTorch eager is
/// the default), or as the one-sided limit.
public enum KinkConvention: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case pytorch, jax, tensorflow, left, right
    public var description: String { rawValue }
}

/// The value a function takes at its kink, where the two sides disagree (step, threshold, ...).
public enum KinkValue: Sendable, Hashable {
    case side(Side)
    case parameter(String)
}

/// What a framework's second derivative is at a kink: one side's f″, or a value of its own where
/// its autodiff differentiates a tie rule (JAX's `minimum` gives each argument half the gradient
/// at a tie, so celu″(0) = 1/(4·alpha) there, neither side's 1/alpha nor 0).
public enum SecondDerivativeAtKink: Sendable, Hashable, CustomStringConvertible {
    case side(Side)
    case value(ParameterExpression)

    public var description: String {
        switch self {
        case .side(let side): "the \(side) side's"
        case .value(let e): "\(e)"
        }
    }
}

public struct Kink: Sendable {
    public var at: ParameterExpression
    /// Which side's formula gives f(at); `.side(.left)` for continuous kinks (either side agrees).
    public var value: KinkValue
    /// The side whose one-sided derivative each framework returns at this point; nil where the
    /// framework has no such function.
    public var conventions: [Framework: Side]
    /// What each framework's second derivative (double backward, `grad(grad(f))`, nested tapes)
    /// is here — measured through `Adapters/frameworks.py` (PyTorch 2.15, JAX 0.10, TensorFlow
    /// 2.21); nil where the framework has no second derivative of this function. Sides that agree
    /// (f″ is 0 on both sides of every kink of a piecewise-linear entry) need no measurement.
    public var secondDerivative: [Framework: SecondDerivativeAtKink]
    /// f and f′ are continuous here and only f″ jumps (celu and softsign at 0): the point is a
    /// kink of f″ alone, not listed among f's kinks (`kinkPositions`), and f′ takes either side.
    public var curvatureOnly: Bool

    /// A kink of f or f′. f″ follows the derivative's sides unless `secondDerivative` says otherwise.
    public init(at: ParameterExpression, value: KinkValue = .side(.left), pytorch: Side,
                jax: Side? = nil, tensorflow: Side? = nil,
                secondDerivative: [Framework: SecondDerivativeAtKink]? = nil) {
        self.at = at
        self.value = value
        var conventions: [Framework: Side] = [.pytorch: pytorch]
        conventions[.jax] = jax
        conventions[.tensorflow] = tensorflow
        self.conventions = conventions
        self.secondDerivative = secondDerivative ?? conventions.mapValues { .side($0) }
        self.curvatureOnly = false
    }

    /// A kink of f″ alone, where f and f′ are continuous (every framework's f′ agrees with both sides).
    public init(curvatureAt at: ParameterExpression, secondDerivative: [Framework: SecondDerivativeAtKink]) {
        self.at = at
        self.value = .side(.left)
        self.conventions = [.pytorch: .left, .jax: .left, .tensorflow: .left]
        self.secondDerivative = secondDerivative
        self.curvatureOnly = true
    }

    /// The side a convention selects here, or nil when the framework lacks the function.
    public func side(for convention: KinkConvention) -> Side? {
        switch convention {
        case .left: .left
        case .right: .right
        case .pytorch: conventions[.pytorch]
        case .jax: conventions[.jax]
        case .tensorflow: conventions[.tensorflow]
        }
    }

    /// What a convention makes f″ here, or nil when the framework has no second derivative of it.
    public func secondDerivative(for convention: KinkConvention) -> SecondDerivativeAtKink? {
        switch convention {
        case .left: .side(.left)
        case .right: .side(.right)
        case .pytorch: secondDerivative[.pytorch]
        case .jax: secondDerivative[.jax]
        case .tensorflow: secondDerivative[.tensorflow]
        }
    }
}

private extension ParameterExpression {
    static func p(_ name: String) -> ParameterExpression { .parameter(name) }
}

extension Activation {
    /// The catalog entry. Defaults follow PyTorch; parameter values are exact (see `ExactNumber`).
    /// Kink conventions come from PyTorch's backward kernels, checked against PyTorch 2.15 through
    /// `Adapters/frameworks.py` (`aten/src/ATen/native/cpu/Activation.cpp`:
    /// `threshold_backward`, `leaky_relu_backward`, `elu_backward`, `hardtanh_backward`,
    /// `hardsigmoid_backward`, `hardswish_backward`, `shrink_backward`), JAX's `jax.nn` custom JVPs
    /// and `jnp.where` forms, and TensorFlow's `ReluGrad`, `Relu6Grad`, `LeakyReluGrad`, `EluGrad`, `SeluGrad`.
    public var entry: CatalogEntry {
        let zero = ParameterExpression.exact("0")
        switch self {
        case .sigmoid:
            return CatalogEntry(
                aliases: ["logistic"],
                definition: "σ(x) = 1/(1 + e^(−x))",
                derivative: "σ(x)·σ(−x)",
                secondDerivative: "σ(x)·σ(−x)·(σ(−x) − σ(x)) = −σ(x)·σ(−x)·tanh(x/2)",
                notes: ["σ(x)·(1 − σ(x)) computed from a rounded σ loses all accuracy once σ(x) rounds to 1 (x ≳ 16.6 in f32); σ(x)·σ(−x) does not."],
                properties: Properties(monotonicity: .increasing, range: (0, 1), derivativeRange: (0, 0.25)))
        case .tanh:
            return CatalogEntry(
                definition: "tanh(x)",
                derivative: "sech²(x) = 1 − tanh²(x)",
                secondDerivative: "−2·tanh(x)·sech²(x)",
                notes: ["1 − y² from a rounded y = tanh(x) is 0 once y rounds to ±1 (|x| ≳ 9 in f32); sech²(x) is not."],
                properties: Properties(monotonicity: .increasing, range: (-1, 1), derivativeRange: (0, 1), odd: true))
        case .relu:
            return CatalogEntry(
                definition: "max(x, 0)",
                derivative: "1 for x > 0, 0 for x < 0",
                secondDerivative: "0 for x ≠ 0 (no Dirac delta at 0: every framework's double backward gives 0)",
                kinks: [Kink(at: zero, pytorch: .left, jax: .left, tensorflow: .left)],
                properties: Properties(monotonicity: .nondecreasing, range: (0, nil), derivativeRange: (0, 1)))
        case .relu6:
            return CatalogEntry(
                definition: "min(max(x, 0), 6)",
                derivative: "1 for 0 < x < 6, 0 for x < 0 or x > 6",
                secondDerivative: "0 for x ≠ 0, 6",
                kinks: [Kink(at: zero, pytorch: .left, jax: .left, tensorflow: .left),
                        Kink(at: .exact("6"), pytorch: .right, jax: .right, tensorflow: .right)],
                properties: Properties(monotonicity: .nondecreasing, range: (0, 6), derivativeRange: (0, 1)))
        case .leakyReLU:
            return CatalogEntry(
                definition: "x for x ≥ 0, alpha·x for x < 0",
                derivative: "1 for x > 0, alpha for x < 0",
                secondDerivative: "0 for x ≠ 0",
                parameters: [ParameterSpec("alpha", .exact("0.01"), "slope for x < 0 (PyTorch negative_slope)")],
                kinks: [Kink(at: zero, pytorch: .left, jax: .right, tensorflow: .left)],
                notes: ["max(alpha·x, x) equals leaky-relu only for alpha ≤ 1."],
                properties: Properties(monotonicity: .increasing, derivativeRange: (0.01, 1)))
        case .prelu:
            return CatalogEntry(
                definition: "x for x ≥ 0, alpha·x for x < 0 (alpha learned)",
                derivative: "1 for x > 0, alpha for x < 0",
                secondDerivative: "0 for x ≠ 0",
                parameters: [ParameterSpec("alpha", .exact("0.25"), "learned slope for x < 0")],
                kinks: [Kink(at: zero, pytorch: .left)],
                parameterDerivatives: ["alpha": "∂f/∂alpha = x for x < 0, 0 for x ≥ 0"],
                properties: Properties(monotonicity: .increasing, derivativeRange: (0.25, 1)))
        case .rrelu:
            return CatalogEntry(
                definition: "x for x ≥ 0, slope·x for x < 0; slope = (lower + upper)/2 at inference, the sampled slope in training",
                derivative: "1 for x > 0, slope for x < 0",
                secondDerivative: "0 for x ≠ 0",
                parameters: [
                    ParameterSpec("lower", .exact("1/8"), "lower bound of the sampled slope"),
                    ParameterSpec("upper", .exact("1/3"), "upper bound of the sampled slope", [.atLeast(.p("lower"))]),
                    ParameterSpec("slope", .quotient(.sum(.p("lower"), .p("upper")), .exact("2")),
                                  "the slope used: default is the inference slope; pass the sampled one for the training form",
                                  [.atLeast(.p("lower")), .atMost(.p("upper"))]),
                ],
                kinks: [Kink(at: zero, pytorch: .left)],
                notes: ["Training samples slope uniformly from [lower, upper] per element; inference uses (lower + upper)/2. PyTorch stores 1/3 as the double 0.333…; here it is exactly 1/3."],
                properties: Properties(monotonicity: .increasing, derivativeRange: (0, 1)))
        case .elu:
            return CatalogEntry(
                definition: "x for x > 0, alpha·(e^x − 1) for x ≤ 0",
                derivative: "1 for x > 0, alpha·e^x for x < 0 (= f(x) + alpha)",
                secondDerivative: "0 for x > 0, alpha·e^x for x < 0",
                parameters: [ParameterSpec("alpha", .exact("1"), "saturation value −alpha for x → −∞")],
                kinks: [Kink(at: zero, pytorch: .left, jax: .left, tensorflow: .right,
                              secondDerivative: [.pytorch: .side(.right), .jax: .side(.left), .tensorflow: .side(.right)])],
                notes: ["For x ≤ 0 the derivative equals f(x) + alpha, which frameworks use to backpropagate from the output."],
                properties: Properties(monotonicity: .increasing, range: (-1, nil), derivativeRange: (0, 1)))
        case .selu:
            return CatalogEntry(
                definition: "scale·x for x > 0, scale·alpha·(e^x − 1) for x ≤ 0",
                derivative: "scale for x > 0, scale·alpha·e^x for x < 0",
                secondDerivative: "0 for x > 0, scale·alpha·e^x for x < 0",
                parameters: [
                    ParameterSpec("alpha", .exact("1.6732632423543772848170429916717"), "self-normalising alpha (exact decimal)"),
                    ParameterSpec("scale", .exact("1.0507009873554804934193349852946"), "self-normalising scale (exact decimal)"),
                ],
                kinks: [Kink(at: zero, pytorch: .left, jax: .left, tensorflow: .right,
                              secondDerivative: [.pytorch: .side(.right), .jax: .side(.left), .tensorflow: .side(.right)])],
                notes: ["alpha and scale are the fixed point that keeps activations at mean 0 and variance 1; frameworks round them to float32 (alpha·scale ≈ 1.7580993)."],
                properties: Properties(monotonicity: .increasing, range: (-1.7581, nil), derivativeRange: (0, 1.7581)))
        case .celu:
            return CatalogEntry(
                definition: "max(0, x) + min(0, alpha·(e^(x/alpha) − 1))",
                derivative: "1 for x ≥ 0, e^(x/alpha) for x < 0",
                secondDerivative: "0 for x > 0, e^(x/alpha)/alpha for x < 0 (f″ jumps at 0, where f′ is continuous)",
                parameters: [ParameterSpec("alpha", .exact("1"), "scale of the negative part", [.nonZero])],
                // PyTorch (elu with input_scale 1/alpha) takes the right side's 0; JAX's
                // maximum(x, 0) + alpha·expm1(minimum(x, 0)/alpha) gives each tie half the gradient.
                kinks: [Kink(curvatureAt: zero, secondDerivative: [.pytorch: .side(.right),
                                                                   .jax: .value(.quotient(.exact("1"), .product(.exact("4"), .p("alpha"))))])],
                notes: ["Continuously differentiable at 0 for every alpha ≠ 0 (both sides give 1); f″ jumps there from 1/alpha to 0: PyTorch 2.15 gives 0, JAX 0.10 1/(4·alpha) (its minimum's tie rule)."],
                properties: Properties(monotonicity: .increasing, range: (-1, nil), derivativeRange: (0, 1)))
        case .gelu:
            return CatalogEntry(
                definition: "x·Φ(x) = (x/2)·erfc(−x/√2)",
                derivative: "Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)",
                secondDerivative: "φ(x)·(2 − x²)",
                notes: ["(x/2)·(1 + erf(x/√2)) loses the tail for x ≲ −5: 1 + erf cancels; erfc(−x/√2) does not."],
                properties: Properties(range: (-0.17, nil), derivativeRange: (-0.13, 1.13)))
        case .geluTanh:
            return CatalogEntry(
                aliases: ["approximate-gelu"],
                definition: "(x/2)·(1 + tanh(u)), u = √(2/π)·(x + 0.044715·x³) (√(2/π) exact, 0.044715 exact decimal)",
                derivative: "(1 + tanh u)/2 + (x/2)·sech²(u)·√(2/π)·(1 + 3·0.044715·x²)",
                secondDerivative: "2σ(2u)·σ(−2u)·(2u′ − 2x·tanh(u)·u′² + x·u″), u′ = √(2/π)·(1 + 3·0.044715·x²), u″ = 6·0.044715·√(2/π)·x",
                notes: ["x³ overflows float32 past |x| ≈ 4.9e12 and float64 past 5.6e102; (1 + tanh u)/2 = σ(2u) avoids both the overflow and the cancellation for u < 0."],
                properties: Properties(range: (-0.1701, nil), derivativeRange: (-0.13, 1.13)))
        case .quickGELU:
            return CatalogEntry(
                definition: "x·σ(1.702·x) (1.702 exact decimal)",
                derivative: "σ(1.702x) + 1.702·x·σ(1.702x)·σ(−1.702x)",
                secondDerivative: "1.702·σ(t)·σ(−t)·(2 − t·tanh(t/2)), t = 1.702·x",
                properties: Properties(range: (-0.17, nil), derivativeRange: (-0.11, 1.11)))
        case .silu:
            return CatalogEntry(
                aliases: ["swish"],
                definition: "x·σ(beta·x)",
                derivative: "σ(beta·x)·(1 + beta·x·σ(−beta·x))",
                secondDerivative: "beta·σ(t)·σ(−t)·(2 − t·tanh(t/2)), t = beta·x",
                parameters: [ParameterSpec("beta", .exact("1"), "slope inside the sigmoid (1 is SiLU)")],
                properties: Properties(range: (-0.2785, nil), derivativeRange: (-0.1, 1.1)))
        case .mish:
            return CatalogEntry(
                definition: "x·tanh(softplus(x))",
                derivative: "tanh(softplus(x)) + x·sech²(softplus(x))·σ(x)",
                secondDerivative: "sech²(s)·σ(x)·(2 − 2x·tanh(s)·σ(x) + x·σ(−x)), s = softplus(x)",
                properties: Properties(range: (-0.309, nil), derivativeRange: (-0.1126, 1.09)))
        case .softplus:
            return CatalogEntry(
                definition: "(1/beta)·log(1 + e^(beta·x))",
                derivative: "σ(beta·x)",
                secondDerivative: "beta·σ(beta·x)·σ(−beta·x)",
                parameters: [ParameterSpec("beta", .exact("1"), "sharpness", [.positive])],
                notes: ["PyTorch's threshold (return x when beta·x > 20) is an implementation shortcut, not part of the definition: softplus(20) − 20 ≈ 2.06e−9.",
                        "log(1 + e^x) overflows for x > 88.7 in f32; max(x, 0) + log1p(e^(−|x|)) does not. softplus(0) = ln 2, not 0."],
                properties: Properties(monotonicity: .increasing, range: (0, nil), derivativeRange: (0, 1)))
        case .softsign:
            return CatalogEntry(
                definition: "x/(1 + |x|)",
                derivative: "1/(1 + |x|)²",
                secondDerivative: "−2·sign(x)/(1 + |x|)³ (jumps from 2 to −2 at 0)",
                // PyTorch differentiates |x| with sign(0) = 0; TensorFlow's SoftsignGrad has no gradient.
                kinks: [Kink(curvatureAt: zero, secondDerivative: [.pytorch: .value(zero), .jax: .side(.right)])],
                notes: ["f″(0) is not defined (2 on the left, −2 on the right): PyTorch 2.15 gives 0, JAX 0.10 −2, and TensorFlow 2.21 has no second derivative (no gradient for SoftsignGrad)."],
                properties: Properties(monotonicity: .increasing, range: (-1, 1), derivativeRange: (0, 1), odd: true))
        case .hardSigmoid:
            return CatalogEntry(
                definition: "clamp(slope·x + offset, 0, 1)",
                derivative: "slope where 0 < slope·x + offset < 1, 0 elsewhere",
                secondDerivative: "0 for x ≠ kinks",
                parameters: [
                    ParameterSpec("slope", .exact("1/6"), "slope (PyTorch 1/6; ONNX and Keras 2 use 0.2)", [.positive]),
                    ParameterSpec("offset", .exact("1/2"), "value at x = 0 (0.5)"),
                ],
                kinks: [Kink(at: .quotient(.negate(.p("offset")), .p("slope")), pytorch: .left, jax: .left),
                        Kink(at: .quotient(.difference(.exact("1"), .p("offset")), .p("slope")), pytorch: .right, jax: .right)],
                notes: ["PyTorch 2.15 has no second derivative (\"derivative for aten::hardsigmoid_backward is not implemented\"); it is 0 away from the kinks.",
                        "PyTorch and JAX use slope 1/6; ONNX HardSigmoid and Keras 2 use 0.2·x + 0.5 — the same entry with slope=0.2."],
                properties: Properties(monotonicity: .nondecreasing, range: (0, 1), derivativeRange: (0, 1.0 / 6)))
        case .hardSwish:
            return CatalogEntry(
                aliases: ["hard-silu"],
                definition: "x·relu6(x + 3)/6",
                derivative: "0 for x < −3, x/3 + 1/2 for −3 < x < 3, 1 for x > 3",
                secondDerivative: "1/3 for −3 < x < 3, 0 for |x| > 3",
                kinks: [Kink(at: .exact("-3"), pytorch: .left, jax: .left),
                        Kink(at: .exact("3"), pytorch: .right, jax: .right)],
                notes: ["At the kinks PyTorch 2.15 gives hardswish′(−3) = 0 and hardswish′(3) = 1 (measured through Adapters/frameworks.py); earlier releases took x/3 + 1/2 on the closed interval [−3, 3] (−0.5 and 1.5): `--convention right`/`left` reproduces those."],
                properties: Properties(range: (-0.375, nil), derivativeRange: (-0.5, 1.5)))
        case .hardTanh:
            return CatalogEntry(
                definition: "clamp(x, min, max)",
                derivative: "1 for min < x < max, 0 outside",
                secondDerivative: "0 for x ≠ min, max",
                parameters: [
                    ParameterSpec("min", .exact("-1"), "lower bound"),
                    ParameterSpec("max", .exact("1"), "upper bound", [.greaterThan(.p("min"))]),
                ],
                kinks: [Kink(at: .p("min"), pytorch: .left, jax: .right),
                        Kink(at: .p("max"), pytorch: .right, jax: .left)],
                properties: Properties(monotonicity: .nondecreasing, range: (-1, 1), derivativeRange: (0, 1), odd: true))
        case .hardShrink:
            return CatalogEntry(
                definition: "x for |x| > lambda, 0 for |x| ≤ lambda",
                derivative: "1 for |x| > lambda, 0 for |x| < lambda",
                secondDerivative: "0 for |x| ≠ lambda",
                parameters: [ParameterSpec("lambda", .exact("0.5"), "half-width of the zeroed band", [.nonNegative])],
                kinks: [Kink(at: .negate(.p("lambda")), value: .side(.right), pytorch: .right),
                        Kink(at: .p("lambda"), value: .side(.left), pytorch: .left)],
                properties: Properties(monotonicity: .nondecreasing, derivativeRange: (0, 1), odd: true))
        case .softShrink:
            return CatalogEntry(
                definition: "x − lambda for x > lambda, x + lambda for x < −lambda, 0 otherwise",
                derivative: "1 for |x| > lambda, 0 for |x| < lambda",
                secondDerivative: "0 for |x| ≠ lambda",
                parameters: [ParameterSpec("lambda", .exact("0.5"), "half-width of the zeroed band", [.nonNegative])],
                kinks: [Kink(at: .negate(.p("lambda")), pytorch: .right),
                        Kink(at: .p("lambda"), pytorch: .left)],
                properties: Properties(monotonicity: .nondecreasing, derivativeRange: (0, 1), odd: true))
        case .tanhShrink:
            return CatalogEntry(
                definition: "x − tanh(x)",
                derivative: "tanh²(x)",
                secondDerivative: "2·tanh(x)·sech²(x)",
                notes: ["x − tanh(x) cancels for small |x| (≈ x³/3): computed naively in f32 it is 0 or wrong for |x| < 2^−4."],
                properties: Properties(monotonicity: .nondecreasing, derivativeRange: (0, 1), odd: true))
        case .threshold:
            return CatalogEntry(
                definition: "x for x > threshold, value for x ≤ threshold",
                derivative: "1 for x > threshold, 0 for x < threshold",
                secondDerivative: "0 for x ≠ threshold",
                parameters: [ParameterSpec("threshold", zero, "the cut (PyTorch has no default)"),
                             ParameterSpec("value", zero, "the replacement at or below the cut (PyTorch has no default)")],
                kinks: [Kink(at: .p("threshold"), value: .side(.left), pytorch: .left)],
                properties: Properties(monotonicity: .nondecreasing, derivativeRange: (0, 1)))
        case .thresholdedReLU:
            return CatalogEntry(
                definition: "x for x > theta, 0 for x ≤ theta",
                derivative: "1 for x > theta, 0 for x < theta",
                secondDerivative: "0 for x ≠ theta",
                parameters: [ParameterSpec("theta", .exact("1"), "the cut (ONNX ThresholdedRelu alpha, Keras theta)")],
                kinks: [Kink(at: .p("theta"), value: .side(.left), pytorch: .left, tensorflow: .left)],
                properties: Properties(monotonicity: .nondecreasing, range: (0, nil), derivativeRange: (0, 1)))
        case .logSigmoid:
            return CatalogEntry(
                definition: "log σ(x) = −softplus(−x)",
                derivative: "σ(−x)",
                secondDerivative: "−σ(x)·σ(−x)",
                notes: ["log(1/(1 + e^(−x))) is −inf for x < −88.7 in f32 once e^(−x) overflows; −softplus(−x) is x there."],
                properties: Properties(monotonicity: .increasing, range: (nil, 0), derivativeRange: (0, 1)))
        case .step:
            return CatalogEntry(
                aliases: ["heaviside"],
                definition: "1 for x > 0, 0 for x < 0, value at x = 0",
                derivative: "0 for x ≠ 0; 0 at x = 0 by every convention (no Dirac delta)",
                secondDerivative: "0 (no Dirac delta)",
                parameters: [ParameterSpec("value", zero, "f(0) (numpy.heaviside's second argument)")],
                kinks: [Kink(at: zero, value: .parameter("value"), pytorch: .left, jax: .left, tensorflow: .left)],
                properties: Properties(monotonicity: .nondecreasing, range: (0, 1), derivativeRange: (0, 0)))
        }
    }
}
