@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The header's global search (issue 19, item 3): accounts, contacts, deals, projects
/// and people by any part of a name, email, domain or phone, grouped by kind, and only
/// what the person may see.
@Suite struct SearchTests {

    @Test func anAccountManagerFindsAContactByPhoneNumber() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let row = try #require(try await app.sql("""
                SELECT c.id, c.name, c.phone FROM contacts c
                WHERE c.phone IS NOT NULL AND c.archived_at IS NULL
                  AND c.account_id IN (SELECT account_id FROM visible_account_ids(\(anaID)))
                ORDER BY c.id LIMIT 1
                """).first)
            let name: String = try row.decode("name")
            let phone: String = try row.decode("phone")
            let contactID: Int64 = try row.decode("id")
            // Typed as people read it out: the last seven digits with a space, no country code.
            let digits = phone.filter(\.isNumber)
            let typed = String(digits.suffix(7).prefix(3)) + " " + String(digits.suffix(4))
            let page = try await app.page("/search?q=\(typed.replacingOccurrences(of: " ", with: "+"))", ana)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"id="search-contacts""#), "contacts are a group of their own")
            #expect(page.text.contains(name))
            #expect(page.text.contains(#"href="/contacts/\#(contactID)""#), "a contact opens its own page")

            let api = try await app.api(.get, "search?q=\(typed.replacingOccurrences(of: " ", with: "%20"))", ana)
            #expect(api.status == .ok)
            let contacts = try #require(api.object["contacts"] as? [[String: Any]])
            #expect(contacts.contains { $0["name"] as? String == name })
            #expect(try api.object["accounts"] is [Any] && api.object["people"] is [Any], "every kind is answered, empty or not")
        }
    }

    @Test func everyKindIsFoundAndGroupedAndVisibilityHolds() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            // An account Ana does not see, with a contact whose name is unique.
            let hidden = try #require(try await app.sql("""
                SELECT a.id, a.name FROM accounts a WHERE a.archived_at IS NULL
                  AND a.id NOT IN (SELECT account_id FROM visible_account_ids(\(anaID))) ORDER BY a.id LIMIT 1
                """).first)
            let hiddenID: Int64 = try hidden.decode("id")
            try await app.sql("INSERT INTO contacts (account_id, name, email) VALUES (\(hiddenID), 'Zebedee Quarrington', 'zq@hidden.test')")
            let seen = try await app.page("/search?q=quarrington", admin)
            #expect(seen.text.contains("Zebedee Quarrington"), "an admin sees every account's contacts")
            let unseen = try await app.page("/search?q=quarrington", ana)
            #expect(unseen.status == .ok)
            #expect(!unseen.text.contains("Zebedee Quarrington"), "a search shows only what its person may see")
            #expect(unseen.text.contains(#"id="search-none""#))

            // An email's domain finds the contact too, and a word from the middle of a name.
            #expect(try await app.page("/search?q=hidden.test", admin).text.contains("Zebedee Quarrington"))
            #expect(try await app.page("/search?q=arringt", admin).text.contains("Zebedee Quarrington"))

            // Deals, accounts and people each have their group.
            let deal: String = try #require(try await app.sql("SELECT name FROM opportunities WHERE archived_at IS NULL ORDER BY id LIMIT 1").first).decode("name")
            let dealPage = try await app.page("/search?q=\(deal.prefix(12).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")", admin)
            #expect(dealPage.text.contains(#"id="search-opportunities""#))
            let people = try await app.api(.get, "search?q=ana.torres", admin)
            let found = try #require(people.object["people"] as? [[String: Any]])
            #expect(found.contains { ($0["href"] as? String)?.hasPrefix("/admin/people/") == true })

            // One character is too little to search; the page says so instead of listing everything.
            let short = try await app.page("/search?q=a", admin)
            #expect(short.text.contains("at least two characters"))
            // The header of every page carries the box and its shortcut.
            let home = try await app.page("/", ana)
            #expect(home.text.contains(#"id="global-search""#) && home.text.contains(#"aria-keyshortcuts="/""#))
        }
    }
}
