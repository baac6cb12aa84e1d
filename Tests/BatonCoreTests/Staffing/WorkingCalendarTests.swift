import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate {
    guard let d = CalendarDate(text) else { Issue.record("bad date \(text)"); return CalendarDate(daysSinceEpoch: 0) }
    return d
}

/// The issue's hand case: a consultant on the standard 40 h week, two weeks from
/// Monday 25 May 2026 (Whit Monday, a public holiday) to Sunday 7 June; two days of
/// approved vacation (Wednesday 27 and Thursday 28 May) and a half day of training
/// (4 h on Friday 5 June).
///
/// By hand: 10 weekdays × 8 h = 80 h; less the holiday, 8 h; less two days off,
/// 16 h; less the half day, 4 h: 52 h. Week one: 40 − 8 − 16 = 16 h; week two: 40 − 4 = 36 h.
@Suite struct WorkingCalendarTests {
    let monday = date("2026-05-25")
    let nextMonday = date("2026-06-01")
    let end = date("2026-06-08")

    var handCase: WorkingCalendar {
        WorkingCalendar(
            week: .standard(weeklyHours: 40), holidays: [monday],
            approved: [TimeOffSpan(start: date("2026-05-27"), end: date("2026-05-28")),
                       TimeOffSpan(start: date("2026-06-05"), end: date("2026-06-05"), hoursPerDay: 4)],
            from: monday, to: end)
    }

    @Test func theHandCaseSumsAgree() {
        let calendar = handCase
        #expect(calendar.hours(from: monday, to: end) == 52)
        #expect(calendar.hours(from: monday, to: nextMonday) == 16)
        #expect(calendar.hours(from: nextMonday, to: end) == 36)
        #expect(calendar.hours(on: monday) == 0)
        #expect(calendar.hours(on: date("2026-05-26")) == 8)
        #expect(calendar.hours(on: date("2026-05-27")) == 0)
        #expect(calendar.hours(on: date("2026-06-05")) == 4)
        #expect(calendar.hours(on: date("2026-05-30")) == 0, "Saturday")
        #expect(calendar.workingDays(from: monday, to: nextMonday) == [date("2026-05-26"), date("2026-05-29")])
        // The sum over days is the sum over any split of the window.
        var byDay: Decimal = 0
        var day = monday
        while day < end { byDay += calendar.hours(on: day); day = day.adding(days: 1) }
        #expect(byDay == 52)
    }

    @Test func theStandardWeekSpreadsWeeklyCapacityOverMondayToFriday() {
        #expect(WorkingWeek.standard(weeklyHours: 40).hours == [8, 8, 8, 8, 8, 0, 0])
        #expect(WorkingWeek.standard(weeklyHours: 32).hours(onWeekday: 3) == Decimal(string: "6.4"))
        #expect(WorkingWeek.standard(weeklyHours: 32).weeklyHours == 32)
    }

    @Test func aPartTimeWeekHasItsOwnDays() {
        // Four days of 8 h, Wednesday off: 32 h a week.
        let week = WorkingWeek(hours: [8, 8, 0, 8, 8, 0, 0])
        let calendar = WorkingCalendar(week: week, holidays: [], approved: [TimeOffSpan(start: monday, end: end)], from: monday, to: end)
        #expect(WorkingCalendar(week: week).hours(from: monday, to: end) == 64)
        #expect(calendar.hours(from: monday, to: end) == 0)
        // Whole days off take each day's usual hours, nothing on days off.
        let off = TimeOffSpan(start: monday, end: date("2026-05-31")).hoursByDay(week: week, from: monday, to: end)
        #expect(off.values.reduce(0, +) == 32)
        #expect(off[date("2026-05-27")] == nil)
    }

    @Test func aPartDayNeverTakesMoreThanTheDayHolds() {
        let week = WorkingWeek(hours: [4, 8, 8, 8, 8, 0, 0])
        let span = TimeOffSpan(start: monday, end: date("2026-05-26"), hoursPerDay: 6)
        let off = span.hoursByDay(week: week, from: monday, to: end)
        #expect(off == [monday: 4, date("2026-05-26"): 6])
    }

    @Test func overlappingTimeOffAddsUpButADayNeverGoesBelowZero() {
        let calendar = WorkingCalendar(
            week: .standard(weeklyHours: 40), holidays: [],
            approved: [TimeOffSpan(start: monday, end: monday, hoursPerDay: 3), TimeOffSpan(start: monday, end: monday, hoursPerDay: 2),
                       TimeOffSpan(start: date("2026-05-26"), end: date("2026-05-26"), hoursPerDay: 6),
                       TimeOffSpan(start: date("2026-05-26"), end: date("2026-05-26"), hoursPerDay: 6)],
            from: monday, to: end)
        #expect(calendar.hours(on: monday) == 3)
        #expect(calendar.hours(on: date("2026-05-26")) == 0)
    }

    @Test func timeOffOutsideTheWindowIsLeftOut() {
        let span = TimeOffSpan(start: date("2026-05-20"), end: date("2026-06-20"))
        let off = span.hoursByDay(week: .standard(weeklyHours: 40), from: monday, to: nextMonday)
        #expect(off.count == 5)
        #expect(off.keys.min() == monday)
    }

    @Test func requestRules() {
        #expect(TimeOffSpan.problems(start: monday, end: end, hoursPerDay: nil).isEmpty)
        #expect(TimeOffSpan.problems(start: end, end: monday, hoursPerDay: nil).map(\.field) == ["end"])
        #expect(TimeOffSpan.problems(start: monday, end: monday, hoursPerDay: 0).map(\.field) == ["hoursPerDay"])
        #expect(TimeOffSpan.problems(start: monday, end: monday, hoursPerDay: Decimal(string: "1.234")).map(\.field) == ["hoursPerDay"])
        #expect(TimeOffSpan.problems(start: monday, end: date("2027-06-01"), hoursPerDay: nil).map(\.field) == ["end"])
    }
}

@Suite struct HolidayImportTests {
    @Test func iCalendarAllDayEvents() {
        let text = """
            BEGIN:VCALENDAR\r
            VERSION:2.0\r
            BEGIN:VEVENT\r
            UID:1@example\r
            DTSTART;VALUE=DATE:20261225\r
            DTEND;VALUE=DATE:20261227\r
            SUMMARY:Christmas\\, and\r
              Boxing Day\r
            END:VEVENT\r
            BEGIN:VEVENT\r
            DTSTART;VALUE=DATE:20260525\r
            SUMMARY:Whit Monday\r
            END:VEVENT\r
            END:VCALENDAR\r

            """
        let result = HolidayImport.read(text)
        #expect(result.problems.isEmpty)
        #expect(result.holidays == [
            Holiday(day: date("2026-05-25"), name: "Whit Monday"),
            Holiday(day: date("2026-12-25"), name: "Christmas, and Boxing Day"),
            Holiday(day: date("2026-12-26"), name: "Christmas, and Boxing Day"),
        ])
    }

    @Test func iCalendarRefusesTimedEventsAndSaysWhich() {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20261225T090000Z\nSUMMARY:Party\nEND:VEVENT\nEND:VCALENDAR\n"
        let result = HolidayImport.read(text)
        #expect(result.holidays.isEmpty)
        #expect(result.problems == ["Event 1 (Party): needs an all-day DTSTART;VALUE=DATE:YYYYMMDD"])
    }

    @Test func csvWithOrWithoutHeader() {
        let withHeader = HolidayImport.read("date,name\n2026-01-01,New Year\n2026-05-25,\"Whit Monday\"\n")
        #expect(withHeader.problems.isEmpty)
        #expect(withHeader.holidays.map(\.name) == ["New Year", "Whit Monday"])
        let without = HolidayImport.read("2026-01-01,New Year\n2026-05-25,Whit Monday\n")
        #expect(without == withHeader)
    }

    @Test func csvSaysWhichLineIsWrong() {
        #expect(HolidayImport.read(" \n").problems == ["The file has no holidays"])
        #expect(HolidayImport.read("2026-13-01,Nope\n").problems == ["Line 1: \"2026-13-01\" is not a date like 2026-12-25"])
        let result = HolidayImport.read("date,name\n25/12/2026,Christmas\n2026-12-26,\n")
        #expect(result.problems == [
            "Line 2: \"25/12/2026\" is not a date like 2026-12-25",
            "Line 3: the holiday needs a name of 1 to 200 characters",
        ])
    }
}
