import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Postgres

/// Shows each request's id in the `X-Request-Id` header: the id Hummingbird gives every
/// request and puts in each of its log lines (`hb.request.id`). A second id of our own
/// cost a UUID and a copy of the logger's metadata a request.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if let id = Self.id(of: context) { response.headers[.requestID] = id }
        return response
    }

    /// The id in the request's log lines, if its logger carries one.
    static func id(of context: some RequestContext) -> String? {
        context.logger[metadataKey: "hb.request.id"]?.description
    }
}

/// Headers every response carries: no sniffing, no framing, no referrer leaks.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Finds the caller from `Authorization: Bearer …` or the session cookie. A bearer
/// token that matches nobody is a 401 at once; routes that need a caller ask for
/// one with `context.requireCaller()`.
///
/// The request holds one connection from its first statement to its end
/// (`withRequestLease`): the session lookup, the caller's row-level security settings
/// and the handler's statements all run on it, so a read goes to the pool once, not
/// once per `withConnection`. The lookup reads tables without row-level security
/// (sessions, API tokens, people) that every role may read, so it answers the same
/// whoever the connection acts for (`actingForAnyone`): a connection the last request
/// left acting for this caller's person needs no change of role at all. A read by a
/// caller the process remembers skips the look-up's round trip (`respondAsRemembered`).
/// Requests outside these routes (static files, health) take no connection.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = BatonRequestContext
    let services: AppServices

    static let cookieName = "baton_session"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await services.pool.withRequestLease {
            try await authenticated(request, context: context, next: next)
        }
    }

    private func authenticated(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let token: String
        let bearer: Bool
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw APIError.unauthenticated
            }
            (token, bearer) = (String(parts[1]).trimmingCharacters(in: .whitespaces), true)
        } else if let cookie = Self.sessionCookie(request) {
            (token, bearer) = (cookie, false)
        } else {
            return try await next(request, context)
        }
        let presented = PresentedToken(token)
        if let response = try await respondAsRemembered(request, context: context, token: token, presented: presented, bearer: bearer, next: next) {
            return response
        }
        var context = context
        context.caller = try await services.pool.withConnection(actingForAnyone: true) {
            try await services.sessions.authenticate($0, presented)
        }
        if context.caller == nil, bearer { throw APIError.unauthenticated }
        return try await respond(request, context: context, token: token, bearer: bearer, next: next)
    }

    /// A read by a caller this process remembers (`CallerCache`) sends no look-up of its
    /// own: the check that the caller still holds rides with the read's first statement.
    /// When it fails, nothing the read sent took effect; the hint is forgotten and nil
    /// returned, for the caller to be looked up afresh and the read to run again. Only
    /// reads: they can run again, and a write's body can be read only once.
    private func respondAsRemembered(
        _ request: Request, context: Context, token: String, presented: PresentedToken, bearer: Bool,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response? {
        guard request.method == .get || request.method == .head else { return nil }
        let callers = services.sessions.callers
        guard let remembered = callers.entry(forTokenHash: presented.hash),
            services.pool.requireForRequest(services.sessions.credentialHolds(remembered))
        else { return nil }
        var context = context
        context.caller = remembered.caller
        do {
            let response = try await respond(request, context: context, token: token, bearer: bearer, next: next)
            // A read that sent nothing (or caught the check's error) learns it here.
            try await services.pool.settleRequestPrecondition()
            return response
        } catch {
            // A refusal given before any statement (by role, say) may rest on a stale hint:
            // it stands only once the check has held.
            if !services.pool.requestPreconditionFailed { _ = try? await services.pool.settleRequestPrecondition() }
            guard services.pool.requestPreconditionFailed else { throw error }
            callers.forget(tokenHash: presented.hash)
            services.pool.dropRequestPrecondition()
            return nil
        }
    }

    private func respond(
        _ request: Request, context: Context, token: String, bearer: Bool,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let caller = context.caller else { return try await next(request, context) }
        if !bearer, request.uri.path.hasPrefix("/api/") {
            try Self.checkCookieWrite(request, sessionToken: token)
        }
        var context = context
        context.logger[metadataKey: "user_id"] = .stringConvertible(caller.id)
        // Admins see everything; everyone else is held to their scope by the
        // database too (sql/0012_row_level_security.sql), whatever a query says.
        if caller.isAdmin { return try await next(request, context) }
        return try await ActingRole.$current.withValue(.member(caller.id)) {
            try await next(request, context)
        }
    }

    /// A browser sends the session cookie with whatever request a page anywhere makes,
    /// a cross-site form included (a `text/plain` form can even carry JSON), so a
    /// cookie-authenticated change to the API must show it comes from Baton's own
    /// pages: the page's CSRF token in `X-CSRF-Token` (the token the forms carry), or
    /// a browser's word that the request is same-origin (`Sec-Fetch-Site:
    /// same-origin`, or an `Origin` whose host is this request's `Host`). Reads, and
    /// requests with `Authorization: Bearer`, which a browser never adds by itself,
    /// are not affected. The pages' own form posts check their CSRF field instead.
    static func checkCookieWrite(_ request: Request, sessionToken: String) throws {
        if [.get, .head, .options].contains(request.method) { return }
        if let sent = request.headers[.csrfToken], sent == WebSession.csrfToken(sessionToken: sessionToken) { return }
        if request.headers[.secFetchSite]?.lowercased() == "same-origin" { return }
        if let origin = request.headers[.origin], let host = request.head.authority, sameHost(origin: origin, host: host) { return }
        throw APIError(.forbidden, code: "cross-site-request", title: "Cross-site request refused",
                       detail: "A change made with the session cookie must come from Baton's own pages: send the page's CSRF token in an X-CSRF-Token header, or use an API token (Authorization: Bearer).")
    }

    /// Whether an `Origin` (`https://crm.example:8443`) names the host (and port) the
    /// request was sent to. `null` and anything unparsable are foreign.
    static func sameHost(origin: String, host: String) -> Bool {
        guard let url = URL(string: origin), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let originHost = url.host?.lowercased()
        else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        let requestHost = host.lowercased()
        if originAuthority == requestHost { return true }
        // A default port may be written on one side and left out on the other.
        let defaultPort = scheme == "https" ? ":443" : ":80"
        return url.port == nil && requestHost == originHost + defaultPort
            || url.port.map { defaultPort == ":\($0)" && requestHost == originHost } == true
    }

    static func sessionCookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let kv = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if kv.count == 2, kv[0] == cookieName, !kv[1].isEmpty { return kv[1] }
            }
        }
        return nil
    }
}

extension Request {
    /// A positive integer path parameter; anything else is a 404, since no record has that id.
    func id(_ context: some RequestContext, _ name: String = "id") throws -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw APIError(.notFound, code: "not-found", title: "Not found", detail: "No record has the id \(context.parameters.get(name) ?? "").")
        }
        return id
    }
}

extension ActingRole {
    /// The role the row-level security policies apply to, acting for one person.
    static func member(_ userID: Int64) -> ActingRole {
        ActingRole(role: "baton_member", settings: ["baton.acting_user": String(userID)])
    }
}
