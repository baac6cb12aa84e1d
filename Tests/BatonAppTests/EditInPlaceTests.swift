import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Issue 19, items 1 and 6: a deal is edited on its own page (details at the version
/// the form was drawn from, the stage path, lost with a reason from the firm's list,
/// reopened), the conflict panel lists only the fields each side changed, and the
/// board shows every open deal or says when a period is not understood.
@Suite struct EditInPlaceTests {
    /// The pages' own helpers (a page, its form's token, a posted form), shared with the agreement tests.
    let pages = PipelinePageAgreementTests()

    func page(_ app: TestApp, _ path: String, _ session: String) async throws -> TestResponse {
        try await pages.page(app, path, session)
    }

    func csrf(_ app: TestApp, _ session: String, from path: String) async throws -> String {
        try await pages.csrf(app, session, from: path)
    }

    func form(_ app: TestApp, _ path: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
        try await pages.form(app, path, session, fields)
    }

    /// A deal of Ana's on a new account, closing far beyond this quarter.
    func deal(_ app: TestApp, _ ana: String, name: String, closeDate: String = "2031-06-30") async throws -> Int {
        let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "\#(name) Co"}"#)
        let accountID = try #require(account.object["id"] as? Int)
        let created = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
            {"accountId": \(accountID), "name": "\(name)", "stage": "qualification", "amount": "30000.00", "closeDate": "\(closeDate)"}
            """)
        #expect(created.status == .created)
        return try #require(created.object["id"] as? Int)
    }

    func stored(_ app: TestApp, _ id: Int) async throws -> Row {
        try #require(try await app.sql("""
            SELECT amount::text AS amount, next_step, stage_key, lost_reason, version FROM opportunities WHERE id = \(id)
            """).first)
    }

    /// What the details form sends: the fields as typed and what the form showed.
    func details(_ typed: [String: String], was: [String: String]) -> [(String, String)] {
        typed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } + was.sorted { $0.key < $1.key }.map { ("was.\($0.key)", $0.value) }
    }

    @Test func aDealsAmountIsEditedOnItsPageAtTheVersionItWasDrawnFrom() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let id = try await deal(app, ana, name: "Edit Amount")
            let html = try await page(app, "/opportunities/\(id)", ana).text
            #expect(html.contains(#"<form method="post" action="/opportunities/\#(id)" class="stacked edit-in-place" id="details">"#))
            #expect(html.contains(#"<input type="hidden" name="was.amount" value="30000">"#), "the form remembers what it showed")
            let token = try await csrf(app, ana, from: "/opportunities/\(id)")
            let was = ["name": "Edit Amount", "amount": "30000", "closeDate": "2031-06-30", "nextStep": "", "ownerId": String(anaID)]
            var typed = was
            typed["amount"] = "35,000.00"
            let saved = try await form(app, "/opportunities/\(id)", ana, [("csrf", token), ("version", "1")] + details(typed, was: was))
            #expect(saved.status == .seeOther)
            let row = try await stored(app, id)
            #expect(try row.decode("amount", as: String.self) == "35000.00")
            #expect(try row.decode("version", as: Int.self) == 2)

            // A refused value is said beside its field, with the API's words; nothing changes.
            typed["amount"] = "-5"
            let refused = try await form(app, "/opportunities/\(id)", ana, [("csrf", token), ("version", "2")]
                                         + details(typed, was: was.merging(["amount": "35000"]) { $1 }))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("Amount must be zero or more"))
            #expect(try await stored(app, id).decode("version", as: Int.self) == 2)
        }
    }

    @Test func aStaleSaveListsOnlyTheFieldsEachSideChanged() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let id = try await deal(app, ana, name: "Edit Conflict")
            let token = try await csrf(app, ana, from: "/opportunities/\(id)")
            // Someone else sets the next step through the API.
            #expect(try await app.request(.patch, "/api/v1/opportunities/\(id)", token: ana, json: #"{"nextStep": "Call the CFO"}"#,
                                          headers: [.ifMatch: "\"1\""]).status == .ok)
            let was = ["name": "Edit Conflict", "amount": "30000", "closeDate": "2031-06-30", "nextStep": "", "ownerId": String(anaID)]
            var typed = was
            typed["amount"] = "41000"
            let stale = try await form(app, "/opportunities/\(id)", ana, [("csrf", token), ("version", "1")] + details(typed, was: was))
            #expect(stale.status == .conflict)
            let text = stale.text
            #expect(text.contains("Someone else saved this opportunity"))
            #expect(text.contains(#"<th scope="row">Amount</th><td class="theirs">30000</td><td class="mine">41000 <span class="changed small">changed by you</span></td>"#))
            #expect(text.contains(#"<th scope="row">Next step</th><td class="theirs">Call the CFO <span class="changed small">changed by them</span></td>"#))
            for untouched in ["Name", "Close date", "Owner"] {
                #expect(!text.contains(#"<th scope="row">\#(untouched)</th>"#), "\(untouched) was changed by nobody")
            }
            #expect(text.contains(#"<input type="hidden" name="version" value="2">"#), "saving again is over the version now current")
            let row = try await stored(app, id)
            #expect(try row.decode("amount", as: String.self) == "30000.00", "nothing of mine was saved")

            // Saving mine over theirs changes only what I changed: their next step stays.
            let over = try await form(app, "/opportunities/\(id)", ana, [("csrf", token), ("version", "2")]
                                      + details(typed.merging(["nextStep": "Call the CFO"]) { $1 },
                                                was: was.merging(["nextStep": "Call the CFO"]) { $1 }))
            #expect(over.status == .seeOther)
            let after = try await stored(app, id)
            #expect(try after.decode("amount", as: String.self) == "41000.00")
            #expect(try after.decode("next_step", as: String.self) == "Call the CFO")
        }
    }

    @Test func theStagePathMovesLosesWithAListedReasonAndReopens() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let id = try await deal(app, ana, name: "Edit Stage")
            let html = try await page(app, "/opportunities/\(id)", ana).text
            #expect(html.contains(#"<button type="submit" name="stage" value="proposal" title="Move to Proposal">"#), "a step is a button")
            #expect(html.contains(#"<option value="Chose a competitor">Chose a competitor</option>"#), "the firm's lost reasons are offered")
            let token = try await csrf(app, ana, from: "/opportunities/\(id)")
            let path = "/opportunities/\(id)/stage"

            #expect(try await form(app, path, ana, [("csrf", token), ("version", "1"), ("stage", "proposal")]).status == .seeOther)
            #expect(try await stored(app, id).decode("stage_key", as: String.self) == "proposal")

            // An old page's version moves nothing and says why.
            let stale = try await form(app, path, ana, [("csrf", token), ("version", "1"), ("stage", "negotiation")])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("Someone else changed this opportunity"))

            // "Other" without words is the API's refusal, said above the path.
            let bare = try await form(app, path, ana, [("csrf", token), ("version", "2"), ("stage", "closed_lost"),
                                                        ("lostReason", "__other"), ("lostReasonOther", " ")])
            #expect(bare.status == .unprocessableContent)
            #expect(bare.text.contains("Lost reason is required when an opportunity is lost"))

            let lost = try await form(app, path, ana, [("csrf", token), ("version", "2"), ("stage", "closed_lost"),
                                                        ("lostReason", "__other"), ("lostReasonOther", "Went in-house")])
            #expect(lost.status == .seeOther)
            var row = try await stored(app, id)
            #expect(try row.decode("stage_key", as: String.self) == "closed_lost")
            #expect(try row.decode("lost_reason", as: String.self) == "Went in-house")

            let reopenPage = try await page(app, "/opportunities/\(id)", ana).text
            #expect(reopenPage.contains(#"<label for="reopen-stage">Reopen at</label>"#), "a lost deal offers to reopen")
            #expect(try await form(app, path, ana, [("csrf", token), ("version", "3"), ("stage", "qualification")]).status == .seeOther)
            row = try await stored(app, id)
            #expect(try row.decode("stage_key", as: String.self) == "qualification")
            #expect(try row.decode("lost_reason", as: String?.self) == nil)

            let listed = try await form(app, path, ana, [("csrf", token), ("version", "4"), ("stage", "closed_lost"), ("lostReason", "Price")])
            #expect(listed.status == .seeOther)
            #expect(try await stored(app, id).decode("lost_reason", as: String.self) == "Price")
        }
    }

    @Test func theBoardShowsEveryOpenDealAndSaysWhenAPeriodIsNotUnderstood() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let id = try await deal(app, ana, name: "Far Away Deal", closeDate: "2031-06-30")
            let quarter = try await page(app, "/pipeline", ana).text
            #expect(!quarter.contains(#"data-id="\#(id)""#), "this quarter's board does not hold a 2031 deal")
            let all = try await page(app, "/pipeline?period=all", ana).text
            #expect(all.contains(#"data-id="\#(id)""#), "all open deals holds it")
            #expect(all.contains("Showing every open deal"))

            let wrong = try await page(app, "/pipeline?period=2027Q5", ana).text
            #expect(wrong.contains(#"<p class="error" role="alert" id="period-error">"#), "a period not understood is said")
            #expect(wrong.contains("2027Q5"))

            // A move offers its undo, back to where the card was.
            let token = try await csrf(app, ana, from: "/pipeline?period=all")
            let moved = try await form(app, "/pipeline/\(id)/stage", ana, [("csrf", token), ("period", "all"), ("from", "qualification"),
                                                                          ("stage", "proposal")])
            #expect(moved.status == .seeOther)
            let location = try #require(moved.headers[.location])
            #expect(location.contains("undo=\(id).qualification"))
            let offered = try await page(app, location, ana).text
            #expect(offered.contains("Undo: back to Qualification"))
            let undone = try await form(app, "/pipeline/\(id)/stage", ana, [("csrf", token), ("period", "all"), ("stage", "qualification")])
            #expect(undone.status == .seeOther)
            #expect(try await stored(app, id).decode("stage_key", as: String.self) == "qualification")
        }
    }

    @Test func newAccountOpensItsFormAndWarnsOfLikelyDuplicates() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let list = try await page(app, "/accounts", ana).text
            #expect(list.components(separatedBy: ">New account<").count == 2, "one New account control")
            #expect(!list.contains(#"action="/accounts" class="stacked"#), "the form is not drawn folded")
            let open = try await page(app, "/accounts?new=account", ana).text
            #expect(open.contains(#"<form method="post" action="/accounts" class="stacked columns">"#), "New account opens its form")

            let first = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Northwind Traders, Inc.", "domain": "northwind.example"}"#)
            let firstID = try #require(first.object["id"] as? Int)
            let token = try await csrf(app, ana, from: "/accounts?new=account")
            func create(_ fields: [(String, String)]) async throws -> TestResponse {
                try await form(app, "/accounts", ana, [("csrf", token), ("ownerId", String(anaID))] + fields)
            }
            for (label, fields) in [("similar name", [("name", "northwind traders")]),
                                    ("same domain", [("name", "NW Group"), ("domain", "Northwind.example")])] {
                let warned = try await create(fields)
                #expect(warned.status == .ok, "\(label): warned, not created")
                #expect(warned.text.contains(#"id="likely-duplicates""#), "\(label)")
                #expect(warned.text.contains(#"<a href="/accounts/\#(firstID)">Northwind Traders, Inc.</a>"#), "\(label): linked")
            }
            #expect(try await app.sql("SELECT count(*) AS n FROM accounts WHERE name IN ('northwind traders', 'NW Group')").first?
                .decode("n", as: Int.self) == 0)
            let unrelated = try await create([("name", "Southwind Bakery")])
            #expect(unrelated.status == .seeOther, "no likely duplicate: created at once")
            let anyway = try await create([("name", "northwind traders"), ("createAnyway", "true")])
            #expect(anyway.status == .seeOther, "created anyway when the person says so")
        }
    }

    @Test func anAdminKeepsTheListOfLostReasonsThatTheDealPageOffers() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let ana = try await app.signIn("ana.torres@demo.test")
            let id = try await deal(app, ana, name: "Reasons")
            let token = try await csrf(app, admin, from: "/admin/lost-reasons")
            #expect(try await form(app, "/admin/lost-reasons", admin, [("csrf", token), ("name", "Lost to in-house team")]).status == .seeOther)
            let twice = try await form(app, "/admin/lost-reasons", admin, [("csrf", token), ("name", "lost to IN-HOUSE team")])
            #expect(twice.status == .conflict)
            #expect(twice.text.contains("The list already has the reason"))
            #expect(try await page(app, "/opportunities/\(id)", ana).text.contains(#"<option value="Lost to in-house team">"#))

            let price = try #require(try await app.sql("SELECT id FROM lost_reasons WHERE name = 'Price'").first).decode("id", as: Int64.self)
            #expect(try await form(app, "/admin/lost-reasons/\(price)/retire", admin, [("csrf", token)]).status == .seeOther)
            #expect(!(try await page(app, "/opportunities/\(id)", ana).text.contains(#"<option value="Price">"#)), "a retired reason is not offered")

            let anaToken = try await csrf(app, ana, from: "/opportunities/\(id)")
            #expect(try await page(app, "/admin/lost-reasons", ana).status == .forbidden)
            #expect(try await form(app, "/admin/lost-reasons", ana, [("csrf", anaToken), ("name", "Mine")]).status == .forbidden)
        }
    }
}
