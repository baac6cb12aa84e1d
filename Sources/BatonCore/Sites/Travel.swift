import Dates
import Foundation

/// A point on the map, in decimal degrees (WGS 84), as entered or imported with a site.
public struct Coordinates: Sendable, Equatable, Hashable, Codable {
    public var latitude, longitude: Double

    public init(latitude: Double, longitude: Double) {
        (self.latitude, self.longitude) = (latitude, longitude)
    }

    public var isValid: Bool { (-90...90).contains(latitude) && (-180...180).contains(longitude) }

    /// The great-circle distance in kilometres (haversine on a sphere of the Earth's
    /// mean radius): close enough for "how far apart", with no map service.
    public func kilometres(to other: Coordinates) -> Double {
        let radius = 6371.0088
        let φ1 = latitude * .pi / 180, φ2 = other.latitude * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (other.longitude - longitude) * .pi / 180
        let a = sin(Δφ / 2) * sin(Δφ / 2) + cos(φ1) * cos(φ2) * sin(Δλ / 2) * sin(Δλ / 2)
        return 2 * radius * asin(min(1, sqrt(a)))
    }
}

/// A place someone travels from or to: a client's site, or one of the firm's own
/// places (an office, a person's home base).
public struct Place: Sendable, Equatable, Hashable {
    public var id: Int64
    public var name: String
    public var coordinates: Coordinates?

    public init(id: Int64, name: String, coordinates: Coordinates? = nil) {
        (self.id, self.name, self.coordinates) = (id, name, coordinates)
    }
}

/// The firm's settings for travel: the average speed that turns a great-circle
/// distance into an estimated time, and the distance beyond which two sites on
/// the same day are flagged.
public struct TravelRules: Sendable, Equatable {
    public var averageSpeedKmh: Double
    public var farthestApartKm: Double
    /// Estimates are rounded up to this many minutes: an estimate should not look precise.
    public var roundingMinutes: Int

    public init(averageSpeedKmh: Double = 60, farthestApartKm: Double = 100, roundingMinutes: Int = 5) {
        (self.averageSpeedKmh, self.farthestApartKm, self.roundingMinutes) = (averageSpeedKmh, farthestApartKm, roundingMinutes)
    }

    public static let standard = TravelRules()

    /// Minutes for `kilometres` at the average speed, rounded up.
    public func estimatedMinutes(kilometres: Double) -> Int {
        guard kilometres > 0, averageSpeedKmh > 0 else { return 0 }
        let minutes = Int((kilometres / averageSpeedKmh * 60).rounded(.up))
        let step = max(1, roundingMinutes)
        return (minutes + step - 1) / step * step
    }
}

/// One trip between two places: the firm's entered time when it has one, else an
/// estimate from the coordinates (said as such), else unknown.
public struct TravelLeg: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable, CaseIterable {
        /// The same place: no travel.
        case none
        /// From the firm's travel-times table.
        case entered
        /// Great-circle distance at the average speed.
        case estimated
        /// Neither an entry nor coordinates for both ends.
        case unknown
    }
    public var fromSiteId, toSiteId: Int64
    /// nil when unknown.
    public var minutes: Int?
    public var kilometres: Double?
    public var source: Source

    public init(fromSiteId: Int64, toSiteId: Int64, minutes: Int?, kilometres: Double?, source: Source) {
        (self.fromSiteId, self.toSiteId, self.minutes, self.kilometres, self.source) = (fromSiteId, toSiteId, minutes, kilometres, source)
    }
}

/// The firm's travel times between places (entered, either direction) with the
/// rules that estimate the rest.
public struct TravelTimes: Sendable, Equatable {
    /// Entered minutes, keyed by the pair with the smaller id first.
    public var entered: [PlacePair: Int]
    public var rules: TravelRules

    public struct PlacePair: Sendable, Hashable {
        public let first, second: Int64
        public init(_ a: Int64, _ b: Int64) { (first, second) = a <= b ? (a, b) : (b, a) }
    }

    public init(entered: [PlacePair: Int] = [:], rules: TravelRules = .standard) {
        (self.entered, self.rules) = (entered, rules)
    }

    public func leg(from: Place, to: Place) -> TravelLeg {
        let kilometres = from.coordinates.flatMap { a in to.coordinates.map { a.kilometres(to: $0) } }
        if from.id == to.id { return TravelLeg(fromSiteId: from.id, toSiteId: to.id, minutes: 0, kilometres: 0, source: .none) }
        if let minutes = entered[PlacePair(from.id, to.id)] {
            return TravelLeg(fromSiteId: from.id, toSiteId: to.id, minutes: minutes, kilometres: kilometres, source: .entered)
        }
        guard let kilometres else {
            return TravelLeg(fromSiteId: from.id, toSiteId: to.id, minutes: nil, kilometres: nil, source: .unknown)
        }
        return TravelLeg(fromSiteId: from.id, toSiteId: to.id, minutes: rules.estimatedMinutes(kilometres: kilometres),
                         kilometres: kilometres, source: .estimated)
    }
}

/// A candidate's daily trip to a need's site, for staffing suggestions: from their
/// home base, entered or estimated.
public struct StaffingTravel: Sendable, Equatable {
    public var minutesPerDay: Int
    public var from: String
    public var estimated: Bool
    /// Travel the person already has planned in the need's window (their day plans), in
    /// hours: it is in their bookings already (it took those hours); said in the reason.
    public var plannedHours: Decimal

    public init(minutesPerDay: Int, from: String, estimated: Bool, plannedHours: Decimal = 0) {
        (self.minutesPerDay, self.from, self.estimated, self.plannedHours) = (minutesPerDay, from, estimated, plannedHours)
    }

    /// Free hours over the days from `from` up to but not including `to` once the trip
    /// is taken on each day with free hours: each day's free hours less the travel, never
    /// below 0 (the same days as `Allocation.freeHours`), to the hundredth of an hour
    /// (50 minutes is 0.8333… h: a suggestion shows hours, not a recurring decimal).
    public func freeHours(calendar: WorkingCalendar, bookings: [Booking], from: CalendarDate, to: CalendarDate) -> Decimal {
        let travel = Decimal(minutesPerDay) / 60
        return Allocation.days(calendar: calendar, bookings: bookings, from: from, to: to).reduce(Decimal(0)) {
            $0 + max(0, max(0, $1.working - $1.assigned) - travel)
        }.rounded(scale: 2)
    }

    /// "45 min travel a day from Brussels office (estimated)", and ", after 2.25 h of travel
    /// already planned in the window" when they have some.
    public var reason: String {
        "\(SiteCalendar.duration(minutesPerDay)) travel a day from \(from)\(estimated ? " (estimated)" : "")"
            + (plannedHours > 0 ? ", after \(plannedHours.rounded(scale: 2).plainText) h of travel already planned in the window" : "")
    }
}
