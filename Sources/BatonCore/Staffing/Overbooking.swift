import Dates
import Foundation

/// A person's planned hours in one ISO week (Monday to Sunday) against their working
/// hours that week (`WorkingCalendar`). JSON decimals are strings:
/// `{"weekStart": "2026-04-06", "hours": "50", "capacity": "40", "over": "10"}`.
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

/// Would a new assignment put a person past their working hours, and on which days?
///
/// Judged day by day on the model of `Allocation`: on each working day of the new
/// booking, the hours per day of every booking covering that day (the new one
/// included) against `WorkingCalendar.hours(on:)`. A hand-off in the middle of a week
/// (40 h a week to Tuesday, 16 h a week from Wednesday) is 8 h on Monday and Tuesday
/// and 3.2 h on Wednesday to Friday: nothing is past 8 h, so it is accepted, where a
/// rule by whole weeks counted 56 h that week.
///
/// Booking ends are exclusive, as everywhere.
public enum Overbooking {
    /// The days of the new booking on which the person would work past their hours, in order.
    public static func overbookedDays(calendar: WorkingCalendar, existing: [Booking], adding: Booking) -> [DayLoad] {
        Allocation.days(calendar: calendar, bookings: existing + [adding], from: adding.start, to: adding.end)
            .filter { $0.assigned > 0 && $0.over > 0 }
    }

    /// The overbooked days in words, consecutive days with the same figures as one
    /// range: `2026-08-10 to 2026-08-11 (12 h a day against 8 h)`.
    public static func describe(_ days: [DayLoad]) -> String {
        var runs: [(first: DayLoad, last: DayLoad)] = []
        for d in days {
            if let last = runs.last, last.last.day.adding(days: 1) == d.day,
               last.last.assigned == d.assigned, last.last.working == d.working {
                runs[runs.count - 1].last = d
            } else {
                runs.append((d, d))
            }
        }
        return runs.map { run in
            let when = run.first.day == run.last.day ? "\(run.first.day)" : "\(run.first.day) to \(run.last.day)"
            let each = run.first.day == run.last.day ? "" : " a day"
            return "\(when) (\(run.first.assigned.rounded(scale: 2).plainText) h\(each) against \(run.first.working.rounded(scale: 2).plainText) h)"
        }.joined(separator: ", ")
    }

    /// The Monday on or before `date`.
    public static func weekStart(of date: CalendarDate) -> CalendarDate {
        date.adding(days: 1 - date.isoWeekday)
    }
}
