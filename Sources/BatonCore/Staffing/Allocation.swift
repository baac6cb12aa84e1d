import Dates
import Foundation

/// One day of a person: the hours they work (`WorkingCalendar.hours(on:)`) and the
/// hours their assignments take that day.
public struct DayLoad: Sendable, Equatable {
    public var day: CalendarDate
    public var assigned: Decimal
    public var working: Decimal
    /// Assigned hours beyond the working hours, never below 0.
    public var over: Decimal { max(0, assigned - working) }

    public init(day: CalendarDate, assigned: Decimal, working: Decimal) {
        self.day = day
        self.assigned = assigned
        self.working = working
    }
}

/// The one allocation model every capacity figure uses (issue 18).
///
/// An assignment carries hours per day. It takes those hours on each of the
/// person's working days within its dates (a day on which `WorkingCalendar.hours(on:)`
/// is above 0) and nothing on the other days: weekends, public holidays, days of
/// approved time off. "Hours per week" is five such days: 40 h a week is 8 h a day.
///
/// From that, per day:
/// - working hours = `WorkingCalendar.hours(on:)`;
/// - assigned hours = the sum of the hours per day of the assignments that cover the day,
///   when it is a working day;
/// - free hours = working − assigned, never below 0;
/// - a day is overbooked when assigned > working.
///
/// Suggestions, overbooking, the capacity check, the delivery report and the growth load
/// are sums of these days, so they agree with each other.
public enum Allocation {
    /// Hours per week are five working days of hours per day.
    public static let daysPerWeek: Decimal = 5

    public static func hoursPerDay(fromWeekly weekly: Decimal) -> Decimal { weekly / daysPerWeek }
    public static func hoursPerWeek(fromDaily daily: Decimal) -> Decimal { daily * daysPerWeek }

    /// Hours the bookings take on `day`.
    public static func assigned(_ bookings: [Booking], calendar: WorkingCalendar, on day: CalendarDate) -> Decimal {
        guard calendar.hours(on: day) > 0 else { return 0 }
        return bookings.reduce(Decimal(0)) { sum, b in b.start <= day && day < b.end ? sum + b.hoursPerDay : sum }
    }

    /// Every day from `from` up to but not including `to`, with its working and assigned hours.
    public static func days(calendar: WorkingCalendar, bookings: [Booking], from: CalendarDate, to: CalendarDate) -> [DayLoad] {
        var result: [DayLoad] = []
        var day = from
        while day < to {
            result.append(DayLoad(day: day, assigned: assigned(bookings, calendar: calendar, on: day),
                                  working: calendar.hours(on: day)))
            day = day.adding(days: 1)
        }
        return result
    }

    /// Free working hours from `from` up to but not including `to`: each day's working
    /// hours less its assigned hours, never below 0 on any day.
    public static func freeHours(calendar: WorkingCalendar, bookings: [Booking], from: CalendarDate, to: CalendarDate) -> Decimal {
        days(calendar: calendar, bookings: bookings, from: from, to: to).reduce(Decimal(0)) { $0 + max(0, $1.working - $1.assigned) }
    }

    /// The hours one booking takes in all, or within `from`…`to` (end exclusive) when given:
    /// its hours per day on each working day it covers.
    public static func bookedHours(_ booking: Booking, calendar: WorkingCalendar,
                                   from: CalendarDate? = nil, to: CalendarDate? = nil) -> Decimal {
        let start = max(booking.start, from ?? booking.start)
        let end = min(booking.end, to ?? booking.end)
        var total: Decimal = 0
        var day = start
        while day < end {
            if calendar.hours(on: day) > 0 { total += booking.hoursPerDay }
            day = day.adding(days: 1)
        }
        return total
    }

    /// Per ISO week (Monday to Sunday) touching `from`…`to`: assigned hours against
    /// working hours, both sums of the days above, counted only within `from`…`to`.
    public static func weeks(calendar: WorkingCalendar, bookings: [Booking], from: CalendarDate, to: CalendarDate) -> [WeekLoad] {
        guard from < to else { return [] }
        var result: [WeekLoad] = []
        var monday = Overbooking.weekStart(of: from)
        while monday < to {
            let days = days(calendar: calendar, bookings: bookings, from: max(monday, from), to: min(monday.adding(days: 7), to))
            result.append(WeekLoad(weekStart: monday, hours: days.reduce(0) { $0 + $1.assigned },
                                   capacity: days.reduce(0) { $0 + $1.working }))
            monday = monday.adding(days: 7)
        }
        return result
    }
}
