import BatonCore
import Dates
import Foundation
import Postgres

/// The reviewer's capacity check: per skill a proposal needs, the hours needed over
/// the phases' windows from the proposed start, and the hours the people with the
/// skill can give it, each free working hour counted for one skill only
/// (`CapacityCheck.verdict`); then one verdict in a sentence.
struct CapacityStore: Sendable {
    let catalog: CatalogStore

    struct Result: Encodable, Sendable {
        struct Skill: Encodable, Sendable {
            var skill: String
            var hoursNeeded, hoursFree, shortfall: DecimalString
            var people: Int
            var from, to: CalendarDate
        }
        struct Person: Encodable, Sendable {
            struct Part: Encodable, Sendable { var skill: String; var hours: DecimalString }
            var userId: Int64
            var name: String
            var hours: DecimalString
            var skills: [Part]
        }
        var proposalId: Int64
        var start: CalendarDate
        /// "Can be staffed: …" or "Short by N h in skills …", with the people it would use.
        var verdict: String
        var canBeStaffed: Bool
        var hoursNeeded, shortfall: DecimalString
        var skills: [Skill]
        /// The people the allocation would use, most hours first.
        var people: [Person]
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
        // Earlier phases first: when skills compete for the same hours, the earlier need is served first.
        needs = needs.enumerated().sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }.map(\.element)
        let skillNames = Array(Set(needs.map { $0.skill.trimmed.lowercased() }))
        var people: [Int64: PersonAvailability] = [:]
        if !skillNames.isEmpty, let from = needs.map(\.start).min(), let to = needs.map(\.end).max() {
            let rows = try await db.query("""
                SELECT u.id, u.name, u.roles::text[] AS roles, lower(s.name) AS skill, us.level
                FROM users u JOIN user_skills us ON us.user_id = u.id JOIN skills s ON s.id = us.skill_id
                WHERE u.active AND lower(s.name) = ANY(\(skillNames)::text[])
                """)
            var skills: [Int64: [String: Int]] = [:]
            var names: [Int64: String] = [:]
            for row in rows where StaffingRanking.delivers(try row.decode("roles")) {
                let id: Int64 = try row.decode("id")
                names[id] = try row.decode("name")
                skills[id, default: [:]][try row.decode("skill")] = try row.decode("level")
            }
            let ids = Array(skills.keys)
            let calendars = try await WorkingCalendarStore().calendars(db, people: ids, from: from, to: to)
            // Travel already planned in the window takes hours as work does (issue 24).
            let planned = try await SiteStore().plannedTravel(db, people: ids, calendars: calendars, from: from, to: to)
            let bookings = try await DeliveryStore().bookings(db, people: ids).merging(planned) { $0 + $1 }
            for id in ids {
                guard let calendar = calendars[id] else { continue }
                people[id] = PersonAvailability(userId: id, name: names[id] ?? "", skills: skills[id] ?? [:], calendar: calendar,
                                                bookings: bookings[id] ?? [])
            }
        }
        let verdict = CapacityCheck.verdict(needs: needs, people: people.values.sorted { $0.userId < $1.userId })
        return Result(
            proposalId: proposal.id, start: start, verdict: verdict.sentence, canBeStaffed: verdict.canBeStaffed,
            hoursNeeded: Self.hours(verdict.hoursNeeded), shortfall: Self.hours(verdict.shortfall),
            skills: verdict.skills.map { r in
                let window = needs.filter { $0.skill.trimmed.lowercased() == r.skill.lowercased() }
                return Result.Skill(
                    skill: r.skill, hoursNeeded: Self.hours(r.hoursNeeded), hoursFree: Self.hours(r.hoursFree),
                    shortfall: Self.hours(r.shortfall), people: r.people,
                    from: window.map(\.start).min() ?? start, to: window.map(\.end).max() ?? start)
            },
            people: verdict.people.map { p in
                Result.Person(userId: p.userId, name: p.name, hours: Self.hours(p.hours),
                              skills: p.bySkill.map { .init(skill: $0.skill, hours: Self.hours($0.hours)) })
            })
    }

    /// Hours as the check reports them: to the hundredth, rounded once here.
    private static func hours(_ value: Decimal) -> DecimalString { DecimalString(value.rounded(scale: 2)) }
}
