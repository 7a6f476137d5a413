@testable import OracleCLI
import ActivationCatalog
import ActivationKernels
import ActivationOracle
import ActivationVerification
import Foundation
import Testing

/// Reference/ holds generated files; they must be what the current code generates.
@Suite("Reference/ is current")
struct ReferenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Reference")

    @Test func generatedFilesAreCurrent() throws {
        let files = try Atlas.files(reference: Self.root)
        let stale = DocsCommand.stale(files, root: Self.root)
        #expect(stale.isEmpty, "stale under Reference/: \(stale.prefix(8).joined(separator: ", "))\(stale.count > 8 ? ", …" : "") — regenerate with: \(Atlas.command)")
        // The narrow kernels' certificates are generated too: current is not enough, they must pass
        // (0 ULP: every narrow result correctly rounded on every input checked).
        let certificates = try #require(files["narrow-certificates.md"])
        #expect(certificates.contains("Every cell passes") && !certificates.contains("✗"),
                "narrow kernels beyond their bounds: \(certificates.split(separator: "\n").filter { $0.hasPrefix("- ") }.prefix(5))")
    }

    @Test func manifestMatchesGoldenFiles() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("golden/MANIFEST.sha256"), encoding: .utf8)
        let lines = manifest.split(separator: "\n")
        #expect(lines.count == Activation.allCases.count + GatedUnit.allCases.count)
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            let data = try Data(contentsOf: Self.root.appendingPathComponent(String(parts[1])))
            var h = SHA256()
            h.update(Array(data))
            #expect(h.finalize() == String(parts[0]), "\(parts[1]) does not match its SHA-256 in MANIFEST.sha256")
        }
    }

    /// The golden vectors replayed against the built-in kernels, within their declared bounds.
    @Test(arguments: Activation.allCases)
    func goldenVectorsAgainstKernels(_ activation: Activation) throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("golden/\(activation.name).txt"), encoding: .utf8)
        let cases = Golden.parse(text)
        #expect(cases.count > 100)
        let kernel = Gate.kernel(for: try ActivationFunction(activation))
        for (format, x, y, d, _) in cases { // f″ has no kernel: its column is checked by the staleness test
            for (quantity, expected) in [(Quantity.value, y), (.derivative, d)] {
                let got = Gate.evaluate(kernel, quantity, bits: x, format: format)
                let bound = KernelBounds.ulps(activation, format, derivative: quantity == .derivative)
                let c = Disagreement.classify(expected: expected, actual: got, format: format)
                #expect(c == nil || (c != .nan && c != .inf && c != .zeroSign && ULP.distance(expected, got, format: format) <= bound),
                        "\(activation) \(quantity) \(format) x=\(format.hexBits(x)): expected \(format.hexBits(expected)), kernel \(format.hexBits(got))")
            }
        }
    }
}
