import BatonCore
import Dates
import Foundation
import Postgres

/// An open task as the pages list it: what it is about (its account, and the deal,
/// project or contact it names), its due date and whose it is.
struct OpenTask: Sendable {
    var id, accountID: Int64
    var version: Int
    var subject, account, owner: String
    var dueAt: Timestamp?
    /// The deal, project or contact it names besides its account ("" when none).
    var opportunityID, projectID, contactID: Int64?
    var opportunity, project, contact: String
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

/// A record whose page lists its open tasks.
enum TaskSubject: Sendable {
    case account(Int64), opportunity(Int64), project(Int64), contact(Int64)
}

struct TaskStore: Sendable {
    /// Open tasks of the view, soonest due first (undated last). "Today" and "this week"
    /// start at the beginning of the database session's day (UTC).
    func open(_ db: Connection, caller: Caller, view: TaskView, now: Timestamp, limit: Int = 200) async throws -> [OpenTask] {
        let dayStart: Query = "date_trunc('day', \(now)::timestamptz)"
        let condition: Query = switch view {
        case .team:
            caller.isAdmin ? "x.owner_id <> \(caller.id)"
                : "x.owner_id IN (SELECT user_id FROM reporting_line(\(caller.id))) AND x.owner_id <> \(caller.id)"
        case .mine: "x.owner_id = \(caller.id)"
        case .overdue: "x.owner_id = \(caller.id) AND x.due_at < \(now)"
        case .today: "x.owner_id = \(caller.id) AND x.due_at >= \(dayStart) AND x.due_at < \(dayStart) + interval '1 day'"
        case .week: "x.owner_id = \(caller.id) AND x.due_at >= \(dayStart) AND x.due_at < \(dayStart) + interval '7 days'"
        }
        return try await openTasks(db, where: condition, limit: limit)
    }

    /// The open tasks on one record's page, whoever's they are, if the caller sees its account.
    func open(_ db: Connection, caller: Caller, on subject: TaskSubject, limit: Int = 50) async throws -> [OpenTask] {
        let condition: Query = switch subject {
        case .account(let id): "x.account_id = \(id)"
        case .opportunity(let id): "x.opportunity_id = \(id)"
        case .project(let id): "x.project_id = \(id)"
        case .contact(let id): "x.contact_id = \(id)"
        }
        return try await openTasks(db, where: Query.join([condition, Scope.accountOf(caller, column: "x.account_id")], separator: " AND "),
                                   limit: limit)
    }

    /// How many of a person's open tasks are past due: one count on the open-tasks
    /// index (owner, due), cheap enough for every page's navigation badge.
    func overdueCount(_ db: Connection, ownerID: Int64, now: Timestamp) async throws -> Int {
        try await db.query("""
            SELECT count(*)::int AS n FROM activities
            WHERE owner_id = \(ownerID) AND due_at < \(now) AND done_at IS NULL AND archived_at IS NULL AND kind = 'task'
            """).first?.decode("n") ?? 0
    }

    private func openTasks(_ db: Connection, where condition: Query, limit: Int) async throws -> [OpenTask] {
        try await db.query("""
            SELECT x.id, x.version, x.subject, x.due_at, x.account_id, a.name AS account_name, u.name AS owner_name,
                   x.opportunity_id, coalesce(o.name, '') AS opportunity_name, x.project_id, coalesce(j.name, '') AS project_name,
                   x.contact_id, coalesce(c.name, '') AS contact_name
            FROM activities x JOIN accounts a ON a.id = x.account_id JOIN users u ON u.id = x.owner_id
                 LEFT JOIN opportunities o ON o.id = x.opportunity_id LEFT JOIN projects j ON j.id = x.project_id
                 LEFT JOIN contacts c ON c.id = x.contact_id
            WHERE x.kind = 'task' AND x.done_at IS NULL AND x.archived_at IS NULL AND \(condition)
            ORDER BY coalesce(x.due_at, 'infinity'), x.id LIMIT \(limit)
            """).map { row in
            OpenTask(id: try row.decode("id"), accountID: try row.decode("account_id"), version: try row.decode("version"),
                     subject: try row.decode("subject"), account: try row.decode("account_name"), owner: try row.decode("owner_name"),
                     dueAt: try row.decode("due_at"), opportunityID: try row.decode("opportunity_id"), projectID: try row.decode("project_id"),
                     contactID: try row.decode("contact_id"), opportunity: try row.decode("opportunity_name"),
                     project: try row.decode("project_name"), contact: try row.decode("contact_name"))
        }
    }
}
