@testable import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// A search form sends a space as "+": the pages and the API read it as a space, while a
/// typed plus ("%2B") stays a plus. Before, "/accounts?q=Orca+Marine" searched for
/// "Orca+Marine" and found nothing.
@Suite struct FormQueryTests {
    @Test func aFormsPlusIsASpaceAndAnEncodedPlusStaysAPlus() {
        let pairs = QueryParameters.pairs("q=Orca+Marine&email=a%2Bb%40x.test&flag&empty=")
        #expect(pairs.map(\.name) == ["q", "email", "flag", "empty"])
        #expect(pairs.map(\.value) == ["Orca Marine", "a+b@x.test", "", ""])
    }

    @Test func theAccountsPageFindsAnAccountByTwoWords() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let name: String = try await app.sql("""
                SELECT name FROM accounts WHERE name LIKE '% %' AND archived_at IS NULL ORDER BY id LIMIT 1
                """).first?.decode("name") ?? ""
            #expect(name.contains(" "))
            let words = name.split(separator: " ").prefix(2).joined(separator: "+")
            let found = try await PipelinePageAgreementTests().page(app, "/accounts?q=\(words)", admin)
            #expect(found.status == .ok)
            #expect(found.text.contains(name.replacingOccurrences(of: "&", with: "&amp;")), "searched for \(words)")
        }
    }
}
