import BatonCore
import Dates
import Foundation
import Testing

/// How an assignment splits when a block of its days moves (the rotation board): the
/// days before, the block, the days after, and not an hour more or less.
@Suite struct DaysMoveTests {
    let monday = CalendarDate(year: 2031, month: 6, day: 2)!
    func day(_ n: Int) -> CalendarDate { monday.adding(days: n) }
    var week: DaysMove.Span { .init(start: day(0), end: day(4)) }

    @Test func aBlockInTheMiddleLeavesTheDaysBeforeAndAfter() throws {
        let move = try DaysMove.split(week, first: day(1), last: day(2), shift: 7)
        #expect(move.before == .init(start: day(0), end: day(0)) && move.after == .init(start: day(3), end: day(4)))
        #expect(move.block == .init(start: day(1), end: day(2)) && move.landed == .init(start: day(8), end: day(9)))
        #expect(move.kept == [.init(start: day(0), end: day(0)), .init(start: day(3), end: day(4))] && !move.isWhole)
        #expect(move.kept.map(\.days).reduce(0, +) + move.block.days == week.days, "every day is in one part")
    }

    @Test func aBlockAtEitherEndLeavesOnePartAndTheWholeLeavesNone() throws {
        let start = try DaysMove.split(week, first: day(0), last: day(1), shift: -2)
        #expect(start.before == nil && start.after == .init(start: day(2), end: day(4)) && start.landed == .init(start: day(-2), end: day(-1)))
        let end = try DaysMove.split(week, first: day(4), last: day(4), shift: 0)
        #expect(end.before == .init(start: day(0), end: day(3)) && end.after == nil)
        // A block reaching past the assignment is clipped to it: the whole moves.
        let whole = try DaysMove.split(week, first: day(-3), last: day(10), shift: 1)
        #expect(whole.isWhole && whole.block == week && whole.landed == .init(start: day(1), end: day(5)))
    }

    @Test func aBlockSharingNoDayOrBackwardsIsRefused() {
        #expect(throws: ValidationFailure.self) { try DaysMove.split(week, first: day(5), last: day(6), shift: 1) }
        #expect(throws: ValidationFailure.self) { try DaysMove.split(week, first: day(2), last: day(1), shift: 1) }
    }

    /// On every split of a two-week assignment at 4 h a day, each part booked as the
    /// allocation counts it (working days only) gives the same hours as the whole,
    /// moved the same number of days on the same calendar when the shift is whole weeks.
    @Test func hoursAreConservedOnEverySplit() throws {
        let span = DaysMove.Span(start: day(0), end: day(13))
        let calendar = WorkingCalendar(week: .standard(weeklyHours: 40))
        func hours(_ spans: [DaysMove.Span]) -> Decimal {
            let bookings = spans.map { Booking(start: $0.start, end: $0.end.adding(days: 1), hoursPerDay: 4) }
            return Allocation.days(calendar: calendar, bookings: bookings, from: day(-30), to: day(60)).reduce(0) { $0 + $1.assigned }
        }
        let whole = hours([span])
        #expect(whole == 40)
        for first in 0..<14 {
            for last in first..<14 {
                let move = try DaysMove.split(span, first: day(first), last: day(last), shift: 14)
                #expect(hours(move.kept + [move.landed]) == whole, "days \(first) to \(last)")
                #expect(hours(move.kept + [move.block]) == whole, "and back where they were")
            }
        }
    }
}
