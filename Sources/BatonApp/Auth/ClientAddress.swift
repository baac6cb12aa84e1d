import Foundation
import HTTPTypes
import Hummingbird

/// The address a request came from, for throttling sign-in and for the audit trail.
///
/// Without `TRUSTED_PROXY_HEADER` it is the socket's peer. Behind a reverse proxy every
/// peer is the proxy, so the proxy's header names the client instead; only that one
/// header is read, and only its last entry (the one the proxy itself appended): what a
/// client writes before it can be forged, so trusting it would let an attacker take
/// any address, or lock out someone else's.
enum ClientAddress {
    /// The address of the request being served, set by `ClientAddressMiddleware`, so
    /// that code given only the socket's address still throttles the real client.
    @TaskLocal static var current: String?

    static func resolve(_ request: Request, socketAddress: String, trustedHeader: HTTPField.Name?) -> String {
        guard let trustedHeader else { return socketAddress }
        let values = request.headers[values: trustedHeader]
        guard let last = values.joined(separator: ",").split(separator: ",").last else { return socketAddress }
        var entry = last.trimmingCharacters(in: .whitespaces)
        // RFC 7239 `Forwarded: for=192.0.2.60;proto=https`, `for="[2001:db8::1]:4711"`.
        if trustedHeader.canonicalName == "forwarded" {
            let pairs = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let forPair = pairs.first(where: { $0.lowercased().hasPrefix("for=") }) else { return socketAddress }
            entry = String(forPair.dropFirst(4)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return valid(entry) ? entry : socketAddress
    }

    /// An address or a proxy's obfuscated identifier: short, and only characters that
    /// addresses use, so nothing else reaches the throttle's table or the audit trail.
    static func valid(_ text: String) -> Bool {
        guard (1...64).contains(text.utf8.count) else { return false }
        return text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".:[]_-".unicodeScalars.contains($0)) }
    }
}

/// Works out the client's address once per request (see `ClientAddress`).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext
    let trustedHeader: HTTPField.Name?

    init(trustedHeader: String?) {
        self.trustedHeader = trustedHeader.flatMap { HTTPField.Name($0) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let address = ClientAddress.resolve(request, socketAddress: context.remoteAddress, trustedHeader: trustedHeader)
        return try await ClientAddress.$current.withValue(address) { try await next(request, context) }
    }
}
