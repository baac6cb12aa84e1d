import BatonCore
@testable import BatonApp
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The recurring revenue reports (issue 23, item 5) over the hand-computed book of
/// docs/recurring-revenue.md, stored as the engine stores it: agreements and their
/// movements (sql/0037). Northwind and Fabrikam are Ana's, Contoso is Ben's.
@Suite struct RecurringRevenueReportTests {
    struct Book { var northwind, contoso, fabrikam: Int }

    /// The accounts through the API; the agreements and their movements as the engine writes them.
    func book(_ app: TestApp, _ admin: String) async throws -> Book {
        let ana = try await app.id(of: "ana.torres@demo.test", token: admin), ben = try await app.id(of: "ben.okafor@demo.test", token: admin)
        func account(_ name: String, _ owner: Int64) async throws -> Int {
            try await app.api(.post, "accounts", admin, #"{"name": "\#(name)", "ownerId": \#(owner)}"#).json()["id"] as? Int ?? 0
        }
        let b = Book(northwind: try await account("Northwind", ana), contoso: try await account("Contoso", ben),
                     fabrikam: try await account("Fabrikam", ana))
        /// An agreement and its movements: (kind, day, MRR before, MRR after).
        func agreement(_ account: Int, _ name: String, _ status: String, _ start: String, _ end: String, mrr: String,
                       closedOn: String? = nil, renews: Int64? = nil, _ moves: [(String, String, String, String)]) async throws -> Int64 {
            let id: Int64 = try await app.sql("""
                INSERT INTO agreements (account_id, name, status, start_on, end_on, term_months, auto_renew, notice_days, mrr,
                                        closed_on, close_reason, renews_agreement_id)
                VALUES (\(Int64(account)), \(name), \(status), \(CalendarDate(start)), \(CalendarDate(end)), 12, true, 30,
                        \(Decimal(string: mrr)), \(closedOn.flatMap { CalendarDate($0) }), \(closedOn == nil ? nil : "Moved to another provider"),
                        \(renews))
                RETURNING id
                """).first.map { try $0.decode("id") } ?? 0
            for (kind, day, before, after) in moves {
                try await app.sql("""
                    INSERT INTO agreement_movements (agreement_id, account_id, kind, on_day, mrr_before, mrr_after)
                    VALUES (\(id), \(Int64(account)), \(kind), \(CalendarDate(day)), \(Decimal(string: before)), \(Decimal(string: after)))
                    """)
            }
            return id
        }
        let support = try await agreement(b.northwind, "Managed support", "renewed", "2027-01-01", "2027-12-31", mrr: "1000.00",
                                          [("new", "2027-01-01", "0", "1000.00")])
        _ = try await agreement(b.northwind, "Managed support 2028", "active", "2028-01-01", "2028-12-31", mrr: "1100.00", renews: support,
                                [("renewal", "2028-01-01", "1000.00", "1100.00")])
        _ = try await agreement(b.northwind, "Backup", "active", "2027-05-01", "2028-04-30", mrr: "300.00",
                                [("expansion", "2027-05-01", "0", "300.00")])
        _ = try await agreement(b.contoso, "Helpdesk", "ended", "2027-02-01", "2027-07-31", mrr: "500.00", closedOn: "2027-07-31",
                                [("new", "2027-02-01", "0", "500.00"), ("churn", "2027-08-01", "500.00", "0")])
        _ = try await agreement(b.fabrikam, "Monitoring", "active", "2027-01-01", "2029-12-31", mrr: "200.00",
                                [("new", "2027-01-01", "0", "200.00")])
        _ = try await agreement(b.fabrikam, "Licences", "cancelled", "2027-01-15", "2029-01-14", mrr: "800.00", closedOn: "2027-06-01",
                                [("expansion", "2027-01-15", "0", "800.00"), ("churn", "2027-06-01", "800.00", "0")])
        return b
    }

    @Test func theMovementByMonthAccountAndOwnerMatchesTheHandComputation() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            _ = try await book(app, admin)
            let months = try await app.api(.get, "reports/recurring-revenue?from=2027-01-01&to=2027-12-31", admin).json()
            let lines = months["lines"] as? [[String: Any]] ?? []
            #expect(lines.count == 12)
            func line(_ label: String) -> [String: Any] { lines.first { $0["label"] as? String == label } ?? [:] }
            #expect(line("2027-01")["new"] as? String == "2000.00")
            #expect(line("2027-02")["closing"] as? String == "2500.00")
            #expect(line("2027-05")["expansion"] as? String == "300.00")
            #expect(line("2027-06")["contraction"] as? String == "800.00")
            #expect(line("2027-08")["churn"] as? String == "500.00")
            let total = months["total"] as? [String: Any] ?? [:]
            #expect(total["new"] as? String == "2500.00")
            #expect(total["closing"] as? String == "1500.00")
            #expect(total["arr"] as? String == "18000.00")
            // January 2028: Northwind renews at 1,100 instead of 1,000.
            let renewal = try await app.api(.get, "reports/recurring-revenue?from=2028-01-01&to=2028-01-31", admin).json()
            let january = (renewal["lines"] as? [[String: Any]])?.first ?? [:]
            #expect(january["renewal"] as? String == "1100.00")
            #expect(january["expansion"] as? String == "100.00")
            #expect(january["closing"] as? String == "1600.00")

            // By owner: Ana has Northwind and Fabrikam, Ben has Contoso, who came and went.
            let owners = try await app.api(.get, "reports/recurring-revenue?from=2027-01-01&to=2027-12-31&by=owner", admin).json()
            let byName = Dictionary(uniqueKeysWithValues: (owners["lines"] as? [[String: Any]] ?? []).map { ($0["label"] as? String ?? "", $0) })
            #expect(byName["Ana Torres"]?["closing"] as? String == "1500.00")
            #expect(byName["Ana Torres"]?["contraction"] as? String == "800.00")
            #expect(byName["Ben Okafor"]?["new"] as? String == "500.00")
            #expect(byName["Ben Okafor"]?["churn"] as? String == "500.00")

            // The CSV is the same lines.
            let csv = try await app.request(.get, "/api/v1/reports/recurring-revenue?from=2027-01-01&to=2027-12-31&by=account&format=csv",
                                            token: admin)
            #expect(csv.text.hasPrefix("label,id,opening,new,expansion,contraction,churn,renewal,closing,arr"))
            #expect(csv.text.contains("Contoso"))
        }
    }

    @Test func retentionByQuarterAndWhatAnAccountManagerSees() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            _ = try await book(app, admin)
            let report = try await app.api(.get, "reports/retention?from=2027-04-01&to=2027-09-30", admin).json()
            let quarters = report["quarters"] as? [[String: Any]] ?? []
            let starts = quarters.map { $0["from"] as? String ?? "" }
            #expect(starts == ["2027-04-01", "2027-07-01"])
            // Q2: 2,500 at the opening, 800 contracted, 300 expanded. Q3: 500 of 2,000 churned.
            #expect(quarters.first?["opening"] as? String == "2500.00")
            #expect(quarters.first?["grossRetention"] as? String == "0.68")
            #expect(quarters.first?["netRetention"] as? String == "0.8")
            #expect(quarters.last?["grossRetention"] as? String == "0.75")

            // Ana sees her own accounts only: no Contoso in her book.
            let ana = try await app.signIn("ana.torres@demo.test")
            let hers = try await app.api(.get, "reports/recurring-revenue?from=2027-01-01&to=2027-12-31&by=account", ana).json()
            let names = (hers["lines"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
            #expect(names == ["Fabrikam", "Northwind"])
            let consultant = try await app.signIn("ivy.chen@demo.test")
            let refused = try await app.request(.get, "/api/v1/reports/retention", token: consultant).status
            #expect(refused == .forbidden)
            let unread = try await app.request(.get, "/api/v1/reports/renewals-due?within=45", token: admin).status
            #expect(unread == .unprocessableContent)
        }
    }

    @Test func renewalsDueTheirWindowsTheGrowthAdviceAndThePages() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let b = try await book(app, admin)
            let today = Timestamp.now.calendarDate
            // Two agreements that end soon: in 20 days and in 75.
            for (account, name, days) in [(b.contoso, "Contoso care", 20), (b.fabrikam, "Fabrikam backup", 75)] {
                try await app.sql("""
                    INSERT INTO agreements (account_id, name, start_on, end_on, term_months, auto_renew, notice_days, mrr)
                    VALUES (\(Int64(account)), \(name), \(today.adding(days: -300)), \(today.adding(days: days)), 12, false, 30, 250.00)
                    """)
            }
            let due = try await app.api(.get, "reports/renewals-due", admin).json()
            let rows = due["renewals"] as? [[String: Any]] ?? []
            #expect(rows.map { ($0["agreement"] as? [String: Any])?["name"] as? String } == ["Contoso care", "Fabrikam backup"])
            #expect(rows.map { $0["window"] as? Int } == [30, 90])
            #expect(rows.first?["noticeBy"] as? String == today.adding(days: -10).description)
            #expect((rows.first?["agreement"] as? [String: Any])?["arr"] as? String == "3000.00")
            #expect((due["within30"] as? Int, due["within90"] as? Int) == (1, 2))
            let soon = try await app.api(.get, "reports/renewals-due?within=30", admin).json()
            #expect((soon["renewals"] as? [[String: Any]])?.count == 1)

            // The growth advice counts both in account management's load (12 weeks ahead).
            let growth = try await app.api(.get, "reports/growth", admin).json()
            #expect(growth["renewalsDue"] as? Int == 2)
            #expect(growth["renewalsDueArr"] as? String == "6000.00")

            // The pages: the report, the agreements list with its filters, the account's section.
            let page = try await app.page("/reports/recurring-revenue?from=2027-01-01&to=2027-12-31", admin)
            #expect(page.status == .ok)
            #expect(page.text.text(ofElement: "movement-closing") == "USD 1,500.00")
            #expect(page.text.contains("Fabrikam backup"))
            let list = try await app.page("/agreements?status=active&endingWithin=90", admin)
            #expect(list.text.text(ofElement: "agreements-count") == "2")
            #expect(!list.text.contains("Helpdesk"))
            let account = try await app.page("/accounts/\(b.northwind)", admin)
            #expect(account.text.contains("Managed support 2028"))
            #expect(account.text.text(ofElement: "account-mrr") == "USD 1,400.00")
        }
    }
}
