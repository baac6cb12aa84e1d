import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// Issue 17: who a plan covers on which days, which plans may share a person, and when
/// a run locks or may close early.
@Suite struct PlanMembershipTests {
    @Test func spansOverlapWhenTheyShareADayBothEndsIncluded() {
        let q1 = MembershipSpan(from: date("2026-01-01"), to: date("2026-03-31"))
        #expect(q1.overlaps(MembershipSpan(from: date("2026-03-31"), to: nil)), "the last day is shared")
        #expect(!q1.overlaps(MembershipSpan(from: date("2026-04-01"), to: nil)))
        #expect(!q1.overlaps(MembershipSpan(from: date("2025-01-01"), to: date("2025-12-31"))))
        #expect(MembershipSpan(from: date("2020-01-01"), to: nil).overlaps(MembershipSpan(from: date("2030-01-01"), to: nil)))
        #expect(q1.overlaps(MembershipSpan(from: date("2026-02-01"), to: date("2026-02-01"))), "a one-day span inside")
    }

    @Test func aSpanCoversTheDaysOfAPeriodItTouches() {
        let fromFebruary = MembershipSpan(from: date("2026-02-15"), to: nil)
        #expect(fromFebruary.overlaps(start: date("2026-01-01"), endExclusive: date("2026-04-01")))
        #expect(!fromFebruary.overlaps(start: date("2025-10-01"), endExclusive: date("2026-01-01")))
        #expect(!fromFebruary.contains(date("2026-02-14")), "work before joining is not credited by this plan")
        #expect(fromFebruary.contains(date("2026-02-15")))
        let ended = MembershipSpan(from: date("2026-01-01"), to: date("2026-01-31"))
        #expect(!ended.overlaps(start: date("2026-02-01"), endExclusive: date("2026-03-01")))
        #expect(ended.contains(date("2026-01-31")))
    }

    @Test func aSpanEndingBeforeItStartsIsRefusedOnItsField() {
        var v = Validator()
        MembershipSpan(from: date("2026-03-01"), to: date("2026-02-28")).check(into: &v)
        #expect(throws: ValidationFailure.self) { try v.throwIfInvalid() }
        var ok = Validator()
        MembershipSpan(from: date("2026-03-01"), to: date("2026-03-01")).check(into: &ok)
        #expect(throws: Never.self) { try ok.throwIfInvalid() }
    }

    @Test func workAndBookingsAreSeparateFamilies() {
        #expect(BonusMetric.completedWork.family == .delivery)
        #expect(BonusMetric.allCases.filter { $0.family == .sales } == [.totalBookings, .newBusiness, .expansion])
        #expect(BonusMetric.totalBookings.dealKinds == ["new_business", "expansion", "renewal"])
        #expect(BonusMetric.newBusiness.dealKinds == ["new_business"])
    }

    @Test func aRunLocksWhenEveryStatementIsApproved() {
        #expect(StatementApprovals.runLocks(statementsApproved: [true, true, true]))
        #expect(!StatementApprovals.runLocks(statementsApproved: [true, false, true]))
        #expect(!StatementApprovals.runLocks(statementsApproved: []), "an empty run locks only when approved whole")
    }

    @Test func approvingBeforeThePeriodEndsNeedsCloseEarly() {
        let end = date("2026-04-01")
        let refusal = StatementApprovals.earlyRefusal(period: "2026-Q1", endExclusive: end, today: date("2026-03-31"), closeEarly: false)
        #expect(refusal?.contains("2026-03-31") == true, "names the period's last day")
        #expect(refusal?.contains("closeEarly") == true)
        #expect(StatementApprovals.earlyRefusal(period: "2026-Q1", endExclusive: end, today: date("2026-03-31"), closeEarly: true) == nil)
        #expect(StatementApprovals.earlyRefusal(period: "2026-Q1", endExclusive: end, today: date("2026-04-01"), closeEarly: false) == nil)
    }
}
