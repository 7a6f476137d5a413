import ArgumentParser
import Foundation

/// Regenerates everything generated under Reference/ (or checks it is current).
struct DocsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "docs",
        abstract: "Regenerate Reference/: the atlas of numeric edge cases, its figures, the golden vectors and the index.",
        discussion: "Deterministic: the same code writes the same bytes. --check writes nothing and exits 1 when a file differs.")

    @Option(name: .shortAndLong, help: "The Reference directory.")
    var output: String = "Reference"

    @Flag(help: "Only compare with what is on disk; list stale files; exit 1 if any.")
    var check = false

    func run() throws {
        let root = URL(fileURLWithPath: output)
        let files = try Atlas.files(reference: root)
        let stale = Self.stale(files, root: root)
        if check {
            if stale.isEmpty { print("Reference/ is current (\(files.count) generated files)"); return }
            print("stale: " + stale.joined(separator: ", ") + "\nregenerate with: \(Atlas.command)")
            throw ExitCode(1)
        }
        for dir in ["atlas", "golden"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        for path in Self.leftovers(files, root: root) { try FileManager.default.removeItem(at: root.appendingPathComponent(path)) }
        for (path, content) in files.sorted(by: { $0.key < $1.key }) {
            let url = root.appendingPathComponent(path)
            if (try? String(contentsOf: url, encoding: .utf8)) != content { try content.write(to: url, atomically: true, encoding: .utf8) }
        }
        print("wrote \(files.count) files under \(output)" + (stale.isEmpty ? " (none changed)" : ": \(stale.count) changed"))
    }

    /// Generated files whose content on disk differs or is missing, and files in the generated
    /// folders that the generator no longer makes.
    static func stale(_ files: [String: String], root: URL) -> [String] {
        let differing = files.keys.sorted().filter { (try? String(contentsOf: root.appendingPathComponent($0), encoding: .utf8)) != files[$0] }
        return differing + leftovers(files, root: root)
    }

    static func leftovers(_ files: [String: String], root: URL) -> [String] {
        ["atlas", "golden"].flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(dir).path)) ?? [])
                .map { "\(dir)/\($0)" }.filter { files[$0] == nil }.sorted()
        }
    }
}
