import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's bonus: BONUS.md's plan, completed-work quotas for its project
/// managers, the two quarters before this one approved and locked, this one in draft.
struct DemoBonus {
    let services: AppServices
    let people: [String: Int64]
    let today: CalendarDate

    func load(_ db: Connection) async throws {
        guard let admin = people["admin"], let priya = people["priya.shah"] else { return }
        let rules = BonusPlanRules(
            method: .marginal, targetBonus: 10000, threshold: Decimal(5) / 10,
            tiers: [BonusTier(from: 0, to: 1, rate: 1), BonusTier(from: 1, to: nil, rate: Decimal(15) / 10)],
            cap: 2, lateCreditPercent: 50)
        let plan = try await services.bonus.savePlan(
            db, id: nil, name: "PM quarterly", periodType: "quarter", rules: rules,
            overrides: people["felix.braun"].map { [BonusPlanRecord.Override(userId: $0, targetBonus: Money(12000))] } ?? [],
            activeFrom: nil, activeTo: nil, by: admin)
        let calendar = services.quotas.calendar
        let current = calendar.period(containing: today, kind: .quarter)
        let previous = calendar.period(containing: current.start.adding(days: -1), kind: .quarter)
        let before = calendar.period(containing: previous.start.adding(days: -1), kind: .quarter)
        for period in [before, previous, current] {
            _ = try await services.quotas.period(db, key: period.key)
            for key in ["felix.braun", "grace.kim", "hiro.tanaka"] {
                guard let pm = people[key] else { continue }
                _ = try await services.quotas.create(db, userID: pm, periodKey: period.key, metric: .completedWork, target: 40000, by: priya)
            }
        }
        // Bookings quotas for the people who sell, so forecasts show coverage and the growth advice has a target.
        if let morgan = people["morgan.reyes"] {
            for (key, target) in [("ana.torres", 3_000_000), ("ben.okafor", 3_000_000), ("chloe.martin", 2_500_000),
                                  ("dev.patel", 1_000_000), ("erin.walsh", 1_000_000)] {
                guard let person = people[key] else { continue }
                _ = try await services.quotas.create(db, userID: person, periodKey: current.key, metric: .totalBookings,
                                                     target: Decimal(target), by: morgan)
            }
        }
        for period in [before, previous] {
            let id = try await services.bonus.computeRun(db, runID: nil, plan: plan, period: period, by: priya)
            guard let run = try await services.bonus.run(db, id: id) else { continue }
            _ = try await services.bonus.approve(db, run: run, plan: plan, period: period, by: priya)
        }
        _ = try await services.bonus.computeRun(db, runID: nil, plan: plan, period: current, by: priya)
    }
}
