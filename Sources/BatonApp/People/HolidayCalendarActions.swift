import BatonCore
import Dates
import Foundation
import Postgres

struct HolidayInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case day, name }
    var day: CalendarDate
    var name: String
}

struct HolidayCalendarInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case name, location, holidays }
    static var nested: [String: any StrictDecodable.Type] { ["holidays": HolidayInput.self] }
    var name: String?
    var location: String?
    var holidays: [HolidayInput]?
}

/// A person's working week and holiday calendar as an admin sends them.
struct PersonCalendarInput: StrictDecodable {
    enum Field: String, CodingKey, CaseIterable { case workingWeek, holidayCalendarId }
    /// Seven entries, Monday first; null for the standard week from the weekly capacity.
    var workingWeek: [DecimalString]?
    var holidayCalendarId: Int64?
}

/// The firm's holiday calendars and each person's working week: an admin's to
/// change, from the API, the admin pages and the demo loader alike.
struct HolidayCalendarActions {
    let services: AppServices
    var store: HolidayCalendarStore { HolidayCalendarStore() }

    func create(_ db: Connection, caller: Caller, input: HolidayCalendarInput) async throws -> HolidayCalendarRecord {
        try Scope.requireAdmin(caller)
        let (name, location) = try await checked(db, name: input.name, location: input.location, except: nil)
        let holidays = try Self.checked(input.holidays ?? [])
        return try await store.create(db, name: name, location: location, holidays: holidays, by: caller.id)
    }

    func change(_ db: Connection, caller: Caller, id: Int64, expected: Int?, input: HolidayCalendarInput, keys: Set<String>) async throws -> HolidayCalendarRecord {
        try Scope.requireAdmin(caller)
        guard let before = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("holiday calendar") }
        try ETag.requireCurrent(expected, before.version)
        let (name, location) = try await checked(
            db, name: keys.contains("name") ? input.name : before.name,
            location: keys.contains("location") ? input.location : before.location, except: id)
        var after = try await store.update(db, before: before, name: name, location: location, by: caller.id)
        if keys.contains("holidays") {
            after = try await store.setHolidays(db, before: after, try Self.checked(input.holidays ?? []), replacing: true, by: caller.id)
        }
        return after
    }

    /// Adds the holidays of an iCalendar or CSV file (a day already there takes the
    /// file's name). Nothing is added while any line is wrong: 422 naming each.
    func importHolidays(_ db: Connection, caller: Caller, id: Int64, text: String) async throws -> HolidayCalendarRecord {
        try Scope.requireAdmin(caller)
        guard let before = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("holiday calendar") }
        let result = HolidayImport.read(text)
        guard result.problems.isEmpty else {
            throw APIError.validation(result.problems.prefix(50).map { FieldError("file", $0) })
        }
        guard result.holidays.count <= 5000 else { throw ValidationFailure("file", "A file may hold at most 5000 holidays") }
        return try await store.setHolidays(db, before: before, result.holidays, replacing: false, by: caller.id)
    }

    func delete(_ db: Connection, caller: Caller, id: Int64, expected: Int?) async throws {
        try Scope.requireAdmin(caller)
        guard let before = try await store.find(db, id: id, forUpdate: true) else { throw APIError.notFound("holiday calendar") }
        try ETag.requireCurrent(expected, before.version)
        try await store.delete(db, before, by: caller.id)
    }

    // MARK: A person's week

    /// A person's week, calendar and hours day by day from `from` up to but not including `to`.
    func personCalendar(_ db: Connection, caller: Caller, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> PersonCalendarRecord {
        guard try await services.users.find(db, id: userID, visibleTo: caller) != nil,
              let person = try await store.personWeek(db, userID: userID) else { throw APIError.notFound("person") }
        var v = Validator()
        v.check(to > from, "to", "to must be after from")
        v.check(from.days(until: to) <= 366, "to", "At most 366 days at a time")
        try v.throwIfInvalid()
        guard let calendar = try await WorkingCalendarStore().calendar(db, userID: userID, from: from, to: to) else {
            throw APIError.notFound("person")
        }
        let names = try await store.holidayNames(db, userID: userID, from: from, to: to)
        var days: [PersonCalendarRecord.Day] = []
        var day = from
        while day < to {
            days.append(.init(date: day, hours: DecimalString(calendar.hours(on: day)), holiday: names[day],
                              timeOffHours: calendar.timeOff[day].map { DecimalString($0) }))
            day = day.adding(days: 1)
        }
        return PersonCalendarRecord(
            userId: userID, version: person.version, workingWeek: calendar.week.hours.map { DecimalString($0) },
            standardWeek: person.week == nil, holidayCalendarId: person.holidayCalendarID, from: from, to: to,
            totalHours: DecimalString(calendar.hours(from: from, to: to)), days: days)
    }

    func setPersonCalendar(_ db: Connection, caller: Caller, userID: Int64, expected: Int?, input: PersonCalendarInput, keys: Set<String>) async throws {
        try Scope.requireAdmin(caller)
        guard let before = try await store.personWeek(db, userID: userID, forUpdate: true) else { throw APIError.notFound("person") }
        try ETag.requireCurrent(expected, before.version)
        var week = before.week
        var calendarID = before.holidayCalendarID
        var v = Validator()
        if keys.contains("workingWeek") {
            week = input.workingWeek?.map(\.value)
            if let w = week {
                v.check(w.count == 7, "workingWeek", "The working week needs seven days of hours, Monday first")
                v.check(w.allSatisfy { $0 >= 0 && $0 <= 24 && $0.significantScale <= 2 }, "workingWeek",
                        "Each day's hours must be from 0 to 24 with at most two decimals")
            }
        }
        if keys.contains("holidayCalendarId") {
            calendarID = input.holidayCalendarId
            if let id = calendarID, try await store.find(db, id: id) == nil {
                v.add("holidayCalendarId", "No holiday calendar has id \(id)")
            }
        }
        try v.throwIfInvalid()
        try await store.setPersonWeek(db, userID: userID, before: before, week: week, holidayCalendarID: calendarID, by: caller.id)
    }

    // MARK: Rules

    private func checked(_ db: Connection, name: String?, location: String?, except id: Int64?) async throws -> (String, String?) {
        let name = name?.trimmed ?? ""
        let location = location?.trimmed.nilIfEmpty
        var v = Validator()
        v.check(!name.isEmpty && name.count <= 200, "name", "Name must be 1 to 200 characters")
        v.check((location?.count ?? 0) <= 200, "location", "Location must be at most 200 characters")
        if !name.isEmpty, try await store.nameTaken(db, name, except: id) {
            v.add("name", "A holiday calendar is already called \(name)")
        }
        try v.throwIfInvalid()
        return (name, location)
    }

    static func checked(_ inputs: [HolidayInput]) throws -> [Holiday] {
        var v = Validator()
        var seen: Set<CalendarDate> = []
        for (i, h) in inputs.enumerated() {
            let name = h.name.trimmed
            v.check(!name.isEmpty && name.count <= 200, "holidays[\(i)].name", "A holiday's name must be 1 to 200 characters")
            v.check((1900...9000).contains(h.day.year), "holidays[\(i)].day", "Holidays must fall between the years 1900 and 9000")
            v.check(seen.insert(h.day).inserted, "holidays[\(i)].day", "\(h.day) is listed twice")
        }
        v.check(inputs.count <= 5000, "holidays", "A calendar may hold at most 5000 holidays")
        try v.throwIfInvalid()
        return inputs.map { Holiday(day: $0.day, name: $0.name.trimmed) }
    }
}
