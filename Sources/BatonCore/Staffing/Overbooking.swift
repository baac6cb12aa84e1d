import Dates
import Foundation

/// A person's planned hours in one ISO week (Monday to Sunday) against their capacity.
/// JSON decimals are strings: `{"weekStart": "2026-04-06", "hours": "50", "capacity": "40", "over": "10"}`.
public struct WeekLoad: Sendable, Equatable, Codable {
    /// The Monday the week starts on.
    public var weekStart: CalendarDate
    public var hours: DecimalString
    public var capacity: DecimalString
    /// Hours beyond capacity, never below 0.
    public var over: DecimalString

    public init(weekStart: CalendarDate, hours: Decimal, capacity: Decimal) {
        self.weekStart = weekStart
        self.hours = DecimalString(hours)
        self.capacity = DecimalString(capacity)
        over = DecimalString(max(0, hours - capacity))
    }
}

/// Would a new assignment put a person over their weekly capacity, and in which weeks?
///
/// The rule is by whole weeks: a booking counts its full hours per week in every ISO
/// week in which it has at least one day. People plan in weeks, so a Tuesday-to-Thursday
/// assignment at 20 h/week is 20 h of that week, not 20 × 3 ÷ 7. This errs toward
/// warning: two short assignments in the same week both count in full, which is what
/// the person will feel. (Free hours for ranking are pro rata by day instead, see
/// `CapacityCheck.freeHours`, because there the question is how much fits in a window.)
///
/// Booking ends are exclusive, as everywhere: a booking from Monday April 6 to Monday
/// April 13 lies in one week only.
public enum Overbooking {
    /// Every week the new booking touches, with the hours the person would have that
    /// week counting the existing bookings and the new one; empty when the new booking
    /// has no days.
    public static func weeks(capacity: Decimal, existing: [Booking], adding: Booking) -> [WeekLoad] {
        load(capacity: capacity, bookings: existing + [adding], from: adding.start, to: adding.end)
    }

    /// Only the weeks of `weeks(capacity:existing:adding:)` that go over capacity: the
    /// ones to show before the project manager confirms an overbooking.
    public static func overbookedWeeks(capacity: Decimal, existing: [Booking], adding: Booking) -> [WeekLoad] {
        weeks(capacity: capacity, existing: existing, adding: adding).filter { $0.over.value > 0 }
    }

    /// The load of every week that has at least one day from `from` up to but not
    /// including `to`, in order; empty when `to` is not after `from`.
    public static func load(capacity: Decimal, bookings: [Booking], from: CalendarDate, to: CalendarDate) -> [WeekLoad] {
        guard from < to else { return [] }
        var result: [WeekLoad] = []
        var monday = weekStart(of: from)
        while monday < to {
            let nextMonday = monday.adding(days: 7)
            let hours = bookings.reduce(Decimal(0)) { sum, b in
                // Overlap of [b.start, b.end) with [monday, nextMonday): at least one day.
                max(b.start, monday) < min(b.end, nextMonday) ? sum + b.hoursPerWeek : sum
            }
            result.append(WeekLoad(weekStart: monday, hours: hours, capacity: capacity))
            monday = nextMonday
        }
        return result
    }

    /// The Monday on or before `date`.
    public static func weekStart(of date: CalendarDate) -> CalendarDate {
        date.adding(days: 1 - date.isoWeekday)
    }
}
