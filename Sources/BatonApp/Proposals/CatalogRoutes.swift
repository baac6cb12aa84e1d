import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/typical-projects`: the firm's catalog of services, managed by admins, read by
/// everyone who sells or delivers.
struct CatalogRoutes {
    let services: AppServices
    var store: CatalogStore { services.catalog }

    var actions: CatalogActions { CatalogActions(services: services) }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("typical-projects") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let page = try PageRequest(request)
            let archived = try QueryParameters(request).bool("includeArchived") ?? false
            return try APIResponse.json(try await services.pool.withConnection { try await store.list($0, page: page, includeArchived: archived) }).response
        }
        api.get("typical-projects/:id") { request, context in
            let caller = try context.requireCaller()
            try Scope.requireReader(caller)
            let id = try request.id(context)
            guard let t = try await services.pool.withConnection({ try await store.find($0, id: id) }) else {
                throw APIError.notFound("typical project")
            }
            return try APIResponse.json(t, headers: ETag.headers(t.version)).response
        }
        api.post("typical-projects", use: create)
        api.patch("typical-projects/:id", use: update)
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(TypicalProjectInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await actions.create(db, caller: caller, input: input)
                var headers = ETag.headers(created.version)
                headers[.location] = "/api/v1/typical-projects/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }.response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(TypicalProjectInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
        return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
    }
}
