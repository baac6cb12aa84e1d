import BatonCore
import Foundation
import Postgres

/// A person's saved list views ("My open deals closing this quarter"): save the
/// current filters, columns and sort under a name, list them, delete one. The same
/// calls serve the API (`/list-views`) and the list pages' forms. A view belongs to
/// the person who saved it; nobody else reads or deletes it.
struct ListViewActions {
    let services: AppServices
    var store: ListStore { ListStore() }

    struct Input: StrictDecodable, Sendable {
        enum Field: String, CodingKey, CaseIterable { case kind, name, parameters }
        var kind: ListKind
        var name: String
        /// The list's address parameters, as on the page: `status=open&owner=7&sort=amount`.
        var parameters: String?
    }

    func list(_ db: Connection, caller: Caller, kind: ListKind?) async throws -> [ListViewRecord] {
        try await store.views(db, of: caller.id, kind: kind)
    }

    func save(_ db: Connection, caller: Caller, input: Input) async throws -> ListViewRecord {
        guard input.kind.readable(by: caller) else { throw APIError.forbidden("You cannot see the \(input.kind.spec.title.lowercased()) list.") }
        let name = input.name.trimmed
        // What is kept is the view itself: known filters, columns and sort, never the page
        // it was on or "as CSV".
        let parameters = ListParameters(query: input.parameters).saved(input.kind.spec)
        var v = Validator()
        v.check(!name.isEmpty, "name", "Name is required")
        v.check(name.count <= 100, "name", "Name must be at most 100 characters")
        v.check(parameters.count <= 2000, "parameters", "The view is too long to keep (at most 2,000 characters)")
        try v.throwIfInvalid()
        if try await store.named(db, name, kind: input.kind, of: caller.id) != nil {
            throw APIError.conflict("You already have a view named \(name); delete it first or pick another name.", code: "already-exists")
        }
        return try await store.create(db, userID: caller.id, kind: input.kind, name: name, parameters: parameters)
    }

    func delete(_ db: Connection, caller: Caller, id: Int64) async throws {
        guard try await store.delete(db, id: id, of: caller.id) else { throw APIError.notFound("list view") }
    }

    /// A saved view of the caller's, to export or open (404 for anyone else's).
    func find(_ db: Connection, caller: Caller, id: Int64) async throws -> ListViewRecord {
        guard let view = try await store.view(db, id: id, of: caller.id) else { throw APIError.notFound("list view") }
        return view
    }
}

extension ListKind {
    /// The sales lists are for those who read the pipeline; everyone has a projects
    /// list (a consultant sees the projects they work on).
    func readable(by caller: Caller) -> Bool {
        self == .projects || PipelineAccess.canRead(caller.roles)
    }
}
