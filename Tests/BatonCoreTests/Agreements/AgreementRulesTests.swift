import BatonCore
import Dates
import Foundation
import Testing

private func day(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// An agreement's dates, value and moves, by hand.
@Suite struct AgreementRulesTests {
    @Test func aTermEndsTheDayBeforeTheSameDayMonthsLater() {
        #expect(AgreementRules.endDate(start: day("2027-01-01"), termMonths: 12) == day("2027-12-31"))
        #expect(AgreementRules.endDate(start: day("2027-03-15"), termMonths: 3) == day("2027-06-14"))
        // The 31st in a shorter month: the month's last day, less one.
        #expect(AgreementRules.endDate(start: day("2027-01-31"), termMonths: 1) == day("2027-02-27"))
        #expect(AgreementRules.endDate(start: day("2027-11-01"), termMonths: 24) == day("2029-10-31"))
    }

    @Test func theRenewalOpensNinetyDaysBeforeTheEndButNotBeforeTheStart() {
        #expect(AgreementRules.defaultRenewalLeadDays == 90)
        #expect(AgreementRules.renewalOpensOn(start: day("2027-01-01"), end: day("2027-12-31"), leadDays: 90) == day("2027-10-02"))
        #expect(AgreementRules.renewalOpensOn(start: day("2027-01-01"), end: day("2027-01-31"), leadDays: 90) == day("2027-01-01"))
    }

    @Test func mrrAndArrOfTheRecurringLinesOnly() {
        let lines = [
            ProposalLineInput(description: "Setup", quantity: 1, unitPrice: 5_000, kind: .service),
            ProposalLineInput(description: "Support", quantity: 2, unitPrice: 600, kind: .service,
                              recurrence: Recurrence(period: .quarterly, termMonths: 12)),
        ]
        // 2 × 600 a quarter = 400 a month, less 5 % = 380.00; a year of it 4,560.00.
        let mrr = AgreementRules.mrr(lines: lines, discountPercent: 5)
        #expect(mrr == 380)
        #expect(AgreementRules.arr(mrr: mrr) == 4_560)
        #expect(AgreementRules.term(of: lines) == Recurrence(period: .quarterly, termMonths: 12))
        #expect(AgreementRules.term(of: [lines[0]]) == nil)
    }

    @Test func theMovesAnAgreementMayMake() throws {
        #expect(try AgreementRules.apply(.renewalOpened, to: .active) == .renewalDue)
        #expect(try AgreementRules.apply(.renew, to: .renewalDue) == .renewed)
        #expect(try AgreementRules.apply(.end, to: .renewalDue) == .ended)
        #expect(try AgreementRules.apply(.cancel, to: .active, reason: "Budget cut") == .cancelled)
        #expect(throws: AgreementRefusal.self) { try AgreementRules.apply(.cancel, to: .active, reason: "  ") }
        #expect(throws: AgreementRefusal.self) { try AgreementRules.apply(.renewalOpened, to: .renewalDue) }
        for finished in [AgreementStatus.renewed, .ended, .cancelled] {
            #expect(throws: AgreementRefusal.self) { try AgreementRules.apply(.cancel, to: finished, reason: "late") }
        }
    }
}
