import Dates
import Foundation

/// An assignment's hours at a site, as the day planner reads them.
public struct SiteBooking: Sendable, Equatable {
    public var assignmentId: Int64
    public var site: Place
    public var booking: Booking

    public init(assignmentId: Int64, site: Place, booking: Booking) {
        (self.assignmentId, self.site, self.booking) = (assignmentId, site, booking)
    }
}

/// One person's day: where they are, for how long, and the travel between.
///
/// The hours follow the one allocation model (`Allocation`): an assignment takes
/// its hours per day on each working day within its dates, none on other days.
/// The day's places are the person's home base, then each site in the order of
/// the bookings given (several assignments at one site are one stop); the travel
/// is each consecutive pair (home base → site A → site B), with no leg back home,
/// and counts against the day's working hours as non-billable time.
public struct DayPlan: Sendable, Equatable {
    public struct Stop: Sendable, Equatable {
        public var site: Place
        public var hours: Decimal
        public var assignmentIds: [Int64]
    }
    public enum Flag: String, Sendable, Codable, CaseIterable {
        /// Work plus travel is more than the day's working hours.
        case overHours = "over_hours"
        /// Two of the day's sites are farther apart than the firm's limit.
        case sitesTooFarApart = "sites_too_far_apart"
        /// A leg's time is neither entered nor estimable (coordinates missing).
        case travelUnknown = "travel_unknown"
    }

    public var day: CalendarDate
    /// The day's working hours (0 on a weekend, holiday or day off).
    public var workingHours: Decimal
    public var stops: [Stop]
    public var legs: [TravelLeg]
    public var flags: Set<Flag>
    /// The greatest distance between two of the day's sites, when known.
    public var farthestApartKm: Double?

    public var workHours: Decimal { stops.reduce(0) { $0 + $1.hours } }
    public var travelMinutes: Int { legs.reduce(0) { $0 + ($1.minutes ?? 0) } }
    /// Travel in hours, exact to the minute: minutes over 60 as a decimal (2 minutes is 0.0333…).
    public var travelHours: Decimal { Decimal(travelMinutes) / 60 }
    /// The day's working hours left after work and travel, never below 0.
    public var freeHours: Decimal { max(0, workingHours - workHours - travelHours) }
    /// Time off or a holiday took the whole day.
    public var isDayOff: Bool { workingHours == 0 }
}

public enum DayPlanner {
    /// The plan of one day.
    public static func plan(
        day: CalendarDate, homeBase: Place?, bookings: [SiteBooking], calendar: WorkingCalendar, travel: TravelTimes
    ) -> DayPlan {
        let working = calendar.hours(on: day)
        var stops: [DayPlan.Stop] = []
        if working > 0 {
            for b in bookings where b.booking.start <= day && day < b.booking.end {
                if let i = stops.firstIndex(where: { $0.site.id == b.site.id }) {
                    stops[i].hours += b.booking.hoursPerDay
                    stops[i].assignmentIds.append(b.assignmentId)
                } else {
                    stops.append(.init(site: b.site, hours: b.booking.hoursPerDay, assignmentIds: [b.assignmentId]))
                }
            }
        }
        let places = (stops.isEmpty ? [] : homeBase.map { [$0] } ?? []) + stops.map(\.site)
        let legs = zip(places, places.dropFirst()).map { travel.leg(from: $0, to: $1) }
        // Sites without coordinates are left out of "how far apart": an entered
        // travel time says how long, not how far.
        var farthest: Double?
        for (i, a) in stops.enumerated() {
            for b in stops[(i + 1)...] {
                if let x = a.site.coordinates, let y = b.site.coordinates { farthest = max(farthest ?? 0, x.kilometres(to: y)) }
            }
        }
        var plan = DayPlan(day: day, workingHours: working, stops: stops, legs: legs, flags: [], farthestApartKm: farthest)
        if plan.workHours + plan.travelHours > working, !stops.isEmpty { plan.flags.insert(.overHours) }
        if let farthest, farthest > travel.rules.farthestApartKm { plan.flags.insert(.sitesTooFarApart) }
        if legs.contains(where: { $0.source == .unknown }) { plan.flags.insert(.travelUnknown) }
        return plan
    }

    /// Every day from `from` up to but not including `to`.
    public static func plans(
        from: CalendarDate, to: CalendarDate, homeBase: Place?, bookings: [SiteBooking], calendar: WorkingCalendar, travel: TravelTimes
    ) -> [DayPlan] {
        var result: [DayPlan] = []
        var day = from
        while day < to {
            result.append(plan(day: day, homeBase: homeBase, bookings: bookings, calendar: calendar, travel: travel))
            day = day.adding(days: 1)
        }
        return result
    }
}
