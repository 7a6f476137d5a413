import ActivationCatalog

/// Where a result goes: the format it is rounded to (which may differ from the input's — bf16 in,
/// e4m3fn out), what a value beyond that format's largest finite becomes, and an exact positive
/// factor s applied before the one rounding: the oracle then gives RN_out(s·f(x)), the fused
/// "activation → scale → cast" of FP8 and MX recipes, with no intermediate rounding.
///
/// Only positive scales: FP8 recipes' per-tensor scales and MX block scales (powers of two) are
/// positive, and a negative one would need its own sign-of-zero rules.
public struct ResultRounding: @unchecked Sendable, CustomStringConvertible {
    public let format: FloatFormat
    public let overflow: FloatFormat.Overflow
    /// The exact factor s, as given; nil for 1.
    public let scale: ExactNumber?
    /// s with its binary64 enclosure (nil for 1).
    let factor: Constant?
    /// s as a `Double` when it is exactly one (1 when there is no scale); nil otherwise.
    public var binary64Scale: Double? {
        guard let factor else { return 1 }
        return factor.fast.isPoint ? factor.fast.lo : nil
    }

    /// Throws `OracleError` when `format` has no `overflow` result (inf in e4m3fn, NaN in e2m1),
    /// or the scale is not positive or lies beyond 2^±65536 (the range parameters have).
    public init(_ format: FloatFormat, overflow: FloatFormat.Overflow? = nil, scale: ExactNumber? = nil) throws {
        let overflow = overflow ?? format.defaultOverflow
        guard format.allows(overflow) else {
            let offered = FloatFormat.Overflow.allCases.filter(format.allows).map(\.rawValue)
            throw OracleError("\(format) has no \(overflow == .infinity ? "infinity" : "NaN") to overflow to (--overflow \(offered.joined(separator: "|")))")
        }
        self.format = format
        self.overflow = overflow
        // Only a scale needs MPFR: a plain rounding is made per evaluation (`evaluate(_:bits:format:)`).
        var factor: Constant?
        if let scale {
            MPFRRange.widen()
            let q = ExactRational(scale)
            if ExactRational.compare(q, ExactRational(1)) != 0 {
                let shown = scale.text.count > 40 ? scale.text.prefix(40) + "…" : Substring(scale.text)
                guard q.sign > 0 else { throw OracleError("--scale must be positive (got \(shown))") }
                // Binary exponents of numerator and denominator: within one of log2 of the scale.
                let magnitude = q.num.exponent - q.den.exponent
                guard abs(magnitude) < 65_536 else {
                    throw OracleError("--scale must lie within about 2^±65535 (got \(shown))")
                }
                factor = Constant(q)
            }
        }
        self.scale = factor == nil ? nil : scale
        self.factor = factor
    }

    /// The format's own rounding: its default overflow, no scale.
    public static func plain(_ format: FloatFormat) -> ResultRounding {
        // Cannot throw: every format allows its default overflow.
        try! ResultRounding(format)
    }

    /// Whether this is `plain(format)`.
    public var isPlain: Bool { scale == nil && overflow == format.defaultOverflow }

    /// Whether results for inputs in `input` are simply rounded into `input` itself (`plain(input)`).
    public func isPlain(for input: FloatFormat) -> Bool { format == input && isPlain }

    /// `bf16`, or `bf16 → e4m3fn, scale 1/16`: inputs in `input`, results going here.
    public func description(from input: FloatFormat) -> String {
        isPlain(for: input) ? "\(input)" : "\(input) → \(self)"
    }

    /// `e4m3fn`, `e4m3fn, overflow saturate, scale 1/16`.
    public var description: String {
        var parts = [format.rawValue]
        if overflow != format.defaultOverflow { parts.append("overflow \(overflow.rawValue)") }
        if let scale { parts.append("scale \(scale.text)") }
        return parts.joined(separator: ", ")
    }
}
