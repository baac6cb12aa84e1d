import Dates
import Foundation

/// The capacity check with the map (issue 24): travel between a day's places is
/// non-billable time within the same working hours, so a day whose work fits but
/// whose work plus travel does not is past the person's hours too.
public enum TravelOverbooking {
    /// The days of `adding` on which the person's work plus the day's travel (home
    /// base → each site in order, as `DayPlanner` lays the day out) passes their working
    /// hours, each as a `DayLoad` whose `assigned` is work plus travel. `adding` replaces
    /// the booking of the same assignment in `existing` (a change), else joins them.
    public static func overbookedDays(
        calendar: WorkingCalendar, existing: [SiteBooking], adding: SiteBooking, homeBase: Place?, travel: TravelTimes
    ) -> [DayLoad] {
        var bookings = existing
        if let i = bookings.firstIndex(where: { $0.assignmentId == adding.assignmentId }) {
            bookings[i] = adding
        } else {
            bookings.append(adding)
        }
        return DayPlanner.plans(from: adding.booking.start, to: adding.booking.end, homeBase: homeBase, bookings: bookings,
                                calendar: calendar, travel: travel)
            .filter { plan in
                plan.stops.contains { $0.assignmentIds.contains(adding.assignmentId) } && plan.workHours + plan.travelHours > plan.workingHours
            }
            .map { DayLoad(day: $0.day, assigned: $0.workHours + $0.travelHours, working: $0.workingHours) }
    }
}
