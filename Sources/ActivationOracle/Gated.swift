import ActivationCatalog

/// The oracle for a gated unit f(a, b) = g(a)·b: its value, both partial derivatives and their
/// backward, each one rounding of the exact product (`ActivationFunction.evaluate(_:bits:format:
/// times:)` states the rules for NaN, infinities and zeros).
public struct GatedFunction: Sendable, CustomStringConvertible {
    public let unit: GatedUnit
    /// The gate g at its defaults, under the kink convention (reglu's ∂/∂a at a = 0).
    public let gate: ActivationFunction

    public typealias Quantity = GatedQuantity

    public init(_ unit: GatedUnit, convention: KinkConvention = .pytorch) throws {
        self.unit = unit
        self.gate = try ActivationFunction(unit.entry.gate, convention: convention)
    }

    public var description: String { unit.name }

    /// The correctly rounded quantity at (a, b), both bit patterns in `format`. ∂f/∂b = g(a)
    /// whatever b is (a backward pass never reads b for it).
    public func evaluate(_ quantity: Quantity, a: UInt64, b: UInt64, format: FloatFormat) -> UInt64 {
        // NaN in a gives NaN whatever b is (as `ActivationFunction.evaluate` rules), before the
        // exact product of b is built: exhaustive runs ask 2^27 such pairs.
        if format.isNaN(a) { return format.quietNaN }
        switch quantity {
        case .value: return gate.evaluate(.value, bits: a, format: format, times: .init(product: [b], format: format))
        case .partialA: return gate.evaluate(.derivative, bits: a, format: format, times: .init(product: [b], format: format))
        case .partialB: return gate.evaluate(.value, bits: a, format: format)
        }
    }

    /// The backward pass for an incoming gradient g: (g·b·g′(a), g·g(a)), each one rounding of the
    /// exact product (what a fused two-output backward kernel returns).
    public func backward(a: UInt64, b: UInt64, gradient g: UInt64, format: FloatFormat) -> (da: UInt64, db: UInt64) {
        (gate.evaluate(.derivative, bits: a, format: format, times: .init(product: [g, b], format: format)),
         gate.evaluate(.value, bits: a, format: format, times: .init(product: [g], format: format)))
    }
}
