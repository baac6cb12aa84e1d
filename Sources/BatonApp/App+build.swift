import Foundation
import Hummingbird
import Logging
import Postgres
import ServiceLifecycle

/// Where the database is: a server named by `DATABASE_URL`, or the embedded
/// cluster under `BATON_DATA`, started (and created on first use) here.
public struct DatabaseLocation: Sendable {
    public let connection: ConnectionConfiguration
    public let embedded: EmbeddedCluster?
    /// True when this process started the embedded server and should stop it.
    public let ownsServer: Bool

    /// Stops the embedded server if this process started it.
    public func stop() {
        if ownsServer { embedded?.stop() }
    }

    public static func resolve(_ configuration: AppConfiguration, logger: Logger) throws -> DatabaseLocation {
        if let url = configuration.databaseURL {
            return DatabaseLocation(connection: try ConnectionConfiguration(url: url), embedded: nil, ownsServer: false)
        }
        let cluster = EmbeddedCluster(directory: configuration.dataDirectory, logger: logger)
        // The postmaster outlives the pg_ctl that started it: make it ours to reap.
        EmbeddedClusterSupervisor.becomeReaperOfOrphans(logger)
        let (connection, started) = try cluster.startServer()
        logger.info("using the embedded PostgreSQL cluster in \(cluster.directory.path)")
        return DatabaseLocation(connection: connection, embedded: cluster, ownsServer: started)
    }

    /// In embedded mode (no `DATABASE_URL`, serving from the cluster under
    /// `BATON_DATA`) nobody else restarts PostgreSQL when it dies, so the app runs
    /// a supervisor beside the pool. Decided from the configuration and the
    /// database actually served, so that tests on their own cluster get none.
    static func supervisor(
        _ configuration: AppConfiguration, serving database: ConnectionConfiguration, logger: Logger
    ) -> EmbeddedClusterSupervisor? {
        guard configuration.databaseURL == nil else { return nil }
        let cluster = EmbeddedCluster(directory: configuration.dataDirectory, logger: logger)
        guard database.host == cluster.connectionConfiguration.host else { return nil }
        return EmbeddedClusterSupervisor(cluster: cluster, logger: logger)
    }
}

public func makeLogger(_ configuration: AppConfiguration, label: String = "baton") -> Logger {
    var logger = Logger(label: label, factory: LogLineHandler.init(label:))
    logger.logLevel = configuration.logLevel
    return logger
}

/// Builds the application: the pool (a service that closes with the app), the
/// schema migrated before the server listens, and every area's routes.
public func buildApplication(
    _ configuration: AppConfiguration, database: ConnectionConfiguration, logger: Logger? = nil
) async throws -> some ApplicationProtocol {
    let logger = logger ?? makeLogger(configuration)
    BatonMetrics.bootstrap
    let sqlDirectory = try ProjectFiles.sqlDirectory(configuration.sqlDirectory)
    let migrator = try Migrator(directory: sqlDirectory, logger: logger)
    let pool = ConnectionPool(configuration: database, maxConnections: configuration.poolSize, logger: logger)
    do {
        try await migrator.migrate(pool)
    } catch {
        await pool.shutdown()
        throw error
    }
    let replica = try configuration.replicaDatabaseURL.map {
        ConnectionPool(configuration: try ConnectionConfiguration(url: $0), maxConnections: configuration.poolSize, logger: logger)
    }
    let services = AppServices(
        configuration: configuration, pool: pool,
        reportReader: ReportReader(primary: pool, replica: replica, maxLagSeconds: configuration.replicaMaxLagSeconds, logger: logger),
        migrator: migrator, users: UserStore(),
        sessions: SessionStore(lifetimeHours: configuration.sessionHours, idleMinutes: configuration.sessionIdleMinutes),
        throttle: SignInThrottle(), openAPIDocument: ProjectFiles.openAPIDocument(sqlDirectory: sqlDirectory),
        logger: logger)
    if configuration.demo != .off {
        try await DemoFirm(services: services, withBusiness: configuration.demo == .auto).loadIfEmpty()
    }
    let router = buildRouter(services, pages: try await PageRenderer.load())
    // Shut down in reverse order: the supervisor stops restarting PostgreSQL first.
    var lifecycle: [any Service] = [pool]
    if let replica { lifecycle.append(replica) }
    lifecycle.append(Housekeeping(pool: pool, logger: logger))
    if let mail = MailSettings.current { lifecycle.append(MailWorker(pool: pool, settings: mail, logger: logger)) }
    lifecycle.append(NotificationSchedule(pool: pool, logger: logger))
    lifecycle.append(RenewalJob(services: services, every: .seconds(60 * configuration.renewalRoundMinutes)))
    if let supervisor = DatabaseLocation.supervisor(configuration, serving: database, logger: logger) { lifecycle.append(supervisor) }
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Baton"),
        services: lifecycle,
        onServerRunning: { channel in
            let port = channel.localAddress?.port ?? configuration.port
            logger.notice("Baton is serving at http://\(configuration.host):\(port)")
        },
        logger: logger)
}

func buildRouter(_ services: AppServices, pages: PageRenderer) -> Router<BatonRequestContext> {
    let router = Router(context: BatonRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: ClientAddressMiddleware(trustedHeader: services.configuration.trustedProxyHeader))
    router.add(middleware: RequestLogMiddleware(.info))
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: PageNotFoundMiddleware(renderer: pages))
    OperationsRoutes(services: services).register(on: router)
    PageRoutes(services: services, renderer: pages).register(on: router)
    ClientRoutes(services: services, renderer: pages).register(on: router)
    StatusSubscriptionRoutes(services: services, renderer: pages).register(on: router)
    ClientAcceptancePages(services: services, renderer: pages).register(on: router)
    WebRoutes(services: services, renderer: pages).register(on: router)
    let api = router.group("api/v1").add(middleware: AuthenticationMiddleware(services: services))
        .add(middleware: EmptyQueryValueMiddleware())
    AuthRoutes(services: services).register(on: api)
    APIRoutes(services: services).register(on: api)
    ImportRoutes(services: services).register(on: api)
    ClientAcceptanceRoutes(services: services).register(on: api)
    return router
}
