import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 19, item 1: a contact has its own page whose fields are edited in place
/// through `ContactActions` at the version the form was drawn from, and a proposal's
/// header (reviewer, dates, discount, terms) is edited in place while it is a draft;
/// a stale save lists only the fields either side changed.
@Suite struct ContactPageTests {
    /// The pages' own helpers (a page, its form's token, a posted form), shared with the agreement tests.
    let pages = PipelinePageAgreementTests()
    let edits = EditInPlaceTests()

    /// A contact of Ana's on a new account.
    func contact(_ app: TestApp, _ ana: String, name: String) async throws -> (id: Int, accountID: Int) {
        let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "\#(name) Co"}"#)
        let accountID = try #require(account.object["id"] as? Int)
        let created = try await app.request(.post, "/api/v1/contacts", token: ana, json: """
            {"accountId": \(accountID), "name": "\(name)", "email": "ana@\(accountID).example", "phone": "+1 555 0100", "title": "CFO"}
            """)
        #expect(created.status == .created)
        return (try #require(created.object["id"] as? Int), accountID)
    }

    func was(_ name: String, accountID: Int) -> [String: String] {
        ["name": name, "title": "CFO", "email": "ana@\(accountID).example", "phone": "+1 555 0100", "accountId": String(accountID),
         "buyingRole": "", "doNotContact": "false"]
    }

    @Test func aContactsPhoneIsEditedOnItsPageAndTheSearchFindsItThere() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let (id, accountID) = try await contact(app, ana, name: "Noor Haddad")
            let html = try await pages.page(app, "/contacts/\(id)", ana).text
            #expect(html.contains(#"<form method="post" action="/contacts/\#(id)" class="stacked edit-in-place" id="details">"#))
            #expect(html.contains(#"href="mailto:ana@\#(accountID).example""#), "the email is a mailto link")
            #expect(html.contains(#"href="tel:+15550100""#), "the phone is a tel link")
            #expect(html.contains(#"<a href="/accounts/\#(accountID)">Noor Haddad Co</a>"#), "the account is a link")
            #expect(try await pages.page(app, "/accounts/\(accountID)", ana).text.contains(#"<a href="/contacts/\#(id)">Noor Haddad</a>"#),
                    "the account page links its contacts")

            let token = try await pages.csrf(app, ana, from: "/contacts/\(id)")
            let before = was("Noor Haddad", accountID: accountID)
            var typed = before
            typed["phone"] = "+1 555 0199 777"
            typed["doNotContact"] = nil  // an unticked box is not sent
            let saved = try await pages.form(app, "/contacts/\(id)", ana, [("csrf", token), ("version", "1")] + edits.details(typed, was: before))
            #expect(saved.status == .seeOther)
            let api = try await app.request(.get, "/api/v1/contacts/\(id)", token: ana)
            #expect(try api.object["phone"] as? String == "+1 555 0199 777")
            #expect(try api.object["doNotContact"] as? Bool == false, "an unticked box left as it was is not a change")
            #expect(try api.object["version"] as? Int == 2)
            let search = try await pages.page(app, "/search?q=0199+777", ana).text
            #expect(search.contains(#"href="/contacts/\#(id)""#), "the search opens the contact's own page")
        }
    }

    @Test func aStaleContactSaveListsOnlyTheFieldsEachSideChanged() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let (id, accountID) = try await contact(app, ana, name: "Lena Brook")
            let token = try await pages.csrf(app, ana, from: "/contacts/\(id)")
            #expect(try await app.request(.patch, "/api/v1/contacts/\(id)", token: ana, json: #"{"title": "CEO"}"#,
                                          headers: [.ifMatch: "\"1\""]).status == .ok)
            let before = was("Lena Brook", accountID: accountID)
            var typed = before
            typed["phone"] = "+1 555 0123"
            let stale = try await pages.form(app, "/contacts/\(id)", ana, [("csrf", token), ("version", "1")] + edits.details(typed, was: before))
            #expect(stale.status == .conflict)
            let text = stale.text
            #expect(text.contains("Someone else saved this contact"))
            #expect(text.contains(#"<th scope="row">Phone</th><td class="theirs">+1 555 0100</td><td class="mine">+1 555 0123 <span class="changed small">changed by you</span></td>"#))
            #expect(text.contains(#"<th scope="row">Job title</th><td class="theirs">CEO <span class="changed small">changed by them</span></td>"#))
            for untouched in ["Name", "Email", "Account", "Buying role", "Do not contact"] {
                #expect(!text.contains(#"<th scope="row">\#(untouched)</th>"#), "\(untouched) was changed by nobody")
            }
            #expect(text.contains(#"<input type="hidden" name="version" value="2">"#))
            let over = try await pages.form(app, "/contacts/\(id)", ana, [("csrf", token), ("version", "2")]
                                            + edits.details(typed.merging(["title": "CEO"]) { $1 }, was: before.merging(["title": "CEO"]) { $1 }))
            #expect(over.status == .seeOther)
            let api = try await app.request(.get, "/api/v1/contacts/\(id)", token: ana)
            #expect(try (api.object["phone"] as? String, api.object["title"] as? String) == ("+1 555 0123", "CEO"))
        }
    }

    @Test func aCallLoggedWithAContactIsOnItsTimelineAndArchiveGoesBackToTheAccount() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let (id, accountID) = try await contact(app, ana, name: "Omar Vance")
            let token = try await pages.csrf(app, ana, from: "/contacts/\(id)")
            let logged = try await pages.form(app, "/contacts/\(id)/activities", ana, [("csrf", token), ("kind", "call"), ("subject", "Asked about renewal")])
            #expect(logged.status == .seeOther)
            let html = try await pages.page(app, "/contacts/\(id)", ana).text
            #expect(html.contains("Asked about renewal"))
            #expect(html.contains("/tasks/new?accountId=\(accountID)&amp;contactId=\(id)") || html.contains("/tasks/new?accountId=\(accountID)&contactId=\(id)"),
                    "New task has the contact filled in")
            let row = try #require(try await app.sql("SELECT contact_id FROM activities WHERE subject = 'Asked about renewal'").first)
            #expect(try row.decode("contact_id", as: Int64?.self) == Int64(id))

            let archived = try await pages.form(app, "/contacts/\(id)/archive", ana, [("csrf", token), ("version", "1")])
            #expect(archived.status == .seeOther)
            #expect(archived.headers[.location] == "/accounts/\(accountID)#contacts")
            #expect(!(try await pages.page(app, "/accounts/\(accountID)", ana).text.contains(#"<a href="/contacts/\#(id)">"#)),
                    "an archived contact leaves the account's list")
        }
    }

    @Test func aDraftProposalsHeaderIsEditedInPlaceAStaleSaveListsOnlyWhatChangedAndASentOneIsWords() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Header Co"}"#)
            let accountID = try #require(account.object["id"] as? Int)
            let deal = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                {"accountId": \(accountID), "name": "Header deal", "stage": "qualification", "amount": "1000.00", "closeDate": "2031-06-30"}
                """)
            let dealID = try #require(deal.object["id"] as? Int)
            let created = try await app.request(.post, "/api/v1/opportunities/\(dealID)/proposals", token: ana, json: """
                {"validUntil": "2031-05-31", "terms": "Net 30",
                 "lines": [{"description": "Advice", "quantity": "2", "unit": "hour", "unitPrice": "150.00"}]}
                """)
            let id = try #require(created.object["id"] as? Int)
            let html = try await pages.page(app, "/proposals/\(id)", ana).text
            #expect(html.contains(#"<form method="post" action="/proposals/\#(id)" class="stacked columns edit-in-place" id="details">"#))
            let token = try await pages.csrf(app, ana, from: "/proposals/\(id)")
            let before = ["reviewerId": "", "proposedStart": "", "validUntil": "2031-05-31", "discountPercent": "0", "terms": "Net 30"]
            var typed = before
            typed["validUntil"] = "2031-06-15"
            typed["discountPercent"] = "5"
            let saved = try await pages.form(app, "/proposals/\(id)", ana, [("csrf", token), ("version", "1")] + edits.details(typed, was: before))
            #expect(saved.status == .seeOther)
            let api = try await app.request(.get, "/api/v1/proposals/\(id)", token: ana)
            #expect(try api.object["validUntil"] as? String == "2031-06-15")
            #expect(try api.object["total"] as? String == "285.00", "the discount applies to the whole proposal")

            // Someone changes the terms; my stale save of the start date lists those two only.
            #expect(try await app.request(.patch, "/api/v1/proposals/\(id)", token: ana, json: #"{"terms": "Net 45"}"#,
                                          headers: [.ifMatch: "\"2\""]).status == .ok)
            let now = typed
            typed["proposedStart"] = "2031-07-01"
            let stale = try await pages.form(app, "/proposals/\(id)", ana, [("csrf", token), ("version", "2")] + edits.details(typed, was: now))
            #expect(stale.status == .conflict)
            let rows = stale.text.components(separatedBy: #"<th scope="row">"#).dropFirst().map { $0.prefix { $0 != "<" } }
            #expect(rows == ["Proposed start", "Terms"], "only the fields either side changed")

            // Once sent, the header is words, and a save from a page drawn before is refused as the API refuses it.
            let felix = try await app.signIn("felix.braun@demo.test")
            let felixID = try await app.id(of: "felix.braun@demo.test", token: felix)
            #expect(try await app.request(.patch, "/api/v1/proposals/\(id)", token: ana, json: #"{"reviewerId": \#(felixID)}"#,
                                          headers: [.ifMatch: "\"3\""]).status == .ok)
            #expect(try await app.request(.post, "/api/v1/proposals/\(id)/submit", token: ana, json: "{}").status == .ok)
            #expect(try await app.request(.post, "/api/v1/proposals/\(id)/approve", token: felix, json: "{}").status == .ok)
            #expect(try await app.request(.post, "/api/v1/proposals/\(id)/send", token: ana, json: "{}").status == .ok)
            let sent = try await pages.page(app, "/proposals/\(id)", ana).text
            #expect(!sent.contains(#"id="details""#), "no form once sent")
            #expect(sent.contains("<dt>Valid until</dt><dd>15 Jun 2031</dd>"))
            let version = try #require(try await app.request(.get, "/api/v1/proposals/\(id)", token: ana).object["version"] as? Int)
            let refused = try await pages.form(app, "/proposals/\(id)", ana, [("csrf", token), ("version", String(version))]
                                               + edits.details(typed.merging(["reviewerId": String(felixID), "terms": "Net 45"]) { $1 },
                                                               was: typed.merging(["reviewerId": String(felixID), "terms": "Net 45", "proposedStart": ""]) { $1 }))
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("only a draft can be edited"))
        }
    }
}
