import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// The project manager's API after the handoff: staffing, assignments, phases,
/// the checklist, the client's link; and each person's assignments. Each handler
/// decodes, calls `DeliveryActions` (where the rules are) or a store, and encodes.
struct DeliveryRoutes {
    let services: AppServices
    var delivery: DeliveryStore { services.delivery }
    var actions: DeliveryActions { DeliveryActions(services: services) }

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


    /// The caller and the project in the path: where every handler here starts.
    static func callerAndProject(_ request: Request, _ context: BatonRequestContext) throws -> (Caller, Int64) {
        (try context.requireCaller(), try request.id(context))
    }

    /// A project or an assignment, with its version as its ETag.
    static func tagged(_ record: some Encodable, version: Int) throws -> Response {
        try APIResponse.json(record, headers: ETag.headers(version)).response
    }

    @Sendable func staffingSuggestions(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        // The ranking names people across the firm with their free hours: for those who staff the project only.
        let needs = try await services.pool.withConnection { db in
            let project = try await actions.managed(db, caller: caller, projectID: id)
            return try await services.staffing.suggestions(db, projectID: project.id, accountID: project.accountId)
        }
        return try APIResponse.json(["needs": needs]).response
    }

    @Sendable func assignments(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let list = try await services.pool.withConnection { db in
            guard try await services.projects.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("project") }
            return try await delivery.assignments(db, projectID: id)
        }
        return try APIResponse.json(Page(fetched: list, limit: list.count) { [String($0.id)] }).response
    }

    /// One assignment with the ETag its change or removal needs, for whoever sees the project.
    @Sendable func assignment(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let assignmentID = try request.id(context, "assignmentId")
        let found = try await services.pool.withConnection { db in
            guard try await services.projects.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("project") }
            guard let found = try await delivery.assignment(db, projectID: id, id: assignmentID) else {
                throw APIError.notFound("assignment")
            }
            return found
        }
        return try Self.tagged(found, version: found.version)
    }

    @Sendable func assign(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(AssignmentInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await actions.assign(db, caller: caller, projectID: id, input: input)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/projects/\(id)/assignments/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }.response
    }

    @Sendable func reassign(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let assignmentID = try request.id(context, "assignmentId")
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(AssignmentInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.reassign(db, caller: caller, projectID: id, id: assignmentID, expected: expected, input: input, keys: keys)
        }
        return try Self.tagged(updated, version: updated.version)
    }

    @Sendable func unassign(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let assignmentID = try request.id(context, "assignmentId")
        let expected = try ETag.expectedVersion(request)
        try await services.pool.withTransaction { db in
            try await actions.unassign(db, caller: caller, projectID: id, id: assignmentID, expected: expected)
        }
        return Response(status: .noContent)
    }

    @Sendable func phaseAction(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let phaseID = try request.id(context, "phaseId")
        let action = context.parameters.get("action") ?? ""
        guard action == "complete" || action == "reopen" else { throw APIError.notFound("phase action (complete or reopen)") }
        let body = try await JSON.body(of: request)
        let input = body.isEmpty ? CompleteInput() : try JSON.decode(CompleteInput.self, from: body).0
        let updated = try await services.pool.withTransaction { db in
            action == "complete"
                ? try await actions.completePhase(db, caller: caller, projectID: id, phaseID: phaseID, completedOn: input.completedOn)
                : try await actions.reopenPhase(db, caller: caller, projectID: id, phaseID: phaseID)
        }
        return try Self.tagged(updated, version: updated.version)
    }

    /// `POST …/hold` and `…/resume`: no body; the project with its new status and ETag.
    /// `PATCH /projects/{id}`: the header's name, manager or start, at the version read.
    @Sendable func change(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(ProjectDetailsInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.changeDetails(db, caller: caller, projectID: id, expected: expected, input: input, keys: keys)
        }
        return try Self.tagged(updated, version: updated.version)
    }

    @Sendable func hold(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await setStatus(request, context, action: actions.hold)
    }

    @Sendable func resume(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await setStatus(request, context, action: actions.resume)
    }

    private func setStatus(
        _ request: Request, _ context: BatonRequestContext, action: @Sendable (Connection, Caller, Int64) async throws -> ProjectRecord
    ) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let updated = try await services.pool.withTransaction { try await action($0, caller, id) }
        return try Self.tagged(updated, version: updated.version)
    }

    @Sendable func movePhase(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await changePart(request, context, "phaseId", MoveInput.self) { db, caller, id, phaseID, input in
            try await actions.movePhase(db, caller: caller, projectID: id, phaseID: phaseID, start: input.start,
                                        shiftFollowing: input.shiftFollowing ?? false)
        }
    }

    @Sendable func check(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await changePart(request, context, "itemId", CheckInput.self) { db, caller, id, itemID, input in
            try await actions.setChecked(db, caller: caller, projectID: id, itemID: itemID, checked: input.checked)
        }
    }

    /// A change to one part of the project in the path (the path's `part`: a phase, a
    /// checklist item) with the body sent, in one transaction; answers the project.
    private func changePart<Input: StrictDecodable>(
        _ request: Request, _ context: BatonRequestContext, _ part: String, _ input: Input.Type,
        _ change: (Connection, Caller, Int64, Int64, Input) async throws -> ProjectRecord
    ) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let partID = try request.id(context, part)
        let (sent, _) = try await JSON.decode(Input.self, from: request)
        let project = try await services.pool.withTransaction { try await change($0, caller, id, partID, sent) }
        return try Self.tagged(project, version: project.version)
    }

    @Sendable func createStatusLink(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        let body = try await JSON.body(of: request)
        let input = body.isEmpty ? LinkInput() : try JSON.decode(LinkInput.self, from: body).0
        let link = try await services.pool.withTransaction { db in
            try await actions.createStatusLink(db, caller: caller, projectID: id, expiresOn: input.expiresOn)
        }
        struct Link: Encodable { var url: String; var expiresOn: CalendarDate }
        return try APIResponse.json(Link(url: "/status/\(link.token)", expiresOn: link.expiresOn), status: .created).response
    }

    @Sendable func revokeStatusLinks(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let (caller, id) = try Self.callerAndProject(request, context)
        _ = try await services.pool.withTransaction { try await actions.revokeStatusLinks($0, caller: caller, projectID: id) }
        return Response(status: .noContent)
    }

    @Sendable func personsAssignments(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
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
