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
        let nan = try ActivationTesting.check(ActivationUnderTest("gelu"), scalar: { (_: Float) in Float.nan })
        #expect(!nan.passed && (nan.classes["nan"] ?? 0) > 0)
        #expect(nan.histogram.last?.ulps == "NaN" && nan.histogram.last?.count == nan.classes["nan"])
        let inf = try ActivationTesting.check(ActivationUnderTest("tanh"), scalar: { (_: Double) in -Double.infinity })
        #expect(!inf.passed && (inf.classes["inf"] ?? 0) > 0)
        let bits = try ActivationTesting.check(ActivationUnderTest("relu"), scalar: { (x: Float) in Float(bitPattern: ~x.bitPattern) })
        #expect(!bits.passed && bits.description.contains("result: FAIL") && bits.description.contains("replay: ACTIVATION_TESTING_SEED="))
    }

    @Test func theBuiltInKernelsPassInEveryFormat() throws {
        let kernel = Kernel(.silu)
        #expect(try ActivationTesting.check(ActivationUnderTest("silu"), scalar: { (x: Float16) in kernel.value(x) }).passed)
        #expect(try ActivationTesting.check(ActivationUnderTest("silu"), scalar: { (x: BFloat16) in kernel.value(x) }).passed)
        let f32 = try ActivationTesting.check(ActivationUnderTest("silu", derivative: true), options: .init(maxULP: 1)) {
            (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in kernel.derivative(x, into: y)
        }
        #expect(f32.passed && f32.positionDependent == 0, "\(f32)")
        let backward = try ActivationTesting.checkBackward(ActivationUnderTest("silu"), options: .init(maxULP: 1)) {
            (x: UnsafeBufferPointer<Float>, g: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in
            kernel.backward(input: x, gradOutput: g, into: y)
        }
        #expect(backward.passed, "\(backward)")
        let leaky = try ActivationTesting.check(ActivationUnderTest("leaky-relu", parameters: ["alpha": "f32:0.2"]), options: .init(count: 2_000)) {
            (x: Double) in x < 0 ? Double(Float(0.2)) * x : x
        }
        #expect(leaky.passed, "\(leaky)")
    }

    @Test func badArgumentsAreThrownErrors() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { _ = try ActivationTesting.check(ActivationUnderTest("nosuch"), scalar: { (x: Float) in x }) }.contains("unknown function"))
        #expect(message { _ = try ActivationTesting.check(ActivationUnderTest("celu", parameters: ["alpha": "0"]), scalar: { (x: Float) in x }) }
            .contains("alpha"))
        #expect(message { _ = try ActivationTesting.check(ActivationUnderTest("relu", convention: "mxnet"), scalar: { (x: Float) in x }) }
            .contains("unknown convention"))
        #expect(message { _ = try ActivationTesting.check(ActivationUnderTest("relu"), options: .init(exhaustive: true), scalar: { (x: Double) in x }) }
            .contains("exhaustive checks are for Float"))
        #expect(message { _ = try ActivationTesting.check(ActivationUnderTest("relu"), options: .init(exhaustive: true, shard: (3, 5)), scalar: { (x: Float) in x }) }
            .contains("--shard"))
        let overrun = message {
            _ = try ActivationTesting.check(ActivationUnderTest("relu")) { (x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>) in
                for i in x.indices { y[i] = max(x[i], 0) }
                (y.baseAddress! + y.count).pointee = 0 // one past the end
            }
        }
        #expect(overrun.contains("wrote outside its output"), "\(overrun)")
    }

    @Test func exhaustiveShardChecksEveryInput() throws {
        let report = try ActivationTesting.check(ActivationUnderTest("relu"), options: .init(exhaustive: true, shard: (4095, 4096)),
                                                 scalar: { (x: Float) in x > 0 ? x : 0 })
        #expect(report.validation.count == 1 << 20)
        // relu(NaN) must be NaN: these inputs are all negative NaNs, so `x > 0 ? x : 0` fails on each.
        #expect(!report.passed && report.classes["nan"] == 1 << 20)
    }
}
