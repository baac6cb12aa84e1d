import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

extension WebRoutes {

    @Sendable func showProject(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let page = try await projectPage(caller, token, id: try request.id(context), forms: .init(message: Flash.message(request)))
        return Flash.shown(page, for: request)
    }

    @Sendable func myWeek(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let today = Timestamp.now.calendarDate
        let monday = today.adding(days: 1 - today.isoWeekday)
        let (items, calendarToken) = try await services.pool.withConnection { db in
            (try await services.delivery.assignments(db, userID: caller.id, from: monday, to: monday.adding(days: 6)),
             try await services.users.calendarToken(db, userID: caller.id))
        }
        // The week's working hours, time off and collisions (People/TimeOffPages.swift).
        let hours = try await services.pool.withConnection { try await MyWeekHours.build($0, userID: caller.id, monday: monday) }
        struct Body {
            var from: String; var to: String; var items: [DeliveryStore.MyAssignment]; var empty: Bool; var calendarUrl: String
            var hours: MyWeekHours
        }
        return renderer.page("my-week", Page(frame: frame(caller, sessionToken: token, title: "My week", area: "week"),
                                             body: Body(from: Formatting.date(monday), to: Formatting.date(monday.adding(days: 6)), items: items,
                                                        empty: items.isEmpty, calendarUrl: "/calendar/\(calendarToken).ics", hours: hours)))
    }

    func projectPage(_ caller: Caller, _ token: String, id: Int64, forms: ProjectPage.Forms = .init(),
                     status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let body = try await services.pool.withConnection({
            try await ProjectPage.build($0, id: id, caller: caller, services: services, forms: forms)?.withTasks($0, caller: caller)
        }) else { return notFound() }
        return renderer.page("project", Page(frame: frame(caller, sessionToken: token, title: body.project.name, area: "projects"), body: body),
                             status: status)
    }

    /// `projects/:id/assign`, `…/change-assignment`, `…/remove-assignment`, `…/status-link`, `…/status-link-revoke`.
    @Sendable func projectAction(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        switch context.parameters.get("action") {
        case "assign": return try await assignForm(request, context)
        case "change-assignment": return try await changeAssignmentForm(request, context, remove: false)
        case "remove-assignment": return try await changeAssignmentForm(request, context, remove: true)
        case "status-link": return try await statusLinkForm(request, context, revoke: false)
        case "status-link-revoke": return try await statusLinkForm(request, context, revoke: true)
        default: return notFound()
        }
    }

    /// Assigning a suggested person: the API's assignment, with its choice to allow an
    /// overbooking.
    func assignForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var reader = FormReader(form)
            var input = AssignmentInput()
            input.userId = reader.id("userId", "Person")
            input.role = reader.text("role")
            input.start = reader.date("start", "Start")
            input.end = reader.date("end", "End")
            input.hoursPerWeek = reader.decimal("hoursPerWeek", "Hours a week")
            input.location = reader.optional("location")
            input.phaseId = reader.id("phaseId", "Phase")
            input.skill = reader.optional("skill")
            input.allowOverbook = form["allowOverbook"] == "true"
            let typed = input
            do {
                _ = try await formTransaction(reader) { db in
                    try await DeliveryActions(services: services).assign(db, caller: caller, projectID: id, input: typed)
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await projectPage(caller, token, id: id, forms: .init(assigning: FormState("assign", typed: form, failure: failure)),
                                             status: failure.status)
            }
            return WebSession.redirect(Site.project(id))
        }
    }

    /// Changing one assignment (hours per day, dates, person) or removing it: the API's
    /// PATCH and DELETE, with the version the page was drawn from as their If-Match.
    func changeAssignmentForm(_ request: Request, _ context: BatonRequestContext, remove: Bool) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var reader = FormReader(form)
            let assignmentID = reader.id("assignmentId", "Assignment") ?? 0
            let version = form["version"].flatMap { Int($0) }
            var input = AssignmentInput()
            var keys: Set<String> = []
            if !remove {
                input.userId = reader.id("userId", "Person")
                input.start = reader.date("start", "Start")
                input.end = reader.date("end", "End")
                input.hoursPerDay = reader.decimal("hoursPerDay", "Hours a day")
                input.allowOverbook = form["allowOverbook"] == "true"
                keys = ["userId", "start", "end", "hoursPerDay"]
            }
            let typed = input
            let actions = DeliveryActions(services: services)
            do {
                _ = try await formTransaction(reader) { db -> Int in
                    if remove {
                        try await actions.unassign(db, caller: caller, projectID: id, id: assignmentID, expected: version)
                    } else {
                        _ = try await actions.reassign(db, caller: caller, projectID: id, id: assignmentID, expected: version,
                                                       input: typed, keys: keys)
                    }
                    return 0
                }
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await projectPage(caller, token, id: id,
                                             forms: .init(changing: (assignmentID, FormState("change", typed: form, failure: failure))),
                                             status: failure.status)
            }
            return WebSession.redirect(Site.project(id) + "#team")
        }
    }

    /// Completing or reopening a phase (today).
    @Sendable func phaseForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, _ in
            let id = try request.id(context)
            let phaseID = try request.id(context, "phaseId")
            let actions = DeliveryActions(services: services)
            let action = context.parameters.get("action")
            guard action == "complete" || action == "reopen" else { return notFound() }
            return try await projectChange(caller, token, id: id) { db in
                if action == "complete" {
                    _ = try await actions.completePhase(db, caller: caller, projectID: id, phaseID: phaseID, completedOn: nil)
                } else {
                    _ = try await actions.reopenPhase(db, caller: caller, projectID: id, phaseID: phaseID)
                }
            }
        }
    }

    /// Checking or unchecking an item of the completion checklist.
    @Sendable func checklistForm(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            let itemID = try request.id(context, "itemId")
            return try await projectChange(caller, token, id: id) { db in
                _ = try await DeliveryActions(services: services).setChecked(db, caller: caller, projectID: id, itemID: itemID,
                                                                             checked: form["checked"] == "true")
            }
        }
    }

    /// A change with no fields of its own: done, back to the project; refused, the
    /// project again with the API's status and message.
    private func projectChange(_ caller: Caller, _ token: String, id: Int64, _ change: (Connection) async throws -> Void) async throws -> Response {
        do {
            try await services.pool.withTransaction { db in try await change(db) }
        } catch {
            guard let failure = FormFailure(error) else { throw error }
            let message = (failure.messages + failure.errors.sorted { $0.key < $1.key }.map(\.value)).joined(separator: " ")
            return try await projectPage(caller, token, id: id, forms: .init(message: message), status: failure.status)
        }
        return WebSession.redirect(Site.project(id))
    }

    /// The client's status link: a new one (its address shown once, on the page this
    /// post returns, never in a redirect), or every live one revoked.
    func statusLinkForm(_ request: Request, _ context: BatonRequestContext, revoke: Bool) async throws -> Response {
        try await postedForm(request, context) { caller, token, form in
            let id = try request.id(context)
            var reader = FormReader(form)
            let expiresOn = revoke ? nil : reader.date("expiresOn", "Expires on")
            let actions = DeliveryActions(services: services)
            do {
                let created: String? = try await formTransaction(reader) { db in
                    if revoke {
                        _ = try await actions.revokeStatusLinks(db, caller: caller, projectID: id)
                        return nil
                    }
                    return try await actions.createStatusLink(db, caller: caller, projectID: id, expiresOn: expiresOn).token
                }
                guard let created else { return WebSession.redirect(Site.project(id) + "#client-link") }
                let scheme = services.configuration.cookieSecure ? "https" : "http"
                let host = request.head.authority ?? "\(services.configuration.host):\(services.configuration.port)"
                return try await projectPage(caller, token, id: id, forms: .init(link: .init(newURL: "\(scheme)://\(host)/status/\(created)")),
                                             status: .created)
            } catch {
                guard let failure = FormFailure(error) else { throw error }
                return try await projectPage(caller, token, id: id, forms: .init(link: .init(form: FormState("link", typed: form, failure: failure))),
                                             status: failure.status)
            }
        }
    }
}
