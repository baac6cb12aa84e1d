/// The database identity the current task's statements run under, so that
/// PostgreSQL's row-level security can hold them to their caller's scope.
///
/// A request sets it once, for everything it does (`ActingRole.$current.withValue`).
/// Connected straight to PostgreSQL, the pool sets the role and its settings for the
/// session, with the first statement that needs them, and only when the connection
/// acted for someone else before (`Connection.act(as:)`); work with no acting role
/// resets them the same way. Behind a transaction pooler such as PgBouncer, where a
/// session setting would reach another client, every statement runs in a transaction
/// opened with `SET LOCAL ROLE` and local settings instead, a plain `withConnection`
/// included.
public struct ActingRole: Sendable, Hashable {
    /// A role without BYPASSRLS that the connecting user is a member of.
    public let role: String
    /// Custom settings (`baton.acting_user`, …) the policies read with `current_setting`.
    public let settings: [String: String]

    public init(role: String, settings: [String: String] = [:]) {
        self.role = role
        self.settings = settings
    }

    @TaskLocal public static var current: ActingRole?

    /// The statements that put a transaction under this role, in one round trip.
    /// The simple-query protocol takes no parameters, so names and values are quoted here.
    var prelude: String {
        var sql = "SET LOCAL ROLE \(Self.identifier(role))"
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            sql += "; SELECT set_config(\(Self.literal(name)), \(Self.literal(value)), true)"
        }
        return sql
    }

    /// The same, as separate statements with the settings as parameters: sent in one
    /// round trip with the transaction's first statement (libpq's pipeline mode, which
    /// takes no multi-statement text).
    var preludeStatements: [Query] {
        var statements = [Query(unsafeSQL: "SET LOCAL ROLE \(Self.identifier(role))")]
        for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
            statements.append("SELECT set_config(\(name), \(value), true)")
        }
        return statements
    }

    static func identifier(_ name: String) -> String {
        "\"" + doubled("\"", in: name) + "\""
    }

    private static func doubled(_ quote: Character, in text: String) -> String {
        text.split(separator: quote, omittingEmptySubsequences: false).joined(separator: String(repeating: quote, count: 2))
    }

    static func literal(_ value: String) -> String {
        "'" + doubled("'", in: value) + "'"
    }
}

/// Who a server session acts as between statements (`Connection.act(as:)`).
enum SessionIdentity: Equatable {
    /// The login user, whom row-level security does not hold.
    case login
    case acting(ActingRole)
    /// Not known: a change was rolled back, or may have been; the next statement sets it again.
    case unknown
}

extension Connection {
    /// Runs `body` with row-level security lifted for the rest of it, when its
    /// statements run under an `ActingRole`. For the few reads that are firm-wide on
    /// purpose (everyone's bookings when checking capacity, every project manager's
    /// phases when computing a bonus run), after the caller's right to ask has been
    /// checked. With no acting role it just runs `body`.
    public func withoutRowSecurity<T>(_ body: () async throws -> T) async throws -> T {
        if !isInTransaction, let acting = actingRole {
            // Acting for the session: the login user's statements reset the role, and
            // the next statement after `body` takes it up again.
            act(as: nil)
            defer { act(as: acting) }
            return try await body()
        }
        guard let acting = ActingRole.current, isInTransaction else { return try await body() }
        try await execute(unsafeSQL: "SET LOCAL ROLE NONE")
        do {
            let value = try await body()
            try await execute(unsafeSQL: acting.prelude)
            return value
        } catch {
            if !isInFailedTransaction { try? await execute(unsafeSQL: acting.prelude) }
            throw error
        }
    }
}
