// Oracle throughput: correctly rounded results per second, single thread, per entry and
// quantity, on a fixed input mix. Run in a release build:
//   Scripts/with-deps swift run -c release oracle-throughput [--format f32] [--count 20000] [--function F]
import ActivationCatalog
import ActivationOracle
import Foundation

var format = FloatFormat.f32
var count = 20_000
var only: Activation?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--format": format = arguments.popFirst().flatMap(FloatFormat.init(rawValue:)) ?? format
    case "--count": count = arguments.popFirst().flatMap { Int($0) } ?? count
    case "--function": only = arguments.popFirst().flatMap(Activation.init(named:))
    default:
        FileHandle.standardError.write(Data("usage: oracle-throughput [--format f16|bf16|f32|f64] [--count N] [--function F]\n".utf8))
        exit(2)
    }
}

/// Half uniform bit patterns (NaN excluded), half uniform in [−20, 20]: the gate's main mix.
var generator = SystemRandomNumberGenerator()
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
var rng = SplitMix(state: 20_261_123)
var inputs: [UInt64] = []
while inputs.count < count {
    if inputs.count % 2 == 0 {
        let bits = rng.next() & format.allBitsMask
        if !format.isNaN(bits) { inputs.append(bits) }
    } else {
        let text = String(Double.random(in: -20...20, using: &rng))
        inputs.append(format.rounding(try! ExactNumber(parsing: text)))
    }
}

print("oracle throughput, single thread, \(format), \(count) inputs (half uniform bit patterns, half uniform in [-20, 20])")
print("function            value/s   derivative/s")
for activation in Activation.allCases where only == nil || only == activation {
    let f = try! ActivationFunction(activation)
    var rates: [String] = []
    for quantity in [Quantity.value, .derivative] {
        var checksum: UInt64 = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for x in inputs { checksum &+= f.evaluate(quantity, bits: x, format: format) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        rates.append(String(format: "%10.0f", Double(inputs.count) / seconds))
        if checksum == 42 { print("") } // keep the work observable
    }
    print(activation.name.padding(toLength: 16, withPad: " ", startingAt: 0) + rates.joined(separator: "   "))
}
