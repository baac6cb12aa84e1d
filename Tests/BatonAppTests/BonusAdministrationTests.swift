import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 17: a firm with more than one plan and more than one manager runs its bonus:
/// plan membership, approvals along the reporting line, adjustments that stay in their
/// run, and a sales plan paid on bookings with split credit.
@Suite struct BonusAdministrationTests {
    static let password = "bonus-admin-test-password"

    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String = "{}", expect: HTTPResponse.Status = .created,
              sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == expect, "POST \(path): \(r.text)", sourceLocation: sourceLocation)
        return try r.status == expect ? r.object : [:]
    }

    func get(_ app: TestApp, _ path: String, _ token: String) async throws -> [String: Any] {
        let r = try await app.request(.get, "/api/v1/\(path)", token: token)
        #expect(r.status == .ok, "GET \(path): \(r.text)")
        return try r.object
    }

    /// A new person; returns their id.
    func person(_ app: TestApp, _ admin: String, _ key: String, role: String, manager: Int?) async throws -> Int {
        let managerJSON = manager.map { ", \"managerId\": \($0)" } ?? ""
        let r = try await post(app, "users", admin, #"""
            {"email": "\#(key)@firm.test", "name": "\#(key.capitalized) Test", "roles": ["\#(role)"], "password": "\#(Self.password)"\#(managerJSON)}
            """#)
        return try #require(r["id"] as? Int)
    }

    /// A won project managed by `pm` with one phase of `value`, starting 2026-01-01, due after `days`.
    func project(_ app: TestApp, _ admin: String, pm: Int, name: String, value: String, days: Int = 30) async throws -> (project: Int, phase: Int) {
        let t = try await post(app, "typical-projects", admin, #"""
            {"name": "\#(name) work", "pricing": {"model": "fixed", "price": "\#(value)"},
             "phases": [{"name": "\#(name)", "offsetDays": 0, "lengthDays": \#(days), "sharePercent": "100", "skills": []}]}
            """#)
        let account = try await post(app, "accounts", admin, #"{"name": "\#(name) Client", "ownerId": 4}"#)
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account["id"] as? Int ?? 0), "name": "\#(name)", "stage": "proposal", "closeDate": "2025-12-31", "ownerId": 4}
            """#)
        let p = try await post(app, "opportunities/\(o["id"] as? Int ?? 0)/proposals", admin, #"""
            {"reviewerId": \#(pm), "proposedStart": "2026-01-01", "lines": [{"typicalProjectId": \#(t["id"] as? Int ?? 0), "quantity": "1"}]}
            """#)
        let proposal = p["id"] as? Int ?? 0
        for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(proposal)/\(action)", admin, expect: .ok) }
        let accepted = try await post(app, "proposals/\(proposal)/accept", admin, #"{"acceptedOn": "2025-12-20"}"#, expect: .ok)
        let project = try #require(accepted["project"] as? [String: Any])
        let phase = try #require((project["phases"] as? [[String: Any]])?.first?["id"] as? Int)
        return (try #require(project["id"] as? Int), phase)
    }

    static func plan(_ name: String, metric: String = "completed_work") -> String {
        #"""
        {"name": "\#(name)", "metric": "\#(metric)", "method": "marginal", "periodType": "quarter", "targetBonus": "10000.00",
         "threshold": "0", "tiers": [{"from": "0", "to": "1.00", "rate": "1.0"}, {"from": "1.00", "to": null, "rate": "1.5"}],
         "cap": "2.0", "lateCreditPercent": "50"}
        """#
    }

    func statements(_ run: [String: Any]) -> [Int: String] {
        var result: [Int: String] = [:]
        for s in run["statements"] as? [[String: Any]] ?? [] {
            if let id = s["userId"] as? Int { result[id] = s["payout"] as? String ?? "" }
        }
        return result
    }

    /// The current quarter's key: a period that has not ended yet, whatever day the test runs.
    static var currentQuarter: String {
        let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: Date())
        return "\(c.year ?? 2026)-Q\(((c.month ?? 1) - 1) / 3 + 1)"
    }

    @Test func twoPlansThreeManagersFivePMsRunAQuarter() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let (priyaID, felix, grace, hiro) = (3, 9, 10, 11)
            let rita = try await person(app, admin, "rita", role: "manager", manager: nil)
            let sam = try await person(app, admin, "sam", role: "manager", manager: nil)
            let tom = try await person(app, admin, "tom", role: "project_manager", manager: rita)
            let uma = try await person(app, admin, "uma", role: "project_manager", manager: sam)
            let priya = try await app.signIn("priya.shah@demo.test")
            let ritaToken = try await app.signIn("rita@firm.test", password: Self.password)
            let samToken = try await app.signIn("sam@firm.test", password: Self.password)

            // Each PM completes one phase on time in 2026-Q1, against a quota of 100,000.00.
            for (pm, name, value) in [(felix, "Alpha", "100000.00"), (grace, "Beta", "80000.00"), (hiro, "Gamma", "60000.00"),
                                      (tom, "Delta", "50000.00"), (uma, "Epsilon", "40000.00")] {
                let (project, phase) = try await project(app, admin, pm: pm, name: name, value: value)
                try await post(app, "projects/\(project)/phases/\(phase)/complete", admin, #"{"completedOn": "2026-01-20"}"#, expect: .ok)
                for period in ["2026-Q1", "2026-Q2"] {
                    try await post(app, "quotas", admin, #"{"userId": \#(pm), "periodKey": "\#(period)", "metric": "completed_work", "target": "100000.00"}"#)
                }
            }

            // Two plans: Priya's people in one; Rita's people and Uma in the other.
            let east = try #require(try await post(app, "bonus-plans", admin, Self.plan("Delivery east"))["id"] as? Int)
            let west = try #require(try await post(app, "bonus-plans", admin, Self.plan("Delivery west"))["id"] as? Int)
            try await post(app, "bonus-plans/\(east)/members", admin, #"{"managerId": \#(priyaID), "from": "2026-01-01"}"#)
            try await post(app, "bonus-plans/\(west)/members", admin, #"{"managerId": \#(rita), "from": "2026-01-01"}"#)
            let umaMember = try await post(app, "bonus-plans/\(west)/members", admin, #"{"userId": \#(uma), "from": "2026-01-01", "to": "2026-12-31"}"#)
            #expect(umaMember["name"] as? String == "Uma Test")
            #expect(umaMember["to"] as? String == "2026-12-31")
            // Felix in a second delivery plan of the same period type on the same days: 409 naming the other plan.
            let twice = try await app.request(.post, "/api/v1/bonus-plans/\(west)/members", token: admin,
                                              json: #"{"userId": \#(felix), "from": "2026-03-01"}"#)
            #expect(twice.status == .conflict)
            #expect(twice.text.contains("Delivery east"), "the refusal names the other plan: \(twice.text)")
            // Everyone reporting to Priya overlaps Felix as well.
            #expect(try await app.request(.post, "/api/v1/bonus-plans/\(west)/members", token: admin,
                                          json: #"{"managerId": \#(priyaID), "from": "2025-06-01", "to": "2026-01-01"}"#).status == .conflict)
            // Ending before the other plan starts does not overlap.
            try await post(app, "bonus-plans/\(west)/members", admin, #"{"userId": \#(felix), "from": "2025-01-01", "to": "2025-12-31"}"#)
            let members = try await get(app, "bonus-plans/\(west)/members", admin)
            #expect((members["items"] as? [Any])?.count == 3)

            // Each run covers its plan's members only: no phase pays twice.
            let eastQ1 = try await post(app, "bonus-runs", priya, #"{"planId": \#(east), "period": "2026-Q1"}"#)
            let westQ1 = try await post(app, "bonus-runs", admin, #"{"planId": \#(west), "period": "2026-Q1"}"#)
            #expect(statements(eastQ1) == [felix: "10000.00", grace: "8000.00", hiro: "6000.00"])
            #expect(statements(westQ1) == [tom: "5000.00", uma: "4000.00"])
            let paidPhases = try await app.sql("""
                SELECT count(*) AS lines, count(DISTINCT l->>'phaseId') AS phases
                FROM bonus_statements s, jsonb_array_elements(s.body->'lines') l
                """)
            #expect(try paidPhases.first?.decode("lines", as: Int.self) == 5)
            #expect(try paidPhases.first?.decode("phases", as: Int.self) == 5)

            // A manager's adjustment to their own PM's draft, in a run that holds someone outside
            // their line: the statement is recomputed whole, no unique-key collision.
            let westQ1ID = try #require(westQ1["id"] as? Int)
            try await post(app, "bonus-runs/\(westQ1ID)/adjustments", ritaToken, #"{"userId": \#(tom), "amount": "150.00", "reason": "Weekend cutover"}"#)
            // Not her person: 403.
            try await post(app, "bonus-runs/\(westQ1ID)/adjustments", ritaToken, #"{"userId": \#(uma), "amount": "1.00", "reason": "x"}"#,
                           expect: .forbidden)
            let afterAdjust = try await get(app, "bonus-runs/\(westQ1ID)", admin)
            #expect(statements(afterAdjust) == [tom: "5150.00", uma: "4000.00"])

            // Approvals along the line: Priya is above no one in the west run.
            try await post(app, "bonus-runs/\(westQ1ID)/approve", priya, expect: .forbidden)
            // Uma is not in Rita's line: to Rita her statement does not exist.
            try await post(app, "bonus-runs/\(westQ1ID)/statements/\(uma)/approve", ritaToken, expect: .notFound)
            let half = try await post(app, "bonus-runs/\(westQ1ID)/statements/\(tom)/approve", ritaToken, expect: .ok)
            #expect(half["status"] as? String == "draft", "Uma's statement still waits for Sam")
            let tomSummary = (half["statements"] as? [[String: Any]])?.first { $0["userId"] as? Int == tom }
            #expect(tomSummary?["approved"] as? Bool == true)
            #expect(tomSummary?["approvedBy"] as? Int == rita)
            let whole = try await post(app, "bonus-runs/\(westQ1ID)/statements/\(uma)/approve", samToken, expect: .ok)
            #expect(whole["status"] as? String == "approved", "the last approval locks the run")
            #expect(whole["approvedBy"] as? Int == sam)

            // An adjustment on a locked run is refused; it goes to the next open run, and stays there.
            try await post(app, "bonus-runs/\(westQ1ID)/adjustments", admin, #"{"userId": \#(tom), "amount": "10.00", "reason": "Late"}"#,
                           expect: .conflict)
            let westQ2 = try await post(app, "bonus-runs", admin, #"{"planId": \#(west), "period": "2026-Q2"}"#)
            let westQ2ID = try #require(westQ2["id"] as? Int)
            #expect(statements(westQ2) == [tom: "0.00", uma: "0.00"], "the Q1 adjustment was carried by Q1, not again by Q2")
            try await post(app, "bonus-runs/\(westQ2ID)/adjustments", ritaToken, #"{"userId": \#(tom), "amount": "10.00", "reason": "Late"}"#)
            try await post(app, "bonus-runs/\(westQ2ID)/recompute", admin, expect: .ok)
            let q2Tom = try await get(app, "bonus-runs/\(westQ2ID)/statements/\(tom)", ritaToken)
            #expect(q2Tom["payout"] as? String == "10.00", "a recompute keeps the run's adjustments")
            let q1Tom = try await get(app, "bonus-runs/\(westQ1ID)/statements/\(tom)", ritaToken)
            #expect(q1Tom["payout"] as? String == "5150.00")
            #expect((q1Tom["adjustments"] as? [[String: Any]])?.map { $0["reason"] as? String ?? "" } == ["Weekend cutover"])
            // The database refuses it too, whatever the code does.
            await #expect(throws: PostgresError.self) {
                try await app.sql("INSERT INTO bonus_adjustments (plan_id, run_id, user_id, amount, reason) VALUES (\(west), \(westQ1ID), \(tom), 1, 'x')")
            }

            // Priya approves her own people's run whole: it locks; the period has ended, so no closeEarly.
            let eastLocked = try await post(app, "bonus-runs/\(eastQ1["id"] as? Int ?? 0)/approve", priya, expect: .ok)
            #expect(eastLocked["status"] as? String == "approved")
            #expect(eastLocked["closedEarly"] as? Bool == false)
        }
    }

    @Test func approvingBeforeThePeriodEndsNeedsCloseEarlyAndIsAudited() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let priya = try await app.signIn("priya.shah@demo.test")
            let plan = try #require(try await post(app, "bonus-plans", admin, Self.plan("PM quarterly"))["id"] as? Int)
            try await post(app, "bonus-plans/\(plan)/members", admin, #"{"managerId": 3, "from": "2020-01-01"}"#)
            let run = try #require(try await post(app, "bonus-runs", priya, #"{"planId": \#(plan), "period": "\#(Self.currentQuarter)"}"#)["id"] as? Int)
            let early = try await app.request(.post, "/api/v1/bonus-runs/\(run)/approve", token: priya, json: "{}")
            #expect(early.status == .conflict)
            #expect(early.text.contains("closeEarly"), "\(early.text)")
            try await post(app, "bonus-runs/\(run)/statements/9/approve", priya, expect: .conflict)
            let locked = try await post(app, "bonus-runs/\(run)/approve", priya, #"{"closeEarly": true}"#, expect: .ok)
            #expect(locked["status"] as? String == "approved")
            #expect(locked["closedEarly"] as? Bool == true)
            let audit = try await app.sql("""
                SELECT count(*) AS n FROM audit_log WHERE entity = 'bonus_run' AND entity_id = \(run) AND changes::text LIKE '%closeEarly%true%'
                """)
            #expect(try audit.first?.decode("n", as: Int.self) == 1, "the early close is in the audit trail")
        }
    }

    @Test func aSalesPlanPaysSplitCreditOnBookings() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let (ana, dev, felix) = (4, 7, 9)
            let account = try await post(app, "accounts", admin, #"{"name": "Fabrikam", "ownerId": \#(ana)}"#)
            try await post(app, "opportunities", admin, #"""
                {"accountId": \#(account["id"] as? Int ?? 0), "name": "Fabrikam rollout", "stage": "closed_won", "amount": "100000.00",
                 "closeDate": "2026-02-15", "closedOn": "2026-02-15", "ownerId": \#(ana),
                 "team": [{"userId": \#(ana), "role": "owner", "splitPercent": "60"}, {"userId": \#(dev), "role": "sales_partner", "splitPercent": "40"}]}
                """#)
            for (who, target) in [(ana, "120000.00"), (dev, "40000.00")] {
                try await post(app, "quotas", admin, #"{"userId": \#(who), "periodKey": "2026-Q1", "metric": "total_bookings", "target": "\#(target)"}"#)
            }
            let sales = try await post(app, "bonus-plans", admin, Self.plan("Sales quarterly", metric: "total_bookings"))
            #expect(sales["metric"] as? String == "total_bookings")
            let plan = try #require(sales["id"] as? Int)
            try await post(app, "bonus-plans/\(plan)/members", admin, #"{"managerId": 2, "from": "2026-01-01"}"#)
            // One delivery plan and one sales plan at once: the overlap rule is per metric family.
            let pm = try #require(try await post(app, "bonus-plans", admin, Self.plan("PM quarterly"))["id"] as? Int)
            try await post(app, "bonus-plans/\(pm)/members", admin, #"{"userId": \#(felix), "from": "2026-01-01"}"#)
            try await post(app, "bonus-plans/\(plan)/members", admin, #"{"userId": \#(felix), "from": "2026-01-01"}"#)
            try await post(app, "bonus-plans/\(pm)/members", admin, #"{"userId": \#(dev), "from": "2026-01-01"}"#)

            let run = try await post(app, "bonus-runs", admin, #"{"planId": \#(plan), "period": "2026-Q1"}"#)
            let paid = statements(run)
            #expect(paid[ana] == "5000.00", "60% of 100,000.00 against 120,000.00: attainment 0.5 × 10,000.00")
            #expect(paid[dev] == "10000.00", "40% of 100,000.00 against 40,000.00: attainment 1.0")
            #expect(paid[felix] == "0.00")
            let statement = try await get(app, "bonus-runs/\(run["id"] as? Int ?? 0)/statements/\(dev)", admin)
            #expect(statement["credited"] as? String == "40000.00")
            #expect((statement["explanation"] as? [String])?.first?.contains("40% split") == true, "\(statement["explanation"] ?? "")")
        }
    }
}
