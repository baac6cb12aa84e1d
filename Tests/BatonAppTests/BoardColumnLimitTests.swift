@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import Postgres
import Testing

/// The board renders at most `PipelineBoard.cardsPerColumn` cards per stage (a quarter
/// at a million deals holds 55,000 open ones), while each column's header still counts
/// and totals every deal of the stage, and links to the deals list for the rest.
@Suite struct BoardColumnLimitTests {
    @Test func aColumnWithMoreDealsThanTheLimitShowsTheLimitTheWholeCountAndTotalAndTheLink() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let adminID = try await app.id(of: "admin@demo.test", token: admin)
            let created = try await app.request(.post, "/api/v1/accounts", token: admin, json: #"{"name": "Board Limit Rail"}"#)
            let accountID = try #require(created.object["id"] as? Int)
            let extra = PipelineBoard.cardsPerColumn + 7
            // Many deals at once, closing after every demo deal of the stage.
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id)
                SELECT \(accountID), 'Limit deal ' || n, 'qualification', 1000 + n, DATE '2099-01-01' + n, \(adminID)
                FROM generate_series(1, \(extra)) AS n
                """)
            let sums = try #require(try await app.sql("""
                SELECT count(*)::int AS n, sum(amount) AS total FROM opportunities
                WHERE stage_key = 'qualification' AND archived_at IS NULL
                """).first)
            let count: Int = try sums.decode("n"), total: Decimal = try sums.decode("total")
            #expect(count > PipelineBoard.cardsPerColumn)

            let html = try await app.request(.get, "/pipeline?period=all", headers: [.cookie: "baton_session=\(admin)"]).text
            let start = try #require(html.range(of: #"<section class="column" data-stage="qualification""#)).upperBound
            let end = try #require(html[start...].range(of: "</section>")).lowerBound
            let column = String(html[start..<end])
            #expect(column.components(separatedBy: "<article class=\"card-deal\"").count - 1 == PipelineBoard.cardsPerColumn)
            #expect(column.contains("\(count) · <span class=\"num\">\(total.display(currency: "USD"))</span>"))
            #expect(column.contains("href=\"/opportunities?stage=qualification\""))
            #expect(column.contains("Show all \(count) in Qualification"))
            // The soonest closing are shown; the latest added deal is beyond the limit.
            #expect(!column.contains("Limit deal \(extra)<"))

            // A column within the limit shows every card and no link.
            let other = try #require(html.range(of: #"<section class="column" data-stage="negotiation""#)).upperBound
            let otherEnd = try #require(html[other...].range(of: "</section>")).lowerBound
            #expect(!html[other..<otherEnd].contains("Show all"))
        }
    }
}
