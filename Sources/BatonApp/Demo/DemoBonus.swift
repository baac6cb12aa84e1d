import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's bonus: BONUS.md's plan for everyone reporting to Priya, completed-work
/// quotas for her project managers, the two quarters before this one approved and locked,
/// this one in draft; and a sales plan paying Morgan's people on bookings this quarter.
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
        // Written as the people who would: the plan by the admin, Priya's people's quotas
        // and runs by Priya, the sellers' quotas by Morgan, through the same actions as the API.
        let bonus = BonusActions(services: services), quotas = QuotaActions(services: services)
        let adminCaller = try await UserStore.caller(db, id: admin), priyaCaller = try await UserStore.caller(db, id: priya)
        let plan = try await bonus.savePlan(db, caller: adminCaller, id: nil, expected: nil, input: BonusPlanInput(
            name: "PM quarterly", method: rules.method, periodType: "quarter", targetBonus: Money(rules.targetBonus),
            threshold: DecimalString(rules.threshold), tiers: rules.tiers, cap: rules.cap.map(DecimalString.init),
            lateCreditPercent: DecimalString(rules.lateCreditPercent),
            overrides: people["felix.braun"].map { [BonusPlanRecord.Override(userId: $0, targetBonus: Money(12000))] } ?? []))
        let calendar = services.quotas.calendar
        let current = calendar.period(containing: today, kind: .quarter)
        let previous = calendar.period(containing: current.start.adding(days: -1), kind: .quarter)
        let before = calendar.period(containing: previous.start.adding(days: -1), kind: .quarter)
        // The plan's members: everyone reporting to Priya (her project managers), from the first demo quarter.
        _ = try await bonus.addMember(db, caller: adminCaller, planID: plan.id,
                                      input: BonusMemberInput(userId: nil, managerId: priya, from: before.start, to: nil))
        for period in [before, previous, current] {
            _ = try await services.quotas.period(db, key: period.key)
            for key in ["felix.braun", "grace.kim", "hiro.tanaka"] {
                guard let pm = people[key] else { continue }
                _ = try await quotas.create(db, caller: priyaCaller, input: QuotaInput(
                    userId: pm, periodKey: period.key, metric: .completedWork, target: Money(40000)))
            }
        }
        // Bookings quotas for the people who sell, so forecasts show coverage and the growth advice has a target.
        if let morgan = people["morgan.reyes"] {
            let morganCaller = try await UserStore.caller(db, id: morgan)
            // Sales people and account managers are paid on their split of won deals, from this quarter
            // (its run is Morgan's to compute: the demo leaves the sellers' home pages without a statement).
            let sales = try await bonus.savePlan(db, caller: adminCaller, id: nil, expected: nil, input: BonusPlanInput(
                name: "Sales quarterly", method: .marginal, metric: .totalBookings, periodType: "quarter", targetBonus: Money(15000),
                threshold: DecimalString(rules.threshold), tiers: rules.tiers, cap: rules.cap.map(DecimalString.init),
                lateCreditPercent: DecimalString(100), overrides: []))
            _ = try await bonus.addMember(db, caller: adminCaller, planID: sales.id,
                                          input: BonusMemberInput(userId: nil, managerId: morgan, from: current.start, to: nil))
            for (key, target) in [("ana.torres", 3_000_000), ("ben.okafor", 3_000_000), ("chloe.martin", 2_500_000),
                                  ("dev.patel", 1_000_000), ("erin.walsh", 1_000_000)] {
                guard let person = people[key] else { continue }
                _ = try await quotas.create(db, caller: morganCaller, input: QuotaInput(
                    userId: person, periodKey: current.key, metric: .totalBookings, target: Money(Decimal(target))))
            }
        }
        for period in [before, previous] {
            let run = try await bonus.computeRun(db, caller: priyaCaller, input: BonusRunInput(planId: plan.id, period: period.key))
            _ = try await bonus.approve(db, caller: priyaCaller, id: run.id)
        }
        _ = try await bonus.computeRun(db, caller: priyaCaller, input: BonusRunInput(planId: plan.id, period: current.key))
    }
}
