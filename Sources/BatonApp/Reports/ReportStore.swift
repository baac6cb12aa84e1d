import BatonCore
import Dates
import Foundation
import Postgres

/// The managers' reports: each query gathers exact inputs in SQL, and the pure
/// report functions in BatonCore do the arithmetic and the roll-ups.
struct ReportStore: Sendable {
    let quotas: QuotaStore

    func people(_ db: Connection) async throws -> [PersonNode] {
        try await db.query("SELECT id, name, manager_id FROM users WHERE active ORDER BY id").map {
            PersonNode(id: try $0.decode("id"), name: try $0.decode("name"), managerId: try $0.decode("manager_id"))
        }
    }

    /// Whose line a report covers: the asked-for manager if the caller may see them,
    /// else the caller's own line (everyone's for an admin who asks for no one).
    func root(_ db: Connection, caller: Caller, managerID: Int64?) async throws -> Int64? {
        guard let managerID else { return caller.isAdmin ? nil : caller.id }
        if caller.isAdmin || managerID == caller.id { return managerID }
        let inLine: Bool = try await db.expectRow("""
            SELECT EXISTS (SELECT 1 FROM reporting_line(\(caller.id)) WHERE user_id = \(managerID)) AS ok
            """).decode("ok")
        guard inLine else { throw APIError.notFound("manager") }
        return managerID
    }

    func quotaTargets(_ db: Connection, periodKey: String, metric: QuotaMetric) async throws -> [Int64: Decimal] {
        var result: [Int64: Decimal] = [:]
        for row in try await db.query("SELECT user_id, target FROM quotas WHERE period_key = \(periodKey) AND metric = \(metric.rawValue)") {
            result[try row.decode("user_id")] = try row.decode("target")
        }
        return result
    }

    /// Credit per person for a metric and period: bookings by split on the date of
    /// record of the win, or completed work as BONUS.md credits it.
    func credits(_ db: Connection, period: FiscalPeriod, metric: QuotaMetric) async throws -> [Int64: Decimal] {
        var result: [Int64: Decimal] = [:]
        let rows: QueryResult
        switch metric {
        case .completedWork:
            // Late work is credited at the first bonus plan's late share (all of it without a plan).
            rows = try await db.query("""
                SELECT j.project_manager_id AS user_id,
                       sum(CASE WHEN ph.completed_on <= ph.due_date THEN ph.value
                                ELSE ph.value * coalesce((SELECT late_credit_percent FROM bonus_plans ORDER BY id LIMIT 1), 100) / 100 END) AS credit
                FROM project_phases ph JOIN projects j ON j.id = ph.project_id
                WHERE ph.completed_on >= \(period.start) AND ph.completed_on < \(period.endExclusive) AND j.project_manager_id IS NOT NULL
                GROUP BY j.project_manager_id
                """)
        case .recurringBookings:
            rows = try await db.query("""
                SELECT r.user_id, sum(r.credit) AS credit FROM (\(Self.recurringCredits(from: period.start, to: period.endExclusive))) r
                GROUP BY r.user_id
                """)
        default:
            let kinds = metric.dealKinds
            // From the totals the triggers keep (sql/0013_report_totals.sql): the same
            // amount × split terms, summed per person and month as they were written.
            rows = try await db.query("""
                SELECT c.user_id, sum(c.amount) AS credit
                FROM opportunity_credit_totals c JOIN pipeline_stages s ON s.key = c.stage_key AND s.is_won
                WHERE c.month >= \(period.start) AND c.month < \(period.endExclusive) AND c.kind = ANY(\(kinds)::text[])
                GROUP BY c.user_id
                """)
        }
        for row in rows { result[try row.decode("user_id")] = try row.decode("credit") }
        return result
    }

    /// The recurring revenue won deals added to the book (sql/0037's new and expansion
    /// movements), a year of it, per team member by split, on the day the deal was won.
    static func recurringCredits(from start: CalendarDate, to endExclusive: CalendarDate) -> Query {
        """
        SELECT t.user_id, m.mrr_delta * 12 * t.split_percent / 100 AS credit
        FROM agreement_movements m JOIN opportunities o ON o.id = m.opportunity_id AND o.archived_at IS NULL
             JOIN opportunity_team t ON t.opportunity_id = o.id
        WHERE m.kind IN ('new', 'expansion') AND o.closed_on >= \(start) AND o.closed_on < \(endExclusive)
        """
    }

    func attainment(_ db: Connection, period: FiscalPeriod, metric: QuotaMetric, root: Int64?) async throws -> [AttainmentRow] {
        AttainmentReport.rows(
            people: try await people(db), root: root,
            quotas: try await quotaTargets(db, periodKey: period.key, metric: metric),
            credits: try await credits(db, period: period, metric: metric))
    }

    /// Deals of the period for the forecast: open ones closing in it, won ones won in it.
    ///
    /// Read from the per-person totals the triggers keep, so that a period of a
    /// hundred thousand deals is a few hundred rows: each sum becomes one deal for the
    /// pure roll-up, credited wholly to its person, with the probability that gives
    /// back its exact weighted amount. The stage's probability and category are
    /// applied here, so a change to a stage's settings shows at once.
    ///
    /// A bookings metric other than total bookings counts its kinds of deal against its
    /// quota; `recurring_bookings` counts what won deals added to the recurring book
    /// (an open deal's recurring value is known only once its proposal is accepted).
    func forecast(_ db: Connection, period: FiscalPeriod, root: Int64?, metric: QuotaMetric = .totalBookings) async throws -> [ForecastRow] {
        let rows = metric == .recurringBookings ? try await db.query("""
            SELECT r.user_id, true AS is_won, 'closed' AS category, sum(r.credit) AS amount, sum(r.credit) AS weighted
            FROM (\(Self.recurringCredits(from: period.start, to: period.endExclusive))) r
            GROUP BY 1, 2, 3
            """) : try await db.query("""
            SELECT c.user_id, s.is_won,
                   CASE WHEN s.is_won THEN s.forecast_category
                        ELSE coalesce(nullif(c.category_override, ''), s.forecast_category) END AS category,
                   sum(c.amount) AS amount,
                   sum(CASE WHEN s.is_won THEN c.amount * s.probability / 100
                            ELSE c.amount_at_stage_probability * s.probability / 100 + c.weighted_override END) AS weighted
            FROM opportunity_credit_totals c JOIN pipeline_stages s ON s.key = c.stage_key
            WHERE NOT s.is_lost AND c.month >= \(period.start) AND c.month < \(period.endExclusive) AND c.kind = ANY(\(metric.dealKinds)::text[])
            GROUP BY 1, 2, 3
            """)
        let deals = try rows.compactMap { row -> ForecastDeal? in
            let amount: Decimal = try row.decode("amount")
            let weighted: Decimal = try row.decode("weighted")
            guard amount > 0 else { return nil }
            return ForecastDeal(credits: [SplitCredit(userId: try row.decode("user_id"), splitPercent: 100)], amount: amount,
                                probability: weighted * 100 / amount, category: try row.decode("category", as: String.self),
                                won: try row.decode("is_won"))
        }
        return ForecastReport.rows(people: try await people(db), root: root,
                                   quotas: try await quotaTargets(db, periodKey: period.key, metric: metric), deals: deals)
    }

    struct StageRow: Encodable, Sendable {
        /// The stage's key and name.
        var stage, name: String
        var count: Int
        var amount, weighted: Money
        var averageDaysInStage: DecimalString?
    }

    /// Open opportunities by stage (closing in the period when one is given). An
    /// admin's is the whole firm's, read from the per-stage totals the triggers keep;
    /// anyone else's covers the accounts they see, counted from the deals themselves.
    func pipeline(_ db: Connection, period: FiscalPeriod?, caller: Caller) async throws -> [StageRow] {
        let rows: QueryResult
        if caller.isAdmin {
            let periodCondition: Query = period.map { "t.month >= \($0.start) AND t.month < \($0.endExclusive)" } ?? "TRUE"
            rows = try await db.query("""
                SELECT s.key, s.name, coalesce(sum(t.deals), 0)::int AS n, coalesce(sum(t.amount), 0) AS amount,
                       coalesce(sum(t.amount_at_stage_probability * s.probability / 100 + t.weighted_override), 0) AS weighted,
                       round((extract(epoch FROM now()) * sum(t.deals) - sum(t.entered_epoch_sum)) / nullif(sum(t.deals), 0) / 86400, 1) AS age
                FROM pipeline_stages s LEFT JOIN opportunity_stage_totals t ON t.stage_key = s.key AND \(periodCondition)
                WHERE NOT s.is_won AND NOT s.is_lost
                GROUP BY s.key, s.name, s.position ORDER BY s.position
                """)
        } else {
            // Started from the caller's accounts, each one's deals of the period read from
            // opportunities_account_close_id_idx alone (sql/0047), and summed per stage before the
            // stage's probability applies (the admin's totals' arithmetic). The statement holds
            // the caller's visibility itself, so it runs with row-level security lifted: the
            // policy asked again of each of the 15,000 deals of a manager's quarter. From the
            // close date a manager's quarter read all 97,000 deals of the firm's quarter from
            // the table (322 ms at a million deals; 15 ms like this).
            let periodCondition: Query = period.map { "o.close_date >= \($0.start) AND o.close_date < \($0.endExclusive)" } ?? "TRUE"
            rows = try await db.withoutRowSecurity { try await db.query("""
                SELECT s.key, s.name, coalesce(o.n, 0)::int AS n, coalesce(o.amount, 0) AS amount,
                       coalesce((coalesce(o.at_stage_probability, 0) * s.probability + o.overridden) / 100, 0) AS weighted,
                       round((extract(epoch FROM now()) * o.n - o.entered) / o.n / 86400, 1) AS age
                FROM pipeline_stages s
                LEFT JOIN (SELECT o.stage_key, count(*) AS n, sum(o.amount) AS amount,
                                  sum(o.amount) FILTER (WHERE o.probability_override IS NULL) AS at_stage_probability,
                                  coalesce(sum(o.amount * o.probability_override), 0) AS overridden,
                                  sum(extract(epoch FROM o.stage_entered_at)) AS entered
                           FROM visible_account_ids(\(caller.id)) v
                           JOIN opportunities o ON o.account_id = v.account_id AND o.archived_at IS NULL AND \(periodCondition)
                           GROUP BY o.stage_key) o ON o.stage_key = s.key
                WHERE NOT s.is_won AND NOT s.is_lost
                ORDER BY s.position
                """) }
        }
        return try rows.map { row in
            StageRow(stage: try row.decode("key"), name: try row.decode("name"), count: try row.decode("n"),
                     amount: Money(try row.decode("amount", as: Decimal.self)),
                     weighted: Money((try row.decode("weighted", as: Decimal.self)).rounded(scale: 2)),
                     averageDaysInStage: try row.decode("age", as: Decimal?.self).map(DecimalString.init))
        }
    }

    struct Performance: Encodable, Sendable {
        var from, to: CalendarDate
        var byPerson, byTypicalProject: [PerformanceRow]
    }

    /// Won and lost deals closed between `from` and `to` (inclusive), by owner and by
    /// the typical project of their accepted proposal's first line: tallied in SQL,
    /// so that a quarter of tens of thousands of deals crosses the wire as a few rows.
    ///
    /// The statement holds the caller's visibility itself (`Scope.accountOf` over the
    /// deals; proposals and names only of those deals), so it runs with row-level
    /// security lifted: the proposals' policy asked, of each of the firm's accepted
    /// proposals, whether its deal is visible (a look-up each), and the deals' policy
    /// built the visible accounts a second time (a manager's quarter 292 -> 70 ms).
    func salesPerformance(_ db: Connection, from: CalendarDate, to: CalendarDate, caller: Caller) async throws -> Performance {
        let rows = try await db.withoutRowSecurity { try await db.query("""
            WITH closed AS (
                -- From the covering index on the date of record (sql/0015), not the table's pages.
                SELECT o.id, o.owner_id, o.amount, s.is_won, greatest(0, o.closed_on - o.created_at::date) AS days
                FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                WHERE (s.is_won OR s.is_lost) AND o.closed_on >= \(from) AND o.closed_on <= \(to) AND o.archived_at IS NULL
                  AND \(Scope.accountOf(caller, column: "o.account_id"))
            ), sold AS (
                -- Each accepted proposal's first line names the typical project a deal counts under.
                SELECT DISTINCT ON (p.opportunity_id) p.opportunity_id, t.name
                FROM proposals p JOIN proposal_lines l ON l.proposal_id = p.id JOIN typical_projects t ON t.id = l.typical_project_id
                WHERE p.status = 'accepted' ORDER BY p.opportunity_id, l.position
            ), tallied AS (
                -- Tallied before the owners' names are joined: one name look-up per person, not per deal.
                SELECT 'person' AS heading, c.owner_id, NULL::text AS project,
                       count(*) FILTER (WHERE c.is_won)::int AS won, count(*) FILTER (WHERE NOT c.is_won)::int AS lost,
                       coalesce(sum(c.amount) FILTER (WHERE c.is_won), 0) AS won_amount,
                       coalesce(sum(c.days) FILTER (WHERE c.is_won), 0)::int AS won_days
                FROM closed c GROUP BY c.owner_id
                UNION ALL
                SELECT 'project', NULL, sold.name, count(*) FILTER (WHERE c.is_won)::int, count(*) FILTER (WHERE NOT c.is_won)::int,
                       coalesce(sum(c.amount) FILTER (WHERE c.is_won), 0), coalesce(sum(c.days) FILTER (WHERE c.is_won), 0)::int
                FROM closed c JOIN sold ON sold.opportunity_id = c.id GROUP BY sold.name
            )
            SELECT h.heading, h.owner_id, coalesce(u.name, h.project) AS key, h.won, h.lost, h.won_amount, h.won_days
            FROM tallied h LEFT JOIN users u ON u.id = h.owner_id
            """) }
        var people: [(name: String, id: Int64, row: PerformanceRow)] = []
        var projects: [PerformanceRow] = []
        for row in rows {
            let key: String = try row.decode("key")
            let tally = SalesPerformance.Tally(won: try row.decode("won"), lost: try row.decode("lost"),
                                               wonAmount: try row.decode("won_amount"), wonCycleDays: try row.decode("won_days"))
            if try row.decode("heading", as: String.self) == "person" {
                people.append((key, try row.decode("owner_id"), SalesPerformance.row(key: key, tally: tally)))
            } else {
                projects.append(SalesPerformance.row(key: key, tally: tally))
            }
        }
        return Performance(from: from, to: to,
                           byPerson: people.sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map(\.row),
                           byTypicalProject: projects.sorted { $0.key < $1.key })
    }

    struct DeliveryReport: Encodable, Sendable {
        struct Person: Encodable, Sendable {
            var userId: Int64
            var name: String
            var assignedHours, capacityHours: DecimalString
            var utilization: DecimalString?
        }
        struct Skill: Encodable, Sendable {
            var skill: String
            var assignedHours, capacityHours: DecimalString
            var utilization: DecimalString?
        }
        var from, to: CalendarDate
        var phasesCompleted, onTime: Int
        var onTimeRate: DecimalString?
        var byPerson: [Person]
        var bySkill: [Skill]
    }

    /// On-time phases and utilization (assigned ÷ capacity hours) between `from` and `to` inclusive.
    func delivery(_ db: Connection, from: CalendarDate, to: CalendarDate) async throws -> DeliveryReport {
        let phases = try await db.expectRow("""
            SELECT count(*) AS n, count(*) FILTER (WHERE completed_on <= due_date) AS on_time FROM project_phases
            WHERE completed_on >= \(from) AND completed_on <= \(to)
            """)
        let n: Int = try phases.decode("n")
        let onTime: Int = try phases.decode("on_time")
        // Every figure a sum of WorkingCalendar.hours(on:) and the assignments' hours per day.
        let people = try await db.query("""
            SELECT u.id, u.name,
                   coalesce((SELECT array_agg(lower(s.name)) FROM user_skills us JOIN skills s ON s.id = us.skill_id
                             WHERE us.user_id = u.id), '{}') AS skills
            FROM users u WHERE u.active AND ('consultant' = ANY(u.roles) OR EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id))
            ORDER BY lower(u.name), u.id
            """)
        let ids: [Int64] = try people.map { try $0.decode("id") }
        let end = to.adding(days: 1)
        let calendars = try await WorkingCalendarStore().calendars(db, people: ids, from: from, to: end)
        // Each assignment's hours count once, for the skill of the need it fills (none: outside every need).
        var assignedBy: [Int64: Decimal] = [:]
        var assignedSkill: [String: Decimal] = [:]
        var usedBy: [Int64: [String: Decimal]] = [:]
        for row in try await db.query("""
            SELECT a.user_id, a.start_date, a.end_date, a.hours_per_day, lower(s.name) AS skill
            FROM assignments a LEFT JOIN skills s ON s.id = a.skill_id
            WHERE a.user_id = ANY(\(ids)::bigint[]) AND a.end_date >= \(from) AND a.start_date <= \(to)
            """) {
            let user: Int64 = try row.decode("user_id")
            guard let calendar = calendars[user] else { continue }
            let last: CalendarDate = try row.decode("end_date")
            let booking = Booking(start: try row.decode("start_date"), end: last.adding(days: 1), hoursPerDay: try row.decode("hours_per_day"))
            let hours = Allocation.bookedHours(booking, calendar: calendar, from: from, to: end)
            assignedBy[user, default: 0] += hours
            if let skill: String = try row.decode("skill") {
                assignedSkill[skill, default: 0] += hours
                usedBy[user, default: [:]][skill, default: 0] += hours
            }
        }
        var byPerson: [DeliveryReport.Person] = []
        var bySkill: [String: (Decimal, Decimal)] = [:]
        for row in people {
            let id: Int64 = try row.decode("id")
            let capacity = calendars[id]?.hours(from: from, to: end) ?? 0
            let assigned = assignedBy[id] ?? 0
            byPerson.append(.init(userId: id, name: try row.decode("name"),
                                  assignedHours: DecimalString(assigned.rounded(scale: 2)), capacityHours: DecimalString(capacity.rounded(scale: 2)),
                                  utilization: capacity > 0 ? DecimalString((assigned / capacity).rounded(scale: 4)) : nil))
            // A skill's capacity: the working hours of the people who hold it, each hour once
            // (CapacityShare: hours assigned to a skill go to it, the rest shared among their skills).
            let held = try row.decode("skills", as: [String].self)
            for skill in held where bySkill[skill] == nil { bySkill[skill] = (0, 0) }
            for (skill, hours) in CapacityShare.split(working: capacity, held: held, used: usedBy[id] ?? [:]) {
                bySkill[skill, default: (0, 0)].1 += hours
            }
        }
        for (skill, hours) in assignedSkill { bySkill[skill, default: (0, 0)].0 += hours }
        return DeliveryReport(
            from: from, to: to, phasesCompleted: n, onTime: onTime,
            onTimeRate: n > 0 ? DecimalString((Decimal(onTime) / Decimal(n)).rounded(scale: 4)) : nil, byPerson: byPerson,
            bySkill: bySkill.sorted(by: { $0.key < $1.key }).map { skill, hours in
                let (assigned, capacity) = hours
                return .init(skill: skill, assignedHours: DecimalString(assigned.rounded(scale: 2)),
                             capacityHours: DecimalString(capacity.rounded(scale: 2)),
                             utilization: capacity > 0 ? DecimalString((assigned / capacity).rounded(scale: 4)) : nil)
            })
    }

    /// The organize-for-growth advice over the next `weeks` weeks. It is about the
    /// whole firm whoever asks, so it reads past the caller's row-level scope.
    func growth(_ db: Connection, weeks: Int, thresholds: GrowthThresholds, today: CalendarDate, currency: String) async throws -> GrowthAdvice {
        let end = today.adding(days: weeks * 7)
        return try await db.withoutRowSecurity {
            let inputs = try await growthInputs(db, today: today, end: end)
            let likely = try await likelyWork(db, today: today, end: end)
            return advise(inputs, likely: likely, weeks: weeks, thresholds: thresholds, today: today, end: end, currency: currency)
        }
    }

    /// What the growth advice reads besides the pipeline's likely work.
    struct GrowthInputs: Sendable {
        var won: [String: Decimal]
        var held: [Int64: [String: Int]]
        var calendars: [Int64: WorkingCalendar]
        var openPipeline, wonAmount, quota: Decimal
        var renewals: (count: Int, arr: Decimal)
    }

    private func growthInputs(_ db: Connection, today: CalendarDate, end: CalendarDate) async throws -> GrowthInputs {
        // Won work still to do: each open phase's skill hours, in proportion to how much of the phase falls in the horizon.
        let won = try await db.query("""
            SELECT lower(s.name) AS skill,
                   sum(n.hours * greatest(0, least(ph.due_date, \(end)) - greatest(ph.start_date, \(today)))::numeric
                       / greatest(1, ph.due_date - ph.start_date)) AS hours
            FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id JOIN projects j ON j.id = ph.project_id
            JOIN skills s ON s.id = n.skill_id
            WHERE ph.completed_on IS NULL AND j.status NOT IN ('cancelled', 'completed')
            GROUP BY lower(s.name)
            """)
        // Capacity per skill: the working hours (WorkingCalendar: week, holidays, approved time off) of the
        // people who hold it over the horizon, each hour counted once (Growth.skillCapacity: the capacity
        // check's exact allocation, then what is left shared among the person's skills).
        let holders = try await db.query("""
            SELECT u.id, lower(s.name) AS skill
            FROM users u JOIN user_skills us ON us.user_id = u.id JOIN skills s ON s.id = us.skill_id
            WHERE u.active
            """)
        let holderIDs: [Int64] = Array(Set(try holders.map { try $0.decode("id", as: Int64.self) }))
        let calendars = try await WorkingCalendarStore().calendars(db, people: holderIDs, from: today, to: end)
        var demand: [String: Decimal] = [:]
        for row in won { demand[try row.decode("skill"), default: 0] += (try row.decode("hours", as: Decimal?.self) ?? 0) }
        var held: [Int64: [String: Int]] = [:]
        for row in holders { held[try row.decode("id", as: Int64.self), default: [:]][try row.decode("skill")] = 1 }
        let quarter = quotas.calendar.period(containing: today, kind: .quarter)
        // From the totals the triggers keep: the open pipeline from the team credits (a
        // deal's splits add up to its amount, and they carry its category override), the
        // won amount from the per-stage totals.
        let money = try await db.expectRow("""
            SELECT
              (SELECT coalesce(sum(c.amount), 0) FROM opportunity_credit_totals c JOIN pipeline_stages s ON s.key = c.stage_key
               WHERE NOT s.is_won AND NOT s.is_lost AND coalesce(nullif(c.category_override, ''), s.forecast_category) <> 'omitted'
                 AND c.month >= \(quarter.start) AND c.month < \(quarter.endExclusive)) AS pipeline,
              (SELECT coalesce(sum(t.amount), 0) FROM opportunity_stage_totals t JOIN pipeline_stages s ON s.key = t.stage_key
               WHERE s.is_won AND t.month >= \(quarter.start) AND t.month < \(quarter.endExclusive)) AS won
            """)
        // Each quota once: a manager's is the team's target (the attainment roll-up's rule).
        let line = try await db.query("SELECT id, name, manager_id FROM users").map {
            PersonNode(id: try $0.decode("id"), name: try $0.decode("name"), managerId: try $0.decode("manager_id"))
        }
        let quota = Growth.firmQuota(people: line, own: try await quotaTargets(db, periodKey: quarter.key, metric: .totalBookings)) ?? 0
        return GrowthInputs(won: demand, held: held, calendars: calendars, openPipeline: try money.decode("pipeline"),
                            wonAmount: try money.decode("won"), quota: quota,
                            renewals: try await RecurringRevenueStore().renewalLoad(db, today: today, last: end))
    }

    /// The pipeline's likely work over the horizon, hours per skill.
    private func likelyWork(_ db: Connection, today: CalendarDate, end: CalendarDate) async throws -> [String: Decimal] {
        // The pipeline's likely work: each open opportunity's latest proposal's templates, weighted by probability,
        // placed at its proposed start (else its close date). What that takes of the deals, proposals and lines
        // is kept per deal and template in `growth_pipeline_work` (sql/0052, kept by triggers in
        // sql/functions/growth.sql); looked up on every request it was 4,700 deals, their latest proposals and
        // lines at a million deals, about 81 ms median and two thirds of the report's PostgreSQL time. The
        // stage's probability is read here, so a stage's setting changed needs nothing kept.
        // The weights (units × probability) are added up per template and start first, so each template's
        // phases and skills are spread over a thousand starts, not every deal.
        // A proposed start so early that every phase ends before today, or after the horizon, adds nothing:
        // those are left out (a start from the close date is spread like any other and adds zero hours).
        let likely = try await db.query("""
            WITH weights AS (
                SELECT k.typical_project_id, coalesce(k.proposed_start, k.close_date) AS start,
                       sum(k.units * effective_probability(st.is_won OR st.is_lost, st.probability, k.probability_override)) AS weight
                FROM growth_pipeline_work k
                JOIN pipeline_stages st ON st.key = k.stage_key AND NOT st.is_won AND NOT st.is_lost
                WHERE k.proposed_start IS NULL
                   OR (k.proposed_start < \(end)::date
                       AND k.proposed_start > \(today)::date - (SELECT coalesce(max(offset_days + length_days), 0)
                                                              FROM typical_project_phases))
                GROUP BY 1, 2
            ),
            spread AS (
                SELECT ps.skill_id,
                       sum(ps.hours * w.weight / 100
                           * greatest(0, least(w.start + tp.offset_days + tp.length_days, \(end)) - greatest(w.start + tp.offset_days, \(today)))::numeric
                           / tp.length_days) AS hours
                FROM weights w JOIN typical_project_phases tp ON tp.typical_project_id = w.typical_project_id
                JOIN typical_project_phase_skills ps ON ps.phase_id = tp.id
                GROUP BY ps.skill_id
            )
            SELECT lower(s.name) AS skill, sum(x.hours) AS hours FROM spread x JOIN skills s ON s.id = x.skill_id GROUP BY lower(s.name)
            """)
        var hours: [String: Decimal] = [:]
        for row in likely { hours[try row.decode("skill"), default: 0] += (try row.decode("hours", as: Decimal?.self) ?? 0) }
        return hours
    }

    /// The advice from what was read: demand (won work, then the pipeline's) against the
    /// capacity of those who hold each skill.
    private func advise(_ inputs: GrowthInputs, likely: [String: Decimal], weeks: Int, thresholds: GrowthThresholds,
                        today: CalendarDate, end: CalendarDate, currency: String) -> GrowthAdvice {
        var demand = inputs.won
        for (skill, hours) in likely { demand[skill, default: 0] += hours }
        let people = inputs.held.map { id, skills in
            PersonAvailability(userId: id, skills: skills, calendar: inputs.calendars[id] ?? WorkingCalendar(week: .standard(weeklyHours: 0)))
        }
        let supply = Growth.skillCapacity(demand: demand, people: people, from: today, to: end)
        let skills = Set(demand.keys).union(supply.keys).sorted().map {
            (skill: $0, demandHours: (demand[$0] ?? 0).rounded(scale: 2), capacityHours: supply[$0] ?? 0)
        }
        return Growth.advise(weeks: weeks, skills: skills, openPipeline: inputs.openPipeline,
                             remainingQuota: max(0, inputs.quota - inputs.wonAmount), hasQuota: inputs.quota > 0,
                             renewalsDue: inputs.renewals, thresholds: thresholds, currency: currency)
    }

    /// The caller has been shown the account; how often other accounts of its
    /// industry bought each typical project is firm-wide, past their scope.
    func whiteSpace(_ db: Connection, accountID: Int64) async throws -> [WhiteSpaceItem] {
        try await db.withoutRowSecurity { try await firmWhiteSpace(db, accountID: accountID) }
    }

    private func firmWhiteSpace(_ db: Connection, accountID: Int64) async throws -> [WhiteSpaceItem] {
        let catalog = try await db.query("SELECT id, name FROM typical_projects WHERE archived_at IS NULL ORDER BY id").map {
            (id: try $0.decode("id", as: Int64.self), name: try $0.decode("name", as: String.self))
        }
        // What each account of the hierarchy (its top ancestor and everything below it)
        // or of the account's industry bought: the typical projects of accepted proposals,
        // of won deals' projects, and those the won deals name (imported wins have neither
        // proposal nor project), counted per typical project here rather than in Swift.
        // All three are kept by triggers in the writing transactions
        // (sql/functions/white_space.sql): the proposals' and projects' per deal with the
        // deal's account and stage (`white_space_purchases`, sql/0053), since joining the
        // firm's 2,604 accepted proposals and 2,604 projects to their deals on every page
        // was about 21,000 buffers and most of the page's PostgreSQL time at a million
        // deals; the named ones as counts (`opportunity_named_projects`), since reading
        // every won deal's name of the industry (31,000) took seconds. Which stages are won
        // is the stages' setting, read here, so the kept rows carry the stage, not "won".
        let rows = try await db.query("""
            WITH RECURSIVE up(id, parent_id) AS (
                SELECT id, parent_id FROM accounts WHERE id = \(accountID)
                UNION SELECT a.id, a.parent_id FROM accounts a JOIN up ON a.id = up.parent_id
            ), top AS (SELECT id FROM up WHERE parent_id IS NULL),
            family(id) AS (
                SELECT id FROM top UNION SELECT a.id FROM accounts a JOIN family f ON a.parent_id = f.id
            ),
            related AS (
                SELECT a.id, a.id IN (SELECT id FROM family) AS in_family,
                       a.industry IS NOT DISTINCT FROM (SELECT industry FROM accounts WHERE id = \(accountID)) AS in_industry
                FROM accounts a
                WHERE a.id IN (SELECT id FROM family)
                   OR a.industry IS NOT DISTINCT FROM (SELECT industry FROM accounts WHERE id = \(accountID))
            ),
            bought AS (
                SELECT r.id AS account_id, r.in_family, r.in_industry, w.typical_project_id
                FROM related r JOIN white_space_purchases w ON w.account_id = r.id
                WHERE w.accepted OR (w.delivered AND w.stage_key IN (SELECT key FROM pipeline_stages WHERE is_won))
                UNION ALL
                SELECT r.id, r.in_family, r.in_industry, n.typical_project_id
                FROM related r JOIN opportunity_named_projects n ON n.account_id = r.id
                JOIN pipeline_stages s ON s.key = n.stage_key AND s.is_won
                WHERE n.deals > 0
            )
            SELECT typical_project_id, bool_or(in_family) AS in_family,
                   count(DISTINCT account_id) FILTER (WHERE in_industry)::int AS industry_buyers
            FROM bought GROUP BY typical_project_id
            """)
        var bought: Set<Int64> = []
        var byIndustry: [Int64: Int] = [:]
        for row in rows {
            let project: Int64 = try row.decode("typical_project_id")
            if try row.decode("in_family", as: Bool.self) { bought.insert(project) }
            byIndustry[project] = try row.decode("industry_buyers")
        }
        return WhiteSpace.rank(catalog: catalog, bought: bought, boughtInIndustry: byIndustry)
    }
}
