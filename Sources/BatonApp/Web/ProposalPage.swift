import BatonCore
import Dates
import Foundation
import Postgres

/// The proposal's working page: its lines with live totals while it is a draft,
/// the phases and dates it implies, the reviewer's capacity check (green or red),
/// and the moves the person may make next.
struct ProposalPage {
    struct Line { var index: Int; var item: String; var quantity: String; var unit: String; var unitPrice: String; var discount: String; var total: String }
    struct Skill { var skill: String; var needed: String; var free: String; var short: String; var ok: Bool }
    struct Action { var action: String; var label: String; var needsComment: Bool; var isAccept: Bool }
    var proposal: ProposalRecord
    var opportunity: String
    var status: String
    var editable: Bool
    var lines: [Line]
    var subtotal: String
    var total: String
    var skills: [Skill]
    var hasSkills: Bool
    var actions: [Action]
    var comments: [String]
    var error: String?

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices, error: String?) async throws -> ProposalPage? {
        let today = Timestamp.now.calendarDate
        guard let p = try await services.proposals.find(db, id: id, visibleTo: caller, today: today) else { return nil }
        let opportunity = try await services.opportunities.findAny(db, id: p.opportunityId)
        let check = try await services.capacity.check(db, proposal: p, today: today)
        let actor = ProposalActor(isAuthorSide: PipelineAccess.canWrite(caller.roles) || p.authorId == caller.id,
                                  isReviewer: p.reviewerId == caller.id, isAdmin: caller.isAdmin)
        let words: [ProposalAction: String] = [.submit: "Submit for review", .approve: "Approve", .return: "Send back",
                                              .send: "Mark as sent", .accept: "Record acceptance", .decline: "Record decline"]
        return ProposalPage(
            proposal: p, opportunity: opportunity.name, status: p.status.words, editable: p.status == .draft && actor.isAuthorSide,
            lines: p.lines.enumerated().map { i, l in
                Line(index: i, item: l.description ?? l.typicalProjectName ?? "", quantity: l.quantity.description, unit: l.unit.rawValue,
                     unitPrice: l.unitPrice.description, discount: l.discountPercent.description, total: l.lineTotal.description)
            },
            subtotal: p.subtotal.description, total: p.total.description,
            skills: check.skills.map {
                Skill(skill: $0.skill, needed: $0.hoursNeeded.description, free: $0.hoursFree.description, short: $0.shortfall.description,
                      ok: $0.shortfall.value == 0)
            },
            hasSkills: !check.skills.isEmpty,
            actions: ProposalWorkflow.availableActions(stored: p.storedStatus, actor: actor).map {
                Action(action: $0.rawValue, label: words[$0] ?? $0.rawValue, needsComment: $0 == .return, isAccept: $0 == .accept)
            },
            comments: p.events.compactMap { e in e.comment.map { "\(e.action): \($0)" } }, error: error)
    }
}
