@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Issue 24 at the API: the hand-computed week of `DayPlanTests` (Brussels office as
/// home base; Antwerp, Ghent and Liège sites of Northwind; Antwerp–Ghent entered at
/// 50 min; Ivy Chen on the standard 40 h week from Monday 2 June 2031):
///
/// - Antwerp, the account's main site, 4 h a day Monday to Friday (an assignment that
///   names no site: it falls back to the main site); Ghent 4 h Monday; Liège 3 h Wednesday;
///   approved time off Thursday.
/// - Monday: Antwerp then Ghent, 45 (estimated) + 50 (entered) = 95 min, over hours.
/// - Tuesday: Antwerp, 45 min: 4 h 45 of 8 h, no flags, 3.25 h free.
/// - Wednesday: Antwerp then Liège (105 km apart): over hours and too far apart.
/// - Thursday: the day off, no stops. Friday as Tuesday.
@Suite struct SiteTests {
    func object(_ r: TestResponse, _ what: String, _ status: HTTPResponse.Status = .ok) throws -> [String: Any] {
        #expect(r.status == status, "\(what): \(r.status) \(r.text.prefix(300))")
        return try r.object
    }

    @Test func theHandComputedWeekAndWhoReadsTheAccessNotes() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let (projectID, accountID) = (project["id"] as! Int, project["accountId"] as! Int)
            func site(_ json: String) async throws -> Int {
                try object(try await app.api(.post, "sites", admin, json), "adding a site", .created)["id"] as! Int
            }
            let office = try await site(#"{"name": "Brussels office", "timeZone": "Europe/Brussels", "latitude": "50.8467", "longitude": "4.3525"}"#)
            let antwerp = try await site(#"""
                {"accountId": \#(accountID), "name": "Antwerp", "timeZone": "Europe/Brussels", "latitude": "51.2194",
                 "longitude": "4.4025", "accessNotes": "Badge at gate 3", "main": true}
                """#)
            let ghent = try await site(#"{"accountId": \#(accountID), "name": "Ghent", "latitude": "51.0543", "longitude": "3.7174"}"#)
            let liege = try await site(#"{"accountId": \#(accountID), "name": "Liège", "latitude": "50.6326", "longitude": "5.5797"}"#)
            let table = try await app.api(.put, "travel-times", admin, #"{"fromSiteId": \#(ghent), "toSiteId": \#(antwerp), "minutes": 50}"#)
            #expect(table.status == .ok, "\(table.text)")

            // A site of another account, or a firm place as main, is refused in the field's words.
            let bad = try await app.api(.post, "sites", admin, #"{"name": "Nowhere", "timeZone": "Mars/Olympus", "main": true, "latitude": "91"}"#)
            #expect(bad.status == .unprocessableContent)
            #expect(try Set(bad.fieldErrors.keys) == ["timeZone", "main", "latitude"], "\(bad.text)")

            try await app.sql("DELETE FROM assignments WHERE user_id = 12 AND end_date >= '2031-06-02' AND start_date <= '2031-06-08'")
            for (start, end, weekly) in [("2031-06-02", "2031-06-06", "20"), ("2031-06-02", "2031-06-02", "20"), ("2031-06-04", "2031-06-04", "15")] {
                try await app.sql("""
                    INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
                    VALUES (\(projectID), 12, 'Consultant', \(start)::date, \(end)::date, \(weekly)::numeric, 'confirmed')
                    """)
            }
            let ids = try await app.sql("SELECT id FROM assignments WHERE user_id = 12 AND start_date >= '2031-06-02' ORDER BY id")
                .map { try $0.decode("id") as Int64 }
            #expect(ids.count == 3)
            for (id, site) in [(ids[1], ghent), (ids[2], liege)] {
                let placed = try await app.api(.put, "projects/\(projectID)/assignments/\(id)/site", admin, #"{"siteId": \#(site)}"#)
                #expect(placed.status == .noContent, "\(placed.text)")
            }
            try await app.sql("""
                INSERT INTO time_off (user_id, kind, start_date, end_date, status) VALUES (12, 'vacation', '2031-06-05', '2031-06-05', 'approved')
                """)

            let ivy = try await app.signIn("ivy.chen@demo.test")
            // A home base is one of the firm's own places.
            let clientBase = try await app.api(.put, "users/12/home-base", ivy, #"{"siteId": \#(antwerp)}"#)
            #expect(try clientBase.status == .unprocessableContent && clientBase.fieldErrors["siteId"] != nil, "\(clientBase.text)")
            #expect(try await app.api(.put, "users/12/home-base", ivy, #"{"siteId": \#(office)}"#).status == .noContent)

            let plans = try object(try await app.api(.get, "users/12/day-plans?from=2031-06-02&to=2031-06-09", ivy), "day plans")
            let days = plans["days"] as! [[String: Any]]
            func names(_ d: [String: Any]) -> [String] { (d["stops"] as! [[String: Any]]).map { $0["siteName"] as! String } }
            func flags(_ d: [String: Any]) -> [String] { d["flags"] as! [String] }
            #expect(days.count == 7)
            #expect(names(days[0]) == ["Antwerp", "Ghent"])
            #expect(days[0]["travelMinutes"] as? Int == 95)
            #expect((days[0]["travel"] as! [[String: Any]]).map { $0["source"] as! String } == ["estimated", "entered"])
            #expect(flags(days[0]) == ["over_hours"])
            #expect(days[1]["travelMinutes"] as? Int == 45 && flags(days[1]).isEmpty && days[1]["freeHours"] as? String == "3.25")
            #expect(names(days[2]) == ["Antwerp", "Liège"])
            #expect(flags(days[2]) == ["over_hours", "sites_too_far_apart"])
            #expect(names(days[3]).isEmpty && flags(days[3]).isEmpty && days[3]["workingHours"] as? String == "0")
            #expect(days[4]["travelMinutes"] as? Int == 45)

            // The access notes: Ivy, assigned at Antwerp (through the main site), reads them;
            // the account's owner sees the site but not the notes.
            let mine = try object(try await app.api(.get, "sites/\(antwerp)", ivy), "Ivy's site")
            #expect(mine["accessNotes"] as? String == "Badge at gate 3")
            let ownerEmail: String = try await app.sql("SELECT email FROM users WHERE id = 4").first!.decode("email")
            let owner = try await app.signIn(ownerEmail)
            let theirs = try object(try await app.api(.get, "sites/\(antwerp)", owner), "the owner's site")
            #expect(theirs["accessNotes"] is NSNull && theirs["accessNotesVisible"] as? Bool == false)
            // Changing another field keeps the notes the owner does not read.
            let changed = try object(try await app.api(.patch, "sites/\(antwerp)", owner, #"{"address": "Haven 1"}"#, version: theirs["version"] as? Int), "changing")
            #expect(changed["address"] as? String == "Haven 1")
            #expect(try object(try await app.api(.get, "sites/\(antwerp)", ivy), "")["accessNotes"] as? String == "Badge at gate 3")
            // A consultant not assigned there does not see a client's site at all.
            let jon = try await app.signIn("jon.alvarez@demo.test")
            #expect(try await app.api(.get, "sites/\(antwerp)", jon).status == .notFound)
            #expect(try await app.api(.get, "sites/\(office)", jon).status == .ok)
        }
    }

    /// A site change within the next 14 days tells the person where, and their feed says
    /// where (LOCATION, the access notes) and how they get there (a travel event).
    @Test func aChangeOfSiteSoonNotifiesAndTheFeedSaysWhere() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let project = try await DeliveryTests().wonProject(app, admin)
            let (projectID, accountID) = (project["id"] as! Int, project["accountId"] as! Int)
            let office = try object(try await app.api(.post, "sites", admin,
                #"{"name": "Brussels office", "latitude": "50.8467", "longitude": "4.3525"}"#), "office", .created)["id"] as! Int
            let ghent = try object(try await app.api(.post, "sites", admin, #"""
                {"accountId": \#(accountID), "name": "Ghent", "address": "Dok 2", "latitude": "51.0543", "longitude": "3.7174",
                 "accessNotes": "Ring twice"}
                """#), "Ghent", .created)["id"] as! Int
            try await app.sql("UPDATE users SET home_site_id = \(Int64(office)) WHERE id = 12")
            // Ivy's demo assignments (at no site) would be stops of their own: she has only this one.
            try await app.sql("DELETE FROM assignments WHERE user_id = 12")
            try await app.sql("""
                INSERT INTO assignments (project_id, user_id, role, start_date, end_date, hours_per_week, status)
                VALUES (\(projectID), 12, 'Soon', current_date + 1, current_date + 3, 10, 'confirmed')
                """)
            let id: Int64 = try await app.sql("SELECT id FROM assignments WHERE role = 'Soon'").first!.decode("id")
            let placed = try await app.api(.put, "projects/\(projectID)/assignments/\(id)/site", admin, #"{"siteId": \#(ghent)}"#)
            #expect(placed.status == .noContent, "\(placed.text)")

            let ivy = try await app.signIn("ivy.chen@demo.test")
            let notices = try object(try await app.api(.get, "notifications", ivy), "notifications")["items"] as? [[String: Any]] ?? []
            let changed = notices.first { ($0["subject"] as? String)?.hasPrefix("Your assignment changed") == true }
            #expect((changed?["lines"] as? [String])?.contains("Where: Ghent, Dok 2") == true, "\(notices.prefix(2))")

            let url = try object(try await app.api(.post, "me/calendar-token", ivy), "feed token")["calendarUrl"] as! String
            let feed = try await app.request(.get, url).text.replacingOccurrences(of: "\r\n ", with: "")
            #expect(feed.contains("LOCATION:Ghent\\, Dok 2"), "\(feed.prefix(1500))")
            #expect(feed.contains("Access: Ring twice"))
            #expect(feed.contains("SUMMARY:Travel 55 min: Brussels office → Ghent"))

            // The client's status page lists who will be on which site (names and roles only).
            let link = try await app.request(.post, "/api/v1/projects/\(projectID)/status-link", token: admin, json: "{}")
            let status = try await app.request(.get, try #require(link.object["url"] as? String)).text
            #expect(status.contains("<td>Ivy Chen</td><td>Soon</td><td>Ghent</td>"), "\(status)")
            #expect(!status.contains("Ring twice") && !status.contains("Dok 2"))
        }
    }
}
