import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/contacts`: the people at each account; the rules are in `ContactActions`.
struct ContactRoutes: RecordRoutes {
    static let collection = "contacts"
    let services: AppServices
    var store: ContactStore { services.contacts }
    var actions: ContactActions { ContactActions(services: services) }
    var endpoints: RecordEndpoints<ContactRecord> {
        RecordEndpoints(services: services, noun: "contact", collection: "/api/v1/contacts", reader: Scope.requireReader)
    }
    var mayCreate: @Sendable (Caller) throws -> Void { Scope.requireWriter }

    func register(on api: RouterGroup<BatonRequestContext>) {
        registerRecords(on: api)
    }

    func find(_ db: Connection, id: Int64, visibleTo caller: Caller) async throws -> ContactRecord? {
        try await store.find(db, id: id, visibleTo: caller)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: { q in
            ContactStore.Filter(accountID: try q.id("accountId"), text: q.string("q"), includeArchived: try q.bool("includeArchived") ?? false)
        }, fetch: store.list)
    }
}
