import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// BONUS.md, rebuilt end to end through the API.
@Suite struct BonusTests {
    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String = "{}", expect: HTTPResponse.Status = .created) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == expect, "POST \(path): \(r.text)")
        return try r.object
    }

    static let plan = #"""
        {"name": "PM quarterly", "method": "marginal", "periodType": "quarter", "targetBonus": "10000.00", "threshold": "0.50",
         "tiers": [{"from": "0", "to": "1.00", "rate": "1.0"}, {"from": "1.00", "to": null, "rate": "1.5"}],
         "cap": "2.0", "lateCreditPercent": "50"}
        """#

    /// Felix's project with BONUS.md's three phases: Design 120,000.00 due Feb 10, Rollout 60,000.00 due
    /// Mar 1, Handover 80,000.00 due Mar 30 (2026). Returns the project's phases by name.
    func workedExample(_ app: TestApp, _ admin: String) async throws -> (project: Int, phases: [String: Int]) {
        var lines: [String] = []
        for (name, price, length) in [("Design", "120000.00", 40), ("Rollout", "60000.00", 59), ("Handover", "80000.00", 88)] {
            let t = try await post(app, "typical-projects", admin, #"""
                {"name": "\#(name) work", "pricing": {"model": "fixed", "price": "\#(price)"},
                 "phases": [{"name": "\#(name)", "offsetDays": 0, "lengthDays": \#(length), "sharePercent": "100", "skills": []}]}
                """#)
            lines.append(#"{"typicalProjectId": \#(t["id"] as! Int), "quantity": "1"}"#)
        }
        let account = try await post(app, "accounts", admin, #"{"name": "Contoso", "ownerId": 4}"#)
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account["id"] as! Int), "name": "Rollout", "stage": "proposal", "closeDate": "2025-12-31", "ownerId": 4}
            """#)
        let p = try await post(app, "opportunities/\(o["id"] as! Int)/proposals", admin, #"""
            {"reviewerId": 9, "proposedStart": "2026-01-01", "lines": [\#(lines.joined(separator: ","))]}
            """#)
        for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(p["id"] as! Int)/\(action)", admin, expect: .ok) }
        let accepted = try await post(app, "proposals/\(p["id"] as! Int)/accept", admin, #"{"acceptedOn": "2025-12-20"}"#, expect: .ok)
        let project = accepted["project"] as! [String: Any]
        var phases: [String: Int] = [:]
        for phase in project["phases"] as! [[String: Any]] { phases[phase["name"] as! String] = phase["id"] as? Int }
        let values = (project["phases"] as! [[String: Any]]).map { $0["value"] as? String ?? "" }
        #expect(values == ["120000.00", "60000.00", "80000.00"])
        let dues = (project["phases"] as! [[String: Any]]).map { $0["due"] as? String ?? "" }
        #expect(dues == ["2026-02-10", "2026-03-01", "2026-03-30"])
        return (project["id"] as! Int, phases)
    }

    @Test func theWorkedExamplePays12250AndLocks() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let (project, phases) = try await workedExample(app, admin)
            let felix = try await app.signIn("felix.braun@demo.test")
            for (name, date) in [("Design", "2026-02-08"), ("Rollout", "2026-03-09"), ("Handover", "2026-03-28")] {
                try await post(app, "projects/\(project)/phases/\(phases[name]!)/complete", felix, #"{"completedOn": "\#(date)"}"#, expect: .ok)
            }
            let priya = try await app.signIn("priya.shah@demo.test")
            try await post(app, "quotas", priya, #"{"userId": 9, "periodKey": "2026-Q1", "metric": "completed_work", "target": "200000.00"}"#)
            let plan = try await post(app, "bonus-plans", admin, Self.plan)
            // A run covers its plan's members: Priya's project managers.
            try await post(app, "bonus-plans/\(plan["id"] as! Int)/members", admin, #"{"managerId": 3, "from": "2026-01-01"}"#)
            let run = try await post(app, "bonus-runs", priya, #"{"planId": \#(plan["id"] as! Int), "period": "2026-Q1"}"#)
            let runID = run["id"] as! Int
            #expect(run["status"] as? String == "draft")
            let summary = (run["statements"] as? [[String: Any]] ?? []).first { $0["userId"] as? Int == 9 }
            #expect(summary?["payout"] as? String == "12250.00")

            let statement = try await app.request(.get, "/api/v1/bonus-runs/\(runID)/statements/9", token: felix)
            #expect(statement.status == .ok)
            let s = try statement.object
            #expect(s["quota"] as? String == "200000.00")
            #expect(s["credited"] as? String == "230000.00")
            #expect(s["attainment"] as? String == "1.15")
            #expect(s["payout"] as? String == "12250.00")
            #expect(s["capApplied"] as? Bool == false)
            let credits = (s["lines"] as? [[String: Any]] ?? []).map { "\($0["phase"] ?? ""):\($0["credit"] ?? ""):\($0["onTime"] ?? "")" }
            #expect(credits == ["Design:120000.00:1", "Rollout:30000.00:0", "Handover:80000.00:1"]
                    || credits == ["Design:120000.00:true", "Rollout:30000.00:false", "Handover:80000.00:true"])
            let tiers = (s["tiers"] as? [[String: Any]] ?? []).map { $0["amount"] as? String ?? "" }
            #expect(tiers == ["10000.00", "2250.00"])
            #expect((s["explanation"] as? [String] ?? []).isEmpty == false, "every amount explained")

            // The run exports as CSV, every line with its amount.
            let csv = try await app.request(.get, "/api/v1/bonus-runs/\(runID)/statements.csv", token: priya)
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.contains("Felix Braun,2026-Q1,phase,Rollout,Rollout,60000.00,2026-03-01,2026-03-09,late,30000.00"))
            #expect(csv.text.contains("Felix Braun,2026-Q1,payout,,,,,,,12250.00"))

            // Who sees it: Felix, Priya above him, the admin; not another project manager, not sales.
            #expect(try await app.request(.get, "/api/v1/bonus-runs/\(runID)/statements/9", token: priya).status == .ok)
            let grace = try await app.signIn("grace.kim@demo.test")
            #expect(try await app.request(.get, "/api/v1/bonus-runs/\(runID)/statements/9", token: grace).status == .notFound)
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.get, "/api/v1/bonus-runs/\(runID)/statements/9", token: ana).status == .notFound)

            // Concurrent approvals: one lock.
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<5 {
                    group.addTask { try await app.request(.post, "/api/v1/bonus-runs/\(runID)/approve", token: admin, json: "{}").status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 4)
            #expect(try await app.request(.post, "/api/v1/bonus-runs/\(runID)/recompute", token: admin, json: "{}").status == .conflict)
            // The database refuses to change a locked run, whatever the code does.
            await #expect(throws: PostgresError.self) { try await app.sql("UPDATE bonus_statements SET payout = 0") }
            await #expect(throws: PostgresError.self) { try await app.sql("DELETE FROM bonus_runs") }

            // Reopening Design after the lock: the next run claws back what it paid, naming the phase.
            try await post(app, "projects/\(project)/phases/\(phases["Design"]!)/reopen", felix, expect: .ok)
            try await post(app, "projects/\(project)/phases/\(phases["Design"]!)/complete", felix, #"{"completedOn": "2026-04-10"}"#, expect: .ok)
            let q2 = try await post(app, "bonus-runs", priya, #"{"planId": \#(plan["id"] as! Int), "period": "2026-Q2"}"#)
            let q2Statement = try await app.request(.get, "/api/v1/bonus-runs/\(q2["id"] as! Int)/statements/9", token: felix).object
            let adjustments = q2Statement["adjustments"] as? [[String: Any]] ?? []
            #expect(adjustments.count == 1)
            #expect(adjustments.first?["amount"] as? String == "-6750.00", "12,250.00 locked − 5,500.00 without Design")
            #expect((adjustments.first?["reason"] as? String)?.contains("Design") == true)
            let q2Lines = (q2Statement["lines"] as? [[String: Any]] ?? []).map { $0["phase"] as? String ?? "" }
            #expect(q2Lines == ["Design"], "its new completion credits the new period")
            #expect(q2Statement["payout"] as? String == "-6750.00", "no Q2 quota: only the adjustment")
        }
    }

    @Test func whatIfComputesWithoutStoring() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let (_, phases) = try await workedExample(app, admin)
            try await post(app, "quotas", admin, #"{"userId": 9, "periodKey": "2026-Q1", "metric": "completed_work", "target": "200000.00"}"#)
            let plan = try await post(app, "bonus-plans", admin, Self.plan)
            let felix = try await app.signIn("felix.braun@demo.test")
            let whatIf = try await post(app, "bonus-runs/what-if", felix, #"""
                {"planId": \#(plan["id"] as! Int), "period": "2026-Q1", "userId": 9,
                 "completions": [{"phaseId": \#(phases["Design"]!), "completedOn": "2026-02-08"},
                                 {"phaseId": \#(phases["Rollout"]!), "completedOn": "2026-03-09"},
                                 {"phaseId": \#(phases["Handover"]!), "completedOn": "2026-03-28"}]}
                """#, expect: .ok)
            #expect(whatIf["payout"] as? String == "12250.00")
            let stored = try await app.sql("SELECT (SELECT count(*) FROM bonus_runs) + (SELECT count(*) FROM project_phases WHERE completed_on IS NOT NULL) AS n")
            #expect(try stored.first!.decode("n", as: Int.self) == 0, "nothing stored")
        }
    }

    @Test func invalidPlansAreRefusedNamingTheField() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let gap = Self.plan.replacingOccurrences(of: #"{"from": "1.00", "to": null"#, with: #"{"from": "1.10", "to": null"#)
            let r = try await app.request(.post, "/api/v1/bonus-plans", token: admin, json: gap)
            #expect(r.status == .unprocessableContent)
            #expect(try r.fieldErrors.keys.contains { $0.hasPrefix("tiers") })
            let negative = Self.plan.replacingOccurrences(of: #""cap": "2.0""#, with: #""cap": "-1""#)
            let n = try await app.request(.post, "/api/v1/bonus-plans", token: admin, json: negative)
            #expect(try n.fieldErrors["cap"] != nil)
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/bonus-plans", token: ana, json: Self.plan).status == .forbidden)
        }
    }
}
