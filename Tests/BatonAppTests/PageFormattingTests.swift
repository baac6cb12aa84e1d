@testable import BatonApp
import BatonCore
import Foundation
import Dates
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 19, item 7: every page of the demo firm, as each role sees it, reads as people
/// read, never as the database stores. A page fails on a raw ISO timestamp, an enum's
/// stored key (`closed_lost`, `expansion`), an amount without its grouping
/// ("30000.00"), a percentage with a space before its sign ("100.4 %") or a ratio
/// carried to four places ("1.6406×"), in its text or in a chart's data.
@Suite struct PageFormattingTests {
    /// What a reader sees: the text between tags (entities read), titles and names read
    /// aloud; never an input's value (a date box holds `2026-12-01` by HTML's rule), a
    /// link, or a chart's numbers (Chart.js reads them as numbers; `reports.js` draws
    /// their ticks and tooltips with the currency and grouping).
    static func visibleText(_ html: String) -> [String] {
        var texts: [String] = []
        var body = html
        // Scripts and styles are not read; a `<code>` is an identifier shown as one on
        // purpose (a stage's key on the admin page, which the API takes).
        for tag in ["script", "style", "code"] {
            while let open = body.range(of: "<\(tag)"), let close = body.range(of: "</\(tag)>", range: open.upperBound..<body.endIndex) {
                body.removeSubrange(open.lowerBound..<close.upperBound)
            }
        }
        var inTag = false, current = ""
        for c in body {
            if c == "<" {
                if !current.trimmed.isEmpty { texts.append(current.trimmed) }
                current = ""
                inTag = true
            } else if c == ">" {
                // Inside the tag: what is shown on hover or read aloud.
                for attribute in ["title", "aria-label", "placeholder"] {
                    var rest = Substring(current)
                    while let start = rest.range(of: " \(attribute)=\"") {
                        let value = rest[start.upperBound...].prefix { $0 != "\"" }
                        texts.append(String(value))
                        rest = rest[value.endIndex...]
                    }
                }
                current = ""
                inTag = false
            } else {
                current.append(c)
            }
        }
        return texts.map {
            $0.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
                .replacingOccurrences(of: "&#x27;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
                .replacingOccurrences(of: "&nbsp;", with: " ")
        }
    }

    /// Every stored key a page could leak: the core's enums and the firm's stages.
    static let enumKeys: Set<String> = {
        var keys = Set<String>()
        keys.formUnion(TimeOffKind.allCases.map(\.rawValue))
        keys.formUnion(TimeOffStatus.allCases.map(\.rawValue))
        keys.formUnion(ForecastCategory.allCases.map(\.rawValue))
        keys.formUnion(OpportunityKind.allCases.map(\.rawValue))
        keys.formUnion(TeamRole.allCases.map(\.rawValue))
        keys.formUnion(Role.allCases.map(\.rawValue))
        keys.formUnion(BonusMetric.allCases.map(\.rawValue))
        keys.formUnion(BonusMethod.allCases.map(\.rawValue))
        keys.formUnion(AccountStatus.allCases.map(\.rawValue))
        keys.formUnion(BuyingRole.allCases.map(\.rawValue))
        keys.formUnion(ActivityKind.allCases.map(\.rawValue))
        keys.formUnion(TimeEntryStatus.allCases.map(\.rawValue))
        keys.formUnion(ProposalStatus.allCases.map(\.rawValue))
        keys.formUnion(LineUnit.allCases.map(\.rawValue))
        keys.formUnion(LineKind.allCases.map(\.rawValue))
        keys.formUnion(GrowthRecommendation.allCases.map(\.rawValue))
        keys.formUnion(["planned", "active", "on_hold", "completed", "cancelled", "draft", "approved", "computed", "closed_won", "closed_lost"])
        return keys
    }()

    /// What is wrong with one piece of a page's text, or nil. `names`: the firm's own
    /// words that happen to spell a key (a skill called "training").
    static func leak(_ text: String, names: Set<String> = []) -> String? {
        func matches(_ pattern: String) -> Bool { text.range(of: pattern, options: .regularExpression) != nil }
        if matches(#"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"#) { return "a raw ISO timestamp" }
        if matches(#"\b\d{4}-\d{2}-\d{2}\b"#) { return "a plain ISO date" }
        if matches(#"\b[a-z]+_[a-z_]+\b"#), !matches(#"[@/.]"#) { return "an enum's stored key" }
        if enumKeys.contains(text), !names.contains(text) { return "an enum's stored key" }
        if matches(#"(^|[^\d,.])\d{4,}\.\d{2}\b"#) { return "an amount without its grouping" }
        if matches(#"\d \%"#) { return "a space before a percent sign" }
        if matches(#"\d\.\d{3,}"#) { return "a number carried past what anyone reads" }
        return nil
    }

    @Test func theRulesFindWhatTheIssueSaw() {
        #expect(Self.leak("2026-12-05T23:28:34.062384Z") != nil)
        #expect(Self.leak("Closes 2026-12-05") != nil)
        #expect(Self.leak("5 Dec 2026") == nil)
        #expect(Self.leak("closed_lost") != nil)
        #expect(Self.leak("expansion") != nil)
        #expect(Self.leak("30000.00") != nil)
        #expect(Self.leak("100.4 %") != nil)
        #expect(Self.leak("1.6406×") != nil)
        #expect(Self.leak("USD 30,000.00") == nil)
        #expect(Self.leak("98.9%") == nil)
        #expect(Self.leak("1 Dec 2026, 14:05 UTC") == nil)
        #expect(Self.leak("Closed lost") == nil)
        #expect(Self.visibleText(#"<td title="a_b">x</td><input value="2026-12-01T00:00">"#) == ["a_b", "x"])
    }

    /// Item 7's time zone: a page draws a moment in the firm's zone (`FirmZoneMiddleware`
    /// sets it once per request), and UTC, said as such, until the firm has chosen one.
    @Test func momentsAreDrawnInTheFirmsZone() throws {
        let moment = Timestamp(microsecondsSinceEpoch: 1_796_133_900_000_000)  // 2026-12-01T14:05:00Z
        #expect(Formatting.moment(moment) == "1 Dec 2026, 14:05 UTC")
        let brussels = try #require(TimeZone(identifier: "Europe/Brussels"))
        let there = Formatting.$zone.withValue(brussels) { Formatting.moment(moment) }
        #expect(there.hasPrefix("1 Dec 2026, 15:05 "), "\(there)")
        let auckland = try #require(TimeZone(identifier: "Pacific/Auckland"))
        #expect(Formatting.$zone.withValue(auckland) { Formatting.day(moment) } == CalendarDate(year: 2026, month: 12, day: 2),
                "late afternoon in Europe is the next morning in New Zealand")
    }

    /// The pages each role opens in a day, with the demo firm's records in them.
    func pages(_ app: TestApp) async throws -> [(who: String, path: String)] {
        func first(_ sql: Query) async throws -> String {
            guard let row = try await app.sql(sql).first else { return "" }
            return try row.decode("v", as: String.self)
        }
        let account = try await first("SELECT id::text AS v FROM accounts ORDER BY id LIMIT 1")
        let open = try await first("SELECT id::text AS v FROM opportunities WHERE stage_key NOT IN ('closed_won', 'closed_lost') ORDER BY id LIMIT 1")
        let won = try await first("SELECT id::text AS v FROM opportunities WHERE stage_key = 'closed_won' ORDER BY id LIMIT 1")
        let lost = try await first("SELECT id::text AS v FROM opportunities WHERE stage_key = 'closed_lost' ORDER BY id LIMIT 1")
        let proposal = try await first("SELECT id::text AS v FROM proposals ORDER BY id DESC LIMIT 1")
        let project = try await first("SELECT id::text AS v FROM projects ORDER BY id LIMIT 1")
        let run = try await first("SELECT id::text AS v FROM bonus_runs ORDER BY id LIMIT 1")
        let statement = try await first("SELECT run_id::text || '/' || user_id::text AS v FROM bonus_statements ORDER BY run_id, user_id LIMIT 1")
        let calendar = try await first("SELECT id::text AS v FROM holiday_calendars ORDER BY id LIMIT 1")
        let person = try await first("SELECT id::text AS v FROM users WHERE email = 'ana.torres@demo.test'")
        let plan = try await first("SELECT id::text AS v FROM bonus_plans ORDER BY id LIMIT 1")
        let typical = try await first("SELECT id::text AS v FROM typical_projects ORDER BY id LIMIT 1")
        let admin = [
            "/", "/accounts", "/accounts/\(account)", "/opportunities", "/contacts", "/pipeline", "/opportunities/\(open)",
            "/opportunities/\(won)", "/opportunities/\(lost)", "/proposals/\(proposal)", "/projects", "/projects/\(project)",
            "/projects/\(project)/staffing", "/projects/\(project)/budget", "/resources", "/tasks", "/notifications",
            "/reports", "/reports/pipeline", "/reports/sales-performance", "/reports/delivery", "/reports/growth", "/reports/profitability",
            "/bonus", "/bonus/\(statement)", "/bonus-runs/\(run)", "/time-off", "/time-off/approvals", "/timesheet",
            "/admin", "/admin/people", "/admin/people/\(person)", "/admin/people/\(person)/calendar", "/admin/skills",
            "/admin/holidays", "/admin/holidays/\(calendar)", "/admin/stages", "/admin/stages/qualification", "/admin/lost-reasons",
            "/admin/typical-projects", "/admin/typical-projects/\(typical)", "/admin/quotas", "/admin/bonus-plans",
            "/admin/bonus-plans/\(plan)", "/imports", "/rotation", "/reports/recurring-revenue", "/agreements", "/admin/settings",
            "/my-week", "/search?q=ana", "/pipeline?period=all",
        ].map { (who: "admin", path: $0) }
        let others = [
            ("ana.torres", "/"), ("ana.torres", "/my-week"), ("ana.torres", "/time-off"), ("morgan.reyes", "/"),
            ("morgan.reyes", "/time-off/approvals"), ("morgan.reyes", "/timesheet"), ("felix.braun", "/"), ("felix.braun", "/bonus"),
            ("felix.braun", "/timesheet"), ("ivy.chen", "/my-week"), ("ivy.chen", "/timesheet"), ("ivy.chen", "/time-off"),
        ].map { (who: $0.0, path: $0.1) }
        return admin + others
    }

    @Test func noPageOfTheDemoFirmShowsARawValue() async throws {
        try await TestApp.run(business: true) { app in
            let skills = Set(try await app.sql("SELECT name FROM skills UNION SELECT role FROM assignments").map { try $0.decode("name", as: String.self) })
            var sessions: [String: String] = [:]
            var leaks: [String] = []
            for (who, path) in try await pages(app) {
                let session: String
                if let known = sessions[who] {
                    session = known
                } else {
                    session = try await app.signIn("\(who)@demo.test")
                    sessions[who] = session
                }
                let response = try await app.page(path, session)
                #expect(response.status == .ok, "\(who) \(path): \(response.status)")
                for text in Self.visibleText(response.text) {
                    if let leak = Self.leak(text, names: skills) { leaks.append("\(who) \(path): \(leak): \(text.prefix(120))") }
                }
            }
            #expect(leaks.isEmpty, "\(leaks.count) raw values:\n\(leaks.joined(separator: "\n"))")
        }
    }
}
