import Dates
import Foundation

/// One person who might fill a skill need, as the caller loaded them for that skill.
public struct StaffingCandidateInput: Sendable, Equatable {
    public var userId: Int64
    public var name: String
    /// The person's level (1 to 5) in the need's skill; nil when they lack the skill.
    public var level: Int?
    /// Their working hours day by day (`WorkingCalendar`).
    public var calendar: WorkingCalendar
    /// The person's other assignments; ends are exclusive, as in `CapacityCheck`.
    public var bookings: [Booking]
    /// Whether their roles deliver work (consultant, project manager, manager); admin-only
    /// and sales-only people are never suggested.
    public var delivers: Bool
    /// Whether they have been assigned to a project of this client before.
    public var workedForAccount: Bool
    /// Where they are based, as typed: `"Denver, CO"`.
    public var homeLocation: String?
    /// Their daily trip from their home base to the need's site, when both are known (issue 24).
    public var travel: StaffingTravel?

    public init(userId: Int64, name: String, level: Int?, calendar: WorkingCalendar,
                bookings: [Booking] = [], workedForAccount: Bool = false, homeLocation: String? = nil, delivers: Bool = true,
                travel: StaffingTravel? = nil) {
        self.userId = userId
        self.name = name
        self.level = level
        self.calendar = calendar
        self.bookings = bookings
        self.delivers = delivers
        self.workedForAccount = workedForAccount
        self.homeLocation = homeLocation
        self.travel = travel
    }

    /// A person on the standard week of `weeklyCapacityHours`, no holidays, no time off.
    public init(userId: Int64, name: String, level: Int?, weeklyCapacityHours: Decimal,
                bookings: [Booking] = [], workedForAccount: Bool = false, homeLocation: String? = nil, delivers: Bool = true) {
        self.init(userId: userId, name: name, level: level,
                  calendar: WorkingCalendar(week: .standard(weeklyHours: weeklyCapacityHours)), bookings: bookings,
                  workedForAccount: workedForAccount, homeLocation: homeLocation, delivers: delivers)
    }
}

/// One skill need of one project phase.
public struct StaffingNeed: Sendable, Equatable {
    public var skill: String
    public var hours: Decimal
    /// The phase's dates, `end` exclusive (its due date): a phase from April 1 due
    /// April 15 needs the skill on the 14 days April 1 to 14.
    public var start, end: CalendarDate
    /// The client's city or region, as typed on the account or the site; nil when unknown.
    public var siteLocation: String?
    /// Hours already covered by this need's own assignments.
    public var assignedHours: Decimal
    /// What is left to staff, never below 0.
    public var openHours: Decimal { max(0, hours - assignedHours) }

    public init(skill: String, hours: Decimal, start: CalendarDate, end: CalendarDate, siteLocation: String? = nil,
                assignedHours: Decimal = 0) {
        self.skill = skill
        self.hours = hours
        self.assignedHours = assignedHours
        self.start = start
        self.end = end
        self.siteLocation = siteLocation
    }
}

/// One ranked candidate, as the staffing page and the API show it:
/// `{"userId": 21, "name": "Kim", "level": 4, "freeHours": "60", "workedForAccount": true,
///   "sameLocation": false, "reasons": ["level 4", "60 h free in the window", …]}`.
public struct StaffingSuggestion: Sendable, Equatable, Codable {
    public var userId: Int64
    public var name: String
    public var level: Int
    /// Hours free over the need's window, as `CapacityCheck.freeHours` counts them.
    public var freeHours: DecimalString
    public var workedForAccount, sameLocation: Bool
    /// Why the person is where they are in the list, in plain words.
    public var reasons: [String]

    public init(userId: Int64, name: String, level: Int, freeHours: Decimal,
                workedForAccount: Bool, sameLocation: Bool, reasons: [String]) {
        self.userId = userId
        self.name = name
        self.level = level
        self.freeHours = DecimalString(freeHours)
        self.workedForAccount = workedForAccount
        self.sameLocation = sameLocation
        self.reasons = reasons
    }
}

/// Ranks the people who could fill one skill need of a phase.
///
/// Only people with the skill (level 1 or more) whose roles deliver are listed, and
/// nobody for a need its own assignments already cover. "Needed" below is what is left
/// of the need. The order compares, one
/// after the other until two people differ:
///
/// 1. whether their free hours over the window cover the hours needed, covering first:
///    a level-5 expert with no time cannot do the work, while a level-3 person who is
///    free can, so time comes before skill;
/// 2. level, highest first: among people who can (or cannot) do it in time, the more
///    skilled does it better and faster;
/// 3. free hours, most first: more slack absorbs slips, and among the short, the least
///    short leaves the smallest gap to fill;
/// 4. having worked for this client before: they know the people, systems and sites;
/// 5. the shorter daily trip from their home base to the site, when the firm knows it
///    (entered or estimated, issue 24; a known trip before an unknown one), then being
///    based near the site (the free-text match): less travel;
/// 6. name, then user id: so that the same data always gives the same list.
///
/// The order is lexicographic on purpose, not a weighted score: a project manager can
/// read why one person is above another from the reasons alone.
public enum StaffingRanking {
    public static func rank(_ need: StaffingNeed, candidates: [StaffingCandidateInput]) -> [StaffingSuggestion] {
        struct Ranked {
            var candidate: StaffingCandidateInput
            var level: Int
            var free: Decimal
            /// Whether their free hours cover what is open, and whether they are based near the site.
            var covers, sameLocation: Bool
            var sortName: String
        }
        let open = need.openHours
        guard open > 0 else { return [] }
        let ranked = candidates.compactMap { c -> Ranked? in
            guard let level = c.level, level >= 1, c.delivers else { return nil }
            // Travel is non-billable time on each day they would work there: it comes off the free hours.
            // Both to the hundredth, as travel does: planned travel in minutes makes sixths of an hour.
            let free = c.travel?.freeHours(calendar: c.calendar, bookings: c.bookings, from: need.start, to: need.end)
                ?? Allocation.freeHours(calendar: c.calendar, bookings: c.bookings, from: need.start, to: need.end).rounded(scale: 2)
            return Ranked(candidate: c, level: level, free: free, covers: free >= open,
                          sameLocation: isNear(home: c.homeLocation, site: need.siteLocation),
                          sortName: c.name.lowercased())
        }
        let ordered = ranked.sorted { a, b in
            if a.covers != b.covers { return a.covers }
            if a.level != b.level { return a.level > b.level }
            if a.free != b.free { return a.free > b.free }
            if a.candidate.workedForAccount != b.candidate.workedForAccount { return a.candidate.workedForAccount }
            let (ta, tb) = (a.candidate.travel?.minutesPerDay ?? Int.max, b.candidate.travel?.minutesPerDay ?? Int.max)
            if ta != tb { return ta < tb }
            if a.sameLocation != b.sameLocation { return a.sameLocation }
            if a.sortName != b.sortName { return a.sortName < b.sortName }
            if a.candidate.name != b.candidate.name { return a.candidate.name < b.candidate.name }
            return a.candidate.userId < b.candidate.userId
        }
        return ordered.map { r in
            var reasons = ["level \(r.level)", "\(r.free.plainText) h free in the window"]
            reasons.append(r.covers ? "covers the \(open.plainText) h needed"
                                    : "\((open - r.free).plainText) h short of the need")
            if r.candidate.workedForAccount { reasons.append("worked for this client") }
            if let travel = r.candidate.travel { reasons.append(travel.reason) }
            if r.sameLocation { reasons.append("based near the site") }
            return StaffingSuggestion(userId: r.candidate.userId, name: r.candidate.name, level: r.level,
                                      freeHours: r.free, workedForAccount: r.candidate.workedForAccount,
                                      sameLocation: r.sameLocation, reasons: reasons)
        }
    }

    /// Whether a person with these roles (as stored: `"consultant"`, `"sales"`, …) does the
    /// delivery work that skill needs ask for: consultants do. Admins, sales people and
    /// account managers do not, and a project manager runs the project rather than
    /// filling its skill needs, so none of them is suggested unless they are also a consultant.
    public static func delivers(_ roles: [String]) -> Bool {
        roles.contains(Role.consultant.rawValue)
    }

    /// Whether a person based at `home` is near a client at `site`.
    ///
    /// Locations are free text (`"Denver, CO"`, `"12 Harbor Rd, Portland, OR"`), so this
    /// is a text match, ignoring case and accents: the site mentions the person's city
    /// (the part of their home location before the first comma), or the other way round
    /// (a site given only as `"Portland"` for a person in `"Portland Metro, OR"`). It is a
    /// tie-breaker, so the occasional false match ("York" in "New York") costs little.
    public static func isNear(home: String?, site: String?) -> Bool {
        guard let home, let site else { return false }
        let city = String(home.prefix { $0 != "," }).trimmed
        let place = site.trimmed
        guard !city.isEmpty, !place.isEmpty else { return false }
        let options: String.CompareOptions = [.caseInsensitive, .diacriticInsensitive]
        return place.range(of: city, options: options) != nil || city.range(of: place, options: options) != nil
    }
}
