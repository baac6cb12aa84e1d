@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Moving a block of an assignment's days (issue 24, the rotation board), through the
/// API's `…/move-days` and its undo: the assignment splits into the days before, the
/// block and the days after, every hour is still booked once, a refusal or a stale
/// version changes nothing, two moves at once cannot both land, and the undo restores
/// exactly what there was.
@Suite struct RotationMoveDaysTests {
    struct Setup { var projectID: Int; var assignment: Int64; var jon: Int64 }

    /// Ivy (12) 4 h a day from Monday 2 to Friday 6 June 2031 on a won project; Jon free.
    func setUp(_ app: TestApp, _ admin: String) async throws -> Setup {
        let project = try await DeliveryTests().wonProject(app, admin)
        let projectID = try #require(project["id"] as? Int)
        let jon: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = 'jon.alvarez@demo.test'").first).decode("id")
        try await app.sql("DELETE FROM assignments WHERE user_id IN (12, \(jon)) AND end_date >= '2031-01-01'")
        let made = try await app.api(.post, "projects/\(projectID)/assignments", admin, #"""
            {"userId": 12, "role": "Split", "start": "2031-06-02", "end": "2031-06-06", "hoursPerDay": "4", "status": "confirmed"}
            """#)
        #expect(made.status == .created, "\(made.text)")
        return Setup(projectID: projectID, assignment: Int64(try made.object["id"] as? Int ?? 0), jon: jon)
    }

    /// The role's assignments as `person first..last hours`, earliest first, and the hours they book (days × hours a day).
    func pieces(_ app: TestApp) async throws -> (rows: [String], hours: Decimal) {
        let rows = try await app.sql("""
            SELECT user_id, start_date::text AS s, end_date::text AS e, end_date - start_date + 1 AS days, hours_per_day
            FROM assignments WHERE role = 'Split'
            ORDER BY start_date, user_id
            """)
        var hours: Decimal = 0
        let text = try rows.map { row -> String in
            let (s, e): (String, String) = (try row.decode("s"), try row.decode("e"))
            let perDay: Decimal = try row.decode("hours_per_day")
            hours += perDay * Decimal(try row.decode("days", as: Int.self))
            return "\(try row.decode("user_id", as: Int64.self)) \(s)..\(e) \(perDay)"
        }
        return (text, hours)
    }

    func version(_ app: TestApp, _ id: Int64) async throws -> Int { try await RotationBoardTests().version(app, id) }

    @Test func aBlockSplitsTheAssignmentKeepsEveryHourAndUndoes() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let s = try await setUp(app, admin)
            let path = "projects/\(s.projectID)/assignments/\(s.assignment)/move-days"
            let before = try await pieces(app)
            #expect(before.rows == ["12 2031-06-02..2031-06-06 4"] && before.hours == 20)

            // Tuesday and Wednesday to Jon, a week later.
            let moved = try await app.api(.post, path, admin, #"{"first": "2031-06-03", "last": "2031-06-04", "userId": \#(s.jon), "shift": 7}"#,
                                          version: try await version(app, s.assignment))
            #expect(moved.status == .ok, "\(moved.text)")
            let after = try await pieces(app)
            #expect(after.rows == ["12 2031-06-02..2031-06-02 4", "12 2031-06-05..2031-06-06 4", "\(s.jon) 2031-06-10..2031-06-11 4"],
                    "the days before, the days after and the moved block: \(after.rows)")
            #expect(after.hours == before.hours, "every hour is still booked once")
            let body = try moved.object
            let kept = try #require(body["kept"] as? [[String: Any]])
            #expect(kept.first?["id"] as? Int == Int(s.assignment), "the assignment keeps its first days")
            #expect((body["moved"] as? [String: Any])?["userId"] as? Int == Int(s.jon))
            let undo = try #require(body["undo"] as? [String: Any])
            #expect((undo["remove"] as? [Any])?.count == 2 && undo["start"] as? String == "2031-06-02" && undo["userId"] as? Int == 12)

            // The undo restores exactly what there was.
            let undoJSON = String(decoding: try JSONSerialization.data(withJSONObject: undo), as: UTF8.self)
            let undone = try await app.api(.post, path + "/undo", admin, undoJSON)
            #expect(undone.status == .ok, "\(undone.text)")
            #expect(try await pieces(app).rows == before.rows)
            // Twice is once too many: the pieces are gone and the version has moved on.
            #expect(try await app.api(.post, path + "/undo", admin, undoJSON).status == .preconditionFailed)

            // The first day alone, a week later on Ivy's own calendar: the assignment keeps Tuesday to Friday.
            let first = try await app.api(.post, path, admin, #"{"first": "2031-06-02", "last": "2031-06-02", "shift": 7}"#,
                                          version: try await version(app, s.assignment))
            #expect(first.status == .ok, "\(first.text)")
            #expect(try await pieces(app).rows == ["12 2031-06-03..2031-06-06 4", "12 2031-06-09..2031-06-09 4"])
            #expect(try await pieces(app).hours == 20)
        }
    }

    @Test func refusalsAndStaleVersionsChangeNothingAndTwoMovesCannotBothLand() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let s = try await setUp(app, admin)
            let path = "projects/\(s.projectID)/assignments/\(s.assignment)/move-days"
            let before = try await pieces(app)
            let v = try await version(app, s.assignment)

            // Jon is booked 6 h a day the week after: 4 h more is past his 8 h, refused (409), nothing split.
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
                VALUES (\(s.projectID), \(s.jon), 'Busy', '2031-06-09', '2031-06-13', 30, 'confirmed')
                """)
            let refused = try await app.api(.post, path, admin, #"{"first": "2031-06-03", "last": "2031-06-04", "userId": \#(s.jon), "shift": 7}"#,
                                            version: v)
            #expect(refused.status == .conflict && refused.text.contains("overbooked"), "\(refused.text)")
            #expect(try await pieces(app).rows == before.rows)
            #expect(try await version(app, s.assignment) == v)

            // Nothing to move: the same person on the same days; days outside the assignment; a block backwards.
            for json in [#"{"first": "2031-06-03", "last": "2031-06-04"}"#, #"{"first": "2031-07-01", "last": "2031-07-02", "shift": 1}"#,
                         #"{"first": "2031-06-04", "last": "2031-06-03", "shift": 1}"#] {
                #expect(try await app.api(.post, path, admin, json, version: v).status == .unprocessableContent, "\(json)")
            }
            // A stale version, and none at all.
            #expect(try await app.api(.post, path, admin, #"{"first": "2031-06-03", "last": "2031-06-03", "shift": 1}"#, version: v - 1).status
                    == .preconditionFailed)
            #expect(try await app.api(.post, path, admin, #"{"first": "2031-06-03", "last": "2031-06-03", "shift": 1}"#).status
                    == .preconditionRequired)
            #expect(try await pieces(app).rows == before.rows)

            // An undo after a piece changed is refused, and leaves everything as it is.
            let moved = try await app.api(.post, path, admin, #"{"first": "2031-06-03", "last": "2031-06-03", "shift": 21}"#, version: v)
            #expect(moved.status == .ok, "\(moved.text)")
            let undo = try #require(try moved.object["undo"] as? [String: Any])
            let piece = try #require((undo["remove"] as? [[String: Any]])?.last?["id"] as? Int)
            #expect(try await app.api(.patch, "projects/\(s.projectID)/assignments/\(piece)", admin, #"{"hoursPerDay": "3"}"#,
                                      version: try await version(app, Int64(piece))).status == .ok)
            let changed = try await pieces(app)
            #expect(changed.rows == ["12 2031-06-02..2031-06-02 4", "12 2031-06-04..2031-06-06 4", "12 2031-06-24..2031-06-24 3"], "\(changed.rows)")
            let undoJSON = String(decoding: try JSONSerialization.data(withJSONObject: undo), as: UTF8.self)
            #expect(try await app.api(.post, path + "/undo", admin, undoJSON).status == .preconditionFailed)
            #expect(try await pieces(app).rows == changed.rows)

            // Two moves of the same version at once (the assignment is Monday alone now): one
            // lands, the other is told the assignment changed; no hour is booked twice.
            let now = try await version(app, s.assignment)
            async let a = app.api(.post, path, admin, #"{"first": "2031-06-02", "last": "2031-06-02", "shift": 14}"#, version: now)
            async let b = app.api(.post, path, admin, #"{"first": "2031-06-02", "last": "2031-06-02", "userId": \#(s.jon), "shift": 28}"#, version: now)
            let statuses = [try await a.status.code, try await b.status.code].sorted()
            #expect(statuses == [200, 412], "\(statuses)")
            let after = try await pieces(app)
            #expect(after.hours == changed.hours && after.rows.count == 3, "\(after.rows)")
        }
    }
}
