import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The growth report's "likely work" from the pipeline, held to a hand count: each open,
/// unarchived deal's latest proposal that is not superseded, its lines' templates spread
/// over the horizon from the proposal's start (else the deal's close date), weighted by
/// quantity (fixed lines) and the deal's probability. The figures are those of the
/// statement before it was rewritten for speed (issue 21, ninth stop); this test passed
/// on both.
@Suite struct GrowthPipelineWorkTests {
    @Test func likelyWorkCountsEachOpenDealsLatestProposalOverTheHorizon() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            // A skill of its own, so that nothing of the demo firm's adds to it. A template of
            // two phases: days 0-10 need 30 h, days 10-30 need 40 h.
            try await app.sql("""
                WITH s AS (INSERT INTO skills (name) VALUES ('Growth hand count') RETURNING id),
                t AS (INSERT INTO typical_projects (name, pricing_model, price) VALUES ('Growth hand template', 'fixed', 1000) RETURNING id),
                a AS (INSERT INTO typical_project_phases (typical_project_id, position, name, offset_days, length_days, share_percent)
                      SELECT id, 1, 'First', 0, 10, 50 FROM t RETURNING id),
                b AS (INSERT INTO typical_project_phases (typical_project_id, position, name, offset_days, length_days, share_percent)
                      SELECT id, 2, 'Second', 10, 20, 50 FROM t RETURNING id)
                INSERT INTO typical_project_phase_skills (phase_id, skill_id, hours)
                SELECT a.id, s.id, 30 FROM a, s UNION ALL SELECT b.id, s.id, 40 FROM b, s
                """)
            // Deals and proposals, dated from the report's today (UTC). `deal` makes a deal;
            // `proposal` gives it a proposal numbered `number`, starting `start` days from today
            // (NULL: none), with one line of the template.
            let today = "(now() AT TIME ZONE 'UTC')::date"
            func deal(_ name: String, stage: String, close: Int, override: Int? = nil, archived: Bool = false) async throws -> Int64 {
                try await app.sql("""
                    INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id, probability_override,
                                               closed_on, archived_at)
                    SELECT (SELECT min(id) FROM accounts), \(name), \(stage), 1000, \(unsafeSQL: today) + \(close)::int, 4, \(override)::numeric,
                           CASE WHEN \(stage)::text = 'closed_won' THEN \(unsafeSQL: today) END, CASE WHEN \(archived)::boolean THEN now() END
                    RETURNING id
                    """).first!.decode("id")
            }
            func proposal(_ deal: Int64, number: Int, status: String, start: Int?, unit: String, quantity: Int) async throws {
                try await app.sql("""
                    WITH p AS (
                        INSERT INTO proposals (opportunity_id, number, status, author_id, proposed_start)
                        VALUES (\(deal), \(number), \(status), (SELECT min(id) FROM users), \(unsafeSQL: today) + \(start)::int) RETURNING id)
                    INSERT INTO proposal_lines (proposal_id, position, typical_project_id, quantity, unit, unit_price, line_total)
                    SELECT p.id, 1, (SELECT id FROM typical_projects WHERE name = 'Growth hand template'), \(quantity)::numeric, \(unit)::text, 10, 10
                    FROM p
                    """)
            }
            if try await app.sql("SELECT count(*)::int AS n FROM accounts").first!.decode("n", as: Int.self) == 0 {
                try await app.sql("INSERT INTO accounts (name, owner_id) VALUES ('Growth hand account', 4)")
            }
            // Counted: at 60 %, proposal 2 (the latest; 1 was declined), starting today, 2 fixed units: weight 120.
            let counted = try await deal("Counted", stage: "proposal", close: 40)
            try await proposal(counted, number: 1, status: "declined", start: 0, unit: "fixed", quantity: 7)
            try await proposal(counted, number: 2, status: "sent", start: 0, unit: "fixed", quantity: 2)
            // Its own probability (50 %), no proposed start (its close date, in 5 days), hourly: weight 50.
            let override = try await deal("Override", stage: "negotiation", close: 5, override: 50)
            try await proposal(override, number: 1, status: "sent", start: nil, unit: "hour", quantity: 100)
            // Left out: a later superseded proposal does not hide the one before it, whose start is in the past.
            let superseded = try await deal("Superseded", stage: "proposal", close: 10)
            try await proposal(superseded, number: 1, status: "sent", start: -100, unit: "fixed", quantity: 3)
            try await proposal(superseded, number: 2, status: "superseded", start: 0, unit: "fixed", quantity: 3)
            // Left out: the latest proposal starts too early to reach today, though an older one is in range.
            let early = try await deal("Early", stage: "proposal", close: 10)
            try await proposal(early, number: 1, status: "sent", start: 0, unit: "fixed", quantity: 4)
            try await proposal(early, number: 2, status: "sent", start: -100, unit: "fixed", quantity: 4)
            // Left out: a won deal, an archived one, one that starts after the horizon.
            let won = try await deal("Won", stage: "closed_won", close: -1)
            try await proposal(won, number: 1, status: "accepted", start: 0, unit: "fixed", quantity: 5)
            let archived = try await deal("Archived", stage: "proposal", close: 10, archived: true)
            try await proposal(archived, number: 1, status: "sent", start: 0, unit: "fixed", quantity: 6)
            let later = try await deal("Later", stage: "proposal", close: 10)
            try await proposal(later, number: 1, status: "sent", start: 28, unit: "fixed", quantity: 8)

            let growth = try await app.request(.get, "/api/v1/reports/growth?weeks=4", token: admin)
            #expect(growth.status == .ok, "\(growth.text)")
            let skills = try growth.object["skills"] as? [[String: Any]] ?? []
            let mine = try #require(skills.first { $0["skill"] as? String == "growth hand count" }, "\(skills)")
            // Over the 28 days from today:
            // Counted (weight 120, from today): 30 h × 1.2 × 10/10 + 40 h × 1.2 × 18/20 = 36 + 43.2.
            // Override (weight 50, from day 5): 30 h × 0.5 × 10/10 + 40 h × 0.5 × 13/20 = 15 + 13.
            #expect((mine["demandHours"] as? String).flatMap { Decimal(string: $0) } == Decimal(string: "107.2"), "\(mine)")
            #expect((mine["capacityHours"] as? String).flatMap { Decimal(string: $0) } == 0, "nobody holds the skill")
        }
    }
}
