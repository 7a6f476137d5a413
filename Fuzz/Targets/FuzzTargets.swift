import ActivationCatalog
import ActivationIO
import ActivationOracle
import Foundation

/// The fuzz targets: each takes any bytes and must end in a value or a thrown error, never a
/// trap, a hang or unbounded memory. `activation-oracle-fuzz TARGET` runs one under libFuzzer
/// (see Fuzz/README.md); the tests replay every file of Fuzz/corpus and Fuzz/regressions.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `.npy` files (the first byte picks the format).
    case npy
    /// Text files of values, or of bit patterns (the first byte picks the format and `--bits`).
    case text
    /// Parameter values as `--param` takes them (the first byte picks the entry).
    case param
    /// A child's answers to the subprocess protocol's client, cut into pieces as pipes deliver
    /// them (the first bytes pick the format and the piece sizes).
    case `protocol`

    public func run(_ data: Data) {
        let bytes = [UInt8](data)
        let selector = Int(bytes.first ?? 0)
        let rest = Data(bytes.dropFirst())
        let format = FloatFormat.interchange[selector % FloatFormat.interchange.count]
        switch self {
        case .npy, .text:
            let bits = self == .text && selector & 0x10 != 0
            if let reader = try? NumericReader(data: rest, format: format, textBits: bits) {
                if let values = try? reader.readAll(chunk: 1 + selector), case .npy(let descr, let shape) = reader.encoding {
                    // What `reference` writes back for it: the same header form and as many values.
                    _ = NumericWriter.npyHeader(descr: descr, shape: shape)
                    _ = values.map(format.shortestDecimal)
                }
            }
        case .param:
            guard let text = String(data: rest, encoding: .utf8), let number = try? ExactNumber(parsing: text) else { return }
            let activation = Activation.allCases[selector % Activation.allCases.count]
            guard let name = activation.entry.parameters.first?.name else { return }
            if let f = try? ActivationFunction(activation, parameters: [name: number]) {
                _ = f.parameter(name, roundedTo: format)
            }
        case .protocol:
            var buffer = LineBuffer(maximumLine: Subprocess.maximumLine)
            var offset = 0, k = 1
            while offset < rest.count {
                let piece = 1 + Int(bytes[k % bytes.count]) * 7
                let end = min(rest.count, offset + piece)
                buffer.append(rest[rest.startIndex + offset..<rest.startIndex + end])
                offset = end
                k += 1
                while let line = try? buffer.nextLine() { _ = format.protocolResult(line) }
            }
            if let last = try? buffer.rest() { _ = format.protocolResult(last) }
        }
    }
}
