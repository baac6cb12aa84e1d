import BatonCore
import Foundation
import Testing

/// Renewals due are account management's load beside the quota (issue 23, item 5).
@Suite struct GrowthRenewalsTests {
    private let skills: [(skill: String, demandHours: Decimal, capacityHours: Decimal)] =
        [(skill: "writing", demandHours: 500, capacityHours: 1_000)]

    @Test func renewalsDueAddTheirArrToWhatThePipelineMustCover() {
        // Delivery has room (0.5). 250,000 of pipeline on 100,000 of quota is 2.5: balanced.
        let without = Growth.advise(weeks: 12, skills: skills, openPipeline: 250_000, remainingQuota: 100_000)
        #expect(without.recommendation == .balanced)
        #expect((without.renewalsDue, without.renewalsDueArr) == (0, Money(0)))
        // Two agreements ending with 50,000 of ARR: 250,000 ÷ 150,000 = 1.6667, low.
        let with = Growth.advise(weeks: 12, skills: skills, openPipeline: 250_000, remainingQuota: 100_000,
                                 renewalsDue: (count: 2, arr: 50_000))
        #expect(with.recommendation == .strengthenAccountManagement)
        #expect(with.salesCoverage == DecimalString(Decimal(string: "1.6667")!))
        #expect((with.renewalsDue, with.renewalsDueArr) == (2, Money(50_000)))
        // 150,000 × 3 − 250,000 of pipeline to add.
        #expect(with.pipelineNeeded == Money(200_000))
        #expect(with.sentence.contains("times the remaining quota and 2 renewals due"))
    }

    @Test func aMetQuotaWithRenewalsDueIsStillJudged() {
        let a = Growth.advise(weeks: 12, skills: skills, openPipeline: 30_000, remainingQuota: 0, hasQuota: true,
                              renewalsDue: (count: 1, arr: 24_000))
        #expect(a.salesCoverage == DecimalString(Decimal(string: "1.25")!))
        #expect(a.sentence.contains("1 renewal due"))
    }
}
