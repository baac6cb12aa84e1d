import Dates
import Foundation

/// The fields of an opportunity as they will be stored, and the rules each must keep
/// whoever writes them (the API, the pages, an import, the demo loader, a handoff).
public struct OpportunityFields: Sendable, Equatable {
    public var accountID, ownerID: Int64
    public var name: String
    public var kind: OpportunityKind
    public var stage: Stage
    public var amount: Decimal
    public var closeDate: CalendarDate
    public var team: [TeamMember]
    /// The person's own probability and forecast category, in place of the stage's.
    public var probabilityOverride: Decimal?
    public var categoryOverride: ForecastCategory?
    public var nextStep, source, externalID: String?
    /// The date of record of a win or a loss, and a loss's reason.
    public var closedOn: CalendarDate?
    public var lostReason: String?

    public init(
        accountID: Int64, name: String, kind: OpportunityKind, stage: Stage, amount: Decimal, closeDate: CalendarDate,
        ownerID: Int64, team: [TeamMember], probabilityOverride: Decimal?, categoryOverride: ForecastCategory?,
        nextStep: String?, source: String?, closedOn: CalendarDate?, lostReason: String?, externalID: String?
    ) {
        (self.accountID, self.name, self.kind, self.stage) = (accountID, name, kind, stage)
        (self.amount, self.closeDate, self.ownerID, self.team) = (amount, closeDate, ownerID, team)
        (self.probabilityOverride, self.categoryOverride) = (probabilityOverride, categoryOverride)
        (self.nextStep, self.source, self.externalID) = (nextStep, source, externalID)
        (self.closedOn, self.lostReason) = (closedOn, lostReason)
    }

    /// Every field's own rule, each broken one with its field's message; the team's
    /// splits by `TeamRules`. What depends on other records (the account, the people)
    /// is checked by the action that writes.
    public func check(into v: inout Validator) {
        v.check(!name.trimmed.isEmpty, "name", "Name must not be empty")
        v.check(name.count <= 200, "name", "Name must be at most 200 characters")
        v.check(amount >= 0, "amount", "Amount must be zero or more")
        v.check(amount.significantScale <= 2, "amount", "Amount must have at most two decimals")
        v.check(amount < Decimal(1_000_000_000_000), "amount", "Amount must be less than 1,000,000,000,000")
        if let p = probabilityOverride { v.check(p >= 0 && p <= 100, "probability", "Probability must be from 0 to 100") }
        v.check((nextStep?.count ?? 0) <= 500, "nextStep", "Next step must be at most 500 characters")
        v.check((source?.count ?? 0) <= 100, "source", "Source must be at most 100 characters")
        v.check((externalID?.count ?? 0) <= 255, "externalId", "External id must be at most 255 characters")
        TeamRules.check(team, into: &v)
    }
}
