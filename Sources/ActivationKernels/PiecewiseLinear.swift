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
    let lanes: PiecewiseLanes<Double>
    let floatLanes: PiecewiseLanes<Float>
    public let exactFloatLanes: ExactFloatLanes

    public init(kinks: [Double], pieces: [Piece], valueAtKinks: [AtKink], derivativeAtKinks: [Side]) {
        precondition(pieces.count == kinks.count + 1 && valueAtKinks.count == kinks.count && derivativeAtKinks.count == kinks.count)
        self.kinks = kinks
        self.pieces = pieces
        self.valueAtKinks = valueAtKinks
        self.derivativeAtKinks = derivativeAtKinks
        let table = PiecewiseLinearKernel(unflattened: kinks, pieces, valueAtKinks, derivativeAtKinks)
        self.lanes = PiecewiseLanes(table, lineForm: .general)
        self.floatLanes = PiecewiseLanes(table, lineForm: Self.floatLineForm(table) ?? .general)
        self.exactFloatLanes = Self.exactFloatQuantities(table)
    }

    private init(unflattened kinks: [Double], _ pieces: [Piece], _ valueAtKinks: [AtKink], _ derivativeAtKinks: [Side]) {
        self.kinks = kinks
        self.pieces = pieces
        self.valueAtKinks = valueAtKinks
        self.derivativeAtKinks = derivativeAtKinks
        self.lanes = .empty
        self.floatLanes = .empty
        self.exactFloatLanes = []
    }

    public func value(_ x: Double) -> Double { evaluate(x, derivative: false) }
    /// slope·(x − anchor) + offset takes up to three roundings in Double, and the result can land
    /// on a midpoint of a narrower output (soft-shrink(1.5·2^84) = 1.5·2^84 − 1/2 is 1.5·2^84 in
    /// Double, a midpoint of e5m2 once scaled by 2^−100): the exact residual of those steps
    /// (TwoSum, fma) says on which side the line's value lies. Only for slopes that are powers of
    /// two (1 for the shrinks and clamps, 1/4 for prelu): a rounded slope (leaky-relu's 0.01,
    /// hard-sigmoid's 1/6) is not the exact one, and its residual would point the wrong way as
    /// often as not (measured: `check --output-format e4m3fn` fails hard-sigmoid with it).
    public func valueWithTieBreak(_ x: Double) -> (Double, Int)? {
        let (i, onKink) = locate(x)
        guard x.isFinite, !onKink else { return nil }
        let p = pieces[i]
        guard p.slope != 0, p.slope.significandBitPattern == 0 else { return nil }
        let (a, e1) = twoSum(x, -p.anchor)
        let m = p.slope * a
        let e2 = (-m).addingProduct(p.slope, a)
        let (v, e3) = twoSum(m, p.offset)
        let residual = p.slope * e1 + e2 + e3
        return (v, residual > 0 ? 1 : (residual < 0 ? -1 : 0))
    }
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
        if x.isNaN { return x + x } // quieted, as the lanes do
        let (i, onKink) = locate(x)
        return onKink ? atKink(i, x, derivative: derivative) : piece(i, x, derivative: derivative)
    }

    /// The piece x lies in, or the kink it sits on (then `i` is the kink's index). Not for NaN.
    @inline(__always) func locate(_ x: Double) -> (i: Int, onKink: Bool) {
        for i in kinks.indices {
            if x < kinks[i] { return (i, false) }
            if x == kinks[i] { return (i, true) }
        }
        return (kinks.count, false)
    }

    /// The same, lane by lane, with selects only: from the rightmost piece leftwards, lanes below a
    /// kink take the piece left of it, lanes on it the kink's choice; NaN lanes stay NaN.
    @inline(__always) public func evaluate(_ x: DoubleLanes, derivative: Bool) -> DoubleLanes? {
        lanes.evaluate(x, derivative: derivative)
    }

    /// The same table in Float lanes, where `exactFloatLanes` allows it: 4 Floats per step at
    /// about the speed of a copy.
    @inline(__always) public func evaluateExactFloat(_ x: SIMD4<Float>, derivative: Bool) -> SIMD4<Float> {
        floatLanes.evaluateInForm(x, derivative: derivative)
    }

    public func mapExactFloat(_ src: UnsafeRawPointer, gradient: UnsafeRawPointer?, _ dst: UnsafeMutableRawPointer,
                              count: Int, derivative: Bool) {
        floatLanes.map(src, gradient, dst, count: count, derivative: derivative)
    }
}

extension PiecewiseLanes {
    static var empty: PiecewiseLanes { PiecewiseLanes() }
}

/// The table flattened into stored scalars (at most 2 kinks, 3 pieces; every entry fits), so the
/// lane loop is arithmetic and selects with loop-invariant operands. `Scalar` is Double for the
/// general path and Float for `ExactFloatLanes` (the same table, each number converted).
///
/// Which piece a kink takes is data, not a branch: lanes with x < `below` take the left piece
/// and lanes with x > `above` the right one, where `below` is the kink or the next number up
/// (the kink takes its left piece: x ≤ k ⇔ x < k⁺) and `above` the kink or the next one down.
struct PiecewiseLanes<Scalar: PiecewiseLaneScalar>: Sendable {
    /// A thresholds pair per quantity: x < below → piece 0, x > above → piece 2 (+inf with one
    /// kink), `at` a kink with a value of its own (NaN: none).
    struct Thresholds: Sendable {
        var below: Scalar = 0, above: Scalar = .infinity, at: Scalar = .nan
    }
    /// The loop shapes the exact Float lanes compile separately (every branch decided outside the
    /// loop); `general` decides per step.
    enum Plan: Sendable { case constantLine, constantLineConstant, lineLine, lineConstantLine, constantsWithValue, general }

    var twoKinks = false
    var slope: (Scalar, Scalar, Scalar) = (0, 0, 0)
    var anchor: (Scalar, Scalar, Scalar) = (0, 0, 0)
    var offset: (Scalar, Scalar, Scalar) = (0, 0, 0)
    var constant: (Bool, Bool, Bool) = (true, true, true)
    var kinkValue: Scalar = 0
    var value = Thresholds(), derivative = Thresholds()
    var plan = Plan.general
    var lineForm = LineForm.general
    /// Per piece, the integer d with slope = 1/d (the `divide` form), 1 elsewhere.
    var divisor: (Scalar, Scalar, Scalar) = (1, 1, 1)
    /// The table's own Double numbers, for the `widened` form (a line computed in Double, as the
    /// Double path computes it).
    var wideSlope: (Double, Double, Double) = (0, 0, 0)
    var wideAnchor: (Double, Double, Double) = (0, 0, 0)
    var wideOffset: (Double, Double, Double) = (0, 0, 0)
    /// Per piece, whether its line is s·x with a Float s (anchor 0, offset −0): the `widened`
    /// form takes that one as the Float product (the same bits, half the conversions).
    var floatScale: (Bool, Bool, Bool) = (false, false, false)

    init() {}

    /// `lineForm`: how the sloped pieces are computed (`PiecewiseLinearKernel.floatLineForm` for
    /// the Float lanes; `general` for the Double lanes, which must match the scalar path).
    init(_ t: PiecewiseLinearKernel, lineForm: LineForm) {
        precondition(t.kinks.count >= 1 && t.kinks.count <= 2, "piecewise-linear lanes hold 1 or 2 kinks")
        twoKinks = t.kinks.count == 2
        func piece(_ i: Int) -> PiecewiseLinearKernel.Piece { t.pieces[min(i, t.pieces.count - 1)] }
        slope = (Scalar(piece(0).slope), Scalar(piece(1).slope), Scalar(piece(2).slope))
        anchor = (Scalar(piece(0).anchor), Scalar(piece(1).anchor), Scalar(piece(2).anchor))
        offset = (Scalar(piece(0).offset), Scalar(piece(1).offset), Scalar(piece(2).offset))
        constant = (piece(0).slope == 0, piece(1).slope == 0, piece(2).slope == 0)
        wideSlope = (piece(0).slope, piece(1).slope, piece(2).slope)
        wideAnchor = (piece(0).anchor, piece(1).anchor, piece(2).anchor)
        wideOffset = (piece(0).offset, piece(1).offset, piece(2).offset)
        floatScale = (PiecewiseLinearKernel.isFloatScale(piece(0)), PiecewiseLinearKernel.isFloatScale(piece(1)),
                      PiecewiseLinearKernel.isFloatScale(piece(2)))
        let k0 = Scalar(t.kinks[0]), k1 = twoKinks ? Scalar(t.kinks[1]) : .infinity
        let left0 = t.derivativeAtKinks[0] == .left, left1 = twoKinks && t.derivativeAtKinks[1] == .left
        derivative = Thresholds(below: left0 ? k0.nextUp : k0, above: twoKinks && !left1 ? k1.nextDown : k1)
        switch t.valueAtKinks[0] {
        case .side(let side): value.below = side == .left ? k0.nextUp : k0
        case .value(let v): (value.below, value.at, kinkValue) = (k0, k0, Scalar(v))
        }
        value.above = k1
        if twoKinks {
            guard case .side(let side) = t.valueAtKinks[1] else { preconditionFailure("a value of its own at a second kink") }
            if side == .right { value.above = k1.nextDown }
        }
        let kinkValueFree = value.at.isNaN
        switch (constant.0, constant.1, constant.2, twoKinks, kinkValueFree) {
        case (true, false, _, false, true): plan = .constantLine
        case (true, false, true, true, true): plan = .constantLineConstant
        case (false, false, _, false, true): plan = .lineLine
        case (false, true, false, true, true): plan = .lineConstantLine
        case (true, true, _, false, false): plan = .constantsWithValue
        default: plan = .general
        }
        self.lineForm = lineForm
        func d(_ i: Int) -> Scalar { piece(i).slope == 0 ? 1 : Scalar((1 / piece(i).slope).rounded()) }
        divisor = (d(0), d(1), d(2))
    }

    /// Piece i at x: its value, its slope (`d`), or with `dividing` the number g·f′ divides g by:
    /// d, or +inf where the piece is constant (g/inf is g·0: a zero with g's sign, NaN for
    /// infinite g).
    @inline(__always) func piece(_ x: Scalar.Lanes, _ i: Int, _ c: Bool, _ d: Bool, _ form: LineForm = .general,
                                 dividing: Bool = false) -> Scalar.Lanes {
        let (s, a, o, q) = i == 0 ? (slope.0, anchor.0, offset.0, divisor.0)
            : i == 1 ? (slope.1, anchor.1, offset.1, divisor.1) : (slope.2, anchor.2, offset.2, divisor.2)
        if d && dividing { return Scalar.broadcast((i == 0 ? constant.0 : i == 1 ? constant.1 : constant.2) ? .infinity : q) }
        if d { return Scalar.broadcast(s) }
        if c { return Scalar.broadcast(o) }
        switch form {
        case .shift: return Scalar.shift(x, a)
        case .scale: return Scalar.scale(x, s)
        case .divide: return Scalar.divide(x, q)
        case .general: return Scalar.line(x, slope: s, anchor: a, offset: o)
        case .widened:
            if i == 0 ? floatScale.0 : i == 1 ? floatScale.1 : floatScale.2 { return Scalar.scale(x, s) }
            let (ws, wa, wo) = i == 0 ? (wideSlope.0, wideAnchor.0, wideOffset.0)
                : i == 1 ? (wideSlope.1, wideAnchor.1, wideOffset.1) : (wideSlope.2, wideAnchor.2, wideOffset.2)
            return Scalar.widenedLine(x, slope: ws, anchor: wa, offset: wo)
        }
    }

    /// Per step, with the stored shape (the scalar path and Double lanes).
    @inline(__always) func evaluate(_ x: Scalar.Lanes, derivative d: Bool) -> Scalar.Lanes {
        evaluate(x, derivative: d, twoKinks: twoKinks, constant: constant, kinkValue: !value.at.isNaN)
    }

    /// Per step, with the stored shape and line form (the Float lanes outside the shape loops).
    @inline(__always) func evaluateInForm(_ x: Scalar.Lanes, derivative d: Bool) -> Scalar.Lanes {
        evaluate(x, derivative: d, twoKinks: twoKinks, constant: constant, kinkValue: !value.at.isNaN, form: lineForm)
    }

    /// Selects only. NaN lanes end as x + x (quieted, payload kept); a line between the kinks
    /// already gives that by its arithmetic (x − a, then ·s, +o). A constant there with a line to
    /// its left (the shrinks) sends NaN lanes left instead — "not at or above the kink" is "below
    /// it" for every number and true for NaN, and x − a quiets NaN as x + x does — which saves a
    /// select; only a constant between constants needs the NaN select. Called with literal
    /// shapes, every `if` here folds away.
    @inline(__always) func evaluate(_ x: Scalar.Lanes, derivative d: Bool, twoKinks two: Bool,
                                    constant c: (Bool, Bool, Bool), kinkValue hasValue: Bool,
                                    form: LineForm = .general, dividing: Bool = false) -> Scalar.Lanes {
        let t = d ? derivative : value
        let nanGoesLeft = !d && c.1 && !c.0
        var y = piece(x, 1, c.1, d, form, dividing: dividing)
        if two { y = Scalar.select(piece(x, 2, c.2, d, form, dividing: dividing), y, where: x, .above, t.above) }
        y = Scalar.select(piece(x, 0, c.0, d, form, dividing: dividing), y, where: x, nanGoesLeft ? .belowOrNaN : .below, t.below)
        if !d && hasValue { y = Scalar.select(Scalar.broadcast(kinkValue), y, where: x, .at, t.at) }
        return d || (c.1 && !nanGoesLeft) ? Scalar.select(x + x, y, where: x, .nan, 0) : y
    }

    /// out = f(x) or f′(x) over `n` Floats (a multiple of 4), or g·f′(x) when `gradient` is given
    /// (g/d per piece in the `divide` form): one compiled loop per shape (`LaneShape`), so that no
    /// branch is left inside it.
    @inline(__always) func map(_ src: UnsafeRawPointer, _ gradient: UnsafeRawPointer?, _ dst: UnsafeMutableRawPointer,
                               count n: Int, derivative d: Bool) where Scalar == Float {
        func run<S: LaneShape>(_ shape: S.Type) { loop(S.self, src, gradient, dst, count: n) }
        if d, gradient != nil, lineForm == .divide {
            return twoKinks ? run(GradientDivisorTwoKinks.self) : run(GradientDivisorOneKink.self)
        }
        if d { return twoKinks ? run(DerivativeTwoKinks.self) : run(DerivativeOneKink.self) }
        switch (plan, lineForm) {
        case (.constantLine, .shift): run(ConstantShift.self)
        case (.constantLine, _): run(ConstantLine.self)
        case (.constantLineConstant, .shift): run(ConstantShiftConstant.self)
        case (.constantLineConstant, .widened): run(ConstantWidenedConstant.self)
        case (.constantLineConstant, _): run(ConstantLineConstant.self)
        case (.lineLine, .scale): run(ScaleScale.self)
        case (.lineLine, .divide): run(DivideDivide.self)
        case (.lineLine, .widened): run(WidenedWidened.self)
        case (.lineLine, _): run(LineLine.self)
        case (.lineConstantLine, .shift): run(ShiftConstantShift.self)
        case (.lineConstantLine, _): run(LineConstantLine.self)
        case (.constantsWithValue, _): run(ConstantsWithValue.self)
        case (.general, _): run(StoredShape.self)
        }
    }

    /// The loop of one shape: a function of its own per shape (generic specialization), where
    /// inlining every shape into one function left some of them calling `evaluate` per step.
    @inline(never) func loop<S: LaneShape>(_ shape: S.Type, _ src: UnsafeRawPointer, _ gradient: UnsafeRawPointer?,
                                           _ dst: UnsafeMutableRawPointer, count n: Int) where Scalar == Float {
        @inline(__always) func f(_ x: SIMD4<Float>) -> SIMD4<Float> {
            S.stored ? evaluateInForm(x, derivative: false)
                : evaluate(x, derivative: S.derivative, twoKinks: S.twoKinks, constant: S.constant, kinkValue: S.kinkValue,
                           form: S.form, dividing: S.dividesGradient)
        }
        // Two steps of four per turn, then one (measured: the loop's own counter, compare and
        // branch were a third of relu's instructions per element).
        var i = 0
        if let gradient {
            @inline(__always) func step(_ i: Int) {
                let g = gradient.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
                let x = src.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)
                let y = S.dividesGradient ? g / f(x) : g * f(x)
                dst.storeBytes(of: y, toByteOffset: i &* 4, as: SIMD4<Float>.self)
            }
            while i &+ 8 <= n { step(i); step(i &+ 4); i &+= 8 }
            if i < n { step(i) }
        } else {
            @inline(__always) func step(_ i: Int) {
                dst.storeBytes(of: f(src.loadUnaligned(fromByteOffset: i &* 4, as: SIMD4<Float>.self)), toByteOffset: i &* 4, as: SIMD4<Float>.self)
            }
            while i &+ 8 <= n { step(i); step(i &+ 4); i &+= 8 }
            if i < n { step(i) }
        }
    }
}

/// A loop shape known at compile time: which pieces are constant, how many kinks, whether a kink
/// has a value of its own, how lines are computed. `stored` means "read the table's shape per step".
protocol LaneShape {
    static var derivative: Bool { get }
    static var twoKinks: Bool { get }
    static var constant: (Bool, Bool, Bool) { get }
    static var kinkValue: Bool { get }
    static var form: LineForm { get }
    static var stored: Bool { get }
    /// Backward in the `divide` form: g / (d per piece) instead of g·f′.
    static var dividesGradient: Bool { get }
}

extension LaneShape {
    static var derivative: Bool { false }
    static var twoKinks: Bool { false }
    static var kinkValue: Bool { false }
    static var form: LineForm { .general }
    static var stored: Bool { false }
    static var dividesGradient: Bool { false }
}

enum DerivativeOneKink: LaneShape { static var derivative: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, true, true) } }
enum DerivativeTwoKinks: LaneShape {
    static var derivative: Bool { true }; static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, true, true) }
}
enum GradientDivisorOneKink: LaneShape {
    static var derivative: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, true, true) }; static var dividesGradient: Bool { true }
}
enum GradientDivisorTwoKinks: LaneShape {
    static var derivative: Bool { true }; static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, true, true) }
    static var dividesGradient: Bool { true }
}
enum ConstantLine: LaneShape { static var constant: (Bool, Bool, Bool) { (true, false, false) } }
enum ConstantShift: LaneShape { static var constant: (Bool, Bool, Bool) { (true, false, false) }; static var form: LineForm { .shift } }
enum ConstantLineConstant: LaneShape { static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, false, true) } }
enum ConstantShiftConstant: LaneShape {
    static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, false, true) }; static var form: LineForm { .shift }
}
enum ConstantWidenedConstant: LaneShape {
    static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (true, false, true) }; static var form: LineForm { .widened }
}
enum WidenedWidened: LaneShape { static var constant: (Bool, Bool, Bool) { (false, false, false) }; static var form: LineForm { .widened } }
enum LineLine: LaneShape { static var constant: (Bool, Bool, Bool) { (false, false, false) } }
enum ScaleScale: LaneShape { static var constant: (Bool, Bool, Bool) { (false, false, false) }; static var form: LineForm { .scale } }
enum DivideDivide: LaneShape { static var constant: (Bool, Bool, Bool) { (false, false, false) }; static var form: LineForm { .divide } }
enum LineConstantLine: LaneShape { static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (false, true, false) } }
enum ShiftConstantShift: LaneShape {
    static var twoKinks: Bool { true }; static var constant: (Bool, Bool, Bool) { (false, true, false) }; static var form: LineForm { .shift }
}
enum ConstantsWithValue: LaneShape { static var constant: (Bool, Bool, Bool) { (true, true, true) }; static var kinkValue: Bool { true } }
enum StoredShape: LaneShape { static var constant: (Bool, Bool, Bool) { (true, true, true) }; static var stored: Bool { true } }

/// How every sloped piece of a value is computed in the Float lanes, one Float operation giving
/// the bits the Double path gives (`PiecewiseLinearKernel.floatLineForm` says when):
/// - `shift`: x − a (slope 1, offset −0: ·1 and + −0 change no value, −0 and NaN payloads included);
/// - `scale`: s·x (anchor 0, offset −0, s a Float: x − 0 only quiets a NaN, which ·s does too);
/// - `divide`: x/d where the slope is 1/d rounded to Double, d a Float integer (leaky-relu's 1/100);
/// - `general`: slope·(x − anchor) + offset (the Double lanes, which must match the scalar path);
/// - `widened`: the same Double arithmetic on the Float lane widened, rounded back once — the
///   Double path's own operations, so its bits by construction, for any slope, anchor and offset
///   (hard-sigmoid's 1/6, rrelu's 11/48); kinks, constants and the selects stay in Float lanes.
enum LineForm: Sendable { case shift, scale, divide, general, widened }

extension PiecewiseLinearKernel {
    /// Which quantities the Float table computes exactly as the Double path rounds them (see
    /// `ExactFloatLanes`): kinks and kink values must be Floats (compares and selects in Float
    /// lanes); the value also needs Float constants (`floatLineForm` then gives each line's form:
    /// one Float operation where that rounds as Double's result rounded once to Float, else the
    /// Double arithmetic itself, `widened`); backward needs Float slopes (g·s is exact in Double)
    /// or the `divide` form, where g/d rounds as the Double path's g·RN(1/d) (`floatLineForm`'s
    /// argument, with g for x) and a slope 0 divides by +inf. Other slopes keep backward in the
    /// Double lanes: g·s widened per piece in Float loops measured no faster (hard-sigmoid with
    /// AVX2 0.28 → 0.33 ns/element, default flags 0.77 → 0.79).
    static func exactFloatQuantities(_ t: PiecewiseLinearKernel) -> ExactFloatLanes {
        let kinksExact = t.kinks.allSatisfy(isFloat) && t.valueAtKinks.allSatisfy {
            if case .value(let v) = $0 { return isFloat(v) } else { return true }
        }
        guard kinksExact else { return [] }
        var result: ExactFloatLanes = [.derivative]
        let form = floatLineForm(t)
        if form != nil { result.insert(.value) }
        if t.pieces.allSatisfy({ isFloat($0.slope) }) || form == .divide { result.insert(.backward) }
        return result
    }

    static func isFloat(_ v: Double) -> Bool { v.isNaN || Double(Float(v)) == v }
    /// A line that is s·x with a Float s (anchor 0, offset −0): one Float product (the `scale` form,
    /// and the `widened` form's lines of that kind).
    static func isFloatScale(_ p: Piece) -> Bool { isFloat(p.slope) && p.anchor == 0 && p.offset == 0 && p.offset.sign == .minus }

    /// How the Float lanes compute every line of the value so that it rounds as the Double path's
    /// result rounded once more to Float; nil where a constant is not a Float. One Float operation
    /// where every line allows it, else `widened` (the Double arithmetic, ~2× a Float operation's
    /// cost in lanes). Lines in one Float operation:
    /// - x − a, a a Float: exact in Double, or so far from a Float midpoint that Double's rounding
    ///   cannot reach one;
    /// - s·x, s a Float: the same;
    /// - x/d for a slope s = RN(1/d), d a Float integer below 2^24 with |s·d − 1| < 2^−54: x/d is
    ///   either a Float midpoint (the Double product s·x then lies within half a Double ulp of it and
    ///   rounds back onto it, so both end in the same tie) or at least 2^−25/d (relative) away from
    ///   one, far beyond the Double path's two errors of ≤ 2^−53; subnormal results alike, with
    ///   absolute spacing 2^−150/d against errors below 2^−178.
    static func floatLineForm(_ t: PiecewiseLinearKernel) -> LineForm? {
        guard t.pieces.allSatisfy({ $0.slope != 0 || isFloat($0.offset) }) else { return nil }
        let lines = t.pieces.filter { $0.slope != 0 }
        let plain = lines.allSatisfy { $0.offset == 0 && $0.offset.sign == .minus }
        guard plain else { return .widened }
        if lines.allSatisfy({ $0.slope == 1 && isFloat($0.anchor) }) { return .shift }
        guard lines.allSatisfy({ $0.anchor == 0 }) else { return .widened }
        if lines.allSatisfy(isFloatScale) { return .scale }
        let reciprocals = lines.allSatisfy { line in
            let d = (1 / line.slope).rounded()
            return abs(d) >= 1 && abs(d) < 0x1p24 && 1 / d == line.slope && abs((-1 as Double).addingProduct(line.slope, d)) < 0x1p-54
        }
        return reciprocals ? .divide : .widened
    }
}

/// The lane operations `PiecewiseLanes` uses, written for each concrete scalar: SIMD arithmetic
/// over a generic scalar compiles to per-lane code (measured 20–50 ns/element instead of ~1).
/// Double runs 8 lanes (`DoubleLanes`, as every Double lane form); Float 4 (the exact Float loops,
/// measured slower at 8 with default flags).
protocol PiecewiseLaneScalar: BinaryFloatingPoint & SIMDScalar & Sendable & Codable {
    associatedtype Lanes: SIMD where Lanes.Scalar == Self
    static func broadcast(_ v: Self) -> Lanes
    /// slope·(x − anchor) + offset lane-wise.
    static func line(_ x: Lanes, slope: Self, anchor: Self, offset: Self) -> Lanes
    /// x − a, s·x, x/d lane-wise (the `LineForm`s).
    static func shift(_ x: Lanes, _ a: Self) -> Lanes
    static func scale(_ x: Lanes, _ s: Self) -> Lanes
    static func divide(_ x: Lanes, _ d: Self) -> Lanes
    /// slope·(x − anchor) + offset in Double lane-wise, rounded once to `Self`.
    static func widenedLine(_ x: Lanes, slope: Double, anchor: Double, offset: Double) -> Lanes
    /// `new` where x lies below/above/at k (or is NaN: callers pass x + x there, x with its quiet
    /// bit set, as a Float's round trip through Double gives it), `old` elsewhere.
    static func select(_ new: Lanes, _ old: Lanes, where x: Lanes, _ relation: LaneRelation, _ k: Self) -> Lanes
}

/// `belowOrNaN`: not at or above k (below it, or NaN).
enum LaneRelation { case below, belowOrNaN, above, at, nan }

extension Double: PiecewiseLaneScalar {
    typealias Lanes = DoubleLanes
    @inline(__always) static func broadcast(_ v: Double) -> DoubleLanes { DoubleLanes(repeating: v) }
    @inline(__always) static func line(_ x: DoubleLanes, slope: Double, anchor: Double, offset: Double) -> DoubleLanes {
        slope * (x - anchor) + offset
    }
    @inline(__always) static func shift(_ x: DoubleLanes, _ a: Double) -> DoubleLanes { x - a }
    @inline(__always) static func scale(_ x: DoubleLanes, _ s: Double) -> DoubleLanes { s * x }
    @inline(__always) static func divide(_ x: DoubleLanes, _ d: Double) -> DoubleLanes { x / d }
    @inline(__always) static func widenedLine(_ x: DoubleLanes, slope: Double, anchor: Double, offset: Double) -> DoubleLanes {
        line(x, slope: slope, anchor: anchor, offset: offset)
    }
    @inline(__always) static func select(_ new: DoubleLanes, _ old: DoubleLanes, where x: DoubleLanes, _ relation: LaneRelation, _ k: Double) -> DoubleLanes {
        switch relation {
        case .below: old.replacing(with: new, where: x .< k)
        case .belowOrNaN: old.replacing(with: new, where: .!(x .>= k))
        case .above: old.replacing(with: new, where: x .> k)
        case .at: old.replacing(with: new, where: x .== k)
        case .nan: old.replacing(with: new, where: x .!= x)
        }
    }
}

extension Float: PiecewiseLaneScalar {
    typealias Lanes = SIMD4<Float>
    @inline(__always) static func broadcast(_ v: Float) -> SIMD4<Float> { SIMD4(repeating: v) }
    @inline(__always) static func line(_ x: SIMD4<Float>, slope: Float, anchor: Float, offset: Float) -> SIMD4<Float> {
        slope * (x - anchor) + offset
    }
    @inline(__always) static func shift(_ x: SIMD4<Float>, _ a: Float) -> SIMD4<Float> { x - SIMD4(repeating: a) }
    @inline(__always) static func scale(_ x: SIMD4<Float>, _ s: Float) -> SIMD4<Float> { SIMD4(repeating: s) * x }
    @inline(__always) static func divide(_ x: SIMD4<Float>, _ d: Float) -> SIMD4<Float> { x / SIMD4(repeating: d) }
    @inline(__always) static func widenedLine(_ x: SIMD4<Float>, slope: Double, anchor: Double, offset: Double) -> SIMD4<Float> {
        SIMD4<Float>(slope * (SIMD4<Double>(x) - anchor) + offset)
    }
    @inline(__always) static func select(_ new: SIMD4<Float>, _ old: SIMD4<Float>, where x: SIMD4<Float>, _ relation: LaneRelation, _ k: Float) -> SIMD4<Float> {
        switch relation {
        case .below: old.replacing(with: new, where: x .< k)
        case .belowOrNaN: old.replacing(with: new, where: .!(x .>= k))
        case .above: old.replacing(with: new, where: x .> k)
        case .at: old.replacing(with: new, where: x .== k)
        case .nan: old.replacing(with: new, where: x .!= x)
        }
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
