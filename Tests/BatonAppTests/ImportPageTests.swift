import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// The import page (issue 16, item 3): upload a CSV, see the dry run's errors and
/// warnings, map each value Baton does not know, and import; through the same
/// `ImportStore.run` and mapping as `POST /api/v1/imports/{kind}`.
@Suite struct ImportPageTests {
    let pages = PipelinePageAgreementTests()

    static let file = """
        Opportunity Name,Account ID,Stage,Close Date,Type,Fiscal Quarter
        Tug charter,001Dn00000AbCdE,Prospecting,12/1/2026,Partner Deal,Q4

        """

    func post(_ app: TestApp, _ session: String, _ parts: [(name: String, value: String, file: Bool)]) async throws -> TestResponse {
        let boundary = "----baton-test-boundary"
        var body = ""
        for part in parts {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            body += part.file ? "; filename=\"deals.csv\"\r\nContent-Type: text/csv\r\n\r\n" : "\r\n\r\n"
            body += part.value + "\r\n"
        }
        body += "--\(boundary)--\r\n"
        return try await app.client.execute(
            uri: "/imports", method: .post,
            headers: [.cookie: "baton_session=\(session)", .contentType: "multipart/form-data; boundary=\(boundary)"],
            body: ByteBuffer(string: body))
    }

    func unescape(_ html: String) -> String {
        html.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    @Test func aPersonUploadsChecksMapsAValueAndImports() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            _ = try await app.client.execute(
                uri: "/api/v1/imports/accounts", method: .post, headers: [.authorization: "Bearer \(ana)", .contentType: "text/csv"],
                body: ByteBuffer(string: ImportRealExportTests.reportAccounts))
            let home = try await pages.page(app, "/", ana).text
            #expect(home.contains(#"href="/imports""#), "the navigation links the import page")
            let csrf = try await pages.csrf(app, ana, from: "/imports")

            let checked = try await post(app, ana, [("csrf", csrf, false), ("kind", "opportunities", false), ("step", "check", false),
                                                    ("file", Self.file, true)])
            #expect(checked.status == .ok)
            let html = unescape(checked.text)
            #expect(html.contains(#"Kind "Partner Deal" is not one of new_business, expansion, renewal"#), "the row error is shown")
            #expect(html.contains("Fiscal Quarter") && html.contains("Baton does not use this column"), "the unused column is a warning")
            #expect(html.contains(#"name="mapTo0""#), "the value can be mapped")
            #expect(html.contains(#"<option value="new_business">new_business</option>"#))
            #expect(!html.contains(#"value="import""#), "no import while the file has errors")
            #expect(try await app.sql("SELECT count(*) AS n FROM opportunities").first?.decode("n", as: Int.self) == 0)

            #expect(html.contains(#"name="mapAccepted0" value="new_business"#))
            let mapping: [(name: String, value: String, file: Bool)] = [
                ("mapColumn0", "Type", false), ("mapValue0", "Partner Deal", false),
                ("mapAccepted0", "new_business\nexpansion\nrenewal", false), ("mapTo0", "new_business", false),
            ]
            let mapped = try await post(app, ana, [("csrf", csrf, false), ("kind", "opportunities", false), ("step", "check", false),
                                                   ("file", "", true), ("csv", Self.file, false)] + mapping)
            #expect(mapped.status == .ok)
            #expect(mapped.text.contains(#"value="import""#), "mapped, the file has no errors and can be imported")
            #expect(mapped.text.contains(#"<option value="new_business" selected>"#), "the choice is kept for the import")
            #expect(mapped.text.contains(#"name="mapColumn0" value="Type""#))

            let imported = try await post(app, ana, [("csrf", csrf, false), ("kind", "opportunities", false), ("step", "import", false),
                                                     ("csv", Self.file, false)] + mapping)
            #expect(imported.status == .ok)
            #expect(imported.text.contains("Imported: 1 created"))
            #expect(try await app.sql("SELECT kind FROM opportunities").first?.decode("kind", as: String.self) == "new_business")
        }
    }

    @Test func whoMayNotImportThroughTheAPIMayNotUseThePage() async throws {
        try await TestApp.run { app in
            let consultant = try await app.signIn("ivy.chen@demo.test")
            #expect(try await pages.page(app, "/imports", consultant).status == .forbidden)
            #expect(try await pages.page(app, "/", consultant).text.contains(#"href="/imports""#) == false)
        }
    }

    @Test func aPostWithoutTheFormsTokenIsRefused() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let r = try await post(app, ana, [("csrf", "forged", false), ("kind", "accounts", false), ("csv", "name\nAcme\n", false)])
            #expect(r.status == .forbidden)
            #expect(try await app.sql("SELECT count(*) AS n FROM accounts").first?.decode("n", as: Int.self) == 0)
        }
    }
}
