import Foundation
import Testing

/// `verify` and `vectors` through the binary: every way of being wrong from the verification
/// issue is found and classified, through files and through `--command` (the broken
/// implementations are `activation-oracle serve --fault ...`, the built-in kernels broken on
/// purpose); allowances turn the right failures into passes; bad input exits 2.
@Suite("activation-oracle verify")
struct VerifyTests {
    struct Fault: CustomStringConvertible, Sendable {
        var function: String
        var fault: String
        var expectedClass: String
        var derivative = false
        /// Allowance flags under which the same implementation passes.
        var allowance: [String]? = nil
        var description: String { "\(function) \(fault)" }
    }

    static let faults: [Fault] = [
        // The allowances add the kernel's own declared bound: its Float results are within 1 ULP,
        // not correctly rounded (gelu's and tanh's on ~0.1 % of the inputs).
        Fault(function: "gelu", fault: "ftz", expectedClass: "subnormal", allowance: ["--allow-ftz", "--max-ulp", "1"]),
        Fault(function: "relu", fault: "nan-to-zero", expectedClass: "nan"),
        Fault(function: "tanh", fault: "zero-sign", expectedClass: "zero_sign", allowance: ["--ignore-zero-sign", "--max-ulp", "1"]),
        Fault(function: "gelu", fault: "two-ulp", expectedClass: "finite", allowance: ["--max-ulp", "2"]),
        Fault(function: "sigmoid", fault: "early-saturation", expectedClass: "finite"),
        Fault(function: "hard-swish", fault: "overflow", expectedClass: "inf"),
        Fault(function: "relu", fault: "other-kink", expectedClass: "finite", derivative: true, allowance: ["--kink-convention", "right"]),
        Fault(function: "gelu", fault: "nan-at-neg-inf", expectedClass: "nan"),
    ]

    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    @Test("--command finds and classifies each fault", arguments: faults)
    func commandFaults(_ fault: Fault) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = dir.appendingPathComponent("report.json")
        let d = fault.derivative ? ["--derivative"] : []
        let serve = ([Tool.url.path, "serve", fault.function, "--format", "f32", "--fault", fault.fault] + d).joined(separator: " ")
        let base = ["verify", fault.function, "--format", "f32", "--count", "1000", "--command", serve] + d
        let r = try Tool.run(base + ["--json", report.path])
        #expect(r.status == 1, "\(fault): exit \(r.status), stderr \(r.stderr)")
        let j = try Self.json(report)
        let classes = j["classes"] as? [String: Int] ?? [:]
        #expect((classes[fault.expectedClass] ?? 0) > 0, "\(fault): classes \(classes)")
        #expect(j["pass"] as? Bool == false)
        #expect(r.stdout.contains("simplest failing input"), "\(fault): no shrunk input in \(r.stdout)")
        if let allowance = fault.allowance {
            let allowed = try Tool.run(base + allowance)
            #expect(allowed.status == 0, "\(fault) with \(allowance): exit \(allowed.status)\n\(allowed.stdout)")
        }
    }

    @Test func correctImplementationPassesThroughCommand() throws {
        let serve = "\(Tool.url.path) serve silu --format bf16"
        let r = try Tool.run(["verify", "silu", "--format", "bf16", "--command", serve])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("inputs: 65"), "bf16 sends every input: \(r.stdout)")
    }

    @Test("a misbehaving subprocess is an error (exit 2), never a pass", arguments: [
        ("garbage", "instead of 'ready'"), ("exit", "exited with status 3"), ("hang", "timed out"),
        ("extra-line", "more than it was asked for"), ("short", "timed out"),
    ])
    func misbehavingSubprocess(_ fault: String, _ message: String) throws {
        let serve = "\(Tool.url.path) serve relu --format f32 --fault \(fault)"
        let r = try Tool.run(["verify", "relu", "--format", "f32", "--count", "5000", "--timeout", "1", "--command", serve])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(fault): \(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
    }

    @Test func filesVectorsAndReports() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vectors = dir.appendingPathComponent("v")
        let made = try Tool.run(["vectors", "softplus", "--format", "f32", "--count", "500", "--output", vectors.path])
        #expect(made.status == 0, "\(made.stderr)")
        let manifest = try Self.json(vectors.appendingPathComponent("manifest.json"))
        #expect(manifest["function"] as? String == "softplus" && manifest["format"] as? String == "f32")
        let inputs = vectors.appendingPathComponent("inputs.npy"), expected = vectors.appendingPathComponent("expected.npy")
        // the expected values themselves pass
        let same = try Tool.run(["verify", "softplus", "--format", "f32", "--input", inputs.path, "--actual", expected.path])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        // a result off by 3 ULP fails, with report, markdown and plot
        var data = try Data(contentsOf: expected)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let at = 10 + headerLength + 4 * 200
        data[at] = data[at] &+ 3
        let broken = dir.appendingPathComponent("broken.npy")
        try data.write(to: broken)
        let json = dir.appendingPathComponent("r.json"), md = dir.appendingPathComponent("r.md"), svg = dir.appendingPathComponent("r.svg")
        let r = try Tool.run(["verify", "softplus", "--format", "f32", "--input", inputs.path, "--actual", broken.path,
                              "--json", json.path, "--markdown", md.path, "--plot", svg.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let j = try Self.json(json)
        #expect(j["max_ulp"] as? Int == 3 && j["count"] as? Int == manifest["count"] as? Int)
        for key in ["function", "format", "derivative", "count", "max_ulp", "pass", "classes", "worst"] { #expect(j[key] != nil, "JSON lacks \(key)") }
        let worst = (j["worst"] as? [[String: Any]])?.first
        #expect(worst?["ulp"] as? Int == 3 && (worst?["x"] as? String)?.hasPrefix("0x") == true)
        #expect(try String(contentsOf: md, encoding: .utf8).contains("| finite | 1 |"))
        #expect(try String(contentsOf: svg, encoding: .utf8).hasPrefix("<svg"))
        #expect(try Tool.run(["verify", "softplus", "--format", "f32", "--input", inputs.path, "--actual", broken.path, "--max-ulp", "3"]).status == 0)
    }

    @Test func badFilesExitTwo() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = dir.appendingPathComponent("x.txt"), y = dir.appendingPathComponent("y.txt"), bad = dir.appendingPathComponent("bad.txt")
        try "1\n2\n3\n".write(to: x, atomically: true, encoding: .utf8)
        try "0.7310586\n0.8807971\n".write(to: y, atomically: true, encoding: .utf8)
        try "0.73\nzebra\n0.95\n".write(to: bad, atomically: true, encoding: .utf8)
        let f32 = dir.appendingPathComponent("f.npy")
        try npy(descr: "<f4", shape: "(3,)", payload: littleEndian([0, 0, 0])).write(to: f32)
        let cases: [([String], String)] = [
            (["--input", x.path, "--actual", y.path], "length mismatch"),
            (["--input", x.path, "--actual", bad.path], "bad.txt:2"),
            (["--input", x.path, "--actual", f32.path, "--format", "f64"], "does not match --format f64"),
            (["--input", x.path], "either --input and --actual, or --command"),
            (["--input", x.path, "--actual", x.path, "--kink-convention", "sideways"], "unknown kink convention"),
        ]
        for (arguments, message) in cases {
            var all = ["verify", "sigmoid"] + arguments
            if !arguments.contains("--format") { all += ["--format", "f32"] }
            let r = try Tool.run(all)
            #expect(r.status == 2 && r.stderr.contains(message), "\(arguments): exit \(r.status), \(r.stderr)")
        }
    }
}

@Suite("activation-oracle exhaustive")
struct ExhaustiveTests {
    @Test func shardsCertifyAndMerge() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.json"), b = dir.appendingPathComponent("b.json"), m = dir.appendingPathComponent("m.json")
        // the last two 2^20-input shards: large negative NaNs and -inf..., cheap and full of specials
        for (shard, file) in [("4094/4096", a), ("4095/4096", b)] {
            let r = try Tool.run(["exhaustive", "relu", "--derivative", "--shard", shard, "--quiet", "-o", file.path])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        }
        let again = try Tool.run(["exhaustive", "relu", "--derivative", "--shard", "4095/4096", "--quiet", "-o", b.path])
        #expect(again.status == 0 && again.stdout.contains("already complete"))
        let merged = try Tool.run(["exhaustive", "merge", b.path, a.path, "-o", m.path])
        #expect(merged.status == 0, "\(merged.stderr)")
        let c = try VerifyTests.json(m)
        #expect(c["inputs_checked"] as? Int == 1 << 21 && c["pass"] as? Bool == true && c["function"] as? String == "relu")
        for key in ["parameters", "derivative", "format", "implementation", "max_ulp", "bound", "classes", "seconds", "machine", "outputs_sha256"] {
            #expect(c[key] != nil, "certificate lacks \(key)")
        }
        // a merge with a gap, or of another run, is refused
        #expect(try Tool.run(["exhaustive", "merge", a.path, "-o", m.path]).status == 0)
        let other = dir.appendingPathComponent("o.json")
        #expect(try Tool.run(["exhaustive", "relu", "--shard", "4093/4096", "--quiet", "-o", other.path]).status == 0)
        let bad = try Tool.run(["exhaustive", "merge", other.path, b.path, "-o", m.path])
        #expect(bad.status == 2 && bad.stderr.contains("another run"), "\(bad.stderr)")
        #expect(try Tool.run(["exhaustive", "relu", "--shard", "3/5", "-o", other.path]).status == 2)
    }

    /// `recheck` recomputes a certificate's outputs: the same bits hold, other bits (here: a
    /// digest edited by one character) are reported with the command that remakes it.
    @Test func recheckComparesOutputs() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("c.json"), edited = dir.appendingPathComponent("e.json")
        let made = try Tool.run(["exhaustive", "leaky-relu", "--param", "alpha=0.01", "--shard", "3000/4096", "--quiet", "-o", cert.path])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        let holds = try Tool.run(["exhaustive", "recheck", cert.path])
        #expect(holds.status == 0 && holds.stdout.contains("leaky-relu: holds"), "\(holds.stdout)\(holds.stderr)")
        var text = try String(contentsOf: cert, encoding: .utf8)
        let digest = try #require(try VerifyTests.json(cert)["outputs_sha256"] as? String)
        text = text.replacingOccurrences(of: digest, with: String(digest.dropLast()) + (digest.hasSuffix("0") ? "1" : "0"))
        try text.write(to: edited, atomically: true, encoding: .utf8)
        let changed = try Tool.run(["exhaustive", "recheck", cert.path, edited.path])
        #expect(changed.status == 1 && changed.stdout.contains("CHANGED") && changed.stdout.contains("--shard 3000/4096"), "\(changed.stdout)")
        let notCertificate = try Tool.run(["exhaustive", "recheck", dir.appendingPathComponent("missing.json").path])
        #expect(notCertificate.status == 2 && notCertificate.stderr.split(separator: "\n").count == 1, "\(notCertificate.stderr)")
    }

    /// Ctrl-C after the first chunk leaves a checkpoint (and no certificate); the same command
    /// resumes from it and finishes.
    @Test func interruptedRunResumes() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("c.json"), checkpoint = dir.appendingPathComponent("c.json.checkpoint")
        let arguments = ["exhaustive", "relu", "--shard", "2000/2048", "--threads", "1", "--quiet", "-o", cert.path]
        let process = Process()
        process.executableURL = Tool.url
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline { usleep(20_000) }
        process.interrupt()
        process.waitUntilExit()
        #expect(process.terminationStatus == 130 || FileManager.default.fileExists(atPath: cert.path), "exit \(process.terminationStatus)")
        if process.terminationStatus == 130 {
            #expect(FileManager.default.fileExists(atPath: checkpoint.path) && !FileManager.default.fileExists(atPath: cert.path))
            let resumed = try Tool.run(arguments)
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        }
        let c = try VerifyTests.json(cert)
        #expect(c["inputs_checked"] as? Int == 1 << 21 && c["pass"] as? Bool == true)
        #expect(!FileManager.default.fileExists(atPath: checkpoint.path))
    }

    @Test func brokenImplementationFailsThroughCommand() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cert = dir.appendingPathComponent("c.json")
        let serve = "\(Tool.url.path) serve tanh --format f32 --fault zero-sign"
        // shard 0/4096: +0 and the positive subnormals, where tanh(x) = x and the fault shows
        let r = try Tool.run(["exhaustive", "tanh", "--shard", "0/4096", "--quiet", "--command", serve, "-o", cert.path])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        let c = try VerifyTests.json(cert)
        #expect((c["classes"] as? [String: Int])?["zero_sign"] == 1 && c["pass"] as? Bool == false)
        #expect(c["worst"] as? String == "0x00000000")
    }
}

/// The same faults through files: the broken results are the oracle's own results (from
/// `vectors`) broken in Swift here, so only `verify`'s reading and classification are under test.
@Suite("activation-oracle verify with files")
struct VerifyFileFaultTests {
    struct Case: CustomStringConvertible, Sendable {
        var function: String
        var fault: String
        var expectedClass: String
        var derivative = false
        var description: String { "\(function) \(fault)" }
    }

    static let cases: [Case] = [
        Case(function: "gelu", fault: "ftz", expectedClass: "subnormal"),
        Case(function: "relu", fault: "nan-to-zero", expectedClass: "nan"),
        Case(function: "tanh", fault: "zero-sign", expectedClass: "zero_sign"),
        Case(function: "gelu", fault: "two-ulp", expectedClass: "finite"),
        Case(function: "sigmoid", fault: "early-saturation", expectedClass: "finite"),
        Case(function: "hard-swish", fault: "overflow", expectedClass: "inf"),
        Case(function: "relu", fault: "other-kink", expectedClass: "finite", derivative: true),
        Case(function: "gelu", fault: "nan-at-neg-inf", expectedClass: "nan"),
    ]

    static func floats(_ url: URL) throws -> (header: Data, values: [Float]) {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let body = data.suffix(from: 10 + headerLength)
        var values: [Float] = []
        var i = body.startIndex
        while i < body.endIndex {
            var bits: UInt32 = 0
            for b in 0..<4 { bits |= UInt32(body[i + b]) << UInt32(8 * b) }
            values.append(Float(bitPattern: bits))
            i += 4
        }
        return (data.prefix(10 + headerLength), values)
    }

    @Test(arguments: cases)
    func fileFaults(_ c: Case) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = c.derivative ? ["--derivative"] : []
        let v = dir.appendingPathComponent("v")
        #expect(try Tool.run(["vectors", c.function, "--format", "f32", "--count", "2000", "--output", v.path] + d).status == 0)
        let (header, x) = try Self.floats(v.appendingPathComponent("inputs.npy"))
        var (_, y) = try Self.floats(v.appendingPathComponent("expected.npy"))
        var other: [Float] = []
        if c.fault == "other-kink" {
            let o = dir.appendingPathComponent("other.npy")
            #expect(try Tool.run(["reference", c.function, "--format", "f32", "--convention", "right", "--input",
                                  v.appendingPathComponent("inputs.npy").path, "--output", o.path] + d).status == 0)
            other = try Self.floats(o).values
        }
        var limits: [Float] = []
        if c.fault == "early-saturation" {
            let text = try Tool.run(["reference", c.function, "--format", "f32"] + d, stdin: Data("-inf\ninf\n".utf8)).stdout
            limits = text.split(separator: "\n").compactMap { Float(String($0)) }
        }
        for i in y.indices {
            switch c.fault {
            case "ftz": if y[i].isSubnormal { y[i] = 0 }
            case "nan-to-zero": if x[i].isNaN { y[i] = 0 }
            case "zero-sign": if y[i] == 0 { y[i] = -y[i] }
            case "two-ulp": if x[i] > 1 && x[i] < 2 { y[i] = y[i].nextUp.nextUp }
            case "nan-at-neg-inf": if x[i] == -Float.infinity { y[i] = Float.nan }
            case "early-saturation":
                let v = x[i]
                if v.isFinite && v.magnitude > 8 { y[i] = v < 0 ? limits[0] : limits[1] }
            case "overflow":
                let v = x[i]
                if v.isFinite && v.magnitude > 1e30 { y[i] = v < 0 ? -Float.infinity : Float.infinity }
            case "other-kink": y[i] = other[i]
            default: break
            }
        }
        var actual = header
        for value in y { withUnsafeBytes(of: value.bitPattern.littleEndian) { actual.append(contentsOf: $0) } }
        let actualURL = dir.appendingPathComponent("actual.npy"), report = dir.appendingPathComponent("r.json")
        try actual.write(to: actualURL)
        let r = try Tool.run(["verify", c.function, "--format", "f32", "--input", v.appendingPathComponent("inputs.npy").path,
                              "--actual", actualURL.path, "--json", report.path] + d)
        #expect(r.status == 1, "\(c): exit \(r.status) \(r.stderr)")
        let classes = (try VerifyTests.json(report))["classes"] as? [String: Int] ?? [:]
        #expect((classes[c.expectedClass] ?? 0) > 0, "\(c): classes \(classes)")
    }
}
