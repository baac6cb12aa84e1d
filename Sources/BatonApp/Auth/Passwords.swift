import HummingbirdBcrypt
import NIOPosix

/// bcrypt at cost 10 or more. Hashing is deliberately slow (tens of milliseconds),
/// so it runs on NIO's blocking thread pool, never on the cooperative pool that
/// serves requests.
enum Passwords {
    static let cost: UInt8 = 10

    static func hash(_ password: String) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash of a password nobody knows, checked when the email is unknown so that
    /// a wrong email takes as long as a wrong password and tells nothing.
    static let decoy = Bcrypt.hash("decoy password that matches nothing", cost: cost)
}
