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

    /// Support 2 × 600 a month and monitoring 1 × 200, 10 % off: 1,260.00 a month.
    @Test func aDowngradeLowersTheLinesAndTheMRR() throws {
        let monthly = Recurrence(period: .monthly, termMonths: 12)
        let lines: [(id: Int64, line: ProposalLineInput)] = [
            (1, ProposalLineInput(description: "Support", quantity: 2, unitPrice: 600, kind: .service, recurrence: monthly)),
            (2, ProposalLineInput(description: "Monitoring", quantity: 1, unitPrice: 200, kind: .service, recurrence: monthly)),
        ]
        #expect(AgreementRules.mrr(lines: lines.map(\.line), discountPercent: 10) == 1_260)
        // One support seat fewer, monitoring off: 600 × 0.9 = 540.00.
        let fewer = try Downgrade.apply([LineReduction(lineId: 1, quantity: 1), LineReduction(lineId: 2, quantity: 0)], to: lines,
                                        discountPercent: 10, mrr: 1_260)
        #expect(fewer.mrr == 540)
        #expect(fewer.lines.map(\.id) == [1])
        // A lower price keeps the line: (2 × 450 + 200) × 0.9 = 990.00.
        #expect(try Downgrade.apply([LineReduction(lineId: 1, unitPrice: 450)], to: lines, discountPercent: 10, mrr: 1_260).mrr == 990)
        for refused in [[LineReduction(lineId: 3, quantity: 1)], [LineReduction(lineId: 1, quantity: 3)], [LineReduction(lineId: 2, unitPrice: 250)],
                        [LineReduction(lineId: 1, quantity: 2)], [LineReduction(lineId: 1, quantity: 0), LineReduction(lineId: 2, quantity: 0)], []] {
            #expect(throws: AgreementRefusal.self, "\(refused)") { try Downgrade.apply(refused, to: lines, discountPercent: 10, mrr: 1_260) }
        }
        #expect(try AgreementRules.apply(.downgrade, to: .renewalDue) == .renewalDue)
        #expect(throws: AgreementRefusal.self) { try AgreementRules.apply(.downgrade, to: .ended) }
    }
}
