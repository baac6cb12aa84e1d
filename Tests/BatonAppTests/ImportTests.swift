import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// CSV imports from common CRM exports, and exports that import back.
@Suite struct ImportTests {
    static let salesforceAccounts = """
        Id,Name,Website,Industry,Type,ParentId,OwnerId,BillingStreet,BillingCity,BillingState,BillingPostalCode,BillingCountry,Phone
        001A000001,Acme Corp,https://www.acme.example,Manufacturing,Customer - Direct,,ana.torres@demo.test,1 Main St,Portland,OR,97201,USA,555-1234
        001A000002,"Acme West, Inc.",acmewest.example,Manufacturing,Prospect,001A000001,005000000000XYZ,2 Side St,Seattle,WA,98101,USA,

        """
    static let salesforceContacts = """
        Id,AccountId,FirstName,LastName,Title,Email,Phone
        003A01,001A000001,Jane,Doe,CIO,jane@acme.example,555-1
        003A02,001A000002,John,Roe,IT Director,john@acmewest.example,

        """
    static let salesforceOpportunities = """
        Id,AccountId,Name,StageName,Amount,CloseDate,Type,NextStep,LeadSource,Probability,ForecastCategoryName,OwnerId
        006A01,001A000001,Acme network assessment,Closed Won,24000,2026-06-30,New Business,,Referral,100,Closed,ana.torres@demo.test
        006A02,001A000001,Acme WAN refresh,Negotiation/Review,84000.00,2026-12-15,Existing Customer - Upgrade,Send SOW,Web,80,Commit,ana.torres@demo.test
        006A03,001A000002,West cabling,Closed Lost,12000,2026-05-01,New Business,,,0,Omitted,ana.torres@demo.test

        """
    static let hubspotCompanies = """
        Record ID,Company name,Company Domain Name,Industry,Company owner
        9001,Globex,globex.example,Energy,ana.torres@demo.test

        """
    static let hubspotDeals = """
        Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Pipeline,Associated Company IDs
        7001,Globex grid study,presentationscheduled,"$45,000.00",2027-01-15 00:00,ana.torres@demo.test,Sales Pipeline,9001
        7002,Globex training,closedwon,9000,2026-09-01,ana.torres@demo.test,Sales Pipeline,9001;9002

        """

    func importCSV(_ app: TestApp, _ kind: String, _ csv: String, token: String, dryRun: Bool = false) async throws -> TestResponse {
        try await app.client.execute(
            uri: "/api/v1/imports/\(kind)\(dryRun ? "?dryRun=true" : "")", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    }

    func count(_ app: TestApp, _ table: String) async throws -> Int {
        try await app.sql(Query(unsafeSQL: "SELECT count(*) AS n FROM \(table)")).first!.decode("n")
    }

    @Test func aSalesforceExportImportsCleanlyAfterADryRun() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let dry = try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana, dryRun: true)
            #expect(dry.status == .ok)
            #expect(dry.object["valid"] as? Int == 2)
            #expect(try await count(app, "accounts") == 0, "a dry run stores nothing")
            let warnings = dry.object["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.first?["field"] as? String == "OwnerId", "an unmatched owner is a warning, not an error")

            #expect(try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana).object["created"] as? Int == 2)
            #expect(try await importCSV(app, "contacts", Self.salesforceContacts, token: ana).object["created"] as? Int == 2)
            let opportunities = try await importCSV(app, "opportunities", Self.salesforceOpportunities, token: ana)
            #expect(opportunities.status == .ok, "\(opportunities.text)")
            #expect(opportunities.object["created"] as? Int == 3)

            let rows = try await app.sql("""
                SELECT o.external_id, o.stage_key, o.kind, o.amount::text AS amount, o.closed_on::text AS closed_on, a.name AS account
                FROM opportunities o JOIN accounts a ON a.id = o.account_id ORDER BY o.external_id
                """)
            let byID = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode("external_id", as: String.self), $0) })
            #expect(try byID["sf:006A01"]?.decode("stage_key", as: String.self) == "closed_won")
            #expect(try byID["sf:006A01"]?.decode("closed_on", as: String?.self) == "2026-06-30", "closed deals take their close date")
            #expect(try byID["sf:006A02"]?.decode("kind", as: String.self) == "expansion")
            #expect(try byID["sf:006A02"]?.decode("account", as: String.self) == "Acme Corp")
            let parent = try await app.sql("SELECT p.external_id FROM accounts a JOIN accounts p ON p.id = a.parent_id")
            #expect(try parent.first?.decode("external_id", as: String.self) == "sf:001A000001")
            let history = try await app.sql("SELECT count(*) AS n FROM opportunity_stage_history")
            #expect(try history.first!.decode("n", as: Int.self) == 3)
            let audit = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity IN ('account', 'contact', 'opportunity')")
            #expect(try audit.first!.decode("n", as: Int.self) == 7)

            // Importing the same file again updates; it adds nothing.
            let again = try await importCSV(app, "opportunities", Self.salesforceOpportunities, token: ana)
            #expect(again.object["created"] as? Int == 0)
            #expect(try await count(app, "opportunities") == 3)
        }
    }

    @Test func aHubSpotExportImportsWithItsStageIds() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await importCSV(app, "accounts", Self.hubspotCompanies, token: ana, dryRun: true).object["valid"] as? Int == 1)
            #expect(try await importCSV(app, "accounts", Self.hubspotCompanies, token: ana).status == .ok)
            let deals = try await importCSV(app, "opportunities", Self.hubspotDeals, token: ana)
            #expect(deals.status == .ok, "\(deals.text)")
            let rows = try await app.sql("SELECT external_id, stage_key, amount::text AS amount FROM opportunities ORDER BY external_id")
            #expect(try rows.map { try $0.decode("stage_key", as: String.self) } == ["needs_analysis", "closed_won"])
            #expect(try rows.first?.decode("amount", as: String.self) == "45000.00")
        }
    }

    @Test func aRealImportWithABadRowStoresNothingAndListsEveryProblem() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            _ = try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana)
            let bad = Self.salesforceOpportunities + "006A04,001A000001,Broken,Prospecting,-5,2026-02-30,New Business,,,10,Pipeline,\n"
                + "006A05,001A999999,Orphan,Prospecting,5,2026-12-01,New Business,,,10,Pipeline,\n"
            let r = try await importCSV(app, "opportunities", bad, token: ana)
            #expect(r.status == .unprocessableContent)
            let errors = (r.object["errors"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? "") \($0["field"] ?? "")" }
            #expect(errors.contains("5 Amount"))
            #expect(errors.contains("5 CloseDate"))
            #expect(errors.contains("6 AccountId"))
            #expect(try await count(app, "opportunities") == 0)
        }
    }

    @Test func malformedFilesGetAClearErrorAndStoreNothing() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let unbalanced = try await importCSV(app, "accounts", "name,domain\n\"Acme,acme.example\nOther,x.example\n", token: ana)
            #expect(unbalanced.status == .unprocessableContent)
            #expect((unbalanced.object["detail"] as? String)?.contains("line 2") == true)
            let missing = try await importCSV(app, "accounts", "domain,industry\nacme.example,Energy\n", token: ana)
            #expect(missing.status == .unprocessableContent)
            #expect((missing.object["detail"] as? String)?.lowercased().contains("name") == true)
            var latin1 = ByteBuffer(string: "name\n")
            latin1.writeBytes([0x43, 0x61, 0x66, 0xE9, 0x0A])
            let notUTF8 = try await app.client.execute(uri: "/api/v1/imports/accounts", method: .post,
                headers: [.authorization: "Bearer \(ana)", .contentType: "text/csv"], body: latin1)
            #expect(notUTF8.status == .unprocessableContent)
            #expect(try await count(app, "accounts") == 0)
        }
    }

    @Test func anExportImportsBackAsUpdatesAndNeutralisesFormulas() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let created = try await app.request(.post, "/api/v1/accounts", token: ana,
                json: #"{"name": "=HYPERLINK(\"http://evil.example\")", "domain": "evil.example", "industry": "+1 Energy"}"#)
            #expect(created.status == .created)
            let export = try await app.request(.get, "/api/v1/exports/accounts.csv", token: ana)
            #expect(export.status == .ok)
            #expect(export.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(export.text.contains("'=HYPERLINK"), "a formula is neutralised")
            #expect(!export.text.contains(",=HYPERLINK"))
            let back = try await importCSV(app, "accounts", export.text, token: ana)
            #expect(back.status == .ok, "\(back.text)")
            #expect(back.object["created"] as? Int == 0)
            #expect(back.object["updated"] as? Int == 1)
            let name = try await app.sql("SELECT name, industry FROM accounts")
            #expect(try name.first?.decode("name", as: String.self) == #"=HYPERLINK("http://evil.example")"#, "stored verbatim")
            #expect(try name.first?.decode("industry", as: String.self) == "+1 Energy")
        }
    }

    @Test func concurrentImportsOfOneFileMakeNoDuplicates() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana).status }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .ok })
            #expect(try await count(app, "accounts") == 2)
        }
    }

    @Test func aPartialFileNeverErasesWhatBatonHas() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            _ = try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana)
            _ = try await importCSV(app, "opportunities", Self.salesforceOpportunities, token: ana)
            let dev = try await app.sql("SELECT id FROM users WHERE email = 'dev.patel@demo.test'").first!.decode("id", as: Int64.self)
            try await app.sql("""
                INSERT INTO opportunity_team (opportunity_id, user_id, role, split_percent)
                SELECT id, \(dev), 'sales_partner', 0 FROM opportunities WHERE external_id = 'sf:006A02'
                """)
            let partial = "Id,Name,StageName,CloseDate,AccountId\n006A02,Acme WAN refresh (renamed),Negotiation/Review,2026-12-20,001A000001\n"
            let r = try await importCSV(app, "opportunities", partial, token: ana)
            #expect(r.status == .ok, "\(r.text)")
            let row = try await app.sql("""
                SELECT name, amount::text AS amount, kind, (SELECT count(*) FROM opportunity_team t WHERE t.opportunity_id = o.id) AS team
                FROM opportunities o WHERE external_id = 'sf:006A02'
                """).first!
            #expect(try row.decode("name", as: String.self) == "Acme WAN refresh (renamed)")
            #expect(try row.decode("amount", as: String.self) == "84000.00", "no Amount column: the amount stays")
            #expect(try row.decode("kind", as: String.self) == "expansion")
            #expect(try row.decode("team", as: Int.self) == 2, "no owner named: the team stays")
        }
    }

    @Test func consultantsCannotImport() async throws {
        try await TestApp.run { app in
            let ivy = try await app.signIn("ivy.chen@demo.test")
            #expect(try await importCSV(app, "accounts", Self.hubspotCompanies, token: ivy).status == .forbidden)
        }
    }
}
