import BatonCore
import Dates
import Foundation
import Postgres

/// The reviewer's capacity check: per skill a proposal needs, the hours needed
/// over the phases' windows from the proposed start, and the hours free among the
/// people who have that skill.
struct CapacityStore: Sendable {
    let catalog: CatalogStore

    struct Result: Encodable, Sendable {
        struct Skill: Encodable, Sendable {
            var skill: String
            var hoursNeeded: DecimalString
            var hoursFree: DecimalString
            var shortfall: DecimalString
            var people: Int
            var from: CalendarDate
            var to: CalendarDate
        }
        var proposalId: Int64
        var start: CalendarDate
        var skills: [Skill]
    }

    func check(_ db: Connection, proposal: ProposalRecord, today: CalendarDate) async throws -> Result {
        let start = proposal.proposedStart ?? today
        var needs: [CapacityNeed] = []
        for line in proposal.lines {
            guard let id = line.typicalProjectId, let template = try await catalog.find(db, id: id) else { continue }
            for phase in template.templatePhases {
                let phaseStart = start.adding(days: phase.offsetDays)
                for skill in phase.skills {
                    needs.append(CapacityNeed(skill: skill.skill, hours: skill.hours * line.deliveries,
                                              start: phaseStart, end: phaseStart.adding(days: phase.lengthDays)))
                }
            }
        }
        let skillNames = Array(Set(needs.map { $0.skill.lowercased() }))
        var people: [Int64: PersonAvailability] = [:]
        if !skillNames.isEmpty {
            let rows = try await db.query("""
                SELECT u.id, u.weekly_capacity_hours, lower(s.name) AS skill, us.level
                FROM users u JOIN user_skills us ON us.user_id = u.id JOIN skills s ON s.id = us.skill_id
                WHERE u.active AND lower(s.name) = ANY(\(skillNames)::text[])
                """)
            for row in rows {
                let id: Int64 = try row.decode("id")
                let capacity: Decimal = try row.decode("weekly_capacity_hours")
                var person = people[id] ?? PersonAvailability(userId: id, skills: [:], weeklyCapacityHours: capacity, bookings: [])
                person.skills[try row.decode("skill")] = try row.decode("level")
                people[id] = person
            }
            let bookings = try await db.query("""
                SELECT user_id, start_date, end_date, hours_per_week FROM assignments
                WHERE user_id = ANY(\(Array(people.keys))::bigint[])
                """)
            for row in bookings {
                let id: Int64 = try row.decode("user_id")
                // Assignments hold their last day; bookings end the day after.
                let end: CalendarDate = try row.decode("end_date")
                people[id]?.bookings.append(Booking(start: try row.decode("start_date"), end: end.adding(days: 1),
                                                    hoursPerWeek: try row.decode("hours_per_week")))
            }
        }
        let results = CapacityCheck.check(needs: needs, people: people.values.sorted { $0.userId < $1.userId })
        return Result(proposalId: proposal.id, start: start, skills: results.map { r in
            let window = needs.filter { $0.skill.lowercased() == r.skill.lowercased() }
            return Result.Skill(
                skill: r.skill, hoursNeeded: DecimalString(r.hoursNeeded), hoursFree: DecimalString(r.hoursFree),
                shortfall: DecimalString(r.shortfall), people: r.people,
                from: window.map(\.start).min() ?? start, to: window.map(\.end).max() ?? start)
        })
    }
}
