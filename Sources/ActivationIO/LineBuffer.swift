import ActivationCatalog
import Foundation

/// Bytes in, lines of bounded length out: the subprocess protocol's line reader on both sides
/// (the client reading a child's answers, `serve` reading the tool's questions).
///
/// Memory stays bounded whatever arrives: a line longer than `maximumLine` bytes is an error as
/// soon as that many bytes without a newline are buffered, not after the whole line was read.
public struct LineBuffer {
    public let maximumLine: Int
    private var bytes: [UInt8] = []
    private var start = 0

    public struct TooLong: Error {}

    public init(maximumLine: Int) { self.maximumLine = maximumLine }

    /// Bytes received and not yet returned as a line.
    public var pendingCount: Int { bytes.count - start }

    /// The bytes not yet returned as a line (for messages).
    public var pending: ArraySlice<UInt8> { bytes[start...] }

    public mutating func append(_ more: some Collection<UInt8>) {
        if start > 0 && start >= bytes.count / 2 { bytes.removeFirst(start); start = 0 }
        bytes.append(contentsOf: more)
    }

    /// The next complete line (without its `\n` and a `\r` before it), nil when no line is
    /// complete yet; `TooLong` when the line exceeds `maximumLine` bytes.
    public mutating func nextLine() throws(TooLong) -> String? {
        guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
            if pendingCount > maximumLine { throw TooLong() }
            return nil
        }
        guard newline - start <= maximumLine else { throw TooLong() }
        var line = String(decoding: bytes[start..<newline], as: UTF8.self)
        start = newline + 1
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }

    /// What is left when the input ended: the last line if it had no newline (nil if nothing).
    public mutating func rest() throws(TooLong) -> String? {
        guard pendingCount > 0 else { return nil }
        guard pendingCount <= maximumLine else { throw TooLong() }
        let line = String(decoding: bytes[start...], as: UTF8.self)
        start = bytes.count
        return line
    }
}

extension FloatFormat {
    /// One result line of the subprocess protocol: `0x` and hex digits of a pattern of this
    /// format, surrounding spaces allowed; nil for anything else.
    public func protocolResult(_ line: String) -> UInt64? {
        let t = line.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("0x") || t.hasPrefix("0X") else { return nil }
        return bitPattern(t)
    }
}
