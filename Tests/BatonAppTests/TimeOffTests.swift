import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Time off and working calendars through the API: who may ask, approve and edit;
/// and the issue's hand case (a public holiday, two days of approved time off, a
/// consultant with two skills) agreeing with the hours the calendar gives.
@Suite struct TimeOffTests {
    /// Ivy Chen: consultant (network engineering 5, security 3), reports to Felix Braun,
    /// who reports to Priya Shah.
    static let ivy = "ivy.chen@demo.test"

    func create(_ app: TestApp, _ token: String, _ json: String) async throws -> TestResponse {
        try await app.request(.post, "/api/v1/time-off", token: token, json: json)
    }

    @Test func theHandCaseAgreesWithTheCalendar() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let ivyToken = try await app.signIn(Self.ivy)
            let ivy = try await app.id(of: Self.ivy, token: admin)
            // A holiday calendar with Whit Monday, 25 May 2026, imported from iCalendar.
            let made = try await app.request(.post, "/api/v1/holiday-calendars", token: admin,
                                             json: #"{"name": "Colorado", "location": "Denver, CO"}"#)
            #expect(made.status == .created)
            let calendarID = try #require(made.object["id"] as? Int)
            let ics = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nDTSTART;VALUE=DATE:20260525\\r\\nSUMMARY:Whit Monday\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
            let imported = try await app.request(.post, "/api/v1/holiday-calendars/\(calendarID)/import", token: admin,
                                                 json: #"{"file": "\#(ics)"}"#)
            #expect(imported.status == .ok)
            #expect((imported.object["holidays"] as? [[String: Any]])?.first?["name"] as? String == "Whit Monday")
            let week = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-05-25&to=2026-06-08", token: admin)
            let etag = try #require(week.headers[.eTag])
            let put = try await app.request(.put, "/api/v1/users/\(ivy)/working-calendar", token: admin,
                                            json: #"{"holidayCalendarId": \#(calendarID)}"#, headers: [.ifMatch: etag])
            #expect(put.status == .ok)
            // Two days of vacation, asked by Ivy, approved by Felix; a half day of training.
            let vacation = try await create(app, ivyToken, #"{"kind": "vacation", "start": "2026-05-27", "end": "2026-05-28"}"#)
            #expect(vacation.status == .created)
            #expect(vacation.object["status"] as? String == "pending")
            let half = try await create(app, ivyToken, #"{"kind": "training", "start": "2026-06-05", "end": "2026-06-05", "hoursPerDay": "4"}"#)
            #expect(half.status == .created)
            // Pending time off removes nothing: 80 h less the holiday.
            let before = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-05-25&to=2026-06-08", token: ivyToken)
            #expect(before.object["totalHours"] as? String == "72")
            let felix = try await app.signIn("felix.braun@demo.test")
            for request in [vacation, half] {
                let id = try #require(request.object["id"] as? Int)
                let ok = try await app.request(.post, "/api/v1/time-off/\(id)/approve", token: felix, headers: [.ifMatch: "\"1\""])
                #expect(ok.status == .ok)
                #expect(ok.object["status"] as? String == "approved")
            }
            // By hand: 10 weekdays × 8 h = 80; Whit Monday −8; two days off −16; half day −4: 52 h.
            let after = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-05-25&to=2026-06-08", token: ivyToken)
            #expect(after.object["totalHours"] as? String == "52")
            let days = after.object["days"] as? [[String: Any]] ?? []
            #expect(days.count == 14)
            #expect(days.first?["holiday"] as? String == "Whit Monday")
            #expect(days.map { $0["hours"] as? String ?? "?" } == ["0", "8", "0", "0", "8", "0", "0", "8", "8", "8", "8", "4", "0", "0"])
            // Ivy still holds two skills: the hours are hers once, whatever skill is asked.
            let skills = try await app.request(.get, "/api/v1/users/\(ivy)", token: admin).object["skills"] as? [Any]
            #expect(skills?.count == 2)
        }
    }

    @Test func whoMayDecide() async throws {
        try await TestApp.run { app in
            let ivy = try await app.signIn(Self.ivy)
            let request = try await create(app, ivy, #"{"kind": "sick", "start": "2026-03-02", "end": "2026-03-03"}"#)
            let id = try #require(request.object["id"] as? Int)
            // Not herself, not a peer, not someone outside her line.
            #expect(try await app.request(.post, "/api/v1/time-off/\(id)/approve", token: ivy, headers: [.ifMatch: "\"1\""]).status == .forbidden)
            let jon = try await app.signIn("jon.alvarez@demo.test")
            #expect(try await app.request(.post, "/api/v1/time-off/\(id)/approve", token: jon, headers: [.ifMatch: "\"1\""]).status == .notFound)
            let grace = try await app.signIn("grace.kim@demo.test")
            #expect(try await app.request(.post, "/api/v1/time-off/\(id)/decline", token: grace, headers: [.ifMatch: "\"1\""]).status == .notFound)
            // Priya is above Felix, so above Ivy: she may, and sees it waiting.
            let priya = try await app.signIn("priya.shah@demo.test")
            let waiting = try await app.request(.get, "/api/v1/time-off?waiting=true", token: priya)
            #expect((waiting.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [id])
            #expect(try await app.request(.get, "/api/v1/time-off?waiting=true", token: ivy).object["items"] as? [Any] != nil)
            #expect((try await app.request(.get, "/api/v1/time-off?waiting=true", token: ivy).object["items"] as? [Any])?.isEmpty == true)
            let stale = try await app.request(.post, "/api/v1/time-off/\(id)/decline", token: priya, headers: [.ifMatch: "\"7\""])
            #expect(stale.status == .preconditionFailed)
            let declined = try await app.request(.post, "/api/v1/time-off/\(id)/decline", token: priya, headers: [.ifMatch: "\"1\""])
            #expect(declined.object["status"] as? String == "declined")
            // Decided once: a second decision is a conflict.
            let again = try await app.request(.post, "/api/v1/time-off/\(id)/approve", token: priya, headers: [.ifMatch: "\"2\""])
            #expect(again.status == .conflict)
            // Only a manager above may ask on someone's behalf.
            let ivyID = try await app.id(of: Self.ivy, token: ivy)
            let forIvy = #"{"userId": \#(ivyID), "kind": "training", "start": "2026-04-06", "end": "2026-04-06"}"#
            #expect(try await create(app, jon, forIvy).status == .notFound)
            let felix = try await app.signIn("felix.braun@demo.test")
            #expect(try await create(app, felix, forIvy).status == .created)
            // Every change is audited.
            let audit = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity = 'time_off'").first?.decode("n", as: Int.self)
            #expect(audit == 3)
        }
    }

    @Test func requestsAreChecked() async throws {
        try await TestApp.run { app in
            let ivy = try await app.signIn(Self.ivy)
            let backwards = try await create(app, ivy, #"{"kind": "vacation", "start": "2026-03-05", "end": "2026-03-02"}"#)
            #expect(backwards.status == .unprocessableContent)
            #expect(backwards.fieldErrors["end"] != nil)
            let kind = try await create(app, ivy, #"{"kind": "holiday", "start": "2026-03-02", "end": "2026-03-02"}"#)
            #expect(kind.status == .unprocessableContent)
            let hours = try await create(app, ivy, #"{"kind": "other", "start": "2026-03-02", "end": "2026-03-02", "hoursPerDay": "25"}"#)
            #expect(hours.fieldErrors["hoursPerDay"] != nil)
            #expect(try await create(app, ivy, #"{"kind": "other", "start": "2026-03-02", "end": "2026-03-06"}"#).status == .created)
            let overlap = try await create(app, ivy, #"{"kind": "other", "start": "2026-03-06", "end": "2026-03-09"}"#)
            #expect(overlap.fieldErrors["start"] != nil)
        }
    }

    @Test func onlyAnAdminEditsCalendarsAndImportsSayWhatIsWrong() async throws {
        try await TestApp.run { app in
            let felix = try await app.signIn("felix.braun@demo.test")
            #expect(try await app.request(.post, "/api/v1/holiday-calendars", token: felix, json: #"{"name": "X"}"#).status == .forbidden)
            let admin = try await app.signIn("admin@demo.test")
            let made = try await app.request(.post, "/api/v1/holiday-calendars", token: admin, json: #"""
                {"name": "Belgium", "holidays": [{"day": "2026-07-21", "name": "National Day"}]}
                """#)
            let id = try #require(made.object["id"] as? Int)
            let bad = try await app.request(.post, "/api/v1/holiday-calendars/\(id)/import", token: admin,
                                            json: #"{"file": "date,name\n21/07/2026,National Day\n"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("Line 2"))
            let csv = try await app.request(.post, "/api/v1/holiday-calendars/\(id)/import", token: admin,
                                            json: #"{"file": "date,name\n2026-11-01,All Saints\n2026-11-11,Armistice\n"}"#)
            #expect((csv.object["holidays"] as? [Any])?.count == 3)
            #expect(try await app.request(.post, "/api/v1/holiday-calendars/\(id)/import", token: felix, json: #"{"file": ""}"#).status == .forbidden)
            // Everyone reads them (the person page names one).
            #expect(try await app.request(.get, "/api/v1/holiday-calendars/\(id)", token: felix).status == .ok)
            // A person's week: an admin's to set; a part-time week changes the hours.
            let ivy = try await app.id(of: Self.ivy, token: admin)
            let ivyToken = try await app.signIn(Self.ivy)
            let own = try await app.request(.put, "/api/v1/users/\(ivy)/working-calendar", token: ivyToken,
                                            json: #"{"workingWeek": null}"#, headers: [.ifMatch: "*"])
            #expect(own.status == .forbidden)
            let part = try await app.request(.put, "/api/v1/users/\(ivy)/working-calendar", token: admin,
                                             json: #"{"workingWeek": ["8", "8", "0", "8", "8", "0", "0"]}"#, headers: [.ifMatch: "*"])
            #expect(part.status == .ok)
            #expect(part.object["standardWeek"] as? Bool == false)
            let week = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-06-01&to=2026-06-08", token: ivyToken)
            #expect(week.object["totalHours"] as? String == "32")
            let wrong = try await app.request(.put, "/api/v1/users/\(ivy)/working-calendar", token: admin,
                                              json: #"{"workingWeek": ["8", "8"]}"#, headers: [.ifMatch: "*"])
            #expect(wrong.fieldErrors["workingWeek"] != nil)
        }
    }
}
