import Dates
import Foundation

/// Why a person is away.
public enum TimeOffKind: String, CaseIterable, Codable, Sendable {
    case vacation, sick, training, other
}

/// Where a time-off request stands. Only `approved` removes working hours.
public enum TimeOffStatus: String, CaseIterable, Codable, Sendable {
    case pending, approved, declined, cancelled
}

/// One stretch of time off: `start` to `end`, both days included (as people say
/// "Monday to Friday"); `hoursPerDay` nil means whole days, else that many hours
/// off each working day (a part day), never more than the day holds.
public struct TimeOffSpan: Sendable, Equatable {
    public var start: CalendarDate
    public var end: CalendarDate
    public var hoursPerDay: Decimal?

    public init(start: CalendarDate, end: CalendarDate, hoursPerDay: Decimal? = nil) {
        self.start = start
        self.end = end
        self.hoursPerDay = hoursPerDay
    }

    /// The hours this span takes off each day from `from` up to but not including
    /// `to`, given the person's week: a whole day takes the day's usual hours, a
    /// part day at most those. Days with nothing taken off are left out.
    public func hoursByDay(week: WorkingWeek, from: CalendarDate, to: CalendarDate) -> [CalendarDate: Decimal] {
        var result: [CalendarDate: Decimal] = [:]
        var day = max(start, from)
        let stop = min(end.adding(days: 1), to)
        while day < stop {
            let usual = week.hours(onWeekday: day.isoWeekday)
            let off = min(usual, hoursPerDay ?? usual)
            if off > 0 { result[day] = off }
            day = day.adding(days: 1)
        }
        return result
    }

    /// What a request must satisfy, as (field, message) pairs; empty when valid.
    public static func problems(start: CalendarDate, end: CalendarDate, hoursPerDay: Decimal?) -> [(field: String, message: String)] {
        var problems: [(String, String)] = []
        if end < start { problems.append(("end", "The last day cannot be before the first")) }
        if start.days(until: end) > 366 { problems.append(("end", "Time off can last at most a year at a time")) }
        if start.year < 1900 || end.year > 9000 { problems.append(("end", "Time off must fall between the years 1900 and 9000")) }
        if let h = hoursPerDay {
            if h <= 0 || h > 24 { problems.append(("hoursPerDay", "Hours per day must be more than 0 and at most 24")) }
            if h.significantScale > 2 { problems.append(("hoursPerDay", "Hours per day must have at most two decimals")) }
        }
        return problems
    }
}

extension WorkingCalendar {
    /// A person's calendar from their week, their holiday days and their approved
    /// time off, for the days from `from` up to but not including `to`. Overlapping
    /// spans add up; a day never goes below 0 hours.
    public init(week: WorkingWeek, holidays: Set<CalendarDate>, approved: [TimeOffSpan], from: CalendarDate, to: CalendarDate) {
        var off: [CalendarDate: Decimal] = [:]
        for span in approved {
            for (day, hours) in span.hoursByDay(week: week, from: from, to: to) {
                off[day, default: 0] += hours
            }
        }
        self.init(week: week, holidays: holidays, timeOff: off)
    }
}
