import BatonCore
@testable import BatonApp
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// Issue 23's hand-computed book (docs/agreements.md, "The book, worked"): three
/// agreements and one expansion, the renewal job run twice at once on the days that
/// matter, a renewal won and one lost, a cancellation, and the quotas that credit them.
@Suite struct AgreementBookTests {
    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String = "{}", expect: HTTPResponse.Status = .created) async throws -> [String: Any] {
        try await ProposalTests().post(app, path, token, json, expect: expect)
    }

    /// A won deal for Dev (user 4) on `account` with one monthly line of `price`, accepted
    /// on `acceptedOn` and starting on `start`: its agreement's id.
    func agreement(_ app: TestApp, _ admin: String, account: Int, kind: String = "new_business", price: String, months: Int,
                   autoRenew: Bool, start: String, acceptedOn: String) async throws -> Int {
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account), "name": "Support \#(start)", "kind": "\#(kind)", "stage": "proposal",
             "amount": "1000.00", "closeDate": "\#(acceptedOn)", "ownerId": 4}
            """#)
        let p = try await post(app, "opportunities/\(o["id"] as? Int ?? 0)/proposals", admin, #"""
            {"proposedStart": "\#(start)", "reviewerId": 9,
             "lines": [{"description": "Managed support", "kind": "service", "quantity": "1", "unit": "fixed", "unitPrice": "\#(price)",
                        "recurrence": {"period": "monthly", "termMonths": \#(months), "autoRenew": \#(autoRenew)}}]}
            """#)
        let id = p["id"] as? Int ?? 0
        for move in ["submit", "approve", "send"] { try await post(app, "proposals/\(id)/\(move)", admin, expect: .ok) }
        try await post(app, "proposals/\(id)/accept", admin, #"{"acceptedOn": "\#(acceptedOn)"}"#, expect: .ok)
        return try await app.sql("SELECT id FROM agreements WHERE proposal_id = \(id)").first?.decode("id", as: Int.self) ?? 0
    }

    /// The app's services on the test's database, as `baton` commands get them.
    func withServices<T: Sendable>(_ app: TestApp, _ body: (AppServices) async throws -> T) async throws -> T {
        var configuration = AppConfiguration()
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        configuration.databaseURL = "postgresql:///\(app.database.database ?? "")?host=\(app.database.host ?? "")&user=\(app.database.user ?? "")"
        return try await AdminTasks(configuration: configuration, logger: Logger(label: "book")).withDatabase(body)
    }

    /// Two rounds of the renewal job at once on `day`: the agreements whose renewal opened
    /// (one round wins the advisory lock; the other finds it held), or with `settled`, those
    /// whose ended term it settled, with the status it left them in.
    func rounds(_ services: AppServices, _ day: String, settled: Bool = false) async throws -> [String] {
        let job = RenewalJob(services: services)
        let today = try #require(CalendarDate(day))
        async let first = job.round(today: today)
        async let second = job.round(today: today)
        let done = try await [first, second].compactMap { $0 }.flatMap { settled ? $0.settled : $0.opened }
        return done.map { "\($0.name) \($0.endOn)" + (settled ? " \($0.status.words)" : "") }.sorted()
    }

    @Test func theHandComputedBook() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            func account(_ name: String) async throws -> Int {
                try await post(app, "accounts", admin, #"{"name": "\#(name)", "ownerId": 4}"#)["id"] as? Int ?? 0
            }
            let (northwind, contoso, fabrikam) = (try await account("Northwind"), try await account("Contoso"), try await account("Fabrikam"))
            // A: Northwind, 1,000 a month for 12 months from 2025-01-01, renewing by itself.
            let a = try await agreement(app, admin, account: northwind, price: "1000.00", months: 12, autoRenew: true,
                                        start: "2025-01-01", acceptedOn: "2024-12-15")
            // C: Fabrikam, 500 a month for 24 months from 2025-02-01, cancelled early.
            let c = try await agreement(app, admin, account: fabrikam, price: "500.00", months: 12 * 2, autoRenew: false,
                                        start: "2025-02-01", acceptedOn: "2025-01-20")
            // B: Contoso, 2,000 a month for 12 months from 2025-03-01, not renewed.
            let b = try await agreement(app, admin, account: contoso, price: "2000.00", months: 12, autoRenew: false,
                                        start: "2025-03-01", acceptedOn: "2025-02-20")
            // E: Northwind adds 300 a month for 12 months from 2025-04-01: an expansion.
            let e = try await agreement(app, admin, account: northwind, kind: "expansion", price: "300.00", months: 12, autoRenew: false,
                                        start: "2025-04-01", acceptedOn: "2025-04-01")
            let cancelled = try await app.request(.post, "/api/v1/agreements/\(c)/cancel", token: admin,
                                                  json: #"{"cancelledOn": "2025-08-31", "reason": "Moved in-house"}"#,
                                                  headers: [.ifMatch: "\"1\""])
            #expect(cancelled.status == .ok, "\(cancelled.text)")
            // B is downgraded mid-term: 1,500 a month from 2025-10-01, the 500 it loses is churn.
            let line = try await app.sql("SELECT id FROM agreement_lines WHERE agreement_id = \(b)").first?.decode("id", as: Int.self) ?? 0
            let downgraded = try await app.request(.post, "/api/v1/agreements/\(b)/downgrade", token: admin, json: #"""
                {"lines": [{"id": \#(line), "unitPrice": "1500.00"}], "reason": "Fewer users", "effectiveOn": "2025-10-01"}
                """#, headers: [.ifMatch: "\"1\""])
            #expect(downgraded.status == .ok, "\(downgraded.text)")
            #expect(try downgraded.object["mrr"] as? String == "1500.00")
            // A second reduction dated before the first would start from an MRR B did not have.
            let backdated = try await app.request(.post, "/api/v1/agreements/\(b)/downgrade", token: admin, json: #"""
                {"lines": [{"id": \#(line), "unitPrice": "1200.00"}], "reason": "Fewer users", "effectiveOn": "2025-09-01"}
                """#, headers: [.ifMatch: "\"2\""])
            #expect(backdated.status == .unprocessableContent, "\(backdated.text)")
            #expect(try Set(backdated.fieldErrors.keys) == ["effectiveOn"], "\(backdated.text)")

            try await withServices(app) { (services: AppServices) async throws -> Void in
                // Each renewal opens 90 days before its end, once, however many rounds run.
                #expect(try await rounds(services, "2025-10-01") == [])
                #expect(try await rounds(services, "2025-10-02") == ["Support 2025-01-01 2025-12-31"])
                #expect(try await rounds(services, "2025-10-02") == [])
                #expect(try await rounds(services, "2025-11-29") == [])
                #expect(try await rounds(services, "2025-11-30") == ["Support 2025-03-01 2026-02-28"])
                #expect(try await rounds(services, "2025-12-30") == [])
                #expect(try await rounds(services, "2025-12-31") == ["Support 2025-04-01 2026-03-31"])
                #expect(try await rounds(services, "2025-12-31") == [], "the others are due already")
            }
            func renewal(of agreement: Int) async throws -> Int {
                try await app.sql("SELECT renewal_opportunity_id FROM agreements WHERE id = \(agreement)").first?
                    .decode("renewal_opportunity_id", as: Int.self) ?? 0
            }
            let renewals = try await app.sql("""
                SELECT o.kind, o.amount::text AS amount, o.close_date::text AS close, o.owner_id FROM opportunities o
                WHERE o.id IN (\(try await renewal(of: a)), \(try await renewal(of: b)), \(try await renewal(of: e))) ORDER BY o.id
                """)
            #expect(try renewals.map { try $0.decode("amount", as: String.self) } == ["12000.00", "18000.00", "3600.00"], "each the ARR (B's downgraded)")
            #expect(try renewals.map { try $0.decode("close", as: String.self) } == ["2025-12-31", "2026-02-28", "2026-03-31"])
            #expect(try renewals.allSatisfy { try $0.decode("owner_id", as: Int.self) == 4 && $0.decode("kind", as: String.self) == "renewal" })

            // A's renewal is won on the board's way (a stage move): A is renewed, its next term runs 2026.
            let wonA = try await app.request(.patch, "/api/v1/opportunities/\(try await renewal(of: a))", token: admin,
                                             json: #"{"stage": "closed_won", "closedOn": "2025-11-15"}"#, headers: [.ifMatch: "\"1\""])
            #expect(wonA.status == .ok, "\(wonA.text)")
            // B's is lost: B ends on its end date with the reason.
            let lostB = try await app.request(.patch, "/api/v1/opportunities/\(try await renewal(of: b))", token: admin,
                                              json: #"{"stage": "closed_lost", "closedOn": "2025-12-20", "lostReason": "Budget cut"}"#,
                                              headers: [.ifMatch: "\"1\""])
            #expect(lostB.status == .ok, "\(lostB.text)")
            let reopen = try await app.request(.patch, "/api/v1/opportunities/\(try await renewal(of: b))", token: admin,
                                               json: #"{"stage": "proposal"}"#, headers: [.ifMatch: "\"2\""])
            #expect(reopen.status == .conflict, "a decided renewal stays decided: \(reopen.text)")
            let book = try await app.sql("""
                SELECT a.id, a.status, a.start_on::text AS start, a.end_on::text AS "end", a.mrr::text AS mrr,
                       coalesce(a.close_reason, '') AS reason, a.renews_agreement_id
                FROM agreements a ORDER BY a.id
                """)
            #expect(try book.map { try $0.decode("status", as: String.self) } == ["renewed", "cancelled", "ended", "renewal_due", "active"])
            let next = try #require(Array(book).last)
            #expect(try next.decode("renews_agreement_id", as: Int.self) == a)
            #expect(try next.decode("start", as: String.self) == "2026-01-01")
            #expect(try next.decode("end", as: String.self) == "2026-12-31")
            #expect(try next.decode("mrr", as: String.self) == "1000.00")
            #expect(try Array(book)[2].decode("reason", as: String.self) == "Budget cut")
            try await withServices(app) { (services: AppServices) async throws -> Void in
                // E's renewal is still open when its term ends on 2026-03-31; not renewing by itself, it
                // ends there and its deal is lost, once, the day the end has passed.
                #expect(try await rounds(services, "2026-03-31", settled: true) == [])
                #expect(try await rounds(services, "2026-04-01", settled: true) == ["Support 2025-04-01 2026-03-31 ended"])
                #expect(try await rounds(services, "2026-04-01", settled: true) == [])
                // The next term's renewal opens in its turn, once; C, cancelled, never comes up (it would have on 2026-11-02).
                #expect(try await rounds(services, "2026-10-02") == ["Support 2025-01-01 2026-12-31"])
                #expect(try await rounds(services, "2026-11-02") == [])
                // A′ renews by itself: its renewal is still open when it ends, so it renews for a term, once.
                #expect(try await rounds(services, "2026-12-31", settled: true) == [])
                #expect(try await rounds(services, "2027-01-01", settled: true) == ["Support 2025-01-01 2026-12-31 renewed"])
                #expect(try await rounds(services, "2027-01-01", settled: true) == [])
            }
            let terms = Array(try await app.sql("""
                SELECT a.status, a.start_on::text AS start, a.end_on::text AS "end", a.mrr::text AS mrr, coalesce(a.close_reason, '') AS reason,
                       coalesce(st.is_won, false) AS won, o.closed_on::text AS closed
                FROM agreements a LEFT JOIN opportunities o ON o.id = a.renewal_opportunity_id LEFT JOIN pipeline_stages st ON st.key = o.stage_key
                ORDER BY a.id
                """))
            #expect(try terms.map { try $0.decode("status", as: String.self) } == ["renewed", "cancelled", "ended", "ended", "renewed", "active"])
            #expect(try terms[3].decode("reason", as: String.self) == AgreementActions.notRenewedReason)
            #expect(try terms[4].decode("won", as: Bool.self), "A′'s deal won")
            #expect(try terms[4].decode("closed", as: String.self) == "2027-01-01")
            let third = try #require(terms.last)
            #expect(try [third.decode("start", as: String.self), third.decode("end", as: String.self), third.decode("mrr", as: String.self)]
                    == ["2027-01-01", "2027-12-31", "1000.00"])

            // The movements, by month: what the recurring revenue reports sum.
            let movements = try await app.sql("""
                SELECT kind, month::text AS month, mrr_delta::text AS delta, coalesce(reason, '') AS reason
                FROM agreement_movements ORDER BY on_day, id
                """)
            #expect(try movements.map { "\(try $0.decode("month", as: String.self)) \(try $0.decode("kind", as: String.self)) \(try $0.decode("delta", as: String.self))" } == [
                "2025-01-01 new 1000.00", "2025-02-01 new 500.00", "2025-03-01 new 2000.00", "2025-04-01 expansion 300.00",
                "2025-08-01 churn -500.00", "2025-10-01 churn -500.00", "2026-01-01 renewal 0.00", "2026-03-01 churn -1500.00",
                "2026-04-01 churn -300.00", "2027-01-01 renewal 0.00",
            ])
            #expect(try movements.map { try $0.decode("reason", as: String.self) }.filter { !$0.isEmpty }
                    == ["Moved in-house", "Fewer users", "Budget cut", AgreementActions.notRenewedReason])

            // Retention by quarter: Q3 2025 loses C (500 of 3,800); Q4 keeps Northwind's 1,300 and
            // Contoso at 1,500 of 2,000, the downgrade (contraction): (3,300 − 500) ÷ 3,300.
            let retention = try await app.request(.get, "/api/v1/reports/retention?from=2025-07-01&to=2025-12-31", token: admin)
            let quarters = try retention.object["quarters"] as? [[String: Any]] ?? []
            #expect(quarters.map { $0["opening"] as? String } == ["3800.00", "3300.00"], "\(retention.text)")
            #expect(quarters.map { $0["contraction"] as? String } == ["0.00", "500.00"])
            #expect(quarters.map { $0["grossRetention"] as? String } == ["0.8684", "0.8485"])
            #expect(quarters.map { $0["netRetention"] as? String } == ["0.8684", "0.8485"])
            let october = try await app.request(.get, "/api/v1/reports/recurring-revenue?from=2025-10-01&to=2025-10-31&by=account", token: admin)
            let downgradedMonth = (try october.object["lines"] as? [[String: Any]] ?? []).first { $0["label"] as? String == "Contoso" }
            #expect(downgradedMonth?["contraction"] as? String == "500.00", "\(october.text)")
            #expect(downgradedMonth?["closing"] as? String == "1500.00")

            // Quotas credit by metric: Dev's 2025 recurring bookings are a year of what the won
            // deals added (A in December 2024 is not in 2025): C 6,000 + B 24,000 + E 3,600; the
            // renewal won in November is renewal bookings at its amount, the ARR.
            func credited(_ period: String, _ metric: String) async throws -> String? {
                let r = try await app.request(.get, "/api/v1/reports/attainment?period=\(period)&metric=\(metric)", token: admin)
                #expect(r.status == .ok, "\(r.text)")
                let rows = try r.object["rows"] as? [[String: Any]] ?? []
                return rows.first { $0["userId"] as? Int == 4 && $0["rollup"] as? Bool == false }?["credited"] as? String
            }
            #expect(try await credited("2025", "recurring_bookings") == "33600.00")
            #expect(try await credited("2025-Q2", "recurring_bookings") == "3600.00")
            #expect(try await credited("2024", "recurring_bookings") == "12000.00")
            #expect(try await credited("2025", "renewal_bookings") == "12000.00")
            #expect(try await credited("2027", "renewal_bookings") == "12000.00", "A′'s renewal, won by itself on 2027-01-01")
            #expect(try await credited("2025-Q2", "expansion") == "3600.00", "E's deal, won at its contract value")
            let forecast = try await app.request(.get, "/api/v1/reports/forecast?period=2025-Q4&metric=renewal_bookings", token: admin)
            #expect(forecast.status == .ok, "\(forecast.text)")
            #expect(try forecast.object["metric"] as? String == "renewal_bookings")
        }
    }

    /// Agreements in from CSV: all or nothing, each problem by its line; then once only.
    @Test func importingAgreementsIsAllOrNothing() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            try await post(app, "accounts", admin, #"{"name": "Northwind", "ownerId": 4, "externalId": "NW-1"}"#)
            try await post(app, "accounts", admin, #"{"name": "Contoso", "ownerId": 4, "externalId": "CT-1"}"#)
            func send(_ csv: String, dryRun: Bool = false) async throws -> (HTTPResponse.Status, String) {
                // The body is sent as it is (the helper names it JSON; the import reads it as text).
                let r = try await app.request(.post, "/api/v1/agreements/import\(dryRun ? "?dryRun=true" : "")", token: admin, json: csv)
                return (r.status, r.text)
            }
            let bad = """
                Account External ID,Start,End,MRR,Auto-renew,Name
                NW-1,2026-01-01,2099-12-31,1500.00,yes,Managed support
                XX-9,2026-01-01,2027-12-31,10.001,maybe,
                CT-1,2026-03-01,2026-02-01,800,no,
                """
            let (status, text) = try await send(bad)
            #expect(status == .unprocessableContent, "\(text)")
            #expect(text.contains("line 2") && text.contains("120 months"), "\(text)")
            #expect(text.contains("line 3") && text.contains("XX-9") && text.contains("MRR") && text.contains("Auto-renew"), "\(text)")
            #expect(text.contains("line 4") && text.contains("before the start"), "\(text)")
            #expect(try await app.sql("SELECT count(*)::int AS n FROM agreements").first?.decode("n", as: Int.self) == 0, "nothing stored")

            let good = """
                account_external_id,start,end,mrr,auto_renew,notice days
                NW-1,2026-01-01,2027-12-31,1500.00,yes,30
                CT-1,2026-03-01,2027-02-28,800,no,
                """
            #expect(try await send(good, dryRun: true).0 == .ok)
            #expect(try await app.sql("SELECT count(*)::int AS n FROM agreements").first?.decode("n", as: Int.self) == 0, "a dry run stores nothing")
            let (ok, body) = try await send(good)
            #expect(ok == .ok, "\(body)")
            let rows = try await app.sql("""
                SELECT a.term_months, a.end_on::text AS "end", a.mrr::text AS mrr, a.auto_renew, a.notice_days, m.kind
                FROM agreements a JOIN agreement_movements m ON m.agreement_id = a.id ORDER BY a.id
                """)
            #expect(try rows.map { try $0.decode("term_months", as: Int.self) } == [24, 12])
            #expect(try rows.map { try $0.decode("end", as: String.self) } == ["2027-12-31", "2027-02-28"])
            #expect(try rows.map { try $0.decode("mrr", as: String.self) } == ["1500.00", "800.00"])
            #expect(try rows.map { try $0.decode("kind", as: String.self) } == ["new", "new"])
            let (again, twice) = try await send(good)
            #expect(again == .unprocessableContent && twice.contains("already has an agreement"), "\(twice)")
        }
    }
}
