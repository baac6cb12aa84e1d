import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/opportunities`: the deals being worked, moved through the stages. Each handler
/// decodes, calls the area's action or store, and encodes; the rules are in
/// `OpportunityActions`.
struct OpportunityRoutes {
    let services: AppServices
    var store: OpportunityStore { services.opportunities }
    var actions: OpportunityActions { OpportunityActions(services: services) }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("opportunities", use: list)
        api.post("opportunities", use: create)
        api.get("opportunities/:id", use: show)
        api.get("opportunities/:id/history", use: history)
        api.patch("opportunities/:id", use: update)
        api.delete("opportunities/:id", use: archive)
        api.post("opportunities/:id/restore", use: restore)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let page = try PageRequest(request)
        let q = QueryParameters(request)
        let filter = OpportunityStore.Filter(
            accountID: try q.id("accountId"), ownerID: try q.id("ownerId"), stage: q.string("stage"),
            closingFrom: try q.date("closingFrom"), closingTo: try q.date("closingTo"), text: q.string("q"),
            includeArchived: try q.bool("includeArchived") ?? false)
        return try APIResponse.json(try await services.pool.withConnection {
            try await store.list($0, visibleTo: caller, filter: filter, page: page)
        }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        guard let o = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
            throw APIError.notFound("opportunity")
        }
        return try APIResponse.json(o, headers: ETag.headers(o.version)).response
    }

    @Sendable func history(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let history = try await services.pool.withConnection { db in
            guard try await store.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("opportunity") }
            return try await store.history(db, opportunityID: id)
        }
        return try APIResponse.json(Page(fetched: history, limit: history.count) { [String($0.id)] }).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(OpportunityInput.self, from: body)
        // Before the idempotency record is looked up: a body missing what every deal needs is refused as sent.
        try OpportunityActions.requireNewFields(input)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await actions.create(db, caller: caller, input: input)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/opportunities/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }.response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(OpportunityInput.self, from: request)
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

    @Sendable func restore(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let restored = try await services.pool.withTransaction { db in
            try await actions.restore(db, caller: caller, id: id, expected: expected)
        }
        return try APIResponse.json(restored, headers: ETag.headers(restored.version)).response
    }
}
