import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

// 2026-04-06 is a Monday.
private let week1 = date("2026-04-06")
private let week2 = date("2026-04-13")
private let week3 = date("2026-04-20")
private let standard = WorkingCalendar(week: .standard(weeklyHours: 40))

@Suite struct OverbookingTests {
    /// The issue's hand-off: 40 h a week from Thursday July 23 to Tuesday August 11,
    /// then 16 h a week from Wednesday 12 to Sunday 16 August. By whole weeks that was
    /// "week of 2026-08-10 (56 h against 40 h)"; day by day it is 8, 8, 3.2, 3.2, 3.2.
    @Test func aPartialWeekHandOffIsAccepted() {
        let first = Booking(start: date("2026-07-23"), end: date("2026-08-12"), hoursPerWeek: 40)
        let second = Booking(start: date("2026-08-12"), end: date("2026-08-17"), hoursPerWeek: 16)
        #expect(Overbooking.overbookedDays(calendar: standard, existing: [first], adding: second).isEmpty)
        let week = Allocation.weeks(calendar: standard, bookings: [first, second], from: date("2026-08-10"), to: date("2026-08-17"))
        #expect(week == [WeekLoad(weekStart: date("2026-08-10"), hours: Decimal(string: "25.6")!, capacity: 40)])
        #expect(Allocation.days(calendar: standard, bookings: [first, second], from: date("2026-08-10"), to: date("2026-08-15"))
            .map(\.assigned) == [8, 8, Decimal(string: "3.2")!, Decimal(string: "3.2")!, Decimal(string: "3.2")!])
    }

    @Test func overlappingDaysAreRefusedAndNamed() {
        // 30 h a week (6 h a day) for two weeks; 20 h a week (4 h a day) from Wednesday
        // of the second week: 10 h on Wednesday to Friday of week 2, 4 h in week 3.
        let existing = [Booking(start: week1, end: week3, hoursPerWeek: 30)]
        let adding = Booking(start: date("2026-04-15"), end: date("2026-04-25"), hoursPerWeek: 20)
        let over = Overbooking.overbookedDays(calendar: standard, existing: existing, adding: adding)
        #expect(over.map(\.day) == [date("2026-04-15"), date("2026-04-16"), date("2026-04-17")])
        #expect(over.map(\.over) == [2, 2, 2])
        #expect(Overbooking.describe(over) == "2026-04-15 to 2026-04-17 (10 h a day against 8 h)")
    }

    @Test func weekendsHolidaysAndTimeOffTakeNoHoursAndPartDaysAreJudgedAlone() {
        // A public holiday on Monday, a full day off on Tuesday, 4 h off on Wednesday.
        let calendar = WorkingCalendar(week: .standard(weeklyHours: 40), holidays: [week2],
                                       timeOff: [date("2026-04-14"): 8, date("2026-04-15"): 4])
        let fullTime = Booking(start: date("2026-04-11"), end: week3, hoursPerDay: 8)
        let days = Allocation.days(calendar: calendar, bookings: [fullTime], from: date("2026-04-11"), to: week3)
        // Saturday 11 to Sunday 19: only Wednesday to Friday are worked.
        #expect(days.map(\.assigned) == [0, 0, 0, 0, 8, 8, 8, 0, 0])
        #expect(Allocation.bookedHours(fullTime, calendar: calendar) == 24)
        let over = Overbooking.overbookedDays(calendar: calendar, existing: [], adding: fullTime)
        #expect(Overbooking.describe(over) == "2026-04-15 (8 h against 4 h)")
        #expect(Allocation.freeHours(calendar: calendar, bookings: [fullTime], from: week1, to: week3) == 40)
    }

    @Test func endsAreExclusive() {
        let before = Booking(start: date("2026-03-30"), end: week1, hoursPerWeek: 40)
        let oneWeek = Booking(start: week1, end: week2, hoursPerWeek: 40)
        #expect(Overbooking.overbookedDays(calendar: standard, existing: [before], adding: oneWeek).isEmpty)
        let empty = Booking(start: week2, end: week2, hoursPerWeek: 20)
        #expect(Overbooking.overbookedDays(calendar: standard, existing: [oneWeek, oneWeek], adding: empty).isEmpty)
    }

    @Test func weeksStartOnMonday() {
        #expect(Overbooking.weekStart(of: week1) == week1)
        #expect(Overbooking.weekStart(of: date("2026-04-12")) == week1)   // Sunday
        #expect(Overbooking.weekStart(of: date("2026-04-08")) == week1)
        #expect(Overbooking.weekStart(of: date("2027-01-01")) == date("2026-12-28"))   // across a year
    }

    @Test func hoursPerWeekAreFiveWorkingDays() {
        #expect(Booking(start: week1, end: week2, hoursPerWeek: 16).hoursPerDay == Decimal(string: "3.2"))
        #expect(Booking(start: week1, end: week2, hoursPerDay: Decimal(string: "7.5")!).hoursPerWeek == Decimal(string: "37.5"))
    }

    @Test func weekLoadJSON() throws {
        let load = WeekLoad(weekStart: week1, hours: 45, capacity: Decimal(string: "37.5")!)
        let json = String(decoding: try JSONEncoder().encode(load), as: UTF8.self)
        for part in [#""weekStart":"2026-04-06""#, #""hours":"45""#, #""capacity":"37.5""#, #""over":"7.5""#] {
            #expect(json.contains(part))
        }
        #expect(try JSONDecoder().decode(WeekLoad.self, from: Data(json.utf8)) == load)
    }
}
