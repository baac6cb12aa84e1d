import BatonCore
import Dates
import Foundation

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

    /// A ratio (0.8125) as `81.3%`.
    static func percent(_ ratio: Decimal) -> String { (ratio * 100).grouped(scale: 1) + "%" }

    /// An enum's stored key as words: `new_business` is "New business".
    static func label(_ key: String) -> String {
        let words = key.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }
}
