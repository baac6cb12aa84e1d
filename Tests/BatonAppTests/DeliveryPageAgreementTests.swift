import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// The project and proposal pages' forms and the API do one thing each, through one
/// action: the same good input stores the same thing, and each kind of bad input is
/// refused with the same status and the same message for the same field (the API's
/// problem document; the page's message beside that field, or above the form when the
/// field is not one the person types in).
@Suite struct DeliveryPageAgreementTests {
    let web = WebPageTests()
    let delivery = DeliveryTests()

    /// Two won projects alike (Discovery from 2027-04-05, Report after it), one for the
    /// page and one for the API, with Felix (their manager) signed in both ways.
    struct Pair { var page: Int; var api: Int; var felix: String; var csrf: String }

    func pair(_ app: TestApp) async throws -> Pair {
        let admin = try await app.signIn("admin@demo.test")
        let a = try await delivery.wonProject(app, admin)["id"] as? Int
        // Catalog names are unique: the second order is sold from a copy of the first's.
        _ = try await app.sql("UPDATE typical_projects SET name = name || ' (first)'")
        let b = try await delivery.wonProject(app, admin)["id"] as? Int
        let felix = try await app.signIn("felix.braun@demo.test")
        let page = try #require(a), api = try #require(b)
        return Pair(page: page, api: api, felix: felix, csrf: try await web.csrfOf(app, felix, "/projects/\(page)"))
    }

    func api(_ app: TestApp, _ method: HTTPRequest.Method, _ path: String, _ token: String, _ json: String) async throws -> TestResponse {
        try await app.request(method, "/api/v1/\(path)", token: token, json: json)
    }

    func assignment(_ app: TestApp, project: Int) async throws -> [[String]] {
        try await app.sql("""
            SELECT user_id, role, start_date::text AS s, end_date::text AS e, hours_per_week::text AS h, coalesce(location, '') AS l,
                   overbooked::text AS o, status FROM assignments WHERE project_id = \(project) ORDER BY id
            """).map { row -> [String] in
            [String(try row.decode("user_id", as: Int64.self)), try row.decode("role"), try row.decode("s"), try row.decode("e"),
             try row.decode("h"), try row.decode("l"), try row.decode("o"), try row.decode("status")]
        }
    }

    /// The assignment form of the page as the suggestion draws it, with `hours` and the
    /// overbooking choice.
    func assignFields(_ p: Pair, user: Int, hours: String, allow: Bool = false, start: String = "2027-04-05",
                      end: String = "2027-04-18") -> [(String, String)] {
        [("csrf", p.csrf), ("userId", String(user)), ("role", "network engineering"), ("start", start), ("end", end),
         ("location", "12 Harbor Rd, Portland, OR"), ("hoursPerWeek", hours)] + (allow ? [("allowOverbook", "true")] : [])
    }

    func assignJSON(user: Int, hours: String, allow: Bool = false, start: String = "2027-04-05", end: String = "2027-04-18") -> String {
        #"{"userId": \#(user), "role": "network engineering", "start": "\#(start)", "end": "\#(end)", "location": "12 Harbor Rd, Portland, OR", "hoursPerWeek": "\#(hours)", "allowOverbook": \#(allow)}"#
    }

    @Test func assigningThroughThePageIsAssigningThroughTheAPI() async throws {
        try await TestApp.run { app in
            let p = try await pair(app)
            // Good: Ivy (12, 40 h a week) for 10 h on each project.
            let made = try await web.form(app, "/projects/\(p.page)/assign", p.felix, assignFields(p, user: 12, hours: "10"))
            #expect(made.status == .seeOther && made.headers[.location] == "/projects/\(p.page)")
            #expect(try await api(app, .post, "projects/\(p.api)/assignments", p.felix, assignJSON(user: 12, hours: "10")).status == .created)
            let first = try await assignment(app, project: p.page)
            #expect(first == (try await assignment(app, project: p.api)))
            #expect(first.first?[6] == "false")

            // Past capacity (20 h already, 25 more): 409 on hoursPerWeek, in the same words, nothing stored.
            let overJSON = try await api(app, .post, "projects/\(p.api)/assignments", p.felix, assignJSON(user: 12, hours: "25"))
            let overPage = try await web.form(app, "/projects/\(p.page)/assign", p.felix, assignFields(p, user: 12, hours: "25"))
            #expect(overJSON.status == .conflict && overPage.status == .conflict)
            let overMessage = try #require(try overJSON.fieldErrors["hoursPerWeek"])
            #expect(overPage.text.contains(#"id="assign-12-2027-04-05-hoursPerWeek-error">\#(overMessage)</p>"#),
                    "the API's message beside the hours of the form that was sent")
            #expect(overPage.text.contains(#"aria-describedby="assign-12-2027-04-05-hoursPerWeek-error""#))
            #expect(overPage.text.contains(#"value="25""#), "what was typed is kept")
            let afterOver = (try await assignment(app, project: p.page).count, try await assignment(app, project: p.api).count)
            #expect(afterOver == (1, 1))

            // Allowed: booked and flagged, both ways alike.
            let allowed = try await web.form(app, "/projects/\(p.page)/assign", p.felix, assignFields(p, user: 12, hours: "25", allow: true))
            #expect(allowed.status == .seeOther)
            #expect(try await api(app, .post, "projects/\(p.api)/assignments", p.felix, assignJSON(user: 12, hours: "25", allow: true)).status == .created)
            let pageRows = try await assignment(app, project: p.page), apiRows = try await assignment(app, project: p.api)
            #expect(pageRows == apiRows && pageRows.last?[6] == "true")

            // A rule of the fields: hours must be more than zero.
            let zeroJSON = try await api(app, .post, "projects/\(p.api)/assignments", p.felix, assignJSON(user: 13, hours: "0"))
            let zeroPage = try await web.form(app, "/projects/\(p.page)/assign", p.felix, assignFields(p, user: 13, hours: "0"))
            #expect(zeroJSON.status == .unprocessableContent && zeroPage.status == .unprocessableContent)
            let zeroMessage = try #require(try zeroJSON.fieldErrors["hoursPerWeek"])
            #expect(zeroPage.text.contains(#"id="assign-13-2027-04-05-hoursPerWeek-error">\#(zeroMessage)</p>"#))

            // A person with no capacity on record (no longer active) is not booked as 0 hours: 422 on userId.
            _ = try await app.sql("UPDATE users SET active = false WHERE id = 14")
            let goneJSON = try await api(app, .post, "projects/\(p.api)/assignments", p.felix, assignJSON(user: 14, hours: "5"))
            let gonePage = try await web.form(app, "/projects/\(p.page)/assign", p.felix, assignFields(p, user: 14, hours: "5"))
            #expect(goneJSON.status == .unprocessableContent && gonePage.status == .unprocessableContent)
            #expect(try goneJSON.fieldErrors["userId"] == "Person must be an active person")
            #expect(gonePage.text.contains("Person must be an active person"))
            let pageAfter = try await assignment(app, project: p.page), apiAfter = try await assignment(app, project: p.api)
            #expect(pageAfter == apiAfter)
        }
    }

    @Test func phasesAndTheChecklistAnswerAlikeOnThePageAndInTheAPI() async throws {
        try await TestApp.run { app in
            let p = try await pair(app)
            func ids(_ project: Int, _ table: String, _ column: String = "project_id") async throws -> [Int64] {
                try await app.sql("SELECT id FROM \(unsafeSQL: table) WHERE \(unsafeSQL: column) = \(project) ORDER BY position, id")
                    .map { try $0.decode("id", as: Int64.self) }
            }
            let pagePhases = try await ids(p.page, "project_phases"), apiPhases = try await ids(p.api, "project_phases")
            func done(_ project: Int) async throws -> [String] {
                try await app.sql("SELECT coalesce(completed_on::text, '') AS d FROM project_phases WHERE project_id = \(project) ORDER BY position")
                    .map { try $0.decode("d") }
            }

            // Good: the first phase completed today.
            #expect(try await web.form(app, "/projects/\(p.page)/phases/\(pagePhases[0])/complete", p.felix, [("csrf", p.csrf)]).status == .seeOther)
            #expect(try await api(app, .post, "projects/\(p.api)/phases/\(apiPhases[0])/complete", p.felix, "{}").status == .ok)
            do {
                let (a, b) = (try await done(p.page), try await done(p.api))
                #expect(a == b && a.first != "")
            }

            // Refused by the checklist: 409 in both, the same words on the page.
            let lastJSON = try await api(app, .post, "projects/\(p.api)/phases/\(apiPhases[1])/complete", p.felix, "{}")
            let lastPage = try await web.form(app, "/projects/\(p.page)/phases/\(pagePhases[1])/complete", p.felix, [("csrf", p.csrf)])
            #expect(lastJSON.status == .conflict && lastPage.status == .conflict)
            let detail = try #require(lastJSON.object["detail"] as? String)
            #expect(detail.hasPrefix("Check these required items first"))
            #expect(lastPage.text.contains(#"<p class="error" role="alert">\#(detail)</p>"#))

            // A completion date in the future: one status (422) on one field, completedOn.
            let future = try await api(app, .post, "projects/\(p.api)/phases/\(apiPhases[1])/complete", p.felix, #"{"completedOn": "2999-12-31"}"#)
            #expect(future.status == .unprocessableContent)
            #expect(try future.fieldErrors["completedOn"]?.hasPrefix("A completion date cannot be in the future") == true)

            // Reopening a phase that is open: 409 in both.
            let reopenJSON = try await api(app, .post, "projects/\(p.api)/phases/\(apiPhases[1])/reopen", p.felix, "{}")
            let reopenPage = try await web.form(app, "/projects/\(p.page)/phases/\(pagePhases[1])/reopen", p.felix, [("csrf", p.csrf)])
            #expect(reopenJSON.status == .conflict && reopenPage.status == .conflict)
            let reopenDetail = try #require(reopenJSON.object["detail"] as? String)
            #expect(reopenPage.text.contains(reopenDetail))

            // The checklist: checked both ways alike; an item of another project is 404 both ways.
            let pageItems = try await ids(p.page, "project_checklist_items"), apiItems = try await ids(p.api, "project_checklist_items")
            #expect(try await web.form(app, "/projects/\(p.page)/checklist/\(pageItems[0])", p.felix, [("csrf", p.csrf), ("checked", "true")]).status == .seeOther)
            #expect(try await api(app, .put, "projects/\(p.api)/checklist/\(apiItems[0])", p.felix, #"{"checked": true}"#).status == .ok)
            func checked(_ project: Int) async throws -> [Bool] {
                try await app.sql("SELECT checked_at IS NOT NULL AS checked FROM project_checklist_items WHERE project_id = \(project) ORDER BY position, id")
                    .map { try $0.decode("checked") }
            }
            let (checkedPage, checkedAPI) = (try await checked(p.page), try await checked(p.api))
            #expect(checkedPage == checkedAPI)
            #expect(try await web.form(app, "/projects/\(p.page)/checklist/\(apiItems[1])", p.felix, [("csrf", p.csrf), ("checked", "true")]).status == .notFound)
            #expect(try await api(app, .put, "projects/\(p.api)/checklist/\(pageItems[1])", p.felix, #"{"checked": true}"#).status == .notFound)

            // Now the last phase completes both ways.
            #expect(try await web.form(app, "/projects/\(p.page)/phases/\(pagePhases[1])/complete", p.felix, [("csrf", p.csrf)]).status == .seeOther)
            #expect(try await api(app, .post, "projects/\(p.api)/phases/\(apiPhases[1])/complete", p.felix, "{}").status == .ok)
            let (donePage, doneAPI) = (try await done(p.page), try await done(p.api))
            #expect(donePage == doneAPI && !donePage.contains(""))
        }
    }

    @Test func theClientsLinkIsMadeAndRefusedAlike() async throws {
        try await TestApp.run { app in
            let p = try await pair(app)
            let until = Timestamp.now.calendarDate.adding(days: 30).description
            #expect(try await web.form(app, "/projects/\(p.page)/status-link", p.felix, [("csrf", p.csrf), ("expiresOn", until)]).status == .created)
            #expect(try await api(app, .post, "projects/\(p.api)/status-link", p.felix, #"{"expiresOn": "\#(until)"}"#).status == .created)
            func expiries(_ project: Int) async throws -> [String] {
                try await app.sql("SELECT expires_on::text AS e FROM project_status_links WHERE project_id = \(project)").map { try $0.decode("e") }
            }
            let (linksPage, linksAPI) = (try await expiries(p.page), try await expiries(p.api))
            #expect(linksPage == [until] && linksAPI == [until])
            let tooLate = Timestamp.now.calendarDate.adding(days: 400).description
            for date in ["2001-01-01", tooLate] {
                let json = try await api(app, .post, "projects/\(p.api)/status-link", p.felix, #"{"expiresOn": "\#(date)"}"#)
                let page = try await web.form(app, "/projects/\(p.page)/status-link", p.felix, [("csrf", p.csrf), ("expiresOn", date)])
                #expect(json.status == .unprocessableContent && page.status == .unprocessableContent)
                let message = try #require(try json.fieldErrors["expiresOn"])
                #expect(page.text.contains(#"id="link-expiresOn-error">\#(message)</p>"#))
            }
            // Someone who does not run the project: 403 both ways.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            _ = try await api(app, .post, "projects/\(p.page)/assignments", p.felix, #"{"userId": 12, "role": "x", "start": "2027-04-05", "end": "2027-04-09", "hoursPerWeek": "1"}"#)
            #expect(try await api(app, .post, "projects/\(p.page)/status-link", ivy, "{}").status == .forbidden)
            #expect(try await web.form(app, "/projects/\(p.page)/status-link", ivy, [("csrf", try await web.csrfOf(app, ivy, "/my-week"))]).status == .forbidden)
        }
    }

    /// Two drafts alike (one catalog line, reviewer Felix) on one opportunity's account,
    /// one for the page and one for the API; the admin writes both ways.
    @Test func aDraftsLinesAndMovesAnswerAlikeOnThePageAndInTheAPI() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let template = try #require(try await api(app, .post, "typical-projects", admin, ProposalTests.assessment).object["id"] as? Int)
            var drafts: [Int] = []
            for _ in 0..<2 {
                let o = try await ProposalTests().opportunity(app, admin)
                let made = try await api(app, .post, "opportunities/\(o)/proposals", admin,
                                         #"{"reviewerId": 9, "lines": [{"typicalProjectId": \#(template), "quantity": "1"}]}"#)
                drafts.append(try #require(made.object["id"] as? Int))
            }
            let (page, json) = (drafts[0], drafts[1])
            let csrf = try await web.csrfOf(app, admin, "/proposals/\(page)")
            func lines(_ id: Int) async throws -> [String] {
                try await app.sql("""
                    SELECT quantity::text || ' ' || unit_price::text || ' ' || discount_percent::text AS l FROM proposal_lines
                    WHERE proposal_id = \(id) ORDER BY position
                    """).map { try $0.decode("l") }
            }

            // Good: two of it at 10 % off.
            let saved = try await web.form(app, "/proposals/\(page)/lines", admin,
                                           [("csrf", csrf), ("version", "1"), ("quantity0", "2"), ("unitPrice0", "24000.00"), ("discount0", "10")])
            #expect(saved.status == .seeOther)
            var patch = try await app.request(.patch, "/api/v1/proposals/\(json)", token: admin, json: #"""
                {"lines": [{"typicalProjectId": \#(template), "quantity": "2", "unit": "fixed", "unitPrice": "24000.00", "discountPercent": "10"}]}
                """#, headers: [.ifMatch: "\"1\""])
            #expect(patch.status == .ok)
            let (savedPage, savedAPI) = (try await lines(page), try await lines(json))
            #expect(savedPage == savedAPI)

            // A discount past 100 %: 422 on lines[0].discountPercent, the same words beside the discount.
            let tooMuch = try await web.form(app, "/proposals/\(page)/lines", admin,
                                             [("csrf", csrf), ("version", "2"), ("quantity0", "2"), ("unitPrice0", "24000.00"), ("discount0", "150")])
            patch = try await app.request(.patch, "/api/v1/proposals/\(json)", token: admin, json: #"""
                {"lines": [{"typicalProjectId": \#(template), "quantity": "2", "unit": "fixed", "unitPrice": "24000.00", "discountPercent": "150"}]}
                """#, headers: [.ifMatch: "\"2\""])
            #expect(tooMuch.status == .unprocessableContent && patch.status == .unprocessableContent)
            let message = try #require(try patch.fieldErrors["lines[0].discountPercent"])
            #expect(tooMuch.text.contains(#"<p class="field-error" id="discount0-error">\#(message)</p>"#))

            // A stale version: 412 in the API, the page says someone changed it (409) and saves nothing.
            let stale = try await web.form(app, "/proposals/\(page)/lines", admin, [("csrf", csrf), ("version", "1"), ("quantity0", "3")])
            patch = try await app.request(.patch, "/api/v1/proposals/\(json)", token: admin, json: #"{"lines": []}"#, headers: [.ifMatch: "\"1\""])
            #expect(patch.status == .preconditionFailed && stale.status == .conflict)
            let (stalePage, staleAPI) = (try await lines(page), try await lines(json))
            #expect(stalePage == savedPage && staleAPI == savedAPI)

            // A move the status does not allow: accepting a draft is 409 both ways, in the same words.
            let acceptPage = try await web.form(app, "/proposals/\(page)/act", admin, [("csrf", csrf), ("action", "accept"), ("acceptedOn", "")])
            let acceptAPI = try await api(app, .post, "proposals/\(json)/accept", admin, "{}")
            #expect(acceptPage.status == .conflict && acceptAPI.status == .conflict)
            let acceptDetail = try #require(acceptAPI.object["detail"] as? String)
            #expect(acceptPage.text.contains(acceptDetail))

            // Good: submitted both ways, the same status stored.
            #expect(try await web.form(app, "/proposals/\(page)/act", admin, [("csrf", csrf), ("action", "submit")]).status == .seeOther)
            #expect(try await api(app, .post, "proposals/\(json)/submit", admin, "{}").status == .ok)
            let statuses = try await app.sql("SELECT status FROM proposals WHERE id IN (\(page), \(json))").map { try $0.decode("status", as: String.self) }
            #expect(statuses == ["in_review", "in_review"])
        }
    }

    /// The admin's typical-project form and `POST /typical-projects` make the same
    /// record and refuse the same input with the same message for the same field.
    @Test func theAdminCatalogFormIsTheAPIsCatalog() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let csrf = try await web.csrfOf(app, admin, "/admin/typical-projects")
            let good: [(String, String)] = [("csrf", csrf), ("name", "Site survey"), ("model", "hourly"), ("amount", "150.00"),
                                            ("typicalDurationDays", "10"), ("phaseName", "Survey"), ("skill", "network engineering"),
                                            ("hours", "30"), ("checklistItem", "Report delivered")]
            let made = try await web.form(app, "/admin/typical-projects", admin, good)
            _ = try await app.sql("UPDATE typical_projects SET name = 'Site survey (page)' WHERE name = 'Site survey'")
            #expect(made.status == .seeOther)
            let json = try await api(app, .post, "typical-projects", admin, #"""
                {"name": "Site survey", "pricing": {"model": "hourly", "rate": "150.00"}, "typicalDurationDays": 10,
                 "phases": [{"name": "Survey", "offsetDays": 0, "lengthDays": 10, "sharePercent": "100",
                             "skills": [{"skill": "network engineering", "hours": "30"}]}],
                 "checklist": [{"text": "Report delivered", "required": true}]}
                """#)
            #expect(json.status == .created)
            let rows = try await app.sql("""
                SELECT pricing_model || ' ' || price::text || ' ' || coalesce(typical_duration_days::text, '') AS t
                FROM typical_projects WHERE name LIKE 'Site survey%' ORDER BY id
                """).map { try $0.decode("t", as: String.self) }
            #expect(rows.count == 2 && rows[0] == rows[1])

            // A name left empty, a negative rate: the same fields refused in the same words.
            let badPage = try await web.form(app, "/admin/typical-projects", admin,
                                             [("csrf", csrf), ("name", " "), ("model", "fixed"), ("amount", "-5"), ("phaseName", "Only"), ("phaseLength", "5")])
            let badAPI = try await api(app, .post, "typical-projects", admin, #"""
                {"name": " ", "pricing": {"model": "fixed", "price": "-5"},
                 "phases": [{"name": "Only", "offsetDays": 0, "lengthDays": 5, "sharePercent": "100", "skills": []}]}
                """#)
            #expect(badPage.status == .unprocessableContent && badAPI.status == .unprocessableContent)
            for (field, message) in try badAPI.fieldErrors {
                #expect(badPage.text.contains(message), "\(field): \(message)")
            }
            #expect(try !badAPI.fieldErrors.isEmpty)
        }
    }

    /// The projects list's status filter: one rule, the same words on the page and in the API.
    @Test func theProjectsFilterIsTheAPIsFilter() async throws {
        try await TestApp.run { app in
            let felix = try await app.signIn("felix.braun@demo.test")
            let json = try await app.request(.get, "/api/v1/projects?status=paused", token: felix)
            let page = try await web.page(app, "/projects?status=paused", felix)
            #expect(json.status == .unprocessableContent && page.status == .unprocessableContent)
            let message = try #require(try json.fieldErrors["status"])
            #expect(page.text.contains(message))
        }
    }

    /// Changing an assignment's hours and dates, moving it to another person and removing
    /// it: the page's forms are the API's PATCH and DELETE, with the same refusals.
    @Test func changingAndRemovingAnAssignmentAgreeWithTheAPI() async throws {
        try await TestApp.run { app in
            let p = try await pair(app)
            _ = try await web.form(app, "/projects/\(p.page)/assign", p.felix, assignFields(p, user: 12, hours: "10"))
            let made = try await api(app, .post, "projects/\(p.api)/assignments", p.felix, assignJSON(user: 12, hours: "10"))
            let apiID = try made.object["id"] as! Int
            let pageID: Int64 = try #require(try await app.sql("SELECT id FROM assignments WHERE project_id = \(p.page)").first?.decode("id"))
            func change(_ fields: [(String, String)], version: Int) async throws -> TestResponse {
                try await web.form(app, "/projects/\(p.page)/change-assignment", p.felix,
                                   [("csrf", p.csrf), ("assignmentId", String(pageID)), ("version", String(version))] + fields)
            }
            // 4 h a day to Friday the 16th, moved to Jon (13): 8 h a day for him with both projects.
            let changed = try await change([("userId", "13"), ("start", "2027-04-05"), ("end", "2027-04-16"), ("hoursPerDay", "4")], version: 1)
            #expect(changed.status == .seeOther)
            let patched = try await app.request(.patch, "/api/v1/projects/\(p.api)/assignments/\(apiID)", token: p.felix,
                json: #"{"userId": 13, "start": "2027-04-05", "end": "2027-04-16", "hoursPerDay": "4"}"#, headers: [.ifMatch: "\"1\""])
            #expect(patched.status == .ok)
            let rows = try await assignment(app, project: p.page)
            #expect(rows == (try await assignment(app, project: p.api)))
            #expect(rows.first?[0] == "13" && rows.first?[4] == "20.00")
            // Too many hours a day: 422 on hoursPerDay both ways, in the same words, beside the assignment.
            let tooMuchJSON = try await app.request(.patch, "/api/v1/projects/\(p.api)/assignments/\(apiID)", token: p.felix,
                json: #"{"hoursPerDay": "25"}"#, headers: [.ifMatch: "\"2\""])
            let tooMuchPage = try await change([("userId", "13"), ("start", "2027-04-05"), ("end", "2027-04-16"), ("hoursPerDay", "25")], version: 2)
            #expect(tooMuchJSON.status == .unprocessableContent && tooMuchPage.status == .unprocessableContent)
            let message = try #require(try tooMuchJSON.fieldErrors["hoursPerDay"])
            #expect(tooMuchPage.text.contains(#"id="assignment-\#(pageID)-error">\#(message)</p>"#))
            // A stale version is refused on the page as in the API.
            #expect(try await change([("hoursPerDay", "5")], version: 1).status == .preconditionFailed)
            // Removed.
            let removed = try await web.form(app, "/projects/\(p.page)/remove-assignment", p.felix,
                                             [("csrf", p.csrf), ("assignmentId", String(pageID)), ("version", "2")])
            #expect(removed.status == .seeOther)
            #expect(try await app.request(.delete, "/api/v1/projects/\(p.api)/assignments/\(apiID)", token: p.felix,
                                          headers: [.ifMatch: "\"2\""]).status == .noContent)
            let left = (try await assignment(app, project: p.page), try await assignment(app, project: p.api))
            #expect(left.0.isEmpty && left.1.isEmpty)
        }
    }

    /// The project's staffing view (people × weeks) and the firm's resources view.
    @Test func theStaffingViewsShowHoursPerWeek() async throws {
        try await TestApp.run { app in
            let p = try await pair(app)
            // Ivy: 8 h a day for Discovery's first week (Monday 5 to Friday 9 April), plus 4 h a day
            // elsewhere on Tuesday 6 April: 12 h that day, overbooked.
            _ = try await api(app, .post, "projects/\(p.page)/assignments", p.felix,
                              #"{"userId": 12, "role": "engineer", "start": "2027-04-05", "end": "2027-04-09", "hoursPerDay": "8"}"#)
            _ = try await api(app, .post, "projects/\(p.api)/assignments", p.felix,
                              #"{"userId": 12, "role": "engineer", "start": "2027-04-06", "end": "2027-04-06", "hoursPerDay": "4", "allowOverbook": true}"#)
            let staffing = try await web.page(app, "/projects/\(p.page)/staffing", p.felix)
            #expect(staffing.status == .ok)
            #expect(staffing.text.contains("<th class=\"num\">5 Apr 2027</th>"))
            #expect(staffing.text.contains("Ivy Chen"))
            #expect(staffing.text.contains(#"util over overbooked" title="44 h assigned of 40 h working (110%); overbooked">40"#), "\(staffing.text)")
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let resources = try await web.page(app, "/resources?from=2027-04-05&location=denver", morgan)
            #expect(resources.status == .ok)
            #expect(resources.text.contains("Ivy Chen") && !resources.text.contains("Kara Novak"), "filtered by location")
            #expect(resources.text.contains(#"title="44 h assigned of 40 h working (110%); overbooked">110%"#))
            let jon = try await app.signIn("jon.alvarez@demo.test")
            #expect(try await web.page(app, "/resources", jon).status == .notFound, "for managers")
        }
    }
}
