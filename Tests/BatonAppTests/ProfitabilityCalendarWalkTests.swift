@testable import BatonApp
import BatonCore
import Dates
import Foundation
import Testing

/// The profitability report's utilization walks each person's calendar once over the window
/// (`ProfitabilityStore.CalendarWalk`); its working hours and each assignment's working days
/// must be the calendar's own (`hours(from:to:)`, `workingDays(from:to:)`), through holidays,
/// whole and part days off, a week with days of no hours, and ranges at the window's edges.
@Suite struct ProfitabilityCalendarWalkTests {
    static let from = CalendarDate(year: 2026, month: 1, day: 1)!
    static let to = CalendarDate(year: 2026, month: 3, day: 2)!

    func day(_ offset: Int) -> CalendarDate { Self.from.adding(days: offset) }

    var calendars: [WorkingCalendar] {
        let standard = WorkingWeek.standard(weeklyHours: 37.5)
        let fourDays = WorkingWeek(hours: [8, 8, 0, 8, 7.25, 0, 0])
        let holidays: Set<CalendarDate> = [day(0), day(5), day(40), day(59)]
        let timeOff: [CalendarDate: Decimal] = [day(6): 8, day(7): 3.5, day(12): 7.5, day(33): 10, day(59): 8]
        return [WorkingCalendar(week: standard), WorkingCalendar(week: fourDays, holidays: holidays, timeOff: timeOff),
                WorkingCalendar(week: standard, holidays: holidays, timeOff: timeOff), WorkingCalendar(week: WorkingWeek(hours: []))]
    }

    @Test func workingHoursAreTheCalendarsOwn() {
        for calendar in calendars {
            let walk = ProfitabilityStore.CalendarWalk(calendar, from: Self.from, to: Self.to)
            #expect(walk.hours == calendar.hours(from: Self.from, to: Self.to))
            #expect(walk.hours.description == calendar.hours(from: Self.from, to: Self.to).description)
        }
        let empty = ProfitabilityStore.CalendarWalk(calendars[0], from: Self.from, to: Self.from)
        #expect(empty.hours == 0 && empty.workingDays(from: Self.from, to: Self.from) == 0)
    }

    @Test func anAssignmentsWorkingDaysAreTheCalendarsOwn() {
        let span = Self.from.days(until: Self.to)
        for calendar in calendars {
            let walk = ProfitabilityStore.CalendarWalk(calendar, from: Self.from, to: Self.to)
            for first in 0...span {
                for last in first...span {
                    #expect(walk.workingDays(from: day(first), to: day(last)) == calendar.workingDays(from: day(first), to: day(last)).count,
                            "\(day(first)) to \(day(last))")
                }
            }
        }
    }
}
