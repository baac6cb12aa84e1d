import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Every form the account pages post does what the API does with the same input:
/// the same thing stored, or the same refusal (the API's status and field; the page's
/// status and the same message beside the same field).
@Suite struct AccountPageAgreementTests {
    let pages = PipelinePageAgreementTests()

    @Test func theNewAccountFormAndTheAPIStoreTheSameAndRefuseAlike() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let token = try await pages.csrf(app, ana, from: "/accounts")
            // Good input: the same account either way.
            let viaAPI = try await app.request(.post, "/api/v1/accounts", token: ana,
                                               json: #"{"name": "Agreement Freight API", "industry": "Rail"}"#)
            #expect(viaAPI.status == .created)
            let viaPage = try await pages.form(app, "/accounts", ana, [("csrf", token), ("name", "Agreement Freight Page"), ("industry", "Rail")])
            #expect(viaPage.status == .seeOther)
            let rows = try await app.sql("""
                SELECT name, industry, owner_id, status FROM accounts WHERE name LIKE 'Agreement Freight %' ORDER BY name
                """)
            let stored = try rows.map { "\(try $0.decode("industry", as: String.self)) \(try $0.decode("owner_id", as: Int64.self)) \(try $0.decode("status", as: String.self))" }
            #expect(stored.count == 2 && stored[0] == stored[1], "\(stored)")

            // Bad input: the same status and words beside the same field.
            for (field, apiJSON, formFields) in [
                ("name", #"{"name": "  "}"#, [("name", "  ")]),
                ("parentId", #"{"name": "Orphan", "parentId": 999999}"#, [("name", "Orphan"), ("parentId", "999999")]),
            ] {
                let api = try await app.request(.post, "/api/v1/accounts", token: ana, json: apiJSON)
                let page = try await pages.form(app, "/accounts", ana, [("csrf", token)] + formFields)
                #expect(api.status == page.status, "\(field): API \(api.status), page \(page.status)")
                let apiMessage = try #require(try api.fieldErrors[field], "\(field): \(api.text)")
                #expect(pages.fieldMessage(page.text, "new-account-\(field)") == apiMessage, "\(field)")
            }
        }
    }

    @Test func theContactFormAndTheAPIStoreTheSameAndRefuseAlike() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Agreement Docks"}"#)
            let id = try #require(account.object["id"] as? Int)
            let token = try await pages.csrf(app, ana, from: "/accounts/\(id)")
            let viaAPI = try await app.request(.post, "/api/v1/contacts", token: ana,
                json: #"{"accountId": \#(id), "name": "Kim Ode", "email": "kim@docks.example", "title": "CTO"}"#)
            #expect(viaAPI.status == .created)
            let viaPage = try await pages.form(app, "/accounts/\(id)/contacts", ana,
                                               [("csrf", token), ("name", "Lee Ode"), ("email", "lee@docks.example"), ("title", "CTO")])
            #expect(viaPage.status == .seeOther)
            let titles = try await app.sql("SELECT title FROM contacts WHERE account_id = \(id) ORDER BY name").map { try $0.decode("title", as: String.self) }
            #expect(titles == ["CTO", "CTO"])

            for (field, apiJSON, formFields) in [
                ("email", #"{"accountId": \#(id), "name": "Bad Mail", "email": "kim@"}"#, [("name", "Bad Mail"), ("email", "kim@")]),
                ("email", #"{"accountId": \#(id), "name": "Kim Again", "email": "kim@docks.example"}"#,
                 [("name", "Kim Again"), ("email", "kim@docks.example")]),
                ("name", #"{"accountId": \#(id), "name": " "}"#, [("name", " ")]),
            ] {
                let api = try await app.request(.post, "/api/v1/contacts", token: ana, json: apiJSON)
                let page = try await pages.form(app, "/accounts/\(id)/contacts", ana, [("csrf", token)] + formFields)
                #expect(api.status == page.status, "\(apiJSON): API \(api.status), page \(page.status)")
                let apiMessage = try #require(try api.fieldErrors[field], "\(field): \(api.text)")
                #expect(pages.fieldMessage(page.text, "contact-\(field)") == apiMessage, "\(apiJSON)")
            }
        }
    }

    /// The log line used to skip the API's checks; now it refuses in the API's words.
    @Test func theLogFormAndTheAPIStoreTheSameAndRefuseAlike() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Agreement Yards"}"#)
            let id = try #require(account.object["id"] as? Int)
            let token = try await pages.csrf(app, ana, from: "/accounts/\(id)")
            #expect(try await app.request(.post, "/api/v1/activities", token: ana,
                                          json: #"{"kind": "call", "subject": "Walked the yard", "accountId": \#(id)}"#).status == .created)
            #expect(try await pages.form(app, "/accounts/\(id)/activities", ana,
                                         [("csrf", token), ("kind", "call"), ("subject", "Walked the yard")]).status == .seeOther)
            let logged = try await app.sql("SELECT kind, owner_id FROM activities WHERE account_id = \(id)")
            #expect(logged.count == 2)

            for (apiJSON, formFields) in [
                (#"{"kind": "call", "subject": " ", "accountId": \#(id)}"#, [("kind", "call"), ("subject", " ")]),
                (#"{"kind": "call", "subject": "\#(String(repeating: "x", count: 201))", "accountId": \#(id)}"#,
                 [("kind", "call"), ("subject", String(repeating: "x", count: 201))]),
            ] {
                let api = try await app.request(.post, "/api/v1/activities", token: ana, json: apiJSON)
                let page = try await pages.form(app, "/accounts/\(id)/activities", ana, [("csrf", token)] + formFields)
                #expect(api.status == page.status, "API \(api.status), page \(page.status)")
                let apiMessage = try #require(try api.fieldErrors["subject"], "\(api.text)")
                #expect(page.text.contains(apiMessage), "the page says \(apiMessage)")
            }
            #expect(try await app.sql("SELECT count(*)::int AS n FROM activities WHERE account_id = \(id)").first?.decode("n", as: Int.self) == 2)
        }
    }
}
