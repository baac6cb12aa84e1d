import Foundation
import Glibc
import Logging

/// A private PostgreSQL cluster under a data folder: Baton's zero-setup default.
///
/// It listens on no TCP port at all, only on a unix socket inside the folder with
/// owner-only permissions. When run as root it runs the server as the `postgres`
/// OS user (PostgreSQL refuses root) and hands that user the folder.
public struct EmbeddedCluster: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: URL
    public let database: String
    /// Faster and unsafe on power loss: for throwaway test clusters only.
    public let durable: Bool
    let logger: Logger

    public var dataDirectory: URL { directory.appendingPathComponent("pg") }
    public var socketDirectory: URL { directory.appendingPathComponent("run") }
    public var logFile: URL { directory.appendingPathComponent("postgres.log") }
    static let role = "baton"

    public init(directory: String, database: String = "baton", durable: Bool = true, logger: Logger) {
        self.directory = URL(fileURLWithPath: directory).standardizedFileURL
        self.database = database
        self.durable = durable
        self.logger = logger
    }

    /// How clients reach it: the unix socket, as the `baton` role.
    public var connectionConfiguration: ConnectionConfiguration {
        ConnectionConfiguration(host: socketDirectory.path, user: Self.role, database: database)
    }

    static var runningAsRoot: Bool { geteuid() == 0 }

    /// Creates the cluster if needed, clears a stale lock file, starts the server,
    /// and creates the database. Returns once it accepts connections.
    public func start() throws -> ConnectionConfiguration {
        try startServer().configuration
    }

    /// As `start()`, also saying whether this call started the server (and so
    /// should stop it) or found it running already.
    public func startServer() throws -> (configuration: ConnectionConfiguration, started: Bool) {
        var started = false
        let binaries = try Self.findBinaries()
        try prepareDirectories()
        // Two processes starting the cluster at once (two `baton` commands, or the
        // supervisor and a command) must not both see it stopped: the second would
        // clear the first one's fresh postmaster.pid as stale.
        let lock = try StartLock(directory.appendingPathComponent("start.lock").path)
        defer { lock.release() }
        if !FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            logger.info("creating a PostgreSQL cluster in \(dataDirectory.path)")
            var arguments = ["-D", dataDirectory.path, "-U", Self.role, "--auth=trust", "--encoding=UTF8", "--locale=C"]
            if !durable { arguments.append("--no-sync") }
            try run(binaries.appendingPathComponent("initdb"), arguments)
        }
        if isRunning() {
            logger.info("the PostgreSQL server in \(dataDirectory.path) is already running")
        } else {
            clearStaleLock()
            started = true
            var options = "-c listen_addresses='' -k \(socketDirectory.path) -c unix_socket_permissions=0700"
            // Test clusters serve many parallel tests, each with its own pool.
            if !durable { options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" }
            try run(binaries.appendingPathComponent("pg_ctl"), [
                "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "-o", options, "start",
            ])
        }
        try createDatabaseIfMissing()
        return (connectionConfiguration, started)
    }

    /// Stops the server, waiting for a clean shutdown.
    public func stop(immediate: Bool = false) {
        guard let binaries = try? Self.findBinaries(), isRunning() else { return }
        do {
            try run(binaries.appendingPathComponent("pg_ctl"), [
                "-D", dataDirectory.path, "-m", immediate ? "immediate" : "fast", "-w", "stop",
            ])
        } catch {
            logger.warning("stopping PostgreSQL failed: \(error)")
        }
    }

    /// The postmaster's PID when one is running for this data folder.
    public func serverPID() -> pid_t? {
        let pidFile = dataDirectory.appendingPathComponent("postmaster.pid")
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8),
            let first = text.split(separator: "\n").first, let pid = pid_t(first)
        else { return nil }
        // A PID is reused after a crash: it is ours only if a postgres process has it.
        // A killed postmaster nobody has reaped yet is a zombie: it still has its PID
        // and its name, but it serves nothing.
        guard kill(pid, 0) == 0 || errno == EPERM,
            let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
            comm.hasPrefix("postgres"),
            Self.processState(pid) != "Z"
        else { return nil }
        return pid
    }

    /// Whether a postmaster serves this data folder now.
    public func isRunning() -> Bool { serverPID() != nil }

    /// The state letter of /proc/PID/stat (R, S, Z, …), nil when there is no such process.
    static func processState(_ pid: pid_t) -> Character? {
        let stat = Subprocess.readText("/proc/\(pid)/stat")
        // The name in parentheses may hold spaces; the state follows the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].first { $0 != " " }
    }

    private func clearStaleLock() {
        let pidFile = dataDirectory.appendingPathComponent("postmaster.pid")
        if FileManager.default.fileExists(atPath: pidFile.path) {
            logger.warning("removing a stale postmaster.pid left by a crash")
            try? FileManager.default.removeItem(at: pidFile)
        }
        // A crashed server can leave its socket lock behind as well.
        for name in [".s.PGSQL.5432.lock", ".s.PGSQL.5432"] {
            try? FileManager.default.removeItem(at: socketDirectory.appendingPathComponent(name))
        }
    }

    private func createDatabaseIfMissing() throws {
        let psql = try Self.findBinaries().appendingPathComponent("psql")
        let exists = try run(psql, [
            "-h", socketDirectory.path, "-U", Self.role, "-d", "postgres", "-tAc",
            "SELECT 1 FROM pg_database WHERE datname = '\(database.replacingOccurrences(of: "'", with: "''"))'",
        ])
        if exists.trimmingCharacters(in: .whitespacesAndNewlines) != "1" {
            try run(psql, ["-h", socketDirectory.path, "-U", Self.role, "-d", "postgres", "-c",
                           "CREATE DATABASE \"\(database.replacingOccurrences(of: "\"", with: "\"\""))\""])
        }
    }

    private func prepareDirectories() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: socketDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        if Self.runningAsRoot {
            guard let pw = getpwnam("postgres") else {
                throw Failure(description: "running as root needs the postgres OS user (apt-get install postgresql)")
            }
            // The server user must be able to reach the folder through every parent.
            var parent = directory.deletingLastPathComponent()
            while parent.path != "/" {
                var info = stat()
                if stat(parent.path, &info) == 0, info.st_mode & 0o001 == 0 {
                    throw Failure(description:
                        "the postgres user cannot enter \(parent.path); choose a BATON_DATA folder it can reach (chmod o+x \(parent.path))")
                }
                parent = parent.deletingLastPathComponent()
            }
            for url in [directory, dataDirectory, socketDirectory] {
                chown(url.path, pw.pointee.pw_uid, pw.pointee.pw_gid)
            }
            if !fm.fileExists(atPath: logFile.path) { _ = fm.createFile(atPath: logFile.path, contents: nil) }
            chown(logFile.path, pw.pointee.pw_uid, pw.pointee.pw_gid)
        }
        chmod(dataDirectory.path, 0o700)
        chmod(socketDirectory.path, 0o700)
    }

    /// Runs a server program, as the postgres user when we are root, and returns
    /// what it printed. Output goes through a file, not a pipe: `pg_ctl start`
    /// leaves a server behind that would hold a pipe open forever.
    @discardableResult
    private func run(_ program: URL, _ arguments: [String]) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        for key in ["PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGDATA"] { environment[key] = nil }
        environment["LC_ALL"] = "C"
        // `env -C /` starts the program in the root folder: the postgres user may not
        // be allowed into ours (a fresh CI clone is mode 0700), and psql warns about it.
        let env = Self.which("env") ?? "/usr/bin/env"
        let command = ["-C", "/", program.path] + arguments
        let result: Subprocess.Result
        if Self.runningAsRoot {
            result = try Subprocess.run(
                Self.which("runuser") ?? "/usr/sbin/runuser", ["-u", "postgres", "--", env] + command, environment: environment)
        } else {
            result = try Subprocess.run(env, command, environment: environment)
        }
        guard result.status == 0 else {
            let said = (result.errors + result.output).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(description: "\(program.lastPathComponent) failed (exit \(result.status)): \(said); see \(logFile.path)")
        }
        return result.output
    }

    /// The folder holding initdb, pg_ctl and psql: PATH, then `pg_config --bindir`,
    /// then the newest `/usr/lib/postgresql/*/bin`.
    public static func findBinaries() throws -> URL {
        if let initdb = which("initdb"), let pgctl = which("pg_ctl") {
            let a = URL(fileURLWithPath: initdb).resolvingSymlinksInPath().deletingLastPathComponent()
            let b = URL(fileURLWithPath: pgctl).resolvingSymlinksInPath().deletingLastPathComponent()
            if a == b, FileManager.default.isExecutableFile(atPath: a.appendingPathComponent("psql").path) { return a }
        }
        if let pgConfig = which("pg_config") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pgConfig)
            process.arguments = ["--bindir"]
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            if (try? process.run()) != nil {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let dir = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if FileManager.default.isExecutableFile(atPath: dir + "/initdb") { return URL(fileURLWithPath: dir) }
            }
        }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for v in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") {
            return URL(fileURLWithPath: "\(root)/\(v)/bin")
        }
        throw Failure(description:
            "PostgreSQL's initdb and pg_ctl were not found on PATH, through pg_config, or under /usr/lib/postgresql; install the postgresql package or set DATABASE_URL")
    }

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/sbin", "/sbin"] {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// An exclusive `flock` on a file, held until released (or the process ends,
/// which releases it by itself: a crash never leaves it held).
struct StartLock {
    private let descriptor: Int32

    init(_ path: String) throws {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EmbeddedCluster.Failure(description: "could not open \(path): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw EmbeddedCluster.Failure(description: "could not lock \(path): \(reason)")
            }
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
