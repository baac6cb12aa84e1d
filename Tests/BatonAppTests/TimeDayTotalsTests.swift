import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// The daily totals of approved time (sql/0045) that the profitability report reads for
/// the days of a partial month at either end of its window: after every kind of write
/// they are what summing the entries again gives, and each month's days add up to that
/// month's total (sql/0040), hours and cost.
@Suite struct TimeDayTotalsTests {
    /// Every daily total as text, in key order (a day whose entries all went adds nothing).
    static func days(_ app: TestApp) async throws -> [String] {
        try await app.sql("SELECT concat_ws(' ', day, project_id, phase_id, user_id, hours, cost, unrated_hours) AS t FROM time_day_totals WHERE hours <> 0 ORDER BY day, project_id, phase_id, user_id")
            .map { try $0.decode("t") }
    }

    /// The months whose days do not add up to the month's total (none, when they agree).
    static func monthsDisagreeing(_ app: TestApp) async throws -> Int {
        try await app.sql("""
            SELECT count(*)::int AS n FROM (
                SELECT date_trunc('month', day)::date AS month, project_id, phase_id, user_id, sum(hours) AS hours, sum(cost) AS cost, sum(unrated_hours) AS unrated
                FROM time_day_totals GROUP BY 1, 2, 3, 4 HAVING sum(hours) <> 0 OR sum(cost) <> 0) d
            FULL JOIN (SELECT * FROM time_month_totals WHERE hours <> 0 OR cost <> 0) m USING (month, project_id, phase_id, user_id)
            WHERE d.hours IS DISTINCT FROM m.hours OR d.cost IS DISTINCT FROM m.cost OR d.unrated IS DISTINCT FROM m.unrated_hours
            """).first?.decode("n") ?? -1
    }

    func expectKeptAsRebuilt(_ app: TestApp, _ when: Comment) async throws {
        let kept = try await Self.days(app)
        #expect(!kept.isEmpty, "\(when)")
        try await app.sql("SELECT rebuild_time_day_totals()")
        #expect(try await Self.days(app) == kept, "\(when)")
        #expect(try await Self.monthsDisagreeing(app) == 0, "\(when)")
    }

    @Test func theDailyTotalsFollowEntriesAndRates() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await TimeEntryTests.handCase(app)
            let admin = try await app.signIn("admin@demo.test")
            let (_, weeksA, weeksB) = try await TimeEntryTests.submitHandCaseHours(app, setup, admin: admin)
            let pm = try await app.signIn(setup.pmEmail)
            for (person, week) in weeksA.map({ (setup.people[0], $0) }) + weeksB.map({ (setup.people[1], $0) }) {
                let approved = try await app.request(.post, "/api/v1/timesheet/approve", token: pm, json: #"{"userId": \#(person.id), "week": "\#(week)"}"#)
                #expect(approved.status == .ok)
            }
            try await expectKeptAsRebuilt(app, "approved")
            // A rate from the middle of a month: the days from then on cost the new rate.
            let raised = try await app.request(.post, "/api/v1/cost-rates", token: admin,
                                               json: #"{"userId": \#(setup.people[0].id), "effectiveFrom": "2024-03-13", "hourly": "90.00"}"#)
            #expect(raised.status == .ok)
            try await expectKeptAsRebuilt(app, "after a rate change")
            try await app.sql("DELETE FROM time_entries WHERE id = (SELECT min(id) FROM time_entries WHERE status = 'approved')")
            try await expectKeptAsRebuilt(app, "after a delete")
            try await app.sql("DELETE FROM cost_rates WHERE user_id = \(setup.people[0].id) AND effective_from = '2024-03-13'")
            try await expectKeptAsRebuilt(app, "after a rate is withdrawn")
            // Costs come from rates: a consultant reading the daily totals sees none.
            let seen: Int = try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(setup.people[0].id)])) {
                try await app.sql("SELECT count(*)::int AS n FROM time_day_totals").first?.decode("n") ?? -1
            }
            #expect(seen == 0)
        }
    }
}
