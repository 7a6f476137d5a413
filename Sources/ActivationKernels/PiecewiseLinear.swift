import ActivationCatalog

/// A function that is linear between kinks: relu, relu6, leaky-relu, prelu, rrelu, hard-sigmoid,
/// hard-tanh, hard-shrink, soft-shrink, threshold, thresholded-relu, step. One table drives both
/// the scalar path and the SIMD path, so they agree bit for bit.
public struct PiecewiseLinearKernel: ActivationKernel {
    public static var isVectorized: Bool { true }
    /// slope·(x − anchor) + offset, or `offset` alone when the slope is 0 (an exact value: +0 stays +0).
    public struct Piece: Sendable {
        public var slope: Double
        public var anchor: Double
        public var offset: Double
        public static func constant(_ value: Double) -> Piece { Piece(slope: 0, anchor: 0, offset: value + 0) }
        /// slope·(x − anchor): the offset is −0, the additive identity that keeps −0 (leaky(−0) = −0).
        public static func line(_ slope: Double, through anchor: Double = 0, plus offset: Double = -0.0) -> Piece {
            Piece(slope: slope, anchor: anchor, offset: offset == 0 ? -0.0 : offset)
        }
        @inlinable func callAsFunction(_ x: Double) -> Double { slope == 0 ? offset : slope * (x - anchor) + offset }
        @inlinable func callAsFunction(_ x: SIMD4<Double>) -> SIMD4<Double> {
            slope == 0 ? SIMD4(repeating: offset) : slope * (x - anchor) + offset
        }
    }

    /// What f takes at a kink: one side's piece, or a value of its own (step at 0).
    public enum AtKink: Sendable {
        case side(Side)
        case value(Double)
    }

    let kinks: [Double]
    let pieces: [Piece]
    let valueAtKinks: [AtKink]
    let derivativeAtKinks: [Side]
    let lanes: PiecewiseLanes

    public init(kinks: [Double], pieces: [Piece], valueAtKinks: [AtKink], derivativeAtKinks: [Side]) {
        precondition(pieces.count == kinks.count + 1 && valueAtKinks.count == kinks.count && derivativeAtKinks.count == kinks.count)
        self.kinks = kinks
        self.pieces = pieces
        self.valueAtKinks = valueAtKinks
        self.derivativeAtKinks = derivativeAtKinks
        self.lanes = PiecewiseLanes(PiecewiseLinearKernel(unflattened: kinks, pieces, valueAtKinks, derivativeAtKinks))
    }

    private init(unflattened kinks: [Double], _ pieces: [Piece], _ valueAtKinks: [AtKink], _ derivativeAtKinks: [Side]) {
        self.kinks = kinks
        self.pieces = pieces
        self.valueAtKinks = valueAtKinks
        self.derivativeAtKinks = derivativeAtKinks
        self.lanes = PiecewiseLanes.empty
    }

    public func value(_ x: Double) -> Double { evaluate(x, derivative: false) }
    public func derivative(_ x: Double) -> Double { evaluate(x, derivative: true) }

    @inline(__always) func piece(_ i: Int, _ x: Double, derivative: Bool) -> Double {
        derivative ? pieces[i].slope : pieces[i](x)
    }

    @inline(__always) func atKink(_ i: Int, _ x: Double, derivative: Bool) -> Double {
        if derivative { return piece(derivativeAtKinks[i] == .left ? i : i + 1, x, derivative: true) }
        switch valueAtKinks[i] {
        case .side(let side): return piece(side == .left ? i : i + 1, x, derivative: false)
        case .value(let v): return v
        }
    }

    func evaluate(_ x: Double, derivative: Bool) -> Double {
        if x.isNaN { return x }
        for i in kinks.indices {
            if x < kinks[i] { return piece(i, x, derivative: derivative) }
            if x == kinks[i] { return atKink(i, x, derivative: derivative) }
        }
        return piece(kinks.count, x, derivative: derivative)
    }

    /// The same, lane by lane, with selects only: from the rightmost piece leftwards, lanes below a
    /// kink take the piece left of it, lanes on it the kink's choice; NaN lanes stay NaN.
    @inline(__always) public func evaluate(_ x: SIMD4<Double>, derivative: Bool) -> SIMD4<Double>? {
        lanes.evaluate(x, derivative: derivative)
    }
}

extension PiecewiseLanes {
    static let empty = PiecewiseLanes(kinkCount: 0, k: (0, 0), slope: (0, 0, 0), anchor: (0, 0, 0), offset: (0, 0, 0),
                                      constant: (true, true, true), valueChoice: (0, 0), kinkValue: (0, 0),
                                      derivativeRight: (false, false))
}

/// The table flattened into stored scalars (at most 2 kinks, 3 pieces; every entry fits), so the
/// lane loop is arithmetic and selects with loop-invariant operands.
struct PiecewiseLanes: Sendable {
    var kinkCount: Int
    var k: (Double, Double)
    var slope: (Double, Double, Double)
    var anchor: (Double, Double, Double)
    var offset: (Double, Double, Double)
    var constant: (Bool, Bool, Bool)
    /// Per kink, the value there: 0 = left piece, 1 = right piece, 2 = `kinkValue`.
    var valueChoice: (Int, Int)
    var kinkValue: (Double, Double)
    var derivativeRight: (Bool, Bool)

    init(kinkCount: Int, k: (Double, Double), slope: (Double, Double, Double), anchor: (Double, Double, Double),
         offset: (Double, Double, Double), constant: (Bool, Bool, Bool), valueChoice: (Int, Int),
         kinkValue: (Double, Double), derivativeRight: (Bool, Bool)) {
        (self.kinkCount, self.k, self.slope, self.anchor, self.offset) = (kinkCount, k, slope, anchor, offset)
        (self.constant, self.valueChoice, self.kinkValue, self.derivativeRight) = (constant, valueChoice, kinkValue, derivativeRight)
    }

    init(_ t: PiecewiseLinearKernel) {
        precondition(t.kinks.count <= 2, "piecewise-linear lanes hold at most 2 kinks")
        kinkCount = t.kinks.count
        func kink(_ i: Int) -> Double { i < t.kinks.count ? t.kinks[i] : .infinity }
        func piece(_ i: Int) -> PiecewiseLinearKernel.Piece { t.pieces[min(i, t.pieces.count - 1)] }
        k = (kink(0), kink(1))
        slope = (piece(0).slope, piece(1).slope, piece(2).slope)
        anchor = (piece(0).anchor, piece(1).anchor, piece(2).anchor)
        offset = (piece(0).offset, piece(1).offset, piece(2).offset)
        constant = (piece(0).slope == 0, piece(1).slope == 0, piece(2).slope == 0)
        func choice(_ i: Int) -> (Int, Double) {
            guard i < t.kinks.count else { return (0, 0) }
            switch t.valueAtKinks[i] {
            case .side(let side): return (side == .left ? 0 : 1, 0)
            case .value(let v): return (2, v)
            }
        }
        valueChoice = (choice(0).0, choice(1).0)
        kinkValue = (choice(0).1, choice(1).1)
        derivativeRight = (t.derivativeAtKinks.first == .right, t.derivativeAtKinks.count > 1 && t.derivativeAtKinks[1] == .right)
    }

    @inline(__always) func piece(_ x: SIMD4<Double>, _ s: Double, _ a: Double, _ o: Double, _ c: Bool, _ d: Bool) -> SIMD4<Double> {
        if d { return SIMD4(repeating: s) }
        return c ? SIMD4(repeating: o) : s * (x - a) + o
    }

    @inline(__always) func evaluate(_ x: SIMD4<Double>, derivative d: Bool) -> SIMD4<Double> {
        let p0 = piece(x, slope.0, anchor.0, offset.0, constant.0, d)
        let p1 = piece(x, slope.1, anchor.1, offset.1, constant.1, d)
        var y = p1
        if kinkCount == 2 {
            let p2 = piece(x, slope.2, anchor.2, offset.2, constant.2, d)
            let k1 = SIMD4(repeating: k.1)
            let at1 = d ? (derivativeRight.1 ? p2 : p1) : (valueChoice.1 == 0 ? p1 : (valueChoice.1 == 1 ? p2 : SIMD4(repeating: kinkValue.1)))
            y.replace(with: p2, where: x .> k1)
            y.replace(with: at1, where: x .== k1)
        }
        let k0 = SIMD4(repeating: k.0)
        let at0 = d ? (derivativeRight.0 ? p1 : p0) : (valueChoice.0 == 0 ? p0 : (valueChoice.0 == 1 ? p1 : SIMD4(repeating: kinkValue.0)))
        y.replace(with: p0, where: x .< k0)
        y.replace(with: at0, where: x .== k0)
        y.replace(with: x, where: x .!= x)
        return y
    }
}

extension PiecewiseLinearKernel {
    /// The table of each piecewise-linear entry (nil for the others).
    static func table(_ activation: Activation, _ c: KernelConfiguration) -> PiecewiseLinearKernel? {
        let sides = c.derivativeSides
        let continuous = [AtKink](repeating: .side(.left), count: c.kinks.count)
        func make(_ pieces: [Piece], _ values: [AtKink]? = nil) -> PiecewiseLinearKernel {
            PiecewiseLinearKernel(kinks: c.kinks, pieces: pieces, valueAtKinks: values ?? continuous, derivativeAtKinks: sides)
        }
        switch activation {
        case .relu: return make([.constant(0), .line(1)])
        case .relu6: return make([.constant(0), .line(1), .constant(6)])
        case .leakyReLU, .prelu: return make([c["alpha"] == 0 ? .constant(0) : .line(c["alpha"]), .line(1)])
        case .rrelu: return make([c["slope"] == 0 ? .constant(0) : .line(c["slope"]), .line(1)])
        case .hardSigmoid: // slope·(x − x₀) from the left kink: no slope·x + offset cancellation near it
            return make([.constant(0), .line(c["slope"], through: c.kink(0)), .constant(1)])
        case .hardTanh: return make([.constant(c["min"]), .line(1), .constant(c["max"])])
        case .hardShrink: return make([.line(1), .constant(0), .line(1)], [.side(.right), .side(.left)])
        case .softShrink:
            return make([.line(1, through: -c["lambda"]), .constant(0), .line(1, through: c["lambda"])])
        case .threshold: return make([.constant(c["value"]), .line(1)], [.side(.left)])
        case .thresholdedReLU: return make([.constant(0), .line(1)], [.side(.left)])
        case .step: return make([.constant(0), .constant(1)], [.value(c["value"] + 0)])
        default: return nil
        }
    }
}
