@testable import BatonCore
import Foundation
import Testing

/// Exact decimals from text: a float literal such as `0.85` would go through Double.
private func dec(_ text: String) -> Decimal { Decimal(apiText: text)! }
private func money(_ text: String) -> Money { Money(dec(text)) }
private func ratio(_ text: String) -> DecimalString { DecimalString(dec(text)) }

private func deal(_ amount: Decimal, _ category: ForecastCategory, probability: Decimal, won: Bool = false,
                  lost: Bool = false, _ splits: [(Int64, Decimal)]) -> ForecastDeal {
    ForecastDeal(credits: splits.map { SplitCredit(userId: $0.0, splitPercent: $0.1) }, amount: amount,
                 probability: probability, category: category, won: won, lost: lost)
}

/// Deals that give Ana (7) API.md's example row: closed 20,000, commit 40,000, best
/// case 65,000, pipeline 65,000, weighted 47,000.
private let deals: [ForecastDeal] = [
    // Won, split with Bo: 20,000 each.
    deal(40_000, .closed, probability: 100, won: true, [(7, 50), (8, 50)]),
    // Commit at 80%: 40,000 in every column, 32,000 weighted.
    deal(40_000, .commit, probability: 80, [(7, 100)]),
    // Best case at 60%, half Ana's and half Zoe's: 25,000, 15,000 weighted.
    deal(50_000, .bestCase, probability: 60, [(7, 50), (5, 50)]),
    // Left out: omitted, lost (even if still marked commit), and a 0% split.
    deal(30_000, .omitted, probability: 10, [(7, 100)]),
    deal(10_000, .commit, probability: 80, lost: true, [(7, 100)]),
    deal(20_000, .pipeline, probability: 20, [(7, 0), (8, 100)]),
]

@Suite struct ForecastTests {
    @Test func theAPIExampleRow() throws {
        let t = ForecastReport.totals(deals: deals, for: [7])
        #expect(t == ForecastTotals(closed: 20_000, commit: 40_000, bestCase: 65_000, pipeline: 65_000, weighted: 47_000))

        let rows = ForecastReport.rows(people: reportingLine, root: 4, quotas: [7: 100_000, 8: 60_000], deals: deals)
        let ana = try #require(rows.first { $0.userId == 7 })
        // gap = 100,000 − 20,000; coverage = 65,000 ÷ 80,000.
        #expect(ana == ForecastRow(userId: 7, name: "Ana", managerId: 4, rollup: false, quota: money("100000"),
                                   closed: money("20000"), commit: money("40000"), bestCase: money("65000"),
                                   pipeline: money("65000"), weighted: money("47000"), gap: money("80000"),
                                   coverage: ratio("0.8125")))

        let json = try reportJSON(ana)
        let expected: [String: String] = [
            "quota": "100000.00", "closed": "20000.00", "commit": "40000.00", "bestCase": "65000.00",
            "pipeline": "65000.00", "weighted": "47000.00", "gap": "80000.00", "coverage": "0.8125",
        ]
        for (key, value) in expected { #expect(json[key] as? String == value, "\(key)") }
        #expect(json["userId"] as? Int == 7)
        #expect(json["rollup"] as? Bool == false)
    }

    @Test func theRollupCountsASharedDealOnceInFull() {
        let rows = ForecastReport.rows(people: reportingLine, root: 4, quotas: [7: 100_000, 8: 60_000], deals: deals)
        #expect(rows.map(\.userId) == [4, 4, 7, 8])
        // Bo: half the won deal, and all of the 20,000 pipeline deal at 20%.
        #expect(rows[3].closed == money("20000"))
        #expect(rows[3].pipeline == money("20000"))
        #expect(rows[3].weighted == money("4000"))
        #expect(rows[3].coverage == ratio("0.5"))
        // Max's line: the won deal in full (40,000); Zoe's half of the best-case deal
        // is outside it. Quota 160,000 (Max has none: Ana's + Bo's); gap 120,000;
        // pipeline 85,000 → coverage 0.70833… → 0.7083.
        let team = rows[1]
        #expect(team.rollup)
        #expect(team.quota == money("160000"))
        #expect(team.closed == money("40000"))
        #expect(team.commit == money("40000"))
        #expect(team.bestCase == money("65000"))
        #expect(team.pipeline == money("85000"))
        #expect(team.weighted == money("51000"))
        #expect(team.gap == money("120000"))
        #expect(team.coverage == ratio("0.7083"))
        // Max's own row: nothing of his own and no quota.
        #expect(rows[0] == ForecastRow(userId: 4, name: "Max", managerId: 3, rollup: false, quota: nil,
                                       closed: money("0"), commit: money("0"), bestCase: money("0"),
                                       pipeline: money("0"), weighted: money("0"), gap: nil, coverage: nil))
    }

    @Test func noCoverageOnceTheQuotaIsMet() {
        let rows = ForecastReport.rows(people: [PersonNode(id: 7, name: "Ana", managerId: nil)], root: 7,
                                       quotas: [7: 20_000], deals: deals)
        #expect(rows.count == 1)
        #expect(rows[0].gap == money("0"))
        #expect(rows[0].coverage == nil)
        let over = ForecastReport.rows(people: [PersonNode(id: 7, name: "Ana", managerId: nil)], root: 7,
                                       quotas: [7: 15_000], deals: deals)
        #expect(over[0].gap == money("-5000"))
        #expect(over[0].coverage == nil)
    }

    @Test func theCategoryAsStored() {
        let stored = ForecastDeal(credits: [SplitCredit(userId: 1, splitPercent: 100)], amount: 10, probability: 50,
                                  category: "best_case", won: false)
        #expect(stored.category == .bestCase)
        let unknown = ForecastDeal(credits: [], amount: 10, probability: 50, category: "maybe", won: false)
        #expect(unknown.category == .pipeline)
    }

    @Test func anOpenDealMarkedClosedButNotWonIsLeftOut() {
        let t = ForecastReport.totals(deals: [deal(10_000, .closed, probability: 100, [(1, 100)])], for: [1])
        #expect(t == ForecastTotals())
    }

    @Test func sharesAreExactUntilTheRow() {
        // A third of 100.00 three times: each row shows 33.33, the exact shares add to 100.
        let third = Decimal(100) / 3
        let d = deal(100, .commit, probability: 50, [(7, third), (8, third), (4, third)])
        let t = ForecastReport.totals(deals: [d], for: [4, 7, 8])
        #expect(t.commit.rounded(scale: 2) == 100)
        let rows = ForecastReport.rows(people: reportingLine, root: 4, quotas: [:], deals: [d])
        #expect(rows[2].commit == money("33.33"))
        #expect(rows[1].commit == money("100.00"))
    }

    @Test func theColumnsAreCumulativeForAnyDeals() {
        let categories = ForecastCategory.allCases
        var r = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            let deals = (0..<r.int(0...12)).map { _ in
                deal(Decimal(r.int(0...1_000_000)) / 100, r.pick(categories), probability: Decimal(r.int(0...100)),
                     won: r.chance(0.2), lost: r.chance(0.1), [(7, Decimal(r.int(0...100))), (8, Decimal(r.int(0...100)))])
            }
            let t = ForecastReport.totals(deals: deals, for: [7, 8])
            #expect(t.commit <= t.bestCase)
            #expect(t.bestCase <= t.pipeline)
            #expect(t.weighted <= t.pipeline)
            #expect(t.closed >= 0 && t.commit >= 0 && t.weighted >= 0)
            let apart = [ForecastReport.totals(deals: deals, for: [7]), ForecastReport.totals(deals: deals, for: [8])]
            #expect(apart[0].pipeline + apart[1].pipeline == t.pipeline)
            #expect(apart[0].weighted + apart[1].weighted == t.weighted)
        }
    }

    /// The one-pass totals per person are what asking for each person alone gives.
    @Test func eachPersonsTotalsInOnePassAgreeWithAskingOneByOne() {
        let categories = ForecastCategory.allCases
        var r = SeededGenerator(seed: 7)
        for _ in 0..<100 {
            let deals = (0..<r.int(0...20)).map { _ in
                deal(Decimal(r.int(0...1_000_000)) / 100, r.pick(categories), probability: Decimal(r.int(0...100)),
                     won: r.chance(0.2), lost: r.chance(0.1), [(Int64(r.int(1...4)), Decimal(r.int(0...100))), (5, Decimal(r.int(0...100)))])
            }
            let byPerson = ForecastReport.totalsByPerson(deals: deals)
            for id: Int64 in 1...5 {
                #expect((byPerson[id] ?? ForecastTotals()) == ForecastReport.totals(deals: deals, for: [id]))
            }
        }
    }
}
