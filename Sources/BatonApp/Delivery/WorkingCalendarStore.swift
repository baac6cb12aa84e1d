import BatonCore
import Dates
import Foundation
import Postgres

/// Who works how many hours on which day: each person's working week, their
/// holiday calendar and their approved time off, read into `WorkingCalendar`.
/// Every capacity figure sums `WorkingCalendar.hours(on:)` over the calendars
/// this store returns, so they all agree. It reads; it writes nothing.
struct WorkingCalendarStore: Sendable {
    /// One stretch of time off, as the staffing view and the feeds show it.
    struct TimeOffEntry: Encodable, Sendable, Equatable {
        var id, userId: Int64
        var userName: String
        var kind: TimeOffKind
        /// Both included.
        var start, end: CalendarDate
        /// nil: whole days.
        var hoursPerDay: DecimalString?
        var status: TimeOffStatus

        var span: TimeOffSpan { TimeOffSpan(start: start, end: end, hoursPerDay: hoursPerDay?.value) }
    }

    /// An assignment that overlaps its person's approved time off.
    struct Collision: Encodable, Sendable, Equatable {
        var assignmentId, projectId, userId, timeOffId: Int64
        /// The project's name and the person's.
        var project, userName: String
        var kind: TimeOffKind
        /// The days both cover, both included.
        var from, to: CalendarDate
    }

    /// The working calendars of `people` for the days from `from` up to but not
    /// including `to`. A person with no working week on record gets the standard
    /// week from their weekly capacity; unknown ids are left out.
    func calendars(_ db: Connection, people: [Int64], from: CalendarDate, to: CalendarDate) async throws -> [Int64: WorkingCalendar] {
        guard !people.isEmpty else { return [:] }
        var weeks: [Int64: WorkingWeek] = [:]
        var holidays: [Int64: Set<CalendarDate>] = [:]
        for row in try await db.query("""
            SELECT id, weekly_capacity_hours, working_week FROM users WHERE id = ANY(\(people)::bigint[])
            """) {
            let id: Int64 = try row.decode("id")
            let week: [Decimal]? = try row.decode("working_week")
            let capacity: Decimal = try row.decode("weekly_capacity_hours")
            weeks[id] = week.map(WorkingWeek.init(hours:)) ?? .standard(weeklyHours: capacity)
            holidays[id] = []
        }
        for row in try await db.query("""
            SELECT u.id, h.day FROM users u JOIN holidays h ON h.calendar_id = u.holiday_calendar_id
            WHERE u.id = ANY(\(people)::bigint[]) AND h.day >= \(from) AND h.day < \(to)
            """) {
            holidays[try row.decode("id"), default: []].insert(try row.decode("day"))
        }
        var spans: [Int64: [TimeOffSpan]] = [:]
        for entry in try await timeOff(db, people: people, from: from, to: to, statuses: [.approved]) {
            spans[entry.userId, default: []].append(entry.span)
        }
        var result: [Int64: WorkingCalendar] = [:]
        for (id, week) in weeks {
            result[id] = WorkingCalendar(week: week, holidays: holidays[id] ?? [], approved: spans[id] ?? [], from: from, to: to)
        }
        return result
    }

    /// One person's working calendar; nil for an unknown person.
    func calendar(_ db: Connection, userID: Int64, from: CalendarDate, to: CalendarDate) async throws -> WorkingCalendar? {
        try await calendars(db, people: [userID], from: from, to: to)[userID]
    }

    /// The approved time off of `people` overlapping the days from `from` up to but
    /// not including `to`, by person then first day: what the staffing view shades.
    func approvedTimeOff(_ db: Connection, people: [Int64], from: CalendarDate, to: CalendarDate) async throws -> [TimeOffEntry] {
        try await timeOff(db, people: people, from: from, to: to, statuses: [.approved])
    }

    func timeOff(_ db: Connection, people: [Int64], from: CalendarDate, to: CalendarDate, statuses: [TimeOffStatus]) async throws -> [TimeOffEntry] {
        guard !people.isEmpty else { return [] }
        return try await db.query("""
            SELECT t.id, t.user_id, u.name AS user_name, t.kind, t.start_date, t.end_date, t.hours_per_day, t.status
            FROM time_off t JOIN users u ON u.id = t.user_id
            WHERE t.user_id = ANY(\(people)::bigint[]) AND t.status = ANY(\(statuses.map(\.rawValue))::text[])
              AND t.end_date >= \(from) AND t.start_date < \(to)
            ORDER BY lower(u.name), t.user_id, t.start_date, t.id
            """).map(Self.entry)
    }

    static func entry(_ row: Row) throws -> TimeOffEntry {
        let kind: String = try row.decode("kind")
        let status: String = try row.decode("status")
        let hours: Decimal? = try row.decode("hours_per_day")
        return TimeOffEntry(
            id: try row.decode("id"), userId: try row.decode("user_id"), userName: try row.decode("user_name"),
            kind: TimeOffKind(rawValue: kind) ?? .other, start: try row.decode("start_date"), end: try row.decode("end_date"),
            hoursPerDay: hours.map { DecimalString($0) }, status: TimeOffStatus(rawValue: status) ?? .pending)
    }

    // MARK: Collisions

    private static let collisionQuery: Query = """
        SELECT a.id AS assignment_id, a.project_id, j.name AS project, a.user_id, u.name AS user_name,
               t.id AS time_off_id, t.kind, greatest(a.start_date, t.start_date) AS from_day, least(a.end_date, t.end_date) AS to_day
        FROM assignments a JOIN time_off t ON t.user_id = a.user_id AND t.status = 'approved'
             AND t.start_date <= a.end_date AND t.end_date >= a.start_date
        JOIN projects j ON j.id = a.project_id JOIN users u ON u.id = a.user_id
        """

    /// Assignments on a project that overlap their person's approved time off.
    func collisions(_ db: Connection, projectID: Int64) async throws -> [Collision] {
        try await db.query("""
            \(Self.collisionQuery) WHERE a.project_id = \(projectID) ORDER BY from_day, lower(u.name), a.id, t.id
            """).map(Self.collision)
    }

    /// Such collisions on the projects `managerID` manages: for the PM's home.
    func collisions(_ db: Connection, managerID: Int64) async throws -> [Collision] {
        try await db.query("""
            \(Self.collisionQuery) WHERE j.project_manager_id = \(managerID) AND j.status NOT IN ('completed', 'cancelled')
            ORDER BY from_day, lower(j.name), lower(u.name), a.id, t.id
            """).map(Self.collision)
    }

    /// A person's own assignments that overlap their approved time off: for my week.
    func collisions(_ db: Connection, userID: Int64) async throws -> [Collision] {
        try await db.query("""
            \(Self.collisionQuery) WHERE a.user_id = \(userID) ORDER BY from_day, lower(j.name), a.id, t.id
            """).map(Self.collision)
    }

    static func collision(_ row: Row) throws -> Collision {
        let kind: String = try row.decode("kind")
        return Collision(
            assignmentId: try row.decode("assignment_id"), projectId: try row.decode("project_id"), userId: try row.decode("user_id"),
            timeOffId: try row.decode("time_off_id"), project: try row.decode("project"), userName: try row.decode("user_name"),
            kind: TimeOffKind(rawValue: kind) ?? .other, from: try row.decode("from_day"), to: try row.decode("to_day"))
    }
}
