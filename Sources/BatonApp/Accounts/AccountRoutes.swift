import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/accounts`: the client companies. Each handler decodes, calls the area's action
/// or store, and encodes; the rules are in `AccountActions`.
struct AccountRoutes: RecordRoutes {
    static let collection = "accounts"
    static let noun = "account"
    let services: AppServices
    var store: AccountStore { services.accounts }
    var actions: AccountActions { AccountActions(services: services) }
    var mayCreate: @Sendable (Caller) throws -> Void { Scope.requireWriter }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: { q in
            AccountStore.Filter(
                text: q.string("q"), ownerID: try q.id("ownerId"), status: try q.enumeration("status", AccountStatus.self),
                includeArchived: try q.bool("includeArchived") ?? false, sort: try q.enumeration("sort", AccountStore.Sort.self) ?? .name)
        }, fetch: store.list)
    }

    @Sendable func restore(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.restore(request, context) { db, caller, id, expected in
            try await actions.restore(db, caller: caller, id: id, expected: expected)
        }
    }

    @Sendable func timeline(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let page = try PageRequest(request)
        let result = try await services.pool.withConnection { db in
            guard try await store.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("account") }
            return try await services.timeline.page(db, accountID: id, page: page)
        }
        return try APIResponse.json(result).response
    }
}
