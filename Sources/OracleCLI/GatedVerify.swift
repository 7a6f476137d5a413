import ActivationCatalog
import ActivationIO
import ActivationKernels
import ActivationOracle
import ActivationVerification
import ArgumentParser
import Foundation

/// `verify` for a gated unit (two inputs): pairs from a file with a trailing axis of 2 (or
/// `a b` text lines) against results from another, or asked of a `--command` whose protocol
/// lines carry pairs. Judged by `--max-ulp`; the one-input allowances do not apply.
extension VerifyCommand {
    func runGated(_ g: GatedFunction, _ quantity: GatedQuantity) throws {
        if result.isGiven { throw InputError("\(g.unit): --output-format, --overflow and --scale are for one-input entries") }
        try GatedGate.checkFormat(format, g.unit)
        if gate.allowFTZ || gate.ignoreZeroSign || gate.kinkConvention != nil || gate.allowPositionDependence {
            throw InputError("\(g.unit): only --max-ulp applies to gated units (--allow-ftz, --ignore-zero-sign, --kink-convention and --allow-position-dependence are for one-input entries)")
        }
        if reports.markdown != nil || reports.plot != nil { throw InputError("\(g.unit): --markdown and --plot are for one-input entries (--json is written)") }
        try reports.checkOutputs()
        try Subprocess.checkTimeout(timeout)
        try checkCount(count, minimum: 0)
        var comparison: GatedGate.Comparison
        let source: String
        switch (input, actual, command) {
        case (let input?, let actual?, nil):
            source = "files \(input), \(actual)"
            let x = try NumericReader(path: input, format: format, textBits: bits)
            try x.expectRecords(of: 2)
            let y = try NumericReader(path: actual, format: format, textBits: bits, option: "--actual")
            comparison = GatedGate.compare(g, quantity, format: format, pairs: [], results: [], bound: gate.maxULP)
            while true {
                let xs = try x.next(maximum: 1 << 16), ys = try y.next(maximum: max(1, xs.count / 2))
                if xs.isEmpty && ys.isEmpty { break }
                guard xs.count == 2 * ys.count else {
                    throw InputError("length mismatch: \(input) holds \(comparison.count + xs.count / 2) pairs where \(actual) ends or goes on (\(comparison.count + ys.count) results)")
                }
                let pairs = stride(from: 0, to: xs.count, by: 2).map { (a: xs[$0], b: xs[$0 + 1]) }
                comparison.merge(GatedGate.compare(g, quantity, format: format, pairs: pairs, results: ys, bound: gate.maxULP, keep: reports.worst),
                                 keep: reports.worst)
            }
            if comparison.count == 0 { throw InputError("\(input): no values") }
        case (nil, nil, let command?):
            let pairs = GatedGate.pairs(g, format, count: count, seed: seed)
            source = "command \(command) (seed \(seed), \(pairs.count) pairs: every edge input of a with every edge value of b, then random pairs)"
            let child = try Subprocess(command: command, header: Subprocess.header(g.unit, format, quantity), format: format, timeout: timeout)
            let results = try child.evaluate(pairs: pairs)
            try child.finish()
            comparison = GatedGate.compare(g, quantity, format: format, pairs: pairs, results: results, bound: gate.maxULP, keep: reports.worst)
        default:
            throw InputError("give either --input and --actual, or --command")
        }
        print("verify \(g.unit) (\(g.unit.entry.definition)), \(source)")
        print(comparison.text())
        if let json = reports.json {
            let files = OutputFiles()
            try files.write(try comparison.json(source: source), to: json, option: "--json")
            try files.commit()
        }
        if !comparison.pass { throw ExitCode(1) }
    }
}
