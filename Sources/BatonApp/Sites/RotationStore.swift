import BatonCore
import Dates
import Foundation
import Postgres

/// What the rotation board reads for many people at once: who is on it, and each
/// one's assignments at their sites in the window. A fixed number of statements
/// whatever the number of people (people, assignments, their places; the calendars
/// and the travel table come from `WorkingCalendarStore` and `SiteStore`), so the
/// board's day plans are `DayPlanner`'s, as the API's `GET /users/{id}/day-plans`.
struct RotationStore: Sendable {
    /// A row of the board.
    struct Person: Sendable {
        var id: Int64
        var name: String
        var homeSiteId: Int64?
        var skills: [String]
    }

    /// One assignment, as a block of days on the board.
    struct Block: Sendable {
        var assignmentId, projectId, userId: Int64
        var version: Int
        var project, client, role: String
        var accountId: Int64
        /// Both days included, as the assignment keeps them.
        var start, end: CalendarDate
        var hoursPerDay: Decimal
        var siteId: Int64?

        var booking: Booking { Booking(start: start, end: end.adding(days: 1), hoursPerDay: hoursPerDay) }

        /// The block as the day planner reads it, at its site among `places`; an assignment at
        /// no site is work at an unknown place, as in the API's day plans.
        func siteBooking(_ places: [Int64: Place]) -> SiteBooking {
            SiteBooking(assignmentId: assignmentId, site: siteId.flatMap { places[$0] } ?? Place(id: -assignmentId, name: "No site"), booking: booking)
        }
    }

    /// The filters' choices: the firm's own places (home bases) and the clients with work in the window.
    struct Choice: Sendable { var id: Int64; var name: String }

    /// Active people who deliver (consultants) or have work in the window, filtered by a
    /// skill (its name, any case), a home base and a client whose work they have in the window.
    func people(
        _ db: Connection, from: CalendarDate, to: CalendarDate, skill: String?, homeSiteID: Int64?, clientID: Int64?
    ) async throws -> [Person] {
        try await db.query("""
            SELECT u.id, u.name, u.home_site_id,
                   coalesce((SELECT array_agg(s.name ORDER BY lower(s.name)) FROM user_skills us JOIN skills s ON s.id = us.skill_id
                             WHERE us.user_id = u.id), '{}') AS skills
            FROM users u
            WHERE u.active
              AND ('consultant' = ANY(u.roles)
                   OR EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id AND a.end_date >= \(from) AND a.start_date < \(to)))
              AND (\(skill)::text IS NULL OR EXISTS (SELECT 1 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                                                     WHERE us.user_id = u.id AND lower(s.name) = lower(\(skill))))
              AND (\(homeSiteID)::bigint IS NULL OR u.home_site_id = \(homeSiteID))
              AND (\(clientID)::bigint IS NULL OR EXISTS (
                       SELECT 1 FROM assignments a JOIN projects p ON p.id = a.project_id
                       WHERE a.user_id = u.id AND p.account_id = \(clientID) AND a.end_date >= \(from) AND a.start_date < \(to)))
            ORDER BY lower(u.name), u.id
            """).map {
            Person(id: try $0.decode("id"), name: try $0.decode("name"), homeSiteId: try $0.decode("home_site_id"),
                   skills: try $0.decode("skills"))
        }
    }

    /// Every assignment of `people` overlapping the days from `from` up to but not
    /// including `to`, oldest first (the day planner's order of stops), with its site
    /// (`assignment_sites`: its own, its project's or the account's main site).
    func blocks(_ db: Connection, people: [Int64], from: CalendarDate, to: CalendarDate) async throws -> [Block] {
        guard !people.isEmpty else { return [] }
        return try await db.query("""
            SELECT a.id, a.project_id, a.user_id, a.version, a.role, a.start_date, a.end_date, a.hours_per_day, x.site_id,
                   p.name AS project, p.account_id, coalesce(c.name, 'Client') AS client
            FROM assignments a JOIN projects p ON p.id = a.project_id LEFT JOIN accounts c ON c.id = p.account_id
            LEFT JOIN assignment_sites x ON x.assignment_id = a.id
            WHERE a.user_id = ANY(\(people)::bigint[]) AND a.end_date >= \(from) AND a.start_date < \(to)
            ORDER BY a.start_date, a.id
            """).map {
            Block(assignmentId: try $0.decode("id"), projectId: try $0.decode("project_id"), userId: try $0.decode("user_id"),
                  version: try $0.decode("version"), project: try $0.decode("project"), client: try $0.decode("client"),
                  role: try $0.decode("role"), accountId: try $0.decode("account_id"), start: try $0.decode("start_date"),
                  end: try $0.decode("end_date"), hoursPerDay: try $0.decode("hours_per_day"), siteId: try $0.decode("site_id"))
        }
    }

    /// The firm's own places that are someone's home base: the location filter.
    func homeBases(_ db: Connection) async throws -> [Choice] {
        try await db.query("""
            SELECT s.id, s.name FROM sites s
            WHERE s.account_id IS NULL AND EXISTS (SELECT 1 FROM users u WHERE u.home_site_id = s.id AND u.active)
            ORDER BY lower(s.name), s.id
            """).map { Choice(id: try $0.decode("id"), name: try $0.decode("name")) }
    }

    /// The clients with work in the window: the client filter.
    func clients(_ db: Connection, from: CalendarDate, to: CalendarDate) async throws -> [Choice] {
        try await db.query("""
            SELECT DISTINCT c.id, c.name, lower(c.name) AS sort
            FROM assignments a JOIN projects p ON p.id = a.project_id JOIN accounts c ON c.id = p.account_id
            WHERE a.end_date >= \(from) AND a.start_date < \(to)
            ORDER BY sort, c.id
            """).map { Choice(id: try $0.decode("id"), name: try $0.decode("name")) }
    }
}
