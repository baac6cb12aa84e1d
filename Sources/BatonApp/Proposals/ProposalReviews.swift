import Postgres

extension ProposalStore {
    struct AwaitingReview: Sendable {
        var id: Int64
        var number: Int
        var opportunityName: String
    }

    /// The drafts waiting for `reviewerID`'s review, oldest first: what their home lists.
    func awaitingReview(_ db: Connection, reviewerID: Int64) async throws -> [AwaitingReview] {
        try await db.query("""
            SELECT p.id, p.number, o.name FROM proposals p JOIN opportunities o ON o.id = p.opportunity_id
            WHERE p.reviewer_id = \(reviewerID) AND p.status = 'in_review' ORDER BY p.id
            """).map { AwaitingReview(id: try $0.decode("id"), number: try $0.decode("number"), opportunityName: try $0.decode("name")) }
    }
}
