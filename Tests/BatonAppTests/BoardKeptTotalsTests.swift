@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres
import Testing

/// Issue 19, item 11: an admin's board reads its column totals for a period of whole
/// months from the kept monthly totals (`opportunity_stage_totals`), which file a deal
/// under its month of record; an open deal's is its close date's month because an open
/// deal has no `closed_on` (sql/0048). The answer must be the deals' own sums, whatever
/// was done to them, and a write that would break the guarantee is refused.
@Suite struct BoardKeptTotalsTests {
    static let admin = Caller(id: 1, name: "Admin", email: "admin@demo.test", roles: [.admin], credential: .apiToken(id: 0))
    let pipeline = PipelineTests()

    static let accountsCSV = """
        externalId,name
        kept-1,Kept Totals Freight

        """
    /// Open deals in four months (one at its own probability), a win and a loss.
    static let dealsCSV = """
        externalId,accountExternalId,name,stage,amount,closeDate,ownerEmail,probability,lostReason,wonOn,lostOn
        kept-o1,kept-1,Imported open one,prospecting,1200.50,2027-01-31,ana.torres@demo.test,,,,
        kept-o2,kept-1,Imported open two,proposal,9999.99,2027-02-01,ana.torres@demo.test,33.33,,,
        kept-o3,kept-1,Imported open three,negotiation,450,2027-06-30,ana.torres@demo.test,,,,
        kept-o4,kept-1,Imported open four,qualification,77.77,2027-07-01,ana.torres@demo.test,,,,
        kept-w1,kept-1,Imported win,closed_won,5000,2026-05-15,ana.torres@demo.test,,,2026-06-02,
        kept-l1,kept-1,Imported loss,closed_lost,3000,2026-04-15,ana.torres@demo.test,,price,,2026-04-20

        """
    /// The same file again with changes: one open deal won, the win reopened into
    /// another quarter, one close date moved across a year, one loss reopened.
    static let dealsAgainCSV = """
        externalId,accountExternalId,name,stage,amount,closeDate,ownerEmail,probability,lostReason,wonOn,lostOn
        kept-o1,kept-1,Imported open one,closed_won,1200.50,2027-01-31,ana.torres@demo.test,,,2026-11-30,
        kept-o2,kept-1,Imported open two,proposal,9999.99,2027-02-01,ana.torres@demo.test,33.33,,,
        kept-o3,kept-1,Imported open three,negotiation,450,2028-01-02,ana.torres@demo.test,,,,
        kept-o4,kept-1,Imported open four,qualification,77.77,2027-07-01,ana.torres@demo.test,,,,
        kept-w1,kept-1,Imported win,needs_analysis,5000,2027-09-15,ana.torres@demo.test,,,,
        kept-l1,kept-1,Imported loss,prospecting,3000,2027-03-03,ana.torres@demo.test,,,,

        """

    func importCSV(_ app: TestApp, _ kind: String, _ csv: String, token: String) async throws -> [String: Any] {
        let r = try await app.client.execute(
            uri: "/api/v1/imports/\(kind)", method: .post,
            headers: [.authorization: "Bearer \(token)", .contentType: "text/csv"], body: ByteBuffer(string: csv))
        #expect(r.status == .ok, "import \(kind): \(r.text)")
        return try r.object
    }

    /// The periods to compare: every month, and every quarter and year of a fiscal year
    /// starting in January and in April, from the earliest to the latest open deal's close
    /// date; every open deal; and a period that starts and ends inside a month (the
    /// deals' own sums answer it).
    static func periods(_ db: Connection) async throws -> [FiscalPeriod?] {
        let span = try #require(try await db.query("""
            SELECT min(close_date) AS first, max(close_date) AS last FROM opportunities WHERE is_open
            """).first)
        let first: CalendarDate = try span.decode("first"), last: CalendarDate = try span.decode("last")
        var periods: [FiscalPeriod?] = [nil]
        for (calendar, kinds) in [(FiscalCalendar(startMonth: 1), FiscalPeriod.Kind.allCases),
                                  (FiscalCalendar(startMonth: 4), [.quarter, .year])] {
            for kind in kinds {
                var period = calendar.period(containing: first, kind: kind)
                while period.start <= last {
                    periods.append(period)
                    period = calendar.period(containing: period.endExclusive, kind: kind)
                }
            }
        }
        periods.append(FiscalPeriod(kind: .month, key: "mid-month", start: first.adding(days: 10), endExclusive: last.adding(days: -10)))
        return periods
    }

    /// What `boardTotals` answers `caller` (everyone's and each of `owners`') equals the
    /// aggregate over the deals they see, written out here, for every period.
    static func agree(_ app: TestApp, owners: [Int64], _ moment: String, caller: Caller = admin) async throws {
        let viewer: Int64? = caller.isAdmin ? nil : caller.id
        let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "board-kept-totals"))
        defer { Task { await pool.shutdown() } }
        try await pool.withConnection { db in
            for period in try await periods(db) {
                for who in [nil] + owners {
                    let kept = try await OpportunityStore().boardTotals(db, visibleTo: caller, ownerID: who, period: period)
                    let rows = try await db.query("""
                        SELECT o.stage_key, count(*)::int AS n, sum(o.amount) AS total,
                               sum(o.amount * coalesce(o.probability_override, s.probability) / 100) AS weighted
                        FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                        WHERE s.is_open AND o.archived_at IS NULL AND (\(who)::bigint IS NULL OR o.owner_id = \(who))
                          AND (\(viewer)::bigint IS NULL
                               OR o.account_id IN (SELECT v.account_id FROM account_viewers v WHERE v.viewer_id = \(viewer)))
                          AND (\(period?.start)::date IS NULL OR o.close_date >= \(period?.start))
                          AND (\(period?.endExclusive)::date IS NULL OR o.close_date < \(period?.endExclusive))
                        GROUP BY o.stage_key
                        """)
                    let label = "\(moment): \(period?.key ?? "all open") \(period.map { "\($0.start)" } ?? ""), owner \(who.map(String.init) ?? "anyone")"
                    #expect(kept.count == rows.count, "\(label): stages \(kept.keys.sorted())")
                    for row in rows {
                        let stage: String = try row.decode("stage_key")
                        let sums = kept[stage] ?? (0, 0, 0)
                        #expect(sums.count == (try row.decode("n", as: Int.self)), "\(label), \(stage): count")
                        #expect(sums.total == (try row.decode("total", as: Decimal.self)), "\(label), \(stage): total")
                        #expect(sums.weighted == (try row.decode("weighted", as: Decimal.self)), "\(label), \(stage): weighted")
                    }
                }
            }
        }
    }

    func id(_ app: TestApp, externalID: String) async throws -> Int64 {
        try #require(try await app.sql("SELECT id FROM opportunities WHERE external_id = \(externalID)").first?.decode("id", as: Int64.self))
    }

    @Test func theKeptTotalsOfEveryPeriodAreTheDealsSumsWhateverHappensToThem() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let ana = try await app.id(of: "ana.torres@demo.test", token: admin)
            let other = try #require(try await app.sql("""
                SELECT owner_id FROM opportunities WHERE is_open AND owner_id <> \(ana) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
                """).first?.decode("owner_id", as: Int64.self))
            let owners = [ana, other]
            try await Self.agree(app, owners: owners, "the demo firm's deals")

            _ = try await importCSV(app, "accounts", Self.accountsCSV, token: admin)
            #expect(try await importCSV(app, "opportunities", Self.dealsCSV, token: admin)["created"] as? Int == 6)
            try await Self.agree(app, owners: owners, "an import's new deals")

            let account = try #require(try await app.sql("SELECT id FROM accounts WHERE external_id = 'kept-1'").first?.decode("id", as: Int64.self))
            func create(_ name: String, _ stage: String, _ amount: String, _ closeDate: String, probability: String? = nil) async throws -> Int64 {
                let made = try await pipeline.create(app, "opportunities", admin, """
                    {"accountId": \(account), "name": "\(name)", "stage": "\(stage)", "amount": "\(amount)", "closeDate": "\(closeDate)",
                     "ownerId": \(ana)\(probability.map { #", "probability": "\#($0)""# } ?? "")}
                    """)
                return Int64(try #require(made["id"] as? Int))
            }
            let first = try await create("Kept one", "qualification", "1000.10", "2027-01-15", probability: "17.5")
            let second = try await create("Kept two", "prospecting", "333.33", "2027-02-28")
            let third = try await create("Kept three", "needs_analysis", "2500", "2027-03-31")
            try await Self.agree(app, owners: owners, "creates")

            func patch(_ id: Int64, _ json: String) async throws {
                let r = try await pipeline.patch(app, "opportunities/\(id)", admin, json)
                #expect(r.status == .ok, "PATCH \(id) \(json): \(r.text)")
            }
            try await patch(first, #"{"stage": "closed_won"}"#)
            try await Self.agree(app, owners: owners, "a win")
            try await patch(second, #"{"stage": "closed_lost", "lostReason": "timing"}"#)
            try await Self.agree(app, owners: owners, "a loss")
            try await patch(first, #"{"stage": "proposal"}"#)
            #expect(try await app.sql("SELECT closed_on FROM opportunities WHERE id = \(first)").first?.decode("closed_on", as: CalendarDate?.self) == nil,
                    "a reopened deal has no date of record")
            try await Self.agree(app, owners: owners, "a reopening")
            try await patch(third, #"{"stage": "negotiation", "probability": "61"}"#)
            try await Self.agree(app, owners: owners, "a stage move")
            try await patch(third, #"{"closeDate": "2027-04-01"}"#)
            try await patch(first, #"{"closeDate": "2026-12-31", "amount": "1000.11"}"#)
            try await Self.agree(app, owners: owners, "close dates moved across a quarter and a year")
            try await patch(third, #"{"ownerId": \#(other)}"#)
            try await Self.agree(app, owners: owners, "a new owner")

            let archived = try await app.request(.delete, "/api/v1/opportunities/\(third)", token: admin, headers: [.ifMatch: "*"])
            #expect(archived.status == .noContent, "\(archived.text)")
            try await Self.agree(app, owners: owners, "an archived deal")
            let restored = try await app.request(.post, "/api/v1/opportunities/\(third)/restore", token: admin, headers: [.ifMatch: "*"])
            #expect(restored.status == .ok, "\(restored.text)")
            try await Self.agree(app, owners: owners, "a restored deal")
            try await app.sql("DELETE FROM opportunities WHERE id IN (\(third), \(second))")
            try await Self.agree(app, owners: owners, "deletions")

            let again = try await importCSV(app, "opportunities", Self.dealsAgainCSV, token: admin)
            #expect(again["updated"] as? Int == 4, "\(again)")
            #expect(try await app.sql("""
                SELECT count(*)::int AS n FROM opportunities WHERE external_id IN ('kept-w1', 'kept-l1') AND is_open AND closed_on IS NULL
                """).first?.decode("n", as: Int.self) == 2, "reopened by an import: no date of record")
            try await Self.agree(app, owners: owners, "an import's changes")
        }
    }

    /// Someone above everyone (not an admin) sees every deal, so their board reads the
    /// kept totals too; one account they cannot see, and their board sums the deals they
    /// see again: the kept totals would count the hidden account's deal.
    @Test func someoneWhoSeesEveryAccountReadsTheKeptTotalsAndOnlyThen() async throws {
        try await TestApp.run(business: true) { app in
            let accounts = try await app.sql("SELECT count(*)::int AS n FROM accounts").first?.decode("n", as: Int.self) ?? -1
            let head = try #require(try await app.sql("""
                SELECT v.viewer_id FROM account_viewers v JOIN users u ON u.id = v.viewer_id
                WHERE NOT 'admin' = ANY (u.roles) GROUP BY v.viewer_id HAVING count(*) = \(accounts) ORDER BY v.viewer_id LIMIT 1
                """).first?.decode("viewer_id", as: Int64.self), "the demo firm has someone above every account's people")
            let caller = Caller(id: head, name: "Head of sales", email: "head@demo.test", roles: [.manager], credential: .apiToken(id: 0))
            let someoneLess = try #require(try await app.sql("""
                SELECT v.viewer_id FROM account_viewers v GROUP BY v.viewer_id HAVING count(*) < \(accounts) ORDER BY count(*) DESC LIMIT 1
                """).first?.decode("viewer_id", as: Int64.self))
            let owner = try #require(try await app.sql("""
                SELECT owner_id FROM opportunities WHERE is_open GROUP BY 1 ORDER BY count(*) DESC LIMIT 1
                """).first?.decode("owner_id", as: Int64.self))
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "board-every-account"))
            defer { Task { await pool.shutdown() } }
            #expect(try await pool.withConnection { try await OpportunityStore.seesEveryDeal($0, caller) })
            #expect(try await pool.withConnection {
                try await OpportunityStore.seesEveryDeal($0, Caller(id: someoneLess, name: "", email: "", roles: [.manager], credential: .apiToken(id: 0)))
            } == false)
            try await Self.agree(app, owners: [owner], "the head of sales, every account", caller: caller)

            // An account only the admin sees: no owner, one open deal the admin owns.
            let adminID = try #require(try await app.sql("SELECT id FROM users WHERE email = 'admin@demo.test'").first?.decode("id", as: Int64.self))
            let hidden = try #require(try await app.sql("""
                INSERT INTO accounts (name) VALUES ('Hidden from the head') RETURNING id
                """).first?.decode("id", as: Int64.self))
            try await app.sql("""
                INSERT INTO opportunities (account_id, name, kind, stage_key, amount, close_date, owner_id)
                SELECT \(hidden), 'Hidden deal', 'new_business', key, 123456.78, current_date + 20, \(adminID)
                FROM pipeline_stages WHERE is_open ORDER BY position LIMIT 1
                """)
            #expect(try await app.sql("SELECT count(*)::int AS n FROM account_viewers WHERE account_id = \(hidden) AND viewer_id = \(head)")
                .first?.decode("n", as: Int.self) == 0, "the head does not see the new account")
            #expect(try await pool.withConnection { try await OpportunityStore.seesEveryDeal($0, caller) } == false)
            try await Self.agree(app, owners: [owner, adminID], "the head of sales, one account hidden", caller: caller)
        }
    }

    @Test func aWriteThatWouldGiveAnOpenDealADateOfRecordIsRefused() async throws {
        try await TestApp.run(business: true) { app in
            let admin = try await app.signIn("admin@demo.test")
            let open = try #require(try await app.sql("""
                SELECT id FROM opportunities WHERE is_open AND archived_at IS NULL ORDER BY id LIMIT 1
                """).first?.decode("id", as: Int64.self))
            let won = try #require(try await app.sql("""
                SELECT o.id FROM opportunities o JOIN pipeline_stages s ON s.key = o.stage_key
                WHERE s.is_won AND o.closed_on IS NOT NULL ORDER BY o.id LIMIT 1
                """).first?.decode("id", as: Int64.self))
            let owners: [Int64] = []
            try await Self.agree(app, owners: owners, "before")

            // Straight SQL, as an operator or a future store might write: each refused by
            // opportunities_open_not_closed.
            for statement: Query in [
                "UPDATE opportunities SET closed_on = current_date - 1 WHERE id = \(open)",
                "UPDATE opportunities SET stage_key = 'qualification' WHERE id = \(won)",
                """
                INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id, closed_on)
                SELECT account_id, 'Open with a close', 'prospecting', 10, DATE '2027-05-05', owner_id, DATE '2026-01-01'
                FROM opportunities WHERE id = \(open)
                """,
            ] {
                await #expect(throws: (any Error).self, "\(statement)") { try await app.sql(statement) }
            }
            // The API says which field, before the database is asked.
            let r = try await pipeline.patch(app, "opportunities/\(open)", admin, #"{"closedOn": "2026-01-01"}"#)
            #expect(r.status == .unprocessableContent, "\(r.text)")
            // Deals brought in with their history: an open one with a date of record is refused by its own rule.
            let stage = Stage(key: "prospecting", name: "Prospecting", order: 1, probability: 10, forecastCategory: .pipeline)
            let deal = HistoricDeal(fields: OpportunityFields(
                accountID: 1, name: "Historic", kind: .newBusiness, stage: stage, amount: 1, closeDate: CalendarDate(year: 2027, month: 1, day: 1)!,
                ownerID: 1, team: [TeamMember(userId: 1, role: .owner, splitPercent: 100)], probabilityOverride: nil, categoryOverride: nil,
                nextStep: nil, source: nil, closedOn: CalendarDate(year: 2026, month: 1, day: 1)!, lostReason: nil, externalID: nil),
                createdOn: CalendarDate(year: 2025, month: 1, day: 1)!, steps: [.init(stageKey: "prospecting", on: CalendarDate(year: 2025, month: 1, day: 1)!)])
            var v = Validator()
            deal.check(into: &v)
            #expect(throws: ValidationFailure.self) { try v.throwIfInvalid() }
            try await Self.agree(app, owners: owners, "after the refusals")
        }
    }
}
