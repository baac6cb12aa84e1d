import BatonCore
import Foundation
import Hummingbird
import Postgres

/// `/settings`: the firm's settings, read by everyone signed in, changed by admins.
struct FirmSettingsRoutes {
    let services: AppServices
    var actions: FirmSettingsActions { FirmSettingsActions(services: services) }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let record = try await services.pool.withConnection { try await FirmSettingsStore().record($0) }
        return try APIResponse.json(record, headers: ETag.headers(record.version)).response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        // Who may is judged before the body is read, so a refused caller hears 403 whatever they sent.
        try Scope.requireAdmin(caller)
        let (expected, (input, keys)) = (try ETag.expectedVersion(request), try await JSON.decode(FirmSettingsInput.self, from: request))
        let record = try await services.pool.withTransaction { try await actions.change($0, caller: caller, expected: expected, input: input, keys: keys) }
        return try APIResponse.json(record, headers: ETag.headers(record.version)).response
    }
}
