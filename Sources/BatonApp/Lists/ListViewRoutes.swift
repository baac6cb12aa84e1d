import BatonCore
import Foundation
import Hummingbird
import Postgres

/// `/list-views`: the caller's saved list views, and a saved view as CSV. Each
/// handler decodes, calls `ListViewActions`, and encodes; the CSV is the page's own
/// export (`ListCSV.response`), so the API and the page's link write the same file.
struct ListViewRoutes {
    let services: AppServices
    var actions: ListViewActions { ListViewActions(services: services) }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let kind = try Self.kind(QueryParameters(request).string("kind"))
        let views = try await services.pool.withConnection { try await actions.list($0, caller: caller, kind: kind) }
        return try APIResponse.json(Page(fetched: views, limit: max(views.count, 1)) { [String($0.id)] }).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let (input, _) = try await JSON.decode(ListViewActions.Input.self, from: request)
        let created = try await services.pool.withTransaction { try await actions.save($0, caller: caller, input: input) }
        return try APIResponse.json(created, status: .created, headers: [.location: "/api/v1/list-views/\(created.id)"]).response
    }

    @Sendable func delete(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        try await services.pool.withTransaction { try await actions.delete($0, caller: caller, id: id) }
        return Response(status: .noContent)
    }

    /// `GET /list-views/{id}/export`: the saved view's rows as CSV, as the caller sees them now.
    @Sendable func export(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let view = try await services.pool.withConnection { try await actions.find($0, caller: caller, id: id) }
        guard view.kind.readable(by: caller) else { throw APIError.forbidden("You cannot see the \(view.kind.spec.title.lowercased()) list.") }
        return try ListCSV.response(view.kind, ListParameters(query: view.parameters), caller: caller, pool: services.pool)
    }

    static func kind(_ text: String?) throws -> ListKind? {
        guard let text else { return nil }
        guard let kind = ListKind(rawValue: text) else {
            throw ValidationFailure("kind", "Kind must be one of " + ListKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return kind
    }
}
