@testable import BatonApp
import BatonCore
import Foundation
import Logging
import Postgres
import Testing

/// Issue 19, item 11: the account page's white space reads the purchases that won deals'
/// names make from counts the triggers keep, and the board's "all open deals" totals an
/// admin sees come from the reports' totals. Both must say what reading the deals says.
@Suite struct AccountPageSpeedTests {
    /// A new account of Ana's, and Ana.
    static func accountAndOwner(_ app: TestApp, _ name: String) async throws -> (account: Int64, owner: Int64) {
        let owner = try #require(try await app.sql("SELECT id FROM users WHERE email = 'ana.torres@demo.test'").first?.decode("id", as: Int64.self))
        let account = try #require(try await app.sql("INSERT INTO accounts (name, owner_id) VALUES (\(name), \(owner)) RETURNING id").first?
            .decode("id", as: Int64.self))
        return (account, owner)
    }

    /// The words in SQL (`name_words`, sql/functions/white_space.sql) name the same typical
    /// projects as the rule in Swift (`WhiteSpace.named`): case, punctuation, runs of
    /// spaces, a word's part, words out of order, letters beyond ASCII.
    @Test func theNamesMatchInSQLAsInSwift() async throws {
        try await TestApp.run { app in
            let catalog: [(id: Int64, name: String)] = [
                (1, "Cloud migration"), (2, "Wi-Fi survey and rollout"), (3, "SOC2 readiness"), (4, "Évaluation réseau"),
                (5, "Security audit"), (6, "---"),
            ]
            let deals = [
                "Cloud migration – phase 2", "cloud   MIGRATION", "Cloud migrations", "Migration cloud", "Wi-Fi survey & rollout",
                "wi fi survey and rollout (north)", "SOC 2 readiness", "SOC2-readiness review", "ÉVALUATION RÉSEAU 2027",
                "Réévaluation réseau", "Security_audit", "Security-audit, Cloud migration", "", "Security audits",
            ]
            for deal in deals {
                let rows = try await app.sql("""
                    SELECT c.id FROM unnest(\(catalog.map(\.id))::bigint[], \(catalog.map(\.name))::text[]) AS c(id, name)
                    WHERE name_words(c.name) <> '  ' AND strpos(name_words(\(deal)::text), name_words(c.name)) > 0
                    """)
                let inSQL = Set(try rows.map { try $0.decode("id", as: Int64.self) })
                #expect(inSQL == WhiteSpace.named(inDeal: deal, catalog: catalog), "\(deal)")
            }
        }
    }

    /// The kept counts follow a deal's creation, renaming, move to another stage and
    /// deletion, and a typical project's renaming, as counting the deals again does.
    @Test func theKeptCountsAreTheDealsCountedAgain() async throws {
        try await TestApp.run { app in
            let (account, owner) = try await Self.accountAndOwner(app, "Kept Count Works")
            let project = try await app.sql("""
                INSERT INTO typical_projects (name, pricing_model, price) VALUES ('Kept count audit', 'fixed', 1000) RETURNING id
                """).first?.decode("id", as: Int64.self) ?? 0
            func agrees(_ step: String) async throws {
                let kept = try await app.sql("""
                    SELECT account_id, typical_project_id, stage_key, deals FROM opportunity_named_projects WHERE deals <> 0
                    EXCEPT
                    SELECT o.account_id, c.id, o.stage_key, count(*)::int FROM opportunities o JOIN typical_projects c
                      ON name_words(c.name) <> '  ' AND strpos(name_words(o.name), name_words(c.name)) > 0
                    GROUP BY 1, 2, 3
                    """)
                let counted = try await app.sql("""
                    SELECT o.account_id, c.id, o.stage_key, count(*)::int FROM opportunities o JOIN typical_projects c
                      ON name_words(c.name) <> '  ' AND strpos(name_words(o.name), name_words(c.name)) > 0
                    GROUP BY 1, 2, 3
                    EXCEPT
                    SELECT account_id, typical_project_id, stage_key, deals FROM opportunity_named_projects WHERE deals <> 0
                    """)
                #expect(kept.isEmpty && counted.isEmpty, "after \(step)")
            }
            let id = try await app.sql("""
                INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id)
                VALUES (\(account), 'Kept count audit – phase 1', 'closed_won', 10, '2026-06-30', \(owner)) RETURNING id
                """).first?.decode("id", as: Int64.self) ?? 0
            try await agrees("a win")
            try await app.sql("UPDATE opportunities SET name = 'Kept-count AUDIT and Security audit' WHERE id = \(id)")
            try await agrees("a rename")
            try await app.sql("UPDATE opportunities SET stage_key = 'proposal' WHERE id = \(id)")
            try await agrees("a stage move")
            try await app.sql("UPDATE typical_projects SET name = 'Count audit' WHERE id = \(project)")
            try await agrees("the catalog's rename")
            try await app.sql("DELETE FROM opportunities WHERE id = \(id)")
            try await agrees("a deletion")
        }
    }

    /// An admin's "all open deals" (everyone's and one person's) from the reports' totals
    /// equals the aggregate over the deals, which a period still reads.
    @Test func theAdminsAllOpenDealsTotalsAreTheDealsSums() async throws {
        try await TestApp.run { app in
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "board-totals"))
            defer { Task { await pool.shutdown() } }
            let admin = Caller(id: 1, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
            let (account, owner) = try await Self.accountAndOwner(app, "Board Totals Works")
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id, probability_override)
                VALUES (\(account), 'Board totals 1', 'prospecting', 1000.10, '2027-03-31', \(owner), NULL),
                       (\(account), 'Board totals 2', 'prospecting', 333.33, '2027-03-31', \(owner), 17.5),
                       (\(account), 'Board totals 3', 'proposal', 2500, '2027-03-31', \(owner), NULL)
                """)
            try await pool.withConnection { db in
                for who in [nil, owner] {
                    let kept = try await OpportunityStore().boardTotals(db, visibleTo: admin, ownerID: who, period: nil)
                    let rows = try await db.query("""
                        SELECT o.stage_key, count(*)::int AS n, sum(o.amount) AS total,
                               sum(o.amount * effective_probability(FALSE, s.probability, o.probability_override) / 100) AS weighted
                        FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                        WHERE NOT s.is_won AND NOT s.is_lost AND o.archived_at IS NULL AND (\(who)::bigint IS NULL OR o.owner_id = \(who))
                        GROUP BY o.stage_key
                        """)
                    #expect(!rows.isEmpty)
                    #expect(kept.count == rows.count)
                    for row in rows {
                        let stage: String = try row.decode("stage_key")
                        let sums = try #require(kept[stage])
                        #expect(sums.count == (try row.decode("n", as: Int.self)), "\(stage)")
                        #expect(sums.total == (try row.decode("total", as: Decimal.self)), "\(stage)")
                        #expect(sums.weighted == (try row.decode("weighted", as: Decimal.self)), "\(stage)")
                    }
                }
            }
        }
    }
}
