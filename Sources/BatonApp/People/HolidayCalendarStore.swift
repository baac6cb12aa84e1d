import BatonCore
import Dates
import Foundation
import Postgres

/// A holiday calendar of the firm, kept for a location or country.
struct HolidayCalendarRecord: Encodable, Sendable, Versioned, KeepsEveryKey {
    var id: Int64
    var version: Int
    var name: String
    var location: String?
    var holidays: [Holiday]
    /// How many people work by it.
    var people: Int
}

/// A person's working week and holiday calendar, with their hours day by day.
struct PersonCalendarRecord: Encodable, Sendable, KeepsEveryKey {
    struct Day: Encodable, Sendable {
        var date: CalendarDate
        var hours: DecimalString
        var holiday: String?
        var timeOffHours: DecimalString?
    }
    var userId: Int64
    var version: Int
    /// Hours Monday to Sunday; the standard week when `standardWeek`.
    var workingWeek: [DecimalString]
    var standardWeek: Bool
    var holidayCalendarId: Int64?
    var from: CalendarDate
    /// Exclusive.
    var to: CalendarDate
    var totalHours: DecimalString
    var days: [Day]
}

/// Holiday calendars and people's working weeks: the SQL and the audit entries.
struct HolidayCalendarStore: Sendable {
    private static let columns: Query = """
        c.id, c.version, c.name, c.location,
        coalesce((SELECT json_agg(json_build_object('day', h.day, 'name', h.name) ORDER BY h.day)
                  FROM holidays h WHERE h.calendar_id = c.id), '[]')::text AS holidays,
        (SELECT count(*) FROM users u WHERE u.holiday_calendar_id = c.id) AS people
        """

    func list(_ db: Connection) async throws -> [HolidayCalendarRecord] {
        try await db.query("SELECT \(Self.columns) FROM holiday_calendars c ORDER BY lower(c.name), c.id").map(Self.record)
    }

    func find(_ db: Connection, id: Int64, forUpdate: Bool = false) async throws -> HolidayCalendarRecord? {
        let lock: Query = forUpdate ? " FOR UPDATE OF c" : ""
        return try await db.query("SELECT \(Self.columns) FROM holiday_calendars c WHERE c.id = \(id)\(lock)").first.map(Self.record)
    }

    func nameTaken(_ db: Connection, _ name: String, except id: Int64?) async throws -> Bool {
        try await db.query("""
            SELECT EXISTS (SELECT 1 FROM holiday_calendars WHERE lower(name) = lower(\(name)) AND id IS DISTINCT FROM \(id)) AS taken
            """).first?.decode("taken") ?? false
    }

    func create(_ db: Connection, name: String, location: String?, holidays: [Holiday], by actorID: Int64) async throws -> HolidayCalendarRecord {
        let id: Int64? = try await db.query("""
            INSERT INTO holiday_calendars (name, location) VALUES (\(name), \(location)) RETURNING id
            """).first?.decode("id")
        guard let id else { throw APIError.notFound("holiday calendar") }
        try await insert(db, calendarID: id, holidays)
        guard let created = try await find(db, id: id) else { throw APIError.notFound("holiday calendar") }
        try await AuditTrail.record(db, actorID: actorID, entity: "holiday_calendar", entityID: id, action: .create,
                                    before: nil, after: .of(created))
        return created
    }

    func update(_ db: Connection, before: HolidayCalendarRecord, name: String, location: String?, by actorID: Int64) async throws -> HolidayCalendarRecord {
        try await db.query("""
            UPDATE holiday_calendars SET name = \(name), location = \(location), version = version + 1, updated_at = now()
            WHERE id = \(before.id)
            """)
        return try await audited(db, before: before, by: actorID)
    }

    /// Sets holidays: `replacing` all of them, or adding these (a day already there takes the new name).
    func setHolidays(_ db: Connection, before: HolidayCalendarRecord, _ holidays: [Holiday], replacing: Bool, by actorID: Int64) async throws -> HolidayCalendarRecord {
        if replacing { try await db.query("DELETE FROM holidays WHERE calendar_id = \(before.id)") }
        try await insert(db, calendarID: before.id, holidays)
        try await db.query("UPDATE holiday_calendars SET version = version + 1, updated_at = now() WHERE id = \(before.id)")
        return try await audited(db, before: before, by: actorID)
    }

    func delete(_ db: Connection, _ calendar: HolidayCalendarRecord, by actorID: Int64) async throws {
        try await db.query("DELETE FROM holiday_calendars WHERE id = \(calendar.id)")
        try await AuditTrail.record(db, actorID: actorID, entity: "holiday_calendar", entityID: calendar.id, action: .delete,
                                    before: .of(calendar), after: nil)
    }

    private func insert(_ db: Connection, calendarID: Int64, _ holidays: [Holiday]) async throws {
        guard !holidays.isEmpty else { return }
        try await db.query("""
            INSERT INTO holidays (calendar_id, day, name)
            SELECT \(calendarID), d, n FROM unnest(\(holidays.map(\.day))::date[], \(holidays.map(\.name))::text[]) AS x(d, n)
            ON CONFLICT (calendar_id, day) DO UPDATE SET name = excluded.name
            """)
    }

    private func audited(_ db: Connection, before: HolidayCalendarRecord, by actorID: Int64) async throws -> HolidayCalendarRecord {
        guard let after = try await find(db, id: before.id) else { throw APIError.notFound("holiday calendar") }
        try await AuditTrail.record(db, actorID: actorID, entity: "holiday_calendar", entityID: before.id, action: .update,
                                    before: .of(before, excluding: ["people"]), after: .of(after, excluding: ["people"]))
        return after
    }

    // MARK: A person's week

    struct PersonWeek: Sendable {
        var version: Int
        var weeklyCapacity: Decimal
        var week: [Decimal]?
        var holidayCalendarID: Int64?
    }

    func personWeek(_ db: Connection, userID: Int64, forUpdate: Bool = false) async throws -> PersonWeek? {
        let lock: Query = forUpdate ? " FOR UPDATE" : ""
        guard let row = try await db.query("""
            SELECT version, weekly_capacity_hours, working_week, holiday_calendar_id FROM users WHERE id = \(userID)\(lock)
            """).first else { return nil }
        return PersonWeek(version: try row.decode("version"), weeklyCapacity: try row.decode("weekly_capacity_hours"),
                          week: try row.decode("working_week"), holidayCalendarID: try row.decode("holiday_calendar_id"))
    }

    func setPersonWeek(_ db: Connection, userID: Int64, before: PersonWeek, week: [Decimal]?, holidayCalendarID: Int64?, by actorID: Int64) async throws {
        try await db.query("""
            UPDATE users SET working_week = \(week)::numeric[], holiday_calendar_id = \(holidayCalendarID),
                version = version + 1, updated_at = now()
            WHERE id = \(userID)
            """)
        func snapshot(_ w: [Decimal]?, _ c: Int64?) -> AuditSnapshot {
            ["workingWeek": w.map { .list($0.map { DecimalString($0).description }) } ?? .null,
             "holidayCalendarId": c.map { .int($0) } ?? .null]
        }
        try await AuditTrail.record(db, actorID: actorID, entity: "user", entityID: userID, action: .update,
                                    before: snapshot(before.week, before.holidayCalendarID), after: snapshot(week, holidayCalendarID))
    }

    /// Holiday names of a person's calendar from `from` up to but not including `to`.
    func holidayNames(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> [CalendarDate: String] {
        var names: [CalendarDate: String] = [:]
        for row in try await db.query("""
            SELECT h.day, h.name FROM users u JOIN holidays h ON h.calendar_id = u.holiday_calendar_id
            WHERE u.id = \(userID) AND h.day >= \(from) AND h.day < \(to)
            """) {
            names[try row.decode("day")] = try row.decode("name")
        }
        return names
    }

    static func record(_ row: Row) throws -> HolidayCalendarRecord {
        let json: String = try row.decode("holidays")
        let holidays = try JSONDecoder().decode([Holiday].self, from: Data(json.utf8))
        return HolidayCalendarRecord(id: try row.decode("id"), version: try row.decode("version"), name: try row.decode("name"),
                                     location: try row.decode("location"), holidays: holidays, people: try row.decode("people"))
    }
}
