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
        @inlinable func callAsFunction(_ x: SIMD8<Double>) -> SIMD8<Double> {
            slope == 0 ? SIMD8(repeating: offset) : slope * (x - anchor) + offset
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

    public init(kinks: [Double], pieces: [Piece], valueAtKinks: [AtKink], derivativeAtKinks: [Side]) {
        precondition(pieces.count == kinks.count + 1 && valueAtKinks.count == kinks.count && derivativeAtKinks.count == kinks.count)
        self.kinks = kinks
        self.pieces = pieces
        self.valueAtKinks = valueAtKinks
        self.derivativeAtKinks = derivativeAtKinks
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
    public func evaluate(_ x: SIMD8<Double>, derivative: Bool) -> SIMD8<Double> {
        func piece(_ i: Int) -> SIMD8<Double> { derivative ? SIMD8(repeating: pieces[i].slope) : pieces[i](x) }
        var y = piece(kinks.count)
        for i in kinks.indices.reversed() {
            let k = SIMD8<Double>(repeating: kinks[i])
            let at: SIMD8<Double>
            if derivative {
                at = piece(derivativeAtKinks[i] == .left ? i : i + 1)
            } else {
                switch valueAtKinks[i] {
                case .side(let side): at = piece(side == .left ? i : i + 1)
                case .value(let v): at = SIMD8(repeating: v)
                }
            }
            y.replace(with: piece(i), where: x .< k)
            y.replace(with: at, where: x .== k)
        }
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
