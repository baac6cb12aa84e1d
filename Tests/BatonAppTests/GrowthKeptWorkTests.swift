import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The growth report's pipeline work is kept per open deal and typical project
/// (`growth_pipeline_work`, sql/0052) by triggers on proposals, their lines and the deals
/// (sql/functions/growth.sql). After every kind of write that changes it, the kept rows
/// must equal the rule worked out from scratch, and the deal's own row must say what the
/// write made of it (so that a trigger that never fired fails too, not only one that
/// computed wrongly).
@Suite struct GrowthKeptWorkTests {
    /// Rows that differ between the kept table and the rule computed from the deals,
    /// proposals and lines as they stand (both directions; 0 when they agree).
    static let drift: Query = """
        WITH computed AS (
            SELECT o.id AS opportunity_id, l.typical_project_id, sum(CASE WHEN l.unit = 'fixed' THEN l.quantity ELSE 1 END) AS units,
                   p.proposed_start, o.close_date, o.stage_key, o.probability_override
            FROM opportunities o
            JOIN proposals p ON p.opportunity_id = o.id AND p.status <> 'superseded'
                AND NOT EXISTS (SELECT FROM proposals q WHERE q.opportunity_id = o.id AND q.number > p.number AND q.status <> 'superseded')
            JOIN pipeline_stages st ON st.key = o.stage_key AND NOT st.is_won AND NOT st.is_lost
            JOIN proposal_lines l ON l.proposal_id = p.id AND l.typical_project_id IS NOT NULL
            WHERE o.archived_at IS NULL
            GROUP BY o.id, l.typical_project_id, p.proposed_start
        ), kept AS (
            SELECT opportunity_id, typical_project_id, units, proposed_start, close_date, stage_key, probability_override
            FROM growth_pipeline_work
        )
        SELECT (SELECT count(*) FROM (SELECT * FROM computed EXCEPT ALL SELECT * FROM kept) a)::int
             + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT ALL SELECT * FROM computed) b)::int AS n,
               (SELECT count(*) FROM kept)::int AS kept
        """

    static func expectNoDrift(_ app: TestApp, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let row = try #require(try await app.sql(drift).first)
        #expect(try row.decode("n", as: Int.self) == 0, "kept rows drifted after: \(step)", sourceLocation: sourceLocation)
    }

    /// The deal's kept rows as "template:units@start/close stage override", in template order.
    static func kept(_ app: TestApp, deal: Int64) async throws -> [String] {
        try await app.sql("""
            SELECT t.name || ':' || (k.units::numeric(12, 1))::text || '@' || coalesce((k.proposed_start - (now() AT TIME ZONE 'UTC')::date)::text, '-')
                   || '/' || (k.close_date - (now() AT TIME ZONE 'UTC')::date)::text || ' ' || k.stage_key
                   || coalesce(' ' || k.probability_override::int::text, '') AS row
            FROM growth_pipeline_work k JOIN typical_projects t ON t.id = k.typical_project_id
            WHERE k.opportunity_id = \(deal) ORDER BY t.name
            """).map { try $0.decode("row") }
    }

    @Test func theDemoFirmsProposalsAreKeptAsTheyAreLoaded() async throws {
        try await TestApp.run(business: true) { app in
            let row = try #require(try await app.sql(Self.drift).first)
            #expect(try row.decode("n", as: Int.self) == 0)
            #expect(try row.decode("kept", as: Int.self) > 0, "the demo firm has open deals with proposals")
        }
    }

    @Test func keptRowsFollowEveryWriteToProposalsLinesAndDeals() async throws {
        try await TestApp.run { app in
            let today = "(now() AT TIME ZONE 'UTC')::date"
            try await app.sql("""
                INSERT INTO typical_projects (name, pricing_model, price)
                VALUES ('Kept A', 'fixed', 1000), ('Kept B', 'fixed', 1000)
                """)
            if try await app.sql("SELECT count(*)::int AS n FROM accounts").first!.decode("n", as: Int.self) == 0 {
                try await app.sql("INSERT INTO accounts (name, owner_id) VALUES ('Kept account', 4)")
            }
            let deal: Int64 = try await app.sql("""
                INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id)
                SELECT min(id), 'Kept deal', 'proposal', 1000, \(unsafeSQL: today) + 30, 4 FROM accounts RETURNING id
                """).first!.decode("id")
            // A proposal numbered `number` starting `start` days from today, with lines of
            // (template, unit, quantity); its id.
            func proposal(number: Int, status: String = "sent", start: Int?, lines: [(String, String, Int)]) async throws -> Int64 {
                let id: Int64 = try await app.sql("""
                    INSERT INTO proposals (opportunity_id, number, status, author_id, proposed_start)
                    VALUES (\(deal), \(number), \(status), (SELECT min(id) FROM users), \(unsafeSQL: today) + \(start)::int) RETURNING id
                    """).first!.decode("id")
                for (position, line) in lines.enumerated() {
                    try await app.sql("""
                        INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                        SELECT \(id), \(position + 1), id, \(line.2)::numeric, \(line.1)::text, 10, 10 FROM typical_projects WHERE name = \(line.0)
                        """)
                }
                return id
            }

            // A first proposal: two fixed lines of A add up, an hourly line of B counts once.
            let first = try await proposal(number: 1, start: 10, lines: [("Kept A", "fixed", 2), ("Kept A", "fixed", 3), ("Kept B", "hour", 40)])
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:5.0@10/30 proposal", "Kept B:1.0@10/30 proposal"])
            try await Self.expectNoDrift(app, "a proposal and its lines")

            // A new version (as ProposalStore makes one): the next number, the one before superseded.
            let second = try await proposal(number: 2, start: nil, lines: [("Kept B", "fixed", 4)])
            #expect(try await Self.kept(app, deal: deal) == ["Kept B:4.0@-/30 proposal"], "the latest proposal only")
            try await app.sql("UPDATE proposals SET status = 'superseded', version = version + 1 WHERE id = \(first)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept B:4.0@-/30 proposal"])
            try await Self.expectNoDrift(app, "a new version")

            // Its lines edited: a quantity changed, then all replaced (as ProposalStore saves them).
            try await app.sql("UPDATE proposal_lines SET quantity = 6 WHERE proposal_id = \(second)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept B:6.0@-/30 proposal"])
            try await app.sql("UPDATE proposal_lines SET unit = 'day' WHERE proposal_id = \(second)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept B:1.0@-/30 proposal"])
            try await app.sql("DELETE FROM proposal_lines WHERE proposal_id = \(second)")
            #expect(try await Self.kept(app, deal: deal) == [])
            try await app.sql("""
                INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                SELECT \(second), 1, id, 7, 'fixed', 10, 10 FROM typical_projects WHERE name = 'Kept A'
                """)
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:7.0@-/30 proposal"])
            try await Self.expectNoDrift(app, "lines edited")

            // The proposal's start, and the deal's stage, own probability and close date.
            try await app.sql("UPDATE proposals SET proposed_start = \(unsafeSQL: today) + 3 WHERE id = \(second)")
            try await app.sql("UPDATE opportunities SET stage_key = 'negotiation', probability_override = 55, close_date = \(unsafeSQL: today) + 20 WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:7.0@3/20 negotiation 55"])
            try await Self.expectNoDrift(app, "the stage moved")

            // Won, then reopened; lost, then reopened.
            try await app.sql("UPDATE opportunities SET stage_key = 'closed_won', closed_on = \(unsafeSQL: today) WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == [], "a won deal is no longer pipeline")
            try await Self.expectNoDrift(app, "won")
            try await app.sql("UPDATE opportunities SET stage_key = 'proposal', closed_on = NULL WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:7.0@3/20 proposal 55"])
            try await app.sql("UPDATE opportunities SET stage_key = 'closed_lost', closed_on = \(unsafeSQL: today) WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == [])
            try await app.sql("UPDATE opportunities SET stage_key = 'negotiation', closed_on = NULL WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:7.0@3/20 negotiation 55"])
            try await Self.expectNoDrift(app, "lost and reopened")

            // Archived and back.
            try await app.sql("UPDATE opportunities SET archived_at = now() WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == [])
            try await app.sql("UPDATE opportunities SET archived_at = NULL WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:7.0@3/20 negotiation 55"])

            // The latest proposal deleted: the one before is superseded, so nothing is left;
            // made live again, it counts.
            try await app.sql("DELETE FROM proposals WHERE id = \(second)")
            #expect(try await Self.kept(app, deal: deal) == [])
            try await app.sql("UPDATE proposals SET status = 'declined' WHERE id = \(first)")
            #expect(try await Self.kept(app, deal: deal) == ["Kept A:5.0@10/20 negotiation 55", "Kept B:1.0@10/20 negotiation 55"])
            try await Self.expectNoDrift(app, "a proposal deleted")

            // The deal deleted (its proposals first: they do not cascade).
            try await app.sql("DELETE FROM proposals WHERE opportunity_id = \(deal)")
            try await app.sql("INSERT INTO proposals (opportunity_id, number, status, author_id) VALUES (\(deal), 9, 'draft', (SELECT min(id) FROM users))")
            try await app.sql("""
                INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                SELECT p.id, 1, t.id, 1, 'fixed', 10, 10 FROM proposals p, typical_projects t WHERE p.opportunity_id = \(deal) AND t.name = 'Kept B'
                """)
            #expect(try await Self.kept(app, deal: deal) == ["Kept B:1.0@-/20 negotiation 55"])
            try await app.sql("DELETE FROM proposals WHERE opportunity_id = \(deal)")
            try await app.sql("DELETE FROM opportunities WHERE id = \(deal)")
            #expect(try await Self.kept(app, deal: deal) == [])
            try await Self.expectNoDrift(app, "the deal deleted")
        }
    }

    /// A stage's probability is read when the report asks, not kept: changing it moves
    /// the report's figures with nothing kept to go stale.
    @Test func aStagesProbabilityChangedMovesTheReportWithoutKeptRows() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let today = "(now() AT TIME ZONE 'UTC')::date"
            try await app.sql("""
                WITH s AS (INSERT INTO skills (name) VALUES ('Kept skill') RETURNING id),
                t AS (INSERT INTO typical_projects (name, pricing_model, price) VALUES ('Kept template', 'fixed', 1000) RETURNING id),
                a AS (INSERT INTO typical_project_phases (typical_project_id, position, name, offset_days, length_days, share_percent)
                      SELECT id, 1, 'Only', 0, 10, 100 FROM t RETURNING id)
                INSERT INTO typical_project_phase_skills (phase_id, skill_id, hours) SELECT a.id, s.id, 100 FROM a, s
                """)
            if try await app.sql("SELECT count(*)::int AS n FROM accounts").first!.decode("n", as: Int.self) == 0 {
                try await app.sql("INSERT INTO accounts (name, owner_id) VALUES ('Kept account', 4)")
            }
            try await app.sql("""
                WITH o AS (INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id)
                           SELECT min(id), 'Kept deal', 'proposal', 1000, \(unsafeSQL: today) + 30, 4 FROM accounts RETURNING id),
                p AS (INSERT INTO proposals (opportunity_id, number, status, author_id, proposed_start)
                      SELECT o.id, 1, 'sent', (SELECT min(id) FROM users), \(unsafeSQL: today) FROM o RETURNING id)
                INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                SELECT p.id, 1, (SELECT id FROM typical_projects WHERE name = 'Kept template'), 1, 'fixed', 10, 10 FROM p
                """)
            func demand() async throws -> Decimal? {
                let growth = try await app.request(.get, "/api/v1/reports/growth?weeks=4", token: admin)
                let skills = try growth.object["skills"] as? [[String: Any]] ?? []
                return skills.first { $0["skill"] as? String == "kept skill" }.flatMap { ($0["demandHours"] as? String).flatMap { Decimal(string: $0) } }
            }
            let before = try await app.sql("SELECT probability FROM pipeline_stages WHERE key = 'proposal'").first!.decode("probability", as: Decimal.self)
            #expect(try await demand() == before, "100 h at the stage's probability")
            try await app.sql("UPDATE pipeline_stages SET probability = 25 WHERE key = 'proposal'")
            #expect(try await demand() == 25)
            try await Self.expectNoDrift(app, "a stage's probability changed")
        }
    }
}
