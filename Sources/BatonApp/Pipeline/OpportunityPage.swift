import BatonCore
import Dates
import Foundation
import Postgres

/// An opportunity's record page: the stage as a path of steps with the time spent
/// in each, the team and its splits, the history, the proposals (with the form for a
/// new one) and the projects its won order became.
struct OpportunityPage {
    struct Step { var name: String; var days: String; var current: Bool; var passed: Bool }
    struct Member { var name: String; var role: String; var split: String }
    struct Version { var id: Int64; var number: Int; var status: String; var total: String }
    struct ProjectLink { var id: Int64; var name: String; var status: String }
    var opportunity: OpportunityRecord
    var amount: String
    var kind: String
    var owner: String
    var path: [Step]
    var team: [Member]
    var history: [OpportunityStore.HistoryEntry]
    var proposals: [Version]
    var hasProposals: Bool
    var projects: [ProjectLink]
    var hasProjects: Bool
    /// Open, and the caller works the pipeline: a new proposal may be drafted.
    var canPropose: Bool
    var proposalForm: WebForm

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices,
                      proposalForm: FormState? = nil) async throws -> OpportunityPage? {
        guard let o = try await services.opportunities.find(db, id: id, visibleTo: caller) else { return nil }
        let currency = services.configuration.currency
        let history = try await services.opportunities.history(db, opportunityID: id)
        var daysIn: [String: Int] = [:]
        for entry in history { daysIn[entry.toStage, default: 0] += entry.daysInStage }
        let stages = try await services.stages.all(db)
        let currentOrder = stages.first { $0.key == o.stage }?.order ?? 0
        let path = stages.filter { !$0.isLost || $0.key == o.stage }.filter { !($0.isWon && o.lostOn != nil) }.map {
            Step(name: $0.name, days: daysIn[$0.key].map { "\($0) d" } ?? "", current: $0.key == o.stage,
                 passed: $0.order < currentOrder)
        }
        var team: [Member] = []
        for member in o.team {
            let name = try await services.users.findAny(db, id: member.userId)?.name ?? "#\(member.userId)"
            team.append(Member(name: name, role: member.role.rawValue.replacingOccurrences(of: "_", with: " "),
                               split: "\(member.splitPercent)%"))
        }
        let owner = try await services.users.findAny(db, id: o.ownerId)?.name ?? ""
        let today = Timestamp.now.calendarDate
        let stored = try await services.proposals.list(db, opportunityID: id, today: today)
        let proposals = stored.map {
            Version(id: $0.id, number: $0.number, status: $0.status.words, total: $0.total.amount.display(currency: currency))
        }
        var projects: [ProjectLink] = []
        for projectID in Set(stored.compactMap(\.projectId)).sorted() {
            if let p = try await services.projects.find(db, id: projectID, visibleTo: caller) {
                projects.append(ProjectLink(id: p.id, name: p.name, status: p.status.replacingOccurrences(of: "_", with: " ")))
            }
        }

        // A new proposal: its reviewer, its first line from the catalog, its dates and terms.
        let canPropose = PipelineAccess.canWrite(caller.roles) && o.wonOn == nil && o.lostOn == nil
        var form = proposalForm ?? FormState("proposal", values: [
            "lines[0].quantity": "1", "proposedStart": today.adding(days: 14).description,
            "validUntil": today.adding(days: 30).description, "terms": "Net 30. Prices exclude travel unless listed.",
        ])
        if proposalForm == nil, let last = stored.max(by: { $0.number < $1.number }), let reviewer = last.reviewerId {
            form.values["reviewerId"] = String(reviewer)
        }
        var fields: [FormField] = []
        if canPropose {
            let reviewers = try await services.opportunities.proposalReviewers(db).map { (value: String($0.id), label: $0.name) }
            let catalog = try await services.catalog.list(db, page: try PageRequest(limit: 100), includeArchived: false).items.map {
                (value: String($0.id), label: "\($0.name) (\($0.pricing.model == "hourly" ? "per hour" : "fixed fee"))")
            }
            fields = [
                form.select("reviewerId", "Reviewer (project manager)", [("", "Choose later")] + reviewers,
                            hint: "The project manager who checks scope, timeline and staffing, and runs the project if it is won"),
                form.select("lines[0].typicalProjectId", "First line: typical project", [("", "Choose from the catalog")] + catalog,
                            required: true),
                form.text("lines[0].quantity", "Quantity", inputmode: "decimal"),
                form.text("proposedStart", "Proposed start", type: "date"),
                form.text("validUntil", "Valid until", type: "date"),
                form.textarea("terms", "Terms"),
            ]
        }
        return OpportunityPage(opportunity: o, amount: o.amount.amount.display(currency: currency),
                               kind: o.kind.rawValue.replacingOccurrences(of: "_", with: " "), owner: owner, path: path,
                               team: team, history: history.reversed(), proposals: proposals, hasProposals: !proposals.isEmpty,
                               projects: projects, hasProjects: !projects.isEmpty, canPropose: canPropose,
                               proposalForm: form.form(fields))
    }
}
