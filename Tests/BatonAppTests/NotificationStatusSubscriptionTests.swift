import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// A client's subscription to its status page (issue 20, item 5): nothing is sent
/// before the address confirms; then a completed or moved phase is one message each,
/// with who, what and when and no amounts; one POST unsubscribes.
@Suite struct NotificationStatusSubscriptionTests {
    let delivery = DeliveryTests()

    func messages(_ app: TestApp) async throws -> [(key: String, subject: String, lines: [String], link: String?)] {
        try await app.sql("SELECT event_key, subject, lines, link FROM status_messages ORDER BY id").map {
            (try $0.decode("event_key"), try $0.decode("subject"), try $0.decode("lines"), try $0.decode("link"))
        }
    }

    func post(_ app: TestApp, _ path: String, _ body: String = "") async throws -> TestResponse {
        try await app.client.execute(uri: path, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                     body: ByteBuffer(string: body))
    }

    @Test func aConfirmedSubscriberHearsOfPhasesOnceAndStopsWithOnePost() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let felix = try await app.signIn("felix.braun@demo.test")
            let project = try await delivery.wonProject(app, admin)
            let id = project["id"] as! Int
            let phases = project["phases"] as! [[String: Any]]
            let link = try await delivery.post(app, "projects/\(id)/status-link", felix, #"{"expiresOn": "\#(Timestamp.now.calendarDate.adding(days: 300))"}"#)
            let statusPath = try #require(link["url"] as? String)
            #expect(try await app.request(.get, statusPath).text.contains("status-subscribe"))

            // A bad address is refused; a good one gets a confirmation and nothing else yet.
            #expect(try await post(app, statusPath, "email=not-an-address").status == .unprocessableContent)
            let subscribed = try await post(app, statusPath, "email=Ada%40client.test")
            #expect(subscribed.status == .ok)
            #expect(subscribed.text.contains("Ada@client.test"))
            try await delivery.post(app, "projects/\(id)/phases/\(phases[0]["id"] as! Int)/complete", felix, #"{"completedOn": "2026-11-20"}"#, expect: .ok)
            var sent = try await messages(app)
            #expect(sent.count == 1, "only the confirmation before it is confirmed: \(sent.map(\.key))")
            let confirmPath = try #require(sent.first?.link)
            #expect(confirmPath.hasSuffix("/confirm"))
            // Opening the link only shows a button (mail scanners open links); the POST confirms.
            #expect(try await app.request(.get, confirmPath).text.contains("subscription-button"))
            #expect(try await post(app, confirmPath).status == .ok)
            #expect(try await post(app, "/status-subscription/nobody/confirm").status == .notFound)

            // Moving the last phase: one message, who, what and when, no amounts.
            let last = phases[phases.count - 1]["id"] as! Int
            let moved = try await app.request(.patch, "/api/v1/projects/\(id)/phases/\(last)", token: felix, json: #"{"start": "2027-06-07"}"#)
            #expect(moved.status == .ok, "\(moved.text)")
            sent = try await messages(app)
            let move = try #require(sent.first { $0.key.hasPrefix("phase-moved:") })
            #expect(move.subject.contains("is now due"))
            #expect(move.lines.joined().contains("Felix Braun"))
            #expect(!(move.lines + [move.subject]).joined().contains("$"))
            #expect(!(move.lines + [move.subject]).joined().contains("24"), "no amounts (the order was 24,000)")
            let unsubscribe = try #require(move.link)
            #expect(unsubscribe.hasSuffix("/unsubscribe"))

            // One-click unsubscribe (RFC 8058's POST); nothing more is queued after it.
            #expect(try await post(app, unsubscribe, "List-Unsubscribe=One-Click").status == .ok)
            let before = try await messages(app).count
            let again = try await app.request(.patch, "/api/v1/projects/\(id)/phases/\(last)", token: felix, json: #"{"start": "2027-06-14"}"#)
            #expect(again.status == .ok)
            #expect(try await messages(app).count == before)
        }
    }
}
