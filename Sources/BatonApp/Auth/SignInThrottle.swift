import BatonCore
import Postgres

/// Slows password guessing: after 5 failed sign-ins for one email within 15
/// minutes, that email is refused with 429 until the oldest of them is 15 minutes
/// old; one address gets 30 failures in the same window across all emails.
/// Attempts live in the database, so every Baton process counts the same ones.
struct SignInThrottle: Sendable {
    var failuresPerEmail = 5
    var failuresPerAddress = 30
    var windowMinutes = 15

    /// Seconds until the caller may try again, or nil when they may try now.
    func retryAfter(_ db: Connection, emailKey: String, address: String) async throws -> Int? {
        let row = try await db.query("""
            WITH last_success AS (
                SELECT coalesce(max(at), '-infinity') AS at FROM sign_in_attempts
                WHERE email_key = \(emailKey) AND succeeded
            ), by_email AS (
                SELECT at FROM sign_in_attempts
                WHERE email_key = \(emailKey) AND NOT succeeded
                  AND at > now() - make_interval(mins => \(windowMinutes))
                  AND at > (SELECT at FROM last_success)
                ORDER BY at DESC LIMIT \(failuresPerEmail)
            ), by_address AS (
                SELECT at FROM sign_in_attempts
                WHERE address = \(address) AND NOT succeeded
                  AND at > now() - make_interval(mins => \(windowMinutes))
                ORDER BY at DESC LIMIT \(failuresPerAddress)
            )
            SELECT
                (SELECT count(*) FROM by_email) AS email_failures,
                (SELECT ceil(extract(epoch FROM min(at) + make_interval(mins => \(windowMinutes)) - now()))::int FROM by_email) AS email_wait,
                (SELECT count(*) FROM by_address) AS address_failures,
                (SELECT ceil(extract(epoch FROM min(at) + make_interval(mins => \(windowMinutes)) - now()))::int FROM by_address) AS address_wait
            """).first!
        var wait: Int?
        if try row.decode("email_failures", as: Int.self) >= failuresPerEmail {
            wait = max(1, try row.decode("email_wait", as: Int?.self) ?? 1)
        }
        if try row.decode("address_failures", as: Int.self) >= failuresPerAddress {
            wait = max(wait ?? 1, try row.decode("address_wait", as: Int?.self) ?? 1)
        }
        return wait
    }

    func record(_ db: Connection, emailKey: String, address: String, succeeded: Bool) async throws {
        try await db.query("""
            INSERT INTO sign_in_attempts (email_key, address, succeeded) VALUES (\(emailKey), \(address), \(succeeded))
            """)
    }
}
