@testable import BatonApp
import BatonCore
import Dates
import Foundation
import HTTPTypes
import Logging
import Postgres
import Testing

/// Issue 19, item 11: a person who sees only some accounts gets, on the board, exactly
/// the deals of those accounts: each open stage's first cards by close date then id,
/// within the period and of the owner asked for, and column totals that are the sums
/// over every such deal, including when the visible deals are few among many invisible
/// ones that close earlier in the same stage (the walk by stage passes over those).
@Suite struct BoardVisibleCardsTests {
    static let q1 = FiscalPeriod(kind: .quarter, key: "2031-Q1", start: date("2031-01-01"), endExclusive: date("2031-04-01"))
    static let february = FiscalPeriod(kind: .month, key: "2031-02", start: date("2031-02-01"), endExclusive: date("2031-03-01"))
    /// Starts and ends inside a month.
    static let midMonth = FiscalPeriod(kind: .month, key: "mid", start: date("2031-01-20"), endExclusive: date("2031-03-10"))

    static func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

    struct People {
        var ana, ben, morgan: Int64
    }

    /// Ana (an account manager) owns two accounts; Ben (another, not in her line) owns
    /// two; Morgan manages both and sees all four. Ben's accounts hold 300 deals in each
    /// open stage that close before any of Ana's; Ana's hold 60 qualification deals (more
    /// than a column's cards, with close dates shared so the id decides), two proposal
    /// deals, deals owned by Ben, deals on each edge of the quarter, an archived one and a
    /// won one in the quarter, and some at their own probability.
    static func seed(_ app: TestApp) async throws -> People {
        let ana = try await app.id(of: "ana.torres@demo.test", token: "")
        let ben = try await app.id(of: "ben.okafor@demo.test", token: "")
        let morgan = try #require(try await app.sql("SELECT manager_id FROM users WHERE id = \(ana)").first?
            .decode("manager_id", as: Int64.self))
        try await app.sql("""
            INSERT INTO accounts (name, owner_id, status)
            VALUES ('Visible Harbor', \(ana), 'active'), ('Visible Quarry', \(ana), 'active'),
                   ('Hidden Mill', \(ben), 'active'), ('Hidden Forge', \(ben), 'active')
            """)
        let accounts = try await app.sql("SELECT id, name FROM accounts WHERE name LIKE 'Visible %' OR name LIKE 'Hidden %'")
        var id: [String: Int64] = [:]
        for row in accounts { id[try row.decode("name")] = try row.decode("id") }
        let (harbor, quarry) = (try #require(id["Visible Harbor"]), try #require(id["Visible Quarry"]))
        let (mill, forge) = (try #require(id["Hidden Mill"]), try #require(id["Hidden Forge"]))
        // Ben's: 300 a stage, from the quarter's first day to well inside it.
        try await app.sql("""
            INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id)
            SELECT CASE WHEN n % 2 = 0 THEN \(mill)::bigint ELSE \(forge)::bigint END, 'Hidden ' || s || ' ' || n, s, 500 + n,
                   DATE '2031-01-01' + n / 10, \(ben)
            FROM unnest(ARRAY['prospecting', 'qualification', 'needs_analysis', 'proposal', 'negotiation']) AS s,
                 generate_series(1, 300) AS n
            """)
        // Ana's 60 qualification deals from February, three a day, alternating accounts.
        try await app.sql("""
            INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id, probability_override)
            SELECT CASE WHEN n % 2 = 0 THEN \(harbor)::bigint ELSE \(quarry)::bigint END, 'Visible qualification ' || n, 'qualification',
                   1000.25 * n, DATE '2031-02-20' - n / 3, CASE WHEN n % 7 = 0 THEN \(ben)::bigint ELSE \(ana)::bigint END,
                   CASE WHEN n % 5 = 0 THEN 33.3 END
            FROM generate_series(1, 60) AS n
            """)
        try await app.sql("""
            INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id, archived_at)
            VALUES (\(harbor), 'Visible proposal late', 'proposal', 7000.10, DATE '2031-03-30', \(ana), NULL),
                   (\(quarry), 'Visible proposal later', 'proposal', 8000.20, DATE '2031-03-31', \(ben), NULL),
                   (\(harbor), 'Visible before the quarter', 'prospecting', 11, DATE '2030-12-31', \(ana), NULL),
                   (\(harbor), 'Visible first day', 'prospecting', 12, DATE '2031-01-01', \(ana), NULL),
                   (\(quarry), 'Visible last day', 'prospecting', 13, DATE '2031-03-31', \(ana), NULL),
                   (\(quarry), 'Visible after the quarter', 'prospecting', 14, DATE '2031-04-01', \(ana), NULL),
                   (\(harbor), 'Visible archived', 'negotiation', 15, DATE '2031-02-02', \(ana), now()),
                   (\(harbor), 'Visible negotiation', 'negotiation', 16, DATE '2031-02-03', \(ana), NULL)
            """)
        try await app.sql("""
            INSERT INTO opportunities (account_id, name, stage_key, amount, close_date, owner_id, closed_on)
            VALUES (\(harbor), 'Visible won', 'closed_won', 17, DATE '2031-02-04', \(ana), DATE '2031-02-04')
            """)
        return People(ana: ana, ben: ben, morgan: morgan)
    }

    static func caller(_ id: Int64, _ roles: Set<Role>) -> Caller {
        Caller(id: id, name: "Caller \(id)", email: "caller\(id)@demo.test", roles: roles, credential: .apiToken(id: 0))
    }

    /// The deals `viewer` should see on the board, per open stage in (close date, id)
    /// order, with the stage's count, total and weighted total: written out from the
    /// accounts' owners (Ana sees her own accounts; Morgan everyone's), not from the
    /// visibility table the store reads.
    static func expected(_ db: Connection, owners: [Int64], ownerID: Int64?, period: FiscalPeriod?) async throws
        -> [String: (ids: [Int64], count: Int, total: Decimal, weighted: Decimal)] {
        let rows = try await db.query("""
            SELECT o.id, o.stage_key, o.amount, o.amount * coalesce(o.probability_override, s.probability) / 100 AS weighted
            FROM opportunities o JOIN accounts a ON a.id = o.account_id JOIN pipeline_stages s ON s.key = o.stage_key
            WHERE a.owner_id = ANY(\(owners)::bigint[]) AND NOT s.is_won AND NOT s.is_lost AND o.archived_at IS NULL
              AND (\(ownerID)::bigint IS NULL OR o.owner_id = \(ownerID))
              AND (\(period?.start)::date IS NULL OR o.close_date >= \(period?.start))
              AND (\(period?.endExclusive)::date IS NULL OR o.close_date < \(period?.endExclusive))
            ORDER BY o.close_date, o.id
            """)
        var result: [String: (ids: [Int64], count: Int, total: Decimal, weighted: Decimal)] = [:]
        for row in rows {
            let stage: String = try row.decode("stage_key")
            var sums = result[stage] ?? ([], 0, 0, 0)
            sums.ids.append(try row.decode("id"))
            sums.count += 1
            sums.total += try row.decode("amount", as: Decimal.self)
            sums.weighted += try row.decode("weighted", as: Decimal.self)
            result[stage] = sums
        }
        return result
    }

    /// The store's cards (walking by stage, by account, and as it chooses) and totals
    /// equal the deals written out, for each person, owner and period asked, at two
    /// column sizes.
    @Test func theBoardShowsExactlyTheVisibleDealsFirstByCloseDateThenIdWithTheirTotals() async throws {
        try await TestApp.run { app in
            let people = try await Self.seed(app)
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "board-visible-cards"))
            defer { Task { await pool.shutdown() } }
            try await pool.withConnection { db in
                let viewers = [(Self.caller(people.ana, [.accountManager]), [people.ana]),
                               (Self.caller(people.morgan, [.manager]), [people.ana, people.ben])]
                for (caller, owners) in viewers {
                    for ownerID in [nil, people.ana, people.ben] {
                        for period in [Self.q1, Self.february, Self.midMonth, nil] {
                            let want = try await Self.expected(db, owners: owners, ownerID: ownerID, period: period)
                            let label = "viewer \(caller.id), owner \(ownerID.map(String.init) ?? "anyone"), \(period?.key ?? "all open")"
                            for perStage in [3, PipelineBoard.cardsPerColumn] {
                                for byStage in [nil, true, false] {
                                    let cards = try await OpportunityStore().board(db, visibleTo: caller, ownerID: ownerID, period: period,
                                                                                   perStage: perStage, byStage: byStage)
                                    let got = Dictionary(grouping: cards, by: \.stageKey).mapValues { $0.map(\.id) }
                                    let wanted = want.mapValues { Array($0.ids.prefix(perStage)) }
                                    #expect(got == wanted, "\(label), \(perStage) a stage, by stage: \(byStage.map { "\($0)" } ?? "chosen")")
                                    let order = cards.map { [$0.closeDate.description, String(format: "%020lld", $0.id)] }
                                    #expect(order == order.sorted { $0.lexicographicallyPrecedes($1) }, "\(label): by close date, then id")
                                }
                            }
                            let totals = try await OpportunityStore().boardTotals(db, visibleTo: caller, ownerID: ownerID, period: period)
                            #expect(Set(totals.keys) == Set(want.keys), "\(label): stages")
                            for (stage, sums) in want {
                                let got = totals[stage] ?? (0, 0, 0)
                                #expect(got.count == sums.count && got.total == sums.total && got.weighted == sums.weighted,
                                        "\(label), \(stage): \(got) against \(sums)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// Through the page, signed in as Ana (row-level security on): each column shows
    /// her first 50 deals of the stage and counts every one; Ben's deals, which close
    /// earlier in every stage, are not on it.
    @Test func anAccountManagersBoardPageShowsHerDealsNotTheEarlierOnesSheCannotSee() async throws {
        try await TestApp.run { app in
            let people = try await Self.seed(app)
            let session = try await app.signIn("ana.torres@demo.test")
            let html = try await app.page("/pipeline?period=2031-Q1", session).text
            let pool = ConnectionPool(configuration: app.database, maxConnections: 1, logger: Logger(label: "board-visible-page"))
            defer { Task { await pool.shutdown() } }
            let want = try await pool.withConnection { try await Self.expected($0, owners: [people.ana], ownerID: nil, period: Self.q1) }
            #expect(!html.contains("Hidden "), "a deal of an account Ana does not see")
            for stage in ["prospecting", "qualification", "needs_analysis", "proposal", "negotiation"] {
                let start = try #require(html.range(of: #"<section class="column" data-stage="\#(stage)""#)).upperBound
                let end = try #require(html[start...].range(of: "</section>")).lowerBound
                let column = String(html[start..<end])
                let ids = column.components(separatedBy: #"<article class="card-deal" draggable="true" data-id=""#).dropFirst()
                    .compactMap { Int64($0.prefix { $0 != "\"" }) }
                let sums = want[stage] ?? ([], 0, 0, 0)
                #expect(ids == Array(sums.ids.prefix(PipelineBoard.cardsPerColumn)), "\(stage)")
                #expect(column.contains("\(sums.count) · <span class=\"num\">\(sums.total.display(currency: "USD"))</span>"), "\(stage)")
            }
            #expect(want["qualification"]?.count == 60)
            #expect(want["proposal"]?.count == 2)
        }
    }
}
