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

    /// The deal's details, edited in place: only the fields the person changed are
    /// sent to `OpportunityActions.change`, at the version the form was drawn from; a
    /// save over a newer version saves nothing and shows the fields each side changed.
    @Sendable func saveOpportunityDetails(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
            var reader = FormReader(form)
            let names = OpportunityPage.detailLabels.map(\.name)
            let version = Int(form["version"] ?? "")
            if version == nil { reader.problems.add("version", "The form lost its version; reload the page and make the change again.") }
            do {
                try await formTransaction(reader) { db in
                    guard let current = try await services.opportunities.find(db, id: id, visibleTo: caller) else {
                        throw APIError.notFound("opportunity")
                    }
                    let keys = Set(EditConflict.changedByMe(names, typed: { form[$0] }, saved: OpportunityPage.values(of: current)))
                    guard !keys.isEmpty else { return }
                    var fields = FormReader(form)
                    var input = OpportunityInput()
                    if keys.contains("name") { input.name = form["name"] ?? "" }
                    if keys.contains("amount") { input.amount = fields.money("amount", "Amount") }
                    if keys.contains("closeDate") { input.closeDate = fields.date("closeDate", "Close date") }
                    if keys.contains("nextStep") { input.nextStep = form["nextStep"] ?? "" }
                    if keys.contains("ownerId") { input.ownerId = fields.id("ownerId", "Owner") }
                    try fields.problems.throwIfInvalid()
                    _ = try await OpportunityActions(services: services).change(db, caller: caller, id: id, expected: version,
                                                                                input: input, keys: keys)
                }
            } catch let error as APIError where error.status == .preconditionFailed {
                let mine = FormState("deal", typed: form, failure: FormFailure(status: .conflict))
                return try await opportunityPage(caller, token, id: id, forms: .init(details: mine, conflict: true), status: .conflict)
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await opportunityPage(caller, token, id: id, forms: .init(details: FormState("deal", typed: form, failure: failure)),
                                                 status: failure.status)
            }
            return WebSession.redirect(Site.opportunity(id))
        }
    }

    /// A step of the stage path, "Mark lost" (with a reason from the firm's list, or
    /// the person's own words for "Other") or "Reopen": the API's PATCH of `stage`,
    /// at the page's version. A refusal is said above the path.
    @Sendable func moveOpportunityForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var keys: Set<String> = ["stage"]
            var input = OpportunityInput(stage: form["stage"])
            if form["lostReason"] != nil {
                input.lostReason = LostReasonStore.chosen(form["lostReason"], other: form["lostReasonOther"])
                keys.insert("lostReason")
            }
            let version = Int(form["version"] ?? "")
            do {
                _ = try await services.pool.withTransaction { db in
                    try await OpportunityActions(services: services).changeTelling(db, caller: caller, id: id, expected: version,
                                                                                   input: input, keys: keys)
                }
            } catch let error as APIError where error.status == .preconditionFailed {
                return try await opportunityPage(caller, token, id: id, forms: .init(
                    message: "Someone else changed this opportunity while you were looking at it; nothing was moved. Here it is as saved now."),
                    status: .conflict)
            } catch {
                guard let failure = FormFailure(error), failure.status != .notFound else { throw error }
                let words = failure.errors.sorted { $0.key < $1.key }.map(\.value) + failure.messages
                return try await opportunityPage(caller, token, id: id, forms: .init(message: words.joined(separator: " ")),
                                                 status: failure.status)
            }
            return WebSession.redirect(Site.opportunity(id))
        }
    }

    @Sendable func showPipeline(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard PipelineAccess.canRead(caller.roles) else { return forbidden() }
        let q = QueryParameters(request)
        let ownerID = try? q.id("owner")
        let calendar = services.quotas.calendar
        let thisQuarter = calendar.period(containing: Timestamp.now.calendarDate, kind: .quarter)
        // "all" is every open deal; a period that is not understood is said, with what is shown instead.
        let asked = (q.string("period") ?? "").trimmed
        var period: FiscalPeriod? = thisQuarter
        var notUnderstood: String?
        if asked.lowercased() == PipelineBoard.allOpen { period = nil }
        else if !asked.isEmpty {
            do { period = try calendar.period(key: asked, field: "period") } catch {
                let why = error.errors.map(\.message).joined(separator: "; ")
                notUnderstood = "\"\(asked)\" is not a period the board understands (\(why)). Showing this quarter, \(thisQuarter.key), instead; type \"all\" for every open deal."
            }
        }
        let undo = q.string("undo").flatMap(PipelineBoard.Undo.init)
        let board = try await services.pool.withConnection {
            try await PipelineBoard.build($0, caller: caller, services: services, ownerID: ownerID ?? nil, period: period,
                                          error: Flash.message(request), periodError: notUnderstood, undo: undo)
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
            // A reason from the firm's list, or the person's own words for "Other".
            if let reason = LostReasonStore.chosen(form["lostReason"], other: form["lostReasonOther"]) {
                input.lostReason = reason
                keys.insert("lostReason")
            }
            // The card's "keep my override" box, sent only when ticked, and named for its deal:
            // every card's box is in the board's one form.
            if form[PipelineBoard.Card.keepOverride + String(id)] != nil {
                input.keepOverride = true
                keys.insert("keepOverride")
            }
            let back = Site.pipeline() + "?period=" + (form["period"] ?? "").addingPercentEncodingForPath
            var moved = back
            do {
                let (changed, from) = try await services.pool.withTransaction { db in
                    // The board offers to take the move back: to the stage the deal was in just
                    // before it, as read here rather than as the page that sent it drew it.
                    let from = try await services.opportunities.find(db, id: id, visibleTo: caller)?.stage
                    let changed = try await OpportunityActions(services: services).changeTelling(db, caller: caller, id: id, expected: nil,
                                                                                                 input: input, keys: keys)
                    return (changed, from)
                }
                if let from, from != changed.record.stage {
                    moved += "&undo=" + "\(id).\(from)".addingPercentEncodingForPath
                }
                // What the move replaced is said on the board, as the API's answer says it.
                if let replaced = changed.overrideReplaced {
                    return Flash.redirect(moved, message: "\(changed.record.name): \(replaced.message)")
                }
            } catch let failure as ValidationFailure {
                return Flash.redirect(back, message: failure.errors.map(\.message).joined(separator: "; "))
            } catch let error as APIError where error.status.code < 500 && error.status != .notFound {
                // A deal the mover cannot see is the not-found page, as anywhere else.
                return Flash.redirect(back, message: error.detail)
            }
            return WebSession.redirect(moved)
        }
    }

    /// The account page's "new opportunity" form: `OpportunityActions.create`, with the
    /// account the page is about.
    @Sendable func createOpportunityForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
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
        try await pipelinePage(request, context) { try await opportunityPage($0, $1, id: $2) }
    }

    /// A new proposal for the deal: the proposals' own code decides; this page only
    /// reads the form and shows the answer.
    @Sendable func createProposalForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await pipelineForm(request, context) { caller, token, id, form in
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
                return try await opportunityPage(caller, token, id: id, forms: .init(proposal: FormState("proposal", typed: form, failure: failure)),
                                                 status: failure.status)
            }
        }
    }

    func opportunityPage(_ caller: Caller, _ token: String, id: Int64, forms: OpportunityPage.Forms = .init(),
                         status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let body = try await services.pool.withConnection({
            try await OpportunityPage.build($0, id: id, caller: caller, services: services, forms: forms)?.withTasks($0, caller: caller)
        }) else { return notFound() }
        return renderer.page("opportunity", Page(frame: frame(caller, sessionToken: token, title: body.opportunity.name, area: "pipeline"),
                                                 body: body), status: status)
    }
}
