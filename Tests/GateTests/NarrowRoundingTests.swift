import ActivationCatalog
import ActivationKernels
import ActivationVerification
import Testing

/// The kernels' fast Double → binary16 and Double → bfloat16 roundings (round to odd through
/// Float, then to nearest even; element by element and in lanes) against `FloatFormat.rounding`, the bit-level rounding written
/// from the format's definition: random Doubles across and beyond each format's range, and the
/// hard ones — exact midpoints between neighbours and a Double ulp either side of them.
@Suite("Fast binary16 and bfloat16 rounding")
struct NarrowRoundingTests {
    static func doubles(_ format: FloatFormat) -> [Double] {
        var rng = SplitMix64(seed: 20_261_202)
        var out: [Double] = [0, -0.0, .infinity, -.infinity, 0x1p-200, -0x1p-200, 0x1p200, .greatestFiniteMagnitude]
        for _ in 0..<200_000 { // exponents −40 … 20 cover both formats' subnormals and f16's overflow
            let e = Int(rng.next() % 61) - 40
            let v = Double(sign: rng.next() & 1 == 0 ? .plus : .minus, exponent: e, significand: 1 + Double(rng.next() >> 12) * 0x1p-52)
            out.append(v)
        }
        // Midpoints of every pair of neighbours among positive values of the format, and ±1 Double ulp.
        for bits in stride(from: UInt64(0), to: format.exponentMask, by: 7) {
            let a = format.doubleValue(bits), b = format.doubleValue(bits + 1)
            guard a.isFinite, b.isFinite else { continue }
            let mid = (a + b) / 2 // exact in Double
            out += [mid, mid.nextUp, mid.nextDown, -mid, -mid.nextUp, -mid.nextDown]
        }
        return out
    }

    @Test func float16MatchesDefinition() {
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        var wrong: [String] = []
        for v in Self.doubles(.f16) where UInt64(Float16(roundingDouble: v).bitPattern) != FloatFormat.f16.rounding(v) {
            wrong.append("\(v): \(Float16(roundingDouble: v)), expected bits \(FloatFormat.f16.rounding(v))")
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first \(wrong.first ?? "")")
        #endif
    }

    /// The lane form the binary16/bfloat16 buffer loops use (`KernelElement.round`).
    @Test func lanesMatchDefinition() {
        func check<T: KernelElement & FloatFormatRepresentable>(_: T.Type) {
            let format = T.floatFormat
            let doubles = Self.doubles(format) + [.nan, -.nan, 0x1p-1074, -0x1p-1074, 65520, 65519.99, -65520, 0x1.fffffep127, 0x1.ffffffp127]
            var out = [T](repeating: T(roundingDouble: 0), count: doubles.count)
            doubles.withUnsafeBufferPointer { d in out.withUnsafeMutableBufferPointer { T.round(d, into: $0) } }
            var wrong: [String] = []
            for (v, r) in zip(doubles, out) {
                let expected = format.rounding(v)
                if r.formatBits != expected && !(v.isNaN && format.isNaN(r.formatBits)) {
                    wrong.append("\(v): bits \(format.hexBits(r.formatBits)), expected \(format.hexBits(expected))")
                }
            }
            #expect(wrong.isEmpty, "\(format): \(wrong.count) wrong, first \(wrong.first ?? "")")
        }
        check(BFloat16.self)
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        check(Float16.self)
        #endif
    }

    /// Large binary16/bfloat16 buffers are table lookups (tables built by the lane loops); the
    /// lanes themselves run small buffers. Same bits (NaN payloads aside), value and derivative,
    /// in place too.
    @Test(arguments: [Activation.gelu, .sigmoid, .hardSwish, .leakyReLU, .mish])
    func tablesMatchLanes(_ activation: Activation) {
        func check<T: KernelElement & FloatFormatRepresentable>(_: T.Type) {
            let kernel = Kernel(activation)
            let all = (0..<65_536).map { T(formatBits: UInt64($0)) }
            for derivative in [false, true] {
                let table = derivative ? kernel.derivative(all) : kernel.forward(all) // builds the table
                var lanes: [T] = []
                for start in stride(from: 0, to: all.count, by: 1_000) { // below the table's threshold
                    let chunk = Array(all[start..<min(start + 1_000, all.count)])
                    lanes += derivative ? kernel.derivative(chunk) : kernel.forward(chunk)
                }
                var inPlace = all
                inPlace.withUnsafeMutableBufferPointer { b in
                    derivative ? kernel.derivative(UnsafeBufferPointer(b), into: b) : kernel.forward(UnsafeBufferPointer(b), into: b)
                }
                let format = T.floatFormat
                func same(_ a: T, _ b: T) -> Bool { // any NaN matches any NaN (the ULP rules)
                    a.formatBits == b.formatBits || (format.isNaN(a.formatBits) && format.isNaN(b.formatBits))
                }
                let differ = (0..<all.count).filter { !same(table[$0], lanes[$0]) || !same(inPlace[$0], table[$0]) }
                #expect(differ.isEmpty, "\(activation) \(T.floatFormat) derivative \(derivative): \(differ.count) differ, first at bits \(differ.first ?? 0)")
            }
        }
        check(BFloat16.self)
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        check(Float16.self)
        #endif
    }

    @Test func bfloat16MatchesDefinition() {
        var wrong: [String] = []
        for v in Self.doubles(.bf16) where UInt64(BFloat16(roundingDouble: v).bitPattern) != FloatFormat.bf16.rounding(v) {
            wrong.append("\(v): bits \(BFloat16(roundingDouble: v).bitPattern), expected bits \(FloatFormat.bf16.rounding(v))")
        }
        #expect(wrong.isEmpty, "\(wrong.count) wrong, first \(wrong.first ?? "")")
    }
}
