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

    func register(on api: RouterGroup<BatonRequestContext>) {
        let read = endpoints(for: Scope.requireReader), change = endpoints(for: Scope.requireAdmin)
        api.get("typical-projects") { request, context in
            try await read.list(request, context, filter: { try $0.bool("includeArchived") ?? false }) { db, _, archived, page in
                try await store.list(db, page: page, includeArchived: archived)
            }
        }
        api.get("typical-projects/:id") { request, context in
            try await read.show(request, context) { db, id, _ in try await store.find(db, id: id) }
        }
        api.post("typical-projects") { request, context in
            try await change.create(request, context, TypicalProjectInput.self, allowed: Scope.requireAdmin) { db, caller, input in
                try await actions.create(db, caller: caller, input: input)
            }
        }
        api.patch("typical-projects/:id") { request, context in
            try await change.change(request, context, TypicalProjectInput.self) { db, caller, id, expected, input, keys in
                try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
            }
        }
    }
}
