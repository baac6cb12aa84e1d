import Foundation

/// One connection held for a whole request, so that its session lookup, its row-level
/// security settings and its handler's statements run on one lease instead of going
/// back to the pool (an actor hop, a probe of the socket, and a thread hop each) between
/// them.
///
/// `ConnectionPool.withRequestLease` makes one and puts it in a task-local; inside it,
/// `withConnection` and `withTransaction` of the same pool use the request's connection
/// instead of leasing one, so no handler changes. The connection is leased lazily, on
/// the first statement: a request that never reaches the database takes none.
///
/// Only one body at a time uses it. A second `withConnection` while the first still runs
/// (nested inside it, or in a child task) gets a connection of its own from the pool,
/// exactly as before: a nested call keeps its own transaction, and two tasks never share
/// a libpq connection.
public final class RequestLease: @unchecked Sendable {
    let pool: ConnectionPool
    private let lock = NSLock()
    private var connection: Connection?
    private var busy = false
    private var finished = false
    /// The request's precondition (`ConnectionPool.requireForRequest`), if it has one.
    private var precondition: RequestPrecondition?

    init(pool: ConnectionPool) { self.pool = pool }

    func require(_ statement: Query) {
        lock.withLock { precondition = RequestPrecondition(statement) }
    }

    var currentPrecondition: RequestPrecondition? { lock.withLock { precondition } }

    func dropPrecondition() {
        lock.withLock { precondition = nil }
    }

    @TaskLocal static var current: RequestLease?

    enum Claim {
        /// The request's connection, now reserved for the caller.
        case held(Connection)
        /// Reserved for the caller, who leases the request's connection from the pool.
        case empty
    }

    /// Reserves the request's connection; nil when it is in use or the request is over.
    func claim() -> Claim? {
        lock.withLock {
            guard !busy, !finished else { return nil }
            busy = true
            return connection.map(Claim.held) ?? .empty
        }
    }

    /// The connection a claim of `.empty` leased for the request.
    func adopt(_ leased: Connection) {
        lock.withLock { connection = leased }
    }

    /// Ends a claim: `kept` is the connection when it can serve the request again, nil
    /// when it broke (and was closed). Returns the connection to hand back to the pool
    /// when the request ended meanwhile.
    func unclaim(keeping kept: Connection?) -> Connection? {
        lock.withLock {
            busy = false
            connection = kept
            guard finished else { return nil }
            defer { connection = nil }
            return connection
        }
    }

    /// The request is over: its connection, if no claim holds it, goes back to the pool;
    /// one still claimed (by a task the request left running) goes back when released.
    func finish() -> Connection? {
        lock.withLock {
            finished = true
            guard !busy else { return nil }
            defer { connection = nil }
            return connection
        }
    }
}

/// A statement none of a request's statements may take effect without, such as "the
/// caller's session still holds". It is not sent by itself: it rides in the pipeline just
/// before the first statement the request sends on the pool (`Connection.pipeline`), so a
/// request pays no round trip of its own for it; when it fails, that statement and every
/// later one of the request fail with its error, and nothing the request did reached the
/// database.
final class RequestPrecondition: @unchecked Sendable {
    enum Outcome {
        case unknown
        case held
        case failed(PostgresError)
    }

    let statement: Query
    private let lock = NSLock()
    private var _outcome = Outcome.unknown

    init(_ statement: Query) { self.statement = statement }

    var outcome: Outcome { lock.withLock { _outcome } }

    /// True while no statement has shown whether it holds: it must ride with the next one.
    var isUnknown: Bool {
        if case .unknown = outcome { return true }
        return false
    }

    func settle(_ outcome: Outcome) { lock.withLock { _outcome = outcome } }
}

extension ConnectionPool {
    /// Makes `statement` the precondition of the current request's statements on this
    /// pool (see `RequestPrecondition`). Does nothing outside `withRequestLease`, where
    /// there is no request to hold to it; returns whether it was taken.
    @discardableResult
    public func requireForRequest(_ statement: Query) -> Bool {
        guard let lease = RequestLease.current, lease.pool === self else { return false }
        lease.require(statement)
        return true
    }

    /// Whether the current request's precondition was sent and failed.
    public var requestPreconditionFailed: Bool {
        guard let lease = RequestLease.current, lease.pool === self,
            case .failed = lease.currentPrecondition?.outcome
        else { return false }
        return true
    }

    /// Forgets the current request's precondition (it failed, and the request starts over
    /// without one).
    public func dropRequestPrecondition() {
        guard let lease = RequestLease.current, lease.pool === self else { return }
        lease.dropPrecondition()
    }

    /// Makes sure the current request's precondition holds before its response leaves: a
    /// request that sent no statement sends it now, in a round trip of its own. Throws its
    /// error when it failed.
    public func settleRequestPrecondition() async throws {
        guard let lease = RequestLease.current, lease.pool === self, let precondition = lease.currentPrecondition else { return }
        if precondition.isUnknown {
            try await withConnection(actingForAnyone: true) { try await $0.sendPrecondition() }
        }
        if case .failed(let error) = precondition.outcome { throw error }
    }

    /// Runs `body` (a request) with one connection of this pool for all its statements.
    public func withRequestLease<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        let lease = RequestLease(pool: self)
        do {
            let value = try await RequestLease.$current.withValue(lease) { try await body() }
            if let connection = lease.finish() { await release(connection) }
            return value
        } catch {
            if let connection = lease.finish() { await release(connection) }
            throw error
        }
    }

    /// Runs `body` with no request lease: its statements lease connections of their own,
    /// and the request's connection (if any) stays free. For a request that does slow work
    /// between statements (a password check), which should not hold a connection meanwhile.
    public static func withoutRequestLease<T>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws -> T
    ) async throws -> T {
        try await RequestLease.$current.withValue(nil) { try await body() }
    }

    /// A connection for one body: the request's own when it has one of this pool and it
    /// is free, or one leased from the pool. Give it back with `giveBack(_:to:)`.
    func borrow() async throws -> (Connection, RequestLease?) {
        let (connection, lease) = try await borrowConnection()
        if let precondition = RequestLease.current.flatMap({ $0.pool === self ? $0.currentPrecondition : nil }) {
            if case .failed(let error) = precondition.outcome {
                await giveBack(connection, to: lease)
                throw error
            }
            // Any connection of the request, its own or a second one for a child task, carries it.
            if precondition.isUnknown { connection.precondition = precondition }
        }
        return (connection, lease)
    }

    private func borrowConnection() async throws -> (Connection, RequestLease?) {
        if let lease = RequestLease.current, lease.pool === self, let claim = lease.claim() {
            switch claim {
            case .held(let connection):
                return (connection, lease)
            case .empty:
                do {
                    let connection = try await self.lease()
                    lease.adopt(connection)
                    return (connection, lease)
                } catch {
                    _ = lease.unclaim(keeping: nil)
                    throw error
                }
            }
        }
        return (try await self.lease(), nil)
    }

    /// `failed`: the body threw, perhaps because the server ended the session (a FATAL
    /// error comes back as a query's result, and libpq sees the closed socket only on the
    /// next read), so the socket is probed before the request uses the connection again.
    func giveBack(_ connection: Connection, to lease: RequestLease?, failed: Bool = false) async {
        connection.precondition = nil
        guard let lease else { return await release(connection) }
        guard failed ? connection.probeIdle() : connection.isIdleAndOpen else {
            // Broken, or left inside a transaction: never reused, by the request or the pool.
            _ = lease.unclaim(keeping: nil)
            await release(connection)
            return
        }
        if let ended = lease.unclaim(keeping: connection) { await release(ended) }
    }
}
