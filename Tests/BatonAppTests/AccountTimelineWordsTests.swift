import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 19, item 9: the account's timeline says what happened in words, and its white
/// space counts every won deal that maps to a typical project, a win without a proposal too.
@Suite struct AccountTimelineWordsTests {
    func create(_ app: TestApp, _ path: String, _ token: String, _ json: String) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == .created, "POST \(path): \(r.text)")
        return try r.object
    }

    func patch(_ app: TestApp, _ path: String, _ token: String, _ json: String) async throws -> TestResponse {
        let current = try await app.request(.get, "/api/v1/\(path)", token: token)
        return try await app.request(.patch, "/api/v1/\(path)", token: token, json: json, headers: [.ifMatch: current.headers[.eTag] ?? "\"0\""])
    }

    @Test func theTimelineSaysWhoMovedWhichDealWhereAndWhatChanged() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try #require(try await create(app, "accounts", ana, #"{"name": "Timeline Works", "industry": "Retail"}"#)["id"] as? Int)
            let deal = try #require(try await create(app, "opportunities", ana,
                #"{"accountId": \#(account), "name": "Warehouse Wi-Fi", "stage": "needs_analysis", "amount": "30000.00", "closeDate": "2027-03-31"}"#)["id"] as? Int)
            let moved = try await patch(app, "opportunities/\(deal)", ana, #"{"stage": "proposal", "amount": "35000.00"}"#)
            #expect(moved.status == .ok)

            let html = try await app.request(.get, "/accounts/\(account)", headers: [.cookie: "baton_session=\(ana)"]).text
            #expect(html.contains("Ana Torres moved Warehouse Wi-Fi to Proposal"))
            #expect(html.contains("amount 30,000 → 35,000"))
            #expect(html.contains("Ana Torres added deal Warehouse Wi-Fi"))
            #expect(!html.contains("opportunity update"), "no raw audit rows")
            let moveAt = try #require(html.range(of: "moved Warehouse Wi-Fi"))
            let addAt = try #require(html.range(of: "added deal Warehouse Wi-Fi"))
            #expect(moveAt.lowerBound < addAt.lowerBound, "newest first")
            #expect(html.contains(#"<li class="tl-deal">"#) && html.contains(#"id="tl-activity""#), "each line carries its kind for the filter")
        }
    }

    @Test func aWinWithoutAProposalLeavesTheWhiteSpace() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try #require(try await create(app, "accounts", ana, #"{"name": "White Space Works", "industry": "Retail"}"#)["id"] as? Int)
            for name in ["Cloud migration", "Security audit"] {
                _ = try await app.sql("INSERT INTO typical_projects (name, pricing_model, price) VALUES (\(name), 'fixed', 1000) ON CONFLICT DO NOTHING")
            }
            func gaps() async throws -> [String] {
                let r = try await app.request(.get, "/api/v1/accounts/\(account)/white-space", token: ana)
                return try (r.object["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            #expect(try await gaps().contains("Cloud migration"))
            // An imported or hand-entered win: no proposal, no project, only its name.
            _ = try await create(app, "opportunities", ana,
                #"{"accountId": \#(account), "name": "Cloud migration – phase 1", "stage": "closed_won", "amount": "50000.00", "closeDate": "2026-06-30", "closedOn": "2026-06-28"}"#)
            // An open deal with the same words has not been bought.
            _ = try await create(app, "opportunities", ana,
                #"{"accountId": \#(account), "name": "Security audit", "stage": "proposal", "amount": "20000.00", "closeDate": "2027-03-31"}"#)
            let after = try await gaps()
            #expect(!after.contains("Cloud migration"))
            #expect(after.contains("Security audit"))
        }
    }
}
