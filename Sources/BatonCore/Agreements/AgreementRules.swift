import Dates
import Foundation

/// Where an agreement stands. An active agreement becomes `renewal_due` when its renewal
/// opportunity is opened; winning the renewal makes it `renewed` (the next term is a new,
/// active agreement), losing it `ended` at its end date; `cancelled` stops it early,
/// with a reason and a date.
public enum AgreementStatus: String, Sendable, Codable, CaseIterable {
    case active
    case renewalDue = "renewal_due"
    case renewed, ended, cancelled

    /// Still earning: its lines are in the recurring book (MRR).
    public var isLive: Bool { self == .active || self == .renewalDue }

    public var words: String { self == .renewalDue ? "renewal due" : rawValue }
}

/// A move of an agreement's status.
public enum AgreementMove: String, Sendable, Codable, CaseIterable {
    /// The renewal job opened the renewal opportunity.
    case renewalOpened = "renewal_opened"
    case renew, end, cancel
    /// Fewer lines or units mid-term (`Downgrade`): the agreement runs on at a lower MRR.
    case downgrade
}

/// Why a move is refused, in words the person can act on.
public struct AgreementRefusal: Error, Sendable, Equatable {
    public var message: String
}

/// The pure rules of agreements: their dates, their recurring value and their moves.
public enum AgreementRules {
    /// Renewals are opened this many days before the end unless configured otherwise.
    public static let defaultRenewalLeadDays = 90

    /// The last day of a term of `months` starting on `start`: the day before the same
    /// day `months` later (1 January for 12 months ends 31 December). A start on the 31st
    /// in a shorter month ends on the month's last day less one.
    public static func endDate(start: CalendarDate, termMonths months: Int) -> CalendarDate {
        let total = start.year * 12 + (start.month - 1) + months
        let year = total / 12, month = total % 12 + 1
        var day = start.day
        while CalendarDate(year: year, month: month, day: day) == nil { day -= 1 }
        let same = CalendarDate(year: year, month: month, day: day) ?? start
        return same.adding(days: -1)
    }

    /// The day the renewal opportunity is opened: `leadDays` before the end, not before the start.
    public static func renewalOpensOn(start: CalendarDate, end: CalendarDate, leadDays: Int) -> CalendarDate {
        max(start, end.adding(days: -leadDays))
    }

    /// The agreement's monthly recurring revenue: its recurring lines a month, less the
    /// proposal discount, rounded once (`RecurringMath.totals(...).perMonth`).
    public static func mrr(lines: [ProposalLineInput], discountPercent: Decimal) -> Decimal {
        RecurringMath.totals(lines: lines.filter { $0.recurrence != nil }, discountPercent: discountPercent).perMonth
    }

    /// Annual recurring revenue: twelve months of MRR, exact (MRR is already in cents).
    public static func arr(mrr: Decimal) -> Decimal { mrr * 12 }

    /// The term an agreement's lines make together: the longest line's term, renewing by
    /// itself if any line does, with the longest notice.
    public static func term(of lines: [ProposalLineInput]) -> Recurrence? {
        let recurring = lines.compactMap(\.recurrence)
        guard let longest = recurring.max(by: { $0.termMonths < $1.termMonths }) else { return nil }
        return Recurrence(period: longest.period, termMonths: longest.termMonths, autoRenew: recurring.contains(where: \.autoRenew),
                          noticeDays: recurring.map(\.noticeDays).max() ?? 0)
    }

    /// The status a move leads to, or why it may not be made.
    public static func apply(_ move: AgreementMove, to status: AgreementStatus, reason: String? = nil) throws -> AgreementStatus {
        switch (move, status) {
        case (.renewalOpened, .active): return .renewalDue
        case (.renew, .renewalDue), (.renew, .active): return .renewed
        case (.end, .renewalDue), (.end, .active): return .ended
        case (.downgrade, .active), (.downgrade, .renewalDue): return status
        case (.cancel, .active), (.cancel, .renewalDue):
            guard let reason, !reason.trimmed.isEmpty else { throw AgreementRefusal(message: "Say why the agreement is cancelled") }
            return .cancelled
        default:
            throw AgreementRefusal(message: "An agreement that is \(status.words) cannot be moved by \(move.rawValue)")
        }
    }
}
