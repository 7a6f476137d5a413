import Foundation
import Testing

/// `--order 2` through the command line: values from closed forms (silu″(0) = 1/2, relu″ = 0,
/// softsign″(±1) = ∓1/4), files and the subprocess protocol judged as second derivatives, and
/// every bad request refused with one line, exit 2 and nothing written.
@Suite("Second derivatives on the command line", .serialized)
struct SecondDerivativeCLITests {
    func expectRefused(_ arguments: [String], _ message: String, stdin: String = "1\n", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try Tool.run(arguments, stdin: Data(stdin.utf8))
        #expect(r.status == 2 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1,
                "\(arguments): status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func referenceGivesTheSecondDerivative() throws {
        let r = try Tool.run(["reference", "silu", "--order", "2", "--format", "f32"], stdin: Data("0\n-0\ninf\nnan\n".utf8))
        #expect(r.status == 0 && r.stdout.split(separator: "\n") == ["0.5", "0.5", "-0.0", "nan"], "\(r.stdout)\(r.stderr)")
        let softsign = try Tool.run(["reference", "softsign", "--order", "2", "--format", "f64"], stdin: Data("1\n-1\n0\n".utf8))
        #expect(softsign.stdout.split(separator: "\n") == ["-0.25", "0.25", "-0.0"], "\(softsign.stdout)\(softsign.stderr)")
        // JAX's double backward at celu's kink of f″: 1/(4·alpha).
        let celu = try Tool.run(["reference", "celu", "--order", "2", "--convention", "jax", "--param", "alpha=2", "--format", "f64"], stdin: Data("0\n".utf8))
        #expect(celu.stdout == "0.125\n", "\(celu.stdout)\(celu.stderr)")
        // --order 0 and 1 are the value and --derivative.
        let one = try Tool.run(["reference", "sigmoid", "--order", "1", "--format", "f32"], stdin: Data("0\n".utf8))
        let zero = try Tool.run(["reference", "sigmoid", "--order", "0", "--format", "f32"], stdin: Data("0\n".utf8))
        #expect(one.stdout == "0.25\n" && zero.stdout == "0.5\n", "\(one.stdout) \(zero.stdout)")
        let list = try Tool.run(["list", "elu"])
        #expect(list.stdout.contains("f″(x) = 0 for x > 0, alpha·e^x for x < 0") && list.stdout.contains("f″ — pytorch: the right side's, jax: the left side's"))
    }

    @Test func badRequestsAreRefused() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.txt").path
        try expectRefused(["reference", "silu", "--order", "3", "--format", "f32", "-o", out], "--order must be 0, 1 or 2 (got 3)")
        try expectRefused(["reference", "silu", "--order=-1", "--format", "f32", "-o", out], "--order must be 0, 1 or 2")
        try expectRefused(["reference", "silu", "--order", "2", "--derivative", "--format", "f32", "-o", out], "--derivative is --order 1")
        try expectRefused(["reference", "prelu", "--order", "2", "--wrt", "alpha", "--format", "f32", "-o", out], "--order and --wrt exclude each other")
        try expectRefused(["reference", "softsign", "--order", "2", "--convention", "tensorflow", "--format", "f32", "-o", out],
                          "tensorflow has no second derivative of softsign at x = 0")
        try expectRefused(["apply", "gelu", "--order", "2", "--format", "f32", "-o", out], "the built-in kernels compute f and f′, not f″")
        try expectRefused(["serve", "gelu", "--order", "2", "--format", "f32"], "the built-in kernels compute f and f′, not f″", stdin: "")
        try expectRefused(["exhaustive", "gelu", "--order", "2", "--shard", "0/4096", "--output", dir.appendingPathComponent("c.json").path],
                          "exhaustive checks values or first derivatives")
        // Another convention accepted at kinks must have f″ too.
        try expectRefused(["verify", "softsign", "--order", "2", "--format", "f32", "--kink-convention", "tensorflow",
                           "--command", "true"], "tensorflow has no second derivative of softsign")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// Results of f″ in files: the correct ones pass as f″ and fail as f′.
    @Test func verifyFilesOfSecondDerivatives() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.txt"), y = dir.appendingPathComponent("y.txt")
        try Data("0\n0.5\n-3\n20\n40\n-1e-30\n".utf8).write(to: x)
        #expect(try Tool.run(["reference", "gelu-tanh", "--order", "2", "--format", "f64", "-i", x.path, "-o", y.path]).status == 0)
        let pass = try Tool.run(["verify", "gelu-tanh", "--order", "2", "--format", "f64", "--input", x.path, "--actual", y.path])
        #expect(pass.status == 0 && pass.stdout.contains("second derivative") && pass.stdout.contains("result: PASS"), "\(pass.stdout)\(pass.stderr)")
        let fail = try Tool.run(["verify", "gelu-tanh", "--derivative", "--format", "f64", "--input", x.path, "--actual", y.path])
        #expect(fail.status == 1, "\(fail.stdout)")
    }

    /// The protocol header names the quantity; a child computing relu″ = 0 (and NaN for NaN) passes,
    /// one that answers 1 at x = 0 (a Dirac delta's stand-in) fails.
    @Test func commandProtocolCarriesTheOrder() throws {
        func child(_ atZero: String) -> String {
            """
            python3 -c "
            import sys
            h = sys.stdin.readline().split()
            if h[4] != 'second-derivative': sys.exit(3)
            print('ready', flush=True)
            while True:
                n = sys.stdin.readline()
                if not n: break
                for _ in range(int(n)):
                    b = int(sys.stdin.readline(), 16)
                    nan = (b & 0x7f800000) == 0x7f800000 and b & 0x7fffff
                    print('0x7fc00000' if nan else ('\(atZero)' if b & 0x7fffffff == 0 else '0x00000000'))
                sys.stdout.flush()
            "
            """
        }
        let pass = try Tool.run(["verify", "relu", "--order", "2", "--format", "f32", "--count", "2000", "--command", child("0x00000000")])
        #expect(pass.status == 0 && pass.stdout.contains("result: PASS"), "\(pass.stdout)\(pass.stderr)")
        let fail = try Tool.run(["verify", "relu", "--order", "2", "--format", "f32", "--count", "2000", "--command", child("0x3f800000")])
        #expect(fail.status == 1 && fail.stdout.contains("result: FAIL"), "\(fail.stdout)\(fail.stderr)")
    }
}
