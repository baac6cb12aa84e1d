import BatonCore
import Dates
import Foundation
import Postgres

/// Staffing suggestions: for each open skill need of a project that its own
/// assignments do not yet cover, the consultants who have the skill, ranked by
/// whether they have the time, their level, their free working hours in the phase,
/// having worked for the client (or another account of its family), and being near
/// the site.
struct StaffingStore: Sendable {
    let delivery: DeliveryStore

    struct Need: Encodable, Sendable {
        var phaseId: Int64
        var phase, skill: String
        /// The hours needed, and those this need's own assignments already cover.
        var hours, assignedHours: DecimalString
        var start, due: CalendarDate
        /// Empty once the need is covered.
        var candidates: [StaffingSuggestion]
    }

    func suggestions(_ db: Connection, projectID: Int64, accountID: Int64) async throws -> [Need] {
        let site = try await db.query("""
            SELECT concat_ws(', ', nullif(city, ''), nullif(region, '')) AS site FROM accounts WHERE id = \(accountID)
            """).first?.decode("site", as: String?.self) ?? nil
        let needs = try await db.query("""
            SELECT n.phase_id, ph.name AS phase, n.skill_id, s.name AS skill, n.hours, ph.start_date, ph.due_date
            FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id JOIN skills s ON s.id = n.skill_id
            WHERE ph.project_id = \(projectID) AND ph.completed_on IS NULL
            ORDER BY ph.position, lower(s.name)
            """)
        guard !needs.isEmpty else { return [] }
        let covered = try await delivery.coverage(db, projectIDs: [projectID])
        // The client's family: the account, those above it and those below it.
        let family: Query = """
            WITH RECURSIVE up(id) AS (SELECT \(accountID)::bigint UNION SELECT a.parent_id FROM accounts a JOIN up ON a.id = up.id
                                       WHERE a.parent_id IS NOT NULL),
                 down(id) AS (SELECT \(accountID)::bigint UNION SELECT a.id FROM accounts a JOIN down ON a.parent_id = down.id)
            """
        let people = try await db.query("""
            \(family)
            SELECT u.id, u.name, us.skill_id, us.level, u.home_location, u.roles::text[] AS roles,
                   EXISTS (SELECT 1 FROM assignments a JOIN projects p ON p.id = a.project_id
                           WHERE a.user_id = u.id
                             AND (p.account_id IN (SELECT id FROM up) OR p.account_id IN (SELECT id FROM down))) AS worked
            FROM users u JOIN user_skills us ON us.user_id = u.id
            WHERE u.active AND us.skill_id IN (SELECT skill_id FROM project_skill_needs n JOIN project_phases ph ON ph.id = n.phase_id
                                               WHERE ph.project_id = \(projectID))
            """)
        struct Person { var name: String; var home: String?; var roles: [String]; var worked: Bool; var levels: [Int64: Int] }
        var byID: [Int64: Person] = [:]
        for row in people {
            let id: Int64 = try row.decode("id")
            var p: Person
            if let known = byID[id] {
                p = known
            } else {
                p = Person(name: try row.decode("name"), home: try row.decode("home_location"),
                           roles: try row.decode("roles"), worked: try row.decode("worked"), levels: [:])
            }
            p.levels[try row.decode("skill_id")] = try row.decode("level")
            byID[id] = p
        }
        let ids = Array(byID.keys)
        let starts: [CalendarDate] = try needs.map { try $0.decode("start_date") }
        let dues: [CalendarDate] = try needs.map { try $0.decode("due_date") }
        let calendars = try await WorkingCalendarStore().calendars(db, people: ids, from: starts.min() ?? Timestamp.now.calendarDate,
                                                                    to: dues.max() ?? Timestamp.now.calendarDate)
        // Travel already planned in the window takes hours as work does (issue 24).
        let window = (from: starts.min() ?? Timestamp.now.calendarDate, to: dues.max() ?? Timestamp.now.calendarDate)
        let planned = try await SiteStore().plannedTravel(db, people: ids, calendars: calendars, from: window.from, to: window.to)
        let bookings = try await delivery.bookings(db, people: ids).merging(planned) { $0 + $1 }
        var result: [Need] = []
        for row in needs {
            let skillID: Int64 = try row.decode("skill_id")
            let phaseID: Int64 = try row.decode("phase_id")
            let start: CalendarDate = try row.decode("start_date")
            let due: CalendarDate = try row.decode("due_date")
            let skill: String = try row.decode("skill")
            let assigned = covered[DeliveryStore.NeedKey(phaseID: phaseID, skill: skill.lowercased())] ?? 0
            // From the home base or from where each person already works in the need's window.
            var travel = try await SiteStore().staffingTravel(db, projectID: projectID, people: ids, from: start, to: due)
            for (id, days) in planned where travel[id] != nil {
                travel[id]?.plannedHours = days.filter { start <= $0.start && $0.start < due }.reduce(0) { $0 + $1.hoursPerDay }
            }
            let need = StaffingNeed(skill: skill, hours: try row.decode("hours"), start: start, end: due,
                                    siteLocation: site?.nilIfEmpty, assignedHours: assigned)
            let candidates = byID.compactMap { id, p -> StaffingCandidateInput? in
                guard let level = p.levels[skillID], let calendar = calendars[id] else { return nil }
                return StaffingCandidateInput(userId: id, name: p.name, level: level, calendar: calendar,
                                              bookings: bookings[id] ?? [], workedForAccount: p.worked, homeLocation: p.home,
                                              delivers: StaffingRanking.delivers(p.roles), travel: travel[id])
            }
            result.append(Need(
                phaseId: phaseID, phase: try row.decode("phase"), skill: skill, hours: DecimalString(need.hours),
                assignedHours: DecimalString(assigned.rounded(scale: 2)), start: start, due: due,
                candidates: StaffingRanking.rank(need, candidates: candidates)))
        }
        return result
    }

    // MARK: The staffing views

    struct Person: Sendable {
        var id: Int64
        var name: String
        var location: String?
        var skills: [String]
    }

    /// Everyone on a project, by name.
    func team(_ db: Connection, projectID: Int64) async throws -> [Person] {
        try await db.query("""
            SELECT DISTINCT u.id, u.name, u.home_location, lower(u.name) AS sort FROM assignments a JOIN users u ON u.id = a.user_id
            WHERE a.project_id = \(projectID) ORDER BY sort, u.id
            """).map { Person(id: try $0.decode("id"), name: try $0.decode("name"), location: try $0.decode("home_location"), skills: []) }
    }

    /// The people who deliver (consultants), active, with their skills; those with
    /// `skill` (a name, any case) and based at a `location` containing the text given.
    func deliveryPeople(_ db: Connection, skill: String?, location: String?) async throws -> [Person] {
        try await db.query("""
            SELECT u.id, u.name, u.home_location,
                   coalesce((SELECT array_agg(s.name ORDER BY lower(s.name)) FROM user_skills us JOIN skills s ON s.id = us.skill_id
                             WHERE us.user_id = u.id), '{}') AS skills
            FROM users u
            WHERE u.active AND 'consultant' = ANY(u.roles)
              AND (\(skill)::text IS NULL OR EXISTS (SELECT 1 FROM user_skills us JOIN skills s ON s.id = us.skill_id
                                                     WHERE us.user_id = u.id AND lower(s.name) = lower(\(skill))))
              AND (\(location)::text IS NULL OR strpos(lower(coalesce(u.home_location, '')), lower(\(location))) > 0)
            ORDER BY lower(u.name), u.id
            """).map {
            Person(id: try $0.decode("id"), name: try $0.decode("name"), location: try $0.decode("home_location"),
                   skills: try $0.decode("skills"))
        }
    }

    /// Every booking of `people`, with the project it is for.
    func bookingsByProject(_ db: Connection, people: [Int64]) async throws -> [Int64: [(projectID: Int64, booking: Booking)]] {
        guard !people.isEmpty else { return [:] }
        var result: [Int64: [(projectID: Int64, booking: Booking)]] = [:]
        for row in try await db.query("""
            SELECT user_id, project_id, start_date, end_date, hours_per_day FROM assignments WHERE user_id = ANY(\(people)::bigint[])
            """) {
            let end: CalendarDate = try row.decode("end_date")
            result[try row.decode("user_id"), default: []].append(
                (try row.decode("project_id"),
                 Booking(start: try row.decode("start_date"), end: end.adding(days: 1), hoursPerDay: try row.decode("hours_per_day"))))
        }
        return result
    }

    /// The grid of the staffing views: per person, one cell per week.
    func grid(_ db: Connection, people: [Person], weeks: [CalendarDate], projectID: Int64?) async throws -> [(Person, [WeekCell])] {
        guard let first = weeks.first, let last = weeks.last else { return [] }
        let ids = people.map(\.id)
        let calendars = try await WorkingCalendarStore().calendars(db, people: ids, from: first, to: last.adding(days: 7))
        let bookings = try await bookingsByProject(db, people: ids)
        return people.compactMap { person in
            guard let calendar = calendars[person.id] else { return nil }
            let all = (bookings[person.id] ?? []).map(\.booking)
            let mine = projectID.map { p in (bookings[person.id] ?? []).filter { $0.projectID == p }.map(\.booking) } ?? all
            return (person, StaffingGrid.cells(calendar: calendar, mine: mine, all: all, weeks: weeks))
        }
    }
}
