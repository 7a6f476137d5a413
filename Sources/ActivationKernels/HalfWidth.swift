import ActivationCatalog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// binary16 and bfloat16 converted lane-wise by bit operations, 16 elements per step: eight
/// 32-bit lanes hold element 2k in the low half of lane k and 2k + 1 in the high half (the
/// memory order of 16 `UInt16`s), so the even and the odd elements each fill one `DoubleLanes` with
/// no shuffle. The lanes are `Int32`: comparisons of `UInt32` lanes went lane by lane here.
/// Conversions element by element cost 7–20 ns each here with default flags (Float16's are library
/// calls without F16C); these are a few instructions per lane.
protocol HalfWidthLanes: KernelElement {
    /// The exact values of the 16-bit patterns in the low 16 bits of each lane.
    static func floats(_ bits: SIMD8<Int32>) -> SIMD8<Float>
    /// Each lane rounded to nearest even into this format (NaN quieted, overflow to ±inf), as bits
    /// in the low 16 bits. Correct for Doubles when `f` is the Double rounded to odd
    /// (`roundedToOdd`): Float keeps at least 13 more bits than either format.
    static func bits(roundingToNearest f: SIMD8<Float>) -> SIMD8<Int32>
}

extension HalfWidthLanes {
    /// Eight Doubles rounded once into this format, as bits in the low 16 bits of each lane.
    @inline(__always) static func bits(rounding y: DoubleLanes) -> SIMD8<Int32> { bits(roundingToNearest: y.roundedToOddFloats) }

    /// Eight results y known within 2^−40 relative (the Float lanes' bound, `evaluateForFloat`),
    /// rounded, and the lanes where that decides the correctly rounded result: every real within
    /// 2^−39·|y| of y rounds to the same pattern, so the exact value does too. Undecided (0 in
    /// `decided`, −1 elsewhere) are lanes near a midpoint (at random 2^−28 of binary16 results,
    /// but every result that is exactly one, such as x/2 for tiny x) and infinite results.
    @inline(__always) static func bits(roundingWithin2to40 y: DoubleLanes) -> (bits: SIMD8<Int32>, decided: SIMD8<Int32>) {
        let e = y.magnitude * 0x1p-39
        let low = bits(rounding: y - e), high = bits(rounding: y + e)
        return (high, ((low ^ high) &- 1) &>> 31) // patterns are 16 bits: equal when the xor is 0
    }
}

extension BFloat16: HalfWidthLanes {
    @inline(__always) static func floats(_ bits: SIMD8<Int32>) -> SIMD8<Float> {
        unsafeBitCast(bits &<< 16, to: SIMD8<Float>.self) // the upper half of a Float
    }
    @inline(__always) static func bits(roundingToNearest f: SIMD8<Float>) -> SIMD8<Int32> {
        let b = unsafeBitCast(f, to: SIMD8<Int32>.self)
        let rounded = (b &+ 0x7FFF &+ ((b &>> 16) & 1)) &>> 16 // carries into the exponent, to inf past the largest
        return rounded.blending((b &>> 16) | 0x40, where: (b & 0x7FFF_FFFF).lanes(above: 0x7F80_0000)) & 0xFFFF
    }
}

#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: HalfWidthLanes {
    @inline(__always) static func floats(_ bits: SIMD8<Int32>) -> SIMD8<Float> {
        let a = bits & 0x7FFF, sign = (bits & 0x8000) &<< 16
        // Normal: exponent rebiased by 127 − 15; infinity and NaN: exponent all ones (payload kept);
        // subnormal and zero: the fraction times 2^−24, exact (no Float subnormal operand).
        var f = (a &<< 13) &+ 0x3800_0000
        f = f.blending((a &<< 13) | 0x7F80_0000, where: a.lanes(above: 0x7BFF))
        let small = unsafeBitCast(SIMD8<Float>(a) * 0x1p-24, to: SIMD8<Int32>.self)
        f = f.blending(small, where: a.lanes(below: 0x400))
        return unsafeBitCast(f | sign, to: SIMD8<Float>.self)
    }
    @inline(__always) static func bits(roundingToNearest f: SIMD8<Float>) -> SIMD8<Int32> {
        let b = unsafeBitCast(f, to: SIMD8<Int32>.self)
        let a = b & 0x7FFF_FFFF, sign = (b &>> 16) & 0x8000
        // Normal: rebias, add just under half a unit plus the kept last bit (ties to even), drop 13 bits.
        var r = (a &- 0x3800_0000 &+ 0xFFF &+ ((a &>> 13) & 1)) &>> 13
        r = r.blending(0x7C00, where: a.lanes(above: 0x477F_FFFF)) // ≥ 2^16 (the sum carries 65520 ..< 2^16 to 0x7C00 itself)
        r = r.blending(0x7E00, where: a.lanes(above: 0x7F80_0000))
        // Below 2^−14: |f| + 1/2 rounds |f| to a multiple of 2^−24 (the unit of 1/2's binade) to
        // nearest even; its fraction bits are the subnormal's.
        let half = unsafeBitCast(unsafeBitCast(a, to: SIMD8<Float>.self) + 0.5, to: SIMD8<Int32>.self) &- 0x3F00_0000
        r = r.blending(half, where: a.lanes(below: 0x3880_0000))
        return (r | sign) & 0xFFFF
    }
}
#endif

extension KernelElement {
    /// Each Double rounded once to this format, to nearest with ties to even (NaN quieted,
    /// overflow to ±inf): the rounding the buffer loops apply to their results. binary16 and
    /// bfloat16 take the lane form, eight at a time; other formats `init(roundingDouble:)`.
    public static func round(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Self>) {
        precondition(input.count == output.count, "round: input has \(input.count) elements, output \(output.count)")
        var start = 0
        if Self.self == BFloat16.self { start = roundLanes(BFloat16.self, input, output.assuming(BFloat16.self)) }
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        if Self.self == Float16.self { start = roundLanes(Float16.self, input, output.assuming(Float16.self)) }
        #endif
        for i in start..<input.count { output[i] = Self(roundingDouble: input[i]) }
    }
}

private func roundLanes<H: HalfWidthLanes>(_: H.Type, _ input: UnsafeBufferPointer<Double>, _ output: UnsafeMutableBufferPointer<H>) -> Int {
    guard let src = input.baseAddress.map(UnsafeRawPointer.init), let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
    let n = input.count / 8 * 8
    for i in stride(from: 0, to: n, by: 8) {
        let bits = H.bits(rounding: src.loadUnaligned(fromByteOffset: i &* 8, as: DoubleLanes.self))
        for k in 0..<8 { dst.storeBytes(of: UInt16(truncatingIfNeeded: bits[k]), toByteOffset: (i &+ k) &* 2, as: UInt16.self) }
    }
    return n
}

extension SIMD8 where Scalar == Double {
    /// Each lane rounded to Float with round-to-odd: the lane form of `roundedToOdd(_:)` (same
    /// rule; that function explains it). Not for NaN lanes (their result is some NaN). The Double
    /// masks reach the Float lanes as ±1.0 or 0 through one conversion (narrowing integer lanes
    /// would go element by element).
    @inline(__always) var roundedToOddFloats: SIMD8<Float> {
        let f = SIMD8<Float>(self)
        let back = DoubleLanes(f)
        let toward = DoubleLanes(repeating: 1).replacing(with: -1, where: magnitude .< back.magnitude) // value's side
        let move = unsafeBitCast(SIMD8<Float>(toward.replacing(with: 0, where: back .== self)), to: SIMD8<Int32>.self)
        let fb = unsafeBitCast(f, to: SIMD8<Int32>.self)
        // Inexact (move = ±1.0: bit 29 set), last bit even, f finite: one step of the pattern to
        // value's side (−1 where move < 0).
        var adjust = (move &>> 29) & ~fb & 1
        adjust = adjust.blending(0, where: (fb & 0x7F80_0000).lanes(above: 0x7F7F_FFFF))
        return unsafeBitCast(fb &+ adjust.blending(0 &- adjust, where: move &>> 31), to: SIMD8<Float>.self)
    }
}

/// Masks on these lanes are Int32 vectors, −1 where true and 0 where false, made by arithmetic:
/// comparisons and `replacing(with:where:)` on `SIMD8<Int32>` compiled to a loop over the lanes here.
extension SIMD8 where Scalar == Int32 {
    /// Lanes below `c`, for lanes and `c` in 0..<2^31 (the difference cannot overflow).
    @inline(__always) func lanes(below c: Int32) -> Self { (self &- c) &>> 31 }
    /// Lanes above `c`, likewise.
    @inline(__always) func lanes(above c: Int32) -> Self { (c &- self) &>> 31 }
    /// `other` where `mask` is −1, else self.
    @inline(__always) func blending(_ other: Self, where mask: Self) -> Self { (other & mask) | (self & ~mask) }
    @inline(__always) func blending(_ other: Int32, where mask: Self) -> Self { blending(Self(repeating: other), where: mask) }
    /// True when some lane is nonzero.
    @inline(__always) var anyNonzero: Bool {
        let w = unsafeBitCast(self, to: (UInt64, UInt64, UInt64, UInt64).self)
        return w.0 | w.1 | w.2 | w.3 != 0
    }
}

extension Lanes {
    /// The loops below for the concrete 16-bit formats, each named so that its loop is
    /// specialized (generic over the format, the conversions ran as unspecialized code); 0 for
    /// other element types, which then go one by one.
    static func halfMap<T: KernelElement, K: ActivationKernel>(_ kernel: K, _ input: UnsafeBufferPointer<T>,
                                                               _ output: UnsafeMutableBufferPointer<T>, derivative: Bool) -> Int {
        func run<H: HalfWidthLanes>(_ h: H.Type) -> Int {
            derivative ? halfLoop(kernel, h, input, output, DerivativeQuantity.self) : halfLoop(kernel, h, input, output, ValueQuantity.self)
        }
        if T.self == BFloat16.self { return run(BFloat16.self) }
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        if T.self == Float16.self { return run(Float16.self) }
        #endif
        return 0
    }

    static func halfBackward<T: KernelElement, K: ActivationKernel>(_ kernel: K, _ input: UnsafeBufferPointer<T>, _ grad: UnsafeBufferPointer<T>,
                                                                    _ output: UnsafeMutableBufferPointer<T>) -> Int {
        if T.self == BFloat16.self { return halfBackwardLoop(kernel, BFloat16.self, input, grad, output) }
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        if T.self == Float16.self { return halfBackwardLoop(kernel, Float16.self, input, grad, output) }
        #endif
        return 0
    }

    /// f(x) or f′(x) over binary16 or bfloat16 buffers, 16 elements per step; returns how many
    /// leading elements it did (the scalar loop does the rest).
    @inline(never) static func halfLoop<T: KernelElement, H: HalfWidthLanes, K: ActivationKernel, Q: LaneQuantity>(
        _ kernel: K, _: H.Type, _ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, _: Q.Type
    ) -> Int {
        guard let src = input.baseAddress.map(UnsafeRawPointer.init),
              let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
        let n = input.count / 16 * 16
        var i = 0
        while i < n {
            let x = src.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
            let even = halfResults(kernel, H.self, DoubleLanes(H.floats(x & 0xFFFF)), gradient: nil, derivative: Q.isDerivative)
            let odd = halfResults(kernel, H.self, DoubleLanes(H.floats((x &>> 16) & 0xFFFF)), gradient: nil, derivative: Q.isDerivative)
            var y = even.bits | (odd.bits &<< 16)
            if (~(even.decided & odd.decided)).anyNonzero {
                redo(&y, even.decided, odd.decided) { k in
                    let t = input[i &+ k]
                    return Q.isDerivative ? Kernel.derivative(kernel, t) : Kernel.value(kernel, t)
                }
            }
            dst.storeBytes(of: y, toByteOffset: i &* 2, as: SIMD8<Int32>.self)
            i &+= 16
        }
        return n
    }

    /// gradIn = g·f′(x) over binary16 or bfloat16 buffers, as `halfLoop`.
    @inline(never) static func halfBackwardLoop<T: KernelElement, H: HalfWidthLanes, K: ActivationKernel>(
        _ kernel: K, _: H.Type, _ input: UnsafeBufferPointer<T>, _ grad: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>
    ) -> Int {
        guard let src = input.baseAddress.map(UnsafeRawPointer.init), let g = grad.baseAddress.map(UnsafeRawPointer.init),
              let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
        let n = input.count / 16 * 16
        var i = 0
        while i < n {
            let x = src.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
            let gx = g.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
            let even = halfResults(kernel, H.self, DoubleLanes(H.floats(x & 0xFFFF)), gradient: DoubleLanes(H.floats(gx & 0xFFFF)), derivative: true)
            let odd = halfResults(kernel, H.self, DoubleLanes(H.floats((x &>> 16) & 0xFFFF)), gradient: DoubleLanes(H.floats((gx &>> 16) & 0xFFFF)), derivative: true)
            var y = even.bits | (odd.bits &<< 16)
            if (~(even.decided & odd.decided)).anyNonzero {
                redo(&y, even.decided, odd.decided) { k in Kernel.backward(kernel, input[i &+ k], grad[i &+ k]) }
            }
            dst.storeBytes(of: y, toByteOffset: i &* 2, as: SIMD8<Int32>.self)
            i &+= 16
        }
        return n
    }

    /// Two 16-bit buffers widened 16 elements per step, in any order (even elements, then odd),
    /// for reductions; returns how many leading elements it did.
    @inline(__always) static func halfPairs<H: HalfWidthLanes>(_: H.Type, _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int,
                                                               _ body: (DoubleLanes, DoubleLanes) -> Void) -> Int {
        let n = count / 16 * 16
        for i in stride(from: 0, to: n, by: 16) {
            let x = a.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
            let y = b.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
            body(DoubleLanes(H.floats(x & 0xFFFF)), DoubleLanes(H.floats(y & 0xFFFF)))
            body(DoubleLanes(H.floats((x &>> 16) & 0xFFFF)), DoubleLanes(H.floats((y &>> 16) & 0xFFFF)))
        }
        return n
    }

    /// The scalar path's results for the elements of a step (0..<16) whose lanes did not decide
    /// them, put into the step's patterns before they are stored (the output may be the input).
    @inline(never) static func redo<T: KernelElement>(_ y: inout SIMD8<Int32>, _ even: SIMD8<Int32>,
                                                      _ odd: SIMD8<Int32>, _ element: (Int) -> T) {
        for k in 0..<8 {
            if even[k] == 0 { y[k] = y[k] & ~0xFFFF | Int32(unsafeBitCast(element(2 &* k), to: UInt16.self)) }
            if odd[k] == 0 { y[k] = y[k] & 0xFFFF | Int32(unsafeBitCast(element(2 &* k &+ 1), to: UInt16.self)) &<< 16 }
        }
    }

    /// Eight results (times `gradient` when given) as 16-bit patterns, and which lanes they decide.
    /// Double lanes of a vectorized kernel are the scalar path's values: rounded once, all decided.
    /// Float lanes (`evaluateForFloat`, relative error < 2^−40; g is exact, so g·f′ is within that
    /// plus 2^−53) decide the lanes `bits(roundingWithin2to40:)` says they do. Undecided lanes and
    /// declined steps go to the scalar path, which breaks those ties.
    @inline(__always) static func halfResults<H: HalfWidthLanes, K: ActivationKernel>(
        _ kernel: K, _: H.Type, _ x: DoubleLanes, gradient: DoubleLanes?, derivative: Bool
    ) -> (bits: SIMD8<Int32>, decided: SIMD8<Int32>) {
        if K.isVectorized, let f = kernel.evaluate(x, derivative: derivative) {
            return (H.bits(rounding: gradient.map { $0 * f } ?? f), SIMD8(repeating: -1))
        }
        if K.hasFloatLanes, let f = kernel.evaluateForFloat(x, derivative: derivative) {
            return H.bits(roundingWithin2to40: gradient.map { $0 * f } ?? f)
        }
        return (SIMD8(), SIMD8())
    }
}

/// A 16-bit format has 65,536 inputs, so a buffer of one can be a table lookup: the table holds
/// f or f′ of every bit pattern, computed once by the lane loops (`halfLoop`, so a lookup gives
/// their bits) and kept with the `Kernel`. Built for a buffer of at least 65,536 elements (the
/// build costs about what that buffer would through the lanes) and used for buffers of at least
/// 1,024 once built; smaller buffers run the lanes. Backward passes keep f′ per pattern
/// (`HalfDerivatives`) under the same rules.
final class HalfTables: @unchecked Sendable { // every access holds `mutex`
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var tables: [Int: [UInt16]] = [:]
    private var derivatives: [Int: HalfDerivatives] = [:]

    init() { pthread_mutex_init(mutex, nil) }
    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// The value or derivative table under `key`, made by `build` when missing and `allowBuild`;
    /// nil otherwise.
    func table(_ key: Int, allowBuild: Bool, _ build: () -> [UInt16]) -> [UInt16]? {
        cached(\.tables, key, allowBuild, build)
    }

    /// The same for a backward pass's f′ table.
    func derivatives(_ key: Int, allowBuild: Bool, _ build: () -> HalfDerivatives) -> HalfDerivatives? {
        cached(\.derivatives, key, allowBuild, build)
    }

    private func cached<V>(_ store: ReferenceWritableKeyPath<HalfTables, [Int: V]>, _ key: Int, _ allowBuild: Bool, _ build: () -> V) -> V? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let t = self[keyPath: store][key] { return t }
        guard allowBuild else { return nil }
        let t = build()
        self[keyPath: store][key] = t
        return t
    }
}

/// f′ of every 16-bit pattern for backward passes (gradIn = g·f′(x) rounded once, as the lane
/// loops round it): `lanes` is what the lane forms give (the Double lanes' f′, or the Float
/// lanes' within 2^−40), `scalar` the scalar path's f′, and `window` marks patterns whose f′ came
/// from the Float lanes, where g·f′ rounds from `lanes` only when that decides it
/// (`Lanes.halfResults`) and from `scalar` otherwise; elsewhere `lanes` is `scalar`.
struct HalfDerivatives: Sendable {
    var lanes: [Double], scalar: [Double], window: [Bool]
    var anyWindow = false
}

/// Builds `HalfDerivatives` for a concrete kernel, eight patterns at a time through the same lane
/// forms as `Lanes.halfResults`.
struct HalfDerivativeTable<H: HalfWidthLanes>: KernelVisitor {
    func visit<K: ActivationKernel>(_ kernel: K) -> HalfDerivatives {
        var t = HalfDerivatives(lanes: [], scalar: [], window: [])
        t.scalar = (0...UInt16.max).map { Kernel.backwardDerivative(kernel, unsafeBitCast($0, to: H.self)) }
        t.lanes = t.scalar
        t.window = [Bool](repeating: false, count: t.scalar.count)
        for base in stride(from: 0, to: t.scalar.count, by: 8) {
            let x = DoubleLanes(H.floats(SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7) &+ Int32(base)))
            if K.isVectorized, kernel.evaluate(x, derivative: true) != nil { continue } // the scalar path's bits
            guard K.hasFloatLanes, let z = kernel.evaluateForFloat(x, derivative: true) else { continue }
            for k in 0..<8 { (t.lanes[base + k], t.window[base + k]) = (z[k], true) }
            t.anyWindow = true
        }
        return t
    }
}

extension Kernel {
    static let halfTableBuildCount = 1 << 16, halfTableUseCount = 1 << 10

    /// f or f′ over a binary16 or bfloat16 buffer: a table lookup when the buffer is large (see
    /// `HalfTables`), else the lane loops.
    func halfMap<H: HalfWidthLanes>(_ input: UnsafeBufferPointer<H>, _ output: UnsafeMutableBufferPointer<H>, derivative: Bool) {
        let n = input.count
        guard n >= Self.halfTableUseCount, let src = input.baseAddress.map(UnsafeRawPointer.init),
              let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else {
            return map(input, output, derivative: derivative)
        }
        let key = (H.self == BFloat16.self ? 0 : 2) + (derivative ? 1 : 0)
        let table = halfTables.table(key, allowBuild: n >= Self.halfTableBuildCount) {
            let all = (0...UInt16.max).map { unsafeBitCast($0, to: H.self) }
            var results = [H](repeating: all[0], count: all.count)
            all.withUnsafeBufferPointer { a in results.withUnsafeMutableBufferPointer { map(a, $0, derivative: derivative) } }
            return results.map { unsafeBitCast($0, to: UInt16.self) }
        }
        guard let table else { return map(input, output, derivative: derivative) }
        table.withUnsafeBufferPointer { t in
            for i in 0..<n { // reads element i before writing it: in place works
                dst.storeBytes(of: t[Int(src.load(fromByteOffset: i &* 2, as: UInt16.self))], toByteOffset: i &* 2, as: UInt16.self)
            }
        }
    }
}

extension Kernel {
    /// g·f′(x) over binary16 or bfloat16 buffers: f′ from a table (`HalfDerivatives`, kept as
    /// `HalfTables` keeps the value tables) when the buffer is large, else the lane loops.
    func halfBackward<H: HalfWidthLanes>(_ input: UnsafeBufferPointer<H>, _ grad: UnsafeBufferPointer<H>, _ output: UnsafeMutableBufferPointer<H>) {
        let n = input.count
        guard n >= Self.halfTableUseCount, let src = input.baseAddress.map(UnsafeRawPointer.init),
              let g = grad.baseAddress.map(UnsafeRawPointer.init), let dst = output.baseAddress.map(UnsafeMutableRawPointer.init),
              let t = halfTables.derivatives(H.self == BFloat16.self ? 0 : 2, allowBuild: n >= Self.halfTableBuildCount, {
                  activation.withKernel(configuration, HalfDerivativeTable<H>())
              })
        else { return backward(input, grad, output) }
        let done = n / 16 * 16
        t.lanes.withUnsafeBufferPointer { lanes in t.scalar.withUnsafeBufferPointer { scalar in t.window.withUnsafeBufferPointer { window in
            /// Eight results from the patterns in `x` (low 16 bits) and gradients `gx`.
            @inline(__always) func gather(_ t: UnsafeBufferPointer<Double>, _ x: SIMD8<Int32>) -> DoubleLanes {
                DoubleLanes(t[Int(x[0])], t[Int(x[1])], t[Int(x[2])], t[Int(x[3])], t[Int(x[4])], t[Int(x[5])], t[Int(x[6])], t[Int(x[7])])
            }
            @inline(__always) func eight(_ x: SIMD8<Int32>, _ gx: SIMD8<Int32>) -> SIMD8<Int32> {
                let gd = DoubleLanes(H.floats(gx))
                let plain = H.bits(rounding: gd * gather(scalar, x))
                guard t.anyWindow else { return plain }
                var w = SIMD8<Int32>()
                for k in 0..<8 where window[Int(x[k])] { w[k] = -1 }
                if !w.anyNonzero { return plain }
                let fromLanes = H.bits(roundingWithin2to40: gd * gather(lanes, x))
                return plain.blending(fromLanes.bits, where: w & fromLanes.decided) // window lanes where the lanes decide
            }
            for i in stride(from: 0, to: done, by: 16) { // reads before it writes: in place works
                let x = src.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
                let gx = g.loadUnaligned(fromByteOffset: i &* 2, as: SIMD8<Int32>.self)
                let even = eight(x & 0xFFFF, gx & 0xFFFF), odd = eight((x &>> 16) & 0xFFFF, (gx &>> 16) & 0xFFFF)
                dst.storeBytes(of: even | (odd &<< 16), toByteOffset: i &* 2, as: SIMD8<Int32>.self)
            }
        } } }
        if done < n { backward(UnsafeBufferPointer(rebasing: input[done...]), UnsafeBufferPointer(rebasing: grad[done...]), UnsafeMutableBufferPointer(rebasing: output[done...])) }
    }
}
