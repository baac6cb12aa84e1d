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

/// A Baton app on its own fresh database (with the demo firm), driven through
/// the real router, middleware and stores.
struct TestApp {
    let client: any TestClientProtocol
    let database: ConnectionConfiguration

    static let sqlDirectory = repositoryRoot().appendingPathComponent("sql")

    /// `demo`: the demo firm's people; `business`: its accounts, pipeline, proposals,
    /// projects and bonus runs as well.
    /// `replica`: what REPLICA_DATABASE_URL says, given the test's own database (a URL).
    static func run(demo: Bool = true, business: Bool = false, replica: (@Sendable (String) -> String)? = nil,
                    _ test: @Sendable @escaping (TestApp) async throws -> Void) async throws {
        await AppGate.shared.enter()
        do {
            try await runGated(demo: demo, business: business, replica: replica, test)
            await AppGate.shared.leave()
        } catch {
            await AppGate.shared.leave()
            throw error
        }
    }

    private static func runGated(demo: Bool, business: Bool, replica: (@Sendable (String) -> String)?,
                                 _ test: @Sendable @escaping (TestApp) async throws -> Void) async throws {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: sqlDirectory)
        var configuration = AppConfiguration()
        configuration.demo = business ? .auto : demo ? .people : .off
        configuration.replicaDatabaseURL = replica?("postgresql:///\(database.database!)?host=\(database.host!)&user=\(database.user!)")
        configuration.sqlDirectory = sqlDirectory.path
        configuration.poolSize = 4
        var logger = Logger(label: "test-app")
        logger.logLevel = .critical
        let app = try await buildApplication(configuration, database: database, logger: logger)
        try await app.test(.router) { client in
            try await test(TestApp(client: client, database: database))
        }
    }

    /// Runs SQL straight against the app's database, to check what was stored.
    @discardableResult
    func sql(_ query: Query) async throws -> QueryResult {
        let pool = ConnectionPool(configuration: database, maxConnections: 1, logger: Logger(label: "check"))
        defer { Task { await pool.shutdown() } }
        return try await pool.withConnection { try await $0.query(query) }
    }

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json != nil { headers[.contentType] = "application/json" }
        return try await client.execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }

    func signIn(_ email: String, password: String = "baton-demo") async throws -> String {
        let response = try await request(.post, "/api/v1/sessions", json: #"{"email": "\#(email)", "password": "\#(password)"}"#)
        #expect(response.status == .created, "sign-in as \(email)")
        return try #require(response.object["token"] as? String)
    }

    func id(of email: String, token: String) async throws -> Int64 {
        let rows = try await sql("SELECT id FROM users WHERE email = \(email)")
        return try rows.first!.decode("id")
    }
}

/// The app as a signed-in browser and an API client use it: pages with the session
/// cookie, the form token, form posts, and API calls at a version.
extension TestApp {
    func page(_ path: String, _ session: String) async throws -> TestResponse {
        try await request(.get, path, headers: [.cookie: "baton_session=\(session)"])
    }

    /// The form token of the session, as the page at `path` carries it. Throws when the page has none.
    func csrf(_ session: String, from path: String = "/") async throws -> String {
        let html = try await page(path, session).text
        let start = try #require(html.range(of: #"name="csrf" value=""#)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    /// Posts a form as a browser does, fields in the order given (a name may repeat).
    func form(_ path: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = fields.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")"
        }.joined(separator: "&")
        return try await client.execute(uri: path, method: .post,
                                        headers: [.cookie: "baton_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                        body: ByteBuffer(string: body))
    }

    /// Posts a form whose names do not repeat, in their sorted order.
    func form(_ path: String, _ session: String, _ fields: [String: String]) async throws -> TestResponse {
        try await form(path, session, fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// `/api/v1/<path>`, with `If-Match` at `version` when given.
    func api(_ method: HTTPRequest.Method, _ path: String, _ token: String, _ json: String? = nil,
             version: Int? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let version { headers[.ifMatch] = "\"\(version)\"" }
        return try await request(method, "/api/v1/\(path)", token: token, json: json, headers: headers)
    }
}

extension String {
    /// The text of the page's element `id` (a message beside a box), its entities read;
    /// nil when the page has no such element.
    func text(ofElement id: String) -> String? {
        guard let start = range(of: #"id="\#(id)">"#)?.upperBound else { return nil }
        return String(self[start...].prefix { $0 != "<" })
            .replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&#x27;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    /// The body as a JSON object; a body that is not one throws, saying what came
    /// instead, so a test can never go on with a response it could not read.
    var object: [String: Any] {
        get throws { try json() }
    }

    /// The body as a JSON array, with the same rule as `object`.
    var array: [Any] {
        get throws {
            guard let list = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [Any] else {
                throw NotJSON(description: "expected a JSON array, got \(status): \(text.prefix(300))")
            }
            return list
        }
    }

    struct NotJSON: Error, CustomStringConvertible {
        var description: String
    }

    /// The body as a JSON object, or an error saying what came instead.
    func json() throws -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw NotJSON(description: "expected a JSON object, got \(status): \(text.prefix(300))")
        }
        return object
    }
    /// The problem document's per-field errors, as field → message.
    var fieldErrors: [String: String] {
        get throws {
            var result: [String: String] = [:]
            for case let e as [String: Any] in (try object["errors"] as? [Any]) ?? [] {
                if let field = e["field"] as? String, let message = e["message"] as? String { result[field] = message }
            }
            return result
        }
    }
}

/// At most `slots` test apps at once. Swift Testing starts every test together; on two
/// cores some seven hundred apps, each with its pool and background workers, used up the
/// test cluster's connections ("too many clients") and timed out sign-ins, so tests failed
/// for the machine's sake rather than the code's. A test never starts an app inside another.
actor AppGate {
    static let shared = AppGate(slots: 10)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(slots: Int) { free = slots }

    func enter() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

extension TestApp {
    /// The app's services on a pool of their own to this test's database, for calling
    /// actions as `baton` commands and jobs do, outside a request. The test shuts
    /// `services.pool` down when it is done.
    func services(connections: Int = 1, label: String) throws -> AppServices {
        let logger = Logger(label: label)
        var configuration = AppConfiguration()
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        let pool = ConnectionPool(configuration: database, maxConnections: connections, logger: logger)
        return AppServices(
            configuration: configuration, pool: pool,
            reportReader: ReportReader(primary: pool, replica: nil, maxLagSeconds: 0, logger: logger),
            migrator: try Migrator(directory: TestApp.sqlDirectory, logger: logger), users: UserStore(),
            sessions: SessionStore(lifetimeHours: 1, idleMinutes: 1), throttle: SignInThrottle(), openAPIDocument: nil,
            logger: logger)
    }
}
