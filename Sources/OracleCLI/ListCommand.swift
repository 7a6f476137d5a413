import ActivationCatalog
import ActivationIO
import ActivationVerification
import ArgumentParser
import Foundation

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "The catalog: activations, parameters and defaults, definitions, kinks and their conventions.")

    @Argument(help: "Show only this activation.")
    var function: String?

    @Flag(help: "The names as JSON ([{name, aliases, inputs, gate?}], one-input entries then gated units): for scripts such as Scripts/certificate_plan.py.")
    var json = false

    func run() throws {
        var entries = Activation.allCases, units = GatedUnit.allCases
        if json {
            guard function == nil else { throw InputError("--json lists the whole catalog: give no function") }
            let items: [[String: Any]] = entries.map { ["name": $0.name, "aliases": $0.entry.aliases, "inputs": 1] }
                + units.map { ["name": $0.name, "aliases": $0.entry.aliases, "inputs": 2, "gate": $0.entry.gate.name] }
            let data = try JSONSerialization.data(withJSONObject: items, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        if let function {
            if let unit = GatedUnit(named: function) { units = [unit]; entries = [] } else {
                entries = [try FunctionSpec.activation(named: function)]
                units = []
            }
        }
        for activation in entries {
            print(Self.describe(activation))
        }
        for unit in units {
            let e = unit.entry
            print([unit.name + (e.aliases.isEmpty ? "" : "  (aliases: \(e.aliases.joined(separator: ", ")))") + "  — gated unit, two inputs (a, b)",
                   "  f(a, b) = \(e.definition)", "  ∂f/∂a  = \(e.partialA)", "  ∂f/∂b  = \(e.partialB)",
                   "  gate \(e.gate.name) at its defaults; kinks and conventions as listed for \(e.gate.name)"]
                  .joined(separator: "\n"))
        }
    }

    static func describe(_ activation: Activation) -> String {
        let entry = activation.entry
        var lines = [activation.name + (entry.aliases.isEmpty ? "" : "  (aliases: \(entry.aliases.joined(separator: ", ")))")]
        lines.append("  f(x)  = \(entry.definition)")
        lines.append("  f′(x) = \(entry.derivative)")
        lines.append("  f″(x) = \(entry.secondDerivative)")
        for (name, text) in entry.parameterDerivatives.sorted(by: { $0.key < $1.key }) {
            lines.append("  d/d\(name): \(text)")
        }
        for spec in entry.parameters {
            let constraints = spec.constraints.isEmpty ? "" : " [" + spec.constraints.map { "\(spec.name) \($0)" }.joined(separator: ", ") + "]"
            lines.append("  param \(spec.name) = \(spec.defaultValue): \(spec.summary)\(constraints)")
        }
        for kink in entry.kinks {
            let second = Framework.allCases.map { framework in
                "\(framework.rawValue): \(kink.secondDerivative[framework].map(\.description) ?? "n/a")"
            }.joined(separator: ", ")
            if kink.curvatureOnly {
                lines.append("  kink of f″ alone at x = \(kink.at); f″ there — \(second)")
                continue
            }
            let conventions = Framework.allCases.map { framework in
                "\(framework.rawValue): \(kink.conventions[framework]?.rawValue ?? "n/a")"
            }.joined(separator: ", ")
            let value: String
            switch kink.value {
            case .side(let side): value = "f from the \(side.rawValue)"
            case .parameter(let name): value = "f = \(name)"
            }
            lines.append("  kink at x = \(kink.at): \(value); f′ side — \(conventions); f″ — \(second)")
        }
        return lines.joined(separator: "\n")
    }
}
