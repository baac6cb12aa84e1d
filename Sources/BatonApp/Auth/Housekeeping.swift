import Logging
import Postgres
import ServiceLifecycle

/// Deletes what Baton keeps only for a while: idempotency keys older than their 24
/// hours (so stored responses do not pile up in the database and its backups),
/// sign-in attempts older than a week, and throttle pairs long quiet.
///
/// Runs once at start and then every hour, as a service of the application. With
/// several Baton processes each runs it: every step is one plain DELETE of rows past
/// their age, so running it twice at once removes the same rows and harms nothing.
struct Housekeeping: Service {
    let pool: ConnectionPool
    let logger: Logger
    var every: Duration = .seconds(3600)
    var idempotencyHours = 24
    var attemptDays = 7
    var throttle = SignInThrottle()

    struct Purged: Sendable, Equatable {
        var idempotencyKeys: Int
        var signInAttempts: Int
        var signInPairs: Int
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let purged = try await purge()
                logger.debug("housekeeping", metadata: [
                    "idempotency_keys": "\(purged.idempotencyKeys)", "sign_in_attempts": "\(purged.signInAttempts)",
                    "sign_in_pairs": "\(purged.signInPairs)",
                ])
            } catch {
                // The database may be down for a while; the next round tries again.
                logger.warning("housekeeping failed: \(String(describing: error))")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: every) }
            } catch {
                return
            }
        }
    }

    @discardableResult
    func purge() async throws -> Purged {
        try await pool.withConnection { db in
            let keys = try await db.query("""
                DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => \(idempotencyHours))
                """).affectedRows
            let attempts = try await db.query("""
                DELETE FROM sign_in_attempts WHERE at < now() - make_interval(days => \(attemptDays))
                """).affectedRows
            let pairs = try await db.query("""
                DELETE FROM sign_in_pairs
                WHERE last_attempt_at < now() - make_interval(hours => \(throttle.forgetAfterHours))
                  AND (locked_until IS NULL OR locked_until < now())
                  AND (last_success_at IS NULL OR last_success_at < now() - make_interval(days => \(throttle.knownForDays)))
                """).affectedRows
            return Purged(idempotencyKeys: keys, signInAttempts: attempts, signInPairs: pairs)
        }
    }
}
