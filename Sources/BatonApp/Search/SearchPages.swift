import BatonCore
import Foundation
import Hummingbird
import Postgres

/// `GET /api/v1/search?q=`: what the header's search finds, grouped by kind, as JSON.
struct SearchRoutes {
    let services: AppServices

    @Sendable func search(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let text = ListParameters(request)["q"] ?? ""
        let results = try await services.pool.withConnection { try await SearchStore().search($0, visibleTo: caller, text: text) }
        return try APIResponse.json(results).response
    }
}

/// The search page (`/search?q=`): the header's box submits here, so the search works
/// without JavaScript; each kind is a group with its own heading.
extension WebRoutes {
    struct SearchPage: Sendable {
        struct Group: Sendable { var title: String; var id: String; var hits: [SearchHit] }
        var q: String
        var groups: [Group]
        var asked, empty, tooShort: Bool
    }

    @Sendable func showSearch(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let (caller, token) = try signedIn(request, context) else { return toSignIn(request) }
        let text = ListParameters(request)["q"] ?? ""
        let results = try await services.pool.withConnection { try await SearchStore().search($0, visibleTo: caller, text: text) }
        let groups: [SearchPage.Group] = [
            .init(title: "Accounts", id: "accounts", hits: results.accounts), .init(title: "Contacts", id: "contacts", hits: results.contacts),
            .init(title: "Deals", id: "opportunities", hits: results.opportunities), .init(title: "Projects", id: "projects", hits: results.projects),
            .init(title: "People", id: "people", hits: results.people),
        ].filter { !$0.hits.isEmpty }
        let tooShort = !text.isEmpty && text.count < SearchStore.shortest
        let body = SearchPage(q: text, groups: groups, asked: !text.isEmpty && !tooShort, empty: results.isEmpty, tooShort: tooShort)
        let page = frame(caller, sessionToken: token, title: text.isEmpty ? "Search" : "Search: \(text)", area: "search")
        return renderer.page("search", Page(frame: page, body: body))
    }
}
