import BatonCore
import Dates
import Foundation
import Postgres

/// An open task as the tasks page lists it: its account, its due date and whose it is.
struct OpenTask: Sendable {
    var id, accountID: Int64
    var version: Int
    var subject, account, owner: String
    var dueAt: Timestamp?
}

/// The tasks page's views (issue 19, item 2): the caller's own, their team's (the people
/// below them in the reporting line, everyone for an admin), and the caller's own that
/// are overdue, due today or due within the week.
enum TaskView: String, Sendable, CaseIterable {
    case mine, team, overdue, today, week

    var label: String {
        switch self {
        case .mine: "Mine"
        case .team: "My team's"
        case .overdue: "Overdue"
        case .today: "Today"
        case .week: "This week"
        }
    }
}

struct TaskStore: Sendable {
    /// Open tasks of the view, soonest due first (undated last). "Today" and "this week"
    /// start at the beginning of the database session's day (UTC).
    func open(_ db: Connection, caller: Caller, view: TaskView, now: Timestamp, limit: Int = 200) async throws -> [OpenTask] {
        let dayStart: Query = "date_trunc('day', \(now)::timestamptz)"
        var conditions: [Query] = ["x.kind = 'task'", "x.done_at IS NULL", "x.archived_at IS NULL"]
        switch view {
        case .team:
            conditions.append(caller.isAdmin ? "x.owner_id <> \(caller.id)"
                : "x.owner_id IN (SELECT user_id FROM reporting_line(\(caller.id))) AND x.owner_id <> \(caller.id)")
        case .mine: conditions.append("x.owner_id = \(caller.id)")
        case .overdue: conditions.append("x.owner_id = \(caller.id) AND x.due_at < \(now)")
        case .today: conditions.append("x.owner_id = \(caller.id) AND x.due_at >= \(dayStart) AND x.due_at < \(dayStart) + interval '1 day'")
        case .week: conditions.append("x.owner_id = \(caller.id) AND x.due_at >= \(dayStart) AND x.due_at < \(dayStart) + interval '7 days'")
        }
        return try await db.query("""
            SELECT x.id, x.version, x.subject, x.due_at, x.account_id, a.name AS account_name, u.name AS owner_name
            FROM activities x JOIN accounts a ON a.id = x.account_id JOIN users u ON u.id = x.owner_id
            WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY coalesce(x.due_at, 'infinity'), x.id LIMIT \(limit)
            """).map { row in
            OpenTask(id: try row.decode("id"), accountID: try row.decode("account_id"), version: try row.decode("version"),
                     subject: try row.decode("subject"), account: try row.decode("account_name"), owner: try row.decode("owner_name"),
                     dueAt: try row.decode("due_at"))
        }
    }
}
