import Foundation

/// The firm's own choices that the rules read: the zone its pages show times in, the
/// rules that estimate travel and flag a day's sites, and how early a renewal is
/// raised. One set per firm, changed by admins (`PATCH /settings`).
public struct FirmSettings: Sendable, Equatable, Codable {
    /// An IANA zone name, "Europe/Brussels".
    public var timeZone: String
    public var averageSpeedKmh, farthestApartKm, travelRoundingMinutes: Int
    /// An agreement's renewal is raised this many days before it ends.
    public var renewalLeadDays: Int

    public init(timeZone: String = "UTC", averageSpeedKmh: Int = 60, farthestApartKm: Int = 100,
                travelRoundingMinutes: Int = 5, renewalLeadDays: Int = 90) {
        self.timeZone = timeZone
        self.averageSpeedKmh = averageSpeedKmh
        self.farthestApartKm = farthestApartKm
        self.travelRoundingMinutes = travelRoundingMinutes
        self.renewalLeadDays = renewalLeadDays
    }

    /// What a firm has until an admin changes it (the row the migration inserts).
    public static let standard = FirmSettings()

    /// The zone itself; UTC if the stored name is no longer known (a server whose zone
    /// database lost it must still draw pages).
    public var zone: TimeZone { TimeZone(identifier: timeZone) ?? TimeZone(identifier: "UTC") ?? .current }

    /// The travel rules the day planner, the estimates and the flags use.
    public var travel: TravelRules {
        TravelRules(averageSpeedKmh: Double(averageSpeedKmh), farthestApartKm: Double(farthestApartKm),
                    roundingMinutes: travelRoundingMinutes)
    }

    /// Whether the server's zone database knows `name` as a zone (not an abbreviation
    /// such as "CET" or an offset such as "GMT+1", which do not follow summer time).
    public static func knowsZone(_ name: String) -> Bool {
        name == "UTC" || TimeZone.knownTimeZoneIdentifiers.contains(name)
    }

    /// Every broken rule, by the API's field names.
    public func check(into v: inout Validator) {
        v.check(Self.knowsZone(timeZone), "timeZone", "Time zone must be a zone name such as Europe/Brussels")
        v.check((1...1000).contains(averageSpeedKmh), "averageSpeedKmh", "Average speed must be from 1 to 1000 km/h")
        v.check((1...20000).contains(farthestApartKm), "farthestApartKm", "Farthest apart must be from 1 to 20000 km")
        v.check((1...60).contains(travelRoundingMinutes), "travelRoundingMinutes", "Travel rounding must be from 1 to 60 minutes")
        v.check((1...365).contains(renewalLeadDays), "renewalLeadDays", "Renewal lead must be from 1 to 365 days")
    }
}
