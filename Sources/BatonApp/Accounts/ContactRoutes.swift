import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/contacts`: the people at each account; the rules are in `ContactActions`.
struct ContactRoutes: RecordRoutes {
    static let collection = "contacts"
    static let noun = "contact"
    let services: AppServices
    var store: ContactStore { services.contacts }
    var actions: ContactActions { ContactActions(services: services) }
    var mayCreate: @Sendable (Caller) throws -> Void { Scope.requireWriter }


    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: { q in
            ContactStore.Filter(accountID: try q.id("accountId"), text: q.string("q"), includeArchived: try q.bool("includeArchived") ?? false)
        }, fetch: store.list)
    }
}
