import Foundation

/// The textbook formula in Float: 1/(1 + e^−x). Its faults are the classic ones: e^−x
/// overflows for x < −88.7 so σ(x) becomes 0 where σ(x) ≈ e^x is still representable
/// (a lost tail and flushed subnormals), and rounding errors of e^−x are magnified near x ≪ 0.
public func naiveSigmoid(_ x: Float) -> Float {
    1 / (1 + expf(-x))
}

/// σ(x) evaluated in Double and rounded once to Float: σ split at 0 (e^−|x| never overflows),
/// so the Double value is within a few Double ulps of σ(x), and the one rounding to Float is
/// within 1 ULP (correctly rounded except where σ(x) lies within ~2^−29 ULP of a midpoint).
public func sigmoid(_ x: Float) -> Float {
    let d = Double(x)
    let e = exp(-abs(d))
    return Float(d >= 0 ? 1 / (1 + e) : e / (1 + e))
}

/// A buffer kernel as vector code is written: a main loop over blocks of 8 and a scalar tail.
/// The defect: the tail uses the textbook Float formula, so the same input gets another result
/// when it lands in the last count % 8 elements.
public func sigmoidWithTailDefect(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
    precondition(input.count == output.count)
    let main = input.count - input.count % 8
    for i in 0..<main { output[i] = sigmoid(input[i]) }
    for i in main..<input.count { output[i] = naiveSigmoid(input[i]) }
}

/// The same kernel with the tail fixed: one formula everywhere.
public func sigmoidBuffer(_ input: UnsafeBufferPointer<Float>, _ output: UnsafeMutableBufferPointer<Float>) {
    precondition(input.count == output.count)
    for i in input.indices { output[i] = sigmoid(input[i]) }
}

/// Backward: gradInput = gradOutput · σ′(x) with σ′ = σ(1 − σ), all in Double, rounded once.
public func sigmoidBackward(_ input: UnsafeBufferPointer<Float>, _ gradOutput: UnsafeBufferPointer<Float>,
                            _ output: UnsafeMutableBufferPointer<Float>) {
    for i in input.indices {
        let d = Double(input[i])
        let e = exp(-abs(d))
        let s = 1 / (1 + e)                 // σ(|x|)
        let derivative = s * (e * s)        // σ(|x|)·σ(−|x|) = σ′(x), no cancellation
        output[i] = Float(Double(gradOutput[i]) * derivative)
    }
}
