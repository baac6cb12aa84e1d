import Foundation
import Logging
import Postgres

extension AdminTasks {
    /// `baton backup FILE`: the whole database in pg_dump's custom format.
    public func backup(to file: String) async throws {
        try await withDatabase { services in
            try Backup.dump(services.pool.configuration, to: file)
        }
    }

    /// `baton restore FILE`: the database becomes the backup. The backup is restored
    /// into a new database first, in one transaction; only when that succeeded is it
    /// swapped in, and the database it replaces is kept under another name (returned)
    /// until someone drops it. Nothing is lost whichever step fails. Baton must not
    /// be serving from the database meanwhile (PostgreSQL refuses the rename).
    public func restore(from file: String) async throws -> String {
        try await withDatabase { services in
            let current = services.pool.configuration
            guard let name = current.database else { throw Failure(description: "the database URL names no database") }
            let stamp = Self.stampFormatter.string(from: Date())
            let staging = "\(name)_restoring", kept = "\(name)_before_restore_\(stamp)"
            await services.pool.shutdown()

            // Another database of the cluster to work from: one cannot drop or rename
            // the database one is connected to.
            var maintenance = current
            maintenance.database = "postgres"
            let admin = ConnectionPool(configuration: maintenance, maxConnections: 1, logger: logger)
            do {
                try await admin.withConnection { db in
                    let others: Int = try await db.query("""
                        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = \(name) AND pid <> pg_backend_pid()
                        """).first?.decode("n") ?? 0
                    guard others == 0 else {
                        throw Failure(description: "\(others) other connection(s) are using the database \(name); stop baton serve first. Nothing was changed.")
                    }
                    try await db.query(Query(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.identifier(staging))"))
                    try await db.query(Query(unsafeSQL: "CREATE DATABASE \(Self.identifier(staging))"))
                }
                var target = current
                target.database = staging
                do {
                    try Backup.restore(target, from: file)
                } catch {
                    _ = try? await admin.withConnection { try await $0.query(Query(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.identifier(staging))")) }
                    throw error
                }
                // Both renames or neither: ALTER DATABASE … RENAME is transactional.
                do {
                    try await admin.withTransaction { db in
                        try await db.query(Query(unsafeSQL: "ALTER DATABASE \(Self.identifier(name)) RENAME TO \(Self.identifier(kept))"))
                        try await db.query(Query(unsafeSQL: "ALTER DATABASE \(Self.identifier(staging)) RENAME TO \(Self.identifier(name))"))
                    }
                } catch {
                    _ = try? await admin.withConnection { try await $0.query(Query(unsafeSQL: "DROP DATABASE IF EXISTS \(Self.identifier(staging))")) }
                    throw error
                }
                await admin.shutdown()
                return kept
            } catch {
                await admin.shutdown()
                throw error
            }
        }
    }

    private static let stampFormatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd_HHmmss"
        return f
    }()

    private static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
