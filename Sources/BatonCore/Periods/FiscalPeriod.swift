import Dates

/// The firm's fiscal calendar: the month its fiscal year starts in.
///
/// Naming convention (the common one): a fiscal year is named by the calendar year in
/// which it **ends**. With `startMonth` 4 (April), fiscal 2026 runs from 2025-04-01 to
/// 2026-03-31 and `2026-Q1` is April to June 2025. With the default `startMonth` 1 the
/// fiscal year is the calendar year. Month keys (`2026-03`) always name a calendar month,
/// whatever the fiscal start, because people say "March 2026" and mean March 2026.
public struct FiscalCalendar: Sendable, Hashable {
    /// 1 (January) to 12 (December).
    public let startMonth: Int

    /// A calendar starting in `startMonth` (1…12). For a value that comes from outside
    /// (a setting, a request), use `init(checkingStartMonth:)` instead, which says what is
    /// wrong rather than stopping the program.
    public init(startMonth: Int = 1) {
        precondition((1...12).contains(startMonth), "a fiscal year starts in month 1 to 12")
        self.startMonth = startMonth
    }

    public init(checkingStartMonth startMonth: Int, field: String = "fiscalYearStartMonth") throws(ValidationFailure) {
        guard (1...12).contains(startMonth) else {
            throw ValidationFailure(field, "The fiscal year's first month must be from 1 (January) to 12 (December); got \(startMonth)")
        }
        self.startMonth = startMonth
    }

    /// Years a key may name: four digits, as the keys are written.
    public static let keyYears = 1...9999

    // MARK: Building periods

    /// Fiscal year `year`: the twelve months that end in calendar year `year`
    /// (for `startMonth` 1, the calendar year itself).
    public func year(_ year: Int) -> FiscalPeriod {
        let start = firstOfMonth(year: fiscalStartYear(year), month: startMonth)
        return FiscalPeriod(kind: .year, key: Self.pad(year, 4), start: start,
                            endExclusive: firstOfMonth(year: fiscalStartYear(year), month: startMonth + 12))
    }

    /// Quarter `quarter` (1…4) of fiscal year `year`.
    public func quarter(_ quarter: Int, of year: Int) -> FiscalPeriod {
        precondition((1...4).contains(quarter), "a fiscal year has quarters 1 to 4")
        let month = startMonth + 3 * (quarter - 1)
        return FiscalPeriod(kind: .quarter, key: "\(Self.pad(year, 4))-Q\(quarter)",
                            start: firstOfMonth(year: fiscalStartYear(year), month: month),
                            endExclusive: firstOfMonth(year: fiscalStartYear(year), month: month + 3))
    }

    /// Calendar month `month` (1…12) of calendar year `year`.
    public func month(_ month: Int, of year: Int) -> FiscalPeriod {
        precondition((1...12).contains(month), "a year has months 1 to 12")
        return FiscalPeriod(kind: .month, key: "\(Self.pad(year, 4))-\(Self.pad(month, 2))",
                            start: firstOfMonth(year: year, month: month),
                            endExclusive: firstOfMonth(year: year, month: month + 1))
    }

    /// The fiscal year (named by its end) that `date` falls in.
    public func fiscalYear(containing date: CalendarDate) -> Int {
        // A date on or after the start month belongs to the year that ends next calendar year.
        startMonth > 1 && date.month >= startMonth ? date.year + 1 : date.year
    }

    /// The period of `kind` that contains `date`.
    public func period(containing date: CalendarDate, kind: FiscalPeriod.Kind) -> FiscalPeriod {
        switch kind {
        case .year:
            return year(fiscalYear(containing: date))
        case .quarter:
            let monthsIntoYear = (date.month - startMonth + 12) % 12
            return quarter(monthsIntoYear / 3 + 1, of: fiscalYear(containing: date))
        case .month:
            return month(date.month, of: date.year)
        }
    }

    /// The four quarters of fiscal year `year`, in order; together they are the year.
    public func quarters(of year: Int) -> [FiscalPeriod] {
        (1...4).map { quarter($0, of: year) }
    }

    /// The calendar months that make up `period`, in order (a month is its own one month).
    public func months(of period: FiscalPeriod) -> [FiscalPeriod] {
        var months: [FiscalPeriod] = []
        var date = period.start
        while date < period.endExclusive {
            let m = month(date.month, of: date.year)
            months.append(m)
            date = m.endExclusive
        }
        return months
    }

    // MARK: Keys

    /// The period a key names: `2026` (fiscal year), `2026-Q1` (fiscal quarter) or
    /// `2026-03` (calendar month). Surrounding spaces and a lower-case `q` are accepted;
    /// the period's `key` is always the canonical spelling.
    public func period(key text: String, field: String = "key") throws(ValidationFailure) -> FiscalPeriod {
        let key = text.trimmed
        let shape = "Period must be a year (2026), a quarter (2026-Q1) or a month (2026-03)"
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let year = Self.digits(parts[0]), parts[0].count == 4 else {
            throw ValidationFailure(field, key.isEmpty ? "\(shape); it is empty" : "\(shape); got \"\(key)\"")
        }
        guard Self.keyYears.contains(year) else {
            throw ValidationFailure(field, "The year in a period must be from 0001 to 9999; got \"\(key)\"")
        }
        if parts.count == 1 { return self.year(year) }

        let rest = parts[1]
        if let first = rest.first, first == "Q" || first == "q" {
            guard let q = Self.digits(rest.dropFirst()), rest.count == 2 else {
                throw ValidationFailure(field, "A quarter is written like 2026-Q1; got \"\(key)\"")
            }
            guard (1...4).contains(q) else {
                throw ValidationFailure(field, "Quarter must be Q1, Q2, Q3 or Q4; got \"\(key)\"")
            }
            return quarter(q, of: year)
        }
        guard let m = Self.digits(rest) else {
            throw ValidationFailure(field, "\(shape); got \"\(key)\"")
        }
        guard rest.count == 2 else {
            throw ValidationFailure(field, "Write the month with two digits, like 2026-03; got \"\(key)\"")
        }
        guard (1...12).contains(m) else {
            throw ValidationFailure(field, "Month must be from 01 to 12; got \"\(key)\"")
        }
        return month(m, of: year)
    }

    // MARK: Helpers

    private func fiscalStartYear(_ fiscalYear: Int) -> Int {
        startMonth == 1 ? fiscalYear : fiscalYear - 1
    }

    /// The first day of a month, where `month` may run past 12 (13 is next January).
    /// Built from the day count so that the end of year 9999 (10000-01-01) still exists
    /// as an exclusive end, although `CalendarDate(year:month:day:)` would refuse it.
    private func firstOfMonth(year: Int, month: Int) -> CalendarDate {
        let y = year + (month - 1) / 12
        let m = (month - 1) % 12 + 1
        if let date = CalendarDate(year: y, month: m, day: 1) { return date }
        // Howard Hinnant's days_from_civil, as CalendarDate does, for years it refuses.
        let shifted = m <= 2 ? y - 1 : y
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yoe = shifted - era * 400
        let mp = m > 2 ? m - 3 : m + 9
        let doy = (153 * mp + 2) / 5
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return CalendarDate(daysSinceEpoch: era * 146_097 + doe - 719_468)
    }

    private static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4 else { return nil }
        var n = 0
        for b in text.utf8 {
            guard b >= 48, b <= 57 else { return nil }
            n = n * 10 + Int(b - 48)
        }
        return n
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}

/// A fiscal year, a fiscal quarter or a calendar month: `[start, endExclusive)`.
///
/// The end is exclusive so that consecutive periods share a boundary date without
/// overlapping, and a period's length is `start.days(until: endExclusive)`.
public struct FiscalPeriod: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case year, quarter, month
    }

    public var kind: Kind
    /// `2026`, `2026-Q1` or `2026-03`.
    public var key: String
    public var start, endExclusive: CalendarDate

    public init(kind: Kind, key: String, start: CalendarDate, endExclusive: CalendarDate) {
        (self.kind, self.key, self.start, self.endExclusive) = (kind, key, start, endExclusive)
    }

    /// The last day that belongs to the period (the day before `endExclusive`).
    public var lastDay: CalendarDate { endExclusive.adding(days: -1) }

    public func contains(_ date: CalendarDate) -> Bool {
        start <= date && date < endExclusive
    }
}
