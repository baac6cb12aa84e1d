import BatonApp
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// A client's status link always stops working: with no date it lives
/// `STATUS_LINK_DAYS` (90 by default), and no date may be further away than
/// `STATUS_LINK_MAX_DAYS` (365), so a forwarded or forgotten link does not open a
/// project's status for ever.
@Suite struct StatusLinkExpiryTests {
    static var today: CalendarDate { Timestamp.now.calendarDate }

    static func someProject(_ app: TestApp) async throws -> Int64 {
        try #require(try await app.sql("SELECT id FROM projects ORDER BY id LIMIT 1").first?.decode("id"))
    }

    @Test func aLinkWithNoDateExpiresAfterTheDefaultLifetime() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await Self.someProject(app)
            let created = try await app.request(.post, "/api/v1/projects/\(project)/status-link", token: admin, json: "{}")
            #expect(created.status == .created, "\(created.text)")
            let expected = Self.today.adding(days: 90)
            #expect(try created.object["expiresOn"] as? String == expected.description)
            let url = try #require(created.object["url"] as? String)
            let stored: CalendarDate? = try await app.sql("""
                SELECT expires_on FROM project_status_links WHERE project_id = \(project) ORDER BY id DESC LIMIT 1
                """).first?.decode("expires_on")
            #expect(stored == expected)
            #expect(try await app.request(.get, url).status == .ok)
            // The day after its last day, it opens nothing.
            try await app.sql("UPDATE project_status_links SET expires_on = current_date - 1 WHERE project_id = \(project)")
            #expect(try await app.request(.get, url).status == .notFound)
        }
    }

    @Test func aLinkCannotBeMadeToLiveLongerThanTheMaximum() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await Self.someProject(app)
            let latest = Self.today.adding(days: 365)
            let tooFar = try await app.request(.post, "/api/v1/projects/\(project)/status-link", token: admin,
                                               json: #"{"expiresOn": "\#(latest.adding(days: 1))"}"#)
            #expect(tooFar.status == .unprocessableContent, "\(tooFar.text)")
            #expect(try tooFar.fieldErrors["expiresOn"] != nil, "\(tooFar.text)")
            let forever = try await app.request(.post, "/api/v1/projects/\(project)/status-link", token: admin,
                                                json: #"{"expiresOn": "2099-12-31"}"#)
            #expect(forever.status == .unprocessableContent)
            let longest = try await app.request(.post, "/api/v1/projects/\(project)/status-link", token: admin,
                                                json: #"{"expiresOn": "\#(latest)"}"#)
            #expect(longest.status == .created, "\(longest.text)")
            #expect(try longest.object["expiresOn"] as? String == latest.description)
        }
    }

    @Test func theDatabaseHoldsNoLinkWithoutAnEnd() async throws {
        try await TestApp.run(business: true) { app in
            let project = try await Self.someProject(app)
            let refused: String?
            do {
                try await app.sql("""
                    INSERT INTO project_status_links (project_id, token_hash, expires_on) VALUES (\(project), '\\x00'::bytea, NULL)
                    """)
                refused = nil
            } catch let error as PostgresError {
                refused = error.sqlState
            }
            #expect(refused == "23502")
        }
    }

    @Test func theLifetimesComeFromTheEnvironment() throws {
        let configured = try AppConfiguration.fromEnvironment(["STATUS_LINK_DAYS": "30", "STATUS_LINK_MAX_DAYS": "60"])
        #expect(configured.statusLinkDays == 30)
        #expect(configured.statusLinkMaxDays == 60)
        let defaults = try AppConfiguration.fromEnvironment([:])
        #expect(defaults.statusLinkDays == 90)
        #expect(defaults.statusLinkMaxDays == 365)
        // A default longer than the maximum is a mistake worth saying at start-up.
        #expect(throws: AppConfiguration.Invalid.self) {
            try AppConfiguration.fromEnvironment(["STATUS_LINK_DAYS": "400"])
        }
    }
}
