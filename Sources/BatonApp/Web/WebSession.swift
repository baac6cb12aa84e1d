import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// What the browser pages share: form bodies, the CSRF token, redirects.
///
/// Every form post carries a CSRF token. Signed in, it is derived from the session
/// token (a keyed hash, so it cannot be guessed from outside and needs no storage);
/// before signing in, the sign-in form uses a random cookie it must echo back (the
/// double-submit pattern). A post without a matching token is refused with 403.
enum WebSession {
    static let csrfCookie = "baton_csrf"

    static func csrfToken(sessionToken: String) -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Data(("csrf:" + sessionToken).utf8)))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("baton-forms".utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func cookie(_ request: Request, _ name: String) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2, kv[0] == name, !kv[1].isEmpty { return kv[1] }
            }
        }
        return nil
    }

    /// An `application/x-www-form-urlencoded` body, at most 64 KiB.
    static func form(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 64 << 10)
        let text = String(buffer: buffer)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            // A bare "=" splits into nothing: skip it rather than trap on kv[0].
            guard let key = kv.first else { continue }
            fields[key] = kv.count == 2 ? kv[1] : ""
        }
        return fields
    }

    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location]
        for cookie in cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// A local path to return to after signing in; anything else goes home.
    ///
    /// Only `/` followed by a character other than `/` and `\` (or `/` alone), with
    /// no backslash, control character or whitespace anywhere: browsers drop tabs and
    /// newlines from a URL and read `\` as `/`, so `/<tab>/evil.example` or
    /// `/\evil.example` would take the person to another host.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), next.utf8.count <= 2048 else { return "/" }
        let scalars = Array(next.unicodeScalars)
        if scalars.count > 1, scalars[1] == "/" || scalars[1] == "\\" { return "/" }
        let refused = scalars.contains { scalar in
            scalar == "\\" || scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
                || scalar.properties.generalCategory == .format || scalar.properties.generalCategory == .lineSeparator
                || scalar.properties.generalCategory == .paragraphSeparator
        }
        return refused ? "/" : next
    }
}
