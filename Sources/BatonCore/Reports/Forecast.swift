import Foundation

/// A team member's share of an opportunity's quota credit.
public struct SplitCredit: Sendable, Hashable, Codable {
    public var userId: Int64
    /// 0…100.
    public var splitPercent: Decimal

    public init(userId: Int64, splitPercent: Decimal) {
        (self.userId, self.splitPercent) = (userId, splitPercent)
    }
}

/// An opportunity as the forecast sees it. The caller has already chosen the deals of
/// the period (open ones closing in it, won ones won in it, by their dates of record).
public struct ForecastDeal: Sendable, Equatable {
    public var credits: [SplitCredit]
    public var amount: Decimal
    /// The effective probability, 0…100.
    public var probability: Decimal
    /// The effective forecast category (the stage's unless overridden).
    public var category: ForecastCategory
    public var won: Bool
    /// A lost deal counts nowhere. The default stages already put closed lost in
    /// omitted, but an override could leave a lost deal in commit.
    public var lost: Bool

    public init(credits: [SplitCredit], amount: Decimal, probability: Decimal, category: ForecastCategory,
                won: Bool, lost: Bool = false) {
        self.credits = credits
        self.amount = amount
        self.probability = probability
        self.category = category
        self.won = won
        self.lost = lost
    }

    /// The category as stored (`pipeline`, `best_case`, `commit`, `closed`, `omitted`).
    /// An unknown one counts as pipeline, as the stores read it.
    public init(credits: [SplitCredit], amount: Decimal, probability: Decimal, category: String,
                won: Bool, lost: Bool = false) {
        self.init(credits: credits, amount: amount, probability: probability,
                  category: ForecastCategory(rawValue: category) ?? .pipeline, won: won, lost: lost)
    }

    /// Still to be won and counted by the forecast. An open deal marked `closed`
    /// without being won is not in any of the open columns: the CRM convention has
    /// closed mean won, and a deal that is neither is left out rather than guessed at.
    var isOpenInForecast: Bool {
        guard !won, !lost else { return false }
        switch category {
        case .pipeline, .bestCase, .commit: return true
        case .closed, .omitted: return false
        }
    }
}

/// The five forecast figures for a set of people, exact.
public struct ForecastTotals: Sendable, Equatable {
    /// Adds `split` percent of `deal`: closed if won; else, when it counts in the
    /// forecast, to the cumulative columns (a commit deal is also best case and pipeline).
    mutating func add(_ deal: ForecastDeal, split: Decimal) {
        guard split != 0 else { return }
        let share = deal.amount * split / 100
        if deal.won {
            closed += share
            return
        }
        guard deal.isOpenInForecast else { return }
        pipeline += share
        if deal.category == .bestCase || deal.category == .commit { bestCase += share }
        if deal.category == .commit { commit += share }
        weighted += share * deal.probability / 100
    }

    static func += (lhs: inout ForecastTotals, rhs: ForecastTotals) {
        lhs.closed += rhs.closed
        lhs.commit += rhs.commit
        lhs.bestCase += rhs.bestCase
        lhs.pipeline += rhs.pipeline
        lhs.weighted += rhs.weighted
    }

    public var closed: Decimal = 0, commit: Decimal = 0, bestCase: Decimal = 0, pipeline: Decimal = 0, weighted: Decimal = 0
}

/// One row of the forecast report, per person (`rollup` false) or per manager's line.
public struct ForecastRow: Sendable, Equatable, Codable, KeepsEveryKey {
    public var userId: Int64
    public var name: String
    public var managerId: Int64?
    public var rollup: Bool
    /// Missing figures are an explicit `null`, as API.md shows (`KeepsEveryKey`).
    public var quota: Money?
    public var closed, commit, bestCase, pipeline, weighted: Money
    /// quota − closed; nil without a quota.
    public var gap: Money?
    /// pipeline ÷ gap to 4 places; nil without a quota or when the gap is closed.
    public var coverage: DecimalString?
}

/// The forecast per person and rolled up (PRODUCT.md flow 6), in the CRM convention
/// where the columns are cumulative: commit ⊆ best case ⊆ pipeline.
public enum ForecastReport {
    /// The figures of the people in `userIds` together. Each deal counts for them by the
    /// sum of their splits, so a deal shared inside a team is counted once in full for
    /// the team, and a deal with a 0% partner counts nothing for that partner.
    public static func totals(deals: [ForecastDeal], for userIds: Set<Int64>) -> ForecastTotals {
        var t = ForecastTotals()
        for deal in deals {
            let split = deal.credits.reduce(Decimal(0)) { userIds.contains($1.userId) ? $0 + $1.splitPercent : $0 }
            t.add(deal, split: split)
        }
        return t
    }

    /// Each person's own totals, in one pass over the deals: what `totals(deals:for:)`
    /// gives for that person alone, without a pass per person.
    public static func totalsByPerson(deals: [ForecastDeal]) -> [Int64: ForecastTotals] {
        var result: [Int64: ForecastTotals] = [:]
        for deal in deals {
            for credit in deal.credits { result[credit.userId, default: ForecastTotals()].add(deal, split: credit.splitPercent) }
        }
        return result
    }

    /// One row per person under `root` (everyone when nil), and after each manager's
    /// row a roll-up row for their whole line, in the attainment report's order and with
    /// its roll-up quota rule. Amounts are exact until rounded to the cent in the row;
    /// coverage is computed from the exact figures.
    public static func rows(people: [PersonNode], root: Int64?, quotas: [Int64: Decimal],
                            deals: [ForecastDeal]) -> [ForecastRow] {
        let lines = Rollup.lines(people, under: root)
        let rollupQuotas = Rollup.quotas(people, under: root, own: quotas)
        // Each person's totals once; a line's are the sum of its people's (shares are linear in the split).
        let own = totalsByPerson(deals: deals)
        var rows: [ForecastRow] = []
        for (person, _) in Rollup.walk(people, under: root) {
            rows.append(row(person, rollup: false, quota: quotas[person.id], totals: own[person.id] ?? ForecastTotals()))
            let line = lines[person.id] ?? [person.id]
            if line.count > 1 {
                let sum = Set(line).reduce(into: ForecastTotals()) { t, id in if let o = own[id] { t += o } }
                rows.append(row(person, rollup: true, quota: rollupQuotas[person.id], totals: sum))
            }
        }
        return rows
    }

    private static func row(_ person: PersonNode, rollup: Bool, quota: Decimal?, totals t: ForecastTotals) -> ForecastRow {
        let gap = quota.map { $0 - t.closed }
        return ForecastRow(
            userId: person.id, name: person.name, managerId: person.managerId, rollup: rollup,
            quota: quota.map(ReportMath.money), closed: ReportMath.money(t.closed), commit: ReportMath.money(t.commit),
            bestCase: ReportMath.money(t.bestCase), pipeline: ReportMath.money(t.pipeline),
            weighted: ReportMath.money(t.weighted), gap: gap.map(ReportMath.money),
            // With the quota already met there is nothing left to cover.
            coverage: ReportMath.ratio(t.pipeline, gap))
    }
}
