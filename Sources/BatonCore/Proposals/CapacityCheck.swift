import Dates
import Foundation

/// Hours of one skill that one planned phase needs, over the phase's dates.
/// `end` is exclusive, like a phase's due date: a phase from April 1 due April 15
/// needs the skill on the 14 days April 1 to 14.
public struct CapacityNeed: Sendable, Equatable {
    public var skill: String
    public var hours: Decimal
    public var start, end: CalendarDate

    public init(skill: String, hours: Decimal, start: CalendarDate, end: CalendarDate) {
        (self.skill, self.hours, self.start, self.end) = (skill, hours, start, end)
    }
}

/// Time a person has already promised elsewhere (an assignment): hours on each of
/// their working days from `start` up to but not including `end` (see `Allocation`).
/// `end` is exclusive, the same convention as `CapacityNeed` and a phase's due date,
/// so a booking and a phase with the same dates cover the same days; a caller holding
/// an inclusive last day passes the day after it.
public struct Booking: Sendable, Equatable {
    public var start, end: CalendarDate
    public var hoursPerDay: Decimal

    public init(start: CalendarDate, end: CalendarDate, hoursPerDay: Decimal) {
        (self.start, self.end, self.hoursPerDay) = (start, end, hoursPerDay)
    }

    /// Hours per week are five working days (`Allocation.daysPerWeek`).
    public init(start: CalendarDate, end: CalendarDate, hoursPerWeek: Decimal) {
        self.init(start: start, end: end, hoursPerDay: Allocation.hoursPerDay(fromWeekly: hoursPerWeek))
    }

    public var hoursPerWeek: Decimal { Allocation.hoursPerWeek(fromDaily: hoursPerDay) }
}

/// What the check needs to know about one person.
public struct PersonAvailability: Sendable, Equatable {
    public var userId: Int64
    public var name: String
    /// Lowercased skill name → level (1 to 5).
    public var skills: [String: Int]
    /// Their working hours day by day.
    public var calendar: WorkingCalendar
    public var bookings: [Booking]

    public init(userId: Int64, name: String = "", skills: [String: Int], calendar: WorkingCalendar, bookings: [Booking] = []) {
        (self.userId, self.name, self.skills, self.calendar, self.bookings) = (userId, name, skills, calendar, bookings)
    }

    /// A person on the standard week of `weeklyCapacityHours` (Monday to Friday), with
    /// no holidays and no time off.
    public init(userId: Int64, name: String = "", skills: [String: Int], weeklyCapacityHours: Decimal, bookings: [Booking] = []) {
        self.init(userId: userId, name: name, skills: skills,
                  calendar: WorkingCalendar(week: .standard(weeklyHours: weeklyCapacityHours)), bookings: bookings)
    }

    func hasSkill(_ key: String) -> Bool {
        skills.keys.contains { $0.trimmed.lowercased() == key }
    }
}

/// One line of the reviewer's capacity check. JSON decimals are strings (`"140"`).
public struct SkillCapacity: Sendable, Equatable, Codable {
    public var skill: String
    @DecimalText public var hoursNeeded: Decimal
    /// The hours the allocation gives this skill: each free hour of each person counted
    /// for one skill only.
    @DecimalText public var hoursFree: Decimal
    /// What is missing: needed − allocated, never below 0.
    @DecimalText public var shortfall: Decimal
    /// How many people have the skill at all.
    public var people: Int
}

/// One person the allocation would use, and for how many hours of which skills.
public struct PersonUse: Sendable, Equatable {
    public var userId: Int64
    public var name: String
    public var hours: Decimal
    /// Skill (as first written) → hours, in the order of the needs.
    public var bySkill: [(skill: String, hours: Decimal)]

    public static func == (a: PersonUse, b: PersonUse) -> Bool {
        a.userId == b.userId && a.name == b.name && a.hours == b.hours
            && a.bySkill.map(\.skill) == b.bySkill.map(\.skill) && a.bySkill.map(\.hours) == b.bySkill.map(\.hours)
    }
}

/// The reviewer's answer: one verdict, the skills line by line, and the people it would use.
public struct CapacityVerdict: Sendable, Equatable {
    public var skills: [SkillCapacity]
    public var people: [PersonUse]
    public var hoursNeeded, shortfall: Decimal
    /// Judged on hundredths of an hour: travel planned in minutes makes thirds and
    /// sixths of an hour that no decimal holds exactly, and a shortfall of 10⁻³³ h is none.
    public var canBeStaffed: Bool { shortfall.rounded(scale: 2) == 0 }

    /// "Can be staffed: 120 h with Ana (80 h), Ben (40 h)." or
    /// "Short by 40 h in skills wireless (30 h), training (10 h)."
    public var sentence: String {
        if hoursNeeded == 0 { return "Nothing to staff: no catalog work with skill needs." }
        let who = people.map { "\($0.name.isEmpty ? "#\($0.userId)" : $0.name) (\($0.hours.rounded(scale: 2).plainText) h)" }
            .joined(separator: ", ")
        if canBeStaffed {
            return "Can be staffed: \(hoursNeeded.rounded(scale: 2).plainText) h with \(who)."
        }
        let short = skills.filter { $0.shortfall.rounded(scale: 2) > 0 }
            .map { "\($0.skill) (\($0.shortfall.rounded(scale: 2).plainText) h)" }.joined(separator: ", ")
        let using = people.isEmpty ? " Nobody with these skills has free hours in the window."
                                   : " It would use \(who)."
        return "Short by \(shortfall.rounded(scale: 2).plainText) h in skills \(short).\(using)"
    }
}

/// The reviewer's question before approving: can the skills this proposal needs be
/// staffed around the proposed start?
///
/// Exact, and each hour counted once: the people's free working hours (`Allocation`)
/// are allocated across the needs with a maximum flow (`CapacityAllocation`), so an
/// hour of a person with two of the needed skills goes to one of them, and only
/// within the dates of the phase that needs it.
public enum CapacityCheck {
    /// Hours `p` has free from `from` up to but not including `to`: the sum over the
    /// days of their working hours less their assigned hours (`Allocation.freeHours`).
    public static func freeHours(_ p: PersonAvailability, from: CalendarDate, to: CalendarDate) -> Decimal {
        Allocation.freeHours(calendar: p.calendar, bookings: p.bookings, from: from, to: to)
    }

    /// One line per skill, in the order the needs first name it; skills match ignoring
    /// case and surrounding spaces, and the line shows the name as first written.
    public static func check(needs: [CapacityNeed], people: [PersonAvailability]) -> [SkillCapacity] {
        verdict(needs: needs, people: people).skills
    }

    public static func verdict(needs: [CapacityNeed], people: [PersonAvailability]) -> CapacityVerdict {
        let plan = CapacityAllocation.allocate(needs: needs, people: people)
        var order: [String] = []
        var shown: [String: String] = [:]
        var needed: [String: Decimal] = [:]
        var given: [String: Decimal] = [:]
        for (i, need) in needs.enumerated() {
            let key = need.skill.trimmed.lowercased()
            if shown[key] == nil { order.append(key); shown[key] = need.skill.trimmed }
            needed[key, default: 0] += need.hours
            given[key, default: 0] += plan.allocated[i]
        }
        let skills = order.map { key in
            SkillCapacity(skill: shown[key] ?? key, hoursNeeded: needed[key] ?? 0, hoursFree: given[key] ?? 0,
                          shortfall: max(0, (needed[key] ?? 0) - (given[key] ?? 0)),
                          people: people.filter { $0.hasSkill(key) }.count)
        }
        let uses: [PersonUse] = people.compactMap { p in
            var bySkill: [(skill: String, hours: Decimal)] = []
            for key in order {
                let h = needs.indices.filter { needs[$0].skill.trimmed.lowercased() == key }
                    .reduce(Decimal(0)) { $0 + (plan.flow[CapacityAllocation.Edge(person: p.userId, need: $1)] ?? 0) }
                if h > 0 { bySkill.append((shown[key] ?? key, h)) }
            }
            let total = bySkill.reduce(Decimal(0)) { $0 + $1.hours }
            return total > 0 ? PersonUse(userId: p.userId, name: p.name, hours: total, bySkill: bySkill) : nil
        }.sorted { ($0.hours, $1.name, $1.userId) > ($1.hours, $0.name, $0.userId) }
        return CapacityVerdict(skills: skills, people: uses, hoursNeeded: needs.reduce(0) { $0 + $1.hours },
                               shortfall: skills.reduce(0) { $0 + $1.shortfall })
    }
}
