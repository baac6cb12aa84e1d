import BatonCore
import Hummingbird
import Postgres

/// What a kind of record's actions do, in the same words for each: create one,
/// change the fields named, archive one; each judges who may and every rule.
protocol RecordActions: Sendable {
    associatedtype Record: Versioned & Sendable
    associatedtype Input: StrictDecodable & Sendable
    func create(_ db: Connection, caller: Caller, input: Input) async throws -> Record
    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: Input, keys: Set<String>) async throws -> Record
    func archive(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws
}

/// A store that finds one record by id among those a caller sees (locked first,
/// `forUpdate`, for a change).
protocol RecordFinder: Sendable {
    associatedtype Record
    func find(_ db: Connection, id: Int64, visibleTo caller: Caller, forUpdate: Bool) async throws -> Record?
}

extension AccountStore: RecordFinder {}
extension ContactStore: RecordFinder {}
extension ActivityStore: RecordFinder {}

/// The API of a kind of record kept the usual way (accounts, contacts, activities,
/// sites): list, create, read, change and archive under one collection path. Each
/// kind says how its list is filtered and who may create one; the HTTP around the
/// actions is `RecordEndpoints`' and the same for all.
protocol RecordRoutes: RecordAPI where Record == Actions.Record {
    associatedtype Actions: RecordActions
    associatedtype Store
    var store: Store { get }
    var actions: Actions { get }
    /// Who may create one (the actions judge every other change).
    var mayCreate: @Sendable (Caller) throws -> Void { get }
    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response
}

extension RecordRoutes {
    /// Anyone who reads the pipeline reads these records (those they may see).
    static var reader: @Sendable (Caller) throws -> Void { Scope.requireReader }

    /// `GET`, `POST` on the collection; `GET`, `PATCH`, `DELETE` on one of it.
    func registerRecords(on api: RouterGroup<BatonRequestContext>) {
        let one = RouterPath("\(Self.collection)/:id")
        api.get(RouterPath(Self.collection), use: list)
        api.post(RouterPath(Self.collection), use: create)
        api.get(one, use: show)
        api.patch(one, use: update)
        api.delete(one, use: archive)
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, Actions.Input.self, allowed: mayCreate) { [actions] db, caller, input in
            try await actions.create(db, caller: caller, input: input)
        }
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.change(request, context, Actions.Input.self) { db, caller, id, expected, input, keys in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys)
        }
    }

    @Sendable func archive(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.archive(request, context) { db, caller, id, expected in
            try await actions.archive(db, caller: caller, id: id, expected: expected)
        }
    }
}

extension RecordRoutes where Store: RecordFinder, Store.Record == Record {
    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> Record? {
        try await store.find(db, id: id, visibleTo: caller, forUpdate: false)
    }
}
