/// Who may *change* what on a record they can already see. Seeing a record (its
/// scope) and changing it are separate questions: a sales person sees a colleague's
/// deal because they are on its team, but its owner and credit are not theirs to move.
///
/// Every writer (the API, the pages, the command line) asks these functions, through
/// the record's action, before anything is written; the answers are pure so they
/// can be tested as a table without a database.

/// How the person making a change stands towards the record, the strongest first.
public enum Standing: String, Sendable, CaseIterable, Comparable {
    /// An admin: every record of the firm.
    case admin
    /// The record's owner.
    case owner
    /// A manager above the owner (the owner is in their reporting line).
    case line
    /// On the deal's team, or above someone who is.
    case team
    /// Sees the record for another reason (an account's deal team, a project), or
    /// the record has no owner: may read, and change only what the rules below allow.
    case other

    public static func < (a: Standing, b: Standing) -> Bool {
        let order = allCases
        return (order.firstIndex(of: a) ?? order.count) < (order.firstIndex(of: b) ?? order.count)
    }

    /// The standing of `caller` towards a record owned by `ownerID`.
    /// - `ownerInLine`: the owner is in the caller's reporting line (which includes the caller).
    /// - `teamInLine`: someone on the record's team is in the caller's reporting line.
    public static func of(
        isAdmin: Bool, callerID: Int64, ownerID: Int64?, ownerInLine: Bool, teamInLine: Bool = false
    ) -> Standing {
        if isAdmin { return .admin }
        if let ownerID, ownerID == callerID { return .owner }
        if ownerID != nil, ownerInLine { return .line }
        if teamInLine { return .team }
        return .other
    }

    /// Owner, a manager above them, or an admin: whoever answers for the record.
    public var answersForRecord: Bool { self <= .line }
}

/// A refusal to change a record the caller can see: a 403, since they know it exists.
public struct ChangeRefused: Error, Sendable, Equatable {
    public var message: String
    /// The field that may not be changed, where the refusal is about one.
    public var field: String?

    public init(_ message: String, field: String? = nil) {
        self.message = message
        self.field = field
    }
}

/// Who may change what on an opportunity.
///
/// | change | admin | owner | line | team | other |
/// | --- | :-: | :-: | :-: | :-: | :-: |
/// | owner, team and splits, account, kind, external id | yes | yes | yes | — | — |
/// | name, amount, stage (won, lost, reopen), close date, probability, category, next step, source | yes | yes | yes | yes | — |
/// | archive, restore | yes | yes | yes | — | — |
///
/// The owner and the team carry the quota credit, so only the people who answer for
/// the deal move them; the team works the deal, so they move it through the stages.
public enum DealChangeRights {
    /// Fields that decide who is credited for the deal, or whose deal it is.
    public static let creditFields: Set<String> = ["ownerId", "team", "accountId", "kind", "externalId"]
    /// Fields the people working the deal keep current.
    public static let workingFields: Set<String> = [
        "name", "amount", "stage", "closeDate", "probability", "forecastCategory", "nextStep", "source", "closedOn", "lostReason",
    ]

    public static func checkChange(_ standing: Standing, fields: Set<String>) throws {
        if standing.answersForRecord { return }
        if let credit = fields.intersection(creditFields).sorted().first {
            throw ChangeRefused(
                "Only the deal's owner, their managers and admins change its \(label(credit)); ask the owner.", field: credit)
        }
        if standing == .team { return }
        throw ChangeRefused("Only the deal's owner, its team, their managers and admins change this deal.")
    }

    public static func checkArchive(_ standing: Standing, restoring: Bool = false) throws {
        guard standing.answersForRecord else {
            throw ChangeRefused("Only the deal's owner, their managers and admins \(restoring ? "restore" : "archive") it.")
        }
    }

    static func label(_ field: String) -> String {
        switch field {
        case "ownerId": "owner"
        case "team": "team and splits"
        case "accountId": "account"
        case "externalId": "external id"
        default: field
        }
    }
}

/// Who may change what on an account.
///
/// | change | admin | owner | line | other (sees it through a deal or a project) |
/// | --- | :-: | :-: | :-: | :-: |
/// | any field, the owner included | yes | yes | yes | — |
/// | archive, restore | yes | yes | yes | — |
///
/// An account nobody owns may be edited (and claimed) by anyone who writes to the
/// pipeline and sees it; archiving one is for admins.
public enum AccountChangeRights {
    public static func checkChange(_ standing: Standing, hasOwner: Bool) throws {
        if standing.answersForRecord || !hasOwner { return }
        throw ChangeRefused("Only the account's owner, their managers and admins change this account; ask the owner.")
    }

    public static func checkArchive(_ standing: Standing, restoring: Bool = false) throws {
        guard standing.answersForRecord else {
            throw ChangeRefused("Only the account's owner, their managers and admins \(restoring ? "restore" : "archive") it.")
        }
    }
}

/// Who may change an activity (a call, a meeting, a task): whoever it belongs to,
/// the managers above them and admins. Everyone else who sees the account reads it.
public enum ActivityChangeRights {
    public static func checkChange(_ standing: Standing) throws {
        guard standing.answersForRecord else {
            throw ChangeRefused("Only the activity's owner, their managers and admins change it.")
        }
    }
}
