import Dates
import Foundation

/// What a person's calendar feed says of sites and travel (issue 24): the site's
/// name and address as an assignment's `LOCATION`, its access notes in the
/// description, and each day's travel as an event of its own.
public enum SiteCalendar {
    /// "Antwerp plant, Haven 1, 2000 Antwerpen": what a calendar app can hand to a map.
    public static func location(siteName: String, address: String?) -> String {
        [siteName, address?.trimmed].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
    }

    /// The day's travel as an all-day event ("Travel 1 h 35: Brussels office → Antwerp → Ghent"),
    /// or nil for a day with none. The uid is the person's and the day's, so a changed plan
    /// updates the event rather than adding another.
    public static func travelEvent(userID: Int64, plan: DayPlan, homeBase: Place?, stamp: String) -> CalendarEvent? {
        guard !plan.legs.isEmpty, plan.legs.contains(where: { $0.source != .none }) else { return nil }
        let route = ((homeBase.map { [$0.name] } ?? []) + plan.stops.map(\.site.name)).joined(separator: " → ")
        let lines = plan.legs.map { leg -> String in
            let from = names(plan, homeBase)[leg.fromSiteId] ?? "?", to = names(plan, homeBase)[leg.toSiteId] ?? "?"
            let time = leg.minutes.map(duration) ?? "unknown"
            return "\(from) → \(to): \(time)\(leg.source == .estimated ? " (estimated)" : "")"
        }
        return CalendarEvent(
            uid: "travel-\(userID)-\(plan.day)@baton", summary: "Travel \(duration(plan.travelMinutes)): \(route)",
            description: (lines + ["Travel is non-billable and counts against the day's working hours."]).joined(separator: "\n"),
            start: plan.day, endExclusive: plan.day.adding(days: 1), stamp: stamp)
    }

    /// "45 min", "1 h 35", "2 h".
    public static func duration(_ minutes: Int) -> String {
        let (h, m) = (minutes / 60, minutes % 60)
        if h == 0 { return "\(m) min" }
        return m == 0 ? "\(h) h" : "\(h) h \(String(format: "%02d", m))"
    }

    private static func names(_ plan: DayPlan, _ home: Place?) -> [Int64: String] {
        var names = Dictionary(plan.stops.map { ($0.site.id, $0.site.name) }, uniquingKeysWith: { a, _ in a })
        if let home { names[home.id] = home.name }
        return names
    }
}
