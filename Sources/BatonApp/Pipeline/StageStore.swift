import BatonCore
import Foundation
import Postgres

/// A pipeline stage as the API shows it.
struct StageRecord: Codable, Sendable {
    var id: Int64
    var version: Int
    var key, name: String
    var order: Int
    var probability: DecimalString
    var forecastCategory: ForecastCategory
    var isWon, isLost: Bool
    var usualDays: Int

    var stage: Stage {
        Stage(key: key, name: name, order: order, probability: probability.value, forecastCategory: forecastCategory,
              isWon: isWon, isLost: isLost, usualDays: usualDays)
    }
}

/// The configurable stages of the pipeline.
struct StageStore: Sendable {
    static let columns: Query = "id, key, version, name, position, probability, forecast_category, is_won, is_lost, usual_days"

    func all(_ db: Connection) async throws -> [StageRecord] {
        try await db.query("SELECT \(Self.columns) FROM pipeline_stages ORDER BY position, key").map(Self.record)
    }

    func find(_ db: Connection, key: String, forUpdate: Bool = false) async throws -> StageRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("SELECT \(Self.columns) FROM pipeline_stages WHERE key = \(key)\(lock)").first.map(Self.record)
    }

    /// A stage by its key or its name, in any case: what imports and people type.
    func match(_ db: Connection, _ reference: String) async throws -> StageRecord? {
        try await db.query("""
            SELECT \(Self.columns) FROM pipeline_stages
            WHERE key = \(reference) OR lower(name) = lower(\(reference)) ORDER BY key = \(reference) DESC LIMIT 1
            """).first.map(Self.record)
    }

    func create(_ db: Connection, _ s: Stage, by actorID: Int64) async throws -> StageRecord {
        try await db.query("""
            INSERT INTO pipeline_stages (key, name, position, probability, forecast_category, is_won, is_lost, usual_days)
            VALUES (\(s.key), \(s.name), \(s.order), \(s.probability), \(s.forecastCategory.rawValue), \(s.isWon),
                    \(s.isLost), \(s.usualDays))
            """)
        guard let created = try await find(db, key: s.key) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "pipeline_stage", entityID: created.id,
                                    action: .create, before: nil, after: .of(created))
        return created
    }

    func update(_ db: Connection, before: StageRecord, to s: Stage, by actorID: Int64) async throws -> StageRecord {
        try await db.query("""
            UPDATE pipeline_stages SET name = \(s.name), position = \(s.order), probability = \(s.probability),
                forecast_category = \(s.forecastCategory.rawValue), is_won = \(s.isWon), is_lost = \(s.isLost),
                usual_days = \(s.usualDays), version = version + 1
            WHERE key = \(before.key)
            """)
        guard let after = try await find(db, key: before.key) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "pipeline_stage", entityID: before.id,
                                    action: .update, before: .of(before), after: .of(after))
        return after
    }

    func isInUse(_ db: Connection, key: String) async throws -> Int {
        try await db.expectRow("""
            SELECT (SELECT count(*) FROM opportunities WHERE stage_key = \(key))
                 + (SELECT count(*) FROM opportunity_stage_history WHERE to_stage = \(key) OR from_stage = \(key)) AS n
            """).decode("n")
    }

    func delete(_ db: Connection, _ stage: StageRecord, by actorID: Int64) async throws {
        try await db.query("DELETE FROM pipeline_stages WHERE key = \(stage.key)")
        try await AuditTrail.record(db, actorID: actorID, entity: "pipeline_stage", entityID: stage.id,
                                    action: .delete, before: .of(stage), after: nil)
    }

    static func record(_ row: Row) throws -> StageRecord {
        StageRecord(
            id: try row.decode("id"), version: try row.decode("version"), key: try row.decode("key"), name: try row.decode("name"),
            order: try row.decode("position"), probability: DecimalString(try row.decode("probability", as: Decimal.self)),
            forecastCategory: ForecastCategory(rawValue: try row.decode("forecast_category")) ?? .pipeline,
            isWon: try row.decode("is_won"), isLost: try row.decode("is_lost"), usualDays: try row.decode("usual_days"))
    }
}
