import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import Testing

@testable import BatonApp

/// The events that come with time or with delivery (issue 20): a phase due soon, late
/// or completed, a checklist waiting, a task assigned or overdue. The schedule's sweeps
/// tell each once, however often and however many at once run.
@Suite struct NotificationScheduleTests {
    let delivery = DeliveryTests()

    /// How many notifications of `kind` each recipient has.
    func told(_ app: TestApp, _ kind: String) async throws -> [Int64: Int] {
        let rows = try await app.sql("SELECT recipient_id, count(*) AS n FROM notifications WHERE kind = \(kind) GROUP BY recipient_id")
        var counts: [Int64: Int] = [:]
        for row in rows { counts[try row.decode("recipient_id")] = try row.decode("n") }
        return counts
    }

    /// Runs `body` with the schedule on its own pool to the test's database.
    func withSchedule(_ app: TestApp, _ body: (NotificationSchedule) async throws -> Void) async throws {
        let pool = ConnectionPool(configuration: app.database, maxConnections: 2, logger: Logger(label: "schedule"))
        defer { Task { await pool.shutdown() } }
        try await body(NotificationSchedule(pool: pool, logger: Logger(label: "schedule")))
    }

    @Test func phasesDueLateAndCompletedAndTheWaitingChecklistAreToldOnce() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await delivery.wonProject(app, admin)
            let id = project["id"] as! Int
            let phases = project["phases"] as! [[String: Any]]
            let first = phases[0]["id"] as! Int
            let firstDue = try #require(CalendarDate(phases[0]["due"] as? String ?? ""))
            let lastDue = try #require(CalendarDate(phases[phases.count - 1]["due"] as? String ?? ""))
            let felix = try await app.id(of: "felix.braun@demo.test", token: admin)
            try await withSchedule(app) { schedule in
                // Two days before the first phase is due: the project manager hears it is due, once,
                // though two servers sweep at the same moment and a third later.
                async let one = schedule.sweep(today: firstDue.adding(days: -2))
                async let two = schedule.sweep(today: firstDue.adding(days: -2))
                _ = try await (one, two)
                _ = try await schedule.sweep(today: firstDue.adding(days: -1))
                #expect(try await told(app, "phase-due") == [felix: 1])
                // The day after it was due: late, to the project manager and the order's owner (4).
                _ = try await schedule.sweep(today: firstDue.adding(days: 1))
                _ = try await schedule.sweep(today: firstDue.adding(days: 2))
                #expect(try await told(app, "phase-late") == [felix: 1, 4: 1])
                // The last phase nears with a required item unchecked: the checklist waits for Felix.
                _ = try await schedule.sweep(today: lastDue.adding(days: -1))
                #expect(try await told(app, "checklist-waiting") == [felix: 1])
            }
            // Completing the first phase tells the owner (Felix completed it himself).
            let felixToken = try await app.signIn("felix.braun@demo.test")
            let done = try await app.request(.post, "/api/v1/projects/\(id)/phases/\(first)/complete", token: felixToken, json: "{}")
            #expect(done.status == .ok, "\(done.text)")
            #expect(try await told(app, "phase-completed") == [4: 1])
            let notes = try await app.sql("SELECT subject, link FROM notifications WHERE kind = 'phase-completed'")
            let subject: String = try #require(notes.first).decode("subject")
            #expect(subject.contains("was completed"))
            #expect(try notes.first?.decode("link", as: String.self) == "/projects/\(id)")
        }
    }

    @Test func aTaskIsToldToWhomItIsGivenAndOnceWhenOverdue() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let dev = try await app.id(of: "dev.patel@demo.test", token: admin)
            let account = try await delivery.post(app, "accounts", admin, #"{"name": "Task Notice Co", "ownerId": \#(dev)}"#)
            let yesterday = Timestamp(Date().addingTimeInterval(-86_400)).description
            try await delivery.post(app, "activities", admin, #"""
                {"kind": "task", "subject": "Send the signed order", "accountId": \#(account["id"] as! Int), "ownerId": \#(dev),
                 "dueAt": "\#(yesterday)"}
                """#)
            #expect(try await told(app, "task-assigned") == [dev: 1])
            // A note is no task: nobody hears of it.
            try await delivery.post(app, "activities", admin, #"{"kind": "note", "subject": "Met", "accountId": \#(account["id"] as! Int), "ownerId": \#(dev)}"#)
            #expect(try await told(app, "task-assigned") == [dev: 1])
            try await withSchedule(app) { schedule in
                _ = try await schedule.sweep(today: Timestamp.now.calendarDate)
                _ = try await schedule.sweep(today: Timestamp.now.calendarDate)
            }
            #expect(try await told(app, "task-overdue") == [dev: 1])
            let link = try await app.sql("SELECT link FROM notifications WHERE kind = 'task-overdue'")
            #expect(try link.first?.decode("link", as: String.self) == "/accounts/\(account["id"] as! Int)")
        }
    }
}
