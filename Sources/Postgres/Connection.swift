import CLibPQ
import Foundation
import Glibc
import Logging
import NIOPosix
import Synchronization

/// One libpq connection. It owns its `PGconn` and finishes it exactly once.
///
/// Statements run with libpq in non-blocking mode on the calling task's thread: the
/// task sends, then waits for the socket through `SocketWatcher` without holding a
/// thread. Only the blocking calls left (connecting, COPY, a cancel request) run on
/// the thread pool given at connect time. A connection is not safe for use by two
/// tasks at once; the pool's leases make that so, hence `@unchecked Sendable`.
public final class Connection: @unchecked Sendable {
    private var handle: OpaquePointer?
    private let notices: NoticeSink
    let threadPool: NIOThreadPool
    private var socket: SocketWatcher.Registration?
    /// The key a cancel request needs; made once, used from another thread.
    private var cancelKey: OpaquePointer?
    /// Set when a statement of this connection was cancelled: a cancel request can
    /// land after its statement ended, on the next one, so the pool never reuses it.
    private let cancelled = Mutex(false)
    public let logger: Logger
    /// When the connection was last handed back to its pool.
    var lastUsed = ContinuousClock.now
    /// The statements this connection prepared, by SQL text; nil when it prepares none
    /// (see `preparesStatements`).
    private var statements: PreparedStatements?

    /// Whether statements are prepared once per connection and then only executed.
    /// False behind a transaction pooler such as PgBouncer in transaction mode: each
    /// transaction may run on another server connection, where the name would be
    /// unknown (or, worse, another client's). Told apart at connect time: through a
    /// pooler the backend's process id libpq was given is not the one serving it.
    public var preparesStatements: Bool { statements != nil }

    /// Whether the acting role and its settings may be set for the session rather than
    /// per transaction (`SessionIdentity`): only when no transaction pooler stands
    /// between, which would hand the session's settings to another client.
    public private(set) var keepsSessionSettings = false
    /// Who the server session acts as now, as far as this side knows.
    private var sessionIdentity = SessionIdentity.login
    /// Who the next statement must run as: a change rides with that statement.
    private var wantedIdentity = SessionIdentity.login
    /// The custom settings this session ever set, cleared when it stops acting for someone.
    private var sessionSettingNames: Set<String> = []

    /// Opens a connection, blocking a thread of `threadPool` while it does.
    public static func connect(
        _ configuration: ConnectionConfiguration, threadPool: NIOThreadPool, logger: Logger
    ) async throws -> Connection {
        try await threadPool.runIfActive {
            try Connection(configuring: configuration, threadPool: threadPool, logger: logger)
        }
    }

    private init(configuring configuration: ConnectionConfiguration, threadPool: NIOThreadPool, logger: Logger) throws {
        self.threadPool = threadPool
        self.logger = logger
        self.notices = NoticeSink(logger: logger)
        let pairs = configuration.keywordValues
        let keywords = pairs.map { strdup($0.0) } + [nil]
        let values = pairs.map { strdup($0.1) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let conn = keywords.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                k.withMemoryRebound(to: UnsafePointer<CChar>?.self) { kk in
                    v.withMemoryRebound(to: UnsafePointer<CChar>?.self) { vv in
                        PQconnectdbParams(kk.baseAddress, vv.baseAddress, 0)
                    }
                }
            }
        }
        // libpq returns a PGconn even when connecting failed; it must be finished too.
        handle = conn
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            throw PostgresError(code: .connectionFailed, message: message.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        PQsetNoticeReceiver(conn, noticeReceiver, Unmanaged.passUnretained(notices).toOpaque())
        try pinSession(conn)
        try checkSession(conn)
        keepsSessionSettings = try Self.servedDirectly(conn)
        if keepsSessionSettings { try Self.switchOffJIT(conn) }
        if configuration.preparedStatements, keepsSessionSettings {
            statements = PreparedStatements(capacity: configuration.preparedStatementLimit)
        }
        guard PQsetnonblocking(conn, 1) == 0 else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not enter non-blocking mode")
        }
        socket = SocketWatcher.shared.register(socket: PQsocket(conn))
        cancelKey = PQgetCancel(conn)
    }

    /// True when the server process behind this connection is the one it was opened
    /// with: not behind a pooler, which answers the start-up with a key of its own.
    private static func servedDirectly(_ conn: OpaquePointer) throws -> Bool {
        let result = try collect(OwnedResult(PQexec(conn, "SELECT pg_backend_pid()"), connection: conn))
        guard let text = result.first?.values.first ?? nil, let pid = Int32(text) else { return false }
        return pid == PQbackendPID(conn)
    }

    /// No JIT compiling for this session. Every statement here is meant to answer in
    /// milliseconds, and one whose estimated cost passes `jit_above_cost` (a stage of the
    /// board at a million deals does) spent 100-150 ms compiling itself before it ran
    /// (an account manager's board of every open deal: 79-92 ms without, 208-245 ms with).
    /// Behind a pooler a session setting would stay on the server connection for its
    /// other clients, so there the server's own setting applies (docs/operations.md).
    private static func switchOffJIT(_ conn: OpaquePointer) throws {
        _ = try collect(OwnedResult(PQexec(conn, "SET jit = off"), connection: conn))
    }

    /// ISO dates and UTC, which every decoder here assumes. Set with plain SETs, and
    /// only when the server's defaults differ: PgBouncer tracks these two per client
    /// and hands them on with each server connection, where a startup `options`
    /// parameter would be refused.
    private func pinSession(_ conn: OpaquePointer) throws {
        let dateStyle = PQparameterStatus(conn, "DateStyle").map { String(cString: $0) } ?? ""
        let timeZone = PQparameterStatus(conn, "TimeZone").map { String(cString: $0) } ?? ""
        guard !dateStyle.hasPrefix("ISO") || !(timeZone == "UTC" || timeZone == "Etc/UTC") else { return }
        _ = try Self.collect(OwnedResult(PQexec(conn, "SET DateStyle = 'ISO, YMD'; SET TimeZone = 'UTC'"), connection: conn))
    }

    deinit {
        close()
        if let cancelKey { PQfreeCancel(cancelKey) }
    }

    /// Confirms the server accepted the pinned session settings.
    private func checkSession(_ conn: OpaquePointer) throws {
        func status(_ name: String) -> String {
            guard let p = PQparameterStatus(conn, name) else { return "" }
            return String(cString: p)
        }
        let encoding = status("client_encoding")
        let dateStyle = status("DateStyle")
        let timeZone = status("TimeZone")
        guard encoding == "UTF8", dateStyle.hasPrefix("ISO"), timeZone == "UTC" || timeZone == "Etc/UTC" else {
            throw PostgresError(
                code: .connectionFailed,
                message: "session settings not accepted (client_encoding \(encoding), DateStyle \(dateStyle), TimeZone \(timeZone))")
        }
    }

    /// Closes the connection now rather than when the last reference goes.
    public func close() {
        // The watcher lets go of the socket before libpq closes it and its number is reused.
        if let socket, let handle {
            SocketWatcher.shared.unregister(socket, stillOpen: PQsocket(handle) == socket.socket)
        }
        socket = nil
        if let handle { PQfinish(handle) }
        handle = nil
    }

    /// The server's version number, such as 150018.
    public var serverVersion: Int { handle.map { Int(PQserverVersion($0)) } ?? 0 }

    /// True while the connection is up and not inside a transaction.
    var isIdleAndOpen: Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK, deferredOpening.isEmpty, !wasCancelled else { return false }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether the transaction status is "in a failed or open transaction" (or one
    /// opened on paper, whose BEGIN waits for its first statement).
    var isInTransaction: Bool {
        guard let handle else { return false }
        if !deferredOpening.isEmpty { return true }
        let s = PQtransactionStatus(handle)
        return s == PQTRANS_INTRANS || s == PQTRANS_INERROR
    }

    /// Reads anything the server sent while the connection sat idle. A server that
    /// restarted has closed the socket (often after a FATAL message): after this,
    /// the connection reports itself broken instead of failing the next query.
    func probeIdle() -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK, !wasCancelled else { return false }
        // Read until the socket has nothing more: the FATAL message a server sends
        // before it closes arrives first, the end of the stream after it.
        for _ in 0..<4 {
            var fds = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let ready = poll(&fds, 1, 0)
            if ready < 0 { return false }
            if ready == 0 { break }
            if PQconsumeInput(handle) == 0 { return false }
            while let n = PQnotifies(handle) { PQfreemem(n) }
        }
        // A FATAL error that arrives while idle means the session is over.
        if notices.sawFatal { return false }
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// True when the transaction failed and only a ROLLBACK can end it.
    var isInFailedTransaction: Bool {
        guard let handle else { return false }
        return PQtransactionStatus(handle) == PQTRANS_INERROR
    }

    // MARK: Queries

    /// The statements that open the current transaction (BEGIN, the acting role and its
    /// settings), not sent yet: they go with the transaction's first statement in one
    /// round trip, through libpq's pipeline mode, instead of one round trip of their own.
    private var deferredOpening: [Query] = []

    func deferOpening(_ statements: [Query]) { deferredOpening = statements }

    /// Forgets an opening that was never sent; true when there was one (the
    /// transaction never reached the server: there is nothing to commit or roll back).
    @discardableResult
    func dropDeferredOpening() -> Bool {
        defer { deferredOpening = [] }
        return !deferredOpening.isEmpty
    }

    /// The request's precondition while no statement has shown whether it holds: it rides
    /// behind the opening, just before the next statement (`RequestPrecondition`).
    var precondition: RequestPrecondition?

    private var unsentPrecondition: RequestPrecondition? {
        guard let precondition, precondition.isUnknown else { return nil }
        return precondition
    }

    /// Sends a deferred opening (and the request's precondition) by itself, before a
    /// statement that cannot ride with it (a script, a COPY).
    private func flushOpening(_ handle: OpaquePointer) async throws {
        let identityChange = identityChange()
        let precondition = unsentPrecondition
        guard !deferredOpening.isEmpty || !identityChange.isEmpty || precondition != nil else { return }
        let opening = identityChange + deferredOpening
        deferredOpening = []
        _ = try await identityChanging(identityChange.isEmpty) { try await pipeline(handle, opening, precondition, then: nil) }
    }

    /// Sends the request's precondition, if it is still unknown, with nothing behind it.
    func sendPrecondition() async throws {
        guard let handle else { throw PostgresError(code: .connectionClosed, message: "the connection is closed") }
        try await cancellable { try await flushOpening(handle) }
    }

    // MARK: Acting for someone

    /// Runs the next statements as `role` (nil: as the login user, with row-level
    /// security lifted). On a connection that keeps session settings the change is
    /// `SET ROLE` and session-wide settings, sent with the next statement and only when
    /// the session acts for someone else: a person's second read on the same connection
    /// sends nothing more, and needs no transaction (and so no COMMIT round trip).
    /// Elsewhere (behind a transaction pooler) this does nothing, and the pool carries
    /// the role in each transaction with `SET LOCAL` instead.
    func act(as role: ActingRole?) {
        guard keepsSessionSettings else { return }
        wantedIdentity = role.map(SessionIdentity.acting) ?? .login
    }

    /// Whom the next statements run as (`act(as:)`); nil for the login user.
    var actingRole: ActingRole? {
        if case .acting(let role) = wantedIdentity { return role }
        return nil
    }

    /// After a rollback: session settings made inside the transaction were undone with
    /// it, so the next statement sets them again.
    func forgetSessionIdentity() {
        if keepsSessionSettings { sessionIdentity = .unknown }
    }

    /// The statements that take the session from who it acts as to who it should. Sent
    /// only outside a transaction (a transaction's opening included): a change made inside
    /// one would be undone by its ROLLBACK, and in a failed one it would keep the
    /// ROLLBACK itself from running.
    private func identityChange() -> [Query] {
        guard sessionIdentity != wantedIdentity, let handle, PQtransactionStatus(handle) == PQTRANS_IDLE else { return [] }
        let role = actingRole
        var statements = [role.map { Query(unsafeSQL: "SET ROLE \(ActingRole.identifier($0.role))") } ?? Query(unsafeSQL: "RESET ROLE")]
        let settings = role?.settings ?? [:]
        for name in sessionSettingNames.union(settings.keys).sorted() {
            // A custom setting once made cannot be removed, only emptied; the policies
            // read an empty one as "nobody".
            let value = settings[name] ?? ""
            statements.append("SELECT set_config(\(name), \(value), false)")
        }
        sessionSettingNames.formUnion(settings.keys)
        return statements
    }

    /// Runs `send`, which carries the statements of `identityChange()` unless
    /// `unchanged`; the session acts as wanted once they ran. On an error they were rolled
    /// back with the rest of the pipeline's implicit transaction, or may have been.
    private func identityChanging<T>(_ unchanged: Bool, _ send: () async throws -> T) async throws -> T {
        if unchanged { return try await send() }
        do {
            let value = try await send()
            sessionIdentity = wantedIdentity
            return value
        } catch {
            sessionIdentity = .unknown
            throw error
        }
    }

    /// Runs `statements`, then `precondition`'s statement, then `last` in one round trip
    /// (libpq's pipeline mode: every statement is sent, then one sync, then the results
    /// are read in order). The first error stands for all (the server skips the rest until
    /// the sync); `last`'s result is returned. `last` runs as its prepared statement when
    /// this connection prepares. The precondition learns whether it held, unless an
    /// earlier statement kept it from running.
    private func pipeline(
        _ handle: OpaquePointer, _ statements: [Query], _ precondition: RequestPrecondition? = nil, then last: Query?
    ) async throws -> QueryResult? {
        // The precondition and `last` come every request: they run as prepared statements
        // (prepared on first use, in a round trip of its own), the opening's as they are.
        func preparedName(_ rendered: (sql: String, binds: [String?])) async throws -> String? {
            try Self.refuseNUL(rendered.binds)
            guard self.statements != nil, PreparedStatements.worthPreparing(rendered.sql) else { return nil }
            return try await prepared(handle, sql: rendered.sql, count: Int32(rendered.binds.count)).0
        }
        let lastRendered = last?.rendered
        let preconditionRendered = precondition?.statement.rendered
        var lastName: String?
        var preconditionName: String?
        if let lastRendered { lastName = try await preparedName(lastRendered) }
        if let preconditionRendered { preconditionName = try await preparedName(preconditionRendered) }
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(code: .protocolError, message: "libpq could not enter pipeline mode")
        }
        var renderedAll = statements.map(\.rendered)
        let preconditionIndex = preconditionRendered.map { _ in renderedAll.count }
        if let preconditionRendered { renderedAll.append(preconditionRendered) }
        if let lastRendered { renderedAll.append(lastRendered) }
        var sent = 0
        var sendFailure: String?
        for (i, (sql, binds)) in renderedAll.enumerated() {
            let ok = Self.withValues(binds) { params in
                if i == renderedAll.count - 1, let lastName {
                    return PQsendQueryPrepared(handle, lastName, Int32(binds.count), params, nil, nil, 0)
                }
                if i == preconditionIndex, let preconditionName {
                    return PQsendQueryPrepared(handle, preconditionName, Int32(binds.count), params, nil, nil, 0)
                }
                return PQsendQueryParams(handle, sql, Int32(binds.count), nil, params, nil, nil, 0)
            }
            if ok != 1 { sendFailure = String(cString: PQerrorMessage(handle)); break }
            sent += 1
        }
        if sendFailure == nil, PQpipelineSync(handle) != 1 { sendFailure = String(cString: PQerrorMessage(handle)) }
        if sendFailure == nil {
            let flushed = await flush(handle)
            if !flushed { sendFailure = String(cString: PQerrorMessage(handle)) }
        }
        var firstError: (any Error)?
        var lastResult: QueryResult?
        if sendFailure == nil {
            for i in 0..<sent {
                while let r = await nextResult(handle) {
                    let owned = OwnedResult(r, connection: handle)
                    if PQresultStatus(r) == PGRES_PIPELINE_ABORTED { continue }
                    do {
                        let result = try Self.collect(owned)
                        if i == sent - 1, last != nil { lastResult = result }
                        if i == preconditionIndex { precondition?.settle(.held) }
                    } catch {
                        firstError = firstError ?? error
                        if i == preconditionIndex, let error = error as? PostgresError { precondition?.settle(.failed(error)) }
                    }
                }
            }
            // The sync's own result; nil when the connection broke.
            while let r = await nextResult(handle) {
                let status = PQresultStatus(r)
                PQclear(r)
                if status == PGRES_PIPELINE_SYNC { break }
            }
        }
        PQexitPipelineMode(handle)
        if let sendFailure { throw PostgresError(code: .connectionClosed, message: sendFailure.trimmingCharacters(in: .whitespacesAndNewlines)) }
        if let firstError {
            if let pg = firstError as? PostgresError, pg.mayComeFromAStalePreparedStatement, let sql = lastRendered?.sql, lastName != nil {
                await forget(handle, sql: sql)
            }
            throw firstError
        }
        guard last == nil || lastResult != nil else {
            throw PostgresError(code: .connectionClosed, message: String(cString: PQerrorMessage(handle)))
        }
        return lastResult
    }

    /// Runs one statement with its values as parameters.
    @discardableResult
    public func query(_ query: Query) async throws -> QueryResult {
        guard let handle else { throw PostgresError(code: .connectionClosed, message: "the connection is closed") }
        return try await cancellable {
            let identityChange = identityChange()
            let precondition = unsentPrecondition
            if !deferredOpening.isEmpty || !identityChange.isEmpty || precondition != nil {
                let opening = identityChange + deferredOpening
                deferredOpening = []
                guard let result = try await identityChanging(identityChange.isEmpty, { try await pipeline(handle, opening, precondition, then: query) }) else {
                    throw PostgresError(code: .connectionClosed, message: String(cString: PQerrorMessage(handle)))
                }
                return result
            }
            let (sql, binds) = query.rendered
            try Self.refuseNUL(binds)
            let count = Int32(binds.count)
            guard statements != nil, PreparedStatements.worthPreparing(sql) else {
                return try Self.collect(await exec(handle) { h in
                    Self.withValues(binds) { PQsendQueryParams(h, sql, count, nil, $0, nil, nil, 0) }
                })
            }
            return try await executePrepared(handle, sql: sql, binds: binds)
        }
    }

    /// Text parameters travel as C strings: a NUL inside would silently cut the value short.
    private static func refuseNUL(_ binds: [String?]) throws {
        if binds.contains(where: { $0?.utf8.contains(0) == true }) {
            throw PostgresError(code: .invalidText, sqlState: "22021", message: "a text value contains a NUL character")
        }
    }

    /// Calls `send` with `binds` as C strings, which live only for the call: libpq
    /// copies them into its output buffer before it returns.
    private static func withValues(_ binds: [String?], _ send: (UnsafePointer<UnsafePointer<CChar>?>?) -> Int32) -> Int32 {
        let values = binds.map { $0.flatMap { strdup($0) } }
        defer { values.forEach { free($0) } }
        return values.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { send($0.baseAddress) }
        }
    }

    /// Runs `sql` as this connection's prepared statement, preparing it on first use.
    ///
    /// A statement prepared earlier can be stale: a table it reads was altered (its
    /// result changed shape), or dropped and made again with other column types (a
    /// temporary table), while its parameters' types were fixed when it was prepared.
    /// When such a statement fails with an error staleness can cause, it is dropped
    /// and, outside a transaction, run once more unprepared; inside one the error
    /// stands (the transaction is aborted), and `withTransaction` runs the whole body
    /// again after a changed result shape.
    private func executePrepared(_ handle: OpaquePointer, sql: String, binds: [String?]) async throws -> QueryResult {
        let count = Int32(binds.count)
        let idle = PQtransactionStatus(handle) == PQTRANS_IDLE
        let (name, fresh) = try await prepared(handle, sql: sql, count: count)
        do {
            return try Self.collect(await exec(handle) { h in
                Self.withValues(binds) { PQsendQueryPrepared(h, name, count, $0, nil, nil, 0) }
            })
        } catch let error as PostgresError where !fresh && error.mayComeFromAStalePreparedStatement {
            await forget(handle, sql: sql)
            guard idle else { throw error }
            return try Self.collect(await exec(handle) { h in
                Self.withValues(binds) { PQsendQueryParams(h, sql, count, nil, $0, nil, nil, 0) }
            })
        }
    }

    /// The name of `sql`'s prepared statement, and whether it was prepared just now
    /// (dropping the least recently used one beyond the cache's bound).
    private func prepared(_ handle: OpaquePointer, sql: String, count: Int32) async throws -> (String, fresh: Bool) {
        if let name = statements?.name(for: sql) { return (name, false) }
        guard var cache = statements else { throw PostgresError(code: .protocolError, message: "no statement cache") }
        let name = cache.nextName()
        _ = try Self.collect(await exec(handle) { PQsendPrepare($0, name, sql, count, nil) })
        if let evicted = cache.insert(sql: sql, name: name) { await deallocate(handle, evicted) }
        statements = cache
        return (name, true)
    }

    private func forget(_ handle: OpaquePointer, sql: String) async {
        guard let name = statements?.remove(sql: sql) else { return }
        await deallocate(handle, name)
    }

    /// Drops a prepared statement on the server. In a failed transaction the server
    /// refuses even this: the name stays behind unused (names are never reused).
    private func deallocate(_ handle: OpaquePointer, _ name: String) async {
        guard PQtransactionStatus(handle) != PQTRANS_INERROR else { return }
        _ = await exec(handle) { PQsendQuery($0, "DEALLOCATE " + name) }
    }

    /// Forgets every prepared statement (after `DISCARD ALL`, say, or a schema change
    /// the caller knows of); they are prepared again on next use. Blocking: PQexec
    /// ignores non-blocking mode; this is not on a request path.
    public func forgetPreparedStatements() {
        guard let handle, var cache = statements else { return }
        if PQtransactionStatus(handle) != PQTRANS_INERROR {
            _ = OwnedResult(PQexec(handle, "DEALLOCATE ALL"), connection: handle)
        }
        cache.removeAll()
        statements = cache
    }

    /// Runs a script of several statements (a migration), with no parameters:
    /// libpq's simple-query protocol, so the text must be fixed.
    public func execute(unsafeSQL script: String) async throws {
        guard let handle else { throw PostgresError(code: .connectionClosed, message: "the connection is closed") }
        try await cancellable {
            try await flushOpening(handle)
            // Like PQexec: an error stops the script there, and stands for it.
            _ = try Self.collect(await exec(handle) { PQsendQuery($0, script) })
        }
    }

    // MARK: Non-blocking libpq

    /// Sends one request with `send` and reads every result it brings, without
    /// blocking a thread: PQexec's answer (the first error, else the last result;
    /// a result with no handle when the connection broke).
    private func exec(_ handle: OpaquePointer, _ send: (OpaquePointer) -> Int32) async -> OwnedResult {
        guard send(handle) == 1, await flush(handle) else { return OwnedResult(nil, connection: handle) }
        var kept: OwnedResult?
        while let r = await nextResult(handle) {
            let status = PQresultStatus(r)
            let owned = OwnedResult(r, connection: handle)
            if kept.map(\.succeeded) ?? true { kept = owned }
            // A COPY waits for data that only `copyIn` sends: PQexec stops here too.
            if status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH { break }
        }
        return kept ?? OwnedResult(nil, connection: handle)
    }

    /// Pushes what libpq has queued to the server, waiting while the socket is full.
    /// False when the connection broke (PQerrorMessage says why).
    private func flush(_ handle: OpaquePointer) async -> Bool {
        while true {
            switch PQflush(handle) {
            case 0: return true
            case 1:
                // libpq asks to read as well while it waits to write: the server may
                // be blocked sending to us.
                guard await waitForSocket(handle, writable: true), PQconsumeInput(handle) == 1 else { return false }
            default: return false
            }
        }
    }

    /// PQgetResult once the result (or the end of results) has arrived: until then the
    /// task waits for the socket, holding no thread. A broken connection ends the wait;
    /// libpq then returns its error as a result.
    private func nextResult(_ handle: OpaquePointer) async -> OpaquePointer? {
        while PQisBusy(handle) == 1 {
            guard await waitForSocket(handle), PQconsumeInput(handle) == 1 else { break }
        }
        return PQgetResult(handle)
    }

    /// Waits for the socket; false when libpq has closed it (the connection broke).
    /// The number of a socket libpq closed may already be another connection's: it is
    /// never handed to the watcher then, which would take that connection's wake-up.
    private func waitForSocket(_ handle: OpaquePointer, writable: Bool = false) async -> Bool {
        guard let socket, PQsocket(handle) == socket.socket else { return false }
        await SocketWatcher.shared.wait(for: socket, writable: writable)
        return true
    }

    private var wasCancelled: Bool { cancelled.withLock { $0 } }

    /// Runs `operation`; when the task is cancelled meanwhile (a request abandoned, a
    /// timeout), asks the server to cancel the statement in flight. The statement then
    /// ends with its "canceling statement" error and the results are read as usual,
    /// leaving libpq in step. A task cancelled already runs its statements unhindered:
    /// those are its clean-up (a ROLLBACK).
    private func cancellable<T>(_ operation: () async throws -> T) async throws -> T {
        if Task.isCancelled { return try await operation() }
        return try await withTaskCancellationHandler(operation: operation, onCancel: { self.requestCancel() })
    }

    /// PQcancel opens a connection of its own and waits for the server's answer: a
    /// thread of the pool does it, not the task (which is inside libpq's calls) nor
    /// the watcher.
    private func requestCancel() {
        guard cancelKey != nil else { return }
        cancelled.withLock { $0 = true }
        threadPool.submit { [self] state in
            // A pool shutting down runs the job at once, on the cancelling thread: skip it.
            guard case .active = state, let cancelKey else { return }
            var message = [CChar](repeating: 0, count: 256)
            if PQcancel(cancelKey, &message, Int32(message.count)) != 1 {
                let text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                logger.warning("could not cancel a statement: \(text)")
            }
        }
    }

    /// Streams rows into `COPY … FROM STDIN`. `statement` must have no parameters;
    /// each chunk is COPY text (or CSV) as the statement declares. The copy itself
    /// blocks a thread of the pool (imports, not requests).
    @discardableResult
    public func copyIn(_ statement: Query, chunks: some Sequence<String> & Sendable) async throws -> Int {
        guard let handle else { throw PostgresError(code: .connectionClosed, message: "the connection is closed") }
        try await flushOpening(handle)
        return try await threadPool.runIfActive { try self.copyInBlocking(statement, chunks: chunks) }
    }

    private func copyInBlocking(_ statement: Query, chunks: some Sequence<String>) throws -> Int {
        guard let handle else { throw PostgresError(code: .connectionClosed, message: "the connection is closed") }
        let (sql, binds) = statement.rendered
        guard binds.isEmpty else {
            throw PostgresError(code: .copyFailed, message: "COPY takes no parameters")
        }
        // In non-blocking mode PQputCopyData refuses data whenever the socket is full.
        PQsetnonblocking(handle, 0)
        defer { PQsetnonblocking(handle, 1) }
        let start = OwnedResult(PQexec(handle, sql), connection: handle)
        guard let startHandle = start.handle, PQresultStatus(startHandle) == PGRES_COPY_IN else {
            _ = try Self.collect(start)
            throw PostgresError(code: .copyFailed, message: "the statement did not start COPY FROM STDIN")
        }
        var failure: String?
        for chunk in chunks {
            var chunk = chunk
            let sent = chunk.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
            }
            if sent != 1 { failure = String(cString: PQerrorMessage(handle)); break }
        }
        if PQputCopyEnd(handle, failure == nil ? nil : "client stopped the copy") != 1 {
            failure = failure ?? String(cString: PQerrorMessage(handle))
        }
        var affected = 0
        var firstError: (any Error)?
        while let r = PQgetResult(handle) {
            do {
                affected += try Self.collect(OwnedResult(r, connection: handle)).affectedRows
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        if let failure { throw PostgresError(code: .copyFailed, message: failure) }
        return affected
    }

    /// Turns a result into rows or an error, copying every value out of libpq memory.
    private static func collect(_ result: OwnedResult) throws -> QueryResult {
        guard let res = result.handle else {
            throw PostgresError(code: .connectionClosed, message: result.connectionMessage)
        }
        switch PQresultStatus(res) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE, PGRES_EMPTY_QUERY:
            let columnCount = Int(PQnfields(res))
            let rowCount = Int(PQntuples(res))
            let columns = Columns(names: (0..<columnCount).map { String(cString: PQfname(res, Int32($0))) })
            var rows: [Row] = []
            rows.reserveCapacity(rowCount)
            for r in 0..<rowCount {
                var values: [String?] = []
                values.reserveCapacity(columnCount)
                for c in 0..<columnCount {
                    if PQgetisnull(res, Int32(r), Int32(c)) == 1 {
                        values.append(nil)
                    } else {
                        let length = Int(PQgetlength(res, Int32(r), Int32(c)))
                        let pointer = PQgetvalue(res, Int32(r), Int32(c))!
                        values.append(pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                        })
                    }
                }
                rows.append(Row(columns: columns, values: values))
            }
            let affected = Int(String(cString: PQcmdTuples(res))) ?? 0
            return QueryResult(columns: columns, rows: rows, affectedRows: affected)
        default:
            throw error(from: res, connectionMessage: result.connectionMessage)
        }
    }

    private static func error(from res: OpaquePointer, connectionMessage: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let p = PQresultErrorField(res, Int32(code.asciiValue!)) else { return nil }
            return String(cString: p)
        }
        guard let state = field("C") else {
            let message = String(cString: PQresultErrorMessage(res))
            return PostgresError(code: .connectionClosed, message: message.isEmpty ? connectionMessage : message)
        }
        // A prepared statement whose tables changed under it; the text alone tells this
        // 0A000 from the other "feature not supported" errors.
        let planChanged = state == "0A000" && (field("M") ?? "").hasPrefix("cached plan must not change result type")
        return PostgresError(
            code: planChanged ? .cachedPlanChanged : PostgresError.code(forSQLState: state), sqlState: state,
            message: field("M") ?? "", detail: field("D"), hint: field("H"),
            constraint: field("n"), table: field("t"), column: field("c"))
    }
}

/// The statements one connection has prepared, by SQL text, at most `capacity` of
/// them: a store builds a bounded set of texts, but a filter with a variable list of
/// conditions makes new ones, and each costs the server memory for the session.
struct PreparedStatements {
    let capacity: Int
    private var names: [String: (name: String, used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private var counter = 0

    init(capacity: Int) { self.capacity = max(capacity, 1) }

    mutating func name(for sql: String) -> String? {
        guard let entry = names[sql] else { return nil }
        clock += 1
        names[sql] = (entry.name, clock)
        return entry.name
    }

    /// Only the statements that read and write rows, which a request repeats: not
    /// BEGIN, COMMIT, SET or DDL, which gain nothing and would only fill the cache.
    static func worthPreparing(_ sql: String) -> Bool {
        let head = sql.utf8.drop(while: { $0 == 32 || $0 == 10 || $0 == 9 || $0 == 13 }).prefix(6)
        let word = String(decoding: head.map { $0 | 0x20 }, as: UTF8.self)
        return word.hasPrefix("select") || word.hasPrefix("insert") || word.hasPrefix("update")
            || word.hasPrefix("delete") || word.hasPrefix("with")
    }

    /// A name never used before on this connection.
    mutating func nextName() -> String {
        counter += 1
        return "baton_\(counter)"
    }

    /// Records a new statement; returns the name of the one it pushed out, if any.
    mutating func insert(sql: String, name: String) -> String? {
        var evicted: String?
        if names.count >= capacity, let oldest = names.min(by: { $0.value.used < $1.value.used }) {
            names[oldest.key] = nil
            evicted = oldest.value.name
        }
        clock += 1
        names[sql] = (name, clock)
        return evicted
    }

    mutating func remove(sql: String) -> String? {
        names.removeValue(forKey: sql)?.name
    }

    mutating func removeAll() { names = [:] }
}

/// Owns one `PGresult` and clears it when it goes.
final class OwnedResult {
    let handle: OpaquePointer?
    let connectionMessage: String

    init(_ handle: OpaquePointer?, connection: OpaquePointer) {
        self.handle = handle
        connectionMessage = handle == nil ? String(cString: PQerrorMessage(connection)) : ""
    }

    /// False for an error, or when there is no result at all.
    var succeeded: Bool {
        guard let handle else { return false }
        let status = PQresultStatus(handle)
        return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_SINGLE_TUPLE
            || status == PGRES_EMPTY_QUERY || status == PGRES_COPY_IN
    }

    deinit {
        if let handle { PQclear(handle) }
    }
}

/// Receives the server's notices (RAISE NOTICE, warnings) and logs them.
final class NoticeSink: @unchecked Sendable {
    let logger: Logger
    /// Set when the server reported a FATAL error outside any query: it is about
    /// to close the session (a restart, or pg_terminate_backend).
    private(set) var sawFatal = false
    init(logger: Logger) { self.logger = logger }

    func receive(_ res: OpaquePointer) {
        let severity = PQresultErrorField(res, Int32(Character("V").asciiValue!)).map { String(cString: $0) } ?? "NOTICE"
        let message = PQresultErrorField(res, Int32(Character("M").asciiValue!)).map { String(cString: $0) } ?? ""
        if severity == "FATAL" || severity == "PANIC" { sawFatal = true }
        let level: Logger.Level = severity == "WARNING" || severity == "FATAL" ? .warning : (severity == "DEBUG" ? .debug : .info)
        logger.log(level: level, "postgres \(severity.lowercased()): \(message)")
    }
}

private let noticeReceiver: PQnoticeReceiver = { argument, result in
    guard let argument, let result else { return }
    Unmanaged<NoticeSink>.fromOpaque(argument).takeUnretainedValue().receive(result)
}
