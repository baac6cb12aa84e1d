import BatonCore
import Dates
import Foundation
import Postgres

/// The bonus pages: the runs, and one person's statement with every line, the
/// tier arithmetic spelled out and the payout at the bottom; Approve and lock for
/// a manager, with the locked state plainly shown.
struct BonusRunsPage {
    struct Line { var runId: Int64; var period: String; var status: String; var locked: Bool; var people: [Person] }
    struct Person { var userId: Int64; var name: String; var payout: String }
    var runs: [Line]

    static func build(_ db: Connection, caller: Caller, services: AppServices) async throws -> BonusRunsPage {
        let currency = services.configuration.currency
        var lines: [Line] = []
        for run in try await services.bonus.runs(db).reversed() {
            var people: [Person] = []
            for s in run.statements {
                var visible = caller.isAdmin || caller.id == s.userId
                if !visible { visible = try await services.users.isManager(db, managerID: caller.id, of: s.userId) }
                guard visible else { continue }
                people.append(Person(userId: s.userId, name: s.name, payout: s.payout.amount.display(currency: currency)))
            }
            if !people.isEmpty {
                lines.append(Line(runId: run.id, period: run.period, status: run.status, locked: run.status == "approved", people: people))
            }
        }
        return BonusRunsPage(runs: lines)
    }
}

struct StatementPage {
    var statement: StatementRecord
    var locked: Bool
    var canApprove: Bool
    var lines: [CreditLine]
    var explanation: [String]
    var payout: String
    var hasAdjustments: Bool
}
