import BatonCore
import Foundation
import Testing

/// The three readings of a proposal with recurring lines, computed by hand.
@Suite struct RecurringMathTests {
    static let setup = ProposalLineInput(typicalProjectId: 1, quantity: 1, unitPrice: 10_000)
    static let support = ProposalLineInput(description: "Managed support", quantity: 1, unitPrice: 1_500, kind: .service,
                                           recurrence: Recurrence(period: .monthly, termMonths: 12, autoRenew: true, noticeDays: 30))
    static let licence = ProposalLineInput(description: "Licence", quantity: 1, unitPrice: 1_000, kind: .passThrough,
                                           recurrence: Recurrence(period: .annual, termMonths: 24))

    @Test func oneOffPerMonthAndContractValue() {
        // Once: 10,000 less 10 % = 9,000. A month: (1,500 + 1,000 / 12) × 0.9 = 1,425.00.
        // The term: (1,500 × 12 + 1,000 × 2) × 0.9 = 18,000; with the once, 27,000.
        let t = RecurringMath.totals(lines: [Self.setup, Self.support, Self.licence], discountPercent: 10)
        #expect(t == RecurringTotals(oneOff: 9_000, perMonth: 1_425, contractValue: 27_000))
        #expect(ProposalMath.totals(lines: [Self.setup, Self.support, Self.licence], discountPercent: 10).total == 9_000)
    }

    @Test func aMonthIsRoundedOnceAtTheEnd() {
        // An annual 1,000.00 is 83.33 a month; two years are still 2,000.00.
        let t = RecurringMath.totals(lines: [Self.licence], discountPercent: 0)
        #expect(t == RecurringTotals(oneOff: 0, perMonth: Decimal(string: "83.33")!, contractValue: 2_000))
    }

    @Test func aRecurringPassThroughIsNotTheProjectsBudget() {
        let split = ProposalMath.split(lines: [Self.setup, Self.licence], discountPercent: 0)
        #expect(split.passThrough.isEmpty)
        #expect(split.serviceValue == 10_000)
    }

    @Test func aTermIsWholePeriods() {
        var v = Validator()
        var odd = Self.licence
        odd.recurrence?.termMonths = 18
        odd.recurrence?.noticeDays = 400
        ProposalMath.check(lines: [odd], discountPercent: 0, into: &v)
        #expect(Set(v.errors.map(\.field)) == ["lines[0].recurrence.termMonths", "lines[0].recurrence.noticeDays"])
    }

    @Test func thePrintedTermsSayItPlainly() {
        #expect(Self.support.recurrence?.words == "per month for 12 months, renews automatically, 30 days' notice")
    }
}
