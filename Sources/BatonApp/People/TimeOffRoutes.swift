import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/time-off`: requests for time off and their approval. The rules are
/// `TimeOffActions`'; these handlers decode, call them and encode.
struct TimeOffRoutes: RecordAPI {
    static let noun = "time off", collection = "time-off"
    let services: AppServices
    var store: TimeOffStore { TimeOffStore() }
    var actions: TimeOffActions { TimeOffActions(services: services) }

    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> TimeOffRecord? { try await store.find(db, id: id, visibleTo: caller) }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: TimeOffStore.Filter.init(_:caller:), fetch: store.list)
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, TimeOffInput.self, allowed: Self.reader, action: actions.request)
    }

    @Sendable func approve(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.restore(request, context) { db, caller, id, expected in
            try await actions.decide(db, caller: caller, id: id, expected: expected, approve: true)
        }
    }

    @Sendable func decline(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.restore(request, context) { db, caller, id, expected in
            try await actions.decide(db, caller: caller, id: id, expected: expected, approve: false)
        }
    }

    @Sendable func cancel(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.restore(request, context, action: actions.cancel)
    }
}
