import Dates
import Foundation

/// A won or lost opportunity, with its dates of record.
public struct ClosedDeal: Sendable, Equatable {
    public var ownerId: Int64
    public var amount: Decimal
    public var won: Bool
    public var createdOn, closedOn: CalendarDate
    /// The typical project the deal is counted under, if any (the caller's choice).
    public var typicalProject: String?
}

/// Win rate, average deal size and cycle length for one person or one typical project.
public struct PerformanceRow: Sendable, Equatable, Codable, KeepsEveryKey {
    /// The person's name or the typical project's.
    public var key: String
    public var won, lost: Int
    /// won ÷ (won + lost) to 4 places; nil with no closed deals (an explicit `null`, as
    /// every missing figure here).
    public var winRate: DecimalString?
    /// The average won amount, to the cent; nil with nothing won.
    public var averageDealSize: Money?
    /// The average days from creation to close of the won deals, to 1 decimal.
    public var averageCycleDays: DecimalString?
}

/// The sales-performance report (`/reports/sales-performance`).
public enum SalesPerformance {
    /// The figures of `deals` under one heading. Size and cycle are over won deals
    /// only: a lost deal's amount was never booked, and its "cycle" measures how long
    /// it took to give up, not to sell.
    public static func row(key: String, deals: [ClosedDeal]) -> PerformanceRow {
        let won = deals.filter(\.won)
        // A deal closed (by its date of record) before it was entered, as imports of
        // old deals are, took no selling time rather than negative time.
        return row(key: key, tally: Tally(
            won: won.count, lost: deals.count - won.count, wonAmount: won.reduce(Decimal(0)) { $0 + $1.amount },
            wonCycleDays: won.reduce(0) { $0 + max(0, $1.createdOn.days(until: $1.closedOn)) }))
    }

    /// What a heading's figures are made of, counted where the deals are (in SQL,
    /// for a report over a million deals) rather than deal by deal.
    public struct Tally: Sendable, Equatable {
        public var won, lost: Int
        public var wonAmount: Decimal
        /// Σ max(0, days from creation to close) over the won deals.
        public var wonCycleDays: Int

        public init(won: Int, lost: Int, wonAmount: Decimal, wonCycleDays: Int) {
            (self.won, self.lost, self.wonAmount, self.wonCycleDays) = (won, lost, wonAmount, wonCycleDays)
        }
    }

    public static func row(key: String, tally: Tally) -> PerformanceRow {
        let count = Decimal(tally.won)
        return PerformanceRow(
            key: key, won: tally.won, lost: tally.lost,
            winRate: ReportMath.ratio(count, Decimal(tally.won + tally.lost)),
            averageDealSize: tally.won == 0 ? nil : ReportMath.money(tally.wonAmount / count),
            averageCycleDays: tally.won == 0 ? nil : DecimalString((Decimal(tally.wonCycleDays) / count).rounded(scale: 1)))
    }

    /// One row per owner, in name order (then id, for two people of the same name).
    /// An owner missing from `names` is shown by id rather than dropped.
    public static func byOwner(_ deals: [ClosedDeal], names: [Int64: String]) -> [PerformanceRow] {
        let groups = Dictionary(grouping: deals, by: \.ownerId)
        return groups.keys
            .map { (name: names[$0] ?? "#\($0)", id: $0) }
            .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
            .map { row(key: $0.name, deals: groups[$0.id] ?? []) }
    }

    /// One row per typical project, in name order. Deals that sold no catalog item
    /// have no project to be counted under and are left out.
    public static func byTypicalProject(_ deals: [ClosedDeal]) -> [PerformanceRow] {
        var groups: [String: [ClosedDeal]] = [:]
        for deal in deals {
            if let project = deal.typicalProject { groups[project, default: []].append(deal) }
        }
        return groups.keys.sorted().map { row(key: $0, deals: groups[$0] ?? []) }
    }
}
