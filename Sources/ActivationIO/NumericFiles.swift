import ActivationCatalog
import ActivationOracle
import Foundation

/// How values are written in a file.
public enum NumericEncoding: Equatable, Sendable {
    /// NumPy `.npy` with this dtype (float or unsigned bit patterns) and shape.
    case npy(descr: String, shape: [Int])
    /// One value per line: decimal or hex float (or bit patterns with `--bits`).
    case text(bits: Bool)

    /// The same form for results in `output` read from inputs in `input`: the same text mode,
    /// the same shape; NumPy's float dtype when the input was a float dtype and `output` has
    /// one, else `output`'s bit patterns (`|u1` for the 8-bit and smaller formats).
    public func converted(from input: FloatFormat, to output: FloatFormat) -> NumericEncoding {
        guard case .npy(let descr, let shape) = self, input != output else { return self }
        let wasFloat = descr == input.numpyFloatDescr || descr.dropFirst().hasPrefix("V") // ml_dtypes' arrays save as void
        return .npy(descr: (wasFloat ? output.numpyFloatDescr : nil) ?? output.numpyBitsDescr, shape: shape)
    }
}

/// Limits on untrusted files, so that any input is read in bounded memory and time.
public enum FileLimits {
    /// The longest text line (a value, a comment): longer is an error naming the line.
    public static let textLine = 4_096
    /// The longest `.npy` header (NumPy's own `max_header_size` default is 10,000).
    public static let npyHeader = 1 << 20
    /// The most elements one `.npy` file may declare (its shape's product): 2^48.
    public static let npyElements = 1 << 48
}

/// Reads a stream of values of one format, as bit patterns, in bounded chunks.
public final class NumericReader {
    public let name: String
    public let format: FloatFormat
    public private(set) var encoding: NumericEncoding
    /// Gives up to n more bytes; empty at the end.
    private let source: (Int) throws -> Data
    /// Bytes read and not yet consumed: `bytes[start...]` (consuming only moves `start`; the
    /// consumed prefix is dropped when more is read, so the cost stays linear in the file size).
    private var bytes: [UInt8] = []
    private var start = 0
    private var available: Int { bytes.count - start }
    private var atEOF = false
    private var lineNumber = 0
    private var remaining = 0   // npy: elements still to read
    private var total = 0       // npy: elements the header promises
    /// Values per record: 1, or 2 for a gated unit's pairs (a, b) — a `.npy` trailing axis of 2,
    /// text lines `a b` (space, tab or comma between). `next` returns whole records, flattened.
    public private(set) var arity = 1

    /// Reads records of `n` values from here on (`.npy`: the shape's last axis must be n).
    public func expectRecords(of n: Int) throws {
        precondition(n >= 1, "records of at least one value")
        if n > 1, case .npy(_, let shape) = encoding, shape.last != n {
            let shown = "(" + shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? ",)" : ")")
            throw InputError("\(name): shape \(shown): pairs (a, b) need a last axis of \(n)")
        }
        arity = n
    }

    /// Opens `path` (nil or "-": standard input). `.npy` is recognised by its magic bytes.
    public convenience init(path: String?, format: FloatFormat, textBits: Bool, option: String = "--input") throws {
        if let path, path != "-" {
            guard !path.isEmpty else { throw InputError("\(option): empty path") }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw InputError("\(path): cannot open for reading (no such file)")
            }
            if isDirectory.boolValue { throw InputError("\(path): is a directory") }
            guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError("\(path): cannot open for reading") }
            try self.init(name: path, format: format, textBits: textBits, npySuffix: path.hasSuffix(".npy")) { n in
                do { return try handle.read(upToCount: n) ?? Data() } catch {
                    throw InputError("\(path): cannot read (\(OutputFiles.reason(error)))")
                }
            }
        } else {
            try self.init(name: "<stdin>", format: format, textBits: textBits, npySuffix: false) { n in
                do { return try FileHandle.standardInput.read(upToCount: n) ?? Data() } catch {
                    throw InputError("<stdin>: cannot read (\(OutputFiles.reason(error)))")
                }
            }
        }
    }

    /// Reads from bytes in memory (tests and fuzzing).
    public convenience init(data: Data, name: String = "<data>", format: FloatFormat, textBits: Bool) throws {
        var offset = 0
        try self.init(name: name, format: format, textBits: textBits, npySuffix: false) { n in
            let end = min(data.count, offset + n)
            defer { offset = end }
            return data.subdata(in: data.startIndex + offset..<data.startIndex + end)
        }
    }

    init(name: String, format: FloatFormat, textBits: Bool, npySuffix: Bool, source: @escaping (Int) throws -> Data) throws {
        self.name = name
        self.format = format
        self.source = source
        encoding = .text(bits: textBits)
        try fill(minimum: 6)
        if bytes[start...].starts(with: [0x93] + Array("NUMPY".utf8)) {
            try readNPYHeader()
        } else if npySuffix {
            throw InputError("\(name): not a .npy file (bad magic)")
        }
    }

    private func fill(minimum: Int) throws {
        while available < minimum && !atEOF {
            let chunk = try source(1 << 20)
            if chunk.isEmpty { atEOF = true } else {
                if start > 0 { bytes.removeFirst(start); start = 0 }
                bytes.append(contentsOf: chunk)
            }
        }
    }

    private func readNPYHeader() throws {
        try fill(minimum: 12)
        guard available >= 10 else { throw InputError("\(name): truncated .npy header") }
        let prefix = Array(bytes[start..<min(start + 12, bytes.count)])
        let major = prefix[6]
        let headerLength: Int, offset: Int
        switch major {
        case 1: headerLength = Int(prefix[8]) | Int(prefix[9]) << 8; offset = 10
        case 2, 3:
            guard prefix.count >= 12 else { throw InputError("\(name): truncated .npy header") }
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24; offset = 12
        default: throw InputError("\(name): unsupported .npy version \(major)")
        }
        guard headerLength <= FileLimits.npyHeader else {
            throw InputError("\(name): .npy header of \(headerLength) bytes (more than \(FileLimits.npyHeader) is not a NumPy array)")
        }
        try fill(minimum: offset + headerLength)
        guard available >= offset + headerLength,
              let header = String(bytes: bytes[start + offset..<start + offset + headerLength], encoding: .utf8),
              !header.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
        else { throw InputError("\(name): truncated or malformed .npy header") }
        start += offset + headerLength
        let brief = header.trimmingCharacters(in: .whitespacesAndNewlines).prefix(120)
        guard let descr = Self.field("descr", in: header).map({ $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")) }),
              let fortran = Self.field("fortran_order", in: header),
              let shapeText = Self.field("shape", in: header)
        else { throw InputError("\(name): malformed .npy header: \(brief)") }
        if descr.hasPrefix(">") { throw InputError("\(name): big-endian dtype \(descr.prefix(20)) is not supported (use '<')") }
        switch fortran.trimmingCharacters(in: .whitespaces) {
        case "False": break
        case "True": throw InputError("\(name): Fortran-order arrays are not supported (save with numpy.ascontiguousarray)")
        default: throw InputError("\(name): malformed .npy header: fortran_order is '\(fortran.prefix(20))'")
        }
        // Bit patterns as unsigned integers (`|u1` and `<u1` alike), or as the one-field void
        // dtype NumPy writes for ml_dtypes' arrays (`<V1` for float8_e4m3fn, `<V2` for bfloat16).
        var accepted = [format.numpyFloatDescr, format.numpyBitsDescr].compactMap { $0 }
        if format.byteWidth == 1 { accepted += ["<u1", "|V1", "<V1"] }
        if format == .bf16 { accepted += ["<V2"] }
        guard accepted.contains(descr) else {
            throw InputError("\(name): dtype \(descr.prefix(20)) does not match --format \(format) (expected \(accepted.joined(separator: " or ")))")
        }
        let shapeTrimmed = shapeText.trimmingCharacters(in: .whitespaces)
        guard shapeTrimmed.hasPrefix("("), shapeTrimmed.hasSuffix(")") else { throw InputError("\(name): malformed .npy shape \(shapeText.prefix(40))") }
        let inner = shapeTrimmed.dropFirst().dropLast()
        var shape: [Int] = []
        var product = 1
        let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
        // A Python tuple: "()" or "(n,)" or "(a, b, …)"; "(5)" is the integer 5, not a shape.
        if parts.count == 1 && !parts[0].trimmingCharacters(in: .whitespaces).isEmpty {
            throw InputError("\(name): malformed .npy shape \(shapeText.prefix(40)) (a tuple needs a comma: (n,))")
        }
        for (i, part) in parts.enumerated() {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty && i == parts.count - 1 && i > 0 { continue } // the trailing comma of (n,)
            guard !t.isEmpty, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), t.utf8.count <= 18, let n = Int(t) else {
                if t.isEmpty && parts.count == 1 { continue } // () : a scalar
                throw InputError("\(name): malformed .npy shape \(shapeText.prefix(40))")
            }
            let (p, overflow) = product.multipliedReportingOverflow(by: n)
            guard !overflow, p <= FileLimits.npyElements else {
                throw InputError("\(name): .npy shape \(shapeText.prefix(40)) declares more than 2^48 elements")
            }
            product = p
            shape.append(n)
        }
        guard shape.count <= 64 else { throw InputError("\(name): .npy shape with \(shape.count) dimensions (NumPy allows 64)") }
        encoding = .npy(descr: descr, shape: shape)
        remaining = product
        total = product
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
    public func next(maximum: Int) throws -> [UInt64] {
        precondition(maximum > 0, "NumericReader.next(maximum:) needs a positive maximum")
        switch encoding {
        case .npy: return try nextNPY(maximum: arity == 1 ? maximum : max(arity, maximum - maximum % arity))
        case .text(let bits): return try nextText(maximum: maximum, bits: bits)
        }
    }

    private func nextNPY(maximum: Int) throws -> [UInt64] {
        let width = format.byteWidth
        let count = min(maximum, remaining)
        if count == 0 {
            try fill(minimum: 1)
            if available > 0 { throw InputError("\(name): bytes after the last element (header shape is wrong)") }
            return []
        }
        try fill(minimum: count * width)
        guard available >= count * width else {
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
        if format.bitWidth < 8 * width, let i = values.firstIndex(where: { $0 & ~format.allBitsMask != 0 }) {
            throw InputError("\(name): element \(total - remaining + i) is 0x\(String(values[i], radix: 16)), not a bit pattern of \(format) (\(format.bitWidth) bits)")
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
            let text = line.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            if text.isEmpty || text.hasPrefix("#") { continue }
            if arity > 1 {
                // Values apart by spaces or tabs, or by one comma (spaces around it allowed): `a b`, `a,b`.
                let fields = text.contains(",")
                    ? text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))[...] }
                    : text.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard fields.count == arity, !fields.contains(where: \.isEmpty) else {
                    throw InputError("\(name):\(lineNumber): pairs are two values apart by spaces or one comma ('a b' or 'a,b'), got '\(String(text.prefix(60)).map { $0.isASCII && !$0.isWhitespace || $0 == " " ? String($0) : "?" }.joined())'")
                }
                for field in fields {
                    guard let value = bits ? format.bitPattern(field) : format.parseValue(String(field)) else {
                        let shown = String(decoding: field.utf8.prefix(60).map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
                        throw InputError("\(name):\(lineNumber): cannot read '\(shown)' as \(bits ? "a bit pattern" : "a value") of \(format)")
                    }
                    values.append(value)
                }
                continue
            }
            guard let value = bits ? format.bitPattern(text) : format.parseValue(text) else {
                let what = bits ? "a bit pattern of \(format)" : "a value of \(format)\(format.isNarrow ? " (within ±\(format.shortestDecimal(format.largestFinite)))" : "")"
                let shown = String(decoding: text.utf8.prefix(60).map { $0 < 0x20 || $0 == 0x7f ? UInt8(ascii: "?") : $0 }, as: UTF8.self)
                throw InputError("\(name):\(lineNumber): cannot read '\(shown)' as \(what)")
            }
            values.append(value)
        }
        return values
    }

    private func nextLine() throws -> String? {
        var searched = start
        while true {
            if let newline = bytes[searched...].firstIndex(of: 0x0A) {
                guard newline - start <= FileLimits.textLine else { throw longLine() }
                let line = bytes[start..<newline]
                start = newline + 1
                return try decodeLine(line)
            }
            guard available <= FileLimits.textLine else { throw longLine() }
            if atEOF {
                if available == 0 { return nil }
                let line = bytes[start...]
                start = bytes.count
                return try decodeLine(line)
            }
            searched = available
            try fill(minimum: available + 1)
            searched += start
        }
    }

    private func longLine() -> InputError {
        InputError("\(name):\(lineNumber + 1): line longer than \(FileLimits.textLine) bytes (not one value per line)")
    }

    private func decodeLine(_ data: ArraySlice<UInt8>) throws -> String {
        guard var s = String(bytes: data, encoding: .utf8) else {
            throw InputError("\(name):\(lineNumber + 1): not UTF-8 text")
        }
        if s.hasSuffix("\r") { s.removeLast() }
        return s
    }

    /// Every value to the end (tests and fuzzing; the commands stream with `next`).
    public func readAll(chunk: Int = 1 << 16) throws -> [UInt64] {
        var all: [UInt64] = []
        while true {
            let values = try next(maximum: chunk)
            if values.isEmpty { return all }
            all += values
        }
    }
}

extension FloatFormat {
    /// A bit pattern of this format written as `0x` and 1 to width/4 hex digits, or as a decimal
    /// integer; nothing else (no sign, no spaces, no underscores, no wider values).
    public func bitPattern(_ text: some StringProtocol) -> UInt64? {
        let utf8 = Array(text.utf8)
        let value: UInt64?
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0"), utf8[1] | 0x20 == UInt8(ascii: "x") {
            let digits = utf8[2...]
            guard digits.count <= 16, digits.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) })
            else { return nil }
            value = UInt64(String(decoding: digits, as: UTF8.self), radix: 16)
        } else {
            guard !utf8.isEmpty, utf8.count <= 20, utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            value = UInt64(String(decoding: utf8, as: UTF8.self))
        }
        guard let value, value & ~allBitsMask == 0 else { return nil }
        return value
    }

    /// A decimal or hex float, correctly rounded to the format; nan and ±inf by name. Only ASCII
    /// letters, digits, '.', '+' and '-' (no NUL or other control character can end it early).
    public func parseValue(_ text: String) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 1_000, text.utf8.allSatisfy({ c in
            (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7a) || c == UInt8(ascii: ".") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-")
        }) else { return nil }
        var body = Substring(text.lowercased())
        var negative = false
        if let first = body.first, first == "+" || first == "-" {
            negative = first == "-"
            body = body.dropFirst()
        }
        switch body {
        case "nan": return hasNaN ? nan(negative: negative) : nil
        case "inf", "infinity": return hasInfinity ? infinity(negative: negative) : nil
        default: break
        }
        // binary32 and binary64: strtof/strtod round decimal and hex text correctly, and fast.
        if self == .f32, body.first?.isNumber == true || body.first == ".", let v = Float(text) { return UInt64(v.bitPattern) }
        if self == .f64, body.first?.isNumber == true || body.first == ".", let v = Double(text) { return v.bitPattern }
        guard let number = try? ExactNumber(parsing: text), number.denominator == "1" else { return nil }
        return roundingWithinRange(number)
    }

    /// The shortest decimal that reads back (correctly rounded) as exactly these bits; `nan`,
    /// `inf`, `-inf`, `-0.0` as Swift prints them.
    public func shortestDecimal(_ bits: UInt64) -> String {
        switch self {
        case .f32: return Float(formatBits: bits).description
        case .f64: return Double(formatBits: bits).description
        case .f16, .bf16, .e4m3fn, .e5m2, .e4m3fnuz, .e5m2fnuz, .e2m3, .e3m2, .e2m1:
            if isNaN(bits) { return "nan" }
            if isInfinite(bits) { return isNegative(bits) ? "-inf" : "inf" }
            let value = doubleValue(bits)
            if value == 0 { return isNegative(bits) ? "-0.0" : "0.0" }
            // The narrow formats' values are short exact decimals; a shorter one could lie beyond
            // the largest finite and read back only through saturation (e2m3's 7.5 as "8").
            if isNarrow { return value.description }
            for digits in 1...17 {
                let text = String(format: "%.\(digits)g", value)
                if let back = try? ExactNumber(parsing: text), rounding(back) == bits { return text }
            }
            return String(value)
        }
    }
}

/// Writes values of one format in bounded chunks to an output of an `OutputFiles` transaction
/// (or to standard output); the caller commits or discards the transaction.
public final class NumericWriter {
    public let format: FloatFormat
    public let encoding: NumericEncoding
    private let handle: FileHandle
    private let name: String
    private var pending = Data()

    /// `path` nil or "-": standard output.
    public init(path: String?, option: String = "--output", files: OutputFiles, format: FloatFormat, encoding: NumericEncoding) throws {
        self.format = format
        self.encoding = encoding
        if let path, path != "-" {
            handle = try files.create(path, option: option)
            name = path
        } else {
            handle = .standardOutput
            name = "<stdout>"
        }
        if case .npy(let descr, let shape) = encoding { pending.append(Self.npyHeader(descr: descr, shape: shape)) }
    }

    /// A NumPy header: version 1.0, or 2.0 when the header does not fit in 65,535 bytes.
    public static func npyHeader(descr: String, shape: [Int]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        func pad(after prefix: Int) -> String {
            dict + String(repeating: " ", count: (64 - (prefix + dict.utf8.count + 1) % 64) % 64) + "\n"
        }
        var data = Data([0x93] + Array("NUMPY".utf8))
        var padded = pad(after: 10)
        if padded.utf8.count <= 65_535 {
            data.append(contentsOf: [1, 0, UInt8(padded.utf8.count & 0xFF), UInt8(padded.utf8.count >> 8)])
        } else {
            padded = pad(after: 12)
            data.append(contentsOf: [2, 0] + (0..<4).map { UInt8(truncatingIfNeeded: padded.utf8.count >> (8 * $0)) })
        }
        data.append(contentsOf: Array(padded.utf8))
        return data
    }

    public func write(_ values: [UInt64]) throws {
        switch encoding {
        case .npy:
            let width = format.byteWidth
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
        do { try handle.write(contentsOf: pending) } catch {
            throw InputError("\(name): cannot write (\(OutputFiles.reason(error)))")
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Writes what is still buffered (the transaction's commit puts the file in place).
    public func finish() throws { try flush() }
}
