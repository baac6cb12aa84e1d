import Foundation
import Logging
import Postgres
import PostgresTesting
import Testing

/// A temporary folder of migration files, removed afterwards.
final class MigrationFolder {
    let url: URL

    init(_ files: [String: String]) throws {
        url = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("baton-migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files { try write(name, text) }
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func remove(_ name: String) throws {
        try FileManager.default.removeItem(at: url.appendingPathComponent(name))
    }

    func migrator() throws -> Migrator {
        try Migrator(directory: url, logger: Logger(label: "test"))
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The refusal `body` threw; records an issue when it threw nothing or something else.
func refusal(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> Migrator.Refusal? {
    do {
        try await body()
        Issue.record("expected a Migrator.Refusal, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let refusal as Migrator.Refusal {
        return refusal
    } catch {
        Issue.record("expected a Migrator.Refusal, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

@Suite struct MigratorTests {
    static let a = "CREATE TABLE a (id int PRIMARY KEY);\n"
    static let b = "CREATE TABLE b (id int REFERENCES a (id));\nINSERT INTO a VALUES (1);\nINSERT INTO b VALUES (1);\n"

    @Test func migrateAppliesEachFileOnceAndRecordsItsSHA256() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a, "0002_b.sql": Self.b, "README.md": "not a migration"])
        try await withTestPool { pool in
            let migrator = try folder.migrator()
            #expect(migrator.migrations.map(\.file) == ["0001_a.sql", "0002_b.sql"])

            let before = try await pool.withConnection { try await migrator.status($0) }
            #expect(before.applied.isEmpty)
            #expect(before.pending.map(\.file) == ["0001_a.sql", "0002_b.sql"])
            #expect(!before.isCurrent)

            let applied = try await migrator.migrate(pool)
            #expect(applied == ["0001_a.sql", "0002_b.sql"])
            let rows = try await pool.runQuery("SELECT file, sha256, applied_at FROM schema_migrations ORDER BY file")
            #expect(rows.count == 2)
            for (row, migration) in zip(rows.rows, migrator.migrations) {
                #expect(try row.decode("file", as: String.self) == migration.file)
                let sha = try row.decode("sha256", as: String.self)
                #expect(sha == migration.sha256)
                #expect(sha.count == 64 && sha.allSatisfy(\.isHexDigit))
                #expect(!row.isNull("applied_at"))
            }
            // The known SHA-256 of the text, computed independently by the server.
            let serverSHA = try await pool.scalar(
                "SELECT encode(sha256(convert_to(\(Self.a), 'UTF8')), 'hex') AS v", as: String.self)
            #expect(serverSHA == migrator.migrations[0].sha256)
            #expect(try await pool.scalar("SELECT count(*) AS v FROM b", as: Int.self) == 1)

            let again = try await folder.migrator().migrate(pool)
            #expect(again.isEmpty)
            #expect(try await pool.scalar("SELECT count(*) AS v FROM schema_migrations", as: Int.self) == 2)
            let after = try await pool.withConnection { try await migrator.status($0) }
            #expect(after.isCurrent)
            #expect(after.applied == ["0001_a.sql", "0002_b.sql"])
        }
    }

    @Test func newFileWithAHigherNumberIsAppliedLater() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a])
        try await withTestPool { pool in
            #expect(try await folder.migrator().migrate(pool) == ["0001_a.sql"])
            try folder.write("0002_b.sql", Self.b)
            let status = try await pool.withConnection { try await folder.migrator().status($0) }
            #expect(status.pending.map(\.file) == ["0002_b.sql"])
            #expect(try await folder.migrator().migrate(pool) == ["0002_b.sql"])
        }
    }

    @Test func changedAppliedFileIsRefusedByName() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a, "0002_b.sql": Self.b])
        try await withTestPool { pool in
            try await folder.migrator().migrate(pool)
            try folder.write("0001_a.sql", Self.a + "-- an innocent comment\n")
            let migrator = try folder.migrator()
            let statusRefusal = await refusal { _ = try await pool.withConnection { try await migrator.status($0) } }
            #expect(statusRefusal?.description.contains("0001_a.sql") == true)
            #expect(statusRefusal?.description.contains("changed") == true)
            let migrateRefusal = await refusal { try await migrator.migrate(pool) }
            #expect(migrateRefusal?.description.contains("0001_a.sql") == true)
            // Nothing more was recorded.
            #expect(try await pool.scalar("SELECT count(*) AS v FROM schema_migrations", as: Int.self) == 2)
        }
    }

    @Test func removedAppliedFileIsRefused() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a, "0002_b.sql": Self.b])
        try await withTestPool { pool in
            try await folder.migrator().migrate(pool)
            try folder.remove("0001_a.sql")
            let migrator = try folder.migrator()
            let r = await refusal { _ = try await pool.withConnection { try await migrator.status($0) } }
            #expect(r?.description.contains("0001_a.sql") == true)
            #expect(r?.description.contains("missing") == true)
            let m = await refusal { try await migrator.migrate(pool) }
            #expect(m?.description.contains("0001_a.sql") == true)
        }
    }

    @Test func fileNumberedBeforeAnAppliedOneIsRefused() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a, "0003_c.sql": "CREATE TABLE c (id int);"])
        try await withTestPool { pool in
            #expect(try await folder.migrator().migrate(pool) == ["0001_a.sql", "0003_c.sql"])
            try folder.write("0002_b.sql", Self.b)
            let migrator = try folder.migrator()
            let r = await refusal { _ = try await pool.withConnection { try await migrator.status($0) } }
            #expect(r?.description.contains("0002_b.sql") == true)
            #expect(r?.description.contains("0003_c.sql") == true)
            let m = await refusal { try await migrator.migrate(pool) }
            #expect(m?.description.contains("0002_b.sql") == true)
            #expect(try await pool.scalar("SELECT to_regclass('b') IS NULL AS v", as: Bool.self))
        }
    }

    @Test func fileNumberedBeforeTheFirstAppliedOneIsRefused() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a])
        try await withTestPool { pool in
            try await folder.migrator().migrate(pool)
            try folder.write("0000_early.sql", "CREATE TABLE early (id int);")
            let m = await refusal { try await folder.migrator().migrate(pool) }
            #expect(m?.description.contains("0000_early.sql") == true)
        }
    }

    @Test(arguments: ["1_init.sql", "abcd_init.sql", "0001-init.sql", "001_init.sql", "0001.sql", "00a1_x.sql"])
    func badlyNamedFileIsRefused(_ name: String) async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a, name: "SELECT 1;"])
        let r = await refusal { _ = try folder.migrator() }
        #expect(r?.description.contains(name) == true)
    }

    @Test func twoFilesWithTheSameNumberAreRefused() async throws {
        let folder = try MigrationFolder(["0001_a.sql": Self.a, "0001_b.sql": Self.b])
        let r = await refusal { _ = try folder.migrator() }
        #expect(r != nil)
    }

    @Test func failingMigrationLeavesNoRecordAndNoPartialTable() async throws {
        let folder = try MigrationFolder([
            "0001_a.sql": Self.a,
            // The first statement succeeds, the second fails at run time.
            "0002_partial.sql": "CREATE TABLE partial (id int);\nINSERT INTO partial VALUES ('not a number');\n",
        ])
        try await withTestPool { pool in
            let error = try await pgError { try await folder.migrator().migrate(pool) }
            #expect(error.code == .invalidText)
            let files = try await pool.runQuery("SELECT file FROM schema_migrations ORDER BY file")
                .map { try $0.decode("file", as: String.self) }
            #expect(files == ["0001_a.sql"])
            #expect(try await pool.scalar("SELECT to_regclass('partial') IS NULL AS v", as: Bool.self))
            #expect(try await pool.scalar("SELECT to_regclass('a') IS NOT NULL AS v", as: Bool.self))
            #expect(await pool.statistics().inUse == 0)

            // A file that never applied may still be fixed; then it applies.
            try folder.write("0002_partial.sql", "CREATE TABLE partial (id int);\nINSERT INTO partial VALUES (1);\n")
            #expect(try await folder.migrator().migrate(pool) == ["0002_partial.sql"])
            #expect(try await pool.scalar("SELECT count(*) AS v FROM partial", as: Int.self) == 1)
        }
    }

    @Test func migrationWithASyntaxErrorIsAtomic() async throws {
        let folder = try MigrationFolder([
            "0001_broken.sql": "CREATE TABLE half (id int);\nCREATE TABEL oops (id int);\n",
        ])
        try await withTestPool { pool in
            let error = try await pgError { try await folder.migrator().migrate(pool) }
            #expect(error.code == .syntaxError)
            #expect(try await pool.scalar("SELECT to_regclass('half') IS NULL AS v", as: Bool.self))
            if try await pool.scalar("SELECT to_regclass('schema_migrations') IS NOT NULL AS v", as: Bool.self) {
                #expect(try await pool.scalar("SELECT count(*) AS v FROM schema_migrations", as: Int.self) == 0)
            }
            let status = try await pool.withConnection { try await folder.migrator().status($0) }
            #expect(status.pending.map(\.file) == ["0001_broken.sql"])
        }
    }

    @Test func concurrentMigratorsApplyEachFileExactlyOnce() async throws {
        try await withDatabaseGate {
            let folder = try MigrationFolder([
                "0001_a.sql": Self.a,
                "0002_b.sql": Self.b,
                "0003_slow.sql": "SELECT pg_sleep(0.1);\nCREATE TABLE slow (id int);\n",
            ])
            let config = try await TestDatabases.shared.emptyDatabase()
            let pools = (0..<3).map { _ in
                ConnectionPool(configuration: config, maxConnections: 1, logger: Logger(label: "test"))
            }
            let migrator = try folder.migrator()
            let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                for pool in pools { group.addTask { try await migrator.migrate(pool) } }
                var all: [String] = []
                for try await files in group { all += files }
                return all
            }
            #expect(applied.sorted() == ["0001_a.sql", "0002_b.sql", "0003_slow.sql"])
            #expect(try await pools[0].scalar("SELECT count(*) AS v FROM schema_migrations", as: Int.self) == 3)
            #expect(try await pools[0].scalar("SELECT count(*) AS v FROM b", as: Int.self) == 1)
            for pool in pools { await pool.shutdown() }
        }
    }

    @Test func migrationsGivenInCodeAreSortedByFile() {
        let m = Migrator(
            migrations: [.init(file: "0002_b.sql", sql: Self.b), .init(file: "0001_a.sql", sql: Self.a)],
            logger: Logger(label: "test"))
        #expect(m.migrations.map(\.file) == ["0001_a.sql", "0002_b.sql"])
        // SHA-256 of "" is well known.
        #expect(Migrator.Migration(file: "0001_x.sql", sql: "").sha256
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

/// `functions/*.sql`: one current definition of each function, applied after the
/// numbered files and again, all together, whenever any of them changes.
@Suite struct RepeatableDefinitionTests {
    @Test func repeatablesRunAfterTheNumberedFilesAndAgainWhenOneChanges() async throws {
        let folder = try MigrationFolder(["0001_a.sql": MigratorTests.a])
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("functions"), withIntermediateDirectories: true)
        try folder.write("functions/answer.sql", "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT count(*)::int FROM a $$;\n")
        try folder.write("functions/double.sql", "CREATE OR REPLACE FUNCTION double_answer() RETURNS int LANGUAGE sql AS $$ SELECT 2 * answer() $$;\n")
        try await withTestPool { pool in
            let first = try folder.migrator()
            #expect(first.repeatables.map(\.file) == ["functions/answer.sql", "functions/double.sql"])
            #expect(try await first.migrate(pool) == ["0001_a.sql", "functions/answer.sql", "functions/double.sql"])
            #expect(try await pool.withConnection { try await first.status($0) }.isCurrent)
            // Nothing changed: nothing runs.
            #expect(try await first.migrate(pool).isEmpty)

            // One definition changes: every repeatable runs again, in one transaction.
            try folder.write("functions/answer.sql", "CREATE OR REPLACE FUNCTION answer() RETURNS int LANGUAGE sql AS $$ SELECT 21 $$;\n")
            let second = try folder.migrator()
            let pending = try await pool.withConnection { try await second.status($0) }
            #expect(pending.repeatablesPending.count == 2)
            #expect(!pending.isCurrent)
            #expect(try await second.migrate(pool) == ["functions/answer.sql", "functions/double.sql"])
            let value: Int = try await pool.withConnection { try await $0.query("SELECT double_answer() AS v").first?.decode("v") } ?? 0
            #expect(value == 42)

            // A broken definition leaves the previous ones and the record as they were.
            try folder.write("functions/double.sql", "CREATE OR REPLACE FUNCTION double_answer() RETURNS int LANGUAGE sql AS $$ SELECT nope $$;\n")
            await #expect(throws: (any Error).self) { try await folder.migrator().migrate(pool) }
            let still: Int = try await pool.withConnection { try await $0.query("SELECT double_answer() AS v").first?.decode("v") } ?? 0
            #expect(still == 42)
        }
    }
}
