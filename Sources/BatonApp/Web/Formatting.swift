import BatonCore
import Dates
import Foundation
import Hummingbird
import Mustache
import Postgres

/// How values read on a page: money with its currency and grouped digits, dates in a
/// human form, times in the firm's zone, percentages, ratios, hours and enum labels.
/// Pages call these, so no raw value (`2026-12-01T14:05:00Z`, `new_business`,
/// `30000.00`, `100.4 %`, `1.6406×`) reaches a reader; the API keeps ISO 8601 and keys.
enum Formatting {
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The zone this request's page shows times in: the firm's (`FirmZoneMiddleware`
    /// reads it once per page), UTC outside a page (the command line, tests of a value).
    @TaskLocal static var zone: TimeZone = utc

    /// The firm's currency, for `{{money(…)}}` in a template (set with the zone).
    @TaskLocal static var currency = "USD"

    // Foundation always knows UTC; the fallback only satisfies the optional.
    static let utc = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? .current

    /// `EUR 1,234,567.50`.
    static func money(_ value: Decimal, currency: String) -> String { value.display(currency: currency) }

    /// `EUR 1,234,567.50`, or "–" when there is no amount.
    static func money(_ value: Money?, currency: String) -> String { value.map { money($0.amount, currency: currency) } ?? "–" }

    /// `1 Dec 2026`.
    static func date(_ value: CalendarDate) -> String {
        let month = (1...12).contains(value.month) ? monthNames[value.month - 1] : String(value.month)
        return "\(value.day) \(month) \(value.year)"
    }

    /// Two days as a window a page names: `1 Oct 2026 to 31 Dec 2026`.
    static func span(_ from: CalendarDate, _ to: CalendarDate) -> String { "\(date(from)) to \(date(to))" }

    /// A window that may stay open: `1 Jan 2026 to 30 Jun 2026`, or `from 1 Jan 2026`.
    static func span(_ from: CalendarDate, until to: CalendarDate?) -> String { to.map { span(from, $0) } ?? "from \(date(from))" }

    /// `1 Dec 2026`, or `none` when there is no date.
    static func date(_ value: CalendarDate?, none: String) -> String { value.map(date) ?? none }

    /// The day a moment falls on in the firm's zone (a task due at 23:30 UTC is due
    /// the next day in Brussels).
    static func day(_ value: Timestamp, in zone: TimeZone? = nil) -> CalendarDate {
        let c = calendar(zone).dateComponents([.year, .month, .day], from: value.date)
        return CalendarDate(year: c.year ?? 1970, month: c.month ?? 1, day: c.day ?? 1) ?? value.calendarDate
    }

    /// A moment as `1 Dec 2026, 15:05 CET`, in the firm's zone (or `zone`).
    static func moment(_ value: Timestamp, in zone: TimeZone? = nil) -> String {
        let calendar = calendar(zone)
        let c = calendar.dateComponents([.hour, .minute], from: value.date)
        return "\(date(day(value, in: zone))), " + String(format: "%02d:%02d", c.hour ?? 0, c.minute ?? 0) + " " + zoneName(calendar.timeZone, at: value)
    }

    /// A moment or `none`.
    static func moment(_ value: Timestamp?, none: String) -> String { value.map { moment($0) } ?? none }

    /// The zone as people know it: its abbreviation ("CET", "PST"), or its name where
    /// Foundation has only an offset for it ("GMT+4"), and UTC as "UTC" (not "GMT").
    static func zoneName(_ zone: TimeZone, at value: Timestamp) -> String {
        if ["UTC", "GMT", "Etc/UTC"].contains(zone.identifier) { return "UTC" }
        guard let short = zone.abbreviation(for: value.date), !short.hasPrefix("GMT") else { return zone.identifier }
        return short
    }

    private static func calendar(_ zone: TimeZone?) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone ?? Self.zone
        return calendar
    }

    /// A ratio (0.8125) as `81.3%`.
    static func percent(_ ratio: Decimal) -> String { (ratio * 100).grouped(scale: 1) + "%" }

    /// A ratio as `81.3%`, or "–" when there is none.
    static func percent(_ ratio: Decimal?) -> String { ratio.map(percent) ?? "–" }

    /// A number that is already a percentage (12.5) as `12.5%`: no trailing zeros, no space.
    static func percentage(_ value: Decimal) -> String { number(value) + "%" }

    /// A multiple (coverage 1.6406) as `1.6×`.
    static func times(_ value: Decimal) -> String { value.grouped(scale: 1) + "×" }

    /// Hours as `1,234.5 h`, or `7.5 h`.
    static func hours(_ value: Decimal) -> String { number(value) + " h" }

    /// A number with its thousands grouped and at most two decimals, none when whole:
    /// `1,234.5`, `40`.
    static func number(_ value: Decimal) -> String {
        let rounded = value.rounded(scale: 2)
        return rounded.grouped(scale: rounded.significantScale)
    }

    /// A count of things with its thousands grouped: `1,243`.
    static func count(_ n: Int) -> String { number(Decimal(n)) }

    /// An enum's stored key as words: `new_business` is "New business".
    static func label(_ key: String) -> String {
        let words = key.replacingOccurrences(of: "_", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    /// An enum's value as words.
    static func label<T: RawRepresentable>(_ value: T) -> String where T.RawValue == String { label(value.rawValue) }
}

/// Reads the firm's time zone once for each page (one query, however many times the
/// page draws), so that `Formatting.moment` draws every time on it in the zone the
/// firm chose (`PATCH /settings`); UTC until an admin sets one.
struct FirmZoneMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.caller != nil else { return try await next(request, context) }
        let zone = try await services.pool.withConnection { try await FirmSettingsStore.current($0).zone }
        return try await Formatting.$currency.withValue(services.configuration.currency) {
            try await Formatting.$zone.withValue(zone) { try await next(request, context) }
        }
    }
}

// The templates call the formatter by name on the records they embed, so a view model
// keeps its record and the template chooses the words: `{{date(request.start)}}`
// draws `1 Dec 2026` where `{{request.start}}` (an input's value) stays ISO.
import Mustache

extension CalendarDate: MustacheTransformable {
    /// `date`: `1 Dec 2026`.
    public func transform(_ name: String) -> Any? { name == "date" ? Formatting.date(self) : nil }
}

extension Timestamp: MustacheTransformable {
    /// `moment`: `1 Dec 2026, 15:05 CET`; `date`: the day it falls on, in the firm's zone.
    public func transform(_ name: String) -> Any? {
        switch name {
        case "moment": Formatting.moment(self)
        case "date": Formatting.date(Formatting.day(self))
        default: nil
        }
    }
}

extension DecimalString: MustacheTransformable {
    /// `number`: `1,234.5`; `hours`: `7.5 h`; `percentage` (of a value already in percent): `12.5%`.
    public func transform(_ name: String) -> Any? {
        switch name {
        case "number": Formatting.number(value)
        case "hours": Formatting.hours(value)
        case "percentage": Formatting.percentage(value)
        default: nil
        }
    }
}

extension Money: MustacheTransformable {
    /// `money`: `USD 39,600.00`, in the firm's currency.
    public func transform(_ name: String) -> Any? { name == "money" ? Formatting.money(amount, currency: Formatting.currency) : nil }
}

/// An enum a page shows: `{{label(request.status)}}` is "Approved", not `approved`.
protocol PageLabelled: MustacheTransformable, RawRepresentable where RawValue == String {}

extension PageLabelled {
    public func transform(_ name: String) -> Any? { name == "label" ? Formatting.label(rawValue) : nil }
}

extension TimeOffKind: PageLabelled {}
extension TimeOffStatus: PageLabelled {}
extension TimeEntryStatus: PageLabelled {}
extension ProposalStatus: PageLabelled {}
extension OpportunityKind: PageLabelled {}
extension TeamRole: PageLabelled {}
extension AccountStatus: PageLabelled {}
extension BuyingRole: PageLabelled {}
extension BonusMethod: PageLabelled {}
extension BonusMetric: PageLabelled {}
extension LineUnit: PageLabelled {}
extension ForecastCategory: PageLabelled {}
