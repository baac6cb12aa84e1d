import Foundation
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// `/admin/quotas` is one grid saved in one request: every changed box is written
/// through `QuotaActions` in one transaction, grouped digits ("1,200,000") read as
/// the number, and one refused box keeps nothing while every box keeps what was typed.
@Suite struct QuotaGridTests {
    @Test func oneSaveWritesEveryChangedBoxOrNone() async throws {
        try await TestApp.run { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let token = try await app.csrf(morgan)
            let ana = try await app.id(of: "ana.torres@demo.test", token: morgan)
            let ben = try await app.id(of: "ben.okafor@demo.test", token: morgan)
            func stored() async throws -> [String] {
                try await app.sql("""
                    SELECT user_id, metric, target::text AS target FROM quotas WHERE user_id IN (\(ana), \(ben)) AND period_key = '2031-Q3'
                    ORDER BY user_id, metric
                    """).map { "\(try $0.decode("user_id", as: Int64.self)) \(try $0.decode("metric", as: String.self)) \(try $0.decode("target", as: String.self))" }
            }
            let frame = [("csrf", token), ("period", "2031-Q3"), ("role", "")]

            // A refused box (a negative target) keeps the other boxes unsaved, and typed.
            let refused = try await app.form("/admin/quotas", morgan, frame + [
                ("target.\(ana).expansion", "1,200,000"), ("was.\(ana).expansion", ""),
                ("target.\(ben).new_business", "-5"), ("was.\(ben).new_business", ""),
            ])
            #expect(refused.status == .unprocessableContent)
            #expect(refused.text.text(ofElement: "e-q-\(ben)-new_business")?.isEmpty == false)
            #expect(refused.text.contains("value=\"1,200,000\""))
            #expect(try await stored().isEmpty)

            // Both boxes, grouped or not, in one request; an untouched box is not written.
            let saved = try await app.form("/admin/quotas", morgan, frame + [
                ("target.\(ana).expansion", "1,200,000"), ("was.\(ana).expansion", ""),
                ("target.\(ben).new_business", "84000.50"), ("was.\(ben).new_business", ""),
                ("target.\(ben).expansion", ""), ("was.\(ben).expansion", ""),
            ])
            #expect(saved.status == .seeOther)
            #expect(try await stored() == ["\(ana) expansion 1200000.00", "\(ben) new_business 84000.50"])

            // The page draws them grouped; posting what it drew changes nothing (same versions).
            let page = try await app.page("/admin/quotas?period=2031-Q3", morgan)
            #expect(page.text.contains("value=\"1,200,000.00\""))
            let anaQuota: Int64 = try #require(try await app.sql("SELECT id FROM quotas WHERE user_id = \(ana) AND period_key = '2031-Q3'").first).decode("id")
            let benQuota: Int64 = try #require(try await app.sql("SELECT id FROM quotas WHERE user_id = \(ben) AND period_key = '2031-Q3'").first).decode("id")
            let again = try await app.form("/admin/quotas", morgan, frame + [
                ("target.\(ana).expansion", "1200000"), ("was.\(ana).expansion", "1,200,000.00"),
                ("quotaId.\(ana).expansion", String(anaQuota)), ("version.\(ana).expansion", "1"),
                ("target.\(ben).new_business", ""), ("was.\(ben).new_business", "84,000.50"),
                ("quotaId.\(ben).new_business", String(benQuota)), ("version.\(ben).new_business", "1"),
            ])
            #expect(again.status == .seeOther)
            // Ana's is the same number (not written); Ben's emptied box removed his quota.
            #expect(try await stored() == ["\(ana) expansion 1200000.00"])
            let version: Int = try #require(try await app.sql("SELECT version FROM quotas WHERE id = \(anaQuota)").first).decode("version")
            #expect(version == 1)
        }
    }
}
