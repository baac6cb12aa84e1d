import BatonCore
import Postgres

/// Signing in with an email and a password: the one place that decides, for the API
/// (`POST /sessions`) and the sign-in page alike.
///
/// The throttle counts the attempt before the password is checked (see
/// `SignInThrottle`); bcrypt runs for an unknown email too, so a wrong email answers
/// like a wrong password, as slowly; the outcome goes into the audit trail in the
/// same transaction that opens the session.
struct SignIn {
    let services: AppServices

    enum Outcome {
        case signedIn(SessionStore.NewSession, userID: Int64)
        /// The email or the password is wrong (the answer never says which).
        case refused
        case throttled(retryAfterSeconds: Int)
    }

    /// `via` says which door was used (`api`, `page`), for the audit trail.
    func attempt(emailKey: String, password: String, address: String, via: String) async throws -> Outcome {
        // Nobody acts yet: an old session cookie on the request must not put the
        // throttle and the audit entry (whose actor is the person signing in) under
        // that person's row-level security.
        // Nor does it hold the request's connection through bcrypt's tens of
        // milliseconds: each step leases its own.
        try await ActingRole.$current.withValue(nil) {
            try await ConnectionPool.withoutRequestLease {
                try await check(emailKey: emailKey, password: password, address: address, via: via)
            }
        }
    }

    private func check(emailKey: String, password: String, address: String, via: String) async throws -> Outcome {
        let pool = services.pool
        let throttle = services.throttle
        if let wait = try await pool.withConnection({ try await throttle.begin($0, emailKey: emailKey, address: address) }) {
            return .throttled(retryAfterSeconds: wait)
        }
        let account = try await pool.withConnection { try await services.users.passwordHash($0, emailKey: emailKey) }
        let matches = try await Passwords.verify(password, hash: account?.hash ?? Passwords.decoy)
        let failure: SignInThrottle.Failure? =
            if let account {
                account.hash == nil ? .noPassword : !account.active ? .inactive : matches ? nil : .wrongPassword
            } else {
                .unknownEmail
            }
        guard let account, failure == nil else {
            try await pool.withTransaction { db in
                try await throttle.finish(db, emailKey: emailKey, address: address, userID: account?.id, failure: failure ?? .wrongPassword,
                                  via: via, actorID: nil)
            }
            return .refused
        }
        let session = try await pool.withTransaction { db in
            try await throttle.finish(db, emailKey: emailKey, address: address, userID: account.id, failure: nil, via: via, actorID: account.id)
            return try await services.sessions.create(db, userID: account.id)
        }
        return .signedIn(session, userID: account.id)
    }

    /// "wait 3 minutes": the time a throttled person is told, rounded up.
    static func waitText(seconds: Int) -> String {
        if seconds < 60 { return seconds == 1 ? "a second" : "\(seconds) seconds" }
        let minutes = (seconds + 59) / 60
        return minutes == 1 ? "a minute" : "\(minutes) minutes"
    }
}
