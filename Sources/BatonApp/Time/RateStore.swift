import BatonCore
import Dates
import Foundation
import Postgres

/// A person's hourly cost from a day on.
struct CostRateRecord: Encodable, Sendable, Versioned {
    var id: Int64
    var version: Int
    var userId: Int64
    var userName: String
    var effectiveFrom: CalendarDate
    var hourly: Money
}

/// A bill rate for a skill (at a level, or any), or for a typical project's line of it;
/// `standardCost` is the hourly cost a budget of that skill is planned at.
struct BillRateRecord: Encodable, Sendable, Versioned {
    var id: Int64
    var version: Int
    var skillId: Int64
    var skill: String
    var level: Int?
    var typicalProjectId: Int64?
    var typicalProject: String?
    var effectiveFrom: CalendarDate
    var hourly: Money
    var standardCost: Money?
}

struct CostRateInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, effectiveFrom, hourly }
    var userId: Int64
    var effectiveFrom: CalendarDate
    var hourly: Money
}

struct BillRateInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case skillId, level, typicalProjectId, effectiveFrom, hourly, standardCost }
    var skillId: Int64
    var level: Int?
    var typicalProjectId: Int64?
    var effectiveFrom: CalendarDate
    var hourly: Money
    var standardCost: Money?
}

/// Rates: seen by managers and admins only (`RateActions.requireReader`, and the
/// tables' row-level security), set by admins. Their SQL and audit entries.
struct RateStore: Sendable {
    func costRates(_ db: Connection, userID: Int64?) async throws -> [CostRateRecord] {
        let filter: Query = userID.map { "WHERE c.user_id = \($0)" } ?? ""
        return try await db.query("""
            SELECT c.id, c.version, c.user_id, u.name AS user_name, c.effective_from, c.hourly
            FROM cost_rates c JOIN users u ON u.id = c.user_id \(filter)
            ORDER BY lower(u.name), c.user_id, c.effective_from
            """).map(Self.costRate)
    }

    func billRates(_ db: Connection) async throws -> [BillRateRecord] {
        try await db.query("""
            SELECT r.id, r.version, r.skill_id, s.name AS skill, r.level, r.typical_project_id, t.name AS typical_project,
                   r.effective_from, r.hourly, r.standard_cost
            FROM bill_rates r JOIN skills s ON s.id = r.skill_id LEFT JOIN typical_projects t ON t.id = r.typical_project_id
            ORDER BY lower(s.name), r.typical_project_id NULLS FIRST, r.level NULLS FIRST, r.effective_from
            """).map(Self.billRate)
    }

    /// Sets the person's rate from the day on (a second rate on the same day replaces the first).
    func setCostRate(_ db: Connection, _ input: CostRateInput, by actorID: Int64) async throws -> CostRateRecord {
        let before = try await costRates(db, userID: input.userId).first { $0.effectiveFrom == input.effectiveFrom }
        let id: Int64? = try await db.query("""
            INSERT INTO cost_rates (user_id, effective_from, hourly) VALUES (\(input.userId), \(input.effectiveFrom), \(input.hourly.amount))
            ON CONFLICT (user_id, effective_from) DO UPDATE SET hourly = EXCLUDED.hourly, version = cost_rates.version + 1
            RETURNING id
            """).first?.decode("id")
        guard let id, let after = try await costRates(db, userID: input.userId).first(where: { $0.id == id }) else {
            throw APIError.notFound("cost rate")
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "cost_rate", entityID: id, action: before == nil ? .create : .update,
                                    before: before.map { .of($0) }, after: .of(after))
        return after
    }

    func addBillRate(_ db: Connection, _ input: BillRateInput, by actorID: Int64) async throws -> BillRateRecord {
        let id: Int64? = try await db.query("""
            INSERT INTO bill_rates (skill_id, level, typical_project_id, effective_from, hourly, standard_cost)
            VALUES (\(input.skillId), \(input.level.map { Int32($0) }), \(input.typicalProjectId), \(input.effectiveFrom),
                    \(input.hourly.amount), \(input.standardCost?.amount))
            RETURNING id
            """).first?.decode("id")
        guard let id, let after = try await billRates(db).first(where: { $0.id == id }) else { throw APIError.notFound("bill rate") }
        try await AuditTrail.record(db, actorID: actorID, entity: "bill_rate", entityID: id, action: .create, before: nil, after: .of(after))
        return after
    }

    static func costRate(_ row: Row) throws -> CostRateRecord {
        CostRateRecord(id: try row.decode("id"), version: try row.decode("version"), userId: try row.decode("user_id"),
                       userName: try row.decode("user_name"), effectiveFrom: try row.decode("effective_from"),
                       hourly: Money(try row.decode("hourly")))
    }

    static func billRate(_ row: Row) throws -> BillRateRecord {
        let level: Int32? = try row.decode("level")
        let standard: Decimal? = try row.decode("standard_cost")
        return BillRateRecord(
            id: try row.decode("id"), version: try row.decode("version"), skillId: try row.decode("skill_id"),
            skill: try row.decode("skill"), level: level.map { Int($0) }, typicalProjectId: try row.decode("typical_project_id"),
            typicalProject: try row.decode("typical_project"), effectiveFrom: try row.decode("effective_from"),
            hourly: Money(try row.decode("hourly")), standardCost: standard.map { Money($0) })
    }
}

/// Who may see and set rates, whoever asks.
struct RateActions {
    var store: RateStore { RateStore() }

    static func requireReader(_ caller: Caller) throws {
        guard caller.isAdmin || caller.has(.manager) else {
            throw APIError.forbidden("Rates are seen by managers and admins only.")
        }
    }

    static func requireWriter(_ caller: Caller) throws {
        guard caller.isAdmin else { throw APIError.forbidden("Only an admin sets rates.") }
    }

    func setCostRate(_ db: Connection, caller: Caller, input: CostRateInput) async throws -> CostRateRecord {
        try Self.requireWriter(caller)
        var v = Validator()
        v.check(input.hourly.amount >= 0 && input.hourly.amount < 1_000_000, "hourly", "The hourly cost must be from 0 to 999999.99")
        let known: Bool = try await db.query("SELECT EXISTS (SELECT 1 FROM users WHERE id = \(input.userId)) AS k").first?.decode("k") ?? false
        v.check(known, "userId", "No person has that id")
        try v.throwIfInvalid()
        return try await store.setCostRate(db, input, by: caller.id)
    }

    func addBillRate(_ db: Connection, caller: Caller, input: BillRateInput) async throws -> BillRateRecord {
        try Self.requireWriter(caller)
        var v = Validator()
        v.check(input.hourly.amount >= 0 && input.hourly.amount < 1_000_000, "hourly", "The hourly rate must be from 0 to 999999.99")
        if let cost = input.standardCost {
            v.check(cost.amount >= 0 && cost.amount < 1_000_000, "standardCost", "The standard cost must be from 0 to 999999.99")
        }
        if let level = input.level { v.check((1...5).contains(level), "level", "A skill level is from 1 to 5") }
        v.check(input.level == nil || input.typicalProjectId == nil, "level", "A rate is per skill level or per typical project, not both")
        let skill: Bool = try await db.query("SELECT EXISTS (SELECT 1 FROM skills WHERE id = \(input.skillId)) AS k").first?.decode("k") ?? false
        v.check(skill, "skillId", "No skill has that id")
        if let typical = input.typicalProjectId {
            let known: Bool = try await db.query("SELECT EXISTS (SELECT 1 FROM typical_projects WHERE id = \(typical)) AS k").first?.decode("k") ?? false
            v.check(known, "typicalProjectId", "No typical project has that id")
        }
        try v.throwIfInvalid()
        let clash: Bool = try await db.query("""
            SELECT EXISTS (SELECT 1 FROM bill_rates WHERE skill_id = \(input.skillId) AND coalesce(level, 0) = \(Int32(input.level ?? 0))
                AND coalesce(typical_project_id, 0) = \(input.typicalProjectId ?? 0) AND effective_from = \(input.effectiveFrom)) AS k
            """).first?.decode("k") ?? false
        if clash { throw APIError.conflict("A rate for this skill and line already starts on \(input.effectiveFrom).", code: "rate-exists") }
        return try await store.addBillRate(db, input, by: caller.id)
    }
}
