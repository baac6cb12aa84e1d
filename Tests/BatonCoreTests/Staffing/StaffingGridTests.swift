import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

@Suite struct StaffingGridTests {
    /// Labor Day week 2026 with two days of time off, against a project booking of 4 h a
    /// day and another of 6 h a day on Tuesday only.
    @Test func aWeekWithAHolidayTimeOffAndAnOverbookedDay() {
        let monday = date("2026-09-07")
        let calendar = WorkingCalendar(week: .standard(weeklyHours: 40), holidays: [monday],
                                       timeOff: [date("2026-09-10"): 8, date("2026-09-11"): 8])
        let project = Booking(start: monday, end: date("2026-09-19"), hoursPerDay: 4)
        let other = Booking(start: date("2026-09-08"), end: date("2026-09-09"), hoursPerDay: 6)
        let cells = StaffingGrid.cells(calendar: calendar, mine: [project], all: [project, other],
                                       weeks: StaffingGrid.mondays(from: date("2026-09-09"), to: date("2026-09-15")))
        #expect(cells.map(\.weekStart) == [monday, date("2026-09-14")])
        // Week 1: works Tuesday and Wednesday only (16 h); 4 + 4 on the project, 6 more on Tuesday.
        #expect(cells[0] == WeekCell(weekStart: monday, hours: 8, assigned: 14, working: 16, away: 24, overbooked: true))
        #expect(cells[0].utilization == 88 && cells[0].band == "over")
        #expect(cells[1].hours == 20 && cells[1].working == 40 && cells[1].utilization == 50 && cells[1].band == "some")
        let idle = WeekCell(weekStart: monday, hours: 0, assigned: 0, working: 40, away: 0, overbooked: false)
        #expect(idle.band == "free")
    }
}
