import BatonApp
import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// `baton backup` and `baton restore`, round trip, on a database of the test cluster.
@Suite struct BackupTests {
    static func tasks(for database: ConnectionConfiguration) -> AdminTasks {
        var configuration = AppConfiguration()
        // The test cluster listens on a unix socket: the URL names it as a query parameter.
        configuration.databaseURL = "postgresql:///\(database.database!)?host=\(database.host!)&user=\(database.user!)"
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        var logger = Logger(label: "backup-test")
        logger.logLevel = .critical
        return AdminTasks(configuration: configuration, logger: logger)
    }

    /// A query on `database` through a pool that is closed before this returns, so
    /// that no connection lingers into the restore's rename.
    static func sql(_ database: ConnectionConfiguration, _ query: Query) async throws -> QueryResult {
        let pool = ConnectionPool(configuration: database, maxConnections: 1, logger: Logger(label: "backup-check"))
        do {
            let result = try await pool.withConnection { try await $0.query(query) }
            await pool.shutdown()
            return result
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    static func count(_ database: ConnectionConfiguration, _ table: String) async throws -> Int {
        try await sql(database, Query(unsafeSQL: "SELECT count(*) AS n FROM \(table)")).first!.decode("n")
    }

    @Test func aRestoreBringsBackExactlyWhatTheBackupHeldAndKeepsWhatItReplaced() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("firm.dump").path

        // The demo firm, loaded by an app that has stopped (restores need the database to themselves).
        let box = DatabaseBox()
        try await TestApp.run(business: true) { app in await box.set(app.database) }
        let database = await box.database!
        let tasks = Self.tasks(for: database)
        let tables = ["accounts", "contacts", "opportunities", "proposals", "projects", "bonus_statements", "audit_log", "users"]
        var before: [String: Int] = [:]
        for t in tables { before[t] = try await Self.count(database, t) }
        let first: Query = "SELECT name FROM accounts ORDER BY id LIMIT 1"
        let name: String = try await Self.sql(database, first).first!.decode("name")

        try await tasks.backup(to: file)
        #expect(FileManager.default.fileExists(atPath: file))
        #expect(!FileManager.default.fileExists(atPath: file + ".partial"))

        // Changes after the backup: these are what the restore must undo.
        _ = try await Self.sql(database, "UPDATE accounts SET name = 'Changed after the backup' WHERE id = (SELECT min(id) FROM accounts)")
        _ = try await Self.sql(database, "INSERT INTO skills (name) VALUES ('added after the backup')")

        let kept = try await tasks.restore(from: file)
        for t in tables { #expect(try await Self.count(database, t) == before[t], "\(t) after the restore") }
        #expect(try await Self.sql(database, first).first!.decode("name", as: String.self) == name)
        #expect(try await Self.count(database, "skills WHERE name = 'added after the backup'") == 0)
        // The row-level security policies and the member role's grants came back too.
        #expect(try await Self.count(database, "pg_policies WHERE policyname = 'accounts_scope'") == 1)
        #expect(try await Self.sql(database, "SELECT has_table_privilege('baton_member', 'accounts', 'SELECT') AS ok").first!.decode("ok", as: Bool.self))

        // The database it replaced is kept, with the later change in it.
        var old = database
        old.database = kept
        #expect(try await Self.sql(old, first).first!.decode("name", as: String.self) == "Changed after the backup")
        _ = try await Self.sql(try await TestDatabases.shared.serverConfiguration(), Query(unsafeSQL: "DROP DATABASE \"\(kept)\""))
    }

    @Test func aBackupIsReadableByItsOwnerOnlyAndItsRestoredTrailStaysAppendOnly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("firm.dump").path
        // An older backup in the way, readable by all: the new one must not inherit that.
        FileManager.default.createFile(atPath: file, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])

        let box = DatabaseBox()
        try await TestApp.run(business: true) { app in await box.set(app.database) }
        let database = try #require(await box.database)
        let tasks = Self.tasks(for: database)
        // The usual umask (022) would leave a new file world-readable.
        let umaskBefore = umask(0o022)
        defer { umask(umaskBefore) }
        try await tasks.backup(to: file)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber).intValue
        #expect(mode & 0o777 == 0o600, "the backup's mode is \(String(mode & 0o777, radix: 8))")

        // The restored database keeps the trail's defences: they are schema, not settings.
        let entries = try await Self.count(database, "audit_log")
        _ = try await tasks.restore(from: file)
        #expect(try await Self.count(database, "audit_log") == entries)
        do {
            _ = try await Self.sql(database, "TRUNCATE audit_log")
            Issue.record("TRUNCATE audit_log succeeded on the restored database")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42501")
        }
        #expect(try await Self.count(database, "pg_policies WHERE policyname = 'audit_log_own_entries'") == 1)
        let keptPrefix = (database.database ?? "") + "_before_restore"
        for kept in try await Self.sql(database, "SELECT datname FROM pg_database WHERE starts_with(datname, \(keptPrefix))") {
            let name: String = try kept.decode("datname")
            _ = try await Self.sql(try await TestDatabases.shared.serverConfiguration(), Query(unsafeSQL: "DROP DATABASE \"\(name)\""))
        }
    }

    @Test func aRestoreRefusesWhileBatonIsServingFromTheDatabase() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("firm.dump").path
        try await TestApp.run { app in
            let tasks = Self.tasks(for: app.database)
            try await tasks.backup(to: file)
            // The app under test holds its pool open: that is a serving Baton.
            _ = try await app.signIn("admin@demo.test")
            await #expect(throws: AdminTasks.Failure.self) { _ = try await tasks.restore(from: file) }
        }
    }

    @Test func aDamagedBackupChangesNothing() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("baton-backup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("firm.dump").path

        let box = DatabaseBox()
        try await TestApp.run { app in await box.set(app.database) }
        let database = await box.database!
        let tasks = Self.tasks(for: database)
        try await tasks.backup(to: file)
        // Cut the file short: pg_restore fails part way.
        let whole = try Data(contentsOf: URL(fileURLWithPath: file))
        try whole.prefix(whole.count * 2 / 3).write(to: URL(fileURLWithPath: file))
        _ = try await Self.sql(database, "INSERT INTO skills (name) VALUES ('kept through a failed restore')")

        await #expect(throws: (any Error).self) { _ = try await tasks.restore(from: file) }
        #expect(try await Self.count(database, "skills WHERE name = 'kept through a failed restore'") == 1)
        #expect(try await Self.count(database, "pg_database WHERE datname LIKE '\(database.database!)\\_%'") == 0)
    }
}

actor DatabaseBox {
    var database: ConnectionConfiguration?
    func set(_ d: ConnectionConfiguration) { database = d }
}
