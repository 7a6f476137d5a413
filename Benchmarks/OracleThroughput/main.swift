// Oracle throughput, single thread, per entry and quantity, on a fixed input mix: the fast path
// (binary64 enclosures, escalating to Ziv's loop) against Ziv's loop alone, side by side, with
// the share of inputs the fast path could not decide; and every fast result compared with Ziv's
// (the fast path's soundness evidence). Run in a release build:
//   Scripts/with-deps swift run -c release oracle-throughput [--format f32] [--count 20000] [--function F] [--seed S]
//   [--show-escalated N]: the first N inputs of each row that the fast path left to Ziv's loop
//   [--no-ziv]: time the oracle as it runs (fast path, then Ziv's loop) without the Ziv-only column
//   and the comparison
import ActivationCatalog
import ActivationOracle
import ActivationVerification
import Foundation

var format = FloatFormat.f32
var count = 20_000
var seed: UInt64 = 20_261_123
var only: Activation?
var timing = true
var show = 0
var zivColumn = true
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--format": format = arguments.popFirst().flatMap(FloatFormat.init(rawValue:)) ?? format
    case "--count": count = arguments.popFirst().flatMap { Int($0) } ?? count
    case "--seed": seed = arguments.popFirst().flatMap { UInt64($0) } ?? seed
    case "--function": only = arguments.popFirst().flatMap(Activation.init(named:))
    case "--compare-only": timing = false
    case "--no-ziv": zivColumn = false
    case "--show-escalated": show = arguments.popFirst().flatMap { Int($0) } ?? 10
    default:
        FileHandle.standardError.write(Data("usage: oracle-throughput [--format f16|bf16|f32|f64] [--count N] [--function F] [--seed S] [--compare-only] [--no-ziv] [--show-escalated N]\n".utf8))
        exit(2)
    }
}

/// Half uniform bit patterns (NaN excluded), half uniform in [−20, 20]: the gate's main mix.
var rng = SplitMix64(seed: seed) // the gate's generator: the same seed gives the same inputs
var inputs: [UInt64] = []
while inputs.count < count {
    if inputs.count % 2 == 0 {
        let bits = rng.next() & format.allBitsMask
        if !format.isNaN(bits) { inputs.append(bits) }
    } else {
        inputs.append(format.rounding(Double.random(in: -20...20, using: &rng)))
    }
}

/// The sum of every result, as a function of its own: a closure written in this top-level code
/// would be main-actor isolated, and Swift would check the executor on each of its calls.
func checksum(_ function: ActivationFunction, _ quantity: Quantity, _ inputs: [UInt64], _ format: FloatFormat) -> UInt64 {
    var sum: UInt64 = 0
    for x in inputs { sum &+= function.evaluate(quantity, bits: x, format: format) }
    return sum
}

func rate(_ n: Int, _ body: () -> UInt64) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    let checksum = body()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    if checksum == 42 { print("") } // keep the work observable
    return Double(n) / seconds
}

print("oracle throughput, single thread, \(format), \(inputs.count) inputs (half uniform bit patterns, half uniform in [-20, 20]), seed \(seed)")
print("function          quantity     fast path/s   Ziv only/s   speed-up   escalated   fast ≠ Ziv")
var mismatches = 0
for activation in Activation.allCases where only == nil || only == activation {
    var fast = try! ActivationFunction(activation)
    var ziv = fast
    ziv.usesFastPath = false
    for quantity in [Quantity.value, .derivative] {
        let fastRate = timing ? rate(inputs.count) { checksum(fast, quantity, inputs, format) } : .nan
        let zivRate = timing && zivColumn ? rate(inputs.count) { checksum(ziv, quantity, inputs, format) } : .nan
        var escalated = 0, wrong = 0
        for x in inputs {
            guard let r = fast.fastResult(quantity, bits: x, format: format) else {
                escalated += 1
                if escalated <= show { print("  escalated: \(activation.name) \(quantity) x = \(format.hexBits(x)) (\(format.doubleValue(x)))") }
                continue
            }
            guard zivColumn else { continue }
            let reference = ziv.evaluate(quantity, bits: x, format: format)
            if r != reference {
                wrong += 1
                print("MISMATCH \(activation.name) \(quantity) x=\(format.hexBits(x)) fast=\(format.hexBits(r)) ziv=\(format.hexBits(reference))")
            }
        }
        mismatches += wrong
        print(activation.name.padding(toLength: 18, withPad: " ", startingAt: 0)
              + quantity.description.padding(toLength: 11, withPad: " ", startingAt: 0)
              + String(format: "%13.0f %12.0f %9.1f× %10.4f%% %11d", fastRate, zivRate, fastRate / zivRate,
                       100 * Double(escalated) / Double(inputs.count), wrong))
    }
    fast.usesFastPath = true
}
print(mismatches == 0 ? "fast path agrees with Ziv's loop on every input it decided" : "FAST PATH WRONG on \(mismatches) inputs")
exit(mismatches == 0 ? 0 : 1)
