import BatonCore
import Dates
import Foundation
import HTTPTypes
import Postgres

/// A bonus plan's fields as a writer sends them: a change names only what it changes.
struct BonusPlanInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable {
        case name, method, metric, periodType, targetBonus, threshold, tiers, cap, lateCreditPercent, budgetTolerancePercent,
             overBudgetCreditPercent, overrides, activeFrom, activeTo
    }
    static var nested: [String: any StrictDecodable.Type] { ["tiers": BonusTierInput.self, "overrides": BonusPlanRecord.Override.self] }
    var name: String?
    var method: BonusMethod?
    var metric: BonusMetric?
    var periodType: String?
    var targetBonus: Money?
    var threshold: DecimalString?
    var tiers: [BonusTier]?
    var cap: DecimalString?
    var lateCreditPercent: DecimalString?
    /// "To standard": `budgetTolerancePercent` 0 turns the option off; a tolerance needs
    /// the credit a phase beyond it keeps (`overBudgetCreditPercent`).
    var budgetTolerancePercent, overBudgetCreditPercent: DecimalString?
    var overrides: [BonusPlanRecord.Override]?
    var activeFrom, activeTo: CalendarDate?
}

/// The keys a tier may carry (the tier itself decodes as `BonusTier`).
struct BonusTierInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case from, to, rate }
}

struct BonusRunInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case planId, period }
    var planId: Int64
    var period: String
}

/// A membership of a plan: a person (`userId`) or everyone reporting to a manager
/// (`managerId`), from a day to a day (both included; no `to`: still a member).
struct BonusMemberInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, managerId, from, to }
    var userId: Int64?
    var managerId: Int64?
    var from: CalendarDate
    var to: CalendarDate?
}

/// An approval; `closeEarly: true` approves before the period has ended, on purpose.
struct BonusApprovalInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case closeEarly }
    var closeEarly: Bool?
}

struct BonusAdjustmentInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case userId, amount, reason }
    var userId: Int64
    var amount: Money
    var reason: String
}

struct BonusWhatIfInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case planId, period, userId, completions }
    static var nested: [String: any StrictDecodable.Type] { ["completions": Completion.self] }
    var planId: Int64
    var period: String
    var userId: Int64
    var completions: [Completion]

    struct Completion: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case phaseId, completedOn }
        var phaseId: Int64
        var completedOn: CalendarDate
    }
}

/// Everything a person can do with the project managers' bonus (BONUS.md), whoever
/// asks (the API, the bonus and admin pages): each action checks who may, validates,
/// writes through `BonusStore` (which keeps the audit trail), and throws typed errors,
/// so that a refusal has one status and one message wherever it is met.
struct BonusActions {
    let services: AppServices
    var store: BonusStore { services.bonus }

    // MARK: Reading

    /// Plans and runs are for admins, managers and project managers.
    static func requireBonusReader(_ caller: Caller, _ what: String = "Bonus plans") throws {
        guard caller.isAdmin || caller.has(.manager) || caller.has(.projectManager) else {
            throw APIError.forbidden("\(what) are for admins, managers and project managers.")
        }
    }

    func plans(_ db: Connection, caller: Caller) async throws -> [BonusPlanRecord] {
        try Self.requireBonusReader(caller)
        return try await withOverridesVisible(db, to: caller, try await store.plans(db))
    }

    func plan(_ db: Connection, caller: Caller, id: Int64) async throws -> BonusPlanRecord {
        try Self.requireBonusReader(caller)
        guard let plan = try await store.plan(db, id: id), let shown = try await withOverridesVisible(db, to: caller, [plan]).first else {
            throw APIError.notFound("bonus plan")
        }
        return shown
    }

    /// A person's own target is pay: a plan shows each reader only the overrides of
    /// people in their reporting line (themselves included); admins see all of them.
    private func withOverridesVisible(_ db: Connection, to caller: Caller, _ plans: [BonusPlanRecord]) async throws -> [BonusPlanRecord] {
        if caller.isAdmin { return plans }
        let line = try await store.reportingLine(db, of: caller.id)
        return plans.map { plan in
            var plan = plan
            plan.overrides = plan.overrides.filter { line.contains($0.userId) }
            return plan
        }
    }

    func runs(_ db: Connection, caller: Caller) async throws -> [BonusRunRecord] {
        try Self.requireBonusReader(caller, "Bonus runs")
        return try await store.runs(db)
    }

    func run(_ db: Connection, caller: Caller, id: Int64) async throws -> BonusRunRecord {
        try Self.requireBonusReader(caller, "Bonus runs")
        guard let run = try await store.run(db, id: id) else { throw APIError.notFound("bonus run") }
        return run
    }

    /// A statement is seen by its person, the managers above them, and admins; to
    /// anyone else it does not exist.
    func statement(_ db: Connection, caller: Caller, runID: Int64, userID: Int64) async throws -> StatementRecord {
        guard try await canSee(db, caller, userID: userID), let s = try await store.statement(db, runID: runID, userID: userID) else {
            throw APIError.notFound("statement")
        }
        return s
    }

    func canSee(_ db: Connection, _ caller: Caller, userID: Int64) async throws -> Bool {
        if caller.isAdmin || caller.id == userID { return true }
        return try await services.users.isManager(db, managerID: caller.id, of: userID)
    }

    /// Whether `caller` may approve a draft run holding `userIDs`' statements: an admin,
    /// or a manager above every one of them.
    func mayApprove(_ db: Connection, _ caller: Caller, userIDs: [Int64]) async throws -> Bool {
        do {
            try await requireApprover(db, caller, userIDs: userIDs)
            return true
        } catch let error as APIError where error.status == .forbidden {
            return false
        }
    }

    /// The export of a run's statements the caller may see, one line per credit, tier,
    /// adjustment and payout.
    func statementsCSV(_ db: Connection, caller: Caller, runID: Int64) async throws -> String {
        try Self.requireExporter(caller)
        guard let run = try await store.run(db, id: runID) else { throw APIError.notFound("bonus run") }
        var rows: [[String]] = []
        for summary in run.statements where try await canSee(db, caller, userID: summary.userId) {
            guard let s = try await store.statement(db, runID: runID, userID: summary.userId) else { continue }
            let c = s.computation
            for line in c.lines {
                rows.append([s.name, run.period, "phase", line.project, line.phase, line.value.description, line.due.description,
                             line.completedOn.description, line.onTime ? "on time" : "late", line.credit.description])
            }
            for tier in c.tiers {
                rows.append([s.name, run.period, "tier", "", "\(tier.from)–\(tier.to?.description ?? "")", "", "", "",
                             "rate \(tier.rate)", tier.amount.description])
            }
            for a in c.adjustments {
                rows.append([s.name, run.period, "adjustment", "", a.reason, "", "", "", a.author ?? "", a.amount.description])
            }
            rows.append([s.name, run.period, "payout", "", "", "", "", "", c.capApplied ? "capped" : "", c.payout.description])
        }
        return CSV.write(header: ["person", "period", "line", "project", "item", "value", "due", "completedOn", "note", "amount"], rows: rows)
    }

    /// What a person's bonus would be if the given open phases were completed on the
    /// given days; nothing is stored.
    func whatIf(_ db: Connection, caller: Caller, input: BonusWhatIfInput) async throws -> BonusComputation {
        guard try await canSee(db, caller, userID: input.userId) else { throw APIError.notFound("person") }
        guard let plan = try await store.plan(db, id: input.planId) else { throw ValidationFailure("planId", "Plan must be an existing bonus plan") }
        let period = try services.quotas.calendar.period(key: input.period, field: "period")
        let open = try await store.openPhases(db, userID: input.userId)
        var phases = try await store.completedPhases(db, userID: input.userId, period: period)
        var v = Validator()
        for (i, c) in input.completions.enumerated() {
            guard var phase = open[c.phaseId] else {
                v.add("completions[\(i)].phaseId", "Phase \(c.phaseId) is not an open phase of this person's projects")
                continue
            }
            phase.completedOn = c.completedOn
            if period.contains(c.completedOn) { phases.append(phase) }
        }
        try v.throwIfInvalid()
        return try await store.compute(db, plan: plan, period: period, userID: input.userId, phases: phases).computation
    }

    // MARK: Plans

    /// A new plan (`id` nil) or a change to one: fields left out keep their value.
    func savePlan(_ db: Connection, caller: Caller, id: Int64?, expected: Int?, input: BonusPlanInput) async throws -> BonusPlanRecord {
        try Self.requirePlanWriter(caller)
        var before: BonusPlanRecord?
        if let id {
            guard let found = try await store.plan(db, id: id, forUpdate: true) else { throw APIError.notFound("bonus plan") }
            try ETag.requireCurrent(expected, found.version)
            before = found
        }
        var v = Validator()
        let name = input.name?.trimmed ?? before?.name ?? ""
        v.check(!name.isEmpty && name.count <= 200, "name", "Name must be 1 to 200 characters")
        let periodType = input.periodType ?? before?.periodType ?? "quarter"
        v.check(["year", "quarter", "month"].contains(periodType), "periodType", "Period type must be year, quarter or month")
        v.check(input.tiers != nil || before != nil, "tiers", "Tiers are required")
        v.check(input.targetBonus != nil || before != nil, "targetBonus", "Target bonus is required")
        let rules = BonusPlanRules(
            method: input.method ?? before?.method ?? .marginal,
            targetBonus: input.targetBonus?.amount ?? before?.targetBonus.amount ?? 0,
            threshold: input.threshold?.value ?? before?.threshold.value ?? 0,
            tiers: input.tiers ?? before?.tiers ?? [], cap: input.cap?.value ?? before?.cap?.value,
            lateCreditPercent: input.lateCreditPercent?.value ?? before?.lateCreditPercent.value ?? 100,
            budgetTolerance: Self.budgetTolerance(input, before: before, into: &v))
        rules.check(into: &v)
        // Stored with these scales: more decimals would be rounded silently.
        v.check(rules.lateCreditPercent.significantScale <= 2, "lateCreditPercent", "Late credit must have at most two decimals")
        v.check(rules.threshold.significantScale <= 4, "threshold", "Threshold must have at most four decimals")
        if let cap = rules.cap { v.check(cap.significantScale <= 4, "cap", "Cap must have at most four decimals") }
        let overrides = input.overrides ?? before?.overrides ?? []
        for (i, o) in overrides.enumerated() {
            v.check(o.targetBonus.amount >= 0, "overrides[\(i)].targetBonus", "Target bonus must be zero or more")
        }
        try v.throwIfInvalid()
        return try await store.savePlan(db, id: id, name: name, metric: input.metric ?? before?.metric ?? .completedWork,
                                        periodType: periodType, rules: rules, overrides: overrides,
                                        activeFrom: input.activeFrom ?? before?.activeFrom, activeTo: input.activeTo ?? before?.activeTo,
                                        by: caller.id)
    }

    /// The plan's budget tolerance after a change: what the change names, else what the
    /// plan had. A tolerance of 0 is none (the default plan's behaviour).
    static func budgetTolerance(_ input: BonusPlanInput, before: BonusPlanRecord?, into v: inout Validator) -> BudgetTolerance? {
        let tolerance = input.budgetTolerancePercent?.value ?? before?.budgetTolerancePercent?.value
        let reduced = input.overBudgetCreditPercent?.value ?? before?.overBudgetCreditPercent?.value
        guard let tolerance, tolerance != 0 else { return nil }
        guard let reduced else {
            v.add("overBudgetCreditPercent", "A budget tolerance needs the credit percent a phase beyond it keeps (for example 50)")
            return nil
        }
        v.check(tolerance.significantScale <= 2, "budgetTolerancePercent", "The budget tolerance must have at most two decimals")
        v.check(reduced.significantScale <= 2, "overBudgetCreditPercent", "The credit over budget must have at most two decimals")
        return BudgetTolerance(tolerancePercent: tolerance, reducedCreditPercent: reduced)
    }

    /// A new plan with `id`'s rules and overrides under another name.
    func copyPlan(_ db: Connection, caller: Caller, from id: Int64, name: String) async throws -> BonusPlanRecord {
        try Self.requirePlanWriter(caller)
        guard let plan = try await store.plan(db, id: id) else { throw APIError.notFound("bonus plan") }
        let input = BonusPlanInput(
            name: name, method: plan.method, metric: plan.metric, periodType: plan.periodType, targetBonus: plan.targetBonus, threshold: plan.threshold,
            tiers: plan.tiers, cap: plan.cap, lateCreditPercent: plan.lateCreditPercent,
            budgetTolerancePercent: plan.budgetTolerancePercent, overBudgetCreditPercent: plan.overBudgetCreditPercent, overrides: plan.overrides)
        return try await savePlan(db, caller: caller, id: nil, expected: nil, input: input)
    }

    // MARK: Members

    /// Adds a membership to a plan. A person is in at most one plan of a period type and
    /// metric family on any day: a membership that would put someone in a second one is
    /// 409 naming the other plan.
    func addMember(_ db: Connection, caller: Caller, planID: Int64, input: BonusMemberInput) async throws -> BonusPlanRecord.Member {
        try Self.requirePlanWriter(caller)
        guard let plan = try await store.plan(db, id: planID, forUpdate: true) else { throw APIError.notFound("bonus plan") }
        var v = Validator()
        v.check((input.userId == nil) != (input.managerId == nil), "userId",
                "Name either a person (userId) or a manager whose people join (managerId), not both")
        let span = MembershipSpan(from: input.from, to: input.to)
        span.check(into: &v)
        for (field, id) in [("userId", input.userId), ("managerId", input.managerId)] {
            if let id, try await services.users.find(db, id: id, visibleTo: caller) == nil { v.add(field, "Person \(id) does not exist") }
        }
        try v.throwIfInvalid()
        // One membership at a time is checked, so that two at once cannot both pass.
        try await db.query("LOCK TABLE bonus_plan_members IN SHARE ROW EXCLUSIVE MODE")
        return try await db.withoutRowSecurity {
            let people = try await store.people(db, userID: input.userId, managerID: input.managerId, metric: plan.metric)
            if let other = try await store.overlappingMembership(db, plan: plan, people: people, span: span) {
                throw APIError.conflict(
                    "\(other.person) is already in the plan \"\(other.plan)\" (\(plan.periodType), \(plan.metric.family.rawValue)) on days of \(span.text); "
                    + "end that membership first so that no work pays twice.", code: "membership-overlap")
            }
            let id = try await store.addMember(db, planID: plan.id, userID: input.userId, managerID: input.managerId, span: span, by: caller.id)
            guard let member = try await store.plan(db, id: plan.id)?.members.first(where: { $0.id == id }) else { throw APIError.internalError }
            return member
        }
    }

    func removeMember(_ db: Connection, caller: Caller, planID: Int64, memberID: Int64) async throws {
        try Self.requirePlanWriter(caller)
        guard try await store.removeMember(db, planID: planID, memberID: memberID, by: caller.id) else {
            throw APIError.notFound("membership")
        }
    }

    // MARK: Runs

    /// Computes a new draft run of a plan for a period, one statement per project manager.
    func computeRun(_ db: Connection, caller: Caller, input: BonusRunInput) async throws -> BonusRunRecord {
        try Self.requireComputer(caller)
        guard let plan = try await store.plan(db, id: input.planId) else { throw ValidationFailure("planId", "Plan must be an existing bonus plan") }
        let period = try await services.quotas.period(db, key: input.period)
        if let existing = try await store.runID(db, planID: plan.id, periodKey: period.key) {
            throw APIError.conflict("This plan already has run \(existing) for \(period.key); recompute it (while a draft) instead.",
                                    code: "run-exists")
        }
        // Every member of the plan, whoever computes it.
        let id = try await db.withoutRowSecurity { try await store.computeRun(db, runID: nil, plan: plan, period: period, by: caller.id) }
        try await db.withoutRowSecurity { try await NotificationEvents.bonusRun(db, runID: id, locked: false, by: caller.id) }
        guard let run = try await store.run(db, id: id) else { throw APIError.internalError }
        return run
    }

    /// Computes a draft run again from today's data; an approved run is locked.
    func recompute(_ db: Connection, caller: Caller, id: Int64) async throws -> BonusRunRecord {
        try Self.requireComputer(caller)
        // The whole run, every member of the plan, whoever recomputes it.
        try await db.withoutRowSecurity {
            let run = try await draft(db, id: id, locked: "Run \(id) is approved and locked; corrections go into a later run as adjustments.")
            guard let plan = try await store.plan(db, id: run.planId) else { throw APIError.internalError }
            let period = try await services.quotas.period(db, key: run.period)
            _ = try await store.computeRun(db, runID: id, plan: plan, period: period, by: caller.id)
        }
        guard let run = try await store.run(db, id: id) else { throw APIError.internalError }
        return run
    }

    /// Approves a draft run: an admin approves it whole and locks it; a manager approves
    /// every statement of their people, and the run locks when none is left waiting.
    /// A run already approved is 409 `run-locked`, on the page as in the API.
    func approve(_ db: Connection, caller: Caller, id: Int64, closeEarly: Bool = false) async throws -> BonusRunRecord {
        try Self.requireApproverRole(caller)
        // The approver's line is judged on every statement of the run, so the check reads them all.
        try await db.withoutRowSecurity {
            let run = try await draft(db, id: id, locked: "Run \(id) is already approved and locked.")
            let period = try await services.quotas.period(db, key: run.period)
            try requireEnded(period, closeEarly: closeEarly)
            var mine: [Int64] = []
            for s in run.statements where try await mayApprove(db, caller, userIDs: [s.userId]) { mine.append(s.userId) }
            guard caller.isAdmin || !mine.isEmpty else {
                throw APIError.forbidden("Only an admin, or a manager above someone in the run, may approve it.")
            }
            if caller.isAdmin {
                try await lock(db, run: run, period: period, closeEarly: closeEarly, by: caller.id)
            } else {
                for user in mine { _ = try await store.approveStatement(db, runID: id, userID: user, by: caller.id) }
                try await lockIfAllApproved(db, runID: id, period: period, closeEarly: closeEarly, by: caller.id)
            }
        }
        guard let run = try await store.run(db, id: id) else { throw APIError.internalError }
        return run
    }

    /// Approves one statement: by the person's manager, anyone above them, or an admin.
    /// The last statement approved locks the run.
    func approveStatement(_ db: Connection, caller: Caller, runID: Int64, userID: Int64, closeEarly: Bool = false) async throws -> BonusRunRecord {
        try Self.requireApproverRole(caller)
        try await db.withoutRowSecurity {
            let run = try await draft(db, id: runID, locked: "Run \(runID) is already approved and locked.")
            guard run.statements.contains(where: { $0.userId == userID }), try await canSee(db, caller, userID: userID) else {
                throw APIError.notFound("statement")
            }
            guard try await mayApprove(db, caller, userIDs: [userID]) else {
                throw APIError.forbidden("Only the person's manager, someone above them, or an admin approves their statement.")
            }
            let period = try await services.quotas.period(db, key: run.period)
            try requireEnded(period, closeEarly: closeEarly)
            _ = try await store.approveStatement(db, runID: runID, userID: userID, by: caller.id)
            try await lockIfAllApproved(db, runID: runID, period: period, closeEarly: closeEarly, by: caller.id)
        }
        guard let run = try await store.run(db, id: runID) else { throw APIError.internalError }
        return run
    }

    /// What an approval by `caller` would do, for the page's confirmation: the statements
    /// it approves, whether the run locks, whether the period is still open. Refused as
    /// `approve` refuses (409 locked, 403 not an approver), before anything is asked.
    struct ApprovalPreview: Sendable {
        var run: BonusRunRecord
        var approves: [BonusRunRecord.Summary]
        var locks: Bool
        var periodOpen: Bool
        var periodEnd: CalendarDate
    }

    func approvalPreview(_ db: Connection, caller: Caller, id: Int64) async throws -> ApprovalPreview {
        try Self.requireApproverRole(caller)
        return try await db.withoutRowSecurity {
            guard let run = try await store.run(db, id: id) else { throw APIError.notFound("bonus run") }
            guard run.status == "draft" else { throw APIError.conflict("Run \(id) is already approved and locked.", code: "run-locked") }
            var approves: [BonusRunRecord.Summary] = []
            for s in run.statements where try await mayApprove(db, caller, userIDs: [s.userId]) { approves.append(s) }
            guard caller.isAdmin || !approves.isEmpty else {
                throw APIError.forbidden("Only an admin, or a manager above someone in the run, may approve it.")
            }
            let waiting = Set(run.statements.filter { !$0.approved }.map(\.userId)).subtracting(approves.map(\.userId))
            let period = try await services.quotas.period(db, key: run.period)
            return ApprovalPreview(run: run, approves: approves, locks: caller.isAdmin || waiting.isEmpty,
                                   periodOpen: DeliveryActions.today < period.endExclusive, periodEnd: period.endExclusive.adding(days: -1))
        }
    }

    private func requireEnded(_ period: FiscalPeriod, closeEarly: Bool) throws {
        if let refusal = StatementApprovals.earlyRefusal(period: period.key, endExclusive: period.endExclusive,
                                                         today: DeliveryActions.today, closeEarly: closeEarly) {
            throw APIError.conflict(refusal, code: "period-open")
        }
    }

    private func lockIfAllApproved(_ db: Connection, runID: Int64, period: FiscalPeriod, closeEarly: Bool, by actorID: Int64) async throws {
        guard let run = try await store.run(db, id: runID),
              StatementApprovals.runLocks(statementsApproved: run.statements.map(\.approved)) else { return }
        try await lock(db, run: run, period: period, closeEarly: closeEarly, by: actorID)
    }

    private func lock(_ db: Connection, run: BonusRunRecord, period: FiscalPeriod, closeEarly: Bool, by actorID: Int64) async throws {
        guard let plan = try await store.plan(db, id: run.planId) else { throw APIError.internalError }
        guard try await store.lock(db, run: run, plan: plan, period: period, closeEarly: closeEarly, by: actorID) else {
            throw APIError.conflict("Run \(run.id) is already approved and locked.", code: "run-locked")
        }
        try await db.withoutRowSecurity { try await NotificationEvents.bonusRun(db, runID: run.id, locked: true, by: actorID) }
    }

    /// An amount added to or taken from one person's statement in a draft run, with the
    /// reason. It belongs to that run: it shows there only, a recompute keeps it, and a
    /// locked run refuses it (409: post it to the next open run).
    func addAdjustment(_ db: Connection, caller: Caller, runID: Int64, input: BonusAdjustmentInput) async throws -> Int64 {
        try Self.requireAdjuster(caller)
        guard !input.reason.trimmed.isEmpty, input.reason.count <= 1000 else {
            throw ValidationFailure("reason", "Reason must be 1 to 1,000 characters: say why the amount changes")
        }
        // The statement is recomputed whole, whoever adjusts it: row scope must not change what is written.
        return try await db.withoutRowSecurity {
            guard let run = try await store.run(db, id: runID, forUpdate: true) else { throw APIError.notFound("bonus run") }
            guard run.status == "draft" else {
                throw APIError.conflict("Run \(runID) (\(run.period)) is approved and locked; post the adjustment to the next open run of the plan instead.",
                                        code: "run-locked")
            }
            guard run.statements.contains(where: { $0.userId == input.userId }) else {
                throw ValidationFailure("userId", "Person must have a statement in this run")
            }
            guard try await mayApprove(db, caller, userIDs: [input.userId]) else {
                throw APIError.forbidden("Only the person's manager, someone above them, or an admin adjusts their statement.")
            }
            let adjustment = try await store.addAdjustment(db, planID: run.planId, runID: run.id, userID: input.userId,
                                                           amount: input.amount.amount, reason: input.reason.trimmed, by: caller.id)
            guard let plan = try await store.plan(db, id: run.planId) else { throw APIError.internalError }
            _ = try await store.computeRun(db, runID: run.id, plan: plan, period: try await services.quotas.period(db, key: run.period),
                                           by: caller.id, only: [input.userId])
            return adjustment
        }
    }

    // MARK: Rules

    /// Who may adjust: asked before the body is read, so that the answer to anyone
    /// else is 403 whatever they sent.
    static func requireAdjuster(_ caller: Caller) throws {
        guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only a manager or an admin adjusts bonus statements.") }
    }

    /// Plans are pay rules: only admins make or change them.
    static func requirePlanWriter(_ caller: Caller) throws {
        guard caller.isAdmin else { throw APIError.forbidden("Only an admin may do this.") }
    }

    static func requireExporter(_ caller: Caller) throws {
        guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only managers and admins export bonus runs.") }
    }

    static func requireComputer(_ caller: Caller) throws {
        guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only managers and admins compute bonus runs.") }
    }

    static func requireApproverRole(_ caller: Caller) throws {
        guard caller.isAdmin || caller.has(.manager) else { throw APIError.forbidden("Only a manager or an admin approves bonus runs.") }
    }

    /// The run locked for a change, still a draft.
    private func draft(_ db: Connection, id: Int64, locked message: String) async throws -> BonusRunRecord {
        guard let run = try await store.run(db, id: id, forUpdate: true) else { throw APIError.notFound("bonus run") }
        guard run.status == "draft" else { throw APIError.conflict(message, code: "run-locked") }
        return run
    }

    /// Approving (and adjusting) needs an admin, or a manager above every person concerned.
    func requireApprover(_ db: Connection, _ caller: Caller, userIDs: [Int64]) async throws {
        if caller.isAdmin { return }
        try Self.requireApproverRole(caller)
        for user in userIDs where try await !services.users.isManager(db, managerID: caller.id, of: user) {
            throw APIError.forbidden("Only an admin or a manager above every person in the run may approve it.")
        }
    }
}
