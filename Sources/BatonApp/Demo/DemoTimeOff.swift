import BatonCore
import Dates
import Foundation
import Postgres

/// The demo firm's working calendars: a US holiday calendar (imported as CSV, as a
/// firm would), everyone who delivers on it, a four-day week for Liam, and time off
/// approved, pending and declined, all through the actions the API uses.
struct DemoTimeOff {
    let services: AppServices
    let people: [String: Int64]
    let today: CalendarDate

    /// US federal holidays of `year`: fixed days, and the Mondays and Thursday they fall on.
    static func usHolidays(_ year: Int) -> [Holiday] {
        func day(_ month: Int, _ d: Int) -> CalendarDate? { CalendarDate(year: year, month: month, day: d) }
        /// The `n`th `weekday` (ISO, Monday 1) of the month; n = -1 for the last.
        func nth(_ n: Int, _ weekday: Int, _ month: Int) -> CalendarDate? {
            guard let first = day(month, 1) else { return nil }
            if n > 0 { return first.adding(days: (weekday - first.isoWeekday + 7) % 7 + 7 * (n - 1)) }
            guard let next = month == 12 ? CalendarDate(year: year + 1, month: 1, day: 1) : day(month + 1, 1) else { return nil }
            let last = next.adding(days: -1)
            return last.adding(days: -((last.isoWeekday - weekday + 7) % 7))
        }
        let list: [(CalendarDate?, String)] = [
            (day(1, 1), "New Year's Day"), (nth(3, 1, 1), "Martin Luther King Jr. Day"), (nth(3, 1, 2), "Presidents' Day"),
            (nth(-1, 1, 5), "Memorial Day"), (day(6, 19), "Juneteenth"), (day(7, 4), "Independence Day"),
            (nth(1, 1, 9), "Labor Day"), (day(11, 11), "Veterans Day"), (nth(4, 4, 11), "Thanksgiving Day"),
            (day(12, 25), "Christmas Day"),
        ]
        return list.compactMap { d, name in d.map { Holiday(day: $0, name: name) } }
    }

    func load(_ db: Connection) async throws {
        guard let adminID = people["admin"] else { return }
        let admin = try await UserStore.caller(db, id: adminID)
        let calendars = HolidayCalendarActions(services: services)
        let us = try await calendars.create(db, caller: admin, input: HolidayCalendarInput(name: "United States", location: "United States", holidays: nil))
        let csv = "date,name\n" + (Self.usHolidays(today.year - 1) + Self.usHolidays(today.year) + Self.usHolidays(today.year + 1))
            .map { "\($0.day),\($0.name)" }.joined(separator: "\n")
        _ = try await calendars.importHolidays(db, caller: admin, id: us.id, text: csv)
        // Those who deliver work by it; Liam works Monday to Thursday.
        for person in DemoFirm.people where !person.skills.isEmpty {
            guard let id = people[person.key] else { continue }
            let week: [DecimalString]? = person.key == "liam.obrien" ? [8, 8, 8, 8, 0, 0, 0].map { DecimalString($0) } : nil
            try await calendars.setPersonCalendar(db, caller: admin, userID: id, expected: nil,
                                                  input: PersonCalendarInput(workingWeek: week, holidayCalendarId: us.id),
                                                  keys: ["workingWeek", "holidayCalendarId"])
        }
        // Time off: asked by each person, decided by their manager.
        let monday = today.adding(days: 8 - today.isoWeekday)
        let requests: [(who: String, kind: TimeOffKind, from: Int, to: Int, hours: Decimal?, note: String?, decision: Bool?)] = [
            ("ivy.chen", .vacation, 2, 3, nil, "Family visit", true),
            ("noah.fischer", .training, 4, 4, 4, "Half-day security course", true),
            ("maya.singh", .vacation, 14, 18, nil, "Hiking week", true),
            ("jon.alvarez", .vacation, 21, 23, nil, nil, nil),
            ("kara.novak", .other, 7, 7, nil, "Moving house", nil),
            ("omar.haddad", .training, 9, 10, nil, "Trainer certification", false),
        ]
        let actions = TimeOffActions(services: services)
        for r in requests {
            guard let id = people[r.who], let key = DemoFirm.people.first(where: { $0.key == r.who }),
                  let managerKey = key.manager, let managerID = people[managerKey] else { continue }
            let person = try await UserStore.caller(db, id: id)
            let asked = try await actions.request(db, caller: person, input: TimeOffInput(
                userId: nil, kind: r.kind, start: monday.adding(days: r.from), end: monday.adding(days: r.to),
                hoursPerDay: r.hours.map { DecimalString($0) }, note: r.note))
            if let approve = r.decision {
                let manager = try await UserStore.caller(db, id: managerID)
                _ = try await actions.decide(db, caller: manager, id: asked.id, expected: asked.version, approve: approve)
            }
        }
    }
}
