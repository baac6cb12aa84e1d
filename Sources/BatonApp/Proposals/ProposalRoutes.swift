import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// Proposals: drafted by sales, reviewed by a project manager, sent, and accepted,
/// which is the order: the handoff then creates the project in the same transaction.
struct ProposalRoutes {
    let services: AppServices
    var store: ProposalStore { services.proposals }

    struct LineInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case typicalProjectId, description, quantity, unit, unitPrice, discountPercent }
        var typicalProjectId: Int64?
        var description: String?
        var quantity: DecimalString?
        var unit: LineUnit?
        var unitPrice: Money?
        var discountPercent: DecimalString?
    }

    struct Input: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case reviewerId, proposedStart, validUntil, terms, discountPercent, lines
        }
        static var nested: [String: any StrictDecodable.Type] { ["lines": LineInput.self] }
        var reviewerId: Int64?
        var proposedStart: CalendarDate?
        var validUntil: CalendarDate?
        var terms: String?
        var discountPercent: DecimalString?
        var lines: [LineInput]?
    }

    struct ActionInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case comment, acceptedOn }
        var comment: String?
        var acceptedOn: CalendarDate?
    }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("opportunities/:id/proposals") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            let proposals = try await services.pool.withConnection { db in
                guard try await services.opportunities.find(db, id: id, visibleTo: caller) != nil else {
                    throw APIError.notFound("opportunity")
                }
                return try await store.list(db, opportunityID: id, today: Self.today)
            }
            return try APIResponse.json(Page(fetched: proposals, limit: proposals.count) { [String($0.id)] }).response
        }
        api.post("opportunities/:id/proposals") { request, context in try await create(request, context).response }
        api.get("proposals/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try request.id(context)
            guard let p = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller, today: Self.today) }) else {
                throw APIError.notFound("proposal")
            }
            return try APIResponse.json(p, headers: ETag.headers(p.version)).response
        }
        api.patch("proposals/:id") { request, context in try await update(request, context).response }
        api.post("proposals/:id/:action") { request, context in try await act(request, context).response }
        api.get("proposals/:id/capacity-check") { request, context in try await capacity(request, context).response }
        api.get("projects") { request, context in
            let caller = try context.requireCaller()
            let page = try PageRequest(request)
            let q = QueryParameters(request)
            var filter = ProjectStore.Filter(projectManagerID: try q.id("pmId"), status: nil, accountID: try q.id("accountId"))
            if let status = q.string("status") {
                guard ["planned", "active", "on_hold", "completed", "cancelled"].contains(status) else {
                    throw ValidationFailure("status", "status must be one of planned, active, on_hold, completed, cancelled")
                }
                filter.status = status
            }
            let f = filter
            return try APIResponse.json(try await services.pool.withConnection {
                try await services.projects.list($0, visibleTo: caller, filter: f, page: page)
            }).response
        }
        api.get("projects/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try request.id(context)
            guard let project = try await services.pool.withConnection({ try await services.projects.find($0, id: id, visibleTo: caller) }) else {
                throw APIError.notFound("project")
            }
            return try APIResponse.json(project, headers: ETag.headers(project.version)).response
        }
    }

    /// Lines as given, with the catalog filling in what a catalog line leaves out:
    /// its unit (fixed or hour) and unit price (the fee or the rate).
    private func draft(_ db: Connection, _ input: Input, base: ProposalDraft?, keys: Set<String>) async throws -> ProposalDraft {
        var v = Validator()
        var lines = base?.lines ?? []
        if let given = input.lines {
            lines = []
            for (i, line) in given.enumerated() {
                var unit = line.unit
                var price = line.unitPrice?.amount
                if let templateID = line.typicalProjectId {
                    if let template = try await services.catalog.find(db, id: templateID), !template.archived {
                        unit = unit ?? (template.pricing.model == "hourly" ? .hour : .fixed)
                        price = price ?? template.pricing.amount
                    } else {
                        v.add("lines[\(i)].typicalProjectId", "Typical project \(templateID) is not in the catalog")
                    }
                }
                if price == nil { v.add("lines[\(i)].unitPrice", "Unit price is required for a line that is not from the catalog") }
                if line.quantity == nil { v.add("lines[\(i)].quantity", "Quantity is required") }
                lines.append(ProposalLineInput(
                    typicalProjectId: line.typicalProjectId, description: line.description?.trimmed.nilIfEmpty,
                    quantity: line.quantity?.value ?? 1, unit: unit ?? .fixed, unitPrice: price ?? 0,
                    discountPercent: line.discountPercent?.value ?? 0))
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

    func create(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let opportunityID = try request.id(context)
        let body = try await JSON.body(of: request)
        let (input, keys) = try JSON.decode(Input.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await create(db, caller: caller, opportunityID: opportunityID, input: input, keys: keys)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/proposals/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }
    }

    /// A new version of an opportunity's proposal, inside the caller's transaction:
    /// what both the API and the opportunity page's form do.
    func create(
        _ db: Connection, caller: Caller, opportunityID: Int64, input: Input, keys: Set<String>
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
        return try await store.create(db, opportunityID: opportunityID, draft: d, by: caller.id, today: Self.today)
    }

    func update(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(Input.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }

    /// One change to a draft, inside the caller's transaction: what both the API's
    /// PATCH and the proposal page's line forms do. Only the fields in `keys` change.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: Input, keys: Set<String>
    ) async throws -> ProposalRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, today: Self.today, forUpdate: true) else {
            throw APIError.notFound("proposal")
        }
        try Scope.requireWriter(caller)
        if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
        guard before.status == .draft else {
            throw APIError.conflict("This proposal is \(before.status.rawValue); only a draft can be edited. Start a new version instead.",
                                    code: "proposal-status")
        }
        let d = try await draft(db, input, base: Self.draft(of: before), keys: keys)
        return try await store.update(db, before: before, draft: d, by: caller.id, today: Self.today)
    }

    /// A stored proposal as the draft it was written from.
    static func draft(of p: ProposalRecord) -> ProposalDraft {
        ProposalDraft(
            reviewerID: p.reviewerId, terms: p.terms, validUntil: p.validUntil, proposedStart: p.proposedStart,
            discountPercent: p.discountPercent.value,
            lines: p.lines.map {
                ProposalLineInput(typicalProjectId: $0.typicalProjectId, description: $0.description, quantity: $0.quantity.value,
                                  unit: $0.unit, unitPrice: $0.unitPrice.amount, discountPercent: $0.discountPercent.value)
            })
    }

    func act(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        guard let action = ProposalAction(rawValue: context.parameters.get("action") ?? "") else {
            throw APIError.notFound("proposal action (submit, approve, return, send, accept or decline)")
        }
        let body = try await JSON.body(of: request)
        let input = body.isEmpty ? ActionInput() : try JSON.decode(ActionInput.self, from: body).0
        let today = Self.today
        return try await services.pool.withTransaction { db in
            let (moved, handoff) = try await perform(db, caller: caller, id: id, action: action, input: input)
            guard let (opportunity, project) = handoff else {
                return try .json(moved, headers: ETag.headers(moved.version))
            }
            struct Accepted: Encodable {
                var proposal: ProposalRecord
                var opportunity: OpportunityRecord
                var project: ProjectRecord
            }
            let accepted = try await store.findAny(db, id: moved.id, today: today)
            return try .json(Accepted(proposal: accepted, opportunity: opportunity, project: project))
        }
    }

    /// One move of a proposal's workflow, inside the caller's transaction: what both the
    /// API and the proposal page's buttons do. Accepting runs the handoff, whose won
    /// opportunity and new project come back with the moved proposal.
    func perform(
        _ db: Connection, caller: Caller, id: Int64, action: ProposalAction, input: ActionInput
    ) async throws -> (ProposalRecord, (OpportunityRecord, ProjectRecord)?) {
        let today = Self.today
        guard let proposal = try await store.find(db, id: id, visibleTo: caller, today: today, forUpdate: true) else {
            throw APIError.notFound("proposal")
        }
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
        guard action == .accept else { return (moved, nil) }
        return (moved, try await Handoff(services: services).accept(db, moved, acceptedOn: acceptedOn, by: caller.id))
    }

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

    func capacity(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let result = try await services.pool.withConnection { db in
            guard let proposal = try await store.find(db, id: id, visibleTo: caller, today: Self.today) else {
                throw APIError.notFound("proposal")
            }
            return try await services.capacity.check(db, proposal: proposal, today: Self.today)
        }
        return try .json(result)
    }
}
