import ActivationCatalog
import ActivationKernels
import ActivationOracle
import ActivationVerification
import Foundation
import Testing

/// Replays `Sources/ActivationKernels/HardCases/<entry>.wc` (format in that folder's README)
/// against the oracle, through scalar calls and through 4-element buffers (the lane path).
@Suite("Kernel hard cases")
struct HardCaseTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/ActivationKernels/HardCases").standardized

    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".wc") }.sorted()
    }

    struct Case {
        enum Kind: String { case value = "f", derivative = "f'", backward = "gf'" }
        var kind: Kind, x: Float, g: Float?, ulp: UInt64?, line: Int
    }

    /// A float32 from a hex (or decimal) literal, nil unless exactly representable.
    static func float(_ text: Substring) -> Float? {
        guard let d = Double(text), let f = Float(exactly: d) else { return nil }
        return f
    }

    static func parse(_ text: String, file: String) throws -> [Case] {
        struct Malformed: Error, CustomStringConvertible { let description: String }
        var cases: [Case] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(separator: " ")
            guard !words.isEmpty else { continue }
            guard words.count >= 2, let kind = Case.Kind(rawValue: String(words[0])), let x = float(words[1]) else {
                throw Malformed(description: "\(file):\(n + 1): expected '<f|f'|gf'> <x> [g=…] [ulp=…]', got '\(raw)'")
            }
            var c = Case(kind: kind, x: x, g: nil, ulp: nil, line: n + 1)
            for word in words.dropFirst(2) {
                if word.hasPrefix("g="), let g = float(word.dropFirst(2)) { c.g = g; continue }
                if word.hasPrefix("ulp="), let u = UInt64(word.dropFirst(4)) { c.ulp = u; continue }
                throw Malformed(description: "\(file):\(n + 1): cannot read '\(word)'")
            }
            if (kind == .backward) != (c.g != nil) {
                throw Malformed(description: "\(file):\(n + 1): g= belongs to gf' lines, and only to them")
            }
            cases.append(c)
        }
        return cases
    }

    @Test func everyFileNamesAnEntryAndParses() throws {
        #expect(!Self.files.isEmpty, "no hard-case files in \(Self.directory.path)")
        for file in Self.files {
            let name = String(file.dropLast(3))
            #expect(Activation(named: name) != nil, "\(file): no catalog entry '\(name)'")
            let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
            #expect(try !Self.parse(text, file: file).isEmpty, "\(file) has no cases")
        }
    }

    @Test(arguments: files)
    func replay(_ file: String) throws {
        let function = try ActivationFunction(try #require(Activation(named: String(file.dropLast(3)))))
        let kernel = Gate.kernel(for: function)
        let text = try String(contentsOf: Self.directory.appendingPathComponent(file), encoding: .utf8)
        for c in try Self.parse(text, file: file) {
            let bits = UInt64(c.x.bitPattern)
            let expected: UInt64, results: [Float]
            switch c.kind {
            case .value:
                expected = function.evaluate(.value, bits: bits, format: .f32)
                results = [kernel.value(c.x)] + kernel.forward([Float](repeating: c.x, count: 4))
            case .derivative:
                expected = function.evaluate(.derivative, bits: bits, format: .f32)
                results = [kernel.derivative(c.x)] + kernel.derivative([Float](repeating: c.x, count: 4))
            case .backward:
                let g = c.g!
                expected = function.evaluate(.derivative, bits: bits, scaledBy: UInt64(g.bitPattern), format: .f32)
                results = kernel.backward(input: [c.x], gradOutput: [g])
                    + kernel.backward(input: [Float](repeating: c.x, count: 4), gradOutput: [Float](repeating: g, count: 4))
            }
            let bound = c.ulp ?? KernelBounds.ulps(function.activation, .f32, derivative: c.kind != .value)
            let worst = results.map { ULP.distance(expected, UInt64($0.bitPattern), format: .f32) }.max() ?? 0
            #expect(worst <= bound, "\(file):\(c.line): \(c.kind.rawValue)(\(FloatFormat.f32.hexFloat(bits))) is \(worst) ULP from the oracle (allowed \(bound))")
        }
    }
}
