import Dates
import Foundation

/// How sure a deal is, as the forecast counts it. Commit is inside best case, which
/// is inside pipeline; closed is won; omitted is left out.
public enum ForecastCategory: String, Sendable, Codable, CaseIterable {
    case pipeline
    case bestCase = "best_case"
    case commit, closed, omitted
}

public enum OpportunityKind: String, Sendable, Codable, CaseIterable {
    case newBusiness = "new_business"
    case expansion, renewal

    /// Expansion and renewal grow an existing book of business: the account must
    /// already have bought something.
    public var needsExistingCustomer: Bool { self != .newBusiness }
}

public enum TeamRole: String, Sendable, Codable, CaseIterable {
    case owner
    case salesPartner = "sales_partner"
    case projectManager = "project_manager"
    case other
}

/// A configurable pipeline stage.
public struct Stage: Sendable, Equatable, Codable {
    public var key: String
    public var name: String
    public var order: Int
    public var probability: Decimal
    public var forecastCategory: ForecastCategory
    public var isWon: Bool
    public var isLost: Bool
    public var usualDays: Int

    public init(key: String, name: String, order: Int, probability: Decimal, forecastCategory: ForecastCategory,
                isWon: Bool = false, isLost: Bool = false, usualDays: Int = 30) {
        self.key = key
        self.name = name
        self.order = order
        self.probability = probability
        self.forecastCategory = forecastCategory
        self.isWon = isWon
        self.isLost = isLost
        self.usualDays = usualDays
    }

    public var isClosed: Bool { isWon || isLost }

    public static func checkKey(_ key: String, into v: inout Validator) {
        let ok = !key.isEmpty && key.count <= 50 && key.first!.isLowercase && key.first!.isASCII
            && key.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" }
        v.check(ok, "key", "Key must be lowercase letters, digits and underscores, starting with a letter (at most 50)")
    }

    public func check(into v: inout Validator) {
        Stage.checkKey(key, into: &v)
        v.check(!name.trimmed.isEmpty && name.count <= 100, "name", "Name must be 1 to 100 characters")
        v.check(probability >= 0 && probability <= 100, "probability", "Probability must be from 0 to 100")
        v.check(!(isWon && isLost), "isLost", "A stage cannot be both won and lost")
        v.check(usualDays > 0, "usualDays", "Usual days must be at least 1")
    }
}

/// One member of an opportunity's team and their share of the quota credit.
public struct TeamMember: Sendable, Equatable, Codable {
    public var userId: Int64
    public var role: TeamRole
    public var splitPercent: DecimalString

    public init(userId: Int64, role: TeamRole, splitPercent: Decimal) {
        self.userId = userId
        self.role = role
        self.splitPercent = DecimalString(splitPercent)
    }
}

public enum TeamRules {
    /// The team as given, or the owner alone with all the credit.
    public static func team(_ given: [TeamMember]?, ownerID: Int64) -> [TeamMember] {
        given ?? [TeamMember(userId: ownerID, role: .owner, splitPercent: 100)]
    }

    /// Splits are percentages that add up to exactly 100; nobody is listed twice.
    public static func check(_ team: [TeamMember], into v: inout Validator) {
        var seen = Set<Int64>()
        var total = Decimal(0)
        for (i, member) in team.enumerated() {
            let split = member.splitPercent.value
            v.check(split >= 0 && split <= 100, "team[\(i)].splitPercent", "Split must be from 0 to 100")
            v.check(split.significantScale <= 2, "team[\(i)].splitPercent", "Split must have at most two decimals")
            v.check(seen.insert(member.userId).inserted, "team[\(i)].userId", "A person is on the team only once")
            total += split
        }
        v.check(!team.isEmpty, "team", "The team needs at least its owner")
        if !team.isEmpty {
            v.check(total == 100, "team", "Splits must add up to exactly 100 (they add up to \(total.plainText))")
        }
    }
}

/// The rules of moving an opportunity between stages, as pure decisions.
public enum StageRules {
    /// What a stage change needs and sets: the date of record of a win or loss
    /// (today unless given, never in the future) and, for a loss, its reason.
    public struct Closing: Sendable, Equatable {
        public var closedOn: CalendarDate?
        public var lostReason: String?
    }

    public static func closing(
        to stage: Stage, closedOn: CalendarDate?, lostReason: String?, today: CalendarDate, into v: inout Validator
    ) -> Closing {
        guard stage.isClosed else {
            v.check(closedOn == nil, "closedOn", "Closed on is only for a won or lost stage")
            return Closing(closedOn: nil, lostReason: nil)
        }
        let date = closedOn ?? today
        v.check(date <= today, "closedOn", "Closed on cannot be in the future (today is \(today))")
        if stage.isLost {
            let reason = lostReason?.trimmed ?? ""
            v.check(!reason.isEmpty, "lostReason", "Lost reason is required when an opportunity is lost")
            v.check(reason.count <= 500, "lostReason", "Lost reason must be at most 500 characters")
            return Closing(closedOn: date, lostReason: reason)
        }
        return Closing(closedOn: date, lostReason: nil)
    }

    /// The probability and forecast category in force: the override, else the stage's.
    public static func effective(
        stage: Stage, probabilityOverride: Decimal?, categoryOverride: ForecastCategory?
    ) -> (probability: Decimal, category: ForecastCategory) {
        // A closed deal's numbers are facts, not forecasts.
        if stage.isClosed { return (stage.probability, stage.forecastCategory) }
        return (probabilityOverride ?? stage.probability, categoryOverride ?? stage.forecastCategory)
    }
}
