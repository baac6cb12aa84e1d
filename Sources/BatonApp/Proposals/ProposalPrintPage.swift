import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// The printable proposal: who will do the work, what, when, and for how much.
struct ProposalPrintPage {
    struct Person { var role, name, contact: String }
    struct Line { var item, quantity, unit, unitPrice, discount, lineTotal: String }
    struct Phase { var name, start, due, skills: String }
    struct Item { var text: String; var required: Bool }
    struct Recurring { var perMonth, contractValue: String }

    var number: Int
    var statusWords: String
    /// The day it went to the client, for a proposal that was sent.
    var sentOn: String?
    /// Past its valid-until without being accepted: the offer "was" valid.
    var lapsed: Bool
    /// For an accepted version: who accepted and when (the client through its link, or
    /// the acceptance sales recorded), so the printed copy carries its own evidence.
    var acceptance: String?
    var issuedOn, opportunityName, accountName: String
    var accountAddress: String?
    var people: [Person]
    var lines: [Line]
    var subtotal: String
    var hasDiscount: Bool
    var discountPercent, discount, total: String
    /// Set when lines recur: what recurs per month and the whole contract, said beside the one-off total.
    var recurring: Recurring?
    var hasPhases: Bool; var phases: [Phase]
    var hasChecklist: Bool; var checklist: [Item]
    var terms: String
    var validUntil: String?
    var currency: String

    static func build(_ db: Connection, proposal: ProposalRecord, services: AppServices, today: CalendarDate) async throws -> ProposalPrintPage {
        let currency = services.configuration.currency
        let opportunity = try await services.opportunities.findAny(db, id: proposal.opportunityId)
        let account = try await services.accounts.findAny(db, id: proposal.accountId)
        var people: [Person] = []
        func person(_ id: Int64?, _ role: String) async throws {
            guard let id, let user = try await services.users.findAny(db, id: id) else { return }
            if people.contains(where: { $0.name == user.name }) { return }
            people.append(Person(role: role, name: user.name, contact: user.email))
        }
        try await person(proposal.reviewerId, "Project manager")
        try await person(proposal.authorId, "Your contact")
        for member in opportunity.team where member.role != .projectManager {
            try await person(member.userId, member.role == .owner ? "Account manager" : "Sales")
        }
        let templates = try await services.catalog.templates(db, of: proposal.lines)
        let plan = HandoffPlan.plan(contractValue: proposal.total.amount, start: proposal.proposedStart ?? today,
                                    templates: templates, fallbackName: opportunity.name)
        let unitWords: [LineUnit: String] = [.fixed: "fixed fee", .hour: "hour", .day: "day"]
        // What the client reads: a proposal sent on or before its valid-until is "sent",
        // with that date, until the date has passed unaccepted ("expired"); the status is
        // the one the API answers (`ProposalWorkflow.effectiveStatus`).
        let sent = proposal.events.last { $0.action == ProposalAction.send.rawValue }?.at.calendarDate
        return ProposalPrintPage(
            number: proposal.number, statusWords: proposal.status.words,
            sentOn: sent?.description, lapsed: proposal.status == .expired,
            acceptance: try await acceptance(db, proposal: proposal, services: services),
            issuedOn: proposal.createdAt.calendarDate.description,
            opportunityName: opportunity.name, accountName: account.name,
            accountAddress: account.address.singleLine.isEmpty ? nil : account.address.singleLine, people: people,
            lines: proposal.lines.map {
                Line(item: $0.description ?? $0.typicalProjectName ?? "", quantity: $0.quantity.description,
                     unit: [unitWords[$0.unit] ?? $0.unit.rawValue, $0.recurrence?.words].compactMap(\.self).joined(separator: ", "), unitPrice: $0.unitPrice.amount.display(currency: currency),
                     discount: $0.discountPercent.value == 0 ? "" : "\($0.discountPercent)%",
                     lineTotal: $0.lineTotal.amount.display(currency: currency))
            },
            subtotal: proposal.subtotal.amount.display(currency: currency), hasDiscount: proposal.discount.amount > 0,
            discountPercent: proposal.discountPercent.description, discount: proposal.discount.amount.display(currency: currency),
            total: proposal.total.amount.display(currency: currency),
            recurring: proposal.lines.contains { $0.recurrence != nil }
                ? Recurring(perMonth: proposal.recurringPerMonth.amount.display(currency: currency),
                            contractValue: proposal.contractValue.amount.display(currency: currency))
                : nil,
            hasPhases: !templates.isEmpty,
            phases: templates.isEmpty ? [] : plan.phases.map {
                Phase(name: $0.name, start: $0.start.description, due: $0.due.description,
                      skills: $0.skills.map { "\($0.skill) (\($0.hours.plainText) h)" }.joined(separator: ", "))
            },
            hasChecklist: !plan.checklist.isEmpty, checklist: plan.checklist.map { Item(text: $0.text, required: $0.required) },
            terms: proposal.terms ?? "", validUntil: proposal.validUntil?.description, currency: currency)
    }

    /// "Accepted on … by name, title, through the client's link" from the client's
    /// evidence; otherwise the date sales recorded and who recorded it.
    static func acceptance(_ db: Connection, proposal: ProposalRecord, services: AppServices) async throws -> String? {
        guard proposal.status == .accepted else { return nil }
        if let client = try await ClientAcceptanceStore().decision(db, proposalID: proposal.id), client.decision == "accepted" {
            let who = [client.name, client.title].compactMap { $0?.trimmed.nilIfEmpty }.joined(separator: ", ")
            let at = client.decidedAt.description.prefix(16).replacingOccurrences(of: "T", with: " ")
            return "Accepted by \(who) on \(at) UTC, through the client's link"
        }
        let recorded = proposal.events.last { $0.action == ProposalAction.accept.rawValue }
        var recorder: String?
        if let actor = recorded?.actorId { recorder = try await services.users.findAny(db, id: actor)?.name }
        let day = proposal.acceptedOn?.description ?? recorded?.at.calendarDate.description ?? ""
        return "Accepted on \(day)" + (recorder.map { ", recorded by \($0)" } ?? "")
    }
}

extension PageRoutes {
    /// The printable proposal: for whoever sees the proposal, signed in by session or token.
    func registerProposalPrint(on pages: RouterGroup<BatonRequestContext>) {
        pages.get(Site.proposalPrint.pattern, use: proposalPrint)
    }

    @Sendable func proposalPrint(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        guard let caller = context.caller else {
            return renderer.page("signed-out", ["next": request.uri.path], status: .unauthorized)
        }
        let id = try request.id(context)
        let today = Timestamp.now.calendarDate
        let page = try await services.pool.withConnection { db -> ProposalPrintPage? in
            guard let proposal = try await services.proposals.find(db, id: id, visibleTo: caller, today: today) else { return nil }
            return try await ProposalPrintPage.build(db, proposal: proposal, services: services, today: today)
        }
        guard let page else { return renderer.page("not-found", [String: String](), status: .notFound) }
        return renderer.page("proposal-print", page)
    }
}
