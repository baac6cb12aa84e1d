import BatonApp
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// The second line of defence: PostgreSQL itself holds a request to its caller's
/// scope, so a query that forgot its WHERE clause still sees nothing outside it.
@Suite struct RowSecurityTests {
    /// Each protected table, and how the stores scope it, as SQL that names the viewer.
    static let scoped: [(table: String, unscoped: String, scoped: @Sendable (Int64) -> Query)] = [
        // Consultants also know the clients of the projects they work on.
        ("accounts", "SELECT id FROM accounts", { viewer in
            """
            SELECT a.id FROM accounts a WHERE a.id IN (SELECT account_id FROM visible_account_ids(\(viewer)))
               OR a.id IN (SELECT j.account_id FROM projects j JOIN assignments x ON x.project_id = j.id WHERE x.user_id = \(viewer))
            """
        }),
        ("contacts", "SELECT id FROM contacts", { viewer in
            "SELECT c.id FROM contacts c WHERE c.account_id IN (SELECT account_id FROM visible_account_ids(\(viewer)))"
        }),
        ("opportunities", "SELECT id FROM opportunities", { viewer in
            "SELECT o.id FROM opportunities o WHERE o.account_id IN (SELECT account_id FROM visible_account_ids(\(viewer)))"
        }),
        ("proposals", "SELECT id FROM proposals", { viewer in
            """
            SELECT p.id FROM proposals p JOIN opportunities o ON o.id = p.opportunity_id
            WHERE o.account_id IN (SELECT account_id FROM visible_account_ids(\(viewer))) OR p.author_id = \(viewer) OR p.reviewer_id = \(viewer)
            """
        }),
        ("projects", "SELECT id FROM projects", { viewer in
            """
            SELECT j.id FROM projects j WHERE j.account_id IN (SELECT account_id FROM visible_account_ids(\(viewer)))
               OR j.project_manager_id = \(viewer) OR EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = j.id AND x.user_id = \(viewer))
            """
        }),
        ("bonus_statements", "SELECT id FROM bonus_statements", { viewer in
            "SELECT s.id FROM bonus_statements s WHERE s.user_id IN (SELECT user_id FROM reporting_line(\(viewer)))"
        }),
    ]

    static func ids(_ result: QueryResult) throws -> Set<Int64> { Set(try result.map { try $0.decode("id", as: Int64.self) }) }

    @Test func aQueryThatForgetsItsScopeStillSeesOnlyTheCallersRows() async throws {
        try await TestApp.run(business: true) { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "rls"))
            defer { Task { await pool.shutdown() } }
            // An account manager, a project manager, a consultant, a manager: each sees less than the firm.
            for email in ["ana.torres@demo.test", "felix.braun@demo.test", "ivy.chen@demo.test", "morgan.reyes@demo.test"] {
                let viewer: Int64 = try await app.sql("SELECT id FROM users WHERE email = \(email)").first!.decode("id")
                for table in Self.scoped {
                    let everything = try Self.ids(try await pool.withConnection { try await $0.query(Query(unsafeSQL: table.unscoped)) })
                    let allowed = try Self.ids(try await pool.withConnection { try await $0.query(table.scoped(viewer)) })
                    let forgotten = try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(viewer)])) {
                        try Self.ids(try await pool.withConnection { try await $0.query(Query(unsafeSQL: table.unscoped)) })
                    }
                    #expect(forgotten == allowed, "\(email) on \(table.table)")
                    #expect(forgotten.isSubset(of: everything))
                    if email.hasPrefix("ana."), table.table == "accounts" || table.table == "opportunities" {
                        #expect(allowed.count < everything.count, "the demo firm has \(table.table) outside \(email)'s scope")
                    }
                }
            }
        }
    }

    @Test func aTransactionWithoutAnActingUserSeesNothingAndTheRoleEndsWithIt() async throws {
        try await TestApp.run(business: true) { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "rls"))
            defer { Task { await pool.shutdown() } }
            let nobody = try await ActingRole.$current.withValue(.init(role: "baton_member")) {
                try await pool.withConnection { try await $0.query("SELECT count(*) AS n FROM opportunities").first!.decode("n", as: Int.self) }
            }
            #expect(nobody == 0)
            // The same pooled connection, afterwards, is back to its own (owner's) view.
            let after = try await pool.withConnection { db in
                (try await db.query("SELECT current_user AS who, count(*) AS n FROM opportunities GROUP BY 1").first!, await ())
            }.0
            #expect(try after.decode("who", as: String.self) != "baton_member")
            #expect(try after.decode("n", as: Int.self) > 0)
            let setting = try await pool.withConnection { try await $0.query("SELECT current_setting('baton.acting_user', true) AS v").first! }
            #expect(try setting.decode("v", as: String?.self).map { $0.isEmpty } ?? true)
        }
    }

    @Test func updatesAndDeletesCannotReachRowsOutsideTheScope() async throws {
        try await TestApp.run(business: true) { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "rls"))
            defer { Task { await pool.shutdown() } }
            let ana: Int64 = try await app.sql("SELECT id FROM users WHERE email = 'ana.torres@demo.test'").first!.decode("id")
            let outside: Int64 = try await app.sql("""
                SELECT id FROM accounts WHERE id NOT IN (SELECT account_id FROM visible_account_ids(\(ana))) ORDER BY id LIMIT 1
                """).first!.decode("id")
            let touched = try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(ana)])) {
                try await pool.withConnection { db in
                    try await db.query("UPDATE accounts SET name = 'taken over' WHERE id = \(outside)").affectedRows
                        + db.query("DELETE FROM contacts WHERE account_id = \(outside)").affectedRows
                }
            }
            #expect(touched == 0)
            #expect(try await app.sql("SELECT name FROM accounts WHERE id = \(outside)").first!.decode("name", as: String.self) != "taken over")
        }
    }

    @Test func aFirmWideReadCanLiftTheScopeOnPurposeForTheRestOfItsBlockOnly() async throws {
        try await TestApp.run(business: true) { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "rls"))
            defer { Task { await pool.shutdown() } }
            let ana: Int64 = try await app.sql("SELECT id FROM users WHERE email = 'ana.torres@demo.test'").first!.decode("id")
            let total: Int = try await app.sql("SELECT count(*) AS n FROM opportunities").first!.decode("n")
            let (inside, lifted, after) = try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(ana)])) {
                try await pool.withConnection { db in
                    let count: Query = "SELECT count(*) AS n FROM opportunities"
                    let inside: Int = try await db.query(count).first!.decode("n")
                    let lifted: Int = try await db.withoutRowSecurity { try await db.query(count).first!.decode("n") }
                    let after: Int = try await db.query(count).first!.decode("n")
                    return (inside, lifted, after)
                }
            }
            #expect(inside < total)
            #expect(lifted == total)
            #expect(after == inside)
        }
    }

    @Test func requestsOfEveryoneButAdminsRunUnderThePolicies() async throws {
        try await TestApp.run(business: true) { app in
            // A policy that hides every account from the member role, on this test's database only.
            try await app.sql("CREATE POLICY hide_all ON accounts AS RESTRICTIVE FOR SELECT TO baton_member USING (false)")
            let ana = try await app.signIn("ana.torres@demo.test")
            let admin = try await app.signIn("admin@demo.test")
            let hers = try await app.request(.get, "/api/v1/accounts", token: ana)
            let all = try await app.request(.get, "/api/v1/accounts", token: admin)
            #expect(hers.status == .ok && all.status == .ok)
            #expect(try (hers.object["items"] as? [Any])?.count == 0)
            #expect(try ((all.object["items"] as? [Any])?.count ?? 0) > 0)
        }
    }
}
