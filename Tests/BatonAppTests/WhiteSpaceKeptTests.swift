import BatonCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// White space's purchases through accepted proposals and won deals' projects are kept per
/// deal and typical project (`white_space_purchases`, sql/0053) by triggers on proposals,
/// their lines, projects, their phases and the deals (sql/functions/white_space.sql).
/// After every kind of write that changes them the kept rows must equal the rule worked out
/// from scratch, the deal's own rows must say what the write made of them (so that a trigger
/// that never fired fails too, not only one that computed wrongly), and an account's white
/// space must be what the statement that joined the proposals and projects on every page
/// answered.
@Suite struct WhiteSpaceKeptTests {
    /// Rows that differ between the kept table and the rule computed from the deals,
    /// proposals, lines, projects and phases as they stand (both directions; 0 when they
    /// agree). Written with EXISTS per deal and typical project, not as the triggers' union.
    static let drift: Query = """
        WITH computed AS (
            SELECT o.id AS opportunity_id, t.id AS typical_project_id, o.account_id, o.stage_key,
                   EXISTS (SELECT FROM proposals p JOIN proposal_lines l ON l.proposal_id = p.id
                           WHERE p.opportunity_id = o.id AND p.status = 'accepted' AND l.typical_project_id = t.id) AS accepted,
                   EXISTS (SELECT FROM projects j JOIN project_phases ph ON ph.project_id = j.id
                           WHERE j.opportunity_id = o.id AND ph.typical_project_id = t.id) AS delivered
            FROM opportunities o CROSS JOIN typical_projects t
            WHERE o.id IN (SELECT opportunity_id FROM proposals UNION SELECT opportunity_id FROM projects)
        ), kept AS (
            SELECT opportunity_id, typical_project_id, account_id, stage_key, accepted, delivered FROM white_space_purchases
        ), wanted AS (
            SELECT * FROM computed WHERE accepted OR delivered
        )
        SELECT (SELECT count(*) FROM (SELECT * FROM wanted EXCEPT ALL SELECT * FROM kept) a)::int
             + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM wanted) b)::int AS n,
               (SELECT count(*) FROM kept)::int AS kept
        """

    static func expectNoDrift(_ app: TestApp, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let row = try #require(try await app.sql(drift).first)
        #expect(try row.decode("n", as: Int.self) == 0, "kept rows drifted after: \(step)", sourceLocation: sourceLocation)
    }

    /// The deal's kept rows as "template:accepted|delivered stage account-name", in template order.
    static func kept(_ app: TestApp, deal: Int64) async throws -> [String] {
        try await app.sql("""
            SELECT t.name || ':' || concat_ws('+', CASE WHEN k.accepted THEN 'accepted' END, CASE WHEN k.delivered THEN 'delivered' END)
                   || ' ' || k.stage_key || ' ' || a.name AS row
            FROM white_space_purchases k JOIN typical_projects t ON t.id = k.typical_project_id JOIN accounts a ON a.id = k.account_id
            WHERE k.opportunity_id = \(deal) ORDER BY t.name
            """).map { try $0.decode("row") }
    }

    /// White space as the statement before sql/0053 answered it, from the proposals,
    /// lines, projects and phases themselves (and the named counts, which it read too),
    /// ranked by the same rule.
    static func fromScratch(_ app: TestApp, account: Int64) async throws -> [WhiteSpaceItem] {
        let catalog = try await app.sql("SELECT id, name FROM typical_projects WHERE archived_at IS NULL ORDER BY id").map {
            (id: try $0.decode("id", as: Int64.self), name: try $0.decode("name", as: String.self))
        }
        let rows = try await app.sql("""
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT id, parent_id FROM accounts WHERE id = \(account)
                UNION SELECT a.id, a.parent_id FROM accounts a JOIN up ON a.id = up.parent_id
            ), top AS (SELECT id FROM up WHERE parent_id IS NULL),
            family(id) AS (
                SELECT id FROM top UNION SELECT a.id FROM accounts a JOIN family f ON a.parent_id = f.id
            ),
            related AS (
                SELECT a.id, a.id IN (SELECT id FROM family) AS in_family,
                       a.industry IS NOT DISTINCT FROM (SELECT industry FROM accounts WHERE id = \(account)) AS in_industry
                FROM accounts a
                WHERE a.id IN (SELECT id FROM family)
                   OR a.industry IS NOT DISTINCT FROM (SELECT industry FROM accounts WHERE id = \(account))
            ),
            bought AS (
                SELECT r.id AS account_id, r.in_family, r.in_industry, l.typical_project_id
                FROM related r JOIN opportunities o ON o.account_id = r.id JOIN proposals p ON p.opportunity_id = o.id
                JOIN proposal_lines l ON l.proposal_id = p.id
                WHERE p.status = 'accepted' AND l.typical_project_id IS NOT NULL
                UNION ALL
                SELECT r.id, r.in_family, r.in_industry, ph.typical_project_id
                FROM related r JOIN opportunities o ON o.account_id = r.id JOIN pipeline_stages s ON s.key = o.stage_key AND s.is_won
                JOIN projects j ON j.opportunity_id = o.id JOIN project_phases ph ON ph.project_id = j.id
                WHERE ph.typical_project_id IS NOT NULL
                UNION ALL
                SELECT r.id, r.in_family, r.in_industry, n.typical_project_id
                FROM related r JOIN opportunity_named_projects n ON n.account_id = r.id
                JOIN pipeline_stages s ON s.key = n.stage_key AND s.is_won
                WHERE n.deals > 0
            )
            SELECT typical_project_id, bool_or(in_family) AS in_family,
                   count(DISTINCT account_id) FILTER (WHERE in_industry)::int AS industry_buyers
            FROM bought GROUP BY typical_project_id
            """)
        var bought: Set<Int64> = []
        var byIndustry: [Int64: Int] = [:]
        for row in rows {
            let project: Int64 = try row.decode("typical_project_id")
            if try row.decode("in_family", as: Bool.self) { bought.insert(project) }
            byIndustry[project] = try row.decode("industry_buyers")
        }
        return WhiteSpace.rank(catalog: catalog, bought: bought, boughtInIndustry: byIndustry)
    }

    /// The account's white space as the API answers it: (typical project, industry buyers), in order.
    static func served(_ app: TestApp, account: Int64, token: String) async throws -> [String] {
        let r = try await app.request(.get, "/api/v1/accounts/\(account)/white-space", token: token)
        #expect(r.status == .ok, "white space of \(account): \(r.text)")
        return try (r.object["items"] as? [[String: Any]] ?? []).map {
            "\($0["typicalProjectId"].map { "\($0)" } ?? "?"):\($0["industryBuyers"].map { "\($0)" } ?? "?")"
        }
    }

    static func expectSameAnswer(_ app: TestApp, accounts: [Int64], token: String, _ step: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for account in accounts {
            let want = try await fromScratch(app, account: account).map { "\($0.typicalProjectId):\($0.industryBuyers)" }
            #expect(try await served(app, account: account, token: token) == want,
                    "account \(account)'s white space after: \(step)", sourceLocation: sourceLocation)
        }
    }

    @Test func theDemoFirmsPurchasesAreKeptAndEveryAccountsWhiteSpaceIsAsBefore() async throws {
        try await TestApp.run(business: true) { app in
            let row = try #require(try await app.sql(Self.drift).first)
            #expect(try row.decode("n", as: Int.self) == 0)
            #expect(try row.decode("kept", as: Int.self) > 0, "the demo firm has accepted proposals and projects")
            let admin = try await app.signIn("admin@demo.test")
            let accounts = try await app.sql("SELECT id FROM accounts ORDER BY id").map { try $0.decode("id", as: Int64.self) }
            #expect(accounts.count > 1)
            try await Self.expectSameAnswer(app, accounts: accounts, token: admin, "the demo firm's load")
        }
    }

    @Test func keptRowsFollowEveryWriteToProposalsProjectsAndDeals() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let owner = try #require(try await app.sql("SELECT id FROM users WHERE email = 'ana.torres@demo.test'").first?
                .decode("id", as: Int64.self))
            try await app.sql("""
                INSERT INTO typical_projects (name, pricing_model, price)
                VALUES ('Kept WS A', 'fixed', 1000), ('Kept WS B', 'fixed', 1000), ('Kept WS C', 'fixed', 1000)
                """)
            func account(_ name: String) async throws -> Int64 {
                try #require(try await app.sql("""
                    INSERT INTO accounts (name, owner_id, industry) VALUES (\(name), \(owner), 'Kept industry') RETURNING id
                    """).first?.decode("id", as: Int64.self))
            }
            let (x, y) = (try await account("Kept X"), try await account("Kept Y"))
            func deal(_ name: String, on account: Int64) async throws -> Int64 {
                try #require(try await app.sql("""
                    INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id)
                    VALUES (\(account), \(name), 'negotiation', 1000, current_date + 30, \(owner)) RETURNING id
                    """).first?.decode("id", as: Int64.self))
            }
            let d = try await deal("Kept deal one", on: x)
            func line(_ proposal: Int64, _ position: Int, _ template: String) async throws {
                try await app.sql("""
                    INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                    SELECT \(proposal), \(position), id, 1, 'fixed', 10, 10 FROM typical_projects WHERE name = \(template)
                    """)
            }
            func check(_ step: String, _ deal: Int64, _ want: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
                #expect(try await Self.kept(app, deal: deal) == want, "after: \(step)", sourceLocation: sourceLocation)
                try await Self.expectNoDrift(app, step, sourceLocation: sourceLocation)
                try await Self.expectSameAnswer(app, accounts: [x, y], token: admin, step, sourceLocation: sourceLocation)
            }

            // A sent proposal buys nothing; accepted, its lines' typical projects are bought.
            let proposal = try #require(try await app.sql("""
                INSERT INTO proposals (opportunity_id, number, status, author_id) VALUES (\(d), 1, 'sent', \(owner)) RETURNING id
                """).first?.decode("id", as: Int64.self))
            try await line(proposal, 1, "Kept WS A")
            try await line(proposal, 2, "Kept WS B")
            try await check("a sent proposal", d, [])
            try await app.sql("UPDATE proposals SET status = 'accepted', accepted_on = current_date WHERE id = \(proposal)")
            try await check("accepted", d, ["Kept WS A:accepted negotiation Kept X", "Kept WS B:accepted negotiation Kept X"])

            // An accepted proposal's lines changed, removed and added; a price changes nothing.
            try await app.sql("UPDATE proposal_lines SET typical_project_id = (SELECT id FROM typical_projects WHERE name = 'Kept WS C') WHERE proposal_id = \(proposal) AND position = 2")
            try await check("a line's typical project changed", d, ["Kept WS A:accepted negotiation Kept X", "Kept WS C:accepted negotiation Kept X"])
            try await app.sql("DELETE FROM proposal_lines WHERE proposal_id = \(proposal) AND position = 2")
            try await check("a line removed", d, ["Kept WS A:accepted negotiation Kept X"])
            try await line(proposal, 2, "Kept WS B")
            try await app.sql("UPDATE proposal_lines SET unit_price = 20 WHERE proposal_id = \(proposal)")
            try await check("a line added", d, ["Kept WS A:accepted negotiation Kept X", "Kept WS B:accepted negotiation Kept X"])

            // Won, and handed off: the project's phases (one without a typical project) are delivered purchases.
            try await app.sql("UPDATE opportunities SET stage_key = 'closed_won', closed_on = current_date WHERE id = \(d)")
            try await check("won", d, ["Kept WS A:accepted closed_won Kept X", "Kept WS B:accepted closed_won Kept X"])
            let project = try #require(try await app.sql("""
                INSERT INTO projects (name, account_id, opportunity_id, proposal_id, start_date, contract_value)
                VALUES ('Kept project', \(x), \(d), \(proposal), current_date, 1000) RETURNING id
                """).first?.decode("id", as: Int64.self))
            try await app.sql("""
                INSERT INTO project_phases (project_id, position, name, typical_project_id, start_date, due_date, value)
                SELECT \(project)::bigint, row_number() OVER (ORDER BY t.name), t.name, t.id, current_date, current_date + 10, 0
                FROM typical_projects t WHERE t.name IN ('Kept WS A', 'Kept WS C')
                UNION ALL SELECT \(project)::bigint, 9, 'Travel', NULL, current_date, current_date + 1, 0
                """)
            try await check("handed off", d, ["Kept WS A:accepted+delivered closed_won Kept X", "Kept WS B:accepted closed_won Kept X",
                                              "Kept WS C:delivered closed_won Kept X"])
            try await app.sql("UPDATE project_phases SET typical_project_id = (SELECT id FROM typical_projects WHERE name = 'Kept WS B') WHERE project_id = \(project) AND name = 'Kept WS C'")
            try await app.sql("UPDATE project_phases SET completed_on = current_date WHERE project_id = \(project)")
            try await check("a phase's typical project changed", d, ["Kept WS A:accepted+delivered closed_won Kept X",
                                                                    "Kept WS B:accepted+delivered closed_won Kept X"])

            // The deal moved to another account, then reopened (a delivered purchase counts only while won).
            try await app.sql("UPDATE opportunities SET account_id = \(y) WHERE id = \(d)")
            try await check("moved to another account", d, ["Kept WS A:accepted+delivered closed_won Kept Y",
                                                           "Kept WS B:accepted+delivered closed_won Kept Y"])
            try await app.sql("UPDATE proposals SET status = 'declined', accepted_on = NULL, declined_on = current_date WHERE id = \(proposal)")
            try await check("no longer accepted", d, ["Kept WS A:delivered closed_won Kept Y", "Kept WS B:delivered closed_won Kept Y"])
            let a = try await Self.templateID(app, "Kept WS A")
            #expect(try await Self.served(app, account: y, token: admin).allSatisfy { !$0.hasPrefix("\(a):") },
                    "a won deal's project's phase is bought")
            try await app.sql("UPDATE opportunities SET stage_key = 'negotiation', closed_on = NULL WHERE id = \(d)")
            try await check("reopened", d, ["Kept WS A:delivered negotiation Kept Y", "Kept WS B:delivered negotiation Kept Y"])
            #expect(try await Self.served(app, account: y, token: admin).contains { $0.hasPrefix("\(a):") },
                    "an open deal's project is not a purchase")

            // Accepted again; the project moved to another deal, a phase removed, the project removed.
            try await app.sql("UPDATE proposals SET status = 'accepted', accepted_on = current_date, declined_on = NULL WHERE id = \(proposal)")
            let e = try await deal("Kept deal two", on: x)
            try await app.sql("UPDATE opportunities SET stage_key = 'closed_won', closed_on = current_date WHERE id = \(e)")
            try await app.sql("UPDATE projects SET opportunity_id = \(e) WHERE id = \(project)")
            try await check("the project moved (the first deal)", d, ["Kept WS A:accepted negotiation Kept Y", "Kept WS B:accepted negotiation Kept Y"])
            try await check("the project moved (the second deal)", e, ["Kept WS A:delivered closed_won Kept X", "Kept WS B:delivered closed_won Kept X"])
            try await app.sql("DELETE FROM project_phases WHERE project_id = \(project) AND name = 'Kept WS A'")
            try await check("a phase removed", e, ["Kept WS B:delivered closed_won Kept X"])
            try await app.sql("DELETE FROM projects WHERE id = \(project)")
            try await check("the project removed", e, [])

            // The proposal removed (its lines go with it); one inserted already accepted, with its lines, in one statement.
            try await app.sql("DELETE FROM proposals WHERE id = \(proposal)")
            try await check("the proposal removed", d, [])
            try await app.sql("""
                WITH p AS (INSERT INTO proposals (opportunity_id, number, status, author_id, accepted_on)
                           VALUES (\(e), 1, 'accepted', \(owner), current_date) RETURNING id)
                INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                SELECT p.id, 1, t.id, 1, 'fixed', 10, 10 FROM p, typical_projects t WHERE t.name = 'Kept WS C'
                """)
            try await check("inserted accepted", e, ["Kept WS C:accepted closed_won Kept X"])

            // The deal removed (its proposals first: they do not cascade).
            try await app.sql("DELETE FROM proposals WHERE opportunity_id = \(e)")
            try await app.sql("DELETE FROM opportunities WHERE id = \(e)")
            try await check("the deal removed", e, [])
        }
    }

    static func templateID(_ app: TestApp, _ name: String) async throws -> Int64 {
        try #require(try await app.sql("SELECT id FROM typical_projects WHERE name = \(name)").first?.decode("id", as: Int64.self))
    }
}
