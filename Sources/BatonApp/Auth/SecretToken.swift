import BatonCore
import Crypto
import Foundation

/// Bearer secrets: 256 random bits, base64url, with a prefix that tells their kind
/// (`bs_` a sign-in session, `bt_` a personal API token). Only their SHA-256 is
/// stored, so a copy of the database signs nobody in.
enum SecretToken {
    static let sessionPrefix = "bs_"
    static let apiTokenPrefix = "bt_"

    static func generate(prefix: String) -> String {
        prefix + randomString()
    }

    static func randomString(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<bytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The stored form of a token, as lowercase hex.
    static func hash(_ token: String) -> String {
        Hex.lowercase(SHA256.hash(data: Data(token.utf8)))
    }
}

/// A bearer token or session cookie as a request presents it, worked out once: the kind
/// of credential its prefix claims, and its hash, the only form the database and the
/// remembered callers (`CallerCache`) know it by.
struct PresentedToken: Sendable {
    enum Kind: Sendable { case session, apiToken }

    /// nil when the token has neither prefix: no credential of ours.
    let kind: Kind?
    let hash: String

    init(_ token: String) {
        kind = token.hasPrefix(SecretToken.sessionPrefix) ? .session
            : token.hasPrefix(SecretToken.apiTokenPrefix) ? .apiToken : nil
        hash = SecretToken.hash(token)
    }
}
