import BatonCore
import Dates
import Foundation
import Postgres

/// A bonus plan as the API shows it.
struct BonusPlanRecord: Encodable, Sendable, Versioned {
    struct Override: Codable, Sendable, StrictDecodable {
        enum Field: String, CodingKey, CaseIterable { case userId, targetBonus }
        var userId: Int64
        var targetBonus: Money
    }
    /// One membership: a person, or everyone reporting to a manager, on the days of its span.
    /// Exactly one of `userId` and `managerId` is set; every key is shown, null or not.
    struct Member: Codable, Sendable, KeepsEveryKey {
        var id: Int64
        var userId, managerId: Int64?
        /// The person's name, or "Everyone reporting to <manager>".
        var name: String
        var from: CalendarDate
        var to: CalendarDate?

        var span: MembershipSpan { MembershipSpan(from: from, to: to) }
    }
    var id: Int64
    var version: Int
    var name, periodType: String
    var method: BonusMethod
    var metric: BonusMetric
    var targetBonus: Money
    /// The attainment below which nothing is paid, and the percent of a late phase's value that still counts.
    var threshold, lateCreditPercent: DecimalString
    var tiers: [BonusTier]
    var cap: DecimalString?
    /// "To standard": the share of its budget hours a phase may take for full credit,
    /// and the percent of its credit a phase beyond it keeps; both left out when the
    /// plan has no tolerance.
    var budgetTolerancePercent, overBudgetCreditPercent: DecimalString?
    var overrides: [Override]
    var activeFrom, activeTo: CalendarDate?
    var members: [Member]

    var rules: BonusPlanRules {
        BonusPlanRules(method: method, targetBonus: targetBonus.amount, threshold: threshold.value, tiers: tiers,
                       cap: cap?.value, lateCreditPercent: lateCreditPercent.value, budgetTolerance: budgetTolerance)
    }

    var budgetTolerance: BudgetTolerance? {
        guard let tolerance = budgetTolerancePercent?.value, let reduced = overBudgetCreditPercent?.value else { return nil }
        return BudgetTolerance(tolerancePercent: tolerance, reducedCreditPercent: reduced)
    }

    func targetBonus(for userID: Int64) -> Decimal {
        overrides.first { $0.userId == userID }?.targetBonus.amount ?? targetBonus.amount
    }
}

/// A run: one plan, one period, a statement per member of the plan.
struct BonusRunRecord: Encodable, Sendable, Versioned {
    /// A statement in the run: its payout and who approved it (nulls while it waits;
    /// unlike the run's own `approvedAt`, these keys are always there).
    struct Summary: Encodable, Sendable, KeepsEveryKey {
        var userId: Int64
        var name: String
        var payout: Money
        /// `approvedBy` is set, said outright for the API's readers.
        var approved: Bool
        var approvedBy: Int64?
        var approvedAt: Timestamp?
    }
    var id, planId: Int64
    var version: Int
    /// The period's key, and `draft` or `approved` (locked).
    var period, status: String
    var computedAt: Timestamp
    /// Left out of the JSON while the run is a draft.
    var approvedAt: Timestamp?
    var approvedBy: Int64?
    /// Approved before its period ended, because the approver said `closeEarly: true`.
    var closedEarly: Bool
    var statements: [Summary]

    var total: Decimal { statements.reduce(Decimal(0)) { $0 + $1.payout.amount } }
}

/// A statement: every amount of one person's bonus for one run, explained.
struct StatementRecord: Encodable, Sendable {
    var runId, userId: Int64
    /// The person's name, the period's key, and the run's status.
    var name, period, runStatus: String
    /// Its keys are shown beside the statement's own, not nested.
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
        p.id, p.version, p.name, p.method, p.metric, p.period_type, p.target_bonus, p.threshold, p.tiers::text AS tiers, p.cap,
        p.late_credit_percent, p.budget_tolerance_percent, p.over_budget_credit_percent, p.active_from, p.active_to,
        coalesce((SELECT json_agg(json_build_object('userId', o.user_id, 'targetBonus', o.target_bonus::text) ORDER BY o.user_id)
                  FROM bonus_plan_overrides o WHERE o.plan_id = p.id), '[]')::text AS overrides,
        coalesce((SELECT json_agg(json_build_object(
                      'id', m.id, 'userId', m.user_id, 'managerId', m.manager_id,
                      'name', coalesce(mu.name, 'Everyone reporting to ' || mm.name), 'from', m.effective_from, 'to', m.effective_to)
                      ORDER BY m.effective_from, coalesce(mu.name, mm.name), m.id)
                  FROM bonus_plan_members m LEFT JOIN users mu ON mu.id = m.user_id LEFT JOIN users mm ON mm.id = m.manager_id
                  WHERE m.plan_id = p.id), '[]')::text AS members
        """

    func plans(_ db: Connection) async throws -> [BonusPlanRecord] {
        try await db.query("SELECT \(Self.planColumns) FROM bonus_plans p ORDER BY p.id").map(Self.plan)
    }

    func plan(_ db: Connection, id: Int64, forUpdate: Bool = false) async throws -> BonusPlanRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        return try await db.query("SELECT \(Self.planColumns) FROM bonus_plans p WHERE p.id = \(id)\(lock)").first.map(Self.plan)
    }

    func savePlan(_ db: Connection, id: Int64?, name: String, metric: BonusMetric, periodType: String, rules: BonusPlanRules,
                  overrides: [BonusPlanRecord.Override], activeFrom: CalendarDate?, activeTo: CalendarDate?, by actorID: Int64) async throws -> BonusPlanRecord {
        var before: BonusPlanRecord?
        if let id { before = try await plan(db, id: id) }
        let tiers = try JSONB(rules.tiers)
        let planID: Int64
        if let id {
            try await db.query("""
                UPDATE bonus_plans SET name = \(name), method = \(rules.method.rawValue), metric = \(metric.rawValue), period_type = \(periodType),
                    target_bonus = \(rules.targetBonus), threshold = \(rules.threshold), tiers = \(tiers)::jsonb, cap = \(rules.cap),
                    late_credit_percent = \(rules.lateCreditPercent),
                    budget_tolerance_percent = \(rules.budgetTolerance?.tolerancePercent),
                    over_budget_credit_percent = \(rules.budgetTolerance?.reducedCreditPercent), active_from = \(activeFrom), active_to = \(activeTo),
                    version = version + 1, updated_at = now()
                WHERE id = \(id)
                """)
            planID = id
        } else {
            planID = try await db.expectRow("""
                INSERT INTO bonus_plans (name, method, metric, period_type, target_bonus, threshold, tiers, cap, late_credit_percent,
                                         budget_tolerance_percent, over_budget_credit_percent, active_from, active_to)
                VALUES (\(name), \(rules.method.rawValue), \(metric.rawValue), \(periodType), \(rules.targetBonus), \(rules.threshold), \(tiers)::jsonb,
                        \(rules.cap), \(rules.lateCreditPercent), \(rules.budgetTolerance?.tolerancePercent),
                        \(rules.budgetTolerance?.reducedCreditPercent), \(activeFrom), \(activeTo))
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
            SELECT r.id, r.version, r.plan_id, r.period_key, r.status, r.computed_at, r.approved_at, r.approved_by, r.closed_early
            FROM bonus_runs r
            WHERE r.id = \(id)\(lock)
            """).first else { return nil }
        let statements = try await db.query("""
            SELECT s.user_id, u.name, s.payout, s.approved_by IS NOT NULL AS approved, s.approved_by, s.approved_at
            FROM bonus_statements s JOIN users u ON u.id = s.user_id
            WHERE s.run_id = \(id) ORDER BY lower(u.name), s.user_id
            """).map {
            BonusRunRecord.Summary(userId: try $0.decode("user_id"), name: try $0.decode("name"),
                                   payout: Money(try $0.decode("payout", as: Decimal.self)), approved: try $0.decode("approved"),
                                   approvedBy: try $0.decode("approved_by"), approvedAt: try $0.decode("approved_at"))
        }
        return BonusRunRecord(
            id: try row.decode("id"), planId: try row.decode("plan_id"), version: try row.decode("version"),
            period: try row.decode("period_key"), status: try row.decode("status"), computedAt: try row.decode("computed_at"),
            approvedAt: try row.decode("approved_at"), approvedBy: try row.decode("approved_by"),
            closedEarly: try row.decode("closed_early"), statements: statements)
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

    /// The people a run of `plan` covers in `period`: everyone a membership of the plan
    /// covers on at least one day of it, with the days it covers them.
    func members(_ db: Connection, plan: BonusPlanRecord, period: FiscalPeriod) async throws -> [(id: Int64, name: String, spans: [MembershipSpan])] {
        var result: [(id: Int64, name: String, spans: [MembershipSpan])] = []
        for row in try await db.query("""
            SELECT u.id, u.name, m.effective_from, m.effective_to
            FROM bonus_plan_members m CROSS JOIN LATERAL bonus_member_people(m.user_id, m.manager_id, \(plan.metric.rawValue)) mp
            JOIN users u ON u.id = mp.user_id
            WHERE m.plan_id = \(plan.id) AND m.effective_from < \(period.endExclusive)
              AND coalesce(m.effective_to, 'infinity'::date) >= \(period.start)
            ORDER BY lower(u.name), u.id, m.effective_from
            """) {
            let id: Int64 = try row.decode("id")
            let span = MembershipSpan(from: try row.decode("effective_from"), to: try row.decode("effective_to"))
            if let last = result.indices.last, result[last].id == id {
                result[last].spans.append(span)
            } else {
                result.append((id, try row.decode("name"), [span]))
            }
        }
        return result
    }

    /// The other plan (its name) in which one of `people` already is on a day of `span`:
    /// a plan of the same period type and metric family, so that no work pays twice.
    func overlappingMembership(_ db: Connection, plan: BonusPlanRecord, people: [Int64], span: MembershipSpan) async throws -> (plan: String, person: String)? {
        let sales = plan.metric.family == .sales
        guard let row = try await db.query("""
            SELECT p.name AS plan, u.name AS person
            FROM bonus_plan_members m JOIN bonus_plans p ON p.id = m.plan_id
            CROSS JOIN LATERAL bonus_member_people(m.user_id, m.manager_id, p.metric) mp JOIN users u ON u.id = mp.user_id
            WHERE p.id <> \(plan.id) AND p.period_type = \(plan.periodType) AND (p.metric <> 'completed_work') = \(sales)
              AND mp.user_id = ANY(\(people)::bigint[])
              AND m.effective_from <= coalesce(\(span.to)::date, 'infinity'::date)
              AND coalesce(m.effective_to, 'infinity'::date) >= \(span.from)
            ORDER BY p.id, u.id LIMIT 1
            """).first else { return nil }
        return (try row.decode("plan"), try row.decode("person"))
    }

    /// The people a new membership would cover, as `bonus_member_people` counts them.
    func people(_ db: Connection, userID: Int64?, managerID: Int64?, metric: BonusMetric) async throws -> [Int64] {
        try await db.query("SELECT user_id FROM bonus_member_people(\(userID), \(managerID), \(metric.rawValue)) ORDER BY 1")
            .map { try $0.decode("user_id") }
    }

    func addMember(_ db: Connection, planID: Int64, userID: Int64?, managerID: Int64?, span: MembershipSpan, by actorID: Int64) async throws -> Int64 {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO bonus_plan_members (plan_id, user_id, manager_id, effective_from, effective_to, created_by)
            VALUES (\(planID), \(userID), \(managerID), \(span.from), \(span.to), \(actorID)) RETURNING id
            """).decode("id")
        try await AuditTrail.record(db, actorID: actorID, entity: "bonus_plan", entityID: planID, action: .update, before: nil,
                                    after: ["member": .int(id), "userId": userID.map { .int($0) } ?? .null,
                                            "managerId": managerID.map { .int($0) } ?? .null, "span": .text(span.text)])
        return id
    }

    func removeMember(_ db: Connection, planID: Int64, memberID: Int64, by actorID: Int64) async throws -> Bool {
        let removed = try await db.query("DELETE FROM bonus_plan_members WHERE id = \(memberID) AND plan_id = \(planID)").affectedRows == 1
        if removed {
            try await AuditTrail.record(db, actorID: actorID, entity: "bonus_plan", entityID: planID, action: .update,
                                        before: ["member": .int(memberID)], after: nil)
        }
        return removed
    }

    /// A phase's budget and approved hours, the end of a select list over `project_phases ph`,
    /// and its FROM: the same figures the project page shows (`project_time_actuals`,
    /// which reads every entry whoever computes the statement).
    static let phaseHours: Query = """
        t.budget_hours, t.actual_hours
        FROM project_phases ph JOIN projects j ON j.id = ph.project_id
        LEFT JOIN LATERAL (SELECT a.budget_hours, a.actual_hours FROM project_time_actuals(j.id) a WHERE a.phase_id = ph.id) t ON true
        """

    /// Phases a manager's projects completed within the period (by their dates of record),
    /// with each phase's budget hours and approved hours as the project page counts them
    /// (`project_time_actuals`), for a plan's budget tolerance.
    func completedPhases(_ db: Connection, userID: Int64, period: FiscalPeriod) async throws -> [PhaseCreditInput] {
        try await db.query("""
            SELECT j.id AS project_id, j.name AS project, ph.id, ph.name, ph.value, ph.due_date, ph.completed_on, \(Self.phaseHours)
            WHERE j.project_manager_id = \(userID) AND ph.completed_on >= \(period.start) AND ph.completed_on < \(period.endExclusive)
            ORDER BY ph.completed_on, ph.id
            """).map(Self.phaseInput)
    }

    /// Hand-made adjustments posted to a run for one person: they show in that run only.
    func adjustments(_ db: Connection, runID: Int64, userID: Int64) async throws -> [(id: Int64, adjustment: Adjustment)] {
        try await db.query("""
            SELECT a.id, a.amount, a.reason, u.name AS author FROM bonus_adjustments a LEFT JOIN users u ON u.id = a.author_id
            WHERE a.run_id = \(runID) AND a.user_id = \(userID) AND a.clawback_of_run_id IS NULL
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
                                 value: $0.value.amount, due: $0.due, completedOn: $0.completedOn,
                                 budgetHours: $0.budgetHours?.value, actualHours: $0.actualHours?.value)
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

    /// Won deals of the period on which `userID` has a split: each one line, the
    /// person's share of the deal's amount (the reports' split credit, deal by deal).
    func bookedDeals(_ db: Connection, userID: Int64, metric: BonusMetric, period: FiscalPeriod) async throws -> [(PhaseCreditInput, Decimal)] {
        try await db.query("""
            SELECT o.id, o.name, a.name AS account, o.amount, t.split_percent, coalesce(o.closed_on, o.close_date) AS booked_on
            FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key AND s.is_won
            JOIN opportunity_team t ON t.opportunity_id = o.id AND t.user_id = \(userID) AND t.split_percent > 0
            JOIN accounts a ON a.id = o.account_id
            WHERE o.archived_at IS NULL AND o.kind = ANY(\(metric.dealKinds)::text[])
              AND coalesce(o.closed_on, o.close_date) >= \(period.start) AND coalesce(o.closed_on, o.close_date) < \(period.endExclusive)
            ORDER BY booked_on, o.id
            """).map { row in
            let amount: Decimal = try row.decode("amount"), split: Decimal = try row.decode("split_percent")
            let bookedOn: CalendarDate = try row.decode("booked_on")
            // A booking is never late: due and done the day it was won.
            return (PhaseCreditInput(projectId: try row.decode("id"), projectName: try row.decode("account"), phaseId: try row.decode("id"),
                                     phase: try row.decode("name"), value: amount * split / 100, due: bookedOn, completedOn: bookedOn),
                    split)
        }
    }

    /// One person's statement for a plan and period, computed from the database as it is
    /// now: the work (or bookings) of the days their membership covers, the adjustments
    /// posted to `runID`, and the clawbacks of earlier locked runs.
    func compute(_ db: Connection, plan: BonusPlanRecord, period: FiscalPeriod, userID: Int64, runID: Int64? = nil,
                 spans: [MembershipSpan]? = nil, phases override: [PhaseCreditInput]? = nil) async throws -> Computed {
        var phases: [PhaseCreditInput]
        var splits: [Int64: Decimal] = [:]
        if let override {
            phases = override
        } else if plan.metric == .completedWork {
            phases = try await completedPhases(db, userID: userID, period: period)
        } else {
            let deals = try await bookedDeals(db, userID: userID, metric: plan.metric, period: period)
            phases = deals.map(\.0)
            for (deal, split) in deals { splits[deal.phaseId] = split }
        }
        if let spans { phases = phases.filter { p in spans.contains { $0.contains(p.completedOn) } } }
        let quotaMetric = QuotaMetric(rawValue: plan.metric.rawValue) ?? .completedWork
        let quota = try await quotas.target(db, userID: userID, periodKey: period.key, metric: quotaMetric)
        var manual: [(id: Int64, adjustment: Adjustment)] = []
        if let runID { manual = try await adjustments(db, runID: runID, userID: userID) }
        let clawbacks = try await clawbacks(db, plan: plan, userID: userID, before: period)
        let target = plan.targetBonus(for: userID)
        var computation = BonusCalculator.compute(rules: plan.rules, targetBonus: target, quota: quota, phases: phases,
                                                  adjustments: manual.map(\.adjustment) + clawbacks.map(\.adjustment))
        if plan.metric != .completedWork { Self.describeBookings(&computation, splits: splits, metric: plan.metric) }
        return Computed(userID: userID, targetBonus: target, quota: quota, computation: computation,
                        adjustmentIDs: manual.map(\.id), clawbacks: clawbacks)
    }

    /// A sales statement's lines in a seller's words: the deal, the day it was won, the
    /// person's split of its amount.
    static func describeBookings(_ c: inout BonusComputation, splits: [Int64: Decimal], metric: BonusMetric) {
        for (i, line) in c.lines.enumerated() where i < c.explanation.count {
            let split = splits[line.phaseId].map { "\($0.plainText)% split" } ?? "split"
            c.explanation[i] = "Deal \(line.phase) (\(line.project)) won \(line.completedOn): your \(split) credits \(line.credit.amount.moneyText)"
        }
        if let total = c.explanation.firstIndex(where: { $0.hasPrefix("Credited work") || $0.hasPrefix("No phases completed") }) {
            c.explanation[total] = c.lines.isEmpty
                ? "No \(metric.rawValue.replacingOccurrences(of: "_", with: " ")) deals won in this period: credited bookings 0.00"
                : c.explanation[total].replacingOccurrences(of: "Credited work", with: "Credited bookings")
                    .replacingOccurrences(of: " from 1 phase", with: " from 1 deal").replacingOccurrences(of: " phases", with: " deals")
        }
    }

    /// Computes (or recomputes) a draft run's statements: one per member of the plan in
    /// the period. A statement whose payout did not change keeps its approval.
    /// `only`: recompute just these people's statements (an adjustment to one of them).
    func computeRun(_ db: Connection, runID: Int64?, plan: BonusPlanRecord, period: FiscalPeriod, by actorID: Int64,
                    only: Set<Int64>? = nil) async throws -> Int64 {
        let id: Int64
        if let runID {
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
        let members = try await members(db, plan: plan, period: period)
        if only == nil {
            try await db.query("DELETE FROM bonus_statements WHERE run_id = \(id) AND NOT (user_id = ANY(\(members.map(\.id))::bigint[]))")
        }
        for member in members where only?.contains(member.id) ?? true {
            let c = try await compute(db, plan: plan, period: period, userID: member.id, runID: id, spans: member.spans)
            try await db.query("""
                INSERT INTO bonus_statements AS s (run_id, user_id, target_bonus, quota, credited, payout, body)
                VALUES (\(id), \(member.id), \(c.targetBonus), \(c.quota), \(c.computation.credited.amount), \(c.computation.payout.amount),
                        \(try JSONB(c.computation))::jsonb)
                ON CONFLICT (run_id, user_id) DO UPDATE SET
                    target_bonus = EXCLUDED.target_bonus, quota = EXCLUDED.quota, credited = EXCLUDED.credited, body = EXCLUDED.body,
                    approved_by = CASE WHEN s.payout = EXCLUDED.payout THEN s.approved_by END,
                    approved_at = CASE WHEN s.payout = EXCLUDED.payout THEN s.approved_at END,
                    payout = EXCLUDED.payout
                """)
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "bonus_run", entityID: id, action: runID == nil ? .create : .update,
                                    before: nil, after: ["status": .text("draft"), "period": .text(period.key)])
        return id
    }

    /// Records one statement's approval; false when it was already approved.
    func approveStatement(_ db: Connection, runID: Int64, userID: Int64, by actorID: Int64) async throws -> Bool {
        let approved = try await db.query("""
            UPDATE bonus_statements SET approved_by = \(actorID), approved_at = now()
            WHERE run_id = \(runID) AND user_id = \(userID) AND approved_by IS NULL
            """).affectedRows == 1
        if approved {
            try await AuditTrail.record(db, actorID: actorID, entity: "bonus_run", entityID: runID, action: .update,
                                        before: nil, after: ["statementApproved": .int(userID)])
        }
        return approved
    }

    /// Locks a draft run, recording the clawbacks it carried; the adjustments posted to
    /// it are already its own. `closeEarly`: approved before the period ended, on purpose.
    func lock(_ db: Connection, run: BonusRunRecord, plan: BonusPlanRecord, period: FiscalPeriod, closeEarly: Bool, by actorID: Int64) async throws -> Bool {
        for statement in run.statements {
            let c = try await compute(db, plan: plan, period: period, userID: statement.userId, runID: run.id)
            for claw in c.clawbacks {
                try await db.query("""
                    INSERT INTO bonus_adjustments (plan_id, user_id, amount, reason, phase_id, clawback_of_run_id, run_id)
                    VALUES (\(plan.id), \(statement.userId), \(claw.adjustment.amount.amount), \(claw.adjustment.reason),
                            \(claw.phaseID), \(claw.lockedRunID), \(run.id))
                    ON CONFLICT DO NOTHING
                    """)
            }
        }
        try await db.query("""
            UPDATE bonus_statements SET approved_by = \(actorID), approved_at = now() WHERE run_id = \(run.id) AND approved_by IS NULL
            """)
        let locked = try await db.query("""
            UPDATE bonus_runs SET status = 'approved', approved_at = now(), approved_by = \(actorID), closed_early = \(closeEarly),
                version = version + 1
            WHERE id = \(run.id) AND status = 'draft'
            """).affectedRows == 1
        if locked {
            try await AuditTrail.record(db, actorID: actorID, entity: "bonus_run", entityID: run.id, action: .update,
                                        before: ["status": .text("draft")],
                                        after: ["status": .text("approved"), "closeEarly": .bool(closeEarly), "period": .text(period.key)])
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

    /// An adjustment posted to a run, for one person's statement there.
    func addAdjustment(_ db: Connection, planID: Int64, runID: Int64, userID: Int64, amount: Decimal, reason: String, by actorID: Int64) async throws -> Int64 {
        let id: Int64 = try await db.expectRow("""
            INSERT INTO bonus_adjustments (plan_id, run_id, user_id, amount, reason, author_id)
            VALUES (\(planID), \(runID), \(userID), \(amount), \(reason), \(actorID)) RETURNING id
            """).decode("id")
        try await AuditTrail.record(db, actorID: actorID, entity: "bonus_adjustment", entityID: id, action: .create, before: nil,
                                    after: ["userId": .int(userID), "amount": .text(amount.moneyText), "reason": .text(reason)])
        return id
    }

    /// Open phases of a manager's projects, for what-if questions.
    func openPhases(_ db: Connection, userID: Int64) async throws -> [Int64: PhaseCreditInput] {
        var result: [Int64: PhaseCreditInput] = [:]
        for row in try await db.query("""
            SELECT j.id AS project_id, j.name AS project, ph.id, ph.name, ph.value, ph.due_date, ph.due_date AS completed_on,
                   \(Self.phaseHours)
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
                         completedOn: try row.decode("completed_on"),
                         budgetHours: try row.decode("budget_hours"), actualHours: try row.decode("actual_hours"))
    }

    static func plan(_ row: Row) throws -> BonusPlanRecord {
        let cap: Decimal? = try row.decode("cap")
        return BonusPlanRecord(
            id: try row.decode("id"), version: try row.decode("version"), name: try row.decode("name"), periodType: try row.decode("period_type"),
            method: BonusMethod(rawValue: try row.decode("method")) ?? .marginal,
            metric: BonusMetric(rawValue: try row.decode("metric")) ?? .completedWork,
            targetBonus: Money(try row.decode("target_bonus", as: Decimal.self)),
            threshold: DecimalString(try row.decode("threshold", as: Decimal.self)),
            lateCreditPercent: DecimalString(try row.decode("late_credit_percent", as: Decimal.self)),
            tiers: try row.decode("tiers", as: JSONB<[BonusTier]>.self).value, cap: cap.map(DecimalString.init),
            budgetTolerancePercent: try row.decode("budget_tolerance_percent", as: Decimal?.self).map(DecimalString.init),
            overBudgetCreditPercent: try row.decode("over_budget_credit_percent", as: Decimal?.self).map(DecimalString.init),
            overrides: try row.decode("overrides", as: JSONB<[BonusPlanRecord.Override]>.self).value,
            activeFrom: try row.decode("active_from"), activeTo: try row.decode("active_to"),
            members: try row.decode("members", as: JSONB<[BonusPlanRecord.Member]>.self).value)
    }
}
