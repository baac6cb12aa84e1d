import BatonCore
import Dates
import Foundation
import Testing

/// An opportunity's own field rules, without a database: each broken rule names its
/// field in the API's words, and every broken rule is reported, not only the first.
@Suite struct OpportunityFieldsTests {
    static let proposal = Stage(key: "proposal", name: "Proposal", order: 4, probability: 60, forecastCategory: .bestCase)

    /// A deal that keeps every rule: the owner alone on the team with all the credit.
    let good = OpportunityFields(
        accountID: 1, name: "Harbour data platform", kind: .newBusiness, stage: proposal, amount: Decimal(string: "84000.00")!,
        closeDate: CalendarDate("2026-03-31")!, ownerID: 7, team: TeamRules.team(nil, ownerID: 7), probabilityOverride: nil,
        categoryOverride: nil, nextStep: "Send the scope", source: "Referral", closedOn: nil, lostReason: nil, externalID: "crm-12")

    func errors(_ change: (inout OpportunityFields) -> Void) -> [FieldError] {
        var fields = good
        change(&fields)
        var v = Validator()
        fields.check(into: &v)
        return v.errors
    }

    @Test func aGoodDealPasses() {
        #expect(errors { _ in }.isEmpty)
        // The limits themselves are allowed.
        #expect(errors {
            $0.name = String(repeating: "n", count: 200)
            $0.amount = Decimal(string: "999999999999.99")!
            $0.probabilityOverride = 100
            $0.nextStep = String(repeating: "s", count: 500)
            $0.source = String(repeating: "s", count: 100)
            $0.externalID = String(repeating: "e", count: 255)
        }.isEmpty)
        #expect(errors { $0.amount = 0; $0.probabilityOverride = 0; $0.nextStep = nil; $0.source = nil; $0.externalID = nil }.isEmpty)
    }

    @Test func eachBrokenRuleNamesItsField() {
        let cases: [(String, (inout OpportunityFields) -> Void, FieldError)] = [
            ("blank name", { $0.name = "  " }, FieldError("name", "Name must not be empty")),
            ("long name", { $0.name = String(repeating: "n", count: 201) }, FieldError("name", "Name must be at most 200 characters")),
            ("negative amount", { $0.amount = -1 }, FieldError("amount", "Amount must be zero or more")),
            ("cents of cents", { $0.amount = Decimal(string: "10.005")! }, FieldError("amount", "Amount must have at most two decimals")),
            ("a trillion", { $0.amount = 1_000_000_000_000 }, FieldError("amount", "Amount must be less than 1,000,000,000,000")),
            ("probability over 100", { $0.probabilityOverride = 101 }, FieldError("probability", "Probability must be from 0 to 100")),
            ("negative probability", { $0.probabilityOverride = -1 }, FieldError("probability", "Probability must be from 0 to 100")),
            ("long next step", { $0.nextStep = String(repeating: "s", count: 501) }, FieldError("nextStep", "Next step must be at most 500 characters")),
            ("long source", { $0.source = String(repeating: "s", count: 101) }, FieldError("source", "Source must be at most 100 characters")),
            ("long external id", { $0.externalID = String(repeating: "e", count: 256) },
             FieldError("externalId", "External id must be at most 255 characters")),
        ]
        for (what, change, expected) in cases {
            #expect(errors(change) == [expected], "\(what)")
        }
    }

    @Test func theTeamIsCheckedByItsOwnRules() {
        let halves = [TeamMember(userId: 7, role: .owner, splitPercent: 50), TeamMember(userId: 8, role: .salesPartner, splitPercent: 40)]
        #expect(errors { $0.team = halves } == [FieldError("team", "Splits must add up to exactly 100 (they add up to 90)")])
        #expect(errors { $0.team = [] } == [FieldError("team", "The team needs at least its owner")])
    }

    @Test func everyBrokenRuleIsReportedTogether() {
        let fields = errors {
            $0.name = ""
            $0.amount = -5
            $0.probabilityOverride = 150
            $0.team = []
        }.map(\.field)
        #expect(fields == ["name", "amount", "probability", "team"])
    }
}
