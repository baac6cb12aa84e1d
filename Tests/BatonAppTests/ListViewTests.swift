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
            #expect(all.text.contains(expected == 1 ? "1 deal" : "\(Formatting.count(expected)) deals"), "the count is the whole view, grouped")
            #expect(all.text.contains(#"href="/opportunities""#), "the navigation links the deals list")

            // A minimum amount typed with grouping filters the same as the plain number.
            let big = try await app.sql("SELECT count(*) AS n, sum(amount) AS t FROM opportunities WHERE archived_at IS NULL AND amount >= 50000")
            let bigCount = try big.first?.decode("n", as: Int.self) ?? -1
            let bigTotal = try big.first?.decode("t", as: Decimal?.self) ?? 0
            let filtered = try await pages.page(app, "/opportunities?status=all&amountMin=50%2C000", ana)
            #expect(filtered.text.contains(bigCount == 1 ? "1 deal" : "\(Formatting.count(bigCount)) deals"))
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

    /// The deals and contacts lists narrow to accounts by a word of their name: a firm of
    /// thousands of accounts cannot offer them as a choice. The admin's deals total is
    /// counted from the rows then, not from the kept totals of every account.
    @Test func dealsAndContactsNarrowByAWordOfTheAccountsName() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let name = try await app.sql("""
                SELECT a.name FROM accounts a JOIN opportunities o ON o.account_id = a.id
                WHERE a.archived_at IS NULL AND o.archived_at IS NULL GROUP BY a.id ORDER BY count(*) DESC, a.id LIMIT 1
                """).first?.decode("name", as: String.self) ?? ""
            let word = String(name.split(separator: " ").first ?? "").lowercased()
            #expect(word.count >= 3)
            let deals = try await app.sql("""
                SELECT count(*) AS n, coalesce(sum(o.amount), 0) AS t FROM opportunities o JOIN accounts a ON a.id = o.account_id
                WHERE o.archived_at IS NULL AND a.name ILIKE \("%" + word + "%")
                """).first
            let dealCount = try deals?.decode("n", as: Int.self) ?? -1
            let dealTotal = try deals?.decode("t", as: Decimal.self) ?? -1
            let everyDeal = try await app.sql("SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL").first?.decode("n", as: Int.self) ?? -1
            #expect(dealCount > 0 && dealCount < everyDeal, "the word narrows the deals, and some remain")
            let list = try await pages.page(app, "/opportunities?status=all&accountName=\(word.uppercased())", admin)
            #expect(list.status == .ok)
            #expect(list.text.contains(dealCount == 1 ? "1 deal" : "\(Formatting.count(dealCount)) deals"))
            #expect(list.text.contains(dealTotal.display(currency: "USD").replacingOccurrences(of: "USD", with: "")), "the total is the narrowed deals'")
            #expect(list.text.contains(#"<label>Account <input id="accountName" name="accountName" value="\#(word.uppercased())""#),
                    "the filter has its own labelled control, shown as typed")
            let csv = try await pages.page(app, "/opportunities?status=all&accountName=\(word)&format=csv", admin)
            #expect(csv.text.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }.count == dealCount + 1)

            let contacts = try await app.sql("""
                SELECT count(*) AS n FROM contacts c JOIN accounts a ON a.id = c.account_id
                WHERE c.archived_at IS NULL AND a.name ILIKE \("%" + word + "%")
                """).first?.decode("n", as: Int.self) ?? -1
            let people = try await pages.page(app, "/contacts?accountName=\(word)", admin)
            #expect(people.text.contains(contacts == 1 ? "1 contact" : "\(contacts) contacts"))
            // A pattern's own characters are words, not wildcards.
            let none = try await pages.page(app, "/opportunities?status=all&accountName=%25", admin)
            #expect(none.text.contains("0 deals"))
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

/// One list mechanism for the four lists: columns, sort, saved views per person, the
/// CSV of the view, the accounts list's owner and the projects list's filters.
@Suite struct ListMechanismTests {
    let pages = PipelinePageAgreementTests()

    /// The rows of a CSV, header first, split into cells (the test data has no quoted commas).
    func csvRows(_ text: String) -> [[String]] {
        text.split(whereSeparator: \.isNewline).filter { !$0.isEmpty }.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// The names of the deals a page's table shows, in order.
    func dealNames(_ html: String) -> [String] {
        html.components(separatedBy: #"<td data-label="Deal"><a href="/opportunities/"#).dropFirst().compactMap { piece in
            piece.split(separator: ">", maxSplits: 1).last.map { String($0.prefix { $0 != "<" }).replacingOccurrences(of: "&amp;", with: "&") }
        }
    }

    @Test func columnsAndSortAreTheViewsAndTheCSVHasExactlyItsRows() async throws {
        try await TestApp.run(business: true) { app in
            let chloe = try await app.signIn("chloe.martin@demo.test")
            let view = "/opportunities?status=all&col=name&col=amount&col=owner&sort=amount&dir=desc"
            let page = try await pages.page(app, view, chloe)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"<th scope="col" aria-sort="descending" class="num">"#))
            #expect(!page.text.contains(#"data-label="Stage""#), "a column not chosen is not drawn")
            #expect(page.text.contains(#"name="col" value="stage">"#), "it can be chosen again")
            let csv = try await pages.page(app, view + "&format=csv", chloe)
            let rows = csvRows(csv.text)
            #expect(rows.first == ["name", "amount", "owner"], "the shown columns, in the CSV")
            let amounts = rows.dropFirst().compactMap { Decimal(string: $0[1]) }
            #expect(amounts == amounts.sorted(by: >), "the CSV keeps the sort")
            // The page's rows are the CSV's first rows, in the same order.
            let shown = dealNames(page.text)
            #expect(!shown.isEmpty)
            #expect(Array(rows.dropFirst().prefix(shown.count).map { $0[0] }) == shown)
            let count = try #require(page.text.text(ofElement: "list-count"))
            #expect(count == "\(rows.count - 1) deals" || (rows.count == 2 && count == "1 deal"), "the count is the CSV's rows")
        }
    }

    @Test func theCSVHoldsOnlyWhatTheCallerSees() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let chloe = try await app.signIn("chloe.martin@demo.test")
            let chloeID = try await app.id(of: "chloe.martin@demo.test", token: admin)
            let visible = try await app.sql("""
                SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL
                AND account_id IN (SELECT account_id FROM visible_account_ids(\(chloeID)))
                """).first?.decode("n", as: Int.self) ?? -1
            let all = try await app.sql("SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL").first?.decode("n", as: Int.self) ?? -1
            #expect(visible < all, "the demo hides some deals from an account manager")
            #expect(csvRows(try await pages.page(app, "/opportunities?status=all&format=csv", chloe).text).count == visible + 1)
            #expect(csvRows(try await pages.page(app, "/opportunities?status=all&format=csv", admin).text).count == all + 1)
            let contacts = try await app.sql("""
                SELECT count(*) AS n FROM contacts WHERE archived_at IS NULL AND account_id IN (SELECT account_id FROM visible_account_ids(\(chloeID)))
                """).first?.decode("n", as: Int.self) ?? -1
            #expect(csvRows(try await pages.page(app, "/contacts?format=csv", chloe).text).count == contacts + 1)
        }
    }

    @Test func aPersonSavesAViewListsItExportsItAndDeletesIt() async throws {
        try await TestApp.run(business: true) { app in
            let chloe = try await app.signIn("chloe.martin@demo.test")
            let dev = try await app.signIn("dev.patel@demo.test")
            let chloeID = try await app.id(of: "chloe.martin@demo.test", token: chloe)
            let token = try await app.csrf(chloe, from: "/opportunities")
            let parameters = "owner=\(chloeID)&status=all&sort=amount&dir=desc&page=3"
            let saved = try await app.form("/lists/views", chloe, [("csrf", token), ("kind", "opportunities"), ("name", "My big deals"),
                                                                    ("parameters", parameters)])
            #expect(saved.status == .seeOther || saved.status == .found)
            let location = saved.headers[.location] ?? ""
            #expect(location == "/opportunities?owner=\(chloeID)&status=all&sort=amount&dir=desc", "the page it was on is not kept")
            let list = try await pages.page(app, location, chloe)
            #expect(list.text.contains(#"aria-current="page">My big deals</a>"#), "the saved view is listed beside the list, as the current one")

            // The same name twice is refused with the reason, on the page and in the API.
            let again = try await app.form("/lists/views", chloe, [("csrf", token), ("kind", "opportunities"), ("name", "my big deals"),
                                                                    ("parameters", "")])
            #expect(again.status == .conflict)
            #expect(again.text.contains("You already have a view named my big deals"))
            let twice = try await app.api(.post, "list-views", chloe, #"{"kind": "opportunities", "name": "My big deals"}"#)
            #expect(twice.status == .conflict)

            // The API lists it; nobody else sees, exports or deletes it.
            let views = try await app.api(.get, "list-views?kind=opportunities", chloe)
            let items = try views.object["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["name"] as? String } == ["My big deals"])
            let id = try #require(items.first?["id"] as? Int)
            #expect(try ((try await app.api(.get, "list-views", dev)).object["items"] as? [Any])?.isEmpty == true)
            #expect(try await app.api(.get, "list-views/\(id)/export", dev).status == .notFound)
            #expect(try await app.api(.delete, "list-views/\(id)", dev).status == .notFound)
            #expect(try await app.api(.get, "list-views?kind=leads", chloe).status == .unprocessableContent)

            // Its export is the page's CSV of the same view.
            let export = try await app.api(.get, "list-views/\(id)/export", chloe)
            #expect(export.status == .ok && export.headers[.contentType]?.hasPrefix("text/csv") == true)
            let pageCSV = try await pages.page(app, location + "&format=csv", chloe)
            #expect(export.text == pageCSV.text)
            let owned = try await app.sql("SELECT count(*) AS n FROM opportunities WHERE archived_at IS NULL AND owner_id = \(chloeID)")
                .first?.decode("n", as: Int.self) ?? -1
            #expect(csvRows(export.text).count == owned + 1)

            // Deleted from the page: gone from the list.
            let deleted = try await app.form("/lists/views/\(id)/delete", chloe, [("csrf", token), ("kind", "opportunities")])
            #expect(deleted.headers[.location] == "/opportunities")
            #expect(try ((try await app.api(.get, "list-views", chloe)).object["items"] as? [Any])?.isEmpty == true)
            // A consultant has no deals list to save a view of.
            let maya = try await app.signIn("maya.singh@demo.test")
            #expect(try await app.api(.post, "list-views", maya, #"{"kind": "opportunities", "name": "Mine"}"#).status == .forbidden)
        }
    }

    @Test func theAccountsListHasOwnersAFilterASortAndACount() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let chloeID = try await app.id(of: "chloe.martin@demo.test", token: admin)
            let owned = try await app.sql("SELECT count(*) AS n FROM accounts WHERE archived_at IS NULL AND owner_id = \(chloeID)")
                .first?.decode("n", as: Int.self) ?? -1
            let page = try await pages.page(app, "/accounts?owner=\(chloeID)&sort=owner", admin)
            #expect(page.status == .ok)
            #expect(page.text.text(ofElement: "list-count") == (owned == 1 ? "1 account" : "\(owned) accounts"))
            #expect(page.text.contains(#"<td data-label="Owner">Chloe Martin</td>"#))
            #expect(page.text.contains(#"<option value="\#(chloeID)" selected>"#))
            #expect(page.text.contains("New account"), "the list keeps its New account")
            let csv = try await pages.page(app, "/accounts?owner=\(chloeID)&format=csv", admin)
            #expect(csvRows(csv.text).first == ["name", "domain", "industry", "owner", "status"])
            #expect(csvRows(csv.text).count == owned + 1)
        }
    }

    @Test func theProjectsListFiltersByStatusManagerAndLate() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let active = try await app.sql("SELECT count(*) AS n FROM projects WHERE status = 'active'").first?.decode("n", as: Int.self) ?? -1
            let page = try await pages.page(app, "/projects?status=active", admin)
            #expect(page.text.text(ofElement: "list-count") == (active == 1 ? "1 project" : "\(active) projects"))
            #expect(!page.text.contains(#"status-on_hold"#))
            let late = try await app.sql("""
                SELECT count(*) AS n FROM projects j WHERE j.status NOT IN ('completed', 'cancelled')
                AND EXISTS (SELECT 1 FROM project_phases p WHERE p.project_id = j.id AND p.completed_on IS NULL AND p.due_date < current_date)
                """).first?.decode("n", as: Int.self) ?? -1
            let lateCSV = try await pages.page(app, "/projects?late=yes&format=csv", admin)
            #expect(csvRows(lateCSV.text).count == late + 1)
            let pm = try await app.sql("SELECT project_manager_id AS id, count(*) AS n FROM projects WHERE project_manager_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT 1").first
            if let pm {
                let id: Int64 = try pm.decode("id")
                let n: Int = try pm.decode("n")
                #expect(csvRows(try await pages.page(app, "/projects?pm=\(id)&format=csv", admin).text).count == n + 1)
            }
            #expect(page.text.contains("<progress"), "progress stays a bar")
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
