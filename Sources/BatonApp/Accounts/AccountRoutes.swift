import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/accounts`: the client companies.
struct AccountRoutes {
    let services: AppServices
    var store: AccountStore { services.accounts }

    struct AccountInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable {
            case name, domain, industry, ownerId, parentId, status, address, externalId
        }
        static var nested: [String: any StrictDecodable.Type] { ["address": Address.self] }
        var name: String?
        var domain: String?
        var industry: String?
        var ownerId: Int64?
        var parentId: Int64?
        var status: AccountStatus?
        var address: Address?
        var externalId: String?
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("accounts") { request, context in try await list(request, context).response }
        api.post("accounts") { request, context in try await create(request, context).response }
        api.get("accounts/:id") { request, context in try await show(request, context).response }
        api.patch("accounts/:id") { request, context in try await update(request, context).response }
        api.delete("accounts/:id") { request, context in try await archive(request, context) }
        api.post("accounts/:id/restore") { request, context in try await restore(request, context).response }
        api.get("accounts/:id/timeline") { request, context in try await timeline(request, context).response }
    }

    func list(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
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
        return try .json(try await services.pool.withConnection { try await store.list($0, visibleTo: caller, filter: f, page: page) })
    }

    func show(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        guard let account = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
            throw APIError.notFound("account")
        }
        return try .json(account, headers: ETag.headers(account.version))
    }

    func create(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(AccountInput.self, from: body)
        let fields = try newFields(input, caller: caller)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let account = try await create(db, fields, caller: caller)
                var headers = ETag.headers(account.version)
                headers[.location] = "/api/v1/accounts/\(account.id)"
                return try .json(account, status: .created, headers: headers)
            }
        }
    }

    /// A new account's checked fields (owned by the caller unless the input names an
    /// owner): what both `POST /accounts` and the accounts page's form create from.
    func newFields(_ input: AccountInput, caller: Caller) throws -> AccountFields {
        var v = Validator()
        v.check(input.name != nil, "name", "Name is required")
        let fields = AccountFields(
            name: input.name?.trimmed ?? "", domain: input.domain.map(\.normalisedDomain).flatMap { $0.isEmpty ? nil : $0 },
            industry: input.industry?.trimmed.nilIfEmpty, ownerID: input.ownerId ?? caller.id, parentID: input.parentId,
            status: input.status ?? .prospect, address: input.address ?? Address(), externalID: input.externalId?.trimmed.nilIfEmpty)
        if input.name != nil { fields.check(into: &v) }
        try v.throwIfInvalid()
        return fields
    }

    /// Creates an account inside the caller's transaction, once its owner and parent pass.
    func create(_ db: Connection, _ fields: AccountFields, caller: Caller) async throws -> AccountRecord {
        try Scope.requireWriter(caller)
        try await checkReferences(db, fields, caller: caller)
        return try await store.create(db, fields, by: caller.id)
    }

    func update(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(AccountInput.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
        return try .json(updated, headers: ETag.headers(updated.version))
    }

    /// One change to an account, inside the caller's transaction: what both the API's
    /// PATCH and the account page's form do. Only the fields in `keys` change; a stale
    /// `expected` version is refused with 412 before anything is judged.
    func change(
        _ db: Connection, caller: Caller, id: Int64, expected: Int?, input: AccountInput, keys: Set<String>
    ) async throws -> AccountRecord {
        guard let before = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
            throw APIError.notFound("account")
        }
        try Scope.requireWriter(caller)
        let standing = try await Standings.owned(db, ownerID: before.ownerId, caller: caller)
        try ChangeRefused.enforce { try AccountChangeRights.checkChange(standing, hasOwner: before.ownerId != nil) }
        if let expected, expected != before.version { throw APIError.preconditionFailed(current: before.version) }
        var f = AccountFields(
            name: before.name, domain: before.domain, industry: before.industry, ownerID: before.ownerId,
            parentID: before.parentId, status: before.status, address: before.address, externalID: before.externalId)
        var v = Validator()
        if keys.contains("name") {
            if let name = input.name { f.name = name.trimmed } else { v.add("name", "Name must not be null") }
        }
        if keys.contains("domain") { f.domain = input.domain.map(\.normalisedDomain).flatMap { $0.isEmpty ? nil : $0 } }
        if keys.contains("industry") { f.industry = input.industry?.trimmed.nilIfEmpty }
        if keys.contains("ownerId") { f.ownerID = input.ownerId }
        if keys.contains("parentId") { f.parentID = input.parentId }
        if keys.contains("status") {
            if let status = input.status { f.status = status } else { v.add("status", "Status must not be null") }
        }
        if keys.contains("address") { f.address = input.address ?? Address() }
        if keys.contains("externalId") { f.externalID = input.externalId?.trimmed.nilIfEmpty }
        f.check(into: &v)
        if f.parentID == id { v.add("parentId", "An account cannot be its own parent") }
        try v.throwIfInvalid()
        if keys.contains("ownerId") || keys.contains("parentId") { try await checkReferences(db, f, caller: caller) }
        return try await store.update(db, before: before, to: f, by: caller.id)
    }

    func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        try await services.pool.withTransaction { db in
            guard let account = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                throw APIError.notFound("account")
            }
            try Scope.requireWriter(caller)
            let standing = try await Standings.owned(db, ownerID: account.ownerId, caller: caller)
            try ChangeRefused.enforce { try AccountChangeRights.checkArchive(standing) }
            if let expected, expected != account.version { throw APIError.preconditionFailed(current: account.version) }
            if !account.archived { try await store.archive(db, account, by: caller.id) }
        }
        return Response(status: .noContent)
    }

    /// `POST /accounts/{id}/restore`: an archived account back in lists, by whoever may archive it.
    func restore(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let restored = try await services.pool.withTransaction { db in
            guard let account = try await store.find(db, id: id, visibleTo: caller, forUpdate: true) else {
                throw APIError.notFound("account")
            }
            try Scope.requireWriter(caller)
            let standing = try await Standings.owned(db, ownerID: account.ownerId, caller: caller)
            try ChangeRefused.enforce { try AccountChangeRights.checkArchive(standing, restoring: true) }
            if let expected, expected != account.version { throw APIError.preconditionFailed(current: account.version) }
            return account.archived ? try await store.restore(db, account, by: caller.id) : account
        }
        return try .json(restored, headers: ETag.headers(restored.version))
    }

    func timeline(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let page = try PageRequest(request)
        let result = try await services.pool.withConnection { db in
            guard try await store.find(db, id: id, visibleTo: caller) != nil else { throw APIError.notFound("account") }
            return try await services.timeline.page(db, accountID: id, page: page)
        }
        return try .json(result)
    }

    /// An owner must be a real, active person within the caller's line (any person for
    /// an admin); a parent must be an account the caller can see.
    private func checkReferences(_ db: Connection, _ f: AccountFields, caller: Caller) async throws {
        var v = Validator()
        if let owner = f.ownerID {
            let ok: Bool = try await db.expectRow("""
                SELECT EXISTS (SELECT 1 FROM users u WHERE u.id = \(owner) AND u.active AND \(UserStore.scope(caller))) AS ok
                """).decode("ok")
            v.check(ok, "ownerId", "Owner must be an active person in your reporting line")
        }
        if let parent = f.parentID {
            let ok: Bool = try await db.expectRow("""
                SELECT EXISTS (SELECT 1 FROM accounts a WHERE a.id = \(parent) AND \(Scope.accounts(caller))) AS ok
                """).decode("ok")
            v.check(ok, "parentId", "Parent must be an account you can see")
        }
        try v.throwIfInvalid()
    }
}
