import BatonCore
import Foundation
import Postgres

/// Sign-in sessions and personal API tokens, and finding the person behind a token.
struct SessionStore: Sendable {
    let lifetimeHours: Int
    let idleMinutes: Int
    /// Who the tokens this process has seen belong to: a hint `credentialHolds` confirms.
    let callers = CallerCache()

    struct NewSession: Sendable {
        var id: Int64
        var token: String
        var expiresAt: Timestamp
    }

    func create(_ db: Connection, userID: Int64) async throws -> NewSession {
        let token = SecretToken.generate(prefix: SecretToken.sessionPrefix)
        guard let row = try await db.query("""
            INSERT INTO sessions (token_hash, user_id, expires_at)
            VALUES (decode(\(SecretToken.hash(token)), 'hex'), \(userID), now() + make_interval(hours => \(lifetimeHours)))
            RETURNING id, expires_at
            """).first else { throw APIError.internalError }
        return NewSession(id: try row.decode("id"), token: token, expiresAt: try row.decode("expires_at"))
    }

    func revoke(_ db: Connection, sessionID: Int64) async throws {
        try await db.query("UPDATE sessions SET revoked_at = now() WHERE id = \(sessionID) AND revoked_at IS NULL")
        callers.forget(.session(id: sessionID))
    }

    /// Ends every session and API token of a person except the credential in use (if
    /// it is theirs): after a password change, whoever held an old one is out.
    /// Returns how many sessions and tokens it ended.
    @discardableResult
    static func revokeAll(_ db: Connection, userID: Int64, except kept: Caller.Credential?) async throws -> (sessions: Int, tokens: Int) {
        var keptSession: Int64?
        var keptToken: Int64?
        switch kept {
        case .session(let id): keptSession = id
        case .apiToken(let id): keptToken = id
        case nil: break
        }
        let sessions = try await db.query("""
            UPDATE sessions SET revoked_at = now()
            WHERE user_id = \(userID) AND revoked_at IS NULL AND id IS DISTINCT FROM \(keptSession)
            """).affectedRows
        let tokens = try await db.query("""
            UPDATE api_tokens SET revoked_at = now()
            WHERE user_id = \(userID) AND revoked_at IS NULL AND id IS DISTINCT FROM \(keptToken)
            """).affectedRows
        return (sessions, tokens)
    }

    /// The person a bearer token or session cookie belongs to, or nil when the token
    /// is unknown, revoked, expired, idle too long, or its person is inactive. It may run
    /// while the connection still acts for the last request's person (`baton_member`):
    /// these tables have no row-level security, so the answer is the same.
    func authenticate(_ db: Connection, _ token: PresentedToken) async throws -> Caller? {
        switch token.kind {
        case .session:
            // Touching last_seen_at at most once a minute keeps reads from writing.
            guard let row = try await db.query("""
                WITH found AS (
                    SELECT s.id, s.user_id, s.last_seen_at FROM sessions s
                    WHERE s.token_hash = decode(\(token.hash), 'hex') AND s.revoked_at IS NULL
                      AND s.expires_at > now()
                      AND s.last_seen_at > now() - make_interval(mins => \(idleMinutes))
                ), touched AS (
                    UPDATE sessions SET last_seen_at = now()
                    FROM found WHERE sessions.id = found.id AND found.last_seen_at < now() - interval '1 minute'
                )
                SELECT found.id AS credential_id, u.id, u.name, u.email, u.roles
                FROM found JOIN users u ON u.id = found.user_id AND u.active
                """).first else { return nil }
            return try caller(row, credential: .session(id: row.decode("credential_id")), tokenHash: token.hash)
        case .apiToken:
            guard let row = try await db.query("""
                WITH found AS (
                    SELECT t.id, t.user_id, t.last_used_at FROM api_tokens t
                    WHERE t.token_hash = decode(\(token.hash), 'hex') AND t.revoked_at IS NULL
                ), touched AS (
                    UPDATE api_tokens SET last_used_at = now()
                    FROM found WHERE api_tokens.id = found.id
                      AND (found.last_used_at IS NULL OR found.last_used_at < now() - interval '1 minute')
                )
                SELECT found.id AS credential_id, u.id, u.name, u.email, u.roles
                FROM found JOIN users u ON u.id = found.user_id AND u.active
                """).first else { return nil }
            return try caller(row, credential: .apiToken(id: row.decode("credential_id")), tokenHash: token.hash)
        case nil:
            return nil
        }
    }

    /// The caller of a row of `authenticate`'s, remembered for the token's next request.
    private func caller(_ row: Row, credential: Caller.Credential, tokenHash: String) throws -> Caller {
        let storedRoles = try row.decode("roles", as: [String].self)
        let caller = Caller(
            id: try row.decode("id"), name: try row.decode("name"), email: try row.decode("email"),
            roles: Set(storedRoles.compactMap(Role.init(rawValue:))),
            credential: credential)
        callers.remember(.init(caller: caller, storedRoles: storedRoles), forTokenHash: tokenHash)
        return caller
    }

    /// The statement that fails (SQLSTATE 28000) unless a remembered caller still holds:
    /// its credential is live, and the person active with the same name, email and roles.
    func credentialHolds(_ remembered: CallerCache.Entry) -> Query {
        let caller = remembered.caller
        let (kind, id): (String, Int64) = switch caller.credential {
        case .session(let id): ("session", id)
        case .apiToken(let id): ("api_token", id)
        }
        return """
            SELECT public.credential_holds(\(kind), \(id), \(caller.id), \(caller.name), \(caller.email),
                                           \(remembered.storedRoles), \(idleMinutes))
            """
    }

    // MARK: Personal API tokens

    struct APIToken: Codable, Sendable {
        var id: Int64
        var name: String
        var createdAt: Timestamp
        var lastUsedAt: Timestamp?
        /// Present only in the response that creates it.
        var token: String?

        enum CodingKeys: String, CodingKey { case id, name, createdAt, lastUsedAt, token }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(createdAt, forKey: .createdAt)
            try c.encode(lastUsedAt, forKey: .lastUsedAt)
            try c.encodeIfPresent(token, forKey: .token)
        }
    }

    /// A new token for `userID`, audited (its name, never its secret) in the caller's
    /// transaction. The secret is in the value returned and nowhere else.
    func createToken(_ db: Connection, userID: Int64, name: String) async throws -> APIToken {
        let token = SecretToken.generate(prefix: SecretToken.apiTokenPrefix)
        guard let row = try await db.query("""
            INSERT INTO api_tokens (token_hash, user_id, name)
            VALUES (decode(\(SecretToken.hash(token)), 'hex'), \(userID), \(name))
            RETURNING id, name, created_at, last_used_at
            """).first else { throw APIError.internalError }
        var created = try apiToken(row)
        try await AuditTrail.record(db, actorID: userID, entity: "api_token", entityID: created.id, action: .create,
                                    before: nil, after: ["name": .text(created.name), "userId": .int(userID)])
        created.token = token
        return created
    }

    func listTokens(_ db: Connection, userID: Int64, page: PageRequest) async throws -> Page<APIToken> {
        let after = page.cursor.flatMap { $0.first }.flatMap { Int64($0) } ?? 0
        let rows = try await db.query("""
            SELECT id, name, created_at, last_used_at FROM api_tokens
            WHERE user_id = \(userID) AND revoked_at IS NULL AND id > \(after)
            ORDER BY id LIMIT \(page.limit + 1)
            """)
        return Page(fetched: try rows.map(apiToken), limit: page.limit) { [String($0.id)] }
    }

    /// Revokes one of the caller's tokens, audited in the caller's transaction; false
    /// when there is no such live token.
    func revokeToken(_ db: Connection, userID: Int64, tokenID: Int64) async throws -> Bool {
        guard let row = try await db.query("""
            UPDATE api_tokens SET revoked_at = now()
            WHERE id = \(tokenID) AND user_id = \(userID) AND revoked_at IS NULL
            RETURNING name
            """).first else { return false }
        try await AuditTrail.record(db, actorID: userID, entity: "api_token", entityID: tokenID, action: .update,
                                    before: ["name": .text(try row.decode("name")), "revoked": .bool(false)],
                                    after: ["name": .text(try row.decode("name")), "revoked": .bool(true)])
        callers.forget(.apiToken(id: tokenID))
        return true
    }

    private func apiToken(_ row: Row) throws -> APIToken {
        APIToken(id: try row.decode("id"), name: try row.decode("name"), createdAt: try row.decode("created_at"),
                 lastUsedAt: try row.decode("last_used_at"), token: nil)
    }
}
