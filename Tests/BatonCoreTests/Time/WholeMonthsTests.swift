import BatonCore
import Dates
import Testing

@Suite struct WholeMonthsTests {
    func day(_ text: String) throws -> CalendarDate { try #require(CalendarDate(text)) }

    @Test func aQuarterIsThreeWholeMonthsAndNoOddDays() throws {
        let split = WholeMonths(from: try day("2026-10-01"), to: try day("2026-12-31"))
        let (october, january) = (try day("2026-10-01"), try day("2027-01-01"))
        #expect(split.start == october && split.end == january)
        #expect(split.head == nil && split.tail == nil)
    }

    @Test func oddDaysAtBothEndsAreReadFromTheEntries() throws {
        let split = WholeMonths(from: try day("2026-10-15"), to: try day("2026-12-10"))
        let (november, december) = (try day("2026-11-01"), try day("2026-12-01"))
        #expect(split.start == november && split.end == december)
        #expect(split.head == (try day("2026-10-15"))...(try day("2026-10-31")))
        #expect(split.tail == (try day("2026-12-01"))...(try day("2026-12-10")))
    }

    @Test func daysWithinOneMonthHaveNoWholeMonth() throws {
        let inside = WholeMonths(from: try day("2026-10-15"), to: try day("2026-10-20"))
        #expect(inside.start == inside.end)
        #expect(inside.head == (try day("2026-10-15"))...(try day("2026-10-20")) && inside.tail == nil)
        let fromTheFirst = WholeMonths(from: try day("2026-02-01"), to: try day("2026-02-10"))
        #expect(fromTheFirst.start == fromTheFirst.end && fromTheFirst.head == nil)
        #expect(fromTheFirst.tail == (try day("2026-02-01"))...(try day("2026-02-10")))
    }

    @Test func twoPartialMonthsSplitAtTheMonthsBoundary() throws {
        let split = WholeMonths(from: try day("2026-10-15"), to: try day("2026-11-10"))
        #expect(split.start == split.end)
        #expect(split.head == (try day("2026-10-15"))...(try day("2026-10-31")))
        #expect(split.tail == (try day("2026-11-01"))...(try day("2026-11-10")))
    }

    @Test func everyDayIsCountedOnceWhateverTheRange() throws {
        // Each day of 2024 (a leap year) to each later day within 75 days: every day lands
        // in exactly one of head, whole months or tail.
        let first = try day("2024-01-01")
        for a in stride(from: 0, to: 366, by: 7) {
            for length in [0, 1, 13, 28, 29, 31, 45, 75] {
                let from = first.adding(days: a), to = from.adding(days: length)
                let split = WholeMonths(from: from, to: to)
                var counted = 0
                var d = from
                while d <= to {
                    let inHead = split.head?.contains(d) ?? false, inTail = split.tail?.contains(d) ?? false
                    let inMonths = split.start <= d && d < split.end
                    counted += [inHead, inTail, inMonths].filter { $0 }.count == 1 ? 1 : 0
                    d = d.adding(days: 1)
                }
                #expect(counted == length + 1, "\(from)…\(to)")
                #expect(split.start.day == 1 && split.end.day == 1)
            }
        }
    }
}
