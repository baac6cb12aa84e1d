import BatonCore
import Dates
import Postgres

/// How a list of what waits for someone's decision — time-off requests, time entries —
/// is narrowed: by person, status, days, and to what waits for the caller. Both lists
/// read it from the same query parameters (`userId`, `status`, `from`, `to`, `waiting`).
struct DecisionFilter<Status: RawRepresentable & CaseIterable & Sendable>: Sendable where Status.RawValue == String {
    var userID: Int64?
    var status: Status?
    var from, to: CalendarDate?
    /// Only what this person may decide and that waits for them; each store says what that is.
    var waitingFor: Caller?

    init(userID: Int64? = nil, waitingFor: Caller? = nil) {
        self.userID = userID
        self.waitingFor = waitingFor
    }

    /// The filter a list request asks for; `waiting=true` means what waits for `caller`.
    init(_ query: QueryParameters, caller: Caller) throws {
        userID = try query.id("userId")
        status = try query.enumeration("status", Status.self)
        from = try query.date("from")
        to = try query.date("to")
        if try query.bool("waiting") == true { waitingFor = caller }
    }

    /// The conditions on a row's person, status and days (`first`…`last`, both included,
    /// overlapping `from`…`to`), given the row's columns. `waitingFor` is the store's to apply.
    func conditions(person: Query, status column: Query, first: Query, last: Query) -> [Query] {
        var conditions: [Query] = []
        if let userID { conditions.append("\(person) = \(userID)") }
        if let status { conditions.append("\(column) = \(status.rawValue)") }
        if let from { conditions.append("\(last) >= \(from)") }
        if let to { conditions.append("\(first) <= \(to)") }
        return conditions
    }
}
