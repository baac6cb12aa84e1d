import Dates
import Foundation

/// A deal as it stood before Baton (a firm moving from another CRM brings these, and
/// the demo firm is one): its fields today, the day it was opened, and the stages it
/// went through with the day it entered each, the last being the stage it is in.
public struct HistoricDeal: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var stageKey: String
        public var on: CalendarDate
        public init(stageKey: String, on: CalendarDate) { (self.stageKey, self.on) = (stageKey, on) }
    }

    public var fields: OpportunityFields
    public var createdOn: CalendarDate
    public var steps: [Step]

    public init(fields: OpportunityFields, createdOn: CalendarDate, steps: [Step]) {
        (self.fields, self.createdOn, self.steps) = (fields, createdOn, steps)
    }

    /// The fields' own rules, a history that ends in the deal's stage and never goes
    /// back in time, and a close on record for a closed deal (and none for an open one).
    public func check(into v: inout Validator) {
        fields.check(into: &v)
        v.check(steps.last?.stageKey == fields.stage.key, "steps", "The stage history must end in the deal's stage")
        v.check(zip(steps, steps.dropFirst()).allSatisfy { $0.on <= $1.on }, "steps", "Stage steps must be in date order")
        v.check(steps.first.map { $0.on >= createdOn } ?? true, "steps", "No stage step can come before the deal was opened")
        if fields.stage.isWon || fields.stage.isLost {
            v.check(fields.closedOn != nil, "closedOn", "A closed deal needs its close date of record")
        } else {
            // An open deal is filed under its close date's month (sql/0048 refuses otherwise).
            v.check(fields.closedOn == nil, "closedOn", "Closed on is only for a won or lost stage")
        }
        if fields.stage.isLost { v.check(fields.lostReason != nil, "lostReason", "A lost deal needs its reason") }
    }
}

extension Validator {
    /// Checks each of many records brought in at once, naming the one a refusal is
    /// about: `deals[3].amount`.
    public mutating func checkEach<Item>(_ items: [Item], as name: String, _ check: (Item, inout Validator) -> Void) {
        for (i, item) in items.enumerated() {
            var own = Validator()
            check(item, &own)
            for e in own.errors { add("\(name)[\(i)].\(e.field)", e.message) }
        }
    }
}
