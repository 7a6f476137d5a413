import ActivationCatalog
import ActivationIO
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// Where a validation report goes besides the summary on stdout.
struct ReportOptions: ParsableArguments {
    @Option(help: "Also write the report as JSON to this file.")
    var json: String?

    @Option(help: "Also write the report as Markdown to this file.")
    var markdown: String?

    @Option(help: "Also draw ULP error against x (symmetric log axis, classes marked) to this SVG file.")
    var plot: String?

    @Option(help: "How many worst inputs to list.")
    var worst: Int = 10

    /// Checks the report files and --worst before any work is done.
    func checkOutputs() throws {
        guard (1...1_000).contains(worst) else { throw InputError("--worst must be from 1 to 1000, got \(worst)") }
        let files = OutputFiles()
        defer { files.discard() }
        for (option, path) in outputs {
            guard path != "-" else { throw InputError("\(option): '-' is not a file here (the text report goes to stdout)") }
            _ = try files.create(path, option: option)
        }
    }

    private var outputs: [(String, String)] {
        [("--json", json), ("--markdown", markdown), ("--plot", plot)].compactMap { o, p in p.map { (o, $0) } }
    }

    /// Prints the text report and writes the files asked for, all of them or none.
    func emit(_ report: ValidationReport, source: String, simplest: [Disagreement: UInt64]) throws {
        let rendering = ReportRendering(report: report, source: source, simplest: simplest)
        let files = OutputFiles()
        for (option, path) in outputs {
            let content = switch option {
            case "--json": try rendering.json()
            case "--markdown": rendering.markdown()
            default: rendering.svg()
            }
            try files.write(content, to: path, option: option)
        }
        try files.commit()
        print(rendering.text())
    }
}
