@testable import BatonApp
import BatonCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Sites in from CSV (issue 24, item 1, "coordinates entered or imported"), and the
/// import page's row imports (agreements and sites, issue 19 item 4 and issue 23 item 6).
@Suite struct SiteImportTests {
    func importSites(_ app: TestApp, _ csv: String, token: String, dryRun: Bool = false) async throws -> TestResponse {
        try await app.client.execute(
            uri: "/api/v1/sites/import\(dryRun ? "?dryRun=true" : "")", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    }

    func accounts(_ app: TestApp, _ token: String) async throws {
        for (name, id) in [("Northwind", "NW-1"), ("Contoso", "CT-1")] {
            let made = try await app.api(.post, "accounts", token, #"{"name": "\#(name)", "ownerId": 4, "externalId": "\#(id)"}"#)
            #expect(made.status == .created, "\(made.text)")
        }
    }

    func sites(_ app: TestApp) async throws -> [String] {
        try await app.sql("""
            SELECT a.external_id || ' ' || s.name || ' ' || s.time_zone || ' ' || coalesce(s.latitude::text, '-') || ' '
                   || coalesce(s.longitude::text, '-') || ' ' || coalesce(s.access_notes, '-') || ' ' || s.is_main AS site
            FROM sites s JOIN accounts a ON a.id = s.account_id WHERE a.external_id IN ('NW-1', 'CT-1') ORDER BY a.external_id, s.name
            """).map { try $0.decode("site") }
    }

    static let good = """
        Account External ID,Site Name,Address,Time zone,Latitude,Longitude,Access notes,Main,Floor
        NW-1,Head office,"1 Harbour Rd, Portland",America/Los_Angeles,45.523064,-122.676483,Badge at reception,yes,3
        NW-1,Warehouse,,America/Los_Angeles,45.5,-122.7,,no,
        CT-1,Plant,,,,,Gate 2,,

        """

    @Test func rowErrorsRefuseTheWholeFileThenItImportsOnceAndAgainChangesNothing() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            try await accounts(app, admin)
            let bad = """
                account_external_id,site_name,latitude,longitude,time_zone,main
                NW-1,Head office,45,10,Europe/Brussels,yes
                XX-9,Depot,10,-180.5,Mars/Olympus,maybe
                NW-1,Annex,north,,,
                CT-1,,,,,
                NW-1,head office,,,,yes
                CT-1,Depot,90.5,10,,

                """
            let refused = try await importSites(app, bad, token: admin)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            let errors = try (refused.object["errors"] as? [[String: Any]] ?? []).map {
                "\($0["line"] as? Int ?? 0) \($0["field"] as? String ?? ""): \($0["message"] as? String ?? "")"
            }
            let all = errors.joined(separator: "\n")
            #expect(all.contains("7 latitude: Latitude must be from -90 to 90"), "\(all)")
            #expect(all.contains("3 account_external_id: No account you can see has the external id XX-9"), "\(all)")
            #expect(all.contains("3 longitude: Longitude must be from -180 to 180"), "\(all)")
            #expect(all.contains("3 time_zone: Time zone must be a zone name"), "\(all)")
            #expect(all.contains("3 main: Main must be yes or no"), "\(all)")
            #expect(all.contains("4 latitude: Latitude must be a number of degrees"), "\(all)")
            #expect(all.contains("5 site_name: Name must be 1 to 200 characters"), "\(all)")
            #expect(all.contains("6 site_name: Line 2 already names the site head office"), "\(all)")
            #expect(all.contains("6 main: Line 2 already makes another site"), "\(all)")
            #expect(try refused.object["valid"] as? Int == 1, "line 2 alone is without errors")
            #expect(try await sites(app).isEmpty, "all or nothing: no site was stored")

            let dry = try await importSites(app, Self.good, token: admin, dryRun: true)
            #expect(dry.status == .ok, "\(dry.text)")
            #expect(try dry.object["created"] as? Int == 3 && dry.object["errorCount"] as? Int == 0)
            let warnings = try dry.object["warnings"] as? [[String: Any]] ?? []
            #expect(warnings.first?["field"] as? String == "Floor", "the unused column is named")
            #expect(try await sites(app).isEmpty, "a dry run stores nothing")

            let imported = try await importSites(app, Self.good, token: admin)
            #expect(imported.status == .ok, "\(imported.text)")
            #expect(try imported.object["created"] as? Int == 3)
            let stored = [
                "CT-1 Plant UTC - - Gate 2 false",
                "NW-1 Head office America/Los_Angeles 45.523064 -122.676483 Badge at reception true",
                "NW-1 Warehouse America/Los_Angeles 45.500000 -122.700000 - false",
            ]
            #expect(try await sites(app) == stored)
            let audited = try await app.sql("SELECT count(*)::int AS n FROM audit_log WHERE entity = 'site' AND action = 'create'")
            #expect(try audited.first?.decode("n", as: Int.self) == 3, "each site is written through SiteActions, audited")

            let again = try await importSites(app, Self.good, token: admin)
            #expect(try again.object["unchanged"] as? Int == 3 && again.object["created"] as? Int == 0, "\(again.text)")
            #expect(try await sites(app) == stored, "re-importing the file changes nothing")

            // A row names its site by account and name: this one moves the main site and the
            // coordinates; the columns the file lacks keep what is stored.
            let change = """
                account external id,site name,main,latitude,longitude
                NW-1,HEAD OFFICE,no,45.6,-122.6
                NW-1,Warehouse,yes,45.5,-122.7

                """
            let changed = try await importSites(app, change, token: admin)
            #expect(try changed.object["updated"] as? Int == 2 && changed.object["created"] as? Int == 0, "\(changed.text)")
            #expect(try await sites(app) == [
                "CT-1 Plant UTC - - Gate 2 false",
                "NW-1 HEAD OFFICE America/Los_Angeles 45.600000 -122.600000 Badge at reception false",
                "NW-1 Warehouse America/Los_Angeles 45.500000 -122.700000 - true",
            ])
        }
    }

    /// The travel-times table from CSV: sites named by account and name (a firm place by
    /// its name alone), either direction one entry, empty minutes removing it.
    @Test func travelTimesImportByPlaceNamesAllOrNothingAndOnce() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            try await accounts(app, admin)
            #expect(try await importSites(app, Self.good, token: admin).status == .ok)
            let office = try await app.api(.post, "sites", admin, #"{"name": "Import test office", "timeZone": "Europe/Brussels"}"#)
            #expect(office.status == .created, "\(office.text)")
            func send(_ csv: String, token: String? = nil, dryRun: Bool = false) async throws -> TestResponse {
                try await app.client.execute(
                    uri: "/api/v1/travel-times/import\(dryRun ? "?dryRun=true" : "")", method: .post,
                    headers: [.authorization: "Bearer \(token ?? admin)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
            }
            func table() async throws -> [String] {
                try await app.sql("""
                    SELECT f.name || ' - ' || t.name || ' ' || tt.minutes AS entry FROM travel_times tt
                    JOIN sites f ON f.id = tt.from_site_id JOIN sites t ON t.id = tt.to_site_id
                    WHERE f.name IN ('Head office', 'Warehouse', 'Plant', 'Import test office') ORDER BY 1
                    """).map { try $0.decode("entry") }
            }
            let bad = """
                from account external id,from site,to account external id,to site,minutes
                ,Import test office,NW-1,Head office,45
                NW-1,Head office,NW-1,Nowhere,20
                XX-9,Plant,CT-1,Plant,1441
                NW-1,Warehouse,,Import test office,30
                ,Import test office,NW-1,HEAD OFFICE,50

                """
            let refused = try await send(bad)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            let all = refused.text
            #expect(all.contains("The account NW-1 has no site named Nowhere"), "\(all)")
            #expect(all.contains("No account you can see has the external id XX-9"), "\(all)")
            #expect(all.contains("Minutes must be a whole number from 0 to 1440"), "\(all)")
            #expect(all.contains("Line 2 already gives the time between these two places"), "\(all)")
            #expect(try await table().isEmpty, "all or nothing")

            let good = """
                from account external id,from site,to account external id,to site,minutes
                ,Import test office,NW-1,Head office,45
                NW-1,Warehouse,NW-1,Head office,20

                """
            let imported = try await send(good)
            #expect(try imported.object["created"] as? Int == 2, "\(imported.text)")
            // One row per pair, the smaller id first: the names read in either order.
            let entries = try await table()
            #expect(entries.count == 2 && entries.contains { $0.contains("Warehouse") && $0.hasSuffix(" 20") }
                    && entries.contains { $0.contains("Import test office") && $0.hasSuffix(" 45") }, "\(entries)")
            let again = try await send(good)
            #expect(try again.object["unchanged"] as? Int == 2 && again.object["created"] as? Int == 0, "\(again.text)")
            let removed = try await send("from account external id,from site,to account external id,to site,minutes\nNW-1,Head office,NW-1,Warehouse,\n")
            #expect(try removed.object["updated"] as? Int == 1, "\(removed.text)")
            #expect(try await table().count == 1, "empty minutes remove the entry")

            let ana = try await app.signIn("ana.torres@demo.test")
            #expect(try await send(good, token: ana, dryRun: true).status == .forbidden, "an account manager does not keep the table")
        }
    }

    @Test func onlyImportersImportSitesAndAFileWithoutItsColumnsIsRefused() async throws {
        try await TestApp.run { app in
            let consultant = try await app.signIn("ivy.chen@demo.test")
            #expect(try await importSites(app, Self.good, token: consultant).status == .forbidden)
            let admin = try await app.signIn("admin@demo.test")
            let missing = try await importSites(app, "account external id,address\nNW-1,x\n", token: admin, dryRun: true)
            #expect(missing.status == .unprocessableContent)
            #expect(missing.text.contains("missing: site name"), "\(missing.text)")
        }
    }

    @Test func theImportPageChecksAndImportsAgreementsAndSites() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            try await accounts(app, admin)
            let session = try await app.signIn("admin@demo.test")
            let page = ImportPageTests()
            let form = try await app.page("/imports", session).text
            #expect(form.contains(#"<option value="agreements">Agreements</option>"#) && form.contains(#"<option value="sites">Sites</option>"#))
            let csrf = try await app.csrf(session, from: "/imports")
            let agreements = """
                account external id,start,end,mrr,auto-renew,owner
                NW-1,2026-01-01,2099-12-31,1500.00,yes,Ana

                """
            let checked = try await page.post(app, session, [("csrf", csrf, false), ("kind", "agreements", false), ("step", "check", false),
                                                              ("file", agreements, true)])
            #expect(checked.status == .ok)
            #expect(checked.text.contains("The term must be at most 120 months"), "the row error is listed")
            #expect(checked.text.contains("owner") && checked.text.contains("Baton does not use this column"), "the unused column is a warning")
            #expect(!checked.text.contains(#"value="import""#), "no import while the file has errors")

            let fixed = agreements.replacingOccurrences(of: "2099-12-31", with: "2027-12-31")
            let clean = try await page.post(app, session, [("csrf", csrf, false), ("kind", "agreements", false), ("step", "check", false),
                                                            ("file", fixed, true)])
            #expect(clean.text.contains(#"value="import""#), "\(clean.text)")
            let imported = try await page.post(app, session, [("csrf", csrf, false), ("kind", "agreements", false), ("step", "import", false),
                                                               ("csv", fixed, false)])
            #expect(imported.text.contains("Imported: 1 created"), "\(imported.text)")
            #expect(try await app.sql("SELECT count(*)::int AS n FROM agreements a JOIN accounts c ON c.id = a.account_id WHERE c.external_id = 'NW-1'")
                .first?.decode("n", as: Int.self) == 1)

            let sites = try await page.post(app, session, [("csrf", csrf, false), ("kind", "sites", false), ("step", "import", false),
                                                            ("csv", Self.good, false)])
            #expect(sites.text.contains("Imported: 3 created"), "\(sites.text)")
            let again = try await page.post(app, session, [("csrf", csrf, false), ("kind", "sites", false), ("step", "import", false),
                                                            ("csv", Self.good, false)])
            #expect(again.text.contains("0 created, 0 updated, 3 unchanged"), "\(again.text)")
        }
    }
}
