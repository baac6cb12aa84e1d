import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// The timesheet page writes through the same actions as the API: the grid saves,
/// refuses a day beyond 24 hours beside its cell (keeping nothing), submits the week,
/// and the project's manager approves it from the same page.
@Suite struct TimesheetPageTests {
    @Test func theGridSavesSubmitsAndIsApproved() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await TimeEntryTests.handCase(app)
            try await app.sql("DELETE FROM time_off")
            let person = setup.people[0]
            let session = try await app.signIn(person.email)
            // My week links to the timesheet; the project page to its budget.
            #expect(try await app.page("/my-week", session).text.contains(#"href="/timesheet""#))
            #expect(try await app.page("/projects/\(setup.projectID)", session).text.contains("/projects/\(setup.projectID)/budget"))
            let shown = try await app.page("/timesheet?week=2024-03-06", session)
            #expect(shown.status == .ok)
            #expect(shown.text.contains("Week of 4 Mar 2024"))
            let cell = "h-a\(person.assignment)-0"
            #expect(shown.text.contains(#"name="\#(cell)""#))
            #expect(shown.text.contains(#"name="h-itraining-2""#))
            let token = try await app.csrf(session, from: "/timesheet")
            // A day beyond 24 hours: refused beside its cell, and nothing of the post is kept.
            let over = try await app.form("/timesheet", session, ["csrf": token, "week": "2024-03-04", "action": "save",
                                                                   cell: "8", "h-a\(person.assignment)-1": "30"])
            #expect(over.status == .unprocessableContent)
            #expect(over.text.contains("at most 24"))
            #expect(over.text.contains(#"aria-invalid="true""#))
            let none = try await app.request(.get, "/api/v1/timesheet?week=2024-03-04", token: session)
            #expect(try none.object["total"] as? String == "0")
            // Eight hours on the project on Monday, two of training on Wednesday; submitted.
            let saved = try await app.form("/timesheet", session, ["csrf": token, "week": "2024-03-04", "action": "submit",
                                                                    cell: "8", "h-itraining-2": "2"])
            #expect(saved.status == .seeOther)
            let week = try await app.request(.get, "/api/v1/timesheet?week=2024-03-04", token: session)
            #expect(try week.object["total"] as? String == "10")
            #expect(try week.object["status"] as? String == "submitted")
            // Submitted days are locked on the page.
            #expect(try await app.page("/timesheet?week=2024-03-04", session).text.contains(#"name="\#(cell)""#) == false)
            // The project's manager sees the week waiting and approves it.
            let pm = try await app.signIn(setup.pmEmail)
            let waiting = try await app.page("/timesheet", pm)
            #expect(waiting.text.contains("Weeks waiting for your approval"))
            let pmCSRF = try await app.csrf(pm, from: "/timesheet")
            let approved = try await app.form("/timesheet/decide", pm, ["csrf": pmCSRF, "userId": String(person.id),
                                                                         "week": "2024-03-04", "decision": "approve"])
            #expect(approved.status == .seeOther)
            let after = try await app.request(.get, "/api/v1/time-entries?userId=\(person.id)&status=approved", token: pm)
            #expect(try (after.object["items"] as? [[String: Any]])?.map { $0["hours"] as? String } == ["8"])
        }
    }
}
