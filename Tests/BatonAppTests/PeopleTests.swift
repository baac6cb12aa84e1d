import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Who sees and changes whom, and what the audit trail keeps.
@Suite struct PeopleTests {
    func visibleNames(_ app: TestApp, _ token: String) async throws -> Set<String> {
        let r = try await app.request(.get, "/api/v1/users?limit=500", token: token)
        return try Set((r.object["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String })
    }

    @Test func eachRoleSeesExactlyItsScope() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            #expect(try await visibleNames(app, admin).count == 18)
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            #expect(try await visibleNames(app, morgan) == ["Morgan Reyes", "Ana Torres", "Ben Okafor", "Chloe Martin", "Dev Patel", "Erin Walsh"])
            let felix = try await app.signIn("felix.braun@demo.test")
            #expect(try await visibleNames(app, felix) == ["Felix Braun", "Ivy Chen", "Jon Alvarez"])
            let ivy = try await app.signIn("ivy.chen@demo.test")
            #expect(try await visibleNames(app, ivy) == ["Ivy Chen"])
            // Outside one's scope a record does not exist.
            #expect(try await app.request(.get, "/api/v1/users/2", token: ivy).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/users/12", token: felix).status == .ok)
        }
    }

    /// A person without a manager or a home location still has both keys, as null, wherever
    /// the API shows them: the list, by id, the sign-in answer and `/me`.
    @Test func aPersonKeepsEveryKey() async throws {
        try await TestApp.run { app in
            _ = try await app.sql("UPDATE users SET home_location = NULL WHERE email = 'admin@demo.test'")
            let signIn = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "admin@demo.test", "password": "baton-demo"}"#)
            let admin = try #require(signIn.object["token"] as? String)
            let id = try await app.id(of: "admin@demo.test", token: admin)
            let list = try await app.request(.get, "/api/v1/users?limit=500", token: admin).object["items"] as? [[String: Any]] ?? []
            let shown: [[String: Any]] = [
                try #require(signIn.object["user"] as? [String: Any]),
                try await app.request(.get, "/api/v1/users/\(id)", token: admin).object,
                try await app.request(.get, "/api/v1/me", token: admin).object,
                try #require(list.first { ($0["id"] as? Int).map(Int64.init) == id }),
            ]
            for person in shown {
                for key in ["managerId", "homeLocation"] {
                    #expect(person[key] is NSNull, "\(key) should be there, as null")
                }
            }
        }
    }

    @Test func onlyAnAdminCreatesPeople() async throws {
        try await TestApp.run { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let r = try await app.request(.post, "/api/v1/users", token: morgan, json: #"{"email": "x@y.test", "name": "X", "roles": []}"#)
            #expect(r.status == .forbidden)
        }
    }

    @Test func peopleChangeOnlyTheirOwnNameLocationAndPassword() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let ok = try await app.request(.patch, "/api/v1/users/4", token: ana, json: #"{"homeLocation": "Salem, OR"}"#, headers: [.ifMatch: "\"1\""])
            #expect(ok.status == .ok)
            let roles = try await app.request(.patch, "/api/v1/users/4", token: ana, json: #"{"roles": ["admin"]}"#, headers: [.ifMatch: "\"2\""])
            #expect(roles.status == .forbidden)
            // Ben is outside Ana's scope: as if he did not exist.
            let ben = try await app.request(.patch, "/api/v1/users/5", token: ana, json: #"{"name": "B"}"#, headers: [.ifMatch: "\"1\""])
            #expect(ben.status == .notFound)
            // Morgan can see Ana but may not edit her record.
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let m = try await app.request(.patch, "/api/v1/users/4", token: morgan, json: #"{"name": "A"}"#, headers: [.ifMatch: "\"2\""])
            #expect(m.status == .forbidden)
        }
    }

    @Test func everyChangeToAPersonIsAudited() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            _ = try await app.request(.patch, "/api/v1/users/4", token: admin,
                                      json: #"{"name": "Ana T.", "weeklyCapacityHours": "30", "password": "another secret"}"#,
                                      headers: [.ifMatch: "\"1\""])
            let rows = try await app.sql("""
                SELECT actor_id, action, changes::text AS changes FROM audit_log
                WHERE entity = 'user' AND entity_id = 4 AND action = 'update'
                """)
            let row = try #require(rows.first)
            #expect(try row.decode("actor_id", as: Int64.self) == 1)
            let changes = try JSONSerialization.jsonObject(with: Data(try row.decode("changes", as: String.self).utf8)) as! [String: [String: Any]]
            #expect(changes["name"]?["old"] as? String == "Ana Torres")
            #expect(changes["name"]?["new"] as? String == "Ana T.")
            #expect(changes["weeklyCapacityHours"]?["old"] as? String == "40")
            #expect(changes["weeklyCapacityHours"]?["new"] as? String == "30")
            #expect(changes["password"]?["new"] as? String == "changed")
            #expect(changes["email"] == nil, "unchanged fields are not listed")
            let dump = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE changes::text LIKE '%$2%'")
            #expect(try dump.first!.decode("n", as: Int.self) == 0, "no password hash in the trail")
            let create = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity = 'user' AND action = 'create'")
            #expect(try create.first!.decode("n", as: Int.self) == 18)
        }
    }

    @Test func theAuditTrailCannotBeRewritten() async throws {
        try await TestApp.run { app in
            await #expect(throws: PostgresError.self) { try await app.sql("DELETE FROM audit_log") }
            await #expect(throws: PostgresError.self) { try await app.sql("UPDATE audit_log SET actor_id = NULL") }
        }
    }

    @Test func managersAndAdminsSetSkillsOthersCannot() async throws {
        try await TestApp.run { app in
            let felix = try await app.signIn("felix.braun@demo.test")
            let body = #"[{"skill": "Network Engineering", "level": 5}, {"skill": "fiber splicing", "level": 2}]"#
            let r = try await app.request(.put, "/api/v1/users/12/skills", token: felix, json: body)
            #expect(r.status == .ok)
            let skills = try r.array.compactMap { $0 as? [String: Any] }
            #expect(skills.map { $0["skill"] as? String } == ["fiber splicing", "network engineering"])
            // Ivy sees her own record but does not set her own skills; Jon cannot even see hers.
            let ivy = try await app.signIn("ivy.chen@demo.test")
            #expect(try await app.request(.put, "/api/v1/users/12/skills", token: ivy, json: body).status == .forbidden)
            let jon = try await app.signIn("jon.alvarez@demo.test")
            #expect(try await app.request(.put, "/api/v1/users/12/skills", token: jon, json: body).status == .notFound)
            let bad = try await app.request(.put, "/api/v1/users/12/skills", token: felix, json: #"[{"skill": "x", "level": 9}, {"skill": "X", "level": 1}]"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try Set(bad.fieldErrors.keys) == ["[0].level", "[1].skill"])
        }
    }
}
