import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private let april1 = date("2026-04-01")
private let april8 = date("2026-04-08")
private let april15 = date("2026-04-15")

@Suite struct CapacityCheckTests {
    @Test func theHandComputedCase() {
        // Two network engineers at 40 h/week over the 14 days from April 1; Kim is
        // booked 20 h/week for the first week. Free: 80 + (80 − 20) = 140.
        let kim = PersonAvailability(userId: 21, skills: ["network engineering": 4], weeklyCapacityHours: 40,
                                     bookings: [Booking(start: april1, end: april8, hoursPerWeek: 20)])
        let lee = PersonAvailability(userId: 22, skills: ["network engineering": 2, "writing": 3], weeklyCapacityHours: 40)
        let writer = PersonAvailability(userId: 23, skills: ["writing": 5], weeklyCapacityHours: 40)
        let needs = [
            CapacityNeed(skill: "Network Engineering", hours: 100, start: april1, end: april15),
            CapacityNeed(skill: "writing", hours: 8, start: april8, end: april15),
            CapacityNeed(skill: "network engineering", hours: 60, start: april8, end: april15),
        ]
        let lines = CapacityCheck.check(needs: needs, people: [kim, lee, writer])
        #expect(lines == [
            SkillCapacity(skill: "Network Engineering", hoursNeeded: 160, hoursFree: 140, shortfall: 20, people: 2),
            SkillCapacity(skill: "writing", hoursNeeded: 8, hoursFree: 80, shortfall: 0, people: 2),
        ])
        #expect(CapacityCheck.freeHours(kim, from: april1, to: april15) == 60)
    }

    @Test func aSkillsWindowRunsFromItsEarliestStartToItsLatestEnd() {
        let pat = PersonAvailability(userId: 1, skills: ["writing": 1], weeklyCapacityHours: 40)
        let needs = [CapacityNeed(skill: "writing", hours: 10, start: april1, end: april8),
                     CapacityNeed(skill: "writing", hours: 10, start: april15, end: date("2026-04-22"))]
        #expect(CapacityCheck.check(needs: needs, people: [pat]).first?.hoursFree == 120)
    }

    @Test func bookingEndsAreExclusiveLikeDueDates() {
        let booked = PersonAvailability(userId: 1, skills: [:], weeklyCapacityHours: 35, bookings: [
            Booking(start: date("2026-03-25"), end: april1, hoursPerWeek: 35),   // ends as the window starts
            Booking(start: april15, end: date("2026-04-30"), hoursPerWeek: 35),  // starts as it ends
        ])
        #expect(CapacityCheck.freeHours(booked, from: april1, to: april15) == 70)
    }

    @Test func freeHoursAreProRataByDayAndRoundedToCents() {
        let pat = PersonAvailability(userId: 1, skills: [:], weeklyCapacityHours: 40)
        // 40 × 10 ÷ 7 = 57.142857…
        #expect(CapacityCheck.freeHours(pat, from: april1, to: date("2026-04-11")) == Decimal(string: "57.14"))
        // 30 h/week less 20 h/week for 3 of 5 days: (150 − 60) ÷ 7 = 12.857…
        let busy = PersonAvailability(userId: 2, skills: [:], weeklyCapacityHours: 30,
                                      bookings: [Booking(start: date("2026-03-30"), end: date("2026-04-04"), hoursPerWeek: 20)])
        #expect(CapacityCheck.freeHours(busy, from: april1, to: date("2026-04-06")) == Decimal(string: "12.86"))
    }

    @Test func overbookedPeopleHaveNothingFreeNeverLess() {
        let over = PersonAvailability(userId: 1, skills: [:], weeklyCapacityHours: 40, bookings: [
            Booking(start: april1, end: april15, hoursPerWeek: 30),
            Booking(start: april1, end: april15, hoursPerWeek: 30),
        ])
        #expect(CapacityCheck.freeHours(over, from: april1, to: april15) == 0)
    }

    @Test func anEmptyOrBackwardWindowHasNoHours() {
        let pat = PersonAvailability(userId: 1, skills: [:], weeklyCapacityHours: 40)
        #expect(CapacityCheck.freeHours(pat, from: april1, to: april1) == 0)
        #expect(CapacityCheck.freeHours(pat, from: april15, to: april1) == 0)
    }

    @Test func aSkillNobodyHasIsShortByAllItsHours() {
        let lines = CapacityCheck.check(needs: [CapacityNeed(skill: " Cabling ", hours: d("12.5"), start: april1, end: april8)],
                                        people: [PersonAvailability(userId: 1, skills: ["writing": 2], weeklyCapacityHours: 40)])
        #expect(lines == [SkillCapacity(skill: "Cabling", hoursNeeded: d("12.5"), hoursFree: 0, shortfall: d("12.5"), people: 0)])
        #expect(CapacityCheck.check(needs: [], people: []).isEmpty)
    }

    @Test func linesEncodeHoursAsDecimalStrings() throws {
        let line = SkillCapacity(skill: "writing", hoursNeeded: d("12.5"), hoursFree: 40, shortfall: 0, people: 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(line), as: UTF8.self)
        #expect(json == #"{"hoursFree":"40","hoursNeeded":"12.5","people":1,"shortfall":"0","skill":"writing"}"#)
        #expect(try JSONDecoder().decode(SkillCapacity.self, from: Data(json.utf8)) == line)
    }
}

private func d(_ text: String) -> Decimal { Decimal(apiText: text)! }
