@testable import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private let april1 = date("2026-04-01")
private let april8 = date("2026-04-08")
private let april15 = date("2026-04-15")

@Suite struct CapacityCheckTests {
    @Test func theHandComputedCase() {
        // Two network engineers at 40 h/week over the ten working days from Wednesday
        // April 1; Kim is booked 20 h/week (4 h a day) for the first five. Free:
        // 80 + (80 − 20) = 140, all of it needed for network engineering. Lee also
        // writes, but each hour counts once: the writer does the writing, and writing
        // gets its 8 h, not the 80 h it would have counted by adding Lee's hours again.
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
            SkillCapacity(skill: "writing", hoursNeeded: 8, hoursFree: 8, shortfall: 0, people: 2),
        ])
        let verdict = CapacityCheck.verdict(needs: needs, people: [kim, lee, writer])
        #expect(verdict.shortfall == 20 && !verdict.canBeStaffed)
        #expect(verdict.people.map(\.userId) == [22, 21, 23])
        #expect(CapacityCheck.freeHours(kim, from: april1, to: april15) == 60)
    }

    @Test func aSkillsWindowRunsFromItsEarliestStartToItsLatestEnd() {
        let pat = PersonAvailability(userId: 1, skills: ["writing": 1], weeklyCapacityHours: 40)
        let needs = [CapacityNeed(skill: "writing", hours: 10, start: april1, end: april8),
                     CapacityNeed(skill: "writing", hours: 10, start: april15, end: date("2026-04-22"))]
        // Each phase's hours come from its own dates: 20 h allocated, nothing short.
        #expect(CapacityCheck.check(needs: needs, people: [pat]).first?.hoursFree == 20)
        #expect(CapacityCheck.freeHours(pat, from: april1, to: date("2026-04-22")) == 120)
    }

    @Test func bookingEndsAreExclusiveLikeDueDates() {
        let booked = PersonAvailability(userId: 1, skills: [:], weeklyCapacityHours: 35, bookings: [
            Booking(start: date("2026-03-25"), end: april1, hoursPerWeek: 35),   // ends as the window starts
            Booking(start: april15, end: date("2026-04-30"), hoursPerWeek: 35),  // starts as it ends
        ])
        #expect(CapacityCheck.freeHours(booked, from: april1, to: april15) == 70)
    }

    @Test func freeHoursAreSumsOfWorkingDays() {
        let pat = PersonAvailability(userId: 1, skills: [:], weeklyCapacityHours: 40)
        // Wednesday April 1 to Friday April 10: eight working days, not 40 × 10 ÷ 7.
        #expect(CapacityCheck.freeHours(pat, from: april1, to: date("2026-04-11")) == 64)
        // 30 h/week (6 h a day) less 20 h/week (4 h a day) on Wednesday to Friday: 3 × 2.
        let busy = PersonAvailability(userId: 2, skills: [:], weeklyCapacityHours: 30,
                                      bookings: [Booking(start: date("2026-03-30"), end: date("2026-04-04"), hoursPerWeek: 20)])
        #expect(CapacityCheck.freeHours(busy, from: april1, to: date("2026-04-06")) == 6)
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
