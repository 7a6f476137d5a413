import CSHA256

/// SHA-256 (FIPS 180-4), streaming: for the digest of an exhaustive run's outputs. Checked against
/// the FIPS test vectors and Python's hashlib in the tests.
///
/// Hand-written rather than apple/swift-crypto's `SHA256`: only this one hash is needed, and
/// swift-crypto's clean debug build (BoringSSL's C sources included) took 113 s of CPU here (203 s
/// wall on the loaded 2-core machine, 2026-12-06) — time every CI run pays on its fresh clone, in
/// each of its four builds. The compression function is `CSHA256`'s: the x86 SHA extensions when the
/// CPU has them (~1.5 GB/s per core here), portable rounds otherwise; this type pads and buffers.
package struct SHA256 {
    package init() {}
    /// Whether whole blocks use the SHA extensions (false: the portable rounds); tests compare both.
    package var useExtensions = SHA256.extensionsAvailable
    package static let extensionsAvailable = ao_sha256_ni_available() == 1
    private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    package mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        length &+= UInt64(bytes.count)
        // Whole blocks straight from contiguous input (an exhaustive run hashes 16 GiB); the rest
        // through the buffer.
        let direct: Int? = buffer.isEmpty ? bytes.withContiguousStorageIfAvailable { p in
            let blocks = p.count / 64
            compressBlocks(UnsafeRawBufferPointer(p), blocks)
            buffer.append(contentsOf: p[(blocks * 64)...])
            return p.count
        } : nil
        guard direct == nil else { return }
        buffer.append(contentsOf: bytes)
        let blocks = buffer.count / 64
        guard blocks > 0 else { return }
        let copy = buffer
        copy.withUnsafeBytes { p in compressBlocks(p, blocks) }
        buffer.removeFirst(blocks * 64)
    }

    package mutating func finalize() -> String {
        let bits = length &* 8
        var tail: [UInt8] = [0x80]
        while (buffer.count + tail.count) % 64 != 56 { tail.append(0) }
        for i in (0..<8).reversed() { tail.append(UInt8(truncatingIfNeeded: bits >> UInt64(8 * i))) }
        let saved = length
        update(tail)
        length = saved
        return state.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    private mutating func compressBlocks(_ p: UnsafeRawBufferPointer, _ blocks: Int) {
        guard blocks > 0, let base = p.baseAddress else { return }
        let extensions: Int32 = useExtensions ? 1 : 0
        state.withUnsafeMutableBufferPointer { ao_sha256_blocks($0.baseAddress!, base.assumingMemoryBound(to: UInt8.self), blocks, extensions) }
    }
}
