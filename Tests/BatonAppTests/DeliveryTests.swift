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
        return r.object
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
            let needs = suggestions.object["needs"] as? [[String: Any]] ?? []
            let discovery = try #require(needs.first)
            #expect(discovery["skill"] as? String == "network engineering")
            let ranked = (discovery["candidates"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(ranked.first == "Ivy Chen")
            #expect(ranked.contains("Jon Alvarez"))
            #expect(!ranked.contains("Kara Novak"), "only people with the skill")
            let reasons = (discovery["candidates"] as? [[String: Any]])?.first?["reasons"] as? [String] ?? []
            #expect(reasons.contains("level 5"))

            // Two consultants at the client's site.
            let site = "12 Harbor Rd, Portland, OR"
            try await post(app, "projects/\(id)/assignments", felix, #"""
                {"userId": 12, "role": "network engineer", "start": "2027-04-05", "end": "2027-04-18", "hoursPerWeek": "20",
                 "location": "\#(site)", "status": "confirmed"}
                """#)
            try await post(app, "projects/\(id)/assignments", felix, #"""
                {"userId": 13, "role": "network engineer", "start": "2027-04-05", "end": "2027-04-25", "hoursPerWeek": "10",
                 "location": "\#(site)"}
                """#)
            let detail = try await app.request(.get, "/api/v1/projects/\(id)", token: felix)
            #expect((detail.object["assignments"] as? [Any])?.count == 2)
            let covered = (detail.object["skillNeeds"] as? [[String: Any]])?.first?["assignedHours"] as? String
            #expect(covered == "60", "Ivy 20 h × 2 weeks + Jon 10 h × 2 weeks in Discovery's window")

            // Ivy sees her week, and her calendar feed says where to show up.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let week = try await app.request(.get, "/api/v1/users/12/assignments?from=2027-04-05&to=2027-04-11", token: ivy)
            let mine = week.object["items"] as? [[String: Any]] ?? []
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
            let phases = detail.object["phases"] as? [[String: Any]] ?? []
            let (first, last) = (phases[0]["id"] as! Int, phases[1]["id"] as! Int)
            try await post(app, "projects/\(id)/phases/\(first)/complete", felix, #"{"completedOn": "2026-11-20"}"#, expect: .ok)
            let gated = try await app.request(.post, "/api/v1/projects/\(id)/phases/\(last)/complete", token: felix, json: "{}")
            #expect(gated.status == .conflict)
            #expect((gated.object["detail"] as? String)?.contains("Client signed the acceptance form") == true)
            let items = detail.object["checklist"] as? [[String: Any]] ?? []
            let required = items.first { $0["required"] as? Bool == true }!["id"] as! Int
            let checked = try await app.request(.put, "/api/v1/projects/\(id)/checklist/\(required)", token: felix, json: #"{"checked": true}"#)
            #expect(checked.status == .ok)
            let item = (checked.object["checklist"] as? [[String: Any]])?.first { $0["id"] as? Int == required }
            #expect(item?["checkedBy"] as? Int == 9)
            let done = try await post(app, "projects/\(id)/phases/\(last)/complete", felix, #"{"completedOn": "2026-11-21"}"#, expect: .ok)
            #expect(done["status"] as? String == "completed")
            #expect((done["phases"] as? [[String: Any]])?.first?["onTime"] as? Bool == true)
            let future = try await app.request(.post, "/api/v1/projects/\(id)/phases/\(first)/reopen", token: felix, json: "{}")
            #expect(future.status == .ok)
            #expect(future.object["status"] as? String == "active", "reopening undoes the project's completion")

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
            #expect((over.object["detail"] as? String)?.contains("2027-04-12") == true, "names the week")
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
            let phases = moved.object["phases"] as? [[String: Any]] ?? []
            #expect(phases.map { $0["start"] as? String ?? "" } == ["2027-04-12", "2027-04-26"])
            #expect(phases.map { $0["due"] as? String ?? "" } == ["2027-04-26", "2027-05-03"])
        }
    }
}
