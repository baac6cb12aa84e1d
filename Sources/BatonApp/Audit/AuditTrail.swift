import BatonCore
import Postgres

/// The one way business records write their audit entries: who, when, which
/// record, what was done, and each changed field's old and new value. Callers pass
/// the connection of the transaction that makes the change, so the change and
/// its entry commit or vanish together.
enum AuditTrail {
    enum Action: String, Sendable {
        case create, update, delete, archive, restore
    }

    static func record(
        _ db: Connection, actorID: Int64?, entity: String, entityID: Int64, action: Action,
        before: AuditSnapshot?, after: AuditSnapshot?
    ) async throws {
        let changes = AuditDiff.changes(from: before, to: after)
        if action == .update && changes.isEmpty { return }
        try await db.query("""
            INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
            VALUES (\(actorID), \(entity), \(entityID), \(action.rawValue), \(try JSONB(changes))::jsonb)
            """)
    }

    /// Many records created at once (a history brought in from before Baton): one
    /// entry each, as `record` writes a single create, in one statement.
    static func created(_ db: Connection, actorID: Int64?, entity: String, records: [(id: Int64, after: AuditSnapshot)]) async throws {
        let changes = try records.map { try JSONB(AuditDiff.changes(from: nil, to: $0.after)) }
        try await db.query("""
            INSERT INTO audit_log (actor_id, entity, entity_id, action, changes)
            SELECT \(actorID), \(entity), x.id, 'create', x.changes
            FROM unnest(\(records.map(\.id))::bigint[], \(changes)::jsonb[]) AS x(id, changes)
            """)
    }

    /// A record as a write left it, re-read, recorded against `before`: its create
    /// when there was none, else its update (every changed field). Returns `after`.
    static func written<Record: Versioned>(
        _ db: Connection, actorID: Int64?, entity: String, before: Record?, after: Record
    ) async throws -> Record {
        try await record(db, actorID: actorID, entity: entity, entityID: after.id, action: before == nil ? .create : .update,
                         before: before.map { .of($0) }, after: .of(after))
        return after
    }

    /// A record archived or, `restored`, brought back: the entry says only that.
    static func archived(_ db: Connection, actorID: Int64?, entity: String, entityID: Int64, restored: Bool = false) async throws {
        try await record(db, actorID: actorID, entity: entity, entityID: entityID, action: restored ? .restore : .archive,
                         before: ["archived": .bool(restored)], after: ["archived": .bool(!restored)])
    }
}
