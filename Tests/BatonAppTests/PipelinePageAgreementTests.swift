import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Postgres
import Testing

/// Every form the pipeline's pages post does what the API does with the same input:
/// the same thing stored, or the same refusal (the API's status and field; the page's
/// message beside the same field, or above the board, which has no fields).
@Suite struct PipelinePageAgreementTests {
    func page(_ app: TestApp, _ path: String, _ session: String) async throws -> TestResponse {
        try await app.request(.get, path, headers: [.cookie: "baton_session=\(session)"])
    }

    func csrf(_ app: TestApp, _ session: String, from path: String = "/pipeline") async throws -> String {
        let html = try await page(app, path, session).text
        let marker = #"name="csrf" value=""#
        let start = try #require(html.range(of: marker)).upperBound
        return String(html[start...].prefix { $0 != "\"" })
    }

    func form(_ app: TestApp, _ path: String, _ session: String, _ fields: [(String, String)]) async throws -> TestResponse {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        let body = try fields.map { name, value in
            "\(try #require(name.addingPercentEncoding(withAllowedCharacters: allowed)))=\(try #require(value.addingPercentEncoding(withAllowedCharacters: allowed)))"
        }.joined(separator: "&")
        return try await app.client.execute(uri: path, method: .post,
                                            headers: [.cookie: "baton_session=\(session)", .contentType: "application/x-www-form-urlencoded"],
                                            body: ByteBuffer(string: body))
    }

    /// The text of the message a page shows beside the field with this element id, unescaped.
    func fieldMessage(_ html: String, _ id: String) -> String? {
        let marker = #"<p class="field-error" id="\#(id)-error">"#
        guard let start = html.range(of: marker)?.upperBound, let end = html[start...].range(of: "</p>")?.lowerBound else { return nil }
        return unescape(String(html[start..<end]))
    }

    /// The page's messages that belong to no field (`<p class="error" role="alert">`), unescaped.
    func alerts(_ html: String) -> [String] {
        html.components(separatedBy: #"<p class="error" role="alert">"#).dropFirst().compactMap { part in
            part.range(of: "</p>").map { unescape(String(part[..<$0.lowerBound])) }
        }
    }

    func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&#x27;", with: "'").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The message a redirect carries to the board, as the flash cookie holds it.
    func flash(_ response: TestResponse) -> String? {
        for value in response.headers[values: .setCookie] where value.hasPrefix("baton_flash=") {
            let raw = value.dropFirst("baton_flash=".count).prefix { $0 != ";" }
            return String(raw).removingPercentEncoding
        }
        return nil
    }

    func json(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }

    func count(_ app: TestApp, _ query: Query) async throws -> Int {
        try #require(try await app.sql(query).first).decode("n", as: Int.self)
    }

    @Test func theNewOpportunityFormAndTheAPIStoreTheSameAndRefuseAlike() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let anaID = try await app.id(of: "ana.torres@demo.test", token: ana)
            let benID = try await app.id(of: "ben.okafor@demo.test", token: ana)
            let created = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Agreement Rail"}"#)
            let accountID = try #require(created.object["id"] as? Int)
            let token = try await csrf(app, ana, from: "/accounts/\(accountID)")

            // What a person types, and the same as the API's JSON.
            struct Case { var label: String; var form: [(String, String)]; var api: [(String, String)]; var field: String }
            let good: [(String, String)] = [("name", "Survey"), ("kind", "new_business"), ("stage", "qualification"),
                                            ("amount", "12000.50"), ("closeDate", "2027-03-31"), ("ownerId", String(anaID))]
            let goodJSON: [(String, String)] = [("accountId", "\(accountID)"), ("name", "\"Survey\""), ("kind", "\"new_business\""),
                                                ("stage", "\"qualification\""), ("amount", "\"12000.50\""), ("closeDate", "\"2027-03-31\""),
                                                ("ownerId", "\(anaID)")]
            func with(_ base: [(String, String)], _ name: String, _ value: String) -> [(String, String)] {
                base.filter { $0.0 != name } + [(name, value)]
            }
            let bad: [Case] = [
                Case(label: "negative amount", form: with(good, "amount", "-5"), api: with(goodJSON, "amount", "\"-5\""), field: "amount"),
                Case(label: "blank name", form: with(good, "name", "  "), api: with(goodJSON, "name", "\"  \""), field: "name"),
                Case(label: "unknown stage", form: with(good, "stage", "nowhere"), api: with(goodJSON, "stage", "\"nowhere\""), field: "stage"),
                Case(label: "expansion of a new account", form: with(good, "kind", "expansion"), api: with(goodJSON, "kind", "\"expansion\""),
                     field: "kind"),
                Case(label: "an owner outside the line", form: with(good, "ownerId", String(benID)), api: with(goodJSON, "ownerId", "\(benID)"),
                     field: "ownerId"),
            ]
            for c in bad {
                let api = try await app.request(.post, "/api/v1/opportunities", token: ana, json: json(c.api))
                let page = try await form(app, "/accounts/\(accountID)/opportunities", ana, [("csrf", token)] + c.form)
                #expect(api.status == .unprocessableContent, "\(c.label): the API refuses")
                #expect(page.status == api.status, "\(c.label): the page answers with the API's status")
                let expected = try #require(try api.fieldErrors[c.field], "\(c.label): the API names \(c.field)")
                #expect(fieldMessage(page.text, "opportunity-\(c.field)") == expected, "\(c.label): the same words beside \(c.field)")
            }
            #expect(try await count(app, "SELECT count(*) AS n FROM opportunities WHERE account_id = \(accountID)") == 0)

            let api = try await app.request(.post, "/api/v1/opportunities", token: ana, json: json(goodJSON))
            #expect(api.status == .created)
            let page = try await form(app, "/accounts/\(accountID)/opportunities", ana, [("csrf", token)] + good)
            #expect(page.status == .seeOther)
            let rows = try await app.sql("""
                SELECT name, kind, stage_key, amount::text AS amount, close_date::text AS close_date, owner_id,
                       probability_override IS NULL AS plain, archived_at IS NULL AS open
                FROM opportunities WHERE account_id = \(accountID) ORDER BY id
                """)
            let stored = try rows.map { row in
                [try row.decode("name", as: String.self), try row.decode("kind", as: String.self), try row.decode("stage_key", as: String.self),
                 try row.decode("amount", as: String.self), try row.decode("close_date", as: String.self),
                 String(try row.decode("owner_id", as: Int64.self)), String(try row.decode("plain", as: Bool.self))]
            }
            #expect(stored.count == 2 && stored[0] == stored[1], "the form and the API stored the same deal: \(stored)")
        }
    }

    @Test func aMoveOnTheBoardAndAPatchOfTheStageStoreTheSameAndRefuseAlike() async throws {
        try await TestApp.run { app in
            let ana = try await app.signIn("ana.torres@demo.test")
            let ben = try await app.signIn("ben.okafor@demo.test")
            let created = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Board Agreement"}"#)
            let accountID = try #require(created.object["id"] as? Int)
            var ids: [Int] = []
            for name in ["By the API", "By the board"] {
                let made = try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                    {"accountId": \(accountID), "name": "\(name)", "stage": "prospecting", "closeDate": "2027-03-31", "amount": "5000"}
                    """)
                ids.append(try #require(made.object["id"] as? Int))
            }
            let (viaAPI, viaBoard) = (ids[0], ids[1])
            let token = try await csrf(app, ana)
            let benToken = try await csrf(app, ben)

            struct Case { var label: String; var stage: String; var reason: String?; var field: String }
            for c in [Case(label: "lost without a reason", stage: "closed_lost", reason: nil, field: "lostReason"),
                      Case(label: "a stage that is not one", stage: "nowhere", reason: nil, field: "stage")] {
                var body: [(String, String)] = [("stage", "\"\(c.stage)\"")]
                var fields: [(String, String)] = [("csrf", token), ("period", "2027-Q1"), ("stage", c.stage)]
                if let reason = c.reason {
                    body.append(("lostReason", "\"\(reason)\""))
                    fields.append(("lostReason", reason))
                }
                let api = try await app.request(.patch, "/api/v1/opportunities/\(viaAPI)", token: ana, json: json(body), headers: [.ifMatch: "*"])
                #expect(api.status == .unprocessableContent, "\(c.label): the API refuses")
                let expected = try #require(try api.fieldErrors[c.field], "\(c.label): the API names \(c.field)")
                let moved = try await form(app, "/pipeline/\(viaBoard)/stage", ana, fields)
                #expect(moved.status == .seeOther && moved.headers[.location] == "/pipeline?period=2027-Q1")
                #expect(flash(moved) == expected, "\(c.label): the board says what the API says")
            }

            // A deal the mover cannot see: the API's 404, and the not-found page.
            let hidden = try await app.request(.patch, "/api/v1/opportunities/\(viaAPI)", token: ben, json: #"{"stage": "qualification"}"#,
                                               headers: [.ifMatch: "*"])
            #expect(hidden.status == .notFound)
            let hiddenMove = try await form(app, "/pipeline/\(viaBoard)/stage", ben, [("csrf", benToken), ("period", "2027-Q1"), ("stage", "qualification")])
            #expect(hiddenMove.status == .notFound && flash(hiddenMove) == nil)
            #expect(try await count(app, "SELECT count(*) AS n FROM opportunities WHERE account_id = \(accountID) AND stage_key <> 'prospecting'") == 0)

            // The same good move stores the same stage, date, reason and history.
            let api = try await app.request(.patch, "/api/v1/opportunities/\(viaAPI)", token: ana,
                                            json: #"{"stage": "closed_lost", "lostReason": "Went in-house"}"#, headers: [.ifMatch: "*"])
            #expect(api.status == .ok)
            let moved = try await form(app, "/pipeline/\(viaBoard)/stage", ana, [("csrf", token), ("period", "2027-Q1"), ("stage", "closed_lost"),
                                                                                ("lostReason", "Went in-house")])
            #expect(moved.status == .seeOther && flash(moved) == nil)
            let rows = try await app.sql("""
                SELECT o.stage_key, o.lost_reason, o.closed_on::text AS closed_on, o.version,
                       (SELECT count(*) FROM opportunity_stage_history h WHERE h.opportunity_id = o.id) AS moves
                FROM opportunities o WHERE o.account_id = \(accountID) ORDER BY o.id
                """)
            let stored = try rows.map { row in
                [try row.decode("stage_key", as: String.self), try row.decode("lost_reason", as: String.self),
                 try row.decode("closed_on", as: String.self), String(try row.decode("version", as: Int.self)),
                 String(try row.decode("moves", as: Int.self))]
            }
            #expect(stored.count == 2 && stored[0] == stored[1], "the board and the API stored the same move: \(stored)")
        }
    }

    @Test func theAdminStageFormsAndTheAPIStoreTheSameAndRefuseAlike() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let token = try await csrf(app, admin, from: "/admin/stages")

            // Adding a stage.
            let good: [(String, String)] = [("name", "Shortlisted"), ("order", "35"), ("probability", "50"), ("forecastCategory", "best_case"),
                                            ("usualDays", "14")]
            func with(_ base: [(String, String)], _ name: String, _ value: String) -> [(String, String)] {
                base.filter { $0.0 != name } + [(name, value)]
            }
            func body(_ key: String, _ fields: [(String, String)]) -> String {
                let numbers: Set<String> = ["order", "usualDays"]
                return json([("key", "\"\(key)\""), ("isWon", "false"), ("isLost", "false")]
                            + fields.map { ($0.0, numbers.contains($0.0) ? $0.1 : "\"\($0.1)\"") })
            }
            struct Case { var label: String; var key: String; var fields: [(String, String)]; var field: String; var status: HTTPResponse.Status }
            let bad: [Case] = [
                Case(label: "probability past 100", key: "shortlist", fields: with(good, "probability", "150"), field: "probability",
                     status: .unprocessableContent),
                Case(label: "a key with spaces", key: "Short List", fields: good, field: "key", status: .unprocessableContent),
                Case(label: "a blank name", key: "shortlist", fields: with(good, "name", " "), field: "name", status: .unprocessableContent),
                Case(label: "a key taken", key: "proposal", fields: good, field: "key", status: .conflict),
            ]
            for c in bad {
                let api = try await app.request(.post, "/api/v1/pipeline-stages", token: admin, json: body(c.key, c.fields))
                #expect(api.status == c.status, "\(c.label): the API answers \(api.status)")
                let expected = try #require(try api.fieldErrors[c.field] ?? (api.object["detail"] as? String))
                let page = try await form(app, "/admin/stages", admin, [("csrf", token), ("key", c.key)] + c.fields)
                #expect(page.status == api.status, "\(c.label): the page answers with the API's status")
                #expect(fieldMessage(page.text, "f-\(c.field)") == expected, "\(c.label): the same words beside \(c.field)")
            }
            #expect(try await count(app, "SELECT count(*) AS n FROM pipeline_stages WHERE name = 'Shortlisted'") == 0)
            // Two stages cannot share a name, so each is named for the way it came.
            #expect(try await app.request(.post, "/api/v1/pipeline-stages", token: admin,
                                          json: body("shortlist_api", with(good, "name", "Shortlisted (API)"))).status == .created)
            let addedByPage = try await form(app, "/admin/stages", admin,
                                             [("csrf", token), ("key", "shortlist_page")] + with(good, "name", "Shortlisted (page)"))
            #expect(addedByPage.status == .seeOther, "\(alerts(addedByPage.text)) \(addedByPage.text.components(separatedBy: "field-error").dropFirst().map { $0.prefix(120) })")
            let stages = try await app.sql("""
                SELECT position, probability::text AS p, forecast_category, is_won, is_lost, usual_days, version
                FROM pipeline_stages WHERE key IN ('shortlist_api', 'shortlist_page') ORDER BY key
                """)
            func shape(_ rows: QueryResult) throws -> [String] {
                try rows.map { row in
                    [String(try row.decode("position", as: Int.self)),
                     try row.decode("p", as: String.self), try row.decode("forecast_category", as: String.self),
                     String(try row.decode("is_won", as: Bool.self)), String(try row.decode("is_lost", as: Bool.self)),
                     String(try row.decode("usual_days", as: Int.self)), String(try row.decode("version", as: Int.self))].joined(separator: "|")
                }
            }
            let added = try shape(stages)
            #expect(added.count == 2 && added[0] == added[1], "the form and the API added the same stage: \(added)")

            // Changing one: the same refusals, then the same change.
            let change: [(String, String)] = [("name", "Shortlisted (page)"), ("order", "36"), ("probability", "55"),
                                              ("forecastCategory", "best_case"), ("usualDays", "10")]
            let changeBad: [Case] = [
                Case(label: "probability below 0", key: "", fields: with(change, "probability", "-1"), field: "probability",
                     status: .unprocessableContent),
                Case(label: "usual days below 1", key: "", fields: with(change, "usualDays", "0"), field: "usualDays",
                     status: .unprocessableContent),
            ]
            for c in changeBad {
                let api = try await app.request(.patch, "/api/v1/pipeline-stages/shortlist_api", token: admin,
                                                json: json([("isWon", "false"), ("isLost", "false")] + c.fields.map { ($0.0, ["order", "usualDays"].contains($0.0) ? $0.1 : "\"\($0.1)\"") }),
                                                headers: [.ifMatch: "\"1\""])
                #expect(api.status == c.status, "\(c.label): the API answers \(api.status)")
                let expected = try #require(try api.fieldErrors[c.field], "\(c.label): the API names \(c.field)")
                let page = try await form(app, "/admin/stages/shortlist_page", admin, [("csrf", token), ("version", "1")] + c.fields)
                #expect(page.status == api.status)
                #expect(fieldMessage(page.text, "f-\(c.field)") == expected, "\(c.label): the same words beside \(c.field)")
            }
            // A stale version: the API's 412 is the page's 409 with theirs beside mine.
            let staleAPI = try await app.request(.patch, "/api/v1/pipeline-stages/shortlist_api", token: admin, json: #"{"usualDays": 12}"#,
                                                 headers: [.ifMatch: "\"7\""])
            #expect(staleAPI.status == .preconditionFailed)
            let stalePage = try await form(app, "/admin/stages/shortlist_page", admin, [("csrf", token), ("version", "7")] + change)
            #expect(stalePage.status == .conflict)
            #expect(try await app.request(.patch, "/api/v1/pipeline-stages/shortlist_api", token: admin,
                                          json: #"{"name": "Shortlisted (API)", "order": 36, "probability": "55", "forecastCategory": "best_case", "usualDays": 10, "isWon": false, "isLost": false}"#,
                                          headers: [.ifMatch: "\"1\""]).status == .ok)
            #expect(try await form(app, "/admin/stages/shortlist_page", admin, [("csrf", token), ("version", "1")] + change).status == .seeOther)
            let changed = try shape(try await app.sql("""
                SELECT position, probability::text AS p, forecast_category, is_won, is_lost, usual_days, version
                FROM pipeline_stages WHERE key IN ('shortlist_api', 'shortlist_page') ORDER BY key
                """))
            #expect(changed.count == 2 && changed[0] == changed[1] && changed[0] != added[0], "the same change: \(changed)")

            // Deleting a stage in use: the API's 409 and its words on the page.
            let ana = try await app.signIn("ana.torres@demo.test")
            let account = try await app.request(.post, "/api/v1/accounts", token: ana, json: #"{"name": "Stage User"}"#)
            let accountID = try #require(account.object["id"] as? Int)
            #expect(try await app.request(.post, "/api/v1/opportunities", token: ana, json: """
                {"accountId": \(accountID), "name": "Uses prospecting", "stage": "prospecting", "closeDate": "2027-03-31"}
                """).status == .created)
            let inUseAPI = try await app.request(.delete, "/api/v1/pipeline-stages/prospecting", token: admin, headers: [.ifMatch: "*"])
            let version = try #require(try await app.sql("SELECT version FROM pipeline_stages WHERE key = 'prospecting'").first).decode("version", as: Int.self)
            let inUsePage = try await form(app, "/admin/stages/prospecting/delete", admin, [("csrf", token), ("version", String(version))])
            #expect(inUseAPI.status == .conflict && inUsePage.status == .conflict)
            #expect(alerts(inUsePage.text).contains(try #require(inUseAPI.object["detail"] as? String)))
            // And deleting an unused one does the same both ways.
            #expect(try await app.request(.delete, "/api/v1/pipeline-stages/shortlist_api", token: admin, headers: [.ifMatch: "\"2\""]).status == .noContent)
            #expect(try await form(app, "/admin/stages/shortlist_page/delete", admin, [("csrf", token), ("version", "2")]).status == .seeOther)
            #expect(try await count(app, "SELECT count(*) AS n FROM pipeline_stages WHERE key LIKE 'shortlist%'") == 0)
        }
    }
}
