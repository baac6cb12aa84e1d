import Foundation

extension Decimal {
    /// Rounded half away from zero to `scale` places, the business's one rounding rule
    /// (BONUS.md, attainment): 0.125 → 0.13 and −0.125 → −0.13.
    public func rounded(scale: Int) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, .plain)
        return result
    }

    /// Fixed-point text with exactly `scale` decimals and a dot: `"125000.00"`.
    public func fixed(scale: Int) -> String {
        let r = rounded(scale: scale)
        let negative = r < 0
        let magnitude = negative ? -r : r
        var text = magnitude.description
        if scale > 0 {
            if let dot = text.firstIndex(of: ".") {
                let decimals = text.distance(from: dot, to: text.endIndex) - 1
                text += String(repeating: "0", count: max(0, scale - decimals))
            } else {
                text += "." + String(repeating: "0", count: scale)
            }
        }
        return (negative && r != 0 ? "-" : "") + text
    }

    /// Money as the API writes it: two decimals, as a string.
    public var moneyText: String { fixed(scale: 2) }

    /// A plain decimal string with no exponent and no trailing zeros after the dot
    /// (`"40"`, `"12.5"`): for hours, percentages and probabilities.
    public var plainText: String {
        var text = description
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Parses a decimal string as the API accepts it: `-?digits(.digits)?`, at most
    /// 38 significant digits, no exponent and no locale.
    public init?(apiText text: String) {
        var digits = 0
        var sawDot = false
        var sawDigitAfterDot = true
        for (i, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "-") where i == 0: continue
            case UInt8(ascii: "."):
                if sawDot || digits == 0 { return nil }
                sawDot = true
                sawDigitAfterDot = false
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                sawDigitAfterDot = true
            default: return nil
            }
        }
        guard digits > 0, digits <= 38, sawDigitAfterDot,
            let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        self = value
    }

    /// The number of digits after the dot that matter.
    public var significantScale: Int {
        let text = plainText
        guard let dot = text.firstIndex(of: ".") else { return 0 }
        return text.distance(from: dot, to: text.endIndex) - 1
    }
}

/// A decimal that travels in JSON as a string (`"40"`, `"12.5"`), never a float.
public struct DecimalString: Sendable, Hashable, Codable, CustomStringConvertible {
    public var value: Decimal

    public init(_ value: Decimal) { self.value = value }

    public init(from decoder: any Decoder) throws {
        value = try decimalText(decoder, mustBe: "must be a decimal number written as a string, like \"12.5\"")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value.plainText)
    }

    public var description: String { value.plainText }
}

/// A `Decimal` property that travels in JSON as a `DecimalString` (`"12.5"`), so that
/// a record whose code reads plain decimals keeps its synthesized `Codable`:
/// `@DecimalText public var hours: Decimal`.
@propertyWrapper
public struct DecimalText: Sendable, Hashable, Codable {
    public var wrappedValue: Decimal

    public init(wrappedValue: Decimal) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws { wrappedValue = try DecimalString(from: decoder).value }

    public func encode(to encoder: any Encoder) throws { try DecimalString(wrappedValue).encode(to: encoder) }
}

/// An amount of money that travels in JSON as a string with two decimals.
public struct Money: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var amount: Decimal

    public init(_ amount: Decimal) { self.amount = amount }

    public init(from decoder: any Decoder) throws {
        amount = try decimalText(decoder, mustBe: "must be an amount written as a string, like \"125000.00\"") {
            $0.significantScale <= 2 ? nil : "must have at most two decimals"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(amount.moneyText)
    }

    public var description: String { amount.moneyText }
    public static func < (a: Money, b: Money) -> Bool { a.amount < b.amount }
}

/// A decimal the API sends as a string (never a JSON number, which would go through a
/// float), refused with `mustBe` when it is not one, or with what `refusal` says of it.
private func decimalText(_ decoder: any Decoder, mustBe: String, refusal: (Decimal) -> String? = { _ in nil }) throws -> Decimal {
    let container = try decoder.singleValueContainer()
    guard let value = Decimal(apiText: try container.decode(String.self)) else {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: mustBe)
    }
    if let message = refusal(value) {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: message)
    }
    return value
}

extension Decimal {
    /// Money as people read it: the currency code and grouped digits, `USD 182,500.00`.
    public func display(currency: String) -> String {
        "\(currency) \(grouped(scale: 2))"
    }

    /// Fixed to `scale` places with the thousands grouped: `-1,234,567.5` at scale 1.
    public func grouped(scale: Int) -> String {
        let text = fixed(scale: scale)
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var result = ""
        while whole.count > 3 {
            result = "," + whole.suffix(3) + result
            whole = String(whole.dropLast(3))
        }
        result = whole + result
        return (negative ? "-" : "") + result + (parts.count > 1 ? "." + parts[1] : "")
    }
}
