import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// The browser's pages: sign-in, home, accounts, an account's record page and the
/// week's assignments. Server-rendered; the forms work without JavaScript.
struct WebRoutes {
    let services: AppServices
    let renderer: PageRenderer

    struct Frame {
        struct Nav { var label: String; var href: String; var current: Bool }
        var title: String
        var nav: [Nav]
        var userName: String
        var roles: String
        var csrf: String
        /// The bell: unread notifications (`NotificationBellMiddleware`).
        var unread = 0
        var hasUnread = false
    }

    func frame(_ caller: Caller, sessionToken: String, title: String, area: String) -> Frame {
        var nav = [Frame.Nav(label: "Home", href: "/", current: area == "home")]
        if PipelineAccess.canRead(caller.roles) {
            nav.append(.init(label: "Accounts", href: "/accounts", current: area == "accounts"))
            nav.append(.init(label: "Pipeline", href: "/pipeline", current: area == "pipeline"))
            nav.append(.init(label: "Deals", href: "/opportunities", current: area == "deals"))
            nav.append(.init(label: "Contacts", href: "/contacts", current: area == "contacts"))
        }
        nav.append(.init(label: "Projects", href: "/projects", current: area == "projects"))
        nav.append(.init(label: "My week", href: "/my-week", current: area == "week"))
        nav.append(.init(label: "Time off", href: "/time-off", current: area == "time-off"))
        if PipelineAccess.canRead(caller.roles) { nav.append(.init(label: "Reports", href: "/reports", current: area == "reports")) }
        if caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) {
            nav.append(.init(label: "Bonus", href: "/bonus", current: area == "bonus"))
        }
        if ImportAccess.canImport(caller.roles) { nav.append(.init(label: "Import", href: "/imports", current: area == "imports")) }
        if caller.isAdmin || caller.has(.manager) {
            nav.append(.init(label: "Admin", href: "/admin", current: area == "admin"))
        }
        return Frame(title: title, nav: nav, userName: caller.name,
                     roles: caller.roles.sorted().map(\.title).joined(separator: ", "),
                     csrf: WebSession.csrfToken(sessionToken: sessionToken), unread: NotificationBell.unread ?? 0,
                     hasUnread: (NotificationBell.unread ?? 0) > 0)
    }

    func register(on router: Router<BatonRequestContext>) {
        router.get("sign-in") { request, _ in
            let token = SecretToken.randomString(bytes: 18)
            let next = WebSession.safeNext(request.uri.queryParameters["next"].map(String.init))
            var response = renderer.page("sign-in", ["csrf": token, "next": next, "error": ""])
            response.headers.append(HTTPField(name: .setCookie, value: "\(WebSession.csrfCookie)=\(token); Path=/sign-in; HttpOnly; SameSite=Strict"))
            return response
        }
        router.post("sign-in") { request, context in try await signIn(request, context) }
        // The pages' errors are pages (404, 403, 500…) with the real status, not the API's JSON.
        let pages = router.group().add(middleware: WebErrorMiddleware(renderer: renderer))
            .add(middleware: AuthenticationMiddleware(services: services))
            .add(middleware: NotificationBellMiddleware(services: services))
        pages.post("sign-out") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return WebSession.redirect("/sign-in") }
            let form = try await WebSession.form(request)
            guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
            if case .session(let id) = caller.credential {
                try await services.pool.withConnection { try await services.sessions.revoke($0, sessionID: id) }
            }
            return WebSession.redirect("/sign-in", cookies: ["\(AuthenticationMiddleware.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"])
        }
        // Pages kept in files of their own (Reports/ReportPages.swift, Web/AdminPages.swift).
        registerReportPages(on: pages)
        registerAdminPages(on: pages)
        pages.get("/") { request, context in
            guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
            let page = try await services.pool.withConnection { try await HomePage.build($0, caller: caller, services: services) }
            return renderer.page("home", Page(frame: frame(caller, sessionToken: token, title: "Home", area: "home"), body: page))
        }
        // Accounts, opportunities, proposals and projects (Web/RecordPages.swift).
        registerBonusPages(on: pages)
        registerQuotaPages(on: pages)
        registerProjectPages(on: pages)
        registerTimeOffPages(on: pages)
        registerTimesheetPages(on: pages)
        registerProjectBudgetPages(on: pages)
        registerProposalPages(on: pages)
        registerAccountPages(on: pages)
        registerPipelinePages(on: pages)
        registerImportPages(on: pages)
        registerListPages(on: pages)
        registerNotificationPages(on: pages)
        registerTaskPages(on: pages)
    }

    struct Page<Body> {
        var frame: Frame
        var body: Body
    }

    /// The signed-in person and their session token, from the session cookie only:
    /// pages never take bearer tokens, so a form cannot be driven by a stolen API token.
    func signedIn(_ request: Request, _ context: BatonRequestContext) throws -> (Caller, String)? {
        guard let caller = context.caller, case .session = caller.credential,
            let token = AuthenticationMiddleware.sessionCookie(request)
        else { return nil }
        return (caller, token)
    }

    func toSignIn(_ request: Request) -> Response {
        WebSession.redirect("/sign-in?next=" + (request.uri.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["/"])) ?? "/"))
    }

    func notFound() -> Response {
        renderer.page("not-found", [String: String](), status: .notFound)
    }

    func forbidden() -> Response {
        renderer.page("forbidden", [String: String](), status: .forbidden)
    }

    private func signIn(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let form = try await WebSession.form(request)
        let next = WebSession.safeNext(form["next"])
        guard let cookie = WebSession.cookie(request, WebSession.csrfCookie), form["csrf"] == cookie else { return forbidden() }
        let again = { (message: String) -> Response in
            renderer.page("sign-in", ["csrf": cookie, "next": next, "error": message], status: .unauthorized)
        }
        let emailKey = PersonRules.emailKey(form["email"] ?? "")
        let password = form["password"] ?? ""
        guard !emailKey.isEmpty, !password.isEmpty else { return again("Enter your email and password.") }
        let session: SessionStore.NewSession
        let address = ClientAddress.current ?? context.remoteAddress
        switch try await SignIn(services: services).attempt(emailKey: emailKey, password: password, address: address, via: "page") {
        case .throttled(let seconds):
            return again("Too many failed sign-ins; wait \(SignIn.waitText(seconds: seconds)) and try again.")
        case .refused:
            return again("The email or the password is wrong.")
        case .signedIn(let opened, _):
            session = opened
        }
        var sessionCookie = "\(AuthenticationMiddleware.cookieName)=\(session.token); Path=/; Max-Age=\(services.configuration.sessionHours * 3600); HttpOnly; SameSite=Lax"
        if services.configuration.cookieSecure { sessionCookie += "; Secure" }
        return WebSession.redirect(next, cookies: [sessionCookie, "\(WebSession.csrfCookie)=; Path=/sign-in; Max-Age=0"])
    }
}
