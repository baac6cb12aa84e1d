import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// The project manager's API after the handoff: staffing, assignments, phases,
/// the checklist, the client's link; and each person's assignments.
struct DeliveryRoutes {
    let services: AppServices
    var delivery: DeliveryStore { services.delivery }

    struct AssignmentInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case userId, role, start, end, hoursPerWeek, location, status, allowOverbook }
        var userId: Int64?
        var role: String?
        var start: CalendarDate?
        var end: CalendarDate?
        var hoursPerWeek: DecimalString?
        var location: String?
        var status: String?
        var allowOverbook: Bool?
    }

    struct CompleteInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case completedOn }
        var completedOn: CalendarDate?
    }

    struct CheckInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case checked }
        var checked: Bool
    }

    struct MoveInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case start, shiftFollowing }
        var start: CalendarDate
        var shiftFollowing: Bool?
    }

    struct LinkInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case expiresOn }
        var expiresOn: CalendarDate?
    }

    static var today: CalendarDate { Timestamp.now.calendarDate }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("projects/:id/staffing-suggestions") { request, context in
            let (caller, project) = try await visibleProject(request, context)
            // The ranking names people across the firm with their free hours: for those who staff the project only.
            let needs = try await services.pool.withConnection { db in
                try await requireManager(db, caller, project)
                return try await services.staffing.suggestions(db, projectID: project.id, accountID: project.accountId)
            }
            return try APIResponse.json(["needs": needs]).response
        }
        api.get("projects/:id/assignments") { request, context in
            let (_, project) = try await visibleProject(request, context)
            let list = try await services.pool.withConnection { try await delivery.assignments($0, projectID: project.id) }
            return try APIResponse.json(Page(fetched: list, limit: list.count) { [String($0.id)] }).response
        }
        api.post("projects/:id/assignments") { request, context in try await assign(request, context).response }
        api.patch("projects/:id/assignments/:assignmentId") { request, context in try await reassign(request, context).response }
        api.delete("projects/:id/assignments/:assignmentId") { request, context in
            let (caller, project) = try await visibleProject(request, context)
            let id = try request.id(context, "assignmentId")
            let expected = try ETag.expectedVersion(request)
            try await services.pool.withTransaction { db in
                try await requireManager(db, caller, project)
                guard let a = try await delivery.assignment(db, projectID: project.id, id: id, forUpdate: true) else {
                    throw APIError.notFound("assignment")
                }
                if let expected, expected != a.version { throw APIError.preconditionFailed(current: a.version) }
                try await delivery.deleteAssignment(db, a, by: caller.id)
            }
            return Response(status: .noContent)
        }
        api.post("projects/:id/phases/:phaseId/:action") { request, context in try await phaseAction(request, context).response }
        api.patch("projects/:id/phases/:phaseId") { request, context in
            let (caller, project) = try await visibleProject(request, context)
            let phaseID = try request.id(context, "phaseId")
            let (input, _) = try await JSON.decode(MoveInput.self, from: request)
            let updated = try await services.pool.withTransaction { db in
                try await requireManager(db, caller, project)
                let phases = try await delivery.phaseStates(db, projectID: project.id)
                guard phases.contains(where: { $0.id == phaseID }) else { throw APIError.notFound("phase") }
                let moves = ProjectProgress.redate(phases: phases, moving: phaseID, newStart: input.start,
                                                   shiftFollowing: input.shiftFollowing ?? false)
                guard moves.allSatisfy({ $0.start.year >= 1900 && $0.due.year <= 9000 }) else {
                    throw ValidationFailure("start", "Phases must stay between the years 1900 and 9000")
                }
                try await delivery.redate(db, projectID: project.id, moves: moves, by: caller.id)
                return try await services.projects.findAny(db, id: project.id)
            }
            return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
        }
        api.put("projects/:id/checklist/:itemId") { request, context in
            let (caller, project) = try await visibleProject(request, context)
            let itemID = try request.id(context, "itemId")
            let (input, _) = try await JSON.decode(CheckInput.self, from: request)
            let updated = try await services.pool.withTransaction { db in
                try await requireManager(db, caller, project)
                guard try await delivery.setChecked(db, projectID: project.id, itemID: itemID, checked: input.checked, by: caller.id) else {
                    throw APIError.notFound("checklist item")
                }
                return try await services.projects.findAny(db, id: project.id)
            }
            return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
        }
        api.post("projects/:id/status-link") { request, context in
            let (caller, project) = try await visibleProject(request, context)
            let body = try await JSON.body(of: request)
            let input = body.isEmpty ? LinkInput() : try JSON.decode(LinkInput.self, from: body).0
            let link = try await services.pool.withTransaction { db in
                try await createExpiringStatusLink(db, caller: caller, project: project, expiresOn: input.expiresOn)
            }
            struct Link: Encodable { var url: String; var expiresOn: CalendarDate }
            return try APIResponse.json(Link(url: "/status/\(link.token)", expiresOn: link.expiresOn), status: .created).response
        }
        api.delete("projects/:id/status-link") { request, context in
            let (caller, project) = try await visibleProject(request, context)
            try await services.pool.withTransaction { db in
                _ = try await revokeStatusLinks(db, caller: caller, project: project)
            }
            return Response(status: .noContent)
        }
        api.get("users/:id/assignments") { request, context in
            let caller = try context.requireCaller()
            let userID = try request.id(context)
            let q = QueryParameters(request)
            let from = try q.date("from")
            let to = try q.date("to")
            let list = try await services.pool.withConnection { db in
                if caller.id != userID, try await services.users.find(db, id: userID, visibleTo: caller) == nil {
                    throw APIError.notFound("person")
                }
                return try await delivery.assignments(db, userID: userID, from: from, to: to)
            }
            return try APIResponse.json(Page(fetched: list, limit: list.count) { [String($0.assignmentId)] }).response
        }
    }

    /// A new client status link (its token, shown once), inside the caller's
    /// transaction: what both the API and the project page do.
    func createStatusLink(_ db: Connection, caller: Caller, project: ProjectRecord, expiresOn: CalendarDate?) async throws -> String {
        try await createExpiringStatusLink(db, caller: caller, project: project, expiresOn: expiresOn).token
    }

    /// As `createStatusLink`, also saying when the link stops working. A link
    /// with no date gets `STATUS_LINK_DAYS`; none lives past `STATUS_LINK_MAX_DAYS`,
    /// so a forgotten link (forwarded, in an old mailbox) does not open the
    /// project's status for ever.
    func createExpiringStatusLink(
        _ db: Connection, caller: Caller, project: ProjectRecord, expiresOn: CalendarDate?
    ) async throws -> (token: String, expiresOn: CalendarDate) {
        let today = Self.today
        let latest = today.adding(days: services.configuration.statusLinkMaxDays)
        if let expires = expiresOn, expires < today {
            throw ValidationFailure("expiresOn", "Expires on cannot be in the past")
        }
        if let expires = expiresOn, expires > latest {
            throw ValidationFailure("expiresOn", "Expires on can be at most \(services.configuration.statusLinkMaxDays) days ahead (\(latest))")
        }
        let expires = expiresOn ?? today.adding(days: services.configuration.statusLinkDays)
        try await requireManager(db, caller, project)
        let token = try await delivery.createStatusLink(db, projectID: project.id, expiresOn: expires, by: caller.id)
        return (token, expires)
    }

    /// Revokes every live status link of the project; how many there were.
    func revokeStatusLinks(_ db: Connection, caller: Caller, project: ProjectRecord) async throws -> Int {
        try await requireManager(db, caller, project)
        return try await delivery.revokeStatusLinks(db, projectID: project.id, by: caller.id)
    }

    private func visibleProject(_ request: Request, _ context: BatonRequestContext) async throws -> (Caller, ProjectRecord) {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        guard let project = try await services.pool.withConnection({ try await services.projects.find($0, id: id, visibleTo: caller) }) else {
            throw APIError.notFound("project")
        }
        return (caller, project)
    }

    private func requireManager(_ db: Connection, _ caller: Caller, _ project: ProjectRecord) async throws {
        guard try await delivery.canManage(db, caller: caller, projectManagerID: project.projectManagerId) else {
            throw APIError.forbidden("Only the project's manager, a manager above them, or an admin may do this.")
        }
    }

    /// Books a person, refusing a week past their capacity unless `allowOverbook`.
    private func book(
        _ db: Connection, _ f: AssignmentFields, allowOverbook: Bool, except assignmentID: Int64?
    ) async throws -> Bool {
        guard let capacity = try await delivery.capacity(db, userID: f.userID) else {
            throw ValidationFailure("userId", "Person must be an active person")
        }
        let existing = try await delivery.bookings(db, userID: f.userID, except: assignmentID)
        let over = Overbooking.overbookedWeeks(capacity: capacity, existing: existing, adding: f.booking)
        if !over.isEmpty && !allowOverbook {
            let weeks = over.map { "the week of \($0.weekStart) (\($0.hours) h against \($0.capacity) h)" }.joined(separator: ", ")
            throw APIError(.conflict, code: "overbooked", title: "Past capacity",
                           detail: "This would book the person past their capacity in \(weeks). Shorten it, or send allowOverbook: true to book anyway.",
                           errors: [FieldError("hoursPerWeek", "Over capacity in \(over.count) week(s)")])
        }
        return !over.isEmpty
    }

    func assign(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let (caller, project) = try await visibleProject(request, context)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(AssignmentInput.self, from: body)
        var v = Validator()
        for (present, field) in [(input.userId != nil, "userId"), (input.role != nil, "role"), (input.start != nil, "start"),
                                 (input.end != nil, "end"), (input.hoursPerWeek != nil, "hoursPerWeek")] {
            v.check(present, field, "\(field) is required")
        }
        try v.throwIfInvalid()
        guard let userID = input.userId, let role = input.role, let start = input.start, let end = input.end,
            let hours = input.hoursPerWeek
        else { throw APIError.validation([FieldError("body", "userId, role, start, end and hoursPerWeek are required")]) }
        let fields = AssignmentFields(
            userID: userID, role: role.trimmed, start: start, end: end,
            hoursPerWeek: hours.value, location: input.location?.trimmed.nilIfEmpty, status: input.status ?? "proposed")
        fields.check(into: &v)
        try v.throwIfInvalid()
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                try await requireManager(db, caller, project)
                // One booking at a time per person: two at once could each fit and together overbook.
                try await db.query("SELECT id FROM users WHERE id = \(fields.userID) FOR UPDATE")
                let overbooked = try await book(db, fields, allowOverbook: input.allowOverbook ?? false, except: nil)
                let created = try await delivery.createAssignment(db, projectID: project.id, fields, overbooked: overbooked, by: caller.id)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/projects/\(project.id)/assignments/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }
    }

    func reassign(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let (caller, project) = try await visibleProject(request, context)
        let id = try request.id(context, "assignmentId")
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(AssignmentInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await requireManager(db, caller, project)
            guard let before = try await delivery.assignment(db, projectID: project.id, id: id, forUpdate: true) else {
                throw APIError.notFound("assignment")
            }
            if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
            var f = AssignmentFields(userID: before.userId, role: before.role, start: before.start, end: before.end,
                                     hoursPerWeek: before.hoursPerWeek.value, location: before.location, status: before.status)
            var v = Validator()
            if keys.contains("userId") { if let u = input.userId { f.userID = u } else { v.add("userId", "Person must not be null") } }
            if keys.contains("role") { if let r = input.role { f.role = r.trimmed } else { v.add("role", "Role must not be null") } }
            if keys.contains("start") { if let s = input.start { f.start = s } else { v.add("start", "Start must not be null") } }
            if keys.contains("end") { if let e = input.end { f.end = e } else { v.add("end", "End must not be null") } }
            if keys.contains("hoursPerWeek") {
                if let h = input.hoursPerWeek { f.hoursPerWeek = h.value } else { v.add("hoursPerWeek", "Hours per week must not be null") }
            }
            if keys.contains("location") { f.location = input.location?.trimmed.nilIfEmpty }
            if keys.contains("status") { if let s = input.status { f.status = s } else { v.add("status", "Status must not be null") } }
            f.check(into: &v)
            try v.throwIfInvalid()
            try await db.query("SELECT id FROM users WHERE id = \(f.userID) FOR UPDATE")
            let overbooked = try await book(db, f, allowOverbook: input.allowOverbook ?? false, except: before.id)
            return try await delivery.updateAssignment(db, before: before, f, overbooked: overbooked, by: caller.id)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }

    func phaseAction(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let (caller, project) = try await visibleProject(request, context)
        let phaseID = try request.id(context, "phaseId")
        let action = context.parameters.get("action") ?? ""
        guard action == "complete" || action == "reopen" else { throw APIError.notFound("phase action (complete or reopen)") }
        let body = try await JSON.body(of: request)
        let input = body.isEmpty ? CompleteInput() : try JSON.decode(CompleteInput.self, from: body).0
        let today = Self.today
        let updated = try await services.pool.withTransaction { db in
            try await requireManager(db, caller, project)
            // Completions of one project are judged one at a time.
            try await db.query("SELECT id FROM projects WHERE id = \(project.id) FOR UPDATE")
            let phases = try await delivery.phaseStates(db, projectID: project.id)
            guard let phase = phases.first(where: { $0.id == phaseID }) else { throw APIError.notFound("phase") }
            do {
                if action == "complete" {
                    let outcome = try ProjectProgress.complete(
                        phase: phase, in: phases, checklist: try await delivery.checklistStates(db, projectID: project.id),
                        on: input.completedOn ?? today, today: today)
                    try await delivery.completePhase(db, projectID: project.id, phaseID: phaseID, on: outcome.phaseCompletedOn,
                                                     projectCompletes: outcome.projectCompletes, by: caller.id)
                } else {
                    try ProjectProgress.reopen(phase: phase)
                    try await delivery.reopenPhase(db, projectID: project.id, phase: phase, by: caller.id)
                }
            } catch let refusal as CompletionRefusal {
                switch refusal {
                case .future: throw APIError.validation([FieldError("completedOn", refusal.message)])
                default: throw APIError.conflict(refusal.message, code: "phase-\(action)")
                }
            }
            return try await services.projects.findAny(db, id: project.id)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }
}
