import ActivationCatalog
import ActivationKernels
import ActivationTesting
import Foundation
import Testing

/// ActivationTesting's own contract (the example package in Examples/KernelCheck shows the
/// intended use): garbage from an implementation is a report, never a crash; bad arguments and
/// out-of-bounds writes are thrown errors naming the cause; every format is checked.
@Suite("ActivationTesting")
struct ActivationTestingTests {
    @Test func garbageIsReportedWithClasses() throws {
        let nan = try ActivationCheck.check(ActivationUnderTest("gelu"), scalar: { (_: Float) in Float.nan })
        #expect(!nan.passed && (nan.classes["nan"] ?? 0) > 0)
        #expect(nan.histogram.last?.ulps == "NaN" && nan.histogram.last?.count == nan.classes["nan"])
        let inf = try ActivationCheck.check(ActivationUnderTest("tanh"), scalar: { (_: Double) in -Double.infinity })
        #expect(!inf.passed && (inf.classes["inf"] ?? 0) > 0)
        let bits = try ActivationCheck.check(ActivationUnderTest("relu"), scalar: { (x: Float) in Float(bitPattern: ~x.bitPattern) })
        #expect(!bits.passed && bits.description.contains("result: FAIL") && bits.description.contains("replay: ACTIVATION_TESTING_SEED="))
    }

    @Test func theBuiltInKernelsPassInEveryFormat() throws {
        let kernel = Kernel(.silu)
        #expect(try ActivationCheck.check(ActivationUnderTest("silu"), scalar: { (x: Float16) in kernel.value(x) }).passed)
        #expect(try ActivationCheck.check(ActivationUnderTest("silu"), scalar: { (x: BFloat16) in kernel.value(x) }).passed)
        let f32 = try ActivationCheck.check(ActivationUnderTest("silu", derivative: true), options: .init(maxULP: 1)) {
            (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in kernel.derivative(x, into: y)
        }
        #expect(f32.passed && f32.positionDependent == 0, "\(f32)")
        let backward = try ActivationCheck.checkBackward(ActivationUnderTest("silu"), options: .init(maxULP: 1)) {
            (x: UnsafeBufferPointer<Float>, g: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in
            kernel.backward(input: x, gradOutput: g, into: y)
        }
        #expect(backward.passed, "\(backward)")
        let leaky = try ActivationCheck.check(ActivationUnderTest("leaky-relu", parameters: ["alpha": "f32:0.2"]), options: .init(count: 2_000)) {
            (x: Double) in x < 0 ? Double(Float(0.2)) * x : x
        }
        #expect(leaky.passed, "\(leaky)")
    }

    /// Backward in every format, for an entry whose f′ is exactly 0 on a half-line (the product's
    /// zero sign) and one whose f′ is never 0, through the built-in kernels.
    @Test(arguments: ["relu", "hard-tanh", "gelu"])
    func backwardOfTheBuiltInKernelsPasses(_ name: String) throws {
        let kernel = Kernel(Activation(named: name)!)
        func run<T: FloatFormatRepresentable & KernelElement>(_: T.Type, maxULP: UInt64) throws -> ActivationTestReport {
            try ActivationCheck.checkBackward(ActivationUnderTest(name), options: .init(maxULP: maxULP, count: 2_000)) {
                (x: UnsafeBufferPointer<T>, g: UnsafeBufferPointer<T>, y: UnsafeMutableBufferPointer<T>) in
                kernel.backward(input: x, gradOutput: g, into: y)
            }
        }
        for report in [try run(Float16.self, maxULP: 1), try run(BFloat16.self, maxULP: 1), try run(Float.self, maxULP: 1)] {
            #expect(report.passed, "\(report)")
        }
    }

    /// A buffer kernel whose tail (the last count % 8 elements) is 1 ULP up: within maxULP 1
    /// everywhere, so only the position class can fail it.
    /// A fused FP8 kernel (activation, scale, cast) judged against RN_e4m3fn(s·f(x)): the
    /// built-in kernel's byte path passes; computing in Float and casting (ml_dtypes' rounding of
    /// the Float result, written here from the e4m3fn spec) is caught, as is a write past the end.
    @Test func fusedNarrowKernelsAreCheckedInTheirOutputFormat() throws {
        let kernel = Kernel(.gelu)
        let output = KernelOutput(.e4m3fn, scale: 1.0 / 16)
        let good = try ActivationCheck.check(ActivationUnderTest("gelu"), output: .e4m3fn, scale: "1/16",
                                             buffer: { (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<UInt8>) in
            kernel.forward(x, into: y, output: output)
        })
        #expect(good.passed, "\(good)")
        let castAfter = try ActivationCheck.check(ActivationUnderTest("gelu"), output: .e4m3fn, scale: "1/16",
                                                  buffer: { (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<UInt8>) in
            for i in x.indices { // f rounded to Float, then scaled and rounded again
                let f = Float(kernel.value(Double(x[i])) / 16)
                y[i] = UInt8(FloatFormat.e4m3fn.rounding(Double(f)))
            }
        })
        #expect(!castAfter.passed && castAfter.description.contains("f32 → e4m3fn, scale 1/16"), "\(castAfter)")
        #expect(throws: ActivationTestError.self) {
            try ActivationCheck.check(ActivationUnderTest("relu"), output: .e4m3fn,
                                      buffer: { (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<UInt8>) in
                y.baseAddress![y.count] = 0 // one byte past the end: a guard byte
            })
        }
        #expect(throws: ActivationTestError.self) { try ActivationCheck.check(ActivationUnderTest("relu"), output: .e4m3fn, overflow: .infinity, buffer: { (_: UnsafeBufferPointer<Float>, _: UnsafeMutableBufferPointer<UInt8>) in }) }
        #expect(throws: ActivationTestError.self) { try ActivationCheck.check(ActivationUnderTest("relu"), output: .f16, buffer: { (_: UnsafeBufferPointer<Float>, _: UnsafeMutableBufferPointer<UInt8>) in }) }
    }

    @Test func positionDependentBufferIsCaught() throws {
        let report = try ActivationCheck.check(ActivationUnderTest("relu"), options: .init(maxULP: 1, count: 2_000)) {
            (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in
            let main = x.count - x.count % 8
            for i in x.indices {
                let r = x[i] > 0 ? x[i] : (x[i].isNaN ? x[i] : 0)
                y[i] = i >= main && r.isFinite && r > 0 && r < .greatestFiniteMagnitude ? r.nextUp : r
            }
        }
        #expect(!report.passed && report.positionDependent > 0 && report.validation.failures == 0, "\(report)")
        #expect(report.description.contains("position-dependent: \(report.positionDependent) "))
    }

    /// A double-backward implementation checked with `order: 2`: softsign″ in Double, rounded
    /// once to Float, is correctly rounded away from 0, and PyTorch's sign(0) = 0 gives ±0 at 0.
    @Test func secondDerivatives() throws {
        func softsign2(_ x: Float) -> Float {
            if x.isNaN { return x }
            let d = 1 + Double(abs(x)), v = (x < 0 ? 2 : -2) / (d * d * d)
            return x == 0 ? (x.sign == .minus ? 0 : -0.0) : Float(v)
        }
        let pass = try ActivationCheck.check(ActivationUnderTest("softsign", order: 2), options: .init(maxULP: 1), scalar: softsign2)
        #expect(pass.passed, "\(pass)")
        #expect(pass.description.contains("softsign second derivative"), "\(pass)")
        // A Dirac delta's stand-in at relu's kink is caught.
        let fail = try ActivationCheck.check(ActivationUnderTest("relu", order: 2), scalar: { (x: Float) in x.isNaN ? x : (x == 0 ? 1 : 0) })
        #expect(!fail.passed)
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try ActivationCheck.check(ActivationUnderTest("softsign", convention: .tensorflow, order: 2), scalar: softsign2) }
            .contains("tensorflow has no second derivative of softsign"))
        #expect(message { _ = try ActivationCheck.checkBackward(ActivationUnderTest("relu", order: 2)) {
            (_: UnsafeBufferPointer<Float>, _: UnsafeBufferPointer<Float>, _: UnsafeMutableBufferPointer<Float>) in } }
            .contains("checkBackward checks g·f′(x)"))
    }

    @Test func badArgumentsAreThrownErrors() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try ActivationCheck.check(ActivationUnderTest("nosuch"), scalar: { (x: Float) in x }) }.contains("unknown function"))
        #expect(message { _ = try ActivationCheck.check(ActivationUnderTest("celu", parameters: ["alpha": "0"]), scalar: { (x: Float) in x }) }
            .contains("alpha"))
        #expect(message { _ = try ActivationCheck.check(ActivationUnderTest("hard-shrink", convention: .jax, derivative: true), scalar: { (x: Float) in x }) }
            .contains("jax has no hard-shrink"))
        #expect(message { _ = try ActivationCheck.checkBackward(ActivationUnderTest("relu"), options: .init(allowFlushToZero: true)) {
            (_: UnsafeBufferPointer<Float>, _: UnsafeBufferPointer<Float>, _: UnsafeMutableBufferPointer<Float>) in } }
            .contains("not backward"))
        #expect(message { _ = try ActivationCheck.check(ActivationUnderTest("relu"), options: .init(exhaustive: true), scalar: { (x: Double) in x }) }
            .contains("exhaustive checks are for Float"))
        #expect(message { _ = try ActivationCheck.check(ActivationUnderTest("relu"), options: .init(exhaustive: true, shard: (3, 5)), scalar: { (x: Float) in x }) }
            .contains("--shard"))
        let before = message {
            _ = try ActivationCheck.check(ActivationUnderTest("relu")) { (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in
                for i in x.indices { y[i] = max(x[i], 0) }
                (y.baseAddress! - 1).pointee = 0 // one before the start
            }
        }
        #expect(before.contains("wrote outside its output"), "\(before)")
        let overrun = message {
            _ = try ActivationCheck.check(ActivationUnderTest("relu")) { (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in
                for i in x.indices { y[i] = max(x[i], 0) }
                (y.baseAddress! + y.count).pointee = 0 // one past the end
            }
        }
        #expect(overrun.contains("wrote outside its output"), "\(overrun)")
    }

    @Test func exhaustiveShardChecksEveryInput() throws {
        let report = try ActivationCheck.check(ActivationUnderTest("relu"), options: .init(exhaustive: true, shard: (4095, 4096)),
                                                 scalar: { (x: Float) in x > 0 ? x : 0 })
        #expect(report.validation.count == 1 << 20)
        // relu(NaN) must be NaN: these inputs are all negative NaNs, so `x > 0 ? x : 0` fails on each.
        #expect(!report.passed && report.classes["nan"] == 1 << 20)
    }
}
