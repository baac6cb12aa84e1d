import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/activities`: calls, meetings, emails, notes and tasks; the rules are in `ActivityActions`.
struct ActivityRoutes {
    let services: AppServices
    var store: ActivityStore { services.activities }
    var actions: ActivityActions { ActivityActions(services: services) }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("activities", use: list)
        api.post("activities", use: create)
        api.get("activities/:id", use: show)
        api.patch("activities/:id", use: update)
        api.delete("activities/:id", use: archive)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let page = try PageRequest(request)
        let q = QueryParameters(request)
        let filter = ActivityStore.Filter(
            accountID: try q.id("accountId"), opportunityID: try q.id("opportunityId"), projectID: try q.id("projectId"),
            ownerID: try q.id("ownerId"), open: try q.bool("open") ?? false)
        return try APIResponse.json(try await services.pool.withConnection {
            try await store.list($0, visibleTo: caller, filter: filter, page: page)
        }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        guard let activity = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
            throw APIError.notFound("activity")
        }
        return try APIResponse.json(activity, headers: ETag.headers(activity.version)).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(ActivityInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let activity = try await actions.create(db, caller: caller, input: input)
                var headers = ETag.headers(activity.version)
                headers[.location] = "/api/v1/activities/\(activity.id)"
                return try .json(activity, status: .created, headers: headers)
            }
        }.response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(ActivityInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
        return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
    }

    @Sendable func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        try await services.pool.withTransaction { db in try await actions.archive(db, caller: caller, id: id, expected: expected) }
        return Response(status: .noContent)
    }
}
