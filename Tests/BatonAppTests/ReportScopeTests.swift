import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// A non-admin's pipeline and sales performance are summed per stage and per person
/// before names and probabilities are joined, and read with row-level security lifted
/// (the statements hold the caller's visibility themselves): each figure is what the deals
/// the caller sees add up to, counted here one by one.
@Suite struct ReportScopeTests {
    static let people = ["morgan.reyes@demo.test", "ana.torres@demo.test", "admin@demo.test"]

    @Test func aReadersPipelineIsTheDealsTheySeeCountedByHand() async throws {
        try await TestApp.run(business: true) { app in
            for email in Self.people {
                let token = try await app.signIn(email)
                let viewer: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = \(email)").first).decode("id")
                // Every quarter that has deals, as each reader sees it.
                let periods = try await app.sql("""
                    SELECT DISTINCT to_char(close_date, 'YYYY') || '-Q' || extract(quarter FROM close_date) AS key FROM opportunities
                    """).map { try $0.decode("key", as: String.self) }
                for period in periods {
                    let r = try await app.request(.get, "/api/v1/reports/pipeline?period=\(period)", token: token)
                    #expect(r.status == .ok)
                    let hand = try await app.sql("""
                        SELECT s.key, count(o.id)::int AS n, coalesce(sum(o.amount), 0)::text AS amount,
                               round(coalesce(sum(o.amount * coalesce(o.probability_override, s.probability) / 100), 0), 2)::text AS weighted
                        FROM pipeline_stages s LEFT JOIN opportunities o ON o.stage_key = s.key AND o.archived_at IS NULL
                             AND to_char(o.close_date, 'YYYY') || '-Q' || extract(quarter FROM o.close_date) = \(period)
                             AND (\(email) = 'admin@demo.test' OR o.account_id IN (SELECT account_id FROM visible_account_ids(\(viewer))))
                        WHERE NOT s.is_won AND NOT s.is_lost GROUP BY s.key, s.position ORDER BY s.position
                        """)
                    let stages = try (r.object["stages"] as? [[String: Any]]) ?? []
                    #expect(stages.count == hand.count)
                    for (row, expected) in zip(stages, hand) {
                        #expect(row["stage"] as? String == (try expected.decode("key", as: String.self)))
                        #expect(row["count"] as? Int == (try expected.decode("n", as: Int.self)), "\(email) \(period)")
                        #expect(Decimal(string: row["amount"] as? String ?? "") == Decimal(string: try expected.decode("amount", as: String.self)), "\(email) \(period)")
                        #expect(Decimal(string: row["weighted"] as? String ?? "") == Decimal(string: try expected.decode("weighted", as: String.self)), "\(email) \(period)")
                    }
                }
            }
        }
    }

    @Test func aReadersSalesPerformanceIsTheirVisibleClosedDealsByHand() async throws {
        try await TestApp.run(business: true) { app in
            for email in Self.people {
                let token = try await app.signIn(email)
                let viewer: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = \(email)").first).decode("id")
                let r = try await app.request(.get, "/api/v1/reports/sales-performance?from=2020-01-01&to=2029-12-31", token: token)
                #expect(r.status == .ok)
                let hand = try await app.sql("""
                    SELECT u.name, count(*) FILTER (WHERE s.is_won)::int AS won, count(*) FILTER (WHERE s.is_lost)::int AS lost
                    FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key AND (s.is_won OR s.is_lost) JOIN users u ON u.id = o.owner_id
                    WHERE o.archived_at IS NULL AND o.closed_on BETWEEN '2020-01-01' AND '2029-12-31'
                      AND (\(email) = 'admin@demo.test' OR o.account_id IN (SELECT account_id FROM visible_account_ids(\(viewer))))
                    GROUP BY u.id, u.name ORDER BY u.name COLLATE "C", u.id
                    """)
                let people = try (r.object["byPerson"] as? [[String: Any]]) ?? []
                #expect(people.count == hand.count, "\(email)")
                #expect(!hand.isEmpty || email != "admin@demo.test")
                for (row, expected) in zip(people, hand) {
                    #expect(row["key"] as? String == (try expected.decode("name", as: String.self)), "\(email)")
                    #expect(row["won"] as? Int == (try expected.decode("won", as: Int.self)), "\(email)")
                    #expect(row["lost"] as? Int == (try expected.decode("lost", as: Int.self)), "\(email)")
                }
            }
        }
    }
}
