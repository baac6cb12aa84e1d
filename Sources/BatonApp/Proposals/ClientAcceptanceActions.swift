import BatonCore
import Crypto
import Dates
import Foundation
import HTTPTypes
import Mustache
import Postgres

/// The printable proposal exactly as the client sees it, and its SHA-256.
struct ClientProposalDocument: Sendable {
    let library: MustacheLibrary

    func render(_ db: Connection, proposal: ProposalRecord, services: AppServices, today: CalendarDate) async throws -> (html: String, sha256: String) {
        let page = try await ProposalPrintPage.build(db, proposal: proposal, services: services, today: today)
        let html = library.render(page, withTemplate: "proposal-print") ?? ""
        let digest = Hex.lowercase(SHA256.hash(data: Data(html.utf8)))
        return (html, digest)
    }
}

/// What the client typed, and where the request came from.
struct ClientDecisionInput: Sendable {
    var accept: Bool
    /// Who accepts, for the record.
    var name, title: String
    var email: String?
    var consent: Bool
    var reason: String
    /// The SHA-256 of the document the page showed: a proposal changed since is refused.
    var shownSHA256: String
    /// Where the request came from.
    var address, userAgent: String?
}

/// The client's link: made (by the selling side, for a sent proposal, until its
/// valid-until date) and revoked through the API; opened and decided on by the
/// client. A decision runs `ProposalActions.perform`, the very accept or decline
/// sales would record, as the proposal's author, in the same transaction as its evidence.
struct ClientAcceptanceActions {
    let services: AppServices
    var store: ClientAcceptanceStore { ClientAcceptanceStore() }

    struct Made: Encodable, Sendable {
        var token: String
        var url: String
        var expiresOn: CalendarDate
    }

    private func writable(_ db: Connection, caller: Caller, proposalID: Int64) async throws -> ProposalRecord {
        let today = Timestamp.now.calendarDate
        let p = try await services.proposals.visible(db, id: proposalID, to: caller, today: today, forUpdate: true)
        guard caller.isAdmin || PipelineAccess.canWrite(caller.roles) || p.authorId == caller.id else {
            throw APIError.forbidden("Only the selling side or an admin makes or withdraws a client's link.")
        }
        return p
    }

    func create(_ db: Connection, caller: Caller, proposalID: Int64) async throws -> Made {
        let p = try await writable(db, caller: caller, proposalID: proposalID)
        guard p.status == .sent else {
            throw APIError.conflict("Only a sent proposal gets a client link; this one is \(p.status.rawValue).", code: "proposal-status")
        }
        guard let validUntil = p.validUntil else {
            throw ValidationFailure("validUntil", "Give the proposal a valid-until date first: the link works until then")
        }
        let token = try await store.links.create(db, ownerID: p.id, expiresOn: validUntil, by: caller.id)
        return Made(token: token, url: Site.clientProposal(token), expiresOn: validUntil)
    }

    func revoke(_ db: Connection, caller: Caller, proposalID: Int64) async throws -> Int {
        let p = try await writable(db, caller: caller, proposalID: proposalID)
        return try await store.links.revokeAll(db, ownerID: p.id, by: caller.id)
    }

    /// The link's proposal and what the link may do, or nil for a token nobody has.
    func open(_ db: Connection, token: String, today: CalendarDate, forUpdate: Bool = false) async throws
        -> (SecretLink, ProposalRecord, ClientLinkState)?
    {
        guard let link = try await store.links.find(db, token: token, forUpdate: forUpdate) else { return nil }
        let proposal = try await services.proposals.findAny(db, id: link.ownerID, today: today)
        // A client link always has an expiry (its proposal's valid-until; the column is NOT NULL).
        let state = ClientLinkState.judge(revoked: link.revoked, expiresOn: link.expiresOn ?? today, today: today,
                                          proposalStatus: proposal.storedStatus.rawValue)
        return (link, proposal, state)
    }

    /// Counts the try (rate limit), in a transaction of its own.
    func countAttempt(token: String) async throws {
        let tries = try await services.pool.withTransaction { db -> Int? in
            guard let link = try await store.links.find(db, token: token, forUpdate: true) else { return nil }
            return try await store.countAttempt(db, linkID: link.id)
        }
        guard let tries else { throw APIError.notFound("link") }
        if tries > ClientLinkState.attemptsPerHour {
            throw APIError(.tooManyRequests, code: "too-many-attempts", title: "Too many attempts",
                           detail: "Too many decisions were tried through this link; wait an hour and try again.")
        }
    }

    /// Accepts or declines through the link. Refused (409 `client-link`) unless the
    /// link is open; refused if the document changed since it was shown.
    func decide(_ db: Connection, token: String, input: ClientDecisionInput, document: ClientProposalDocument) async throws -> ProposalRecord {
        let today = Timestamp.now.calendarDate
        guard let (link, before, state) = try await open(db, token: token, today: today, forUpdate: true) else {
            throw APIError.notFound("link")
        }
        guard state == .open else { throw APIError.conflict(state.explanation, code: "client-link") }
        var problems: [FieldError] = []
        if input.accept {
            problems = ClientLinkState.acceptanceProblems(name: input.name, title: input.title, consent: input.consent)
        } else if input.reason.trimmed.isEmpty {
            problems.append(FieldError("reason", "Tell us why, in a few words"))
        }
        if let email = input.email?.trimmed.nilIfEmpty, !email.contains("@") || email.count > 320 {
            problems.append(FieldError("email", "Enter an email address, or leave it empty"))
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
        let shown = try await document.render(db, proposal: before, services: services, today: today)
        guard shown.sha256 == input.shownSHA256 else {
            throw APIError.conflict("The proposal changed since this page was opened; read it again before deciding.", code: "client-document-changed")
        }
        let author = try await UserStore.caller(db, id: before.authorId)
        let move = ProposalMoveInput(comment: input.accept ? nil : input.reason.trimmed, acceptedOn: input.accept ? today : nil)
        let (moved, _) = try await ProposalActions(services: services).perform(
            db, caller: author, id: before.id, action: input.accept ? .accept : .decline, input: move)
        try await store.recordDecision(
            db, link: link, accepted: input.accept, name: input.accept ? input.name.trimmed : nil,
            title: input.accept ? input.title.trimmed : nil, email: input.email?.trimmed.nilIfEmpty,
            reason: input.accept ? nil : input.reason.trimmed, address: input.address, userAgent: input.userAgent,
            documentSHA256: shown.sha256)
        return moved
    }
}
