import BatonCore
import Foundation
import Postgres

/// A call, meeting, email, note or task on an account.
struct ActivityRecord: Codable, Sendable, KeepsEveryKey, Versioned {
    var id: Int64
    var version: Int
    var kind: ActivityKind
    var subject: String
    var body: String?
    var accountId: Int64
    var contactId, opportunityId, projectId: Int64?
    var ownerId: Int64
    var dueAt, doneAt: Timestamp?
    var archived: Bool
    var createdAt, updatedAt: Timestamp
}

/// Activities: what was done with each client, and the tasks still to do.
struct ActivityStore: Sendable {
    static let columns: Query = """
        x.id, x.version, x.kind, x.subject, x.body, x.account_id, x.contact_id, x.opportunity_id, x.project_id, x.owner_id,
        x.due_at, x.done_at, x.archived_at IS NOT NULL AS archived, x.created_at, x.updated_at
        """

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> ActivityRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("""
            SELECT \(Self.columns) FROM activities x WHERE x.id = \(id) AND \(Scope.account(caller, column: "x.account_id"))\(lock)
            """).first.map(Self.record)
    }

    struct Filter: Sendable {
        var accountID: Int64?
        var opportunityID: Int64?
        var projectID: Int64?
        var ownerID: Int64?
        /// Only what is not done yet, soonest due first.
        var open = false
    }

    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<ActivityRecord> {
        var conditions: [Query] = [Scope.accountOf(caller, column: "x.account_id"), "x.archived_at IS NULL"]
        if let id = filter.accountID { conditions.append("x.account_id = \(id)") }
        if let id = filter.opportunityID { conditions.append("x.opportunity_id = \(id)") }
        if let id = filter.projectID { conditions.append("x.project_id = \(id)") }
        if let id = filter.ownerID { conditions.append("x.owner_id = \(id)") }
        let order: Query
        if filter.open {
            conditions.append("x.done_at IS NULL")
            // Undated tasks sort after every dated one.
            if let c = page.cursor, c.count == 2, let id = Int64(c[1]) {
                // A task with no due date sorts at 'infinity', and its cursor says so.
                let due = Timestamp(parsing: c[0])?.description ?? "infinity"
                conditions.append("(coalesce(x.due_at, 'infinity'), x.id) > (\(due)::timestamptz, \(id))")
            }
            order = "coalesce(x.due_at, 'infinity'), x.id"
        } else {
            if let c = page.cursor, c.count == 2, let at = Timestamp(parsing: c[0]), let id = Int64(c[1]) {
                conditions.append("(x.created_at, x.id) < (\(at), \(id))")
            }
            order = "x.created_at DESC, x.id DESC"
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM activities x WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY \(order) LIMIT \(page.limit + 1)
            """)
        let open = filter.open
        return Page(fetched: try rows.map(Self.record), limit: page.limit) {
            open ? [$0.dueAt?.description ?? "", String($0.id)] : [$0.createdAt.description, String($0.id)]
        }
    }

    func create(_ db: Connection, _ f: ActivityFields<Timestamp>, by actorID: Int64) async throws -> ActivityRecord {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO activities (kind, subject, body, account_id, contact_id, opportunity_id, project_id, owner_id, due_at, done_at)
            VALUES (\(f.kind.rawValue), \(f.subject), \(f.body), \(f.accountID), \(f.contactID), \(f.opportunityID),
                    \(f.projectID), \(f.ownerID), \(f.dueAt), \(f.doneAt))
            RETURNING id
            """).decode("id")
        return try await AuditTrail.written(db, actorID: actorID, entity: "activity", before: nil, after: try await findAny(db, id: id))
    }

    func update(_ db: Connection, before: ActivityRecord, to f: ActivityFields<Timestamp>, by actorID: Int64) async throws -> ActivityRecord {
        try await db.query("""
            UPDATE activities SET kind = \(f.kind.rawValue), subject = \(f.subject), body = \(f.body),
                account_id = \(f.accountID), contact_id = \(f.contactID), opportunity_id = \(f.opportunityID),
                project_id = \(f.projectID), owner_id = \(f.ownerID), due_at = \(f.dueAt), done_at = \(f.doneAt),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        return try await AuditTrail.written(db, actorID: actorID, entity: "activity", before: before, after: try await findAny(db, id: before.id))
    }

    func archive(_ db: Connection, _ activity: ActivityRecord, by actorID: Int64) async throws {
        try await ArchivedRecords.set(db, .activity, id: activity.id, archived: true, by: actorID)
    }

    func findAny(_ db: Connection, id: Int64) async throws -> ActivityRecord {
        try Self.record(try await db.writtenRow("SELECT \(Self.columns) FROM activities x WHERE x.id = \(id)", entity: "activity"))
    }

    static func record(_ row: Row) throws -> ActivityRecord {
        ActivityRecord(
            id: try row.decode("id"), version: try row.decode("version"),
            kind: ActivityKind(rawValue: try row.decode("kind")) ?? .note, subject: try row.decode("subject"),
            body: try row.decode("body"), accountId: try row.decode("account_id"), contactId: try row.decode("contact_id"),
            opportunityId: try row.decode("opportunity_id"), projectId: try row.decode("project_id"),
            ownerId: try row.decode("owner_id"), dueAt: try row.decode("due_at"), doneAt: try row.decode("done_at"),
            archived: try row.decode("archived"), createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}

/// An account's timeline: its activities and the recorded changes to it, its
/// contacts and its opportunities, newest first.
struct TimelineStore: Sendable {
    struct Entry: Codable, Sendable {
        /// `activity` or `change`.
        var type: String
        var id: Int64
        var at: Timestamp
        var actorId: Int64?
        var entity: String
        var entityId: Int64
        /// The activity's kind, or the change's action.
        var kind: String
        var subject: String?
        var changes: [String: FieldChange]?
    }

    /// With `contactID`, only that contact's: the activities that name it and its own changes.
    func page(_ db: Connection, accountID: Int64, contactID: Int64? = nil, page: PageRequest) async throws -> Page<Entry> {
        var after: Query = "TRUE"
        if let c = page.cursor, c.count == 3, let at = Timestamp(parsing: c[0]), let id = Int64(c[2]) {
            after = "(t.at, t.type, t.id) < (\(at), \(c[1]), \(id))"
        }
        let activities: Query = contactID.map { "x.contact_id = \($0)" } ?? "TRUE"
        // The records whose changes show, as (entity, id) keys joined to the audit log, so
        // each is one look-up in audit_log_entity_idx: written as one OR … IN (…) it read the
        // whole log (a million rows: 0.75 s at the benchmark's size, 6 ms this way).
        let changed: Query = contactID.map { "SELECT 'contact' AS entity, \($0)::bigint AS entity_id" } ?? """
            SELECT 'account' AS entity, \(accountID)::bigint AS entity_id
            UNION ALL SELECT 'contact', id FROM contacts WHERE account_id = \(accountID)
            UNION ALL SELECT 'opportunity', id FROM opportunities WHERE account_id = \(accountID)
            """
        let rows = try await db.query("""
            SELECT * FROM (
                SELECT 'activity' AS type, x.id, coalesce(x.done_at, x.created_at) AS at, x.owner_id AS actor_id,
                       'activity' AS entity, x.id AS entity_id, x.kind, x.subject, NULL::text AS changes
                FROM activities x WHERE x.account_id = \(accountID) AND x.archived_at IS NULL AND \(activities)
                UNION ALL
                SELECT 'change', l.id, l.at, l.actor_id, l.entity, l.entity_id, l.action, NULL, l.changes::text
                FROM (\(changed)) e JOIN audit_log l ON l.entity = e.entity AND l.entity_id = e.entity_id
            ) t
            WHERE \(after)
            ORDER BY t.at DESC, t.type DESC, t.id DESC
            LIMIT \(page.limit + 1)
            """)
        let entries = try rows.map { row in
            Entry(
                type: try row.decode("type"), id: try row.decode("id"), at: try row.decode("at"),
                actorId: try row.decode("actor_id"), entity: try row.decode("entity"), entityId: try row.decode("entity_id"),
                kind: try row.decode("kind"), subject: try row.decode("subject"),
                changes: try row.decode("changes", as: JSONB<[String: FieldChange]>?.self)?.value)
        }
        return Page(fetched: entries, limit: page.limit) { [$0.at.description, $0.type, String($0.id)] }
    }

}

extension ActivityStore {
    /// A person's tasks still to do, the soonest due first (undated last).
    func openTasks(_ db: Connection, ownerID: Int64, limit: Int) async throws
        -> [(id: Int64, version: Int, subject: String, dueAt: Timestamp?, accountID: Int64)] {
        try await db.query("""
            SELECT id, version, subject, due_at, account_id FROM activities
            WHERE owner_id = \(ownerID) AND done_at IS NULL AND archived_at IS NULL AND kind = 'task'
            ORDER BY coalesce(due_at, 'infinity'), id LIMIT \(limit)
            """).map { (id: try $0.decode("id"), version: try $0.decode("version"), subject: try $0.decode("subject"), dueAt: try $0.decode("due_at"), accountID: try $0.decode("account_id")) }
    }
}

extension ActivityStore {
    /// Activities from before Baton, each dated as it happened (created and last
    /// changed then), in one statement whatever their number, in the order given.
    /// Returns them as written.
    func recordHistory(_ db: Connection, _ activities: [HistoricActivity]) async throws -> [ActivityRecord] {
        guard !activities.isEmpty else { return [] }
        let f = activities.map(\.fields)
        let ids: [Int64] = try await db.query("""
            INSERT INTO activities (kind, subject, body, account_id, contact_id, opportunity_id, project_id, owner_id,
                                    due_at, done_at, created_at, updated_at)
            SELECT k, s, b, a, c, op, p, o, d, dn, cr, cr
            FROM unnest(\(f.map(\.kind.rawValue))::text[], \(f.map(\.subject))::text[], \(f.map(\.body))::text[],
                        \(f.map(\.accountID))::bigint[], \(f.map(\.contactID))::bigint[], \(f.map(\.opportunityID))::bigint[],
                        \(f.map(\.projectID))::bigint[], \(f.map(\.ownerID))::bigint[], \(f.map { $0.dueAt?.description })::timestamptz[],
                        \(f.map { $0.doneAt?.description })::timestamptz[], \(activities.map(\.createdAt))::timestamptz[])
                 WITH ORDINALITY AS x(k, s, b, a, c, op, p, o, d, dn, cr, n)
            ORDER BY n
            RETURNING id
            """).map { try $0.decode("id") }
        return try await db.query("SELECT \(Self.columns) FROM activities x WHERE x.id = ANY(\(ids)) ORDER BY x.id").map(Self.record)
    }
}
