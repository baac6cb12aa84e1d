import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The totals the reports read (sql/0013_report_totals.sql), and the team members
/// per account that visibility reads (sql/0014_account_team_members.sql), always
/// equal what counting the opportunities themselves gives, whatever wrote to them.
@Suite struct ReportTotalsTests {
    /// The credit totals recomputed from scratch, minus the stored ones, both ways.
    static let creditDifference: Query = """
        WITH fresh AS (
            SELECT m.user_id, month_of_record(o.closed_on, o.close_date) AS month, o.stage_key, o.kind,
                   coalesce(o.forecast_category_override, '') AS category_override, count(*)::int AS deals,
                   sum(o.amount * m.split_percent / 100) AS amount,
                   coalesce(sum(o.amount * m.split_percent / 100) FILTER (WHERE o.probability_override IS NULL), 0) AS at_stage,
                   coalesce(sum(o.amount * m.split_percent / 100 * o.probability_override / 100)
                            FILTER (WHERE o.probability_override IS NOT NULL), 0) AS weighted_override
            FROM opportunity_team m JOIN opportunities o ON o.id = m.opportunity_id WHERE o.archived_at IS NULL
            GROUP BY 1, 2, 3, 4, 5
        ), kept AS (
            SELECT user_id, month, stage_key, kind, category_override, sum(deals)::int, sum(amount),
                   sum(amount_at_stage_probability), sum(weighted_override)
            FROM opportunity_credit_totals GROUP BY 1, 2, 3, 4, 5 HAVING sum(deals) <> 0 OR sum(amount) <> 0
        )
        SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) a)
             + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) b) AS n
        """

    static let stageDifference: Query = """
        WITH fresh AS (
            SELECT month_of_record(o.closed_on, o.close_date) AS month, o.stage_key, o.owner_id, count(*)::int AS deals, sum(o.amount) AS amount,
                   coalesce(sum(o.amount) FILTER (WHERE o.probability_override IS NULL), 0) AS at_stage,
                   coalesce(sum(o.amount * o.probability_override / 100) FILTER (WHERE o.probability_override IS NOT NULL), 0) AS weighted_override,
                   sum(extract(epoch FROM o.stage_entered_at)) AS entered
            FROM opportunities o WHERE o.archived_at IS NULL GROUP BY 1, 2, 3
        ), kept AS (
            SELECT month, stage_key, owner_id, sum(deals)::int, sum(amount), sum(amount_at_stage_probability),
                   sum(weighted_override), sum(entered_epoch_sum)
            FROM opportunity_stage_totals GROUP BY 1, 2, 3 HAVING sum(deals) <> 0
        )
        SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) a)
             + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) b) AS n
        """

    /// Who is on a team at each account (sql/0014_account_team_members.sql), recounted.
    static let memberDifference: Query = """
        WITH fresh AS (
            SELECT t.user_id, o.account_id, count(*)::int AS n FROM opportunity_team t JOIN opportunities o ON o.id = t.opportunity_id
            GROUP BY 1, 2
        ), kept AS (SELECT user_id, account_id, opportunities FROM account_team_members WHERE opportunities <> 0)
        SELECT (SELECT count(*) FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept) a)
             + (SELECT count(*) FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh) b) AS n
        """

    static func differences(_ app: TestApp) async throws -> (credit: Int, stage: Int) {
        let members: Int = try await app.sql(memberDifference).first!.decode("n")
        // Folded into the credit count: either set of totals drifting fails the same checks.
        return (try await app.sql(creditDifference).first!.decode("n") + members, try await app.sql(stageDifference).first!.decode("n"))
    }

    @Test func theTotalsFollowEveryKindOfWrite() async throws {
        try await TestApp.run(business: true) { app in
            // The demo firm, written through the stores: the totals start right.
            var d = try await Self.differences(app)
            #expect(d.credit == 0 && d.stage == 0)
            #expect(try await app.sql("SELECT count(*) AS n FROM opportunity_credit_totals").first!.decode("n", as: Int.self) > 0)

            // Through the API: a move to another stage with an override.
            let token = try await app.signIn("admin@demo.test")
            let open = try await app.sql("""
                SELECT o.id, o.version FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                WHERE NOT s.is_won AND NOT s.is_lost AND o.archived_at IS NULL ORDER BY o.id LIMIT 1
                """).first!
            let id: Int64 = try open.decode("id")
            let version: Int = try open.decode("version")
            let r = try await app.request(.patch, "/api/v1/opportunities/\(id)", token: token,
                                          json: #"{"amount": "123456.78", "probability": "35", "forecastCategory": "commit"}"#,
                                          headers: [.ifMatch: "\"\(version)\""])
            #expect(r.status == .ok, "\(r.text)")
            d = try await Self.differences(app)
            #expect(d.credit == 0 && d.stage == 0, "after a PATCH")

            // Straight SQL, as an operator or a future store might write.
            for statement: Query in [
                "UPDATE opportunities SET stage_key = 'negotiation', stage_entered_at = now() WHERE id % 7 = 0 AND closed_on IS NULL",
                "UPDATE opportunities SET close_date = close_date + 40 WHERE id % 5 = 0 AND closed_on IS NULL",
                "UPDATE opportunities SET name = name || ' (renamed)' WHERE id % 3 = 0",
                "UPDATE opportunity_team SET split_percent = split_percent WHERE opportunity_id % 4 = 0",
                "UPDATE opportunities SET archived_at = now() WHERE id % 11 = 0",
                "UPDATE opportunities SET archived_at = NULL WHERE id % 22 = 0",
                "DELETE FROM opportunity_team WHERE opportunity_id % 13 = 0 AND role <> 'owner'",
                "DELETE FROM opportunities WHERE id IN (SELECT id FROM opportunities o WHERE NOT EXISTS (SELECT 1 FROM proposals p WHERE p.opportunity_id = o.id) AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.opportunity_id = o.id) AND NOT EXISTS (SELECT 1 FROM projects j WHERE j.opportunity_id = o.id) AND NOT EXISTS (SELECT 1 FROM agreements g WHERE o.id IN (g.opportunity_id, g.renewal_opportunity_id)) AND NOT EXISTS (SELECT 1 FROM agreement_movements m WHERE m.opportunity_id = o.id) ORDER BY id DESC LIMIT 5)",
                "UPDATE pipeline_stages SET key = 'negotiating' WHERE key = 'negotiation'",
                "UPDATE opportunities SET account_id = (SELECT min(id) FROM accounts) WHERE id % 17 = 0",
                "UPDATE opportunities SET owner_id = (SELECT min(id) FROM users WHERE 'account_manager' = ANY(roles)) WHERE id % 19 = 0",
            ] {
                try await app.sql(statement)
                d = try await Self.differences(app)
                #expect(d.credit == 0 && d.stage == 0, "after \(statement.rendered.sql)")
            }
        }
    }

    @Test func theReportsReadingTheTotalsAgreeWithTheDealsThemselves() async throws {
        try await TestApp.run(business: true) { app in
            let token = try await app.signIn("admin@demo.test")
            let periods = try await app.sql("""
                SELECT DISTINCT 'Q' || to_char(coalesce(closed_on, close_date), 'YYYY') || '-Q' || extract(quarter FROM coalesce(closed_on, close_date)) AS key
                FROM opportunities
                """).map { String(try $0.decode("key", as: String.self).dropFirst()) }
            #expect(periods.count > 1)
            for period in periods {
                // Pipeline: the admin's figures come from the totals; count the deals by hand here.
                let r = try await app.request(.get, "/api/v1/reports/pipeline?period=\(period)", token: token)
                #expect(r.status == .ok)
                let hand = try await app.sql("""
                    SELECT s.key, count(o.id)::int AS n, coalesce(sum(o.amount), 0)::text AS amount
                    FROM pipeline_stages s LEFT JOIN opportunities o ON o.stage_key = s.key AND o.archived_at IS NULL
                         AND to_char(o.close_date, 'YYYY') || '-Q' || extract(quarter FROM o.close_date) = \(period)
                    WHERE NOT s.is_won AND NOT s.is_lost GROUP BY s.key, s.position ORDER BY s.position
                    """)
                let stages = try (r.object["stages"] as? [[String: Any]]) ?? []
                #expect(stages.count == hand.count)
                for (row, expected) in zip(stages, hand) {
                    #expect(row["stage"] as? String == (try expected.decode("key", as: String.self)))
                    #expect(row["count"] as? Int == (try expected.decode("n", as: Int.self)), "\(period)")
                    #expect(Decimal(string: row["amount"] as? String ?? "") == Decimal(string: try expected.decode("amount", as: String.self)), "\(period)")
                }
            }
        }
    }
}
