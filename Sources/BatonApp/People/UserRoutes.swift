import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/users` and `/skills`: the firm's people, their reporting lines and skills. The
/// rules are `PersonActions`'; these handlers decode, call them and encode.
struct UserRoutes: RecordAPI {
    static let noun = "person", collection = "users"
    let services: AppServices
    var store: UserStore { services.users }
    var actions: PersonActions { PersonActions(services: services) }

    func find(_ db: Connection, id: Int64, caller: Caller) async throws -> UserRecord? { try await store.find(db, id: id, visibleTo: caller) }

    @Sendable func list(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let page = try PageRequest(request)
        let query = request.uri.queryParameters
        var filter = UserStore.Filter()
        filter.text = QueryParameters(request).string("q")
        if let role = query["role"] {
            guard let parsed = Role(rawValue: String(role)) else {
                throw ValidationFailure("role", "Role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.role = parsed
        }
        if let active = query["active"] {
            guard let parsed = Bool(String(active)) else { throw ValidationFailure("active", "Active must be true or false") }
            filter.active = parsed
        }
        let result = try await services.pool.withConnection { try await store.list($0, visibleTo: caller, filter: filter, page: page) }
        return try APIResponse.json(result).response
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await endpoints.create(request, context, PersonInput.self, allowed: Scope.requireAdmin) { db, caller, input in
            try await actions.create(db, caller: caller, input: input)
        }
    }

    @Sendable func update(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        // Where the request came from: a wrong current password counts against the sign-in throttle for it.
        let address = ClientAddress.current ?? context.remoteAddress
        return try await endpoints.change(request, context, PersonInput.self) { db, caller, id, expected, input, keys in
            try await actions.change(db, caller: caller, id: id, expected: expected, input: input, keys: keys, address: address)
        }
    }

    @Sendable func setSkills(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let (input, _) = try await JSON.decode(StrictList<SkillLevelInput>.self, from: request)
        let updated = try await services.pool.withTransaction { db in
            try await actions.setSkills(db, caller: caller, id: id, items: input.items)
        }
        return try APIResponse.json(updated.skills, headers: ETag.headers(updated.version)).response
    }

    @Sendable func listSkills(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        _ = try context.requireCaller()
        let page = try PageRequest(request)
        return try APIResponse.json(try await services.pool.withConnection { try await store.listSkills($0, page: page) }).response
    }

    @Sendable func addSkill(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireAdmin()
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(NewSkillInput.self, from: body)
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db) {
                try .json(try await actions.addSkill(db, caller: caller, input: input), status: .created)
            }
        }.response
    }
}
