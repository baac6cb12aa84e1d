import BatonCore
import Dates
import Foundation
import Postgres

enum QuotaMetric: String, Codable, Sendable, CaseIterable {
    case newBusiness = "new_business"
    case expansion
    case totalBookings = "total_bookings"
    case completedWork = "completed_work"
    /// A year of the recurring revenue won deals added to the book (new agreements and
    /// expansions, issue 23); `renewal_bookings`: won renewal deals' amounts.
    case recurringBookings = "recurring_bookings"
    case renewalBookings = "renewal_bookings"

    /// The kinds of won deal whose amounts a bookings metric credits; none for the
    /// metrics credited otherwise (completed phases, the recurring book).
    var dealKinds: [String] {
        switch self {
        case .newBusiness: ["new_business"]
        case .expansion: ["expansion"]
        case .renewalBookings: ["renewal"]
        case .totalBookings: ["new_business", "expansion", "renewal"]
        case .completedWork, .recurringBookings: []
        }
    }
}

/// A person's target on one metric for one period.
struct QuotaRecord: Codable, Sendable, Versioned {
    var id, userId: Int64
    var version: Int
    var periodKey: String
    var metric: QuotaMetric
    var target: Money
}

/// The fiscal calendar's periods, and quotas per person, period and metric.
struct QuotaStore: Sendable {
    let calendar: FiscalCalendar

    /// The period with this key, checked but not stored: what reports read.
    func checkedPeriod(key: String) throws -> FiscalPeriod {
        let period = try calendar.period(key: key, field: "period")
        // Dates end at 9999-12-31; a period ending after it could not be read back.
        guard period.lastDay.year <= 9000 else { throw ValidationFailure("period", "Periods must end in the year 9000 or earlier") }
        return period
    }

    /// The period with this key, stored the first time a quota or run names it.
    func period(_ db: Connection, key: String) async throws -> FiscalPeriod {
        let period = try checkedPeriod(key: key)
        try await db.query("""
            INSERT INTO periods (key, kind, start_date, end_date)
            VALUES (\(period.key), \(period.kind.rawValue), \(period.start), \(period.endExclusive))
            ON CONFLICT (key) DO NOTHING
            """)
        return period
    }

    func periods(_ db: Connection) async throws -> [FiscalPeriod] {
        try await db.query("SELECT key, kind, start_date, end_date FROM periods ORDER BY start_date, end_date DESC").map {
            FiscalPeriod(kind: FiscalPeriod.Kind(rawValue: try $0.decode("kind")) ?? .month, key: try $0.decode("key"),
                         start: try $0.decode("start_date"), endExclusive: try $0.decode("end_date"))
        }
    }

    static let columns: Query = "q.id, q.version, q.user_id, q.period_key, q.metric, q.target"

    /// Whose quotas a caller sees: their own line's (everyone's for an admin).
    static func visible(to caller: Caller) -> Query {
        caller.isAdmin ? "TRUE" : "q.user_id IN (SELECT user_id FROM reporting_line(\(caller.id)))"
    }

    func list(_ db: Connection, visibleTo caller: Caller, periodKey: String?, userID: Int64?) async throws -> [QuotaRecord] {
        var conditions: [Query] = [Self.visible(to: caller)]
        if let periodKey { conditions.append("q.period_key = \(periodKey)") }
        if let userID { conditions.append("q.user_id = \(userID)") }
        return try await db.query("""
            SELECT \(Self.columns) FROM quotas q WHERE \(Query.join(conditions, separator: " AND ")) ORDER BY q.period_key, q.user_id, q.metric
            """).map(Self.record)
    }

    /// One quota, if the caller sees it (as in `list`).
    func find(_ db: Connection, id: Int64, visibleTo caller: Caller) async throws -> QuotaRecord? {
        try await db.query("SELECT \(Self.columns) FROM quotas q WHERE q.id = \(id) AND \(Self.visible(to: caller))").first.map(Self.record)
    }

    func find(_ db: Connection, id: Int64, forUpdate: Bool = false) async throws -> QuotaRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("SELECT \(Self.columns) FROM quotas q WHERE q.id = \(id)\(lock)").first.map(Self.record)
    }

    func create(_ db: Connection, userID: Int64, periodKey: String, metric: QuotaMetric, target: Decimal, by actorID: Int64) async throws -> QuotaRecord {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO quotas (user_id, period_key, metric, target) VALUES (\(userID), \(periodKey), \(metric.rawValue), \(target))
            RETURNING id
            """).decode("id")
        guard let created = try await find(db, id: id) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "quota", entityID: id, action: .create, before: nil, after: .of(created))
        return created
    }

    func update(_ db: Connection, before: QuotaRecord, target: Decimal, by actorID: Int64) async throws -> QuotaRecord {
        try await db.query("UPDATE quotas SET target = \(target), version = version + 1, updated_at = now() WHERE id = \(before.id)")
        guard let after = try await find(db, id: before.id) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "quota", entityID: before.id, action: .update,
                                    before: .of(before), after: .of(after))
        return after
    }

    func delete(_ db: Connection, _ quota: QuotaRecord, by actorID: Int64) async throws {
        try await db.query("DELETE FROM quotas WHERE id = \(quota.id)")
        try await AuditTrail.record(db, actorID: actorID, entity: "quota", entityID: quota.id, action: .delete, before: .of(quota), after: nil)
    }

    /// A person's quota on a metric for a period, if set.
    func target(_ db: Connection, userID: Int64, periodKey: String, metric: QuotaMetric) async throws -> Decimal? {
        try await db.query("""
            SELECT target FROM quotas WHERE user_id = \(userID) AND period_key = \(periodKey) AND metric = \(metric.rawValue)
            """).first?.decode("target")
    }

    static func record(_ row: Row) throws -> QuotaRecord {
        QuotaRecord(id: try row.decode("id"), userId: try row.decode("user_id"), version: try row.decode("version"),
                    periodKey: try row.decode("period_key"), metric: QuotaMetric(rawValue: try row.decode("metric")) ?? .totalBookings,
                    target: Money(try row.decode("target", as: Decimal.self)))
    }
}
