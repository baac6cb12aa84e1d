@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Issue 24's "done when", computed by hand: next week (Monday M to Friday M+4, all
/// 8 h days), three consultants based at the Brussels office, four sites of one client
/// (Antwerp, Ghent, Mechelen, Liège), travel entered: office–Antwerp 45, office–Ghent
/// 55, office–Mechelen 30, office–Liège 75, Antwerp–Ghent 50, Antwerp–Mechelen 25,
/// Antwerp–Liège 100 min.
///
/// - Ivy Chen: Antwerp 4 h a day all week, and Ghent 4 h on Monday (she rotates between
///   two sites that day); approved time off on Thursday.
///   Monday: office → Antwerp → Ghent, 45 + 50 = 95 min; 8 h of work + 1 h 35 > 8 h: over hours.
///   Tuesday, Wednesday, Friday: 45 min; free 8 − 4 − 0.75 = 3.25 h. Thursday: off.
/// - Jon Alvarez: Liège 6 h a day all week: 75 min; 7.25 h of 8, free 0.75 h, no flags.
/// - Maya Singh: Wednesday only, Antwerp 2 h then Liège 2 h: 45 + 100 = 145 min, free
///   8 − 4 − 2.4167 = 1.58 h; Antwerp and Liège are 105 km apart: too far apart (limit 100).
///
/// The project's network-engineering need (10 h that week) is at Mechelen. Suggestions,
/// with each person's travel already planned (their day plans) and their nearest trip to
/// Mechelen taken off each day's free hours:
/// - Maya (level 3): from Antwerp, where she works that week, 25 min. Four days
///   8 − 0.4167, Wednesday 8 − 4 − 2.4167 (planned) − 0.4167 = 31.5 h: covers.
/// - Ivy (level 5): from Antwerp, 25 min (office 30, Ghent estimated ≥ 55). Free: Mon 0,
///   Tue/Wed/Fri 8 − 4 − 0.75 (planned) − 0.4167 = 2.83, Thu 0 = 8.5 h: 1.5 h short. Her
///   planned travel moves her below Maya: counting only the trip she had 10.75 h and came first.
/// - Jon (level 4): from the office, 30 min (Liège–Mechelen is estimated at more).
///   5 × (8 − 6 − 1.25 (planned) − 0.5) = 1.25 h: 8.75 h short.
///
/// The capacity check: 4 h for Ivy at Mechelen on Tuesday fits her 8 h on work alone
/// (4 + 4) but not with travel (office → Antwerp → Mechelen, 70 min): refused unless
/// overbooking is allowed. 4 h for Maya on Tuesday (30 min from the office) fits.
@Suite struct RotationWeekTests {
    func object(_ r: TestResponse, _ what: String, _ status: HTTPResponse.Status = .ok) throws -> [String: Any] { try SiteTests().object(r, what, status) }

    @Test func theDayPlansTheFeedTheSuggestionsAndTheFlagsAgreeWithTheHandComputation() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let (projectID, accountID) = (project["id"] as! Int, project["accountId"] as! Int)
            let today = Timestamp.now.calendarDate
            let monday = today.adding(days: 8 - today.isoWeekday)
            let day = (0..<5).map { monday.adding(days: $0).description }

            func site(_ json: String) async throws -> Int {
                try object(try await app.api(.post, "sites", admin, json), "adding a site", .created)["id"] as! Int
            }
            let office = try await site(#"{"name": "Brussels office", "latitude": "50.8467", "longitude": "4.3525"}"#)
            let antwerp = try await site(#"{"accountId": \#(accountID), "name": "Antwerp", "latitude": "51.2194", "longitude": "4.4025", "main": true}"#)
            let ghent = try await site(#"{"accountId": \#(accountID), "name": "Ghent", "latitude": "51.0543", "longitude": "3.7174"}"#)
            let mechelen = try await site(#"{"accountId": \#(accountID), "name": "Mechelen", "latitude": "51.0259", "longitude": "4.4776"}"#)
            let liege = try await site(#"{"accountId": \#(accountID), "name": "Liège", "latitude": "50.6326", "longitude": "5.5797"}"#)
            for (a, b, minutes) in [(office, antwerp, 45), (office, ghent, 55), (office, mechelen, 30), (office, liege, 75),
                                    (antwerp, ghent, 50), (antwerp, mechelen, 25), (antwerp, liege, 100)] {
                let entered = try await app.api(.put, "travel-times", admin, #"{"fromSiteId": \#(a), "toSiteId": \#(b), "minutes": \#(minutes)}"#)
                #expect(entered.status == .ok, "\(entered.text)")
            }
            #expect(try await app.api(.put, "projects/\(projectID)/site", admin, #"{"siteId": \#(mechelen)}"#).status == .noContent)

            // The three consultants: standard 8 h days, no holidays, nothing else booked or off that week.
            let ids: [String: Int64] = Dictionary(uniqueKeysWithValues: try await app.sql("""
                SELECT id, email FROM users WHERE email IN ('ivy.chen@demo.test', 'jon.alvarez@demo.test', 'maya.singh@demo.test')
                """).map { (String((try $0.decode("email") as String).prefix { $0 != "." }), try $0.decode("id") as Int64) })
            let (ivy, jon, maya) = (ids["ivy"]!, ids["jon"]!, ids["maya"]!)
            let people = [ivy, jon, maya]
            try await app.sql("""
                UPDATE users SET working_week = NULL, holiday_calendar_id = NULL, home_site_id = \(Int64(office)), weekly_capacity_hours = 40
                WHERE id = ANY(\(people)::bigint[])
                """)
            try await app.sql("DELETE FROM assignments WHERE user_id = ANY(\(people)::bigint[]) AND end_date >= \(monday) AND start_date <= \(monday.adding(days: 6))")
            try await app.sql("DELETE FROM time_off WHERE user_id = ANY(\(people)::bigint[]) AND end_date >= \(monday) AND start_date <= \(monday.adding(days: 6))")
            func book(_ user: Int64, _ role: String, _ from: Int, _ to: Int, perDay: Int, at site: Int) async throws {
                let id: Int64 = try await app.sql("""
                    INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
                    VALUES (\(projectID), \(user), \(role), \(monday.adding(days: from)), \(monday.adding(days: to)), \(perDay * 5), 'confirmed')
                    RETURNING id
                    """).first!.decode("id")
                try await app.sql("UPDATE assignments SET site_id = \(Int64(site)) WHERE id = \(id)")
            }
            try await book(ivy, "Antwerp week", 0, 4, perDay: 4, at: antwerp)
            try await book(ivy, "Ghent Monday", 0, 0, perDay: 4, at: ghent)
            try await book(jon, "Liège week", 0, 4, perDay: 6, at: liege)
            try await book(maya, "Antwerp Wednesday", 2, 2, perDay: 2, at: antwerp)
            try await book(maya, "Liège Wednesday", 2, 2, perDay: 2, at: liege)
            try await app.sql("""
                INSERT INTO time_off (user_id, kind, start_date, end_date, status) VALUES (\(ivy), 'vacation', \(monday.adding(days: 3)), \(monday.adding(days: 3)), 'approved')
                """)

            // Day plans.
            func plans(_ user: Int64) async throws -> [[String: Any]] {
                try object(try await app.api(.get, "users/\(user)/day-plans?from=\(monday)&to=\(monday.adding(days: 5))", admin), "day plans")["days"] as! [[String: Any]]
            }
            func names(_ d: [String: Any]) -> [String] { (d["stops"] as! [[String: Any]]).map { $0["siteName"] as! String } }
            func flags(_ d: [String: Any]) -> [String] { d["flags"] as! [String] }
            let ivyDays = try await plans(ivy)
            #expect(names(ivyDays[0]) == ["Antwerp", "Ghent"] && ivyDays[0]["travelMinutes"] as? Int == 95 && flags(ivyDays[0]) == ["over_hours"])
            for i in [1, 2, 4] {
                #expect(names(ivyDays[i]) == ["Antwerp"] && ivyDays[i]["travelMinutes"] as? Int == 45 && ivyDays[i]["freeHours"] as? String == "3.25"
                        && flags(ivyDays[i]).isEmpty, "\(day[i]): \(ivyDays[i])")
            }
            #expect(names(ivyDays[3]).isEmpty && ivyDays[3]["workingHours"] as? String == "0")
            for d in try await plans(jon) {
                #expect(names(d) == ["Liège"] && d["travelMinutes"] as? Int == 75 && d["freeHours"] as? String == "0.75" && flags(d).isEmpty, "\(d)")
            }
            let mayaWednesday = try await plans(maya)[2]
            #expect(names(mayaWednesday) == ["Antwerp", "Liège"] && mayaWednesday["travelMinutes"] as? Int == 145)
            #expect(mayaWednesday["freeHours"] as? String == "1.58" && flags(mayaWednesday) == ["sites_too_far_apart"], "\(mayaWednesday)")

            // The feed: Ivy's Monday travel as its own event.
            let ivyToken = try await app.signIn("ivy.chen@demo.test")
            let url = try object(try await app.api(.post, "me/calendar-token", ivyToken), "feed token")["calendarUrl"] as! String
            let feed = try await app.request(.get, url).text.replacingOccurrences(of: "\r\n ", with: "")
            #expect(feed.contains("SUMMARY:Travel 1 h 35: Brussels office → Antwerp → Ghent"), "\(feed.prefix(1500))")
            #expect(feed.contains("SUMMARY:Travel 45 min: Brussels office → Antwerp"))

            // Suggestions for a 10 h network-engineering need that week, at Mechelen.
            let need = try await app.sql("""
                SELECT n.phase_id FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id JOIN skills s ON s.id = n.skill_id
                WHERE ph.project_id = \(projectID) AND s.name = 'network engineering'
                """).first!.decode("phase_id") as Int64
            try await app.sql("UPDATE project_phases SET start_date = \(monday), due_date = \(monday.adding(days: 5)) WHERE id = \(need)")
            try await app.sql("UPDATE project_skill_needs SET hours = 10 WHERE phase_id = \(need)")
            let suggested = try object(try await app.api(.get, "projects/\(projectID)/staffing-suggestions", admin), "suggestions")["needs"] as! [[String: Any]]
            let candidates = try #require(suggested.first { $0["phaseId"] as? Int == Int(need) && $0["skill"] as? String == "network engineering" })["candidates"] as! [[String: Any]]
            #expect(candidates.map { $0["name"] as! String } == ["Maya Singh", "Ivy Chen", "Jon Alvarez"], "\(candidates)")
            #expect(candidates.map { $0["freeHours"] as! String } == ["31.5", "8.5", "1.25"], "\(candidates)")
            let reasons = candidates.map { ($0["reasons"] as! [String]).joined(separator: "; ") }
            #expect(reasons[1].contains("25 min travel a day from Antwerp, where they already work then, after 3.83 h of travel already planned in the window")
                    && reasons[1].contains("1.5 h short of the need"), "\(reasons[1])")
            #expect(reasons[0].contains("after 2.42 h of travel already planned"), "\(reasons[0])")
            #expect(reasons[2].contains("30 min travel a day from Brussels office, after 6.25 h of travel already planned")
                    && reasons[2].contains("8.75 h short of the need"), "\(reasons[2])")

            // The capacity check counts the travel.
            let tuesday = monday.adding(days: 1)
            let refused = try await app.api(.post, "projects/\(projectID)/assignments", admin, """
                {"userId": \(ivy), "role": "Mechelen Tuesday", "start": "\(tuesday)", "end": "\(tuesday)", "hoursPerDay": "4"}
                """)
            #expect(refused.status == .conflict && refused.text.contains("\(tuesday) (9.17 h against 8 h)"), "\(refused.text)")
            let allowed = try object(try await app.api(.post, "projects/\(projectID)/assignments", admin, """
                {"userId": \(ivy), "role": "Mechelen Tuesday", "start": "\(tuesday)", "end": "\(tuesday)", "hoursPerDay": "4", "allowOverbook": true}
                """), "overbooking allowed", .created)
            #expect(allowed["overbooked"] as? Bool == true)
            let fits = try object(try await app.api(.post, "projects/\(projectID)/assignments", admin, """
                {"userId": \(maya), "role": "Mechelen Tuesday", "start": "\(tuesday)", "end": "\(tuesday)", "hoursPerDay": "4"}
                """), "Maya fits", .created)
            #expect(fits["overbooked"] as? Bool == false)

            // The firm's limit is a setting: at 120 km, Antwerp and Liège are no longer too far apart.
            let settings = try object(try await app.api(.get, "settings", admin), "settings")
            _ = try object(try await app.api(.patch, "settings", admin, #"{"farthestApartKm": 120}"#, version: settings["version"] as? Int), "limit")
            #expect(flags(try await plans(maya)[2]).isEmpty)
        }
    }

    /// A change of a person's plan within the next 14 days tells them what changed: dates and hours, not only the site.
    @Test func aChangeOfPlanSoonSaysWhatChanged() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let projectID = project["id"] as! Int
            let today = Timestamp.now.calendarDate
            let (start, end) = (today.adding(days: 2), today.adding(days: 4))
            let made = try object(try await app.api(.post, "projects/\(projectID)/assignments", admin, """
                {"userId": 12, "role": "Soon", "start": "\(start)", "end": "\(end)", "hoursPerDay": "2", "allowOverbook": true}
                """), "assigning", .created)
            _ = try object(try await app.api(.patch, "projects/\(projectID)/assignments/\(made["id"] as! Int)", admin, """
                {"end": "\(today.adding(days: 5))", "hoursPerDay": "3", "allowOverbook": true}
                """, version: made["version"] as? Int), "changing")
            let ivy = try await app.signIn("ivy.chen@demo.test")
            let notices = try object(try await app.api(.get, "notifications", ivy), "notifications")["items"] as? [[String: Any]] ?? []
            let lines = notices.first { ($0["subject"] as? String)?.hasPrefix("Your assignment changed") == true }?["lines"] as? [String] ?? []
            #expect(lines.contains("Dates: \(start) to \(end) → \(start) to \(today.adding(days: 5))"), "\(lines)")
            #expect(lines.contains("Hours: 2 h a day → 3 h a day"), "\(lines)")
            #expect(lines.contains("This changes your plan within the next 14 days."), "\(lines)")
        }
    }
}
