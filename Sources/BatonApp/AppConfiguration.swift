import Foundation
import HTTPTypes
import Logging

/// Everything Baton reads from its environment, read here and nowhere else.
/// Each variable is documented in `docs/configuration.md`.
public struct AppConfiguration: Sendable {
    /// Where a request's code runs (`REQUEST_EXECUTOR`; see `EventLoopTaskExecutor`).
    public enum RequestExecutor: String, Sendable {
        /// On the event loop that read the request: no hop to a pool thread and back.
        case eventLoop = "event-loop"
        /// On Swift's cooperative pool, as Hummingbird starts it.
        case pool
    }

    public enum DemoMode: String, Sendable {
        /// Load the demo firm into a database that has no people yet.
        case auto
        /// Only the demo firm's people, none of its business: what most tests start from.
        case people
        case off
    }

    public var databaseURL: String?
    /// A streaming replica that the reports read from, when set.
    public var replicaDatabaseURL: String?
    /// How far behind the replica may be before reports read the primary instead.
    public var replicaMaxLagSeconds: Int = 30
    public var dataDirectory: String
    public var host: String
    public var port: Int
    public var poolSize: Int
    public var logLevel: Logger.Level
    public var cookieSecure: Bool
    public var currency: String
    public var demo: DemoMode
    public var sessionHours: Int
    public var sessionIdleMinutes: Int
    /// The month the fiscal year starts (1 = January).
    public var fiscalYearStartMonth: Int = 1
    /// How long a client status link lives when its maker gives no date (`STATUS_LINK_DAYS`).
    public var statusLinkDays: Int = 90
    /// The longest a status link may live, whatever date its maker asks for (`STATUS_LINK_MAX_DAYS`).
    public var statusLinkMaxDays: Int = 365
    /// The largest import file accepted, in MiB (`IMPORT_MAX_MB`).
    public var importMaxMB: Int = 50
    /// The header a reverse proxy in front of Baton puts the client's address in
    /// (`TRUSTED_PROXY_HEADER`, e.g. `X-Forwarded-For`); nil means the socket's peer.
    public var trustedProxyHeader: String?
    /// The folder of migration files; nil means "find it" (see `ProjectFiles`).
    public var sqlDirectory: String?
    /// How often each server runs the renewal round (`RENEWAL_ROUND_MINUTES`).
    public var renewalRoundMinutes: Int = 60
    /// The event loops unless asked: a read makes two fewer context switches there, and
    /// since the twelfth stop pages cost no more CPU than on the pool (docs/performance.md,
    /// "A read's own CPU, and the request on its event loop by default").
    public var requestExecutor: RequestExecutor = .eventLoop

    public init(
        databaseURL: String? = nil, dataDirectory: String = ".baton", host: String = "127.0.0.1", port: Int = 8080,
        poolSize: Int = 10, logLevel: Logger.Level = .info, cookieSecure: Bool = false, currency: String = "USD",
        demo: DemoMode = .auto, sessionHours: Int = 12, sessionIdleMinutes: Int = 30, sqlDirectory: String? = nil
    ) {
        self.databaseURL = databaseURL
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.poolSize = poolSize
        self.logLevel = logLevel
        self.cookieSecure = cookieSecure
        self.currency = currency
        self.demo = demo
        self.sessionHours = sessionHours
        self.sessionIdleMinutes = sessionIdleMinutes
        self.sqlDirectory = sqlDirectory
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var c = AppConfiguration()
        func value(_ name: String) -> String? {
            guard let v = env[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let text = value(name) else { return nil }
            guard let n = Int(text), range.contains(n) else {
                throw Invalid(description: "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not \(text)")
            }
            return n
        }
        c.databaseURL = value("DATABASE_URL")
        c.replicaDatabaseURL = value("REPLICA_DATABASE_URL")
        c.replicaMaxLagSeconds = try integer("REPLICA_MAX_LAG_SECONDS", 0...86_400) ?? c.replicaMaxLagSeconds
        c.dataDirectory = value("BATON_DATA") ?? c.dataDirectory
        c.host = value("HOST") ?? c.host
        c.port = try integer("PORT", 0...65535) ?? c.port
        c.poolSize = try integer("POOL_SIZE", 1...200) ?? c.poolSize
        if let level = value("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw Invalid(description: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            }
            c.logLevel = parsed
        }
        if let secure = value("COOKIE_SECURE") {
            guard let b = ["true": true, "1": true, "yes": true, "false": false, "0": false, "no": false][secure.lowercased()] else {
                throw Invalid(description: "COOKIE_SECURE must be true or false")
            }
            c.cookieSecure = b
        }
        if let currency = value("CURRENCY") {
            guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw Invalid(description: "CURRENCY must be a three-letter ISO 4217 code such as USD")
            }
            c.currency = currency.uppercased()
        }
        if let demo = value("BATON_DEMO") {
            guard let mode = DemoMode(rawValue: demo.lowercased()) else {
                throw Invalid(description: "BATON_DEMO must be auto, people or off")
            }
            c.demo = mode
        }
        c.sessionHours = try integer("SESSION_HOURS", 1...720) ?? c.sessionHours
        c.sessionIdleMinutes = try integer("SESSION_IDLE_MINUTES", 1...10_080) ?? c.sessionIdleMinutes
        c.sqlDirectory = value("BATON_SQL_DIR")
        c.fiscalYearStartMonth = try integer("FISCAL_YEAR_START_MONTH", 1...12) ?? c.fiscalYearStartMonth
        if let header = value("TRUSTED_PROXY_HEADER") {
            guard HTTPField.Name(header) != nil else {
                throw Invalid(description: "TRUSTED_PROXY_HEADER must be a header name such as X-Forwarded-For, not \(header)")
            }
            c.trustedProxyHeader = header
        }
        c.statusLinkMaxDays = try integer("STATUS_LINK_MAX_DAYS", 1...3650) ?? c.statusLinkMaxDays
        c.statusLinkDays = try integer("STATUS_LINK_DAYS", 1...c.statusLinkMaxDays) ?? min(c.statusLinkDays, c.statusLinkMaxDays)
        c.importMaxMB = try integer("IMPORT_MAX_MB", 1...4096) ?? c.importMaxMB
        c.renewalRoundMinutes = try integer("RENEWAL_ROUND_MINUTES", 1...1440) ?? c.renewalRoundMinutes
        if let executor = value("REQUEST_EXECUTOR") {
            guard let choice = RequestExecutor(rawValue: executor.lowercased()) else {
                throw Invalid(description: "REQUEST_EXECUTOR must be event-loop or pool")
            }
            c.requestExecutor = choice
        }
        return c
    }
}

/// Files Baton reads at run time that live in the repository, not the binary:
/// the migrations (`sql/`) and the API contract (`docs/openapi.yaml`).
public enum ProjectFiles {
    public static func sqlDirectory(_ configured: String?) throws -> URL {
        if let configured { return URL(fileURLWithPath: configured) }
        var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            candidates.append(dir)
            dir = dir.deletingLastPathComponent()
        }
        for base in candidates {
            let sql = base.appendingPathComponent("sql")
            if FileManager.default.fileExists(atPath: sql.appendingPathComponent("0001_people.sql").path) { return sql }
        }
        throw AppConfiguration.Invalid(description: "the sql/ folder of migrations was not found; run from the repository or set BATON_SQL_DIR")
    }

    public static func openAPIDocument(sqlDirectory: URL) -> String? {
        let url = sqlDirectory.deletingLastPathComponent().appendingPathComponent("docs/openapi.yaml")
        return try? String(contentsOf: url, encoding: .utf8)
    }
}
