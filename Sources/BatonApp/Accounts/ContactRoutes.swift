import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/contacts`: the people at each account; the rules are in `ContactActions`.
struct ContactRoutes {
    let services: AppServices
    var store: ContactStore { services.contacts }
    var actions: ContactActions { ContactActions(services: services) }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.get("contacts", use: list)
        api.post("contacts", use: create)
        api.get("contacts/:id", use: show)
        api.patch("contacts/:id", use: update)
        api.delete("contacts/:id", use: archive)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let page = try PageRequest(request)
        let q = QueryParameters(request)
        let filter = ContactStore.Filter(accountID: try q.id("accountId"), text: q.string("q"),
                                         includeArchived: try q.bool("includeArchived") ?? false)
        return try APIResponse.json(try await services.pool.withConnection {
            try await store.list($0, visibleTo: caller, filter: filter, page: page)
        }).response
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        guard let contact = try await services.pool.withConnection({ try await store.find($0, id: id, visibleTo: caller) }) else {
            throw APIError.notFound("contact")
        }
        return try APIResponse.json(contact, headers: ETag.headers(contact.version)).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireWriter(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(ContactInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let contact = try await actions.create(db, caller: caller, input: input)
                var headers = ETag.headers(contact.version)
                headers[.location] = "/api/v1/contacts/\(contact.id)"
                return try .json(contact, status: .created, headers: headers)
            }
        }.response
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        try Scope.requireReader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(ContactInput.self, from: request)
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
