import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Issue 19, item 1: a project's header is edited on its page by whoever runs it
/// (`DeliveryActions.changeDetails`: name, manager, start, at the version the form was
/// drawn from), hold and a phase's move are buttons there; a deal's team and splits
/// are edited on the deal's page through `OpportunityActions.change`, the splits
/// judged by `TeamRules` and the refusal shown by the splits.
@Suite struct DeliveryEditInPlaceTests {
    let pages = PipelinePageAgreementTests()

    /// What the header form sends: the fields as typed and what the form showed.
    func details(_ typed: [String: String], was: [String: String], version: Int) -> [(String, String)] {
        [("version", String(version))] + typed.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            + was.sorted { $0.key < $1.key }.map { ("was.\($0.key)", $0.value) }
    }

    func phases(_ app: TestApp, _ id: Int) async throws -> [String] {
        try await app.sql("SELECT start_date::text AS s FROM project_phases WHERE project_id = \(Int64(id)) ORDER BY position")
            .map { try $0.decode("s") }
    }

    @Test func theManagerRenamesAndMovesAProjectAtItsVersionAndAStaleSaveShowsOnlyWhatEachSideChanged() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let id = try #require(project["id"] as? Int), version = try #require(project["version"] as? Int)
            let felix = try await app.signIn("felix.braun@demo.test")
            let felixID = try await app.id(of: "felix.braun@demo.test", token: felix)
            let html = try await pages.page(app, "/projects/\(id)", felix).text
            #expect(html.contains(#"action="/projects/\#(id)" class="stacked edit-in-place" id="details""#))
            #expect(html.contains(#"action="/projects/\#(id)/edit/hold""#), "a planned project can be put on hold")
            let before = try await phases(app, id)
            let start = try #require(before.first)
            let was = ["name": "Assessment", "projectManagerId": String(felixID), "start": start]
            let token = try await pages.csrf(app, felix, from: "/projects/\(id)")

            // Someone who sees the project but does not run it may not change it.
            let ana = try await app.signIn("ana.torres@demo.test")
            let refused = try await pages.form(app, "/projects/\(id)", ana, [("csrf", try await pages.csrf(app, ana, from: "/projects/\(id)"))]
                + details(["name": "Mine now", "projectManagerId": String(felixID), "start": start], was: was, version: version))
            #expect(refused.status == .forbidden)

            // A manager who is not a project manager is refused beside the field.
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let notPM = try await pages.form(app, "/projects/\(id)", felix, [("csrf", token)]
                + details(["name": "Assessment", "projectManagerId": String(anaID), "start": start], was: was, version: version))
            #expect(notPM.status == .unprocessableContent)
            #expect(notPM.text.contains("The project manager must be an active person with the project manager role"))

            // Renamed and moved a week later: every phase moves with the first.
            let newStart = try #require(CalendarDate(start)).adding(days: 7).description
            let saved = try await pages.form(app, "/projects/\(id)", felix, [("csrf", token)]
                + details(["name": "Assessment, phase one", "projectManagerId": String(felixID), "start": newStart], was: was, version: version))
            #expect(saved.status == .seeOther, "\(saved.text)")
            let after = try await phases(app, id)
            #expect(after.first == newStart)
            #expect(after.count == before.count && after != before)
            let row = try #require(try await app.sql("SELECT name, version FROM projects WHERE id = \(Int64(id))").first)
            #expect(try row.decode("name", as: String.self) == "Assessment, phase one")
            let audited = try await app.sql("""
                SELECT changes->'name'->>'new' AS name FROM audit_log WHERE entity = 'project' AND entity_id = \(Int64(id)) AND action = 'update'
                """).compactMap { try $0.decode("name", as: String?.self) }
            #expect(audited == ["Assessment, phase one"])

            // A save from the old page: nothing is saved; the panel lists the name (both
            // changed it) and the start (they moved it), not the manager nobody touched.
            let stale = try await pages.form(app, "/projects/\(id)", felix, [("csrf", token)]
                + details(["name": "Assessment (old tab)", "projectManagerId": String(felixID), "start": start], was: was, version: version))
            #expect(stale.status == .conflict)
            let panel = stale.text
            #expect(panel.contains("Someone else saved this project while you were editing it"))
            #expect(panel.contains(#"<th scope="row">Name</th>"#) && panel.contains(#"<th scope="row">Starts</th>"#))
            #expect(!panel.contains(#"<th scope="row">Project manager</th>"#))
            #expect(try await app.sql("SELECT name FROM projects WHERE id = \(Int64(id))").first?.decode("name", as: String.self)
                    == "Assessment, phase one")

            // Hold and resume are buttons of the page, through the API's actions.
            #expect(try await pages.form(app, "/projects/\(id)/edit/hold", felix, [("csrf", token)]).status == .seeOther)
            let held = try await pages.page(app, "/projects/\(id)", felix).text
            #expect(held.contains(#"action="/projects/\#(id)/edit/resume""#))
            #expect(try await pages.form(app, "/projects/\(id)/edit/resume", felix, [("csrf", token)]).status == .seeOther)
        }
    }

    /// `PATCH /projects/{id}` is the same action as the page's form: the manager's change
    /// at the version read, 428 without one, 412 at a stale one, 403 for the account's
    /// manager who may see the project but does not run it, 422 for a blank name.
    @Test func theAPIChangesAProjectsHeaderThroughTheSameAction() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let id = try #require(project["id"] as? Int), version = try #require(project["version"] as? Int)
            let felix = try await app.signIn("felix.braun@demo.test"), ana = try await app.signIn("ana.torres@demo.test")
            let rename = #"{"name": "Assessment, by the API"}"#
            #expect(try await app.api(.patch, "projects/\(id)", felix, rename).status == .preconditionRequired)
            #expect(try await app.api(.patch, "projects/\(id)", felix, rename, version: version - 1).status == .preconditionFailed)
            #expect(try await app.api(.patch, "projects/\(id)", ana, rename, version: version).status == .forbidden)
            let blank = try await app.api(.patch, "projects/\(id)", felix, #"{"name": " "}"#, version: version)
            #expect(blank.status == .unprocessableContent)
            #expect(try blank.fieldErrors["name"] != nil)
            let changed = try await app.api(.patch, "projects/\(id)", felix, rename, version: version)
            #expect(changed.status == .ok)
            #expect(try changed.object["name"] as? String == "Assessment, by the API")
            #expect(try changed.object["version"] as? Int == version + 1)
            let audited = try await app.sql("SELECT count(*)::int AS n FROM audit_log WHERE entity = 'project' AND entity_id = \(Int64(id)) AND action = 'update'")
            #expect(try audited.first?.decode("n", as: Int.self) ?? 0 >= 1)
        }
    }

    @Test func aDealsTeamAndSplitsAreEditedOnItsPageAndAWrongTotalIsSaidByTheSplits() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let felixID = try await app.id(of: "felix.braun@demo.test", token: ana)
            let id = try await EditInPlaceTests().deal(app, ana, name: "Team Splits")
            let html = try await pages.page(app, "/opportunities/\(id)", ana).text
            #expect(html.contains(#"action="/opportunities/\#(id)/team""#))
            #expect(html.contains(#"<option value="\#(felixID)">Felix Braun</option>"#), "a project manager can join the deal")
            let version = try await EditInPlaceTests().stored(app, id).decode("version", as: Int.self)
            let token = try await pages.csrf(app, ana, from: "/opportunities/\(id)")
            let team: [(String, String)] = [("csrf", token), ("version", String(version)),
                                            ("team[0].userId", String(anaID)), ("team[0].role", "owner")]

            // 70 + 20 is not 100: nothing is saved, and the message is beside the splits.
            let wrong = try await pages.form(app, "/opportunities/\(id)/team", ana, team
                + [("team[0].splitPercent", "70"), ("new.userId", String(felixID)), ("new.role", "project_manager"), ("new.splitPercent", "20")])
            #expect(wrong.status == .unprocessableContent)
            #expect(wrong.text.contains(#"<p class="field-error" id="team-total-error">Splits must add up to exactly 100 (they add up to 90)</p>"#))
            #expect(wrong.text.contains(#"aria-describedby="team-total-error""#))
            #expect(wrong.text.contains(#"name="new.splitPercent" value="20""#), "what was typed is kept")

            let right = try await pages.form(app, "/opportunities/\(id)/team", ana, team
                + [("team[0].splitPercent", "80"), ("new.userId", String(felixID)), ("new.role", "project_manager"), ("new.splitPercent", "20")])
            #expect(right.status == .seeOther, "\(right.text)")
            let saved = try await app.sql("""
                SELECT user_id, role, split_percent::text AS split FROM opportunity_team WHERE opportunity_id = \(Int64(id)) ORDER BY split_percent DESC
                """).map { "\(try $0.decode("user_id", as: Int64.self)) \(try $0.decode("role", as: String.self)) \(try $0.decode("split", as: String.self))" }
            #expect(saved == ["\(anaID) owner 80.00", "\(felixID) project_manager 20.00"])

            // The old version again: nothing saved, the team as saved now.
            let stale = try await pages.form(app, "/opportunities/\(id)/team", ana, team + [("team[0].splitPercent", "100")])
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("while you were editing its team; nothing was saved"))
        }
    }
}

