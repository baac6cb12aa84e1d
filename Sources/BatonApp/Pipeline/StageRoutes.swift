import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/pipeline-stages`: the stages opportunities move through, configured by admins.
/// Each handler decodes, calls `StageActions`, and encodes.
struct StageRoutes {
    let services: AppServices
    var store: StageStore { services.stages }
    var actions: StageActions { StageActions(services: services) }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let stages = try await services.pool.withConnection { try await store.all($0) }
        return try APIResponse.json(Page(fetched: stages, limit: stages.count) { [$0.key] }).response
    }

    /// One stage with its ETag, which a change or a removal needs in If-Match.
    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let key = context.parameters.get("key") ?? ""
        guard let stage = try await services.pool.withConnection({ try await store.find($0, key: key) }) else {
            throw APIError.notFound("pipeline stage")
        }
        return try APIResponse.json(stage, headers: ETag.headers(stage.version)).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let (input, _) = try await JSON.decode(StageInput.self, from: request)
        let created = try await services.pool.withTransaction { db in try await actions.create(db, caller: caller, input: input) }
        var headers = ETag.headers(created.version)
        headers[.location] = "/api/v1/pipeline-stages/\(created.key)"
        return try APIResponse.json(created, status: .created, headers: headers).response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let key = context.parameters.get("key") ?? ""
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(StageInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.change(db, caller: caller, key: key, expected: expected, input: input, keys: keys)
        }
        return try APIResponse.json(updated, headers: ETag.headers(updated.version)).response
    }

    @Sendable func delete(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let key = context.parameters.get("key") ?? ""
        let expected = try ETag.expectedVersion(request)
        try await services.pool.withTransaction { db in try await actions.delete(db, caller: caller, key: key, expected: expected) }
        return Response(status: .noContent)
    }
}
