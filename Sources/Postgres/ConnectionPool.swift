import Logging
import NIOPosix
import ServiceLifecycle

/// A bounded pool of connections, each leased to one task at a time.
///
/// Connections are opened lazily up to `maxConnections`. A task that finds none
/// free waits, for at most `leaseTimeout`, and then gets `.poolTimeout`. A
/// connection comes back only if it is open and outside any transaction; one that
/// broke is closed and its slot freed, so the pool heals itself after the server
/// restarts. Statements run with libpq in non-blocking mode (`Connection`); only
/// connecting and COPY block a thread, of the pool's own `NIOThreadPool`, so a slow
/// query never stalls an event loop.
public final class ConnectionPool: Sendable, Service {
    public let configuration: ConnectionConfiguration
    public let maxConnections: Int
    public let leaseTimeout: Duration
    public let maxTransactionAttempts: Int
    let threadPool: NIOThreadPool
    let logger: Logger
    private let state: PoolState

    public init(
        configuration: ConnectionConfiguration, maxConnections: Int = 10,
        leaseTimeout: Duration = .seconds(5), maxTransactionAttempts: Int = 3, logger: Logger
    ) {
        precondition(maxConnections > 0)
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.leaseTimeout = leaseTimeout
        self.maxTransactionAttempts = maxTransactionAttempts
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: maxConnections)
        threadPool.start()
        state = PoolState(limit: maxConnections)
    }

    public struct Statistics: Sendable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
        public var inUse: Int { open - idle }
    }

    public func statistics() async -> Statistics { await state.statistics() }

    /// Leases a connection for the duration of `body` (inside `withRequestLease`, the
    /// request's connection when it is free).
    ///
    /// Its statements run as the task's `ActingRole` (`Connection.act(as:)`). Behind a
    /// transaction pooler, where the role can only be set per transaction, the body
    /// runs in a transaction instead.
    ///
    /// `actingForAnyone`: the body's statements answer the same whoever the session acts
    /// for (a SECURITY DEFINER function's), so the connection is used as the last user
    /// left it, and no change of role is sent for them.
    public func withConnection<T>(
        isolation: isolated (any Actor)? = #isolation,
        actingForAnyone: Bool = false,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        let (connection, requestLease) = try await borrow()
        if ActingRole.current != nil, !connection.keepsSessionSettings {
            await giveBack(connection, to: requestLease)
            return try await withTransaction(isolation: isolation, .readCommitted, body)
        }
        if !actingForAnyone { connection.act(as: ActingRole.current) }
        do {
            let value = try await body(connection)
            await giveBack(connection, to: requestLease)
            return value
        } catch {
            await giveBack(connection, to: requestLease, failed: true)
            throw error
        }
    }

    /// Runs `body` inside BEGIN … COMMIT on one leased connection.
    ///
    /// A throw rolls back and rethrows the original error. Serialization failures
    /// and deadlocks run the whole body again, up to `maxTransactionAttempts`
    /// times, so `body` must be safe to repeat (it is, if it only talks to the
    /// database through `connection`).
    public func withTransaction<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ isolationLevel: IsolationLevel = .readCommitted,
        _ body: (Connection) async throws -> T
    ) async throws -> T {
        var attempt = 1
        while true {
            let (connection, requestLease) = try await borrow()
            connection.act(as: ActingRole.current)
            do {
                try await begin(connection, isolationLevel)
            } catch let error as PostgresError where error.isConnectionLevel && attempt < maxTransactionAttempts {
                // A connection that died while idle: the transaction never started.
                await giveBack(connection, to: requestLease, failed: true)
                attempt += 1
                continue
            } catch {
                await giveBack(connection, to: requestLease, failed: true)
                throw error
            }
            var committing = false
            do {
                let value = try await body(connection)
                // A body that sent nothing opened no transaction: nothing to commit.
                if connection.dropDeferredOpening() {
                    await giveBack(connection, to: requestLease)
                    return value
                }
                // A body that caught a database error leaves the transaction aborted;
                // COMMIT would quietly roll it back and report success.
                if connection.isInFailedTransaction {
                    throw PostgresError(code: .transactionAborted, sqlState: "25P02",
                                        message: "the transaction was aborted by an earlier error and was rolled back")
                }
                committing = true
                try await connection.query("COMMIT")
                await giveBack(connection, to: requestLease)
                return value
            } catch {
                connection.dropDeferredOpening()
                if connection.isInTransaction {
                    _ = try? await connection.query("ROLLBACK")
                }
                connection.forgetSessionIdentity()
                await giveBack(connection, to: requestLease, failed: true)
                // A connection lost before COMMIT was sent lost its transaction with it
                // (the server rolls back): like a conflict, the body runs again, on
                // another connection. One lost during COMMIT may have committed.
                let lostBeforeCommit = (error as? PostgresError)?.isConnectionLevel == true && !committing
                if let pgError = error as? PostgresError, pgError.isRetryableTransactionConflict || lostBeforeCommit,
                    attempt < maxTransactionAttempts
                {
                    attempt += 1
                    logger.debug("retrying transaction after \(pgError.code.rawValue)", metadata: ["attempt": "\(attempt)"])
                    continue
                }
                throw error
            }
        }
    }

    public enum IsolationLevel: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    /// Opens the transaction on paper: BEGIN (and, where the session cannot keep it, the
    /// acting role's settings) travel with the body's first statement, in one round trip
    /// (`Connection.deferOpening`).
    private func begin(_ connection: Connection, _ level: IsolationLevel) async throws {
        let begin = level == .readCommitted ? "BEGIN" : "BEGIN ISOLATION LEVEL \(level.rawValue)"
        let localRole = connection.keepsSessionSettings ? [] : ActingRole.current?.preludeStatements ?? []
        connection.deferOpening([Query(unsafeSQL: begin)] + localRole)
    }

    func lease() async throws -> Connection {
        while true {
            switch try await state.lease(timeout: leaseTimeout) {
            case .existing(let connection):
                // Cheap check for a server that went away while this sat idle.
                if connection.probeIdle() { return connection }
                logger.info("dropping a pooled connection that closed while idle")
                connection.close()
                await state.discard()
            case .create:
                do {
                    return try await Connection.connect(configuration, threadPool: threadPool, logger: logger)
                } catch {
                    await state.discard()
                    throw error
                }
            }
        }
    }

    func release(_ connection: Connection) async {
        if connection.isIdleAndOpen {
            connection.lastUsed = .now
            await state.giveBack(connection)
        } else {
            // Broken, or still inside a transaction someone forgot: never reuse it.
            connection.close()
            await state.discard()
        }
    }

    /// Closes idle connections and refuses new leases.
    public func shutdown() async {
        let idle = await state.close()
        idle.forEach { $0.close() }
        try? await threadPool.shutdownGracefully()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}

/// The pool's bookkeeping, serialized by an actor; no libpq call happens here.
actor PoolState {
    enum Lease: Sendable {
        case existing(Connection)
        case create
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private let limit: Int
    private var open = 0
    private var idle: [Connection] = []
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var closed = false

    init(limit: Int) { self.limit = limit }

    func statistics() -> ConnectionPool.Statistics {
        .init(open: open, idle: idle.count, waiting: waiters.count)
    }

    func lease(timeout: Duration) async throws -> Lease {
        if closed { throw PostgresError(code: .poolClosed, message: "the connection pool is shut down") }
        if let connection = idle.popLast() { return .existing(connection) }
        if open < limit {
            open += 1
            return .create
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return try await withCheckedThrowingContinuation { continuation in
            waiters.append(Waiter(id: id, continuation: continuation))
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        guard let i = waiters.firstIndex(where: { $0.id == id }) else { return }
        let waiter = waiters.remove(at: i)
        waiter.continuation.resume(
            throwing: PostgresError(code: .poolTimeout, message: "no database connection became free in time"))
    }

    func giveBack(_ connection: Connection) {
        if closed {
            connection.close()
            open -= 1
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().continuation.resume(returning: .existing(connection))
        } else {
            idle.append(connection)
        }
    }

    /// A leased connection was closed (or never opened): free its slot.
    func discard() {
        open -= 1
        if !closed, !waiters.isEmpty {
            open += 1
            waiters.removeFirst().continuation.resume(returning: .create)
        }
    }

    func close() -> [Connection] {
        closed = true
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the connection pool is shut down"))
        }
        waiters = []
        let connections = idle
        open -= idle.count
        idle = []
        return connections
    }
}
