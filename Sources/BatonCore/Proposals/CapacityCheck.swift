import Dates
import Foundation

/// Hours of one skill that one planned phase needs, over the phase's dates.
/// `end` is exclusive, like a phase's due date: a phase from April 1 due April 15
/// needs the skill on the 14 days April 1 to 14.
public struct CapacityNeed: Sendable, Equatable {
    public var skill: String
    public var hours: Decimal
    public var start: CalendarDate
    public var end: CalendarDate

    public init(skill: String, hours: Decimal, start: CalendarDate, end: CalendarDate) {
        self.skill = skill
        self.hours = hours
        self.start = start
        self.end = end
    }
}

/// Time a person has already promised elsewhere (an assignment).
/// `end` is exclusive, the same convention as `CapacityNeed` and a phase's due date,
/// so a booking and a phase with the same dates cover the same days; a caller holding
/// an inclusive last day passes the day after it.
public struct Booking: Sendable, Equatable {
    public var start: CalendarDate
    public var end: CalendarDate
    public var hoursPerWeek: Decimal

    public init(start: CalendarDate, end: CalendarDate, hoursPerWeek: Decimal) {
        self.start = start
        self.end = end
        self.hoursPerWeek = hoursPerWeek
    }
}

/// What the check needs to know about one person.
public struct PersonAvailability: Sendable, Equatable {
    public var userId: Int64
    /// Lowercased skill name → level (1 to 5).
    public var skills: [String: Int]
    public var weeklyCapacityHours: Decimal
    public var bookings: [Booking]

    public init(userId: Int64, skills: [String: Int], weeklyCapacityHours: Decimal, bookings: [Booking] = []) {
        self.userId = userId
        self.skills = skills
        self.weeklyCapacityHours = weeklyCapacityHours
        self.bookings = bookings
    }

    func hasSkill(_ key: String) -> Bool {
        skills.keys.contains { $0.trimmed.lowercased() == key }
    }
}

/// One line of the reviewer's capacity check. JSON decimals are strings (`"140"`).
public struct SkillCapacity: Sendable, Equatable, Codable {
    public var skill: String
    public var hoursNeeded: Decimal
    public var hoursFree: Decimal
    /// What is missing: needed − free, never below 0.
    public var shortfall: Decimal
    /// How many people have the skill at all.
    public var people: Int

    public init(skill: String, hoursNeeded: Decimal, hoursFree: Decimal, shortfall: Decimal, people: Int) {
        self.skill = skill
        self.hoursNeeded = hoursNeeded
        self.hoursFree = hoursFree
        self.shortfall = shortfall
        self.people = people
    }

    enum CodingKeys: String, CodingKey { case skill, hoursNeeded, hoursFree, shortfall, people }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        skill = try c.decode(String.self, forKey: .skill)
        hoursNeeded = try c.decode(DecimalString.self, forKey: .hoursNeeded).value
        hoursFree = try c.decode(DecimalString.self, forKey: .hoursFree).value
        shortfall = try c.decode(DecimalString.self, forKey: .shortfall).value
        people = try c.decode(Int.self, forKey: .people)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(skill, forKey: .skill)
        try c.encode(DecimalString(hoursNeeded), forKey: .hoursNeeded)
        try c.encode(DecimalString(hoursFree), forKey: .hoursFree)
        try c.encode(DecimalString(shortfall), forKey: .shortfall)
        try c.encode(people, forKey: .people)
    }
}

/// The reviewer's question before approving: are the skills this proposal needs free
/// around the proposed start? Per skill, the hours the planned phases need against
/// the hours the people with that skill have free.
///
/// It is a rough, per-skill answer: a person with two of the needed skills counts
/// toward both, and hours free anywhere in a skill's window count for any of its
/// phases. Staffing (per phase, per person) is where it gets exact.
public enum CapacityCheck {
    /// Hours `p` has free from `from` up to but not including `to`: weekly capacity
    /// pro rata by day, less each booking's hours per week pro rata over the days it
    /// overlaps; never below 0, rounded to 2 decimals.
    public static func freeHours(_ p: PersonAvailability, from: CalendarDate, to: CalendarDate) -> Decimal {
        let days = from.days(until: to)
        guard days > 0 else { return 0 }
        // Weekly hours × days, summed, then divided by 7 once: one rounding at the end.
        var hourDays = p.weeklyCapacityHours * Decimal(days)
        for booking in p.bookings {
            let overlap = max(booking.start, from).days(until: min(booking.end, to))
            if overlap > 0 { hourDays -= booking.hoursPerWeek * Decimal(overlap) }
        }
        return max(0, hourDays / 7).rounded(scale: 2)
    }

    /// One line per skill, in the order the needs first name it; skills match ignoring
    /// case and surrounding spaces, and the line shows the name as first written.
    public static func check(needs: [CapacityNeed], people: [PersonAvailability]) -> [SkillCapacity] {
        struct Group {
            var skill: String
            var hours: Decimal
            var start: CalendarDate
            var end: CalendarDate
        }
        var groups: [Group] = []
        var indexByKey: [String: Int] = [:]
        var keys: [String] = []
        for need in needs {
            let key = need.skill.trimmed.lowercased()
            if let i = indexByKey[key] {
                groups[i].hours += need.hours
                groups[i].start = min(groups[i].start, need.start)
                groups[i].end = max(groups[i].end, need.end)
            } else {
                indexByKey[key] = groups.count
                keys.append(key)
                groups.append(Group(skill: need.skill.trimmed, hours: need.hours, start: need.start, end: need.end))
            }
        }
        return zip(keys, groups).map { key, group in
            let skilled = people.filter { $0.hasSkill(key) }
            let free = skilled.reduce(Decimal(0)) { $0 + freeHours($1, from: group.start, to: group.end) }
            return SkillCapacity(skill: group.skill, hoursNeeded: group.hours, hoursFree: free,
                                 shortfall: max(0, group.hours - free), people: skilled.count)
        }
    }
}
