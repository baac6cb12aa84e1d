import BatonCore
import Postgres

/// Slows password guessing without handing anyone a switch that locks others out.
///
/// - Per (email, address) pair: an attempt is counted *before* its password is
///   checked, in one statement under the pair's row lock, so parallel guesses count
///   one after another. The fifth failure in a row locks the pair for a minute, and
///   each further failure doubles the lock (at most an hour). A success clears it.
///   Another address is not affected: an attacker cannot lock the admin out of
///   their own desk.
/// - Per address (password spraying across many emails): 30 failures within 15
///   minutes turn that address away, except for people who signed in from it in the
///   last 30 days, so one attacker behind an office's address does not lock out
///   everyone behind it.
///
/// An unknown email is counted and locked exactly like a known one, so the answers
/// tell nothing about which emails exist. State lives in the database
/// (`sql/0017_sign_in_pairs.sql`), so every Baton process counts the same attempts.
struct SignInThrottle: Sendable {
    var failuresPerPair = 5
    var firstLockSeconds = 60
    var longestLockSeconds = 3600
    /// A pair quiet this long starts counting from zero again.
    var forgetAfterHours = 24
    var failuresPerAddress = 30
    var addressWindowMinutes = 15
    var knownForDays = 30

    /// Counts an attempt for the pair and answers nil when its password may be
    /// checked now, or the seconds to wait when the pair or the address is locked
    /// (then nothing is counted, and no password may be checked).
    func begin(_ db: Connection, emailKey: String, address: String) async throws -> Int? {
        if let wait = try await addressWait(db, emailKey: emailKey, address: address) { return wait }
        let next: Query = """
            (CASE WHEN p.last_attempt_at < now() - make_interval(hours => \(forgetAfterHours)) THEN 1 ELSE p.failures + 1 END)
            """
        // The WHERE on DO UPDATE leaves a locked pair untouched, and then RETURNING gives no row.
        let counted = try await db.query("""
            INSERT INTO sign_in_pairs AS p (email_key, address, failures, locked_until, last_attempt_at)
            VALUES (\(emailKey), \(address), 1, \(lock(failures: "1")), now())
            ON CONFLICT (email_key, address) DO UPDATE SET
                failures = \(next), locked_until = \(lock(failures: next)), last_attempt_at = now()
            WHERE p.locked_until IS NULL OR p.locked_until <= now()
            RETURNING failures
            """)
        if !counted.isEmpty { return nil }
        let row = try await db.query("""
            SELECT greatest(1, ceil(extract(epoch FROM locked_until - now())))::int AS wait
            FROM sign_in_pairs WHERE email_key = \(emailKey) AND address = \(address)
            """).first
        return max(1, try row?.decode("wait", as: Int?.self) ?? 1)
    }

    /// The end of the lock that `failures` failures in a row earn, or NULL below the limit.
    private func lock(failures: Query) -> Query {
        """
        CASE WHEN \(failures) >= \(failuresPerPair)::int THEN now() + make_interval(secs => least(
            \(Double(longestLockSeconds))::float8,
            \(Double(firstLockSeconds))::float8 * power(2::float8, (\(failures) - \(failuresPerPair)::int)::float8)))
        END
        """
    }

    private func addressWait(_ db: Connection, emailKey: String, address: String) async throws -> Int? {
        guard let row = try await db.query("""
            WITH recent AS (
                SELECT at FROM sign_in_attempts
                WHERE address = \(address) AND NOT succeeded
                  AND at > now() - make_interval(mins => \(addressWindowMinutes))
                ORDER BY at DESC LIMIT \(failuresPerAddress)
            )
            SELECT
                (SELECT count(*) FROM recent) AS failures,
                (SELECT ceil(extract(epoch FROM min(at) + make_interval(mins => \(addressWindowMinutes)) - now()))::int FROM recent) AS wait,
                EXISTS (
                    SELECT 1 FROM sign_in_pairs
                    WHERE email_key = \(emailKey) AND address = \(address)
                      AND last_success_at > now() - make_interval(days => \(knownForDays))
                ) AS known
            """).first else { return nil }
        guard try row.decode("failures", as: Int.self) >= failuresPerAddress, !(try row.decode("known", as: Bool.self)) else {
            return nil
        }
        return max(1, try row.decode("wait", as: Int?.self) ?? 1)
    }

    /// Why an attempt failed, for the audit trail only: the answer never says.
    enum Failure: String, Sendable {
        case wrongPassword = "wrong-password", unknownEmail = "unknown-email", inactive, noPassword = "no-password"
    }

    /// Records the outcome of an attempt that `begin` let through: a success clears
    /// the pair's failures and marks the person as known at that address. Either way
    /// the attempt goes into the audit trail (email, address, outcome; never the
    /// password), in the caller's transaction. `actorID` is who the entry is in the
    /// name of: the person on a success, nobody on a failed sign-in (anyone may type
    /// an email), the signed-in caller when they got their current password wrong.
    @discardableResult
    func finish(
        _ db: Connection, emailKey: String, address: String, userID: Int64?, failure: Failure?, via: String, actorID: Int64?
    ) async throws -> Int64 {
        let succeeded = failure == nil
        guard let row = try await db.query("""
            INSERT INTO sign_in_attempts (email_key, address, succeeded) VALUES (\(emailKey), \(address), \(succeeded))
            RETURNING id
            """).first else { throw APIError.internalError }
        let attemptID: Int64 = try row.decode("id")
        if succeeded {
            try await db.query("""
                UPDATE sign_in_pairs SET failures = 0, locked_until = NULL, last_success_at = now()
                WHERE email_key = \(emailKey) AND address = \(address)
                """)
        }
        var entry: AuditSnapshot = [
            "email": .text(emailKey), "address": .text(address), "via": .text(via),
            "outcome": .text(failure.map { "failed: \($0.rawValue)" } ?? "signed in"),
        ]
        if let userID { entry["userId"] = .int(userID) }
        try await AuditTrail.record(db, actorID: actorID, entity: "sign_in", entityID: attemptID,
                                    action: .create, before: nil, after: entry)
        return attemptID
    }

    /// Clears a pair's failures after its password was proved some other way than
    /// signing in (changing it); what `finish` does for a success, without an entry.
    func clear(_ db: Connection, emailKey: String, address: String) async throws {
        try await db.query("""
            UPDATE sign_in_pairs SET failures = 0, locked_until = NULL
            WHERE email_key = \(emailKey) AND address = \(address)
            """)
    }

    // MARK: The first form of this API, which the sign-in page still calls

    /// `begin`, for the request's own client address (see `ClientAddress.current`).
    func retryAfter(_ db: Connection, emailKey: String, address: String) async throws -> Int? {
        try await begin(db, emailKey: emailKey, address: ClientAddress.current ?? address)
    }

    /// `finish`, for the request's own client address; a success is attributed to the
    /// person the email belongs to.
    func record(_ db: Connection, emailKey: String, address: String, succeeded: Bool) async throws {
        let userID = try await db.query("SELECT id FROM users WHERE lower(email) = \(emailKey)").first?.decode("id", as: Int64.self)
        let failure: Failure? = succeeded ? nil : userID == nil ? .unknownEmail : .wrongPassword
        try await finish(db, emailKey: emailKey, address: ClientAddress.current ?? address, userID: userID,
                         failure: failure, via: "page", actorID: succeeded ? userID : nil)
    }
}
