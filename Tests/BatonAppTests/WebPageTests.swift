import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// The record pages' forms (issue 8): they take the API's rules through its own route
/// code, answer a broken rule with the page, its status and each field's message,
/// keep what was typed, carry the version, and never answer with the API's JSON.
@Suite struct WebPageTests {
    func page(_ app: TestApp, _ path: String, _ session: String) async throws -> TestResponse {
        try await app.request(.get, path, headers: [.cookie: "baton_session=\(session)"])
    }

    /// The form's token, as the page hands it out.
    func csrf(_ app: TestApp, _ session: String) async throws -> String {
        let html = try await page(app, "/accounts", session).text
        let marker = #"name="csrf" value=""#
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    func form(_ app: TestApp, _ path: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
        return try await app.client.execute(uri: path, method: .post,
                                            headers: [.cookie: "baton_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                            body: ByteBuffer(string: body))
    }

    @Test func theAccountFormsKeepTheAPIsRulesAndSayWhatIsWrongBesideEachField() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = String(try await app.id(of: "ana.torres@demo.test", token: ana))
            let token = try await csrf(app, ana)

            let refused = try await form(app, "/accounts", ana, [("name", "No token Ltd")])
            #expect(refused.status == .forbidden && refused.headers[.contentType]?.hasPrefix("text/html") == true)

            let bad = try await form(app, "/accounts", ana, [("csrf", token), ("name", "  "), ("industry", "Rail"), ("parentId", "x")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains(#"<p class="field-error" id="new-account-name-error">Name must not be empty</p>"#))
            #expect(bad.text.contains("Choose the parent account from the list"))
            #expect(bad.text.contains(#"value="Rail""#), "what was typed is kept")
            #expect(bad.text.contains(#"<section class="add" id="new-account""#), "the failed form stays open")

            let made = try await form(app, "/accounts", ana, [("csrf", token), ("name", "Formworks"), ("industry", "Rail"),
                                                              ("address.city", "Salem"), ("address.region", "OR"), ("parentId", "")])
            #expect(made.status == .seeOther)
            let location = try #require(made.headers[.location])
            let id = Int(location.split(separator: "/").last!)!
            let stored = try await app.sql("SELECT city, owner_id FROM accounts WHERE id = \(id)").first!
            #expect(try stored.decode("city", as: String.self) == "Salem")
            #expect(try stored.decode("owner_id", as: Int64.self) == (try await app.id(of: "ana.torres@demo.test", token: ana)),
                    "the caller owns it unless another owner is chosen")

            let negative = try await form(app, "\(location)/opportunities", ana, [
                ("csrf", token), ("name", "Rail survey"), ("kind", "new_business"), ("stage", "prospecting"), ("amount", "-5"),
                ("closeDate", "2027-03-31"), ("ownerId", anaID),
            ])
            #expect(negative.status == .unprocessableContent)
            #expect(negative.text.contains(#"<p class="field-error" id="opportunity-amount-error">Amount must be zero or more</p>"#))
            #expect(negative.text.contains(#"value="Rail survey""#))
            #expect(try await app.sql("SELECT count(*) AS n FROM opportunities WHERE account_id = \(id)").first!.decode("n", as: Int.self) == 0)
            let unreadable = try await form(app, "\(location)/opportunities", ana, [
                ("csrf", token), ("name", " "), ("stage", "prospecting"), ("amount", "lots"), ("closeDate", "soon"),
            ])
            #expect(unreadable.status == .unprocessableContent)
            for message in ["Amount must be a number, like 84000.00", "Expected close date must be a date, like 2025-06-30"] {
                #expect(unreadable.text.contains(message), "every broken rule at once: \(message)")
            }
            let expansion = try await form(app, "\(location)/opportunities", ana, [
                ("csrf", token), ("name", "Rail survey"), ("kind", "expansion"), ("stage", "prospecting"), ("amount", "12000"),
                ("closeDate", "2027-03-31"),
            ])
            #expect(expansion.status == .unprocessableContent)
            #expect(expansion.text.contains(#"id="opportunity-kind-error">Expansion needs an account that has already bought"#))
            let opened = try await form(app, "\(location)/opportunities", ana, [
                ("csrf", token), ("name", "Rail survey"), ("kind", "new_business"), ("stage", "prospecting"), ("amount", "12,000.50"),
                ("closeDate", "2027-03-31"), ("ownerId", anaID),
            ])
            #expect(opened.status == .seeOther)
            #expect(opened.headers[.location]?.hasPrefix("/opportunities/") == true)

            let contact = try await form(app, "\(location)/contacts", ana, [("csrf", token), ("name", "Kim Ode"), ("email", "kim@")])
            #expect(contact.status == .unprocessableContent)
            #expect(contact.text.contains(#"id="contact-email-error""#))
            #expect(try await form(app, "\(location)/contacts", ana, [("csrf", token), ("name", "Kim Ode"), ("email", "kim@formworks.example"),
                                                                     ("buyingRole", "technical"), ("doNotContact", "true")]).status == .seeOther)
            let twice = try await form(app, "\(location)/contacts", ana, [("csrf", token), ("name", "Kim Again"), ("email", "kim@formworks.example")])
            #expect(twice.status == .conflict, "the API's own conflict, beside the email")
            #expect(twice.text.contains(#"id="contact-email-error">Kim Ode"#))
            let shown = try await page(app, location, ana).text
            #expect(shown.contains("Kim Ode") && shown.contains("do not contact") && shown.contains("Rail survey"))
        }
    }

    @Test func aStaleSaveOfTheDetailsSavesNothingAndShowsTheirsBesideMine() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let token = try await csrf(app, ana)
            let created = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Stale Co", "industry": "Energy"}"#)
            let id = try #require(created.object["id"] as? Int)
            #expect(try await page(app, "/accounts/\(id)", ana).text.contains(#"<input type="hidden" name="version" value="1">"#))
            #expect(try await app.request(.patch, "/api/v1/accounts/\(id)", token: ana, json: #"{"industry": "Utilities"}"#,
                                          headers: [.ifMatch: "\"1\""]).status == .ok)
            let mine: [(String, String)] = [("name", "Stale Co"), ("domain", ""), ("industry", "Solar"), ("status", "prospect"),
                                            ("ownerId", String(try await app.id(of: "ana.torres@demo.test", token: ana))), ("parentId", ""),
                                            ("address.city", "Eugene")]
            let stale = try await form(app, "/accounts/\(id)", ana, [("csrf", token), ("version", "1")] + mine)
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("Someone else saved this account"))
            #expect(stale.text.contains(#"<td class="theirs">Utilities</td><td class="mine">Solar <span class="changed small">changed by you</span></td>"#))
            #expect(stale.text.contains(#"<input type="hidden" name="version" value="2">"#), "saving again is over the version now current")
            #expect(stale.text.contains("Save mine over theirs"))
            let kept = try await app.sql("SELECT industry, city, version FROM accounts WHERE id = \(id)").first!
            #expect(try kept.decode("industry", as: String.self) == "Utilities")
            #expect(try kept.decode("version", as: Int.self) == 2)

            let over = try await form(app, "/accounts/\(id)", ana, [("csrf", token), ("version", "2")] + mine)
            #expect(over.status == .seeOther)
            let saved = try await app.sql("SELECT industry, city, version FROM accounts WHERE id = \(id)").first!
            #expect(try saved.decode("industry", as: String.self) == "Solar")
            #expect(try saved.decode("city", as: String.self) == "Eugene")
            #expect(try saved.decode("version", as: Int.self) == 3)

            let invalid = try await form(app, "/accounts/\(id)", ana, [("csrf", token), ("version", "3"), ("name", String(repeating: "x", count: 201))])
            #expect(invalid.status == .unprocessableContent)
            #expect(invalid.text.contains("Name must be at most 200 characters"))
            #expect(invalid.text.contains(#"<input type="hidden" name="version" value="3">"#))
        }
    }

    @Test func aDraftsLinesAreAddedAndRemovedThroughTheForms() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let template = try await app.request(.post, "/api/v1/typical-projects", token: admin, json: ProposalTests.assessment).object
            let dev = try await app.signIn("dev.patel@demo.test")
            let devID = try await app.id(of: "dev.patel@demo.test", token: admin)
            let account = try await app.request(.post, "/api/v1/accounts", token: admin, json: #"{"name": "Linesmith", "ownerId": \#(devID)}"#).object
            let token = try await csrf(app, dev)
            let o = try await app.request(.post, "/api/v1/opportunities", token: admin, json: #"""
                {"accountId": \#(account["id"] as! Int), "name": "Lines", "stage": "proposal", "closeDate": "2027-03-31", "ownerId": \#(devID)}
                """#).object
            let templateID = String(template["id"] as! Int)

            let none = try await form(app, "/opportunities/\(o["id"] as! Int)/proposals", dev, [("csrf", token), ("lines[0].typicalProjectId", "")])
            #expect(none.status == .unprocessableContent)
            #expect(none.text.contains(#"id="proposal-lines-0--typicalProjectId-error">A proposal needs at least one line"#))
            let drafted = try await form(app, "/opportunities/\(o["id"] as! Int)/proposals", dev, [
                ("csrf", token), ("reviewerId", "9"), ("lines[0].typicalProjectId", templateID), ("lines[0].quantity", "1"),
                ("proposedStart", "2027-04-05"), ("validUntil", "2027-03-31"), ("terms", "Net 30"),
            ])
            #expect(drafted.status == .seeOther)
            let proposal = try #require(drafted.headers[.location])
            let id = Int(proposal.split(separator: "/").last!)!

            let added = try await form(app, "\(proposal)/lines/add", dev, [("csrf", token), ("version", "1"), ("typicalProjectId", templateID),
                                                                           ("quantity", "2")])
            #expect(added.status == .seeOther)
            #expect(try await app.sql("SELECT total FROM proposals WHERE id = \(id)").first!.decode("total", as: Decimal.self) == 72000)
            let stale = try await form(app, "\(proposal)/lines/add", dev, [("csrf", token), ("version", "1"), ("typicalProjectId", templateID)])
            #expect(stale.status == .conflict, "a second tab's old version saves nothing")
            let zero = try await form(app, "\(proposal)/lines", dev, [("csrf", token), ("version", "2"), ("quantity0", "1"), ("quantity1", "0")])
            #expect(zero.status == .unprocessableContent)
            #expect(zero.text.contains(#"<p class="field-error" id="quantity1-error">Quantity must be more than 0</p>"#))
            #expect(zero.text.contains(#"name="quantity1" value="0""#), "what was typed is kept")
            let removed = try await form(app, "\(proposal)/lines/remove", dev, [("csrf", token), ("version", "2"), ("index", "1")])
            #expect(removed.status == .seeOther)
            #expect(try await app.sql("SELECT count(*) AS n FROM proposal_lines WHERE proposal_id = \(id)").first!.decode("n", as: Int.self) == 1)
            let last = try await form(app, "\(proposal)/lines/remove", dev, [("csrf", token), ("version", "3"), ("index", "0")])
            #expect(last.status == .unprocessableContent)
            #expect(last.text.contains("A proposal needs at least one line"))
        }
    }

    @Test func theClientLinkIsShownOnceAndCanBeRevoked() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let id = project["id"] as! Int
            let felix = try await app.signIn("felix.braun@demo.test")
            let token = try await csrf(app, felix)
            let past = try await form(app, "/projects/\(id)/status-link", felix, [("csrf", token), ("expiresOn", "2001-01-01")])
            #expect(past.status == .unprocessableContent)
            #expect(past.text.contains(#"id="link-expiresOn-error">Expires on cannot be in the past"#))
            // A link lives at most STATUS_LINK_MAX_DAYS (365 by default); a month is well inside.
            let until = Timestamp.now.calendarDate.adding(days: 30).description
            let made = try await form(app, "/projects/\(id)/status-link", felix, [("csrf", token), ("expiresOn", until)])
            #expect(made.status == .created)
            let html = made.text
            let start = try #require(html.range(of: "/status/")).upperBound
            let link = "/status/" + html[start...].prefix { $0 != "\"" }
            #expect(try await app.request(.get, link).status == .ok, "the client's page opens")
            let later = try await page(app, "/projects/\(id)", felix).text
            #expect(!later.contains("/status/") && later.contains("One link is live, until \(until)."))
            #expect(try await form(app, "/projects/\(id)/status-link-revoke", felix, [("csrf", token)]).status == .seeOther)
            #expect(try await app.request(.get, link).status == .notFound)
            let ivy = try await app.signIn("ivy.chen@demo.test")
            #expect(try await form(app, "/projects/\(id)/status-link", ivy, [("csrf", try await csrfOf(app, ivy, "/my-week"))]).status != .created)
        }
    }

    func csrfOf(_ app: TestApp, _ session: String, _ path: String) async throws -> String {
        let html = try await page(app, path, session).text
        let start = try #require(html.range(of: #"name="csrf" value=""#)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    @Test func thePagesErrorsArePagesWithTheRealStatus() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            for path in ["/accounts/999999", "/accounts/abc", "/opportunities/999999", "/proposals/999999", "/projects/999999"] {
                let r = try await page(app, path, ana)
                #expect(r.status == .notFound, "\(path)")
                #expect(r.headers[.contentType]?.hasPrefix("text/html") == true, "\(path)")
            }
            // An address nothing answers: a page for a browser, the problem document for the API.
            let nowhere = try await app.request(.get, "/nowhere/at/all", headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(nowhere.status == .notFound && nowhere.headers[.contentType]?.hasPrefix("text/html") == true)
            let apiNowhere = try await app.request(.get, "/api/v1/nowhere", token: ana, headers: [.accept: "text/html"])
            #expect(apiNowhere.status == .notFound && apiNowhere.headers[.contentType] == "application/problem+json")
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let refused = try await page(app, "/accounts", ivy)
            #expect(refused.status == .forbidden && refused.text.contains("Not allowed"))

            // Our own fault: a 500 that is a page, with a reference, and says nothing of the internals.
            try await app.sql("ALTER TABLE accounts RENAME TO accounts_elsewhere")
            let broken = try await page(app, "/accounts", ana)
            #expect(broken.status == .internalServerError)
            #expect(broken.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(broken.text.contains("Something went wrong") && broken.text.contains("Reference:"))
            #expect(!broken.text.contains("accounts_elsewhere") && !broken.text.contains("relation"))
            let api = try await app.request(.get, "/api/v1/accounts", token: ana)
            #expect(api.status == .internalServerError && api.headers[.contentType] == "application/problem+json", "the API keeps its JSON")
        }
    }
}

/// Issue 14, item 17: a page shows only messages the server chose. A crafted link's
/// `?error=` text never appears; a refused form's message arrives once, by cookie.
@Suite struct FlashMessageTests {
    @Test func aCraftedErrorInTheAddressIsNotShownAndARefusalIsShownOnce() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let pages = WebPageTests()
            for path in ["/pipeline?error=Call%20555-0100%20to%20verify%20your%20account", "/pipeline?period=&error=Call%20555-0100"] {
                let crafted = try await pages.page(app, path, ana)
                #expect(crafted.status == .ok)
                #expect(!crafted.text.contains("555-0100"), "\(path) shows the crafted text")
            }
            let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Quayside Cranes"}"#)
            let accountID = try #require(account.object["id"] as? Int)
            let deal = try await app.request(.post, "/api/v1/opportunities", token: ana,
                json: #"{"accountId": \#(accountID), "name": "Crane telemetry", "stage": "proposal", "amount": "9000.00", "closeDate": "2027-01-15"}"#)
            let dealID = try #require(deal.object["id"] as? Int)
            let token = try await pages.csrfOf(app, ana, "/pipeline")
            let refused = try await pages.form(app, "/pipeline/\(dealID)/stage", ana, [("csrf", token), ("stage", "closed_lost"), ("period", "2027-Q1")])
            #expect(refused.status == .seeOther)
            #expect(refused.headers[.location] == "/pipeline?period=2027-Q1")
            let flash = try #require(refused.headers[values: .setCookie].first { $0.hasPrefix("baton_flash=") })
            let value = String(flash.dropFirst("baton_flash=".count).prefix { $0 != ";" })
            let shown = try await app.request(.get, "/pipeline?period=2027-Q1",
                                              headers: [.cookie: "baton_session=\(ana); baton_flash=\(value)"])
            #expect(shown.text.contains("Lost reason is required"))
            #expect(shown.headers[values: .setCookie].contains { $0.hasPrefix("baton_flash=;") && $0.contains("Max-Age=0") })
            let stored = try await app.sql("SELECT stage_key FROM opportunities WHERE id = \(dealID)")
            #expect(try stored.first?.decode("stage_key", as: String.self) == "proposal")
        }
    }
}
