import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request, like Hummingbird's `LogRequestsMiddleware`, but with the
/// secrets taken out of the target first (see `LogRedaction`): a client's status link
/// or a calendar feed URL in a log file would work for whoever reads the log.
///
/// Metrics need no such care: `MetricsMiddleware` labels requests with the route's
/// pattern (`/status/{token}`), never the path that was asked for.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    init(_ level: Logger.Level) {
        self.level = level
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        context.logger.log(level: level, "Request", metadata: [
            "hb.request.path": .string(LogRedaction.target(path: request.uri.path, query: request.uri.query)),
            "hb.request.method": .string(request.method.rawValue),
        ])
        return try await next(request, context)
    }
}

/// Takes secrets out of a request target before it is logged.
///
/// - Path segments after a prefix whose next segment is a secret (`/status/<token>`,
///   `/calendar/<token>.ics`: `secretPathPrefixes`, which a test checks against every
///   route with a parameter in its path), and any segment that looks like a random
///   secret (long, of base64url characters, mixing letters with digits or cases),
///   so that a route added later without being listed is still covered.
/// - Query values whose name says secret (`token`, `key`, `password`…), and in any
///   other value (a `next=/status/…`) the same path rules.
enum LogRedaction {
    static let redacted = "<redacted>"

    /// First path segments whose following segment is a secret.
    static let secretPathPrefixes: Set<String> = ["status", "calendar"]

    /// Query parameter names (lowercased) that hold secrets, matched as substrings.
    static let secretQueryNames = ["token", "key", "password", "passwd", "secret", "session", "csrf", "signature", "auth", "code"]

    static func target(path: String, query: String?) -> String {
        let redactedPath = Self.path(path)
        guard let query, !query.isEmpty else { return redactedPath }
        return redactedPath + "?" + Self.query(query)
    }

    static func path(_ path: String) -> String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // segments[0] is the empty text before the leading slash.
        if segments.count > 2, secretPathPrefixes.contains(segments[1].lowercased()) { segments[2] = redacted }
        for i in segments.indices where looksSecret(segments[i]) { segments[i] = redacted }
        return segments.joined(separator: "/")
    }

    static func query(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard parts.count == 2 else { return looksSecret(name) ? redacted : name }
            let decodedName = (name.removingPercentEncoding ?? name).lowercased()
            if secretQueryNames.contains(where: { decodedName.contains($0) }) { return name + "=" + redacted }
            let value = String(parts[1])
            let decoded = value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
            if decoded.hasPrefix("/") {
                let cleaned = path(decoded)
                return name + "=" + (cleaned == decoded ? value : cleaned)
            }
            return name + "=" + (looksSecret(decoded) ? redacted : value)
        }.joined(separator: "&")
    }

    /// A segment that is probably a random secret: 16 or more base64url characters
    /// (ignoring a file extension) mixing letters with digits, or upper with lower
    /// case. Baton's own path words are lowercase words joined by hyphens; ids are
    /// digits only.
    static func looksSecret(_ segment: String) -> Bool {
        var text = Substring(segment)
        if let dot = text.lastIndex(of: "."), text.distance(from: dot, to: text.endIndex) <= 5 { text = text[..<dot] }
        guard text.utf8.count >= 16 else { return false }
        var digit = false, lower = false, upper = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9": digit = true
            case "a"..."z": lower = true
            case "A"..."Z": upper = true
            case "-", "_": break
            default: return false
            }
        }
        return (digit && (lower || upper)) || (lower && upper)
    }
}
