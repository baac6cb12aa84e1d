import BatonCore
import Dates
import Foundation
import Postgres

/// An opportunity's record page: the stage as a path of steps with the time spent
/// in each, the team and its splits, the history, and the proposals.
struct OpportunityPage {
    struct Step { var name: String; var days: String; var current: Bool; var passed: Bool }
    struct Member { var name: String; var role: String; var split: String }
    struct Version { var id: Int64; var number: Int; var status: String; var total: String }
    var opportunity: OpportunityRecord
    var amount: String
    var owner: String
    var path: [Step]
    var team: [Member]
    var history: [OpportunityStore.HistoryEntry]
    var proposals: [Version]
    var hasProposals: Bool

    static func build(_ db: Connection, id: Int64, caller: Caller, services: AppServices) async throws -> OpportunityPage? {
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
        let proposals = try await services.proposals.list(db, opportunityID: id, today: Timestamp.now.calendarDate).map {
            Version(id: $0.id, number: $0.number, status: $0.status.words, total: $0.total.amount.display(currency: currency))
        }
        return OpportunityPage(opportunity: o, amount: o.amount.amount.display(currency: currency), owner: owner, path: path,
                               team: team, history: history.reversed(), proposals: proposals, hasProposals: !proposals.isEmpty)
    }
}
