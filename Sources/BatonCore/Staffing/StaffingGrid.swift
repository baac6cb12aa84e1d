import Dates
import Foundation

/// One person's week on the staffing views (a project's, and the firm's resources),
/// every figure a sum of the days of `Allocation`.
public struct WeekCell: Sendable, Equatable {
    public var weekStart: CalendarDate
    /// Hours on the bookings of interest (a project's), or all of them on the firm's view.
    public var hours: Decimal
    /// Hours on all their bookings.
    public var assigned: Decimal
    /// Working hours that week (`WorkingCalendar.hours(on:)`).
    public var working: Decimal
    /// Usual hours of the week lost to public holidays and approved time off.
    public var away: Decimal
    /// Some day of the week has more assigned than working hours.
    public var overbooked: Bool

    public init(weekStart: CalendarDate, hours: Decimal, assigned: Decimal, working: Decimal, away: Decimal, overbooked: Bool) {
        self.weekStart = weekStart
        self.hours = hours
        self.assigned = assigned
        self.working = working
        self.away = away
        self.overbooked = overbooked
    }

    /// Assigned ÷ working, in whole percent (rounded half up); nil with no working hours.
    public var utilization: Int? {
        guard working > 0 else { return nil }
        return NSDecimalNumber(decimal: (assigned * 100 / working).rounded(scale: 0)).intValue
    }

    /// The colour band the views show: "free" below 50 %, "some" to 85 %, "full" to 100 %,
    /// "over" beyond (or any overbooked day), "none" with no working hours.
    public var band: String {
        if overbooked { return "over" }
        guard let u = utilization else { return assigned > 0 ? "over" : "none" }
        switch u {
        case ..<50: return "free"
        case ..<85: return "some"
        case ...100: return "full"
        default: return "over"
        }
    }
}

public enum StaffingGrid {
    /// The weeks (Mondays) from the week of `from` to the week holding the day before `to`.
    public static func mondays(from: CalendarDate, to: CalendarDate) -> [CalendarDate] {
        var result: [CalendarDate] = []
        var monday = Overbooking.weekStart(of: from)
        while monday < to {
            result.append(monday)
            monday = monday.adding(days: 7)
        }
        return result
    }

    /// One cell per week: `mine` are the bookings of interest, `all` every booking of the
    /// person (`mine` included).
    public static func cells(calendar: WorkingCalendar, mine: [Booking], all: [Booking], weeks: [CalendarDate]) -> [WeekCell] {
        weeks.map { monday in
            let sunday = monday.adding(days: 7)
            let days = Allocation.days(calendar: calendar, bookings: all, from: monday, to: sunday)
            var usual: Decimal = 0
            var day = monday
            while day < sunday {
                usual += calendar.week.hours(onWeekday: day.isoWeekday)
                day = day.adding(days: 1)
            }
            let working = days.reduce(Decimal(0)) { $0 + $1.working }
            return WeekCell(weekStart: monday,
                            hours: mine.reduce(Decimal(0)) { $0 + Allocation.bookedHours($1, calendar: calendar, from: monday, to: sunday) },
                            assigned: days.reduce(0) { $0 + $1.assigned }, working: working, away: max(0, usual - working),
                            overbooked: days.contains { $0.assigned > 0 && $0.over > 0 })
        }
    }
}
