import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// A good assignment: a week of 40 h, confirmed.
private func fields(_ change: (inout AssignmentFields) -> Void = { _ in }) -> AssignmentFields {
    var f = AssignmentFields(userID: 7, role: "Network engineer", start: date("2026-04-06"), end: date("2026-04-10"),
                             hoursPerWeek: 40, location: nil, status: "confirmed")
    change(&f)
    return f
}

/// The fields the check refuses, in order.
private func refused(_ f: AssignmentFields) -> [String] {
    var v = Validator()
    f.check(into: &v)
    return v.errors.map(\.field)
}

@Suite struct AssignmentFieldsTests {
    @Test func aGoodAssignmentPasses() {
        #expect(refused(fields()).isEmpty)
        #expect(refused(fields { $0.end = $0.start }).isEmpty, "one day is a span")
        #expect(refused(fields { $0.hoursPerWeek = 120 }).isEmpty, "24 h on each of five days")
    }

    @Test func roleIsOneToAHundredCharacters() {
        #expect(refused(fields { $0.role = "  " }) == ["role"])
        #expect(refused(fields { $0.role = String(repeating: "r", count: 101) }) == ["role"])
    }

    @Test func theEndIsNotBeforeTheStartNorTenYearsAfter() {
        #expect(refused(fields { $0.end = date("2026-04-05") }) == ["end"])
        #expect(refused(fields { $0.end = $0.start.adding(days: 3651) }) == ["end"])
        #expect(refused(fields { $0.end = $0.start.adding(days: 3650) }).isEmpty)
        #expect(refused(fields { $0.start = date("1899-12-30"); $0.end = date("1900-01-02") }) == ["end"])
    }

    @Test func weeklyHoursAreRefusedOnTheFieldTheyCameIn() {
        #expect(refused(fields { $0.hoursPerWeek = 0 }) == ["hoursPerWeek"])
        #expect(refused(fields { $0.hoursPerWeek = 121 }) == ["hoursPerWeek"])
        #expect(refused(fields { $0.hoursPerWeek = Decimal(string: "10.125")! }) == ["hoursPerWeek"])
        // Given per day: 25 h a day is 125 h a week, refused on hoursPerDay.
        #expect(refused(fields { $0.hoursField = "hoursPerDay"; $0.hoursPerWeek = 125 }) == ["hoursPerDay"])
        #expect(refused(fields { $0.hoursField = "hoursPerDay"; $0.hoursPerWeek = Allocation.hoursPerWeek(fromDaily: Decimal(string: "7.5")!) })
            .isEmpty)
        #expect(refused(fields { $0.hoursField = "hoursPerDay"; $0.hoursPerWeek = Allocation.hoursPerWeek(fromDaily: Decimal(string: "7.125")!) })
            == ["hoursPerDay"])
    }

    @Test func locationAndStatus() {
        #expect(refused(fields { $0.location = String(repeating: "l", count: 501) }) == ["location"])
        #expect(refused(fields { $0.status = "tentative" }) == ["status"])
        #expect(refused(fields { $0.status = "proposed" }).isEmpty)
    }

    @Test func everyBrokenRuleIsReportedAtOnce() {
        #expect(refused(fields { $0.role = ""; $0.status = "maybe"; $0.hoursPerWeek = -1 }) == ["role", "hoursPerWeek", "status"])
    }

    /// Capacity counts the end day in: the booking ends the day after.
    @Test func theBookingEndsTheDayAfterTheLastDay() {
        let f = fields { $0.need = (phaseID: 3, skillID: 9) }
        #expect(f.booking == Booking(start: date("2026-04-06"), end: date("2026-04-11"), hoursPerWeek: 40))
        #expect(f.phaseID == 3 && f.skillID == 9)
        #expect(fields().phaseID == nil && fields().skillID == nil)
    }
}
