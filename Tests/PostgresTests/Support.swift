import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// Helpers shared by the Postgres tests. Every test gets its own database from
/// `TestDatabases`, and every pool is shut down before the test returns.

/// Limits how many tests hold connections to the shared test server at once, so
/// that a whole parallel run stays well under the server's max_connections.
actor DatabaseGate {
    static let shared = DatabaseGate(permits: 10)
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { available = permits }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}

/// Runs `body` holding one of the shared server's permits.
func withDatabaseGate<T>(_ body: () async throws -> T) async throws -> T {
    await DatabaseGate.shared.acquire()
    do {
        let value = try await body()
        await DatabaseGate.shared.release()
        return value
    } catch {
        await DatabaseGate.shared.release()
        throw error
    }
}

/// A fresh, empty database and a pool on it; the pool is shut down afterwards,
/// whether `body` returns or throws.
func withTestPool<T>(
    maxConnections: Int = 2,
    leaseTimeout: Duration = .seconds(5),
    maxTransactionAttempts: Int = 3,
    logger: Logger = Logger(label: "test"),
    _ body: (ConnectionPool) async throws -> T
) async throws -> T {
    try await withDatabaseGate {
        try await withUngatedTestPool(
            maxConnections: maxConnections, leaseTimeout: leaseTimeout,
            maxTransactionAttempts: maxTransactionAttempts, logger: logger, body)
    }
}

private func withUngatedTestPool<T>(
    maxConnections: Int = 2,
    leaseTimeout: Duration = .seconds(5),
    maxTransactionAttempts: Int = 3,
    logger: Logger = Logger(label: "test"),
    _ body: (ConnectionPool) async throws -> T
) async throws -> T {
    let config: ConnectionConfiguration
    do { config = try await TestDatabases.shared.emptyDatabase() } catch {
        if let e = error as? PostgresError { print("emptyDatabase failed with \(e.code); the server said: \(e.message)") }
        throw error
    }
    let pool = ConnectionPool(
        configuration: config, maxConnections: maxConnections, leaseTimeout: leaseTimeout,
        maxTransactionAttempts: maxTransactionAttempts, logger: logger)
    do {
        let value = try await body(pool)
        await pool.shutdown()
        return value
    } catch {
        if let e = error as? PostgresError { print("test threw \(e.code); the server said: \(e.message)") }
        await pool.shutdown()
        throw error
    }
}

extension ConnectionPool {
    /// One statement on a leased connection.
    @discardableResult
    func runQuery(_ query: Query) async throws -> QueryResult {
        try await withConnection { try await $0.query(query) }
    }

    /// The column `v` of the first row.
    func scalar<T: PostgresDecodable>(_ query: Query, as type: T.Type = T.self) async throws -> T {
        let result = try await runQuery(query)
        let row = try #require(result.first)
        return try row.decode("v", as: T.self)
    }
}

extension Connection {
    /// The column `v` of the first row.
    func scalar<T: PostgresDecodable>(_ query: Query, as type: T.Type = T.self) async throws -> T {
        let result = try await self.query(query)
        let row = try #require(result.first)
        return try row.decode("v", as: T.self)
    }

    func backendPID() async throws -> Int {
        try await scalar("SELECT pg_backend_pid() AS v", as: Int.self)
    }
}

/// Runs `body` and returns the `PostgresError` it threw; records an issue (and
/// throws) when it threw nothing or something else.
func pgError(
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async throws -> PostgresError {
    do {
        try await body()
    } catch let error as PostgresError {
        return error
    } catch {
        Issue.record("expected a PostgresError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        throw error
    }
    Issue.record("expected a PostgresError, but nothing was thrown", sourceLocation: sourceLocation)
    throw ExpectedAnError()
}

struct ExpectedAnError: Error {}

/// A counter that concurrent tasks and retried transaction bodies can share.
actor Counter {
    private(set) var value = 0
    @discardableResult
    func increment() -> Int {
        value += 1
        return value
    }
}

/// A one-shot barrier for `parties` tasks.
actor Barrier {
    private let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arriveAndWait() async {
        arrived += 1
        if arrived >= parties {
            waiting.forEach { $0.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}

/// Collects log messages, to check what the library logs.
final class LogStore: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Logger.Level, String)] = []

    func append(_ level: Logger.Level, _ message: String) {
        lock.lock()
        defer { lock.unlock() }
        entries.append((level, message))
    }

    var messages: [(level: Logger.Level, text: String)] {
        lock.lock()
        defer { lock.unlock() }
        return entries.map { (level: $0.0, text: $0.1) }
    }
}

struct CapturingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.append(event.level, event.message.description)
    }
}

func capturingLogger(_ store: LogStore) -> Logger {
    Logger(label: "capture") { _ in CapturingLogHandler(store: store) }
}

/// Runs blocking work (initdb, pg_ctl) on a thread of its own, so that it never
/// ties up Swift's small cooperative pool that every other test shares.
func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.start()
    }
}

extension EmbeddedCluster {
    func startOffPool() async throws {
        let cluster = self
        _ = try await onOwnThread { try cluster.start() }
    }

    func stopOffPool(immediate: Bool = false) async {
        let cluster = self
        _ = try? await onOwnThread { cluster.stop(immediate: immediate) }
    }
}

/// A private cluster in its own temporary folder, for tests that stop or restart
/// the server. It is stopped and its folder removed afterwards, whatever happens.
func withPrivateCluster<T>(
    _ body: (EmbeddedCluster, ConnectionConfiguration) async throws -> T
) async throws -> T {
    let folder = "/tmp/baton-pgtest-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
    var logger = Logger(label: "test-cluster")
    logger.logLevel = .warning
    let cluster = EmbeddedCluster(directory: folder, database: "postgres", durable: false, logger: logger)
    func cleanUp() async {
        await cluster.stopOffPool(immediate: true)
        try? FileManager.default.removeItem(atPath: folder)
    }
    do {
        try await cluster.startOffPool()
        let value = try await body(cluster, cluster.connectionConfiguration)
        await cleanUp()
        return value
    } catch {
        await cleanUp()
        throw error
    }
}

/// Retries `body` with short sleeps until it succeeds or `limit` passes.
func eventually<T>(
    within limit: Duration, every pause: Duration = .milliseconds(100),
    _ body: () async throws -> T
) async throws -> T {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while true {
        do {
            return try await body()
        } catch {
            if clock.now >= deadline { throw error }
            try await Task.sleep(for: pause)
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// SAVEPOINT is refused outside a transaction block (SQLSTATE 25P01), so it tells
/// whether the connection was handed over with a transaction still open.
func expectNoOpenTransaction(_ connection: Connection, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    do {
        try await connection.query("SAVEPOINT probe")
        Issue.record("the connection is inside a transaction", sourceLocation: sourceLocation)
        try await connection.query("ROLLBACK")
    } catch let error as PostgresError where error.sqlState == "25P01" {
        // No transaction block: as expected.
    }
}
