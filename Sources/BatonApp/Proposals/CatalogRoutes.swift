import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/typical-projects`: the firm's catalog of services, managed by admins, read by
/// everyone who sells or delivers.
struct CatalogRoutes {
    let services: AppServices
    var store: CatalogStore { services.catalog }
    var actions: CatalogActions { CatalogActions(services: services) }

    /// Whoever sees the pipeline reads the catalog; only an admin changes it.
    func endpoints(for reader: @escaping @Sendable (Caller) throws -> Void) -> RecordEndpoints<TypicalProjectRecord> {
        RecordEndpoints(services: services, noun: "typical project", collection: "/api/v1/typical-projects", reader: reader)
    }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints(for: Scope.requireReader).list(request, context, filter: { try $0.bool("includeArchived") ?? false }) {
            db, _, archived, page in try await store.list(db, page: page, includeArchived: archived)
        }
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints(for: Scope.requireReader).show(request, context) { db, id, _ in try await store.find(db, id: id) }
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints(for: Scope.requireAdmin).create(request, context, TypicalProjectInput.self, allowed: Scope.requireAdmin) {
            db, caller, input in try await actions.create(db, caller: caller, input: input)
        }
    }

    @Sendable func change(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints(for: Scope.requireAdmin).change(request, context, TypicalProjectInput.self) {
            db, caller, id, expected, input, keys in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
    }
}
