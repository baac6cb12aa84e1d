import Dates

/// A report's days split into the whole months inside them and the days of a partial
/// month at either end. Approved time is kept summed per month (`time_month_totals`), so
/// a report reads the whole months' totals and only the odd days' entries: a quarter is
/// three rows per project and person instead of every entry in it.
public struct WholeMonths: Equatable, Sendable {
    /// The first day of the first whole month and the first day after the last one;
    /// equal when the days hold no whole month.
    public let start, end: CalendarDate
    /// The days before `start` and from `end` on, if any: read from the entries.
    public let head, tail: ClosedRange<CalendarDate>?

    public init(from: CalendarDate, to: CalendarDate) {
        let first = from.day == 1 ? from : Self.firstOfNextMonth(from)
        let afterLast = Self.firstOfMonth(to.adding(days: 1))
        (start, end) = first < afterLast ? (first, afterLast) : (first, first)
        head = from < min(start, to.adding(days: 1)) ? from...min(start.adding(days: -1), to) : nil
        tail = max(end, from) <= to ? max(end, from)...to : nil
    }

    static func firstOfMonth(_ date: CalendarDate) -> CalendarDate { date.adding(days: 1 - date.day) }

    static func firstOfNextMonth(_ date: CalendarDate) -> CalendarDate {
        firstOfMonth(date).adding(days: CalendarDate.daysIn(month: date.month, year: date.year))
    }
}
