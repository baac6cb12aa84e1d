import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Flows 6 and 7 on a small hand-built firm with hand-computed answers.
@Suite struct ReportTests {
    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String, expect: HTTPResponse.Status = .created) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == expect, "POST \(path): \(r.text)")
        return try r.object
    }

    @discardableResult
    func deal(_ app: TestApp, _ admin: String, account: Int, owner: Int, amount: String, stage: String, close: String,
              closedOn: String? = nil, team: String? = nil, extra: String = "") async throws -> Int {
        let closed = closedOn.map { #", "closedOn": "\#($0)""# } ?? ""
        let members = team.map { #", "team": \#($0)"# } ?? ""
        let lost = stage == "closed_lost" ? #", "lostReason": "price""# : ""
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account), "name": "Deal \#(amount)", "stage": "\#(stage)", "amount": "\#(amount)", "closeDate": "\#(close)",
             "ownerId": \#(owner)\#(closed)\#(members)\#(lost)\#(extra)}
            """#)
        return o["id"] as! Int
    }

    @Test func attainmentForecastAndPerformanceAgreeWithAHandCount() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            // Morgan (2) → Ana (4) → Zed, a third level.
            let zed = try await post(app, "users", admin, #"{"email": "zed@demo.test", "name": "Zed Young", "roles": ["account_manager"], "managerId": 4}"#)["id"] as! Int
            let account = try await post(app, "accounts", admin, #"{"name": "Hand Count Inc", "ownerId": 4}"#)["id"] as! Int
            // Q3: Ana 100,000.00 split 60/40 with Zed; Zed 50,000.00 alone.
            try await deal(app, admin, account: account, owner: 4, amount: "100000.00", stage: "closed_won", close: "2026-08-15",
                           closedOn: "2026-08-15", team: #"[{"userId": 4, "role": "owner", "splitPercent": "60"}, {"userId": \#(zed), "role": "sales_partner", "splitPercent": "40"}]"#)
            try await deal(app, admin, account: account, owner: zed, amount: "50000.00", stage: "closed_won", close: "2026-09-01", closedOn: "2026-09-01")
            try await post(app, "quotas", admin, #"{"userId": 4, "periodKey": "2026-Q3", "metric": "total_bookings", "target": "100000.00"}"#)
            try await post(app, "quotas", admin, #"{"userId": \#(zed), "periodKey": "2026-Q3", "metric": "total_bookings", "target": "50000.00"}"#)
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let attainment = try await app.request(.get, "/api/v1/reports/attainment?period=2026-Q3&metric=total_bookings", token: morgan)
            #expect(attainment.status == .ok)
            let rows = try attainment.object["rows"] as? [[String: Any]] ?? []
            func row(_ id: Int, rollup: Bool) -> [String: Any]? { rows.first { $0["userId"] as? Int == id && $0["rollup"] as? Bool == rollup } }
            #expect(row(4, rollup: false)?["credited"] as? String == "60000.00")
            #expect(row(4, rollup: false)?["attainment"] as? String == "0.6")
            #expect(row(zed, rollup: false)?["credited"] as? String == "90000.00")
            #expect(row(zed, rollup: false)?["attainment"] as? String == "1.8")
            #expect(row(4, rollup: true)?["credited"] as? String == "150000.00")
            #expect(row(4, rollup: true)?["attainment"] as? String == "1.5")
            #expect(row(2, rollup: true)?["quota"] as? String == "100000.00", "no quota of his own: the sum below")
            #expect(row(2, rollup: true)?["credited"] as? String == "150000.00")
            // Ana sees her line, not Morgan's.
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.get, "/api/v1/reports/attainment?period=2026-Q3&managerId=2", token: ana).status == .notFound)

            // Q4 forecast for Zed: won 20,000; commit 40,000; best case 25,000; pipeline 10,000; omitted 5,000.
            try await deal(app, admin, account: account, owner: zed, amount: "20000.00", stage: "closed_won", close: "2026-11-20", closedOn: "2026-11-20")
            try await deal(app, admin, account: account, owner: zed, amount: "40000.00", stage: "negotiation", close: "2026-12-10")
            try await deal(app, admin, account: account, owner: zed, amount: "25000.00", stage: "proposal", close: "2026-12-11")
            try await deal(app, admin, account: account, owner: zed, amount: "10000.00", stage: "qualification", close: "2026-12-12")
            try await deal(app, admin, account: account, owner: zed, amount: "5000.00", stage: "qualification", close: "2026-12-13",
                           extra: #", "forecastCategory": "omitted""#)
            try await post(app, "quotas", admin, #"{"userId": \#(zed), "periodKey": "2026-Q4", "metric": "total_bookings", "target": "100000.00"}"#)
            let forecast = try await app.request(.get, "/api/v1/reports/forecast?period=2026-Q4&managerId=\(zed)", token: admin)
            let z = try (forecast.object["rows"] as? [[String: Any]] ?? []).first { $0["userId"] as? Int == zed && $0["rollup"] as? Bool == false } ?? [:]
            #expect(z["closed"] as? String == "20000.00")
            #expect(z["commit"] as? String == "40000.00")
            #expect(z["bestCase"] as? String == "65000.00", "best case includes commit")
            #expect(z["pipeline"] as? String == "75000.00", "pipeline includes both; omitted left out")
            #expect(z["weighted"] as? String == "49000.00", "40,000 × 0.8 + 25,000 × 0.6 + 10,000 × 0.2")
            #expect(z["gap"] as? String == "80000.00")
            #expect(z["coverage"] as? String == "0.9375")

            // Sales performance for the year: Zed won 3 (50k, 20k and 40% of Ana's 100k is Ana's deal) and lost one.
            try await deal(app, admin, account: account, owner: zed, amount: "30000.00", stage: "closed_lost", close: "2026-10-01", closedOn: "2026-10-01")
            try await app.sql("UPDATE opportunities SET created_at = closed_on - 30 WHERE closed_on IS NOT NULL")
            let performance = try await app.request(.get, "/api/v1/reports/sales-performance?from=2026-01-01&to=2026-12-31", token: admin)
            let zedRow = try (performance.object["byPerson"] as? [[String: Any]] ?? []).first { $0["key"] as? String == "Zed Young" } ?? [:]
            #expect(zedRow["won"] as? Int == 2)
            #expect(zedRow["lost"] as? Int == 1)
            #expect(zedRow["winRate"] as? String == "0.6667")
            #expect(zedRow["averageDealSize"] as? String == "35000.00")
            #expect(zedRow["averageCycleDays"] as? String == "30")

            // Pipeline by stage counts open deals only.
            let pipeline = try await app.request(.get, "/api/v1/reports/pipeline?period=2026-Q4", token: admin)
            let negotiation = try (pipeline.object["stages"] as? [[String: Any]] ?? []).first { $0["stage"] as? String == "negotiation" }
            #expect(negotiation?["count"] as? Int == 1)
            #expect(negotiation?["weighted"] as? String == "32000.00")
        }
    }

    @Test func growthAdviceFollowsItsThresholdsAndUtilizationIsAssignedOverCapacity() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let base = try await app.request(.get, "/api/v1/reports/growth?weeks=12", token: admin)
            #expect(base.status == .ok)
            #expect(try base.object["sentence"] is String)
            // No work and no quota: balanced, whatever the thresholds…
            #expect(try base.object["recommendation"] as? String == "balanced")
            // …and a coverage bar nobody clears with no pipeline, with room to deliver, asks for account management.
            try await app.sql("INSERT INTO periods (key, kind, start_date, end_date) VALUES ('2026-Q4', 'quarter', '2026-10-01', '2027-01-01') ON CONFLICT DO NOTHING")
            try await app.sql("INSERT INTO quotas (user_id, period_key, metric, target) VALUES (4, '2026-Q4', 'total_bookings', 100000)")
            let low = try await app.request(.get, "/api/v1/reports/growth?weeks=12", token: admin)
            #expect(try low.object["recommendation"] as? String == "strengthen_account_management")
            #expect(try await app.request(.get, "/api/v1/reports/growth?weeks=0", token: admin).status == .unprocessableContent)
            #expect(try await app.request(.get, "/api/v1/reports/growth?loadRoom=0.9&loadHigh=0.5", token: admin).status == .unprocessableContent,
                    "thresholds that contradict each other are refused")
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.get, "/api/v1/reports/growth", token: ana).status == .forbidden)

            // Utilization: Ivy booked 20 h a week for the 14 days of the range, with 40 h of capacity: 0.5.
            let project = try await DeliveryTests().wonProject(app, admin)
            // Won work in the horizon, with a load bar set below it: short on both sides.
            let both = try await app.request(.get, "/api/v1/reports/growth?weeks=30&loadHigh=0.001&loadRoom=0.0005", token: admin)
            #expect(try both.object["recommendation"] as? String == "both")
            let r = try await app.request(.post, "/api/v1/projects/\(project["id"] as! Int)/assignments", token: admin,
                json: #"{"userId": 12, "role": "engineer", "start": "2027-04-05", "end": "2027-04-18", "hoursPerWeek": "20"}"#)
            #expect(r.status == .created)
            let delivery = try await app.request(.get, "/api/v1/reports/delivery?from=2027-04-05&to=2027-04-18", token: admin)
            let ivy = try (delivery.object["byPerson"] as? [[String: Any]] ?? []).first { $0["userId"] as? Int == 12 }
            #expect(ivy?["assignedHours"] as? String == "40")
            #expect(ivy?["capacityHours"] as? String == "80")
            #expect(ivy?["utilization"] as? String == "0.5")
        }
    }

    /// Issue 18: the delivery report's hours by skill count each assignment once, for the
    /// skill of the need it fills, not for every skill its person holds; issue 16, item 11:
    /// the growth advice counts a manager's quota as the team's target.
    @Test func hoursBySkillCountOnceAndQuotasCountOnce() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let discovery = (project["phases"] as! [[String: Any]])[0]["id"] as! Int
            // Ivy holds network engineering and security; booked for Discovery's network engineering.
            let r = try await app.request(.post, "/api/v1/projects/\(project["id"] as! Int)/assignments", token: admin,
                json: #"{"userId": 12, "role": "engineer", "start": "2027-04-05", "end": "2027-04-18", "hoursPerWeek": "20", "phaseId": \#(discovery), "skill": "network engineering"}"#)
            #expect(r.status == .created)
            let delivery = try await app.request(.get, "/api/v1/reports/delivery?from=2027-04-05&to=2027-04-18", token: admin)
            let skills = try delivery.object["bySkill"] as? [[String: Any]] ?? []
            #expect(skills.first { $0["skill"] as? String == "network engineering" }?["assignedHours"] as? String == "40")
            #expect(skills.first { $0["skill"] as? String == "security" }?["assignedHours"] as? String == "0", "not counted twice")

            // Morgan (2) leads Ana (4): Morgan's 100,000 is the team's target, Ana's 60,000 part of it.
            try await app.sql("INSERT INTO periods (key, kind, start_date, end_date) VALUES ('2026-Q4', 'quarter', '2026-10-01', '2027-01-01') ON CONFLICT DO NOTHING")
            try await app.sql("DELETE FROM quotas WHERE period_key = '2026-Q4'")
            try await app.sql("INSERT INTO quotas (user_id, period_key, metric, target) VALUES (2, '2026-Q4', 'total_bookings', 100000), (4, '2026-Q4', 'total_bookings', 60000)")
            let growth = try await app.request(.get, "/api/v1/reports/growth?weeks=12", token: admin)
            let remaining = try #require(growth.object["remainingQuota"] as? String)
            #expect(Decimal(string: remaining) ?? 0 <= 100_000, "not 160,000: \(remaining)")

            // Growth capacity is working hours, each counted once (issue 18): Kara holds cloud
            // architecture and data engineering; a public holiday on her calendar takes her 8 h
            // out of the firm's capacity once, not once per skill (16 h before).
            func capacity() async throws -> Decimal {
                let g = try await app.request(.get, "/api/v1/reports/growth?weeks=1", token: admin)
                return try Decimal(string: g.object["capacityHours"] as? String ?? "") ?? -1
            }
            let before = try await capacity()
            var day = Timestamp.now.calendarDate.adding(days: 1)
            while day.isoWeekday > 5 { day = day.adding(days: 1) }
            try await app.sql("INSERT INTO holiday_calendars (name) VALUES ('Oregon')")
            try await app.sql("INSERT INTO holidays (calendar_id, day, name) SELECT id, \(day), 'A holiday' FROM holiday_calendars WHERE name = 'Oregon'")
            try await app.sql("UPDATE users SET holiday_calendar_id = (SELECT id FROM holiday_calendars WHERE name = 'Oregon') WHERE id = 14")
            #expect(try await capacity() == before - 8)
        }
    }
}

/// Reports read through the `ReportReader`: the primary, or a replica that is
/// close enough behind, and every response says which answered.
@Suite struct ReportSourceTests {
    static let reports = ["attainment", "forecast", "pipeline", "sales-performance", "delivery", "growth"]

    @Test func withoutAReplicaTheReportsSayThePrimaryAnswered() async throws {
        try await TestApp.run { app in
            let token = try await app.signIn("admin@demo.test")
            for report in Self.reports {
                let r = try await app.request(.get, "/api/v1/reports/\(report)", token: token)
                #expect(r.status == .ok, "\(report)")
                #expect(r.headers[HTTPField.Name("Baton-Data-Source")!] == "primary", "\(report)")
                #expect(r.headers[HTTPField.Name("Baton-Replica-Lag")!] == nil)
            }
        }
    }

    @Test func aReplicaThatIsCaughtUpAnswersWithItsLag() async throws {
        // A server that is not in recovery is never behind: it stands in for a caught-up replica.
        try await TestApp.run(replica: { $0 }) { app in
            let token = try await app.signIn("admin@demo.test")
            for report in Self.reports {
                let r = try await app.request(.get, "/api/v1/reports/\(report)", token: token)
                #expect(r.status == .ok, "\(report)")
                #expect(r.headers[HTTPField.Name("Baton-Data-Source")!] == "replica", "\(report)")
                #expect(r.headers[HTTPField.Name("Baton-Replica-Lag")!] == "0.0")
            }
        }
    }

    @Test func anUnreachableReplicaIsPassedOverForThePrimary() async throws {
        try await TestApp.run(replica: { _ in "postgresql://baton@127.0.0.1:1/nowhere?connect_timeout=2" }) { app in
            let token = try await app.signIn("admin@demo.test")
            let r = try await app.request(.get, "/api/v1/reports/forecast", token: token)
            #expect(r.status == .ok)
            #expect(r.headers[HTTPField.Name("Baton-Data-Source")!] == "primary; replica unavailable")
        }
    }
}
