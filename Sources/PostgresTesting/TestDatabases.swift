import Foundation
import Logging
import Postgres

/// Throwaway databases for tests, one per test, all on one server per test run.
///
/// The server is `TEST_DATABASE_URL` when set, else a private cluster started in a
/// temporary folder with the same `EmbeddedCluster` code `baton serve` uses, and
/// stopped when the test process exits. Schema migrations run once, into a
/// template database; each test then gets `CREATE DATABASE … TEMPLATE`, which
/// copies files instead of replaying SQL, so isolation costs milliseconds.
public actor TestDatabases {
    public static let shared = TestDatabases()

    private var server: ConnectionConfiguration?
    /// One migration run per set of files, shared by the tests that ask at once.
    private var templates: [String: Task<String, any Error>] = [:]
    private var counter = 0
    private let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
    public let logger: Logger = {
        var logger = Logger(label: "test-db")
        logger.logLevel = .warning
        return logger
    }()

    /// The server every test database lives on.
    public func serverConfiguration() throws -> ConnectionConfiguration {
        if let server { return server }
        let configuration: ConnectionConfiguration
        if let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"], !url.isEmpty {
            configuration = try ConnectionConfiguration(url: url)
        } else {
            let folder = NSTemporaryDirectory() + "baton-test-\(getpid())-\(runID)"
            let cluster = EmbeddedCluster(directory: folder, database: "postgres", durable: false, logger: logger)
            configuration = try cluster.start()
            TestClusterRegistry.register(cluster)
        }
        server = configuration
        return configuration
    }

    /// A new, empty database (no migrations). Returns its configuration.
    public func emptyDatabase() async throws -> ConnectionConfiguration {
        let server = try serverConfiguration()
        let name = nextName()
        try await Self.admin(server, logger: logger) { try await $0.query(Query(unsafeSQL: "CREATE DATABASE \(name)")) }
        return server.with(database: name)
    }

    /// A new database holding the schema from `migrations`, copied from a template
    /// that is migrated once per distinct set of files.
    public func migratedDatabase(migrationsDirectory: URL) async throws -> ConnectionConfiguration {
        let server = try serverConfiguration()
        let template = try await template(for: migrationsDirectory, server: server)
        let name = nextName()
        try await Self.admin(server, logger: logger) { try await $0.query(Query(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)")) }
        return server.with(database: name)
    }

    private func template(for directory: URL, server: ConnectionConfiguration) async throws -> String {
        if let existing = templates[directory.path] { return try await existing.value }
        let name = "tmpl_\(runID)_\(templates.count)"
        let logger = self.logger
        let task = Task {
            try await Self.admin(server, logger: logger) { try await $0.query(Query(unsafeSQL: "CREATE DATABASE \(name)")) }
            let pool = ConnectionPool(configuration: server.with(database: name), maxConnections: 1, logger: logger)
            do {
                try await Migrator(directory: directory, logger: logger).migrate(pool)
            } catch {
                await pool.shutdown()
                throw error
            }
            await pool.shutdown()
            return name
        }
        templates[directory.path] = task
        return try await task.value
    }

    private func nextName() -> String {
        counter += 1
        return "t_\(runID)_\(counter)"
    }

    private static func admin(
        _ server: ConnectionConfiguration, logger: Logger, _ body: (Connection) async throws -> Void
    ) async throws {
        let pool = ConnectionPool(configuration: server, maxConnections: 1, logger: logger)
        do {
            try await pool.withConnection { try await body($0) }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }
}

/// Stops test clusters when the test process exits, so no server outlives the run.
enum TestClusterRegistry {
    nonisolated(unsafe) static var clusters: [EmbeddedCluster] = []
    static let lock = NSLock()

    static func register(_ cluster: EmbeddedCluster) {
        lock.lock()
        defer { lock.unlock() }
        if clusters.isEmpty {
            atexit {
                TestClusterRegistry.lock.lock()
                let all = TestClusterRegistry.clusters
                TestClusterRegistry.lock.unlock()
                for cluster in all {
                    cluster.stop(immediate: true)
                    try? FileManager.default.removeItem(at: cluster.directory)
                }
            }
        }
        clusters.append(cluster)
    }
}

/// The repository's root, found from a source file's path: tests read `sql/` there.
public func repositoryRoot(from file: String = #filePath) -> URL {
    var url = URL(fileURLWithPath: file).deletingLastPathComponent()
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        url = url.deletingLastPathComponent()
    }
    fatalError("Package.swift not found above \(file)")
}
