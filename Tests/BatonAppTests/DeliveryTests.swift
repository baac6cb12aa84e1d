import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Flows 4 and 5: staffing the work, showing people where to be, delivering to standard.
@Suite struct DeliveryTests {
    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String = "{}", expect: HTTPResponse.Status = .created) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == expect, "POST \(path): \(r.text)")
        return try r.object
    }

    /// A won order for Northwind (Portland, OR) with Felix (9) as project manager:
    /// Discovery (14 days, 40 h network engineering) and Report (7 days, 16 h + 8 h writing)
    /// from 2027-04-05 (a Monday). Returns the project.
    func wonProject(_ app: TestApp, _ admin: String) async throws -> [String: Any] {
        let template = try await post(app, "typical-projects", admin, ProposalTests.assessment)
        let account = try await post(app, "accounts", admin,
            #"{"name": "Northwind", "ownerId": 4, "address": {"street": "12 Harbor Rd", "city": "Portland", "region": "OR"}}"#)
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account["id"] as! Int), "name": "Assessment", "stage": "proposal", "amount": "24000.00",
             "closeDate": "2027-03-31", "ownerId": 4}
            """#)
        let p = try await post(app, "opportunities/\(o["id"] as! Int)/proposals", admin, #"""
            {"reviewerId": 9, "proposedStart": "2027-04-05", "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"}]}
            """#)
        for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(p["id"] as! Int)/\(action)", admin, expect: .ok) }
        let accepted = try await post(app, "proposals/\(p["id"] as! Int)/accept", admin, expect: .ok)
        return accepted["project"] as! [String: Any]
    }

    @Test func aProjectManagerStaffsDeliversAndTheClientSeesWhoWhatWhen() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let id = project["id"] as! Int
            let felix = try await app.signIn("felix.braun@demo.test")

            // Suggestions: Ivy (level 5, Denver) ranks above Jon (level 4) for network engineering.
            let suggestions = try await app.request(.get, "/api/v1/projects/\(id)/staffing-suggestions", token: felix)
            #expect(suggestions.status == .ok)
            let needs = try suggestions.object["needs"] as? [[String: Any]] ?? []
            let discovery = try #require(needs.first)
            #expect(discovery["skill"] as? String == "network engineering")
            let ranked = (discovery["candidates"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(ranked.first == "Ivy Chen")
            #expect(ranked.contains("Jon Alvarez"))
            #expect(!ranked.contains("Kara Novak"), "only people with the skill")
            let reasons = (discovery["candidates"] as? [[String: Any]])?.first?["reasons"] as? [String] ?? []
            #expect(reasons.contains("level 5"))

            // Two consultants at the client's site, for Discovery's network engineering.
            let site = "12 Harbor Rd, Portland, OR"
            let discoveryID = (project["phases"] as! [[String: Any]])[0]["id"] as! Int
            try await post(app, "projects/\(id)/assignments", felix, #"""
                {"userId": 12, "role": "network engineer", "start": "2027-04-05", "end": "2027-04-18", "hoursPerWeek": "20",
                 "location": "\#(site)", "status": "confirmed", "phaseId": \#(discoveryID), "skill": "network engineering"}
                """#)
            try await post(app, "projects/\(id)/assignments", felix, #"""
                {"userId": 13, "role": "network engineer", "start": "2027-04-05", "end": "2027-04-25", "hoursPerWeek": "10",
                 "location": "\#(site)", "phaseId": \#(discoveryID), "skill": "network engineering"}
                """#)
            let detail = try await app.request(.get, "/api/v1/projects/\(id)", token: felix)
            #expect(try (detail.object["assignments"] as? [Any])?.count == 2)
            let covered = try (detail.object["skillNeeds"] as? [[String: Any]])?.first?["assignedHours"] as? String
            #expect(covered == "60", "Ivy 4 h × 10 working days + Jon 2 h × 10 working days in Discovery's window")

            // Ivy sees her week, and her calendar feed says where to show up.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let week = try await app.request(.get, "/api/v1/users/12/assignments?from=2027-04-05&to=2027-04-11", token: ivy)
            let mine = try week.object["items"] as? [[String: Any]] ?? []
            #expect(mine.count == 1)
            #expect(mine.first?["client"] as? String == "Northwind")
            #expect(mine.first?["location"] as? String == site)
            #expect((mine.first?["projectManager"] as? [String: Any])?["name"] as? String == "Felix Braun")
            let me = try await app.request(.get, "/api/v1/me", token: ivy)
            let feedURL = try #require(me.object["calendarUrl"] as? String)
            let feed = try await app.request(.get, feedURL)
            #expect(feed.status == .ok)
            #expect(feed.headers[.contentType]?.hasPrefix("text/calendar") == true)
            #expect(feed.text.contains("BEGIN:VEVENT"))
            #expect(feed.text.contains("DTSTART;VALUE=DATE:20270405"))
            #expect(feed.text.contains("DTEND;VALUE=DATE:20270419"))
            #expect(feed.text.contains("LOCATION:12 Harbor Rd\\, Portland\\, OR"))
            #expect(feed.text.contains("Felix Braun"))
            // A new feed token retires the old link.
            _ = try await app.request(.post, "/api/v1/me/calendar-token", token: ivy, json: "{}")
            #expect(try await app.request(.get, feedURL).status == .notFound)

            // The checklist gates the last phase; the project completes with it.
            let phases = try detail.object["phases"] as? [[String: Any]] ?? []
            let (first, last) = (phases[0]["id"] as! Int, phases[1]["id"] as! Int)
            try await post(app, "projects/\(id)/phases/\(first)/complete", felix, #"{"completedOn": "2026-11-20"}"#, expect: .ok)
            let gated = try await app.request(.post, "/api/v1/projects/\(id)/phases/\(last)/complete", token: felix, json: "{}")
            #expect(gated.status == .conflict)
            #expect(try (gated.object["detail"] as? String)?.contains("Client signed the acceptance form") == true)
            let items = try detail.object["checklist"] as? [[String: Any]] ?? []
            let required = items.first { $0["required"] as? Bool == true }!["id"] as! Int
            let checked = try await app.request(.put, "/api/v1/projects/\(id)/checklist/\(required)", token: felix, json: #"{"checked": true}"#)
            #expect(checked.status == .ok)
            let item = try (checked.object["checklist"] as? [[String: Any]])?.first { $0["id"] as? Int == required }
            #expect(item?["checkedBy"] as? Int == 9)
            let done = try await post(app, "projects/\(id)/phases/\(last)/complete", felix, #"{"completedOn": "2026-11-21"}"#, expect: .ok)
            #expect(done["status"] as? String == "completed")
            #expect((done["phases"] as? [[String: Any]])?.first?["onTime"] as? Bool == true)
            let future = try await app.request(.post, "/api/v1/projects/\(id)/phases/\(first)/reopen", token: felix, json: "{}")
            #expect(future.status == .ok)
            #expect(try future.object["status"] as? String == "active", "reopening undoes the project's completion")

            // The client's link: who, what and when, without a single amount.
            let link = try await post(app, "projects/\(id)/status-link", felix, "{}")
            let url = try #require(link["url"] as? String)
            #expect(url.count >= "/status/".count + 22, "at least 128 random bits")
            let page = try await app.request(.get, url)
            #expect(page.status == .ok)
            for expected in ["Northwind", "Felix Braun", "Ivy Chen", "Jon Alvarez", "Discovery", "Report", "2027-04-05", "Network assessment"] {
                #expect(page.text.contains(expected), "the status page shows \(expected)")
            }
            for secret in ["24000", "24,000", "USD", "6000", "18000", "felix.braun@", "Net 30"] {
                #expect(!page.text.contains(secret), "the status page never shows \(secret)")
            }
            #expect(try await app.request(.delete, "/api/v1/projects/\(id)/status-link", token: felix).status == .noContent)
            #expect(try await app.request(.get, url).status == .notFound, "a revoked link opens nothing")
        }
    }

    @Test func bookingPastCapacityIsRefusedUnlessAllowedAndThenFlagged() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let id = project["id"] as! Int
            let felix = try await app.signIn("felix.braun@demo.test")
            // Ivy has 40 h a week: 30 h for two weeks, then 20 h from the middle of the second.
            try await post(app, "projects/\(id)/assignments", felix,
                #"{"userId": 12, "role": "engineer", "start": "2027-04-05", "end": "2027-04-18", "hoursPerWeek": "30"}"#)
            let over = try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: felix,
                json: #"{"userId": 12, "role": "engineer", "start": "2027-04-14", "end": "2027-04-25", "hoursPerWeek": "20"}"#)
            #expect(over.status == .conflict)
            // Day by day: 6 h + 4 h on Wednesday to Friday of the second week.
            #expect(try (over.object["detail"] as? String)?.contains("2027-04-14 to 2027-04-16 (10 h a day against 8 h)") == true,
                    "names the days and the hours")
            let allowed = try await post(app, "projects/\(id)/assignments", felix,
                #"{"userId": 12, "role": "engineer", "start": "2027-04-14", "end": "2027-04-25", "hoursPerWeek": "20", "allowOverbook": true}"#)
            #expect(allowed["overbooked"] as? Bool == true)
            // A later week alone fits: the third week has 20 h.
            let third = try await post(app, "projects/\(id)/assignments", felix,
                #"{"userId": 12, "role": "engineer", "start": "2027-04-19", "end": "2027-04-25", "hoursPerWeek": "20"}"#)
            #expect(third["overbooked"] as? Bool == false)
        }
    }

    @Test func onlyTheProjectsManagerTheirManagersOrAnAdminRunIt() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let id = project["id"] as! Int
            let body = #"{"userId": 13, "role": "engineer", "start": "2027-04-05", "end": "2027-04-09", "hoursPerWeek": "8"}"#
            let grace = try await app.signIn("grace.kim@demo.test")
            #expect(try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: grace, json: body).status == .notFound)
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: ana, json: body).status == .forbidden)
            let priya = try await app.signIn("priya.shah@demo.test")
            #expect(try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: priya, json: body).status == .created)
            // The consultant now sees the project, but does not run it.
            let jon = try await app.signIn("jon.alvarez@demo.test")
            #expect(try await app.request(.get, "/api/v1/projects/\(id)", token: jon).status == .ok)
            let phase = (project["phases"] as! [[String: Any]])[0]["id"] as! Int
            #expect(try await app.request(.post, "/api/v1/projects/\(id)/phases/\(phase)/complete", token: jon, json: "{}").status == .forbidden)
        }
    }

    @Test func anExpiredStatusLinkOpensNothing() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let projectID = try #require(project["id"] as? Int)
            let link = try await post(app, "projects/\(projectID)/status-link", admin, "{}")
            let url = try #require(link["url"] as? String, "a link: \(link)")
            #expect(try await app.request(.get, url).status == .ok)
            try await app.sql("UPDATE project_status_links SET expires_on = current_date - 1")
            #expect(try await app.request(.get, url).status == .notFound)
            let past = try await app.request(.post, "/api/v1/projects/\(project["id"] as! Int)/status-link", token: admin,
                                             json: #"{"expiresOn": "2000-01-01"}"#)
            #expect(past.status == .unprocessableContent)
            // A guess opens nothing either.
            #expect(try await app.request(.get, "/status/" + String(repeating: "A", count: 32)).status == .notFound)
        }
    }

    @Test func movingAPhaseCanRedateWhatFollows() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let id = project["id"] as! Int
            let phase = (project["phases"] as! [[String: Any]])[0]["id"] as! Int
            let moved = try await app.request(.patch, "/api/v1/projects/\(id)/phases/\(phase)", token: admin,
                                              json: #"{"start": "2027-04-12", "shiftFollowing": true}"#)
            #expect(moved.status == .ok)
            let phases = try moved.object["phases"] as? [[String: Any]] ?? []
            #expect(phases.map { $0["start"] as? String ?? "" } == ["2027-04-12", "2027-04-26"])
            #expect(phases.map { $0["due"] as? String ?? "" } == ["2027-04-26", "2027-05-03"])
        }
    }

    /// Issue 18's hand-off: 40 h a week from Thursday July 23 to Tuesday August 11, then
    /// 16 h a week from Wednesday 12 to Sunday 16 August. By whole weeks it was refused
    /// ("week of 2026-08-10 (56 h against 40 h)"); day by day it is 8, 8, 3.2, 3.2, 3.2.
    @Test func aPartialWeekHandOffIsAcceptedAndAnOverlapNamesTheDay() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let id = try await wonProject(app, admin)["id"] as! Int
            let felix = try await app.signIn("felix.braun@demo.test")
            try await post(app, "projects/\(id)/assignments", felix,
                #"{"userId": 12, "role": "engineer", "start": "2027-07-22", "end": "2027-08-10", "hoursPerWeek": "40"}"#)
            let second = try await post(app, "projects/\(id)/assignments", felix,
                #"{"userId": 12, "role": "engineer", "start": "2027-08-11", "end": "2027-08-15", "hoursPerWeek": "16"}"#)
            #expect(second["overbooked"] as? Bool == false)
            #expect(second["hoursPerDay"] as? String == "3.2")
            // Hours per day work as well, and a day that both cover is named.
            let over = try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: felix,
                json: #"{"userId": 12, "role": "engineer", "start": "2027-08-10", "end": "2027-08-10", "hoursPerDay": "2"}"#)
            #expect(over.status == .conflict)
            #expect(try (over.object["detail"] as? String)?.contains("2027-08-10 (10 h against 8 h)") == true, "\(over.text)")
            #expect(try (over.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "hoursPerDay")
            let disagree = try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: felix,
                json: #"{"userId": 12, "role": "x", "start": "2027-09-01", "end": "2027-09-02", "hoursPerDay": "2", "hoursPerWeek": "40"}"#)
            #expect(disagree.status == .unprocessableContent)
        }
    }

    /// An assignment belongs to one skill need: its hours cover only that need, a covered
    /// need has no suggestions, and the project managers and sales people are never suggested.
    @Test func eachHourCoversOneNeedAndCoveredNeedsAreNotSuggested() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let id = project["id"] as! Int
            let phases = project["phases"] as! [[String: Any]]
            let (discovery, report) = (phases[0]["id"] as! Int, phases[1]["id"] as! Int)
            // Felix (a project manager) holds the skill too: still never suggested.
            _ = try await app.request(.put, "/api/v1/users/9/skills", token: admin, json: #"[{"skill": "network engineering", "level": 5}]"#)
            let felix = try await app.signIn("felix.braun@demo.test")
            // Ivy writes and engineers; she is booked for Report's writing only (8 h: 8 h on one day).
            try await post(app, "projects/\(id)/assignments", felix, #"""
                {"userId": 12, "role": "writer", "start": "2027-04-19", "end": "2027-04-19", "hoursPerDay": "8",
                 "phaseId": \#(report), "skill": "Writing"}
                """#)
            let detail = try await app.request(.get, "/api/v1/projects/\(id)", token: felix).object
            let needs = (detail["skillNeeds"] as? [[String: Any]] ?? []).map { "\($0["phaseId"] as? Int ?? 0) \($0["skill"] as? String ?? "") \($0["assignedHours"] as? String ?? "")" }
            #expect(needs == ["\(discovery) network engineering 0", "\(report) network engineering 0", "\(report) writing 8"])
            let suggestions = try await app.request(.get, "/api/v1/projects/\(id)/staffing-suggestions", token: felix).object
            let listed = suggestions["needs"] as? [[String: Any]] ?? []
            let writing = listed.first { $0["skill"] as? String == "writing" }
            #expect((writing?["candidates"] as? [Any])?.isEmpty == true, "a covered need lists nobody")
            #expect(writing?["assignedHours"] as? String == "8")
            let engineers = (listed.first?["candidates"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(!engineers.isEmpty && !engineers.contains("Felix Braun"), "project managers are not suggested as consultants")
            // A need of another phase, or a skill the phase does not need, is refused.
            let wrong = try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: felix, json: #"""
                {"userId": 13, "role": "writer", "start": "2027-04-05", "end": "2027-04-06", "hoursPerDay": "1",
                 "phaseId": \#(discovery), "skill": "writing"}
                """#)
            #expect(wrong.status == .unprocessableContent)
        }
    }

    /// Edit hours or dates, move to another person, remove: each audited, each in the feeds at once.
    @Test func assignmentsCanBeChangedMovedAndRemoved() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let id = try await wonProject(app, admin)["id"] as! Int
            let felix = try await app.signIn("felix.braun@demo.test")
            let created = try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: felix,
                json: #"{"userId": 12, "role": "engineer", "start": "2027-04-05", "end": "2027-04-09", "hoursPerWeek": "20"}"#)
            let aid = try created.object["id"] as! Int
            let path = "/api/v1/projects/\(id)/assignments/\(aid)"
            // Readable by id with the ETag a change needs (issue 16, item 6).
            let read = try await app.request(.get, path, token: felix)
            #expect(try read.status == .ok && read.object["id"] as? Int == aid, "\(read.text)")
            #expect(read.headers[.eTag] == created.headers[.eTag])
            #expect(try await app.request(.get, "/api/v1/projects/\(id)/assignments/999999", token: felix).status == .notFound)
            let stale = try await app.request(.patch, path, token: felix, json: #"{"hoursPerDay": "6"}"#, headers: [.ifMatch: "\"99\""])
            #expect(stale.status == .preconditionFailed)
            let edited = try await app.request(.patch, path, token: felix, json: #"{"hoursPerDay": "6", "end": "2027-04-16"}"#,
                                               headers: [.ifMatch: created.headers[.eTag] ?? ""])
            #expect(edited.status == .ok, "\(edited.text)")
            #expect(try edited.object["hoursPerWeek"] as? String == "30")
            #expect(try edited.object["end"] as? String == "2027-04-16")
            // Moved to Jon: Ivy's feed no longer has it, Jon's does.
            let ivyFeed = try #require(try await app.request(.get, "/api/v1/me", token: try await app.signIn("ivy.chen@demo.test")).object["calendarUrl"] as? String)
            let jonToken = try await app.signIn("jon.alvarez@demo.test")
            let jonFeed = try #require(try await app.request(.get, "/api/v1/me", token: jonToken).object["calendarUrl"] as? String)
            #expect(try await app.request(.get, ivyFeed).text.contains("DTEND;VALUE=DATE:20270417"))
            let moved = try await app.request(.patch, path, token: felix, json: #"{"userId": 13}"#, headers: [.ifMatch: edited.headers[.eTag] ?? ""])
            #expect(moved.status == .ok, "\(moved.text)")
            #expect(try moved.object["userName"] as? String == "Jon Alvarez")
            #expect(!(try await app.request(.get, ivyFeed).text.contains("BEGIN:VEVENT")))
            #expect(try await app.request(.get, jonFeed).text.contains("DTEND;VALUE=DATE:20270417"))
            let removed = try await app.request(.delete, path, token: felix, headers: [.ifMatch: moved.headers[.eTag] ?? ""])
            #expect(removed.status == .noContent)
            #expect(!(try await app.request(.get, jonFeed).text.contains("BEGIN:VEVENT")))
            let audit: [String] = try await app.sql("""
                SELECT action FROM audit_log WHERE entity = 'assignment' AND entity_id = \(aid) ORDER BY id
                """).map { try $0.decode("action") }
            #expect(audit == ["create", "update", "update", "delete"])
        }
    }

    /// The capacity check ends with one verdict, and each hour counts for one skill.
    @Test func theCapacityCheckGivesOneVerdict() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await wonProject(app, admin)
            let proposal = project["proposalId"] as! Int
            let check = try await app.request(.get, "/api/v1/proposals/\(proposal)/capacity-check", token: admin)
            #expect(check.status == .ok)
            let verdict = try #require(check.object["verdict"] as? String)
            #expect(verdict.hasPrefix("Can be staffed: 64 h with "), "\(verdict)")
            #expect(try check.object["canBeStaffed"] as? Bool == true)
            let used = try (check.object["people"] as? [[String: Any]] ?? []).compactMap { $0["hours"] as? String }.compactMap { Decimal(string: $0) }
            #expect(used.reduce(0, +) == 64, "each hour once: the people give exactly what is needed")
        }
    }
}
