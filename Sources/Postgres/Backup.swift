import Foundation
import Glibc

/// Whole-database backups in pg_dump's custom format, and their restore.
///
/// The tools come from the same PostgreSQL installation the embedded cluster
/// uses; the connection travels in libpq's environment variables, so a password
/// never shows on a command line.
public enum Backup {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Writes the database to `file`. The dump goes to a temporary name first and
    /// is renamed into place only when complete, so `file` is never half a backup.
    ///
    /// The file is readable by its owner only (0600), whatever the umask: it holds
    /// every client, every person's pay and every password hash. It is created with
    /// that mode before pg_dump writes to it (pg_dump truncates an existing file and
    /// keeps its mode), so not one byte is ever readable by anyone else.
    public static func dump(_ database: ConnectionConfiguration, to file: String) throws {
        let partial = file + ".partial"
        unlink(partial)
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "could not create \(partial): \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        do {
            try run("pg_dump", ["--format=custom", "--no-owner", "--file=\(partial)"], database)
        } catch {
            unlink(partial)
            throw error
        }
        guard rename(partial, file) == 0 else {
            unlink(partial)
            throw Failure(description: "could not move the backup into place at \(file): \(String(cString: strerror(errno)))")
        }
    }

    /// Replaces the database's contents with the backup's, in one transaction: on
    /// any error the database is left exactly as it was.
    public static func restore(_ database: ConnectionConfiguration, from file: String) throws {
        guard FileManager.default.isReadableFile(atPath: file) else { throw Failure(description: "cannot read \(file)") }
        try run("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
                               "--dbname=\(database.database ?? "")", file], database)
    }

    private static func run(_ tool: String, _ arguments: [String], _ database: ConnectionConfiguration) throws {
        let program = try EmbeddedCluster.findBinaries().appendingPathComponent(tool).path
        var environment = ProcessInfo.processInfo.environment
        for key in environment.keys where key.hasPrefix("PG") { environment[key] = nil }
        environment["PGHOST"] = database.host
        environment["PGPORT"] = database.port.map(String.init)
        environment["PGUSER"] = database.user
        environment["PGPASSWORD"] = database.password
        environment["PGDATABASE"] = database.database
        environment["PGSSLMODE"] = database.sslMode
        environment["PGCONNECT_TIMEOUT"] = String(database.connectTimeoutSeconds)
        let result = try Subprocess.run(program, arguments, environment: environment)
        guard result.status == 0 else {
            let said = (result.errors + result.output).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "\(tool) failed (exit \(result.status)): \(said)")
        }
    }
}
