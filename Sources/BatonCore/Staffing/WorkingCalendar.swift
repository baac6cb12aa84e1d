import Dates
import Foundation

/// The hours a person works on each day of an ordinary week.
///
/// Every capacity figure in Baton (suggestions, overbooking, the capacity check,
/// my week, the delivery report, growth advice) is a sum of `WorkingCalendar.hours(on:)`,
/// so all of them agree with each other and with the calendar.
public struct WorkingWeek: Sendable, Equatable, Codable {
    /// Seven entries, Monday first (ISO weekday 1) to Sunday (7).
    public private(set) var hours: [Decimal]

    /// `hours` must hold seven entries, Monday first; missing days count as 0 and
    /// extra entries are ignored, so a malformed week can never crash a request.
    public init(hours: [Decimal]) {
        let seven = Array(hours.prefix(7))
        self.hours = seven + Array(repeating: 0, count: 7 - seven.count)
    }

    /// The default week: the weekly capacity spread evenly over Monday to Friday.
    public static func standard(weeklyHours: Decimal) -> WorkingWeek {
        let day = weeklyHours / 5
        return WorkingWeek(hours: [day, day, day, day, day, 0, 0])
    }

    public var weeklyHours: Decimal { hours.reduce(0, +) }

    /// Hours on an ISO weekday (Monday 1 … Sunday 7); 0 outside that range.
    public func hours(onWeekday weekday: Int) -> Decimal {
        (1...7).contains(weekday) ? hours[weekday - 1] : 0
    }
}

/// A person's working hours day by day: their week, less public holidays of their
/// holiday calendar, less approved time off.
public struct WorkingCalendar: Sendable, Equatable {
    public var week: WorkingWeek
    /// Days of the person's holiday calendar: no working hours at all.
    public var holidays: Set<CalendarDate>
    /// Approved time off, in hours, per day (a part day is fewer than the day's hours).
    public var timeOff: [CalendarDate: Decimal]

    public init(week: WorkingWeek, holidays: Set<CalendarDate> = [], timeOff: [CalendarDate: Decimal] = [:]) {
        self.week = week
        self.holidays = holidays
        self.timeOff = timeOff
    }

    /// Working hours of this person on `day`: never below 0.
    public func hours(on day: CalendarDate) -> Decimal {
        if holidays.contains(day) { return 0 }
        let usual = week.hours(onWeekday: day.isoWeekday)
        return max(0, usual - (timeOff[day] ?? 0))
    }

    /// Working hours from `start` up to but not including `end` (the convention of a
    /// phase's due date and of `Booking`).
    public func hours(from start: CalendarDate, to end: CalendarDate) -> Decimal {
        var total: Decimal = 0
        var day = start
        while day < end {
            total += hours(on: day)
            day = day.adding(days: 1)
        }
        return total
    }

    /// The working days (days with hours) from `start` up to but not including `end`.
    public func workingDays(from start: CalendarDate, to end: CalendarDate) -> [CalendarDate] {
        var days: [CalendarDate] = []
        var day = start
        while day < end {
            if hours(on: day) > 0 { days.append(day) }
            day = day.adding(days: 1)
        }
        return days
    }
}
