import ActivationTesting
import MyKernels
import Testing

/// The correct kernels pass in one line each; the broken ones are caught with the right class and
/// shrunk inputs (these tests assert that they fail, and print the reports).
@Suite struct SigmoidTests {
    @Test func sigmoidIsWithinOneULP() {
        ActivationCheck.expect(ActivationUnderTest("sigmoid"), options: .init(maxULP: 1), scalar: sigmoid)
    }

    @Test func bufferKernelIsWithinOneULP() {
        ActivationCheck.expect(ActivationUnderTest("sigmoid"), options: .init(maxULP: 1), buffer: sigmoidBuffer)
    }

    @Test func backwardIsWithinOneULP() {
        ActivationCheck.expectBackward(ActivationUnderTest("sigmoid"), options: .init(maxULP: 1), backward: sigmoidBackward)
    }

    @Test func naiveSigmoidIsCaught() throws {
        let report = try ActivationCheck.check(ActivationUnderTest("sigmoid"), options: .init(maxULP: 1), scalar: naiveSigmoid)
        print(report)
        #expect(!report.passed)
        #expect((report.classes["subnormal"] ?? 0) > 0, "flushed subnormal tail")
        #expect(report.maxULP > 1)
        #expect(report.simplest["finite"] != nil && report.simplest["subnormal"] != nil, "each failing class shrunk to one input")
    }

    @Test func tailDefectIsCaughtAsPositionDependent() throws {
        let report = try ActivationCheck.check(ActivationUnderTest("sigmoid"), options: .init(maxULP: 1), buffer: sigmoidWithTailDefect)
        print(report)
        #expect(!report.passed)
        #expect(report.positionDependent > 0, "the tail gives other results than the main loop")
    }
}
