import ActivationCatalog
import ActivationOracle
import Foundation

/// One line of an independent-reference file: format, quantity, input bits, expected bits.
struct ReferenceCase: CustomStringConvertible {
    var format: FloatFormat
    var quantity: Quantity
    var input: UInt64
    var expected: UInt64
    var line: Int

    var description: String {
        "\(format) \(quantity) x=\(format.hexBits(input)) (\(format.hexFloat(input))) expected \(format.hexBits(expected)) (\(format.hexFloat(expected)))"
    }
}

enum TestData {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data")

    /// Parses `Data/independent/<name>.txt` (made by Scripts/independent_reference.py).
    static func independentCases(_ activation: Activation) throws -> [ReferenceCase] {
        let url = directory.appendingPathComponent("independent/\(activation.name).txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        var cases: [ReferenceCase] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let fields = line.split(separator: " ")
            if fields.isEmpty { continue }
            let quantities: [Substring: Quantity] = ["value": .value, "derivative": .derivative, "second-derivative": .secondDerivative]
            guard fields.count == 4, let format = FloatFormat(rawValue: String(fields[0])), let quantity = quantities[fields[1]],
                  let x = UInt64(fields[2].dropFirst(2), radix: 16), let y = UInt64(fields[3].dropFirst(2), radix: 16)
            else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "\(url.path):\(index + 1)"]) }
            cases.append(ReferenceCase(format: format, quantity: quantity, input: x, expected: y, line: index + 1))
        }
        return cases
    }

    /// Bits of a value given as a decimal or hex-float literal, correctly rounded to `format`.
    static func bits(_ text: String, _ format: FloatFormat) -> UInt64 {
        format.rounding(try! ExactNumber(parsing: text))
    }
}

extension FloatFormat {
    /// Equal as results: same bits, or both NaN.
    func sameResult(_ a: UInt64, _ b: UInt64) -> Bool { a == b || (isNaN(a) && isNaN(b)) }
}
