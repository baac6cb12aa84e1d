@testable import BatonApp
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
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
            #expect(try (imported.object["holidays"] as? [[String: Any]])?.first?["name"] as? String == "Whit Monday")
            let week = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-05-25&to=2026-06-08", token: admin)
            let etag = try #require(week.headers[.eTag])
            let put = try await app.request(.put, "/api/v1/users/\(ivy)/working-calendar", token: admin,
                                            json: #"{"holidayCalendarId": \#(calendarID)}"#, headers: [.ifMatch: etag])
            #expect(put.status == .ok)
            // Two days of vacation, asked by Ivy, approved by Felix; a half day of training.
            let vacation = try await create(app, ivyToken, #"{"kind": "vacation", "start": "2026-05-27", "end": "2026-05-28"}"#)
            #expect(vacation.status == .created)
            #expect(try vacation.object["status"] as? String == "pending")
            let half = try await create(app, ivyToken, #"{"kind": "training", "start": "2026-06-05", "end": "2026-06-05", "hoursPerDay": "4"}"#)
            #expect(half.status == .created)
            // Pending time off removes nothing: 80 h less the holiday.
            let before = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-05-25&to=2026-06-08", token: ivyToken)
            #expect(try before.object["totalHours"] as? String == "72")
            let felix = try await app.signIn("felix.braun@demo.test")
            for request in [vacation, half] {
                let id = try #require(request.object["id"] as? Int)
                let ok = try await app.request(.post, "/api/v1/time-off/\(id)/approve", token: felix, headers: [.ifMatch: "\"1\""])
                #expect(ok.status == .ok)
                #expect(try ok.object["status"] as? String == "approved")
            }
            // By hand: 10 weekdays × 8 h = 80; Whit Monday −8; two days off −16; half day −4: 52 h.
            let after = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-05-25&to=2026-06-08", token: ivyToken)
            #expect(try after.object["totalHours"] as? String == "52")
            let days = try after.object["days"] as? [[String: Any]] ?? []
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
            #expect(try (waiting.object["items"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [id])
            #expect(try await app.request(.get, "/api/v1/time-off?waiting=true", token: ivy).object["items"] as? [Any] != nil)
            #expect((try await app.request(.get, "/api/v1/time-off?waiting=true", token: ivy).object["items"] as? [Any])?.isEmpty == true)
            let stale = try await app.request(.post, "/api/v1/time-off/\(id)/decline", token: priya, headers: [.ifMatch: "\"7\""])
            #expect(stale.status == .preconditionFailed)
            let declined = try await app.request(.post, "/api/v1/time-off/\(id)/decline", token: priya, headers: [.ifMatch: "\"1\""])
            #expect(try declined.object["status"] as? String == "declined")
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
            #expect(try backwards.fieldErrors["end"] != nil)
            let kind = try await create(app, ivy, #"{"kind": "holiday", "start": "2026-03-02", "end": "2026-03-02"}"#)
            #expect(kind.status == .unprocessableContent)
            let hours = try await create(app, ivy, #"{"kind": "other", "start": "2026-03-02", "end": "2026-03-02", "hoursPerDay": "25"}"#)
            #expect(try hours.fieldErrors["hoursPerDay"] != nil)
            #expect(try await create(app, ivy, #"{"kind": "other", "start": "2026-03-02", "end": "2026-03-06"}"#).status == .created)
            let overlap = try await create(app, ivy, #"{"kind": "other", "start": "2026-03-06", "end": "2026-03-09"}"#)
            #expect(try overlap.fieldErrors["start"] != nil)
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
            #expect(try (csv.object["holidays"] as? [Any])?.count == 3)
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
            #expect(try part.object["standardWeek"] as? Bool == false)
            let week = try await app.request(.get, "/api/v1/users/\(ivy)/working-calendar?from=2026-06-01&to=2026-06-08", token: ivyToken)
            #expect(try week.object["totalHours"] as? String == "32")
            let wrong = try await app.request(.put, "/api/v1/users/\(ivy)/working-calendar", token: admin,
                                              json: #"{"workingWeek": ["8", "8"]}"#, headers: [.ifMatch: "*"])
            #expect(try wrong.fieldErrors["workingWeek"] != nil)
        }
    }

    // MARK: Pages

    func page(_ app: TestApp, _ path: String, _ session: String) async throws -> TestResponse {
        try await app.request(.get, path, headers: [.cookie: "baton_session=\(session)"])
    }

    func csrf(_ html: String) throws -> String {
        let marker = #"name="csrf" value=""#
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    func form(_ app: TestApp, _ path: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
        return try await app.client.execute(uri: path, method: .post,
                                            headers: [.cookie: "baton_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                            body: ByteBuffer(string: body))
    }

    /// The admin pages show a calendar's and a person's own fields.
    @Test func theAdminPagesShowTheCalendarAndThePerson() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let made = try await app.request(.post, "/api/v1/holiday-calendars", token: admin, json: #"{"name": "Belgium", "location": "Brussels"}"#)
            let id = try #require(made.object["id"] as? Int)
            let calendars = try await page(app, "/admin/holidays", admin).text
            #expect(calendars.contains(#"<a href="/admin/holidays/\#(id)">Belgium</a></td><td>Brussels</td>"#))
            let calendar = try await page(app, "/admin/holidays/\(id)", admin).text
            #expect(calendar.contains("<h1>Belgium</h1><p class=\"muted\">Brussels · 0 people work by it"))
            #expect(calendar.contains(#"action="/admin/holidays/\#(id)/delete""#) && calendar.contains(#"name="version" value="1""#))
            let people = try await page(app, "/admin/people", admin).text
            #expect(people.contains(#"<a href="/admin/people/4">Ana Torres</a></td><td>ana.torres@demo.test</td>"#))
            let ana = try await page(app, "/admin/people/4", admin).text
            #expect(ana.contains("<h1>Ana Torres</h1><p class=\"muted\">ana.torres@demo.test · Account manager</p>"))
            #expect(ana.contains(#"action="/admin/people/4/skills""#))
        }
    }

    @Test func askAndApproveThroughThePages() async throws {
        try await TestApp.run { app in
            let ivy = try await app.signIn(Self.ivy)
            let mine = try await page(app, "/time-off", ivy)
            #expect(mine.status == .ok)
            let token = try csrf(mine.text)
            // The API's rule, beside the field, with what was typed kept.
            let bad = try await form(app, "/time-off", ivy, [("csrf", token), ("kind", "vacation"), ("start", "2026-08-14"),
                                                             ("end", "2026-08-10"), ("hoursPerDay", ""), ("note", "Lake trip")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("The last day cannot be before the first"))
            #expect(bad.text.contains("Lake trip"))
            let ok = try await form(app, "/time-off", ivy, [("csrf", token), ("kind", "vacation"), ("start", "2026-08-10"),
                                                            ("end", "2026-08-14"), ("hoursPerDay", ""), ("note", "Lake trip")])
            #expect(ok.status == .seeOther)
            let listed = try await page(app, "/time-off", ivy).text
            for shown in ["14 Aug 2026", "Lake trip", "whole days", "status-pending", #"name="version" value="1""#] {
                #expect(listed.contains(shown), "the request's row shows \(shown)")
            }
            // Felix sees it waiting and approves it.
            let felix = try await app.signIn("felix.braun@demo.test")
            let waiting = try await page(app, "/time-off/approvals", felix)
            #expect(waiting.text.contains("Ivy Chen"))
            let id = try #require(try await app.sql("SELECT id FROM time_off").first?.decode("id", as: Int64.self))
            #expect(waiting.text.contains(#"<tr data-id="\#(id)"><td>Ivy Chen</td><td>Vacation</td><td>10 Aug 2026</td>"#))
            #expect(waiting.text.contains(#"action="/time-off/\#(id)/approve""#))
            let approved = try await form(app, "/time-off/\(id)/approve", felix,
                                          [("csrf", try csrf(waiting.text)), ("version", "1"), ("back", "approvals")])
            #expect(approved.status == .seeOther)
            #expect(approved.headers[.location] == "/time-off/approvals")
            let status = try await app.sql("SELECT status FROM time_off WHERE id = \(id)").first?.decode("status", as: String.self)
            #expect(status == "approved")
            // Ivy may not approve her own (the page answers with the refusal, nothing changes).
            _ = try await form(app, "/time-off/\(id)/decline", ivy, [("csrf", token), ("version", "2")])
            let still = try await app.sql("SELECT status FROM time_off WHERE id = \(id)").first?.decode("status", as: String.self)
            #expect(still == "approved")
        }
    }

    @Test func approvedTimeOffShowsInTheFeedMyWeekAndThePMsHome() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            // A consultant's assignment on a project with a manager, running through next week.
            let row = try #require(try await app.sql("""
                SELECT a.user_id, u.email, u.name, u.calendar_token, pm.email AS pm_email, a.project_id, j.name AS project
                FROM assignments a JOIN users u ON u.id = a.user_id JOIN projects j ON j.id = a.project_id
                JOIN users pm ON pm.id = j.project_manager_id
                WHERE a.end_date >= current_date + 14 AND a.start_date <= current_date
                ORDER BY a.id LIMIT 1
                """).first)
            let userID: Int64 = try row.decode("user_id")
            let project: String = try row.decode("project")
            let today = Date()
            let format = ISO8601DateFormatter()
            format.formatOptions = [.withFullDate]
            // Off all of next week: today's Monday + 7 … + 11.
            let weekday = Calendar(identifier: .iso8601).component(.weekday, from: today)  // Sunday 1 … Saturday 7
            let toMonday = weekday == 1 ? 1 : 9 - weekday
            let start = format.string(from: today.addingTimeInterval(Double(toMonday) * 86400))
            let end = format.string(from: today.addingTimeInterval(Double(toMonday + 4) * 86400))
            let asked = try await create(app, admin, #"{"userId": \#(userID), "kind": "vacation", "start": "\#(start)", "end": "\#(end)"}"#)
            let id = try #require(asked.object["id"] as? Int, "\(asked.status) \(asked.text)")
            // Pending: nothing is flagged yet.
            let pmEmail: String = try row.decode("pm_email")
            let pm = try await app.signIn(pmEmail)
            let name: String = try row.decode("name")
            // Said as the page says it: the kind as a word, the day as "7 Dec 2026".
            let shownStart = Formatting.date(try #require(CalendarDate(start)))
            let flag = "\(name.replacingOccurrences(of: "'", with: "&#39;")) is off (Vacation) from \(shownStart)"
            #expect(!(try await page(app, "/", pm).text.contains(flag)))
            #expect(try await app.request(.post, "/api/v1/time-off/\(id)/approve", token: admin, headers: [.ifMatch: "\"1\""]).status == .ok)
            // The PM's home names the project and the person.
            let home = try await page(app, "/", pm).text
            #expect(home.contains("time-off-collisions") && home.contains(flag))
            #expect(home.contains(project.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "'", with: "&#39;")))
            // So does the project's page.
            let projectID: Int64 = try row.decode("project_id")
            #expect(try await page(app, "/projects/\(projectID)", pm).text.contains(flag))
            // The person's feed has the time off, all day, last day included.
            let token: String = try row.decode("calendar_token")
            let feed = try await app.request(.get, "/calendar/\(token).ics").text
            #expect(feed.contains("UID:time-off-\(id)@baton"))
            #expect(feed.contains("SUMMARY:Time off (vacation)"))
            #expect(feed.contains("DTSTART;VALUE=DATE:" + start.replacingOccurrences(of: "-", with: "")))
            // Their week page offers to ask for time off and lists the collision once it is in the week.
            let email: String = try row.decode("email")
            let person = try await app.signIn(email)
            let week = try await page(app, "/my-week", person).text
            #expect(week.contains("Ask for time off"))
            #expect(week.contains("Booked during approved time off"))
        }
    }

    @Test func theAdminPagesKeepCalendarsAndWeeks() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let list = try await page(app, "/admin/holidays", admin)
            #expect(list.status == .ok)
            let token = try csrf(list.text)
            let empty = try await form(app, "/admin/holidays", admin, [("csrf", token), ("name", " "), ("location", "")])
            #expect(empty.status == .unprocessableContent)
            #expect(empty.text.contains("Name must be 1 to 200 characters"))
            let made = try await form(app, "/admin/holidays", admin, [("csrf", token), ("name", "Colorado"), ("location", "Denver")])
            #expect(made.status == .seeOther)
            let location = try #require(made.headers[.location])
            let calendarPath = String(location.prefix { $0 != "?" })
            let bad = try await form(app, calendarPath + "/import", admin, [("csrf", token), ("file", "2026-13-01,Nope")])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.text.contains("is not a date like 2026-12-25"))
            let ok = try await form(app, calendarPath + "/import", admin, [("csrf", token), ("file", "2026-05-25,Memorial Day\n2026-07-03,Independence Day (observed)")])
            #expect(ok.status == .seeOther)
            #expect(try await page(app, calendarPath, admin).text.contains("Independence Day (observed)"))
            // A person's week: a four-day week and the calendar, through the form.
            let felix = try await app.id(of: "felix.braun@demo.test", token: admin)
            let weekPage = try await page(app, "/admin/people/\(felix)/calendar", admin)
            #expect(weekPage.status == .ok)
            let calendarID = String(calendarPath.split(separator: "/").last ?? "")
            let version = try #require(try await app.sql("SELECT version FROM users WHERE id = \(felix)").first?.decode("version", as: Int.self))
            let saved = try await form(app, "/admin/people/\(felix)/calendar", admin, [
                ("csrf", token), ("day1", "10"), ("day2", "10"), ("day3", "10"), ("day4", "10"), ("day5", "0"), ("day6", "0"), ("day7", "0"),
                ("holidayCalendarId", calendarID), ("version", String(version))])
            #expect(saved.status == .seeOther)
            let stored = try await app.sql("SELECT working_week::text AS w, holiday_calendar_id FROM users WHERE id = \(felix)").first
            #expect(try stored?.decode("w", as: String.self) == "{10.00,10.00,10.00,10.00,0.00,0.00,0.00}")
            let wrong = try await form(app, "/admin/people/\(felix)/calendar", admin, [
                ("csrf", token), ("day1", "30"), ("day2", "x"), ("holidayCalendarId", calendarID), ("version", String(version + 1))])
            #expect(wrong.status == .unprocessableContent)
            // Not an admin: not these pages.
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            #expect(try await page(app, "/admin/holidays", morgan).status == .forbidden)
        }
    }
}
