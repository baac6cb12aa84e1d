import BatonCore
import Dates
import Foundation
import Postgres

/// The order and its handoff, inside the acceptance's transaction: the
/// opportunity won at the proposal's total on the acceptance date (history
/// written), the other versions superseded, and the project created from the
/// accepted lines' templates. A failure anywhere rolls all of it back; the
/// unique project per opportunity and per proposal makes a second one impossible.
struct Handoff {
    let services: AppServices

    func accept(_ db: Connection, _ proposal: ProposalRecord, acceptedOn: CalendarDate, by actorID: Int64) async throws
        -> (OpportunityRecord, ProjectRecord)
    {
        let opportunities = services.opportunities
        // The reviewer may accept on sales' behalf without seeing the whole account.
        try await db.query("SELECT id FROM opportunities WHERE id = \(proposal.opportunityId) FOR UPDATE")
        let before = try await opportunities.findAny(db, id: proposal.opportunityId)
        if before.lostOn != nil {
            throw APIError.conflict("The opportunity was lost; reopen it before accepting a proposal.", code: "opportunity-closed")
        }
        guard let won = try await services.stages.all(db).first(where: \.isWon) else {
            throw APIError.conflict("The pipeline has no won stage; an admin must add one.", code: "no-won-stage")
        }
        try await services.proposals.supersedeOthers(db, opportunityID: proposal.opportunityId, except: proposal.id, by: actorID)
        let fields = OpportunityFields(
            accountID: before.accountId, name: before.name, kind: before.kind, stage: won.stage, amount: proposal.total.amount,
            closeDate: before.closeDate, ownerID: before.ownerId, team: before.team, probabilityOverride: nil,
            categoryOverride: nil, nextStep: before.nextStep, source: before.source, closedOn: acceptedOn, lostReason: nil,
            externalID: before.externalId)
        let opportunity = try await opportunities.update(db, before: before, to: fields, teamChanged: false, by: actorID)
        let projectManager = proposal.reviewerId ?? before.team.first(where: { $0.role == .projectManager })?.userId
        let project = try await services.projects.handOff(
            db, proposal: proposal, opportunityName: before.name, projectManagerID: projectManager,
            start: proposal.proposedStart ?? acceptedOn, by: actorID)
        return (opportunity, project)
    }

    /// The reviewing project manager joins the opportunity's team (with no split),
    /// so that they see the account and the proposal they review.
    static func addReviewerToTeam(_ db: Connection, opportunityID: Int64, reviewerID: Int64) async throws {
        try await db.query("""
            INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
            VALUES (\(opportunityID), \(reviewerID), 'project_manager', 0)
            ON CONFLICT (opportunity_id, user_id) DO NOTHING
            """)
    }
}
