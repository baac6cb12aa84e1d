import Dates
import Foundation

/// A Swift value that can be sent to PostgreSQL as a text-format parameter.
public protocol PostgresEncodable: Sendable {
    /// The text PostgreSQL parses for this value; nil binds NULL.
    var postgresText: String? { get }
}

/// A Swift value that can be read from a text-format result column.
public protocol PostgresDecodable: Sendable {
    init(postgresText text: String) throws(PostgresError)
    /// What a NULL decodes to: an error, unless the type is optional.
    static func decodeNull(column: String) throws(PostgresError) -> Self
}

extension PostgresDecodable {
    public static func decodeNull(column: String) throws(PostgresError) -> Self {
        throw PostgresError(code: .unexpectedNull, message: "column \(column) is NULL")
    }
}

func unparsable(_ type: Any.Type, _ text: String) -> PostgresError {
    // The value itself stays out of the message: it may be personal data.
    PostgresError(code: .unparsableValue, message: "text of \(text.utf8.count) bytes is not a valid \(type)")
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText text: String) throws(PostgresError) {
        self = try Wrapped(postgresText: text)
    }
    public static func decodeNull(column: String) -> Self { nil }
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public init(postgresText text: String) { self = text }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init(postgresText text: String) throws(PostgresError) {
        switch text {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw unparsable(Bool.self, text)
        }
    }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int(text) else { throw unparsable(Int.self, text) }
        self = v
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int64(text) else { throw unparsable(Int64.self, text) }
        self = v
    }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Int32(text) else { throw unparsable(Int32.self, text) }
        self = v
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Double(text) else { throw unparsable(Double.self, text) }
        self = v
    }
}

extension Decimal: PostgresEncodable, PostgresDecodable {
    /// `Decimal.description` always writes a dot, whatever the process locale.
    public var postgresText: String? { isNaN ? "NaN" : description }

    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Decimal.parseExact(text) else { throw unparsable(Decimal.self, text) }
        self = v
    }

    /// Parses `[-]digits[.digits]` in the POSIX locale and refuses anything else,
    /// including values with more significant digits than `Decimal` holds exactly.
    public static func parseExact(_ text: String) -> Decimal? {
        if text == "NaN" { return .nan }
        var digits = 0
        var sawDot = false
        for (i, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "-") where i == 0: continue
            case UInt8(ascii: "."):
                if sawDot { return nil }
                sawDot = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            default: return nil
            }
        }
        guard digits > 0, digits <= 38 else { return nil }
        return Decimal(string: text, locale: posix)
    }

    /// Made once: building the locale for every value was a third of a numeric's parse (a
    /// report decodes thousands).
    private static let posix = Locale(identifier: "en_US_POSIX")
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = UUID(uuidString: text) else { throw unparsable(UUID.self, text) }
        self = v
    }
}

extension CalendarDate: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { description }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = CalendarDate(text) else { throw unparsable(CalendarDate.self, text) }
        self = v
    }
}

/// An instant with PostgreSQL's resolution: microseconds since the Unix epoch.
///
/// `Date` is a `Double` of seconds since 2001 and cannot promise that a
/// `timestamptz` read and written back is the same value; this can.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var microsecondsSinceEpoch: Int64

    public init(microsecondsSinceEpoch: Int64) {
        self.microsecondsSinceEpoch = microsecondsSinceEpoch
    }

    public init(_ date: Date) {
        microsecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    public static var now: Timestamp { Timestamp(Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(microsecondsSinceEpoch) / 1_000_000) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        a.microsecondsSinceEpoch < b.microsecondsSinceEpoch
    }

    public var calendarDate: CalendarDate {
        let days = microsecondsSinceEpoch >= 0
            ? microsecondsSinceEpoch / 86_400_000_000
            : (microsecondsSinceEpoch - 86_399_999_999) / 86_400_000_000
        return CalendarDate(daysSinceEpoch: Int(days))
    }

    /// RFC 3339 in UTC, with the microseconds when there are any.
    public var description: String {
        let micros = microsecondsSinceEpoch
        var secs = micros / 1_000_000
        var frac = micros % 1_000_000
        if frac < 0 { frac += 1_000_000; secs -= 1 }
        var dayCount = secs / 86_400
        var rem = secs % 86_400
        if rem < 0 { rem += 86_400; dayCount -= 1 }
        let date = CalendarDate(daysSinceEpoch: Int(dayCount))
        func pad(_ n: Int64, _ w: Int) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var s = "\(date)T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2))"
        if frac != 0 {
            var f = pad(frac, 6)
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s + "Z"
    }

    /// Parses PostgreSQL's ISO output (`2026-03-01 12:00:00.5+00`) and RFC 3339
    /// (`2026-03-01T12:00:00.5Z`, `…+05:30`).
    public init?(parsing text: String) {
        let b = Array(text.utf8)
        guard b.count >= 19, let day = CalendarDate(String(decoding: b[0..<10], as: UTF8.self)),
            b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "T"),
            b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":")
        else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            var n: Int64 = 0
            for c in b[r] {
                guard c >= 48, c <= 57 else { return nil }
                n = n * 10 + Int64(c - 48)
            }
            return n
        }
        guard let h = num(11..<13), let m = num(14..<16), let s = num(17..<19), h < 24, m < 60, s < 61
        else { return nil }
        var i = 19
        var micros: Int64 = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100_000
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                if scale > 0 { micros += Int64(b[i] - 48) * scale; scale /= 10 }
                i += 1
            }
            guard i > start else { return nil }
        }
        var offsetSeconds: Int64 = 0
        if i < b.count {
            if b[i] == UInt8(ascii: "Z") || b[i] == UInt8(ascii: "z") {
                i += 1
            } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                let sign: Int64 = b[i] == UInt8(ascii: "-") ? -1 : 1
                i += 1
                guard i + 2 <= b.count, let oh = num(i..<i + 2) else { return nil }
                i += 2
                var om: Int64 = 0
                if i < b.count, b[i] == UInt8(ascii: ":") { i += 1 }
                if i + 2 <= b.count, let parsed = num(i..<i + 2) { om = parsed; i += 2 }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        let seconds = Int64(day.daysSinceEpoch) * 86_400 + h * 3600 + m * 60 + s - offsetSeconds
        microsecondsSinceEpoch = seconds * 1_000_000 + micros
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let t = Timestamp(parsing: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be an RFC 3339 timestamp")
        }
        // PostgreSQL stores later instants than it can write back in ISO form; keep to the years dates have.
        guard (1...9999).contains(t.calendarDate.year), t.microsecondsSinceEpoch > -62_135_596_800_000_000 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must fall between the years 1 and 9999 in UTC")
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension Timestamp: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { description }
    public init(postgresText text: String) throws(PostgresError) {
        guard let v = Timestamp(parsing: text) else { throw unparsable(Timestamp.self, text) }
        self = v
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { Timestamp(self).description }
    public init(postgresText text: String) throws(PostgresError) {
        self = try Timestamp(postgresText: text).date
    }
}

/// A `jsonb` value carried as a Codable Swift value. It is encoded when made, so
/// a value that has no JSON form (a NaN, say) fails there, loudly, instead of
/// being bound as NULL.
public struct JSONB<Value: Codable & Sendable>: PostgresEncodable, PostgresDecodable {
    public let value: Value
    private let text: String

    public init(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.value = value
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    public var postgresText: String? { text }

    public init(postgresText text: String) throws(PostgresError) {
        do {
            value = try JSONDecoder().decode(Value.self, from: Data(text.utf8))
            self.text = text
        } catch {
            throw unparsable(Value.self, text)
        }
    }
}

/// One-dimensional arrays (`= ANY($1)`, `text[]` columns).
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public var postgresText: String? {
        var out = "{"
        for (i, element) in enumerated() {
            if i > 0 { out += "," }
            guard let text = element.postgresText else { out += "NULL"; continue }
            out += "\""
            for ch in text.unicodeScalars {
                if ch == "\"" || ch == "\\" { out += "\\" }
                out.unicodeScalars.append(ch)
            }
            out += "\""
        }
        return out + "}"
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    public init(postgresText text: String) throws(PostgresError) {
        let elements = try PostgresArrayParser.parse(text)
        var out: [Element] = []
        out.reserveCapacity(elements.count)
        for element in elements {
            if let element { out.append(try Element(postgresText: element)) }
            else { out.append(try Element.decodeNull(column: "array element")) }
        }
        self = out
    }
}

enum PostgresArrayParser {
    /// Parses a one-dimensional array literal such as `{a,"b c",NULL}`.
    static func parse(_ text: String) throws(PostgresError) -> [String?] {
        let chars = Array(text.unicodeScalars)
        guard chars.first == "{", chars.last == "}" else { throw unparsable([String].self, text) }
        var result: [String?] = []
        var i = 1
        let end = chars.count - 1
        if end == 1 { return [] }
        while i < end {
            var value = ""
            var quoted = false
            if chars[i] == "\"" {
                quoted = true
                i += 1
                while i < end, chars[i] != "\"" {
                    if chars[i] == "\\" { i += 1 }
                    guard i < end else { throw unparsable([String].self, text) }
                    value.unicodeScalars.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                while i < end, chars[i] != "," {
                    value.unicodeScalars.append(chars[i])
                    i += 1
                }
            }
            result.append(!quoted && value == "NULL" ? nil : value)
            if i < end {
                guard chars[i] == "," else { throw unparsable([String].self, text) }
                i += 1
            }
        }
        return result
    }
}
