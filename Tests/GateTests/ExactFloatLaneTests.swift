import ActivationCatalog
@testable import ActivationKernels
import ActivationOracle
import ActivationVerification
import Foundation
import Testing

/// Where a kernel computes Float results in Float lanes (`ExactFloatLanes`), they must be, bit for
/// bit, the Double path's results rounded once to Float — the path the certificates and the gate
/// measured. Every quantity of those (piecewise-linear) kernels is checked: the `widened` lines
/// (rrelu's and hard-sigmoid's values: Double arithmetic inside the Float loops) and the Double
/// lanes' loops (backward with slopes that are not Floats) included. The default tier checks every 16,411th float32 bit pattern (261,712 inputs, all
/// exponents) plus the specials and each kink ±64 ULP; ACTIVATION_ORACLE_DEEP=1 every 251st (17
/// million, with backward: 15–41 s in a release build); ACTIVATION_ORACLE_EXHAUSTIVE=1 all 2^32
/// for value and derivative (backward is left to the other tiers; 23 minutes on this project's
/// 2-core VM with other jobs sharing it, an hour on an older one:
/// `ACTIVATION_ORACLE_EXHAUSTIVE=1 swift test -c release --filter ExactFloatLaneTests`).
@Suite("Exact Float lanes agree with the Double path")
struct ExactFloatLaneTests {
    static let exhaustive = ProcessInfo.processInfo.environment["ACTIVATION_ORACLE_EXHAUSTIVE"] == "1"
    static let stride: UInt64 = exhaustive ? 1 : (Tier.deep ? 251 : 16_411)

    static func inputs(_ function: ActivationFunction, from start: UInt64, count: Int) -> [Float] {
        (0..<UInt64(count)).map { Float(bitPattern: UInt32(truncatingIfNeeded: start + $0 * stride)) }
    }

    static func edges(_ function: ActivationFunction) -> [Float] {
        (Inputs.specials(.f32) + Inputs.kinks(function, .f32, k: 64)).map { Float(bitPattern: UInt32($0)) }
    }

    @Test(arguments: Activation.allCases)
    func sameBitsAsDoublePath(_ activation: Activation) throws {
        let function = try ActivationFunction(activation)
        let kernel = Gate.kernel(for: function)
        let lanes = kernel.exactFloatLanes
        guard !lanes.isEmpty else { return }
        let total = (UInt64(1) << 32) / Self.stride
        let chunk = 1 << 22
        let gradients: [Float] = [1, -3, 0x1p-149, 0x1.fffffep127, .nan, -0.1]
        var start: UInt64 = 0
        var first = true
        var mismatches: [String] = []
        while start < total, mismatches.isEmpty {
            let n = Int(min(UInt64(chunk), total - start))
            var xs = Self.inputs(function, from: start * Self.stride, count: n)
            if first { xs += Self.edges(function); first = false }
            start += UInt64(n)
            for quantity in [ExactFloatLanes.value, .derivative] { // Float lanes or Double lanes: the same bits
                let derivative = quantity == .derivative
                let got = derivative ? kernel.derivative(xs) : kernel.forward(xs)
                for (x, y) in zip(xs, got) {
                    let expected = Float(derivative ? kernel.derivative(Double(x)) : kernel.value(Double(x)))
                    if y.bitPattern != expected.bitPattern {
                        mismatches.append("\(activation) \(derivative ? "derivative" : "value") at \(x) (0x\(String(x.bitPattern, radix: 16))): lanes \(y), Double path \(expected)")
                        break
                    }
                }
            }
            if !Self.exhaustive { // backward: the default and deep tiers
                for g in gradients {
                    let gs = [Float](repeating: g, count: xs.count)
                    let got = kernel.backward(input: xs, gradOutput: gs)
                    for (x, y) in zip(xs, got) {
                        let expected = Float(Double(g) * kernel.derivative(Double(x)))
                        if y.bitPattern != expected.bitPattern && !(y.isNaN && expected.isNaN) {
                            mismatches.append("\(activation) backward g = \(g) at \(x): lanes \(y), Double path \(expected)")
                            break
                        }
                    }
                }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.first ?? "")")
    }

    /// The `divide` form (x/d for a slope RN(1/d), and g/d for backward) against the Double path for leaky-relu with
    /// alpha = 1/d, d = 2...1000: where the rule admits d, the lanes divide (elsewhere they take
    /// the `widened` form) and must give the Double path's bits on the hard inputs — subnormal results exactly halfway between two subnormals
    /// (x = −d·(2j + 1)·2^−150), powers of two, the largest Floats — and on random negative inputs.
    /// 700 of the 999 divisors pass the rule |RN(1/d)·d − 1| < 2^−54 (counted independently
    /// with Python's exact fractions: `sum(abs(Fraction(1/d)*d - 1) < Fraction(1, 2**54) for d in
    /// range(2, 1001))`).
    @Test func divideFormMatchesDoublePath() {
        var rng = SystemRandomNumberGenerator()
        var admitted = 0
        var mismatches: [String] = []
        for d in 2...1000 {
            let kernel = Kernel(.leakyReLU, parameters: ["alpha": 1 / Double(d)])
            let table = PiecewiseLinearKernel(kinks: [0], pieces: [.line(1 / Double(d)), .line(1)],
                                              valueAtKinks: [.side(.left)], derivativeAtKinks: [.left])
            #expect(kernel.exactFloatLanes.contains(.value))
            if PiecewiseLinearKernel.floatLineForm(table) != .widened { admitted += 1 } // divide, or scale for d = 2^k
            var xs: [Float] = [-0.0, -.leastNonzeroMagnitude, -.greatestFiniteMagnitude, -.infinity, -.nan, -1, -Float(d)]
            for j in 0..<64 {
                let tie = -Double(d) * Double(2 * j + 1) * 0x1p-150 // exact in Double; a Float when it is a multiple of 2^−149
                if Double(Float(tie)) == tie { xs.append(Float(tie)) }
                xs.append(-Float(sign: .plus, exponent: j * 4 - 149, significand: 1))
            }
            xs += (0..<2_000).map { _ in -Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &rng)) }
            for (x, y) in zip(xs, kernel.forward(xs)) where y.bitPattern != Float(kernel.value(Double(x))).bitPattern {
                mismatches.append("d = \(d), x = \(x): lanes \(y), Double path \(Float(kernel.value(Double(x))))")
            }
            // Backward divides g by d there: the same hard values as gradients, at x = −1 (slope 1/d).
            let slope = kernel.derivative(-1.0)
            let minusOne = [Float](repeating: -1, count: xs.count)
            for (g, y) in zip(xs, kernel.backward(input: minusOne, gradOutput: xs))
            where y.bitPattern != Float(Double(g) * slope).bitPattern && !(y.isNaN && g.isNaN) {
                mismatches.append("d = \(d), backward g = \(g): lanes \(y), Double path \(Float(Double(g) * slope))")
            }
        }
        #expect(admitted == 700)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(3))")
    }

    /// The entries with Float lanes (catalog defaults): every piecewise-linear one, each quantity.
    @Test func whichEntriesUseFloatLanes() throws {
        var table: [String] = []
        for activation in Activation.allCases {
            let lanes = Gate.kernel(for: try ActivationFunction(activation)).exactFloatLanes
            if !lanes.isEmpty {
                table.append("\(activation.rawValue):\(lanes.contains(.value) ? "v" : "")\(lanes.contains(.derivative) ? "d" : "")\(lanes.contains(.backward) ? "b" : "")")
            }
        }
        #expect(table == ["relu:vdb", "relu6:vdb", "leaky-relu:vdb", "prelu:vdb", "rrelu:vd", "hard-sigmoid:vd",
                          "hard-tanh:vdb", "hard-shrink:vdb", "soft-shrink:vdb", "threshold:vdb", "thresholded-relu:vdb", "step:vdb"], "\(table)")
    }
}
