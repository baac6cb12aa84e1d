@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The profitability report's window runs from `from` to `to`, both days included: its
/// billable hours and its lines always counted the last day, and its utilization's
/// working hours and planned hours must count it too (they stopped the day before, so a
/// window ending on a Friday compared five days of billable hours with four of work).
@Suite struct ProfitabilityUtilizationWindowTests {
    @Test func workingAndPlannedHoursCountTheWindowsLastDay() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            // Five weeks from the Monday of the demo's first assignment to a Friday: a window
            // that ends on a working day.
            let first: CalendarDate = try #require(try await app.sql("SELECT min(start_date) AS d FROM assignments").first).decode("d")
            let monday = first.adding(days: 1 - first.isoWeekday)
            let (from, to) = (monday, monday.adding(days: 32))
            #expect(to.isoWeekday == 5)
            let report = try await app.request(.get, "/api/v1/reports/profitability?from=\(from)&to=\(to)", token: admin)
            #expect(report.status == .ok)
            let people = try report.object["utilization"] as? [[String: Any]] ?? []
            #expect(!people.isEmpty)

            let services = try app.services(label: "utilization-window")
            defer { Task { await services.pool.shutdown() } }
            let ids = people.compactMap { ($0["userId"] as? Int).map(Int64.init) }
            let dayAfter = to.adding(days: 1)
            let calendars = try await services.pool.withConnection {
                try await WorkingCalendarStore().calendars($0, people: ids, from: from, to: dayAfter)
            }
            var planned: [Int64: Decimal] = [:]
            for row in try await app.sql("""
                SELECT user_id, hours_per_day, greatest(start_date, \(from)) AS s, least(end_date, \(to)) AS e
                FROM assignments WHERE end_date >= \(from) AND start_date <= \(to)
                """) {
                let user: Int64 = try row.decode("user_id")
                let last: CalendarDate = try row.decode("e")
                let days = calendars[user]?.workingDays(from: try row.decode("s"), to: last.adding(days: 1)).count ?? 0
                planned[user, default: 0] += try row.decode("hours_per_day", as: Decimal.self) * Decimal(days)
            }
            #expect(planned.values.contains { $0 > 0 }, "the demo plans work in the window, so planned hours are tested")
            for person in people {
                let id = try #require((person["userId"] as? Int).map(Int64.init))
                let calendar = try #require(calendars[id])
                #expect(person["workingHours"] as? String == calendar.hours(from: from, to: dayAfter).description, "\(person["name"] ?? id)")
                #expect(person["plannedHours"] as? String == (planned[id] ?? 0).description, "\(person["name"] ?? id)")
            }
            // The last day is a working day for someone with a working week, so the two differ.
            #expect(calendars.values.contains { $0.hours(on: to) > 0 })
        }
    }
}
