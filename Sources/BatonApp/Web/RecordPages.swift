import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

extension WebRoutes {
    /// The record pages and their forms: accounts, an account (details in place, a
    /// contact, an opportunity), an opportunity (a new proposal), a proposal (its lines
    /// and moves) and a project (phases, checklist, staffing, the client's link).
    ///
    /// Every form posts with its CSRF token and goes through the API's own route code
    /// (`AccountRoutes.change`, `OpportunityRoutes.create`, `ProposalRoutes.perform`…),
    /// so a page and the API take the same rules. A post that breaks them draws the
    /// page again with the status (422, 409), what was typed, and each field's message
    /// beside it; one that works redirects (303) to the page to see.
    func registerRecordPages(on pages: RouterGroup<BatonRequestContext>) {
        // MARK: Proposals
        pages.get("proposals/:id") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            return Flash.shown(try await proposalPage(caller, token, id: try request.id(context), forms: .init(message: Flash.message(request))),
                               for: request)
        }
        pages.post("proposals/:id/act") { request, context in
            try await postedForm(request, context) { caller, token, form in
                let id = try request.id(context)
                guard let action = ProposalAction(rawValue: form["action"] ?? "") else { return forbidden() }
                var reader = FormReader(form)
                let input = ProposalRoutes.ActionInput(comment: reader.optional("comment"), acceptedOn: reader.date("acceptedOn", "Accepted on"))
                let routes = ProposalRoutes(services: services)
                do {
                    _ = try await formTransaction(reader) { db in try await routes.perform(db, caller: caller, id: id, action: action, input: input) }
                } catch {
                    guard let failure = FormFailure(error) else { throw error }
                    return try await proposalPage(caller, token, id: id, forms: .init(action: action, typed: form, failure: failure), status: failure.status)
                }
                return WebSession.redirect("/proposals/\(id)")
            }
        }
        // The lines as typed (quantity, unit price, discount), saved together.
        pages.post("proposals/:id/lines") { request, context in
            try await proposalLines(request, context) { reader, lines in
                for i in lines.indices {
                    if let q = reader.decimal("quantity\(i)", "Quantity", field: "lines[\(i)].quantity") { lines[i].quantity = q }
                    if let p = reader.money("unitPrice\(i)", "Unit price", field: "lines[\(i)].unitPrice") { lines[i].unitPrice = p }
                    if let d = reader.decimal("discount\(i)", "Discount", field: "lines[\(i)].discountPercent") { lines[i].discountPercent = d }
                }
            }
        }
        // A line from the catalog: the typical project fills in its unit and price.
        pages.post("proposals/:id/lines/add") { request, context in
            try await proposalLines(request, context) { reader, lines in
                // Messages under the API's names for the new line, beside the add form's fields.
                let n = lines.count
                var line = ProposalRoutes.LineInput()
                line.typicalProjectId = reader.id("typicalProjectId", "Typical project", field: "lines[\(n)].typicalProjectId")
                line.quantity = reader.decimal("quantity", "Quantity", field: "lines[\(n)].quantity") ?? DecimalString(1)
                if line.typicalProjectId == nil, reader.text("typicalProjectId")?.trimmed.isEmpty ?? true {
                    reader.problems.add("lines[\(n)].typicalProjectId", "Choose a typical project from the catalog")
                }
                lines.append(line)
            }
        }
        pages.post("proposals/:id/lines/remove") { request, context in
            try await proposalLines(request, context) { reader, lines in
                guard let index = Int(reader.text("index") ?? ""), lines.indices.contains(index) else {
                    reader.problems.add("index", "That line is no longer on the proposal; reload the page.")
                    return
                }
                lines.remove(at: index)
            }
        }

        // MARK: Projects
        pages.get("projects/:id") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            return Flash.shown(try await projectPage(caller, token, id: try request.id(context), error: Flash.message(request)), for: request)
        }
        // The project page's forms go through the API's own handlers' rules by calling the stores the same way.
        pages.post("projects/:id/:action") { request, context in
            switch context.parameters.get("action") {
            case "status-link": return try await statusLinkForm(request, context, revoke: false)
            case "status-link-revoke": return try await statusLinkForm(request, context, revoke: true)
            default: return try await projectForm(request, context, itemID: nil)
            }
        }
        pages.post("projects/:id/phases/:phaseId/:action") { request, context in try await projectForm(request, context, itemID: nil) }
        pages.post("projects/:id/checklist/:itemId") { request, context in try await projectForm(request, context, itemID: try request.id(context, "itemId")) }
    }

    // MARK: Drawing the pages

    func notFound() -> Response {
        renderer.page("not-found", [String: String](), status: .notFound)
    }



    private func proposalPage(_ caller: Caller, _ token: String, id: Int64, forms: ProposalPage.Forms,
                              status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let body = try await services.pool.withConnection({
            try await ProposalPage.build($0, id: id, caller: caller, services: services, forms: forms)
        }) else { return notFound() }
        return renderer.page("proposal", Page(frame: frame(caller, sessionToken: token, title: "Proposal v\(body.proposal.number)", area: "pipeline"),
                                              body: body), status: status)
    }

    private func projectPage(_ caller: Caller, _ token: String, id: Int64, error: String? = nil, link: ProjectPage.Link = .init(),
                             status: HTTPResponse.Status = .ok) async throws -> Response {
        guard var body = try await services.pool.withConnection({
            try await ProjectPage.build($0, id: id, caller: caller, services: services, link: link)
        }) else { return notFound() }
        body.error = error
        return renderer.page("project", Page(frame: frame(caller, sessionToken: token, title: body.project.name, area: "projects"), body: body),
                             status: status)
    }

    // MARK: Proposal lines

    /// A change to a draft's lines: `edit` reads the form into the lines as saved; the
    /// result goes through `ProposalRoutes.change`, with the version the page was drawn
    /// from, so two people editing one draft never overwrite each other unseen.
    private func proposalLines(
        _ request: Request, _ context: BatonRequestContext,
        edit: (inout FormReader, inout [ProposalRoutes.LineInput]) -> Void
    ) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let id = try request.id(context)
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        let routes = ProposalRoutes(services: services)
        let version = Int(form["version"] ?? "")
        var reader = FormReader(form)
        do {
            let saved = try await services.pool.withConnection { db in
                try await services.proposals.find(db, id: id, visibleTo: caller, today: ProposalRoutes.today)
            }
            guard let saved else { return notFound() }
            var lines = saved.lines.map {
                ProposalRoutes.LineInput(typicalProjectId: $0.typicalProjectId, description: $0.description, quantity: $0.quantity,
                                         unit: $0.unit, unitPrice: $0.unitPrice, discountPercent: $0.discountPercent)
            }
            edit(&reader, &lines)
            var input = ProposalRoutes.Input()
            input.lines = lines
            _ = try await formTransaction(reader) { db in
                try await routes.change(db, caller: caller, id: id, expected: version, input: input, keys: ["lines"])
            }
        } catch let error as APIError where error.status == .preconditionFailed {
            let failure = FormFailure(status: .conflict, messages: [
                "Someone changed this proposal since you opened it, so nothing was saved. Below is their version; make your change again.",
            ])
            return try await proposalPage(caller, token, id: id, forms: .init(message: failure.messages[0]), status: .conflict)
        } catch {
            guard let failure = FormFailure(error) else { throw error }
            return try await proposalPage(caller, token, id: id, forms: .init(lines: FormState("lines", typed: form, failure: failure),
                                                                             adding: request.uri.path.hasSuffix("/add")),
                                          status: failure.status)
        }
        return WebSession.redirect("/proposals/\(id)")
    }

    // MARK: Project forms

    /// The client's status link: a new one (its address shown once, on the page this
    /// post returns, never in a redirect), or every live one revoked.
    private func statusLinkForm(_ request: Request, _ context: BatonRequestContext, revoke: Bool) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let id = try request.id(context)
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        var reader = FormReader(form)
        let expiresOn = revoke ? nil : reader.date("expiresOn", "Expires on")
        let routes = DeliveryRoutes(services: services)
        do {
            let created: String? = try await formTransaction(reader) { db in
                guard let project = try await services.projects.find(db, id: id, visibleTo: caller) else { throw APIError.notFound("project") }
                if revoke {
                    _ = try await routes.revokeStatusLinks(db, caller: caller, project: project)
                    return nil
                }
                return try await routes.createStatusLink(db, caller: caller, project: project, expiresOn: expiresOn)
            }
            guard let created else { return WebSession.redirect("/projects/\(id)#client-link") }
            let scheme = services.configuration.cookieSecure ? "https" : "http"
            let host = request.head.authority ?? "\(services.configuration.host):\(services.configuration.port)"
            return try await projectPage(caller, token, id: id, link: .init(newURL: "\(scheme)://\(host)/status/\(created)"), status: .created)
        } catch {
            guard let failure = FormFailure(error) else { throw error }
            return try await projectPage(caller, token, id: id, link: .init(form: FormState("link", typed: form, failure: failure)),
                                         status: failure.status)
        }
    }

    /// Completing or reopening a phase, checking an item, assigning a suggested person.
    private func projectForm(_ request: Request, _ context: BatonRequestContext, itemID: Int64?) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let id = try request.id(context)
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        let back = "/projects/\(id)"
        let today = Timestamp.now.calendarDate
        do {
            try await services.pool.withTransaction { db in
                guard let project = try await services.projects.find(db, id: id, visibleTo: caller) else { throw APIError.notFound("project") }
                guard try await services.delivery.canManage(db, caller: caller, projectManagerID: project.projectManagerId) else {
                    throw APIError.forbidden("Only the project's manager, a manager above them, or an admin may do this.")
                }
                let action = context.parameters.get("action") ?? ""
                if let itemID {
                    _ = try await services.delivery.setChecked(db, projectID: id, itemID: itemID, checked: form["checked"] == "true", by: caller.id)
                } else if let phaseID = try? request.id(context, "phaseId") {
                    try await db.query("SELECT id FROM projects WHERE id = \(id) FOR UPDATE")
                    let phases = try await services.delivery.phaseStates(db, projectID: id)
                    guard let phase = phases.first(where: { $0.id == phaseID }) else { throw APIError.notFound("phase") }
                    if action == "complete" {
                        let outcome = try ProjectProgress.complete(phase: phase, in: phases,
                            checklist: try await services.delivery.checklistStates(db, projectID: id), on: today, today: today)
                        try await services.delivery.completePhase(db, projectID: id, phaseID: phaseID, on: outcome.phaseCompletedOn,
                                                                  projectCompletes: outcome.projectCompletes, by: caller.id)
                    } else {
                        try ProjectProgress.reopen(phase: phase)
                        try await services.delivery.reopenPhase(db, projectID: id, phase: phase, by: caller.id)
                    }
                } else if action == "assign" {
                    guard let user = form["userId"].flatMap({ Int64($0) }), let start = form["start"].flatMap({ CalendarDate($0) }),
                        let end = form["end"].flatMap({ CalendarDate($0) }), let hours = form["hoursPerWeek"].flatMap({ Decimal(apiText: $0.trimmed) })
                    else { throw ValidationFailure("hoursPerWeek", "Hours a week must be a number") }
                    let fields = AssignmentFields(userID: user, role: (form["role"] ?? "consultant").trimmed, start: start, end: end,
                                                  hoursPerWeek: hours, location: form["location"]?.trimmed.nilIfEmpty, status: "proposed")
                    var v = Validator()
                    fields.check(into: &v)
                    try v.throwIfInvalid()
                    try await db.query("SELECT id FROM users WHERE id = \(user) FOR UPDATE")
                    let capacity = try await services.delivery.capacity(db, userID: user) ?? 0
                    let over = Overbooking.overbookedWeeks(capacity: capacity, existing: try await services.delivery.bookings(db, userID: user),
                                                           adding: fields.booking)
                    guard over.isEmpty else {
                        throw APIError.conflict("That would book the person past capacity in the week of \(over[0].weekStart); assign fewer hours.")
                    }
                    _ = try await services.delivery.createAssignment(db, projectID: id, fields, overbooked: false, by: caller.id)
                } else {
                    throw APIError.notFound("project action")
                }
            }
        } catch let refusal as CompletionRefusal {
            return Flash.redirect(back, message: refusal.message)
        } catch let failure as ValidationFailure {
            return Flash.redirect(back, message: failure.errors.map(\.message).joined(separator: "; "))
        } catch let error as APIError where error.status.code < 500 && error.status != .notFound && error.status != .forbidden {
            return Flash.redirect(back, message: error.detail)
        }
        return WebSession.redirect(back)
    }
}
