import Foundation
import Postgres

/// The people behind the session cookies and API tokens this process has seen, so that a
/// read need not look its caller up in a round trip of its own before its first statement.
///
/// A remembered caller is only a hint. The request sends `credential_holds`
/// (sql/functions/credentials.sql) in the same pipeline as its first statement: if the
/// session or token was revoked, expired or sat idle too long, or the person was deactivated
/// or their name, email or roles changed, by this process or any other, the check raises
/// and that statement is skipped; the request then forgets the hint and starts over with a
/// full look-up (`AuthenticationMiddleware`). The hint saves a round trip; it never decides.
final class CallerCache: @unchecked Sendable {
    struct Entry: Sendable {
        let caller: Caller
        /// The person's roles exactly as stored (order included), which the check compares.
        let storedRoles: [String]
    }

    /// Enough for every person of a large firm with a few devices each; past it the whole
    /// cache starts over, which costs each caller one full look-up.
    static let capacity = 20_000

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// The token hash remembered for each credential (a session or API token has one
    /// token), so that a revocation finds its entry without walking the cache.
    private var hashes: [Caller.Credential: String] = [:]

    /// The caller remembered for a token's hash.
    func entry(forTokenHash hash: String) -> Entry? {
        lock.withLock { entries[hash] }
    }

    func remember(_ entry: Entry, forTokenHash hash: String) {
        lock.withLock {
            if entries.count >= Self.capacity, entries[hash] == nil {
                entries.removeAll(keepingCapacity: true)
                hashes.removeAll(keepingCapacity: true)
            }
            // Another hash for the same credential cannot be its token any more.
            if let old = hashes.updateValue(hash, forKey: entry.caller.credential), old != hash {
                entries[old] = nil
            }
            entries[hash] = entry
        }
    }

    func forget(tokenHash hash: String) {
        lock.withLock {
            guard let entry = entries.removeValue(forKey: hash) else { return }
            if hashes[entry.caller.credential] == hash { hashes[entry.caller.credential] = nil }
        }
    }

    /// Forgets a credential revoked here, so that its next request does not try it first.
    func forget(_ credential: Caller.Credential) {
        lock.withLock {
            if let hash = hashes.removeValue(forKey: credential) { entries[hash] = nil }
        }
    }

    var count: Int { lock.withLock { entries.count } }
}
