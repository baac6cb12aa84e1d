@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The tasks page (issue 19, item 2): one's own, one's team's, overdue, today and this
/// week, each with a one-click Done; the navigation links it.
@Suite struct TaskPageTests {

    @Test func tasksPageViewsAndDone() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let account = try #require(try await app.sql("""
                SELECT account_id FROM visible_account_ids(\(anaID)) ORDER BY account_id LIMIT 1
                """).first).decode("account_id", as: Int64.self)
            try await app.sql("""
                INSERT INTO activities (kind, subject, account_id, owner_id, due_at) VALUES
                ('task', 'Chase the late signature', \(account), \(anaID), now() - interval '2 days'),
                ('task', 'Call back next month', \(account), \(anaID), now() + interval '30 days')
                """)
            let mine = try await app.page("/tasks", ana)
            #expect(mine.status == .ok)
            #expect(mine.text.contains("Chase the late signature") && mine.text.contains("Call back next month"))
            #expect(mine.text.contains(#"href="/tasks""#), "the navigation links the tasks page")
            let overdue = try await app.page("/tasks?view=overdue", ana)
            #expect(overdue.text.contains("Chase the late signature"))
            #expect(!overdue.text.contains("Call back next month"), "overdue shows only what is late")
            #expect(!(try await app.page("/tasks?view=week", ana)).text.contains("Call back next month"), "a month away is not this week")

            // Done from the tasks page completes it and comes back to the same view.
            let late = try #require(try await app.sql("SELECT id, version FROM activities WHERE subject = 'Chase the late signature'").first)
            let id: Int64 = try late.decode("id")
            let version: Int = try late.decode("version")
            let csrf = try await app.csrf(ana, from: "/tasks")
            let done = try await app.form("/tasks/\(id)/done", ana, ["csrf": csrf, "version": String(version), "next": "/tasks?view=overdue"])
            #expect(done.status == .seeOther || done.status == .found)
            #expect(done.headers[.location]?.hasPrefix("/tasks?view=overdue") == true)
            #expect(try await app.sql("SELECT done_at IS NOT NULL AS d FROM activities WHERE id = \(id)").first?.decode("d", as: Bool.self) == true)

            // The admin's team view shows others' tasks.
            let admin = try await app.signIn("admin@demo.test")
            #expect(try await app.page("/tasks?view=team", admin).text.contains("Call back next month"))
        }
    }
}
