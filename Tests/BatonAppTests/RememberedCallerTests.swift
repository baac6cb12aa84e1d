@testable import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// A read by a caller the process remembers (`CallerCache`) checks the caller in the same
/// round trip as its first statement (`credential_holds`). Whatever changed elsewhere (another
/// instance, a script, the database itself) since the caller was remembered, the answer is the
/// one a full look-up gives.
@Suite struct RememberedCallerTests {
    @Test func aSessionRevokedElsewhereIsRefusedOnItsNextRead() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.api(.get, "accounts", session).status == .ok)
            #expect(try await app.api(.get, "accounts", session).status == .ok, "remembered")
            try await app.sql("UPDATE sessions SET revoked_at = now() WHERE revoked_at IS NULL")
            #expect(try await app.api(.get, "accounts", session).status == .unauthorized)
            #expect(try await app.api(.get, "me", session).status == .unauthorized)
        }
    }

    @Test func anAPITokenRevokedElsewhereIsRefusedOnItsNextRead() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            let created = try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "script"}"#)
            let token = try #require(created.object["token"] as? String)
            #expect(try await app.api(.get, "accounts", token).status == .ok)
            #expect(try await app.api(.get, "accounts", token).status == .ok, "remembered")
            try await app.sql("UPDATE api_tokens SET revoked_at = now()")
            #expect(try await app.api(.get, "accounts", token).status == .unauthorized)
            #expect(try await app.api(.get, "accounts", session).status == .ok, "the session is another credential")
        }
    }

    @Test func rolesTakenAwayOrGivenElsewhereCountOnTheNextRead() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            #expect(try await app.api(.get, "notifications/deliveries", admin).status == .ok)
            #expect(try await app.api(.get, "notifications/deliveries", admin).status == .ok, "remembered")
            try await app.sql("UPDATE users SET roles = array_remove(roles, 'admin') WHERE email = 'admin@demo.test'")
            #expect(try await app.api(.get, "notifications/deliveries", admin).status == .forbidden)

            // The refusal above came before any statement; given the role back, the remembered
            // caller (without it) is checked before a refusal stands.
            try await app.sql("UPDATE users SET roles = array_append(roles, 'admin') WHERE email = 'admin@demo.test'")
            #expect(try await app.api(.get, "notifications/deliveries", admin).status == .ok)
        }
    }

    @Test func aDeactivatedPersonOrAnIdleSessionIsRefused() async throws {
        try await TestApp.run { app in
            let dev = try await app.signIn("dev.patel@demo.test")
            let grace = try await app.signIn("grace.kim@demo.test")
            for session in [dev, grace] {
                #expect(try await app.api(.get, "me", session).status == .ok)
                #expect(try await app.api(.get, "me", session).status == .ok, "remembered")
            }
            try await app.sql("UPDATE users SET active = false WHERE email = 'dev.patel@demo.test'")
            try await app.sql("""
                UPDATE sessions SET last_seen_at = now() - interval '3 hours'
                WHERE user_id = (SELECT id FROM users WHERE email = 'grace.kim@demo.test')
                """)
            #expect(try await app.api(.get, "me", dev).status == .unauthorized)
            #expect(try await app.api(.get, "me", grace).status == .unauthorized)
        }
    }

    @Test func aRememberedReadKeepsTheSessionAlive() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.api(.get, "accounts", session).status == .ok)
            try await app.sql("UPDATE sessions SET last_seen_at = now() - interval '20 minutes' WHERE revoked_at IS NULL")
            #expect(try await app.api(.get, "accounts", session).status == .ok)
            let idle = try #require(try await app.sql("""
                SELECT extract(epoch FROM now() - max(last_seen_at))::int AS s FROM sessions WHERE revoked_at IS NULL
                """).first).decode("s", as: Int.self)
            #expect(idle < 60, "the remembered read moved last_seen_at, as a full look-up does")
        }
    }

    @Test func aNameChangedElsewhereShowsOnTheNextPage() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.page("/", session).text.contains("Ana Torres"))
            try await app.sql("UPDATE users SET name = 'Ana Torres-Lind' WHERE email = 'ana.torres@demo.test'")
            #expect(try await app.page("/", session).text.contains("Ana Torres-Lind"))
        }
    }

    @Test func manyReadsAtOnceAfterARevocationAreAllRefused() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.api(.get, "accounts", session).status == .ok)
            try await app.sql("UPDATE sessions SET revoked_at = now()")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for path in ["accounts", "me", "opportunities", "accounts", "me", "opportunities"] {
                    group.addTask { try await app.api(.get, path, session).status.code }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 401, count: 6))
        }
    }

    @Test func theCacheIsBounded() {
        let cache = CallerCache()
        let session = { (id: Int) in
            CallerCache.Entry(caller: Caller(id: 1, name: "A", email: "a@example.test", roles: [], credential: .session(id: Int64(id))), storedRoles: [])
        }
        for i in 0...CallerCache.capacity { cache.remember(session(i), forTokenHash: "\(i)") }
        #expect(cache.count <= CallerCache.capacity)
        #expect(cache.entry(forTokenHash: "\(CallerCache.capacity)") != nil, "the newest is kept when the cache starts over")
        cache.forget(.session(id: Int64(CallerCache.capacity)))
        #expect(cache.entry(forTokenHash: "\(CallerCache.capacity)") == nil, "revoking a session here forgets it")
    }

    @Test func revokingOneCredentialKeepsTheOthers() {
        let cache = CallerCache()
        let person = { (credential: Caller.Credential) in
            CallerCache.Entry(caller: Caller(id: 1, name: "A", email: "a@example.test", roles: [], credential: credential), storedRoles: [])
        }
        cache.remember(person(.session(id: 1)), forTokenHash: "s1")
        cache.remember(person(.session(id: 2)), forTokenHash: "s2")
        cache.remember(person(.apiToken(id: 1)), forTokenHash: "t1")
        cache.forget(.session(id: 1))
        #expect(cache.entry(forTokenHash: "s1") == nil)
        #expect(cache.entry(forTokenHash: "s2")?.caller.credential == .session(id: 2))
        #expect(cache.entry(forTokenHash: "t1")?.caller.credential == .apiToken(id: 1), "a token and a session of the same number differ")
        cache.forget(tokenHash: "s2")
        cache.forget(.session(id: 2))
        #expect(cache.count == 1)
        cache.remember(person(.session(id: 2)), forTokenHash: "s2")
        cache.forget(.session(id: 2))
        #expect(cache.count == 1, "forgetting by hash also drops the credential's index, so remembering again works")
        // A credential has one token: remembering it under another hash drops the first.
        cache.remember(person(.session(id: 3)), forTokenHash: "s3")
        cache.remember(person(.session(id: 3)), forTokenHash: "s3 again")
        #expect(cache.entry(forTokenHash: "s3") == nil)
        cache.forget(.session(id: 3))
        #expect(cache.count == 1)
    }
}
