import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Flows 2 and 3: the catalog, the paired proposal, and the order's handoff.
@Suite struct ProposalTests {
    static let assessment = #"""
        {"name": "Network assessment", "description": "Review and roadmap",
         "pricing": {"model": "fixed", "price": "24000.00"}, "typicalDurationDays": 21,
         "phases": [
           {"name": "Discovery", "offsetDays": 0, "lengthDays": 14, "sharePercent": "25",
            "skills": [{"skill": "network engineering", "hours": "40"}]},
           {"name": "Report", "offsetDays": 14, "lengthDays": 7, "sharePercent": "75",
            "skills": [{"skill": "network engineering", "hours": "16"}, {"skill": "writing", "hours": "8"}]}],
         "checklist": [{"text": "Client signed the acceptance form", "required": true},
                       {"text": "Lessons learned recorded", "required": false}]}
        """#

    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String = "{}", expect: HTTPResponse.Status = .created) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == expect, "POST \(path): \(r.text)")
        return try r.object
    }

    /// An account with an opportunity for Dev (sales) and Felix (project manager); returns the opportunity's id.
    func opportunity(_ app: TestApp, _ admin: String) async throws -> Int {
        let account = try await post(app, "accounts", admin, #"{"name": "Northwind", "ownerId": 4}"#)
        let o = try await post(app, "opportunities", admin, #"""
            {"accountId": \#(account["id"] as! Int), "name": "Assessment for Northwind", "stage": "proposal",
             "amount": "20000.00", "closeDate": "2027-03-31", "ownerId": 4,
             "team": [{"userId": 4, "role": "owner", "splitPercent": "60"}, {"userId": 7, "role": "sales_partner", "splitPercent": "40"}]}
            """#)
        return o["id"] as! Int
    }

    @Test func salesAndAProjectManagerTakeAProposalToAProject() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let template = try await post(app, "typical-projects", admin, Self.assessment)
            let templateID = template["id"] as! Int
            let opportunityID = try await opportunity(app, admin)

            let dev = try await app.signIn("dev.patel@demo.test")
            let proposal = try await post(app, "opportunities/\(opportunityID)/proposals", dev, #"""
                {"reviewerId": 9, "proposedStart": "2027-04-01", "validUntil": "2027-03-31", "terms": "Net 30",
                 "lines": [{"typicalProjectId": \#(templateID), "quantity": "1"},
                           {"description": "Travel", "quantity": "10", "unit": "day", "unitPrice": "250.00"}]}
                """#)
            let id = proposal["id"] as! Int
            #expect(proposal["status"] as? String == "draft")
            #expect(proposal["number"] as? Int == 1)
            #expect(proposal["total"] as? String == "26500.00", "24000 from the catalog + 10 × 250")
            let lines = proposal["lines"] as? [[String: Any]] ?? []
            #expect(lines.first?["unitPrice"] as? String == "24000.00")
            #expect(lines.map { $0["kind"] as? String ?? "" } == ["service", "pass_through"])
            #expect(lines.first?["unit"] as? String == "fixed")

            try await post(app, "proposals/\(id)/submit", dev, expect: .ok)
            let felix = try await app.signIn("felix.braun@demo.test")
            // Dev may not approve: only the reviewer.
            try await post(app, "proposals/\(id)/approve", dev, expect: .forbidden)
            let check = try await app.request(.get, "/api/v1/proposals/\(id)/capacity-check", token: felix)
            #expect(check.status == .ok)
            let skills = try (check.object["skills"] as? [[String: Any]] ?? []).map { $0["skill"] as? String ?? "" }
            #expect(skills == ["network engineering", "writing"])
            try await post(app, "proposals/\(id)/approve", felix, expect: .ok)
            try await post(app, "proposals/\(id)/send", dev, expect: .ok)
            let accepted = try await post(app, "proposals/\(id)/accept", dev, #"{"acceptedOn": "2026-11-20"}"#, expect: .ok)
            #expect((accepted["proposal"] as? [String: Any])?["status"] as? String == "accepted")
            let won = accepted["opportunity"] as? [String: Any] ?? [:]
            #expect(won["stage"] as? String == "closed_won")
            #expect(won["wonOn"] as? String == "2026-11-20")
            #expect(won["amount"] as? String == "26500.00")
            let project = accepted["project"] as? [String: Any] ?? [:]
            #expect(project["projectManagerId"] as? Int == 9)
            #expect(project["status"] as? String == "planned")
            // The travel is pass-through: on the order's amount, not in the project's work.
            #expect(project["contractValue"] as? String == "24000.00")
            let items = project["budgetItems"] as? [[String: Any]] ?? []
            #expect(items.map { "\($0["description"] ?? ""):\($0["amount"] ?? "")" } == ["Travel:2500.00"])
            let phases = project["phases"] as? [[String: Any]] ?? []
            #expect(phases.map { $0["name"] as? String ?? "" } == ["Discovery", "Report"])
            #expect(phases.map { $0["start"] as? String ?? "" } == ["2027-04-01", "2027-04-15"])
            #expect(phases.map { $0["due"] as? String ?? "" } == ["2027-04-15", "2027-04-22"])
            #expect(phases.map { $0["value"] as? String ?? "" } == ["6000.00", "18000.00"], "values add up to the services")
            #expect((project["checklist"] as? [Any])?.count == 2)
            let needs = (project["skillNeeds"] as? [[String: Any]] ?? []).map { "\($0["skill"] ?? ""):\($0["hours"] ?? "")" }
            #expect(needs == ["network engineering:40", "network engineering:16", "writing:8"])

            // The history shows the win; accepting again changes nothing.
            let history = try await app.request(.get, "/api/v1/opportunities/\(opportunityID)/history", token: admin)
            #expect(try (history.object["items"] as? [[String: Any]])?.last?["toStage"] as? String == "closed_won")
            let again = try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: dev, json: "{}")
            #expect(again.status == .conflict)
            let projects = try await app.sql("SELECT count(*) AS n FROM projects")
            #expect(try projects.first!.decode("n", as: Int.self) == 1)
            // Editing the template later leaves the project as it was.
            let patched = try await app.request(.patch, "/api/v1/typical-projects/\(templateID)", token: admin,
                json: #"{"name": "Network assessment v2"}"#, headers: [.ifMatch: "\"1\""])
            #expect(patched.status == .ok)
            let reread = try await app.request(.get, "/api/v1/projects/\(project["id"] as! Int)", token: felix)
            #expect(try (reread.object["phases"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func illegalMovesAre409sNamingTheStatus() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let opportunityID = try await opportunity(app, admin)
            let dev = try await app.signIn("dev.patel@demo.test")
            let p = try await post(app, "opportunities/\(opportunityID)/proposals", dev,
                #"{"lines": [{"description": "Advice", "quantity": "2", "unit": "hour", "unitPrice": "150.00"}]}"#)
            let id = p["id"] as! Int
            let send = try await app.request(.post, "/api/v1/proposals/\(id)/send", token: dev, json: "{}")
            #expect(send.status == .conflict)
            #expect(try (send.object["detail"] as? String)?.contains("draft") == true)
            let submit = try await app.request(.post, "/api/v1/proposals/\(id)/submit", token: dev, json: "{}")
            #expect(submit.status == .unprocessableContent, "a reviewer is required")
            #expect(try submit.fieldErrors["reviewerId"] != nil)
            let notPM = try await app.request(.patch, "/api/v1/proposals/\(id)", token: dev, json: #"{"reviewerId": 7}"#,
                                              headers: [.ifMatch: "\"1\""])
            #expect(notPM.status == .unprocessableContent)
            let ok = try await app.request(.patch, "/api/v1/proposals/\(id)", token: dev, json: #"{"reviewerId": 10}"#,
                                           headers: [.ifMatch: "\"1\""])
            #expect(ok.status == .ok)
            try await post(app, "proposals/\(id)/submit", dev, expect: .ok)
            let grace = try await app.signIn("grace.kim@demo.test")
            let noComment = try await app.request(.post, "/api/v1/proposals/\(id)/return", token: grace, json: "{}")
            #expect(noComment.status == .unprocessableContent)
            let returned = try await post(app, "proposals/\(id)/return", grace, #"{"comment": "Add a discovery phase"}"#, expect: .ok)
            #expect(returned["status"] as? String == "draft")
            let events = returned["events"] as? [[String: Any]] ?? []
            #expect(events.last?["comment"] as? String == "Add a discovery phase")
            let edit = try await app.request(.patch, "/api/v1/proposals/\(id)", token: dev, json: #"{"terms": "Net 45"}"#,
                                             headers: [.ifMatch: "\"\(returned["version"] as! Int)\""])
            #expect(edit.status == .ok, "a returned draft can be edited")
        }
    }

    @Test func aNewVersionSupersedesTheOpenOne() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let opportunityID = try await opportunity(app, admin)
            let dev = try await app.signIn("dev.patel@demo.test")
            let body = #"{"lines": [{"description": "Advice", "quantity": "1", "unitPrice": "100.00"}]}"#
            let first = try await post(app, "opportunities/\(opportunityID)/proposals", dev, body)
            let second = try await post(app, "opportunities/\(opportunityID)/proposals", dev, body)
            #expect(second["number"] as? Int == 2)
            let old = try await app.request(.get, "/api/v1/proposals/\(first["id"] as! Int)", token: dev)
            #expect(try old.object["status"] as? String == "superseded")
        }
    }

    @Test func aSentProposalExpiresButCanBeAcceptedByItsDateOfRecord() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let opportunityID = try await opportunity(app, admin)
            let p = try await post(app, "opportunities/\(opportunityID)/proposals", admin,
                #"{"reviewerId": 9, "validUntil": "2026-01-31", "lines": [{"description": "Advice", "quantity": "1", "unitPrice": "100.00"}]}"#)
            let id = p["id"] as! Int
            for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(id)/\(action)", admin, expect: .ok) }
            let read = try await app.request(.get, "/api/v1/proposals/\(id)", token: admin)
            #expect(try read.object["status"] as? String == "expired")
            let late = try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: admin, json: #"{"acceptedOn": "2026-02-01"}"#)
            #expect(late.status == .unprocessableContent)
            let inTime = try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: admin, json: #"{"acceptedOn": "2026-01-30"}"#)
            #expect(inTime.status == .ok)
        }
    }

    @Test func twentyConcurrentAcceptsMakeOneProject() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let opportunityID = try await opportunity(app, admin)
            let p = try await post(app, "opportunities/\(opportunityID)/proposals", admin,
                #"{"reviewerId": 9, "lines": [{"description": "Advice", "quantity": "1", "unitPrice": "100.00"}]}"#)
            let id = p["id"] as! Int
            for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(id)/\(action)", admin, expect: .ok) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: admin, json: "{}").status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 19)
            let projects = try await app.sql("SELECT count(*) AS n FROM projects")
            #expect(try projects.first!.decode("n", as: Int.self) == 1)
        }
    }

    @Test func aFailingHandoffLeavesNothingChanged() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let template = try await post(app, "typical-projects", admin, Self.assessment)
            let opportunityID = try await opportunity(app, admin)
            let p = try await post(app, "opportunities/\(opportunityID)/proposals", admin,
                #"{"reviewerId": 9, "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"}]}"#)
            let id = p["id"] as! Int
            for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(id)/\(action)", admin, expect: .ok) }
            // Break the last step of the handoff: copying the checklist.
            try await app.sql("""
                CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'broken'; END $$;
                """)
            try await app.sql("CREATE TRIGGER refuse BEFORE INSERT ON project_checklist_items FOR EACH ROW EXECUTE FUNCTION refuse()")
            let r = try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: admin, json: "{}")
            #expect(r.status == .internalServerError)
            let state = try await app.sql("""
                SELECT (SELECT status FROM proposals WHERE id = \(Int64(id))) AS proposal,
                       (SELECT stage_key FROM opportunities WHERE id = \(Int64(opportunityID))) AS stage,
                       (SELECT count(*) FROM projects) AS projects,
                       (SELECT count(*) FROM project_phases) AS phases
                """).first!
            #expect(try state.decode("proposal", as: String.self) == "sent")
            #expect(try state.decode("stage", as: String.self) == "proposal")
            #expect(try state.decode("projects", as: Int.self) == 0)
            #expect(try state.decode("phases", as: Int.self) == 0)
        }
    }

    @Test func thePrintableProposalSaysWhoWhatWhenAndHowMuchEscaped() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let template = try await post(app, "typical-projects", admin, Self.assessment)
            let account = try await post(app, "accounts", admin, #"{"name": "<script>alert(1)</script> Corp", "ownerId": 4}"#)
            let o = try await post(app, "opportunities", admin, #"""
                {"accountId": \#(account["id"] as! Int), "name": "Assessment", "stage": "proposal", "closeDate": "2027-03-31", "ownerId": 4}
                """#)
            let p = try await post(app, "opportunities/\(o["id"] as! Int)/proposals", admin, #"""
                {"reviewerId": 9, "proposedStart": "2027-04-01", "validUntil": "2027-03-31", "terms": "Net 30",
                 "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"}]}
                """#)
            let id = p["id"] as! Int
            let page = try await app.request(.get, "/proposals/\(id)/print", headers: [.cookie: "baton_session=\(admin)"])
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt; Corp"))
            #expect(!page.text.contains("<script>alert"))
            for expected in ["Felix Braun", "Discovery", "2027-04-01", "2027-04-15", "USD 24,000.00", "Net 30",
                             "Client signed the acceptance form", "2027-03-31"] {
                #expect(page.text.contains(expected), "the page shows \(expected)")
            }
            #expect(try await app.request(.get, "/proposals/\(id)/print").status == .unauthorized)
            let ben = try await app.signIn("ben.okafor@demo.test")
            #expect(try await app.request(.get, "/proposals/\(id)/print", headers: [.cookie: "baton_session=\(ben)"]).status == .notFound)
            #expect(try await app.request(.get, "/static/print.css").headers[.contentType]?.hasPrefix("text/css") == true)
        }
    }

    @Test func phaseSharesMustAddUpToOneHundred() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let bad = Self.assessment.replacingOccurrences(of: #""sharePercent": "75""#, with: #""sharePercent": "70""#)
            let r = try await app.request(.post, "/api/v1/typical-projects", token: admin, json: bad)
            #expect(r.status == .unprocessableContent)
            #expect(try r.fieldErrors["phases"] != nil)
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/typical-projects", token: ana, json: Self.assessment).status == .forbidden)
        }
    }

    /// Issue 17: 46,499.99 of services and 1,485.00 of travel. The client pays 47,984.99
    /// and the order is won at that; the project is worth 46,499.99, its phases add up to
    /// it, the travel is a budget item, and completing every phase credits the services only.
    @Test func travelChangesNeitherPhaseValuesNorCredit() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let template = try await post(app, "typical-projects", admin, #"""
                {"name": "Cloud move", "pricing": {"model": "fixed", "price": "46499.99"},
                 "phases": [{"name": "Plan", "offsetDays": 0, "lengthDays": 10, "sharePercent": "33.33", "skills": []},
                            {"name": "Move", "offsetDays": 10, "lengthDays": 30, "sharePercent": "33.33", "skills": []},
                            {"name": "Hypercare", "offsetDays": 40, "lengthDays": 14, "sharePercent": "33.34", "skills": []}]}
                """#)
            let opportunityID = try await opportunity(app, admin)
            let proposal = try await post(app, "opportunities/\(opportunityID)/proposals", admin, #"""
                {"reviewerId": 9, "proposedStart": "2026-07-01",
                 "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"},
                           {"description": "Travel", "quantity": "1", "unit": "fixed", "unitPrice": "1485.00"}]}
                """#)
            #expect(proposal["total"] as? String == "47984.99")
            #expect(proposal["serviceValue"] as? String == "46499.99")
            #expect(proposal["passThroughValue"] as? String == "1485.00")
            let id = proposal["id"] as! Int
            for action in ["submit", "approve", "send"] { try await post(app, "proposals/\(id)/\(action)", admin, expect: .ok) }
            let accepted = try await post(app, "proposals/\(id)/accept", admin, #"{"acceptedOn": "2026-06-20"}"#, expect: .ok)
            #expect((accepted["opportunity"] as? [String: Any])?["amount"] as? String == "47984.99")
            let projectID = (accepted["project"] as? [String: Any])?["id"] as! Int
            let project = try await app.request(.get, "/api/v1/projects/\(projectID)", token: admin).object
            #expect(project["contractValue"] as? String == "46499.99")
            let phases = project["phases"] as? [[String: Any]] ?? []
            #expect(phases.map { $0["value"] as? String ?? "" } == ["15498.45", "15498.45", "15503.09"])
            let sum = phases.reduce(Decimal(0)) { $0 + (Decimal(string: $1["value"] as? String ?? "") ?? 0) }
            #expect(sum == Decimal(string: "46499.99")!)
            let items = project["budgetItems"] as? [[String: Any]] ?? []
            #expect(items.map { "\($0["description"] ?? ""):\($0["amount"] ?? "")" } == ["Travel:1485.00"])

            // Felix completes every phase on time in 2026-Q3; his bonus credits the services
            // only: 46,499.99 against a quota of 30,000.00, retroactive at 1.5 on a target of
            // 5,000.00 → 5,000 × 1.5 × 46,499.99 ÷ 30,000 = 11,624.9975 → 11,625.00.
            let felix = try await app.signIn("felix.braun@demo.test")
            for phase in phases {
                let due = phase["due"] as? String ?? ""
                try await post(app, "projects/\(projectID)/phases/\(phase["id"] as! Int)/complete", felix,
                               #"{"completedOn": "\#(due)"}"#, expect: .ok)
            }
            try await post(app, "quotas", admin, #"{"userId": 9, "periodKey": "2026-Q3", "metric": "completed_work", "target": "30000.00"}"#)
            let plan = try await post(app, "bonus-plans", admin, #"""
                {"name": "PM retroactive", "method": "retroactive", "periodType": "quarter", "targetBonus": "5000.00",
                 "threshold": "0.50", "tiers": [{"from": "0", "to": "1.00", "rate": "1.0"}, {"from": "1.00", "to": null, "rate": "1.5"}],
                 "cap": "3.0", "lateCreditPercent": "50"}
                """#)
            try await post(app, "bonus-plans/\(plan["id"] as! Int)/members", admin, #"{"managerId": 3, "from": "2026-01-01"}"#)
            let run = try await post(app, "bonus-runs", admin, #"{"planId": \#(plan["id"] as! Int), "period": "2026-Q3"}"#)
            let statement = try await app.request(.get, "/api/v1/bonus-runs/\(run["id"] as! Int)/statements/9", token: felix).object
            #expect(statement["credited"] as? String == "46499.99", "the travel earns no credit")
            #expect(statement["payout"] as? String == "11625.00")

            // A free-text line that says it is a service counts as work; a catalog line
            // cannot be pass-through.
            let opportunity2 = try await opportunity(app, admin)
            let mixed = try await post(app, "opportunities/\(opportunity2)/proposals", admin, #"""
                {"lines": [{"description": "Extra workshop", "quantity": "1", "unitPrice": "1200.00", "kind": "service"},
                           {"description": "Hotel", "quantity": "2", "unitPrice": "150.00"}]}
                """#)
            #expect((mixed["lines"] as? [[String: Any]] ?? []).map { $0["kind"] as? String ?? "" } == ["service", "pass_through"])
            let refused = try await app.request(.post, "/api/v1/opportunities/\(opportunity2)/proposals", token: admin, json: #"""
                {"lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1", "kind": "pass_through"}]}
                """#)
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.contains("lines[0].kind"))
        }
    }

    @Test func theCapacityCheckSubtractsAssignments() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            // One skill, one phase of 14 days needing 100 hours, from 2027-04-01.
            let template = try await post(app, "typical-projects", admin, #"""
                {"name": "Fiber survey", "pricing": {"model": "fixed", "price": "1000.00"},
                 "phases": [{"name": "Survey", "offsetDays": 0, "lengthDays": 14, "sharePercent": "100",
                             "skills": [{"skill": "fiber splicing", "hours": "100"}]}]}
                """#)
            // Two people have the skill at 40 h/week (80 h each over two weeks)…
            for person in [12, 13] {
                let r = try await app.request(.put, "/api/v1/users/\(person)/skills", token: admin, json: #"[{"skill": "fiber splicing", "level": 3}]"#)
                #expect(r.status == .ok)
            }
            // …and one of them is booked 20 h/week for the first week (from the demo's accepted work).
            let opportunityID = try await opportunity(app, admin)
            let p = try await post(app, "opportunities/\(opportunityID)/proposals", admin, #"""
                {"reviewerId": 9, "proposedStart": "2027-04-01",
                 "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"}]}
                """#)
            let other = try await post(app, "opportunities/\(opportunityID)/proposals", admin, #"""
                {"reviewerId": 9, "proposedStart": "2027-04-01",
                 "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"}]}
                """#)
            for action in ["submit", "approve", "send", "accept"] { try await post(app, "proposals/\(other["id"] as! Int)/\(action)", admin, expect: .ok) }
            let project = try await app.sql("SELECT id FROM projects").first!.decode("id", as: Int64.self)
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week)
                VALUES (\(project), 12, 'splicer', '2027-04-01', '2027-04-07', 20)
                """)
            _ = p
            let check = try await app.request(.get, "/api/v1/proposals/\(other["id"] as! Int)/capacity-check", token: admin)
            let skill = try (check.object["skills"] as? [[String: Any]])?.first ?? [:]
            #expect(skill["hoursNeeded"] as? String == "100")
            // Each hour counts once: of the 80 + (80 − 20) = 140 h free, the allocation gives the skill the 100 h it needs.
            #expect(skill["hoursFree"] as? String == "100", "140 h free, 100 of them allocated")
            #expect(skill["shortfall"] as? String == "0")
            #expect(skill["people"] as? Int == 2)
        }
    }
}
