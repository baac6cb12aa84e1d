import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Who may *change* what on records they can see (issue 14, items 1–3, 10, 11, 16):
/// every role against a deal of their own, of their line, of a team they are on and of
/// someone outside their line, through the real router and row-level security.
@Suite struct ChangeRightsTests {
    /// The demo firm's people this suite uses, and how they stand towards the deal
    /// `Fixture` makes: Ben owns the account, Ana owns the deal, Dev shares its team.
    struct Fixture {
        var tokens: [String: String] = [:]
        var ids: [String: Int64] = [:]
        var accountID = 0
        var dealID = 0

        static let people = [
            "admin": "admin@demo.test",
            "morgan": "morgan.reyes@demo.test",  // manager above Ana, Ben, Dev and Erin
            "ana": "ana.torres@demo.test",  // account manager: owns the deal
            "ben": "ben.okafor@demo.test",  // account manager: owns the account, not the deal
            "dev": "dev.patel@demo.test",  // sales: on the deal's team
            "erin": "erin.walsh@demo.test",  // sales: nothing to do with it
            "hiro": "hiro.tanaka@demo.test",  // project manager
            "maya": "maya.singh@demo.test",  // consultant
        ]

        static func make(_ app: TestApp) async throws -> Fixture {
            var f = Fixture()
            for (key, email) in people {
                f.tokens[key] = try await app.signIn(email)
                f.ids[key] = try await app.id(of: email, token: "")
            }
            let admin = try f.token("admin")
            let account = try await app.request(.post, "/api/v1/accounts", token: admin,
                json: #"{"name": "Harbor Freight Lines", "ownerId": \#(try f.id("ben")), "status": "active"}"#)
            f.accountID = try #require(account.object["id"] as? Int, "account: \(account.text)")
            let deal = try await app.request(.post, "/api/v1/opportunities", token: admin, json: """
                {"accountId": \(f.accountID), "name": "Yard Wi-Fi", "stage": "proposal", "amount": "40000.00", "closeDate": "2027-03-31",
                 "ownerId": \(try f.id("ana")), "team": [{"userId": \(try f.id("ana")), "role": "owner", "splitPercent": "50"},
                                                     {"userId": \(try f.id("dev")), "role": "sales_partner", "splitPercent": "50"}]}
                """)
            f.dealID = try #require(deal.object["id"] as? Int, "deal: \(deal.text)")
            return f
        }

        func token(_ key: String) throws -> String { try #require(tokens[key]) }
        func id(_ key: String) throws -> Int64 { try #require(ids[key]) }
    }

    /// PATCH with the record's current version, as a careful client does.
    func patch(_ app: TestApp, _ path: String, _ token: String, _ json: String) async throws -> TestResponse {
        let current = try await app.request(.get, "/api/v1/\(path)", token: token)
        let etag = current.headers[.eTag] ?? "\"0\""
        return try await app.request(.patch, "/api/v1/\(path)", token: token, json: json, headers: [.ifMatch: etag])
    }

    /// DELETE or POST (an archive, a restore) with the record's current version.
    func act(_ app: TestApp, _ method: HTTPRequest.Method, _ path: String, _ token: String, record: String? = nil) async throws -> TestResponse {
        let current = try await app.request(.get, "/api/v1/\(record ?? path)", token: try await adminToken(app))
        let etag = current.headers[.eTag] ?? "\"0\""
        return try await app.request(method, "/api/v1/\(path)", token: token, headers: [.ifMatch: etag])
    }

    func adminToken(_ app: TestApp) async throws -> String { try await app.signIn("admin@demo.test") }

    /// The expected table, written out by hand from the rules in docs/authorization.md:
    /// for each person, the answer to each change of the deal (200/204 allowed, 403
    /// refused though seen, 404 not seen).
    @Test func everyRoleAgainstEveryChangeOfADeal() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            let changes: [(name: String, body: (Fixture) throws -> String)] = [
                ("owner", { f in #"{"ownerId": \#(try f.id("erin"))}"# }),
                ("team", { f in #"{"team": [{"userId": \#(try f.id("ana")), "role": "owner", "splitPercent": "100"}]}"# }),
                ("amount", { _ in #"{"amount": "41000.00"}"# }),
                ("stage", { _ in #"{"stage": "negotiation"}"# }),
                ("close date", { _ in #"{"closeDate": "2027-04-30"}"# }),
                ("next step", { _ in #"{"nextStep": "Site survey"}"# }),
            ]
            let expected: [String: [String: Int]] = [
                // owner: Erin is in Morgan's line and the admin's, not in Ana's (her own line is herself).
                "admin": ["owner": 200, "team": 200, "amount": 200, "stage": 200, "close date": 200, "next step": 200],
                "morgan": ["owner": 200, "team": 200, "amount": 200, "stage": 200, "close date": 200, "next step": 200],
                "ana": ["owner": 422, "team": 200, "amount": 200, "stage": 200, "close date": 200, "next step": 200],
                "dev": ["owner": 403, "team": 403, "amount": 200, "stage": 200, "close date": 200, "next step": 200],
                "ben": ["owner": 403, "team": 403, "amount": 403, "stage": 403, "close date": 403, "next step": 403],
                "erin": ["owner": 404, "team": 404, "amount": 404, "stage": 404, "close date": 404, "next step": 404],
                "hiro": ["owner": 404, "team": 404, "amount": 404, "stage": 404, "close date": 404, "next step": 404],
                "maya": ["owner": 403, "team": 403, "amount": 403, "stage": 403, "close date": 403, "next step": 403],
            ]
            var seen: [String: [String: Int]] = [:]
            for person in expected.keys.sorted() {
                for change in changes {
                    // Each cell starts from the same deal: the admin puts it back first.
                    let reset = try await patch(app, "opportunities/\(f.dealID)", try f.token("admin"), """
                        {"ownerId": \(try f.id("ana")), "amount": "40000.00", "stage": "proposal", "closeDate": "2027-03-31", "nextStep": null,
                         "team": [{"userId": \(try f.id("ana")), "role": "owner", "splitPercent": "50"},
                                  {"userId": \(try f.id("dev")), "role": "sales_partner", "splitPercent": "50"}]}
                        """)
                    #expect(reset.status == .ok, "reset: \(reset.text)")
                    let r = try await patch(app, "opportunities/\(f.dealID)", try f.token(person), try change.body(f))
                    seen[person, default: [:]][change.name] = Int(r.status.code)
                }
            }
            for person in expected.keys.sorted() {
                #expect(seen[person] == expected[person], "\(person): \(seen[person] ?? [:])")
            }
        }
    }

    @Test func aTeamMemberCannotTakeAColleaguesWonDealAndItsCredit() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            let won = try await patch(app, "opportunities/\(f.dealID)", try f.token("admin"), #"{"stage": "closed_won"}"#)
            #expect(won.status == .ok)
            let dev = try f.token("dev")
            let takeover = try await patch(app, "opportunities/\(f.dealID)", dev, #"{"ownerId": \#(try f.id("dev"))}"#)
            #expect(takeover.status == .forbidden)
            #expect(takeover.text.contains("owner"))
            let splits = try await patch(app, "opportunities/\(f.dealID)", dev,
                #"{"team": [{"userId": \#(try f.id("dev")), "role": "sales_partner", "splitPercent": "100"}]}"#)
            #expect(splits.status == .forbidden)
            let stored = try await app.sql("SELECT owner_id FROM opportunities WHERE id = \(f.dealID)")
            #expect(try stored.first?.decode("owner_id", as: Int64.self) == (try f.id("ana")))
            let team = try await app.sql("SELECT count(*)::int AS n FROM opportunity_team WHERE opportunity_id = \(f.dealID)")
            #expect(try team.first?.decode("n", as: Int.self) == 2)
            // Archiving is the owner's side too; the owner's manager may.
            let archive = try await act(app, .delete, "opportunities/\(f.dealID)", dev)
            #expect(archive.status == .forbidden)
            let byManager = try await act(app, .delete, "opportunities/\(f.dealID)", try f.token("morgan"))
            #expect(byManager.status == .noContent)
            let restored = try await act(app, .post, "opportunities/\(f.dealID)/restore", try f.token("ana"), record: "opportunities/\(f.dealID)")
            #expect(restored.status == .ok)
            #expect(try restored.object["archived"] as? Bool == false)
        }
    }

    /// Item 1: an edit that takes the caller's own sight of the deal away used to end the
    /// process (a force unwrap on the re-read under row-level security). Ana owns the
    /// deal, sees Ben's account only through the deal's team, and leaves the team.
    @Test func aChangeThatTakesAwayTheCallersSightAnswersInsteadOfCrashing() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            let ana = try f.token("ana")
            let r = try await patch(app, "opportunities/\(f.dealID)", ana,
                #"{"team": [{"userId": \#(try f.id("dev")), "role": "sales_partner", "splitPercent": "100"}]}"#)
            #expect(r.status == .ok, "\(r.text)")
            #expect(try r.object["id"] as? Int == f.dealID)
            #expect(try (r.object["team"] as? [[String: Any]])?.count == 1)
            // She no longer sees it, and the server is still answering.
            let after = try await app.request(.get, "/api/v1/opportunities/\(f.dealID)", token: ana)
            #expect(after.status == .notFound)
            let audit = try await app.sql("SELECT count(*)::int AS n FROM audit_log WHERE entity = 'opportunity' AND entity_id = \(f.dealID)")
            #expect(try audit.first?.decode("n", as: Int.self) ?? 0 >= 2)
        }
    }

    @Test func onlyTheOwnerTheirManagersAndAdminsChangeOrArchiveAnAccount() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            // Dev sees Ben's account through Ana's deal team: he reads it, and that is all.
            let dev = try f.token("dev")
            #expect(try await app.request(.get, "/api/v1/accounts/\(f.accountID)", token: dev).status == .ok)
            for body in [#"{"ownerId": \#(try f.id("dev"))}"#, #"{"name": "Mine now"}"#, #"{"status": "former"}"#] {
                let r = try await patch(app, "accounts/\(f.accountID)", dev, body)
                #expect(r.status == .forbidden, "\(body): \(r.text)")
            }
            #expect(try await act(app, .delete, "accounts/\(f.accountID)", dev).status == .forbidden)
            // Ana owns a deal there, not the account.
            #expect(try await patch(app, "accounts/\(f.accountID)", try f.token("ana"), #"{"name": "Ana's"}"#).status == .forbidden)
            let stored = try await app.sql("SELECT name, owner_id, archived_at IS NULL AS open FROM accounts WHERE id = \(f.accountID)")
            #expect(try stored.first?.decode("name", as: String.self) == "Harbor Freight Lines")
            #expect(try stored.first?.decode("open", as: Bool.self) == true)

            // The owner renames and archives; the owner's manager restores.
            let ben = try f.token("ben")
            #expect(try await patch(app, "accounts/\(f.accountID)", ben, #"{"name": "Harbor Freight"}"#).status == .ok)
            #expect(try await act(app, .delete, "accounts/\(f.accountID)", ben).status == .noContent)
            #expect(try await act(app, .post, "accounts/\(f.accountID)/restore", dev, record: "accounts/\(f.accountID)").status == .forbidden)
            let restored = try await act(app, .post, "accounts/\(f.accountID)/restore", try f.token("morgan"), record: "accounts/\(f.accountID)")
            #expect(restored.status == .ok, "\(restored.text)")
            #expect(try restored.object["archived"] as? Bool == false)
            let listed = try await app.request(.get, "/api/v1/accounts?q=Harbor", token: ben)
            #expect(listed.text.contains("Harbor Freight"))
        }
    }

    @Test func activitiesAreChangedByTheirOwnerAndGivenOnlyWithinTheLine() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            let ben = try f.token("ben")
            let created = try await app.request(.post, "/api/v1/activities", token: ben,
                json: #"{"kind": "call", "subject": "Walked the yard", "accountId": \#(f.accountID)}"#)
            let activityID = try #require(created.object["id"] as? Int, "\(created.text)")
            // Ana and Dev see the account through the deal's team; neither may rewrite Ben's call.
            for person in ["ana", "dev"] {
                let r = try await patch(app, "activities/\(activityID)", try f.token(person), #"{"subject": "Rewritten"}"#)
                #expect(r.status == .forbidden, "\(person): \(r.text)")
                let archive = try await act(app, .delete, "activities/\(activityID)", try f.token(person))
                #expect(archive.status == .forbidden, "\(person) archives: \(archive.text)")
            }
            // Ben may not hand it to someone outside his line; his manager may change it.
            let given = try await patch(app, "activities/\(activityID)", ben, #"{"ownerId": \#(try f.id("erin"))}"#)
            #expect(given.status == .unprocessableContent)
            #expect(try given.fieldErrors["ownerId"] != nil)
            let handed = try await app.request(.post, "/api/v1/activities", token: ben,
                json: #"{"kind": "task", "subject": "For Erin", "accountId": \#(f.accountID), "ownerId": \#(try f.id("erin"))}"#)
            #expect(handed.status == .unprocessableContent)
            #expect(try await patch(app, "activities/\(activityID)", try f.token("morgan"), #"{"subject": "Walked the yard twice"}"#).status == .ok)
        }
    }

    /// Item 16: thirty moves under one version: one wins, the rest are told the record
    /// changed (412), never that it does not exist.
    @Test func concurrentStageMovesUnderOneVersionAnswerPreconditionFailed() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            let ana = try f.token("ana")
            let current = try await app.request(.get, "/api/v1/opportunities/\(f.dealID)", token: ana)
            let etag = try #require(current.headers[.eTag])
            let stages = ["negotiation", "needs_analysis", "qualification"]
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for i in 0..<30 {
                    group.addTask {
                        let r = try await app.request(.patch, "/api/v1/opportunities/\(f.dealID)", token: ana,
                                                      json: #"{"stage": "\#(stages[i % 3])"}"#, headers: [.ifMatch: etag])
                        return Int(r.status.code)
                    }
                }
                var all: [Int] = []
                for try await s in group { all.append(s) }
                return all
            }
            #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
            #expect(statuses.filter { $0 == 412 }.count == 29, "\(statuses)")
        }
    }

    /// Item 11: a project manager's own target is pay; another's is not theirs to read.
    @Test func bonusPlansShowEachReaderOnlyTheOverridesOfTheirLine() async throws {
        try await TestApp.run { app in
            let f = try await Fixture.make(app)
            let felix = try await app.id(of: "felix.braun@demo.test", token: "")
            let saved = try await app.request(.post, "/api/v1/bonus-plans", token: try f.token("admin"), json: """
                {"name": "PM quarterly", "method": "marginal", "periodType": "quarter", "targetBonus": "10000.00", "threshold": "0.50",
                 "tiers": [{"from": "0", "to": null, "rate": "1.0"}], "cap": "2.0", "lateCreditPercent": "50",
                 "overrides": [{"userId": \(try f.id("hiro")), "targetBonus": "9000.00"}, {"userId": \(felix), "targetBonus": "7000.00"}]}
                """)
            #expect(saved.status == .created, "\(saved.text)")
            let planID = try #require(saved.object["id"] as? Int, "\(saved.text)")
            let hiro = try await app.request(.get, "/api/v1/bonus-plans/\(planID)", token: try f.token("hiro"))
            let overrides = try #require(hiro.object["overrides"] as? [[String: Any]], "\(hiro.text)")
            #expect(overrides.count == 1)
            #expect(overrides.first?["targetBonus"] as? String == "9000.00")
            #expect(!(try await app.request(.get, "/api/v1/bonus-plans", token: try f.token("hiro"))).text.contains("7000.00"))
            let priya = try await app.signIn("priya.shah@demo.test")
            let manager = try await app.request(.get, "/api/v1/bonus-plans/\(planID)", token: priya)
            #expect(try (manager.object["overrides"] as? [[String: Any]])?.count == 2)
        }
    }
}

/// Issue 14, item 9, through the API: `baton:` ids are Baton's own, and an external
/// id taken by a record the caller cannot see is refused without saying so.
@Suite struct ExternalIDTests {
    @Test func batonIdsAreReservedAndAHiddenHolderIsNotRevealed() async throws {
        try await TestApp.run { app in
            let admin = try await app.signIn("admin@demo.test")
            let ben = try await app.id(of: "ben.okafor@demo.test", token: "")
            let hidden = try await app.request(.post, "/api/v1/accounts", token: admin,
                json: #"{"name": "Orca Marine", "ownerId": \#(ben), "externalId": "sf:0015e00000ORCA"}"#)
            let hiddenID = try #require(hidden.object["id"] as? Int, "\(hidden.text)")
            let erin = try await app.signIn("erin.walsh@demo.test")
            for (path, body) in [
                ("accounts", #"{"name": "Impostor", "externalId": "baton:\#(hiddenID)"}"#),
                ("accounts", #"{"name": "Impostor", "externalId": " BATON:\#(hiddenID)"}"#),
            ] {
                let r = try await app.request(.post, "/api/v1/\(path)", token: erin, json: body)
                #expect(r.status == .unprocessableContent, "\(body): \(r.text)")
                #expect(try r.fieldErrors["externalId"] != nil)
            }
            let squat = try await app.request(.post, "/api/v1/accounts", token: erin,
                json: #"{"name": "Impostor", "externalId": "sf:0015e00000ORCA"}"#)
            #expect(squat.status == .unprocessableContent, "\(squat.text)")
            #expect(!squat.text.contains("Another account"), "the answer tells a hidden account exists: \(squat.text)")
            #expect(!squat.text.contains("account \(hiddenID)"))
            // The admin, who sees it, is told plainly.
            let taken = try await app.request(.post, "/api/v1/accounts", token: admin,
                json: #"{"name": "Orca again", "externalId": "sf:0015e00000ORCA"}"#)
            #expect(taken.status == .conflict, "\(taken.text)")
            let count = try await app.sql("SELECT count(*)::int AS n FROM accounts WHERE name = 'Impostor'")
            #expect(try count.first?.decode("n", as: Int.self) == 0)
        }
    }
}
