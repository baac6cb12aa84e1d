import BatonCore
import Dates
import Foundation
import Postgres

/// The order and its handoff, inside the acceptance's transaction: the
/// opportunity won at the proposal's contract value on the acceptance date (history
/// written), the other versions superseded, the project created from the
/// accepted lines' templates, and the recurring lines' agreement. A failure anywhere rolls all of it back; the
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
            accountID: before.accountId, name: before.name, kind: before.kind, stage: won.stage, amount: proposal.contractValue.amount,
            closeDate: before.closeDate, ownerID: before.ownerId, team: before.team, probabilityOverride: nil,
            categoryOverride: nil, nextStep: before.nextStep, source: before.source, closedOn: acceptedOn, lostReason: nil,
            externalID: before.externalId)
        let opportunity = try await opportunities.update(db, before: before, to: fields, teamChanged: false, by: actorID)
        let projectManager = proposal.reviewerId ?? before.team.first(where: { $0.role == .projectManager })?.userId
        // The order is won at the whole total; the project is worth its services only.
        // Pass-through lines (travel, expenses, resale) become budget items, in no phase,
        // so they are in no one's credited work and no bonus.
        let split = Self.split(proposal)
        // ProjectStore.handOff takes the proposal's total as the contract value.
        var servicesOnly = proposal
        servicesOnly.total = Money(split.serviceValue)
        let project = try await services.projects.handOff(
            db, proposal: servicesOnly, opportunityName: before.name, projectManagerID: projectManager,
            start: proposal.proposedStart ?? acceptedOn, by: actorID)
        try await NotificationEvents.projectCreated(db, projectID: project.id, by: actorID)
        // The recurring lines become the account's agreement, in this same transaction.
        _ = try await AgreementActions(services: services).handOff(db, proposal, name: before.name, acceptedOn: acceptedOn, by: actorID)
        guard !split.passThrough.isEmpty else { return (opportunity, project) }
        for (position, item) in split.passThrough.enumerated() {
            let line = proposal.lines[item.lineIndex]
            try await db.query("""
                INSERT INTO project_budget_items (project_id, position, proposal_line_id, description, amount)
                VALUES (\(project.id), \(position + 1), \(line.id),
                        \(line.description ?? line.typicalProjectName ?? "Pass-through"), \(item.amount))
                """)
        }
        let withItems = try await services.projects.findAny(db, id: project.id)
        try await AuditTrail.record(db, actorID: actorID, entity: "project", entityID: project.id, action: .update,
                                    before: .of(project, excluding: ["phases", "checklist", "skillNeeds"]),
                                    after: .of(withItems, excluding: ["phases", "checklist", "skillNeeds"]))
        return (opportunity, withItems)
    }

    /// A stored proposal's total split into services and pass-through (`ProposalMath.split`).
    static func split(_ proposal: ProposalRecord) -> ProposalSplit {
        ProposalMath.split(lines: ProposalActions.draft(of: proposal).lines, discountPercent: proposal.discountPercent.value)
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
