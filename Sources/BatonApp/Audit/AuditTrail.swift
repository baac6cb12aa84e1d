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
}
