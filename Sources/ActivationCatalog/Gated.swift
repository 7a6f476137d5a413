/// The gated linear units: two-input entries f(a, b) = g(a)·b, where the gate g is a one-input
/// catalog entry at its defaults — the feed-forward block of current language models
/// (SwiGLU: silu(x·W₁) ⊙ (x·W₃)). Every layer switches over this enum exhaustively, as over
/// `Activation`.
///
/// Which half is gated differs between libraries: here `a` goes through the gate and `b` is the
/// linear half. PyTorch's `F.glu(x)` splits x into (x₁, x₂) and returns x₁·σ(x₂): that is
/// `glu(a: x₂, b: x₁)`.
public enum GatedUnit: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    case glu
    case reglu
    case geglu
    case gegluTanh = "geglu-tanh"
    case swiglu

    public var name: String { rawValue }
    public var description: String { rawValue }

    /// Looks up a name or alias; case, `_` and `-` are not significant (`SwiGLU`, `geglu_tanh`).
    public init?(named raw: String) {
        func key(_ s: String) -> String { String(s.lowercased().filter { $0 != "-" && $0 != "_" }) }
        guard let match = GatedUnit.allCases.first(where: { unit in
            ([unit.name] + unit.entry.aliases).contains { key($0) == key(raw) }
        }) else { return nil }
        self = match
    }

    /// The catalog entry: the gate, and the formulas as documents print them.
    public var entry: GatedEntry {
        switch self {
        case .glu:
            return GatedEntry(gate: .sigmoid, definition: "σ(a)·b",
                              notes: ["PyTorch's F.glu(x) = x₁·σ(x₂) for the halves (x₁, x₂) of x: glu(a = x₂, b = x₁) here."])
        case .reglu:
            return GatedEntry(gate: .relu, definition: "relu(a)·b",
                              notes: ["∂/∂a at a = 0 is b·relu′(0): 0 under PyTorch's convention (relu′(0) = 0)."])
        case .geglu:
            return GatedEntry(gate: .gelu, definition: "gelu(a)·b (the erf form)")
        case .gegluTanh:
            return GatedEntry(aliases: ["geglu-approximate"], gate: .geluTanh, definition: "gelu-tanh(a)·b")
        case .swiglu:
            return GatedEntry(gate: .silu, definition: "silu(a)·b = a·σ(a)·b",
                              notes: ["silu here has beta = 1 (SiLU); Swish-β gates are `silu` with --param beta in a one-input check."])
        }
    }
}

/// What is evaluated of a gated unit.
public enum GatedQuantity: String, Sendable, CaseIterable, CustomStringConvertible {
    /// g(a)·b
    case value
    /// ∂f/∂a = b·g′(a)
    case partialA = "d/da"
    /// ∂f/∂b = g(a)
    case partialB = "d/db"
    public var description: String { rawValue }
}

/// What the catalog says about one gated unit.
public struct GatedEntry: Sendable {
    public var aliases: [String] = []
    /// The one-input entry applied to a, at its default parameters.
    public var gate: Activation
    /// f(a, b), as documents print it.
    public var definition: String
    /// Definitional points people get wrong.
    public var notes: [String] = []

    /// ∂f/∂a = b·g′(a).
    public var partialA: String { "b·\(gate.name)′(a)" }
    /// ∂f/∂b = g(a).
    public var partialB: String { "\(gate.name)(a)" }
}
