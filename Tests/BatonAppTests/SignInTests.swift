import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@Suite struct SignInTests {
    @Test func signingInReturnsATokenAndAnHttpOnlyCookie() async throws {
        try await TestApp.run { app in
            let response = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "ADMIN@demo.test", "password": "baton-demo"}"#)
            #expect(response.status == .created)
            let token = try #require(response.object["token"] as? String)
            let cookie = try #require(response.headers[.setCookie])
            #expect(cookie.hasPrefix("baton_session=\(token);"))
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"))
            let me = try await app.request(.get, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(try me.object["email"] as? String == "admin@demo.test")
            #expect(try (me.object["calendarUrl"] as? String)?.hasPrefix("/calendar/") == true)
            // The stored session is a hash, never the token.
            let stored = try await app.sql("SELECT count(*) AS n FROM sessions WHERE encode(token_hash, 'hex') LIKE \("%" + token + "%")")
            #expect(try stored.first!.decode("n", as: Int.self) == 0)
        }
    }

    @Test func theCookieAloneAuthenticates() async throws {
        try await TestApp.run { app in
            let token = try await app.signIn("ana.torres@demo.test")
            let me = try await app.request(.get, "/api/v1/me", headers: [.cookie: "theme=dark; baton_session=\(token)"])
            #expect(me.status == .ok)
            #expect(try me.object["name"] as? String == "Ana Torres")
            let reportingLine = try me.object["reportingLine"] as? [[String: Any]]
            #expect(reportingLine?.first?["name"] as? String == "Morgan Reyes")
        }
    }

    @Test func aWrongPasswordAndAnUnknownEmailGetTheSameAnswer() async throws {
        try await TestApp.run { app in
            let wrong = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "admin@demo.test", "password": "nope-nope"}"#)
            let unknown = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "nobody@demo.test", "password": "nope-nope"}"#)
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(wrong.text == unknown.text)
            #expect(wrong.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func fiveFailuresLockThatEmailFromThatAddressEvenForTheRightPassword() async throws {
        try await TestApp.run { app in
            for _ in 0..<5 {
                let r = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "dev.patel@demo.test", "password": "wrong-password"}"#)
                #expect(r.status == .unauthorized)
            }
            let throttled = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "Dev.Patel@demo.test", "password": "baton-demo"}"#)
            #expect(throttled.status == .tooManyRequests)
            // The first lock is a minute; it doubles with each further failure.
            let retryAfter = try #require(throttled.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter > 0 && retryAfter <= 60)
            // Another email from the same address is not locked out.
            let other = try await app.request(.post, "/api/v1/sessions", json: #"{"email": "erin.walsh@demo.test", "password": "baton-demo"}"#)
            #expect(other.status == .created)
        }
    }

    @Test func signingOutRevokesTheSession() async throws {
        try await TestApp.run { app in
            let token = try await app.signIn("admin@demo.test")
            let out = try await app.request(.delete, "/api/v1/sessions/current", token: token)
            #expect(out.status == .noContent)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await app.request(.get, "/api/v1/me", token: token).status == .unauthorized)
        }
    }

    @Test func anExpiredOrIdleSessionNoLongerWorks() async throws {
        try await TestApp.run { app in
            let token = try await app.signIn("admin@demo.test")
            try await app.sql("UPDATE sessions SET last_seen_at = now() - interval '31 minutes'")
            #expect(try await app.request(.get, "/api/v1/me", token: token).status == .unauthorized)
            let second = try await app.signIn("admin@demo.test")
            try await app.sql("UPDATE sessions SET expires_at = now() - interval '1 second'")
            #expect(try await app.request(.get, "/api/v1/me", token: second).status == .unauthorized)
        }
    }

    @Test func apiTokensAreShownOnceUsedAndRevocable() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("grace.kim@demo.test")
            let created = try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "laptop script"}"#)
            #expect(created.status == .created)
            let token = try #require(created.object["token"] as? String)
            let id = try #require(created.object["id"] as? Int)
            #expect(token.hasPrefix("bt_"))
            let me = try await app.request(.get, "/api/v1/me", token: token)
            #expect(try me.object["name"] as? String == "Grace Kim")
            let listed = try await app.request(.get, "/api/v1/tokens", token: session)
            let items = try #require(listed.object["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items[0]["token"] == nil, "a token is shown only when created")
            #expect(items[0]["lastUsedAt"] is String, "its use is recorded")
            #expect(try await app.request(.delete, "/api/v1/tokens/\(id)", token: session).status == .noContent)
            #expect(try await app.request(.get, "/api/v1/me", token: token).status == .unauthorized)
            #expect(try await app.request(.delete, "/api/v1/tokens/\(id)", token: session).status == .notFound)
        }
    }

    @Test func requestsWithoutOrWithABadTokenGet401() async throws {
        try await TestApp.run { app in
            let none = try await app.request(.get, "/api/v1/users")
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate] == "Bearer")
            #expect(try await app.request(.get, "/api/v1/users", token: "bs_forged").status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/users", headers: [.authorization: "Basic YTpi"]).status == .unauthorized)
        }
    }

    @Test func aPasswordChangeSignsOutOtherSessionsButNotThisOne() async throws {
        try await TestApp.run { app in
            let here = try await app.signIn("ivy.chen@demo.test")
            let elsewhere = try await app.signIn("ivy.chen@demo.test")
            let me = try await app.request(.get, "/api/v1/me", token: here)
            let id = try #require(me.object["id"] as? Int)
            let etag = try #require(me.headers[.eTag])
            let changed = try await app.request(.patch, "/api/v1/users/\(id)", token: here,
                                                json: #"{"password": "a new secret", "currentPassword": "baton-demo"}"#,
                                                headers: [.ifMatch: etag])
            #expect(changed.status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: here).status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: elsewhere).status == .unauthorized)
            _ = try await app.signIn("ivy.chen@demo.test", password: "a new secret")
        }
    }
}
