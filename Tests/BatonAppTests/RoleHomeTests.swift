@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// A home for each role (issue 19, item 8): a manager's leads with their team's quarter,
/// the same figures the attainment and forecast reports give for their line; an admin's
/// with the firm's figures and what is not configured yet; everyone keeps their tasks.
@Suite struct RoleHomeTests {

    /// The amount as the pages write it, from the API's decimal string.
    static func shown(_ apiAmount: Any?) throws -> String {
        let text = try #require(apiAmount as? String)
        return try #require(Decimal(apiText: text)).display(currency: AppConfiguration().currency)
    }

    @Test func theHeadOfSalesSeesTheTeamsQuarterFirst() async throws {
        try await TestApp.run(business: true) { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let morganID = try await app.id(of: "morgan.reyes@demo.test", token: morgan)
            let home = try await app.page("/", morgan)
            #expect(home.status == .ok)
            let text = home.text
            let team = try #require(text.range(of: #"id="team-home""#), "the team's card is there")
            let tasks = try #require(text.range(of: #"id="my-tasks""#))
            #expect(team.lowerBound < tasks.lowerBound, "the team's quarter comes before his own tasks")
            #expect(!text.contains(#"id="firm-home""#))

            // The same figures as the reports give for his line (his roll-up row).
            let attainment = try await app.request(.get, "/api/v1/reports/attainment", token: morgan).object
            let rows = try #require(attainment["rows"] as? [[String: Any]])
            let line = try #require(rows.first { ($0["userId"] as? Int).map(Int64.init) == morganID && $0["rollup"] as? Bool == true })
            #expect(text.contains(#"<dd class="team-credited">\#(try Self.shown(line["credited"]))</dd>"#))
            if let quota = line["quota"] as? String {
                #expect(text.contains(#"<dd class="team-quota">\#(try Self.shown(quota))</dd>"#))
            }
            let forecast = try await app.request(.get, "/api/v1/reports/forecast", token: morgan).object
            let fRows = try #require(forecast["rows"] as? [[String: Any]])
            let fLine = try #require(fRows.first { ($0["userId"] as? Int).map(Int64.init) == morganID && $0["rollup"] as? Bool == true })
            #expect(text.text(ofElement: "team-closed") == (try Self.shown(fLine["closed"])))
            #expect(text.text(ofElement: "team-pipeline") == (try Self.shown(fLine["pipeline"])))

            // Each of his people, with their own line's figures.
            #expect(text.contains("Ana Torres") && text.contains(#"id="team-members""#))
            #expect(text.contains(#"id="team-closing""#) && text.contains(#"id="team-phases""#))
        }
    }

    @Test func theAdminSeesTheFirmAndWhatToConfigure() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let text = try await app.page("/", admin).text
            #expect(text.contains(#"id="firm-home""#) && text.contains(#"id="firm-setup""#))
            #expect(!text.contains(#"id="team-home""#))
            // The firm's open pipeline is the pipeline report's, summed over its stages.
            let pipeline = try await app.request(.get, "/api/v1/reports/pipeline", token: admin).object
            let stages = try #require(pipeline["stages"] as? [[String: Any]])
            let amounts = stages.compactMap { ($0["amount"] as? String).flatMap { Decimal(apiText: $0) } }
            #expect(amounts.count == stages.count)
            let open = amounts.reduce(Decimal(0), +)
            #expect(text.text(ofElement: "firm-pipeline") == open.display(currency: AppConfiguration().currency))

            // With no quotas for the quarter, the admin is told to set them.
            try await app.sql("DELETE FROM quotas")
            #expect(try await app.page("/", admin).text.contains("No bookings quotas are set"))
        }
    }

    @Test func anAccountManagerKeepsTheirOwnHome() async throws {
        try await TestApp.run(business: true) { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let text = try await app.page("/", ana).text
            #expect(!text.contains(#"id="team-home""#) && !text.contains(#"id="firm-home""#))
            #expect(text.contains(#"id="my-tasks""#))
        }
    }
}
