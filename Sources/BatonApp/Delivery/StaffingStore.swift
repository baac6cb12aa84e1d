import BatonCore
import Dates
import Foundation
import Postgres

/// Staffing suggestions: for each open skill need of a project, the people who
/// have the skill, ranked by whether they have the time, their level, their free
/// hours, having worked for the client, and being near the site.
struct StaffingStore: Sendable {
    let delivery: DeliveryStore

    struct Need: Encodable, Sendable {
        var phaseId: Int64
        var phase: String
        var skill: String
        var hours: DecimalString
        var start: CalendarDate
        var due: CalendarDate
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
        var result: [Need] = []
        for row in needs {
            let skillID: Int64 = try row.decode("skill_id")
            let start: CalendarDate = try row.decode("start_date")
            let due: CalendarDate = try row.decode("due_date")
            let need = StaffingNeed(skill: try row.decode("skill"), hours: try row.decode("hours"), start: start,
                                    end: due, siteLocation: site?.nilIfEmpty)
            let people = try await db.query("""
                SELECT u.id, u.name, us.level, u.weekly_capacity_hours, u.home_location,
                       EXISTS (SELECT 1 FROM assignments a JOIN projects p ON p.id = a.project_id
                               WHERE a.user_id = u.id AND p.account_id = \(accountID)) AS worked
                FROM users u JOIN user_skills us ON us.user_id = u.id
                WHERE u.active AND us.skill_id = \(skillID)
                """)
            var candidates: [StaffingCandidateInput] = []
            for person in people {
                let id: Int64 = try person.decode("id")
                candidates.append(StaffingCandidateInput(
                    userId: id, name: try person.decode("name"), level: try person.decode("level"),
                    weeklyCapacityHours: try person.decode("weekly_capacity_hours"),
                    bookings: try await delivery.bookings(db, userID: id), workedForAccount: try person.decode("worked"),
                    homeLocation: try person.decode("home_location")))
            }
            result.append(Need(
                phaseId: try row.decode("phase_id"), phase: try row.decode("phase"), skill: need.skill,
                hours: DecimalString(need.hours), start: start, due: due,
                candidates: StaffingRanking.rank(need, candidates: candidates)))
        }
        return result
    }
}
