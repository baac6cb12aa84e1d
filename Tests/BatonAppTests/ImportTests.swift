import BatonApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres
import PostgresTesting
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
            #expect(try dry.object["valid"] as? Int == 2)
            #expect(try await count(app, "accounts") == 0, "a dry run stores nothing")
            let warnings = try dry.object["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.contains { $0["field"] as? String == "OwnerId" && $0["line"] as? Int == 3 },
                    "an unmatched owner is a warning, not an error")
            #expect(warnings.first?["field"] as? String == "Phone", "a column Baton does not read is named (issue 16, item 3)")

            #expect(try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana).object["created"] as? Int == 2)
            #expect(try await importCSV(app, "contacts", Self.salesforceContacts, token: ana).object["created"] as? Int == 2)
            let opportunities = try await importCSV(app, "opportunities", Self.salesforceOpportunities, token: ana)
            #expect(opportunities.status == .ok, "\(opportunities.text)")
            #expect(try opportunities.object["created"] as? Int == 3)

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
            #expect(try again.object["created"] as? Int == 0)
            #expect(try await count(app, "opportunities") == 3)
        }
    }

    /// Issue 16, item 8, through an import: a won deal on a prospect makes it a client,
    /// audited, exactly as a win through the API does.
    @Test func anImportedWinMakesAProspectAnActiveAccountAudited() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await importCSV(app, "accounts", Self.salesforceAccounts, token: ana).status == .ok)
            let status = "SELECT status FROM accounts WHERE external_id = 'sf:001A000002'"
            #expect(try await app.sql(Query(unsafeSQL: status)).first?.decode("status", as: String.self) == "prospect")
            let won = """
                Id,AccountId,Name,StageName,Amount,CloseDate,Type,OwnerId
                006B01,001A000002,West cabling phase 2,Closed Won,15000,2026-06-30,New Customer,ana.torres@demo.test

                """
            let imported = try await importCSV(app, "opportunities", won, token: ana)
            #expect(imported.status == .ok, "\(imported.text)")
            #expect(try await app.sql(Query(unsafeSQL: status)).first?.decode("status", as: String.self) == "active")
            let audit = try await app.sql("""
                SELECT a.changes->'status'->>'new' AS new, a.actor_id FROM audit_log a JOIN accounts c ON c.id = a.entity_id
                WHERE a.entity = 'account' AND a.action = 'update' AND c.external_id = 'sf:001A000002'
                """)
            #expect(try audit.first?.decode("new", as: String?.self) == "active")
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
            let errors = try (r.object["errors"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? "") \($0["field"] ?? "")" }
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
            #expect(try (unbalanced.object["detail"] as? String)?.contains("line 2") == true)
            let missing = try await importCSV(app, "accounts", "domain,industry\nacme.example,Energy\n", token: ana)
            #expect(missing.status == .unprocessableContent)
            #expect(try (missing.object["detail"] as? String)?.lowercased().contains("name") == true)
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
            #expect(try back.object["created"] as? Int == 0)
            // Issue 16, item 5: an export imported back changes nothing, so writes nothing.
            #expect(try back.object["updated"] as? Int == 0)
            #expect(try back.object["unchanged"] as? Int == 1)
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

    // MARK: Issue 14, item 8: size, who may import, and streaming

    /// A TestApp whose imports are capped at `megabytes`.
    static func runWithImportLimit(_ megabytes: Int, _ test: @Sendable @escaping (TestApp) async throws -> Void) async throws {
        let database = try await TestDatabases.shared.migratedDatabase(migrationsDirectory: TestApp.sqlDirectory)
        var configuration = AppConfiguration()
        configuration.demo = .people
        configuration.sqlDirectory = TestApp.sqlDirectory.path
        configuration.poolSize = 4
        configuration.importMaxMB = megabytes
        var logger = Logger(label: "test-app")
        logger.logLevel = .critical
        let app = try await buildApplication(configuration, database: database, logger: logger)
        try await app.test(.router) { client in
            try await test(TestApp(client: client, database: database))
        }
    }

    /// `count` accounts rows of about 65 bytes each, with row `i` (1-based) given by `row`.
    static func accountsFile(_ count: Int, row: (Int) -> String = { "crm-\($0),Account \($0),a\($0).example,ana.torres@demo.test,active" }) -> String {
        var text = "externalId,name,domain,ownerEmail,status\n"
        text.reserveCapacity(count * 80)
        for i in 1...count { text += row(i) + "\n" }
        return text
    }

    @Test func aFileOverTheDefaultFiftyMBGets413NamingTheLimit() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            var big = ByteBuffer(string: "name\n")
            let line = ByteBuffer(string: String(repeating: "x", count: 1023) + "\n")
            for _ in 0..<(51 << 10) { big.writeImmutableBuffer(line) }
            let r = try await app.client.execute(uri: "/api/v1/imports/accounts?dryRun=true", method: .post,
                headers: [.authorization: "Bearer \(ana)", .contentType: "text/csv"], body: big)
            #expect(r.status == .contentTooLarge)
            #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(try (r.object["detail"] as? String)?.contains("50 MB") == true, "\(r.text)")
        }
    }

    @Test func theLimitComesFromImportMaxMB() async throws {
        try await Self.runWithImportLimit(1) { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let over = try await importCSV(app, "accounts", Self.accountsFile(20_000), token: ana, dryRun: true)
            #expect(over.status == .contentTooLarge)
            #expect(try (over.object["detail"] as? String)?.contains("1 MB") == true, "\(over.text)")
            let under = try await importCSV(app, "accounts", Self.accountsFile(10_000), token: ana, dryRun: true)
            #expect(under.status == .ok, "\(under.text)")
            #expect(try under.object["valid"] as? Int == 10_000)
        }
        #expect(try AppConfiguration.fromEnvironment(["IMPORT_MAX_MB": "7"]).importMaxMB == 7)
        #expect(try AppConfiguration.fromEnvironment([:]).importMaxMB == 50)
        #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["IMPORT_MAX_MB": "0"]) }
    }

    /// Imports write records in bulk for the people they name: admins, managers and
    /// account managers may; sales people, project managers and consultants may not.
    @Test(arguments: [("admin@demo.test", true), ("morgan.reyes@demo.test", true), ("ana.torres@demo.test", true),
                      ("dev.patel@demo.test", false), ("ivy.chen@demo.test", false)])
    func onlyRolesThatRunABookImport(email: String, allowed: Bool) async throws {
        try await TestApp.run { app in
            let token = try await app.signIn(email)
            let r = try await importCSV(app, "accounts", Self.hubspotCompanies, token: token, dryRun: true)
            #expect(r.status == (allowed ? .ok : .forbidden), "\(email): \(r.text)")
        }
    }

    @Test func aSalesPersonGets403AndNothingIsStored() async throws {
        try await TestApp.run { app in
            let dev = try await app.signIn("dev.patel@demo.test")
            let r = try await importCSV(app, "accounts", Self.hubspotCompanies, token: dev)
            #expect(r.status == .forbidden)
            #expect(try await count(app, "accounts") == 0)
        }
    }

    /// A file of a few MB goes through the streaming reader in 32 KiB pieces and
    /// the staging table in batches: lines are counted across pieces (a quoted
    /// line break included), an id repeated far apart is caught, and a real import
    /// with a bad row stores nothing.
    @Test func aLargeFileStreamsWithExactLinesAndAllOrNothing() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let rows = 40_000
            func row(_ i: Int, broken: Bool) -> String {
                switch i {
                case 3: return "crm-3,\"Acme\nWest, Inc.\",acme.example,ana.torres@demo.test,active"
                case 10_000 where broken: return "crm-10000,Account 10000,a.example,ana.torres@demo.test,bogus"
                case 30_000 where broken: return "crm-7,Account 30000,a.example,ana.torres@demo.test,active"
                case 39_999 where broken: return "crm-39999,,a.example,ana.torres@demo.test,active"
                default: return "crm-\(i),Account \(i),a\(i).example,ana.torres@demo.test,active"
                }
            }
            let bad = Self.accountsFile(rows) { row($0, broken: true) }
            #expect(bad.utf8.count > 2 << 20)
            // Row i is on line i + 1, and one more from row 4 on (the quoted line break).
            let expected = ["10002 status", "30002 externalId", "40001 name"]

            let dry = try await importCSV(app, "accounts", bad, token: ana, dryRun: true)
            #expect(dry.status == .ok)
            #expect(try dry.object["rows"] as? Int == rows)
            #expect(try dry.object["valid"] as? Int == rows - 3)
            #expect(try dry.object["errorCount"] as? Int == 3)
            let errors = try dry.object["errors"] as? [[String: Any]] ?? []
            #expect(errors.map { "\($0["line"] ?? "") \($0["field"] ?? "")" } == expected)
            #expect(errors.map { $0["message"] as? String ?? "" }.contains("External Id crm-7 is also on line 9; keep one row per record"))

            let refused = try await importCSV(app, "accounts", bad, token: ana)
            #expect(refused.status == .unprocessableContent)
            #expect(try (refused.object["errors"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? "") \($0["field"] ?? "")" } == expected)
            #expect(try await count(app, "accounts") == 0, "all or nothing")

            let good = try await importCSV(app, "accounts", Self.accountsFile(rows) { row($0, broken: false) }, token: ana)
            #expect(good.status == .ok, "\(good.text.prefix(500))")
            #expect(try good.object["created"] as? Int == rows)
            #expect(try await count(app, "accounts") == rows)
            let acme = try await app.sql("SELECT name FROM accounts WHERE external_id = 'crm-3'")
            #expect(try acme.first?.decode("name", as: String.self) == "Acme\nWest, Inc.")
            let audit = try await app.sql("SELECT count(*) AS n FROM audit_log WHERE entity = 'account'")
            #expect(try audit.first?.decode("n", as: Int.self) == rows)
        }
    }

    /// A file of nothing but bad rows must not make a report as large as the file.
    @Test func aReportListsTheFirstThousandProblemsAndCountsThemAll() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let file = Self.accountsFile(1_500) { "crm-\($0),Account \($0),,,bogus" }
            let r = try await importCSV(app, "accounts", file, token: ana, dryRun: true)
            #expect(r.status == .ok)
            #expect(try r.object["errorCount"] as? Int == 1_500)
            #expect(try (r.object["errors"] as? [Any])?.count == 1_000)
            #expect(try r.object["valid"] as? Int == 0)
            #expect(try (r.object["errors"] as? [[String: Any]])?.first?["line"] as? Int == 2)
        }
    }

    // MARK: Issue 14, item 9: baton: ids are Baton's

    func accountID(_ app: TestApp, named name: String) async throws -> Int64 {
        try await app.sql("SELECT id FROM accounts WHERE name = \(name)").first.map { try $0.decode("id", as: Int64.self) } ?? -1
    }

    func rowErrors(_ r: TestResponse) throws -> [String] {
        (try r.object["errors"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? "") \($0["field"] ?? ""): \($0["message"] ?? "")" }
    }

    /// Ben (an account manager beside Ana, not above her) cannot see Ana's client.
    /// Naming it by its Baton id, naming a record that does not exist, and taking an
    /// external id her record has all get the same words, and store nothing.
    @Test func aBatonIdOrExternalIdOfARecordOneCannotSeeIsRefusedWithoutSayingItExists() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let ben = try await app.signIn("ben.okafor@demo.test")
            let created = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Northwind", "externalId": "crm-77"}"#)
            #expect(created.status == .created, "\(created.text)")
            let northwind = try await accountID(app, named: "Northwind")

            let squat = try await importCSV(app, "accounts", "externalId,name\nbaton:\(northwind),Impostor\n", token: ben)
            let missing = try await importCSV(app, "accounts", "externalId,name\nbaton:987654321,Impostor\n", token: ben)
            let taken = try await importCSV(app, "accounts", "externalId,name\ncrm-77,Impostor\n", token: ben)
            for r in [squat, missing, taken] {
                #expect(r.status == .unprocessableContent, "\(r.text)")
                #expect(r.headers[.contentType]?.hasPrefix("application/json") == true, "a row error, not a 409")
            }
            #expect(try rowErrors(squat) == ["2 externalId: baton:\(northwind) is not an account you can see, and no new account can take this id; leave it empty or use another"])
            #expect(try rowErrors(missing) == ["2 externalId: baton:987654321 is not an account you can see, and no new account can take this id; leave it empty or use another"])
            #expect(try rowErrors(taken) == ["2 externalId: crm-77 is not an account you can see, and no new account can take this id; leave it empty or use another"])
            #expect(try await count(app, "accounts") == 1)
            let held = try await app.sql("SELECT count(*) AS n FROM accounts WHERE external_id LIKE 'baton:%'")
            #expect(try held.first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test(arguments: ["contacts", "opportunities"])
    func aBatonIdOfAContactOrDealOneCannotSeeIsRefusedTheSameWay(kind: String) async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let ben = try await app.signIn("ben.okafor@demo.test")
            _ = try await importCSV(app, "accounts", "externalId,name\nana-1,Ana's client\n", token: ana)
            _ = try await importCSV(app, "accounts", "externalId,name\nben-1,Ben's client\n", token: ben)
            let anas = kind == "contacts" ? "externalId,accountExternalId,name\nc-1,ana-1,Jane\n"
                : "externalId,accountExternalId,name,stage,closeDate\no-1,ana-1,Deal,prospecting,2027-01-15\n"
            #expect(try await importCSV(app, kind, anas, token: ana).status == .ok)
            let table = kind
            let hidden = try await app.sql(Query(unsafeSQL: "SELECT id FROM \(table)")).first.map { try $0.decode("id", as: Int64.self) } ?? -1
            let noun = kind == "contacts" ? "contact" : "opportunity"
            let article = kind == "contacts" ? "a" : "an"
            for id in ["baton:\(hidden)", "baton:987654321", kind == "contacts" ? "c-1" : "o-1"] {
                let bens = kind == "contacts" ? "externalId,accountExternalId,name\n\(id),ben-1,Impostor\n"
                    : "externalId,accountExternalId,name,stage,closeDate\n\(id),ben-1,Impostor,prospecting,2027-01-15\n"
                let r = try await importCSV(app, kind, bens, token: ben)
                #expect(r.status == .unprocessableContent, "\(id): \(r.text)")
                #expect(try rowErrors(r) == ["2 externalId: \(id) is not \(article) \(noun) you can see, and no new \(noun) can take this id; leave it empty or use another"])
            }
            let names = try await app.sql(Query(unsafeSQL: "SELECT name FROM \(table)")).map { try $0.decode("name", as: String.self) }
            #expect(!names.contains("Impostor"))
        }
    }

    /// An export names records without an external id as `baton:<id>`; importing it
    /// back updates those very records, and a `baton:` id can never be stored.
    @Test func anExportReimportedByAnAdminUpdatesTheRealRecords() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Contoso"}"#).status == .created)
            let contoso = try await accountID(app, named: "Contoso")
            let export = try await app.request(.get, "/api/v1/exports/accounts.csv", token: admin)
            #expect(export.text.contains("baton:\(contoso),Contoso"))
            let back = try await importCSV(app, "accounts", export.text.replacingOccurrences(of: "Contoso", with: "Contoso Ltd"), token: admin)
            #expect(back.status == .ok, "\(back.text)")
            #expect(try back.object["updated"] as? Int == 1)
            #expect(try back.object["created"] as? Int == 0)
            #expect(try await accountID(app, named: "Contoso Ltd") == contoso)
            // The database holds the rule too, whatever a route does.
            await #expect(throws: PostgresError.self) {
                try await app.sql("UPDATE accounts SET external_id = 'baton:1' WHERE id = \(contoso)")
            }
            // A malformed or differently written Baton id is no reference at all.
            let odd = try await importCSV(app, "accounts", "externalId,name\nBATON:\(contoso),Odd\nbaton:x1,Odder\n", token: admin)
            #expect(odd.status == .unprocessableContent)
            #expect(try rowErrors(odd).count == 2)
            #expect(try rowErrors(odd).allSatisfy { $0.contains("are Baton's own record ids") })
        }
    }
}
