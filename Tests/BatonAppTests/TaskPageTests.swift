@testable import BatonApp
import BatonCore
import Dates
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

    /// "New task" from a deal's page: the form comes with the account and the deal filled
    /// in, the task is made through the activity action (due date, notes, assignee), the
    /// deal's Tasks section lists it with Done, and the navigation counts it overdue.
    @Test func newTaskFromARecordIsListedThereAndCountedOverdue() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let deal = try #require(try await app.sql("""
                SELECT id, account_id FROM opportunities WHERE owner_id = \(anaID) AND archived_at IS NULL ORDER BY id LIMIT 1
                """).first)
            let dealID: Int64 = try deal.decode("id")
            let accountID: Int64 = try deal.decode("account_id")

            let before = try await app.page("/opportunities/\(dealID)", ana)
            #expect(before.text.contains(#"id="record-tasks""#), "the deal's page has a Tasks section")
            #expect(before.text.contains("/tasks/new?accountId=\(accountID)&amp;opportunityId=\(dealID)"), "New task carries the deal")

            let form = try await app.page("/tasks/new?accountId=\(accountID)&opportunityId=\(dealID)&next=/opportunities/\(dealID)", ana)
            #expect(form.status == .ok)
            #expect(form.text.contains(#"<option value="\#(dealID)" selected>"#), "the deal is chosen")

            let csrf = try await app.csrf(ana, from: "/tasks")
            let yesterday = Timestamp.now.calendarDate.adding(days: -1)
            let made = try await app.form("/tasks", ana, [
                "csrf": csrf, "subject": "Send the revised quote", "accountId": String(accountID), "opportunityId": String(dealID),
                "dueAt": yesterday.description, "ownerId": String(anaID), "body": "They asked for the phased option", "next": "/opportunities/\(dealID)",
            ])
            #expect(made.status == .seeOther || made.status == .found)
            #expect(made.headers[.location]?.hasPrefix("/opportunities/\(dealID)") == true)
            let row = try #require(try await app.sql("""
                SELECT kind, opportunity_id, body, owner_id, (due_at AT TIME ZONE 'UTC')::date AS due FROM activities WHERE subject = 'Send the revised quote'
                """).first)
            #expect(try row.decode("kind", as: String.self) == "task")
            #expect(try row.decode("opportunity_id", as: Int64?.self) == dealID)
            #expect(try row.decode("body", as: String?.self) == "They asked for the phased option")
            #expect(try row.decode("due", as: CalendarDate.self) == yesterday)

            let after = try await app.page("/opportunities/\(dealID)", ana)
            #expect(after.text.contains("Send the revised quote"))
            #expect(after.text.contains("Complete Send the revised quote"), "listed with its Done button")
            let overdue: Int = try #require(try await app.sql("""
                SELECT count(*)::int AS n FROM activities WHERE owner_id = \(anaID) AND kind = 'task' AND done_at IS NULL AND archived_at IS NULL AND due_at < now()
                """).first).decode("n")
            #expect(overdue >= 1)
            #expect(after.text.contains(#"nav-badge">\#(overdue)<"#), "the navigation counts her overdue tasks")
            #expect(try await app.page("/", ana).text.contains("\(overdue) overdue"), "and so does home")

            // A task needs a subject: the form comes back with the message beside it.
            let refused = try await app.form("/tasks", ana, ["csrf": csrf, "subject": "", "accountId": String(accountID), "ownerId": String(anaID)])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains(#"id="task-subject-error""#))

            // Someone outside her reporting line cannot be given one; her manager can give her one.
            let benID = try await app.id(of: "ben.okafor@demo.test", token: ana)
            let outside = try await app.form("/tasks", ana, ["csrf": csrf, "subject": "Not mine to give", "accountId": String(accountID), "ownerId": String(benID)])
            #expect(outside.status == .unprocessableContent)
            #expect(outside.text.contains(#"id="task-ownerId-error""#))
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let given = try await app.form("/tasks", morgan, [
                "csrf": try await app.csrf(morgan, from: "/tasks"), "subject": "Call the new buyer", "accountId": String(accountID), "ownerId": String(anaID),
            ])
            #expect(given.status == .seeOther || given.status == .found)
            #expect(try await app.page("/", ana).text.contains("Call the new buyer"), "the task is on her home")
        }
    }
}
