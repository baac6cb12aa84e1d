@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The rotation board (issue 24, item 3) on the hand-computed week of `SiteTests`
/// (Ivy Chen from Monday 2 June 2031, home base Brussels office: Antwerp all week,
/// Ghent Monday, Liège Wednesday, Thursday off): the board's cells agree with the day
/// plans; a move is the API's change of assignment (refused as the API refuses it,
/// beside the board) and comes back with an undo that restores it.
@Suite struct RotationBoardTests {
    struct Week { var projectID: Int; var antwerp, ghent, liege: Int64 }

    /// The week of `SiteTests`, set up the same way: sites, the entered time, three assignments, a day off.
    func handComputedWeek(_ app: TestApp, _ admin: String) async throws -> Week {
        let project = try await DeliveryTests().wonProject(app, admin)
        let (projectID, accountID) = (project["id"] as! Int, project["accountId"] as! Int)
        func site(_ json: String) async throws -> Int {
            let made = try await app.api(.post, "sites", admin, json)
            #expect(made.status == .created, "\(made.text)")
            return try made.object["id"] as? Int ?? 0
        }
        let office = try await site(#"{"name": "Brussels office", "latitude": "50.8467", "longitude": "4.3525"}"#)
        let antwerp = try await site(#"{"accountId": \#(accountID), "name": "Antwerp", "latitude": "51.2194", "longitude": "4.4025", "main": true}"#)
        let ghent = try await site(#"{"accountId": \#(accountID), "name": "Ghent", "latitude": "51.0543", "longitude": "3.7174"}"#)
        let liege = try await site(#"{"accountId": \#(accountID), "name": "Liège", "latitude": "50.6326", "longitude": "5.5797"}"#)
        #expect(try await app.api(.put, "travel-times", admin, #"{"fromSiteId": \#(ghent), "toSiteId": \#(antwerp), "minutes": 50}"#).status == .ok)
        try await app.sql("DELETE FROM assignments WHERE user_id = 12")
        try await app.sql("UPDATE users SET home_site_id = \(Int64(office)) WHERE id = 12")
        for (role, start, end, weekly) in [("Antwerp", "2031-06-02", "2031-06-06", "20"), ("Ghent", "2031-06-02", "2031-06-02", "20"),
                                           ("Liège", "2031-06-04", "2031-06-04", "15")] {
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
                VALUES (\(projectID), 12, \(role), \(start)::date, \(end)::date, \(weekly)::numeric, 'confirmed')
                """)
        }
        func id(_ role: String) async throws -> Int64 { try #require(try await app.sql("SELECT id FROM assignments WHERE role = \(role)").first).decode("id") }
        for (role, site) in [("Ghent", ghent), ("Liège", liege)] {
            #expect(try await app.api(.put, "projects/\(projectID)/assignments/\(try await id(role))/site", admin, #"{"siteId": \#(site)}"#).status == .noContent)
        }
        try await app.sql("""
            INSERT INTO time_off (user_id, kind, start_date, end_date, status) VALUES (12, 'vacation', '2031-06-05', '2031-06-05', 'approved')
            """)
        return Week(projectID: projectID, antwerp: try await id("Antwerp"), ghent: try await id("Ghent"), liege: try await id("Liège"))
    }

    /// Ivy's row of the board: the text of each of her cells, Monday first.
    func ivysCells(_ html: String) -> [String] {
        guard let row = html.range(of: #"<tr data-user="12">"#) else { return [] }
        let rest = html[row.upperBound...]
        let end = rest.range(of: "</tr>")?.lowerBound ?? rest.endIndex
        return rest[..<end].components(separatedBy: "<td").dropFirst().map { cell in
            cell.replacingOccurrences(of: #"<[^>]+>"#, with: " ", options: .regularExpression)
                .replacingOccurrences(of: #"\s+"#, with: " ", options: .regularExpression).trimmingCharacters(in: .whitespaces)
        }
    }

    func version(_ app: TestApp, _ id: Int64) async throws -> Int {
        try #require(try await app.sql("SELECT version FROM assignments WHERE id = \(id)").first).decode("version")
    }

    @Test func theBoardDrawsTheHandComputedWeek() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let week = try await handComputedWeek(app, admin)
            // Any day of the week shows the week from its Monday.
            let page = try await app.page("/rotation?from=2031-06-04&zoom=week", admin)
            #expect(page.status == .ok)
            #expect(page.text.contains(#"href="/rotation""#), "the navigation links the board")
            #expect(page.text.contains("2 Jun 2031 to 8 Jun 2031"))
            let cells = ivysCells(page.text)
            #expect(cells.count == 7)
            guard cells.count == 7 else { return }
            #expect(cells[0].contains("Antwerp 4 h") && cells[0].contains("Ghent 4 h") && cells[0].contains("1 h 35 travel")
                    && cells[0].contains("Over hours"), "\(cells[0])")
            #expect(cells[1].contains("Antwerp 4 h") && cells[1].contains("45 min travel") && !cells[1].contains("Over hours"), "\(cells[1])")
            #expect(cells[2].contains("Liège 3 h") && cells[2].contains("2 h 35 travel") && cells[2].contains("Sites too far apart"), "\(cells[2])")
            #expect(cells[3].contains("Off") && !cells[3].contains("Antwerp"), "the day off: \(cells[3])")
            #expect(page.text.contains(#"class="rotation-cell off""#), "the day off is shaded")
            #expect(cells[5].contains("Not a working day") || cells[5].isEmpty || !cells[5].contains("Antwerp"))
            #expect(page.text.contains(#"data-block="\#(week.projectID).\#(week.liege)."#), "each block can be picked up")

            // Eight weeks: the week's sum in one column.
            let weeks = ivysCells(try await app.page("/rotation?from=2031-06-02&zoom=weeks", admin).text)
            #expect(weeks.first?.contains("Antwerp 16 h") == true && weeks.first?.contains("1 day off") == true, "\(weeks.first ?? "")")

            // The filters: a client with no work for Ivy, or another home base, leave her out.
            let other = try #require(try await app.api(.post, "accounts", admin, #"{"name": "Elsewhere"}"#).object["id"] as? Int)
            #expect(!(try await app.page("/rotation?from=2031-06-02&client=\(other)", admin)).text.contains(#"data-user="12""#))
            #expect(try await app.page("/rotation?from=2031-06-02&skill=no-such-skill", admin).text.contains("Nobody matches"))

            // Consultants and sales have no board.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            #expect(try await app.page("/rotation", ivy).status == .notFound)
            #expect(!(try await app.page("/", ivy)).text.contains(#"href="/rotation""#))
        }
    }

    @Test func aMoveIsTheAPIsChangeWithItsRefusalsAndAnUndo() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let week = try await handComputedWeek(app, admin)
            let jon: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = 'jon.alvarez@demo.test'").first).decode("id")
            let back = "/rotation?from=2031-06-02&zoom=week"
            let csrf = try await app.csrf(admin, from: back)

            // Liège moved to Monday would take Ivy past her working hours: refused in the API's words, nothing moved.
            let refused = try await app.form("/rotation/move", admin, ["csrf": csrf, "back": back, "shift": "-2", "userId": "",
                                                                       "block": "\(week.projectID).\(week.liege).\(try await version(app, week.liege))"])
            #expect(refused.status == .seeOther && refused.headers[.location] == back)
            let flash = try #require(refused.headers[values: .setCookie].first { $0.hasPrefix("baton_flash=") })
            #expect(flash.removingPercentEncoding?.contains("past their working hours") == true, "\(flash)")
            let shown = try await app.request(.get, back, headers: [.cookie: "baton_session=\(admin); \(flash.prefix { $0 != ";" })"])
            #expect(shown.text.text(ofElement: "rotation-error")?.contains("past their working hours") == true)
            #expect(try await app.sql("SELECT start_date::text AS d FROM assignments WHERE id = \(week.liege)").first?.decode("d", as: String.self) == "2031-06-04")

            // Ivy's next week: a block that fits wherever it goes (the week above is over hours
            // with its travel, so moving a block back into it is refused, as the API refuses it).
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
                VALUES (\(week.projectID), 12, 'Spare', '2031-06-09', '2031-06-10', 10, 'confirmed')
                """)
            let spare: Int64 = try #require(try await app.sql("SELECT id FROM assignments WHERE role = 'Spare'").first).decode("id")
            // To Jon, a day later: the same change as the API's, with an undo on the board.
            let before = try await version(app, spare)
            let moved = try await app.form("/rotation/move", admin, ["csrf": csrf, "back": back, "shift": "1", "userId": String(jon),
                                                                     "block": "\(week.projectID).\(spare).\(before)"])
            #expect(moved.status == .seeOther)
            let location = try #require(moved.headers[.location])
            #expect(location.hasPrefix(back + "&undo=\(week.projectID).\(spare).") && location.hasSuffix(".12.2031-06-09.2031-06-10.0."),
                    "the undo names Ivy and the days as they were, and no pieces (the whole block moved): \(location)")
            let row = try #require(try await app.sql("SELECT user_id, start_date::text AS s, end_date::text AS e FROM assignments WHERE id = \(spare)").first)
            #expect(try row.decode("user_id", as: Int64.self) == jon && row.decode("s", as: String.self) == "2031-06-10"
                    && row.decode("e", as: String.self) == "2031-06-11")
            let audit = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity = 'assignment' AND entity_id = \(spare) AND action = 'update'")
            #expect(try audit.first?.decode("n", as: Int64.self) ?? 0 >= 1, "the move is in the audit trail, as the API's change is")
            let board = try await app.page(location, admin)
            #expect(board.text.contains(#"id="rotation-undo""#) && board.text.contains("<span>Moved "))

            // A stale block (the version the board showed before the move) is refused as the API's If-Match is.
            let stale = try await app.form("/rotation/move", admin, ["csrf": csrf, "back": back, "shift": "1", "userId": "",
                                                                     "block": "\(week.projectID).\(spare).\(before)"])
            #expect(stale.headers[values: .setCookie].contains { $0.hasPrefix("baton_flash=") }, "a stale move is refused")

            // Undo: the undo form's value takes the move back.
            let undoText = String(location.split(separator: "=").last ?? "")
            #expect(RotationBoard.Undo(undoText)?.text == undoText)
            let undone = try await app.form("/rotation/move", admin, ["csrf": csrf, "back": back, "undo": undoText])
            #expect(undone.status == .seeOther && !undone.headers[values: .setCookie].contains { $0.hasPrefix("baton_flash=") })
            let restored = try #require(try await app.sql("SELECT user_id, start_date::text AS s FROM assignments WHERE id = \(spare)").first)
            #expect(try restored.decode("user_id", as: Int64.self) == 12 && restored.decode("s", as: String.self) == "2031-06-09")

            // A consultant's move is refused as the API refuses them.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let theirs = try await app.form("/rotation/move", ivy, ["csrf": try await app.csrf(ivy), "back": back, "shift": "1", "userId": "",
                                                                    "block": "\(week.projectID).\(week.antwerp).\(try await version(app, week.antwerp))"])
            #expect(theirs.headers[values: .setCookie].contains { $0.hasPrefix("baton_flash=") })
            #expect(try await app.sql("SELECT start_date::text AS s FROM assignments WHERE id = \(week.antwerp)").first?.decode("s", as: String.self) == "2031-06-02")
        }
    }
}
