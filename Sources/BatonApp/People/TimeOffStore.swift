import BatonCore
import Dates
import Foundation
import Postgres

/// A time-off request as the API shows it.
struct TimeOffRecord: Encodable, Sendable, Versioned, KeepsEveryKey {
    var id: Int64
    var version: Int
    var userId: Int64
    var userName: String
    var kind: TimeOffKind
    /// `end` included.
    var start, end: CalendarDate
    /// null: whole days.
    var hoursPerDay: DecimalString?
    var note: String?
    var status: TimeOffStatus
    var decidedBy: Int64?
    var decidedAt: Timestamp?
    var createdAt: Timestamp
}

struct TimeOffFields: Sendable {
    var userID: Int64
    var kind: TimeOffKind
    var start, end: CalendarDate
    var hoursPerDay: Decimal?
    var note: String?
}

/// Time-off requests: their SQL and their audit entries. Reads take the caller's
/// scope: their own, everyone's below them, everyone's for an admin.
struct TimeOffStore: Sendable {
    private static let columns: Query = """
        t.id, t.version, t.user_id, u.name AS user_name, t.kind, t.start_date, t.end_date, t.hours_per_day, t.note, t.status,
        t.decided_by, t.decided_at, t.created_at
        """

    static func scope(_ caller: Caller) -> Query {
        caller.isAdmin ? "TRUE" : "t.user_id IN (SELECT user_id FROM reporting_line(\(caller.id)))"
    }

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool = false) async throws -> TimeOffRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF t" : ""
        return try await db.query("""
            SELECT \(Self.columns) FROM time_off t JOIN users u ON u.id = t.user_id
            WHERE t.id = \(id) AND \(Self.scope(caller))\(lock)
            """).first.map(Self.record)
    }

    /// `waitingFor`: pending requests of people below them (anyone's for an admin).
    typealias Filter = DecisionFilter<TimeOffStatus>

    /// Newest first day first, a keyset page at a time.
    func list(_ db: Connection, visibleTo caller: Caller, filter: Filter, page: PageRequest) async throws -> Page<TimeOffRecord> {
        var conditions: [Query] = [Self.scope(caller)]
            + filter.conditions(person: "t.user_id", status: "t.status", first: "t.start_date", last: "t.end_date")
        if let judge = filter.waitingFor {
            conditions.append("t.status = 'pending'")
            if !judge.isAdmin {
                conditions.append("t.user_id IN (SELECT user_id FROM reporting_line(\(judge.id))) AND t.user_id <> \(judge.id)")
            }
        }
        if let cursor = page.cursor, cursor.count == 2, let start = CalendarDate(cursor[0]), let id = Int64(cursor[1]) {
            conditions.append("(t.start_date, t.id) < (\(start), \(id))")
        }
        let rows = try await db.query("""
            SELECT \(Self.columns) FROM time_off t JOIN users u ON u.id = t.user_id
            WHERE \(Query.join(conditions, separator: " AND "))
            ORDER BY t.start_date DESC, t.id DESC LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(Self.record), limit: page.limit) { [$0.start.description, String($0.id)] }
    }

    /// A person's pending or approved requests overlapping `from`…`to` (both included).
    func standing(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> [TimeOffRecord] {
        try await db.query("""
            SELECT \(Self.columns) FROM time_off t JOIN users u ON u.id = t.user_id
            WHERE t.user_id = \(userID) AND t.status IN ('pending', 'approved') AND t.end_date >= \(from) AND t.start_date <= \(to)
            ORDER BY t.start_date, t.id
            """).map(Self.record)
    }

    func create(_ db: Connection, _ f: TimeOffFields, by actorID: Int64) async throws -> TimeOffRecord {
        let id: Int64? = try await db.query("""
            INSERT INTO time_off (user_id, kind, start_date, end_date, hours_per_day, note)
            VALUES (\(f.userID), \(f.kind.rawValue), \(f.start), \(f.end), \(f.hoursPerDay), \(f.note))
            RETURNING id
            """).first?.decode("id")
        guard let id, let created = try await findAny(db, id: id) else { throw APIError.notFound("time off") }
        try await AuditTrail.record(db, actorID: actorID, entity: "time_off", entityID: id, action: .create, before: nil, after: .of(created))
        return created
    }

    /// Moves a request to `status`, recording who decided and when.
    func setStatus(_ db: Connection, _ before: TimeOffRecord, to status: TimeOffStatus, by actorID: Int64) async throws -> TimeOffRecord {
        try await db.query("""
            UPDATE time_off SET status = \(status.rawValue), decided_by = \(actorID), decided_at = now(),
                version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        guard let after = try await findAny(db, id: before.id) else { throw APIError.notFound("time off") }
        try await AuditTrail.record(db, actorID: actorID, entity: "time_off", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    func findAny(_ db: Connection, id: Int64) async throws -> TimeOffRecord? {
        try await db.query("""
            SELECT \(Self.columns) FROM time_off t JOIN users u ON u.id = t.user_id WHERE t.id = \(id)
            """).first.map(Self.record)
    }

    /// How many requests wait for `caller`'s decision (the home page's count).
    func waitingCount(_ db: Connection, caller: Caller) async throws -> Int {
        let scope: Query = caller.isAdmin ? "TRUE"
            : "user_id IN (SELECT user_id FROM reporting_line(\(caller.id))) AND user_id <> \(caller.id)"
        return try await db.query("SELECT count(*) AS n FROM time_off WHERE status = 'pending' AND \(scope)").first?.decode("n") ?? 0
    }

    static func record(_ row: Row) throws -> TimeOffRecord {
        let kind: String = try row.decode("kind")
        let status: String = try row.decode("status")
        let hours: Decimal? = try row.decode("hours_per_day")
        return TimeOffRecord(
            id: try row.decode("id"), version: try row.decode("version"), userId: try row.decode("user_id"),
            userName: try row.decode("user_name"), kind: TimeOffKind(rawValue: kind) ?? .other,
            start: try row.decode("start_date"), end: try row.decode("end_date"), hoursPerDay: hours.map { DecimalString($0) },
            note: try row.decode("note"), status: TimeOffStatus(rawValue: status) ?? .pending,
            decidedBy: try row.decode("decided_by"), decidedAt: try row.decode("decided_at"), createdAt: try row.decode("created_at"))
    }
}
