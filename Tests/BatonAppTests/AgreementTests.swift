import BatonCore
@testable import BatonApp
import Dates
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
            {"discountPercent": "10", "proposedStart": "2027-01-01", "reviewerId": 9,
             "lines": [{"description": "Setup", "kind": "service", "quantity": "1", "unit": "fixed", "unitPrice": "10000.00"},
                       {"typicalProjectId": \#(support["id"] as? Int ?? 0), "quantity": "1"},
                       {"description": "Licence", "kind": "pass_through", "quantity": "1", "unit": "fixed", "unitPrice": "1000.00",
                        "recurrence": {"period": "annual", "termMonths": 24}}]}
            """#)
    }

    /// `proposal`, submitted, approved, sent and accepted on 2026-12-01: its agreement
    /// runs 2027-01-01 to 2028-12-31 at 1,425.00 a month, renewing by itself.
    func acceptedProposal(_ app: TestApp, _ admin: String) async throws -> [String: Any] {
        let p = try await proposal(app, admin)
        let id = p["id"] as? Int ?? 0
        for move in ["submit", "approve", "send"] { try await post(app, "proposals/\(id)/\(move)", admin, expect: .ok) }
        try await post(app, "proposals/\(id)/accept", admin, #"{"acceptedOn": "2026-12-01"}"#, expect: .ok)
        return p
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

    @Test func acceptingMakesTheAgreementOnceAndCancellingIsChurn() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let p = try await acceptedProposal(app, admin)
            let list = try await app.request(.get, "/api/v1/agreements?accountId=\(p["accountId"] as? Int ?? 0)", token: admin)
            let items = try list.object["items"] as? [[String: Any]] ?? []
            #expect(items.count == 1, "one agreement per accepted proposal: \(list.text)")
            let a = items.first ?? [:]
            #expect(a["status"] as? String == "active")
            #expect(a["startOn"] as? String == "2027-01-01")
            #expect(a["endOn"] as? String == "2028-12-31", "the longest line's term: 24 months")
            #expect(a["mrr"] as? String == "1425.00")
            #expect(a["arr"] as? String == "17100.00")
            #expect(a["autoRenew"] as? Bool == true)
            #expect((a["lines"] as? [Any])?.count == 2)
            let won = try await app.request(.get, "/api/v1/opportunities/\(p["opportunityId"] as? Int ?? 0)", token: admin)
            #expect(try won.object["amount"] as? String == "27000.00", "won at the contract value")

            let agreementID = a["id"] as? Int ?? 0
            // A downgrade says why, from a day within the term, and lowers what it names.
            let support = (a["lines"] as? [[String: Any]])?.first?["id"] as? Int ?? 0
            let refused = try await app.request(.post, "/api/v1/agreements/\(agreementID)/downgrade", token: admin, json: #"""
                {"lines": [{"id": \#(support), "quantity": "2"}], "effectiveOn": "2029-01-01"}
                """#, headers: [.ifMatch: "\"1\""])
            #expect(refused.status == .unprocessableContent)
            #expect(try Set(refused.fieldErrors.keys) == ["lines", "reason", "effectiveOn"], "\(refused.text)")
            let stale = try await app.request(.post, "/api/v1/agreements/\(agreementID)/downgrade", token: admin, json: #"""
                {"lines": [{"id": \#(support), "unitPrice": "1000.00"}], "reason": "Smaller team"}
                """#, headers: [.ifMatch: "\"7\""])
            #expect(stale.status == .preconditionFailed)
            let consultant = try await app.signIn("ivy.chen@demo.test")
            let notTheirs = try await app.request(.post, "/api/v1/agreements/\(agreementID)/downgrade", token: consultant, json: #"""
                {"lines": [{"id": \#(support), "unitPrice": "1000.00"}], "reason": "Smaller team"}
                """#, headers: [.ifMatch: "\"1\""])
            #expect(notTheirs.status == .forbidden || notTheirs.status == .notFound)
            let noReason = try await app.request(.post, "/api/v1/agreements/\(agreementID)/cancel", token: admin,
                                                 json: #"{"cancelledOn": "2027-06-30"}"#, headers: [.ifMatch: "\"1\""])
            #expect(noReason.status == .unprocessableContent)
            let cancelled = try await app.request(.post, "/api/v1/agreements/\(agreementID)/cancel", token: admin,
                                                  json: #"{"cancelledOn": "2027-06-30", "reason": "Moved to an in-house team"}"#,
                                                  headers: [.ifMatch: "\"1\""])
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            #expect(try cancelled.object["status"] as? String == "cancelled")
            #expect(try cancelled.object["closeReason"] as? String == "Moved to an in-house team")
            let late = try await app.request(.post, "/api/v1/agreements/\(agreementID)/downgrade", token: admin,
                                             json: #"{"lines": [], "reason": "late"}"#, headers: [.ifMatch: "\"2\""])
            #expect(late.status == .conflict, "a cancelled agreement is not downgraded: \(late.text)")
            let again = try await app.request(.post, "/api/v1/agreements/\(agreementID)/cancel", token: admin,
                                              json: #"{"reason": "twice"}"#, headers: [.ifMatch: "\"2\""])
            #expect(again.status == .conflict)
            let churn = try await app.sql("""
                SELECT action, mrr_before::text AS before, mrr_after::text AS after FROM agreement_events
                WHERE agreement_id = \(agreementID) ORDER BY id
                """)
            #expect(try churn.map { try $0.decode("action", as: String.self) } == ["new", "cancel"])
            #expect(try churn.map { try $0.decode("after", as: String.self) } == ["1425.00", "0.00"])
        }
    }

    /// Two rounds of the renewal job at once, twice: one renewal opportunity, on the first
    /// day the 90 days before the end reach, owned by the account's owner, worth the ARR.
    @Test func theRenewalComesUpOnceWhenTheJobRunsTwiceConcurrently() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let p = try await acceptedProposal(app, admin)
            let services = try app.services(connections: 2, label: "renewals")
            let pool = services.pool
            defer { Task { await pool.shutdown() } }
            let actions = AgreementActions(services: services)
            func round(_ day: String) async throws -> Int {
                try await pool.withTransaction { db in try await actions.openRenewals(db, today: CalendarDate(day) ?? .init(daysSinceEpoch: 0)).count }
            }
            // The term ends 2028-12-31: its renewal opens on 2028-10-02, not the day before.
            #expect(try await round("2028-10-01") == 0)
            async let first = round("2028-10-02")
            async let second = round("2028-10-02")
            #expect(try await first + second == 1)
            #expect(try await round("2028-10-03") == 0)
            let renewals = try await app.sql("""
                SELECT o.kind, o.amount::text AS amount, o.close_date::text AS close, o.owner_id, a.status
                FROM agreements a JOIN opportunities o ON o.id = a.renewal_opportunity_id
                """)
            #expect(renewals.count == 1)
            #expect(try renewals.map { try $0.decode("kind", as: String.self) } == ["renewal"])
            #expect(try renewals.map { try $0.decode("amount", as: String.self) } == ["17100.00"])
            #expect(try renewals.map { try $0.decode("close", as: String.self) } == ["2028-12-31"])
            #expect(try renewals.map { try $0.decode("owner_id", as: Int64.self) } == [4])
            #expect(try renewals.map { try $0.decode("status", as: String.self) } == ["renewal_due"])
        }
    }

    /// The agreement's page: its figures, and the downgrade form through the same action
    /// as the API (the same refusal, the same churn).
    @Test func theAgreementPageDowngradesThroughTheSameAction() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let p = try await acceptedProposal(app, admin)
            let listed = try await app.request(.get, "/api/v1/agreements?accountId=\(p["accountId"] as? Int ?? 0)", token: admin)
            let a = try #require((try listed.object["items"] as? [[String: Any]])?.first)
            let id = a["id"] as? Int ?? 0
            let lines = (a["lines"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            let path = "/agreements/\(id)"
            let page = try await app.page(path, admin)
            #expect(page.status == .ok)
            #expect(page.text.text(ofElement: "agreement-mrr") == "USD 1,425.00")
            #expect(page.text.contains("Support for Northwind") && page.text.contains("Renews by itself"))
            let csrf = try await app.csrf(admin, from: path)
            // Support down to 1,000 a month, the licence as it was.
            var fields = ["csrf": csrf, "version": "1", "effectiveOn": "2027-07-01"]
            for (line, price) in zip(lines, ["1000.00", "1000.00"]) { (fields["quantity-\(line)"], fields["unitPrice-\(line)"]) = ("1", price) }
            let refused = try await app.form("\(path)/downgrade", admin, fields)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("Say why the agreement is downgraded"))
            fields["reason"] = "Smaller team"
            let done = try await app.form("\(path)/downgrade", admin, fields)
            #expect(done.status == .seeOther || done.status == .found, "\(done.text)")
            // (1,000 + 1,000 ÷ 12) × 0.9 = 975.00 from 2027-07-01: 450.00 of churn.
            #expect(try await app.page(path, admin).text.text(ofElement: "agreement-mrr") == "USD 975.00")
            let churn = try await app.sql("""
                SELECT on_day::text AS day, mrr_delta::text AS delta, reason FROM agreement_movements WHERE agreement_id = \(id) AND kind = 'churn'
                """)
            #expect(try churn.map { "\(try $0.decode("day", as: String.self)) \(try $0.decode("delta", as: String.self)) \(try $0.decode("reason", as: String.self))" }
                    == ["2027-07-01 -450.00 Smaller team"])
        }
    }
}
