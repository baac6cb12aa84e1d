import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Issue 21, item 6: the opportunities import writes its team rows, stage steps and
/// create entries from the rows its insert returns, not by diffing each stored row
/// against nothing. These tests hold it to what the rows themselves say: every create
/// entry is `audit_diff` of the whole new row (as the import wrote it before), every
/// update entry the diff of the row before and after, and the team, stage history,
/// totals and account status exactly as written out here by hand.
@Suite struct ImportDerivedRowsTests {
    /// Morgan Reyes imports; Ana Torres and Ben Okafor are in his line, somebody@else is nobody.
    static let first = """
        Id,AccountId,Name,StageName,Amount,CloseDate,Type,NextStep,LeadSource,Probability,ForecastCategoryName,OwnerId
        006D01,001A000001,Open with overrides,Negotiation/Review,84000.00,2027-03-15,New Business,Send SOW,Web,70,Best Case,ana.torres@demo.test
        006D02,001A000002,Won on a prospect,Closed Won,24000,2026-06-30,New Business,,Referral,100,Closed,ben.okafor@demo.test
        006D03,001A000001,Lost without a reason,Closed Lost,12000,2026-05-01,Existing Customer - Upgrade,,,0,Omitted,
        006D04,001A000001,No amount and nobody known,Prospecting,,2027-01-31,New Business,,,,,somebody@else.test

        """
    /// The same file later: a stage move, two rows as they were, a new owner, a new deal.
    static let second = """
        Id,AccountId,Name,StageName,Amount,CloseDate,Type,NextStep,LeadSource,Probability,ForecastCategoryName,OwnerId
        006D01,001A000001,Open with overrides,Proposal/Price Quote,90000.00,2027-03-15,New Business,Send SOW,Web,,,ana.torres@demo.test
        006D02,001A000002,Won on a prospect,Closed Won,24000,2026-06-30,New Business,,Referral,100,Closed,ben.okafor@demo.test
        006D03,001A000001,Lost without a reason,Closed Lost,12000,2026-05-01,Existing Customer - Upgrade,,,0,Omitted,ben.okafor@demo.test
        006D04,001A000001,No amount and nobody known,Prospecting,,2027-01-31,New Business,,,,,somebody@else.test
        006D05,001A000002,Second deal,Qualification,5000,2027-02-01,New Business,,,,,ana.torres@demo.test

        """

    func importCSV(_ app: TestApp, _ kind: String, _ csv: String, token: String) async throws -> TestResponse {
        try await app.client.execute(
            uri: "/api/v1/imports/\(kind)", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
    }

    func lines(_ app: TestApp, _ query: Query) async throws -> [String] {
        try await app.sql(query).map { try $0.decode("line", as: String.self) }
    }

    func number(_ app: TestApp, _ query: Query) async throws -> Int {
        try await app.sql(query).first!.decode("n", as: Int.self)
    }

    /// Entries of `entity` (rows of `table`) whose changes are not `audit_diff` of the row
    /// before (the table `before`, or none) and the row now, of `action`.
    func entriesUnlikeTheirDiff(_ app: TestApp, entity: String = "opportunity", table: String = "opportunities",
                                action: String, before: String?) async throws -> Int {
        let old = before.map { "(SELECT to_jsonb(b) FROM \($0) b WHERE b.id = o.id)" } ?? "NULL"
        return try await number(app, Query(unsafeSQL: """
            SELECT count(*) AS n FROM audit_log a JOIN \(table) o ON o.id = a.entity_id
            WHERE a.entity = '\(entity)' AND a.action = '\(action)' AND a.changes IS DISTINCT FROM audit_diff(\(old), to_jsonb(o))
            """))
    }

    /// Accounts and contacts too: their create entries come from the new rows, not a diff
    /// against nothing, and say what `audit_diff` of the whole row says.
    @Test func accountAndContactCreateEntriesAreTheirWholeRows() async throws {
        try await TestApp.run { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let accounts = try await importCSV(app, "accounts", ImportTests.salesforceAccounts, token: morgan)
            #expect(accounts.status == .ok, "\(accounts.text)")
            let contacts = try await importCSV(app, "contacts", ImportTests.salesforceContacts, token: morgan)
            #expect(contacts.status == .ok, "\(contacts.text)")
            let made = try await number(app, "SELECT count(*) AS n FROM audit_log WHERE entity IN ('account', 'contact') AND action = 'create'")
            #expect(made == (try accounts.object["created"] as? Int ?? -1) + (try contacts.object["created"] as? Int ?? -1) && made > 0)
            #expect(try await entriesUnlikeTheirDiff(app, entity: "account", table: "accounts", action: "create", before: nil) == 0)
            #expect(try await entriesUnlikeTheirDiff(app, entity: "contact", table: "contacts", action: "create", before: nil) == 0)

            // The same files again change nothing, so they write no entry.
            #expect(try await importCSV(app, "accounts", ImportTests.salesforceAccounts, token: morgan).status == .ok)
            #expect(try await importCSV(app, "contacts", ImportTests.salesforceContacts, token: morgan).status == .ok)
            #expect(try await number(app, "SELECT count(*) AS n FROM audit_log WHERE entity IN ('account', 'contact')") == made)
        }
    }

    @Test func theTeamHistoryAuditAndTotalsAreWhatTheRowsSay() async throws {
        try await TestApp.run { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let accounts = try await importCSV(app, "accounts", ImportTests.salesforceAccounts, token: morgan)
            #expect(accounts.status == .ok, "\(accounts.text)")

            let first = try await importCSV(app, "opportunities", Self.first, token: morgan)
            #expect(first.status == .ok, "\(first.text)")
            #expect(try first.object["created"] as? Int == 4)
            #expect(try await entriesUnlikeTheirDiff(app, action: "create", before: nil) == 0,
                    "each create entry lists every column of the new row, as audit_diff of the whole row does")
            #expect(try await number(app, "SELECT count(*) AS n FROM audit_log WHERE entity = 'opportunity' AND action = 'create'") == 4)
            let unknown = try await lines(app, """
                SELECT (a.changes->'owner_id'->>'new') || ' ' || (a.changes->'amount'->>'new') || ' ' || (a.changes ? 'archived_at')::text
                       || ' ' || coalesce(a.changes->'lost_reason'->>'new', '-') AS line
                FROM audit_log a JOIN opportunities o ON o.id = a.entity_id AND a.entity = 'opportunity'
                WHERE o.external_id IN ('sf:006D03', 'sf:006D04') ORDER BY o.external_id
                """)
            let morganID = try await app.id(of: "morgan.reyes@demo.test", token: morgan)
            #expect(unknown == ["\(morganID) 12000.00 true not given in the import", "\(morganID) 0.00 true -"],
                    "nobody named, or nobody known: the importer's; no amount: 0.00; lost without a reason: said so")

            try await app.sql("CREATE TABLE import_test_before AS SELECT * FROM opportunities")
            let second = try await importCSV(app, "opportunities", Self.second, token: morgan)
            #expect(second.status == .ok, "\(second.text)")
            #expect(try second.object["created"] as? Int == 1)
            #expect(try second.object["updated"] as? Int == 2)
            #expect(try second.object["unchanged"] as? Int == 2)
            #expect(try await entriesUnlikeTheirDiff(app, action: "update", before: "import_test_before") == 0,
                    "each update entry is the diff of the row before and after")
            #expect(try await entriesUnlikeTheirDiff(app, action: "create", before: nil) == 2,
                    "only 006D01 and 006D03 changed since their create entries; 006D05's is its whole row")
            let entries = try await lines(app, """
                SELECT o.external_id || ' ' || a.action || ' ' || (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(a.changes) k)
                       AS line
                FROM audit_log a JOIN opportunities o ON o.id = a.entity_id AND a.entity = 'opportunity'
                WHERE a.action = 'update' ORDER BY o.external_id
                """)
            #expect(entries == ["sf:006D01 update amount,forecast_category_override,probability_override,stage_key",
                                "sf:006D03 update owner_id"])
            let ownerChange = try await lines(app, """
                SELECT a.changes::text AS line FROM audit_log a JOIN opportunities o ON o.id = a.entity_id AND a.entity = 'opportunity'
                WHERE a.action = 'update' AND o.external_id = 'sf:006D03'
                """)
            let benID = try await app.id(of: "ben.okafor@demo.test", token: morgan)
            #expect(ownerChange == [#"{"owner_id": {"new": \#(benID), "old": \#(morganID)}}"#])

            let team = try await lines(app, """
                SELECT o.external_id || ' ' || u.email || ' ' || t.role || ' ' || t.split_percent AS line
                FROM opportunity_team t JOIN opportunities o ON o.id = t.opportunity_id JOIN users u ON u.id = t.user_id
                ORDER BY o.external_id, u.email
                """)
            #expect(team == ["sf:006D01 ana.torres@demo.test owner 100.00", "sf:006D02 ben.okafor@demo.test owner 100.00",
                             "sf:006D03 ben.okafor@demo.test owner 100.00", "sf:006D04 morgan.reyes@demo.test owner 100.00",
                             "sf:006D05 ana.torres@demo.test owner 100.00"])
            let history = try await lines(app, """
                SELECT o.external_id || ' ' || coalesce(h.from_stage, '-') || '>' || h.to_stage || ' ' || h.amount || ' ' || h.close_date
                       || ' ' || h.probability || ' ' || h.forecast_category || ' ' || u.email AS line
                FROM opportunity_stage_history h JOIN opportunities o ON o.id = h.opportunity_id JOIN users u ON u.id = h.changed_by
                ORDER BY o.external_id, h.id
                """)
            #expect(history == [
                "sf:006D01 ->negotiation 84000.00 2027-03-15 70.00 best_case morgan.reyes@demo.test",
                "sf:006D01 negotiation>proposal 90000.00 2027-03-15 60.00 best_case morgan.reyes@demo.test",
                "sf:006D02 ->closed_won 24000.00 2026-06-30 100.00 closed morgan.reyes@demo.test",
                "sf:006D03 ->closed_lost 12000.00 2026-05-01 0.00 omitted morgan.reyes@demo.test",
                "sf:006D04 ->prospecting 0.00 2027-01-31 10.00 pipeline morgan.reyes@demo.test",
                "sf:006D05 ->qualification 5000.00 2027-02-01 20.00 pipeline morgan.reyes@demo.test",
            ])
            let buyer = try await lines(app, """
                SELECT a.status || ' ' || (SELECT string_agg(l.changes::text, ';') FROM audit_log l
                                           WHERE l.entity = 'account' AND l.entity_id = a.id AND l.action = 'update') AS line
                FROM accounts a WHERE a.external_id = 'sf:001A000002'
                """)
            #expect(buyer == [#"active {"status": {"new": "active", "old": "prospect"}}"#])
            let totals = try await ReportTotalsTests.differences(app)
            #expect(totals.credit == 0 && totals.stage == 0, "the totals are what counting the opportunities gives")

            // All or nothing: one bad row, and not one derived row more.
            let counts: Query = """
                SELECT (SELECT count(*) FROM opportunities) + (SELECT count(*) FROM opportunity_team) * 100
                       + (SELECT count(*) FROM opportunity_stage_history) * 10000 + (SELECT count(*) FROM audit_log) * 1000000 AS n
                """
            let before = try await number(app, counts)
            let bad = Self.second.replacingOccurrences(of: "006D05,001A000002", with: "006D06,001A000002")
                + "006D07,001A999999,Nowhere,Prospecting,1,2027-01-31,New Business,,,,,\n"
            let refused = try await importCSV(app, "opportunities", bad, token: morgan)
            #expect(refused.status == .unprocessableContent, "\(refused.text)")
            #expect(try await number(app, counts) == before)
        }
    }
}
