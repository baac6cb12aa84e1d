import BatonCore
import Dates
import Foundation
import Postgres

/// A secret link's row, as `SecretLinks.find` reads it.
struct SecretLink: Sendable {
    var id: Int64
    /// The record the link opens: a proposal, a project.
    var ownerID: Int64
    /// The last day the link works; nil for a link that never expires.
    var expiresOn: CalendarDate?
    var revoked: Bool
}

/// One kind of secret link handed to someone outside the firm (a client's link to
/// accept a proposal, a project's status link): a random token shown once, stored
/// only as its SHA-256, so that the table never holds a working link. Every kind
/// makes, revokes and looks up its links the same way; only where they live differs.
struct SecretLinks: Sendable {
    /// The links' table, and the column naming the record a link opens.
    let table, owner: Query
    /// The owning record's audit entity, and the key its audit entries write.
    let entity, auditKey: String

    static let proposalClient = SecretLinks(table: "proposal_client_links", owner: "proposal_id", entity: "proposal", auditKey: "clientLink")
    static let projectStatus = SecretLinks(table: "project_status_links", owner: "project_id", entity: "project", auditKey: "statusLink")

    /// Makes a link to `ownerID` working until `expiresOn` (nil: until revoked);
    /// returns its token, which nothing keeps.
    func create(_ db: Connection, ownerID: Int64, expiresOn: CalendarDate?, by actorID: Int64) async throws -> String {
        let token = SecretToken.randomString(bytes: 24)
        try await db.query("""
            INSERT INTO \(table) (\(owner), token_hash, expires_on, created_by)
            VALUES (\(ownerID), decode(\(SecretToken.hash(token)), 'hex'), \(expiresOn), \(actorID))
            """)
        try await AuditTrail.record(db, actorID: actorID, entity: entity, entityID: ownerID, action: .update,
                                    before: nil, after: [auditKey: .text("created")])
        return token
    }

    /// Revokes every live link to `ownerID`; returns how many there were.
    func revokeAll(_ db: Connection, ownerID: Int64, by actorID: Int64) async throws -> Int {
        let n = try await db.query("""
            UPDATE \(table) SET revoked_at = now() WHERE \(owner) = \(ownerID) AND revoked_at IS NULL
            """).affectedRows
        if n > 0 {
            try await AuditTrail.record(db, actorID: actorID, entity: entity, entityID: ownerID, action: .update,
                                        before: nil, after: [auditKey: .text("revoked")])
        }
        return n
    }

    /// The link whose token is `token`, revoked or expired as it may be (the caller
    /// judges), or nil for a token nobody was given.
    func find(_ db: Connection, token: String, forUpdate: Bool = false) async throws -> SecretLink? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("""
            SELECT id, \(owner) AS owner_id, expires_on, revoked_at IS NOT NULL AS revoked FROM \(table)
            WHERE token_hash = decode(\(SecretToken.hash(token)), 'hex')\(lock)
            """).first.map {
            SecretLink(id: try $0.decode("id"), ownerID: try $0.decode("owner_id"), expiresOn: try $0.decode("expires_on"),
                       revoked: try $0.decode("revoked"))
        }
    }
}
