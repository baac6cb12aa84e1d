import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's recurring book (issue 23): five agreements brought in as a firm
/// brings its contracts (`AgreementActions.bringIn`), then moved the way the firm's
/// people and the renewal job would, so that every status shows: one running, one with
/// its renewal due, one renewed (its next term running), one ended (renewal lost) and
/// one cancelled early.
struct DemoAgreements {
    let services: AppServices
    let people: [String: Int64]
    let today: CalendarDate

    /// Each agreement: its name, MRR, term and how many days ago it started, and what becomes of it.
    enum Fate { case runs, renewalDue, renewed, ended, cancelled }
    static let book: [(name: String, mrr: Decimal, months: Int, startedDaysAgo: Int, autoRenew: Bool, fate: Fate)] = [
        ("Managed support", 4_500, 24, 200, true, .runs),
        ("Security monitoring", 2_200, 12, 300, false, .renewalDue),
        ("Cloud operations", 3_800, 12, 340, true, .renewed),
        ("Backup service", 900, 12, 350, false, .ended),
        ("Help desk", 1_600, 12, 150, false, .cancelled),
    ]

    func load(_ db: Connection) async throws {
        guard let adminID = people["admin"] else { return }
        let admin = try await UserStore.caller(db, id: adminID)
        let actions = AgreementActions(services: services)
        let accounts = try await actions.store.ownedAccountsWithoutAgreements(db, limit: Self.book.count)
        guard accounts.count == Self.book.count else { return }
        let rows = zip(accounts, Self.book).enumerated().map { i, pair in
            let (account, item) = pair
            let start = today.adding(days: -item.startedDaysAgo)
            return ImportedAgreement(line: i + 2, termMonths: item.months, noticeDays: 30, accountID: account, name: item.name, start: start,
                                     end: AgreementRules.endDate(start: start, termMonths: item.months), mrr: item.mrr, autoRenew: item.autoRenew)
        }
        let brought = try await actions.bringIn(db, caller: admin, rows)
        // The renewal job's round: the three ending within 90 days get their renewal deal.
        _ = try await actions.openRenewals(db, today: today)
        let stages = try await services.stages.all(db)
        let deals = OpportunityActions(services: services)
        for (agreement, item) in zip(brought, Self.book) {
            switch item.fate {
            case .runs, .renewalDue:
                continue
            case .renewed, .ended:
                guard let decided = try await actions.store.findAny(db, id: agreement.id).renewalOpportunityId else { continue }
                var input = OpportunityInput(stage: (item.fate == .renewed ? stages.first(where: \.isWon) : stages.first(where: \.isLost))?.key)
                input.lostReason = item.fate == .ended ? "Brought the backups in-house" : nil
                _ = try await deals.change(db, caller: admin, id: decided, expected: nil, input: input,
                                           keys: item.fate == .ended ? ["stage", "lostReason"] : ["stage"])
            case .cancelled:
                _ = try await actions.cancel(db, caller: admin, id: agreement.id, expected: nil,
                                             input: AgreementCancelInput(reason: "Merged into the client's group contract",
                                                                         cancelledOn: today.adding(days: -10)))
            }
        }
    }
}
