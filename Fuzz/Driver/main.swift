import ActivationFuzzTargets
import Foundation
#if FUZZING
import CFuzzSupport
#endif

// activation-oracle-fuzz TARGET [FILE-OR-DIR ...]
//   ordinary build: runs TARGET on each file (or each file in each directory), to replay inputs;
//   fuzzing build (-sanitize=fuzzer -DFUZZING, see Fuzz/README.md): libFuzzer's options follow.
let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    FileHandle.standardError.write(Data("usage: activation-oracle-fuzz \(FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")) [libFuzzer options | files]\n".utf8))
    exit(2)
}
nonisolated(unsafe) var selected = target

#if FUZZING
/// libFuzzer's entry point (its archive needs the symbol; our main passes it to the driver).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    selected.run(data.map { Data(bytes: $0, count: size) } ?? Data())
    return 0
}

var argv: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var argc = Int32(argv.count - 1)
let status = argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &pointer, fuzzOne)
}
exit(status)
#else
var files: [String] = []
for path in arguments.dropFirst(2) {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
        FileHandle.standardError.write(Data("activation-oracle-fuzz: \(path): no such file\n".utf8))
        exit(2)
    }
    if isDirectory.boolValue {
        files += ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 }
    } else {
        files.append(path)
    }
}
for file in files {
    guard let data = FileManager.default.contents(atPath: file) else { continue }
    target.run(data)
}
print("activation-oracle-fuzz \(target.rawValue): \(files.count) inputs replayed, no crash")
#endif
