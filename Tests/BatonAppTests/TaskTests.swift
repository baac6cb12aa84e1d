import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 19, item 2: a task is completed with one click from home, through the API's
/// action at the version shown, and home counts the overdue ones.
@Suite struct TaskTests {
    @Test func aTaskIsCompletedFromHomeAndHomeCountsTheOverdue() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let made = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Task Works"}"#)
            let account = try #require(made.object["id"] as? Int)
            let task = try await app.request(.post, "/api/v1/activities", token: ana,
                json: #"{"kind": "task", "subject": "Chase the Task Works signature", "accountId": \#(account), "dueAt": "2020-01-06T09:00:00Z"}"#)
            #expect(task.status == .created, "\(task.text)")
            let id = try #require(task.object["id"] as? Int)
            let version = try #require(task.object["version"] as? Int)

            let cookie: HTTPFields = [.cookie: "baton_session=\(ana)"]
            let home = try await app.request(.get, "/", headers: cookie).text
            #expect(home.contains(#"<span class="status late overdue-count">1 overdue</span>"#))
            #expect(home.contains(#"action="/tasks/\#(id)/done""#))
            let marker = #"name="csrf" value=""#
            let start = try #require(home.range(of: marker)).upperBound
            let csrf = String(home[start...].prefix { $0 != "\"" })

            func done(_ fields: String) async throws -> TestResponse {
                try await app.client.execute(uri: "/tasks/\(id)/done", method: .post,
                                             headers: [.cookie: "baton_session=\(ana)", .contentType: "application/x-www-form-urlencoded"],
                                             body: ByteBuffer(string: fields))
            }
            #expect(try await done("version=\(version)&next=%2F").status == .forbidden, "no form token, nothing done")
            let clicked = try await done("csrf=\(csrf)&version=\(version)&next=%2F")
            #expect(clicked.status == .seeOther)
            #expect(clicked.headers[.location] == "/")

            let stored = try await app.request(.get, "/api/v1/activities/\(id)", token: ana)
            #expect(try stored.object["doneAt"] as? String != nil)
            #expect(try stored.object["version"] as? Int == version + 1)
            let after = try await app.request(.get, "/", headers: cookie).text
            #expect(!after.contains("Chase the Task Works signature"))
            #expect(!after.contains("overdue-count"))
        }
    }
}
