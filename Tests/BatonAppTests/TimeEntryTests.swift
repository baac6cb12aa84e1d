import BatonApp
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres
import Testing

/// Time entry, approval, rates and budget against actuals through the API, and the
/// issue's hand case: budget 200 h at a standard cost of 60/h and a value of
/// 30,000.00; 230 h by two people at different cost rates.
@Suite struct TimeEntryTests {
    struct Setup {
        var projectID: Int64
        var phaseID: Int64
        var pmEmail: String
        var people: [(id: Int64, email: String, assignment: Int64)]
    }

    /// Reshapes a demo project into the hand case: one phase of value 30,000.00 with one
    /// need of 200 h, two consultants assigned to it from 2024-01-01 to 2024-12-31.
    static func handCase(_ app: TestApp) async throws -> Setup {
        let project: Int64 = try await app.sql("""
            SELECT a.project_id FROM assignments a JOIN projects p ON p.id = a.project_id
            WHERE p.project_manager_id IS NOT NULL GROUP BY a.project_id HAVING count(DISTINCT a.user_id) >= 2
            ORDER BY a.project_id LIMIT 1
            """).first!.decode("project_id")
        let phase: Int64 = try await app.sql("SELECT id FROM project_phases WHERE project_id = \(project) ORDER BY position LIMIT 1")
            .first!.decode("id")
        let skill: Int64 = try await app.sql("SELECT id FROM skills WHERE name = 'network engineering'").first!.decode("id")
        try await app.sql("UPDATE assignments SET phase_id = NULL, skill_id = NULL WHERE project_id = \(project)")
        try await app.sql("DELETE FROM project_phases WHERE project_id = \(project) AND id <> \(phase)")
        try await app.sql("DELETE FROM project_skill_needs WHERE phase_id = \(phase)")
        try await app.sql("INSERT INTO project_skill_needs (phase_id, skill_id, hours) VALUES (\(phase), \(skill), 200)")
        try await app.sql("""
            UPDATE project_phases SET value = 30000, start_date = '2024-01-01', due_date = '2024-12-31', completed_on = NULL
            WHERE id = \(phase)
            """)
        try await app.sql("UPDATE projects SET contract_value = 30000 WHERE id = \(project)")
        let rows = try await app.sql("""
            SELECT DISTINCT ON (a.user_id) a.id, a.user_id, u.email FROM assignments a JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(project) ORDER BY a.user_id, a.id LIMIT 2
            """)
        var people: [(id: Int64, email: String, assignment: Int64)] = []
        for row in rows {
            let id: Int64 = try row.decode("id")
            try await app.sql("""
                UPDATE assignments SET phase_id = \(phase), skill_id = \(skill), start_date = '2024-01-01', end_date = '2024-12-31'
                WHERE id = \(id)
                """)
            people.append((try row.decode("user_id"), try row.decode("email"), id))
        }
        // A project manager above neither person, so that project and internal time have different judges.
        let pm: String = try await app.sql("""
            SELECT u.email FROM users u WHERE 'project_manager' = ANY (u.roles)
              AND u.id NOT IN (SELECT user_id FROM managers_above(\(people[0].id)))
              AND u.id NOT IN (SELECT user_id FROM managers_above(\(people[1].id))) ORDER BY u.id LIMIT 1
            """).first!.decode("email")
        try await app.sql("UPDATE projects SET project_manager_id = (SELECT id FROM users WHERE email = \(pm)) WHERE id = \(project)")
        _ = try await app.sql("SELECT * FROM project_time_actuals(\(project))")
        return Setup(projectID: project, phaseID: phase, pmEmail: pm, people: people)
    }

    /// Records `days` weekdays of `hours` from Monday 2024-03-04 on, submits each week, and the PM approves them.
    static func work(_ app: TestApp, _ token: String, assignment: Int64, days: Int, hours: String) async throws -> [String] {
        var weeks: [String] = []
        var day = CalendarDate("2024-03-04")!
        var recorded = 0
        while recorded < days {
            if day.isoWeekday <= 5 {
                let made = try await app.request(.post, "/api/v1/time-entries", token: token,
                                                 json: #"{"day": "\#(day)", "hours": "\#(hours)", "assignmentId": \#(assignment), "note": "site work"}"#)
                #expect(made.status == .created, "\(day): \(made.text)")
                recorded += 1
                let monday = day.adding(days: -(day.isoWeekday - 1)).description
                if weeks.last != monday { weeks.append(monday) }
            }
            day = day.adding(days: 1)
        }
        for week in weeks {
            let submitted = try await app.request(.post, "/api/v1/timesheet/submit", token: token, json: #"{"week": "\#(week)"}"#)
            #expect(submitted.status == .ok)
            #expect(try submitted.object["status"] as? String == "submitted")
        }
        return weeks
    }

    /// The hand case's cost rates (50/h and 70/h from 2020) and its 230 h, submitted:
    /// 150 h (15 weekdays of 10 h from 2024-03-04, to 03-22) by the first person and 80 h
    /// (8 days, to 03-13) by the second. Returns the first person's token and both sets of weeks.
    static func submitHandCaseHours(_ app: TestApp, _ setup: Setup, admin: String) async throws -> (String, [String], [String]) {
        for (person, rate) in zip(setup.people, ["50.00", "70.00"]) {
            let set = try await app.request(.post, "/api/v1/cost-rates", token: admin,
                                            json: #"{"userId": \#(person.id), "effectiveFrom": "2020-01-01", "hourly": "\#(rate)"}"#)
            #expect(set.status == .ok)
        }
        try await app.sql("DELETE FROM time_off")
        let first = try await app.signIn(setup.people[0].email)
        let second = try await app.signIn(setup.people[1].email)
        return (first, try await work(app, first, assignment: setup.people[0].assignment, days: 15, hours: "10"),
                try await work(app, second, assignment: setup.people[1].assignment, days: 8, hours: "10"))
    }

    @Test func theHandCaseAgreesWithHandArithmetic() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await Self.handCase(app)
            let admin = try await app.signIn("admin@demo.test")
            let skill: Int64 = try await app.sql("SELECT id FROM skills WHERE name = 'network engineering'").first!.decode("id")
            // The budget is planned at a standard cost of 60/h; the two people cost 50/h and 70/h.
            let bill = try await app.request(.post, "/api/v1/bill-rates", token: admin,
                                             json: #"{"skillId": \#(skill), "effectiveFrom": "2020-01-01", "hourly": "150.00", "standardCost": "60.00"}"#)
            #expect(bill.status == .created)
            let (first, weeksA, weeksB) = try await Self.submitHandCaseHours(app, setup, admin: admin)
            let pm = try await app.signIn(setup.pmEmail)
            // Before approval nothing is actual: it waits.
            let waiting = try await app.request(.get, "/api/v1/projects/\(setup.projectID)/budget", token: pm)
            #expect(waiting.status == .ok)
            let waitingTotal = try waiting.object["total"] as? [String: Any]
            #expect(waitingTotal?["actualHours"] as? String == "0")
            #expect(waitingTotal?["waitingHours"] as? String == "230")
            for (person, weeks) in [(setup.people[0], weeksA), (setup.people[1], weeksB)] {
                for week in weeks {
                    let approved = try await app.request(.post, "/api/v1/timesheet/approve", token: pm,
                                                         json: #"{"userId": \#(person.id), "week": "\#(week)"}"#)
                    #expect(approved.status == .ok, "\(approved.text)")
                    #expect(try approved.object["status"] as? String == "approved")
                }
            }
            let budget = try await app.request(.get, "/api/v1/projects/\(setup.projectID)/budget", token: pm)
            #expect(try budget.object["showsCost"] as? Bool == true)
            let phase = try (budget.object["phases"] as? [[String: Any]])?.first
            // By hand: budget cost 200 × 60 = 12,000.00; actual cost 150 × 50 + 80 × 70 = 13,100.00;
            // margin 30,000.00 − 13,100.00 = 16,900.00, 56.33 % of value; 230 / 200 = 115.0 % of the hours.
            #expect(phase?["budgetHours"] as? String == "200")
            #expect(phase?["actualHours"] as? String == "230")
            #expect(phase?["budgetCost"] as? String == "12000.00")
            #expect(phase?["actualCost"] as? String == "13100.00")
            #expect(phase?["value"] as? String == "30000.00")
            #expect(phase?["budgetMargin"] as? String == "18000.00")
            #expect(phase?["margin"] as? String == "16900.00")
            #expect(phase?["marginPercent"] as? String == "56.33")
            #expect(phase?["hoursUsedPercent"] as? String == "115")
            #expect(phase?["overBudget"] as? Bool == true)
            #expect(phase?["estimateToComplete"] as? String == "0")
            let total = try budget.object["total"] as? [String: Any]
            #expect(total?["margin"] as? String == "16900.00")
            #expect(try (budget.object["burn"] as? [[String: Any]])?.last?["cumulative"] as? String == "230")
            // The project's budget page shows the same margin.
            let html = try await app.request(.get, "/projects/\(setup.projectID)/budget", headers: [.cookie: "baton_session=\(pm)"])
            #expect(html.status == .ok)
            #expect(html.text.contains(#"<td id="total-margin">USD 16,900.00</td>"#))
            #expect(html.text.contains("over budget"))
            // The PM's estimate to complete moves the forecast.
            let estimated = try await app.request(.put, "/api/v1/projects/\(setup.projectID)/phases/\(setup.phaseID)/estimate", token: pm,
                                                  json: #"{"estimateToComplete": "12.5"}"#)
            #expect(estimated.status == .ok)
            #expect(try ((estimated.object["phases"] as? [[String: Any]])?.first?["forecastHours"] as? String) == "242.5")
            // A consultant on the project sees hours, never cost.
            let consultant = try await app.request(.get, "/api/v1/projects/\(setup.projectID)/budget", token: first)
            #expect(try consultant.object["showsCost"] as? Bool == false)
            #expect(try (consultant.object["phases"] as? [[String: Any]])?.first?["actualCost"] as? String == nil)
            #expect(try (consultant.object["phases"] as? [[String: Any]])?.first?["actualHours"] as? String == "230")
            #expect(try await app.request(.put, "/api/v1/projects/\(setup.projectID)/phases/\(setup.phaseID)/estimate", token: first,
                                          json: #"{"estimateToComplete": "1"}"#).status == .forbidden)
            // The profitability report says the same once the phase is completed (its value is then earned).
            try await app.sql("UPDATE project_phases SET completed_on = '2024-06-28' WHERE id = \(setup.phaseID)")
            let report = try await app.request(.get, "/api/v1/reports/profitability?by=project&from=2024-01-01&to=2024-12-31", token: admin)
            #expect(report.status == .ok)
            let line = try (report.object["lines"] as? [[String: Any]])?.first { $0["key"] as? String == String(setup.projectID) }
            #expect(line?["hours"] as? String == "230")
            #expect(line?["cost"] as? String == "13100.00")
            #expect(line?["value"] as? String == "30000.00")
            #expect(line?["margin"] as? String == "16900.00")
            #expect(line?["marginPercent"] as? String == "56.33")
            #expect(line?["overBudget"] as? Bool == true)
            let quarters = try await app.request(.get, "/api/v1/reports/profitability?by=quarter&from=2024-01-01&to=2024-12-31", token: admin)
            // Cost in Q1 (March), value in Q2 (June).
            #expect(try (quarters.object["lines"] as? [[String: Any]])?.map { $0["label"] as? String ?? "" } == ["2024-Q1", "2024-Q2"])
            #expect(try (quarters.object["total"] as? [String: Any])?["margin"] as? String == "16900.00")
            let csv = try await app.request(.get, "/api/v1/reports/profitability?by=project&from=2024-01-01&to=2024-12-31&format=csv", token: admin)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(csv.text.contains("230,13100.00,30000.00,16900.00,56.33"))
            // The report's page: the same margin in its table's footer, with the CSV link beside the chart.
            let reportPage = try await app.request(.get, "/reports/profitability?by=project&from=2024-01-01&to=2024-12-31",
                                                   headers: [.cookie: "baton_session=\(admin)"])
            #expect(reportPage.status == .ok)
            #expect(reportPage.text.contains(#"<td class="num" id="profitability-margin">USD 16,900.00</td>"#))
            #expect(reportPage.text.contains("format=csv"))
            #expect(reportPage.text.contains(#"id="utilization-chart""#))
            #expect(try await app.request(.get, "/reports/profitability", headers: [.cookie: "baton_session=\(pm)"]).status == .forbidden)
            // Utilization: the first person's 150 billable hours over her working hours in the window.
            let people = try report.object["utilization"] as? [[String: Any]] ?? []
            #expect(people.first { ($0["userId"] as? Int).map(Int64.init) == setup.people[0].id }?["billableHours"] as? String == "150")
            // Cost is for managers and admins: the project's manager without the role is refused.
            #expect(try await app.request(.get, "/api/v1/reports/profitability", token: pm).status == .forbidden)

            // The bonus "to standard" (issue 22, item 5): a plan crediting a phase beyond 110 % of its
            // budget hours at 50 %. By hand: 230 / 200 = 115.0 % > 110 %, the phase was on time
            // (completed 2024-06-28, due 2024-12-31), so its credit is 50 % of 30,000.00 = 15,000.00;
            // against a quota of 30,000.00 the attainment is 0.5 and the single tier at rate 1.0 pays
            // 10,000.00 × 1.0 × 0.5 = 5,000.00 (full credit would have paid 10,000.00).
            let pmID: Int64 = try await app.sql("SELECT id FROM users WHERE email = \(setup.pmEmail)").first!.decode("id")
            try await app.sql("DELETE FROM bonus_plan_members")
            let quota = try await app.request(.post, "/api/v1/quotas", token: admin, json: #"""
                {"userId": \#(pmID), "periodKey": "2024-Q2", "metric": "completed_work", "target": "30000.00"}
                """#)
            #expect(quota.status == .created, "\(quota.text)")
            let plan = try await app.request(.post, "/api/v1/bonus-plans", token: admin, json: #"""
                {"name": "PM to standard", "targetBonus": "10000.00", "tiers": [{"from": "0", "to": null, "rate": "1.0"}],
                 "lateCreditPercent": "50", "budgetTolerancePercent": "110", "overBudgetCreditPercent": "50"}
                """#)
            #expect(plan.status == .created, "\(plan.text)")
            #expect(try plan.object["budgetTolerancePercent"] as? String == "110")
            let planID = try plan.object["id"] as? Int ?? 0
            #expect(try await app.request(.post, "/api/v1/bonus-plans/\(planID)/members", token: admin,
                                          json: #"{"userId": \#(pmID), "from": "2024-01-01"}"#).status == .created)
            let run = try await app.request(.post, "/api/v1/bonus-runs", token: admin, json: #"{"planId": \#(planID), "period": "2024-Q2"}"#)
            #expect(run.status == .created, "\(run.text)")
            let runID = try run.object["id"] as? Int ?? 0
            let statement = try await app.request(.get, "/api/v1/bonus-runs/\(runID)/statements/\(pmID)", token: admin).object
            let credited = (statement["lines"] as? [[String: Any]])?.first
            #expect(credited?["phaseId"] as? Int == Int(setup.phaseID))
            #expect(credited?["value"] as? String == "30000.00")
            #expect(credited?["onTime"] as? Bool == true)
            // The statement's hours are the project page's: the same 200 budgeted and 230 approved.
            #expect(credited?["budgetHours"] as? String == phase?["budgetHours"] as? String)
            #expect(credited?["actualHours"] as? String == phase?["actualHours"] as? String)
            #expect(credited?["withinBudget"] as? Bool == false)
            #expect(credited?["credit"] as? String == "15000.00")
            #expect(statement["credited"] as? String == "15000.00")
            #expect(statement["payout"] as? String == "5000.00")
            let reduction = "took 230 h against a budget of 200 h (115%), beyond the 110% tolerance: credited at 50% of 30,000.00 = 15,000.00"
            #expect((statement["explanation"] as? [String] ?? []).contains { $0.contains(reduction) }, "\(statement["explanation"] ?? "")")
            // The statement page says it in the same words; the report's margin is the project page's.
            let statementPage = try await app.request(.get, "/bonus/\(runID)/\(pmID)", headers: [.cookie: "baton_session=\(admin)"])
            #expect(statementPage.text.contains(reduction))
            #expect(line?["margin"] as? String == total?["margin"] as? String)
        }
    }

    @Test func aTimesheetKeepsItsRules() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await Self.handCase(app)
            try await app.sql("DELETE FROM time_off")
            let person = setup.people[0]
            let token = try await app.signIn(person.email)
            func entry(_ day: String, _ hours: String) async throws -> TestResponse {
                try await app.request(.post, "/api/v1/time-entries", token: token,
                                      json: #"{"day": "\#(day)", "hours": "\#(hours)", "assignmentId": \#(person.assignment)}"#)
            }
            #expect(try await entry("2024-04-01", "20").status == .created)
            // Beyond 24 h a day: refused, saying so.
            let over = try await entry("2024-04-01", "5")
            #expect(over.status == .unprocessableContent)
            #expect(try over.fieldErrors["hours"]?.contains("at most 24") == true)
            // Outside the assignment.
            #expect(try await entry("2025-01-06", "4").fieldErrors["day"] != nil)
            // Neither an assignment nor internal work; an unknown internal kind.
            let neither = try await app.request(.post, "/api/v1/time-entries", token: token, json: #"{"day": "2024-04-02", "hours": "1"}"#)
            #expect(try neither.fieldErrors["assignmentId"] != nil)
            let unknown = try await app.request(.post, "/api/v1/time-entries", token: token,
                                                json: #"{"day": "2024-04-02", "hours": "1", "internalKind": "golf"}"#)
            #expect(try unknown.fieldErrors["internalKind"] != nil)
            // A day of approved time off.
            try await app.sql("""
                INSERT INTO time_off (user_id, kind, start_date, end_date, status) VALUES (\(person.id), 'vacation', '2024-04-03', '2024-04-03', 'approved')
                """)
            let off = try await entry("2024-04-03", "2")
            #expect(try off.fieldErrors["day"]?.contains("time off") == true)
            // Internal time, approved by the person's manager, not the project's.
            let training = try await app.request(.post, "/api/v1/time-entries", token: token,
                                                 json: #"{"day": "2024-04-02", "hours": "3", "internalKind": "training", "note": "course"}"#)
            #expect(training.status == .created)
            let sheet = try await app.request(.get, "/api/v1/timesheet?week=2024-04-03", token: token)
            #expect(try sheet.object["week"] as? String == "2024-04-01")
            #expect(try sheet.object["total"] as? String == "23")
            #expect(try (sheet.object["dayTotals"] as? [String])?.prefix(2) == ["20", "3"])
            #expect(try (sheet.object["lines"] as? [[String: Any]])?.contains { $0["internalKind"] as? String == "training" } == true)
            #expect(try await app.request(.post, "/api/v1/timesheet/submit", token: token, json: #"{"week": "2024-04-01"}"#).status == .ok)
            let pm = try await app.signIn(setup.pmEmail)
            // Returning needs a reason.
            let bare = try await app.request(.post, "/api/v1/timesheet/return", token: pm, json: #"{"userId": \#(person.id), "week": "2024-04-01"}"#)
            #expect(try bare.fieldErrors["comment"] != nil)
            let approved = try await app.request(.post, "/api/v1/timesheet/approve", token: pm, json: #"{"userId": \#(person.id), "week": "2024-04-01"}"#)
            // The project's manager sees (and decides) only the project's part of the week.
            #expect(try approved.object["status"] as? String == "approved")
            let entries = try approved.object["entries"] as? [[String: Any]] ?? []
            #expect(entries.count == 1)
            let mine = try await app.request(.get, "/api/v1/timesheet?week=2024-04-01", token: token)
            #expect(try mine.object["status"] as? String == "mixed")
            #expect(try (mine.object["entries"] as? [[String: Any]])?.first { $0["internalKind"] as? String == "training" }?["status"] as? String == "submitted")
            let manager: String = try await app.sql("SELECT m.email FROM users u JOIN users m ON m.id = u.manager_id WHERE u.id = \(person.id)")
                .first!.decode("email")
            let boss = try await app.signIn(manager)
            let returned = try await app.request(.post, "/api/v1/timesheet/return", token: boss,
                                                 json: #"{"userId": \#(person.id), "week": "2024-04-01", "comment": "which course?"}"#)
            #expect(returned.status == .ok)
            let back = try (returned.object["entries"] as? [[String: Any]])?.first { $0["internalKind"] as? String == "training" }
            #expect(back?["status"] as? String == "returned")
            #expect(back?["returnComment"] as? String == "which course?")
            // Approved entries are locked; a correction is a new entry.
            let approvedID = try #require(entries.first?["id"] as? Int)
            let locked = try await app.request(.patch, "/api/v1/time-entries/\(approvedID)", token: token,
                                               json: #"{"hours": "8"}"#, headers: [.ifMatch: "\"3\""])
            #expect(locked.status == .conflict)
            let correction = try await app.request(.post, "/api/v1/time-entries", token: token, json: """
                {"day": "2024-04-01", "hours": "-2", "assignmentId": \(person.assignment), "correctsId": \(approvedID), "note": "two hours were travel"}
                """)
            #expect(correction.status == .created)
            // Copy last week: its rows come over as drafts (20 h of project time, 3 h of training), not the correction.
            let copied = try await app.request(.post, "/api/v1/timesheet/copy-last-week", token: token, json: #"{"week": "2024-04-08"}"#)
            #expect(copied.status == .ok)
            #expect(try copied.object["total"] as? String == "23")
            #expect(try copied.object["status"] as? String == "open")
            // Someone outside sees nothing.
            let stranger = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.get, "/api/v1/time-entries/\(approvedID)", token: stranger).status == .notFound)
        }
    }

    @Test func entriesImportAllOrNothingAndExportInTheSameShape() async throws {
        try await TestApp.run(business: true) { app in
            let setup = try await Self.handCase(app)
            try await app.sql("DELETE FROM time_off")
            let admin = try await app.signIn("admin@demo.test")
            let names = try await app.sql("SELECT p.name AS project, ph.name AS phase FROM project_phases ph JOIN projects p ON p.id = ph.project_id WHERE ph.id = \(setup.phaseID)").first!
            let project: String = try names.decode("project")
            let phase: String = try names.decode("phase")
            let email = setup.people[0].email
            func post(_ csv: String) async throws -> TestResponse {
                try await app.client.execute(uri: "/api/v1/time-entries/import", method: .post,
                                             headers: [.authorization: "Bearer \(admin)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
            }
            let header = "date,person email,project,phase,hours,note\n"
            // One row beyond 24 h refuses the whole file, naming its line.
            let bad = try await post(header + "2024-05-06,\(email),\(project),\(phase),7.5,cabling\n2024-05-07,\(email),\(project),\(phase),30,too much\n")
            #expect(bad.status == .unprocessableContent)
            #expect(try bad.fieldErrors["line 3"]?.contains("24") == true)
            let none: Int = try await app.sql("SELECT count(*) AS n FROM time_entries").first!.decode("n")
            #expect(none == 0)
            let good = try await post(header + "2024-05-06,\(email),\(project),\(phase),7.5,cabling\n2024-05-06,\(email),,training,1,course\n")
            #expect(good.status == .ok)
            #expect(try good.object["imported"] as? Int == 2)
            let export = try await app.request(.get, "/api/v1/time-entries/export?from=2024-05-06&to=2024-05-06", token: admin)
            #expect(export.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(export.text.contains("2024-05-06,\(email),\(project),\(phase),7.5,cabling"))
            #expect(export.text.contains("2024-05-06,\(email),,training,1,course"))
        }
    }

    @Test func ratesAreSeenByManagersAndAdminsOnly() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let ivy = try await app.id(of: "ivy.chen@demo.test", token: admin)
            #expect(try await app.request(.post, "/api/v1/cost-rates", token: admin,
                                          json: #"{"userId": \#(ivy), "effectiveFrom": "2024-01-01", "hourly": "55.00"}"#).status == .ok)
            let raised = try await app.request(.post, "/api/v1/cost-rates", token: admin,
                                               json: #"{"userId": \#(ivy), "effectiveFrom": "2025-01-01", "hourly": "58.50"}"#)
            #expect(try raised.object["hourly"] as? String == "58.50")
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let seen = try await app.request(.get, "/api/v1/cost-rates?userId=\(ivy)", token: morgan)
            #expect(seen.status == .ok)
            #expect(try (seen.object["items"] as? [[String: Any]])?.map { $0["hourly"] as? String } == ["55.00", "58.50"])
            // A consultant and a project manager: refused by the API.
            for email in ["ivy.chen@demo.test", "felix.braun@demo.test"] {
                let token = try await app.signIn(email)
                #expect(try await app.request(.get, "/api/v1/cost-rates", token: token).status == .forbidden)
                #expect(try await app.request(.get, "/api/v1/bill-rates", token: token).status == .forbidden)
            }
            // Managers read, only admins set.
            #expect(try await app.request(.post, "/api/v1/cost-rates", token: morgan,
                                          json: #"{"userId": \#(ivy), "effectiveFrom": "2026-01-01", "hourly": "99.00"}"#).status == .forbidden)
            // And PostgreSQL hides the rows from a query that forgot to ask.
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "rls"))
            defer { Task { await pool.shutdown() } }
            func count(as email: String) async throws -> Int {
                let viewer = try await app.id(of: email, token: admin)
                return try await ActingRole.$current.withValue(.init(role: "baton_member", settings: ["baton.acting_user": String(viewer)])) {
                    try await pool.withConnection { try await $0.query("SELECT count(*) AS n FROM cost_rates").first!.decode("n", as: Int.self) }
                }
            }
            #expect(try await count(as: "ivy.chen@demo.test") == 0)
            #expect(try await count(as: "felix.braun@demo.test") == 0)
            #expect(try await count(as: "morgan.reyes@demo.test") == 2)
        }
    }
}
