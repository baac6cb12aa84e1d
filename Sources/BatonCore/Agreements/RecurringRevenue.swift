import Dates
import Foundation

/// A line of the recurring book: an account's MRR changing by `mrr` from `startOn`
/// until `stopsOn` (never, when nil). One agreement's life is one such line; so is one
/// row of `agreement_movements` (its signed delta from its day, never stopping), which
/// is how the reports read the book: the sum of an account's lines on a day is its MRR
/// that day, whichever way the book was written.
public struct BookEntry: Sendable, Equatable {
    public var accountId: Int64
    public var mrr: Decimal
    public var startOn: CalendarDate
    /// The first day it no longer counts (`BookEntry.stops`); nil while it runs.
    public var stopsOn: CalendarDate?
    /// A won renewal's new term: the MRR renewed, counted as `renewal` in the window it starts in.
    public var renewed: Decimal?

    public init(accountId: Int64, mrr: Decimal, startOn: CalendarDate, stopsOn: CalendarDate? = nil, renewed: Decimal? = nil) {
        (self.accountId, self.mrr, self.startOn, self.stopsOn, self.renewed) = (accountId, mrr, startOn, stopsOn, renewed)
    }

    /// When an agreement leaves the book: a cancelled one on its cancellation day (its
    /// MRR leaves that day, as its event says); an ended or renewed one the day after its
    /// term's last day (a renewed term's successor starts that day, so nothing is lost
    /// between them); a live one never, until it is moved.
    public static func stops(status: AgreementStatus, endOn: CalendarDate, closedOn: CalendarDate?) -> CalendarDate? {
        switch status {
        case .active, .renewalDue: nil
        case .cancelled: closedOn ?? endOn.adding(days: 1)
        case .ended, .renewed: endOn.adding(days: 1)
        }
    }

    /// Its MRR at the start of `day`: 0 before it starts and from the day it stops.
    public func mrr(on day: CalendarDate) -> Decimal {
        startOn <= day && (stopsOn.map { day < $0 } ?? true) ? mrr : 0
    }
}

/// How an account's MRR moved over a window, from what it paid a month at the
/// window's opening to what it pays at its close.
public enum MRRMovementKind: String, Sendable, Codable, CaseIterable {
    /// Nothing at the opening, something at the close.
    case new
    /// More at the close than at the opening (a new agreement on the book, or a renewal at more).
    case expansion
    /// Less, but not nothing (a downgrade, or a renewal at less).
    case contraction
    /// Something at the opening, nothing at the close.
    case churn
}

/// The movement of a group of accounts over a window: opening + new + expansion −
/// contraction − churn = closing. `renewal` is not a change but what was renewed: the
/// MRR of renewed terms starting in the window (at a new price the difference is
/// counted as expansion or contraction).
public struct MRRMovement: Sendable, Equatable {
    public var opening: Decimal = 0, new: Decimal = 0, expansion: Decimal = 0, contraction: Decimal = 0
    public var churn: Decimal = 0, renewal: Decimal = 0, closing: Decimal = 0

    public init() {}

    public static func + (a: MRRMovement, b: MRRMovement) -> MRRMovement {
        var sum = MRRMovement()
        (sum.opening, sum.new, sum.expansion) = (a.opening + b.opening, a.new + b.new, a.expansion + b.expansion)
        (sum.contraction, sum.churn) = (a.contraction + b.contraction, a.churn + b.churn)
        (sum.renewal, sum.closing) = (a.renewal + b.renewal, a.closing + b.closing)
        return sum
    }

    /// Gross revenue retention: what the accounts of the opening still pay at the close,
    /// expansion left out: (opening − churn − contraction) ÷ opening, to 4 places; nil
    /// with nothing at the opening.
    public var grossRetention: Decimal? {
        opening > 0 ? ((opening - churn - contraction) / opening).rounded(scale: 4) : nil
    }

    /// Net revenue retention: the same with their expansion added:
    /// (opening − churn − contraction + expansion) ÷ opening, to 4 places.
    public var netRetention: Decimal? {
        opening > 0 ? ((opening - churn - contraction + expansion) / opening).rounded(scale: 4) : nil
    }
}

/// The recurring book's arithmetic: MRR movement per account, summed by any grouping,
/// and the renewal windows. Exact; only what is shown is rounded.
public enum RecurringRevenue {
    /// How one account moved from `opening` to `closing` MRR, and by how much (always
    /// positive); nil when it did not move.
    public static func classify(opening: Decimal, closing: Decimal) -> (kind: MRRMovementKind, amount: Decimal)? {
        if opening == closing { return nil }
        if opening == 0 { return (.new, closing) }
        if closing == 0 { return (.churn, opening) }
        return closing > opening ? (.expansion, closing - opening) : (.contraction, opening - closing)
    }

    /// Each account's movement over `[from, toExclusive)`: its MRR on the day before the
    /// window (the opening) against its MRR on the window's last day (the close),
    /// classified once per account (two agreements of one account that move in the same
    /// window are netted, so a replacement at the same price is no movement at all).
    /// Accounts that did not move and have no MRR are left out.
    public static func movements(_ book: [BookEntry], from: CalendarDate, toExclusive: CalendarDate) -> [Int64: MRRMovement] {
        let before = from.adding(days: -1), last = toExclusive.adding(days: -1)
        var result: [Int64: MRRMovement] = [:]
        for entry in book {
            var m = result[entry.accountId] ?? MRRMovement()
            m.opening += entry.mrr(on: before)
            m.closing += entry.mrr(on: last)
            if let renewed = entry.renewed, from <= entry.startOn, entry.startOn < toExclusive { m.renewal += renewed }
            result[entry.accountId] = m
        }
        for (account, m) in result {
            guard let (kind, amount) = classify(opening: m.opening, closing: m.closing) else { continue }
            var moved = m
            switch kind {
            case .new: moved.new = amount
            case .expansion: moved.expansion = amount
            case .contraction: moved.contraction = amount
            case .churn: moved.churn = amount
            }
            result[account] = moved
        }
        return result.filter { $0.value != MRRMovement() }
    }

    /// Each account's movement over consecutive windows (the months of a report), the
    /// windows' movements added up: the opening of the first, the close of the last, and
    /// every new, expansion, contraction, churn and renewal between. So an account that
    /// came and went within a year shows both, where one window over the year would net
    /// them to nothing.
    public static func movements(_ book: [BookEntry], over windows: [(from: CalendarDate, toExclusive: CalendarDate)]) -> [Int64: MRRMovement] {
        guard let first = windows.first, let last = windows.last else { return [:] }
        var result: [Int64: MRRMovement] = [:]
        for w in windows {
            for (account, m) in movements(book, from: w.from, toExclusive: w.toExclusive) {
                var flows = m
                (flows.opening, flows.closing) = (0, 0)
                result[account] = (result[account] ?? MRRMovement()) + flows
            }
        }
        for (account, m) in movements(book, from: first.from, toExclusive: last.toExclusive) {
            result[account, default: MRRMovement()].opening = m.opening
            result[account, default: MRRMovement()].closing = m.closing
        }
        return result
    }

    /// Movements added up (a month's accounts, an owner's accounts).
    public static func sum(_ movements: some Sequence<MRRMovement>) -> MRRMovement {
        movements.reduce(MRRMovement(), +)
    }

    /// Which of the 30, 60 and 90-day windows an end `daysLeft` away falls in (the
    /// smallest that holds it); nil when it is past or further off.
    public static func renewalWindow(daysLeft: Int) -> Int? {
        [30, 60, 90].first { daysLeft >= 0 && daysLeft <= $0 }
    }

    /// The last day notice can be given: `noticeDays` before the end.
    public static func noticeBy(endOn: CalendarDate, noticeDays: Int) -> CalendarDate {
        endOn.adding(days: -noticeDays)
    }
}
