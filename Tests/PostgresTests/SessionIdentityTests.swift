import Foundation
import Postgres
import Testing

/// Connected straight to PostgreSQL, the acting role and its settings are set for the
/// session and kept between statements (`Connection.act(as:)`). These tests hold one
/// connection (a pool of one) and check that whoever uses it next runs as themselves:
/// never as the person before, after errors and rollbacks too.
@Suite struct SessionIdentityTests {
    struct Who: Equatable {
        var user: String
        var acting: String
    }

    /// A role like `baton_member`, unique to the test: roles belong to the whole cluster.
    private func makeMemberRole(_ pool: ConnectionPool) async throws -> String {
        let role = "member_" + UUID().uuidString.prefix(8).lowercased()
        try await pool.withConnection { c in
            try await c.execute(unsafeSQL: "CREATE ROLE \(role) NOLOGIN; GRANT \(role) TO current_user")
        }
        return role
    }

    private func who(_ c: Connection) async throws -> Who {
        let row = try #require(try await c.query(
            "SELECT current_user::text AS u, coalesce(current_setting('t.acting', true), '') AS a").first)
        return Who(user: try row.decode("u"), acting: try row.decode("a"))
    }

    /// Who a plain `withConnection` runs as, for `role` (nil: the login user's work).
    private func who(_ pool: ConnectionPool, acting role: ActingRole?) async throws -> Who {
        try await ActingRole.$current.withValue(role) { try await pool.withConnection { try await who($0) } }
    }

    /// Runs a transaction, as `role`, that checks who it runs as and then rolls back.
    private func abandonedTransaction(_ pool: ConnectionPool, acting role: ActingRole?, expecting expected: Who) async {
        struct Abandon: Error {}
        await #expect(throws: Abandon.self) {
            try await ActingRole.$current.withValue(role) {
                try await pool.withTransaction { c in
                    #expect(try await who(c) == expected)
                    throw Abandon()
                }
            }
        }
    }

    private func login(_ pool: ConnectionPool) async throws -> String {
        try await pool.scalar("SELECT session_user::text AS v", as: String.self)
    }

    @Test func whoeverUsesTheConnectionNextRunsAsThemselves() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let role = try await makeMemberRole(pool)
            let loginUser = try await login(pool)
            let ana = ActingRole(role: role, settings: ["t.acting": "7"])
            let ben = ActingRole(role: role, settings: ["t.acting": "8"])
            let asAna = try await who(pool, acting: ana)
            #expect(asAna == Who(user: role, acting: "7"))
            // The login user after her: the role and her setting are gone.
            #expect(try await who(pool, acting: nil) == Who(user: loginUser, acting: ""))
            let asBen = try await who(pool, acting: ben)
            #expect(asBen == Who(user: role, acting: "8"))
            // A body that answers the same for anyone (a SECURITY DEFINER look-up) takes the
            // session as it is, and the person after it is still themselves.
            #expect(try await pool.withConnection(actingForAnyone: true) { try await who($0) } == asBen)
            #expect(try await who(pool, acting: nil) == Who(user: loginUser, acting: ""))
            // Straight from one person to another, in a transaction too.
            let anaAgain = try await ActingRole.$current.withValue(ana) { try await pool.withTransaction { try await who($0) } }
            #expect(anaAgain == Who(user: role, acting: "7"))
            #expect(try await pool.withTransaction { try await who($0) } == Who(user: loginUser, acting: ""))
        }
    }

    /// Served directly, a session compiles nothing: `jit` is off from the start, whoever
    /// the connection acts for and after a rollback, while the server's own default stays on.
    @Test func aSessionServedDirectlyDoesNotCompileStatements() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            func jit(_ role: ActingRole?) async throws -> String {
                try await ActingRole.$current.withValue(role) {
                    try await pool.withConnection { try #require(try await $0.query("SHOW jit").first).decode("jit") }
                }
            }
            #expect(try await pool.withConnection { $0.keepsSessionSettings })
            #expect(try await pool.withConnection { try #require(try await $0.query("SELECT boot_val FROM pg_settings WHERE name = 'jit'").first)
                .decode("boot_val", as: String.self) } == "on", "the server's own default is to compile")
            #expect(try await jit(nil) == "off")
            let role = try await makeMemberRole(pool)
            #expect(try await jit(ActingRole(role: role, settings: ["t.acting": "7"])) == "off")
            struct Abandon: Error {}
            await #expect(throws: Abandon.self) { try await pool.withTransaction { _ in throw Abandon() } }
            #expect(try await jit(nil) == "off")
        }
    }

    @Test func aFailedStatementOrARollbackNeverLeavesTheWrongPersonBehind() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let role = try await makeMemberRole(pool)
            let loginUser = try await login(pool)
            let ana = ActingRole(role: role, settings: ["t.acting": "7"])
            // The change of role rides with a statement that fails: both are rolled back.
            await #expect(throws: PostgresError.self) {
                try await ActingRole.$current.withValue(ana) { try await pool.withConnection { try await $0.query("SELECT 1 / 0") } }
            }
            #expect(try await who(pool, acting: ana)
                    == Who(user: role, acting: "7"))
            // A transaction that takes the login user back and then rolls back.
            await abandonedTransaction(pool, acting: nil, expecting: Who(user: loginUser, acting: ""))
            #expect(try await who(pool, acting: nil) == Who(user: loginUser, acting: ""))
            #expect(try await who(pool, acting: ana)
                    == Who(user: role, acting: "7"))
            // One that takes Ana up and rolls back: the next login-user statement is the login user.
            await abandonedTransaction(pool, acting: ana, expecting: Who(user: role, acting: "7"))
            #expect(try await who(pool, acting: nil) == Who(user: loginUser, acting: ""))
        }
    }

    @Test func aPersonsReadsNeedNoTransactionAndCanLiftTheScopeForABlock() async throws {
        try await withTestPool(maxConnections: 1) { pool in
            let role = try await makeMemberRole(pool)
            let loginUser = try await login(pool)
            let ana = ActingRole(role: role, settings: ["t.acting": "7"])
            try await ActingRole.$current.withValue(ana) {
                try await pool.withConnection { c in
                    // Each statement is its own transaction: no BEGIN, and no COMMIT to wait for.
                    let first = try await c.query("SELECT now()::text AS t, pg_sleep(0.01)::text AS s").first?.decode("t", as: String.self)
                    let second = try await c.query("SELECT now()::text AS t").first?.decode("t", as: String.self)
                    #expect(first != nil && first != second)
                    #expect(try await who(c) == Who(user: role, acting: "7"))
                    let lifted = try await c.withoutRowSecurity { try await who(c) }
                    #expect(lifted.user == loginUser)
                    #expect(try await who(c) == Who(user: role, acting: "7"))
                }
            }
        }
    }
}
