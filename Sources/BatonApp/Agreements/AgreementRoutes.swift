import BatonCore
import Foundation
import Hummingbird
import Postgres

/// `/agreements`: the recurring book, read by whoever sees the pipeline (each agreement
/// with its account), cancelled by its writers.
struct AgreementRoutes {
    let services: AppServices
    var store: AgreementStore { AgreementStore() }
    var actions: AgreementActions { AgreementActions(services: services) }
    var endpoints: RecordEndpoints<AgreementRecord> {
        RecordEndpoints(services: services, noun: "agreement", collection: "/api/v1/agreements", reader: Scope.requireReader)
    }

    /// `GET /agreements?accountId=&status=`.
    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.list(request, context, filter: {
            AgreementFilter(accountID: try $0.id("accountId"), status: try $0.enumeration("status", AgreementStatus.self))
        }) { db, caller, filter, page in try await store.list(db, caller: caller, filter: filter, page: page) }
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.show(request, context) { db, id, caller in try await store.find(db, id: id, visibleTo: caller) }
    }

    /// `POST /agreements/{id}/cancel` at the version in `If-Match`.
    @Sendable func cancel(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, AgreementCancelInput.self) { db, caller, id, expected, input, _ in
            try await actions.cancel(db, caller: caller, id: id, expected: expected, input: input)
        }
    }
}
