import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Every form the admin people pages post, done through the page and through the API
/// with the same input: both store the same thing, or both refuse with the same words
/// (the API's status and field, the page's message beside the same box).
@Suite struct PeoplePageAgreementTests {
    /// The message a page shows beside the box `id`.
    func message(_ html: String, beside id: String) -> String? { html.text(ofElement: id + "-error") }

    /// The API's message for `field`. Throws when the answer is not a JSON object.
    func apiMessage(_ r: TestResponse, _ field: String) throws -> String? {
        (try r.json()["errors"] as? [[String: Any]])?.filter { $0["field"] as? String == field }.compactMap { $0["message"] as? String }
            .joined(separator: " ")
    }

    /// What two writers stored of a person, without who they are.
    func stored(_ app: TestApp, email: String) async throws -> String {
        let row = try #require(try await app.sql("""
            SELECT name, array_to_string(ARRAY(SELECT r::text FROM unnest(roles) r ORDER BY 1), ',') AS roles, coalesce(manager_id, 0) AS manager, weekly_capacity_hours::text AS hours,
                   coalesce(home_location, '') AS location, active, password_hash IS NOT NULL AS signs_in
            FROM users WHERE lower(email) = lower(\(email))
            """).first)
        return [try row.decode("name", as: String.self), try row.decode("roles", as: String.self), String(try row.decode("manager", as: Int64.self)),
                try row.decode("hours", as: String.self), try row.decode("location", as: String.self),
                String(try row.decode("active", as: Bool.self)), String(try row.decode("signs_in", as: Bool.self))].joined(separator: "|")
    }

    @Test func theNewPersonFormAndTheAPIAgree() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            func pageForm(_ email: String, _ changes: [String: String] = [:]) -> [String: String] {
                var f = ["csrf": token, "name": "Sam Ortiz", "email": email, "roles-consultant": "on", "roles-project_manager": "on",
                         "managerId": "2", "weeklyCapacityHours": "32.5", "homeLocation": "Salem, OR", "password": "a long secret"]
                for (k, v) in changes { f[k] = v }
                return f
            }
            func apiBody(_ email: String, _ changes: [String: String] = [:]) -> String {
                var f: [String: Any] = ["name": "Sam Ortiz", "email": email, "roles": ["consultant", "project_manager"], "managerId": 2,
                                        "weeklyCapacityHours": "32.5", "homeLocation": "Salem, OR", "password": "a long secret"]
                for (k, v) in changes { f[k] = k == "managerId" ? (Int(v) as Any? ?? v) : v }
                return String(decoding: (try? JSONSerialization.data(withJSONObject: f)) ?? Data(), as: UTF8.self)
            }
            // Good input: the same person.
            let made = try await app.form("/admin/people", admin, pageForm("sam.page@demo.test"))
            #expect(made.status == .seeOther)
            #expect(try await app.api(.post, "users", admin, apiBody("sam.api@demo.test")).status == .created)
            let byPage = try await stored(app, email: "sam.page@demo.test"), byAPI = try await stored(app, email: "sam.api@demo.test")
            #expect(byPage == byAPI)

            // Each kind of bad input: the API's status, and its words beside the same box.
            let bad: [(field: String, value: String)] = [
                ("email", "not an address"), ("name", ""), ("weeklyCapacityHours", "-4"), ("weeklyCapacityHours", "200"),
                ("password", "short"), ("homeLocation", String(repeating: "x", count: 501)), ("managerId", "0"),
            ]
            for (field, value) in bad {
                let viaAPI = try await app.api(.post, "users", admin, apiBody("bad.\(field)@demo.test", [field: value]))
                let words = try #require(try apiMessage(viaAPI, field), "\(field)=\(value): \(viaAPI.text)")
                let viaPage = try await app.form("/admin/people", admin, pageForm("bad.\(field)@demo.test", [field: value]))
                #expect(viaPage.status == viaAPI.status, "\(field)=\(value)")
                #expect(message(viaPage.text, beside: "f-\(field)") == words, "\(field)=\(value)")
            }
            // An email someone already has: refused by both, with the same words.
            let taken = try await app.api(.post, "users", admin, apiBody("ana.torres@demo.test"))
            let takenPage = try await app.form("/admin/people", admin, pageForm("ana.torres@demo.test"))
            #expect(takenPage.status == taken.status)
            let takenWords = try #require(try apiMessage(taken, "email").flatMap { $0.isEmpty ? nil : $0 } ?? taken.object["detail"] as? String)
            #expect(takenPage.text.replacingOccurrences(of: "&#39;", with: "'").contains(takenWords))
            // Only an admin adds people, through either door.
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            #expect(try await app.api(.post, "users", morgan, apiBody("m.api@demo.test")).status == .forbidden)
            #expect(try await app.form("/admin/people", morgan, pageForm("m.page@demo.test", ["csrf": try await app.csrf(morgan)])).status == .forbidden)
            #expect(try await app.sql("SELECT 1 FROM users WHERE email IN ('m.api@demo.test', 'm.page@demo.test')").count == 0)
        }
    }

    /// The person form as the page draws it for `person`, with `changes`.
    func personForm(_ token: String, _ person: [String: Any], _ changes: [String: String] = [:]) -> [String: String] {
        var f = ["csrf": token, "version": String(person["version"] as? Int ?? 0), "name": person["name"] as? String ?? "",
                 "email": person["email"] as? String ?? "", "managerId": (person["managerId"] as? Int).map(String.init) ?? "",
                 "weeklyCapacityHours": person["weeklyCapacityHours"] as? String ?? "", "homeLocation": person["homeLocation"] as? String ?? "",
                 "active": (person["active"] as? Bool ?? false) ? "on" : ""]
        for role in person["roles"] as? [String] ?? [] { f["roles-\(role)"] = "on" }
        for (k, v) in changes { f[k] = v }
        return f
    }

    @Test func thePersonFormAndTheAPIAgree() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            // Ana (4) through the page, Ben (5) through the API, the same change.
            let ana = try await app.api(.get, "users/4", admin).object
            let ben = try await app.api(.get, "users/5", admin).object
            let saved = try await app.form("/admin/people/4", admin,
                                       personForm(token, ana, ["name": "Same Name", "weeklyCapacityHours": "20", "homeLocation": "Bend, OR"]))
            #expect(saved.status == .seeOther)
            let patched = try await app.api(.patch, "users/5", admin,
                                        #"{"name": "Same Name", "weeklyCapacityHours": "20", "homeLocation": "Bend, OR", "managerId": \#(ben["managerId"] as? Int ?? 0)}"#,
                                        version: ben["version"] as? Int)
            #expect(patched.status == .ok)
            let a = try await stored(app, email: "ana.torres@demo.test"), b = try await stored(app, email: "ben.okafor@demo.test")
            #expect(a.split(separator: "|").dropFirst().dropFirst().first == b.split(separator: "|").dropFirst().dropFirst().first)
            #expect(a.hasPrefix("Same Name|") && b.hasPrefix("Same Name|"))
            #expect(a.contains("|20.0") && a.contains("Bend, OR") && b.contains("|20.0") && b.contains("Bend, OR"))

            let current = try await app.api(.get, "users/5", admin).object
            let version = current["version"] as? Int
            let bad: [(field: String, page: String, json: String)] = [
                ("managerId", "5", #"{"managerId": 5}"#),
                ("name", "", #"{"name": ""}"#),
                ("weeklyCapacityHours", "", #"{"weeklyCapacityHours": null}"#),
                ("email", "nope", #"{"email": "nope"}"#),
                ("password", "short", #"{"password": "short"}"#),
            ]
            for (field, pageValue, json) in bad {
                let viaAPI = try await app.api(.patch, "users/5", admin, json, version: version)
                let words = try #require(try apiMessage(viaAPI, field), "\(field): \(viaAPI.text)")
                let viaPage = try await app.form("/admin/people/5", admin, personForm(token, current, [field: pageValue]))
                #expect(viaPage.status == viaAPI.status, "\(field)")
                #expect(message(viaPage.text, beside: "f-\(field)") == words, "\(field)")
            }
            // A stale version: the API's 412, the page's conflict with the saved values beside the typed ones.
            #expect(try await app.api(.patch, "users/5", admin, #"{"name": "X"}"#, version: 1).status == .preconditionFailed)
            let stale = try await app.form("/admin/people/5", admin, personForm(token, current, ["version": "1", "name": "X"]))
            #expect(stale.status == .conflict)
            #expect(try await stored(app, email: "ben.okafor@demo.test").hasPrefix("Same Name|"))
        }
    }

    @Test func adminsChangingTheirOwnPasswordOnThePageGiveTheCurrentOneAsTheAPIAsks() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            let adminID = try await app.id(of: "admin@demo.test", token: admin)
            // The box is there only on one's own page.
            #expect(try await app.page("/admin/people/\(adminID)", admin).text.contains(#"id="f-currentPassword""#))
            #expect(!(try await app.page("/admin/people/4", admin).text.contains(#"id="f-currentPassword""#)))

            var me = try await app.api(.get, "users/\(adminID)", admin).object
            // Without the current password: the API's 422, its words beside the box the page now shows.
            let missing = try await app.api(.patch, "users/\(adminID)", admin, #"{"password": "a new long secret"}"#, version: me["version"] as? Int)
            #expect(missing.status == .unprocessableContent)
            let missingPage = try await app.form("/admin/people/\(adminID)", admin, personForm(token, me, ["password": "a new long secret"]))
            #expect(missingPage.status == .unprocessableContent)
            #expect(try message(missingPage.text, beside: "f-currentPassword") == apiMessage(missing, "currentPassword"))
            // A wrong one: 403 current-password-wrong from the API; the page says so beside the box, with the same status.
            let wrong = try await app.api(.patch, "users/\(adminID)", admin, #"{"password": "a new long secret", "currentPassword": "not it at all"}"#,
                                      version: me["version"] as? Int)
            #expect(wrong.status == .forbidden)
            #expect(try wrong.object["type"] as? String == "/problems/current-password-wrong")
            let wrongPage = try await app.form("/admin/people/\(adminID)", admin,
                                           personForm(token, me, ["password": "a new long secret", "currentPassword": "not it at all"]))
            #expect(wrongPage.status == .forbidden)
            #expect(try message(wrongPage.text, beside: "f-currentPassword") == apiMessage(wrong, "currentPassword"))
            let refused = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "admin@demo.test", "password": "a new long secret"}"#)
            #expect(refused.status == .unauthorized)
            // The right one: saved, and the new password signs in.
            me = try await app.api(.get, "users/\(adminID)", admin).object
            let right = try await app.form("/admin/people/\(adminID)", admin,
                                       personForm(token, me, ["password": "a new long secret", "currentPassword": "baton-demo"]))
            #expect(right.status == .seeOther)
            _ = try await app.signIn("admin@demo.test", password: "a new long secret")
        }
    }

    @Test func theSkillFormsAndTheAPIAgree() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            func skills(_ id: Int) async throws -> String {
                try await app.sql("""
                    SELECT string_agg(s.name || ' ' || us.level, ', ' ORDER BY s.name) AS list FROM user_skills us JOIN skills s ON s.id = us.skill_id
                    WHERE us.user_id = \(id)
                    """).first?.decode("list", as: String?.self) ?? ""
            }
            // Good input: the same skills for Ana (page) and Ben (API).
            let saved = try await app.form("/admin/people/4/skills", admin,
                                       ["csrf": token, "skill-0": "Negotiation", "level-0": "4", "skill-1": "Cloud migration", "level-1": "2"])
            #expect(saved.status == .seeOther)
            #expect(try await app.api(.put, "users/5/skills", admin,
                                  #"[{"skill": "Negotiation", "level": 4}, {"skill": "Cloud migration", "level": 2}]"#).status == .ok)
            #expect(try await skills(4) == (try await skills(5)))

            // A skill twice, a level out of range: the API's words beside the row's box.
            let twice = try await app.api(.put, "users/5/skills", admin, #"[{"skill": "Negotiation", "level": 4}, {"skill": "negotiation", "level": 2}]"#)
            let twicePage = try await app.form("/admin/people/4/skills", admin,
                                           ["csrf": token, "skill-0": "Negotiation", "level-0": "4", "skill-1": "negotiation", "level-1": "2"])
            #expect(twicePage.status == twice.status)
            #expect(try message(twicePage.text, beside: "s-skill_1") == apiMessage(twice, "[1].skill"))
            let level = try await app.api(.put, "users/5/skills", admin, #"[{"skill": "Negotiation", "level": 9}]"#)
            let levelPage = try await app.form("/admin/people/4/skills", admin, ["csrf": token, "skill-0": "Negotiation", "level-0": "9"])
            #expect(levelPage.status == level.status)
            #expect(try message(levelPage.text, beside: "s-level_0") == apiMessage(level, "[0].level"))
            #expect(try await skills(4) == (try await skills(5)))

            // The skill catalog: the same new skill; an empty name refused with the same words.
            #expect(try await app.form("/admin/skills", admin, ["csrf": token, "name": "Page skill"]).status == .seeOther)
            #expect(try await app.api(.post, "skills", admin, #"{"name": "API skill"}"#).status == .created)
            #expect(try await app.sql("SELECT 1 FROM skills WHERE name IN ('Page skill', 'API skill')").count == 2)
            let empty = try await app.api(.post, "skills", admin, #"{"name": "  "}"#)
            let emptyPage = try await app.form("/admin/skills", admin, ["csrf": token, "name": "  "])
            #expect(emptyPage.status == empty.status)
            #expect(try message(emptyPage.text, beside: "f-name") == apiMessage(empty, "name"))
            let dup = try await app.api(.post, "skills", admin, #"{"name": "API skill"}"#)
            let dupPage = try await app.form("/admin/skills", admin, ["csrf": token, "name": "API skill"])
            #expect(dupPage.status == dup.status)
        }
    }
}
