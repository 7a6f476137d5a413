import ActivationCatalog
import ActivationOracle
import Foundation
import Testing

/// The 8-, 6- and 4-bit formats: their encodings against the numbers their specifications print,
/// and the oracle's correctly rounded results in them — every input of each format, value and
/// derivative, and the inputs that overflow again under the other overflow rules — against the
/// independent reference (Data/independent-narrow, made by
/// Scripts/independent_reference.py narrow from the specifications, whose formats are checked
/// against ml_dtypes' casts by Scripts/tests). Bit for bit, NaN matching NaN.
@Suite("Narrow formats (e4m3fn, e5m2, fnuz, MX)")
struct NarrowFormatTests {
    @Test("the specifications' numbers: largest finite, smallest subnormal, specials")
    func encodings() {
        // (format, largest finite, exponent of the smallest subnormal, NaN count, infinities)
        let table: [(FloatFormat, Double, Int, Int, Bool)] = [
            (.e4m3fn, 448, -9, 2, false), (.e5m2, 57344, -16, 6, true), (.e4m3fnuz, 240, -10, 1, false),
            (.e5m2fnuz, 57344, -17, 1, false), (.e2m3, 7.5, -3, 0, false), (.e3m2, 28, -4, 0, false), (.e2m1, 6, -1, 0, false),
        ]
        for (format, largest, tiny, nans, infinities) in table {
            #expect(format.doubleValue(format.largestFinite) == largest, "\(format)")
            #expect(format.doubleValue(1) == Double(sign: .plus, exponent: tiny, significand: 1), "\(format)")
            let patterns = (0..<(UInt64(1) << UInt64(format.bitWidth)))
            #expect(patterns.filter(format.isNaN).count == nans, "\(format)")
            #expect(patterns.contains(where: format.isInfinite) == infinities, "\(format)")
            #expect(format.hasNegativeZero == (format != .e4m3fnuz && format != .e5m2fnuz))
            // the finite values, in pattern order, are increasing (sign-magnitude)
            let positives = patterns.filter { format.isFinite($0) && !format.isNegative($0) }.map(format.doubleValue)
            #expect(positives == positives.sorted() && Set(positives).count == positives.count, "\(format)")
        }
        #expect(FloatFormat.e4m3fn.quietNaN == 0x7f && FloatFormat.e4m3fnuz.quietNaN == 0x80)
        #expect(FloatFormat.e4m3fn.defaultOverflow == .nan && FloatFormat.e5m2.defaultOverflow == .infinity
                && FloatFormat.e2m1.defaultOverflow == .saturate)
    }

    @Test("each format allows the overflow rules it has specials for")
    func overflowRules() {
        #expect(!FloatFormat.e4m3fn.allows(.infinity) && FloatFormat.e4m3fn.allows(.nan) && FloatFormat.e4m3fn.allows(.saturate))
        #expect(!FloatFormat.e2m1.allows(.nan) && !FloatFormat.e2m1.allows(.infinity))
        #expect(FloatFormat.e5m2.allows(.infinity) && FloatFormat.e5m2.allows(.nan))
        // e4m3fn: 464 ties to 448 (even), 465 is beyond; saturate keeps the sign
        #expect(FloatFormat.e4m3fn.rounding(464) == 0x7e && FloatFormat.e4m3fn.rounding(465) == 0x7f
                && FloatFormat.e4m3fn.rounding(-465) == 0xff)
        #expect(FloatFormat.e4m3fn.overflowed(negative: true, .saturate) == 0xfe && FloatFormat.e4m3fnuz.overflowed(negative: true) == 0x80)
    }

    @Test("the oracle agrees with the independent reference", arguments: Activation.allCases)
    func agrees(_ activation: Activation) throws {
        let url = TestData.directory.appendingPathComponent("independent-narrow/\(activation.name).txt")
        let f = try ActivationFunction(activation)
        var section: (input: FloatFormat, result: ResultRounding, quantity: Quantity)?
        var count = 0, mismatches = 0, mixed = 0
        for (index, line) in try String(contentsOf: url, encoding: .utf8).split(separator: "\n").enumerated() {
            if line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "=" {
                guard fields.count == 6, let input = FloatFormat(rawValue: fields[1]), let output = FloatFormat(rawValue: fields[2]),
                      let overflow = FloatFormat.Overflow(rawValue: fields[3]), let scale = try? ExactNumber(parsing: fields[4]) else {
                    Issue.record("\(url.lastPathComponent):\(index + 1): bad section \(line)"); return
                }
                section = (input, try ResultRounding(output, overflow: overflow, scale: scale), fields[5] == "value" ? .value : .derivative)
                continue
            }
            guard let (format, result, quantity) = section else { continue }
            guard fields.count == 2, let x = UInt64(fields[0], radix: 16), let expected = UInt64(fields[1], radix: 16) else {
                Issue.record("\(url.lastPathComponent):\(index + 1): bad line \(line)"); return
            }
            count += 1
            if format != result.format || result.scale != nil { mixed += 1 }
            let got = format == result.format && result.scale == nil
                ? f.evaluate(quantity, bits: x, format: format, overflow: result.overflow)
                : f.evaluate(quantity, bits: x, format: format, to: result)
            let out = result.format
            if !out.sameResult(got, expected) {
                mismatches += 1
                if mismatches <= 10 {
                    Issue.record("\(activation) \(quantity) \(format) → \(result), x = \(format.hexBits(x)) (\(format.hexFloat(x))): expected \(out.hexBits(expected)), oracle gave \(out.hexBits(got))")
                }
            }
        }
        #expect(mixed > 500, "too few mixed-format or scaled cases for \(activation)")
        #expect(count > 2_000, "too few narrow cases for \(activation)")
        #expect(mismatches == 0)
    }
}
