@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// The profitability report sums the window's time and earned value at the grain its
/// grouping needs, and PostgreSQL keeps the page's lines and sums the total. Whatever the
/// grouping and the window, every line and the total must say what the approved entries
/// (each at its person's cost rate on its day) and the phases completed in the window add
/// up to, written out here from the entries themselves; and the lines the page keeps must be
/// the ones `ProfitabilityReport.mostCost` picks from every line, ties and all.
@Suite struct ProfitabilityFiguresTests {
    static let windows = [
        ("2025-01-01", "2025-12-31"),  // whole months only
        ("2025-02-10", "2025-05-20"),  // a partial month at each end, across quarters
        ("2025-03-03", "2025-03-21"),  // days inside one month
        ("2025-04-15", "2025-04-15"),  // one day
        ("2025-06-09", "2025-08-31"),  // a partial month, then whole ones
        ("2019-01-01", "2019-12-31"),  // nothing at all
    ]

    /// The line's key and label by grouping, over `x` (project_id, phase_id, day) joined to
    /// the project `j`, its account `a`, the phase `p`, its typical project `t` and the
    /// project manager `m`.
    static func keyAndLabel(_ by: ProfitabilityGrouping) -> Query {
        switch by {
        case .project: "j.id::text AS key, j.name AS label"
        case .account: "a.id::text AS key, a.name AS label"
        case .typicalProject: "coalesce(t.id::text, 'none') AS key, coalesce(t.name, 'Custom work') AS label"
        case .projectManager: "coalesce(m.id::text, 'none') AS key, coalesce(m.name, 'No project manager') AS label"
        case .quarter: "to_char(date_trunc('quarter', x.day)::date, 'YYYY-\"Q\"Q') AS key, to_char(date_trunc('quarter', x.day)::date, 'YYYY-\"Q\"Q') AS label"
        }
    }

    struct Expected: Equatable, CustomStringConvertible {
        var key, label: String
        var hours, cost, value: Decimal
        var budgetHours: Decimal?
        var overBudget: Bool?
        var description: String { "\(key) \(label) \(hours) \(cost) \(value) \(budgetHours.map { "\($0)" } ?? "-") \(overBudget.map { "\($0)" } ?? "-")" }
    }

    /// Every line of the report, written out from the entries and the phases, with its cost
    /// before rounding (margins are drawn from it).
    static func fromEntries(_ app: TestApp, by: ProfitabilityGrouping, from: String, to: String) async throws -> [(line: Expected, cost: Decimal)] {
        let project = by == .project
        let budget: Query = project ? """
            , (SELECT coalesce(sum(n.hours), 0) FROM project_skill_needs n JOIN project_phases q ON q.id = n.phase_id WHERE q.project_id = min(j.id)) AS budget_hours,
              (SELECT coalesce(sum(e.hours), 0) FROM time_entries e WHERE e.project_id = min(j.id) AND e.status = 'approved') AS all_hours
            """ : ", NULL::numeric AS budget_hours, NULL::numeric AS all_hours"
        return try await app.sql("""
            WITH x AS (
                SELECT e.project_id, e.phase_id, e.day, e.hours, e.hours * coalesce(cost_rate_on(e.user_id, e.day), 0) AS cost, 0 AS value
                FROM time_entries e
                WHERE e.status = 'approved' AND e.project_id IS NOT NULL AND e.day BETWEEN \(from)::date AND \(to)::date
                UNION ALL
                SELECT ph.project_id, ph.id, ph.completed_on, 0, 0, ph.value
                FROM project_phases ph WHERE ph.completed_on BETWEEN \(from)::date AND \(to)::date
            )
            SELECT \(keyAndLabel(by)), sum(x.hours) AS hours, sum(x.cost) AS cost, sum(x.value) AS value \(budget)
            FROM x JOIN projects j ON j.id = x.project_id JOIN accounts a ON a.id = j.account_id
            LEFT JOIN project_phases p ON p.id = x.phase_id LEFT JOIN typical_projects t ON t.id = p.typical_project_id
            LEFT JOIN users m ON m.id = j.project_manager_id
            GROUP BY 1, 2 ORDER BY 2, 1
            """).map { row in
            let budget: Decimal? = try row.decode("budget_hours")
            let all: Decimal? = try row.decode("all_hours")
            let cost: Decimal = try row.decode("cost")
            return (Expected(key: try row.decode("key"), label: try row.decode("label"), hours: try row.decode("hours"),
                             cost: cost.rounded(scale: 2), value: try row.decode("value"),
                             budgetHours: budget, overBudget: budget.flatMap { b in all.map { $0 > b } }), cost)
        }
    }

    static func decimal(_ any: Any?) -> Decimal? { (any as? String).flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) } }

    /// Approved time entered as a loader would (straight into the table, the totals kept by
    /// their triggers) over two years' worth of days, several people, projects and phases,
    /// one person without a cost rate, and some internal time; phases completed inside the
    /// windows; and two projects whose costs tie, to the cent, at the page's cut.
    static func seed(_ app: TestApp) async throws -> (tied: [Int64], admin: Int64) {
        let admin: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = 'admin@demo.test'").first).decode("id")
        let people: [Int64] = try await app.sql("SELECT id FROM users WHERE active AND id <> \(admin) ORDER BY id LIMIT 4").map { try $0.decode("id") }
        let projects: [Int64] = try await app.sql("""
            SELECT j.id FROM projects j WHERE EXISTS (SELECT 1 FROM project_phases p WHERE p.project_id = j.id) ORDER BY j.id LIMIT 6
            """).map { try $0.decode("id") }
        #expect(people.count == 4 && projects.count == 6)
        try await app.sql("DELETE FROM cost_rates WHERE user_id = ANY(\(people)::bigint[])")
        try await app.sql("""
            INSERT INTO cost_rates (user_id, effective_from, hourly)
            VALUES (\(people[0]), '2020-01-01', 50.25), (\(people[0]), '2025-04-01', 61.10), (\(people[1]), '2020-01-01', 72.33),
                   (\(people[2]), '2025-03-15', 44.44)
            """)
        // people[3] has no rate at all: their hours count, their cost is 0.
        try await app.sql("""
            INSERT INTO time_entries (user_id, day, hours, project_id, phase_id, internal_kind, status)
            SELECT u, DATE '2024-12-20' + g, 1.25 + (g % 7) * 0.75,
                   CASE WHEN g % 11 = 0 THEN NULL ELSE (\(projects)::bigint[])[1 + (g + u) % 4] END,
                   CASE WHEN g % 11 = 0 OR g % 5 = 0 THEN NULL
                        WHEN g % 2 = 0 THEN (SELECT min(p.id) FROM project_phases p WHERE p.project_id = (\(projects)::bigint[])[1 + (g + u) % 4])
                        ELSE (SELECT max(p.id) FROM project_phases p WHERE p.project_id = (\(projects)::bigint[])[1 + (g + u) % 4]) END,
                   CASE WHEN g % 11 = 0 THEN 'training' END,
                   CASE WHEN g % 9 = 0 THEN 'submitted' ELSE 'approved' END
            FROM generate_series(0, 300) g, unnest(\(people)::bigint[]) u
            WHERE extract(isodow FROM DATE '2024-12-20' + g) < 6
            """)
        // The fifth and sixth projects: the same person, the same hours on the same day.
        try await app.sql("""
            INSERT INTO time_entries (user_id, day, hours, project_id, status)
            VALUES (\(people[1]), '2025-04-15', 7.5, \(projects[4]), 'approved'), (\(people[1]), '2025-04-15', 7.5, \(projects[5]), 'approved'),
                   (\(people[1]), '2025-06-10', 3, \(projects[4]), 'approved'), (\(people[1]), '2025-06-10', 3, \(projects[5]), 'approved')
            """)
        try await app.sql("""
            UPDATE project_phases p SET completed_on = DATE '2025-01-03' + ((p.id * 37) % 360)::int
            WHERE p.project_id = ANY(\(projects)::bigint[]) AND p.position % 2 = 1
            """)
        return ([projects[4], projects[5]], admin)
    }

    @Test func everyLineAndTheTotalAreWhatTheEntriesAndPhasesAddUpTo() async throws {
        try await TestApp.run(business: true) { app in
            _ = try await Self.seed(app)
            let token = try await app.signIn("admin@demo.test")
            var linesSeen = 0
            for by in ProfitabilityGrouping.allCases {
                for (from, to) in Self.windows {
                    let expected = try await Self.fromEntries(app, by: by, from: from, to: to)
                    let response = try await app.request(.get, "/api/v1/reports/profitability?by=\(by.rawValue)&from=\(from)&to=\(to)", token: token)
                    #expect(response.status == .ok)
                    let lines = try response.object["lines"] as? [[String: Any]] ?? []
                    let got = lines.map { line in
                        Expected(key: line["key"] as? String ?? "?", label: line["label"] as? String ?? "?", hours: Self.decimal(line["hours"]) ?? -1,
                                 cost: Self.decimal(line["cost"]) ?? -1, value: Self.decimal(line["value"]) ?? -1,
                                 budgetHours: Self.decimal(line["budgetHours"]), overBudget: line["overBudget"] as? Bool)
                    }
                    #expect(got == expected.map(\.line), "\(by.rawValue) \(from)…\(to)")
                    for (line, want) in zip(lines, expected) {
                        let figures = ProfitFigures(hours: want.line.hours, cost: want.cost, value: want.line.value)
                        #expect(Self.decimal(line["margin"]) == figures.margin.rounded(scale: 2), "\(by.rawValue) \(want.line.label)")
                        #expect(Self.decimal(line["marginPercent"]) == figures.marginPercent, "\(by.rawValue) \(want.line.label)")
                    }
                    // The total counts every line, from the unrounded sums.
                    let total = try #require(try response.object["total"] as? [String: Any])
                    let whole = try await app.sql("""
                        SELECT coalesce(sum(e.hours), 0) AS hours, coalesce(sum(e.hours * coalesce(cost_rate_on(e.user_id, e.day), 0)), 0) AS cost,
                               (SELECT coalesce(sum(value), 0) FROM project_phases WHERE completed_on BETWEEN \(from)::date AND \(to)::date) AS value
                        FROM time_entries e
                        WHERE e.status = 'approved' AND e.project_id IS NOT NULL AND e.day BETWEEN \(from)::date AND \(to)::date
                        """).first
                    let hours: Decimal = try #require(whole).decode("hours")
                    let cost: Decimal = try #require(whole).decode("cost")
                    let value: Decimal = try #require(whole).decode("value")
                    #expect(Self.decimal(total["hours"]) == hours, "\(by.rawValue) \(from)…\(to)")
                    #expect(Self.decimal(total["cost"]) == cost.rounded(scale: 2), "\(by.rawValue) \(from)…\(to)")
                    #expect(Self.decimal(total["value"]) == value, "\(by.rawValue) \(from)…\(to)")
                    #expect(Self.decimal(total["marginPercent"]) == ProfitFigures(hours: hours, cost: cost, value: value).marginPercent)
                    linesSeen += lines.count
                }
            }
            #expect(linesSeen > 60, "the windows have lines to compare")
        }
    }

    /// The page asks for its lines only; PostgreSQL keeps them. They, the count and the total
    /// are what cutting the whole report gives, for every grouping and cut, and where two lines
    /// tie at the cut the one first in the report's order stays.
    @Test func theKeptLinesAreTheOnesMostCostPicksFromEveryLine() async throws {
        try await TestApp.run(business: true) { app in
            let (tied, adminID) = try await Self.seed(app)
            let admin = Caller(id: adminID, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "profitability-figures"))
            defer { Task { await pool.shutdown() } }
            let from = CalendarDate(year: 2025, month: 4, day: 15)!
            try await pool.withConnection { db in
                for by in ProfitabilityGrouping.allCases {
                    for (start, end) in [(from, from), (CalendarDate(year: 2025, month: 1, day: 1)!, CalendarDate(year: 2025, month: 12, day: 31)!)] {
                        let whole = try await ProfitabilityStore().report(db, caller: admin, by: by, from: start, to: end, keeping: nil)
                        #expect(whole.lineCount == whole.report.lines.count)
                        for limit in [0, 1, 2, 3, 5, 100] {
                            let cut = try await ProfitabilityStore().report(db, caller: admin, by: by, from: start, to: end, keeping: limit)
                            let picked = ProfitabilityReport.mostCost(whole.report.lines.map(\.cost.amount), limit: limit).map { whole.report.lines[$0] }
                            #expect(cut.report.lines.map(\.key) == picked.map(\.key), "\(by.rawValue) \(start)…\(end) keeping \(limit)")
                            #expect(cut.report.lines.map(\.cost) == picked.map(\.cost))
                            #expect(cut.report.lines.map(\.marginPercent) == picked.map(\.marginPercent))
                            #expect(cut.report.lines.map(\.overBudget) == picked.map(\.overBudget))
                            #expect(cut.lineCount == whole.report.lines.count)
                            #expect(cut.report.total.hours == whole.report.total.hours && cut.report.total.cost == whole.report.total.cost
                                    && cut.report.total.value == whole.report.total.value)
                        }
                    }
                }
                // On the day the two projects tie, at a cut between them the first in the report's order stays.
                let day = try await ProfitabilityStore().report(db, caller: admin, by: .project, from: from, to: from, keeping: nil).report.lines
                let ties = day.filter { tied.map(String.init).contains($0.key) }
                #expect(ties.count == 2 && ties[0].cost == ties[1].cost)
                let above = day.filter { $0.cost.amount > ties[0].cost.amount }.count
                let cut = try await ProfitabilityStore().report(db, caller: admin, by: .project, from: from, to: from, keeping: above + 1).report.lines
                #expect(cut.contains { $0.key == ties[0].key } && !cut.contains { $0.key == ties[1].key })
            }
        }
    }
}
