import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The API's conventions (API.md), exercised on /users, the first resource to use them all.
@Suite struct ConventionTests {
    static let newPerson = #"{"email": "pat@firm.test", "name": "Pat Lee", "roles": ["project_manager"], "managerId": 3, "weeklyCapacityHours": "37.5", "homeLocation": "Denver, CO", "password": "correct horse"}"#

    @Test func creatingAPersonReturnsItWithVersionAndETag() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let created = try await app.request(.post, "/api/v1/users", token: admin, json: Self.newPerson)
            #expect(created.status == .created)
            #expect(created.headers[.eTag] == "\"1\"")
            let id = try #require(created.object["id"] as? Int)
            #expect(created.headers[.location] == "/api/v1/users/\(id)")
            #expect(try created.object["weeklyCapacityHours"] as? String == "37.5")
            #expect(try created.object["roles"] as? [String] == ["project_manager"])
            #expect(try created.object["password"] == nil && created.object["passwordHash"] == nil)
            _ = try await app.signIn("pat@firm.test", password: "correct horse")
        }
    }

    @Test func aStaleIfMatchGets412AndChangesNothing() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let first = try await app.request(.patch, "/api/v1/users/4", token: admin, json: #"{"name": "Ana Torres-Diaz"}"#,
                                              headers: [.ifMatch: "\"1\""])
            #expect(first.status == .ok)
            #expect(first.headers[.eTag] == "\"2\"")
            let stale = try await app.request(.patch, "/api/v1/users/4", token: admin, json: #"{"name": "Someone Else"}"#,
                                              headers: [.ifMatch: "\"1\""])
            #expect(stale.status == .preconditionFailed)
            #expect(stale.headers[.contentType] == "application/problem+json")
            let now = try await app.request(.get, "/api/v1/users/4", token: admin)
            #expect(try now.object["name"] as? String == "Ana Torres-Diaz")
            #expect(try now.object["version"] as? Int == 2)
        }
    }

    @Test func fiftyConcurrentChangesWithOneVersionLetExactlyOneWin() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        try await app.request(.patch, "/api/v1/users/4", token: admin, json: #"{"homeLocation": "Desk \#(i)"}"#,
                                              headers: [.ifMatch: "\"1\""]).status
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .preconditionFailed }.count == 49)
            let version = try await app.sql("SELECT version FROM users WHERE id = 4").first!.decode("version", as: Int.self)
            #expect(version == 2)
        }
    }

    @Test func aChangeWithoutIfMatchGets428() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let r = try await app.request(.patch, "/api/v1/users/4", token: admin, json: #"{"name": "X"}"#)
            #expect(r.status.code == 428)
            #expect(try await app.request(.get, "/api/v1/users/4", token: admin).object["name"] as? String == "Ana Torres")
        }
    }

    @Test func aBodyOverOneMebibyteGets413() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let huge = #"{"name": ""# + String(repeating: "a", count: 1_100_000) + #""}"#
            let r = try await app.request(.post, "/api/v1/users", token: admin, json: huge)
            #expect(r.status == .contentTooLarge)
            #expect(r.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func invalidFieldsGet422WithOneEntryEach() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let r = try await app.request(.post, "/api/v1/users", token: admin,
                json: #"{"email": "not-an-email", "name": "  ", "roles": [], "weeklyCapacityHours": "200", "password": "short"}"#)
            #expect(r.status == .unprocessableContent)
            let errors = try r.fieldErrors
            #expect(Set(errors.keys) == ["email", "name", "weeklyCapacityHours", "password"])
            #expect(errors["weeklyCapacityHours"] == "Weekly capacity must be between 0 and 168 hours")
            let count = try await app.sql("SELECT count(*) AS n FROM users")
            #expect(try count.first!.decode("n", as: Int.self) == 18, "nothing was stored")
        }
    }

    @Test func unknownFieldsAndWrongTypesGet422NamingTheField() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let unknown = try await app.request(.post, "/api/v1/users", token: admin,
                json: #"{"email": "a@b.test", "name": "A", "roles": [], "isBoss": true}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(try unknown.fieldErrors["isBoss"] != nil)
            let wrongType = try await app.request(.post, "/api/v1/users", token: admin,
                json: #"{"email": "a@b.test", "name": "A", "roles": ["overlord"]}"#)
            #expect(wrongType.status == .unprocessableContent)
            #expect(try wrongType.fieldErrors["roles[0]"] != nil)
            let floatMoney = try await app.request(.post, "/api/v1/users", token: admin,
                json: #"{"email": "a@b.test", "name": "A", "roles": [], "weeklyCapacityHours": 40}"#)
            #expect(floatMoney.status == .unprocessableContent)
            #expect(try floatMoney.fieldErrors["weeklyCapacityHours"] != nil)
        }
    }

    @Test func malformedAndDeeplyNestedJSONGet400() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            #expect(try await app.request(.post, "/api/v1/users", token: admin, json: #"{"email": "#).status == .badRequest)
            let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            #expect(try await app.request(.post, "/api/v1/users", token: admin, json: deep).status == .badRequest)
            var invalidUTF8 = ByteBuffer(string: #"{"email": "a@b.test", "name": ""#)
            invalidUTF8.writeBytes([0xC3, 0x28])
            invalidUTF8.writeString(#"", "roles": []}"#)
            let r = try await app.client.execute(uri: "/api/v1/users", method: .post,
                                                 headers: [.authorization: "Bearer \(admin)", .contentType: "application/json"], body: invalidUTF8)
            #expect(r.status == .badRequest)
        }
    }

    @Test func aBodyThatIsNotJSONGets415AndNulCharactersAreRefused() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let form = try await app.client.execute(
                uri: "/api/v1/skills", method: .post,
                headers: [.authorization: "Bearer \(admin)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "name=x"))
            #expect(form.status == .unsupportedMediaType)
            let nul = try await app.request(.post, "/api/v1/skills", token: admin, json: #"{"name": "a\u0000b"}"#)
            #expect(nul.status == .unprocessableContent)
            let count = try await app.sql("SELECT count(*) AS n FROM skills WHERE name LIKE 'a%'")
            #expect(try count.first!.decode("n", as: Int.self) == 0)
        }
    }

    @Test func anIdempotentPostCreatesOnceAndReplays() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let key: HTTPFields = [.init("Idempotency-Key")!: "create-pat-1"]
            let first = try await app.request(.post, "/api/v1/users", token: admin, json: Self.newPerson, headers: key)
            let again = try await app.request(.post, "/api/v1/users", token: admin, json: Self.newPerson, headers: key)
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(try again.object["id"] as? Int == first.object["id"] as? Int)
            #expect(again.headers[.eTag] == first.headers[.eTag])
            let count = try await app.sql("SELECT count(*) AS n FROM users WHERE email = 'pat@firm.test'")
            #expect(try count.first!.decode("n", as: Int.self) == 1)
            let other = try await app.request(.post, "/api/v1/users", token: admin,
                                              json: Self.newPerson.replacingOccurrences(of: "Pat Lee", with: "Pat Other"), headers: key)
            #expect(other.status == .unprocessableContent)
        }
    }

    @Test func concurrentIdempotentPostsCreateOneRecord() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let key: HTTPFields = [.init("Idempotency-Key")!: "race"]
            let body = #"{"name": "raced token"}"#
            let ids = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await app.request(.post, "/api/v1/tokens", token: admin, json: body, headers: key).object["id"] as? Int }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            #expect(Set(ids.compactMap { $0 }).count == 1)
            let count = try await app.sql("SELECT count(*) AS n FROM api_tokens")
            #expect(try count.first!.decode("n", as: Int.self) == 1)
        }
    }

    @Test func listsPageByCursorWithoutGapsOrRepeats() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            var seen: [Int] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "/api/v1/users?limit=5" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await app.request(.get, uri, token: admin)
                #expect(page.status == .ok)
                seen += try (page.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                cursor = try page.object["nextCursor"] as? String
                pages += 1
            } while cursor != nil && pages < 10
            #expect(seen.count == 18)
            #expect(Set(seen).count == 18)
            #expect(try await app.request(.get, "/api/v1/users?limit=501", token: admin).status == .unprocessableContent)
            #expect(try await app.request(.get, "/api/v1/users?cursor=garbage!", token: admin).status == .unprocessableContent)
        }
    }

    @Test func everyErrorIsProblemJSONWithARequestID() async throws {
        try await TestApp.run { app in
            let r = try await app.request(.get, "/api/v1/nowhere")
            #expect(r.status == .notFound || r.status == .unauthorized)
            #expect(r.headers[.contentType] == "application/problem+json")
            #expect(r.headers[.init("X-Request-Id")!] != nil)
            let problem = try r.object
            #expect(problem["type"] is String && problem["title"] is String && problem["status"] is Int && problem["detail"] is String)
        }
    }

    @Test func emailsAreUniqueWhateverTheirCase() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let r = try await app.request(.post, "/api/v1/users", token: admin,
                                          json: #"{"email": "Ana.Torres@Demo.test", "name": "Ana Again", "roles": []}"#)
            #expect(r.status == .conflict)
            #expect(try (r.object["detail"] as? String)?.contains("email") == true)
        }
    }

    @Test func aReportingLineCannotLoop() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            // Morgan (2) manages Ana (4): making Ana Morgan's manager would loop.
            let r = try await app.request(.patch, "/api/v1/users/2", token: admin, json: #"{"managerId": 4}"#, headers: [.ifMatch: "\"1\""])
            #expect(r.status == .unprocessableContent)
            #expect(try r.fieldErrors["managerId"] != nil)
            let missing = try await app.request(.patch, "/api/v1/users/2", token: admin, json: #"{"managerId": 999}"#, headers: [.ifMatch: "\"1\""])
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.fieldErrors["managerId"] != nil)
        }
    }
}
