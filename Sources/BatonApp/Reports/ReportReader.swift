import Foundation
import HTTPTypes
import Logging
import Postgres

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

    struct Source: Sendable {
        var name: String
        /// Seconds behind the primary, when a replica was asked.
        var lagSeconds: Double?

        var headers: HTTPFields {
            var fields: HTTPFields = [HTTPField.Name("Baton-Data-Source")!: name]
            if let lagSeconds { fields[HTTPField.Name("Baton-Replica-Lag")!] = String(format: "%.1f", lagSeconds) }
            return fields
        }
    }

    /// Runs `body` on the replica if it is close enough behind, else on the primary.
    func read<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> (T, Source) {
        guard let replica else { return (try await primary.withConnection(body), Source(name: "primary")) }
        var lag: Double?
        var lagKnown = false
        do {
            return try await replica.withConnection { db in
                let seconds = try await Self.lag(db)
                lag = seconds
                lagKnown = true
                guard let seconds, seconds <= Double(maxLagSeconds) else { throw ReplicaBehind(seconds: seconds) }
                return (try await body(db), Source(name: "replica", lagSeconds: seconds))
            }
        } catch let behind as ReplicaBehind {
            logger.warning("the replica is \(behind.seconds.map { "\(Int($0)) s" } ?? "an unknown time") behind; reading the primary")
        } catch let error as PostgresError where error.isUnavailable {
            logger.warning("the replica is unavailable (\(error.code.rawValue)); reading the primary")
        }
        let said = lag.map { "primary; replica \(Int($0)) s behind" } ?? (lagKnown ? "primary; replica behind by an unknown time" : "primary; replica unavailable")
        return (try await primary.withConnection(body), Source(name: said, lagSeconds: lag))
    }

    /// How far behind the primary the replica is, in seconds: 0 when it has replayed
    /// everything and is still receiving; the time since its last replayed commit when
    /// it has more to replay; nil when that cannot be known (it is not receiving from
    /// the primary at all, or has replayed no commit since it started), which counts
    /// as too far behind. A server that is not in recovery is never behind.
    static func lag(_ db: Connection) async throws -> Double? {
        let row = try await db.query("""
            SELECT pg_is_in_recovery() AS standby,
                   EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE pid IS NOT NULL) AS receiving,
                   pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() AS caught_up,
                   extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since_replay
            """).first!
        guard try row.decode("standby", as: Bool.self) else { return 0 }
        guard try row.decode("receiving", as: Bool.self) else { return nil }
        if try row.decode("caught_up", as: Bool.self) { return 0 }
        return try row.decode("since_replay", as: Double?.self)
    }

    private struct ReplicaBehind: Error {
        let seconds: Double?
    }
}
