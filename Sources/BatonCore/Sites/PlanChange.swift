import Dates
import Foundation

/// What a person is told when their assignment changes (issue 24): each term that
/// changed, old and new, so they need not compare two invitations to find it.
public struct PlanTerms: Sendable, Equatable {
    public var role: String
    /// Both days included.
    public var start, end: CalendarDate
    public var hoursPerDay: Decimal
    /// The site's name and address, or the assignment's free-text location.
    public var place: String?

    public init(role: String, start: CalendarDate, end: CalendarDate, hoursPerDay: Decimal, place: String?) {
        (self.role, self.start, self.end, self.hoursPerDay, self.place) = (role, start, end, hoursPerDay, place)
    }
}

public enum PlanChange {
    /// How far ahead a change is news that cannot wait for the next look at the plan.
    public static let soonDays = 14

    /// "Dates: 2031-06-02 to 2031-06-06 → 2031-06-03 to 2031-06-06", one line per changed term.
    public static func lines(from old: PlanTerms, to new: PlanTerms) -> [String] {
        var lines: [String] = []
        if old.role != new.role { lines.append("Role: \(old.role) → \(new.role)") }
        if old.start != new.start || old.end != new.end {
            lines.append("Dates: \(old.start) to \(old.end) → \(new.start) to \(new.end)")
        }
        if old.hoursPerDay != new.hoursPerDay {
            lines.append("Hours: \(old.hoursPerDay.plainText) h a day → \(new.hoursPerDay.plainText) h a day")
        }
        if old.place != new.place { lines.append("Where: \(old.place ?? "not set") → \(new.place ?? "not set")") }
        return lines
    }

    /// Whether the change touches a day from `today` through the next `soonDays` days:
    /// either the old or the new dates fall in them.
    public static func isSoon(from old: PlanTerms, to new: PlanTerms, today: CalendarDate) -> Bool {
        let last = today.adding(days: soonDays - 1)
        return [old, new].contains { $0.start <= last && $0.end >= today }
    }
}
