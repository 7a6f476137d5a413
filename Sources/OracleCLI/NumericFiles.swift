import ActivationCatalog
import ActivationOracle
import Foundation

/// A bad file or value: reported as one line, exit code 2.
public struct InputError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// How values are written in a file.
enum NumericEncoding: Equatable {
    /// NumPy `.npy` with this dtype (float or unsigned bit patterns) and shape.
    case npy(descr: String, shape: [Int])
    /// One value per line: decimal or hex float (or bit patterns with `--bits`).
    case text(bits: Bool)
}

/// Reads a stream of values of one format, as bit patterns, in bounded chunks.
final class NumericReader {
    let name: String
    let format: FloatFormat
    private(set) var encoding: NumericEncoding
    private let handle: FileHandle
    /// Bytes read and not yet consumed: `bytes[start...]` (consuming only moves `start`; the
    /// consumed prefix is dropped when more is read, so the cost stays linear in the file size).
    private var bytes: [UInt8] = []
    private var start = 0
    private var available: Int { bytes.count - start }
    private var atEOF = false
    private var lineNumber = 0
    private var remaining = 0   // npy: elements still to read

    /// Opens `path` (nil or "-": standard input). `.npy` is recognised by its magic bytes.
    init(path: String?, format: FloatFormat, textBits: Bool) throws {
        self.format = format
        if let path, path != "-" {
            name = path
            guard let h = FileHandle(forReadingAtPath: path) else { throw InputError("\(path): cannot open for reading") }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
                throw InputError("\(path): is a directory")
            }
            handle = h
        } else {
            name = "<stdin>"
            handle = .standardInput
        }
        encoding = .text(bits: textBits)
        try fill(minimum: 6)
        if bytes[start...].starts(with: [0x93] + Array("NUMPY".utf8)) {
            try readNPYHeader()
        } else if path?.hasSuffix(".npy") == true {
            throw InputError("\(name): not a .npy file (bad magic)")
        }
    }

    private func fill(minimum: Int) throws {
        while available < minimum && !atEOF {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEOF = true } else {
                if start > 0 { bytes.removeFirst(start); start = 0 }
                bytes.append(contentsOf: chunk)
            }
        }
    }

    private func readNPYHeader() throws {
        try fill(minimum: 12)
        guard available >= 10 else { throw InputError("\(name): truncated .npy header") }
        let bytes = Array(self.bytes[start..<min(start + 12, self.bytes.count)])
        let major = bytes[6]
        let headerLength: Int, start: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw InputError("\(name): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        default: throw InputError("\(name): unsupported .npy version \(major)")
        }
        try fill(minimum: start + headerLength)
        guard available >= start + headerLength,
              let header = String(bytes: self.bytes[self.start + start..<self.start + start + headerLength], encoding: .utf8)
        else { throw InputError("\(name): truncated .npy header") }
        self.start += start + headerLength
        guard let descr = Self.field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
              let fortran = Self.field("fortran_order", in: header),
              let shapeText = Self.field("shape", in: header)
        else { throw InputError("\(name): malformed .npy header: \(header.trimmingCharacters(in: .whitespacesAndNewlines))") }
        if descr.hasPrefix(">") { throw InputError("\(name): big-endian dtype \(descr) is not supported (use '<')") }
        if fortran.trimmingCharacters(in: .whitespaces) != "False" {
            throw InputError("\(name): Fortran-order arrays are not supported (save with numpy.ascontiguousarray)")
        }
        let accepted = [format.numpyFloatDescr, format.numpyBitsDescr].compactMap { $0 }
        guard accepted.contains(descr) else {
            throw InputError("\(name): dtype \(descr) does not match --format \(format) (expected \(accepted.joined(separator: " or ")))")
        }
        let inner = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let n = Int(t), n >= 0 else { throw InputError("\(name): malformed .npy shape \(shapeText)") }
            shape.append(n)
        }
        encoding = .npy(descr: descr, shape: shape)
        remaining = shape.reduce(1, *)
    }

    /// The value of `key` in a .npy header dict (up to the next top-level comma).
    private static func field(_ key: String, in header: String) -> String? {
        guard let range = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[range.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        var depth = 0, end = rest.startIndex
        while end < rest.endIndex {
            let c = rest[end]
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if (c == "," || c == "}") && depth == 0 { break }
            end = rest.index(after: end)
        }
        return String(rest[..<end])
    }

    /// Up to `maximum` values; an empty array at the end.
    func next(maximum: Int) throws -> [UInt64] {
        switch encoding {
        case .npy: return try nextNPY(maximum: maximum)
        case .text(let bits): return try nextText(maximum: maximum, bits: bits)
        }
    }

    private func nextNPY(maximum: Int) throws -> [UInt64] {
        let width = format.bitWidth / 8
        let count = min(maximum, remaining)
        if count == 0 {
            try fill(minimum: 1)
            if available > 0 { throw InputError("\(name): \(available) bytes after the last element (header shape is wrong)") }
            return []
        }
        try fill(minimum: count * width)
        guard available >= count * width else {
            let total: Int
            if case .npy(_, let shape) = encoding { total = shape.reduce(1, *) } else { total = 0 }
            throw InputError("\(name): truncated: header promises \(total) elements, data ends after \(total - remaining + available / width)")
        }
        var values = [UInt64](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { raw in
            for i in 0..<count {
                var v: UInt64 = 0
                for b in 0..<width { v |= UInt64(raw[start + i * width + b]) << UInt64(8 * b) }
                values[i] = v
            }
        }
        start += count * width
        remaining -= count
        return values
    }

    private func nextText(maximum: Int, bits: Bool) throws -> [UInt64] {
        var values: [UInt64] = []
        values.reserveCapacity(min(maximum, 1 << 16))
        while values.count < maximum {
            guard let line = try nextLine() else { break }
            lineNumber += 1
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let value = bits ? parseBits(text) : parseValue(text) else {
                let what = bits ? "a \(format) bit pattern" : "an \(format) value"
                throw InputError("\(name):\(lineNumber): cannot read '\(text.prefix(60))' as \(what)")
            }
            values.append(value)
        }
        return values
    }

    private func nextLine() throws -> String? {
        while true {
            if let newline = bytes[start...].firstIndex(of: 0x0A) {
                let line = bytes[start..<newline]
                start = newline + 1
                return try decodeLine(line)
            }
            if atEOF {
                if available == 0 { return nil }
                let line = bytes[start...]
                start = bytes.count
                return try decodeLine(line)
            }
            try fill(minimum: available + 1)
        }
    }

    private func decodeLine(_ data: ArraySlice<UInt8>) throws -> String {
        guard var s = String(bytes: data, encoding: .utf8) else {
            throw InputError("\(name):\(lineNumber + 1): not UTF-8 text")
        }
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }

    private func parseBits(_ text: String) -> UInt64? {
        let lower = text.lowercased()
        let value = lower.hasPrefix("0x") ? UInt64(lower.dropFirst(2), radix: 16) : UInt64(lower)
        guard let value, value & ~format.allBitsMask == 0 else { return nil }
        return value
    }

    /// A decimal or hex float, correctly rounded to the format; nan and ±inf by name.
    func parseValue(_ text: String) -> UInt64? {
        var body = Substring(text.lowercased())
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        switch body {
        case "nan": return format.quietNaN | (negative ? format.signMask : 0)
        case "inf", "infinity": return format.infinity(negative: negative)
        default: break
        }
        // binary32 and binary64: strtof/strtod round decimal and hex text correctly, and fast.
        if format == .f32, body.first?.isNumber == true || body.first == ".", let v = Float(text) { return UInt64(v.bitPattern) }
        if format == .f64, body.first?.isNumber == true || body.first == ".", let v = Double(text) { return v.bitPattern }
        guard let number = try? ExactNumber(parsing: text), number.denominator == "1", !text.contains(":") else { return nil }
        return format.rounding(number)
    }
}

/// Writes values of one format in bounded chunks, to a temporary file renamed into place by
/// `finish()`; `discard()` removes it, so a failed run leaves no partial output behind.
final class NumericWriter {
    let format: FloatFormat
    let encoding: NumericEncoding
    private let handle: FileHandle
    private let temporaryPath: String?
    private let finalPath: String?
    private var pending = Data()

    init(path: String?, format: FloatFormat, encoding: NumericEncoding) throws {
        self.format = format
        self.encoding = encoding
        if let path, path != "-" {
            let url = URL(fileURLWithPath: path)
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)").path
            guard FileManager.default.createFile(atPath: temporary, contents: nil),
                  let h = FileHandle(forWritingAtPath: temporary)
            else { throw InputError("\(path): cannot create output file") }
            handle = h
            temporaryPath = temporary
            finalPath = path
        } else {
            handle = .standardOutput
            temporaryPath = nil
            finalPath = nil
        }
        if case .npy(let descr, let shape) = encoding { pending.append(Self.npyHeader(descr: descr, shape: shape)) }
    }

    static func npyHeader(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = 10 + dict.utf8.count + 1
        dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(dict.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(dict.utf8))
        return data
    }

    func write(_ values: [UInt64]) throws {
        switch encoding {
        case .npy:
            let width = format.bitWidth / 8
            var bytes = [UInt8](repeating: 0, count: values.count * width)
            for (i, v) in values.enumerated() { for b in 0..<width { bytes[i * width + b] = UInt8(truncatingIfNeeded: v >> UInt64(8 * b)) } }
            pending.append(contentsOf: bytes)
        case .text(let bits):
            var text = ""
            for v in values { text += (bits ? format.hexBits(v) : format.shortestDecimal(v)) + "\n" }
            pending.append(contentsOf: Array(text.utf8))
        }
        if pending.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try handle.write(contentsOf: pending)
        pending.removeAll(keepingCapacity: true)
    }

    func finish() throws {
        try flush()
        if let temporaryPath, let finalPath {
            try handle.close()
            if FileManager.default.fileExists(atPath: finalPath) { try FileManager.default.removeItem(atPath: finalPath) }
            try FileManager.default.moveItem(atPath: temporaryPath, toPath: finalPath)
        }
    }

    func discard() {
        if let temporaryPath {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temporaryPath)
        }
    }
}

extension FloatFormat {
    /// The shortest decimal that reads back (correctly rounded) as exactly these bits; `nan`,
    /// `inf`, `-inf`, `-0.0` as Swift prints them.
    func shortestDecimal(_ bits: UInt64) -> String {
        switch self {
        case .f32: return Float(formatBits: bits).description
        case .f64: return Double(formatBits: bits).description
        case .f16, .bf16:
            if isNaN(bits) { return "nan" }
            if isInfinite(bits) { return isNegative(bits) ? "-inf" : "inf" }
            let value = doubleValue(bits)
            if value == 0 { return isNegative(bits) ? "-0.0" : "0.0" }
            for digits in 1...17 {
                let text = String(format: "%.\(digits)g", value)
                if let back = try? ExactNumber(parsing: text), rounding(back) == bits { return text }
            }
            return String(value)
        }
    }
}
