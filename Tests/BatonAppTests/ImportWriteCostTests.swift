import BatonApp
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Issue 21, item 6: the opportunities import gives each new deal its stage's `is_open`
/// itself (joined from the stages), so the deals' row trigger that would look it up once
/// per row does not run. The flag must still be the stage's for open, won and lost deals,
/// as the trigger and the foreign key to (stage, is_open) make it.
@Suite struct ImportWriteCostTests {
    @Test func importedDealsAreOpenExactlyWhenTheirStageIs() async throws {
        try await TestApp.run { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let headers: HTTPFields = [.authorization: "Bearer \(morgan)", .contentType: "text/csv"]
            let accounts = try await app.client.execute(uri: "/api/v1/imports/accounts", method: .post, headers: headers,
                                                        body: ByteBuffer(string: ImportTests.salesforceAccounts))
            #expect(accounts.status == .ok, "\(accounts.text)")
            let deals = try await app.client.execute(uri: "/api/v1/imports/opportunities", method: .post, headers: headers,
                                                     body: ByteBuffer(string: ImportDerivedRowsTests.first))
            #expect(deals.status == .ok, "\(deals.text)")
            #expect(try deals.object["created"] as? Int == 4)

            let flags = try await app.sql("""
                SELECT o.external_id || ' ' || o.is_open::text AS line FROM opportunities o
                WHERE o.external_id LIKE 'sf:006D0%' ORDER BY o.external_id
                """).map { try $0.decode("line", as: String.self) }
            #expect(flags == ["sf:006D01 true", "sf:006D02 false", "sf:006D03 false", "sf:006D04 true"],
                    "negotiation and prospecting are open; closed won and closed lost are not")
            let unlikeTheirStage = try await app.sql("""
                SELECT count(*)::int AS n FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                WHERE o.is_open IS DISTINCT FROM NOT (s.is_won OR s.is_lost)
                """).first?.decode("n", as: Int.self)
            #expect(unlikeTheirStage == 0)
        }
    }
}
