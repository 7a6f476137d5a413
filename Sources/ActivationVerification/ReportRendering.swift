import ActivationCatalog
import ActivationIO
import ActivationOracle
import Foundation

/// A `ValidationReport` as people and programs read it: text (what `verify` prints), JSON,
/// Markdown and an SVG plot of ULP error against x.
package struct ReportRendering {
    package let report: ValidationReport
    package let source: String
    package let simplest: [Disagreement: UInt64]

    package init(report: ValidationReport, source: String, simplest: [Disagreement: UInt64]) {
        self.report = report
        self.source = source
        self.simplest = simplest
    }

    /// Columns padded to their widest cell, a dashed rule under the header.
    package static func table(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
    }
    /// The inputs' format, and the results' (the same unless an output format was asked for).
    package var format: FloatFormat { report.format }
    package var out: FloatFormat { report.outputFormat }


    package var title: String {
        "\(report.function) \(report.quantity == .value ? "value" : report.quantity.description), \(report.result.description(from: format)) (kink convention \(report.function.convention))"
    }

    package func ulpText(_ c: ValidationReport.Case) -> String { c.ulps == .max ? "NaN" : String(c.ulps) }

    package func allowanceText() -> String {
        let a = report.allowances
        var parts = ["max \(a.maxULP) ULP"]
        if a.allowFTZ { parts.append("flush to zero") }
        if a.ignoreZeroSign { parts.append("either zero sign") }
        if !a.kinkConventions.isEmpty { parts.append("kinks: " + a.kinkConventions.map { $0.convention.rawValue }.joined(separator: ", ")) }
        if a.allowPositionDependence { parts.append("position-dependent results") }
        return parts.joined(separator: "; ")
    }

    package var classCounts: [(Disagreement, Int)] { Disagreement.allCases.map { ($0, report.classes[$0] ?? 0) } }

    package var histogramRows: [(ulps: String, count: Int)] { report.histogramRows }

    package func text() -> String {
        let disagree = report.classes.values.reduce(0, +)
        var lines = [
            "verify \(title)",
            "source: \(source)",
            "inputs: \(report.count)   correctly rounded: \(report.count - disagree)   different: \(disagree) (accepted by allowances: \(report.allowedCount))",
            "allowances: \(allowanceText())",
            "max ULP: \(report.maxULP)\(report.classes[.nan].map { " (and \($0) NaN mismatches)" } ?? "")",
            "classes: " + classCounts.map { "\($0.0.rawValue) \($0.1)" }.joined(separator: ", "),
            "ULP histogram: " + histogramRows.map { "\($0.0): \($0.1)" }.joined(separator: " | "),
        ]
        if !report.worst.isEmpty {
            lines.append("worst inputs:")
            let rows = report.worst.map { c in
                [format.shortestDecimal(c.input), format.hexBits(c.input), out.shortestDecimal(c.expected),
                 out.shortestDecimal(c.actual), ulpText(c), c.disagreement.rawValue + (c.allowed ? " (allowed)" : "")]
            }
            lines.append(ReportRendering.table(header: ["x", "x bits", "expected", "actual", "ULP", "class"], rows: rows))
        }
        lines.append("position-dependent: \(report.positionDependent) inputs gave another result in another place\(report.positionDependent > 0 && report.allowances.allowPositionDependence ? " (allowed)" : "")")
        if !report.positionCases.isEmpty {
            let rows = report.positionCases.map { c in
                [format.shortestDecimal(c.input), format.hexBits(c.input), out.shortestDecimal(c.first), c.firstPlace,
                 out.shortestDecimal(c.other), c.otherPlace]
            }
            lines.append(ReportRendering.table(header: ["x", "x bits", "result", "where", "other result", "where"], rows: rows))
        }
        if !simplest.isEmpty {
            lines.append("simplest failing input per class (after shrinking): " + simplest.keys.sorted().map {
                "\($0.rawValue) x = \(format.shortestDecimal(simplest[$0]!)) (\(format.hexBits(simplest[$0]!)))"
            }.joined(separator: "; "))
        }
        lines.append(report.pass ? "result: PASS" : "result: FAIL (\(report.failures) results beyond the allowances\(report.positionDependent > 0 && !report.allowances.allowPositionDependence ? ", \(report.positionDependent) position-dependent" : ""))")
        return lines.joined(separator: "\n")
    }

    package struct JSONReport: Encodable {
        struct Worst: Encodable {
            var x, expected, actual: String
            var ulp: UInt64?
            var `class`: String
            var allowed: Bool
            var x_decimal, expected_decimal, actual_decimal: String
        }
        struct Position: Encodable {
            var x, first, other: String
            var first_place, other_place: String
        }
        struct AllowanceJSON: Encodable {
            var max_ulp: UInt64
            var allow_ftz, ignore_zero_sign, allow_position_dependence: Bool
            var kink_conventions: [String]
        }
        /// `ulp`: the label; `lo`...`hi`: the bucket's ULP bounds (no `hi` past 2^64 − 1, neither for NaN).
        struct Bucket: Encodable { var ulp: String; var count: Int; var lo: UInt64?; var hi: UInt64? }
        var tool = "activation-oracle"
        var version = activationOracleVersion
        var function: String
        var parameters: [String: String]
        var convention: String
        var format: String
        /// The results' format, overflow rule and scale ("1" for none).
        var output_format: String
        var overflow: String
        var scale: String
        var derivative: Bool
        /// 0, 1 or 2 (1 for a parameter derivative).
        var order: Int
        var quantity: String
        var source: String
        var count: Int
        var max_ulp: UInt64
        var pass: Bool
        var failures: Int
        var allowed: Int
        var allowances: AllowanceJSON
        var classes: [String: Int]
        var histogram: [Bucket]
        var worst: [Worst]
        var simplest: [String: String]
        var position_dependent: Int
        var position_cases: [Position]
    }

    package func json() throws -> String {
        let a = report.allowances
        var parameters: [String: String] = [:]
        for p in report.function.parameterTexts { parameters[p.name] = p.value }
        let value = JSONReport(
            function: report.function.activation.name, parameters: parameters, convention: report.function.convention.rawValue,
            format: format.rawValue, output_format: out.rawValue, overflow: report.result.overflow.rawValue,
            scale: report.result.scale?.text ?? "1", derivative: report.quantity == .derivative, order: report.quantity.order ?? 1, quantity: report.quantity.description,
            source: source, count: report.count, max_ulp: report.maxULP, pass: report.pass, failures: report.failures,
            allowed: report.allowedCount,
            allowances: .init(max_ulp: a.maxULP, allow_ftz: a.allowFTZ, ignore_zero_sign: a.ignoreZeroSign,
                              allow_position_dependence: a.allowPositionDependence,
                              kink_conventions: a.kinkConventions.map { $0.convention.rawValue }),
            classes: Dictionary(uniqueKeysWithValues: classCounts.map { ($0.0.rawValue, $0.1) }),
            histogram: zip(histogramRows, report.histogramBounds).map { .init(ulp: $0.0.ulps, count: $0.0.count, lo: $0.1.lo, hi: $0.1.hi) },
            worst: report.worst.map { c in
                .init(x: format.hexBits(c.input), expected: out.hexBits(c.expected), actual: out.hexBits(c.actual),
                      ulp: c.ulps == .max ? nil : c.ulps, class: c.disagreement.rawValue, allowed: c.allowed,
                      x_decimal: format.shortestDecimal(c.input), expected_decimal: out.shortestDecimal(c.expected),
                      actual_decimal: out.shortestDecimal(c.actual))
            },
            simplest: Dictionary(uniqueKeysWithValues: simplest.map { ($0.key.rawValue, format.hexBits($0.value)) }),
            position_dependent: report.positionDependent,
            position_cases: report.positionCases.map {
                .init(x: format.hexBits($0.input), first: out.hexBits($0.first), other: out.hexBits($0.other),
                      first_place: $0.firstPlace, other_place: $0.otherPlace)
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }

    package func markdown() -> String {
        var out = ["## \(title)", "", "Source: \(source)  ", "Allowances: \(allowanceText())  ",
                   "Result: **\(report.pass ? "pass" : "FAIL")** — \(report.count) results, \(report.failures) beyond the allowances, \(report.positionDependent) position-dependent, max ULP \(report.maxULP)", "",
                   "| class | count |", "|---|---:|"]
        out += classCounts.map { "| \($0.0.rawValue) | \($0.1) |" }
        out += ["", "| ULP | count |", "|---|---:|"] + histogramRows.map { "| \($0.0) | \($0.1) |" }
        out += ["", "Position-dependent inputs (another result in another place): \(report.positionDependent)"]
        if !report.positionCases.isEmpty {
            out += ["", "| x | x bits | result | where | other result | where |", "|---|---|---|---|---|---|"]
            out += report.positionCases.map { c in
                "| \(format.shortestDecimal(c.input)) | `\(format.hexBits(c.input))` | \(self.out.shortestDecimal(c.first)) | \(c.firstPlace) | \(self.out.shortestDecimal(c.other)) | \(c.otherPlace) |"
            }
        }
        if !report.worst.isEmpty {
            out += ["", "| x | x bits | expected | actual | ULP | class |", "|---|---|---|---|---:|---|"]
            out += report.worst.map { c in
                "| \(format.shortestDecimal(c.input)) | `\(format.hexBits(c.input))` | \(self.out.shortestDecimal(c.expected)) | \(self.out.shortestDecimal(c.actual)) | \(ulpText(c)) | \(c.disagreement.rawValue)\(c.allowed ? " (allowed)" : "") |"
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    package static let colours: [Disagreement: String] = [.finite: "#1f77b4", .subnormal: "#ff7f0e", .zeroSign: "#2ca02c", .inf: "#d62728", .nan: "#9467bd"]

    /// ULP error against x: x on a symmetric log axis (log10(1 + |x|/min subnormal), signed),
    /// y as log2(1 + ULP); NaN mismatches on a band at the top; allowed points hollow.
    package func svg() -> String {
        let width = 900.0, height = 440.0, left = 70.0, right = 20.0, top = 30.0, bottom = 60.0
        let minSub = format.doubleValue(1)
        let span = log10(1 + format.doubleValue(format.largestFinite) / minSub)
        func sx(_ x: Double) -> Double {
            let s = x.isInfinite ? span : log10(1 + abs(x) / minSub)
            return left + (width - left - right) * (0.5 + 0.5 * (x < 0 ? -s : s) / span)
        }
        let points = report.plotSample + report.worst
        let maxY = max(1, points.filter { $0.ulps != .max }.map { log2(1 + Double($0.ulps)) }.max() ?? 1)
        let plotHeight = height - top - bottom - 20
        func sy(_ ulps: UInt64) -> Double {
            ulps == .max ? top : top + 20 + plotHeight * (1 - log2(1 + Double(ulps)) / maxY)
        }
        var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(left)" y="18" font-size="13">\(escape(title)): ULP error against x (\(report.count) inputs)</text>
        <line x1="\(left)" y1="\(height - bottom)" x2="\(width - right)" y2="\(height - bottom)" stroke="black"/>
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(height - bottom)" stroke="black"/>
        <text x="\(left - 6)" y="\(top + 4)" text-anchor="end">NaN</text>

        """
        // y ticks: powers of two of ULP
        var k = 0
        while Double(k) <= maxY {
            let u = k == 0 ? 0 : (UInt64(1) << UInt64(k)) - 1
            let label = k < 10 ? String(u) : "2^\(k)"
            svg += "<text x=\"\(left - 6)\" y=\"\(sy(u) + 4)\" text-anchor=\"end\">\(label)</text><line x1=\"\(left)\" y1=\"\(sy(u))\" x2=\"\(width - right)\" y2=\"\(sy(u))\" stroke=\"#eee\"/>\n"
            k += max(1, Int(maxY / 8))
        }
        // x ticks: 0 and ±10^e
        let decades = Int(log10(format.doubleValue(format.largestFinite)))
        let step = max(1, decades / 4)
        var ticks: [Double] = [0]
        for e in stride(from: -step * (decades / step), through: decades, by: step) {
            ticks += [pow(10, Double(e)), -pow(10, Double(e))]
        }
        for t in ticks where t == 0 || abs(t) >= minSub {
            let label = t == 0 ? "0" : (t < 0 ? "−" : "") + "1e\(Int(log10(abs(t)).rounded()))"
            svg += "<line x1=\"\(sx(t))\" y1=\"\(height - bottom)\" x2=\"\(sx(t))\" y2=\"\(height - bottom + 4)\" stroke=\"black\"/><text x=\"\(sx(t))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        svg += "<text x=\"\((width + left) / 2)\" y=\"\(height - 22)\" text-anchor=\"middle\">x (symmetric log scale)</text>\n"
        svg += "<text x=\"14\" y=\"\((height) / 2)\" transform=\"rotate(-90 14 \(height / 2))\" text-anchor=\"middle\">ULP error</text>\n"
        for c in points {
            let colour = Self.colours[c.disagreement] ?? "black"
            let fill = c.allowed ? "none" : colour
            svg += "<circle cx=\"\(String(format: "%.1f", sx(format.doubleValue(c.input))))\" cy=\"\(String(format: "%.1f", sy(c.ulps)))\" r=\"2.5\" fill=\"\(fill)\" stroke=\"\(colour)\"/>\n"
        }
        var lx = left + 10
        for kind in Disagreement.allCases {
            svg += "<circle cx=\"\(lx)\" cy=\"\(height - 8)\" r=\"4\" fill=\"\(Self.colours[kind]!)\"/><text x=\"\(lx + 8)\" y=\"\(height - 4)\">\(kind.rawValue) (\(report.classes[kind] ?? 0))</text>\n"
            lx += 130
        }
        svg += "<text x=\"\(lx)\" y=\"\(height - 4)\">hollow: allowed</text>\n</svg>\n"
        return svg
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
