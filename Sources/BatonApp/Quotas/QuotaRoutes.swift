import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/periods` and `/quotas`. Each handler decodes, calls `QuotaActions` or the
/// store, and encodes.
struct QuotaRoutes: RecordAPI {
    static let noun = "quota", collection = "quotas"
    let services: AppServices
    var store: QuotaStore { services.quotas }
    var actions: QuotaActions { QuotaActions(services: services) }

    /// Anyone signed in reads quotas; the store shows each caller their own line's.
    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> QuotaRecord? { try await store.find(db, id: id, visibleTo: caller) }

    @Sendable func periods(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let periods = try await services.pool.withConnection { try await store.periods($0) }
        return try APIResponse.json(Page(fetched: periods, limit: periods.count) { [$0.key] }).response
    }

    @Sendable func addPeriod(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let (input, _) = try await JSON.decode(PeriodInput.self, from: request)
        let period = try await services.pool.withConnection { try await actions.addPeriod($0, caller: caller, key: input.key) }
        return try APIResponse.json(period, status: .created).response
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let q = QueryParameters(request)
        let periodKey = q.string("periodKey")
        let userID = try q.id("userId")
        let quotas = try await services.pool.withConnection { try await store.list($0, visibleTo: caller, periodKey: periodKey, userID: userID) }
        return try APIResponse.json(Page(fetched: quotas, limit: quotas.count) { [String($0.id)] }).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(QuotaInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await actions.create(db, caller: caller, input: input)
                return try .json(created, status: .created, headers: ETag.headers(created.version))
            }
        }.response
    }

    @Sendable func change(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, QuotaInput.self, action: actions.change)
    }

    /// Removes the quota (quotas are not archived: a removed target is no target).
    @Sendable func delete(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context, action: actions.delete)
    }
}
