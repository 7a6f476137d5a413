import Foundation

/// The engine protocol's framing: what `activation-oracle engine` and the Python package send
/// each other over one long-lived pipe. A frame is a 16-byte head — the magic `AOF1`, the
/// length of a UTF-8 JSON object (UInt32, little-endian) and the length of a binary payload
/// (UInt64, little-endian) — then the JSON, then the payload (bit patterns, little-endian,
/// 2, 4 or 8 bytes each). Binary so that a million float32 cross the pipe as 4 MB in one
/// `write`, not as a million lines. Written here (a dozen lines over `read`/`write`) because no
/// package on this machine frames a blocking pipe without an event loop.
public enum Frames {
    public static let magic: [UInt8] = Array("AOF1".utf8)
    /// The largest JSON part (requests and reports are a few KB; an SVG plot up to ~1 MB).
    public static let maximumJSON = 16 << 20
    /// The largest payload: 2^27 binary64 elements (the Python side sends batches far smaller).
    public static let maximumPayload = 1 << 30

    /// A frame that breaks the protocol (wrong magic, lengths beyond the limits, a stream that
    /// ends inside a frame).
    public struct Malformed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the next frame from `fd`: nil at a clean end of input (between frames).
    public static func read(_ fd: Int32 = 0) throws -> (json: Data, payload: [UInt8])? {
        var head = [UInt8](repeating: 0, count: 16)
        let got = try readFully(fd, &head, 16)
        if got == 0 { return nil }
        guard got == 16 else { throw Malformed(description: "the input ended inside a frame head") }
        guard Array(head[0..<4]) == magic else {
            throw Malformed(description: "a frame does not start with AOF1 (got bytes \(head[0..<4].map { String($0) }.joined(separator: " ")))")
        }
        var jsonLength = 0, payloadLength: UInt64 = 0
        for i in 0..<4 { jsonLength |= Int(head[4 + i]) << (8 * i) }
        for i in 0..<8 { payloadLength |= UInt64(head[8 + i]) << UInt64(8 * i) }
        guard jsonLength <= maximumJSON else { throw Malformed(description: "a frame's JSON part of \(jsonLength) bytes is over \(maximumJSON)") }
        guard payloadLength <= UInt64(maximumPayload) else {
            throw Malformed(description: "a frame's payload of \(payloadLength) bytes is over \(maximumPayload)")
        }
        var json = [UInt8](repeating: 0, count: jsonLength)
        guard try readFully(fd, &json, jsonLength) == jsonLength else { throw Malformed(description: "the input ended inside a frame") }
        var payload = [UInt8](repeating: 0, count: Int(payloadLength))
        guard try readFully(fd, &payload, payload.count) == payload.count else { throw Malformed(description: "the input ended inside a frame") }
        return (Data(json), payload)
    }

    /// Writes one frame to `fd`; false when the other side is gone.
    @discardableResult
    public static func write(_ fd: Int32 = 1, json: Data, payload: [UInt8] = []) -> Bool {
        var head = magic
        for i in 0..<4 { head.append(UInt8(truncatingIfNeeded: json.count >> (8 * i))) }
        for i in 0..<8 { head.append(UInt8(truncatingIfNeeded: UInt64(payload.count) >> UInt64(8 * i))) }
        return Console.writeAll(fd, Data(head) + json) && Console.writeAll(fd, Data(payload))
    }

    /// Bit patterns of `width` bytes each (little-endian) from a payload; nil when its length is
    /// not a multiple of `width`.
    public static func patterns(_ payload: [UInt8], width: Int) -> [UInt64]? {
        guard payload.count % width == 0 else { return nil }
        var out = [UInt64](repeating: 0, count: payload.count / width)
        payload.withUnsafeBytes { raw in
            for i in out.indices {
                var v: UInt64 = 0
                for b in 0..<width { v |= UInt64(raw[i * width + b]) << UInt64(8 * b) }
                out[i] = v
            }
        }
        return out
    }

    /// A payload of `width`-byte little-endian bit patterns.
    public static func payload(_ patterns: [UInt64], width: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: patterns.count * width)
        for (i, v) in patterns.enumerated() {
            for b in 0..<width { out[i * width + b] = UInt8(truncatingIfNeeded: v >> UInt64(8 * b)) }
        }
        return out
    }

    /// Reads up to `count` bytes, retrying short reads; the number read (less only at the end).
    static func readFully(_ fd: Int32, _ buffer: inout [UInt8], _ count: Int) throws -> Int {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { Foundation.read(fd, $0.baseAddress! + done, count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw Malformed(description: "cannot read the input (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            done += n
        }
        return done
    }
}
