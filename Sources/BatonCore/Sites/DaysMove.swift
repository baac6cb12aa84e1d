import Dates
import Foundation

/// Moving a block of days of one assignment (issue 24, the rotation board): the days
/// before the block stay where they were, the block goes to another person and/or
/// other days, the days after stay too. Each part is an assignment of its own with the
/// same hours a day, role, need and site, so every day keeps exactly the hours it had,
/// only on another person's calendar or another date.
public struct DaysMove: Sendable, Equatable {
    /// Days, both included, as an assignment keeps them.
    public struct Span: Sendable, Equatable {
        public var start, end: CalendarDate
        public init(start: CalendarDate, end: CalendarDate) { (self.start, self.end) = (start, end) }
        public var days: Int { start.days(until: end) + 1 }
        public func shifted(by days: Int) -> Span { Span(start: start.adding(days: days), end: end.adding(days: days)) }
    }

    /// The assignment's days before the block and after it (nil when the block starts or ends it).
    public var before, after: Span?
    /// The block where it was, and where it lands.
    public var block, landed: Span

    /// Every day of the block moves; none is left on the assignment.
    public var isWhole: Bool { before == nil && after == nil }

    /// The days of the assignment that stay where they were, earliest first: the first of
    /// them keeps the assignment itself (its id, its invitation), the second is a new one.
    public var kept: [Span] { [before, after].compactMap { $0 } }

    /// How the assignment `span` splits when its days from `first` through `last` (clipped
    /// to the assignment) move `shift` days later (negative: earlier). Refused when the
    /// block is backwards or shares no day with the assignment.
    public static func split(_ span: Span, first: CalendarDate, last: CalendarDate, shift: Int) throws -> DaysMove {
        guard first <= last else { throw ValidationFailure("last", "The block's last day cannot be before its first") }
        let block = Span(start: max(first, span.start), end: min(last, span.end))
        guard block.start <= block.end else {
            throw ValidationFailure("first", "The block must share a day with the assignment (\(span.start) to \(span.end))")
        }
        return DaysMove(
            before: block.start > span.start ? Span(start: span.start, end: block.start.adding(days: -1)) : nil,
            after: block.end < span.end ? Span(start: block.end.adding(days: 1), end: span.end) : nil,
            block: block, landed: block.shifted(by: shift))
    }
}
