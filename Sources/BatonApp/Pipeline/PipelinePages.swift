import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The pipeline's pages and their forms: the board (a card moved to another stage),
/// an opportunity (a new proposal), and the account page's new-opportunity form.
/// Every form goes through `OpportunityActions` (or the proposals' own code), so a
/// page and the API take the same rules; a post that breaks them draws the page again
/// with the status, what was typed and each field's message.
extension WebRoutes {
    func registerPipelinePages(on pages: RouterGroup<BatonRequestContext>) {
        pages.get(Site.pipeline.pattern, use: showPipeline)
        pages.post(Site.pipelineStage.pattern, use: moveOnBoardForm)
        pages.post(Site.accountOpportunities.pattern, use: createOpportunityForm)
        pages.get(Site.opportunity.pattern, use: showOpportunity)
        pages.post(Site.opportunityProposals.pattern, use: createProposalForm)
    }

    @Sendable func showPipeline(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let q = QueryParameters(request)
        let ownerID = try? q.id("owner")
        let calendar = services.quotas.calendar
        let period = (try? calendar.period(key: q.string("period") ?? "", field: "period"))
            ?? calendar.period(containing: Timestamp.now.calendarDate, kind: .quarter)
        let board = try await services.pool.withConnection {
            try await PipelineBoard.build($0, caller: caller, services: services, ownerID: ownerID ?? nil, period: period,
                                          error: Flash.message(request))
        }
        return Flash.shown(renderer.page("pipeline", Page(frame: frame(caller, sessionToken: token, title: "Pipeline", area: "pipeline"), body: board)),
                           for: request)
    }

    /// A card moved to another stage (with the reason, when it is lost): the same
    /// change as the API's PATCH of `stage`, judged by `OpportunityActions.change`. The
    /// board has no field to put a refusal beside, so it is shown above the board.
    @Sendable func moveOnBoardForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var keys: Set<String> = ["stage"]
            var input = OpportunityInput(stage: form["stage"])
            if let reason = form["lostReason"]?.trimmed, !reason.isEmpty {
                input.lostReason = reason
                keys.insert("lostReason")
            }
            // The "keep my override" box: sent only when ticked.
            if form["keepOverride"] != nil {
                input.keepOverride = true
                keys.insert("keepOverride")
            }
            let back = Site.pipeline() + "?period=" + (form["period"] ?? "").addingPercentEncodingForPath
            do {
                let changed = try await services.pool.withTransaction { db in
                    try await OpportunityActions(services: services).changeTelling(db, caller: caller, id: id, expected: nil, input: input, keys: keys)
                }
                // What the move replaced is said on the board, as the API's answer says it.
                if let replaced = changed.overrideReplaced {
                    return Flash.redirect(back, message: "\(changed.record.name): \(replaced.message)")
                }
            } catch let failure as ValidationFailure {
                return Flash.redirect(back, message: failure.errors.map(\.message).joined(separator: "; "))
            } catch let error as APIError where error.status.code < 500 && error.status != .notFound {
                // A deal the mover cannot see is the not-found page, as anywhere else.
                return Flash.redirect(back, message: error.detail)
            }
            return WebSession.redirect(back)
        }
    }

    /// The account page's "new opportunity" form: `OpportunityActions.create`, with the
    /// account the page is about.
    @Sendable func createOpportunityForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            guard PipelineAccess.canWrite(caller.roles) else { return forbidden() }
            var reader = FormReader(form)
            var input = OpportunityInput()
            input.accountId = id
            input.name = form["name"] ?? ""
            input.kind = reader.choice("kind", "Kind", OpportunityKind.self)
            input.stage = reader.optional("stage")
            input.amount = reader.money("amount", "Amount")
            input.closeDate = reader.date("closeDate", "Expected close date")
            input.ownerId = reader.id("ownerId", "Owner")
            do {
                let created = try await formTransaction(reader) { db in
                    guard try await services.accounts.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("account") }
                    return try await OpportunityActions(services: services).create(db, caller: caller, input: input)
                }
                return WebSession.redirect(Site.opportunity(created.id))
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await accountPage(caller, token, id: id,
                                             forms: .init(opportunity: FormState("opportunity", typed: form, failure: failure)),
                                             status: failure.status)
            }
        }
    }

    @Sendable func showOpportunity(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        return try await opportunityPage(caller, token, id: try request.id(context))
    }

    /// A new proposal for the deal: the proposals' own code decides; this page only
    /// reads the form and shows the answer.
    @Sendable func createProposalForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            guard PipelineAccess.canWrite(caller.roles) else { return forbidden() }
            var reader = FormReader(form)
            var input = ProposalInput()
            input.reviewerId = reader.id("reviewerId", "Reviewer")
            input.proposedStart = reader.date("proposedStart", "Proposed start")
            input.validUntil = reader.date("validUntil", "Valid until")
            input.terms = reader.optional("terms")
            var line = ProposalInput.Line()
            line.typicalProjectId = reader.id("lines[0].typicalProjectId", "Typical project")
            line.quantity = reader.decimal("lines[0].quantity", "Quantity")
            input.lines = line.typicalProjectId == nil ? [] : [line]
            do {
                let created = try await formTransaction(reader) { db in
                    try await ProposalActions(services: services).create(db, caller: caller, opportunityID: id, input: input,
                                            keys: ["reviewerId", "proposedStart", "validUntil", "terms", "lines"])
                }
                return WebSession.redirect(Site.proposal(created.id))
            } catch {
                guard var failure = FormFailure(error) else { throw error }
                // "A proposal needs at least one line" belongs beside the catalog choice.
                if let message = failure.errors.removeValue(forKey: "lines") { failure.errors["lines[0].typicalProjectId"] = message }
                return try await opportunityPage(caller, token, id: id, proposal: FormState("proposal", typed: form, failure: failure),
                                                 status: failure.status)
            }
        }
    }

    func opportunityPage(_ caller: Caller, _ token: String, id: Int64, proposal: FormState? = nil,
                         status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let body = try await services.pool.withConnection({
            try await OpportunityPage.build($0, id: id, caller: caller, services: services, proposalForm: proposal)
        }) else { return notFound() }
        return renderer.page("opportunity", Page(frame: frame(caller, sessionToken: token, title: body.opportunity.name, area: "pipeline"),
                                                 body: body), status: status)
    }
}
