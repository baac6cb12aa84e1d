import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// Which admin pages a person gets, mirroring who the API lets change what: an admin
/// changes everything; anyone with people below them in the reporting line sets those
/// people's skills and quotas (`PUT /users/{id}/skills`, `/quotas`), and nothing else.
enum AdminArea {
    case admin
    case line
}

struct AdminTab { var label: String; var href: String; var current: Bool }

extension WebRoutes {
    /// `/admin`: the admin sections this person may open, each with a line on what it holds.
    @Sendable func adminHome(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard let area = try await adminArea(caller) else { return forbidden() }
        struct Section { var label: String; var href: String; var text: String }
        struct Body { var tabs: [AdminTab]; var sections: [Section] }
        let sections = adminTabs(area, current: "").map { tab in
            Section(label: tab.label, href: tab.href, text: Self.adminSectionText[tab.href] ?? "")
        }
        return renderer.page("admin", Page(frame: frame(caller, sessionToken: token, title: "Admin", area: "admin"),
                                           body: Body(tabs: adminTabs(area, current: ""), sections: sections)))
    }

    static let adminSectionText: [String: String] = [
        "/admin/people": "Who works here: roles, reporting lines, weekly capacity, who may sign in, and each person's skills.",
        "/admin/skills": "The skills the firm staffs by, and who has them at what level.",
        "/admin/stages": "The steps of the pipeline in order, with their probability and forecast category.",
        "/admin/typical-projects": "The catalog of services: pricing, phases, skills and the completion checklist.",
        "/admin/quotas": "Each person's targets per period and metric.",
        "/admin/bonus-plans": "The project managers' bonus: target, threshold, tiers, cap and credit for late phases.",
        "/admin/holidays": "Public holidays per location or country, imported from iCalendar or CSV; each person works by one.",
        "/admin/lost-reasons": "The reasons a deal can be lost, offered when a deal is marked lost on its page or the board.",
        "/admin/settings": "The firm's time zone, how travel between sites is estimated and flagged, and how early renewals are raised.",
    ]

    /// The admin pages `caller` may use, or nil for none (the 403 page).
    func adminArea(_ caller: Caller) async throws -> AdminArea? {
        if caller.isAdmin { return .admin }
        let below = try await services.pool.withConnection { try await services.users.directReports($0, userID: caller.id) }
        return below.isEmpty ? nil : .line
    }

    func adminTabs(_ area: AdminArea, current: String) -> [AdminTab] {
        let all: [(String, String)] = area == .admin
            ? [("People", "/admin/people"), ("Skills", "/admin/skills"), ("Pipeline stages", "/admin/stages"),
               ("Typical projects", "/admin/typical-projects"), ("Quotas", "/admin/quotas"), ("Bonus plans", "/admin/bonus-plans"),
               ("Holidays", "/admin/holidays"), ("Lost reasons", "/admin/lost-reasons"), ("Firm settings", "/admin/settings")]
            : [("People", "/admin/people"), ("Quotas", "/admin/quotas")]
        return all.map { AdminTab(label: $0.0, href: $0.1, current: $0.1 == current) }
    }

    /// A signed-in form post with its CSRF token checked, on an admin page the caller may use.
    func adminForm(
        _ request: Request, _ context: BatonRequestContext,
        _ handle: (Caller, String, AdminArea, [String: String]) async throws -> Response
    ) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let form = try await WebSession.form(request)
        guard form["csrf"] == WebSession.csrfToken(sessionToken: token) else { return forbidden() }
        guard let area = try await adminArea(caller) else { return forbidden() }
        return try await handle(caller, token, area, form)
    }

    /// A signed-in visit to an admin page the caller may use.
    func adminVisit(
        _ request: Request, _ context: BatonRequestContext, admins: Bool = false,
        _ handle: (Caller, String, AdminArea) async throws -> Response
    ) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        guard let area = try await adminArea(caller), !admins || area == .admin else { return forbidden() }
        return try await handle(caller, token, area)
    }

    func notFoundPage() -> Response {
        renderer.page("not-found", [String: String](), status: .notFound)
    }

    /// The status a page drawn again after a refusal answers with.
    static func status(of problem: APIError) -> HTTPResponse.Status {
        switch problem.status.code {
        case 412, 409: .conflict
        case 403: .forbidden
        case 404: .notFound
        default: .unprocessableContent
        }
    }

    /// What "saved" in the address says above a page after a change.
    static func notice(_ request: Request) -> String? {
        switch QueryParameters(request).string("saved") {
        case "created": "Added."
        case "deleted": "Deleted."
        case .some: "Saved."
        case nil: nil
        }
    }

    /// A random key for a creating form, sent as Idempotency-Key: a form posted twice
    /// (a double click, a reload) creates one record.
    static func formKey() -> String { SecretToken.randomString(bytes: 12) }
}
