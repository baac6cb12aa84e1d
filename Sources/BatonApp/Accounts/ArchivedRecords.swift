import BatonCore
import Postgres

/// Accounts, contacts and activities are archived, never deleted: the record leaves
/// lists and searches and its history stays. Archiving and bringing back are one
/// statement and one audit entry, the same for the three.
enum ArchivedRecords {
    enum Kind: String {
        case account, contact, activity

        var table: Query {
            switch self {
            case .account: "accounts"
            case .contact: "contacts"
            case .activity: "activities"
            }
        }
    }

    /// Archives the record (`archived`) or brings it back, as a new version.
    static func set(_ db: Connection, _ kind: Kind, id: Int64, archived: Bool, by actorID: Int64) async throws {
        let at: Query = archived ? "now()" : "NULL"
        try await db.query("UPDATE \(kind.table) SET archived_at = \(at), version = version + 1, updated_at = now() WHERE id = \(id)")
        try await AuditTrail.archived(db, actorID: actorID, entity: kind.rawValue, entityID: id, restored: !archived)
    }
}
