import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

// 2026-04-06 is a Monday.
private let week1 = date("2026-04-06")
private let week2 = date("2026-04-13")
private let week3 = date("2026-04-20")

@Suite struct OverbookingTests {
    /// 40 h capacity; 30 h/week booked for two weeks; a new 20 h/week assignment from
    /// Wednesday of the second week to Friday of the third (end exclusive: Saturday).
    private let existing = [Booking(start: week1, end: week3, hoursPerWeek: 30)]
    private let adding = Booking(start: date("2026-04-15"), end: date("2026-04-25"), hoursPerWeek: 20)

    @Test func overlappingAssignmentsWeekByWeek() {
        let load = Overbooking.load(capacity: 40, bookings: existing + [adding], from: week1, to: adding.end)
        #expect(load == [
            WeekLoad(weekStart: week1, hours: 30, capacity: 40),
            WeekLoad(weekStart: week2, hours: 50, capacity: 40),
            WeekLoad(weekStart: week3, hours: 20, capacity: 40),
        ])
        #expect(load.map(\.over.value) == [0, 10, 0])
    }

    @Test func onlyTheWeeksTheNewBookingTouches() {
        let weeks = Overbooking.weeks(capacity: 40, existing: existing, adding: adding)
        #expect(weeks.map(\.weekStart) == [week2, week3])
        #expect(weeks.map(\.hours.value) == [50, 20])
        let over = Overbooking.overbookedWeeks(capacity: 40, existing: existing, adding: adding)
        #expect(over == [WeekLoad(weekStart: week2, hours: 50, capacity: 40)])
        #expect(over.first?.over.value == 10)
    }

    @Test func aFewDaysOfAWeekCountTheWholeWeeksHours() {
        // Tuesday to Thursday at 20 h/week is 20 h that week, and so is another
        // Friday-only booking: 40, at capacity, not over.
        let tueToThu = Booking(start: date("2026-04-07"), end: date("2026-04-10"), hoursPerWeek: 20)
        let friday = Booking(start: date("2026-04-10"), end: date("2026-04-11"), hoursPerWeek: 20)
        #expect(Overbooking.weeks(capacity: 40, existing: [tueToThu], adding: friday)
            == [WeekLoad(weekStart: week1, hours: 40, capacity: 40)])
        #expect(Overbooking.overbookedWeeks(capacity: 40, existing: [tueToThu], adding: friday).isEmpty)
    }

    @Test func endsAreExclusive() {
        // Ending on Monday April 13 means the last day is Sunday April 12: week 1 only.
        let oneWeek = Booking(start: week1, end: week2, hoursPerWeek: 35)
        #expect(Overbooking.weeks(capacity: 40, existing: [], adding: oneWeek).map(\.weekStart) == [week1])
        // A booking ending as the new one starts does not count.
        let before = Booking(start: date("2026-03-30"), end: week1, hoursPerWeek: 40)
        #expect(Overbooking.weeks(capacity: 40, existing: [before], adding: oneWeek).map(\.hours.value) == [35])
    }

    @Test func aBookingWithNoDaysTouchesNoWeek() {
        let empty = Booking(start: week2, end: week2, hoursPerWeek: 20)
        #expect(Overbooking.weeks(capacity: 40, existing: existing, adding: empty).isEmpty)
        let backwards = Booking(start: week2, end: week1, hoursPerWeek: 20)
        #expect(Overbooking.weeks(capacity: 40, existing: existing, adding: backwards).isEmpty)
    }

    @Test func weeksStartOnMonday() {
        #expect(Overbooking.weekStart(of: week1) == week1)
        #expect(Overbooking.weekStart(of: date("2026-04-12")) == week1)   // Sunday
        #expect(Overbooking.weekStart(of: date("2026-04-08")) == week1)
        #expect(Overbooking.weekStart(of: date("2027-01-01")) == date("2026-12-28"))   // across a year
    }

    @Test func decimalHoursAndJSON() throws {
        let half = Booking(start: week1, end: week2, hoursPerWeek: Decimal(string: "22.5")!)
        let weeks = Overbooking.weeks(capacity: Decimal(string: "37.5")!, existing: [half], adding: half)
        #expect(weeks.first?.over.value == Decimal(string: "7.5"))
        let json = String(decoding: try JSONEncoder().encode(weeks[0]), as: UTF8.self)
        for part in [#""weekStart":"2026-04-06""#, #""hours":"45""#, #""capacity":"37.5""#, #""over":"7.5""#] {
            #expect(json.contains(part))
        }
        #expect(try JSONDecoder().decode(WeekLoad.self, from: Data(json.utf8)) == weeks[0])
    }
}
