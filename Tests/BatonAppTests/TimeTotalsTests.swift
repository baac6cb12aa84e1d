import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// The monthly totals of approved time (sql/0040) that the profitability report reads:
/// whatever the range, whatever changed since (a rate, an entry), the report says what
/// the entries themselves add up to.
@Suite struct TimeTotalsTests {
    /// Hours and cost of the project's approved entries in the range, summed one by one.
    static func fromEntries(_ app: TestApp, project: Int64, from: String, to: String) async throws -> (hours: Decimal, cost: Decimal) {
        let row = try #require(try await app.sql("""
            SELECT coalesce(sum(hours), 0) AS hours, coalesce(sum(hours * coalesce(cost_rate_on(user_id, day), 0)), 0) AS cost
            FROM time_entries WHERE project_id = \(project) AND status = 'approved' AND day BETWEEN \(from)::date AND \(to)::date
            """).first)
        return (try row.decode("hours"), (try row.decode("cost") as Decimal).rounded(scale: 2))
    }

    static func fromReport(_ app: TestApp, _ token: String, project: Int64, from: String, to: String) async throws -> (hours: Decimal, cost: Decimal)? {
        let report = try await app.request(.get, "/api/v1/reports/profitability?by=project&from=\(from)&to=\(to)", token: token)
        #expect(report.status == .ok)
        guard let line = try (report.object["lines"] as? [[String: Any]])?.first(where: { $0["key"] as? String == String(project) }) else { return nil }
        return (Decimal(string: line["hours"] as? String ?? "") ?? -1, Decimal(string: line["cost"] as? String ?? "") ?? -1)
    }

    static let ranges = [
        ("2024-01-01", "2024-12-31"),  // whole months only
        ("2024-03-06", "2024-03-19"),  // days inside one month
        ("2024-02-15", "2024-03-10"),  // a partial month at each end
        ("2024-03-11", "2024-04-30"),  // a partial month, then a whole one
    ]

    func expectReportMatchesEntries(_ app: TestApp, _ token: String, project: Int64, _ when: Comment) async throws {
        for (from, to) in Self.ranges {
            let entries = try await Self.fromEntries(app, project: project, from: from, to: to)
            let report = try await Self.fromReport(app, token, project: project, from: from, to: to)
            #expect(report?.hours == entries.hours && report?.cost == entries.cost, "\(when): \(from)…\(to)")
        }
        // And the totals are what summing every entry again gives.
        let kept = try await app.sql("SELECT month, project_id, phase_id, user_id, hours, cost, unrated_hours FROM time_month_totals ORDER BY 1, 2, 3, 4")
            .map { try $0.decode("month") as CalendarDate }
        let keptSums = try await app.sql("SELECT sum(hours) AS h, sum(cost) AS c FROM time_month_totals").first
        try await app.sql("SELECT rebuild_time_month_totals()")
        let rebuilt = try await app.sql("SELECT month FROM time_month_totals ORDER BY month, project_id, phase_id, user_id")
            .map { try $0.decode("month") as CalendarDate }
        let rebuiltSums = try await app.sql("SELECT sum(hours) AS h, sum(cost) AS c FROM time_month_totals").first
        #expect(kept == rebuilt, "\(when)")
        #expect(try keptSums?.decode("h") as Decimal? == rebuiltSums?.decode("h") as Decimal?, "\(when)")
        #expect(try keptSums?.decode("c") as Decimal? == rebuiltSums?.decode("c") as Decimal?, "\(when)")
    }

    @Test func theReportSaysWhatTheEntriesAddUpToAtAnyRange() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await TimeEntryTests.handCase(app)
            let admin = try await app.signIn("admin@demo.test")
            let (_, weeksA, weeksB) = try await TimeEntryTests.submitHandCaseHours(app, setup, admin: admin)
            // Submitted time is not actual yet.
            #expect(try await Self.fromReport(app, admin, project: setup.projectID, from: "2024-01-01", to: "2024-12-31") == nil)
            let pm = try await app.signIn(setup.pmEmail)
            for (person, weeks) in [(setup.people[0], weeksA), (setup.people[1], weeksB)] {
                for week in weeks {
                    let approved = try await app.request(.post, "/api/v1/timesheet/approve", token: pm,
                                                         json: #"{"userId": \#(person.id), "week": "\#(week)"}"#)
                    #expect(approved.status == .ok)
                }
            }
            // By hand: 150 h × 50 + 80 h × 70 = 13,100.00 over the year.
            let year = try await Self.fromReport(app, admin, project: setup.projectID, from: "2024-01-01", to: "2024-12-31")
            #expect(year?.hours == 230 && year?.cost == 13100)
            try await expectReportMatchesEntries(app, admin, project: setup.projectID, "approved")

            // The first person's rate rises to 90 from 2024-03-11: her 100 h from then on cost 40 more each.
            let raised = try await app.request(.post, "/api/v1/cost-rates", token: admin,
                                               json: #"{"userId": \#(setup.people[0].id), "effectiveFrom": "2024-03-11", "hourly": "90.00"}"#)
            #expect(raised.status == .ok)
            let afterRaise = try await Self.fromReport(app, admin, project: setup.projectID, from: "2024-01-01", to: "2024-12-31")
            #expect(afterRaise?.cost == 17100)
            try await expectReportMatchesEntries(app, admin, project: setup.projectID, "after a rate change")

            // An entry removed (as an operator would, below the API) leaves the totals with it.
            try await app.sql("""
                DELETE FROM time_entries WHERE id = (SELECT id FROM time_entries WHERE user_id = \(setup.people[1].id)
                                                     AND day = '2024-03-13' AND status = 'approved' LIMIT 1)
                """)
            let afterDelete = try await Self.fromReport(app, admin, project: setup.projectID, from: "2024-01-01", to: "2024-12-31")
            #expect(afterDelete?.hours == 220 && afterDelete?.cost == 16400)
            try await expectReportMatchesEntries(app, admin, project: setup.projectID, "after a delete")

            // The rate is withdrawn again: back to 50.
            try await app.sql("DELETE FROM cost_rates WHERE user_id = \(setup.people[0].id) AND effective_from = '2024-03-11'")
            let afterWithdraw = try await Self.fromReport(app, admin, project: setup.projectID, from: "2024-01-01", to: "2024-12-31")
            #expect(afterWithdraw?.cost == 12400)
            try await expectReportMatchesEntries(app, admin, project: setup.projectID, "after a rate is withdrawn")

            // Costs come from rates: a consultant reading the totals under row-level security sees none, the admin all.
            func rows(as viewer: Int64) async throws -> Int {
                try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(viewer)])) {
                    try await app.sql("SELECT count(*) AS n FROM time_month_totals").first?.decode("n") ?? -1
                }
            }
            let adminID: Int64 = try #require(try await app.sql("SELECT id FROM users WHERE email = 'admin@demo.test'").first).decode("id")
            #expect(try await rows(as: setup.people[0].id) == 0)
            #expect(try await rows(as: adminID) > 0)
        }
    }
}
