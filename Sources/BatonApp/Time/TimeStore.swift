import BatonCore
import Dates
import Foundation
import Postgres

/// One time entry as the API shows it.
struct TimeEntryRecord: Encodable, Sendable, Versioned {
    var id: Int64
    var version: Int
    var userId: Int64
    var userName: String
    var day: CalendarDate
    var hours: DecimalString
    var assignmentId, projectId, phaseId: Int64?
    var projectName, phaseName, skill: String?
    /// `internalKind`: training, pre_sales or admin; null for project time.
    var internalKind, note: String?
    var status: TimeEntryStatus
    var correctsId: Int64?
    var decidedBy: Int64?
    var decidedAt: Timestamp?
    var returnComment: String?
    var createdAt: Timestamp
}

struct TimeEntryFields: Sendable {
    var userID: Int64
    var day: CalendarDate
    var hours: Decimal
    var assignmentID, projectID, phaseID, skillID: Int64?
    var internalKind: InternalWork?
    var note: String?
    var correctsID: Int64?
}

/// An assignment as a timesheet row offers it: what a person may book project time on.
struct BookableAssignment: Sendable {
    var id, userID, projectID: Int64
    var projectName: String
    var projectManagerID, phaseID: Int64?
    var phaseName: String?
    var skillID: Int64?
    var skill: String?
    var start, end: CalendarDate
}

/// Time entries: their SQL and audit entries. Reads take the caller's scope: their own
/// entries, those of the people below them, and those on projects they manage.
struct TimeStore: Sendable {
    private static let columns: Query = """
        e.id, e.version, e.user_id, u.name AS user_name, e.day, e.hours, e.assignment_id, e.project_id,
        p.name AS project_name, e.phase_id, ph.name AS phase_name, s.name AS skill, e.internal_kind, e.note, e.status,
        e.corrects_id, e.decided_by, e.decided_at, e.return_comment, e.created_at
        """
    private static let from: Query = """
        time_entries e JOIN users u ON u.id = e.user_id LEFT JOIN projects p ON p.id = e.project_id
        LEFT JOIN project_phases ph ON ph.id = e.phase_id LEFT JOIN skills s ON s.id = e.skill_id
        """

    static func scope(_ caller: Caller) -> Query {
        caller.isAdmin ? "TRUE" : """
            (e.user_id IN (SELECT user_id FROM reporting_line(\(caller.id)))
             OR e.project_id IN (SELECT id FROM projects WHERE project_manager_id = \(caller.id)))
            """
    }

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> TimeEntryRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF e" : ""
        return try await db.query("SELECT \(Self.columns) FROM \(Self.from) WHERE e.id = \(id) AND \(Self.scope(caller))\(lock)")
            .first.map(Self.record)
    }

    func findAny(_ db: Connection, id: Int64) async throws -> TimeEntryRecord? {
        try await db.query("SELECT \(Self.columns) FROM \(Self.from) WHERE e.id = \(id)").first.map(Self.record)
    }

    /// A person's entries from `from` to `to` (both included) that `caller` sees.
    func entries(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate, visibleTo caller: Caller,
                 forUpdate: Bool = false) async throws -> [TimeEntryRecord] {
        let lock: Query = forUpdate ? " FOR UPDATE OF e" : ""
        return try await db.query("""
            SELECT \(Self.columns) FROM \(Self.from)
            WHERE e.user_id = \(userID) AND e.day BETWEEN \(from) AND \(to) AND \(Self.scope(caller))
            ORDER BY e.day, e.id\(lock)
            """).map(Self.record)
    }

    /// `waitingFor`: submitted entries they may decide (`decidable(by:)`).
    typealias Filter = DecisionFilter<TimeEntryStatus>

    /// Newest day first, a keyset page at a time; `projectID` narrows to one project's time.
    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, projectID: Int64? = nil,
              page: PageRequest) async throws -> Page<TimeEntryRecord> {
        var conditions: [Query] = [Self.scope(caller)] + filter.conditions(person: "e.user_id", status: "e.status", first: "e.day", last: "e.day")
        if let projectID { conditions.append("e.project_id = \(projectID)") }
        if let judge = filter.waitingFor {
            conditions.append("e.status = 'submitted'")
            if !judge.isAdmin { conditions.append(Self.decidable(by: judge)) }
        }
        if let cursor = page.cursor, cursor.count == 2, let day = CalendarDate(cursor[0]), let id = Int64(cursor[1]) {
            conditions.append("(e.day, e.id) < (\(day), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM \(Self.from) WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY e.day DESC, e.id DESC LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.day.description, String($0.id)] }
    }

    /// Entries `judge` may approve or return: project time on projects they manage,
    /// internal time of people below them. Never their own.
    static func decidable(by judge: Caller) -> Query {
        """
        (e.user_id <> \(judge.id) AND (
            (e.project_id IS NOT NULL AND e.project_id IN (SELECT id FROM projects WHERE project_manager_id = \(judge.id)))
            OR (e.project_id IS NULL AND e.user_id IN (SELECT user_id FROM reporting_line(\(judge.id))))))
        """
    }

    /// The hours a person has recorded on `day` (every status; corrections count).
    func bookedHours(_ db: Connection, userID: Int64, day: CalendarDate, excluding: Int64? = nil) async throws -> Decimal {
        let skip: Query = excluding.map { "AND id <> \($0)" } ?? ""
        return try await db.query("""
            SELECT coalesce(sum(hours), 0) AS h FROM time_entries WHERE user_id = \(userID) AND day = \(day) \(skip)
            """).first?.decode("h") ?? 0
    }

    /// Whether `day` is a whole day of approved time off for the person.
    func isDayOff(_ db: Connection, userID: Int64, day: CalendarDate) async throws -> Bool {
        try await db.query("""
            SELECT EXISTS (SELECT 1 FROM time_off WHERE user_id = \(userID) AND status = 'approved'
                           AND hours_per_day IS NULL AND \(day) BETWEEN start_date AND end_date) AS off
            """).first?.decode("off") ?? false
    }

    /// Locks the person's row, so that two entries on one day are judged one after the other.
    func lockPerson(_ db: Connection, userID: Int64) async throws {
        try await db.query("SELECT pg_advisory_xact_lock(2201, \(Int32(truncatingIfNeeded: userID)))")
    }

    /// The person's assignments that overlap `from`…`to`.
    func assignments(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> [BookableAssignment] {
        try await db.query("""
            SELECT a.id, a.user_id, a.project_id, p.name AS project_name, p.project_manager_id, a.phase_id, ph.name AS phase_name,
                   a.skill_id, s.name AS skill, a.start_date, a.end_date
            FROM assignments a JOIN projects p ON p.id = a.project_id
            LEFT JOIN project_phases ph ON ph.id = a.phase_id LEFT JOIN skills s ON s.id = a.skill_id
            WHERE a.user_id = \(userID) AND a.end_date >= \(from) AND a.start_date <= \(to)
            ORDER BY p.name, ph.position NULLS LAST, a.id
            """).map(Self.assignment)
    }

    func assignment(_ db: Connection, id: Int64) async throws -> BookableAssignment? {
        try await db.query("""
            SELECT a.id, a.user_id, a.project_id, p.name AS project_name, p.project_manager_id, a.phase_id, ph.name AS phase_name,
                   a.skill_id, s.name AS skill, a.start_date, a.end_date
            FROM assignments a JOIN projects p ON p.id = a.project_id
            LEFT JOIN project_phases ph ON ph.id = a.phase_id LEFT JOIN skills s ON s.id = a.skill_id
            WHERE a.id = \(id)
            """).first.map(Self.assignment)
    }

    func create(_ db: Connection, _ f: TimeEntryFields, by actorID: Int64) async throws -> TimeEntryRecord {
        let id: Int64? = try await db.query("""
            INSERT INTO time_entries (user_id, day, hours, assignment_id, project_id, phase_id, skill_id, internal_kind, note, corrects_id)
            VALUES (\(f.userID), \(f.day), \(f.hours), \(f.assignmentID), \(f.projectID), \(f.phaseID), \(f.skillID),
                    \(f.internalKind?.rawValue), \(f.note), \(f.correctsID))
            RETURNING id
            """).first?.decode("id")
        guard let id, let created = try await findAny(db, id: id) else { throw APIError.notFound("time entry") }
        try await AuditTrail.record(db, actorID: actorID, entity: "time_entry", entityID: id, action: .create, before: nil, after: .of(created))
        return created
    }

    func update(_ db: Connection, _ before: TimeEntryRecord, hours: Decimal, note: String?, by actorID: Int64) async throws -> TimeEntryRecord {
        try await db.query("""
            UPDATE time_entries SET hours = \(hours), note = \(note), status = 'draft', version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        guard let after = try await findAny(db, id: before.id) else { throw APIError.notFound("time entry") }
        try await AuditTrail.record(db, actorID: actorID, entity: "time_entry", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    func delete(_ db: Connection, _ before: TimeEntryRecord, by actorID: Int64) async throws {
        try await db.query("DELETE FROM time_entries WHERE id = \(before.id)")
        try await AuditTrail.record(db, actorID: actorID, entity: "time_entry", entityID: before.id, action: .delete,
                                    before: .of(before), after: nil)
    }

    /// Moves entries to `status`; a decision records who and when, a return its comment.
    func setStatus(_ db: Connection, _ entries: [TimeEntryRecord], to status: TimeEntryStatus, comment: String? = nil,
                   by actorID: Int64) async throws -> [TimeEntryRecord] {
        var changed: [TimeEntryRecord] = []
        let decided = status == .approved || status == .returned
        for before in entries {
            try await db.query("""
                UPDATE time_entries SET status = \(status.rawValue), version = version + 1, updated_at = now(),
                    decided_by = CASE WHEN \(decided) THEN \(actorID)::bigint ELSE decided_by END,
                    decided_at = CASE WHEN \(decided) THEN now() ELSE decided_at END,
                    return_comment = CASE WHEN \(status == .returned) THEN \(comment) ELSE return_comment END
                WHERE id = \(before.id)
                """)
            guard let after = try await findAny(db, id: before.id) else { throw APIError.notFound("time entry") }
            try await AuditTrail.record(db, actorID: actorID, entity: "time_entry", entityID: before.id, action: .update,
                                        before: .of(before), after: .of(after))
            changed.append(after)
        }
        return changed
    }

    /// How many submitted entries wait for `caller`'s decision: the counts kept per person
    /// and project (sql/0050; counting 500,000 entries took an admin's home 30-130 ms),
    /// judged by the entries' own rule (project 0 there is no project here).
    func waitingCount(_ db: Connection, caller: Caller) async throws -> Int {
        let scope: Query = caller.isAdmin ? "TRUE" : Self.decidable(by: caller)
        return try await db.query("""
            SELECT coalesce(sum(e.entries), 0)::bigint AS n
            FROM (SELECT user_id, nullif(project_id, 0) AS project_id, entries FROM time_waiting_totals) e WHERE \(scope)
            """).first?.decode("n") ?? 0
    }

    static func assignment(_ row: Row) throws -> BookableAssignment {
        BookableAssignment(
            id: try row.decode("id"), userID: try row.decode("user_id"), projectID: try row.decode("project_id"),
            projectName: try row.decode("project_name"), projectManagerID: try row.decode("project_manager_id"),
            phaseID: try row.decode("phase_id"), phaseName: try row.decode("phase_name"), skillID: try row.decode("skill_id"),
            skill: try row.decode("skill"), start: try row.decode("start_date"), end: try row.decode("end_date"))
    }

    static func record(_ row: Row) throws -> TimeEntryRecord {
        let status: String = try row.decode("status")
        let hours: Decimal = try row.decode("hours")
        return TimeEntryRecord(
            id: try row.decode("id"), version: try row.decode("version"), userId: try row.decode("user_id"),
            userName: try row.decode("user_name"), day: try row.decode("day"), hours: DecimalString(hours),
            assignmentId: try row.decode("assignment_id"), projectId: try row.decode("project_id"), phaseId: try row.decode("phase_id"),
            projectName: try row.decode("project_name"), phaseName: try row.decode("phase_name"), skill: try row.decode("skill"), internalKind: try row.decode("internal_kind"), note: try row.decode("note"),
            status: TimeEntryStatus(rawValue: status) ?? .draft, correctsId: try row.decode("corrects_id"),
            decidedBy: try row.decode("decided_by"), decidedAt: try row.decode("decided_at"),
            returnComment: try row.decode("return_comment"), createdAt: try row.decode("created_at"))
    }
}

// The API writes every absent optional of these as null, as docs/openapi.yaml says.
extension TimeEntryRecord: KeepsEveryKey {}
extension Timesheet.Line: KeepsEveryKey {}
extension BillRateRecord: KeepsEveryKey {}
extension ProjectBudget.Line: KeepsEveryKey {}
extension ProjectBudget.Item: KeepsEveryKey {}
extension ProfitabilityReport.Line: KeepsEveryKey {}
extension ProfitabilityReport.Person: KeepsEveryKey {}
