/// An exact finite real number, as a parameter is written: a decimal (`0.01`, `1.6732632423543772848170429916717`,
/// `-2.5e-3`), a fraction (`1/6`, `2.5/3`), a hex float (`0x1.47ae14p-7`), or the value some format
/// stores for a decimal (`f32:0.01`, `f64:0.1`: the nearest `Float` or `Double`).
///
/// A decimal string means that exact decimal, never its nearest binary value: `0.01` is 1/100.
/// Frameworks keep parameters in `float32`, so `alpha=0.01` and `alpha=f32:0.01` differ, and the
/// difference alone moves results by an ULP. The value is
/// `(−1)^negative · mantissa(radix) · 2^exponent2 · 10^exponent10 / denominator`.
public struct ExactNumber: Sendable, Hashable, CustomStringConvertible {
    public var negative: Bool
    /// Digits of a non-negative integer in `radix` (10 or 16), no sign, no leading zeros ("0" for zero).
    public var mantissa: String
    public var radix: Int
    public var exponent2: Int
    public var exponent10: Int
    /// Decimal digits of a positive integer.
    public var denominator: String
    /// The text the number was parsed from, kept so documents show what the user wrote.
    public var text: String

    public var isZero: Bool { mantissa == "0" }

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case malformed(String)
        public var description: String {
            switch self {
            case .malformed(let text):
                "'\(text)' is not an exact number (write a decimal like 0.01, a fraction like 1/6, a hex float like 0x1.8p-3, or f32:0.01 / f64:0.01 for a format's nearest value)"
            }
        }
    }

    public init(negative: Bool, mantissa: String, radix: Int = 10, exponent2: Int = 0, exponent10: Int = 0,
                denominator: String = "1", text: String? = nil) {
        let trimmed = String(mantissa.drop { $0 == "0" })
        self.negative = negative // −0 keeps its sign: as an input it is a different bit pattern
        self.mantissa = trimmed.isEmpty ? "0" : trimmed
        self.radix = radix
        self.exponent2 = exponent2
        self.exponent10 = exponent10
        self.denominator = denominator
        self.text = text ?? ""
        if self.text.isEmpty { self.text = self.canonicalText }
    }

    /// The exact value of a finite `Double`.
    public init(exactly value: Double, text: String? = nil) {
        precondition(value.isFinite, "ExactNumber holds finite values only")
        let magnitude = abs(value)
        if magnitude == 0 {
            self.init(negative: value.sign == .minus, mantissa: "0", text: text)
            return
        }
        let significand = UInt64(magnitude.significandBitPattern) | (magnitude.isNormal ? 1 << 52 : 0)
        let exponent = (magnitude.isNormal ? Int(magnitude.exponent) : -1022) - 52
        self.init(negative: value < 0, mantissa: String(significand, radix: 16), radix: 16,
                  exponent2: exponent, text: text)
    }

    public init(_ integer: Int) {
        self.init(negative: integer < 0, mantissa: String(integer.magnitude))
    }

    /// Parses the forms listed on the type.
    public init(parsing raw: String) throws {
        let text = raw.trimmingWhitespace()
        if let colon = text.firstIndex(of: ":") {
            let prefix = text[..<colon].lowercased()
            let rest = String(text[text.index(after: colon)...])
            let value: Double?
            switch prefix {
            case "f32": value = Float(rest).flatMap { $0.isFinite ? Double($0) : nil }
            case "f64": value = Double(rest).flatMap { $0.isFinite ? $0 : nil }
            default: value = nil
            }
            guard let value, ExactNumber.looksNumeric(rest) else { throw ParseError.malformed(raw) }
            self.init(exactly: value, text: text)
            return
        }
        if let slash = text.firstIndex(of: "/") {
            let numerator = try ExactNumber(parsing: String(text[..<slash]))
            let denominatorText = String(text[text.index(after: slash)...]).trimmingWhitespace()
            guard !denominatorText.isEmpty, denominatorText.allSatisfy(\.isASCIIDigit),
                  denominatorText.contains(where: { $0 != "0" }), numerator.denominator == "1"
            else { throw ParseError.malformed(raw) }
            self = numerator
            self.denominator = String(denominatorText.drop { $0 == "0" })
            self.text = text
            return
        }
        guard let parsed = ExactNumber.parsePlain(text) else { throw ParseError.malformed(raw) }
        self = parsed
        self.text = text
    }

    private static func looksNumeric(_ s: String) -> Bool {
        parsePlain(s.trimmingWhitespace()) != nil
    }

    /// A decimal or hex float, with optional sign and exponent.
    private static func parsePlain(_ text: String) -> ExactNumber? {
        var s = Substring(text)
        var negative = false
        if let first = s.first, first == "+" || first == "-" {
            negative = first == "-"
            s = s.dropFirst()
        }
        let lower = s.lowercased()
        let isHex = lower.hasPrefix("0x")
        let body = isHex ? Substring(lower.dropFirst(2)) : Substring(lower)
        var digits = body
        var exponent = 0
        if let marker = body.firstIndex(of: isHex ? "p" : "e") {
            guard let e = Int(body[body.index(after: marker)...]), abs(e) < 1_000_000 else { return nil }
            exponent = e
            digits = body[..<marker]
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let intPart = String(parts[0])
        let fracPart = parts.count == 2 ? String(parts[1]) : ""
        let all = intPart + fracPart
        guard !all.isEmpty, all.allSatisfy({ isHex ? $0.isASCIIHexDigit : $0.isASCIIDigit }) else { return nil }
        if isHex {
            return ExactNumber(negative: negative, mantissa: all, radix: 16, exponent2: exponent - 4 * fracPart.count)
        }
        return ExactNumber(negative: negative, mantissa: all, exponent10: exponent - fracPart.count)
    }

    /// The same number written canonically: decimal, fraction or hex float.
    public var canonicalText: String {
        var body: String
        if radix == 16 {
            body = "0x" + mantissa + "p" + String(exponent2)
        } else if exponent10 >= 0 {
            body = mantissa == "0" ? "0" : mantissa + String(repeating: "0", count: exponent10)
        } else {
            let digits = String(repeating: "0", count: max(0, -exponent10 - mantissa.count + 1)) + mantissa
            let point = digits.index(digits.endIndex, offsetBy: exponent10)
            body = String(digits[..<point]) + "." + String(digits[point...])
            while body.hasSuffix("0") { body.removeLast() }
            if body.hasSuffix(".") { body.removeLast() }
        }
        if radix == 10 && exponent2 != 0 { body += "·2^\(exponent2)" }
        if denominator != "1" { body += "/" + denominator }
        return (negative ? "-" : "") + body
    }

    public var description: String { text }

    /// The nearest `Double` (for display and rough ordering only; the oracle uses the exact value).
    public var approximateValue: Double {
        var value = 0.0
        for digit in mantissa { value = value * Double(radix) + Double(digit.hexDigitValue ?? 0) }
        value *= pow10(exponent10) * Double(sign: .plus, exponent: exponent2, significand: 1)
        value /= Double(denominator) ?? 1
        return negative ? -value : value
    }

    private func pow10(_ k: Int) -> Double {
        var result = 1.0
        for _ in 0..<abs(k) { result *= 10 }
        return k >= 0 ? result : 1 / result
    }
}

extension Character {
    /// 0–9 only: a `Character` range test would also admit a digit with combining marks ("5͜").
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
    /// 0–9, a–f, A–F only (`isHexDigit` also admits fullwidth digits).
    var isASCIIHexDigit: Bool { asciiValue.map { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) } ?? false }
}

extension String {
    func trimmingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}

/// An exact expression over an activation's parameters: kink positions (`-offset/slope`) and derived
/// defaults (rrelu's slope `(lower + upper)/2`). The oracle evaluates it exactly; documents print it.
public indirect enum ParameterExpression: Sendable, Hashable, CustomStringConvertible {
    case number(ExactNumber)
    case parameter(String)
    case negate(ParameterExpression)
    case sum(ParameterExpression, ParameterExpression)
    case difference(ParameterExpression, ParameterExpression)
    case product(ParameterExpression, ParameterExpression)
    case quotient(ParameterExpression, ParameterExpression)

    public static func exact(_ text: String) -> ParameterExpression {
        // Catalog literals are checked by the catalog tests; a typo here is a programming error.
        .number(try! ExactNumber(parsing: text))
    }

    public var description: String {
        switch self {
        case .number(let n): n.text
        case .parameter(let name): name
        case .negate(let e): "−" + e.parenthesized
        case .sum(let a, let b): "\(a) + \(b)"
        case .difference(let a, let b): "\(a) − \(b.parenthesized)"
        case .product(let a, let b): "\(a.parenthesized)·\(b.parenthesized)"
        case .quotient(let a, let b): "\(a.parenthesized)/\(b.parenthesized)"
        }
    }

    private var parenthesized: String {
        switch self {
        case .number, .parameter: description
        default: "(" + description + ")"
        }
    }

    /// The parameters the expression mentions.
    public var parameterNames: Set<String> {
        switch self {
        case .number: []
        case .parameter(let name): [name]
        case .negate(let e): e.parameterNames
        case .sum(let a, let b), .difference(let a, let b), .product(let a, let b), .quotient(let a, let b):
            a.parameterNames.union(b.parameterNames)
        }
    }
}
