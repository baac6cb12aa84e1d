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
    var endpoints: RecordEndpoints<ContactRecord> {
        RecordEndpoints(services: services, noun: "contact", collection: "/api/v1/contacts", reader: Scope.requireReader)
    }

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
        try await endpoints.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller) }
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, ContactInput.self, allowed: Scope.requireWriter) { [actions] db, caller, input in
            try await actions.create(db, caller: caller, input: input)
        }
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, ContactInput.self) { db, caller, id, expected, input, keys in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
    }

    @Sendable func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context) { db, caller, id, expected in
            try await actions.archive(db, caller: caller, id: id, expected: expected)
        }
    }
}
