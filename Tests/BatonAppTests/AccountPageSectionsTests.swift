import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 19: the account page's Deals and Contacts sections say how many the account has
/// ("Deals (1,005)"), show the first twenty (the newest deals, the contacts by name) and
/// link "Show all 1,005 deals" to the list view filtered to the account, which lists
/// exactly those, page after page.
@Suite struct AccountPageSectionsTests {
    let pages = PipelinePageAgreementTests()

    /// The part of `html` from `start` to the next `end`, empty when `start` is not there.
    func part(_ html: String, from start: String, to end: String) -> String {
        guard let from = html.range(of: start) else { return "" }
        let rest = html[from.upperBound...]
        return String(rest[..<(rest.range(of: end)?.lowerBound ?? rest.endIndex)])
    }

    /// The address of the link with this text ("Show all 25 contacts"), as a browser follows it.
    func link(_ html: String, _ label: String) -> String? {
        guard let link = html.range(of: "\">\(label)</a>") else { return nil }
        let before = html[..<link.lowerBound]
        guard let href = before.range(of: "href=\"", options: .backwards) else { return nil }
        return String(before[href.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    func occurrences(_ text: String, _ of: String) -> Int { text.components(separatedBy: of).count - 1 }

    @Test func theSectionsCountEveryRecordShowTheFirstAndLinkTheRest() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let made = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Sections Freight"}"#)
            let id = try #require(made.object["id"] as? Int)
            // 1,005 deals, a third of them won (the sections and "show all" count every deal,
            // not just the open ones), and two archived ones that count nowhere.
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id)
                SELECT \(id), 'Sections deal ' || n, 'new_business', CASE WHEN n % 3 = 0 THEN 'closed_won' ELSE 'prospecting' END,
                       1000 + n, DATE '2027-01-01' + n, \(anaID)
                FROM generate_series(1, 1005) AS n
                """)
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id, archived_at)
                SELECT \(id), 'Archived deal ' || n, 'new_business', 'prospecting', 1, DATE '2030-01-01' + n, \(anaID), now()
                FROM generate_series(1, 2) AS n
                """)
            try await app.sql("""
                INSERT INTO contacts (account_id, name, email) SELECT \(id), 'Sections person ' || lpad(n::text, 2, '0'), 'p' || n || '@sections.example'
                FROM generate_series(1, 25) AS n
                """)
            try await app.sql("INSERT INTO contacts (account_id, name, archived_at) VALUES (\(id), 'Archived person', now())")
            let deals = try await app.sql("SELECT count(*) AS n FROM opportunities WHERE account_id = \(id) AND archived_at IS NULL")
                .first?.decode("n", as: Int.self)
            #expect(deals == 1005)

            let page = try await pages.page(app, "/accounts/\(id)", ana)
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains(#"<h2 id="opportunities">Deals (1,005)</h2>"#), "the count is grouped and counts every deal")
            #expect(html.contains(#"<h2 id="contacts">Contacts (25)</h2>"#))
            let shownDeals = part(html, from: #"<ul class="deals">"#, to: "</ul>")
            #expect(occurrences(shownDeals, #"<li><a href="/opportunities/"#) == 20)
            #expect(part(shownDeals, from: #"">"#, to: "</a>") == "Sections deal 1005", "the newest close date first")
            #expect(shownDeals.contains(">Sections deal 986</a>") && !shownDeals.contains(">Sections deal 985</a>"))
            #expect(!shownDeals.contains("Archived deal"))
            #expect(shownDeals.contains("Closed won"), "the stage by its name, not its key")
            let shownContacts = part(html, from: #"<ul class="contacts">"#, to: "</ul>")
            #expect(occurrences(shownContacts, #"<li><a href="/contacts/"#) == 20)
            #expect(shownContacts.contains(">Sections person 01</a>") && !shownContacts.contains(">Sections person 21</a>"), "by name")

            // "Show all": the list view filtered to the account, every deal, newest first.
            let allDeals = try #require(link(html, "Show all 1,005 deals"))
            #expect(allDeals == "/opportunities?account=\(id)&dir=desc&sort=closeDate&status=all")
            let list = try await pages.page(app, allDeals, ana)
            #expect(list.status == .ok)
            #expect(list.text.contains("1,005 deals") && list.text.contains("1–50 of 1,005"), "exactly the account's deals")
            #expect(list.text.contains(">Sections deal 1005</a>") && !list.text.contains("Archived deal"))
            #expect(list.text.contains(#"name="account" value="\#(id)""#), "the filter form keeps the account")
            #expect(list.text.contains(#"Account: <a href="/accounts/\#(id)">Sections Freight</a>"#), "the list says whose deals it holds")
            let every = try #require(link(list.text, "Show deals of every account"))
            #expect(!every.contains("account=") && every.contains("status=all"), "widening drops only the account")
            let next = try #require(link(list.text, "Next page"))
            #expect(next.contains("account=\(id)") && next.contains("status=all"), "the next page keeps the filters")
            let second = try await pages.page(app, next, ana)
            #expect(second.text.contains("51–100 of 1,005"))
            #expect(second.text.contains(">Sections deal 955</a>") && !second.text.contains(">Sections deal 956</a>"), "newest first, page after page")

            // An admin's count of the filtered list is the account's, not the firm's kept totals.
            let admin = try await app.signIn("admin@demo.test")
            #expect(try await pages.page(app, allDeals, admin).text.contains("1,005 deals"))
            #expect(try await pages.page(app, "/accounts/\(id)", admin).text.contains("Show all 1,005 deals"))

            let allContacts = try #require(link(html, "Show all 25 contacts"))
            #expect(allContacts == "/contacts?account=\(id)")
            let contacts = try await pages.page(app, allContacts, ana)
            #expect(contacts.text.contains("25 contacts") && !contacts.text.contains("Archived person"))
        }
    }

    @Test func aSectionThatShowsEveryRecordHasNoShowAll() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let made = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Sections Small"}"#)
            let id = try #require(made.object["id"] as? Int)
            for name in ["Small one", "Small two"] {
                let deal = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                    {"accountId": \(id), "name": "\(name)", "stage": "prospecting", "amount": "5000.00", "closeDate": "2027-03-31"}
                    """)
                #expect(deal.status == .created, "\(deal.text)")
            }
            let html = try await pages.page(app, "/accounts/\(id)", ana).text
            #expect(html.contains(#"<h2 id="opportunities">Deals (2)</h2>"#))
            #expect(html.contains(#"<h2 id="contacts">Contacts (0)</h2>"#) && html.contains("No contacts yet."))
            #expect(!html.contains("Show all"))
            #expect(html.contains("USD 5,000.00"), "money through the one formatter")
        }
    }
}
