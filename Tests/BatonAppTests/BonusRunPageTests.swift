import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Issue 17's pages against the API: the plan page shows and edits members and personal
/// targets, the statement page shows the plan, the override and a what-if, and the run
/// page's adjustment lands in its run or is refused in the API's words.
@Suite struct BonusRunPageTests {
    /// The flash message a page's redirect carries.
    func flash(_ response: TestResponse) -> String {
        for value in response.headers[values: .setCookie] where value.hasPrefix("baton_flash=") {
            let raw = value.dropFirst("baton_flash=".count).prefix { $0 != ";" }
            return String(raw).removingPercentEncoding ?? ""
        }
        return ""
    }

    @Test func thePlanPageShowsAndEditsMembersAndPersonalTargetsInTheAPIsWords() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            let plans = try #require(try await app.api(.get, "bonus-plans", admin).object["items"] as? [[String: Any]])
            let demo = try #require(plans.first { $0["name"] as? String == "PM quarterly" }?["id"] as? Int)
            let html = try await app.page("/admin/bonus-plans/\(demo)", admin).text
            #expect(html.contains("Everyone reporting to Priya Shah"), "the members are shown")
            #expect(html.contains("Felix Braun") && html.contains("12,000.00"), "the personal target is shown")

            // A second quarterly work plan: Felix on the page and through the API gets the same refusal.
            let other = try #require(try await app.api(.post, "bonus-plans", admin, BonusAdministrationTests.plan("Delivery west"))
                .object["id"] as? Int)
            let viaAPI = try await app.api(.post, "bonus-plans/\(other)/members", admin, #"{"userId": 9, "from": "2026-01-01"}"#)
            #expect(viaAPI.status == .conflict)
            let words = try #require(viaAPI.object["detail"] as? String)
            #expect(words.contains("PM quarterly"))
            let viaPage = try await app.form("/admin/bonus-plans/\(other)/members", admin,
                                                   [("csrf", token), ("who", "u-9"), ("from", "2026-01-01")])
            #expect(viaPage.status == .seeOther)
            #expect(flash(viaPage).contains(words), "the page says what the API says: \(flash(viaPage))")
            // A member that fits is added through the page.
            let added = try await app.form("/admin/bonus-plans/\(other)/members", admin,
                                                 [("csrf", token), ("who", "u-9"), ("from", "2020-01-01"), ("to", "2020-12-31")])
            #expect(flash(added).contains("joins the plan"))
            let members = try await app.api(.get, "bonus-plans/\(other)/members", admin).object["items"] as? [[String: Any]]
            #expect(members?.map { "\($0["userId"] ?? ""):\($0["from"] ?? ""):\($0["to"] ?? "")" } == ["9:2020-01-01:2020-12-31"])

            // A personal target set on the page is the plan's override in the API.
            let saved = try await app.form("/admin/bonus-plans/\(demo)/overrides", admin,
                                                 [("csrf", token), ("userId", "10"), ("targetBonus", "11000.00")])
            #expect(saved.status == .seeOther)
            let overrides = try await app.api(.get, "bonus-plans/\(demo)", admin).object["overrides"] as? [[String: Any]]
            #expect(overrides?.map { "\($0["userId"] ?? ""):\($0["targetBonus"] ?? "")" } == ["9:12000.00", "10:11000.00"])
        }
    }

    @Test func theStatementShowsItsPlanTheOverrideAndAWhatIf() async throws {
        try await TestApp.run(business: true) { app in
            let priya = try await app.signIn("priya.shah@demo.test")
            let draft: Int64 = try #require(try await app.sql("""
                SELECT r.id FROM bonus_runs r JOIN bonus_plans p ON p.id = r.plan_id WHERE r.status = 'draft' AND p.metric = 'completed_work'
                """).first).decode("id")
            let html = try await app.page("/bonus/\(draft)/9", priya).text
            #expect(html.contains("PM quarterly"), "the plan is named")
            #expect(html.contains("Personal target, instead of the plan"), "Felix's override is said to be his")
            #expect(html.contains("12,000.00"))
            #expect(html.contains("How the payout is worked out"))
            let open = try await app.sql("""
                SELECT ph.id, ph.due_date FROM project_phases ph JOIN projects j ON j.id = ph.project_id
                WHERE j.project_manager_id = 9 AND ph.completed_on IS NULL ORDER BY ph.id LIMIT 1
                """)
            if let phase = open.first {
                let id: Int64 = try phase.decode("id")
                #expect(html.contains("name=\"phase-\(id)\""), "each open phase can be tried")
                let period = try #require(try await app.sql("SELECT period_key FROM bonus_runs WHERE id = \(draft)").first).decode("period_key", as: String.self)
                let start = try #require(try await app.sql("SELECT start_date::text AS d FROM periods WHERE key = \(period)").first).decode("d", as: String.self)
                let planID: Int64 = try #require(try await app.sql("SELECT plan_id FROM bonus_runs WHERE id = \(draft)").first).decode("plan_id")
                let api = try await app.api(.post, "bonus-runs/what-if", priya, #"""
                    {"planId": \#(planID), "period": "\#(period)", "userId": 9, "completions": [{"phaseId": \#(id), "completedOn": "\#(start)"}]}
                    """#).object
                let payout = try #require(api["payout"] as? String)
                let page = try await app.form("/bonus/\(draft)/9/what-if", priya,
                                                    [("csrf", try await app.csrf(priya)), ("phase-\(id)", start)])
                #expect(page.status == .ok)
                let shown = Decimal(string: payout).map { $0.formatted(.number.precision(.fractionLength(2)).grouping(.automatic).locale(Locale(identifier: "en_US"))) } ?? payout
                #expect(page.text.contains("The payout would be"), "the what-if answers on the page")
                #expect(page.text.contains(shown), "with the API's payout \(payout)")
            }
        }
    }

    @Test func aRunIsComputedOnThePageAsThroughTheAPI() async throws {
        try await TestApp.run(business: true) { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let token = try await app.csrf(morgan)
            let sales: Int64 = try #require(try await app.sql("SELECT id FROM bonus_plans WHERE metric = 'total_bookings'").first).decode("id")
            let period = BonusAdministrationTests.currentQuarter
            let made = try await app.form("/bonus", morgan, [("csrf", token), ("planId", "\(sales)"), ("period", period)])
            #expect(made.status == .seeOther)
            let run: Int64 = try #require(try await app.sql("SELECT id FROM bonus_runs WHERE plan_id = \(sales)").first).decode("id")
            #expect(made.headers[.location] == "/bonus-runs/\(run)")
            let seller: Int = try #require(try await app.sql("SELECT count(*)::int AS n FROM bonus_statements WHERE run_id = \(run)").first).decode("n")
            #expect(seller == 5, "Morgan's five sellers and account managers, the plan's members")
            // Again: the API's 409 words, on /bonus.
            let viaAPI = try await app.api(.post, "bonus-runs", morgan, #"{"planId": \#(sales), "period": "\#(period)"}"#)
            #expect(viaAPI.status == .conflict)
            let again = try await app.form("/bonus", morgan, [("csrf", token), ("planId", "\(sales)"), ("period", period)])
            #expect(flash(again).contains(try #require(viaAPI.object["detail"] as? String)))
        }
    }

    @Test func theRunPagesAdjustmentLandsInItsRunOrIsRefusedInTheAPIsWords() async throws {
        try await TestApp.run(business: true) { app in
            let priya = try await app.signIn("priya.shah@demo.test")
            let token = try await app.csrf(priya)
            let draft: Int64 = try #require(try await app.sql("""
                SELECT r.id FROM bonus_runs r JOIN bonus_plans p ON p.id = r.plan_id WHERE r.status = 'draft' AND p.metric = 'completed_work'
                """).first).decode("id")
            let locked: Int64 = try #require(try await app.sql("SELECT id FROM bonus_runs WHERE status = 'approved' ORDER BY id LIMIT 1").first).decode("id")
            let runPage = try await app.page("/bonus-runs/\(draft)", priya)
            #expect(runPage.status == .ok)
            #expect(runPage.text.contains("Approve and lock"))
            #expect(runPage.text.contains("/bonus-runs/\(draft)/statements.csv"))

            let added = try await app.form("/bonus-runs/\(draft)/adjustments", priya,
                                                 [("csrf", token), ("userId", "9"), ("amount", "75.00"), ("reason", "Page adjustment")])
            #expect(added.status == .seeOther)
            let rows = try await app.sql("SELECT run_id FROM bonus_adjustments WHERE reason = 'Page adjustment'")
            #expect(try rows.map { try $0.decode("run_id", as: Int64.self) } == [draft], "stored against the run it was posted to")

            let viaAPI = try await app.api(.post, "bonus-runs/\(locked)/adjustments", priya, #"{"userId": 9, "amount": "1.00", "reason": "x"}"#)
            #expect(viaAPI.status == .conflict)
            let words = try #require(viaAPI.object["detail"] as? String)
            let viaPage = try await app.form("/bonus-runs/\(locked)/adjustments", priya,
                                                   [("csrf", token), ("userId", "9"), ("amount", "1.00"), ("reason", "x")])
            #expect(viaPage.status == .conflict)
            #expect(viaPage.text.contains(words.replacingOccurrences(of: "'", with: "&#39;")) || viaPage.text.contains(words))
            // An empty reason: the API's words come back to the run page.
            let empty = try await app.form("/bonus-runs/\(draft)/adjustments", priya,
                                                 [("csrf", token), ("userId", "9"), ("amount", "5.00"), ("reason", " ")])
            #expect(flash(empty).contains("Reason must be 1 to 1,000 characters"))
        }
    }
}
