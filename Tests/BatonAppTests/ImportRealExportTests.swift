import BatonApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import PostgresTesting
import Testing

/// Issue 16, items 1–5, against the real router and database: a Salesforce report
/// export and a Data Loader export of the same small org, a HubSpot export, value
/// mappings, matching accounts without ids, and exports that import back unchanged.
/// The files are written from the public column lists of those exports.
@Suite struct ImportRealExportTests {
    // MARK: The Salesforce org, as a report export (labels, 15-character ids, US dates)

    static let reportAccounts = """
        Account ID,Account Name,Parent Account ID,Type,Website,Industry,Billing Street,Billing City,Billing State/Province,Billing Zip/Postal Code,Billing Country,Account Owner
        001Dn00000AbCdE,Orca Marine Group,,Customer - Direct,orcamarine.example,Shipping,1 Harbour Rd,Portland,OR,97201,USA,Ana Torres
        001Dn00000FgHiJ,Orca Marine Services,001Dn00000AbCdE,Customer - Channel,orcaservices.example,Shipping,2 Dock St,Seattle,WA,98101,USA,Ana Torres
        001Dn00000KlMnO,Kestrel Logistics,,Prospect,kestrel.example,Logistics,9 Rail Way,Boise,ID,83702,USA,Ana Torres

        """
    static let reportContacts = """
        Contact ID,Account ID,Account Name,First Name,Last Name,Title,Email,Phone,Mobile,Email Opt Out,Contact Role
        003Dn00000PqRsT,001Dn00000AbCdE,Orca Marine Group,Mara,Quinn,COO,mara@orcamarine.example,,+1 503 555 0199,1,Economic Buyer
        003Dn00000UvWxY,001Dn00000KlMnO,Kestrel Logistics,Theo,Vance,IT Lead,theo@kestrel.example,+1 208 555 0142,,0,Technical Buyer

        """
    static let reportOpportunities = """
        Opportunity ID,Account ID,Account Name,Opportunity Name,Stage,Amount,Probability (%),Forecast Category,Close Date,Type,Lead Source,Loss Reason,Created Date,Opportunity Owner
        006Dn00000ZaBcD,001Dn00000AbCdE,Orca Marine Group,Fleet network refit,Closed Won,"$48,000.00",100%,Closed,7/15/2026,New Customer,Partner Referral,,1/10/2026,Ana Torres
        006Dn00000EfGhI,001Dn00000FgHiJ,Orca Marine Services,Dock sensors,Negotiation/Review,"$22,500.00",90%,Commit,12/15/2026,Existing Customer - Upgrade,Web,,3/2/2026,Ana Torres
        006Dn00000JkLmN,001Dn00000KlMnO,Kestrel Logistics,Yard Wi-Fi,Closed Lost,"$9,000.00",0%,Omitted,5/1/2026,New Customer,Trade Show,Price,2/1/2026,Ana Torres

        """

    // MARK: The same org through Data Loader (API names, 18-character ids, ISO timestamps)

    static let loaderAccounts = """
        "Id","Name","ParentId","Type","Website","Industry","BillingStreet","BillingCity","BillingState","BillingPostalCode","BillingCountry","OwnerId","CreatedDate"
        "001Dn00000AbCdEIAV","Orca Marine Group","","Customer - Direct","orcamarine.example","Shipping","1 Harbour Rd","Portland","OR","97201","USA","005Dn000001AnaAAA","2025-11-03T14:22:05.000Z"
        "001Dn00000FgHiJIAV","Orca Marine Services","001Dn00000AbCdEIAV","Customer - Channel","orcaservices.example","Shipping","2 Dock St","Seattle","WA","98101","USA","005Dn000001AnaAAA","2025-11-03T14:25:41.000Z"
        "001Dn00000KlMnOIAV","Kestrel Logistics","","Prospect","kestrel.example","Logistics","9 Rail Way","Boise","ID","83702","USA","005Dn000001AnaAAA","2026-01-20T09:01:00.000Z"

        """
    static let loaderContacts = """
        "Id","AccountId","FirstName","LastName","Title","Email","Phone","MobilePhone","HasOptedOutOfEmail","DoNotCall"
        "003Dn00000PqRsTIAV","001Dn00000AbCdEIAV","Mara","Quinn","COO","mara@orcamarine.example","","+1 503 555 0199","true","false"
        "003Dn00000UvWxYIAV","001Dn00000KlMnOIAV","Theo","Vance","IT Lead","theo@kestrel.example","+1 208 555 0142","","false","false"

        """
    static let loaderOpportunities = """
        "Id","AccountId","Name","StageName","Amount","CloseDate","Type","LeadSource","Probability","ForecastCategoryName","OwnerId","CreatedDate"
        "006Dn00000ZaBcDIAV","001Dn00000AbCdEIAV","Fleet network refit","Closed Won","48000.0","2026-07-15","New Customer","Partner Referral","100","Closed","005Dn000001AnaAAA","2026-01-10T16:40:00.000Z"
        "006Dn00000EfGhIIAV","001Dn00000FgHiJIAV","Dock sensors","Negotiation/Review","22500.0","2026-12-15","Existing Customer - Upgrade","Web","90","Commit","005Dn000001AnaAAA","2026-03-02T10:00:00.000Z"
        "006Dn00000JkLmNIAV","001Dn00000KlMnOIAV","Yard Wi-Fi","Closed Lost","9000.0","2026-05-01","New Customer","Trade Show","0","Omitted","005Dn000001AnaAAA","2026-02-01T08:15:00.000Z"

        """

    // MARK: A HubSpot export (labels, internal and label forms of stages and types)

    static let hubspotCompanies = """
        Record ID,Company name,Company Domain Name,Industry,Company owner,Parent Company,Type,Create Date
        9001,Heron Energy,heron.example,Utilities,ana.torres@demo.test,,CUSTOMER,2025-10-01 10:00
        9002,Heron Field Services,heronfield.example,Utilities,ana.torres@demo.test,9001,PROSPECT,2025-10-02 10:00

        """
    static let hubspotContacts = """
        Record ID,First Name,Last Name,Email,Job Title,Phone Number,Buying Role,Unsubscribed from all email,Associated Company IDs (Primary)
        501,Iris,Moss,iris@heron.example,CFO,+1 555 0100,Budget Holder,true,9001
        502,Olu,Bright,olu@heronfield.example,Field Lead,,CHAMPION,false,9002

        """
    static let hubspotDeals = """
        Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Pipeline,Deal Type,Create Date,Associated Company IDs (Primary)
        7101,Grid telemetry,Appointment Scheduled,"$30,000.00",2027-02-01 00:00,ana.torres@demo.test,Sales Pipeline,New Business,2026-04-01 09:00,9001
        7102,Field tablets,decisionmakerboughtin,12000,2026-12-20,ana.torres@demo.test,Sales Pipeline,existingbusiness,2026-05-05 09:00,9002
        7103,Substation audit,Closed won,8000,2026-06-30,ana.torres@demo.test,Sales Pipeline,New Business,2026-02-14 09:00,9001

        """

    func importCSV(_ app: TestApp, _ kind: String, _ csv: String, token: String, dryRun: Bool = false,
                   mapping: String? = nil) async throws -> TestResponse {
        var query: [String] = []
        if dryRun { query.append("dryRun=true") }
        if let mapping {
            query.append("mapping=" + (mapping.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
        }
        return try await app.client.execute(
            uri: "/api/v1/imports/\(kind)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    }

    func snapshot(_ app: TestApp) async throws -> [String] {
        var out: [String] = []
        let queries: [Query] = [
            """
            SELECT a.external_id || '|' || a.name || '|' || coalesce(a.domain, '') || '|' || coalesce(a.industry, '') || '|'
                   || coalesce(p.external_id, '') || '|' || a.status || '|' || coalesce(a.street, '') || '|' || coalesce(a.city, '')
                   || '|' || coalesce(a.region, '') || '|' || coalesce(a.postal_code, '') || '|' || coalesce(a.country, '')
                   || '|' || u.email || '|v' || a.version AS r
            FROM accounts a LEFT JOIN accounts p ON p.id = a.parent_id JOIN users u ON u.id = a.owner_id ORDER BY a.external_id
            """,
            """
            SELECT c.external_id || '|' || a.external_id || '|' || c.name || '|' || coalesce(c.email, '') || '|'
                   || coalesce(c.phone, '') || '|' || coalesce(c.title, '') || '|' || coalesce(c.buying_role, '') || '|'
                   || c.do_not_contact || '|v' || c.version AS r
            FROM contacts c JOIN accounts a ON a.id = c.account_id ORDER BY c.external_id
            """,
            """
            SELECT o.external_id || '|' || a.external_id || '|' || o.name || '|' || o.kind || '|' || o.stage_key || '|' || o.amount
                   || '|' || o.close_date || '|' || coalesce(o.closed_on::text, '') || '|' || coalesce(o.lost_reason, '') || '|'
                   || coalesce(o.source, '') || '|' || o.created_at::date || '|' || u.email || '|v' || o.version AS r
            FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN users u ON u.id = o.owner_id ORDER BY o.external_id
            """,
        ]
        for query in queries {
            out += try await app.sql(query).map { try $0.decode("r", as: String.self) }
        }
        return out
    }

    // MARK: Items 1 and 2

    @Test func aSalesforceReportExportAndADataLoaderExportImportToTheSameRecords() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            for (kind, file) in [("accounts", Self.reportAccounts), ("contacts", Self.reportContacts),
                                 ("opportunities", Self.reportOpportunities)] {
                let r = try await importCSV(app, kind, file, token: ana)
                #expect(r.status == .ok, "\(kind): \(r.text)")
                #expect(try r.object["created"] as? Int == (kind == "contacts" ? 2 : 3), "\(kind)")
            }
            let fromReport = try await snapshot(app)
            #expect(fromReport.contains(
                "sf:001Dn00000FgHiJIAV|Orca Marine Services|orcaservices.example|Shipping|sf:001Dn00000AbCdEIAV|active|2 Dock St|Seattle|WA|98101|USA|ana.torres@demo.test|v1"),
                "ids, parents and the whole billing address arrive: \(fromReport)")
            #expect(fromReport.contains(
                "sf:003Dn00000PqRsTIAV|sf:001Dn00000AbCdEIAV|Mara Quinn|mara@orcamarine.example|+1 503 555 0199|COO|decision_maker|true|v1"),
                "Email Opt Out = 1 is do-not-contact; the mobile is the phone when there is no other")
            #expect(fromReport.contains(
                "sf:006Dn00000ZaBcDIAV|sf:001Dn00000AbCdEIAV|Fleet network refit|new_business|closed_won|48000.00|2026-07-15|2026-07-15||partner_referral|2026-01-10|ana.torres@demo.test|v1"),
                "New Customer is new business, and the created date is kept")
            #expect(fromReport.contains(
                "sf:006Dn00000JkLmNIAV|sf:001Dn00000KlMnOIAV|Yard Wi-Fi|new_business|closed_lost|9000.00|2026-05-01|2026-05-01|Price|event|2026-02-01|ana.torres@demo.test|v1"))

            for (kind, file) in [("accounts", Self.loaderAccounts), ("contacts", Self.loaderContacts),
                                 ("opportunities", Self.loaderOpportunities)] {
                let r = try await importCSV(app, kind, file, token: ana)
                #expect(r.status == .ok, "\(kind): \(r.text)")
                #expect(try r.object["created"] as? Int == 0, "\(kind): \(r.text)")
                #expect(try r.object["updated"] as? Int == 0, "\(kind): the Data Loader file says nothing new: \(r.text)")
            }
            #expect(try await snapshot(app) == fromReport, "both files are the same records, unchanged")
        }
    }

    @Test func aHubSpotExportImportsWithParentsRolesAndBothFormsOfStagesAndTypes() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            for (kind, file) in [("accounts", Self.hubspotCompanies), ("contacts", Self.hubspotContacts),
                                 ("opportunities", Self.hubspotDeals)] {
                let r = try await importCSV(app, kind, file, token: ana)
                #expect(r.status == .ok, "\(kind): \(r.text)")
            }
            let rows = try await snapshot(app)
            #expect(rows.contains { $0.hasPrefix("hs:9002|Heron Field Services|heronfield.example|Utilities|hs:9001|prospect|") })
            #expect(rows.contains { $0.hasPrefix("hs:501|hs:9001|Iris Moss|iris@heron.example|+1 555 0100|CFO|billing|true|") })
            #expect(rows.contains { $0.hasPrefix("hs:502|hs:9002|Olu Bright|olu@heronfield.example||Field Lead|influencer|false|") })
            #expect(rows.contains { $0.hasPrefix("hs:7101|hs:9001|Grid telemetry|new_business|prospecting|30000.00|2027-02-01||||2026-04-01|") })
            #expect(rows.contains { $0.hasPrefix("hs:7102|hs:9002|Field tablets|expansion|proposal|12000.00|") })
            #expect(rows.contains { $0.hasPrefix("hs:7103|hs:9001|Substation audit|new_business|closed_won|8000.00|2026-06-30|2026-06-30|||2026-02-14|") })
        }
    }

    // MARK: Item 3

    @Test func unusedColumnsAreWarningsAndAnUnknownValueIsARowErrorUntilItIsMapped() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            _ = try await importCSV(app, "accounts", Self.reportAccounts, token: ana)
            let file = """
                Opportunity Name,Account ID,Stage,Close Date,Type,Fiscal Quarter
                Tug charter,001Dn00000AbCdE,Prospecting,12/1/2026,Partner Deal,Q4
                Tug refit,001Dn00000AbCdE,Scoping,12/1/2026,New Customer,Q4

                """
            let dry = try await importCSV(app, "opportunities", file, token: ana, dryRun: true)
            #expect(dry.status == .ok)
            let warnings = try (dry.object["warnings"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? "") \($0["field"] ?? "")" }
            #expect(warnings == ["1 Fiscal Quarter"], "a column Baton does not read is named, not dropped silently")
            let errors = try (dry.object["errors"] as? [[String: Any]] ?? []).map { "\($0["field"] ?? ""): \($0["message"] ?? "")" }
            #expect(errors.contains(#"Type: Kind "Partner Deal" is not one of new_business, expansion, renewal; change the cell or map the value to one of them"#))
            #expect(errors.contains { $0.hasPrefix(#"Stage: Stage "Scoping" is not one of prospecting, qualification"#) }, "\(errors)")
            let unmapped = try dry.object["unmapped"] as? [[String: Any]] ?? []
            #expect(unmapped.map { "\($0["column"] ?? "") \($0["value"] ?? "")" } == ["Type Partner Deal", "Stage Scoping"])
            #expect((unmapped.first?["accepted"] as? [String]) == ["new_business", "expansion", "renewal"])

            let refused = try await importCSV(app, "opportunities", file, token: ana)
            #expect(refused.status == .unprocessableContent)
            let mapped = try await importCSV(app, "opportunities", file, token: ana,
                                             mapping: #"{"Type": {"Partner Deal": "new_business"}, "Stage": {"scoping": "qualification"}}"#)
            #expect(mapped.status == .ok, "\(mapped.text)")
            #expect(try mapped.object["created"] as? Int == 2)
            let kinds = try await app.sql("SELECT name || ' ' || kind || ' ' || stage_key AS r FROM opportunities ORDER BY name")
                .map { try $0.decode("r", as: String.self) }
            #expect(kinds == ["Tug charter new_business prospecting", "Tug refit new_business qualification"])

            let bad = try await importCSV(app, "opportunities", file, token: ana, mapping: #"{"Type": "new_business"}"#)
            #expect(bad.status == .badRequest)
            #expect(bad.text.contains("mapping"))
        }
    }

    // MARK: Item 4

    @Test func anAccountWithoutAKnownIdMatchesByDomainOrNameInsteadOfDuplicating() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/accounts", token: ana,
                                          json: #"{"name": "Orca Marine Group", "domain": "orcamarine.example"}"#).status == .created)
            #expect(try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Kestrel Logistics, Inc."}"#).status == .created)
            let file = """
                name,domain,city
                Orca Marine Group Ltd,https://www.orcamarine.example/,Portland
                kestrel logistics inc,,Boise
                Brand New Co,brandnew.example,Austin

                """
            let dry = try await importCSV(app, "accounts", file, token: ana, dryRun: true)
            #expect(dry.status == .ok, "\(dry.text)")
            #expect(try dry.object["matched"] as? Int == 2)
            let warnings = try (dry.object["warnings"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? "") \($0["field"] ?? ""): \($0["message"] ?? "")" }
            #expect(warnings.contains { $0.hasPrefix("2 domain: Matches account ") && $0.contains("(Orca Marine Group) by domain") }, "\(warnings)")
            #expect(warnings.contains { $0.hasPrefix("3 name: Matches account ") && $0.contains("by name") }, "\(warnings)")
            let real = try await importCSV(app, "accounts", file, token: ana)
            #expect(try real.object["created"] as? Int == 1)
            #expect(try real.object["updated"] as? Int == 2)
            let names = try await app.sql("SELECT name || ' ' || coalesce(city, '') AS r FROM accounts ORDER BY id").map { try $0.decode("r", as: String.self) }
            #expect(names == ["Orca Marine Group Ltd Portland", "kestrel logistics inc Boise", "Brand New Co Austin"])
            // Twice: still three accounts.
            #expect(try await importCSV(app, "accounts", file, token: ana).object["created"] as? Int == 0)
            #expect(try await app.sql("SELECT count(*) AS n FROM accounts").first?.decode("n", as: Int.self) == 3)
        }
    }

    @Test func anAccountMatchedWithoutAnIdTakesTheRowsIdSoTheOtherFilesLinkUp() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await app.request(.post, "/api/v1/accounts", token: ana,
                                          json: #"{"name": "Orca Marine Group", "domain": "orcamarine.example"}"#).status == .created)
            let r = try await importCSV(app, "accounts", Self.reportAccounts, token: ana)
            #expect(try r.object["created"] as? Int == 2, "\(r.text)")
            #expect(try await importCSV(app, "contacts", Self.reportContacts, token: ana).status == .ok)
            #expect(try await app.sql("SELECT count(*) AS n FROM accounts").first?.decode("n", as: Int.self) == 3)
        }
    }

    // MARK: Item 5

    @Test(arguments: ["accounts", "contacts", "opportunities"])
    func everyExportImportsBackAndChangesNothing(kind: String) async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let before = try await app.sql(Query(unsafeSQL: "SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) AS h, count(*) AS n FROM \(kind) t")).first
            let export = try await app.request(.get, "/api/v1/exports/\(kind).csv", token: admin)
            #expect(export.status == .ok)
            let back = try await importCSV(app, kind, export.text, token: admin)
            #expect(back.status == .ok, "\(back.text.prefix(2000))")
            #expect(try back.object["created"] as? Int == 0)
            #expect(try back.object["updated"] as? Int == 0, "\(back.text.prefix(2000))")
            #expect(try back.object["unchanged"] as? Int == (try before?.decode("n", as: Int.self)))
            let after = try await app.sql(Query(unsafeSQL: "SELECT md5(string_agg(t::text, ',' ORDER BY t.id)) AS h FROM \(kind) t")).first
            #expect(try after?.decode("h", as: String.self) == before?.decode("h", as: String.self), "not a field, version or time changed")
        }
    }

    @Test func aRowThatOnlyMovesTheParentIsAnUpdateWithANewVersion() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            _ = try await importCSV(app, "accounts", Self.reportAccounts, token: ana)
            let file = "Account ID,Account Name,Parent Account ID\n001Dn00000KlMnO,Kestrel Logistics,001Dn00000AbCdE\n"
            let r = try await importCSV(app, "accounts", file, token: ana)
            #expect(try r.object["updated"] as? Int == 1, "\(r.text)")
            #expect(try r.object["unchanged"] as? Int == 0)
            let row = try await app.sql("""
                SELECT p.external_id || ' v' || a.version AS r FROM accounts a JOIN accounts p ON p.id = a.parent_id
                WHERE a.external_id = 'sf:001Dn00000KlMnOIAV'
                """).first?.decode("r", as: String.self)
            #expect(row == "sf:001Dn00000AbCdEIAV v2", "the parent moved, and the version (so the ETag) with it")
        }
    }

    @Test func aWonDealWithAFutureCloseDateRoundTripsAndImportedHistoryKeepsItsCycle() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            _ = try await importCSV(app, "accounts", Self.reportAccounts, token: ana)
            _ = try await importCSV(app, "opportunities", Self.reportOpportunities, token: ana)
            // Won today, though its close date was planned for next year.
            try await app.sql("""
                UPDATE opportunities SET close_date = current_date + 200, closed_on = current_date - 1
                WHERE external_id = 'sf:006Dn00000ZaBcDIAV'
                """)
            let export = try await app.request(.get, "/api/v1/exports/opportunities.csv", token: ana)
            #expect(export.text.hasPrefix("externalId,accountExternalId,name,kind,stage,amount,closeDate,ownerEmail,nextStep,source,probability,forecastCategory,lostReason,wonOn,lostOn,createdOn"))
            let back = try await importCSV(app, "opportunities", export.text, token: ana)
            #expect(back.status == .ok, "\(back.text)")
            #expect(try back.object["updated"] as? Int == 0)
            let cycle = try await app.sql("""
                SELECT closed_on - created_at::date AS days FROM opportunities WHERE external_id = 'sf:006Dn00000JkLmNIAV'
                """).first?.decode("days", as: Int.self)
            #expect(cycle == 89, "created 2026-02-01, lost 2026-05-01: the imported history keeps its cycle length")
        }
    }
}
