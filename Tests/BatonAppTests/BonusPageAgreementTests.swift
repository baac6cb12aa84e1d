import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Every form the bonus and quota pages post, done through the page and through the
/// API with the same input: both store the same thing, or both refuse with the same
/// words (the API's status and field, the page's message beside the same box).
@Suite struct BonusPageAgreementTests {
    /// The message a page shows beside the box `id`.
    func message(_ html: String, beside id: String) -> String? { html.text(ofElement: id) }

    @Test func approvingALockedRunIsTheSameConflictOnThePageAndInTheAPI() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            let locked: Int64 = try #require(try await app.sql("SELECT id FROM bonus_runs WHERE status = 'approved' ORDER BY id LIMIT 1").first)
                .decode("id")
            let draft: Int64 = try #require(try await app.sql("SELECT id FROM bonus_runs WHERE status = 'draft' ORDER BY id LIMIT 1").first)
                .decode("id")

            let viaAPI = try await app.api(.post, "bonus-runs/\(locked)/approve", admin, "{}")
            #expect(viaAPI.status == .conflict)
            #expect(try viaAPI.object["type"] as? String == "/problems/run-locked")
            let words = try #require(viaAPI.object["detail"] as? String)
            let viaPage = try await app.form("/bonus/\(locked)/approve", admin, [("csrf", token)])
            #expect(viaPage.status == .conflict, "the page answered \(viaPage.status), the API 409")
            #expect(viaPage.text.contains(words))

            // Someone who may not approve: 403 from both, and the draft stays a draft.
            let felix = try await app.signIn("felix.braun@demo.test")
            #expect(try await app.api(.post, "bonus-runs/\(draft)/approve", felix, "{}").status == .forbidden)
            #expect(try await app.form("/bonus/\(draft)/approve", felix, [("csrf", try await app.csrf(felix))]).status == .forbidden)
            #expect(try await app.sql("SELECT status FROM bonus_runs WHERE id = \(draft)").first?.decode("status", as: String.self) == "draft")

            // The page first asks, naming the period, the people and the total; nothing changes until confirmed.
            let asked = try await app.form("/bonus/\(draft)/approve", admin, [("csrf", token)])
            #expect(asked.status == .ok)
            #expect(asked.text.contains("name=\"confirm\" value=\"yes\""), "a confirmation, not a lock")
            #expect(try await app.sql("SELECT status FROM bonus_runs WHERE id = \(draft)").first?.decode("status", as: String.self) == "draft")
            // The page's approval is the API's: locked, by the approver; a second one, through the API, is the conflict.
            // The demo's draft is the current quarter, so it closes early on purpose.
            let approved = try await app.form("/bonus/\(draft)/approve", admin, [("csrf", token), ("confirm", "yes"), ("closeEarly", "yes")])
            #expect(approved.status == .seeOther)
            let adminID = try await app.id(of: "admin@demo.test", token: admin)
            let row = try #require(try await app.sql("SELECT status, approved_by FROM bonus_runs WHERE id = \(draft)").first)
            #expect(try row.decode("status", as: String.self) == "approved")
            #expect(try row.decode("approved_by", as: Int64.self) == adminID)
            #expect(try await app.api(.post, "bonus-runs/\(draft)/approve", admin, "{}").status == .conflict)
        }
    }

    /// The plan form's fields, as the page draws them for `plan`.
    func planForm(_ plan: [String: Any], _ changes: [String: String] = [:]) -> [(String, String)] {
        var values: [String: String] = [
            "version": String(plan["version"] as? Int ?? 0), "name": plan["name"] as? String ?? "", "method": plan["method"] as? String ?? "",
            "targetBonus": plan["targetBonus"] as? String ?? "", "threshold": plan["threshold"] as? String ?? "",
            "cap": plan["cap"] as? String ?? "", "lateCreditPercent": plan["lateCreditPercent"] as? String ?? "",
        ]
        for (i, tier) in ((plan["tiers"] as? [[String: Any]]) ?? []).enumerated() {
            values["tier-from-\(i)"] = tier["from"] as? String ?? ""
            values["tier-to-\(i)"] = tier["to"] as? String ?? ""
            values["tier-rate-\(i)"] = tier["rate"] as? String ?? ""
        }
        for (k, v) in changes { values[k] = v }
        return values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A plan without its identity, to compare what two writers stored.
    func rules(_ plan: [String: Any]) -> String {
        var p = plan
        for key in ["id", "version", "name"] { p[key] = nil }
        return String(decoding: (try? JSONSerialization.data(withJSONObject: p, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
    }

    @Test func theBonusPlanFormsAndTheAPIKeepTheSameRules() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await app.csrf(admin)
            let demo = try #require((try await app.api(.get, "bonus-plans", admin).object["items"] as? [[String: Any]])?.first)
            let demoID = try #require(demo["id"] as? Int)

            // A new plan as a copy: the page and the API make the same plan.
            let copied = try await app.form("/admin/bonus-plans/\(demoID)/copy", admin, [("csrf", token), ("name", "Copied on the page")])
            #expect(copied.status == .seeOther)
            let pageID = try #require(copied.headers[.location]?.split(separator: "/").last?.split(separator: "?").first.flatMap { Int($0) })
            let made = try await app.api(.post, "bonus-plans", admin, #"""
                {"name": "Made through the API", "method": "marginal", "periodType": "quarter", "targetBonus": "10000.00", "threshold": "0.5000",
                 "tiers": \#(String(decoding: try JSONSerialization.data(withJSONObject: demo["tiers"] ?? []), as: UTF8.self)),
                 "cap": "2.0000", "lateCreditPercent": "50.00", "overrides": \#(String(decoding: try JSONSerialization.data(withJSONObject: demo["overrides"] ?? []), as: UTF8.self))}
                """#)
            #expect(made.status == .created, "\(made.text)")
            let apiID = try #require(made.object["id"] as? Int)
            var pagePlan = try await app.api(.get, "bonus-plans/\(pageID)", admin).object
            var apiPlan = try await app.api(.get, "bonus-plans/\(apiID)", admin).object
            #expect(rules(pagePlan) == rules(apiPlan))

            // The same change, saved through each.
            let change = ["threshold": "0.6", "lateCreditPercent": "40", "cap": "2.5"]
            let saved = try await app.form("/admin/bonus-plans/\(pageID)", admin, [("csrf", token)] + planForm(pagePlan, change))
            #expect(saved.status == .seeOther)
            let patched = try await app.api(.patch, "bonus-plans/\(apiID)", admin, #"{"threshold": "0.6", "lateCreditPercent": "40", "cap": "2.5"}"#,
                                        version: apiPlan["version"] as? Int)
            #expect(patched.status == .ok)
            pagePlan = try await app.api(.get, "bonus-plans/\(pageID)", admin).object
            apiPlan = try await app.api(.get, "bonus-plans/\(apiID)", admin).object
            #expect(rules(pagePlan) == rules(apiPlan))
            #expect(pagePlan["threshold"] as? String == "0.6")

            // Each kind of bad input: the API's field and message, beside the same box on the page, and nothing kept.
            let version = try #require(apiPlan["version"] as? Int)
            let pageVersion = try #require(pagePlan["version"] as? Int)
            let refusals: [(json: String, form: [String: String], field: String, box: String)] = [
                (#"{"threshold": "-1"}"#, ["threshold": "-1"], "threshold", "f-threshold-error"),
                (#"{"name": " "}"#, ["name": " "], "name", "f-name-error"),
                (#"{"targetBonus": "-10"}"#, ["targetBonus": "-10"], "targetBonus", "f-targetBonus-error"),
                (#"{"lateCreditPercent": "101"}"#, ["lateCreditPercent": "101"], "lateCreditPercent", "f-lateCreditPercent-error"),
                (#"{"tiers": [{"from": "0", "to": "1", "rate": "1"}, {"from": "1", "to": "9", "rate": "1.5"}]}"#, ["tier-to-1": "9"],
                 "tiers[1].to", "f-tier_to_1-error"),
                (#"{"tiers": [{"from": "0.5", "to": null, "rate": "1"}]}"#,
                 ["tier-from-0": "0.5", "tier-to-0": "", "tier-from-1": "", "tier-to-1": "", "tier-rate-1": ""], "tiers[0].from", "f-tier_from_0-error"),
                (#"{"tiers": []}"#, ["tier-from-0": "", "tier-to-0": "", "tier-rate-0": "", "tier-from-1": "", "tier-to-1": "", "tier-rate-1": ""],
                 "tiers", "tiers-error"),
            ]
            for r in refusals {
                let viaAPI = try await app.api(.patch, "bonus-plans/\(apiID)", admin, r.json, version: version)
                #expect(viaAPI.status == .unprocessableContent, "\(r.field): \(viaAPI.text)")
                let words = try #require(try viaAPI.fieldErrors[r.field], "\(r.field): \(viaAPI.text)")
                let viaPage = try await app.form("/admin/bonus-plans/\(pageID)", admin, [("csrf", token)] + planForm(pagePlan, r.form))
                #expect(viaPage.status == .unprocessableContent, "\(r.field)")
                #expect(message(viaPage.text, beside: r.box) == words, "\(r.field): the page says \(message(viaPage.text, beside: r.box) ?? "nothing")")
            }
            #expect(rules(try await app.api(.get, "bonus-plans/\(pageID)", admin).object) == rules(pagePlan), "nothing refused was kept")
            #expect(try await app.api(.get, "bonus-plans/\(pageID)", admin).object["version"] as? Int == pageVersion)

            // A stale version: 412 from the API, the page's conflict (theirs beside mine), and nothing saved by either.
            #expect(try await app.api(.patch, "bonus-plans/\(apiID)", admin, #"{"threshold": "0.7"}"#, version: version - 1).status == .preconditionFailed)
            let stale = try await app.form("/admin/bonus-plans/\(pageID)", admin,
                                       [("csrf", token)] + planForm(pagePlan, ["threshold": "0.7", "version": String(pageVersion - 1)]))
            #expect(stale.status == .conflict)
            #expect(stale.text.contains(#"class="theirs""#))
            #expect(try await app.api(.get, "bonus-plans/\(pageID)", admin).object["threshold"] as? String == "0.6")

            // A copy without a name: the API's words, on the page above the form.
            let unnamed = try await app.api(.post, "bonus-plans", admin, #"""
                {"name": "", "targetBonus": "1", "tiers": [{"from": "0", "to": null, "rate": "1"}]}
                """#)
            let nameWords = try #require(try unnamed.fieldErrors["name"])
            let copy = try await app.form("/admin/bonus-plans/\(demoID)/copy", admin, [("csrf", token), ("name", "")])
            #expect(copy.status == .unprocessableContent)
            #expect(copy.text.contains("The new plan was not created: \(nameWords)"))

            // Not an admin: 403 from both.
            let priya = try await app.signIn("priya.shah@demo.test")
            #expect(try await app.api(.patch, "bonus-plans/\(apiID)", priya, #"{"threshold": "0.1"}"#, version: version).status == .forbidden)
            #expect(try await app.form("/admin/bonus-plans/\(pageID)", priya,
                                   [("csrf", try await app.csrf(priya))] + planForm(pagePlan, ["threshold": "0.1"])).status == .forbidden)
        }
    }

    @Test func theQuotaFormAndTheAPIKeepTheSameRules() async throws {
        try await TestApp.run { app in
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let token = try await app.csrf(morgan)
            let ana = try await app.id(of: "ana.torres@demo.test", token: morgan)
            let ben = try await app.id(of: "ben.okafor@demo.test", token: morgan)
            let ivy = try await app.id(of: "ivy.chen@demo.test", token: morgan)
            let morganID = try await app.id(of: "morgan.reyes@demo.test", token: morgan)
            func cell(_ user: Int64, target: String, quota: (id: Int, version: Int)? = nil) -> [(String, String)] {
                var fields = [("csrf", token), ("period", "2031-Q2"), ("role", ""), ("userId", String(user)), ("metric", "expansion"), ("target", target)]
                if let quota { fields += [("quotaId", String(quota.id)), ("version", String(quota.version))] }
                return fields
            }
            func body(_ user: Int64, _ target: String) -> String {
                #"{"userId": \#(user), "periodKey": "2031-Q2", "metric": "expansion", "target": "\#(target)"}"#
            }
            func stored(_ user: Int64) async throws -> [String] {
                try await app.sql("SELECT metric, period_key, target::text AS target FROM quotas WHERE user_id = \(user) AND period_key = '2031-Q2'")
                    .map { "\(try $0.decode("metric", as: String.self)) \(try $0.decode("period_key", as: String.self)) \(try $0.decode("target", as: String.self))" }
            }

            // Bad input first, through both: the API's message is the one beside the cell.
            let negative = try await app.api(.post, "quotas", morgan, body(ana, "-5"))
            #expect(negative.status == .unprocessableContent)
            let words = try #require(try negative.fieldErrors["target"])
            let negativePage = try await app.form("/admin/quotas", morgan, cell(ana, target: "-5"))
            #expect(negativePage.status == .unprocessableContent)
            #expect(message(negativePage.text, beside: "e-q-\(ana)-expansion") == words)
            // Out of the manager's line: 404 through both; their own: 403 through both.
            #expect(try await app.api(.post, "quotas", morgan, body(ivy, "5")).status == .notFound)
            #expect(try await app.form("/admin/quotas", morgan, cell(ivy, target: "5")).status == .notFound)
            #expect(try await app.api(.post, "quotas", morgan, body(morganID, "5")).status == .forbidden)
            #expect(try await app.form("/admin/quotas", morgan, cell(morganID, target: "5")).status == .forbidden)
            let nothing = [try await stored(ana), try await stored(ivy), try await stored(morganID)]
            #expect(nothing.flatMap { $0 }.isEmpty)

            // The same quota set through each stores the same.
            #expect(try await app.form("/admin/quotas", morgan, cell(ana, target: "45000")).status == .seeOther)
            let made = try await app.api(.post, "quotas", morgan, body(ben, "45000"))
            #expect(made.status == .created)
            #expect(try await stored(ana) == ["expansion 2031-Q2 45000.00"])
            let (anas, bens) = (try await stored(ana), try await stored(ben))
            #expect(anas == bens)

            // Changing it: the same rules for the new target, the version checked by both.
            let anaQuota: Int = try #require(try await app.sql("SELECT id FROM quotas WHERE user_id = \(ana) AND period_key = '2031-Q2'").first)
                .decode("id")
            let benQuota = try #require(made.object["id"] as? Int)
            let negativeChange = try await app.api(.patch, "quotas/\(benQuota)", morgan, #"{"target": "-1"}"#, version: 1)
            #expect(negativeChange.status == .unprocessableContent)
            let changeWords = try #require(try negativeChange.fieldErrors["target"])
            let negativeChangePage = try await app.form("/admin/quotas", morgan, cell(ana, target: "-1", quota: (anaQuota, 1)))
            #expect(negativeChangePage.status == .unprocessableContent)
            #expect(message(negativeChangePage.text, beside: "e-q-\(ana)-expansion") == changeWords)

            #expect(try await app.form("/admin/quotas", morgan, cell(ana, target: "47500.50", quota: (anaQuota, 1))).status == .seeOther)
            #expect(try await app.api(.patch, "quotas/\(benQuota)", morgan, #"{"target": "47500.50"}"#, version: 1).status == .ok)
            #expect(try await stored(ana) == ["expansion 2031-Q2 47500.50"])
            let (anasNow, bensNow) = (try await stored(ana), try await stored(ben))
            #expect(anasNow == bensNow)

            // A stale version: 412 from the API, the page's conflict note; nothing saved.
            #expect(try await app.api(.patch, "quotas/\(benQuota)", morgan, #"{"target": "1"}"#, version: 1).status == .preconditionFailed)
            let stale = try await app.form("/admin/quotas", morgan, cell(ana, target: "1", quota: (anaQuota, 1)))
            #expect(stale.status == .conflict)
            #expect(stale.text.contains("Someone else changed this quota"))
            #expect(try await stored(ana) == ["expansion 2031-Q2 47500.50"])

            // An empty box removes it, as DELETE does.
            #expect(try await app.form("/admin/quotas", morgan, cell(ana, target: "", quota: (anaQuota, 2))).status == .seeOther)
            #expect(try await app.api(.delete, "quotas/\(benQuota)", morgan, version: 2).status == .noContent)
            let removed = [try await stored(ana), try await stored(ben)]
            #expect(removed.flatMap { $0 }.isEmpty)
        }
    }
}
