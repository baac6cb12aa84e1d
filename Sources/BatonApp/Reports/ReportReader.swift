import Foundation
import HTTPTypes
import Logging
import Postgres
import Synchronization

/// Where the reports read from. With a streaming replica configured they read
/// there, so that managers' heavy reads never slow the writes; a replica that has
/// fallen more than `maxLagSeconds` behind (or is unreachable) is passed over for
/// the primary. Every report response says which one answered and how far behind
/// it was, in `Baton-Data-Source` and `Baton-Replica-Lag`.
struct ReportReader: Sendable {
    let primary: ConnectionPool
    let replica: ConnectionPool?
    let maxLagSeconds: Int
    let logger: Logger
    /// How long the lag probe may take before the replica counts as hung.
    var probeDeadline: Duration = .seconds(3)
    let health = ReplicaHealth()

    struct Source: Sendable {
        var name: String
        /// Seconds behind the primary, when a replica was asked.
        var lagSeconds: Double?

        var headers: HTTPFields {
            var fields = HTTPFields()
            if let source = HTTPField.Name("Baton-Data-Source") { fields[source] = name }
            if let lagSeconds, let lag = HTTPField.Name("Baton-Replica-Lag") { fields[lag] = String(format: "%.1f", lagSeconds) }
            return fields
        }
    }

    /// Runs `body` on the replica if it is close enough behind, else on the primary.
    func read<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> (T, Source) {
        guard let replica else { return (try await primary.withConnection(body), Source(name: "primary")) }
        var said = "primary; replica unavailable"
        var lag: Double?
        if await health.isDown {
            said = "primary; replica unavailable"
        } else {
            do {
                lag = try await probe(replica)
                if let seconds = lag, seconds <= Double(maxLagSeconds) {
                    return (try await replica.withConnection(body), Source(name: "replica", lagSeconds: seconds))
                }
                said = lag.map { "primary; replica \(Int($0)) s behind" } ?? "primary; replica behind by an unknown time"
                logger.warning("\(said)")
            } catch is ReplicaHung {
                await health.markDown(for: .seconds(30))
                logger.warning("the replica did not answer within \(probeDeadline); reading the primary for the next 30 s")
            } catch let error as PostgresError where error.isUnavailable {
                logger.warning("the replica is unavailable (\(error.code.rawValue)); reading the primary")
            }
        }
        return (try await primary.withConnection(body), Source(name: said, lagSeconds: lag))
    }

    /// The replica's lag, or `ReplicaHung` when it does not answer in time. A hung
    /// server (up, but answering nothing) would hold a blocking libpq call forever:
    /// the probe is left to finish on its own thread, the reports go to the primary
    /// meanwhile, and the replica is used again as soon as that probe gets its answer.
    private func probe(_ replica: ConnectionPool) async throws -> Double? {
        let deadline = probeDeadline, health = health
        return try await withCheckedThrowingContinuation { continuation in
            let once = ResumeOnce(continuation)
            Task {
                do {
                    let lag = try await replica.withConnection { try await Self.lag($0) }
                    // A probe that outlived its deadline answering at last: the replica is back.
                    await health.markUp()
                    once.resume(.success(lag))
                } catch {
                    once.resume(.failure(error))
                }
            }
            Task {
                try? await Task.sleep(for: deadline)
                once.resume(.failure(ReplicaHung()))
            }
        }
    }

    /// How far behind the primary the replica is, in seconds: 0 when it has replayed
    /// everything and is still receiving; the time since its last replayed commit when
    /// it has more to replay; nil when that cannot be known (it is not receiving from
    /// the primary at all, or has replayed no commit since it started), which counts
    /// as too far behind. A server that is not in recovery is never behind.
    static func lag(_ db: Connection) async throws -> Double? {
        let row = try await db.expectRow("""
            SELECT pg_is_in_recovery() AS standby,
                   EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL) AS receiving,
                   pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() AS caught_up,
                   extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since_replay
            """)
        guard try row.decode("standby", as: Bool.self) else { return 0 }
        guard try row.decode("receiving", as: Bool.self) else { return nil }
        if try row.decode("caught_up", as: Bool.self) { return 0 }
        return try row.decode("since_replay", as: Double?.self)
    }

    private struct ReplicaHung: Error {}
}

/// Remembers a replica that hung, so that each report does not wait on it again.
actor ReplicaHealth {
    private var downUntil: ContinuousClock.Instant?

    var isDown: Bool {
        guard let downUntil else { return false }
        return ContinuousClock.now < downUntil
    }

    func markDown(for duration: Duration) { downUntil = .now + duration }

    func markUp() { downUntil = nil }
}

/// Resumes a continuation once, whichever of several tasks gets there first.
private final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>

    init(_ continuation: CheckedContinuation<T, any Error>) { self.continuation = Mutex(continuation) }

    func resume(_ result: Result<T, any Error>) {
        continuation.withLock { c in
            c?.resume(with: result)
            c = nil
        }
    }
}
