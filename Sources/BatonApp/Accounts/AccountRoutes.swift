import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/accounts`: the client companies. Each handler decodes, calls the area's action
/// or store, and encodes; the rules are in `AccountActions`.
struct AccountRoutes {
    let services: AppServices
    var store: AccountStore { services.accounts }
    var actions: AccountActions { AccountActions(services: services) }
    var endpoints: RecordEndpoints<AccountRecord> {
        RecordEndpoints(services: services, noun: "account", collection: "/api/v1/accounts", reader: Scope.requireReader)
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("accounts", use: list)
        api.post("accounts", use: create)
        api.get("accounts/:id", use: show)
        api.patch("accounts/:id", use: update)
        api.delete("accounts/:id", use: archive)
        api.post("accounts/:id/restore", use: restore)
        api.get("accounts/:id/timeline", use: timeline)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let page = try PageRequest(request)
        let q = QueryParameters(request)
        var filter = AccountStore.Filter()
        filter.text = q.string("q")
        filter.ownerID = try q.id("ownerId")
        filter.status = try q.enumeration("status", AccountStatus.self)
        filter.includeArchived = try q.bool("includeArchived") ?? false
        filter.sort = try q.enumeration("sort", AccountStore.Sort.self) ?? .name
        let f = filter
        return try APIResponse.json(try await services.pool.withConnection { try await store.list($0, visibleTo: caller, filter: f, page: page) }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller) }
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, AccountInput.self, allowed: Scope.requireWriter) { [actions] db, caller, input in
            try await actions.create(db, caller: caller, input: input)
        }
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, AccountInput.self) { db, caller, id, expected, input, keys in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
    }

    @Sendable func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context) { db, caller, id, expected in
            try await actions.archive(db, caller: caller, id: id, expected: expected)
        }
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
