import BatonCore
import Dates
import Foundation
import NIOCore
import Postgres

/// A value `JSONBufferWriter` writes itself, with the bytes its `encode(to:)` gives
/// JSONEncoder, but from its parts: no `String` built, no Foundation rounding or
/// `description` on the read path (issue 21, item 5).
protocol JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) throws
}

/// `"125000.00"`, as `Money.encode(to:)` writes `moneyText`.
extension Money: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) {
        guard let digits = DecimalDigits(amount) else { return writer.string(amount.moneyText) }
        writer.quoted { digits.writeFixed(scale: 2, into: $0) }
    }
}

/// `"12.5"`, as `DecimalString.encode(to:)` writes `plainText`.
extension DecimalString: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) {
        guard let digits = DecimalDigits(value) else { return writer.string(value.plainText) }
        writer.quoted { digits.writePlain(into: $0) }
    }
}

extension DecimalText: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) { DecimalString(wrappedValue).writeJSON(into: writer) }
}

/// A bare `Decimal` is a JSON number, its `description`, as JSONEncoder writes it.
extension Decimal: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) {
        if isNaN { writer.fail() } else { writer.out.writeString(description) }
    }
}

/// `"2026-03-01"`.
extension CalendarDate: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) {
        guard (0...9999).contains(year) else { return writer.string(description) }
        writer.quoted { $0.writeDate(self) }
    }
}

/// `"2026-03-01T12:00:00.5Z"`: RFC 3339 in UTC from the microseconds, as `Timestamp.description`.
extension Timestamp: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) {
        let micros = microsecondsSinceEpoch
        var seconds = micros / 1_000_000, fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400, rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let date = CalendarDate(daysSinceEpoch: Int(days))
        guard (0...9999).contains(date.year) else { return writer.string(description) }
        writer.quoted { w in
            w.writeDate(date)
            w.write(UInt8(ascii: "T"))
            w.writePadded(Int(rest / 3600), width: 2)
            w.write(UInt8(ascii: ":"))
            w.writePadded(Int(rest % 3600 / 60), width: 2)
            w.write(UInt8(ascii: ":"))
            w.writePadded(Int(rest % 60), width: 2)
            if fraction != 0 {
                var width = 6
                while fraction % 10 == 0 { fraction /= 10; width -= 1 }
                w.write(UInt8(ascii: "."))
                w.writePadded(Int(fraction), width: width)
            }
            w.write(UInt8(ascii: "Z"))
        }
    }
}

// What JSONEncoder writes by a strategy of its own; the caller leaves these to it.
extension Date: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) { writer.fail() }
}

extension Data: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) { writer.fail() }
}

extension URL: JSONBufferWritable {
    func writeJSON(into writer: JSONBufferWriter) { writer.fail() }
}

extension JSONBufferWriter {
    /// A number of 0...9999 and its leading zeros: `pad(7, 2)` is `07`.
    func writePadded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<max(width, 1) { divisor *= 10 }
        while divisor > value, divisor > 1 {
            write(UInt8(ascii: "0"))
            divisor /= 10
        }
        integer(value)
    }

    func writeDate(_ date: CalendarDate) {
        writePadded(date.year, width: 4)
        write(UInt8(ascii: "-"))
        writePadded(date.month, width: 2)
        write(UInt8(ascii: "-"))
        writePadded(date.day, width: 2)
    }
}

/// A `Decimal` as its sign, significand digits and power of ten (nil for NaN), so that
/// the API's decimal texts are rounded and trimmed on bytes. Foundation on Linux keeps
/// a decimal's mantissa internal, so the digits are read once from `description` (a
/// plain digit conversion, no locale); the rounding (`NSDecimalRound`), negation and
/// string surgery of `moneyText` and `plainText` are done here instead.
struct DecimalDigits {
    /// The significand's decimal digits, most significant first, as ASCII; at least one.
    var digits: [UInt8]
    var exponent: Int
    var negative: Bool

    init?(_ value: Decimal) {
        guard !value.isNaN else { return nil }
        var text = value.description
        var digits: [UInt8] = []
        var exponent = 0, negative = false, afterDot = false
        text.withUTF8 { bytes in
            digits.reserveCapacity(bytes.count)
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "-"): negative = true
                case UInt8(ascii: "."): afterDot = true
                default:
                    if digits.count == 1, digits[0] == UInt8(ascii: "0") { digits.removeAll(keepingCapacity: true) }
                    digits.append(byte)
                    if afterDot { exponent -= 1 }
                }
            }
        }
        guard !digits.isEmpty, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        self.digits = digits
        self.exponent = exponent
        self.negative = negative
    }

    /// `plainText`: the description without trailing zeros after the dot, `-0` as `0`.
    func writePlain(into w: JSONBufferWriter) {
        var trimmed = self
        if exponent < 0 {
            while trimmed.exponent < 0, trimmed.digits.count > 1, trimmed.digits.last == UInt8(ascii: "0") {
                trimmed.digits.removeLast()
                trimmed.exponent += 1
            }
        }
        // A fraction of only zeros (0.000) leaves the single digit 0 with its exponent.
        if trimmed.digits == [UInt8(ascii: "0")] { return w.write(UInt8(ascii: "0")) }
        if negative { w.write(UInt8(ascii: "-")) }
        trimmed.writeUnsigned(into: w)
    }

    private func writeUnsigned(into w: JSONBufferWriter) {
        let count = digits.count
        if exponent >= 0 {
            w.out.writeBytes(digits)
            for _ in 0..<exponent { w.write(UInt8(ascii: "0")) }
        } else if -exponent < count {
            w.out.writeBytes(digits[0..<(count + exponent)])
            w.write(UInt8(ascii: "."))
            w.out.writeBytes(digits[(count + exponent)...])
        } else {
            w.write("0.")
            for _ in 0..<(-exponent - count) { w.write(UInt8(ascii: "0")) }
            w.out.writeBytes(digits)
        }
    }

    /// `fixed(scale:)`: rounded half away from zero to `scale` places, exactly `scale`
    /// decimals, and a minus only when the rounded amount is not zero.
    func writeFixed(scale: Int, into w: JSONBufferWriter) {
        // The amount times 10^scale as whole digits, rounded on the first digit dropped.
        var whole = digits
        let shift = exponent + scale
        if shift >= 0 {
            whole.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: shift))
        } else {
            let kept = whole.count + shift
            let roundsUp = kept >= 0 && kept < whole.count && whole[kept] >= UInt8(ascii: "5")
            whole.removeLast(min(-shift, whole.count))
            if roundsUp {
                var i = whole.count - 1
                while i >= 0, whole[i] == UInt8(ascii: "9") { whole[i] = UInt8(ascii: "0"); i -= 1 }
                if i >= 0 { whole[i] += 1 } else { whole.insert(UInt8(ascii: "1"), at: 0) }
            }
        }
        while whole.count > 1, whole.first == UInt8(ascii: "0") { whole.removeFirst() }
        if whole.isEmpty { whole = [UInt8(ascii: "0")] }
        let isZero = whole == [UInt8(ascii: "0")]
        if whole.count < scale + 1 {
            whole.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: scale + 1 - whole.count), at: 0)
        }
        if negative, !isZero { w.write(UInt8(ascii: "-")) }
        w.out.writeBytes(whole[0..<(whole.count - scale)])
        if scale > 0 {
            w.write(UInt8(ascii: "."))
            w.out.writeBytes(whole[(whole.count - scale)...])
        }
    }
}
