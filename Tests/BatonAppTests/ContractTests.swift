@testable import BatonApp
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import PostgresTesting
import Testing

/// Issue 16's contract and rules: empty query values and If-Match headers, every
/// changeable record readable by id, enum errors in words, an account becoming a
/// client when it buys, the named reviewer seeing the draft, the printable proposal's
/// status, and what a stage move does to a deal's overrides.
@Suite struct ContractTests {
    @discardableResult
    func post(_ app: TestApp, _ path: String, _ token: String, _ json: String) async throws -> [String: Any] {
        try await PipelineTests().create(app, path, token, json)
    }

    /// A draft proposal by Dev (sales) on ProposalTests' opportunity, for Felix (project manager, id 9) to review.
    func draft(_ app: TestApp, _ body: String) async throws -> (id: Int, opportunityID: Int, dev: String, felix: String) {
        let admin = try await app.signIn("admin@demo.test")
        let opportunityID = try await ProposalTests().opportunity(app, admin)
        let dev = try await app.signIn("dev.patel@demo.test")
        let made = try await post(app, "opportunities/\(opportunityID)/proposals", dev, body)
        return (try #require(made["id"] as? Int), opportunityID, dev, try await app.signIn("felix.braun@demo.test"))
    }

    // MARK: 6. Empty values, If-Match, reads by id

    @Test func anEmptyQueryValueIs400NamingTheParameterOnEveryEndpoint() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            for (path, name) in [
                ("/api/v1/reports/attainment?period=", "period"), ("/api/v1/reports/forecast?period=", "period"),
                ("/api/v1/reports/pipeline?period=", "period"), ("/api/v1/reports/sales-performance?to=", "to"),
                ("/api/v1/reports/delivery?from=", "from"), ("/api/v1/reports/growth?loadRoom=", "loadRoom"),
                ("/api/v1/reports/attainment?metric=", "metric"), ("/api/v1/reports/growth?weeks=", "weeks"),
                ("/api/v1/opportunities?ownerId=", "ownerId"), ("/api/v1/users?role=", "role"),
                ("/api/v1/quotas?periodKey=", "periodKey"), ("/api/v1/accounts?limit=", "limit"),
            ] {
                let r = try await app.request(.get, path, token: admin)
                #expect(r.status == .badRequest, "\(path): \(r.status) \(r.text.prefix(200))")
                #expect(r.headers[.contentType] == "application/problem+json")
                #expect(try r.object["type"] as? String == "/problems/empty-parameter", "\(path)")
                #expect(try r.fieldErrors[name] == "\(name) must not be empty; leave it out for the default", "\(path)")
            }
            // Two empty values are named together.
            let two = try await app.request(.get, "/api/v1/reports/sales-performance?from=&to=", token: admin)
            #expect(try two.status == .badRequest && Set(two.fieldErrors.keys) == ["from", "to"])
            // Free text and the first page's cursor may be empty, as the contract has always said.
            #expect(try await app.request(.get, "/api/v1/accounts?q=&cursor=", token: admin).status == .ok)
            // Absent is still the default, and a caller who is not signed in hears 401 first.
            #expect(try await app.request(.get, "/api/v1/reports/pipeline", token: admin).status == .ok)
            #expect(try await app.request(.get, "/api/v1/reports/pipeline?period=").status == .unauthorized)
            // The pages' forms send empty fields for "any": the board still answers.
            let session = try await app.signIn("ana.torres@demo.test")
            let board = try await app.request(.get, "/pipeline?owner=&period=", headers: [.cookie: "baton_session=\(session)"])
            #expect(board.status == .ok)
        }
    }

    @Test func anEmptyIfMatchIs428AndAQuoteThatNamesNoVersionIs412() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            for header in ["", " ", " , "] {
                let r = try await app.request(.patch, "/api/v1/users/4", token: admin, json: #"{"name": "Ana T"}"#,
                                              headers: [.ifMatch: header])
                #expect(r.status.code == 428, "If-Match: '\(header)' is no precondition: \(r.status)")
                #expect(try r.object["type"] as? String == "/problems/if-match-required")
            }
            let bogus = try await app.request(.patch, "/api/v1/users/4", token: admin, json: #"{"name": "Ana T"}"#,
                                              headers: [.ifMatch: "\"v1\""])
            #expect(bogus.status == .preconditionFailed)
            let now = try await app.request(.get, "/api/v1/users/4", token: admin)
            #expect(try now.object["name"] as? String == "Ana Torres")
        }
    }

    @Test func aQuotaAndAStageAreReadableByIdWithTheETagAChangeNeeds() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let morgan = try await app.signIn("morgan.reyes@demo.test")
            let created = try await post(app, "quotas", morgan,
                #"{"userId": 7, "periodKey": "2027-Q1", "metric": "total_bookings", "target": "100000.00"}"#)
            let id = try #require(created["id"] as? Int)
            let read = try await app.request(.get, "/api/v1/quotas/\(id)", token: morgan)
            #expect(read.status == .ok)
            #expect(read.headers[.eTag] == "\"1\"")
            #expect(try read.object["target"] as? String == "100000.00" && read.object["userId"] as? Int == 7)
            let etag = try #require(read.headers[.eTag])
            let changed = try await app.request(.patch, "/api/v1/quotas/\(id)", token: morgan, json: #"{"target": "120000.00"}"#,
                                                headers: [.ifMatch: etag])
            #expect(changed.status == .ok && changed.headers[.eTag] == "\"2\"")
            // Seen as the list sees it: the person's own line, everyone's for an admin.
            #expect(try await app.request(.get, "/api/v1/quotas/\(id)", token: admin).status == .ok)
            #expect(try await app.request(.get, "/api/v1/quotas/\(id)", token: try await app.signIn("dev.patel@demo.test")).status == .ok)
            #expect(try await app.request(.get, "/api/v1/quotas/\(id)", token: try await app.signIn("felix.braun@demo.test")).status == .notFound)
            #expect(try await app.request(.get, "/api/v1/quotas/999999", token: admin).status == .notFound)

            let stage = try await app.request(.get, "/api/v1/pipeline-stages/proposal", token: morgan)
            #expect(try stage.status == .ok && stage.headers[.eTag] == "\"\(stage.object["version"] as? Int ?? -1)\"")
            #expect(try stage.object["key"] as? String == "proposal")
            #expect(try await app.request(.get, "/api/v1/pipeline-stages/nowhere", token: morgan).status == .notFound)
        }
    }

    // MARK: 7. Enum errors for people

    @Test func aValueOutsideAnEnumIsAnsweredWithTheAcceptedValues() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await post(app, "accounts", ana, #"{"name": "Enum Works"}"#)
            let accountID = try #require(account["id"] as? Int)
            let contact = try await app.request(.post, "/api/v1/contacts", token: ana,
                json: #"{"accountId": \#(accountID), "name": "Kim Lee", "buyingRole": "chief_wizard"}"#)
            #expect(contact.status == .unprocessableContent)
            #expect(try contact.fieldErrors["buyingRole"] == "Buying role must be one of decision_maker, influencer, technical, billing, other")
            #expect(!contact.text.contains("Cannot initialize") && !contact.text.contains("BuyingRole"))
            // Inside a list, and for an enum the app itself declares.
            let kind = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                {"accountId": \(accountID), "name": "Kind", "stage": "prospecting", "closeDate": "2027-03-31", "kind": "partner_deal"}
                """)
            #expect(kind.status == .unprocessableContent)
            #expect(try kind.fieldErrors["kind"] == "Kind must be one of new_business, expansion, renewal")
            let role = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                {"accountId": \(accountID), "name": "Team", "stage": "prospecting", "closeDate": "2027-03-31",
                 "team": [{"userId": 4, "role": "boss", "splitPercent": "100"}]}
                """)
            #expect(try role.fieldErrors["team[0].role"] == "Role must be one of owner, sales_partner, project_manager, other")
            let admin = try await app.signIn("admin@demo.test")
            let quota = try await app.request(.post, "/api/v1/quotas", token: admin,
                json: #"{"userId": 7, "periodKey": "2027-Q1", "metric": "revenue", "target": "1.00"}"#)
            #expect(try quota.fieldErrors["metric"] == "Metric must be one of new_business, expansion, total_bookings, completed_work, recurring_bookings, renewal_bookings")
            // A query parameter says it in the same words.
            let report = try await app.request(.get, "/api/v1/reports/attainment?metric=revenue", token: admin)
            #expect(report.status == .unprocessableContent)
            #expect(try report.fieldErrors["metric"] == "Metric must be one of new_business, expansion, total_bookings, completed_work, recurring_bookings, renewal_bookings")
        }
    }

    /// The one list of enumerations says what the contract says: every enum schema in
    /// docs/openapi.yaml is either in it with the same values, or checked by hand.
    @Test func theEnumerationListAgreesWithTheContract() throws {
        let text = try String(contentsOf: repositoryRoot().appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var schemas: [String: [String]] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                current = String(line.dropFirst(4).dropLast())
            } else if let name = current, line.hasPrefix("      enum: ["), line.hasSuffix("]") {
                schemas[name] = line.dropFirst("      enum: [".count).dropLast().split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        #expect(schemas["BuyingRole"] != nil, "the scan finds the contract's enums")
        // Strings the stores and actions check themselves, in their own words.
        let checkedByHand: Set<String> = ["PricingModel", "ProjectStatus", "ImportKind", "AssignmentStatus"]
        for (name, values) in schemas where !checkedByHand.contains(name) {
            let entry = APIEnumerations.all.first { $0.schema == name }
            #expect(entry?.values == values, "\(name): the contract says \(values), the list \(entry?.values ?? [])")
        }
        #expect(APIEnumerations.message(path: "team[0].role", description: "Cannot initialize TeamRole from invalid String value x")
                == "Role must be one of owner, sales_partner, project_manager, other")
        #expect(APIEnumerations.message(path: "forecastCategory", description: "Cannot initialize Mystery from invalid String value x")
                == "Forecast category is not one of the accepted values")
        #expect(APIEnumerations.message(path: "amount", description: "must be a decimal number") == nil)
    }

    // MARK: 8. An account becomes a client when it buys

    @Test func winningADealMakesAProspectAnActiveAccountAudited() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await post(app, "accounts", ana, #"{"name": "Buys Soon"}"#)
            let accountID = try #require(account["id"] as? Int)
            #expect(account["status"] as? String == "prospect")
            let deal = try await post(app, "opportunities", ana, """
                {"accountId": \(accountID), "name": "First order", "stage": "negotiation", "closeDate": "2027-03-31", "amount": "9000.00"}
                """)
            let dealID = try #require(deal["id"] as? Int)
            let won = try await app.request(.patch, "/api/v1/opportunities/\(dealID)", token: ana, json: #"{"stage": "closed_won"}"#,
                                            headers: [.ifMatch: "\"1\""])
            #expect(won.status == .ok, "\(won.text)")
            let after = try await app.request(.get, "/api/v1/accounts/\(accountID)", token: ana)
            #expect(try after.object["status"] as? String == "active")
            #expect(try after.object["version"] as? Int == 2)
            let audit = try await app.sql("""
                SELECT actor_id, changes::text AS changes FROM audit_log WHERE entity = 'account' AND entity_id = \(accountID) AND action = 'update'
                """)
            #expect(audit.count == 1)
            #expect(try audit.first?.decode("actor_id", as: Int64.self) == 4)
            let changes = try audit.first?.decode("changes", as: String.self) ?? ""
            #expect(changes.contains("prospect") && changes.contains("active"), "\(changes)")

            // A former client stays former; an active one is left alone (no second entry).
            let former = try await post(app, "accounts", ana, #"{"name": "Left Us", "status": "former"}"#)
            let formerID = try #require(former["id"] as? Int)
            try await post(app, "opportunities", ana, """
                {"accountId": \(formerID), "name": "Old win", "stage": "closed_won", "closeDate": "2026-10-01", "closedOn": "2026-10-01"}
                """)
            let stays = try await app.request(.get, "/api/v1/accounts/\(formerID)", token: ana)
            #expect(try stays.object["status"] as? String == "former" && stays.object["version"] as? Int == 1)
            // A deal created already won (history brought in) makes its prospect a client too.
            let history = try await post(app, "accounts", ana, #"{"name": "Bought Last Year"}"#)
            let historyID = try #require(history["id"] as? Int)
            try await post(app, "opportunities", ana, """
                {"accountId": \(historyID), "name": "Old win", "stage": "closed_won", "closeDate": "2026-03-01", "closedOn": "2026-03-01"}
                """)
            #expect(try await app.request(.get, "/api/v1/accounts/\(historyID)", token: ana).object["status"] as? String == "active")
        }
    }

    // MARK: 9. The named reviewer sees the draft

    @Test func theNamedReviewerOpensTheDraftAndItsCapacityCheckBeforeItIsSubmitted() async throws {
        try await TestApp.run { app in
            let template = try await post(app, "typical-projects", try await app.signIn("admin@demo.test"), ProposalTests.assessment)
            let (id, opportunityID, dev, felix) = try await draft(app, #"""
                {"reviewerId": 9, "proposedStart": "2027-04-01", "validUntil": "2027-03-31",
                 "lines": [{"typicalProjectId": \#(template["id"] as! Int), "quantity": "1"}]}
                """#)
            let read = try await app.request(.get, "/api/v1/proposals/\(id)", token: felix)
            #expect(read.status == .ok, "the named reviewer reads the draft: \(read.text.prefix(200))")
            let check = try await app.request(.get, "/api/v1/proposals/\(id)/capacity-check", token: felix)
            #expect(check.status == .ok, "and its capacity check")
            let page = try await app.request(.get, "/proposals/\(id)", headers: [.cookie: "baton_session=\(felix)"])
            #expect(page.status == .ok && page.text.contains("Assessment for Northwind"), "and its page")
            // Another project manager, not named, still does not.
            let grace = try await app.signIn("grace.kim@demo.test")
            #expect(try await app.request(.get, "/api/v1/proposals/\(id)", token: grace).status == .notFound)
            // Named later, on a change of the draft: the new reviewer sees it too.
            let second = try await post(app, "opportunities/\(opportunityID)/proposals", dev,
                                        #"{"lines": [{"description": "Advice", "quantity": "1", "unitPrice": "100.00"}]}"#)
            let secondID = try #require(second["id"] as? Int)
            #expect(try await app.request(.get, "/api/v1/proposals/\(secondID)", token: grace).status == .notFound)
            let named = try await app.request(.patch, "/api/v1/proposals/\(secondID)", token: dev, json: #"{"reviewerId": 10}"#,
                                              headers: [.ifMatch: "\"1\""])
            #expect(named.status == .ok)
            #expect(try await app.request(.get, "/api/v1/proposals/\(secondID)", token: grace).status == .ok)
        }
    }

    // MARK: 10. The printable proposal's status

    @Test func thePrintableProposalReadsSentWithItsValidUntilAndExpiredOnlyOnceThatDateHasPassed() async throws {
        try await TestApp.run { app in
            let today = try #require(try await app.sql("SELECT current_date::text AS d").first?.decode("d", as: String.self))
            let (id, _, dev, felix) = try await draft(app,
                #"{"reviewerId": 9, "validUntil": "\#(today)", "lines": [{"description": "Advice", "quantity": "1", "unitPrice": "100.00"}]}"#)
            for (action, token) in [("submit", dev), ("approve", felix), ("send", dev)] {
                let r = try await app.request(.post, "/api/v1/proposals/\(id)/\(action)", token: token, json: "{}")
                #expect(r.status == .ok, "\(action): \(r.text)")
            }
            func header() async throws -> String {
                let page = try await app.request(.get, "/proposals/\(id)/print", headers: [.authorization: "Bearer \(dev)"])
                #expect(page.status == .ok)
                return page.text
            }
            // Sent on its valid-until day: sent, with the date, and the offer stands.
            let sent = try await header()
            #expect(sent.contains(#"<span class="status">sent</span>"#))
            #expect(sent.contains(#"<div class="muted">sent \#(today)</div>"#))
            #expect(sent.contains(#"<div class="muted">valid until \#(today)</div>"#))
            #expect(sent.contains("This offer is valid until <strong>\(today)</strong>."))
            #expect(!sent.contains("expired"))
            // The day passes unaccepted: expired, and the offer was valid.
            try await app.sql("UPDATE proposals SET valid_until = current_date - 1 WHERE id = \(id)")
            let lapsed = try await header()
            #expect(lapsed.contains(#"<span class="status">expired</span>"#))
            #expect(lapsed.contains("This offer was valid until"))
            // Accepted by its date of record: accepted, whatever the calendar says.
            let accepted = try await app.request(.post, "/api/v1/proposals/\(id)/accept", token: dev,
                                                 json: #"{"acceptedOn": "\#(try await app.sql("SELECT (current_date - 1)::text AS d").first?.decode("d", as: String.self) ?? "")"}"#)
            #expect(accepted.status == .ok, "\(accepted.text)")
            let done = try await header()
            #expect(done.contains(#"<span class="status">accepted</span>"#) && !done.contains("expired"))
        }
    }

    // MARK: 12. Overrides and stage moves

    @Test func aStageMoveSaysWhichOverrideItReplacedOrKeepsItWhenAsked() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await post(app, "accounts", ana, #"{"name": "Override Works"}"#)
            let accountID = try #require(account["id"] as? Int)
            func deal(_ name: String) async throws -> Int {
                let made = try await post(app, "opportunities", ana, """
                    {"accountId": \(accountID), "name": "\(name)", "stage": "qualification", "closeDate": "2027-03-31",
                     "amount": "1000.00", "probability": "35", "forecastCategory": "commit"}
                    """)
                return try #require(made["id"] as? Int)
            }
            let replaced = try await deal("Replaced")
            let moved = try await app.request(.patch, "/api/v1/opportunities/\(replaced)", token: ana, json: #"{"stage": "proposal"}"#,
                                              headers: [.ifMatch: "*"])
            #expect(moved.status == .ok)
            #expect(try moved.object["probability"] as? String == "60" && moved.object["forecastCategory"] as? String == "best_case")
            let said = try #require(moved.object["overrideReplaced"] as? [String: Any], "\(moved.text)")
            #expect(said["probability"] as? String == "35")
            #expect(said["forecastCategory"] as? String == "commit")
            #expect(said["stage"] as? String == "proposal")
            #expect((said["message"] as? String)?.contains("the probability override (35%) by the stage's 60%") == true)

            let kept = try await deal("Kept")
            let keep = try await app.request(.patch, "/api/v1/opportunities/\(kept)", token: ana,
                                             json: #"{"stage": "proposal", "keepOverride": true}"#, headers: [.ifMatch: "*"])
            #expect(keep.status == .ok)
            #expect(try keep.object["probability"] as? String == "35" && keep.object["forecastCategory"] as? String == "commit")
            #expect(try keep.object.keys.contains("overrideReplaced") && keep.object["overrideReplaced"] is NSNull)

            // A change that sets the probability itself replaces only the category.
            let set = try await deal("Set")
            let both = try await app.request(.patch, "/api/v1/opportunities/\(set)", token: ana,
                                             json: #"{"stage": "proposal", "probability": "50"}"#, headers: [.ifMatch: "*"])
            let only = try #require(both.object["overrideReplaced"] as? [String: Any])
            #expect(only["probability"] is NSNull && only["forecastCategory"] as? String == "commit")
            #expect(try both.object["probability"] as? String == "50")
            // No override, nothing to say; keepOverride on a new deal is refused.
            let plain = try await app.request(.patch, "/api/v1/opportunities/\(set)", token: ana, json: #"{"stage": "negotiation", "probability": null}"#,
                                              headers: [.ifMatch: "*"])
            #expect(plain.status == .ok)
            let plainAgain = try await app.request(.patch, "/api/v1/opportunities/\(set)", token: ana, json: #"{"stage": "proposal"}"#,
                                                   headers: [.ifMatch: "*"])
            #expect(try plainAgain.object["overrideReplaced"] is NSNull)
            let refused = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                {"accountId": \(accountID), "name": "New", "stage": "qualification", "closeDate": "2027-03-31", "keepOverride": true}
                """)
            #expect(try refused.status == .unprocessableContent && refused.fieldErrors["keepOverride"] != nil)
        }
    }

    @Test func theBoardSaysWhatAMoveReplacedAndKeepsTheOverrideWhenTicked() async throws {
        try await TestApp.run { app in
            let pages = PipelinePageAgreementTests()
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await post(app, "accounts", ana, #"{"name": "Board Override"}"#)
            let accountID = try #require(account["id"] as? Int)
            var ids: [Int] = []
            for name in ["Told", "Kept", "Plain"] {
                let override = name == "Plain" ? "" : #", "probability": "35""#
                let made = try await post(app, "opportunities", ana, """
                    {"accountId": \(accountID), "name": "\(name)", "stage": "qualification", "closeDate": "2027-02-15", "amount": "1000.00"\(override)}
                    """)
                ids.append(try #require(made["id"] as? Int))
            }
            let board = try await pages.page(app, "/pipeline?period=2027-Q1", ana).text
            #expect(board.components(separatedBy: #"name="keepOverride-"#).count - 1 == 2, "the box is on the cards with an override")
            let token = try await pages.csrf(app, ana)
            let told = try await pages.form(app, "/pipeline/\(ids[0])/stage", ana, [("csrf", token), ("period", "2027-Q1"), ("stage", "proposal")])
            #expect(told.status == .seeOther)
            #expect(pages.flash(told) == "Told: Moving to Proposal replaced the probability override (35%) by the stage's 60%. "
                    + "To keep an override through a move, tick \"keep my override\" (keepOverride: true in the API).")
            let kept = try await pages.form(app, "/pipeline/\(ids[1])/stage", ana,
                                            [("csrf", token), ("period", "2027-Q1"), ("stage", "proposal"), ("keepOverride-\(ids[1])", "true")])
            #expect(kept.status == .seeOther && pages.flash(kept) == nil)
            let plain = try await pages.form(app, "/pipeline/\(ids[2])/stage", ana, [("csrf", token), ("period", "2027-Q1"), ("stage", "proposal")])
            #expect(plain.status == .seeOther && pages.flash(plain) == nil)
            let stored = try await app.sql("SELECT probability_override AS p FROM opportunities WHERE account_id = \(accountID) ORDER BY id")
            #expect(try stored.map { try $0.decode("p", as: Decimal?.self) } == [nil, 35, nil], "only the ticked card kept its override")
        }
    }
}
