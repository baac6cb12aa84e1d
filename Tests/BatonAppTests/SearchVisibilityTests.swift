@testable import BatonApp
import Foundation
import Logging
import Postgres
import Testing

/// The visibility rules rewritten for speed at a million deals (issue 19, items 3 and 11):
/// the projects' and proposals' policies ask their rule in the policy (sql/0041), and the
/// global search finds its matches with `search_ids` (sql/functions/search.sql). Each must
/// let through exactly what the rule written out in plain SQL lets through.
@Suite struct SearchVisibilityTests {
    static func ids(_ result: QueryResult) throws -> Set<Int64> { Set(try result.map { try $0.decode("id", as: Int64.self) }) }

    @Test func aProjectOrProposalOutsideTheViewersAccountsIsSeenOnlyThroughItsPeople() async throws {
        try await TestApp.run(business: true) { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "rls"))
            defer { Task { await pool.shutdown() } }
            let ana: Int64 = try await app.sql("SELECT id FROM users WHERE email = 'ana.torres@demo.test'").first!.decode("id")
            let outside = "SELECT account_id FROM visible_account_ids(\(ana))"
            // A proposal on a deal Ana does not see, which she is asked to review; another she is not.
            let proposals = try Self.ids(try await app.sql("""
                SELECT p.id FROM proposals p JOIN opportunities o ON o.id = p.opportunity_id
                WHERE o.account_id NOT IN (\(unsafeSQL: outside)) AND p.author_id <> \(ana) ORDER BY p.id LIMIT 2
                """)).sorted()
            try #require(proposals.count == 2, "the demo firm has proposals outside Ana's accounts")
            try await app.sql("UPDATE proposals SET reviewer_id = \(ana) WHERE id = \(proposals[0])")
            try await app.sql("UPDATE proposals SET reviewer_id = NULL WHERE id = \(proposals[1])")
            // A project at an account Ana does not see, which she is assigned to; another she is not on.
            let projects = try Self.ids(try await app.sql("""
                SELECT j.id FROM projects j WHERE j.account_id NOT IN (\(unsafeSQL: outside)) AND j.project_manager_id IS DISTINCT FROM \(ana)
                  AND NOT EXISTS (SELECT 1 FROM assignments x WHERE x.project_id = j.id AND x.user_id = \(ana)) ORDER BY j.id LIMIT 2
                """)).sorted()
            try #require(projects.count == 2, "the demo firm has projects outside Ana's accounts")
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week)
                VALUES (\(projects[0]), \(ana), 'advisor', current_date, current_date + 7, 1)
                """)
            let (seenProposals, seenProjects) = try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(ana)])) {
                try await pool.withConnection { db in
                    (try Self.ids(try await db.query("SELECT id FROM proposals WHERE id = ANY(\(proposals))")),
                     try Self.ids(try await db.query("SELECT id FROM projects WHERE id = ANY(\(projects))")))
                }
            }
            #expect(seenProposals == [proposals[0]], "the reviewer sees the proposal; no one else outside the deal's account does")
            #expect(seenProjects == [projects[0]], "whoever is assigned sees the project; no one else outside its account does")
        }
    }

    @Test func theSearchFindsExactlyTheMatchesEachPersonSees() async throws {
        try await TestApp.run(business: true) { app in
            let viewers: [Int64?] = [nil] + (try await app.sql("""
                SELECT id FROM users WHERE email IN ('ana.torres@demo.test', 'felix.braun@demo.test', 'morgan.reyes@demo.test') ORDER BY id
                """).map { try $0.decode("id", as: Int64.self) })
            let rules: [(kind: String, match: String)] = [
                ("accounts", "SELECT a.id FROM accounts a WHERE (a.name ILIKE $1 OR a.domain ILIKE $1) AND a.archived_at IS NULL AND a.id IN ($2)"),
                ("contacts", "SELECT c.id FROM contacts c WHERE (c.name ILIKE $1 OR c.email ILIKE $1) AND c.archived_at IS NULL AND c.account_id IN ($2)"),
                ("opportunities", "SELECT o.id FROM opportunities o WHERE o.name ILIKE $1 AND o.archived_at IS NULL AND o.account_id IN ($2)"),
            ]
            for viewer in viewers {
                let visible = viewer.map { "SELECT account_id FROM visible_account_ids(\($0))" } ?? "SELECT id FROM accounts"
                for word in ["a", "e", "in", "co"] {
                    for rule in rules {
                        let pattern = "%" + word + "%"
                        let expected = try Self.ids(try await app.sql(Query(unsafeSQL: rule.match
                            .replacingOccurrences(of: "$1", with: "'\(pattern)'").replacingOccurrences(of: "$2", with: visible))))
                        let found = try Self.ids(try await app.sql("""
                            SELECT search_ids(\(rule.kind), \(viewer)::bigint, \(pattern), \(word + "%"), NULL, 100000) AS id
                            """))
                        #expect(found == expected, "\(rule.kind) matching \(word) for viewer \(viewer.map(String.init) ?? "admin")")
                    }
                }
            }
        }
    }
}
