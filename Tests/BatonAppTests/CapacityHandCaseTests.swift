@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 18's "Done when", held to one hand-computed case at the API.
///
/// Ivy Chen (12) holds network engineering and security, alone in the firm once the
/// others' are removed; 40 h a week, Monday to Friday. The won assessment starts Monday
/// 2027-04-05: Discovery [04-05, 04-19) needs 40 h network engineering; Report
/// [04-19, 04-26) needs 16 h network engineering and (changed from writing) 8 h security.
/// Ivy's calendar: a public holiday on Wednesday 04-21, approved vacation Thursday 04-22
/// and Friday 04-23.
///
/// By hand:
/// - Discovery window: 10 weekdays × 8 h = 80 h. Report window: 40 − 8 − 16 = 16 h.
/// - Capacity verdict: network engineering takes 40 h of 80 and 16 h of 16; security's
///   8 h compete for the same 16 h and get none: "Short by 8 h", in security; 56 h used.
/// - Suggestions for Report's security need: Ivy, 16 h free in its window.
/// - Partial-week hand-off on Discovery: 40 h a week Monday 04-05 to Thursday 04-08
///   (32 h), then 4 h a day Friday 04-09 to Monday 04-12 (8 h): 40 h, the need covered,
///   no suggestions; week of 04-05 holds 36 h of 40, not overbooked.
/// - Report: network engineering 8 h a day Monday 04-19 and Tuesday 04-20 (16 h, all her
///   hours); security 8 h more on Tuesday 04-20 is refused: "2027-04-20 (16 h against 8 h)".
///   (A booking on the holiday or a day off takes no hours at all: it is not a working day.)
/// - Delivery report 04-05 to 04-25: network engineering 56 h assigned, security 0; by
///   skill, Ivy's 96 working hours once: network engineering 56 + 20, security 20.
/// - Growth: the two skills' capacities add up to Ivy's working hours over the horizon
///   once (each hour counted once), whatever the demand.
@Suite struct CapacityHandCaseTests {
    /// Ivy alone in the two skills, the won assessment, the holiday and her days off.
    private func handCase(_ app: TestApp) async throws -> (admin: String, felix: String, project: Int, proposal: Int, discovery: Int, report: Int) {
        let admin = try await app.signIn("admin@demo.test")
        try await app.sql("""
            DELETE FROM user_skills WHERE user_id <> 12
              AND skill_id IN (SELECT id FROM skills WHERE lower(name) IN ('network engineering', 'security'))
            """)
        let project = try await DeliveryTests().wonProject(app, admin)
        let id = project["id"] as! Int
        let proposal = project["proposalId"] as! Int
        let phases = project["phases"] as! [[String: Any]]
        let (discovery, report) = (phases[0]["id"] as! Int, phases[1]["id"] as! Int)
        try await app.sql("""
            UPDATE typical_project_phase_skills SET skill_id = (SELECT id FROM skills WHERE lower(name) = 'security')
            WHERE skill_id = (SELECT id FROM skills WHERE lower(name) = 'writing')
            """)
        try await app.sql("""
            UPDATE project_skill_needs SET skill_id = (SELECT id FROM skills WHERE lower(name) = 'security')
            WHERE skill_id = (SELECT id FROM skills WHERE lower(name) = 'writing')
            """)
        try await app.sql("INSERT INTO holiday_calendars (name) VALUES ('Hand case')")
        try await app.sql("INSERT INTO holidays (calendar_id, day, name) SELECT id, '2027-04-21', 'A holiday' FROM holiday_calendars WHERE name = 'Hand case'")
        try await app.sql("UPDATE users SET holiday_calendar_id = (SELECT id FROM holiday_calendars WHERE name = 'Hand case') WHERE id = 12")
        let ivyToken = try await app.signIn("ivy.chen@demo.test")
        let felix = try await app.signIn("felix.braun@demo.test")
        let off = try await app.request(.post, "/api/v1/time-off", token: ivyToken,
                                        json: #"{"kind": "vacation", "start": "2027-04-22", "end": "2027-04-23"}"#)
        #expect(off.status == .created, "\(off.text)")
        let approved = try await app.request(.post, "/api/v1/time-off/\(off.object["id"] as? Int ?? 0)/approve", token: felix,
                                             headers: [.ifMatch: "\"1\""])
        #expect(approved.status == .ok, "\(approved.text)")
        let report16 = try await app.request(.get, "/api/v1/users/12/working-calendar?from=2027-04-19&to=2027-04-26", token: admin)
        #expect(try report16.object["totalHours"] as? String == "16")
        return (admin, felix, id, proposal, discovery, report)
    }

    @Test func everyFigureAgreesWithTheHandComputation() async throws {
        try await TestApp.run { app in
            let (admin, felix, id, proposal, discovery, report) = try await handCase(app)

            // The capacity verdict.
            let check = try await app.request(.get, "/api/v1/proposals/\(proposal)/capacity-check", token: admin)
            let verdict = try check.object["verdict"] as? String ?? ""
            #expect(verdict.hasPrefix("Short by 8 h") && verdict.contains("security"), "\(check.text)")
            #expect(try check.object["canBeStaffed"] as? Bool == false)
            let used = try (check.object["people"] as? [[String: Any]] ?? []).compactMap { $0["hours"] as? String }.compactMap { Decimal(string: $0) }
            #expect(used == [56], "\(check.text)")

            // Suggestions: Ivy has 16 h free in Report's window.
            func suggestions() async throws -> [[String: Any]] {
                try await app.request(.get, "/api/v1/projects/\(id)/staffing-suggestions", token: felix).object["needs"] as? [[String: Any]] ?? []
            }
            let security = try await suggestions().first { $0["skill"] as? String == "security" }
            let ivy = (security?["candidates"] as? [[String: Any]] ?? []).first { $0["userId"] as? Int == 12 }
            #expect(ivy?["freeHours"] as? String == "16", "\(String(describing: security))")

            // The partial-week hand-off covers Discovery's 40 h.
            func assign(_ json: String) async throws -> TestResponse {
                try await app.request(.post, "/api/v1/projects/\(id)/assignments", token: felix, json: json)
            }
            let first = try await assign(#"{"userId": 12, "role": "engineer", "start": "2027-04-05", "end": "2027-04-08", "hoursPerWeek": "40", "phaseId": \#(discovery), "skill": "network engineering"}"#)
            let second = try await assign(#"{"userId": 12, "role": "engineer", "start": "2027-04-09", "end": "2027-04-12", "hoursPerDay": "4", "phaseId": \#(discovery), "skill": "network engineering"}"#)
            #expect(first.status == .created && second.status == .created, "\(first.text) \(second.text)")
            #expect(try second.object["overbooked"] as? Bool == false)
            let covered = try await suggestions().first { ($0["phaseId"] as? Int) == discovery }
            #expect(covered?["assignedHours"] as? String == "40", "\(String(describing: covered))")
            #expect((covered?["candidates"] as? [Any])?.isEmpty == true)

            // Report: network engineering takes all 16 h; security on top of it is refused.
            let ne = try await assign(#"{"userId": 12, "role": "engineer", "start": "2027-04-19", "end": "2027-04-20", "hoursPerDay": "8", "phaseId": \#(report), "skill": "network engineering"}"#)
            #expect(ne.status == .created, "\(ne.text)")
            let refused = try await assign(#"{"userId": 12, "role": "engineer", "start": "2027-04-20", "end": "2027-04-20", "hoursPerDay": "8", "phaseId": \#(report), "skill": "security"}"#)
            #expect(refused.status == .conflict)
            #expect(try (refused.object["detail"] as? String)?.contains("2027-04-20 (16 h against 8 h)") == true, "\(refused.text)")

            // The delivery report counts each assigned hour once, for its need's skill.
            let delivery = try await app.request(.get, "/api/v1/reports/delivery?from=2027-04-05&to=2027-04-25", token: admin)
            let bySkill = try delivery.object["bySkill"] as? [[String: Any]] ?? []
            #expect(bySkill.first { $0["skill"] as? String == "network engineering" }?["assignedHours"] as? String == "56", "\(delivery.text)")
            #expect((bySkill.first { $0["skill"] as? String == "security" }?["assignedHours"] as? String ?? "0") == "0")
            // Its capacity by skill counts Ivy's 96 working hours (80 + 16) once: the 56 h assigned
            // to network engineering go there, the 40 h left are shared 20 / 20 (before: 96 in each).
            #expect(bySkill.first { $0["skill"] as? String == "network engineering" }?["capacityHours"] as? String == "76")
            #expect(bySkill.first { $0["skill"] as? String == "security" }?["capacityHours"] as? String == "20")

            // Growth: Ivy's working hours over the horizon, once across her two skills.
            let today = Timestamp.now.calendarDate
            let end = today.adding(days: 30 * 7)
            let growth = try await app.request(.get, "/api/v1/reports/growth?weeks=30", token: admin)
            let lines = try growth.object["skills"] as? [[String: Any]] ?? []
            let ivySkills = lines.filter { ["network engineering", "security"].contains($0["skill"] as? String ?? "") }
                .compactMap { Decimal(string: $0["capacityHours"] as? String ?? "") }.reduce(0, +)
            let working = try await app.request(.get, "/api/v1/users/12/working-calendar?from=\(today)&to=\(end)", token: admin)
            #expect(try Decimal(string: working.object["totalHours"] as? String ?? "") == ivySkills, "\(growth.text)")
        }
    }

    /// Issue 24: travel already planned takes hours in the proposal's check as work does.
    /// On Monday 2027-04-19 Ivy spends 1 h at the client's Antwerp site, 45 min from her
    /// home office: Report's window keeps 16 − 1 − 0.75 = 14.25 h. Network engineering's
    /// 16 h get 14.25 (1.75 short), security's 8 h none: "Short by 9.75 h", and she is
    /// used 40 + 14.25 = 54.25 h. (Counting only the hour of work: short by 9 h, 55 h used.)
    @Test func travelAlreadyPlannedTakesHoursInTheProposalsCheck() async throws {
        try await TestApp.run { app in
            let (admin, _, id, proposal, _, _) = try await handCase(app)
            let accountID = try await app.sql("SELECT account_id FROM projects WHERE id = \(id)").first!.decode("account_id") as Int64
            func site(_ json: String) async throws -> Int64 {
                let made = try await app.api(.post, "sites", admin, json)
                #expect(made.status == .created, "\(made.text)")
                return Int64(try made.object["id"] as? Int ?? 0)
            }
            let office = try await site(#"{"name": "Brussels office", "latitude": "50.8467", "longitude": "4.3525"}"#)
            let antwerp = try await site(#"{"accountId": \#(accountID), "name": "Antwerp", "latitude": "51.2194", "longitude": "4.4025"}"#)
            let entered = try await app.api(.put, "travel-times", admin, #"{"fromSiteId": \#(office), "toSiteId": \#(antwerp), "minutes": 45}"#)
            #expect(entered.status == .ok, "\(entered.text)")
            try await app.sql("UPDATE users SET home_site_id = \(office) WHERE id = 12")
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status, site_id)
                VALUES (\(Int64(id)), 12, 'Antwerp visit', '2027-04-19', '2027-04-19', 5, 'confirmed', \(antwerp))
                """)

            let check = try await app.request(.get, "/api/v1/proposals/\(proposal)/capacity-check", token: admin)
            let verdict = try check.object["verdict"] as? String ?? ""
            #expect(verdict.hasPrefix("Short by 9.75 h"), "\(check.text)")
            let used = try (check.object["people"] as? [[String: Any]] ?? []).compactMap { $0["hours"] as? String }
            #expect(used == ["54.25"], "\(check.text)")
        }
    }
}
