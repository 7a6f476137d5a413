import ActivationCatalog
import ActivationKernels
import ActivationOracle
import ActivationVerification
import Testing

/// The gated units' kernels against the oracle, within `KernelBounds.ulps(_:_:quantity:)`: every
/// edge input of a (the gate's specials, kinks, thresholds) with every edge value of b (±0, ±inf,
/// NaN, ±1, ± least subnormal, ± largest finite, …), then random pairs from a fixed and a fresh
/// seed, in f16, bf16, f32 and f64; the fused backward against the oracle's on the same pairs
/// with gradients drawn from them. binary64 pairs where g(a) is subnormal in binary64 are outside
/// the bound (see `KernelBounds`) and left out, counted.
@Suite("Gated unit kernels within their bounds")
struct GatedKernelGateTests {
    /// Rows of `exhaustive pairs` that once failed: σ′(a) is 1/4 in Double for |a| < 2^−26 while
    /// the exact value lies below, and 1/4·b is a bfloat16 midpoint for every subnormal b ≡ 2 mod
    /// 4 (128 pairs per a; found by a review with `exhaustive pairs glu --wrt a --format bf16
    /// --shard 12844/65536`, 2026-12-07; fixed by SigmoidKernel.derivativeWithTieBreak). Every b.
    @Test func pastFailuresEveryB() throws {
        let f = try GatedFunction(.glu), k = GatedKernel(.glu)
        for a: UInt64 in [0x322c, 0x2b80, 0xb2bf, 0x32bf] {
            let expected = GatedExhaustive.oracleRow(f, .partialA, a: a, format: .bf16)
            let q = k.gateResult(derivative: true, a: a, format: .bf16)
            let bad = (0..<UInt64(65536)).filter { b in
                let got = k.product(q, factor: FloatFormat.bf16.doubleValue(b), format: .bf16)
                return !(got == expected[Int(b)] || (FloatFormat.bf16.isNaN(got) && FloatFormat.bf16.isNaN(expected[Int(b)])))
            }
            #expect(bad.isEmpty, "glu d/da bf16 a=\(FloatFormat.bf16.hexBits(a)): \(bad.count) pairs differ, first b=\(bad.first.map { FloatFormat.bf16.hexBits($0) } ?? "")")
        }
        // The same in float32, where the bound is 1 but the result is correctly rounded now.
        let a = FloatFormat.f32.rounding(1.7864885e-08), b = FloatFormat.f32.rounding(2.585303e-39)
        #expect(k.partialA(a: a, b: b, format: .f32) == f.evaluate(.partialA, a: a, b: b, format: .f32))
    }

    /// `GatedExhaustive.oracleRow` takes shortcuts (one oracle call per class of special b, the side
    /// of q(a) learned once per row); each row here against the oracle asked pair by pair, at every
    /// special b and every b the binary64 box leaves undecided — rows with hundreds of those:
    /// silu(1025) = 1025 − 1025·e^−1025 and gelu(12.5) lie a hair below a representable number,
    /// so every b making a·b a midpoint is undecided.
    @Test func oracleRowShortcutsAgreeWithThePerPairOracle() throws {
        let rows: [(GatedUnit, GatedQuantity, FloatFormat, UInt64)] = [
            (.swiglu, .value, .f16, 0x6401), (.geglu, .value, .f16, FloatFormat.f16.rounding(12.5)),
            (.glu, .partialA, .bf16, 0x3300), (.gegluTanh, .value, .bf16, FloatFormat.bf16.rounding(10.5)),
            (.glu, .partialA, .bf16, 0x2b80), (.reglu, .value, .f16, 0x7e01),
            // relu(a) = a exactly: a·b is exactly a midpoint for many b (a tie to even, no side to learn)
            (.reglu, .value, .f16, 0x0001), (.reglu, .value, .f16, 0x0003), (.reglu, .value, .bf16, 0x0005),
        ]
        for (unit, quantity, format, a) in rows {
            let f = try GatedFunction(unit)
            let row = GatedExhaustive.oracleRow(f, quantity, a: a, format: format)
            let box = f.gateEnclosure(quantity, a: a, format: format)
            var asked = 0
            for b in 0..<UInt64(1 << format.bitWidth) {
                let bv = format.doubleValue(b)
                var undecided = true
                if let box, bv.isFinite, bv != 0 {
                    let p1 = box.lo * bv, p2 = box.hi * bv
                    undecided = format.rounding(min(p1, p2).nextDown) != format.rounding(max(p1, p2).nextUp)
                }
                guard undecided else { continue }
                asked += 1
                let want = f.evaluate(quantity, a: a, b: b, format: format)
                #expect(row[Int(b)] == want, "\(unit) \(quantity) \(format) a=\(format.hexBits(a)) b=\(format.hexBits(b)): row \(format.hexBits(row[Int(b)])), oracle \(format.hexBits(want))")
            }
            // Beyond the special b (NaN, ±inf, ±0): undecided ones, so the learned side is used.
            let specials = format == .f16 ? 2050 : 258
            #expect(asked > specials + (box == nil ? 0 : 20), "\(unit) a=\(format.hexBits(a)): only \(asked) pairs asked")
        }
    }

    @Test(arguments: GatedUnit.allCases)
    func withinBounds(_ unit: GatedUnit) throws {
        let f = try GatedFunction(unit), k = GatedKernel(unit)
        for format in FloatFormat.interchange {
            for seed in [Tier.fixedSeed, Tier.freshSeed] {
                var pairs = GatedGate.pairs(f, format, count: seed == Tier.fixedSeed ? (Tier.deep ? 100_000 : 3_000) : 300, seed: seed)
                if seed != Tier.fixedSeed { pairs.removeFirst(pairs.count - 300) }
                if format == .f64 {
                    let before = pairs.count
                    pairs.removeAll { p in
                        let v = f.gate.evaluate(.value, bits: p.a, format: .f64), d = f.gate.evaluate(.derivative, bits: p.a, format: .f64)
                        let f64 = FloatFormat.f64
                        return f64.isSubnormal(v) || f64.isSubnormal(d) || (unit != .reglu && (f64.isZero(d) || (f64.isZero(v) && !f64.isZero(p.a))))
                    }
                    #expect(pairs.count * 2 >= before, "\(unit): \(before - pairs.count) of \(before) binary64 pairs outside the bound's domain")
                }
                for quantity in GatedQuantity.allCases {
                    let bound = KernelBounds.ulps(unit, format, quantity: quantity)
                    let c = GatedGate.compare(f, quantity, format: format, pairs: pairs, results: GatedGate.kernel(k, quantity, pairs, format), bound: bound)
                    #expect(c.pass, "\(c.text())\nseed \(seed) — replay: ACTIVATION_ORACLE_SEED=\(Tier.freshSeed) swift test --filter GatedKernelGateTests")
                }
                // The fused backward, with gradients 1, −2, 1/2 and values from the pairs' own b.
                var failures: [String] = []
                for (i, p) in pairs.enumerated() where i % 3 == 0 {
                    let g = [format.rounding(1.0), format.rounding(-2.0), format.rounding(0.5), pairs[(i * 7) % pairs.count].b][i % 4]
                    let want = f.backward(a: p.a, b: p.b, gradient: g, format: format), got = k.backward(a: p.a, b: p.b, gradient: g, format: format)
                    for (name, e, a, q) in [("da", want.da, got.da, GatedQuantity.partialA), ("db", want.db, got.db, .value)] {
                        guard let kind = Disagreement.classify(expected: e, actual: a, format: format) else { continue }
                        let bound = KernelBounds.ulps(unit, format, quantity: q) + (format == .f64 ? 1 : 0)
                        if (kind == .finite || kind == .subnormal) && ULP.distance(e, a, format: format) <= bound { continue }
                        failures.append("\(name) a=\(format.hexFloat(p.a)) b=\(format.hexFloat(p.b)) g=\(format.hexFloat(g)): expected \(format.hexFloat(e)), got \(format.hexFloat(a))")
                    }
                }
                #expect(failures.isEmpty, "\(unit) backward \(format): \(failures.count) failures: \(failures.prefix(5))")
            }
        }
    }
}
