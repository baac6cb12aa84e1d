import BatonCore
import Dates
import Foundation
import Hummingbird
import Postgres

/// The profitability report: margin by project, account, typical project, project
/// manager or quarter, and each person's actual utilization beside the planned.
/// Value is the value of phases completed in the window (what was earned); cost is
/// approved time in the window, each entry at its person's cost rate on its day.
struct ProfitabilityReport: Encodable, Sendable {
    struct Line: Encodable, Sendable {
        var key, label: String
        var hours: DecimalString
        var cost, value, margin: Money
        var marginPercent: DecimalString?
        /// Projects only: approved hours beyond the budget hours, or trending there.
        var budgetHours: DecimalString?
        var overBudget: Bool?
    }

    struct Person: Encodable, Sendable {
        var userId: Int64
        var name: String
        var billableHours, workingHours, plannedHours: DecimalString
        /// Billable hours as a percentage of working hours: recorded, and as planned.
        var actualUtilization, plannedUtilization: DecimalString?
    }

    var from, to: CalendarDate
    var by: String
    var lines: [Line]
    var total: Line
    var utilization: [Person]
}

extension ProfitabilityReport {
    /// The indices of the `limit` lines with the most cost (`costs`, one a line), in the
    /// report's order; every index when there are no more lines than that.
    static func mostCost(_ costs: [Decimal], limit: Int) -> [Int] {
        guard costs.count > limit else { return Array(costs.indices) }
        let kept = Set(costs.indices.sorted { costs[$0] > costs[$1] }.prefix(limit))
        return costs.indices.filter(kept.contains)
    }
}

enum ProfitabilityGrouping: String, CaseIterable, Sendable {
    case project, account, typicalProject = "typical_project", projectManager = "project_manager", quarter
}

struct ProfitabilityStore: Sendable {
    func report(_ db: Connection, caller: Caller, by: ProfitabilityGrouping, from: CalendarDate, to: CalendarDate) async throws -> ProfitabilityReport {
        try await report(db, caller: caller, by: by, from: from, to: to, keeping: nil).report
    }

    /// The report with at most `limit` lines, the ones with the most cost in the report's
    /// order (`ProfitabilityReport.mostCost`), and how many lines there were; the total
    /// counts every line. A line's figures are drawn only when it is kept: its margin
    /// percentage is an exact quotient (about 25 µs in a release build), and a year by
    /// project has 1,546 lines of which the page shows 100.
    func report(_ db: Connection, caller: Caller, by: ProfitabilityGrouping, from: CalendarDate, to: CalendarDate,
                keeping limit: Int?) async throws -> (report: ProfitabilityReport, lineCount: Int) {
        let key: Query
        let label: Query
        switch by {
        case .project: key = "j.id::text"; label = "j.name"
        case .account: key = "a.id::text"; label = "a.name"
        case .typicalProject: key = "coalesce(t.id::text, 'none')"; label = "coalesce(t.name, 'Custom work')"
        case .projectManager: key = "coalesce(m.id::text, 'none')"; label = "coalesce(m.name, 'No project manager')"
        case .quarter: key = "to_char(b.q, 'YYYY-\"Q\"Q')"; label = "to_char(b.q, 'YYYY-\"Q\"Q')"
        }
        // Projects only: their budget hours and all their approved hours, to say which are over
        // budget; summed once per project in the report (a subquery per project scanned the
        // totals once for each: 284 ms at the benchmark's 520 projects, 10 ms like this).
        let project = by == .project
        let budgetColumns: Query = project
            ? "min(bh.hours) AS budget_hours, min(ah.hours) AS all_hours"
            : "NULL::numeric AS budget_hours, NULL::numeric AS all_hours"
        let budgetJoins: Query = project ? """
            LEFT JOIN (SELECT x.project_id, sum(n.hours) AS hours FROM project_skill_needs n JOIN project_phases x ON x.id = n.phase_id
                       WHERE x.project_id IN (SELECT project_id FROM b) GROUP BY 1) bh ON bh.project_id = j.id
            LEFT JOIN (SELECT t.project_id, sum(t.hours) AS hours FROM time_month_totals t
                       WHERE t.project_id IN (SELECT project_id FROM b) GROUP BY 1) ah ON ah.project_id = j.id
            """ : ""
        let groupProject: Query = project ? ", j.id" : ""
        let months = WholeMonths(from: from, to: to)
        let rows = try await db.query("""
            WITH cost AS (
                SELECT project_id, phase_id, q, sum(hours) AS hours, sum(cost) AS cost FROM (
                    SELECT t.project_id, t.phase_id, date_trunc('quarter', t.month)::date AS q, t.hours, t.cost
                    FROM time_month_totals t
                    WHERE t.project_id <> 0 AND t.month >= \(months.start) AND t.month < \(months.end)
                    UNION ALL
                    SELECT d.project_id, d.phase_id, date_trunc('quarter', d.day)::date, d.hours, d.cost
                    FROM time_day_totals d
                    WHERE d.project_id <> 0 AND \(Self.oddDays(months))
                ) x GROUP BY 1, 2, 3
            ), earned AS (
                SELECT ph.project_id, ph.id AS phase_id, date_trunc('quarter', ph.completed_on)::date AS q, sum(ph.value) AS value
                FROM project_phases ph WHERE ph.completed_on BETWEEN \(from) AND \(to) GROUP BY 1, 2, 3
            ), b AS (
                SELECT coalesce(c.project_id, v.project_id) AS project_id, coalesce(c.phase_id, v.phase_id) AS phase_id,
                       coalesce(c.q, v.q) AS q, coalesce(c.hours, 0) AS hours, coalesce(c.cost, 0) AS cost, coalesce(v.value, 0) AS value
                FROM cost c FULL JOIN earned v ON v.project_id = c.project_id AND v.phase_id = c.phase_id AND v.q = c.q
            )
            SELECT \(key) AS key, \(label) AS label, sum(b.hours) AS hours, sum(b.cost) AS cost, sum(b.value) AS value,
                   \(budgetColumns)
            FROM b JOIN projects j ON j.id = b.project_id JOIN accounts a ON a.id = j.account_id
            LEFT JOIN project_phases ph ON ph.id = b.phase_id LEFT JOIN typical_projects t ON t.id = ph.typical_project_id
            LEFT JOIN users m ON m.id = j.project_manager_id
            \(budgetJoins)
            WHERE \(ProjectStore.scope(caller))
            GROUP BY 1, 2\(groupProject) ORDER BY 2, 1
            """)
        var total = ProfitFigures.zero
        var found: [(row: Row, figures: ProfitFigures)] = []
        for row in rows {
            let figures = ProfitFigures(hours: try row.decode("hours"), cost: try row.decode("cost"), value: try row.decode("value"))
            total = total + figures
            found.append((row, figures))
        }
        // A line's cost as it shows (to the cent) decides which lines are kept, as on the page before.
        let kept = limit.map { limit in ProfitabilityReport.mostCost(found.map { $0.figures.cost.rounded(scale: 2) }, limit: limit) }
        let lines = try (kept ?? Array(found.indices)).map { i in
            let (row, figures) = found[i]
            let budget: Decimal? = try row.decode("budget_hours")
            let all: Decimal? = try row.decode("all_hours")
            return Self.line(key: try row.decode("key"), label: try row.decode("label"), figures,
                             budgetHours: by == .project ? (budget ?? 0) : nil,
                             overBudget: by == .project ? (all ?? 0) > (budget ?? 0) : nil)
        }
        let report = ProfitabilityReport(from: from, to: to, by: by.rawValue, lines: lines,
                                         total: Self.line(key: "total", label: "Total", total, budgetHours: nil, overBudget: nil),
                                         utilization: try await utilization(db, caller: caller, from: from, to: to))
        return (report, found.count)
    }

    /// The days of a partial month at either end of a report, which the monthly totals
    /// do not cover: read from the daily totals (sql/0045). From the entries, each with a
    /// rate look-up, the page's default window (the last 364 days) took 20 s at the
    /// benchmark's 40,000 entries a day.
    static func oddDays(_ months: WholeMonths) -> Query {
        let ranges = [months.head, months.tail].compactMap { $0 }
        guard let first = ranges.first else { return "FALSE" }
        let one: (ClosedRange<CalendarDate>) -> Query = { "d.day BETWEEN \($0.lowerBound) AND \($0.upperBound)" }
        return ranges.count == 1 ? "(\(one(first)))" : "(\(one(first)) OR \(one(ranges[1])))"
    }

    static func line(key: String, label: String, _ f: ProfitFigures, budgetHours: Decimal?, overBudget: Bool?) -> ProfitabilityReport.Line {
        ProfitabilityReport.Line(key: key, label: label, hours: DecimalString(f.hours), cost: Money(f.cost.rounded(scale: 2)),
                                 value: Money(f.value.rounded(scale: 2)), margin: Money(f.margin.rounded(scale: 2)),
                                 marginPercent: f.marginPercent.map { DecimalString($0) }, budgetHours: budgetHours.map { DecimalString($0) },
                                 overBudget: overBudget)
    }

    /// Billable approved hours over working hours (the working calendars), beside the
    /// hours assignments planned on those working days; for the caller's people.
    func utilization(_ db: Connection, caller: Caller, from: CalendarDate, to: CalendarDate) async throws -> [ProfitabilityReport.Person] {
        let scope: Query = caller.isAdmin ? "TRUE" : "u.id IN (SELECT user_id FROM reporting_line(\(caller.id)))"
        let months = WholeMonths(from: from, to: to)
        let people = try await db.query("""
            SELECT u.id, u.name,
                   coalesce((SELECT sum(t.hours) FROM time_month_totals t WHERE t.user_id = u.id AND t.project_id <> 0
                             AND t.month >= \(months.start) AND t.month < \(months.end)), 0)
                   + coalesce((SELECT sum(d.hours) FROM time_day_totals d WHERE d.user_id = u.id AND d.project_id <> 0
                               AND \(Self.oddDays(months))), 0) AS billable
            FROM users u WHERE u.active AND \(scope)
              AND (EXISTS (SELECT 1 FROM time_entries e WHERE e.user_id = u.id AND e.day BETWEEN \(from) AND \(to))
                   OR EXISTS (SELECT 1 FROM assignments x WHERE x.user_id = u.id AND x.end_date >= \(from) AND x.start_date <= \(to)))
            ORDER BY lower(u.name), u.id
            """)
        let ids = try people.map { try $0.decode("id", as: Int64.self) }
        guard !ids.isEmpty else { return [] }
        // The window includes `to`, as the billable hours do; the calendars' ends are exclusive.
        let dayAfter = to.adding(days: 1)
        let calendars = try await WorkingCalendarStore().calendars(db, people: ids, from: from, to: dayAfter)
        let walks = calendars.mapValues { CalendarWalk($0, from: from, to: dayAfter) }
        var planned: [Int64: Decimal] = [:]
        for row in try await db.query("""
            SELECT x.user_id, x.hours_per_day, greatest(x.start_date, \(from)) AS s, least(x.end_date, \(to)) AS e
            FROM assignments x WHERE x.user_id = ANY(\(ids)::bigint[]) AND x.end_date >= \(from) AND x.start_date <= \(to)
            """) {
            let user: Int64 = try row.decode("user_id")
            let perDay: Decimal = try row.decode("hours_per_day")
            let last: CalendarDate = try row.decode("e")
            let days = walks[user]?.workingDays(from: try row.decode("s"), to: last.adding(days: 1)) ?? 0
            planned[user, default: 0] += perDay * Decimal(days)
        }
        return try people.map { row in
            let id: Int64 = try row.decode("id")
            let billable: Decimal = try row.decode("billable")
            let working = walks[id]?.hours ?? 0
            let plan = planned[id] ?? 0
            return ProfitabilityReport.Person(
                userId: id, name: try row.decode("name"), billableHours: DecimalString(billable), workingHours: DecimalString(working),
                plannedHours: DecimalString(plan),
                actualUtilization: Utilization.percent(billable: billable, working: working).map { DecimalString($0) },
                plannedUtilization: Utilization.percent(billable: plan, working: working).map { DecimalString($0) })
        }
    }

    /// A person's working calendar walked once over the report's window (from `from` up to,
    /// not including, `to`): their working hours, and a running count of their working days
    /// from which an assignment's working days are a difference. Walking each assignment's
    /// own days (`WorkingCalendar.workingDays`) took most of the report's time at the
    /// benchmark's 1,680 assignments, many of them the whole year. The hours are summed in
    /// `hours(from:to:)`'s order, and a working day is one with hours, as `workingDays` says.
    struct CalendarWalk {
        let from: CalendarDate
        let hours: Decimal
        /// `[i]`: the working days before the window's `i`-th day.
        let workingDaysBefore: [Int]

        init(_ calendar: WorkingCalendar, from: CalendarDate, to: CalendarDate) {
            let span = max(0, from.days(until: to))
            var hours: Decimal = 0
            var before = [0]
            before.reserveCapacity(span + 1)
            for offset in 0..<span {
                let day = calendar.hours(on: from.adding(days: offset))
                hours += day
                before.append(before[offset] + (day > 0 ? 1 : 0))
            }
            (self.from, self.hours, workingDaysBefore) = (from, hours, before)
        }

        /// `calendar.workingDays(from: start, to: end).count`, for days inside the window.
        func workingDays(from start: CalendarDate, to end: CalendarDate) -> Int {
            let last = workingDaysBefore.count - 1
            let (first, stop) = (min(max(from.days(until: start), 0), last), min(max(from.days(until: end), 0), last))
            return first < stop ? workingDaysBefore[stop] - workingDaysBefore[first] : 0
        }
    }

    static func csv(_ report: ProfitabilityReport) -> String {
        let header = [report.by, "hours", "cost", "value", "margin", "margin %"]
        let rows = (report.lines + [report.total]).map {
            [$0.label, $0.hours.description, $0.cost.description, $0.value.description, $0.margin.description, $0.marginPercent?.description ?? ""]
        }
        return CSV.write(header: header, rows: rows)
    }
}

extension TimeRoutes {
    /// `GET /reports/profitability?by=&from=&to=` (managers and admins; `format=csv` for the file).
    @Sendable func profitability(_ request: Request, _ context: BatonRequestContext) async throws -> Response {
        let question = try ProfitabilityQuestion(QueryParameters(request))
        let report = try await question.report(services, caller: try context.requireCaller())
        return question.csv ? question.csvResponse(report) : try APIResponse.json(report).response
    }
}

enum ProfitabilityFormat: String, CaseIterable, Sendable { case json, csv }
