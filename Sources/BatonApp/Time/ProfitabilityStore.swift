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
    /// counts every line. PostgreSQL picks the kept lines and sums the total, so only the
    /// lines drawn travel and are parsed (a year by project has 1,546 lines, of which the page
    /// shows 100), and a line's margin percentage, an exact quotient, is drawn only for them.
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
        // The window's time and earned value are summed once, at the grain the grouping needs:
        // per project, with the phase only for typical projects and the quarter only by quarter
        // (every grouping summed per project, phase and quarter, then joined cost to value in
        // a full join: most of the page's 73 ms in PostgreSQL). A row has a time part or a value
        // part and NULL for the other, which `sum` skips without adding.
        let grain: Query
        let grainGroups: Query
        let joins: Query
        switch by {
        case .typicalProject:
            (grain, grainGroups) = ("x.project_id, x.phase_id", "1, 2")
            joins = "LEFT JOIN project_phases ph ON ph.id = b.phase_id LEFT JOIN typical_projects t ON t.id = ph.typical_project_id"
        case .quarter:
            (grain, grainGroups) = ("x.project_id, date_trunc('quarter', x.day::timestamp)::date AS q", "1, 2")
            joins = ""
        case .projectManager:
            (grain, grainGroups) = ("x.project_id", "1")
            joins = "LEFT JOIN users m ON m.id = j.project_manager_id"
        case .project, .account:
            (grain, grainGroups, joins) = ("x.project_id", "1", "")
        }
        let project = by == .project
        // Projects only: their budget hours and all their approved hours, to say which are over
        // budget; for the kept lines only, in a join (a subquery per project scanned the totals
        // once for each: 284 ms at the benchmark's 520 projects).
        // By project `b` has a row a project already, so its lines are not summed again.
        let lineSums: Query = project
            ? "b.hours, b.cost, b.value, j.id AS project_id"
            : "sum(b.hours) AS hours, sum(b.cost) AS cost, sum(b.value) AS value, NULL::bigint AS project_id"
        let lineGroups: Query = project ? "" : "GROUP BY 1, 2"
        let budgetColumns: Query = project
            ? "bh.hours AS budget_hours, ah.hours AS all_hours"
            : "NULL::numeric AS budget_hours, NULL::numeric AS all_hours"
        let budgetJoins: Query = project ? """
            LEFT JOIN (SELECT x.project_id, sum(n.hours) AS hours FROM project_skill_needs n JOIN project_phases x ON x.id = n.phase_id
                       WHERE x.project_id IN (SELECT project_id FROM kept) GROUP BY 1) bh ON bh.project_id = k.project_id
            LEFT JOIN (SELECT t.project_id, sum(t.hours) AS hours FROM time_month_totals t
                       WHERE t.project_id <> 0 AND t.project_id IN (SELECT project_id FROM kept) GROUP BY 1) ah ON ah.project_id = k.project_id
            """ : ""
        // The lines with the most cost as it shows (to the cent), ties in the report's order:
        // what `ProfitabilityReport.mostCost` keeps of every line (Swift's sort is stable).
        var kept: Query = "SELECT * FROM lines"
        if let limit { kept = "SELECT * FROM lines ORDER BY round(cost, 2) DESC, label, key LIMIT \(limit)" }
        let months = WholeMonths(from: from, to: to)
        let rows = try await db.query("""
            WITH b AS (
                SELECT \(grain), coalesce(sum(x.hours), 0) AS hours, coalesce(sum(x.cost), 0) AS cost, coalesce(sum(x.value), 0) AS value
                FROM (
                    SELECT t.project_id, t.phase_id, t.month AS day, t.hours, t.cost, NULL::numeric AS value
                    FROM time_month_totals t
                    WHERE t.project_id <> 0 AND t.month >= \(months.start) AND t.month < \(months.end)
                    UNION ALL
                    SELECT d.project_id, d.phase_id, d.day, d.hours, d.cost, NULL
                    FROM time_day_totals d
                    WHERE d.project_id <> 0 AND \(Self.oddDays(months))
                    UNION ALL
                    SELECT ph.project_id, ph.id, ph.completed_on, NULL, NULL, ph.value
                    FROM project_phases ph WHERE ph.completed_on BETWEEN \(from) AND \(to)
                ) x GROUP BY \(grainGroups)
            ), lines AS (
                SELECT \(key) AS key, \(label) AS label, \(lineSums)
                FROM b JOIN projects j ON j.id = b.project_id JOIN accounts a ON a.id = j.account_id
                \(joins)
                WHERE \(ProjectStore.scope(caller))
                \(lineGroups)
            ), kept AS (\(kept))
            SELECT false AS total, k.key, k.label, k.hours, k.cost, k.value, \(budgetColumns), NULL::bigint AS lines
            FROM kept k
            \(budgetJoins)
            UNION ALL
            SELECT true, NULL, NULL, coalesce(sum(hours), 0), coalesce(sum(cost), 0), coalesce(sum(value), 0), NULL, NULL, count(*) FROM lines
            ORDER BY 3, 2
            """)
        var total = ProfitFigures.zero
        var lineCount = 0
        var lines: [ProfitabilityReport.Line] = []
        for row in rows {
            let figures = ProfitFigures(hours: try row.decode("hours"), cost: try row.decode("cost"), value: try row.decode("value"))
            if try row.decode("total", as: Bool.self) {
                (total, lineCount) = (figures, try row.decode("lines"))
                continue
            }
            let budget: Decimal? = try row.decode("budget_hours")
            let all: Decimal? = try row.decode("all_hours")
            lines.append(Self.line(key: try row.decode("key"), label: try row.decode("label"), figures,
                                   budgetHours: project ? (budget ?? 0) : nil,
                                   overBudget: project ? (all ?? 0) > (budget ?? 0) : nil))
        }
        let report = ProfitabilityReport(from: from, to: to, by: by.rawValue, lines: lines,
                                         total: Self.line(key: "total", label: "Total", total, budgetHours: nil, overBudget: nil),
                                         utilization: try await utilization(db, caller: caller, from: from, to: to))
        return (report, lineCount)
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
        // Each assignment's days in the window as offsets from `from` (its last day included),
        // and the hours a day of assignments over the same days summed: the benchmark's 1,680
        // assignments were 6,700 values to parse, dates the dearest, and a product each.
        var planned: [Int64: Decimal] = [:]
        for row in try await db.query("""
            SELECT x.user_id, sum(x.hours_per_day) AS hours_per_day,
                   greatest(x.start_date, \(from)) - \(from) AS s, least(x.end_date, \(to)) - \(from) + 1 AS e
            FROM assignments x WHERE x.user_id = ANY(\(ids)::bigint[]) AND x.end_date >= \(from) AND x.start_date <= \(to)
            GROUP BY 1, 3, 4
            """) {
            let user: Int64 = try row.decode("user_id")
            let days = walks[user]?.workingDays(fromOffset: try row.decode("s"), toOffset: try row.decode("e")) ?? 0
            guard days > 0 else { continue }
            planned[user, default: 0] += try row.decode("hours_per_day", as: Decimal.self) * Decimal(days)
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
    /// benchmark's 1,680 assignments, many of them the whole year. An ordinary day (no
    /// holiday, no time off) has its weekday's hours, so the walk counts ordinary days per
    /// weekday and adds each weekday's hours once, times its count, and each other day's
    /// `hours(on:)` alone: adding a `Decimal` for every day of 57 people's years was a fifth of
    /// the page's CPU. `Decimal` sums and products are exact, so the hours are
    /// `hours(from:to:)`'s, and a working day is one with hours, as `workingDays` says.
    struct CalendarWalk {
        let from: CalendarDate
        let hours: Decimal
        /// `[i]`: the working days before the window's `i`-th day.
        let workingDaysBefore: [Int]

        init(_ calendar: WorkingCalendar, from: CalendarDate, to: CalendarDate) {
            let span = max(0, from.days(until: to))
            // The days that are not ordinary, by their offset in the window, with their hours.
            var other: [Int: Decimal] = [:]
            for day in calendar.holidays where from <= day && day < to { other[from.days(until: day)] = 0 }
            for day in calendar.timeOff.keys where from <= day && day < to && other[from.days(until: day)] == nil {
                other[from.days(until: day)] = calendar.hours(on: day)
            }
            // Weekdays 0 (Monday) … 6 (Sunday): an ordinary day's hours, whether it is a working day.
            let usual = (1...7).map { max(0, calendar.week.hours(onWeekday: $0)) }
            let works = usual.map { $0 > 0 }
            var ordinary = [Int](repeating: 0, count: 7)
            var hours: Decimal = 0
            var before = [0]
            before.reserveCapacity(span + 1)
            var weekday = span > 0 ? from.isoWeekday - 1 : 0
            for offset in 0..<span {
                let working: Bool
                if let day = other[offset] {
                    hours += day
                    working = day > 0
                } else {
                    ordinary[weekday] += 1
                    working = works[weekday]
                }
                before.append(before[offset] + (working ? 1 : 0))
                weekday = weekday == 6 ? 0 : weekday + 1
            }
            for (weekday, count) in ordinary.enumerated() where count > 0 && works[weekday] {
                hours += usual[weekday] * Decimal(count)
            }
            (self.from, self.hours, workingDaysBefore) = (from, hours, before)
        }

        /// `calendar.workingDays(from: start, to: end).count`, for days inside the window.
        func workingDays(from start: CalendarDate, to end: CalendarDate) -> Int {
            workingDays(fromOffset: from.days(until: start), toOffset: from.days(until: end))
        }

        /// The same for days given as offsets from the window's first day.
        func workingDays(fromOffset start: Int, toOffset end: Int) -> Int {
            let last = workingDaysBefore.count - 1
            let (first, stop) = (min(max(start, 0), last), min(max(end, 0), last))
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
