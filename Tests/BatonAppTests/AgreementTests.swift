import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Issue 23: recurring lines, the agreements they become, and their renewals.
@Suite struct AgreementTests {
    static let support = #"""
        {"name": "Managed support", "pricing": {"model": "fixed", "price": "1500.00"},
         "recurrence": {"period": "monthly", "termMonths": 12, "autoRenew": true, "noticeDays": 30},
         "phases": [{"name": "Onboarding", "offsetDays": 0, "lengthDays": 10, "sharePercent": "100", "skills": []}]}
        """#

    /// The proposal suite's POST, which checks the status it expects.
    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String = "{}", expect: HTTPResponse.Status = .created) async throws -> [String: Any] {
        try await ProposalTests().post(app, path, token, json, expect: expect)
    }

    /// Northwind's opportunity (Dev owns it), and a proposal on it: a one-off setup of
    /// 10,000, the catalog's monthly support (1,500 a month for 12 months) and an annual
    /// licence of 1,000 for two years, all 10 % off. Returns the proposal.
    func proposal(_ app: TestApp, _ admin: String) async throws -> [String: Any] {
        let support = try await post(app, "typical-projects", admin, Self.support)
        #expect((support["recurrence"] as? [String: Any])?["period"] as? String == "monthly")
        let account = try await post(app, "accounts", admin, #"{"name": "Northwind", "ownerId": 4}"#)
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account["id"] as? Int ?? 0), "name": "Support for Northwind", "stage": "proposal",
             "amount": "20000.00", "closeDate": "2027-03-31", "ownerId": 4}
            """#)
        return try await post(app, "opportunities/\(o["id"] as? Int ?? 0)/proposals", admin, #"""
            {"discountPercent": "10", "proposedStart": "2027-01-01",
             "lines": [{"description": "Setup", "kind": "service", "quantity": "1", "unit": "fixed", "unitPrice": "10000.00"},
                       {"typicalProjectId": \#(support["id"] as? Int ?? 0), "quantity": "1"},
                       {"description": "Licence", "kind": "pass_through", "quantity": "1", "unit": "fixed", "unitPrice": "1000.00",
                        "recurrence": {"period": "annual", "termMonths": 24}}]}
            """#)
    }

    @Test func aProposalSaysWhatIsPaidOnceMonthlyAndOverTheContract() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let p = try await proposal(app, admin)
            // Once: 10,000 less 10 %. A month: (1,500 + 1,000 / 12) × 0.9. The contract: 9,000 + 18,000.
            #expect(p["total"] as? String == "9000.00")
            #expect(p["recurringPerMonth"] as? String == "1425.00")
            #expect(p["contractValue"] as? String == "27000.00")
            let lines = p["lines"] as? [[String: Any]] ?? []
            #expect((lines[1]["recurrence"] as? [String: Any])?["autoRenew"] as? Bool == true, "the catalog's terms")
            #expect(lines[0]["recurrence"] == nil)
            let print = try await app.request(.get, "/proposals/\(p["id"] as? Int ?? 0)/print", headers: [.cookie: "baton_session=\(admin)"])
            #expect(print.text.contains("per month for 12 months, renews automatically, 30 days&#39; notice")
                    || print.text.contains("per month for 12 months, renews automatically, 30 days' notice"))
            #expect(print.text.contains("Total contract value"))
            // A quarterly line must run whole quarters.
            let bad = try await app.request(.patch, "/api/v1/proposals/\(p["id"] as? Int ?? 0)", token: admin, json: #"""
                {"lines": [{"description": "Backup", "quantity": "1", "unit": "fixed", "unitPrice": "300.00",
                            "recurrence": {"period": "quarterly", "termMonths": 4, "extra": 1}}]}
                """#, headers: [.ifMatch: "\"1\""])
            #expect(bad.status == .unprocessableContent, "\(bad.text)")
        }
    }
}
