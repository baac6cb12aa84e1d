@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The list views (issue 19, item 4): deals and contacts as tables with filters, sort,
/// count and total of the whole view, paging that keeps the filters, and CSV of the view.
@Suite struct ListViewTests {
    let pages = PipelinePageAgreementTests()

    @Test func dealsListFiltersCountsTotalsAndExportsTheSameView() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("admin@demo.test")
            let all = try await pages.page(app, "/opportunities?status=all", ana)
            #expect(all.status == .ok)
            let expected = try await app.sql("SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL").first?.decode("n", as: Int.self) ?? -1
            #expect(expected > 0)
            #expect(all.text.contains(expected == 1 ? "1 deal" : "\(expected) deals"), "the count is the whole view")
            #expect(all.text.contains(#"href="/opportunities""#), "the navigation links the deals list")

            // A minimum amount typed with grouping filters the same as the plain number.
            let big = try await app.sql("SELECT count(*) AS n, sum(amount) AS t FROM opportunities WHERE archived_at IS NULL AND amount >= 50000")
            let bigCount = try big.first?.decode("n", as: Int.self) ?? -1
            let bigTotal = try big.first?.decode("t", as: Decimal?.self) ?? 0
            let filtered = try await pages.page(app, "/opportunities?status=all&amountMin=50%2C000", ana)
            #expect(filtered.text.contains(bigCount == 1 ? "1 deal" : "\(bigCount) deals"))
            #expect(filtered.text.contains(bigTotal.display(currency: "USD").replacingOccurrences(of: "USD", with: "")), "the total is grouped money")
            #expect(filtered.text.contains(#"name="amountMin" value="50,000""#), "the filter is shown as typed")
            #expect(!filtered.text.contains(">new_business<"), "kinds are labels, not keys")

            // The CSV link carries the filters, and the CSV has exactly the view's rows.
            #expect(filtered.text.contains("format=csv"))
            let csv = try await pages.page(app, "/opportunities?status=all&amountMin=50%2C000&format=csv", ana)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }
            #expect(lines.first?.hasPrefix("name,account,stage,kind,amount,closeDate,owner") == true)
            #expect(lines.count == bigCount + 1)

            // The owner filter and the sort.
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let anaSession = try await app.signIn("ana.torres@demo.test")
            let visible = try await app.sql("""
                SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL
                AND account_id IN (SELECT account_id FROM visible_account_ids(\(anaID)))
                """).first?.decode("n", as: Int.self) ?? -1
            #expect(try await pages.page(app, "/opportunities?status=all", anaSession).text.contains("\(visible) deals"), "a person sees the deals of accounts they see")
            let mine = try await app.sql("SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL AND owner_id = \(anaID)")
                .first?.decode("n", as: Int.self) ?? -1
            let owned = try await pages.page(app, "/opportunities?status=all&owner=\(anaID)&sort=amount&dir=desc", ana)
            #expect(owned.text.contains(mine == 1 ? "1 deal" : "\(mine) deals"))
            #expect(owned.text.contains(#"aria-sort="descending""#))
            #expect(owned.text.contains("My open deals closing this quarter"))
        }
    }

    @Test func pagingKeepsTheFilters() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("admin@demo.test")
            let account = try await app.sql("SELECT id FROM accounts ORDER BY id LIMIT 1").first?.decode("id", as: Int64.self) ?? 0
            let owner = try await app.sql("SELECT id FROM users ORDER BY id LIMIT 1").first?.decode("id", as: Int64.self) ?? 0
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id)
                SELECT \(account), 'Bulk deal ' || n, 'new_business', (SELECT key FROM pipeline_stages WHERE NOT is_won AND NOT is_lost ORDER BY position LIMIT 1),
                       1000 + n, DATE '2030-01-01' + n, \(owner)
                FROM generate_series(1, 60) AS n
                """)
            let first = try await pages.page(app, "/opportunities?q=Bulk+deal", ana)
            #expect(first.text.contains("60 deals"))
            #expect(first.text.contains("1–50 of 60"))
            #expect(first.text.contains(#"href="/opportunities?q=Bulk%20deal&amp;page=2""#), "the next page keeps the search")
            let second = try await pages.page(app, "/opportunities?q=Bulk%20deal&page=2", ana)
            #expect(second.text.contains("51–60 of 60"))
            #expect(second.text.contains("Bulk deal 60"))
            #expect(!second.text.contains("Bulk deal 1<"))
        }
    }

    @Test func contactsListFiltersAndExports() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("admin@demo.test")
            let total = try await app.sql("SELECT count(*) AS n FROM contacts WHERE archived_at IS NULL").first?.decode("n", as: Int.self) ?? -1
            let list = try await pages.page(app, "/contacts", ana)
            #expect(list.status == .ok)
            #expect(list.text.contains(total == 1 ? "1 contact" : "\(total) contacts"))
            let makers = try await app.sql("SELECT count(*) AS n FROM contacts WHERE archived_at IS NULL AND buying_role = 'decision_maker'")
                .first?.decode("n", as: Int.self) ?? -1
            let filtered = try await pages.page(app, "/contacts?role=decision_maker", ana)
            #expect(filtered.text.contains(makers == 1 ? "1 contact" : "\(makers) contacts"))
            #expect(!filtered.text.contains(">decision_maker<"), "roles are labels")
            // Each row links its account and names the role in words.
            let maker = try await app.sql("""
                SELECT account_id FROM contacts WHERE archived_at IS NULL AND buying_role = 'decision_maker' ORDER BY lower(name), id LIMIT 1
                """).first?.decode("account_id", as: Int64.self)
            if let maker {
                #expect(filtered.text.contains(#"href="/accounts/\#(maker)#contacts""#))
                #expect(filtered.text.contains("<td data-label=\"Buying role\">Decision maker</td>"))
            }
            let csv = try await pages.page(app, "/contacts?role=decision_maker&format=csv", ana)
            #expect(csv.text.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }.count == makers + 1)
        }
    }
}

/// The one formatter (issue 19, item 7): no raw value reaches a page.
@Suite struct FormattingTests {
    @Test func valuesReadAsWords() throws {
        #expect(Formatting.money(Decimal(string: "1234567.5") ?? 0, currency: "USD") == "USD 1,234,567.50")
        #expect(Formatting.date(try #require(CalendarDate("2026-12-01"))) == "1 Dec 2026")
        #expect(Formatting.percent(Decimal(string: "0.8125") ?? 0) == "81.3%")
        #expect(Formatting.label("new_business") == "New business")
        let moment = Timestamp(Date(timeIntervalSince1970: 1_796_133_900))
        #expect(Formatting.moment(moment) == "1 Dec 2026, 14:05 UTC")
        #expect(Formatting.moment(moment, in: TimeZone(identifier: "Europe/Brussels")).hasPrefix("1 Dec 2026, 15:05 "))
        #expect(ListParameters.amount("1,200,000") == 1_200_000)
        #expect(ListParameters.amount("1 200 000.50") == Decimal(string: "1200000.50"))
        #expect(ListParameters.amount("12abc") == nil)
    }
}
