@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// A deal's `is_open` (sql/0044), which the deals list selects open deals by: it follows
/// the deal's stage when the deal moves and when the stage's kind changes, and a value
/// that disagrees with the stage is refused.
@Suite struct OpenDealsListTests {
    let pages = PipelinePageAgreementTests()

    func key(_ app: TestApp, _ condition: String) async throws -> String {
        try #require(try await app.sql("SELECT key FROM pipeline_stages WHERE \(unsafeSQL: condition) ORDER BY position LIMIT 1")
            .first?.decode("key", as: String.self))
    }

    @Test func aDealMovedToAWonStageLeavesTheOpenListAndComesBackWhenReopened() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let open = try await key(app, "NOT is_won AND NOT is_lost")
            let won = try await key(app, "is_won")
            let account = try #require(try await app.sql("SELECT id FROM accounts ORDER BY id LIMIT 1").first?.decode("id", as: Int64.self))
            let owner = try #require(try await app.sql("SELECT id FROM users ORDER BY id LIMIT 1").first?.decode("id", as: Int64.self))
            // Written without the flag, as every writer of deals does: it comes from the stage.
            let id = try #require(try await app.sql("""
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id)
                VALUES (\(account), 'Flagged deal', 'new_business', \(open), 1234, DATE '2031-01-01', \(owner)) RETURNING id
                """).first?.decode("id", as: Int64.self))
            func lists() async throws -> (open: Bool, won: Bool) {
                (try await pages.page(app, "/opportunities?q=Flagged", admin).text.contains("Flagged deal"),
                 try await pages.page(app, "/opportunities?q=Flagged&status=won", admin).text.contains("Flagged deal"))
            }
            #expect(try await lists() == (true, false))

            try await app.sql("UPDATE opportunities SET stage_key = \(won), closed_on = DATE '2031-01-01' WHERE id = \(id)")
            #expect(try await app.sql("SELECT is_open FROM opportunities WHERE id = \(id)").first?.decode("is_open", as: Bool.self) == false)
            #expect(try await lists() == (false, true), "won: off the open list, on the won list")

            try await app.sql("UPDATE opportunities SET stage_key = \(open), closed_on = NULL WHERE id = \(id)")
            #expect(try await lists() == (true, false), "reopened: back on the open list")

            // A flag that disagrees with the stage is refused by the foreign key to the stage.
            await #expect(throws: (any Error).self) {
                try await app.sql("UPDATE opportunities SET is_open = false WHERE id = \(id)")
            }
        }
    }

    @Test func aStageWhoseKindChangesCarriesItsDeals() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let account = try #require(try await app.sql("SELECT id FROM accounts ORDER BY id LIMIT 1").first?.decode("id", as: Int64.self))
            let owner = try #require(try await app.sql("SELECT id FROM users ORDER BY id LIMIT 1").first?.decode("id", as: Int64.self))
            // The app refuses to change the kind of a stage in use; the database still keeps
            // the flag right if it changes (ON UPDATE CASCADE of the stage's (key, is_open)).
            try await app.sql("""
                INSERT INTO pipeline_stages (key, name, position, probability, forecast_category, is_won, is_lost, usual_days)
                VALUES ('signed_off', 'Signed off', 990, 50, 'pipeline', false, false, 10)
                """)
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id)
                VALUES (\(account), 'Kind change deal', 'new_business', 'signed_off', 99, DATE '2031-02-01', \(owner))
                """)
            #expect(try await pages.page(app, "/opportunities?q=Kind+change", admin).text.contains("1 deal"))
            try await app.sql("UPDATE pipeline_stages SET is_won = true, forecast_category = 'closed' WHERE key = 'signed_off'")
            #expect(try await app.sql("SELECT is_open FROM opportunities WHERE name = 'Kind change deal'").first?.decode("is_open", as: Bool.self) == false)
            #expect(try await pages.page(app, "/opportunities?q=Kind+change", admin).text.contains("Nothing matches"))
            #expect(try await pages.page(app, "/opportunities?q=Kind+change&status=won", admin).text.contains("1 deal"))
        }
    }
}
