import ActivationCatalog

/// The element types kernels run on. Each converts to `Double` exactly and rounds back once;
/// `tieBreak` (see `FloatFormat.rounding(_:tieBreak:)`) decides exact midpoints of the narrower
/// formats when the Double dropped a term that is known only by its sign.
public protocol KernelElement: Sendable {
    init(roundingDouble value: Double, tieBreak: Int)
    var doubleValue: Double { get }
}

extension KernelElement {
    public init(roundingDouble value: Double) { self.init(roundingDouble: value, tieBreak: 0) }
}

extension Double: KernelElement {
    public init(roundingDouble value: Double, tieBreak: Int) { self = value }
    public var doubleValue: Double { self }
}
extension Float: KernelElement {
    public init(roundingDouble value: Double, tieBreak: Int) {
        self = tieBreak == 0 ? Float(value) : Float(bitPattern: UInt32(FloatFormat.f32.rounding(value, tieBreak: tieBreak)))
    }
    public var doubleValue: Double { Double(self) }
}
#if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
extension Float16: KernelElement {
    /// Where no tie-break is owed: Double → Float rounded to odd, then Float → Float16 (one
    /// instruction with F16C; no x86 before AVX512-FP16 converts Double → Float16 directly, and
    /// compiler-rt's software conversion cost ~10 ns). NaN and tie-breaks through
    /// `FloatFormat.rounding` (a quiet NaN of the value's sign, as before).
    public init(roundingDouble value: Double, tieBreak: Int) {
        if tieBreak == 0 && !value.isNaN { self.init(roundedToOdd(value)); return }
        self.init(bitPattern: UInt16(FloatFormat.f16.rounding(value, tieBreak: tieBreak)))
    }
    public var doubleValue: Double { Double(Float(self)) }
}
#endif
extension BFloat16: KernelElement {
    /// Where no tie-break is owed: Double → Float rounded to odd, then Float → bfloat16 to nearest
    /// even on the bits. NaN and tie-breaks through `FloatFormat.rounding`.
    public init(roundingDouble value: Double, tieBreak: Int) {
        guard tieBreak == 0 && !value.isNaN else {
            self.init(bitPattern: UInt16(FloatFormat.bf16.rounding(value, tieBreak: tieBreak)))
            return
        }
        let bits = roundedToOdd(value).bitPattern
        self.init(bitPattern: UInt16(truncatingIfNeeded: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16))
    }
    public var doubleValue: Double { Double(floatValue) }
}

/// `value` rounded to a Float with round-to-odd: the nearest Float when exact, else of the two
/// Floats around `value` the one with an odd last bit. Float keeps at least 13 bits more than
/// binary16 and 16 more than bfloat16 at every exponent (their subnormals included), so rounding
/// this Float to nearest even into either gives `value` correctly rounded: the sticky bit stands
/// for everything below. ±inf and overflow stay infinite. Not for NaN.
/// Branch-free (results of kernels are inexact half the time at random: a branch mispredicts):
/// one step of the bit pattern away from zero when |value| > |f|, toward it otherwise, which is
/// the neighbour on value's side (f has value's sign, ±0 included).
@inline(__always) func roundedToOdd(_ value: Double) -> Float {
    let f = Float(value)
    let back = Double(f)
    let adjust: UInt32 = (back != value ? 1 : 0) & ~f.bitPattern & (f.isFinite ? 1 : 0)
    let step: UInt32 = abs(value) > abs(back) ? 1 : 0xFFFF_FFFF
    return Float(bitPattern: f.bitPattern &+ (adjust &* step))
}

/// A configured activation kernel: scalar calls, and loops over contiguous buffers for the forward
/// pass, the derivative, and the backward pass (gradIn = gradOut · f′(x), rounded once).
///
/// Buffers: input and output must have the same length, and the output must either be the input
/// itself (in place) or not overlap it; both are preconditions that stop with a message.
///
/// binary16 and bfloat16 buffers of at least 65,536 elements build a table of every input's result
/// on first use (per format and quantity: 128 KB for f or f′, 1.1 MB of f′ data for backward),
/// shared by copies of the kernel and safe to use from several threads; keep a kernel rather than
/// making one per call to keep its tables.
public struct Kernel: Sendable {
    public let activation: Activation
    public let configuration: KernelConfiguration
    let kernel: any ActivationKernel
    /// Every binary16/bfloat16 result, per format and quantity, once a large buffer asked for it.
    let halfTables = HalfTables()

    /// A kernel from `Double` parameter values (missing ones take the catalog defaults) and a kink
    /// convention. For bit-exact parameters, pass the values the oracle rounds (see `Verification`).
    public init(_ activation: Activation, parameters: [String: Double] = [:], convention: KinkConvention = .pytorch) {
        self.init(activation, configuration: .resolve(activation, parameters: parameters, convention: convention))
    }

    public init(_ activation: Activation, configuration: KernelConfiguration) {
        self.activation = activation
        self.configuration = configuration
        self.kernel = activation.makeKernel(configuration)
    }

    // MARK: Scalars

    /// The quantities whose Float results are computed in Float lanes (see `ExactFloatLanes`).
    public var exactFloatLanes: ExactFloatLanes { kernel.exactFloatLanes }

    public func value<T: KernelElement>(_ x: T) -> T { Self.value(kernel, x) }

    @inline(__always) static func value<T: KernelElement>(_ kernel: some ActivationKernel, _ x: T) -> T {
        let d = x.doubleValue
        if T.self == Float.self, let y = floatLane(kernel, d, derivative: false) { return T(roundingDouble: y) }
        let (v, tie) = doubleResult(kernel, d, derivative: false)
        return T(roundingDouble: v, tieBreak: tie)
    }
    public func derivative<T: KernelElement>(_ x: T) -> T { Self.derivative(kernel, x) }

    @inline(__always) static func derivative<T: KernelElement>(_ kernel: some ActivationKernel, _ x: T) -> T {
        let d = x.doubleValue
        if T.self == Float.self, let y = floatLane(kernel, d, derivative: true) { return T(roundingDouble: y) }
        let (v, tie) = doubleResult(kernel, d, derivative: true)
        return T(roundingDouble: v, tieBreak: tie)
    }

    /// A scalar Float result through the kernel's Float lanes (one lane of eight), so scalar
    /// calls give exactly what buffers give; nil without Float lanes or where they decline.
    @inline(__always) static func floatLane<K: ActivationKernel>(_ kernel: K, _ x: Double, derivative: Bool) -> Double? {
        if kernel.exactFloatLanes.contains(derivative ? .derivative : .value) {
            return Double(kernel.evaluateExactFloat(SIMD4(repeating: Float(x)), derivative: derivative)[0])
        }
        guard K.hasFloatLanes else { return nil }
        return kernel.evaluateFloatResults(DoubleLanes(repeating: x), derivative: derivative)?[0]
    }

    /// f′ in Double for a backward pass over `T`, as the lane loops use it: the kernel's Float
    /// lanes for Float where it has them, else the Double path (the value `derivative(_:)` rounds,
    /// tie-break forms included). Not the exact Float lanes' f′:
    /// that is f′ rounded to Float (leaky-relu's 0.01 becomes 0.01f), and g times it is not the
    /// Double path's product, which those lanes reproduce (`ExactFloatLanes.backward`).
    @inline(__always) static func backwardDerivative<T: KernelElement, K: ActivationKernel>(_ kernel: K, _ x: T) -> Double {
        let d = x.doubleValue
        if T.self == Float.self, K.hasFloatLanes, let y = kernel.evaluateFloatResults(DoubleLanes(repeating: d), derivative: true) {
            return y[0]
        }
        return doubleResult(kernel, d, derivative: true).0 // as `derivative(_:)` takes it
    }

    /// One element of a backward pass: g·f′(x) formed in Double, rounded once.
    @inline(__always) static func backward<T: KernelElement, K: ActivationKernel>(_ kernel: K, _ x: T, _ g: T) -> T {
        T(roundingDouble: g.doubleValue * backwardDerivative(kernel, x))
    }

    /// ∂f/∂parameter where the entry has one (prelu: alpha); nil otherwise.
    public func parameterDerivative<T: KernelElement>(_ x: T, with name: String) -> T? {
        guard activation == .prelu, name == "alpha" else { return nil }
        return T(roundingDouble: Self.alphaDerivative(x.doubleValue))
    }

    /// prelu's ∂f/∂alpha: x for x < 0, else 0 (0 at the kink under every convention).
    static func alphaDerivative(_ x: Double) -> Double { x < 0 ? x : (x.isNaN ? x : 0) }

    // MARK: Buffers

    public func forward<T: KernelElement>(_ input: UnsafeBufferPointer<T>, into output: UnsafeMutableBufferPointer<T>) {
        checkedMap(input, output, derivative: false)
    }

    public func derivative<T: KernelElement>(_ input: UnsafeBufferPointer<T>, into output: UnsafeMutableBufferPointer<T>) {
        checkedMap(input, output, derivative: true)
    }

    // Concrete entry points (the generic ones run the same loops).
    public func forward(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        checkedMap(input, output, derivative: false)
    }
    public func forward(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        checkedMap(input, output, derivative: false)
    }
    public func derivative(_ input: UnsafeBufferPointer<Float>, into output: UnsafeMutableBufferPointer<Float>) {
        checkedMap(input, output, derivative: true)
    }
    public func derivative(_ input: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        checkedMap(input, output, derivative: true)
    }
    public func backward(input: UnsafeBufferPointer<Float>, gradOutput: UnsafeBufferPointer<Float>,
                         into gradInput: UnsafeMutableBufferPointer<Float>) {
        checkedBackward(input: input, gradOutput: gradOutput, into: gradInput)
    }
    public func backward(input: UnsafeBufferPointer<Double>, gradOutput: UnsafeBufferPointer<Double>,
                         into gradInput: UnsafeMutableBufferPointer<Double>) {
        checkedBackward(input: input, gradOutput: gradOutput, into: gradInput)
    }

    /// gradInput[i] = gradOutput[i] · f′(input[i]), the product formed in Double and rounded once.
    public func backward<T: KernelElement>(input: UnsafeBufferPointer<T>, gradOutput: UnsafeBufferPointer<T>,
                                           into gradInput: UnsafeMutableBufferPointer<T>) {
        checkedBackward(input: input, gradOutput: gradOutput, into: gradInput)
    }

    /// The loops run specialized for each element type the package defines: a public generic entry
    /// point is compiled once for every T, with element access and `T.self` tests at run time
    /// (binary16 buffers took 30 ns per element that way), so the formats are named here.
    func checkedMap<T: KernelElement>(_ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, derivative: Bool) {
        Self.checkBuffers(input, output)
        switch T.self {
        case is Float.Type: map(input.assuming(Float.self), output.assuming(Float.self), derivative: derivative)
        case is Double.Type: map(input.assuming(Double.self), output.assuming(Double.self), derivative: derivative)
        case is BFloat16.Type: halfMap(input.assuming(BFloat16.self), output.assuming(BFloat16.self), derivative: derivative)
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        case is Float16.Type: halfMap(input.assuming(Float16.self), output.assuming(Float16.self), derivative: derivative)
        #endif
        default: map(input, output, derivative: derivative)
        }
    }

    func map<T: KernelElement>(_ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, derivative: Bool) {
        activation.withKernel(configuration, MapLoop(input: input, output: output, derivative: derivative))
    }

    func checkedBackward<T: KernelElement>(input: UnsafeBufferPointer<T>, gradOutput: UnsafeBufferPointer<T>,
                                           into gradInput: UnsafeMutableBufferPointer<T>) {
        precondition(gradOutput.count == input.count, "backward: gradOutput has \(gradOutput.count) elements, input \(input.count)")
        Self.checkBuffers(input, gradInput)
        Self.checkBuffers(gradOutput, gradInput)
        switch T.self { // as in `checkedMap`
        case is Float.Type: backward(input.assuming(Float.self), gradOutput.assuming(Float.self), gradInput.assuming(Float.self))
        case is Double.Type: backward(input.assuming(Double.self), gradOutput.assuming(Double.self), gradInput.assuming(Double.self))
        case is BFloat16.Type: halfBackward(input.assuming(BFloat16.self), gradOutput.assuming(BFloat16.self), gradInput.assuming(BFloat16.self))
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        case is Float16.Type: halfBackward(input.assuming(Float16.self), gradOutput.assuming(Float16.self), gradInput.assuming(Float16.self))
        #endif
        default: backward(input, gradOutput, gradInput)
        }
    }

    func backward<T: KernelElement>(_ input: UnsafeBufferPointer<T>, _ gradOutput: UnsafeBufferPointer<T>, _ gradInput: UnsafeMutableBufferPointer<T>) {
        activation.withKernel(configuration, BackwardLoop(input: input, gradOutput: gradOutput, gradInput: gradInput))
    }

    /// prelu's layer gradient: Σ gradOutput[i] · ∂f/∂alpha(input[i]), accumulated in Double
    /// (eight running sums, added at the end; each product is exact for the narrower formats).
    public func parameterGradient<T: KernelElement>(_ name: String, input: UnsafeBufferPointer<T>,
                                                    gradOutput: UnsafeBufferPointer<T>) -> Double? {
        precondition(gradOutput.count == input.count, "parameterGradient: gradOutput has \(gradOutput.count) elements, input \(input.count)")
        guard activation == .prelu, name == "alpha" else { return nil }
        switch T.self { // specialized per format, as in `checkedMap`
        case is Float.Type: return Self.alphaGradient(input.assuming(Float.self), gradOutput.assuming(Float.self))
        case is Double.Type: return Self.alphaGradient(input.assuming(Double.self), gradOutput.assuming(Double.self))
        case is BFloat16.Type: return Self.alphaGradient(input.assuming(BFloat16.self), gradOutput.assuming(BFloat16.self))
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        case is Float16.Type: return Self.alphaGradient(input.assuming(Float16.self), gradOutput.assuming(Float16.self))
        #endif
        default: return Self.alphaGradient(input, gradOutput)
        }
    }

    @inline(never) static func alphaGradient<T: KernelElement>(_ x: UnsafeBufferPointer<T>, _ g: UnsafeBufferPointer<T>) -> Double {
        var sums = DoubleLanes()
        /// g·∂f/∂alpha for eight elements: x where x < 0 (NaN stays), else 0 (so g = ±inf gives NaN,
        /// as the scalar product does).
        @inline(__always) func add(_ x: DoubleLanes, _ g: DoubleLanes) { sums += g * x.replacing(with: 0, where: x .>= 0) }
        var done = 0
        if let xs = x.baseAddress.map(UnsafeRawPointer.init), let gs = g.baseAddress.map(UnsafeRawPointer.init) {
            if T.self == Float.self || T.self == Double.self {
                done = x.count / 8 * 8
                for i in stride(from: 0, to: done, by: 8) {
                    if T.self == Float.self {
                        add(DoubleLanes(xs.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)),
                            DoubleLanes(gs.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)))
                    } else {
                        add(xs.loadUnaligned(fromByteOffset: i &* 8, as: DoubleLanes.self), gs.loadUnaligned(fromByteOffset: i &* 8, as: DoubleLanes.self))
                    }
                }
            } else if T.self == BFloat16.self {
                done = Lanes.halfPairs(BFloat16.self, xs, gs, count: x.count, add)
            } else {
                #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
                if T.self == Float16.self { done = Lanes.halfPairs(Float16.self, xs, gs, count: x.count, add) }
                #endif
            }
        }
        var sum = 0.0
        for k in 0..<8 { sum += sums[k] }
        for j in done..<x.count { sum += g[j].doubleValue * alphaDerivative(x[j].doubleValue) }
        return sum
    }

    public func forward<T: KernelElement>(_ input: [T]) -> [T] {
        [T](unsafeUninitializedCapacity: input.count) { buffer, count in
            input.withUnsafeBufferPointer { forward($0, into: buffer) }
            count = input.count
        }
    }

    public func derivative<T: KernelElement>(_ input: [T]) -> [T] {
        [T](unsafeUninitializedCapacity: input.count) { buffer, count in
            input.withUnsafeBufferPointer { derivative($0, into: buffer) }
            count = input.count
        }
    }

    public func backward<T: KernelElement>(input: [T], gradOutput: [T]) -> [T] {
        [T](unsafeUninitializedCapacity: input.count) { buffer, count in
            input.withUnsafeBufferPointer { x in
                gradOutput.withUnsafeBufferPointer { g in backward(input: x, gradOutput: g, into: buffer) }
            }
            count = input.count
        }
    }

    /// Same length, and the output is the input itself or disjoint from it.
    static func checkBuffers<T>(_ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>) {
        precondition(input.count == output.count,
                     "activation kernel: input has \(input.count) elements, output \(output.count)")
        guard let i = input.baseAddress, let o = output.baseAddress, input.count > 0 else { return }
        let inRange = UnsafeRawPointer(i)..<UnsafeRawPointer(i + input.count)
        let outStart = UnsafeRawPointer(o), outEnd = UnsafeRawPointer(o + output.count)
        let disjoint = outEnd <= inRange.lowerBound || outStart >= inRange.upperBound
        precondition(outStart == inRange.lowerBound || disjoint,
                     "activation kernel: output overlaps input without being the same buffer (in place is fine)")
    }
}

extension KernelConfiguration {
    /// Defaults, derived parameters and kink positions from the catalog, in Double.
    public static func resolve(_ activation: Activation, parameters given: [String: Double],
                               convention: KinkConvention) -> KernelConfiguration {
        let entry = activation.entry
        var values: [String: Double] = [:]
        for spec in entry.parameters {
            values[spec.name] = given[spec.name] ?? spec.defaultValue.approximateValue(values)
        }
        let kinks = entry.firstOrderKinks.map { $0.at.approximateValue(values) }
        let sides = entry.firstOrderKinks.map { $0.side(for: convention) ?? .left }
        return KernelConfiguration(parameters: values, kinks: kinks, derivativeSides: sides)
    }
}

extension ParameterExpression {
    /// The value in Double arithmetic (each literal correctly rounded, each operation once more).
    public func approximateValue(_ parameters: [String: Double]) -> Double {
        switch self {
        case .number(let n): return n.doubleValue
        case .parameter(let name): return parameters[name] ?? .nan
        case .negate(let a): return -a.approximateValue(parameters)
        case .sum(let a, let b): return a.approximateValue(parameters) + b.approximateValue(parameters)
        case .difference(let a, let b): return a.approximateValue(parameters) - b.approximateValue(parameters)
        case .product(let a, let b): return a.approximateValue(parameters) * b.approximateValue(parameters)
        case .quotient(let a, let b): return a.approximateValue(parameters) / b.approximateValue(parameters)
        }
    }
}

extension ExactNumber {
    /// The nearest Double for decimals and binary values (Swift's parser rounds correctly); a
    /// fraction is its two nearest Doubles divided.
    public var doubleValue: Double {
        let sign = negative ? "-" : ""
        let body: String
        if radix == 16 {
            body = "0x\(mantissa)p\(exponent2)"
        } else if exponent2 == 0 {
            body = "\(mantissa)e\(exponent10)"
        } else {
            return approximateValue
        }
        let numerator = Double(sign + body) ?? approximateValue
        return denominator == "1" ? numerator : numerator / (Double(denominator) ?? .nan)
    }
}

/// Something done with a concrete kernel type: buffer loops are visitors, so each is compiled
/// for each kernel and element type.
protocol KernelVisitor {
    associatedtype Result
    func visit<K: ActivationKernel>(_ kernel: K) -> Result
}

struct Existential: KernelVisitor {
    func visit<K: ActivationKernel>(_ kernel: K) -> any ActivationKernel { kernel }
}

extension Activation {
    /// The kernel for each entry. Exhaustive: a catalog entry without a kernel does not compile.
    func withKernel<V: KernelVisitor>(_ c: KernelConfiguration, _ v: V) -> V.Result {
        switch self {
        case .sigmoid: v.visit(SigmoidKernel())
        case .tanh: v.visit(TanhKernel())
        case .relu, .relu6, .leakyReLU, .prelu, .rrelu, .hardSigmoid, .hardTanh, .hardShrink, .softShrink,
             .threshold, .thresholdedReLU, .step:
            v.visit(PiecewiseLinearKernel.table(self, c)!)
        case .elu: v.visit(ExponentialUnitKernel(negativeScale: c["alpha"], positiveScale: 1, inputScale: 1, side: c.side(0)))
        case .selu: v.visit(ExponentialUnitKernel(negativeScale: c["scale"] * c["alpha"], positiveScale: c["scale"], inputScale: 1, side: c.side(0)))
        case .celu: v.visit(ExponentialUnitKernel(negativeScale: c["alpha"], positiveScale: 1, inputScale: 1 / c["alpha"], side: nil))
        case .gelu: v.visit(GELUKernel())
        case .geluTanh: v.visit(GELUTanhKernel())
        case .quickGELU: v.visit(SigmoidGatedKernel(beta: 0x1.b3b645a1cac08p+0, betaTail: 0x1.89374bc6a7efap-55)) // 1.702
        case .silu: v.visit(SigmoidGatedKernel(beta: c["beta"], betaTail: c.parameterTails["beta"] ?? 0))
        case .mish: v.visit(MishKernel())
        case .softplus: v.visit(SoftplusKernel(beta: c["beta"]))
        case .softsign: v.visit(SoftsignKernel())
        case .hardSwish: v.visit(HardSwishKernel(c))
        case .tanhShrink: v.visit(TanhShrinkKernel())
        case .logSigmoid: v.visit(LogSigmoidKernel())
        }
    }

    func makeKernel(_ c: KernelConfiguration) -> any ActivationKernel { withKernel(c, Existential()) }
}

/// out[i] = f(in[i]) or f′(in[i]).
struct MapLoop<T: KernelElement>: KernelVisitor {
    let input: UnsafeBufferPointer<T>
    let output: UnsafeMutableBufferPointer<T>
    let derivative: Bool
    func visit<K: ActivationKernel>(_ kernel: K) {
        var start = 0
        if K.isVectorized || (K.hasFloatLanes && T.self != Double.self) {
            start = Lanes.map(kernel, input, output, derivative: derivative)
        }
        Lanes.oneByOne(kernel, input, output, start..<input.count, derivative: derivative)
    }
}

/// The SIMD loops: 8 elements per step through `DoubleLanes` (for Float, one rounding back), 16
/// for binary16 and bfloat16 (`halfLoop`, HalfWidth.swift), or the kernel's own exact Float loop. They return how many leading elements they did; the scalar
/// loop does the rest, and a step whose lane form declines (nil) is done one by one.
///
/// Each loop is its own small function, specialized per kernel, element type and quantity (a
/// type, so `derivative` is a constant inside): in one larger function holding both quantities,
/// the compiler stopped inlining the kernels' lane forms (a call per step, 1.2–2× slower).
enum Lanes {
    static func map<T: KernelElement, K: ActivationKernel>(_ kernel: K, _ input: UnsafeBufferPointer<T>,
                                                           _ output: UnsafeMutableBufferPointer<T>, derivative: Bool) -> Int {
        if T.self == Float.self, kernel.exactFloatLanes.contains(derivative ? .derivative : .value) {
            guard let src = input.baseAddress, let dst = output.baseAddress else { return 0 }
            let n = input.count / 4 * 4
            kernel.mapExactFloat(UnsafeRawPointer(src), gradient: nil, UnsafeMutableRawPointer(dst), count: n, derivative: derivative)
            return n
        }
        if T.self != Float.self && T.self != Double.self { return halfMap(kernel, input, output, derivative: derivative) }
        return derivative ? loop(kernel, input, output, DerivativeQuantity.self) : loop(kernel, input, output, ValueQuantity.self)
    }

    @inline(never) static func loop<T: KernelElement, K: ActivationKernel, Q: LaneQuantity>(
        _ kernel: K, _ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, _: Q.Type
    ) -> Int {
        guard let src = input.baseAddress.map(UnsafeRawPointer.init),
              let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
        let n = input.count / 8 * 8
        var i = 0
        while i < n { // T is Float or Double (`map` sends the 16-bit formats to `halfLoop`)
            let y: DoubleLanes?
            if T.self == Float.self {
                y = kernel.evaluateFloatResults(DoubleLanes(src.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self)), derivative: Q.isDerivative)
                if let y { dst.storeBytes(of: SIMD8<Float>(y), toByteOffset: i &* 4, as: SIMD8<Float>.self) }
            } else {
                y = kernel.evaluate(src.loadUnaligned(fromByteOffset: i &* 8, as: DoubleLanes.self), derivative: Q.isDerivative)
                if let y { dst.storeBytes(of: y, toByteOffset: i &* 8, as: DoubleLanes.self) }
            }
            if y == nil { oneByOne(kernel, input, output, i..<i + 8, derivative: Q.isDerivative) }
            i &+= 8
        }
        return n
    }

    /// Elements one by one through the scalar path: a step whose lanes declined (out of line, so
    /// the hot loop stays small), the tail after the lanes, or a whole buffer without lanes.
    @inline(never) static func oneByOne<T: KernelElement, K: ActivationKernel>(
        _ kernel: K, _ input: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, _ range: Range<Int>, derivative: Bool
    ) {
        for j in range { output[j] = derivative ? Kernel.derivative(kernel, input[j]) : Kernel.value(kernel, input[j]) }
    }

    static func backward<T: KernelElement, K: ActivationKernel>(_ kernel: K, _ input: UnsafeBufferPointer<T>, _ grad: UnsafeBufferPointer<T>,
                                                                _ output: UnsafeMutableBufferPointer<T>) -> Int {
        if T.self == Float.self, kernel.exactFloatLanes.contains(.backward) {
            guard let src = input.baseAddress.map(UnsafeRawPointer.init), let g = grad.baseAddress.map(UnsafeRawPointer.init),
                  let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
            let n = input.count / 4 * 4
            kernel.mapExactFloat(src, gradient: g, dst, count: n, derivative: true)
            return n
        }
        if T.self != Float.self && T.self != Double.self { return halfBackward(kernel, input, grad, output) }
        return backwardLoop(kernel, input, grad, output) // BackwardLoop comes here for Double only when K.isVectorized
    }

    @inline(never) static func backwardLoop<T: KernelElement, K: ActivationKernel>(
        _ kernel: K, _ input: UnsafeBufferPointer<T>, _ grad: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>
    ) -> Int {
        guard let src = input.baseAddress.map(UnsafeRawPointer.init),
              let g = grad.baseAddress.map(UnsafeRawPointer.init),
              let dst = output.baseAddress.map(UnsafeMutableRawPointer.init) else { return 0 }
        let n = input.count / 8 * 8
        var i = 0
        while i < n {
            if T.self == Double.self { // g·f′ in Double, f′ by the lanes that give the scalar path's bits
                if let d = kernel.evaluate(src.loadUnaligned(fromByteOffset: i &* 8, as: DoubleLanes.self), derivative: true) {
                    dst.storeBytes(of: g.loadUnaligned(fromByteOffset: i &* 8, as: DoubleLanes.self) * d, toByteOffset: i &* 8, as: DoubleLanes.self)
                } else {
                    backwardOneByOne(kernel, input, grad, output, i..<i + 8)
                }
            } else {
                let x = DoubleLanes(src.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
                if let d = K.outOfLineFloatBackward ? floatDerivativeLanes(kernel, x) : kernel.evaluateFloatResults(x, derivative: true) {
                    let gx = DoubleLanes(g.loadUnaligned(fromByteOffset: i &* 4, as: SIMD8<Float>.self))
                    dst.storeBytes(of: SIMD8<Float>(gx * d), toByteOffset: i &* 4, as: SIMD8<Float>.self)
                } else {
                    backwardOneByOne(kernel, input, grad, output, i..<i + 8)
                }
            }
            i &+= 8
        }
        return n
    }

    /// f′ for a Float backward step, out of line (`ActivationKernel.outOfLineFloatBackward`).
    @inline(never) static func floatDerivativeLanes<K: ActivationKernel>(_ kernel: K, _ x: DoubleLanes) -> DoubleLanes? {
        kernel.evaluateFloatResults(x, derivative: true)
    }

    @inline(never) static func backwardOneByOne<T: KernelElement, K: ActivationKernel>(
        _ kernel: K, _ input: UnsafeBufferPointer<T>, _ grad: UnsafeBufferPointer<T>, _ output: UnsafeMutableBufferPointer<T>, _ range: Range<Int>
    ) {
        for j in range { output[j] = Kernel.backward(kernel, input[j], grad[j]) }
    }
}

/// Which quantity a lane loop computes, as a type (so each loop is compiled with it constant).
protocol LaneQuantity { static var isDerivative: Bool { get } }
enum ValueQuantity: LaneQuantity { static var isDerivative: Bool { false } }
enum DerivativeQuantity: LaneQuantity { static var isDerivative: Bool { true } }

/// gradIn[i] = gradOut[i]·f′(x[i]), formed in Double and rounded once.
struct BackwardLoop<T: KernelElement>: KernelVisitor {
    let input: UnsafeBufferPointer<T>
    let gradOutput: UnsafeBufferPointer<T>
    let gradInput: UnsafeMutableBufferPointer<T>
    func visit<K: ActivationKernel>(_ kernel: K) {
        var start = 0
        if K.isVectorized || (K.hasFloatLanes && T.self != Double.self) { start = Lanes.backward(kernel, input, gradOutput, gradInput) }
        Lanes.backwardOneByOne(kernel, input, gradOutput, gradInput, start..<input.count)
    }
}

extension UnsafeBufferPointer {
    /// The same buffer typed as `U`, which must be `Element` itself (a generic caller's T, named).
    @inline(__always) func assuming<U>(_: U.Type) -> UnsafeBufferPointer<U> {
        UnsafeBufferPointer<U>(start: baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: U.self) }, count: count)
    }
}

extension UnsafeMutableBufferPointer {
    /// The same buffer typed as `U`, which must be `Element` itself.
    @inline(__always) func assuming<U>(_: U.Type) -> UnsafeMutableBufferPointer<U> {
        UnsafeMutableBufferPointer<U>(start: baseAddress.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: U.self) }, count: count)
    }
}
