import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The account page's Parent field and the contact page's Account field offer the first
/// 300 accounts by name. The one already chosen is offered by its name whether or not it
/// is among them, and one the reader cannot see is kept without being named.
@Suite struct AccountParentChoiceTests {
    let pages = PipelinePageAgreementTests()

    @Test func aParentBeyondTheFirst300IsOfferedByItsName() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            // 320 accounts that sort before the parent, so it is not among the first 300.
            _ = try await app.sql("INSERT INTO accounts (name) SELECT 'Aardvark ' || lpad(g::text, 3, '0') FROM generate_series(1, 320) g")
            let parent = try await app.request(.post, "/api/v1/accounts", token: admin, json: #"{"name": "Zephyr Holdings"}"#)
            let parentID = try #require(parent.object["id"] as? Int)
            let child = try await app.request(.post, "/api/v1/accounts", token: admin,
                                              json: #"{"name": "Zephyr Freight", "parentId": \#(parentID)}"#)
            let childID = try #require(child.object["id"] as? Int)
            let contact = try await app.request(.post, "/api/v1/contacts", token: admin,
                                                json: #"{"accountId": \#(parentID), "name": "Zia Parent-Contact"}"#)
            let contactID = try #require(contact.object["id"] as? Int)

            let html = try await pages.page(app, "/accounts/\(childID)", admin).text
            #expect(html.contains(#"<option value="\#(parentID)" selected>Zephyr Holdings</option>"#), "the parent is offered by name")
            #expect(!html.contains("Account \(parentID)"), "not by its number")
            let contactPage = try await pages.page(app, "/contacts/\(contactID)", admin).text
            #expect(contactPage.contains(#"<option value="\#(parentID)" selected>Zephyr Holdings</option>"#), "so is a contact's account")
        }
    }

    @Test func aParentTheReaderCannotSeeIsKeptUnnamed() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let ana = try await app.signIn("ana.torres@demo.test")
            let benID = try await app.id(of: "ben.okafor@demo.test", token: admin)
            let hidden = try await app.request(.post, "/api/v1/accounts", token: admin,
                                               json: #"{"name": "Quietly Owned Group", "ownerId": \#(benID)}"#)
            let hiddenID = try #require(hidden.object["id"] as? Int)
            let mine = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Ana's Subsidiary"}"#)
            let mineID = try #require(mine.object["id"] as? Int)
            // Ana may not choose it; an admin may.
            #expect(try await app.request(.patch, "/api/v1/accounts/\(mineID)", token: ana, json: #"{"parentId": \#(hiddenID)}"#,
                                          headers: [.ifMatch: "\"1\""]).status == .unprocessableContent)
            #expect(try await app.request(.patch, "/api/v1/accounts/\(mineID)", token: admin, json: #"{"parentId": \#(hiddenID)}"#,
                                          headers: [.ifMatch: "\"1\""]).status == .ok)

            let html = try await pages.page(app, "/accounts/\(mineID)", ana).text
            #expect(!html.contains("Quietly Owned Group"), "Ana's page does not name an account she cannot see")
            #expect(!html.contains(#"href="/accounts/\#(hiddenID)""#), "nor link to it")
            #expect(html.contains(#"<option value="\#(hiddenID)" selected>An account you cannot see</option>"#),
                    "the parent is kept, so saving her other changes does not drop it")
            let adminView = try await pages.page(app, "/accounts/\(mineID)", admin).text
            #expect(adminView.contains(#"<option value="\#(hiddenID)" selected>Quietly Owned Group</option>"#), "the admin sees it named")
        }
    }
}
