import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

extension WebRoutes {

    @Sendable func showProposal(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let page = try await proposalPage(caller, token, id: try request.id(context), forms: .init(message: Flash.message(request)))
        return Flash.shown(page, for: request)
    }

    /// The header (reviewer, proposed start, valid until, discount, terms), edited in place:
    /// only the fields I changed go to `ProposalActions.change`, at the form's version; a
    /// proposal no longer a draft is refused there (409), in the API's words.
    @Sendable func saveProposalHeader(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            // Every field is read: what the form showed unchanged is what the draft holds.
            return try await saveInPlace(
                form, prefix: "proposal", fields: ProposalPage.headerLabels.map(\.name), back: Site.proposal(id),
                through: ProposalActions(services: services), caller: caller, id: id,
                saved: { db in
                    try await services.proposals.find(db, id: id, visibleTo: caller, today: ProposalActions.today).map(ProposalPage.headerValues)
                },
                read: { fields in
                    ProposalInput(reviewerId: fields.id("reviewerId", "Reviewer"), proposedStart: fields.date("proposedStart", "Proposed start"),
                                  validUntil: fields.date("validUntil", "Valid until"), terms: fields.optional("terms"),
                                  discountPercent: fields.decimal("discountPercent", "Discount"))
                },
                redraw: { state, conflict, status in
                    try await proposalPage(caller, token, id: id, forms: .init(header: state, conflict: conflict), status: status)
                })
        }
    }

    /// Submit, approve, return, send, accept, decline.
    @Sendable func proposalMove(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            guard let action = ProposalAction(rawValue: form["action"] ?? "") else { return forbidden() }
            var reader = FormReader(form)
            let input = ProposalMoveInput(comment: reader.optional("comment"), acceptedOn: reader.date("acceptedOn", "Accepted on"))
            do {
                _ = try await formTransaction(reader) { db in
                    try await ProposalActions(services: services).perform(db, caller: caller, id: id, action: action, input: input)
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await proposalPage(caller, token, id: id, forms: .init(action: action, typed: form, failure: failure), status: failure.status)
            }
            return WebSession.redirect(Site.proposal(id))
        }
    }

    /// The lines as typed (quantity, unit price, discount), saved together.
    @Sendable func proposalLinesEdit(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await proposalLines(request, context, adding: false) { reader, lines in
            for i in lines.indices {
                if let q = reader.decimal("quantity\(i)", "Quantity", field: "lines[\(i)].quantity") { lines[i].quantity = q }
                if let p = reader.money("unitPrice\(i)", "Unit price", field: "lines[\(i)].unitPrice") { lines[i].unitPrice = p }
                if let d = reader.decimal("discount\(i)", "Discount", field: "lines[\(i)].discountPercent") { lines[i].discountPercent = d }
                // Only a free-text line offers the choice; a catalog line is always a service.
                if let k = reader.text("kind\(i)"), let kind = LineKind(rawValue: k) { lines[i].kind = kind }
            }
        }
    }

    /// A line from the catalog (the typical project fills in its unit and price), or,
    /// from the second add form (`form=free`), a free-text line: travel, expenses or
    /// resale passed through, or a custom service.
    @Sendable func proposalLineAdd(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await proposalLines(request, context, adding: true) { reader, lines in
            // Messages under the API's names for the new line, beside the add form's fields.
            let n = lines.count
            var line = ProposalInput.Line()
            if reader.text("form") == "free" {
                line.description = reader.optional("description")
                line.quantity = reader.decimal("quantity", "Quantity", field: "lines[\(n)].quantity") ?? DecimalString(1)
                line.unit = reader.choice("unit", "Unit", LineUnit.self)
                line.unitPrice = reader.money("unitPrice", "Unit price", field: "lines[\(n)].unitPrice")
                line.kind = reader.choice("kind", "Kind", LineKind.self)
                line.recurrence = Recurrence.read(&reader, field: "lines[\(n)].recurrence")
                lines.append(line)
                return
            }
            line.typicalProjectId = reader.id("typicalProjectId", "Typical project", field: "lines[\(n)].typicalProjectId")
            line.quantity = reader.decimal("quantity", "Quantity", field: "lines[\(n)].quantity") ?? DecimalString(1)
            if line.typicalProjectId == nil, reader.text("typicalProjectId")?.trimmed.isEmpty ?? true {
                reader.problems.add("lines[\(n)].typicalProjectId", "Choose a typical project from the catalog")
            }
            lines.append(line)
        }
    }

    @Sendable func proposalLineRemove(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await proposalLines(request, context, adding: false) { reader, lines in
            guard let index = Int(reader.text("index") ?? ""), lines.indices.contains(index) else {
                reader.problems.add("index", "That line is no longer on the proposal; reload the page.")
                return
            }
            lines.remove(at: index)
        }
    }

    func proposalPage(_ caller: Caller, _ token: String, id: Int64, forms: ProposalPage.Forms,
                      status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let body = try await services.pool.withConnection({
            try await ProposalPage.build($0, id: id, caller: caller, services: services, forms: forms)
        }) else { return notFound() }
        return renderer.page("proposal", Page(frame: frame(caller, sessionToken: token, title: "Proposal v\(body.proposal.number)", area: "pipeline"),
                                              body: body), status: status)
    }

    /// A change to a draft's lines: `edit` reads the form into the lines as saved; the
    /// result goes through `ProposalActions.change`, with the version the page was drawn
    /// from, so two people editing one draft never overwrite each other unseen.
    private func proposalLines(
        _ request: Request, _ context: BatonRequestContext, adding: Bool,
        edit: (inout FormReader, inout [ProposalInput.Line]) -> Void
    ) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            let actions = ProposalActions(services: services)
            let version = Int(form["version"] ?? "")
            var reader = FormReader(form)
            do {
                let saved = try await services.pool.withConnection { db in
                    try await services.proposals.find(db, id: id, visibleTo: caller, today: ProposalActions.today)
                }
                guard let saved else { return notFound() }
                var lines = saved.lines.map {
                    ProposalInput.Line(typicalProjectId: $0.typicalProjectId, description: $0.description, quantity: $0.quantity,
                                       unit: $0.unit, unitPrice: $0.unitPrice, discountPercent: $0.discountPercent, kind: $0.kind,
                                       recurrence: $0.recurrence)
                }
                edit(&reader, &lines)
                var input = ProposalInput()
                input.lines = lines
                let change = input
                _ = try await formTransaction(reader) { db in
                    try await actions.change(db, caller: caller, id: id, expected: version, input: change, keys: ["lines"])
                }
            } catch let error as APIError where error.status == .preconditionFailed {
                let message = "Someone changed this proposal since you opened it, so nothing was saved. Below is their version; make your change again."
                return try await proposalPage(caller, token, id: id, forms: .init(message: message), status: .conflict)
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                var forms = ProposalPage.Forms(lines: FormState("lines", typed: form, failure: failure), adding: adding)
                forms.addingFree = adding && form["form"] == "free"
                return try await proposalPage(caller, token, id: id, forms: forms, status: failure.status)
            }
            return WebSession.redirect(Site.proposal(id))
        }
    }
}
