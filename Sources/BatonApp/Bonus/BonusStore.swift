import BatonCore
import Dates
import Foundation
import Postgres

/// A bonus plan as the API shows it.
struct BonusPlanRecord: Encodable, Sendable {
    struct Override: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case userId, targetBonus }
        var userId: Int64
        var targetBonus: Money
    }
    var id: Int64
    var version: Int
    var name: String
    var method: BonusMethod
    var periodType: String
    var targetBonus: Money
    var threshold: DecimalString
    var tiers: [BonusTier]
    var cap: DecimalString?
    var lateCreditPercent: DecimalString
    var overrides: [Override]
    var activeFrom: CalendarDate?
    var activeTo: CalendarDate?

    var rules: BonusPlanRules {
        BonusPlanRules(method: method, targetBonus: targetBonus.amount, threshold: threshold.value, tiers: tiers,
                       cap: cap?.value, lateCreditPercent: lateCreditPercent.value)
    }

    func targetBonus(for userID: Int64) -> Decimal {
        overrides.first { $0.userId == userID }?.targetBonus.amount ?? targetBonus.amount
    }
}

/// A run: one plan, one period, a statement per project manager.
struct BonusRunRecord: Encodable, Sendable {
    struct Summary: Encodable, Sendable { var userId: Int64; var name: String; var payout: Money }
    var id: Int64
    var version: Int
    var planId: Int64
    var period: String
    var status: String
    var computedAt: Timestamp
    var approvedAt: Timestamp?
    var approvedBy: Int64?
    var statements: [Summary]
}

/// A statement: every amount of one person's bonus for one run, explained.
struct StatementRecord: Encodable, Sendable {
    var runId: Int64
    var userId: Int64
    var name: String
    var period: String
    var runStatus: String
    var computation: BonusComputation

    func encode(to encoder: any Encoder) throws {
        try computation.encode(to: encoder)
        enum Keys: String, CodingKey { case runId, userId, name, period, runStatus, locked }
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(runId, forKey: .runId)
        try c.encode(userId, forKey: .userId)
        try c.encode(name, forKey: .name)
        try c.encode(period, forKey: .period)
        try c.encode(runStatus, forKey: .runStatus)
        try c.encode(runStatus == "approved", forKey: .locked)
    }
}

/// Bonus plans, runs, statements and adjustments (BONUS.md).
struct BonusStore: Sendable {
    let quotas: QuotaStore

    // MARK: Plans

    static let planColumns: Query = """
        p.id, p.version, p.name, p.method, p.period_type, p.target_bonus, p.threshold, p.tiers::text AS tiers, p.cap,
        p.late_credit_percent, p.active_from, p.active_to,
        coalesce((SELECT json_agg(json_build_object('userId', o.user_id, 'targetBonus', o.target_bonus::text) ORDER BY o.user_id)
                  FROM bonus_plan_overrides o WHERE o.plan_id = p.id), '[]')::text AS overrides
        """

    func plans(_ db: Connection) async throws -> [BonusPlanRecord] {
        try await db.query("SELECT \(Self.planColumns) FROM bonus_plans p ORDER BY p.id").map(Self.plan)
    }

    func plan(_ db: Connection, id: Int64, forUpdate: Bool = false) async throws -> BonusPlanRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("SELECT \(Self.planColumns) FROM bonus_plans p WHERE p.id = \(id)\(lock)").first.map(Self.plan)
    }

    func savePlan(_ db: Connection, id: Int64?, name: String, periodType: String, rules: BonusPlanRules,
                  overrides: [BonusPlanRecord.Override], activeFrom: CalendarDate?, activeTo: CalendarDate?, by actorID: Int64) async throws -> BonusPlanRecord {
        var before: BonusPlanRecord?
        if let id { before = try await plan(db, id: id) }
        let tiers = try JSONB(rules.tiers)
        let planID: Int64
        if let id {
            try await db.query("""
                UPDATE bonus_plans SET name = \(name), method = \(rules.method.rawValue), period_type = \(periodType),
                    target_bonus = \(rules.targetBonus), threshold = \(rules.threshold), tiers = \(tiers)::jsonb, cap = \(rules.cap),
                    late_credit_percent = \(rules.lateCreditPercent), active_from = \(activeFrom), active_to = \(activeTo),
                    version = version + 1, updated_at = now()
                WHERE id = \(id)
                """)
            planID = id
        } else {
            planID = try await db.expectRow("""
                INSERT INTO bonus_plans (name, method, period_type, target_bonus, threshold, tiers, cap, late_credit_percent,
                                         active_from, active_to)
                VALUES (\(name), \(rules.method.rawValue), \(periodType), \(rules.targetBonus), \(rules.threshold), \(tiers)::jsonb,
                        \(rules.cap), \(rules.lateCreditPercent), \(activeFrom), \(activeTo))
                RETURNING id
                """).decode("id")
        }
        try await db.query("DELETE FROM bonus_plan_overrides WHERE plan_id = \(planID)")
        for o in overrides {
            try await db.query("""
                INSERT INTO bonus_plan_overrides (plan_id, user_id, target_bonus) VALUES (\(planID), \(o.userId), \(o.targetBonus.amount))
                """)
        }
        guard let after = try await plan(db, id: planID) else { throw APIError.internalError }
        try await AuditTrail.record(db, actorID: actorID, entity: "bonus_plan", entityID: planID, action: id == nil ? .create : .update,
                                    before: before.map { .of($0) }, after: .of(after))
        return after
    }

    // MARK: Runs

    func run(_ db: Connection, id: Int64, forUpdate: Bool = false) async throws -> BonusRunRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF r" : ""
        guard let row = try await db.query("""
            SELECT r.id, r.version, r.plan_id, r.period_key, r.status, r.computed_at, r.approved_at, r.approved_by FROM bonus_runs r
            WHERE r.id = \(id)\(lock)
            """).first else { return nil }
        let statements = try await db.query("""
            SELECT s.user_id, u.name, s.payout FROM bonus_statements s JOIN users u ON u.id = s.user_id
            WHERE s.run_id = \(id) ORDER BY lower(u.name), s.user_id
            """).map {
            BonusRunRecord.Summary(userId: try $0.decode("user_id"), name: try $0.decode("name"),
                                   payout: Money(try $0.decode("payout", as: Decimal.self)))
        }
        return BonusRunRecord(
            id: try row.decode("id"), version: try row.decode("version"), planId: try row.decode("plan_id"),
            period: try row.decode("period_key"), status: try row.decode("status"), computedAt: try row.decode("computed_at"),
            approvedAt: try row.decode("approved_at"), approvedBy: try row.decode("approved_by"), statements: statements)
    }

    func runs(_ db: Connection) async throws -> [BonusRunRecord] {
        var result: [BonusRunRecord] = []
        for row in try await db.query("SELECT id FROM bonus_runs ORDER BY id") {
            if let run = try await run(db, id: try row.decode("id")) { result.append(run) }
        }
        return result
    }

    func runID(_ db: Connection, planID: Int64, periodKey: String) async throws -> Int64? {
        try await db.query("SELECT id FROM bonus_runs WHERE plan_id = \(planID) AND period_key = \(periodKey)").first?.decode("id")
    }

    /// The project managers a run covers: everyone active with the role, or with
    /// a completed-work quota in the period.
    func projectManagers(_ db: Connection, periodKey: String) async throws -> [(id: Int64, name: String)] {
        try await db.query("""
            SELECT id, name FROM users
            WHERE active AND ('project_manager' = ANY(roles)
                   OR id IN (SELECT user_id FROM quotas WHERE period_key = \(periodKey) AND metric = 'completed_work'))
            ORDER BY lower(name), id
            """).map { (try $0.decode("id"), try $0.decode("name")) }
    }

    /// Phases a manager's projects completed within the period (by their dates of record).
    func completedPhases(_ db: Connection, userID: Int64, period: FiscalPeriod) async throws -> [PhaseCreditInput] {
        try await db.query("""
            SELECT j.id AS project_id, j.name AS project, ph.id, ph.name, ph.value, ph.due_date, ph.completed_on
            FROM project_phases ph JOIN projects j ON j.id = ph.project_id
            WHERE j.project_manager_id = \(userID) AND ph.completed_on >= \(period.start) AND ph.completed_on < \(period.endExclusive)
            ORDER BY ph.completed_on, ph.id
            """).map(Self.phaseInput)
    }

    /// Hand-made adjustments not yet carried by an approved run.
    func openAdjustments(_ db: Connection, planID: Int64, userID: Int64) async throws -> [(id: Int64, adjustment: Adjustment)] {
        try await db.query("""
            SELECT a.id, a.amount, a.reason, u.name AS author FROM bonus_adjustments a LEFT JOIN users u ON u.id = a.author_id
            WHERE a.plan_id = \(planID) AND a.user_id = \(userID) AND a.run_id IS NULL AND a.clawback_of_run_id IS NULL
            ORDER BY a.id
            """).map {
            (try $0.decode("id"), Adjustment(amount: Money(try $0.decode("amount", as: Decimal.self)), reason: try $0.decode("reason"),
                                             author: try $0.decode("author")))
        }
    }

    struct Clawback: Sendable {
        var lockedRunID: Int64
        var phaseID: Int64
        var adjustment: Adjustment
    }

    /// Phases credited in an earlier, locked run of this plan that have since been
    /// reopened or re-dated out of that period: each costs what the locked period
    /// paid for it (BONUS.md). One clawback per phase and locked run, ever.
    func clawbacks(_ db: Connection, plan: BonusPlanRecord, userID: Int64, before period: FiscalPeriod) async throws -> [Clawback] {
        let locked = try await db.query("""
            SELECT r.id, r.period_key, r.rules::text AS rules, p.start_date, p.end_date, s.target_bonus, s.quota, s.body::text AS body
            FROM bonus_runs r JOIN periods p ON p.key = r.period_key JOIN bonus_statements s ON s.run_id = r.id AND s.user_id = \(userID)
            WHERE r.plan_id = \(plan.id) AND r.status = 'approved' AND p.end_date <= \(period.start)
            ORDER BY p.start_date
            """)
        var result: [Clawback] = []
        for row in locked {
            let runID: Int64 = try row.decode("id")
            let start: CalendarDate = try row.decode("start_date")
            let end: CalendarDate = try row.decode("end_date")
            let rules = try row.decode("rules", as: JSONB<BonusPlanRules>.self).value
            let body = try row.decode("body", as: JSONB<BonusComputation>.self).value
            let inputs = body.lines.map {
                PhaseCreditInput(projectId: $0.projectId, projectName: $0.project, phaseId: $0.phaseId, phase: $0.phase,
                                 value: $0.value.amount, due: $0.due, completedOn: $0.completedOn)
            }
            let target: Decimal = try row.decode("target_bonus")
            let quota: Decimal? = try row.decode("quota")
            let lockedBase = BonusCalculator.compute(rules: rules, targetBonus: target, quota: quota, phases: inputs, adjustments: []).payout.amount
            for line in body.lines {
                let now = try await db.query("SELECT completed_on FROM project_phases WHERE id = \(line.phaseId)").first
                let completedOn: CalendarDate? = try now?.decode("completed_on")
                if let completedOn, completedOn >= start, completedOn < end { continue }
                let already: Bool = try await db.expectRow("""
                    SELECT EXISTS (SELECT 1 FROM bonus_adjustments WHERE clawback_of_run_id = \(runID) AND phase_id = \(line.phaseId)) AS done
                    """).decode("done")
                if already { continue }
                let without = BonusCalculator.compute(rules: rules, targetBonus: target, quota: quota,
                                                      phases: inputs.filter { $0.phaseId != line.phaseId }, adjustments: []).payout.amount
                let adjustment = BonusCalculator.clawback(lockedPayout: lockedBase, payoutWithoutPhase: without, phase: line.phase,
                                                          phaseId: line.phaseId, period: try row.decode("period_key"))
                if adjustment.amount.amount != 0 {
                    result.append(Clawback(lockedRunID: runID, phaseID: line.phaseId, adjustment: adjustment))
                }
            }
        }
        return result
    }

    struct Computed: Sendable {
        var userID: Int64
        var targetBonus: Decimal
        var quota: Decimal?
        var computation: BonusComputation
        var adjustmentIDs: [Int64]
        var clawbacks: [Clawback]
    }

    /// One person's statement for a plan and period, computed from the database as it is now.
    func compute(_ db: Connection, plan: BonusPlanRecord, period: FiscalPeriod, userID: Int64,
                 phases override: [PhaseCreditInput]? = nil) async throws -> Computed {
        let phases: [PhaseCreditInput]
        if let override { phases = override } else { phases = try await completedPhases(db, userID: userID, period: period) }
        let quota = try await quotas.target(db, userID: userID, periodKey: period.key, metric: .completedWork)
        let manual = try await openAdjustments(db, planID: plan.id, userID: userID)
        let clawbacks = try await clawbacks(db, plan: plan, userID: userID, before: period)
        let target = plan.targetBonus(for: userID)
        let computation = BonusCalculator.compute(rules: plan.rules, targetBonus: target, quota: quota, phases: phases,
                                                  adjustments: manual.map(\.adjustment) + clawbacks.map(\.adjustment))
        return Computed(userID: userID, targetBonus: target, quota: quota, computation: computation,
                        adjustmentIDs: manual.map(\.id), clawbacks: clawbacks)
    }

    /// Computes (or recomputes) a draft run's statements.
    func computeRun(_ db: Connection, runID: Int64?, plan: BonusPlanRecord, period: FiscalPeriod, by actorID: Int64) async throws -> Int64 {
        let id: Int64
        if let runID {
            try await db.query("DELETE FROM bonus_statements WHERE run_id = \(runID)")
            try await db.query("""
                UPDATE bonus_runs SET rules = \(try JSONB(plan.rules))::jsonb, computed_at = now(), version = version + 1 WHERE id = \(runID)
                """)
            id = runID
        } else {
            id = try await db.expectRow("""
                INSERT INTO bonus_runs (plan_id, period_key, rules) VALUES (\(plan.id), \(period.key), \(try JSONB(plan.rules))::jsonb)
                RETURNING id
                """).decode("id")
        }
        for pm in try await projectManagers(db, periodKey: period.key) {
            let c = try await compute(db, plan: plan, period: period, userID: pm.id)
            try await db.query("""
                INSERT INTO bonus_statements (run_id, user_id, target_bonus, quota, credited, payout, body)
                VALUES (\(id), \(pm.id), \(c.targetBonus), \(c.quota), \(c.computation.credited.amount), \(c.computation.payout.amount),
                        \(try JSONB(c.computation))::jsonb)
                """)
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "bonus_run", entityID: id, action: runID == nil ? .create : .update,
                                    before: nil, after: ["status": .text("draft"), "period": .text(period.key)])
        return id
    }

    /// Locks a draft run, recording which adjustments and clawbacks it carried.
    func approve(_ db: Connection, run: BonusRunRecord, plan: BonusPlanRecord, period: FiscalPeriod, by actorID: Int64) async throws -> Bool {
        // Re-derive what the statements carried, as they were computed, before locking them.
        for statement in run.statements {
            let c = try await compute(db, plan: plan, period: period, userID: statement.userId)
            for adjustmentID in c.adjustmentIDs {
                try await db.query("UPDATE bonus_adjustments SET run_id = \(run.id) WHERE id = \(adjustmentID) AND run_id IS NULL")
            }
            for claw in c.clawbacks {
                try await db.query("""
                    INSERT INTO bonus_adjustments (plan_id, user_id, amount, reason, phase_id, clawback_of_run_id, run_id)
                    VALUES (\(plan.id), \(statement.userId), \(claw.adjustment.amount.amount), \(claw.adjustment.reason),
                            \(claw.phaseID), \(claw.lockedRunID), \(run.id))
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        let locked = try await db.query("""
            UPDATE bonus_runs SET status = 'approved', approved_at = now(), approved_by = \(actorID), version = version + 1
            WHERE id = \(run.id) AND status = 'draft'
            """).affectedRows == 1
        if locked {
            try await AuditTrail.record(db, actorID: actorID, entity: "bonus_run", entityID: run.id, action: .update,
                                        before: ["status": .text("draft")], after: ["status": .text("approved")])
        }
        return locked
    }

    /// The people in `userID`'s reporting line, themselves included.
    func reportingLine(_ db: Connection, of userID: Int64) async throws -> Set<Int64> {
        Set(try await db.query("SELECT user_id FROM reporting_line(\(userID))").map { try $0.decode("user_id", as: Int64.self) })
    }

    /// The run of a person's latest statement: the latest period, then the latest run.
    func latestStatementRunID(_ db: Connection, userID: Int64) async throws -> Int64? {
        try await db.query("""
            SELECT s.run_id FROM bonus_statements s JOIN bonus_runs r ON r.id = s.run_id LEFT JOIN periods p ON p.key = r.period_key
            WHERE s.user_id = \(userID) ORDER BY p.start_date DESC NULLS LAST, r.id DESC LIMIT 1
            """).first?.decode("run_id")
    }

    func statement(_ db: Connection, runID: Int64, userID: Int64) async throws -> StatementRecord? {
        guard let row = try await db.query("""
            SELECT s.body::text AS body, u.name, r.period_key, r.status FROM bonus_statements s
            JOIN users u ON u.id = s.user_id JOIN bonus_runs r ON r.id = s.run_id
            WHERE s.run_id = \(runID) AND s.user_id = \(userID)
            """).first else { return nil }
        return StatementRecord(runId: runID, userId: userID, name: try row.decode("name"), period: try row.decode("period_key"),
                               runStatus: try row.decode("status"), computation: try row.decode("body", as: JSONB<BonusComputation>.self).value)
    }

    func addAdjustment(_ db: Connection, planID: Int64, userID: Int64, amount: Decimal, reason: String, by actorID: Int64) async throws -> Int64 {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO bonus_adjustments (plan_id, user_id, amount, reason, author_id)
            VALUES (\(planID), \(userID), \(amount), \(reason), \(actorID)) RETURNING id
            """).decode("id")
        try await AuditTrail.record(db, actorID: actorID, entity: "bonus_adjustment", entityID: id, action: .create, before: nil,
                                    after: ["userId": .int(userID), "amount": .text(amount.moneyText), "reason": .text(reason)])
        return id
    }

    /// Open phases of a manager's projects, for what-if questions.
    func openPhases(_ db: Connection, userID: Int64) async throws -> [Int64: PhaseCreditInput] {
        var result: [Int64: PhaseCreditInput] = [:]
        for row in try await db.query("""
            SELECT j.id AS project_id, j.name AS project, ph.id, ph.name, ph.value, ph.due_date, ph.due_date AS completed_on
            FROM project_phases ph JOIN projects j ON j.id = ph.project_id
            WHERE j.project_manager_id = \(userID) AND ph.completed_on IS NULL
            """) {
            let input = try Self.phaseInput(row)
            result[input.phaseId] = input
        }
        return result
    }

    static func phaseInput(_ row: Row) throws -> PhaseCreditInput {
        PhaseCreditInput(projectId: try row.decode("project_id"), projectName: try row.decode("project"), phaseId: try row.decode("id"),
                         phase: try row.decode("name"), value: try row.decode("value"), due: try row.decode("due_date"),
                         completedOn: try row.decode("completed_on"))
    }

    static func plan(_ row: Row) throws -> BonusPlanRecord {
        let cap: Decimal? = try row.decode("cap")
        return BonusPlanRecord(
            id: try row.decode("id"), version: try row.decode("version"), name: try row.decode("name"),
            method: BonusMethod(rawValue: try row.decode("method")) ?? .marginal, periodType: try row.decode("period_type"),
            targetBonus: Money(try row.decode("target_bonus", as: Decimal.self)),
            threshold: DecimalString(try row.decode("threshold", as: Decimal.self)),
            tiers: try row.decode("tiers", as: JSONB<[BonusTier]>.self).value, cap: cap.map(DecimalString.init),
            lateCreditPercent: DecimalString(try row.decode("late_credit_percent", as: Decimal.self)),
            overrides: try row.decode("overrides", as: JSONB<[BonusPlanRecord.Override]>.self).value,
            activeFrom: try row.decode("active_from"), activeTo: try row.decode("active_to"))
    }
}
