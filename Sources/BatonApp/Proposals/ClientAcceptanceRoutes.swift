import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import Postgres

/// `/api/v1/proposals/:id/client-link`: the selling side makes the client's link for
/// a sent proposal (the token is shown once) or withdraws it; the decision's evidence
/// is read at `…/client-decision`.
struct ClientAcceptanceRoutes {
    let services: AppServices
    var actions: ClientAcceptanceActions { ClientAcceptanceActions(services: services) }

    struct Revoked: Encodable { var revoked: Int }
    /// null until the client decided through a link.
    struct Decision: Encodable { var decision: ClientDecisionRecord? }

    func register(on api: RouterGroup<BatonRequestContext>) {
        api.post("proposals/:id/client-link", use: create)
        api.delete("proposals/:id/client-link", use: revoke)
        api.get("proposals/:id/client-decision", use: decision)
    }

    @Sendable func create(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let made = try await services.pool.withTransaction { try await actions.create($0, caller: caller, proposalID: id) }
        return try APIResponse.json(made, status: .created).response
    }

    @Sendable func revoke(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let n = try await services.pool.withTransaction { try await actions.revoke($0, caller: caller, proposalID: id) }
        return try APIResponse.json(Revoked(revoked: n)).response
    }

    @Sendable func decision(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let caller = try context.requireCaller()
        let id = try request.id(context)
        let today = Timestamp.now.calendarDate
        let record = try await services.pool.withConnection { db -> ClientDecisionRecord? in
            _ = try await services.proposals.visible(db, id: id, to: caller, today: today)
            return try await ClientAcceptanceStore().decision(db, proposalID: id)
        }
        return try APIResponse.json(Decision(decision: record)).response
    }
}

/// The client's page, opened by the link's token without signing in: the printable
/// proposal, and the accept and decline forms while the link is open; otherwise what
/// happened, and nothing to accept.
struct ClientAcceptancePages {
    let services: AppServices
    let renderer: PageRenderer
    var actions: ClientAcceptanceActions { ClientAcceptanceActions(services: services) }
    var document: ClientProposalDocument { ClientProposalDocument(library: renderer.library) }

    struct Page {
        var token: String
        var open: Bool
        var explanation: String
        /// The printable proposal's `<main>`, and the SHA-256 of the whole document.
        var documentBody, sha256: String
        var number: Int
        var message: String; var hasMessage: Bool
        var errors: [String]; var hasErrors: Bool
        /// What the client typed into a decision that was refused.
        var name, title, email, reason: String
    }

    func register(on router: Router<BatonRequestContext>) {
        router.get(Site.clientProposal.pattern, use: show)
        router.post(Site.clientProposal.pattern, use: decide)
    }

    func page(token: String, message: String? = nil, errors: [String] = [], typed: [String: String] = [:],
              status: HTTPResponse.Status = .ok) async throws -> Response {
        let today = Timestamp.now.calendarDate
        let built = try await services.pool.withConnection { db -> Page? in
            guard let (_, proposal, state) = try await actions.open(db, token: token, today: today) else { return nil }
            let shown = try await document.render(db, proposal: proposal, services: services, today: today)
            return Page(token: token, open: state == .open, explanation: state.explanation, documentBody: Self.main(of: shown.html),
                        sha256: shown.sha256, number: proposal.number, message: message ?? "", hasMessage: message != nil,
                        errors: errors, hasErrors: !errors.isEmpty, name: typed["name"] ?? "", title: typed["title"] ?? "", email: typed["email"] ?? "",
                        reason: typed["reason"] ?? "")
        }
        guard let built else { return renderer.page("not-found", [String: String](), status: .notFound) }
        var response = renderer.page("client-proposal", built, status: status)
        if let robots = HTTPField.Name("X-Robots-Tag") { response.headers[robots] = "noindex" }
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// The document's `<main>`: already escaped by its own template.
    static func main(of html: String) -> String {
        guard let start = html.range(of: "<main>"), let end = html.range(of: "</main>", range: start.upperBound..<html.endIndex) else { return "" }
        return String(html[start.upperBound..<end.lowerBound])
    }

    @Sendable func show(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        try await page(token: context.parameters.get("token") ?? "")
    }

    @Sendable func decide(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        let form = try await WebSession.form(request)
        let input = ClientDecisionInput(
            accept: form["decision"] == "accept", name: form["name"] ?? "", title: form["title"] ?? "", email: form["email"],
            consent: form["consent"] == "yes", reason: form["reason"] ?? "", shownSHA256: form["sha256"] ?? "",
            address: ClientAddress.current ?? context.remoteAddress, userAgent: request.headers[.userAgent])
        do {
            try await actions.countAttempt(token: token)
            let moved = try await services.pool.withTransaction { try await actions.decide($0, token: token, input: input, document: document) }
            let words = moved.status == .accepted ? "Thank you: proposal \(moved.number) is accepted. We will be in touch to start the work."
                : "Proposal \(moved.number) is declined. Thank you for telling us why."
            return try await page(token: token, message: words)
        } catch let error as APIError where error.status == .notFound {
            return renderer.page("not-found", [String: String](), status: .notFound)
        } catch let error as APIError {
            let errors = error.errors.isEmpty ? [error.detail] : error.errors.map(\.message)
            return try await page(token: token, errors: errors, typed: form, status: error.status)
        }
    }
}
