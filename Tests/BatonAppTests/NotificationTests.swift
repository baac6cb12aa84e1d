import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Notifications through the API and the pages: a returned proposal reaches its
/// author once, in the same transaction as the move; people read and mark only their
/// own; preferences decide the channel; the bell counts what is unread.
@Suite struct NotificationTests {
    let proposals = ProposalTests()

    /// Dev (sales) writes a proposal with Grace as reviewer and submits it; returns its id.
    func submitted(_ app: TestApp, admin: String, dev: String) async throws -> Int {
        let opportunityID = try await proposals.opportunity(app, admin)
        let p = try await proposals.post(app, "opportunities/\(opportunityID)/proposals", dev,
            #"{"lines": [{"description": "Advice", "quantity": "2", "unit": "hour", "unitPrice": "150.00"}]}"#)
        let id = try #require(p["id"] as? Int)
        let ok = try await app.request(.patch, "/api/v1/proposals/\(id)", token: dev, json: #"{"reviewerId": 10}"#, headers: [.ifMatch: "\"1\""])
        #expect(ok.status == .ok)
        try await proposals.post(app, "proposals/\(id)/submit", dev, expect: .ok)
        return id
    }

    func items(_ app: TestApp, _ token: String, _ query: String = "") async throws -> [[String: Any]] {
        let r = try await app.request(.get, "/api/v1/notifications\(query)", token: token)
        #expect(r.status == .ok, "\(r.text)")
        return try r.object["items"] as? [[String: Any]] ?? []
    }

    @Test func aReturnedProposalReachesItsAuthorOnceInAppAndQueuedForEmail() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let dev = try await app.signIn("dev.patel@demo.test")
            let grace = try await app.signIn("grace.kim@demo.test")
            let id = try await submitted(app, admin: admin, dev: dev)
            // The reviewer hears of the submission; the author does not hear of their own move.
            let forGrace = try await items(app, grace)
            #expect(forGrace.contains { $0["kind"] as? String == "proposal-submitted" && $0["link"] as? String == "/proposals/\(id)" })
            let devBefore = try await items(app, dev)
            #expect(devBefore.isEmpty)
            try await proposals.post(app, "proposals/\(id)/return", grace, #"{"comment": "Add a <b>discovery</b> phase"}"#, expect: .ok)
            let forDev = try await items(app, dev)
            let returned = forDev.filter { $0["kind"] as? String == "proposal-returned" }
            #expect(returned.count == 1)
            let first = try #require(returned.first)
            #expect((first["subject"] as? String)?.contains("was returned") == true)
            #expect((first["lines"] as? [String]) == ["Comment: Add a <b>discovery</b> phase"])
            #expect(first["read"] as? Bool == false)
            // One email waits for Dev, none for the reviewer's own move.
            let devID = try await app.id(of: "dev.patel@demo.test", token: admin)
            let queued = try await app.sql("""
                SELECT count(*) AS n FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE n.recipient_id = \(devID) AND n.kind = 'proposal-returned' AND d.channel = 'email'
                """)
            #expect(try queued.first?.decode("n", as: Int.self) == 1)
            let count = try await app.request(.get, "/api/v1/notifications/unread-count", token: dev)
            #expect(try count.object["unread"] as? Int == 1)
            // Someone else cannot read or mark it; Dev can, once.
            let notificationID = try #require(first["id"] as? Int)
            let other = try await app.request(.post, "/api/v1/notifications/\(notificationID)/read", token: grace)
            #expect(other.status == .notFound)
            let read = try await app.request(.post, "/api/v1/notifications/\(notificationID)/read", token: dev)
            #expect(read.status == .ok)
            #expect(try read.object["read"] as? Bool == true)
            let unreadLeft = try await items(app, dev, "?unread=true")
            #expect(unreadLeft.isEmpty)
            let all = try await app.request(.post, "/api/v1/notifications/read-all", token: grace)
            #expect(try all.object["marked"] as? Int == 1)
            let graceCount = try await app.request(.get, "/api/v1/notifications/unread-count", token: grace)
            #expect(try graceCount.object["unread"] as? Int == 0)
        }
    }

    @Test func aKindTurnedOffIsNotRecordedAndAnUnknownKindIsRefused() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let dev = try await app.signIn("dev.patel@demo.test")
            let grace = try await app.signIn("grace.kim@demo.test")
            let unknown = try await app.request(.put, "/api/v1/notifications/preferences", token: dev,
                                                json: #"{"preferences": {"proposal-lost": "email"}}"#)
            #expect(unknown.status == .unprocessableContent)
            #expect(try unknown.fieldErrors["preferences.proposal-lost"] != nil)
            let badChannel = try await app.request(.put, "/api/v1/notifications/preferences", token: dev,
                                                   json: #"{"preferences": {"proposal-returned": "pigeon"}}"#)
            #expect(badChannel.status == .unprocessableContent)
            let set = try await app.request(.put, "/api/v1/notifications/preferences", token: dev,
                                            json: #"{"preferences": {"proposal-returned": "off", "proposal-approved": "digest"}}"#)
            #expect(set.status == .ok)
            let chosen = try (set.object["items"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "proposal-returned" }
            #expect(chosen?["channel"] as? String == "off")
            #expect(chosen?["defaultChannel"] as? String == "email")
            let id = try await submitted(app, admin: admin, dev: dev)
            try await proposals.post(app, "proposals/\(id)/return", grace, #"{"comment": "Again"}"#, expect: .ok)
            let none = try await items(app, dev)
            #expect(none.isEmpty)
        }
    }

    @Test func theBellCountsUnreadAndThePageMarksAllRead() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let dev = try await app.signIn("dev.patel@demo.test")
            let grace = try await app.signIn("grace.kim@demo.test")
            let id = try await submitted(app, admin: admin, dev: dev)
            try await proposals.post(app, "proposals/\(id)/return", grace, #"{"comment": "More <detail>"}"#, expect: .ok)
            let session = try await app.signIn("dev.patel@demo.test")
            let home = try await app.request(.get, "/", headers: [.cookie: "baton_session=\(session)"])
            #expect(home.text.contains(#"<span class="bell-count unread">1</span>"#))
            #expect(home.text.contains(#"id="home-notifications""#))
            let page = try await app.request(.get, "/notifications", headers: [.cookie: "baton_session=\(session)"])
            #expect(page.status == .ok)
            #expect(page.text.contains("Comment: More &lt;detail&gt;"))
            #expect(!page.text.contains("More <detail>"))
            let start = try #require(page.text.range(of: #"name="csrf" value=""#)).upperBound
            let csrf = String(page.text[start...].prefix { $0 != "\"" })
            let marked = try await app.client.execute(
                uri: "/notifications/read-all", method: .post,
                headers: [.cookie: "baton_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(marked.status == .seeOther || marked.status == .found)
            let after = try await app.request(.get, "/", headers: [.cookie: "baton_session=\(session)"])
            #expect(after.text.contains(#"<span class="bell-count">0</span>"#))
        }
    }
}
