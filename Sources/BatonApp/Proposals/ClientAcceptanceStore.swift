import BatonCore
import Dates
import Foundation
import Postgres

/// The evidence of a client's decision.
struct ClientDecisionRecord: Encodable, Sendable {
    var proposalId: Int64
    var decision: String
    /// Who accepted (name, title, email) or why it was declined.
    var name, title, email, reason: String?
    var decidedAt: Timestamp
    /// Where the decision came from.
    var address, userAgent: String?
    var documentSha256: String
}

/// The client links' SQL beyond making, revoking and finding them (`SecretLinks.proposalClient`):
/// the rate limit and the decision's evidence.
struct ClientAcceptanceStore: Sendable {
    var links: SecretLinks { .proposalClient }

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

    func recordDecision(_ db: Connection, link: SecretLink, accepted: Bool, name: String?, title: String?, email: String?,
                        reason: String?, address: String?, userAgent: String?, documentSHA256: String) async throws {
        try await db.query("""
            INSERT INTO proposal_client_decisions (proposal_id, link_id, decision, name, title, email, reason, address, user_agent, document_sha256)
            VALUES (\(link.ownerID), \(link.id), \(accepted ? "accepted" : "declined"), \(name), \(title), \(email), \(reason),
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
