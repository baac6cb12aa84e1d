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
        do {
            return try await replica.withConnection { db in
                // Caught up with everything it received: no lag, however long ago the last write was.
                let row = try await db.query("""
                    SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                                ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END AS lag
                    """).first!
                let seconds = try row.decode("lag", as: Double?.self) ?? 0
                lag = seconds
                guard seconds <= Double(maxLagSeconds) else { throw ReplicaBehind(seconds: seconds) }
                return (try await body(db), Source(name: "replica", lagSeconds: seconds))
            }
        } catch let behind as ReplicaBehind {
            logger.warning("the replica is \(Int(behind.seconds)) s behind; reading the primary")
        } catch let error as PostgresError where error.isUnavailable {
            logger.warning("the replica is unavailable (\(error.code.rawValue)); reading the primary")
        }
        return (try await primary.withConnection(body), Source(name: lag.map { "primary; replica \(Int($0)) s behind" } ?? "primary; replica unavailable",
                                                             lagSeconds: lag))
    }

    private struct ReplicaBehind: Error {
        let seconds: Double
    }
}
