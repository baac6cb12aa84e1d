import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The account manager's day: accounts, contacts, activities and the pipeline.
@Suite struct PipelineTests {
    /// Creates a record and returns its JSON.
    @discardableResult
    func create(_ app: TestApp, _ path: String, _ token: String, _ json: String) async throws -> [String: Any] {
        let r = try await app.request(.post, "/api/v1/\(path)", token: token, json: json)
        #expect(r.status == .created, "POST \(path): \(r.text)")
        return try r.object
    }

    func patch(_ app: TestApp, _ path: String, _ token: String, _ json: String) async throws -> TestResponse {
        let current = try await app.request(.get, "/api/v1/\(path)", token: token)
        let etag = current.headers[.eTag] ?? "\"0\""
        return try await app.request(.patch, "/api/v1/\(path)", token: token, json: json, headers: [.ifMatch: etag])
    }

    @Test func anAccountManagerWorksAnExpansionThroughTheStages() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await create(app, "accounts", ana,
                #"{"name": "Northwind Logistics", "domain": "https://www.northwind.example/", "industry": "Transportation", "status": "active", "address": {"street": "12 Harbor Rd", "city": "Portland", "region": "OR", "postalCode": "97201", "country": "USA"}}"#)
            let accountID = try #require(account["id"] as? Int)
            #expect(account["domain"] as? String == "northwind.example")
            #expect(account["ownerId"] as? Int == 4)
            let contact = try await create(app, "contacts", ana,
                #"{"accountId": \#(accountID), "name": "Kim Lee", "email": "kim@northwind.example", "title": "CTO", "buyingRole": "decision_maker"}"#)
            try await create(app, "activities", ana,
                #"{"kind": "call", "subject": "Discussed the WAN", "accountId": \#(accountID), "contactId": \#(contact["id"] as! Int), "doneAt": "2026-11-20T15:00:00Z"}"#)

            // Expansion needs an account that has bought before.
            let early = try await app.request(.post, "/api/v1/opportunities", token: ana,
                json: #"{"accountId": \#(accountID), "name": "WAN refresh", "kind": "expansion", "stage": "qualification", "amount": "84000.00", "closeDate": "2026-12-15"}"#)
            #expect(early.status == .unprocessableContent)
            #expect(try early.fieldErrors["kind"] != nil)
            let first = try await create(app, "opportunities", ana,
                #"{"accountId": \#(accountID), "name": "Assessment", "stage": "closed_won", "amount": "24000.00", "closeDate": "2026-06-30", "closedOn": "2026-06-28"}"#)
            #expect(first["wonOn"] as? String == "2026-06-28")

            let wan = try await create(app, "opportunities", ana,
                #"{"accountId": \#(accountID), "name": "WAN refresh", "kind": "expansion", "stage": "qualification", "amount": "84000.00", "closeDate": "2026-12-15", "nextStep": "Send revised SOW", "source": "referral"}"#)
            let wanID = try #require(wan["id"] as? Int)
            #expect(wan["probability"] as? String == "20")
            #expect(wan["forecastCategory"] as? String == "pipeline")
            #expect((wan["team"] as? [[String: Any]])?.first?["splitPercent"] as? String == "100")

            for (stage, probability, category) in [("needs_analysis", "40", "pipeline"), ("proposal", "60", "best_case"), ("negotiation", "80", "commit")] {
                let moved = try await patch(app, "opportunities/\(wanID)", ana, #"{"stage": "\#(stage)"}"#)
                #expect(moved.status == .ok)
                #expect(try moved.object["probability"] as? String == probability)
                #expect(try moved.object["forecastCategory"] as? String == category)
            }
            let won = try await patch(app, "opportunities/\(wanID)", ana, #"{"stage": "closed_won", "closedOn": "2026-11-20"}"#)
            #expect(won.status == .ok)
            #expect(try won.object["wonOn"] as? String == "2026-11-20")
            #expect(try won.object["forecastCategory"] as? String == "closed")

            let history = try await app.request(.get, "/api/v1/opportunities/\(wanID)/history", token: ana)
            let steps = try (history.object["items"] as? [[String: Any]] ?? []).map { $0["toStage"] as? String ?? "" }
            #expect(steps == ["qualification", "needs_analysis", "proposal", "negotiation", "closed_won"])
            let firstStep = try (history.object["items"] as? [[String: Any]])?.first
            #expect(firstStep?["amount"] as? String == "84000.00")
            #expect(firstStep?["daysInStage"] as? Int == 0)

            let timeline = try await app.request(.get, "/api/v1/accounts/\(accountID)/timeline?limit=100", token: ana)
            let entries = try timeline.object["items"] as? [[String: Any]] ?? []
            #expect(entries.contains { $0["type"] as? String == "activity" && $0["subject"] as? String == "Discussed the WAN" })
            #expect(entries.contains { $0["entity"] as? String == "opportunity" && $0["kind"] as? String == "update" })
            #expect(entries.contains { $0["entity"] as? String == "contact" && $0["kind"] as? String == "create" })
            let times = entries.compactMap { $0["at"] as? String }
            #expect(times == times.sorted(by: >), "newest first")

            // Another account manager does not know any of it exists.
            let ben = try await app.signIn("ben.okafor@demo.test")
            #expect(try await app.request(.get, "/api/v1/accounts/\(accountID)", token: ben).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/opportunities/\(wanID)", token: ben).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/contacts/\(contact["id"] as! Int)", token: ben).status == .notFound)
            let bensAccounts = try await app.request(.get, "/api/v1/accounts", token: ben)
            #expect(try (bensAccounts.object["items"] as? [Any])?.isEmpty == true)
            #expect(try await patch(app, "accounts/\(accountID)", ben, #"{"name": "Mine now"}"#).status == .notFound)
            // Their manager sees it, the admin too.
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            #expect(try await app.request(.get, "/api/v1/opportunities/\(wanID)", token: morgan).status == .ok)
        }
    }

    @Test func visibilityFollowsOwnersTeamsAndReportingLines() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            // Ben (5) owns an account; Felix (9, a project manager) is on its opportunity's team.
            let account = try await create(app, "accounts", admin, #"{"name": "Contoso", "ownerId": 5}"#)
            let id = account["id"] as! Int
            try await create(app, "opportunities", admin,
                #"{"accountId": \#(id), "name": "Cloud move", "stage": "proposal", "amount": "10000.00", "closeDate": "2027-01-31", "ownerId": 5, "team": [{"userId": 5, "role": "owner", "splitPercent": "100"}, {"userId": 9, "role": "project_manager", "splitPercent": "0"}]}"#)
            func sees(_ email: String) async throws -> Bool {
                let token = try await app.signIn(email)
                let list = try await app.request(.get, "/api/v1/accounts", token: token)
                let listed = try (list.object["items"] as? [[String: Any]] ?? []).contains { $0["id"] as? Int == id }
                let single = try await app.request(.get, "/api/v1/accounts/\(id)", token: token).status == .ok
                #expect(listed == single, "\(email): list and record agree")
                return single
            }
            #expect(try await sees("ben.okafor@demo.test"))
            #expect(try await sees("morgan.reyes@demo.test"), "Ben's manager")
            #expect(try await sees("felix.braun@demo.test"), "on the team")
            #expect(try await sees("priya.shah@demo.test"), "Felix's manager")
            #expect(try await !sees("ana.torres@demo.test"))
            #expect(try await !sees("grace.kim@demo.test"))
            #expect(try await !sees("dev.patel@demo.test"), "sales sees only what they are on the team for")
            let dev = try await app.signIn("dev.patel@demo.test")
            let deal = try await app.request(.get, "/api/v1/opportunities?accountId=\(id)", token: admin)
            let dealID = try ((deal.object["items"] as? [[String: Any]])?.first?["id"] as? Int) ?? 0
            let withDev = try await app.request(.patch, "/api/v1/opportunities/\(dealID)", token: admin,
                json: #"{"team": [{"userId": 5, "role": "owner", "splitPercent": "60"}, {"userId": 7, "role": "sales_partner", "splitPercent": "40"}, {"userId": 9, "role": "project_manager", "splitPercent": "0"}]}"#,
                headers: [.ifMatch: "*"])
            #expect(withDev.status == .ok)
            #expect(try await app.request(.get, "/api/v1/accounts/\(id)", token: dev).status == .ok, "on the team now")
            let ivy = try await app.signIn("ivy.chen@demo.test")
            #expect(try await app.request(.get, "/api/v1/accounts", token: ivy).status == .forbidden, "consultants see no pipeline")
            // A project manager on the team reads but does not change the pipeline.
            let felix = try await app.signIn("felix.braun@demo.test")
            #expect(try await patch(app, "accounts/\(id)", felix, #"{"name": "X"}"#).status == .forbidden)
        }
    }

    @Test func splitsMustAddUpToExactlyOneHundred() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await create(app, "accounts", ana, #"{"name": "Fabrikam"}"#)
            let r = try await app.request(.post, "/api/v1/opportunities", token: ana,
                json: #"{"accountId": \#(account["id"] as! Int), "name": "Deal", "stage": "prospecting", "closeDate": "2027-03-01", "team": [{"userId": 4, "role": "owner", "splitPercent": "60"}, {"userId": 7, "role": "sales_partner", "splitPercent": "39.99"}]}"#)
            #expect(r.status == .unprocessableContent)
            #expect(try r.fieldErrors["team"] == "Splits must add up to exactly 100 (they add up to 99.99)")
            let ok = try await create(app, "opportunities", ana,
                #"{"accountId": \#(account["id"] as! Int), "name": "Deal", "stage": "prospecting", "closeDate": "2027-03-01", "team": [{"userId": 4, "role": "owner", "splitPercent": "60"}, {"userId": 7, "role": "sales_partner", "splitPercent": "40"}]}"#)
            #expect((ok["team"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test func closingRulesHoldLostReasonsAndDatesOfRecord() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await create(app, "accounts", ana, #"{"name": "Tailspin"}"#)
            let o = try await create(app, "opportunities", ana,
                #"{"accountId": \#(account["id"] as! Int), "name": "Deal", "stage": "proposal", "amount": "5000.00", "closeDate": "2026-12-01", "probability": "75"}"#)
            let id = o["id"] as! Int
            #expect(o["probability"] as? String == "75")
            #expect(o["probabilityOverridden"] as? Bool == true)
            let noReason = try await patch(app, "opportunities/\(id)", ana, #"{"stage": "closed_lost"}"#)
            #expect(noReason.status == .unprocessableContent)
            #expect(try noReason.fieldErrors["lostReason"] != nil)
            let future = try await patch(app, "opportunities/\(id)", ana, #"{"stage": "closed_lost", "lostReason": "budget cut", "closedOn": "2999-01-01"}"#)
            #expect(future.status == .unprocessableContent)
            #expect(try future.fieldErrors["closedOn"] != nil)
            let badDate = try await patch(app, "opportunities/\(id)", ana, #"{"closeDate": "2026-02-30"}"#)
            #expect(badDate.status == .unprocessableContent)
            #expect(try badDate.fieldErrors["closeDate"] != nil)
            let lost = try await patch(app, "opportunities/\(id)", ana, #"{"stage": "closed_lost", "lostReason": "budget cut", "closedOn": "2026-11-20"}"#)
            #expect(lost.status == .ok)
            #expect(try lost.object["lostOn"] as? String == "2026-11-20")
            #expect(try lost.object["lostReason"] as? String == "budget cut")
            #expect(try lost.object["probability"] as? String == "0")
            // Reopening brings back the stage's own probability.
            let reopened = try await patch(app, "opportunities/\(id)", ana, #"{"stage": "negotiation"}"#)
            #expect(try reopened.object["probability"] as? String == "80")
            #expect(try reopened.object["lostOn"] is NSNull)
        }
    }

    @Test func accountsSearchByNameOrDomainAnywhereAnyCase() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            for (name, domain) in [("Northwind Logistics", "northwind.example"), ("Southwind Air", "sw-air.example"), ("Contoso", "contoso.example")] {
                try await create(app, "accounts", admin, #"{"name": "\#(name)", "domain": "\#(domain)"}"#)
            }
            func search(_ q: String) async throws -> [String] {
                let r = try await app.request(.get, "/api/v1/accounts?q=\(q)", token: admin)
                return try (r.object["items"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            }
            #expect(try await search("WIND") == ["Northwind Logistics", "Southwind Air"])
            #expect(try await search("sw-air") == ["Southwind Air"])
            #expect(try await search("100%25") == [])
        }
    }

    @Test func anAccountHierarchyCannotLoop() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let parent = try await create(app, "accounts", admin, #"{"name": "Holding"}"#)
            let child = try await create(app, "accounts", admin, #"{"name": "Subsidiary", "parentId": \#(parent["id"] as! Int)}"#)
            let loop = try await patch(app, "accounts/\(parent["id"] as! Int)", admin, #"{"parentId": \#(child["id"] as! Int)}"#)
            #expect(loop.status == .unprocessableContent)
            #expect(try loop.fieldErrors["parentId"] != nil)
        }
    }

    @Test func deletingArchivesAndListsLeaveArchivedOut() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let account = try await create(app, "accounts", admin, #"{"name": "Gone Soon"}"#)
            let id = account["id"] as! Int
            #expect(try await app.request(.delete, "/api/v1/accounts/\(id)", token: admin, headers: [.ifMatch: "\"1\""]).status == .noContent)
            let list = try await app.request(.get, "/api/v1/accounts", token: admin)
            #expect(try (list.object["items"] as? [Any])?.isEmpty == true)
            let archived = try await app.request(.get, "/api/v1/accounts/\(id)", token: admin)
            #expect(try archived.object["archived"] as? Bool == true)
            let rows = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity = 'account' AND action = 'archive'")
            #expect(try rows.first!.decode("n", as: Int.self) == 1)
        }
    }

    @Test func aStageInUseCannotBeDeletedAndStagesAreConfigurable() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let stages = try await app.request(.get, "/api/v1/pipeline-stages", token: admin)
            let keys = try (stages.object["items"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
            #expect(keys == ["prospecting", "qualification", "needs_analysis", "proposal", "negotiation", "closed_won", "closed_lost"])
            let added = try await create(app, "pipeline-stages", admin,
                #"{"key": "verbal", "name": "Verbal yes", "order": 55, "probability": "90", "forecastCategory": "commit"}"#)
            #expect(added["probability"] as? String == "90")
            let account = try await create(app, "accounts", admin, #"{"name": "Adatum"}"#)
            try await create(app, "opportunities", admin,
                #"{"accountId": \#(account["id"] as! Int), "name": "Deal", "stage": "verbal", "closeDate": "2027-01-01"}"#)
            let inUse = try await app.request(.delete, "/api/v1/pipeline-stages/verbal", token: admin, headers: [.ifMatch: "\"1\""])
            #expect(inUse.status == .conflict)
            #expect(try await app.request(.delete, "/api/v1/pipeline-stages/prospecting", token: admin, headers: [.ifMatch: "\"1\""]).status == .noContent)
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/pipeline-stages", token: ana,
                json: #"{"key": "x", "name": "X", "order": 1, "probability": "1", "forecastCategory": "pipeline"}"#).status == .forbidden)
        }
    }

    @Test func openTasksComeSoonestDueFirst() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await create(app, "accounts", ana, #"{"name": "Wingtip"}"#)
            let id = account["id"] as! Int
            for (subject, due) in [("later", "2026-12-20T09:00:00Z"), ("sooner", "2026-12-01T09:00:00Z")] {
                try await create(app, "activities", ana, #"{"kind": "task", "subject": "\#(subject)", "accountId": \#(id), "dueAt": "\#(due)"}"#)
            }
            try await create(app, "activities", ana, #"{"kind": "task", "subject": "done", "accountId": \#(id), "doneAt": "2026-11-01T09:00:00Z"}"#)
            let open = try await app.request(.get, "/api/v1/activities?ownerId=4&open=true", token: ana)
            let subjects = try (open.object["items"] as? [[String: Any]] ?? []).compactMap { $0["subject"] as? String }
            #expect(subjects == ["sooner", "later"])
        }
    }

    @Test func pagesNeitherSkipNorRepeatNonASCIINamesOrUndatedTasks() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            var ids: [Int] = []
            for name in ["Zq1 Éa", "Zq1 Éb", "Zq1 Öc"] {
                ids.append(try await create(app, "accounts", ana, #"{"name": "\#(name)"}"#)["id"] as! Int)
            }
            func walk(_ first: String) async throws -> [String] {
                var seen: [String] = []
                var cursor: String?
                var pages = 0
                repeat {
                    let r = try await app.request(.get, first + (cursor.map { "&cursor=\($0)" } ?? ""), token: ana)
                    seen += try (r.object["items"] as? [[String: Any]] ?? []).map { ($0["name"] ?? $0["subject"]) as? String ?? "" }
                    cursor = try r.object["nextCursor"] as? String
                    pages += 1
                } while cursor != nil && pages < 10
                return seen
            }
            #expect(try await walk("/api/v1/accounts?q=Zq1&limit=1").count == 3)
            for subject in ["one", "two", "three"] {
                try await create(app, "activities", ana, #"{"kind": "task", "subject": "\#(subject)", "accountId": \#(ids[0])}"#)
            }
            let tasks = try await walk("/api/v1/activities?open=true&accountId=\(ids[0])&limit=1")
            #expect(tasks.sorted() == ["one", "three", "two"])
        }
    }

    @Test func contactsAtOneAccountHaveDistinctEmails() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let a = try await create(app, "accounts", ana, #"{"name": "Litware"}"#)
            let b = try await create(app, "accounts", ana, #"{"name": "Proseware"}"#)
            let first = try await create(app, "contacts", ana, #"{"accountId": \#(a["id"] as! Int), "name": "Sam", "email": "sam@litware.example"}"#)
            let dup = try await app.request(.post, "/api/v1/contacts", token: ana,
                json: #"{"accountId": \#(a["id"] as! Int), "name": "Samuel", "email": "SAM@litware.example"}"#)
            #expect(dup.status == .conflict)
            #expect(try (dup.object["detail"] as? String)?.contains("Sam (contact \(first["id"] as! Int))") == true)
            try await create(app, "contacts", ana, #"{"accountId": \#(b["id"] as! Int), "name": "Sam", "email": "sam@litware.example"}"#)
        }
    }
}
