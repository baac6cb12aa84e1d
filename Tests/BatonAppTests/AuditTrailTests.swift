import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// The audit trail only grows, and says truly who did what: neither the role Baton
/// connects as nor the member role that requests of non-admins run under can
/// truncate or rewrite it, and the member role can append only in its own name.
@Suite struct AuditTrailTests {
    /// The SQLSTATE a statement failed with, or nil when it succeeded.
    static func refusal(_ body: () async throws -> Void) async -> String? {
        do {
            try await body()
            return nil
        } catch let error as PostgresError {
            return error.sqlState ?? error.code.rawValue
        } catch {
            return "\(error)"
        }
    }

    static func member(_ id: Int64) -> ActingRole {
        ActingRole(role: "baton_member", settings: ["baton.acting_user": String(id)])
    }

    @Test func theMemberRoleCannotWriteHistoryInSomeoneElsesNameNorRewriteIt() async throws {
        try await TestApp.run(business: true) { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "audit"))
            defer { Task { await pool.shutdown() } }
            let ana: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = 'ana.torres@demo.test'").first?.decode("id"))
            let admin: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = 'admin@demo.test'").first?.decode("id"))
            let before: Int = try #require(try await app.sql("SELECT count(*) AS n FROM audit_log").first?.decode("n"))
            #expect(before > 0)

            let attempts: [(String, Query)] = [
                ("in the admin's name", "INSERT INTO audit_log (actor_id, entity, entity_id, action) VALUES (\(admin), 'account', 1, 'delete')"),
                ("in nobody's name", "INSERT INTO audit_log (actor_id, entity, entity_id, action) VALUES (NULL, 'account', 1, 'delete')"),
                ("backdated", """
                    INSERT INTO audit_log (actor_id, at, entity, entity_id, action)
                    VALUES (\(ana), now() - interval '1 year', 'account', 1, 'update')
                    """),
                ("rewritten", "UPDATE audit_log SET actor_id = \(ana)"),
                ("erased", "DELETE FROM audit_log"),
                ("truncated", "TRUNCATE audit_log"),
            ]
            for (what, sql) in attempts {
                let refused = await Self.refusal {
                    try await ActingRole.$current.withValue(Self.member(ana)) {
                        try await pool.withConnection { _ = try await $0.query(sql) }
                    }
                }
                #expect(refused == "42501", "a member's audit entry \(what) was not refused (\(refused ?? "it succeeded"))")
            }
            // With no acting user at all, nothing can be appended either.
            let anonymous = await Self.refusal {
                try await ActingRole.$current.withValue(ActingRole(role: "baton_member")) {
                    try await pool.withConnection {
                        _ = try await $0.query("INSERT INTO audit_log (actor_id, entity, entity_id, action) VALUES (\(ana), 'account', 1, 'create')")
                    }
                }
            }
            #expect(anonymous == "42501")
            #expect(try await app.sql("SELECT count(*) AS n FROM audit_log").first?.decode("n", as: Int.self) == before)
            // The member still reads the trail (the timelines do).
            let seen: Int = try await ActingRole.$current.withValue(Self.member(ana)) {
                try await pool.withConnection { try await $0.query("SELECT count(*) AS n FROM audit_log").first?.decode("n") ?? 0 }
            }
            #expect(seen == before)
        }
    }

    @Test func theRoleBatonConnectsAsCannotTruncateOrRewriteTheTrail() async throws {
        try await TestApp.run(business: true) { app in
            let before: Int = try #require(try await app.sql("SELECT count(*) AS n FROM audit_log").first?.decode("n"))
            for sql: Query in ["TRUNCATE audit_log", "TRUNCATE audit_log CASCADE", "DELETE FROM audit_log", "UPDATE audit_log SET entity = 'x'"] {
                let refused = await Self.refusal { try await app.sql(sql) }
                #expect(refused == "42501", "\(sql) was not refused (\(refused ?? "it succeeded"))")
            }
            #expect(try await app.sql("SELECT count(*) AS n FROM audit_log").first?.decode("n", as: Int.self) == before)
        }
    }

    @Test func writesOfNonAdminsStillLeaveAuditEntriesInTheirName() async throws {
        try await TestApp.run { app in
            let token = try await app.signIn("ana.torres@demo.test")
            let ana = try await app.id(of: "ana.torres@demo.test", token: token)
            let created = try await app.request(.post, "/api/v1/accounts", token: token, json: #"{"name": "Audited Ltd"}"#)
            #expect(created.status == .created, "\(created.text)")
            let id = try #require(created.object["id"] as? Int)
            let renamed = try await app.request(.patch, "/api/v1/accounts/\(id)", token: token, json: #"{"name": "Audited Group"}"#,
                                                headers: [.ifMatch: created.headers[.eTag] ?? "*"])
            #expect(renamed.status == .ok, "\(renamed.text)")
            let entries = try await app.sql("""
                SELECT action, actor_id FROM audit_log WHERE entity = 'account' AND entity_id = \(Int64(id)) ORDER BY id
                """)
            #expect(try entries.map { try $0.decode("action", as: String.self) } == ["create", "update"])
            #expect(try entries.allSatisfy { try $0.decode("actor_id", as: Int64?.self) == ana })
        }
    }
}
