import BatonCore
import Dates
import Foundation
import HTTPTypes
import Postgres

/// A proposal's fields as a writer sends them: every one optional, so that a change
/// names only what it changes.
struct ProposalInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case reviewerId, proposedStart, validUntil, terms, discountPercent, lines
    }
    static var nested: [String: any StrictDecodable.Type] { ["lines": Line.self] }
    var reviewerId: Int64?
    var proposedStart, validUntil: CalendarDate?
    var terms: String?
    var discountPercent: DecimalString?
    var lines: [Line]?

    /// One line of a proposal as a writer sends it: a catalog line names its typical
    /// project and may leave the unit and price to the catalog.
    struct Line: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case typicalProjectId, description, quantity, unit, unitPrice, discountPercent, kind, recurrence
        }
        static var nested: [String: any StrictDecodable.Type] { ["recurrence": Recurrence.self] }
        var typicalProjectId: Int64?
        var description: String?
        var quantity: DecimalString?
        var unit: LineUnit?
        var unitPrice: Money?
        var discountPercent: DecimalString?
        /// Left out: a catalog line is a service, a free-text line pass-through (`LineKind.implied`).
        var kind: LineKind?
        /// Left out: a catalog line recurs as its catalog item does; a free-text line is sold once.
        var recurrence: Recurrence?
    }
}

/// What a move of the workflow may carry: a comment (returning it), the day the
/// client accepted.
struct ProposalMoveInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case comment, acceptedOn }
    var comment: String?
    var acceptedOn: CalendarDate?
}

/// Everything a person can do to a proposal, whoever asks (the API, the opportunity
/// and proposal pages): draft a version, change a draft, move it through the workflow
/// (accepting runs the handoff). Each checks who may, validates, writes through the
/// store and the audit trail inside the caller's transaction, and throws typed errors.
struct ProposalActions {
    let services: AppServices
    var store: ProposalStore { services.proposals }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    /// A new version of an opportunity's proposal.
    func create(
        _ db: Connection, caller: Caller, opportunityID: Int64, input: ProposalInput, keys: Set<String>
    ) async throws -> ProposalRecord {
        try Scope.requireWriter(caller)
        guard let opportunity = try await services.opportunities.find(db, id: opportunityID, visibleTo: caller) else {
            throw APIError.notFound("opportunity")
        }
        if opportunity.wonOn != nil || opportunity.lostOn != nil {
            throw APIError.conflict("This opportunity is closed (\(opportunity.stage)); reopen it before proposing again.",
                                    code: "opportunity-closed")
        }
        let d = try await draft(db, input, base: nil, keys: keys)
        let created = try await store.create(db, opportunityID: opportunityID, draft: d, by: caller.id, today: Self.today)
        try await letReviewerSee(db, d, opportunityID: opportunityID)
        return created
    }

    /// The project manager named to review a draft joins the deal's team (0 % split) as
    /// soon as they are named, not only on submit, so that they can open the draft and
    /// its capacity check before it is submitted, through the API, the pages and
    /// row-level security alike.
    private func letReviewerSee(_ db: Connection, _ d: ProposalDraft, opportunityID: Int64) async throws {
        if let reviewer = d.reviewerID { try await Handoff.addReviewerToTeam(db, opportunityID: opportunityID, reviewerID: reviewer) }
    }

    /// One change to a draft, at the version the caller read. Only the fields in
    /// `keys` change.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: ProposalInput, keys: Set<String>
    ) async throws -> ProposalRecord {
        let before = try await store.visible(db, id: id, to: caller, today: Self.today, forUpdate: true)
        try Scope.requireWriter(caller)
        try ETag.requireCurrent(expected, before.version)
        guard before.status == .draft else {
            throw APIError.conflict("This proposal is \(before.status.rawValue); only a draft can be edited. Start a new version instead.",
                                    code: "proposal-status")
        }
        let d = try await draft(db, input, base: Self.draft(of: before), keys: keys)
        let updated = try await store.update(db, before: before, draft: d, by: caller.id, today: Self.today)
        if keys.contains("reviewerId") { try await letReviewerSee(db, d, opportunityID: before.opportunityId) }
        return updated
    }

    /// One move of a proposal's workflow. Accepting runs the handoff, whose won
    /// opportunity and new project come back with the moved proposal.
    func perform(
        _ db: Connection, caller: Caller, id: Int64, action: ProposalAction, input: ProposalMoveInput
    ) async throws -> (ProposalRecord, (OpportunityRecord, ProjectRecord)?) {
        let today = Self.today
        let proposal = try await store.visible(db, id: id, to: caller, today: today, forUpdate: true)
        let actor = ProposalActor(
            isAuthorSide: PipelineAccess.canWrite(caller.roles) || proposal.authorId == caller.id,
            isReviewer: proposal.reviewerId == caller.id, isAdmin: caller.isAdmin)
        let acceptedOn = input.acceptedOn ?? today
        let next: ProposalStatus
        do {
            next = try ProposalWorkflow.apply(
                action, to: proposal.storedStatus, actor: actor, hasReviewer: proposal.reviewerId != nil,
                validUntil: proposal.validUntil, today: today, acceptedOn: acceptedOn, comment: input.comment)
        } catch {
            throw Self.problem(error)
        }
        if action == .submit, let reviewer = proposal.reviewerId {
            try await Handoff.addReviewerToTeam(db, opportunityID: proposal.opportunityId, reviewerID: reviewer)
        }
        let moved = try await store.move(db, proposal, action: action, to: next, comment: input.comment?.trimmed.nilIfEmpty,
                                         acceptedOn: acceptedOn, by: caller.id, today: today)
        try await NotificationEvents.proposalMoved(db, moved, action: action, comment: input.comment, by: caller.id)
        guard action == .accept else { return (moved, nil) }
        return (moved, try await Handoff(services: services).accept(db, moved, acceptedOn: acceptedOn, by: caller.id))
    }

    /// The one translation of a `WorkflowRefusal`: 409 `proposal-status`, 403, or 422 on its field.
    static func problem(_ error: any Error) -> any Error {
        guard let refusal = error as? WorkflowRefusal else { return error }
        switch refusal {
        case .illegal(let current, _):
            return APIError(.conflict, code: "proposal-status", title: "Not possible in this status",
                            detail: refusal.message + " (the proposal is \(current.rawValue))")
        case .notAllowed:
            return APIError.forbidden(refusal.message)
        case .invalid(let field, let message):
            return APIError.validation([FieldError(field, message)])
        }
    }

    /// A stored proposal as the draft it was written from.
    static func draft(of p: ProposalRecord) -> ProposalDraft {
        ProposalDraft(
            reviewerID: p.reviewerId, terms: p.terms, validUntil: p.validUntil, proposedStart: p.proposedStart,
            discountPercent: p.discountPercent.value, lines: p.lines.map(\.input))
    }

    /// Lines as given, with the catalog filling in what a catalog line leaves out:
    /// its unit (fixed or hour) and unit price (the fee or the rate).
    private func draft(_ db: Connection, _ input: ProposalInput, base: ProposalDraft?, keys: Set<String>) async throws -> ProposalDraft {
        var v = Validator()
        var lines = base?.lines ?? []
        if let given = input.lines {
            lines = []
            for (i, line) in given.enumerated() {
                var unit = line.unit
                var price = line.unitPrice?.amount
                var recurrence = line.recurrence
                if let templateID = line.typicalProjectId {
                    if let template = try await services.catalog.find(db, id: templateID), !template.archived {
                        unit = unit ?? (template.pricing.model == "hourly" ? .hour : .fixed)
                        price = price ?? template.pricing.amount
                        recurrence = recurrence ?? template.recurrence
                    } else {
                        v.add("lines[\(i)].typicalProjectId", "Typical project \(templateID) is not in the catalog")
                    }
                }
                if price == nil { v.add("lines[\(i)].unitPrice", "Unit price is required for a line that is not from the catalog") }
                if line.quantity == nil { v.add("lines[\(i)].quantity", "Quantity is required") }
                lines.append(ProposalLineInput(
                    typicalProjectId: line.typicalProjectId, description: line.description?.trimmed.nilIfEmpty,
                    quantity: line.quantity?.value ?? 1, unit: unit ?? .fixed, unitPrice: price ?? 0,
                    discountPercent: line.discountPercent?.value ?? 0, kind: line.kind, recurrence: recurrence))
            }
        } else if keys.contains("lines") {
            v.add("lines", "Lines must not be null")
        }
        var d = base ?? ProposalDraft(reviewerID: nil, terms: nil, validUntil: nil, proposedStart: nil, discountPercent: 0, lines: [])
        d.lines = lines
        if base == nil || keys.contains("reviewerId") { d.reviewerID = input.reviewerId }
        if base == nil || keys.contains("terms") { d.terms = input.terms }
        if base == nil || keys.contains("validUntil") { d.validUntil = input.validUntil }
        if base == nil || keys.contains("proposedStart") { d.proposedStart = input.proposedStart }
        if base == nil || keys.contains("discountPercent") { d.discountPercent = input.discountPercent?.value ?? 0 }
        d.check(into: &v)
        if let reviewer = d.reviewerID {
            let ok: Bool = try await db.expectRow("""
                SELECT EXISTS (SELECT 1 FROM users WHERE id = \(reviewer) AND active AND 'project_manager' = ANY(roles)) AS ok
                """).decode("ok")
            v.check(ok, "reviewerId", "Reviewer must be an active project manager")
        }
        try v.throwIfInvalid()
        return d
    }
}
