import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// `POST /projects/{id}/hold` and `/resume`: a project's manager pauses and restarts
/// it; every other move is refused with its own problem type, and each change is
/// audited.
@Suite struct ProjectHoldTests {
    @Test func theManagerHoldsAndResumesAProjectAndNothingElseMovesIt() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let id = project["id"] as! Int
            let version = project["version"] as! Int
            let felix = try await app.signIn("felix.braun@demo.test")

            // Someone who sees the project but does not run it may not pause it.
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/projects/\(id)/hold", token: ana).status == .forbidden)

            let held = try await app.request(.post, "/api/v1/projects/\(id)/hold", token: felix)
            #expect(held.status == .ok, "\(held.text)")
            #expect(try held.object["status"] as? String == "on_hold")
            #expect(try held.object["version"] as? Int == version + 1)
            let again = try await app.request(.post, "/api/v1/projects/\(id)/hold", token: felix)
            #expect(again.status == .conflict)
            #expect(try again.object["type"] as? String == "/problems/project-hold")
            #expect(try (again.object["detail"] as? String)?.contains("this one is on hold") == true, "\(again.text)")

            let resumed = try await app.request(.post, "/api/v1/projects/\(id)/resume", token: felix)
            #expect(resumed.status == .ok, "\(resumed.text)")
            #expect(try resumed.object["status"] as? String == "active")
            let twice = try await app.request(.post, "/api/v1/projects/\(id)/resume", token: felix)
            #expect(twice.status == .conflict)
            #expect(try twice.object["type"] as? String == "/problems/project-resume")

            let audited: [String] = try await app.sql("""
                SELECT changes->'status'->>'new' AS status FROM audit_log WHERE entity = 'project' AND entity_id = \(Int64(id))
                  AND action = 'update' ORDER BY id
                """).map { try $0.decode("status") }
            #expect(audited == ["on_hold", "active"])
        }
    }
}
