import BatonCore
import Foundation
import Hummingbird
import Logging
import Postgres

/// What the `baton` command does besides serving: each task opens the database,
/// does one thing, and closes it. The command itself only parses arguments.
public struct AdminTasks: Sendable {
    public let configuration: AppConfiguration
    public let logger: Logger

    public init(configuration: AppConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with a pool on the configured database, with the schema current
    /// (or checked, for `migrate --dry-run`), stopping an embedded server it started.
    func withDatabase<T: Sendable>(migrate: Bool = true, _ body: (AppServices) async throws -> T) async throws -> T {
        let location = try DatabaseLocation.resolve(configuration, logger: logger)
        defer { location.stop() }
        let sqlDirectory = try ProjectFiles.sqlDirectory(configuration.sqlDirectory)
        let migrator = try Migrator(directory: sqlDirectory, logger: logger)
        let pool = ConnectionPool(configuration: location.connection, maxConnections: 2, logger: logger)
        do {
            if migrate { try await migrator.migrate(pool) }
            let services = AppServices(
                configuration: configuration, pool: pool,
                reportReader: ReportReader(primary: pool, replica: nil, maxLagSeconds: 0, logger: logger),
                migrator: migrator, users: UserStore(),
                sessions: SessionStore(lifetimeHours: configuration.sessionHours, idleMinutes: configuration.sessionIdleMinutes),
                throttle: SignInThrottle(), openAPIDocument: nil, logger: logger)
            let value = try await body(services)
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `baton migrate`: applies pending migrations, or with `dryRun` lists them
    /// and fails when there are any.
    public func migrate(dryRun: Bool) async throws -> [String] {
        try await withDatabase(migrate: false) { services in
            if dryRun {
                let status = try await services.pool.withConnection { try await services.migrator.status($0) }
                return (status.pending + status.repeatablesPending).map(\.file)
            }
            return try await services.migrator.migrate(services.pool)
        }
    }

    /// The person a command acts as: the given email, or the first admin.
    private func caller(_ db: Connection, email: String?) async throws -> Caller {
        guard let caller = try await UserStore.caller(db, email.map { .email($0) } ?? .firstAdmin) else {
            throw Failure(description: email.map { "no active person has the email \($0)" } ?? "there is no admin yet; add one with baton user add")
        }
        return caller
    }

    /// `baton import`: a CSV file of accounts, contacts or opportunities, as the
    /// API's import does it. Returns the report; a real import with errors stores nothing.
    /// `mappingPath` names a JSON file of value mappings, the same object the API takes
    /// in `?mapping=` (`{"Type": {"Partner Deal": "new_business"}}`).
    public func importFile(kind: String, path: String, mappingPath: String? = nil, dryRun: Bool, as email: String?)
        async throws -> (report: String, failed: Bool)
    {
        if ["agreements", "sites", "travel-times"].contains(kind) { return try await importRows(kind: kind, path: path, dryRun: dryRun, as: email) }
        guard let kind = ImportKind(rawValue: kind) else {
            throw Failure(description: "kind must be accounts, contacts, opportunities, agreements, sites or travel-times")
        }
        let file = URL(fileURLWithPath: path)
        guard FileManager.default.isReadableFile(atPath: file.path) else { throw Failure(description: "cannot read \(path)") }
        let mapping = try Self.valueMapping(at: mappingPath)
        return try await withDatabase { services in
            do {
                let report = try await services.pool.withTransaction { db in
                    // Streamed from the file: memory stays flat whatever its size.
                    try await services.imports.run(db, kind: kind, file: file, mapping: mapping, dryRun: dryRun,
                                                   caller: try await caller(db, email: email), today: Timestamp.now.calendarDate)
                }
                return (Self.describe(report), false)
            } catch let refused as ImportRefused {
                return (Self.describe(refused.report), true)
            } catch let error as APIError {
                throw Failure(description: error.detail)
            }
        }
    }

    /// `baton import agreements`, `sites` and `travel-times`: as their API's import, all or
    /// nothing, with the report the other kinds print.
    private func importRows(kind: String, path: String, dryRun: Bool, as email: String?) async throws -> (report: String, failed: Bool) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Failure(description: "cannot read \(path) as UTF-8 text") }
        return try await withDatabase { services in
            do {
                let report = try await services.pool.withTransaction { db in
                    let caller = try await caller(db, email: email)
                    switch kind {
                    case "sites": return try await SiteImport(services: services).run(db, caller: caller, text: text, dryRun: dryRun)
                    case "travel-times": return try await TravelTimeImport(services: services).run(db, caller: caller, text: text, dryRun: dryRun)
                    default:
                        return try await AgreementImport(services: services).report(db, caller: caller, text: text, dryRun: dryRun,
                                                                                    today: Timestamp.now.calendarDate)
                    }
                }
                return (Self.describe(report), false)
            } catch let refused as ImportRefused {
                return (Self.describe(refused.report), true)
            } catch let unreadable as ValidationFailure {
                return (unreadable.errors.map { "  \($0.field): \($0.message)" }.joined(separator: "\n"), true)
            }
        }
    }

    static func valueMapping(at path: String?) throws -> ImportValueMapping {
        guard let path else { return .none }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw Failure(description: "cannot read \(path)") }
        guard let mapping = ImportValueMapping.parse(json: text) else {
            throw Failure(description: "\(path) must hold a JSON object of columns, each mapping values to accepted ones")
        }
        return mapping
    }

    static func describe(_ r: ImportReport) -> String {
        var lines = ["\(r.dryRun ? "Dry run of" : "Imported") \(r.kind): \(r.rows) rows, \(r.valid) valid, \(r.created) created, \(r.updated) updated."]
        if !r.errors.isEmpty && !r.dryRun { lines.append("Nothing was stored, because of these problems:") }
        lines += r.errors.map { "  line \($0.line), \($0.field): \($0.message)" }
        lines += r.warnings.map { "  warning: line \($0.line), \($0.field): \($0.message)" }
        return lines.joined(separator: "\n")
    }

    /// `baton export`: the CSV of accounts, contacts or opportunities.
    public func export(kind: String, as email: String?) async throws -> String {
        guard let kind = ImportKind(rawValue: kind) else { throw Failure(description: "kind must be accounts, contacts or opportunities") }
        return try await withDatabase { services in
            try await services.pool.withConnection { db in
                try await services.exports.csv(db, kind: kind, caller: try await caller(db, email: email))
            }
        }
    }

    /// `baton report`: the same figures as the API's reports, as text tables.
    public func report(_ kind: String, period: String?, metric: String?, weeks: Int, as email: String?) async throws -> String {
        try await withDatabase { services in
            try await services.pool.withConnection { db in
                let caller = try await caller(db, email: email)
                let store = services.reports
                let today = Timestamp.now.calendarDate
                let key = period ?? services.quotas.calendar.period(containing: today, kind: .quarter).key
                func table(_ header: [String], _ rows: [[String]]) -> String {
                    let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
                    func line(_ cells: [String]) -> String {
                        cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                            : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  ")
                    }
                    return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line)).joined(separator: "\n")
                }
                switch kind {
                case "attainment":
                    guard let m = QuotaMetric(rawValue: metric ?? "total_bookings") else {
                        throw Failure(description: "metric must be new_business, expansion, total_bookings or completed_work")
                    }
                    let p = try await services.quotas.period(db, key: key)
                    let rows = try await store.attainment(db, period: p, metric: m, root: try await store.root(db, caller: caller, managerID: nil))
                    return "Attainment, \(p.key), \(m.rawValue)\n" + table(
                        ["person", "line", "quota", "credited", "attainment"],
                        rows.map { [$0.name, $0.rollup ? "roll-up" : "own", $0.quota?.description ?? "-", $0.credited.description,
                                    $0.attainment?.description ?? "-"] })
                case "forecast":
                    let p = try await services.quotas.period(db, key: key)
                    let rows = try await store.forecast(db, period: p, root: try await store.root(db, caller: caller, managerID: nil))
                    return "Forecast, \(p.key)\n" + table(
                        ["person", "line", "quota", "closed", "commit", "best case", "pipeline", "weighted", "gap", "coverage"],
                        rows.map { [$0.name, $0.rollup ? "roll-up" : "own", $0.quota?.description ?? "-", $0.closed.description,
                                    $0.commit.description, $0.bestCase.description, $0.pipeline.description, $0.weighted.description,
                                    $0.gap?.description ?? "-", $0.coverage?.description ?? "-"] })
                case "growth":
                    let advice = try await store.growth(db, weeks: weeks, thresholds: GrowthThresholds(), today: today,
                                                        currency: services.configuration.currency)
                    return advice.sentence + "\n\n" + table(
                        ["skill", "demand h", "capacity h", "load", "short h"],
                        advice.skills.map { [$0.skill, $0.demandHours.description, $0.capacityHours.description,
                                             $0.load?.description ?? "-", $0.shortHours.description] })
                default:
                    throw Failure(description: "report must be attainment, forecast or growth")
                }
            }
        }
    }

    /// `baton demo`: loads the demo firm into an empty database.
    public func loadDemo() async throws -> Bool {
        try await withDatabase { try await DemoFirm(services: $0).loadIfEmpty() }
    }

    /// `baton agreements renew`: one renewal round now, as every server's timer runs it
    /// (`RenewalJob`); the renewals it opened, one line each, or that another round holds it.
    public func renewAgreements(leadDays: Int?) async throws -> String {
        try await withDatabase { services in
            guard let round = try await RenewalJob(services: services).round(today: Timestamp.now.calendarDate, leadDays: leadDays) else {
                return "Another server is running the renewal round; nothing was done."
            }
            let opened = round.opened, settled = round.settled
            return ([("Opened \(opened.count) renewal\(opened.count == 1 ? "" : "s").")] + opened.map {
                "  agreement \($0.id) \($0.name), ending \($0.endOn): opportunity \($0.renewalOpportunityId.map(String.init) ?? "-")"
            } + (settled.isEmpty ? [] : ["Settled \(settled.count) ended term\(settled.count == 1 ? "" : "s") whose renewal was still open."])
              + settled.map { "  agreement \($0.id) \($0.name), ended \($0.endOn): \($0.status.words)" }).joined(separator: "\n")
        }
    }

    /// `baton user add`: through `PersonActions`, so the console keeps the API's rules.
    public func addUser(email: String, name: String, roles: [String], managerEmail: String?, password: String?) async throws -> Int64 {
        let parsedRoles = roles.compactMap(Role.init(rawValue:))
        guard parsedRoles.count == roles.count else {
            throw Failure(description: "Roles must be among \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return try await Self.consoleRules {
            try await withDatabase { services in
                try await services.pool.withTransaction { db in
                    var managerID: Int64?
                    if let managerEmail {
                        guard let manager = try await services.users.passwordHash(db, emailKey: PersonRules.emailKey(managerEmail)) else {
                            throw Failure(description: "no person has the email \(managerEmail)")
                        }
                        managerID = manager.id
                    }
                    let input = PersonInput(email: email, name: name, roles: parsedRoles, managerId: managerID, password: password)
                    return try await PersonActions(services: services).createFromConsole(db, input: input).id
                }
            }
        }
    }

    /// `baton user set-password`.
    public func setPassword(email: String, password: String) async throws {
        try await Self.consoleRules {
            try await withDatabase { services in
                try await services.pool.withTransaction { db in
                    guard try await PersonActions(services: services).setPasswordFromConsole(db, email: email, password: password) != nil else {
                        throw Failure(description: "no person has the email \(email)")
                    }
                }
            }
        }
    }

    /// A rule the action refused with, in the console's words (one line, the messages joined).
    private static func consoleRules<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let failure as ValidationFailure {
            throw Failure(description: failure.errors.map(\.message).joined(separator: "; "))
        }
    }

    /// `baton user token`: a new personal API token, printed once.
    public func createToken(email: String, name: String) async throws -> String {
        try await withDatabase { services in
            try await services.pool.withTransaction { db in
                guard let user = try await services.users.passwordHash(db, emailKey: PersonRules.emailKey(email)) else {
                    throw Failure(description: "no person has the email \(email)")
                }
                return try await services.sessions.createToken(db, userID: user.id, name: name).token ?? ""
            }
        }
    }

    public struct PersonLine: Sendable {
        public var id: Int64
        public var email: String
        public var name: String
        public var roles: [String]
        public var manager: String?
        public var active: Bool
    }

    /// `baton user list`.
    public func listUsers() async throws -> [PersonLine] {
        try await withDatabase { services in
            try await services.pool.withConnection { db in
                try await db.query("""
                    SELECT u.id, u.email, u.name, u.roles, m.email AS manager, u.active
                    FROM users u LEFT JOIN users m ON m.id = u.manager_id ORDER BY u.id
                    """).map {
                    PersonLine(id: try $0.decode("id"), email: try $0.decode("email"), name: try $0.decode("name"),
                               roles: try $0.decode("roles"), manager: try $0.decode("manager"), active: try $0.decode("active"))
                }
            }
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

/// `baton serve`: the database, the app, and a clean stop on SIGINT or SIGTERM.
public func serve(_ configuration: AppConfiguration) async throws {
    let logger = makeLogger(configuration)
    let location = try DatabaseLocation.resolve(configuration, logger: logger)
    defer { location.stop() }
    let app = try await buildApplication(configuration, database: location.connection, logger: logger)
    if configuration.demo != .off {
        logger.notice("demo sign-ins: \(DemoFirm.email("admin")) and every other demo person, password \(DemoFirm.password)")
    }
    switch configuration.requestExecutor {
    case .eventLoop:
        // Every connection's task, a child of this one, inherits the preference.
        try await withTaskExecutorPreference(EventLoopTaskExecutor.shared) { try await app.runService() }
    case .pool:
        try await app.runService()
    }
}
