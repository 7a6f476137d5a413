import ActivationCatalog
import ActivationIO
import ActivationOracle
import Foundation

/// An entry, its parameters and quantity as people write them — the CLI's `FUNCTION --param
/// name=value --derivative --wrt p --convention c` and `ActivationTesting`'s arguments — resolved
/// once, here, into the oracle's `ActivationFunction` and `Quantity`.
public enum FunctionSpec {
    /// Parameters are exact numbers in any form `ExactNumber(parsing:)` takes (`0.01` is 1/100,
    /// `f32:0.01` the float32 nearest it); an unknown name, a value outside its domain, a second
    /// value for one name, or `derivative` with `wrt` is an `InputError` naming it.
    /// The entry named `name` (or an alias), or an `InputError` that says how to list them.
    public static func activation(named name: String) throws -> Activation {
        guard let activation = Activation(named: name) else {
            if let unit = GatedUnit(named: name) {
                throw InputError("\(unit) is a gated unit (two inputs, a and b): `reference` and `verify` take it with pairs, Python gated()")
            }
            throw InputError("unknown function '\(name)' (see activation-oracle list)")
        }
        return activation
    }

    /// The conventions by name, or an `InputError` that lists them.
    public static func convention(named name: String) throws -> KinkConvention {
        guard let c = KinkConvention(rawValue: name.trimmingCharacters(in: .whitespaces)) else {
            throw InputError("unknown kink convention '\(name)' (\(KinkConvention.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return c
    }

    /// The options that select `quantity` on the command line, to replay a run: "", "--derivative ",
    /// "--order 2 ", "--wrt alpha ".
    public static func arguments(for quantity: Quantity) -> String {
        switch quantity {
        case .value: ""
        case .derivative: "--derivative "
        case .secondDerivative: "--order 2 "
        case .parameterDerivative(let name): "--wrt \(name) "
        }
    }

    /// A gated unit's name with its options, or nil when `name` is no gated unit. Its quantity is
    /// the value, or `wrt` "a" or "b"; the gate takes its defaults (no parameters) and `convention`.
    public static func resolveGated(_ name: String, parameters: [(name: String, value: String)] = [],
                                    convention: KinkConvention = .pytorch, derivative: Bool = false,
                                    order: Int? = nil, wrt: String? = nil) throws -> (GatedFunction, GatedQuantity)? {
        guard let unit = GatedUnit(named: name) else { return nil }
        if let p = parameters.first {
            throw InputError("\(unit) has no parameter '\(p.name)': its gate \(unit.entry.gate) is at its defaults")
        }
        if derivative || (order ?? 0) != 0 {
            throw InputError("\(unit) has two inputs: ask for a partial derivative with --wrt a (b·\(unit.entry.gate)′(a)) or --wrt b (\(unit.entry.gate)(a))")
        }
        let quantity: GatedQuantity
        switch wrt?.trimmingCharacters(in: .whitespaces) {
        case nil: quantity = .value
        case "a": quantity = .partialA
        case "b": quantity = .partialB
        case let other?: throw InputError("\(unit): --wrt must be a or b (got '\(other.prefix(40))')")
        }
        do { return (try GatedFunction(unit, convention: convention), quantity) } catch let error as OracleError {
            throw InputError(error.description)
        }
    }

    public static func resolve(_ name: String, parameters: [(name: String, value: String)] = [],
                               convention: KinkConvention = .pytorch, derivative: Bool = false,
                               order: Int? = nil, wrt: String? = nil) throws -> (ActivationFunction, Quantity) {
        let activation = try activation(named: name)
        var values: [String: ExactNumber] = [:]
        for (parameter, text) in parameters {
            let key = parameter.trimmingCharacters(in: .whitespaces)
            guard values[key] == nil else { throw InputError("--param \(key) given twice") }
            do { values[key] = try ExactNumber(parsing: text) } catch let error as ExactNumber.ParseError {
                // An unknown name is the error to report, not its value's syntax ("gelu has no
                // parameter 'approximate'", not "'tanh' is not an exact number"): the oracle says it.
                guard activation.entry.parameters.contains(where: { $0.name == key }) else {
                    values[key] = ExactNumber(negative: false, mantissa: "0")
                    continue
                }
                throw InputError("--param \(key): \(error)")
            }
        }
        let f: ActivationFunction
        do { f = try ActivationFunction(activation, parameters: values, convention: convention) } catch let error as OracleError {
            throw InputError(error.description)
        }
        if derivative && wrt != nil { throw InputError("--derivative and --wrt exclude each other") }
        if order != nil && wrt != nil { throw InputError("--order and --wrt exclude each other (derivatives with respect to a parameter are of order 1)") }
        if let order, derivative && order != 1 { throw InputError("--derivative is --order 1: it excludes --order \(order)") }
        if let order, Quantity(order: order) == nil { throw InputError("--order must be 0, 1 or 2 (got \(order))") }
        let quantity: Quantity = wrt.map { .parameterDerivative($0) } ?? order.flatMap { Quantity(order: $0) } ?? (derivative ? .derivative : .value)
        do { try f.validate(quantity) } catch let error as OracleError { throw InputError(error.description) }
        return (f, quantity)
    }
}
