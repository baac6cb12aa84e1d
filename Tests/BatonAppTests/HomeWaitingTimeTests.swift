@testable import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Home's "N submitted time entries wait for your decision" (an admin's, a manager's) sums
/// counts kept per person and project by the entries' triggers (sql/0050), not the entries:
/// after every kind of write the kept counts are what counting the entries gives, and each
/// home shows the count its owner's decision rule gives over the entries themselves.
@Suite struct HomeWaitingTimeTests {
    /// Submitted entries per person and project as "user project count" lines: kept, and counted afresh.
    static func kept(_ app: TestApp) async throws -> [String] {
        try await lines(app.sql("SELECT user_id, project_id, entries AS n FROM time_waiting_totals WHERE entries <> 0 ORDER BY 1, 2"))
    }

    static func counted(_ app: TestApp) async throws -> [String] {
        try await lines(app.sql("""
            SELECT user_id, coalesce(project_id, 0) AS project_id, count(*) AS n FROM time_entries
            WHERE status = 'submitted' GROUP BY 1, 2 ORDER BY 1, 2
            """))
    }

    static func lines(_ rows: QueryResult) throws -> [String] {
        try rows.map { "\(try $0.decode("user_id", as: Int64.self)) \(try $0.decode("project_id", as: Int64.self)) \(try $0.decode("n", as: Int64.self))" }
    }

    /// The number in home's line, or nil when home has no such line.
    static func shownOnHome(_ app: TestApp, _ session: String) async throws -> Int? {
        let text = try await app.page("/", session).text
        guard let line = text.range(of: #"<p class="timesheets-waiting"><a href="/timesheet">"#) else { return nil }
        return Int(text[line.upperBound...].prefix { $0.isNumber })
    }

    /// What `manager` may decide, counted over the entries by the rule of TimeStore.decidable.
    static func decidable(_ app: TestApp, by manager: Int64) async throws -> Int {
        Int(try await app.sql("""
            SELECT count(*) AS n FROM time_entries e WHERE e.status = 'submitted' AND e.user_id <> \(manager) AND (
                (e.project_id IS NOT NULL AND e.project_id IN (SELECT id FROM projects WHERE project_manager_id = \(manager)))
                OR (e.project_id IS NULL AND e.user_id IN (SELECT user_id FROM reporting_line(\(manager)))))
            """).first!.decode("n", as: Int64.self))
    }

    @Test func homeCountsTheSubmittedEntriesThroughEveryWrite() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await TimeEntryTests.handCase(app)
            let admin = try await app.signIn("admin@demo.test")
            #expect(try await Self.kept(app) == (try await Self.counted(app)), "the migration's counts")

            // 15 and 8 weekdays recorded through the API and submitted week by week.
            let before = try await Self.counted(app)
            let (_, firstWeeks, _) = try await TimeEntryTests.submitHandCaseHours(app, setup, admin: admin)
            let kept = try await Self.kept(app)
            #expect(kept == (try await Self.counted(app)))
            #expect(kept != before, "23 entries were submitted")
            var total = try await Self.counted(app).reduce(0) { $0 + Int($1.split(separator: " ")[2])! }
            #expect(total >= 23)
            #expect(try await Self.shownOnHome(app, admin) == total)

            // The project's manager approves the first person's first week: five entries leave.
            let pm = try await app.signIn(setup.pmEmail)
            let csrf = try await app.csrf(pm, from: "/timesheet")
            let approved = try await app.form("/timesheet/decide", pm, ["csrf": csrf, "userId": String(setup.people[0].id),
                                                                        "week": firstWeeks[0], "decision": "approve"])
            #expect(approved.status == .seeOther)
            #expect(try await Self.kept(app) == (try await Self.counted(app)))
            #expect(try await Self.shownOnHome(app, admin) == total - 5)
            total -= 5

            // Internal time submitted by hand, a note changed, one entry taken back to draft, one deleted.
            let person = setup.people[0].id
            try await app.sql("""
                INSERT INTO time_entries (user_id, day, hours, internal_kind, status)
                VALUES (\(person), '2024-04-01', 2, 'training', 'submitted'), (\(person), '2024-04-02', 3, 'admin', 'submitted'),
                       (\(person), '2024-04-03', 1, 'admin', 'draft')
                """)
            try await app.sql("UPDATE time_entries SET note = 'read again' WHERE user_id = \(person) AND status = 'submitted'")
            try await app.sql("""
                UPDATE time_entries SET status = 'draft'
                WHERE id = (SELECT min(id) FROM time_entries WHERE user_id = \(person) AND status = 'submitted' AND project_id IS NOT NULL)
                """)
            try await app.sql("""
                DELETE FROM time_entries WHERE id = (SELECT max(id) FROM time_entries WHERE user_id = \(person) AND status = 'submitted'
                                                     AND internal_kind = 'admin')
                """)
            #expect(try await Self.kept(app) == (try await Self.counted(app)))
            #expect(try await Self.shownOnHome(app, admin) == total + 2 - 1 - 1)

            // A manager above the person: their home counts what they may decide, internal time included.
            let managerRow = try await app.sql("""
                SELECT u.id, u.email FROM managers_above(\(person)) m JOIN users u ON u.id = m.user_id
                WHERE 'manager' = ANY (u.roles) AND u.active ORDER BY m.depth LIMIT 1
                """).first
            let manager = try #require(managerRow, "the demo has a manager above the consultant")
            let managerID: Int64 = try manager.decode("id")
            let expected = try await Self.decidable(app, by: managerID)
            #expect(expected >= 1, "the person's training hours wait for their manager")
            let session = try await app.signIn(try manager.decode("email", as: String.self))
            #expect(try await Self.shownOnHome(app, session) == expected)
        }
    }
}
