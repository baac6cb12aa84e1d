import Crypto
import Foundation
import Logging

/// Forward-only schema migrations from `NNNN_name.sql` files, then the repeatable
/// definitions in `functions/*.sql`.
///
/// Each numbered file runs in its own transaction and is recorded in
/// `schema_migrations` with its SHA-256. Files are never edited once applied: a
/// recorded file whose text changed, that went missing, or that a new file sorts
/// before, stops the migrator with a message saying which. A transaction-level
/// advisory lock keeps two processes starting at once from applying the same file twice.
///
/// Tables change only through numbered files. Functions, views and triggers live in
/// `functions/`, one current definition each (`CREATE OR REPLACE`), so that a reader
/// finds a function's definition in one place rather than in the last migration that
/// restated it. After the numbered files, whenever any repeatable file differs from
/// what `schema_repeatables` recorded, all of them run again, in name order, in one
/// transaction.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let file: String
        public let sql: String
        public let sha256: String

        public init(file: String, sql: String) {
            self.file = file
            self.sql = sql
            sha256 = SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    public struct Status: Sendable {
        public var applied: [String]
        public var pending: [Migration]
        /// Repeatable files to apply again (all of them, when any changed).
        public var repeatablesPending: [Migration] = []
        public var isCurrent: Bool { pending.isEmpty && repeatablesPending.isEmpty }
    }

    public let migrations: [Migration]
    /// `functions/*.sql`, in name order; their `file` is `functions/NAME.sql`.
    public let repeatables: [Migration]
    let logger: Logger

    /// An arbitrary constant naming the lock that migrators share.
    static let lockKey: Int64 = 0x6261_746F_6E5F_6D67

    public init(migrations: [Migration], repeatables: [Migration] = [], logger: Logger) {
        self.migrations = migrations.sorted { $0.file < $1.file }
        self.repeatables = repeatables.sorted { $0.file < $1.file }
        self.logger = logger
    }

    /// Reads every `NNNN_name.sql` in `directory`.
    public init(directory: URL, logger: Logger) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for name in names {
            guard name.count > 5, name.prefix(4).allSatisfy(\.isNumber), name.dropFirst(4).first == "_" else {
                throw Refusal(description: "migration file \(name) must be named NNNN_name.sql")
            }
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            migrations.append(Migration(file: name, sql: text))
        }
        let numbers = migrations.map { $0.file.prefix(4) }
        if Set(numbers).count != numbers.count {
            throw Refusal(description: "two migration files share a number in \(directory.path)")
        }
        let functions = directory.appendingPathComponent("functions")
        var repeatables: [Migration] = []
        if FileManager.default.fileExists(atPath: functions.path) {
            for name in try FileManager.default.contentsOfDirectory(atPath: functions.path) where name.hasSuffix(".sql") {
                let text = try String(contentsOf: functions.appendingPathComponent(name), encoding: .utf8)
                repeatables.append(Migration(file: "functions/" + name, sql: text))
            }
        }
        self.init(migrations: migrations, repeatables: repeatables, logger: logger)
    }

    private static let createTable: Query = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            file text PRIMARY KEY,
            sha256 text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    private static let createRepeatablesTable: Query = """
        CREATE TABLE IF NOT EXISTS schema_repeatables (
            file text PRIMARY KEY,
            sha256 text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Compares the files with what the database recorded.
    public func status(_ connection: Connection) async throws -> Status {
        let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
        guard try exists.first?.decode("present", as: Bool.self) == true else {
            return Status(applied: [], pending: migrations, repeatablesPending: repeatables)
        }
        let rows = try await connection.query("SELECT file, sha256 FROM schema_migrations ORDER BY file")
        let recorded = try rows.map { (try $0.decode("file", as: String.self), try $0.decode("sha256", as: String.self)) }
        var status = try compare(recorded: recorded)
        status.repeatablesPending = try await repeatablesPending(connection)
        return status
    }

    /// Every repeatable file when any of them differs from what was last applied
    /// (changed, added or removed); none when they all match.
    func repeatablesPending(_ connection: Connection) async throws -> [Migration] {
        let exists = try await connection.query("SELECT to_regclass('schema_repeatables') IS NOT NULL AS present")
        guard try exists.first?.decode("present", as: Bool.self) == true else { return repeatables }
        let rows = try await connection.query("SELECT file, sha256 FROM schema_repeatables ORDER BY file")
        let recorded = try rows.map { "\(try $0.decode("file", as: String.self)) \(try $0.decode("sha256", as: String.self))" }
        return recorded == repeatables.map { "\($0.file) \($0.sha256)" } ? [] : repeatables
    }

    func compare(recorded: [(file: String, sha256: String)]) throws -> Status {
        for (i, record) in recorded.enumerated() {
            guard let migration = migrations.first(where: { $0.file == record.file }) else {
                throw Refusal(description: "migration \(record.file) was applied but its file is missing")
            }
            guard migration.sha256 == record.sha256 else {
                throw Refusal(description:
                    "migration \(record.file) changed after it was applied (sha256 \(record.sha256.prefix(12))… recorded, \(migration.sha256.prefix(12))… on disk); add a new migration instead of editing an applied one")
            }
            guard migrations[i].file == record.file else {
                throw Refusal(description:
                    "migration \(migrations[i].file) sorts before the applied \(record.file); give new migrations higher numbers")
            }
        }
        return Status(applied: recorded.map(\.file), pending: Array(migrations.dropFirst(recorded.count)))
    }

    /// Applies every pending migration, each in its own transaction. Returns the
    /// files applied.
    @discardableResult
    public func migrate(_ pool: ConnectionPool) async throws -> [String] {
        var applied: [String] = []
        for migration in migrations {
            let ran = try await pool.withTransaction { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
                let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS present")
                if try exists.first?.decode("present", as: Bool.self) != true {
                    try await connection.query(Self.createTable)
                }
                // Re-read under the lock: another process may have just applied it.
                let status = try await status(connection)
                guard status.pending.first == migration else { return false }
                try await connection.execute(unsafeSQL: migration.sql)
                try await connection.query(
                    "INSERT INTO schema_migrations (file, sha256) VALUES (\(migration.file), \(migration.sha256))")
                return true
            }
            if ran {
                logger.info("applied migration \(migration.file)")
                applied.append(migration.file)
            }
        }
        applied += try await applyRepeatables(pool)
        return applied
    }

    /// Runs every repeatable file again, in one transaction, when any differs from
    /// what was recorded; returns the files applied.
    private func applyRepeatables(_ pool: ConnectionPool) async throws -> [String] {
        let applied = try await pool.withTransaction { connection -> [String] in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try await connection.query(Self.createRepeatablesTable)
            let pending = try await repeatablesPending(connection)
            guard !pending.isEmpty else { return [] }
            for file in pending { try await connection.execute(unsafeSQL: file.sql) }
            try await connection.query("DELETE FROM schema_repeatables")
            for file in pending {
                try await connection.query("INSERT INTO schema_repeatables (file, sha256) VALUES (\(file.file), \(file.sha256))")
            }
            return pending.map(\.file)
        }
        if !applied.isEmpty { logger.info("applied the repeatable definitions \(applied.joined(separator: ", "))") }
        return applied
    }
}
