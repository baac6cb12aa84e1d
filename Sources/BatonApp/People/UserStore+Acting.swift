import BatonCore
import Postgres

/// A person as the caller of an action taken on their behalf outside a request: a
/// command run from the shell, the demo loader, a client's decision on a proposal
/// (which the proposal's author takes). The action then checks that person's rights
/// exactly as it would for them signed in.
extension UserStore {
    enum ActingPerson: Sendable {
        case id(Int64)
        case email(String)
        /// The first active admin, for commands run before anyone is named.
        case firstAdmin
    }

    static func caller(_ db: Connection, _ person: ActingPerson) async throws -> Caller? {
        let which: Query = switch person {
        case .id(let id): "id = \(id)"
        case .email(let email): "lower(email) = lower(\(email)) AND active"
        case .firstAdmin: "'admin' = ANY(roles) AND active"
        }
        guard let row = try await db.query("SELECT id, name, email, roles FROM users WHERE \(which) ORDER BY id LIMIT 1").first else {
            return nil
        }
        return Caller(id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email"),
                      roles: Set(try row.decode("roles", as: [String].self).compactMap(Role.init(rawValue:))), credential: .apiToken(id: 0))
    }

    /// A person known to exist (the demo's people, a proposal's author).
    static func caller(_ db: Connection, id: Int64) async throws -> Caller {
        guard let caller = try await caller(db, .id(id)) else { throw APIError.notFound("Person") }
        return caller
    }
}
