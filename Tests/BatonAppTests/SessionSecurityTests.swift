@testable import BatonApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres
import PostgresTesting
import Testing

/// A Baton app like `TestApp.run`, with a say in its configuration, SQL run before it
/// starts, and every log line it writes kept.
enum SecurityTestApp {
    static func run(
        configure: @Sendable (inout AppConfiguration) -> Void = { _ in }, before: Query? = nil, log: CollectedLog? = nil,
        _ test: @Sendable @escaping (TestApp) async throws -> Void
    ) async throws {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        if let before {
            let pool = ConnectionPool(configuration: database, maxConnections: 1, logger: Logger(label: "before"))
            try await pool.withConnection { _ = try await $0.query(before) }
            await pool.shutdown()
        }
        var configuration = AppConfiguration()
        configuration.demo = .people
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        configuration.poolSize = 4
        configure(&configuration)
        var logger = log.map { collected in Logger(label: "test-app") { _ in CollectingLogHandler(log: collected) } } ?? Logger(label: "test-app")
        logger.logLevel = log == nil ? .critical : .info
        let app = try await buildApplication(configuration, database: database, logger: logger)
        try await app.test(.router) { client in
            try await test(TestApp(client: client, database: database))
        }
    }

    /// The app's router, to list its routes.
    static func routes() async throws -> [String] {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        let logger = Logger(label: "routes")
        var configuration = AppConfiguration()
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        let pool = ConnectionPool(configuration: database, maxConnections: 1, logger: logger)
        let services = AppServices(
            configuration: configuration, pool: pool,
            reportReader: ReportReader(primary: pool, replica: nil, maxLagSeconds: 0, logger: logger),
            migrator: try Migrator(directory: TestApp.sqlDirectory, logger: logger), users: UserStore(),
            sessions: SessionStore(lifetimeHours: 1, idleMinutes: 1), throttle: SignInThrottle(), openAPIDocument: nil,
            logger: logger)
        let router = buildRouter(services, pages: try await PageRenderer.load())
        await pool.shutdown()
        return router.routes.map(\.description)
    }
}

/// Log lines, kept in memory by `CollectingLogHandler`.
final class CollectedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [String] = []

    func append(_ line: String) { lock.withLock { kept.append(line) } }
    var lines: [String] { lock.withLock { kept } }
}

struct CollectingLogHandler: LogHandler {
    let log: CollectedLog
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        log.append("\(event.message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}

private let password = "baton-demo"

private func signInBody(_ email: String, _ password: String) -> String {
    #"{"email": "\#(email)", "password": "\#(password)"}"#
}

private func count(_ app: TestApp, _ query: Query) async throws -> Int {
    try #require(try await app.sql(query).first).decode("n", as: Int.self)
}

// MARK: 5. Secrets are never stored for replays

@Suite struct IdempotentSecretTests {
    @Test func aReplayedTokenCreationNeitherShowsNorStoresTheSecret() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("grace.kim@demo.test")
            let first = try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "deploy script"}"#,
                                              headers: [.idempotencyKey: "token-1"])
            #expect(first.status == .created)
            let secret = try #require(first.object["token"] as? String)
            let id = try #require(first.object["id"] as? Int)

            let replay = try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "deploy script"}"#,
                                               headers: [.idempotencyKey: "token-1"])
            #expect(replay.status == .created)
            #expect(replay.headers[.idempotentReplayed] == "true")
            #expect(try replay.object["id"] as? Int == id)
            #expect(try replay.object["token"] == nil)
            #expect(try replay.object["secretShownOnce"] as? Bool == true)
            #expect(try (replay.object["detail"] as? String)?.contains("shown only") == true)
            #expect(!replay.text.contains(secret))
            #expect(try await count(app, "SELECT count(*) AS n FROM api_tokens") == 1, "the replay made no second token")

            // Nothing in the table signs anyone in.
            let stored = try await app.sql("SELECT coalesce(body, '') || coalesce(headers::text, '') AS kept FROM idempotency_keys")
            for row in stored {
                let kept = try row.decode("kept", as: String.self)
                #expect(!kept.contains(secret))
                #expect(!kept.contains(SecretToken.apiTokenPrefix) && !kept.contains(SecretToken.sessionPrefix))
            }
            #expect(try await app.request(.get, "/api/v1/me", token: secret).status == .ok, "the token itself works")
        }
    }

    @Test func noStoredResponseEverKeepsASecretOrACookie() {
        var headers = HTTPFields()
        headers[.setCookie] = "baton_session=bs_abc; HttpOnly"
        headers[.location] = "/api/v1/things/1"
        let withSecret = APIResponse(status: .created, headers: headers, body: Data(#"{"id":1,"token":"bs_0123456789abcdef"}"#.utf8))
        let kept = Idempotency.withoutSecrets(withSecret)
        #expect(kept.headers[.setCookie] == nil)
        #expect(kept.headers[.location] == "/api/v1/things/1")
        #expect(!String(decoding: kept.body, as: UTF8.self).contains("bs_0123"))
        let plain = APIResponse(status: .created, headers: [:], body: Data(#"{"id":2,"name":"robt_ and lbs_ inside a word"}"#.utf8))
        #expect(Idempotency.withoutSecrets(plain).body == plain.body, "a prefix that does not start a JSON string is no secret")
    }

    @Test func housekeepingDeletesIdempotencyKeysOlderThanADay() async throws {
        try await TestApp.run { app in
            try await app.sql("""
                INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, status, body, created_at) VALUES
                    (1, 'old', 'POST', '/api/v1/tokens', '\\x00', 201, '{}', now() - interval '25 hours'),
                    (1, 'new', 'POST', '/api/v1/tokens', '\\x00', 201, '{}', now() - interval '23 hours')
                """)
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "housekeeping"))
            let purged = try await Housekeeping(pool: pool, logger: Logger(label: "housekeeping")).purge()
            await pool.shutdown()
            #expect(purged.idempotencyKeys == 1)
            let left = try await app.sql("SELECT key FROM idempotency_keys").map { try $0.decode("key", as: String.self) }
            #expect(left == ["new"])
        }
    }

    @Test func theApplicationRunsHousekeepingAsAService() async throws {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        var configuration = AppConfiguration()
        configuration.demo = .off
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        var logger = Logger(label: "test-app")
        logger.logLevel = .critical
        let app = try await buildApplication(configuration, database: database, logger: logger)
        #expect(app.services.contains { $0 is Housekeeping })
        for case let pool as ConnectionPool in app.services { await pool.shutdown() }
    }
}

// MARK: 6. The sign-in throttle

@Suite struct SignInThrottleTests {
    @Test func twelveParallelWrongPasswordsGetFiveAnswersAndSevenRefusals() async throws {
        try await TestApp.run { app in
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await app.request(.post, "/api/v1/sessions", json: signInBody("dev.patel@demo.test", "wrong-password")).status.code
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5, "\(statuses.sorted())")
            #expect(statuses.filter { $0 == 429 }.count == 7, "\(statuses.sorted())")
            #expect(try await count(app, "SELECT count(*) AS n FROM sign_in_attempts WHERE NOT succeeded") == 5)
        }
    }

    @Test func aLockedAddressDoesNotLockThePersonElsewhere() async throws {
        try await SecurityTestApp.run(configure: { $0.trustedProxyHeader = "X-Forwarded-For" }) { app in
            let attacker: HTTPFields = [HTTPField.Name("X-Forwarded-For") ?? .via: "203.0.113.9"]
            let desk: HTTPFields = [HTTPField.Name("X-Forwarded-For") ?? .via: "198.51.100.7"]
            for _ in 0..<5 {
                let r = try await app.request(.post, "/api/v1/sessions", json: signInBody("admin@demo.test", "guess"), headers: attacker)
                #expect(r.status == .unauthorized)
            }
            let locked = try await app.request(.post, "/api/v1/sessions", json: signInBody("admin@demo.test", password), headers: attacker)
            #expect(locked.status == .tooManyRequests)
            let admin = try await app.request(.post, "/api/v1/sessions", json: signInBody("admin@demo.test", password), headers: desk)
            #expect(admin.status == .created, "the admin still signs in from their own address")
        }
    }

    @Test func onlyTheAddressTheProxyAddedCounts() async throws {
        try await SecurityTestApp.run(configure: { $0.trustedProxyHeader = "X-Forwarded-For" }) { app in
            let name = HTTPField.Name("X-Forwarded-For") ?? .via
            // The client writes whatever it likes first; the proxy appends what it saw.
            for i in 0..<6 {
                let r = try await app.request(.post, "/api/v1/sessions", json: signInBody("erin.walsh@demo.test", "guess"),
                                              headers: [name: "10.0.0.\(i), 203.0.113.9"])
                #expect(r.status == (i < 5 ? .unauthorized : .tooManyRequests))
            }
            let stored = try await app.sql("SELECT DISTINCT address FROM sign_in_attempts").map { try $0.decode("address", as: String.self) }
            #expect(stored == ["203.0.113.9"])
        }
    }

    @Test func withoutATrustedHeaderForwardedForIsIgnored() async throws {
        try await TestApp.run { app in
            let name = HTTPField.Name("X-Forwarded-For") ?? .via
            var statuses: [Int] = []
            for i in 0..<6 {
                statuses.append(try await app.request(.post, "/api/v1/sessions", json: signInBody("erin.walsh@demo.test", "guess"),
                                                      headers: [name: "192.0.2.\(i)"]).status.code)
            }
            #expect(statuses == [401, 401, 401, 401, 401, 429])
        }
    }

    @Test func eachFurtherFailureDoublesTheLock() async throws {
        try await TestApp.run { app in
            var waits: [Int] = []
            for _ in 0..<5 { _ = try await app.request(.post, "/api/v1/sessions", json: signInBody("ivy.chen@demo.test", "guess")) }
            for _ in 0..<3 {
                let locked = try await app.request(.post, "/api/v1/sessions", json: signInBody("ivy.chen@demo.test", "guess"))
                #expect(locked.status == .tooManyRequests)
                waits.append(try #require(locked.headers[.retryAfter].flatMap { Int($0) }))
                // The lock runs out; the next guess is checked, fails, and locks for twice as long.
                try await app.sql("UPDATE sign_in_pairs SET locked_until = now() - interval '1 second'")
                #expect(try await app.request(.post, "/api/v1/sessions", json: signInBody("ivy.chen@demo.test", "guess")).status == .unauthorized)
            }
            #expect(waits.count == 3)
            #expect((55...60).contains(waits[0]) && (115...120).contains(waits[1]) && (235...240).contains(waits[2]), "\(waits)")
            // A success clears the count.
            try await app.sql("UPDATE sign_in_pairs SET locked_until = NULL")
            _ = try await app.signIn("ivy.chen@demo.test")
            #expect(try await count(app, "SELECT failures AS n FROM sign_in_pairs WHERE email_key = 'ivy.chen@demo.test'") == 0)
        }
    }

    @Test func sprayingFromOneAddressDoesNotLockOutPeopleKnownThere() async throws {
        try await TestApp.run { app in
            // Grace has signed in from this address before; Hana never has.
            _ = try await app.signIn("grace.kim@demo.test")
            for i in 0..<30 {
                _ = try await app.request(.post, "/api/v1/sessions", json: signInBody("nobody\(i)@demo.test", "Winter2026!"))
            }
            let stranger = try await app.request(.post, "/api/v1/sessions", json: signInBody("erin.walsh@demo.test", password))
            #expect(stranger.status == .tooManyRequests, "the address is turned away for people not known there")
            let known = try await app.request(.post, "/api/v1/sessions", json: signInBody("grace.kim@demo.test", password))
            #expect(known.status == .created, "someone who signed in from here before is not locked out")
        }
    }

    @Test func anUnknownEmailIsThrottledExactlyLikeAKnownOne() async throws {
        try await TestApp.run { app in
            var known: [String] = []
            var unknown: [String] = []
            for _ in 0..<6 {
                let k = try await app.request(.post, "/api/v1/sessions", json: signInBody("dev.patel@demo.test", "guess"))
                let u = try await app.request(.post, "/api/v1/sessions", json: signInBody("no.such.person@demo.test", "guess"))
                known.append("\(k.status.code) \(k.text)")
                unknown.append("\(u.status.code) \(u.text)")
            }
            // The waits may differ by a second; the rest is the same.
            let strip = { (s: String) in s.replacingOccurrences(of: #"wait [^;.]*"#, with: "wait", options: .regularExpression) }
            #expect(known.map(strip) == unknown.map(strip))
        }
    }

    @Test func theClientAddressComesOnlyFromTheConfiguredHeader() {
        let name = HTTPField.Name("X-Forwarded-For") ?? .via
        func request(_ headers: HTTPFields) -> Request {
            Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/", headerFields: headers),
                    body: RequestBody(buffer: ByteBuffer()))
        }
        let forwarded = request([name: "1.1.1.1, 2001:db8::7"])
        #expect(ClientAddress.resolve(forwarded, socketAddress: "127.0.0.1", trustedHeader: nil) == "127.0.0.1")
        #expect(ClientAddress.resolve(forwarded, socketAddress: "127.0.0.1", trustedHeader: name) == "2001:db8::7")
        #expect(ClientAddress.resolve(request([:]), socketAddress: "127.0.0.1", trustedHeader: name) == "127.0.0.1")
        #expect(ClientAddress.resolve(request([name: "<script>"]), socketAddress: "127.0.0.1", trustedHeader: name) == "127.0.0.1")
        let rfc7239 = HTTPField.Name("Forwarded") ?? .via
        #expect(ClientAddress.resolve(request([rfc7239: #"for=1.2.3.4, for="[2001:db8::1]:4711";proto=https"#]),
                                      socketAddress: "127.0.0.1", trustedHeader: rfc7239) == "[2001:db8::1]:4711")
    }
}

// MARK: 7. No secrets in logs or metrics

@Suite struct LogRedactionTests {
    @Test func statusLinksAndCalendarFeedsAreLoggedWithoutTheirTokens() async throws {
        let log = CollectedLog()
        try await SecurityTestApp.run(log: log) { app in
            let session = try await app.signIn("dev.patel@demo.test")
            let me = try await app.request(.get, "/api/v1/me", token: session)
            let feed = try #require(me.object["calendarUrl"] as? String)
            let calendarToken = String(feed.dropFirst("/calendar/".count).dropLast(".ics".count))
            #expect(try await app.request(.get, feed).status == .ok, "the feed works")
            let statusToken = SecretToken.randomString(bytes: 24)
            _ = try await app.request(.get, "/status/\(statusToken)")
            _ = try await app.request(.get, "/sign-in?next=%2Fstatus%2F\(statusToken)")
            _ = try await app.request(.get, "/api/v1/users?token=\(statusToken)&q=ana", token: session)

            let lines = log.lines.filter { $0.hasPrefix("Request ") }
            #expect(lines.count >= 5)
            #expect(lines.contains { $0.contains("/calendar/<redacted>") })
            #expect(lines.contains { $0.contains("/status/<redacted>") })
            #expect(lines.contains { $0.contains("q=ana") }, "harmless query values stay")
            for line in log.lines {
                #expect(!line.contains(calendarToken) && !line.contains(statusToken) && !line.contains(session), "\(line)")
            }

            // Metrics are labelled with the route, never the path asked for.
            let metrics = try await app.request(.get, "/metrics").text
            #expect(!metrics.contains(calendarToken) && !metrics.contains(statusToken))
            #expect(metrics.contains("/status/{token}") || metrics.contains("/status/:token"))
        }
    }

    @Test func noRouteLogsASecretInItsPath() async throws {
        let routes = try await SecurityTestApp.routes()
        #expect(routes.count > 100)
        var checked = 0
        for route in routes {
            let path = String(route.split(separator: " ", maxSplits: 1).last ?? "")
            guard path.contains("{") || path.contains(":") else { continue }
            // Every parameter filled with a secret like the ones Baton makes: none may reach the log.
            let secret = SecretToken.randomString(bytes: 24)
            let withSecret = path.replacingOccurrences(of: #"\{[^}]+\}|:[A-Za-z]+"#, with: secret, options: .regularExpression)
            #expect(!LogRedaction.path(withSecret).contains(secret), "\(route) logs \(withSecret) as \(LogRedaction.path(withSecret))")
            for prefix in [SecretToken.sessionPrefix, SecretToken.apiTokenPrefix] {
                let token = SecretToken.generate(prefix: prefix)
                let withToken = path.replacingOccurrences(of: #"\{[^}]+\}|:[A-Za-z]+"#, with: token, options: .regularExpression)
                #expect(!LogRedaction.path(withToken).contains(token))
            }
            // And ids stay readable.
            let withID = path.replacingOccurrences(of: #"\{[^}]+\}|:[A-Za-z]+"#, with: "12345", options: .regularExpression)
            if !LogRedaction.secretPathPrefixes.contains(where: { path.hasPrefix("/\($0)/") }) {
                #expect(LogRedaction.path(withID) == withID)
            }
            checked += 1
        }
        #expect(checked > 50)
        // Every route whose first segment is followed by a secret is listed by name, not left to the guess.
        for route in routes where route.contains("/status/") || route.contains("/calendar/") {
            let path = String(route.split(separator: " ", maxSplits: 1).last ?? "")
            #expect(LogRedaction.path(path.replacingOccurrences(of: #"\{[^}]+\}|:[A-Za-z]+"#, with: "short", options: .regularExpression))
                .contains(LogRedaction.redacted))
        }
    }

    @Test func sensitiveQueryValuesAreRedacted() {
        let cases: [(String, String)] = [
            ("token=abc", "token=<redacted>"),
            ("api_key=abc&page=2", "api_key=<redacted>&page=2"),
            ("password=hunter2", "password=<redacted>"),
            ("clientSecret=x", "clientSecret=<redacted>"),
            ("next=%2Fstatus%2FAbCdEf0123456789AbCdEf0123456789", "next=/status/<redacted>"),
            ("q=Acme%20Corp&sort=name", "q=Acme%20Corp&sort=name"),
            ("cursor=WyJhIiwiMSJd", "cursor=WyJhIiwiMSJd"),
        ]
        for (query, expected) in cases {
            #expect(LogRedaction.query(query) == expected, "\(query)")
        }
        #expect(LogRedaction.path("/api/v1/accounts/42/contacts") == "/api/v1/accounts/42/contacts")
        #expect(LogRedaction.path("/api/v1/projects/7/staffing-suggestions") == "/api/v1/projects/7/staffing-suggestions")
    }
}

// MARK: 12. Passwords, sessions and tokens

/// PATCH /users/{id} with the record's current ETag.
private func patchPerson(_ app: TestApp, _ id: Int64, token: String, json: String) async throws -> TestResponse {
    let admin = try await app.signIn("admin@demo.test")
    let current = try await app.request(.get, "/api/v1/users/\(id)", token: admin)
    let etag = try #require(current.headers[.eTag])
    return try await app.request(.patch, "/api/v1/users/\(id)", token: token, json: json, headers: [.ifMatch: etag])
}

@Suite struct CredentialTests {
    @Test func changingOnesOwnPasswordNeedsTheCurrentOne() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            let id = try await app.id(of: "ana.torres@demo.test", token: session)
            let missing = try await patchPerson(app, id, token: session, json: #"{"password": "taken over"}"#)
            #expect(missing.status == .unprocessableContent)
            #expect(try missing.fieldErrors["currentPassword"] != nil)
            let wrong = try await patchPerson(app, id, token: session, json: #"{"password": "taken over", "currentPassword": "guess"}"#)
            #expect(wrong.status == .forbidden)
            #expect(try wrong.fieldErrors["currentPassword"] != nil)
            #expect(try await app.request(.post, "/api/v1/sessions", json: signInBody("ana.torres@demo.test", "taken over")).status == .unauthorized)
            let right = try await patchPerson(app, id, token: session, json: #"{"password": "mine again", "currentPassword": "baton-demo"}"#)
            #expect(right.status == .ok)
            _ = try await app.signIn("ana.torres@demo.test", password: "mine again")
        }
    }

    @Test func aWrongCurrentPasswordCountsAgainstTheSameThrottle() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ana.torres@demo.test")
            let id = try await app.id(of: "ana.torres@demo.test", token: session)
            var statuses: [Int] = []
            for _ in 0..<6 {
                statuses.append(try await patchPerson(app, id, token: session, json: #"{"password": "taken over", "currentPassword": "guess"}"#).status.code)
            }
            #expect(statuses == [403, 403, 403, 403, 403, 429])
        }
    }

    @Test func aPasswordChangeEndsOtherSessionsAndEveryOtherAPIToken() async throws {
        try await TestApp.run { app in
            let here = try await app.signIn("ivy.chen@demo.test")
            let elsewhere = try await app.signIn("ivy.chen@demo.test")
            let created = try await app.request(.post, "/api/v1/tokens", token: here, json: #"{"name": "script"}"#)
            let apiToken = try #require(created.object["token"] as? String)
            let id = try await app.id(of: "ivy.chen@demo.test", token: here)
            let changed = try await patchPerson(app, id, token: here, json: #"{"password": "a new secret", "currentPassword": "baton-demo"}"#)
            #expect(changed.status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: here).status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: elsewhere).status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/me", token: apiToken).status == .unauthorized)
        }
    }

    @Test func aPasswordChangeMadeWithATokenKeepsThatTokenOnly() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("ivy.chen@demo.test")
            let first = try #require(try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "a"}"#).object["token"] as? String)
            let second = try #require(try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "b"}"#).object["token"] as? String)
            let id = try await app.id(of: "ivy.chen@demo.test", token: session)
            let changed = try await patchPerson(app, id, token: first, json: #"{"password": "a new secret", "currentPassword": "baton-demo"}"#)
            #expect(changed.status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: first).status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: second).status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/me", token: session).status == .unauthorized)
        }
    }

    @Test func anAdminSettingSomeonesPasswordEndsAllTheirSessionsAndTokens() async throws {
        try await TestApp.run { app in
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let token = try #require(try await app.request(.post, "/api/v1/tokens", token: ivy, json: #"{"name": "a"}"#).object["token"] as? String)
            let admin = try await app.signIn("admin@demo.test")
            let id = try await app.id(of: "ivy.chen@demo.test", token: admin)
            let reset = try await patchPerson(app, id, token: admin, json: #"{"password": "temporary one"}"#)
            #expect(reset.status == .ok, "an admin needs no current password for someone else")
            #expect(try await app.request(.get, "/api/v1/me", token: ivy).status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/me", token: token).status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/me", token: admin).status == .ok)
        }
    }

    @Test func signingOutWithAnAPITokenRevokesThatToken() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("grace.kim@demo.test")
            let token = try #require(try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "a"}"#).object["token"] as? String)
            let other = try #require(try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "b"}"#).object["token"] as? String)
            let out = try await app.request(.delete, "/api/v1/sessions/current", token: token)
            #expect(out.status == .noContent)
            #expect(try await app.request(.get, "/api/v1/me", token: token).status == .unauthorized)
            #expect(try await app.request(.get, "/api/v1/me", token: other).status == .ok)
            #expect(try await app.request(.get, "/api/v1/me", token: session).status == .ok)
        }
    }
}

// MARK: 13. Where sign-in sends a person next

@Suite struct NextPathTests {
    static let hostile = [
        "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\\evil.example",
        "/\\/evil.example", "\\\\evil.example", "/ /evil.example", "https://evil.example", "http:/evil.example",
        "javascript:alert(1)", "evil.example", "", "/%09/x\u{0}", "/\u{0B}/evil.example", "/\u{0C}/evil.example",
        "/\u{2028}/evil.example", "/\u{200B}/evil.example", "/\u{FEFF}/evil.example", "/accounts\\..\\..\\evil",
        "///evil.example", "/\t\t//evil.example",
    ]

    @Test(arguments: hostile) func aHostileNextGoesHome(_ next: String) {
        #expect(WebSession.safeNext(next) == "/")
    }

    @Test func localPathsAreKept() {
        for next in ["/", "/accounts", "/accounts/12?tab=contacts", "/pipeline?owner=3&period=2026-Q1", "/a//b", "/%2F%2Fevil.example"] {
            #expect(WebSession.safeNext(next) == next)
        }
        #expect(WebSession.safeNext(nil) == "/")
    }

    @Test func theSignInFormRedirectsOnlyToLocalPaths() async throws {
        try await TestApp.run { app in
            for (next, expected) in [("/\t/evil.example", "/"), ("//evil.example", "/"), ("/\\evil.example", "/"), ("/accounts", "/accounts")] {
                let form = "csrf=c1&email=grace.kim%40demo.test&password=baton-demo&next="
                    + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
                let r = try await app.client.execute(
                    uri: "/sign-in", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "baton_csrf=c1"],
                    body: ByteBuffer(string: form))
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == expected, "\(next.debugDescription)")
            }
        }
    }
}

// MARK: 14. Cookie-authenticated API writes

@Suite struct CookieWriteTests {
    static func cookie(_ token: String) -> HTTPFields { [.cookie: "baton_session=\(token)", .contentType: "application/json"] }

    @Test func aCookieWriteNeedsTheSameOriginOrThePagesToken() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("grace.kim@demo.test")
            let body = ByteBuffer(string: #"{"name": "from a page"}"#)
            func post(_ extra: HTTPFields) async throws -> HTTPResponse.Status {
                var headers = Self.cookie(session)
                for field in extra { headers.append(field) }
                return try await app.client.execute(uri: "/api/v1/tokens", method: .post, headers: headers, body: body).status
            }
            #expect(try await post([:]) == .forbidden)
            #expect(try await post([.origin: "https://evil.example"]) == .forbidden)
            #expect(try await post([.origin: "null"]) == .forbidden)
            #expect(try await post([.origin: "http://localhost.evil.example"]) == .forbidden)
            #expect(try await post([.secFetchSite: "cross-site"]) == .forbidden)
            #expect(try await post([.csrfToken: "forged"]) == .forbidden)
            #expect(try await post([.origin: "http://localhost"]) == .created)
            #expect(try await post([.secFetchSite: "same-origin"]) == .created)
            // The token a signed-in page carries in its forms.
            let page = try await app.client.execute(uri: "/", method: .get, headers: [.cookie: "baton_session=\(session)"], body: nil)
            let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([^"]+)"/)?.1)
            #expect(try await post([.csrfToken: String(csrf)]) == .created)
            // Reads, and bearer tokens, are unaffected.
            #expect(try await app.client.execute(uri: "/api/v1/me", method: .get, headers: Self.cookie(session), body: nil).status == .ok)
            #expect(try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "script"}"#).status == .created)
        }
    }

    @Test func aPlainFormCannotImportWithTheCookie() async throws {
        try await TestApp.run(business: false) { app in
            let session = try await app.signIn("dev.patel@demo.test")
            let r = try await app.client.execute(
                uri: "/api/v1/imports/accounts?dryRun=true", method: .post,
                headers: [.cookie: "baton_session=\(session)", .contentType: "text/plain", .origin: "https://evil.example"],
                body: ByteBuffer(string: "name,industry\nAcme,Retail\n"))
            #expect(r.status == .forbidden)
            #expect(r.text.contains("cross-site-request"))
        }
    }

    @Test func everyChangingAPIRouteRefusesACrossSiteCookieRequest() async throws {
        let routes = try await SecurityTestApp.routes().compactMap { route -> (HTTPRequest.Method, String)? in
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let method = HTTPRequest.Method(parts[0]),
                  ![.get, .head, .options].contains(method), parts[1].hasPrefix("/api/v1/") else { return nil }
            return (method, parts[1].replacingOccurrences(of: #"\{[^}]+\}|:[A-Za-z]+"#, with: "1", options: .regularExpression))
        }
        #expect(routes.count > 30)
        try await TestApp.run { app in
            let session = try await app.signIn("admin@demo.test")
            for (method, path) in routes {
                let r = try await app.client.execute(
                    uri: path, method: method,
                    headers: [.cookie: "baton_session=\(session)", .contentType: "application/json", .origin: "https://evil.example"],
                    body: ByteBuffer(string: "{}"))
                #expect(r.status == .forbidden, "\(method) \(path)")
            }
            #expect(try await app.request(.get, "/api/v1/me", token: session).status == .ok, "nothing signed the admin out")
        }
    }
}

// MARK: 18. Audit of sign-ins and tokens; duplicate JSON keys

@Suite struct SignInAuditTests {
    @Test func signInsAndTokenChangesAreAuditedWithoutThePassword() async throws {
        try await TestApp.run { app in
            let wrong = "Correct-Horse-7"
            _ = try await app.request(.post, "/api/v1/sessions", json: signInBody("grace.kim@demo.test", wrong))
            _ = try await app.request(.post, "/api/v1/sessions", json: signInBody("nobody.here@demo.test", wrong))
            let session = try await app.signIn("grace.kim@demo.test")
            let grace = try await app.id(of: "grace.kim@demo.test", token: session)
            let created = try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "backup job"}"#)
            let tokenID = try #require(created.object["id"] as? Int)
            #expect(try await app.request(.delete, "/api/v1/tokens/\(tokenID)", token: session).status == .noContent)
            // The sign-in page is audited too.
            _ = try await app.client.execute(
                uri: "/sign-in", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "baton_csrf=c1"],
                body: ByteBuffer(string: "csrf=c1&email=grace.kim%40demo.test&password=\(wrong)&next=%2F"))

            let rows = try await app.sql("""
                SELECT actor_id, entity, entity_id, action, changes::text AS changes FROM audit_log
                WHERE entity IN ('sign_in', 'api_token') ORDER BY id
                """)
            let entries = try rows.map { row in
                (actor: try row.decode("actor_id", as: Int64?.self), entity: try row.decode("entity", as: String.self),
                 action: try row.decode("action", as: String.self), changes: try row.decode("changes", as: String.self))
            }
            #expect(entries.count == 6, "\(entries)")
            #expect(entries.map(\.entity) == ["sign_in", "sign_in", "sign_in", "api_token", "api_token", "sign_in"])
            #expect(entries[0].actor == nil && entries[0].changes.contains("failed: wrong-password") && entries[0].changes.contains("grace.kim@demo.test"))
            #expect(entries[1].changes.contains("failed: unknown-email") && entries[1].changes.contains("nobody.here@demo.test"))
            #expect(entries[2].actor == grace && entries[2].changes.contains("signed in") && entries[2].changes.contains("\"api\""))
            #expect(entries[3].actor == grace && entries[3].action == "create" && entries[3].changes.contains("backup job"))
            #expect(entries[4].actor == grace && entries[4].action == "update" && entries[4].changes.contains("revoked"))
            #expect(entries[5].changes.contains("failed") && entries[5].changes.contains("\"page\""))
            let secret = try #require(created.object["token"] as? String)
            #expect(try await count(app, "SELECT count(*) AS n FROM audit_log WHERE changes::text LIKE \("%" + wrong + "%")") == 0)
            #expect(try await count(app, "SELECT count(*) AS n FROM audit_log WHERE changes::text LIKE \("%" + secret + "%")") == 0)
        }
    }

    @Test func signingInWithAnotherPersonsCookieStillWorksAndIsAudited() async throws {
        // A browser that still holds Dev's cookie signs Grace in: the audit entry is Grace's.
        try await TestApp.run { app in
            let dev = try await app.signIn("dev.patel@demo.test")
            let r = try await app.client.execute(
                uri: "/api/v1/sessions", method: .post,
                headers: [.cookie: "baton_session=\(dev)", .contentType: "application/json", .origin: "http://localhost"],
                body: ByteBuffer(string: signInBody("grace.kim@demo.test", password)))
            #expect(r.status == .created)
        }
    }
}

@Suite struct DuplicateKeyTests {
    @Test func aBodyWithAKeyTwiceIsRefusedNamingTheKey() async throws {
        try await TestApp.run { app in
            let session = try await app.signIn("grace.kim@demo.test")
            let r = try await app.request(.post, "/api/v1/tokens", token: session, json: #"{"name": "harmless", "name": "other"}"#)
            #expect(r.status == .badRequest)
            #expect(try r.text.contains("\"name\"") || r.fieldErrors["name"] != nil)
            #expect(try r.fieldErrors["name"] != nil)
            #expect(try await count(app, "SELECT count(*) AS n FROM api_tokens") == 0)
            let signIn = try await app.request(.post, "/api/v1/sessions",
                                               json: #"{"email": "grace.kim@demo.test", "password": "x", "password": "baton-demo"}"#)
            #expect(signIn.status == .badRequest)
        }
    }

    @Test func duplicatesAreFoundAtAnyDepthAndAfterUnescaping() {
        let cases: [(String, String?)] = [
            (#"{"a": 1, "a": 2}"#, "a"),
            (#"{"a": 1, "\u0061": 2}"#, "a"),
            (#"{"x": {"a": 1, "b": {"c": 1}, "a": 2}}"#, "x.a"),
            (#"[{"a": 1}, {"a": 1, "b": 2, "b": 3}]"#, "[1].b"),
            (#"{"lines": [{"q": 1}, {"q": 2, "q": 3}]}"#, "lines[1].q"),
            (#"{"a": {"a": 1}, "b": [{"a": 1}, {"a": 2}]}"#, nil),
            (#"{"a": "a", "b": "a", "c": ["a", "a"]}"#, nil),
            (#"{"a": "x\"y", "b": "\\", "c": 1}"#, nil),
            (#"{"a\"b": 1, "a\"b": 2}"#, "a\"b"),
            (#"{}"#, nil), (#"[]"#, nil), (#""a""#, nil),
        ]
        for (text, expected) in cases {
            #expect(JSON.duplicateKey(in: Data(text.utf8))?.path == expected, "\(text)")
        }
    }
}

@Suite struct HeaderNameTests {
    @Test func headerNamesAreTheOnesWritten() {
        let names: [(HTTPField.Name, String)] = [
            (.idempotencyKey, "idempotency-key"), (.requestID, "x-request-id"), (.referrerPolicy, "referrer-policy"),
            (.xFrameOptions, "x-frame-options"), (.idempotentReplayed, "idempotent-replayed"), (.csrfToken, "x-csrf-token"),
            (.secFetchSite, "sec-fetch-site"),
        ]
        for (name, expected) in names { #expect(name.canonicalName == expected) }
    }
}
