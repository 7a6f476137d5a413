import Foundation
import Testing

/// The narrow formats, output formats, overflow rules and scales through the command line, with
/// expected values from closed forms and the formats' specifications (relu is exact, so its
/// narrow result is the spec's rounding of x; gelu(100)·3/10 = 30 − 2^−7213 lies just below
/// e5m2's midpoint 30 between 28 and 32). Bad input: see `HardeningTests`.
@Suite("FP8/MX on the command line")
struct NarrowFormatCLITests {
    func lines(_ arguments: [String], _ stdin: String) throws -> [String] {
        let r = try Tool.run(arguments, stdin: Data(stdin.utf8))
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test func overflowRulesAndScale() throws {
        // e4m3fn: 448 is the largest finite (0x7e); 464 ties to it (even), 465 overflows.
        let x = "448\n464\n465\n-1000\n1\n"
        let bits = try lines(["reference", "relu", "--format", "f32", "--output-format", "e4m3fn"], x)
        #expect(bits == ["448.0", "448.0", "nan", "0.0", "1.0"])
        let saturated = try lines(["reference", "relu", "--format", "f32", "--output-format", "float8_e4m3fn", "--overflow", "saturate"], x)
        #expect(saturated == ["448.0", "448.0", "448.0", "0.0", "1.0"])
        let e5m2 = try lines(["reference", "relu", "--format", "f32", "--output-format", "e5m2"], "57344\n61439\n61440\n")
        #expect(e5m2 == ["57344.0", "57344.0", "inf"]) // 61440 is the midpoint past the largest: ties away to inf
        // MX e2m1 saturates by default: 7 ties to 8, beyond 6.
        #expect(try lines(["reference", "relu", "--format", "f32", "--output-format", "e2m1"], "5\n7\n0.25\n0.26\n") == ["4.0", "6.0", "0.0", "0.5"])
        // One rounding of the exact product: relu(x)/16 and gelu(100)·0.3.
        #expect(try lines(["reference", "relu", "--format", "f32", "--output-format", "e4m3fn", "--scale", "1/16"], "465\n1\n") == ["30.0", "0.0625"])
        #expect(try lines(["reference", "gelu", "--format", "bf16", "--output-format", "e5m2", "--scale", "3/10"], "100\n") == ["28.0"])
    }

    @Test func filesInTheOutputFormat() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("narrow-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // An ml_dtypes-style <V1 array of e4m3fn: 1, 2, −0.5, 448 (0x38, 0x40, 0xb0, 0x7e).
        let header = "{'descr': '<V1', 'fortran_order': False, 'shape': (4,), }"
        let padded = header + String(repeating: " ", count: 117 - header.count) + "\n" // 10 + 118 bytes: aligned to 64
        var npy = Data([0x93] + Array("NUMPY".utf8) + [1, 0, 118, 0]) + Data(padded.utf8)
        npy += Data([0x38, 0x40, 0xb0, 0x7e])
        let input = dir.appendingPathComponent("x.npy"), output = dir.appendingPathComponent("y.npy")
        try npy.write(to: input)
        let r = try Tool.run(["reference", "relu", "--format", "e4m3fn", "--output-format", "f32", "-i", input.path, "-o", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        let written = try Data(contentsOf: output)
        #expect(String(decoding: written.prefix(60), as: UTF8.self).contains("'descr': '<f4'"))
        let values = written.suffix(16).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(values == [1, 2, 0, 448])
        // verify reads the results in the output format: the exact answer passes.
        let y8 = dir.appendingPathComponent("y8.npy")
        #expect(try Tool.run(["reference", "relu", "--format", "e4m3fn", "--output-format", "e5m2", "-i", input.path, "-o", y8.path]).status == 0)
        let v = try Tool.run(["verify", "relu", "--format", "e4m3fn", "--output-format", "e5m2", "-i", input.path, "--actual", y8.path])
        #expect(v.status == 0 && v.stdout.contains("e4m3fn → e5m2") && v.stdout.contains("result: PASS"), "\(v.stdout)\(v.stderr)")
    }

    @Test func commandProtocolWithAnOutputFormat() throws {
        let serve = "\(Tool.url.path) serve gelu --format bf16 --output-format e4m3fn --scale 1/16"
        let pass = try Tool.run(["verify", "gelu", "--format", "bf16", "--output-format", "e4m3fn", "--scale", "1/16", "--command", serve])
        #expect(pass.status == 0 && pass.stdout.contains("result: PASS"), "\(pass.stdout)\(pass.stderr)")
        let broken = try Tool.run(["verify", "gelu", "--format", "bf16", "--output-format", "e4m3fn", "--scale", "1/16", "--command", serve + " --fault position"])
        #expect(broken.status == 1 && broken.stdout.contains("position-dependent"), "\(broken.stdout)\(broken.stderr)")
        // A plain server asked for another output format refuses the header: exit 2, not a pass.
        let plain = try Tool.run(["verify", "gelu", "--format", "bf16", "--output-format", "e4m3fn", "--command", "\(Tool.url.path) serve gelu --format bf16"])
        #expect(plain.status == 2)
    }

    @Test func kernelsCheckedInEveryNarrowFormat() throws {
        let r = try Tool.run(["check", "--format", "e4m3fn,e5m2,e4m3fnuz,e5m2fnuz,e2m3,e3m2,e2m1"])
        #expect(r.status == 0 && r.stdout.contains("all kernels within their declared bounds"), "\(r.stdout.suffix(800))")
        let scaled = try Tool.run(["check", "--format", "bf16,f32", "--output-format", "e4m3fn", "--scale", "f32:0.3", "--function", "gelu"])
        #expect(scaled.status == 0, "\(scaled.stdout.suffix(800))")
        // MX block scales are powers of two from 2^−127 to 2^127: a scale moves the output's
        // midpoints to where the Double result has lost a tail (relu(2^−41)·2^39 = 0.25 in e2m1
        // ties to even; elu, softsign and the shrinks near 0 and far out need their tie-breaks).
        for (output, scale) in [("e4m3fn", "0x1p100"), ("e2m1", "0x1p39"), ("e5m2", "0x1p-100")] {
            let r = try Tool.run(["check", "--format", "bf16,f32", "--output-format", output, "--scale", scale, "--count", "1000"])
            #expect(r.status == 0, "\(output) at \(scale): \(r.stdout.split(separator: "\n").filter { $0.contains("FAIL") }.prefix(5))")
        }
        // The kernels scale in binary64: the exact 3/10 would be another function.
        let decimal = try Tool.run(["check", "--format", "bf16", "--output-format", "e4m3fn", "--scale", "0.3", "--function", "gelu"])
        #expect(decimal.status == 2 && decimal.stderr.contains("not a binary64 number"))
    }
}
