import Foundation
import Testing

/// Gated units on the command line: pairs in (a `.npy` trailing axis of 2, text `a b` lines),
/// one result per pair out; values from closed forms (σ(0)·b = b/2, relu(a)·b exact, the IEEE
/// rules for 0·inf); `verify` with files and with `--command` (pairs on each protocol line),
/// broken servers caught; every bad request one line and exit 2 with nothing written.
@Suite("Gated units on the command line", .serialized)
struct GatedCLITests {
    func lines(_ arguments: [String], _ stdin: String) throws -> [Substring] {
        let r = try Tool.run(arguments, stdin: Data(stdin.utf8))
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return r.stdout.split(separator: "\n")
    }

    @Test func referenceTakesPairs() throws {
        // glu(0, b) = b/2; reglu(−1, −2) = (+0)·(−2) = −0; silu(−inf)·inf: 0·inf is NaN; relu(inf)·(−3) = −inf.
        #expect(try lines(["reference", "glu", "--format", "f32"], "0 3\n0,-1\n") == ["1.5", "-0.5"])
        #expect(try lines(["reference", "reglu", "--format", "f32"], "-1 -2\n2.5 -3\ninf -3\ninf 0\n") == ["-0.0", "-7.5", "-inf", "nan"])
        #expect(try lines(["reference", "swiglu", "--format", "f64"], "-inf inf\nnan 1\n0 -0\n") == ["nan", "nan", "-0.0"])
        // ∂/∂a = b·σ′(a) = b/4 at 0; ∂/∂b = σ(a), whatever b is.
        #expect(try lines(["reference", "glu", "--wrt", "a", "--format", "f32"], "0 2\n") == ["0.5"])
        #expect(try lines(["reference", "glu", "--wrt", "b", "--format", "f32"], "0 nan\n") == ["0.5"])
        // npy: shape (2, 2) in, (2,) out.
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("ab.npy"), y = dir.appendingPathComponent("y.npy")
        let payload = littleEndian([Float(0).bitPattern, Float(4).bitPattern, Float(2).bitPattern, Float(-1).bitPattern])
        try npy(descr: "<f4", shape: "(2, 2)", payload: payload).write(to: x)
        #expect(try Tool.run(["reference", "reglu", "--format", "f32", "-i", x.path, "-o", y.path]).status == 0)
        let out = try Data(contentsOf: y)
        #expect(String(decoding: out.prefix(80), as: UTF8.self).contains("'shape': (2,)"))
        #expect(out.suffix(8).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) } == [0, -2])
    }

    @Test func verifyFilesAndCommands() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("ab.txt"), y = dir.appendingPathComponent("y.txt"), json = dir.appendingPathComponent("r.json")
        try Data("0 3\n1.5 -2\n-20 1e30\n100 0.25\n".utf8).write(to: x)
        #expect(try Tool.run(["reference", "geglu", "--format", "f32", "-i", x.path, "-o", y.path]).status == 0)
        let pass = try Tool.run(["verify", "geglu", "--format", "f32", "--input", x.path, "--actual", y.path, "--json", json.path])
        #expect(pass.status == 0 && pass.stdout.contains("4 pairs, max 0 ULP") && pass.stdout.contains("result: PASS"), "\(pass.stdout)\(pass.stderr)")
        #expect(try String(contentsOf: json, encoding: .utf8).contains("\"pass\" : true"))
        let wrong = dir.appendingPathComponent("w.txt")
        try Data("0\n-3\n0\n25\n".utf8).write(to: wrong)
        let fail = try Tool.run(["verify", "geglu", "--format", "f32", "--input", x.path, "--actual", wrong.path])
        #expect(fail.status == 1 && fail.stdout.contains("result: FAIL"), "\(fail.stdout)")
        let short = dir.appendingPathComponent("s.txt")
        try Data("0\n".utf8).write(to: short)
        let mismatch = try Tool.run(["verify", "geglu", "--format", "f32", "--input", x.path, "--actual", short.path])
        #expect(mismatch.status == 2 && mismatch.stderr.contains("length mismatch"), "\(mismatch.stderr)")
        // The protocol: the built-in kernel passes; broken servers fail, each for its class.
        let serve = "\(Tool.url.path) serve swiglu --format bf16"
        let ok = try Tool.run(["verify", "swiglu", "--format", "bf16", "--count", "3000", "--command", serve])
        #expect(ok.status == 0 && ok.stdout.contains("result: PASS"), "\(ok.stdout)\(ok.stderr)")
        for (fault, mark) in [("two-ulp", "finite"), ("zero-sign", "zero_sign"), ("position", "finite")] {
            let r = try Tool.run(["verify", "swiglu", "--format", "bf16", "--count", "3000", "--command", serve + " --fault " + fault])
            #expect(r.status == 1 && r.stdout.contains(mark), "\(fault): \(r.stdout)\(r.stderr)")
        }
        let da = try Tool.run(["verify", "swiglu", "--wrt", "a", "--format", "f32", "--count", "500", "--command", "\(Tool.url.path) serve swiglu --wrt a --format f32"])
        #expect(da.status == 0, "\(da.stdout)\(da.stderr)")
    }

    @Test func vectorsWritePairs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let v = dir.appendingPathComponent("v")
        let made = try Tool.run(["vectors", "glu", "--wrt", "a", "--format", "f32", "--count", "200", "-o", v.path])
        #expect(made.status == 0 && made.stdout.contains("random 200"), "\(made.stdout)\(made.stderr)")
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: v.appendingPathComponent("manifest.json"))) as? [String: Any] ?? [:]
        #expect(manifest["function"] as? String == "glu" && manifest["quantity"] as? String == "d/da")
        #expect((manifest["verify"] as? String)?.contains("verify glu --wrt a --format f32") == true)
        let count = manifest["count"] as? Int ?? 0
        let inputs = try Data(contentsOf: v.appendingPathComponent("inputs.npy")), expected = try Data(contentsOf: v.appendingPathComponent("expected.npy"))
        #expect(String(decoding: inputs.prefix(80), as: UTF8.self).contains("'shape': (\(count), 2)"), "inputs: a trailing axis of 2")
        #expect(String(decoding: expected.prefix(80), as: UTF8.self).contains("'shape': (\(count),)"))
        // The first edge pair is a = +0 with b = +0 … the row of a = +0: σ′(0)·b = b/4 (closed form).
        let header = { (d: Data) in Int(d[8]) | Int(d[9]) << 8 }
        let ab = inputs.dropFirst(10 + header(inputs)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let y = expected.dropFirst(10 + header(expected)).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(ab.count == 2 * count && y.count == count)
        var checked = 0
        for i in 0..<count where ab[2 * i] == 0 && ab[2 * i + 1].isFinite {
            #expect(y[i] == ab[2 * i + 1] / 4, "σ′(0)·\(ab[2 * i + 1]) = \(y[i])")
            checked += 1
        }
        #expect(checked >= 8)
        // The written files pass verify; one result off fails it.
        let same = try Tool.run(["verify", "glu", "--wrt", "a", "--format", "f32", "--input", v.appendingPathComponent("inputs.npy").path,
                                 "--actual", v.appendingPathComponent("expected.npy").path])
        #expect(same.status == 0 && same.stdout.contains("\(count) pairs, max 0 ULP"), "\(same.stdout)\(same.stderr)")
        var broken = expected
        broken[10 + header(expected) + 4 * (count - 1)] ^= 1
        let b = dir.appendingPathComponent("b.npy")
        try broken.write(to: b)
        let fail = try Tool.run(["verify", "glu", "--wrt", "a", "--format", "f32", "--input", v.appendingPathComponent("inputs.npy").path, "--actual", b.path])
        #expect(fail.status == 1, "\(fail.stdout)")
        // Bad requests: one line, exit 2, nothing made.
        for (arguments, message) in [(["--scale", "2"], "for one-input entries"), (["--format", "e5m2"], "gated units take"), (["--derivative"], "--wrt a")] {
            let w = dir.appendingPathComponent("w")
            let r = try Tool.run(["vectors", "glu", "--format", "f32", "-o", w.path] + arguments)
            #expect(r.status == 2 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: w.path))
        }
    }

    @Test func badRequests() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("y.txt").path
        func refused(_ arguments: [String], _ message: String, stdin: String = "1 2\n") throws {
            let r = try Tool.run(arguments, stdin: Data(stdin.utf8))
            #expect(r.status == 2 && r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(arguments): \(r.status) \(r.stderr)")
        }
        try refused(["reference", "swiglu", "--format", "f32", "-o", out], "pairs are two values apart by spaces or one comma", stdin: "1\n")
        try refused(["reference", "swiglu", "--format", "f32", "-o", out], "got '1 2 3'", stdin: "1 2 3\n")
        try refused(["reference", "swiglu", "--format", "f32", "-o", out], "got '1,,2'", stdin: "1,,2\n")
        try refused(["reference", "swiglu", "--format", "e4m3fn", "-o", out], "gated units take f16, bf16, f32 or f64")
        try refused(["check", "--function", "swiglu", "--format", "f32"], "swiglu is a gated unit")
        try refused(["reference", "swiglu", "--format", "f32", "-o", out], "cannot read 'x'", stdin: "1 x\n")
        try refused(["reference", "swiglu", "--param", "beta=2", "--format", "f32", "-o", out], "swiglu has no parameter 'beta'")
        try refused(["reference", "swiglu", "--derivative", "--format", "f32", "-o", out], "--wrt a")
        try refused(["reference", "swiglu", "--order", "2", "--format", "f32", "-o", out], "--wrt a")
        try refused(["reference", "swiglu", "--wrt", "c", "--format", "f32", "-o", out], "--wrt must be a or b")
        try refused(["reference", "swiglu", "--scale", "2", "--format", "f32", "-o", out], "for one-input entries")
        try refused(["apply", "swiglu", "--format", "f32", "-o", out], "swiglu is a gated unit")
        try refused(["verify", "swiglu", "--format", "f32", "--allow-ftz", "--command", "true"], "only --max-ulp applies")
        try refused(["serve", "swiglu", "--format", "f32", "--fault", "hang"], "--fault for a gated unit", stdin: "")
        // A .npy whose last axis is not 2.
        let x = dir.appendingPathComponent("x.npy")
        try npy(descr: "<f4", shape: "(3,)", payload: littleEndian([0, 0, 0])).write(to: x)
        try refused(["reference", "swiglu", "--format", "f32", "-i", x.path, "-o", out], "pairs (a, b) need a last axis of 2")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["x.npy"])
    }
}
