import Dates
import Foundation

/// Reads the text of one import cell as a typed value. Each reader accepts the forms
/// the common CRM exports and spreadsheets write, and nothing it would have to guess.
enum ImportValues {
    enum AmountReading: Equatable {
        case amount(Decimal)
        case notANumber, negative, tooManyDecimals
    }

    /// `84000`, `84000.50`, `84,000.00`, `$84,000.00`; exact, through Decimal, never Double.
    static func amount(_ text: String) -> AmountReading {
        var s = Array(text.utf8)[...]
        var negative = false
        if s.first == UInt8(ascii: "-") {
            negative = true
            s = s.dropFirst()
        }
        for symbol in ["$", "€", "£"] where s.starts(with: symbol.utf8) {
            s = s.dropFirst(symbol.utf8.count)
            break
        }
        if !negative, s.first == UInt8(ascii: "-") {
            negative = true
            s = s.dropFirst()
        }
        let dot = s.firstIndex(of: UInt8(ascii: "."))
        let whole = dot.map { s[..<$0] } ?? s
        let fraction = dot.map { s[($0 + 1)...] } ?? []
        guard groupedDigitsAreValid(whole), fraction.allSatisfy(isDigit) else { return .notANumber }
        var plain = whole.filter { $0 != UInt8(ascii: ",") }
        if dot != nil { plain += [UInt8(ascii: ".")] + fraction }
        guard let value = exactDecimal(plain) else { return .notANumber }
        if negative && value != 0 { return .negative }
        // Trailing zeros do not count: `1.100` is a valid amount.
        if fraction.reversed().drop(while: { $0 == UInt8(ascii: "0") }).count > 2 { return .tooManyDecimals }
        return .amount(value)
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// Digits, with commas only as thousands separators: `84,000` yes, `8,40,00` no (it
    /// is too likely a decimal comma or a typo to read as a number).
    private static func groupedDigitsAreValid(_ whole: ArraySlice<UInt8>) -> Bool {
        let comma = UInt8(ascii: ",")
        guard whole.contains(comma) else { return whole.allSatisfy(isDigit) }
        let groups = whole.split(separator: comma, omittingEmptySubsequences: false)
        guard let first = groups.first, (1...3).contains(first.count) else { return false }
        return groups.allSatisfy { $0.allSatisfy(isDigit) } && groups.dropFirst().allSatisfy { $0.count == 3 }
    }

    /// `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` (HubSpot; the time is dropped) or `M/D/YYYY`
    /// (Salesforce reports in US locale). Nil unless it is a real date.
    static func date(_ text: String) -> CalendarDate? {
        if text.utf8.contains(UInt8(ascii: "/")) { return usDate(text) }
        let bytes = Array(text.utf8)
        guard bytes.count >= 10, let date = CalendarDate(String(decoding: bytes[0..<10], as: UTF8.self)) else { return nil }
        if bytes.count == 10 { return date }
        guard bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
            timeIsValid(String(decoding: bytes[11...], as: UTF8.self))
        else { return nil }
        return date
    }

    private static func usDate(_ text: String) -> CalendarDate? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, (1...2).contains(parts[0].count), (1...2).contains(parts[1].count), parts[2].count == 4,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let month = Int(parts[0]), let day = Int(parts[1]), let year = Int(parts[2])
        else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    /// `HH:MM` or `HH:MM:SS`, and as Salesforce's API writes it, `HH:MM:SS.sss` with `Z`
    /// or an offset (`2025-11-03T14:22:05.000Z`).
    private static func timeIsValid(_ text: String) -> Bool {
        var text = Substring(text)
        if text.hasSuffix("Z") {
            text = text.dropLast()
        } else if text.count > 8, let sign = text.lastIndex(where: { $0 == "+" || $0 == "-" }) {
            let offset = text[text.index(after: sign)...].filter { $0 != ":" }
            guard offset.count == 4, offset.allSatisfy(\.isASCIIDigit) else { return false }
            text = text[..<sign]
        }
        if let dot = text.firstIndex(of: ".") {
            let fraction = text[text.index(after: dot)...]
            guard (1...9).contains(fraction.count), fraction.allSatisfy(\.isASCIIDigit) else { return false }
            text = text[..<dot]
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
            let hours = Int(parts[0]), let minutes = Int(parts[1])
        else { return false }
        let seconds = parts.count == 3 ? Int(parts[2]) ?? 99 : 0
        return hours < 24 && minutes < 60 && seconds < 60
    }

    /// A percentage from 0 to 100: `60`, `60%`, `60.5`. Nil when it is not one.
    static func probability(_ text: String) -> Decimal? {
        var s = text
        if s.utf8.last == UInt8(ascii: "%") { s = trim(String(s.dropLast())) }
        guard let value = exactDecimal(s), value >= 0, value <= 100 else { return nil }
        return value
    }

    /// The bare host of a website: `https://www.acme.com/about` is `acme.com`.
    static func domain(_ text: String) -> String? {
        var s = Substring(text.lowercased())
        if let scheme = s.range(of: "://") { s = s[scheme.upperBound...] }
        if let end = s.firstIndex(where: { "/?#".contains($0) }) { s = s[..<end] }
        if let at = s.lastIndex(of: "@") { s = s[s.index(after: at)...] }
        if let colon = s.firstIndex(of: ":") { s = s[..<colon] }
        if s.hasPrefix("www.") { s = s.dropFirst(4) }
        while s.hasSuffix(".") { s = s.dropLast() }
        return s.isEmpty ? nil : String(s)
    }

    /// Yes or no, as spreadsheets and CRMs write it. Nil when it is neither.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "y", "1", "t", "x": true
        case "false", "no", "n", "0", "f": false
        default: nil
        }
    }

    /// The key a choice is looked up by: letters and digits only, lower case, so that
    /// `Decision Maker`, `decision_maker` and `decision-maker` are one value.
    static func choiceKey(_ text: String) -> String {
        // Almost every value is ASCII; Unicode's tables are only consulted for the rest.
        var ascii: [UInt8] = []
        ascii.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): ascii.append(b)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): ascii.append(b + 32)
            case 0x80...: return String(text.lowercased().unicodeScalars.filter(CharacterSet.alphanumerics.contains).map(Character.init))
            default: continue
            }
        }
        return String(decoding: ascii, as: UTF8.self)
    }

    /// The text without surrounding whitespace; a quick look at the ends first, since
    /// most cells have none and `String.trimmed` walks Characters.
    static func trim(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        func plain(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }
        return plain(first) && plain(last) ? text : text.trimmed
    }

    /// `digits` or `digits.digits`, exactly. Builds the Decimal from an integer and an
    /// exponent, which is exact and much faster than `Decimal(string:)`; long numbers
    /// go through `Decimal(apiText:)`.
    static func exactDecimal(_ text: String) -> Decimal? {
        exactDecimal(Array(text.utf8))
    }

    static func exactDecimal(_ bytes: [UInt8]) -> Decimal? {
        var significand: UInt64 = 0
        var digits = 0
        var decimals = 0
        var sawDot = false
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if sawDot { decimals += 1 }
                guard digits <= 18 else { return Decimal(apiText: String(decoding: bytes, as: UTF8.self)) }
                significand = significand * 10 + UInt64(b - UInt8(ascii: "0"))
            case UInt8(ascii: ".") where !sawDot && digits > 0:
                sawDot = true
            default:
                return nil
            }
        }
        guard digits > 0, !sawDot || decimals > 0 else { return nil }
        return Decimal(sign: .plus, exponent: -decimals, significand: Decimal(significand))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// The values each choice field accepts, keyed by `ImportValues.choiceKey`.
enum ImportChoices {
    static let status = ["prospect": "prospect", "active": "active", "former": "former"]

    static let statusValues = ["prospect", "active", "former"]

    /// Ours, Salesforce's contact roles (Opportunity Contact Role) and HubSpot's buying
    /// roles, by label and by internal value (`BUDGET_HOLDER`).
    static let buyingRole = [
        "decisionmaker": "decision_maker", "influencer": "influencer", "technical": "technical",
        "billing": "billing", "other": "other",
        // Salesforce
        "economicbuyer": "decision_maker", "economicdecisionmaker": "decision_maker",
        "executivesponsor": "decision_maker", "technicalbuyer": "technical", "evaluator": "influencer",
        "businessuser": "other",
        // HubSpot
        "budgetholder": "billing", "champion": "influencer", "enduser": "other", "legalandcompliance": "other",
        "legalcompliance": "other", "blocker": "other",
    ]
    static let buyingRoleValues = ["decision_maker", "influencer", "technical", "billing", "other"]

    /// Ours, Salesforce's Opportunity `Type` picklist and HubSpot's deal types.
    static let kind = [
        "newbusiness": "new_business", "expansion": "expansion", "renewal": "renewal",
        "newcustomer": "new_business", "existingcustomerupgrade": "expansion", "existingcustomerreplacement": "renewal",
        "existingcustomerdowngrade": "renewal", "existingbusiness": "expansion", "existingcustomer": "expansion",
    ]
    static let kindValues = ["new_business", "expansion", "renewal"]
    static let forecastCategoryValues = ["pipeline", "best_case", "commit", "closed", "omitted"]

    /// Salesforce's standard `LeadSource` values (current and older orgs') and
    /// HubSpot's original sources (label and internal value), as Baton's source keys.
    /// Source is free text: a value not listed here is kept as the file wrote it.
    static let source = [
        "web": "web", "phoneinquiry": "phone", "phone": "phone", "partnerreferral": "partner_referral",
        "purchasedlist": "purchased_list", "other": "other", "advertisement": "advertisement",
        "employeereferral": "employee_referral", "externalreferral": "referral", "referral": "referral",
        "partner": "partner", "publicrelations": "public_relations", "seminarinternal": "event",
        "seminarpartner": "event", "tradeshow": "event", "event": "event", "wordofmouth": "referral",
        // HubSpot
        "organicsearch": "organic_search", "paidsearch": "paid_search", "emailmarketing": "email_marketing",
        "socialmedia": "social_media", "organicsocial": "social_media", "referrals": "referral",
        "othercampaigns": "campaign", "directtraffic": "web", "offline": "offline", "offlinesources": "offline",
        "paidsocial": "paid_social", "aireferrals": "referral",
    ]

    static func sourceValue(_ text: String) -> String {
        source[ImportValues.choiceKey(text)] ?? text
    }

    /// Ours and the labels, plus the API values behind them: Salesforce stores Commit
    /// as `Forecast`, HubSpot stores Omitted as `OMIT`.
    static let forecastCategory = [
        "pipeline": "pipeline", "bestcase": "best_case", "commit": "commit", "closed": "closed", "omitted": "omitted",
        "forecast": "commit", "omit": "omitted",
    ]

    /// Salesforce's Account `Type` is a free picklist ("Customer - Direct", "Former
    /// Customer", "Prospect"); read what it clearly says and leave the rest unset.
    static func statusFromSalesforceType(_ type: String) -> String? {
        let t = type.lowercased()
        if t.contains("prospect") { return "prospect" }
        if t.contains("former") { return "former" }
        if t.contains("customer") { return "active" }
        return nil
    }
}
