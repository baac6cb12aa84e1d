import BatonCore
import Foundation
import Postgres

/// One of the firm's reasons a deal is lost, as the pages offer it.
struct LostReasonRecord: Codable, Sendable {
    var id: Int64
    var name: String
    var position: Int
}

/// The firm's list of lost reasons (`lost_reasons`): what the opportunity page and
/// the board offer when a deal is lost, with "Other" for the person's own words. The
/// deal keeps the words it was lost for, so retiring a reason changes no deal.
struct LostReasonStore: Sendable {
    /// The word the pages use for "none of these": its text box says why.
    static let other = "__other"

    func active(_ db: Connection) async throws -> [LostReasonRecord] {
        try await db.query("SELECT id, name, position FROM lost_reasons WHERE retired_at IS NULL ORDER BY position, lower(name)").map {
            LostReasonRecord(id: try $0.decode("id"), name: try $0.decode("name"), position: try $0.decode("position"))
        }
    }

    func create(_ db: Connection, name: String, by actorID: Int64) async throws -> LostReasonRecord {
        let row = try await db.expectRow("""
            INSERT INTO lost_reasons (name, position)
            VALUES (\(name), (SELECT coalesce(max(position), 0) + 1 FROM lost_reasons))
            RETURNING id, name, position
            """)
        let created = LostReasonRecord(id: try row.decode("id"), name: try row.decode("name"), position: try row.decode("position"))
        try await AuditTrail.record(db, actorID: actorID, entity: "lost_reason", entityID: created.id,
                                    action: .create, before: nil, after: .of(created))
        return created
    }

    func exists(_ db: Connection, name: String) async throws -> Bool {
        try await db.query("SELECT 1 FROM lost_reasons WHERE lower(name) = lower(\(name)) AND retired_at IS NULL").first != nil
    }

    func retire(_ db: Connection, id: Int64, by actorID: Int64) async throws {
        guard let row = try await db.query("""
            UPDATE lost_reasons SET retired_at = now() WHERE id = \(id) AND retired_at IS NULL RETURNING id, name, position
            """).first else { return }
        let before = LostReasonRecord(id: try row.decode("id"), name: try row.decode("name"), position: try row.decode("position"))
        try await AuditTrail.record(db, actorID: actorID, entity: "lost_reason", entityID: id,
                                    action: .delete, before: .of(before), after: nil)
    }

    /// The reason a form names: one of the list's, or the person's own words for "Other".
    static func chosen(_ picked: String?, other: String?) -> String? {
        guard let picked = picked?.trimmed, !picked.isEmpty else { return nil }
        return picked == Self.other ? other?.trimmed.nilIfEmpty : picked
    }
}
