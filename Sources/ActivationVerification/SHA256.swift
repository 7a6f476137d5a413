import CSHA256

/// SHA-256 (FIPS 180-4), streaming: for the digest of an exhaustive run's outputs. Checked against
/// the FIPS test vectors and Python's hashlib in the tests.
///
/// Hand-written rather than apple/swift-crypto's `SHA256`: only this one hash is needed, and
/// swift-crypto's clean debug build (BoringSSL's C sources included) took 113 s of CPU here (203 s
/// wall on the loaded 2-core machine, 2026-12-06) — time every CI run pays on its fresh clone, in
/// each of its four builds. Whole blocks go through the x86 SHA extensions when the CPU has them
/// (`CSHA256`, ~1.5 GB/s per core here) and through the Swift rounds below otherwise (~180 MB/s:
/// the bound on `exhaustive recheck`, 16 GiB per certificate, before).
package struct SHA256 {
    package init() {}
    /// Whether whole blocks use the SHA extensions (false: the Swift rounds); tests compare both.
    package var useExtensions = SHA256.extensionsAvailable
    package static let extensionsAvailable = ao_sha256_ni_available() == 1
    private var state: [UInt32] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    private var buffer: [UInt8] = []
    private var length: UInt64 = 0

    private static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

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
        guard blocks > 0 else { return }
        if useExtensions, let base = p.baseAddress {
            state.withUnsafeMutableBufferPointer { ao_sha256_ni_blocks($0.baseAddress!, base.assumingMemoryBound(to: UInt8.self), blocks) }
            return
        }
        for b in 0..<blocks { compress(UnsafeRawBufferPointer(rebasing: p[b * 64..<(b + 1) * 64])) }
    }

    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
            for i in 0..<16 {
                w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
            }
            @inline(__always) func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { x >> n | x << (32 - n) }
            for i in 16..<64 {
                let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
                let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
                w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7])
            Self.k.withUnsafeBufferPointer { k in
                for i in 0..<64 {
                    let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                    let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                    (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
            }
            state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
            state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
        }
    }
}
