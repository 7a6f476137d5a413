@testable import OracleCLI
import ActivationVerification
import Foundation
import Testing

/// Runs the built `activation-oracle` (next to the test bundle, or $ACTIVATION_ORACLE_BIN).
struct Tool {
    static let url: URL = {
        if let path = ProcessInfo.processInfo.environment["ACTIVATION_ORACLE_BIN"] { return URL(fileURLWithPath: path) }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On some platforms the test binary sits inside a bundle: walk up to the products directory.
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("activation-oracle")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: "activation-oracle-not-built")
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var stdoutData: Data
    }

    static func run(_ arguments: [String], stdin: Data? = nil, directory: URL? = nil, stdinFile: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        if let stdinFile { process.standardInput = FileHandle(forReadingAtPath: stdinFile) }
        signal(SIGPIPE, SIG_IGN) // a child that exits before reading all of stdin is an answer, not a crash
        try process.run()
        if let stdin { try? input.fileHandleForWriting.write(contentsOf: stdin) }
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
    }
}

func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("activation-oracle-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A .npy file as NumPy writes it (version 1.0, little-endian, C order).
func npy(descr: String, shape: String, payload: [UInt8], fortran: String = "False") -> Data {
    var header = "{'descr': '\(descr)', 'fortran_order': \(fortran), 'shape': \(shape), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
    data.append(contentsOf: Array(header.utf8))
    data.append(contentsOf: payload)
    return data
}

func littleEndian(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } } }

@Suite("activation-oracle CLI", .serialized)
struct CLITests {
    @Test func toolIsBuilt() {
        #expect(FileManager.default.isExecutableFile(atPath: Tool.url.path),
                "build it first (swift build), or set ACTIVATION_ORACLE_BIN; looked at \(Tool.url.path)")
    }

    @Test func listShowsEveryEntry() throws {
        let r = try Tool.run(["list"])
        #expect(r.status == 0)
        for name in ["sigmoid", "leaky-relu", "gelu-tanh", "hard-swish", "thresholded-relu", "step", "selu"] {
            #expect(r.stdout.contains("\n" + name) || r.stdout.hasPrefix(name), "\(name) missing from list")
        }
        #expect(r.stdout.contains("1.6732632423543772848170429916717"))
        let one = try Tool.run(["list", "hard-swish"])
        #expect(one.stdout.contains("pytorch: right") && one.stdout.contains("jax: left"))
    }

    @Test func referenceFromTextOnStdin() throws {
        let r = try Tool.run(["reference", "sigmoid", "--format", "f32"], stdin: Data("0\n-100\n# comment\n\ninf\n-0x1p-149\nnan\n".utf8))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "0.5\n3.8e-44\n1.0\n0.5\nnan\n")
        let bits = try Tool.run(["reference", "silu", "--derivative", "--format", "bf16", "--bits"], stdin: Data("0x0000\n0xbf80\n".utf8))
        #expect(bits.stdout == "0x3f00\n0x3d94\n", "\(bits.stdout)")
        let param = try Tool.run(["reference", "leaky-relu", "--param", "alpha=1.5", "--format", "f32", "--bits"],
                                 stdin: Data("0xbf800001\n".utf8))
        #expect(param.stdout == "0xbfc00002\n")
    }

    @Test func parameterDerivative() throws {
        let r = try Tool.run(["reference", "prelu", "--wrt", "alpha", "--format", "f32"], stdin: Data("-2.5\n3\n".utf8))
        #expect(r.status == 0 && r.stdout == "-2.5\n0.0\n", "\(r.stdout)\(r.stderr)")
        let both = try Tool.run(["reference", "prelu", "--wrt", "alpha", "--derivative", "--format", "f32"], stdin: Data())
        #expect(both.status == 2 && both.stderr.contains("exclude each other"))
        let none = try Tool.run(["reference", "relu", "--wrt", "alpha", "--format", "f32"], stdin: Data())
        #expect(none.status == 2 && none.stderr.contains("no derivative with respect to 'alpha'"))
    }

    @Test func referenceNpyRoundTrip() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("in.npy"), output = dir.appendingPathComponent("out.npy")
        try npy(descr: "<f4", shape: "(2, 2)", payload: littleEndian([0, 0x3f80_0000, 0xbf80_0000, 0x7f80_0000])).write(to: input)
        let r = try Tool.run(["reference", "relu", "--format", "f32", "-i", input.path, "-o", output.path])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: output)
        #expect(data.count % 64 == 16) // 64-byte header + 16 bytes of data
        let header = String(decoding: data.prefix(data.count - 16), as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 2)"))
        #expect(Array(data.suffix(16)) == littleEndian([0, 0x3f80_0000, 0, 0x7f80_0000]))
        // bfloat16 travels as <u2 bit patterns
        try npy(descr: "<u2", shape: "(1,)", payload: [0x00, 0x3f]).write(to: input)
        let b = try Tool.run(["reference", "tanh", "--format", "bf16", "-i", input.path, "-o", output.path])
        let tail = Array(try Data(contentsOf: output).suffix(2))
        #expect(b.status == 0 && tail == [0xed, 0x3e]) // bf16 tanh(0.5) = 0x3eed (mpmath)
    }

    /// Every bad input: one line on stderr, exit 2, no output file left behind.
    @Test func badInputsExitTwoWithOneLine() throws {
        let dir = try temporaryDirectory()
        let output = dir.appendingPathComponent("out.npy")
        func write(_ name: String, _ data: Data) throws -> String {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            return url.path
        }
        let cases: [(args: [String], stdin: String?, message: String)] = [
            (["reference", "nosuch", "--format", "f32"], "", "unknown function 'nosuch'"),
            (["reference", "relu", "--format", "f33"], "", "f33"),
            (["reference", "relu", "--param", "alpha=1", "--format", "f32"], "", "relu has no parameter 'alpha'"),
            (["reference", "celu", "--param", "alpha=0", "--format", "f32"], "", "alpha must be ≠ 0"),
            (["reference", "elu", "--param", "alpha=abc", "--format", "f32"], "", "'abc' is not an exact number"),
            (["reference", "elu", "--param", "alpha", "--format", "f32"], "", "--param expects name=value"),
            (["reference", "hard-shrink", "--derivative", "--convention", "jax", "--format", "f32"], "", "jax has no hard-shrink"),
            (["reference", "relu", "--format", "f32"], "1\nabc\n", "<stdin>:2: cannot read 'abc'"),
            (["reference", "relu", "--format", "f32", "--bits"], "0x123456789\n", "cannot read '0x123456789'"),
            (["reference", "relu", "--format", "f32", "-i", "/nonexistent/file"], nil, "cannot open"),
            (["reference", "relu", "--format", "f32", "-i", try write("bad.npy", Data("NOTNUMPY".utf8))], nil, "bad magic"),
            (["reference", "relu", "--format", "f32", "-i", try write("be.npy", npy(descr: ">f4", shape: "(1,)", payload: [0, 0, 0, 0]))], nil, "big-endian"),
            (["reference", "relu", "--format", "f32", "-i", try write("fo.npy", npy(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0], fortran: "True"))], nil, "Fortran"),
            (["reference", "relu", "--format", "f64", "-i", try write("dt.npy", npy(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0]))], nil, "does not match --format f64"),
            (["reference", "relu", "--format", "f32", "-i", try write("tr.npy", npy(descr: "<f4", shape: "(3,)", payload: [0, 0, 0, 0]))], nil, "truncated"),
            (["reference", "relu", "--format", "f32", "-i", try write("ex.npy", npy(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0, 1]))], nil, "after the last element"),
            (["reference", "relu", "--format", "bf16", "-i", try write("bf.npy", npy(descr: "<f2", shape: "(1,)", payload: [0, 0]))], nil, "expected <u2"),
        ]
        for c in cases {
            let r = try Tool.run(c.args + ["-o", output.path], stdin: c.stdin.map { Data($0.utf8) })
            #expect(r.status == 2, "\(c.args): status \(r.status), stderr \(r.stderr)")
            #expect(r.stderr.contains(c.message), "\(c.args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(c.args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: output.path), "\(c.args) left an output file")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("partial") || $0.hasPrefix(".") }
            #expect(leftovers.isEmpty, "\(c.args) left \(leftovers)")
        }
    }

    @Test func demoPrintsTheTable() throws {
        let r = try Tool.run(["demo"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("27 activations"))
        // gelu at −20 is a negative zero in f32; sigmoid at −100 a subnormal (27·2^−149)
        #expect(r.stdout.contains("3.78351e-44"))
        let gelu = r.stdout.split(separator: "\n").first { $0.hasPrefix("gelu ") }.map(String.init) ?? ""
        #expect(gelu.contains("-0") && gelu.contains("-0.158655"), "\(gelu)")
    }

    @Test func checkReportsAndGates() throws {
        let r = try Tool.run(["check", "--function", "hard-swish", "--format", "bf16,f32", "--count", "200"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("hard-swish") && r.stdout.contains("65536") && r.stdout.contains("pass"))
        #expect(r.stdout.contains("all kernels within their declared bounds"))
        let bad = try Tool.run(["check", "--format", "f99"])
        #expect(bad.status == 2 && bad.stderr.contains("unknown format 'f99'"))
    }

    @Test func applyRunsTheKernel() throws {
        let r = try Tool.run(["apply", "relu", "--format", "f32"], stdin: Data("-1\n2.5\nnan\n".utf8))
        #expect(r.status == 0 && r.stdout == "0.0\n2.5\nnan\n", "\(r.stdout)\(r.stderr)")
        let d = try Tool.run(["apply", "hard-swish", "--derivative", "--format", "f64"], stdin: Data("-3\n3\n".utf8))
        #expect(d.stdout == "0.0\n1.0\n", "\(d.stdout)") // PyTorch 2.15's convention at the kinks
        let old = try Tool.run(["apply", "hard-swish", "--derivative", "--convention", "right", "--format", "f64"], stdin: Data("-3\n".utf8))
        #expect(old.stdout == "-0.5\n", "\(old.stdout)")
    }

    @Test func benchPrintsJSON() throws {
        let r = try Tool.run(["bench", "--function", "relu", "--count", "1000", "--repeat", "1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let object = try JSONSerialization.jsonObject(with: r.stdoutData) as? [String: Any]
        let results = object?["results"] as? [[String: Any]] ?? []
        #expect(object?["copy_ns_per_element"] is Double && object?["two_inputs_ns_per_element"] is Double && object?["count"] as? Int == 1000)
        #expect(Set(results.compactMap { $0["direction"] as? String }) == ["forward", "derivative", "backward"])
        #expect(results.allSatisfy { $0["function"] as? String == "relu" && $0["format"] as? String == "f32" && $0["ratio_to_copy"] is Double })
    }

    @Test func helpExitsZero() throws {
        let r = try Tool.run(["reference", "--help"])
        #expect(r.status == 0 && r.stdout.contains("--param"))
    }
}

@Suite struct DigestTests {
    /// FIPS 180-4 examples.
    @Test func sha256() {
        var h = SHA256()
        h.update(Array("abc".utf8))
        #expect(h.finalize() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var two = SHA256()
        two.update(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        #expect(two.finalize() == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        var empty = SHA256()
        #expect(empty.finalize() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// Long inputs in odd pieces, through the SHA extensions (where the CPU has them) and through
    /// the portable rounds: FIPS 180-4's million 'a', and bytes (7i + 3) mod 256 for i < 1,000,003,
    /// whose digest Python's hashlib gave (`hashlib.sha256(bytes((i*7+3)%256 for i in
    /// range(1000003))).hexdigest()`).
    @Test(arguments: [true, false])
    func sha256LongInputsBothPaths(_ extensions: Bool) {
        guard !extensions || SHA256.extensionsAvailable else { return }
        let data = (0..<1_000_003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        for pieces in [[1_000_003], [1, 63, 64, 65, 999_810], [4096, 17, 995_890]] {
            var h = SHA256()
            h.useExtensions = extensions
            var at = 0
            for n in pieces { h.update(data[at..<at + n]); at += n }
            #expect(h.finalize() == "987ab1b5b3b71c1d1053a817cffc3695c96e78c2b068d558c6b340a8255c3ed8", "pieces \(pieces)")
        }
        var a = SHA256()
        a.useExtensions = extensions
        for _ in 0..<1000 { a.update([UInt8](repeating: 0x61, count: 1000)) }
        #expect(a.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
