import Dates
import Foundation

/// What a bonus plan measures. Completed work pays project managers on the phases
/// their projects complete; the three bookings metrics pay sales people and account
/// managers on won deals, each team member on their split of the deal's amount.
public enum BonusMetric: String, Sendable, Hashable, Codable, CaseIterable {
    case completedWork = "completed_work"
    case totalBookings = "total_bookings"
    case newBusiness = "new_business"
    case expansion

    /// Plans of one family may not share a person on a day (they would pay the same
    /// work twice); a person can be in one delivery plan and one sales plan at once.
    public enum Family: String, Sendable { case delivery, sales }

    public var family: Family { self == .completedWork ? .delivery : .sales }

    /// The deal kinds a bookings metric credits (`total_bookings`: all of them).
    public var dealKinds: [String] {
        switch self {
        case .completedWork: []
        case .totalBookings: ["new_business", "expansion", "renewal"]
        case .newBusiness: ["new_business"]
        case .expansion: ["expansion"]
        }
    }
}

/// The days a plan membership covers: from `from` to `to`, both included; no `to`
/// means still a member.
public struct MembershipSpan: Sendable, Hashable {
    public var from: CalendarDate
    public var to: CalendarDate?

    public init(from: CalendarDate, to: CalendarDate?) {
        self.from = from
        self.to = to
    }

    public func contains(_ day: CalendarDate) -> Bool {
        day >= from && to.map { day <= $0 } ?? true
    }

    /// Whether the two spans share at least one day.
    public func overlaps(_ other: MembershipSpan) -> Bool {
        let endsBefore = to.map { $0 < other.from } ?? false
        let startsAfter = other.to.map { from > $0 } ?? false
        return !endsBefore && !startsAfter
    }

    /// Whether the span shares a day with `[start, endExclusive)`.
    public func overlaps(start: CalendarDate, endExclusive: CalendarDate) -> Bool {
        from < endExclusive && to.map { $0 >= start } ?? true
    }

    /// The rules of a membership's dates, on the API's field names.
    public func check(into v: inout Validator) {
        if let to {
            v.check(to >= from, "to", "A membership must end on or after the day it starts (\(from)); it ends on \(to)")
        }
    }

    /// `2026-01-01 to 2026-06-30`, `from 2026-01-01`.
    public var text: String {
        to.map { "\(from) to \($0)" } ?? "from \(from)"
    }
}

/// The reporting-line rules of a bonus run's approval (BONUS.md, issue 17): who may
/// approve a statement, when a run locks, and when a run may close before its period ends.
public enum StatementApprovals {
    /// A run locks when every one of its statements is approved (a run without any
    /// statement locks only when approved whole).
    public static func runLocks(statementsApproved: [Bool]) -> Bool {
        !statementsApproved.isEmpty && statementsApproved.allSatisfy { $0 }
    }

    /// The refusal of an approval before the period has ended without `closeEarly`, or
    /// nil when the approval may go ahead.
    public static func earlyRefusal(period: String, endExclusive: CalendarDate, today: CalendarDate, closeEarly: Bool) -> String? {
        guard today < endExclusive, !closeEarly else { return nil }
        return "Period \(period) runs until \(endExclusive.adding(days: -1)): approving it now would pay on work not yet done. "
            + "Say closeEarly: true to approve it early on purpose (the audit trail records it)."
    }
}
