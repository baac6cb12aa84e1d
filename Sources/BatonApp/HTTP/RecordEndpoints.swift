import Hummingbird
import Postgres

/// A record with a version, sent as its ETag.
protocol Versioned: Encodable {
    var id: Int64 { get }
    var version: Int { get }
}

/// What the API's handlers for one kind of record share: read one, create one, change
/// one under `If-Match`, archive or restore one. Each area's routes pass their store's
/// finder and their actions; the rules stay in the actions, and this is only the HTTP
/// around them (the caller, the id, the version, the transaction, the ETag), once.
struct RecordEndpoints<Record: Versioned & Sendable>: Sendable {
    let services: AppServices
    /// For "No account with that id is visible to you".
    let noun: String
    /// Where a new record lives: `/api/v1/accounts`.
    let collection: String
    /// Who may read this kind of record at all (the action judges each change).
    let reader: @Sendable (Caller) throws -> Void

    func show(
        _ request: Request, _ context: BatonRequestContext,
        find: @Sendable (Connection, Int64, Caller) async throws -> Record?
    ) async throws -> Response {
        let caller = try context.requireCaller()
        try reader(caller)
        let id = try request.id(context)
        guard let record = try await services.pool.withConnection({ try await find($0, id, caller) }) else {
            throw APIError.notFound(noun)
        }
        return try Self.answer(record)
    }

    /// `GET` of the collection: one page of what the caller sees, filtered as the
    /// query asks (`filter` reads it, so a bad parameter is refused before any SQL).
    func list<Filter: Sendable, Item>(
        _ request: Request, _ context: BatonRequestContext, filter: (QueryParameters) throws -> Filter,
        fetch: @Sendable (Connection, Caller, Filter, PageRequest) async throws -> Page<Item>
    ) async throws -> Response {
        try await list(request, context, filter: { query, _ in try filter(query) }, fetch: fetch)
    }

    /// The same, for a filter that reads the caller too (`waiting=true`: what waits for them).
    func list<Filter: Sendable, Item>(
        _ request: Request, _ context: BatonRequestContext, filter: (QueryParameters, Caller) throws -> Filter,
        fetch: @Sendable (Connection, Caller, Filter, PageRequest) async throws -> Page<Item>
    ) async throws -> Response {
        let caller = try context.requireCaller()
        try reader(caller)
        let page = try PageRequest(request)
        let wanted = try filter(QueryParameters(request), caller)
        return try APIResponse.json(try await services.pool.withConnection { try await fetch($0, caller, wanted, page) }).response
    }

    /// `POST`: the body decoded strictly, the action run once per `Idempotency-Key`.
    /// `allowed` judges the caller before the body is read; `refuseEarly` the body
    /// before the key is looked up, so that a request refused as sent is refused the
    /// same on every retry.
    func create<Input: StrictDecodable>(
        _ request: Request, _ context: BatonRequestContext, _ input: Input.Type,
        allowed: (Caller) throws -> Void, refuseEarly: (Input) throws -> Void = { _ in },
        action: @Sendable @escaping (Connection, Caller, Input) async throws -> Record
    ) async throws -> Response {
        let caller = try context.requireCaller()
        try allowed(caller)
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(Input.self, from: body)
        try refuseEarly(input)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                let created = try await action(db, caller, input)
                var headers = ETag.headers(created.version)
                headers[.location] = "\(collection)/\(created.id)"
                return try .json(created, status: .created, headers: headers)
            }
        }.response
    }

    /// `PATCH`: the fields sent, at the version in `If-Match`.
    func change<Input: StrictDecodable>(
        _ request: Request, _ context: BatonRequestContext, _ input: Input.Type,
        action: @Sendable (Connection, Caller, Int64, Int?, Input, Set<String>) async throws -> Record
    ) async throws -> Response {
        let caller = try context.requireCaller()
        try reader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        let (input, keys) = try await JSON.decode(Input.self, from: request)
        let changed = try await services.pool.withTransaction { db in try await action(db, caller, id, expected, input, keys) }
        return try Self.answer(changed)
    }

    /// `DELETE`: archives, at the version in `If-Match`; 204.
    func archive(
        _ request: Request, _ context: BatonRequestContext,
        action: @Sendable (Connection, Caller, Int64, Int?) async throws -> Void
    ) async throws -> Response {
        try await atVersion(request, context, action: action)
        return Response(status: .noContent)
    }

    /// `POST …/restore`: brings an archived record back, at the version in `If-Match`.
    func restore(
        _ request: Request, _ context: BatonRequestContext,
        action: @Sendable (Connection, Caller, Int64, Int?) async throws -> Record
    ) async throws -> Response {
        try Self.answer(try await atVersion(request, context, action: action))
    }

    /// A change with no body (archive, restore, a decision): the caller, the id and the
    /// version in `If-Match`, and the action in one transaction.
    private func atVersion<Result: Sendable>(
        _ request: Request, _ context: BatonRequestContext,
        action: @Sendable (Connection, Caller, Int64, Int?) async throws -> Result
    ) async throws -> Result {
        let caller = try context.requireCaller()
        try reader(caller)
        let id = try request.id(context)
        let expected = try ETag.expectedVersion(request)
        return try await services.pool.withTransaction { db in try await action(db, caller, id, expected) }
    }

    static func answer(_ record: Record) throws -> Response {
        try APIResponse.json(record, headers: ETag.headers(record.version)).response
    }
}

/// The routes of one kind of record: what it is called, where its collection lives,
/// who may read it and how one is found as the caller sees it. `endpoints` and the
/// `GET` of one record follow, so a routes struct writes only what is its own.
protocol RecordAPI: Sendable {
    associatedtype Record: Versioned & Sendable
    /// For "No account with that id is visible to you".
    static var noun: String { get }
    /// `accounts`: the collection's path under `/api/v1`.
    static var collection: String { get }
    /// Who may read this kind of record at all (the action judges each change).
    static var reader: @Sendable (Caller) throws -> Void { get }
    var services: AppServices { get }
    /// One record by id, if the caller may see it.
    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> Record?
}

extension RecordAPI {
    /// Anyone signed in, unless the kind says otherwise: its store shows each caller what they may see.
    static var reader: @Sendable (Caller) throws -> Void { { _ in } }

    var endpoints: RecordEndpoints<Record> {
        RecordEndpoints(services: services, noun: Self.noun, collection: "/api/v1/\(Self.collection)", reader: Self.reader)
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.show(request, context) { db, id, caller in try await find(db, id: id, caller: caller) }
    }
}
