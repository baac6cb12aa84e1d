import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import Postgres

/// `/sessions`, `/me` and `/tokens`: signing in and out, who I am, my API tokens.
struct AuthRoutes {
    let services: AppServices

    struct SignInInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case email, password }
        var email: String
        var password: String
    }

    struct TokenInput: StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case name }
        var name: String
    }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.post("sessions") { request, context in try await signIn(request, context).response }
        api.delete("sessions/current") { request, context in try await signOut(request, context) }
        api.get("me") { request, context in try await me(context).response }
        api.post("me/calendar-token") { request, context in try await newCalendarToken(context).response }
        api.get("tokens") { request, context in
            let caller = try context.requireCaller()
            let page = try PageRequest(request)
            let tokens = try await services.pool.withConnection { try await services.sessions.listTokens($0, userID: caller.id, page: page) }
            return try APIResponse.json(tokens).response
        }
        api.post("tokens") { request, context in try await createToken(request, context).response }
        api.delete("tokens/:id") { request, context in
            let caller = try context.requireCaller()
            let id = try request.id(context)
            let revoked = try await services.pool.withTransaction {
                try await services.sessions.revokeToken($0, userID: caller.id, tokenID: id)
            }
            guard revoked else { throw APIError.notFound("API token") }
            return Response(status: .noContent)
        }
    }

    func signIn(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let (input, _) = try await JSON.decode(SignInInput.self, from: request)
        let emailKey = PersonRules.emailKey(input.email)
        guard !emailKey.isEmpty, !input.password.isEmpty else {
            var v = Validator()
            v.check(!emailKey.isEmpty, "email", "Email must not be empty")
            v.check(!input.password.isEmpty, "password", "Password must not be empty")
            throw ValidationFailure(v.errors)
        }
        let address = ClientAddress.current ?? context.remoteAddress
        let outcome = try await SignIn(services: services).attempt(emailKey: emailKey, password: input.password, address: address, via: "api")
        let session: SessionStore.NewSession
        let userID: Int64
        switch outcome {
        case .throttled(let wait):
            throw APIError(.tooManyRequests, code: "too-many-attempts", title: "Too many attempts",
                           detail: "Too many failed sign-ins; wait \(SignIn.waitText(seconds: wait)) and try again.",
                           headers: [.retryAfter: String(wait)])
        case .refused:
            throw APIError(.unauthorized, code: "sign-in-failed", title: "Sign-in failed",
                           detail: "The email or the password is wrong.")
        case .signedIn(let new, let id):
            (session, userID) = (new, id)
        }
        guard let user = try await services.pool.withConnection({ try await services.users.findAny($0, id: userID) }) else {
            throw APIError.unauthenticated
        }
        struct Body: Encodable {
            var token: String
            var expiresAt: Timestamp
            var user: UserRecord
        }
        var headers = HTTPFields()
        headers[.setCookie] = sessionCookie(session.token, maxAge: services.configuration.sessionHours * 3600)
        return try .json(Body(token: session.token, expiresAt: session.expiresAt, user: user), status: .created, headers: headers)
    }

    func sessionCookie(_ value: String, maxAge: Int) -> String {
        var cookie = "\(AuthenticationMiddleware.cookieName)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax"
        if services.configuration.cookieSecure { cookie += "; Secure" }
        return cookie
    }

    /// Ends the credential the request was made with: the session, or, called with an
    /// API token, that token (so a script can retire its own token; it is audited
    /// like `DELETE /tokens/{id}`).
    func signOut(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        switch caller.credential {
        case .session(let id):
            try await services.pool.withConnection { try await services.sessions.revoke($0, sessionID: id) }
        case .apiToken(let id):
            _ = try await services.pool.withTransaction {
                try await services.sessions.revokeToken($0, userID: caller.id, tokenID: id)
            }
        }
        var response = Response(status: .noContent)
        response.headers[.setCookie] = sessionCookie("", maxAge: 0)
        return response
    }

    struct MeBody: Encodable, KeepsEveryKey {
        var user: UserRecord
        var reportingLine: [UserStore.PersonRef]
        var directReports: [UserStore.PersonRef]
        var calendarUrl: String

        func encode(to encoder: any Encoder) throws {
            try user.encode(to: encoder)
            enum Keys: String, CodingKey { case reportingLine, directReports, calendarUrl }
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(reportingLine, forKey: .reportingLine)
            try c.encode(directReports, forKey: .directReports)
            try c.encode(calendarUrl, forKey: .calendarUrl)
        }
    }

    func me(_ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let users = services.users
        let body = try await services.pool.withConnection { db in
            guard let user = try await users.findAny(db, id: caller.id) else { throw APIError.unauthenticated }
            return MeBody(
                user: user, reportingLine: try await users.managersAbove(db, userID: caller.id),
                directReports: try await users.directReports(db, userID: caller.id),
                calendarUrl: "/calendar/\(try await users.calendarToken(db, userID: caller.id)).ics")
        }
        return try .json(body, headers: ETag.headers(body.user.version))
    }

    func newCalendarToken(_ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let token = try await services.pool.withConnection { try await services.users.regenerateCalendarToken($0, userID: caller.id) }
        return try .json(["calendarUrl": "/calendar/\(token).ics"])
    }

    func createToken(_ request: Request, _ context: BatonRequestContext) async throws -> APIResponse {
        let caller = try context.requireCaller()
        let body = try await JSON.body(of: request)
        let (input, _) = try JSON.decode(TokenInput.self, from: body)
        let name = input.name.trimmed
        guard (1...100).contains(name.count) else {
            throw ValidationFailure("name", "Name must be 1 to 100 characters")
        }
        return try await services.pool.withTransaction { db in
            try await Idempotency.run(request, body: body, userID: caller.id, db: db, storing: Self.replayOfNewToken) {
                let token = try await services.sessions.createToken(db, userID: caller.id, name: name)
                return try .json(token, status: .created)
            }
        }
    }

    /// What a retry of `POST /tokens` with the same `Idempotency-Key` gets: the token's
    /// id and name, and a statement that its secret was shown once; the secret itself
    /// is never stored.
    static func replayOfNewToken(_ response: APIResponse) throws -> APIResponse {
        struct Replay: Encodable {
            var token: SessionStore.APIToken
            let secretShownOnce = true
            let detail = "This token was created by the first request with this Idempotency-Key; its secret was shown only in that response and is not kept. If it was lost, revoke this token (DELETE /api/v1/tokens/{id}) and create a new one."

            func encode(to encoder: any Encoder) throws {
                try token.encode(to: encoder)
                enum Keys: String, CodingKey { case secretShownOnce, detail }
                var c = encoder.container(keyedBy: Keys.self)
                try c.encode(secretShownOnce, forKey: .secretShownOnce)
                try c.encode(detail, forKey: .detail)
            }
        }
        var token = try JSONDecoder().decode(SessionStore.APIToken.self, from: response.body)
        token.token = nil
        return try .json(Replay(token: token), status: response.status)
    }
}
