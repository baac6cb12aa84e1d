import BatonCore
import Dates
import Foundation
import Postgres

/// A client link as the store reads it.
struct ClientLinkRow: Sendable {
    var id: Int64
    var proposalID: Int64
    var expiresOn: CalendarDate
    var revoked: Bool
}

/// The evidence of a client's decision.
struct ClientDecisionRecord: Encodable, Sendable {
    var proposalId: Int64
    var decision: String
    var name: String?
    var title: String?
    var email: String?
    var reason: String?
    var decidedAt: Timestamp
    var address: String?
    var userAgent: String?
    var documentSha256: String
}

/// The client links' SQL: tokens are looked up by their SHA-256 only.
struct ClientAcceptanceStore: Sendable {
    func create(_ db: Connection, proposalID: Int64, expiresOn: CalendarDate, by actorID: Int64) async throws -> String {
        let token = SecretToken.randomString(bytes: 24)
        try await db.query("""
            INSERT INTO proposal_client_links (proposal_id, token_hash, expires_on, created_by)
            VALUES (\(proposalID), decode(\(SecretToken.hash(token)), 'hex'), \(expiresOn), \(actorID))
            """)
        try await AuditTrail.record(db, actorID: actorID, entity: "proposal", entityID: proposalID, action: .update,
                                    before: nil, after: ["clientLink": .text("created")])
        return token
    }

    func revoke(_ db: Connection, proposalID: Int64, by actorID: Int64) async throws -> Int {
        let n = try await db.query("""
            UPDATE proposal_client_links SET revoked_at = now() WHERE proposal_id = \(proposalID) AND revoked_at IS NULL
            """).affectedRows
        if n > 0 {
            try await AuditTrail.record(db, actorID: actorID, entity: "proposal", entityID: proposalID, action: .update,
                                        before: nil, after: ["clientLink": .text("revoked")])
        }
        return n
    }

    func link(_ db: Connection, token: String, forUpdate: Bool = false) async throws -> ClientLinkRow? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("""
            SELECT id, proposal_id, expires_on, revoked_at IS NOT NULL AS revoked FROM proposal_client_links
            WHERE token_hash = decode(\(SecretToken.hash(token)), 'hex')\(lock)
            """).first.map {
            ClientLinkRow(id: try $0.decode("id"), proposalID: try $0.decode("proposal_id"), expiresOn: try $0.decode("expires_on"),
                          revoked: try $0.decode("revoked"))
        }
    }

    /// Counts one decision tried through the link, in its own transaction so that a
    /// refused try still counts; returns the tries in the current hour.
    func countAttempt(_ db: Connection, linkID: Int64) async throws -> Int {
        try await db.query("""
            UPDATE proposal_client_links SET
                attempts = CASE WHEN window_started_at < now() - interval '1 hour' THEN 1 ELSE attempts + 1 END,
                window_started_at = CASE WHEN window_started_at < now() - interval '1 hour' THEN now() ELSE window_started_at END
            WHERE id = \(linkID) RETURNING attempts
            """).first?.decode("attempts") ?? 0
    }

    func recordDecision(_ db: Connection, link: ClientLinkRow, accepted: Bool, name: String?, title: String?, email: String?,
                        reason: String?, address: String?, userAgent: String?, documentSHA256: String) async throws {
        try await db.query("""
            INSERT INTO proposal_client_decisions (proposal_id, link_id, decision, name, title, email, reason, address, user_agent, document_sha256)
            VALUES (\(link.proposalID), \(link.id), \(accepted ? "accepted" : "declined"), \(name), \(title), \(email), \(reason),
                    \(address), \(userAgent.map { String($0.prefix(1000)) }), \(documentSHA256))
            """)
    }

    func decision(_ db: Connection, proposalID: Int64) async throws -> ClientDecisionRecord? {
        try await db.query("""
            SELECT proposal_id, decision, name, title, email, reason, decided_at, address, user_agent, document_sha256
            FROM proposal_client_decisions WHERE proposal_id = \(proposalID)
            """).first.map {
            ClientDecisionRecord(proposalId: try $0.decode("proposal_id"), decision: try $0.decode("decision"), name: try $0.decode("name"),
                                 title: try $0.decode("title"), email: try $0.decode("email"), reason: try $0.decode("reason"),
                                 decidedAt: try $0.decode("decided_at"), address: try $0.decode("address"),
                                 userAgent: try $0.decode("user_agent"), documentSha256: try $0.decode("document_sha256"))
        }
    }
}
