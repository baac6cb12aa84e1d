import BatonCore
import Dates
import Foundation
import Postgres

/// How values read on a page: money with its currency and grouped digits, dates in a
/// human form, percentages, enum labels. Pages call these, so no raw value
/// (`2026-12-01`, `new_business`, `30000.00`) reaches a reader.
enum Formatting {
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `EUR 1,234,567.50`.
    static func money(_ value: Decimal, currency: String) -> String { value.display(currency: currency) }

    /// `1 Dec 2026`.
    static func date(_ value: CalendarDate) -> String {
        let month = (1...12).contains(value.month) ? monthNames[value.month - 1] : String(value.month)
        return "\(value.day) \(month) \(value.year)"
    }

    /// A moment as `1 Dec 2026, 14:05 UTC`, in `zone` (the API keeps ISO 8601). The firm's
    /// own zone is not configured yet, so pages pass none and read UTC, named as such.
    static func moment(_ value: Timestamp, in zone: TimeZone? = TimeZone(identifier: "UTC")) -> String {
        var calendar = Calendar(identifier: .gregorian)
        if let zone { calendar.timeZone = zone }
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: value.date)
        let day = CalendarDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1).map(Self.date) ?? ""
        // Foundation abbreviates UTC as "GMT" on some systems; the page says UTC either way.
        let zone = calendar.timeZone
        let zoneName = ["UTC", "GMT"].contains(zone.identifier) ? "UTC" : zone.abbreviation(for: value.date) ?? zone.identifier
        return "\(day), " + String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0) + " " + zoneName
    }

    /// A ratio (0.8125) as `81.3%`.
    static func percent(_ ratio: Decimal) -> String { (ratio * 100).grouped(scale: 1) + "%" }

    /// An enum's stored key as words: `new_business` is "New business".
    static func label(_ key: String) -> String {
        let words = key.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
