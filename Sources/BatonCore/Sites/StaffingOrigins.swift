import Foundation

extension StaffingTravel {
    /// The shortest known daily trip to `site` (issue 24): from the person's home base,
    /// or from a site where they already work during the need's window (a consultant
    /// already at the client's plant next door is closer than their office says). The
    /// home base wins a tie; nil when no trip is known (no entry and no coordinates).
    public static func nearest(to site: Place, homeBase: Place?, alreadyAt: [Place], travel: TravelTimes) -> StaffingTravel? {
        var best: StaffingTravel?
        let origins = (homeBase.map { [($0, false)] } ?? []) + alreadyAt.map { ($0, true) }
        for (place, already) in origins {
            let leg = travel.leg(from: place, to: site)
            guard let minutes = leg.minutes, minutes < best?.minutesPerDay ?? .max else { continue }
            best = StaffingTravel(minutesPerDay: minutes, from: already ? "\(place.name), where they already work then" : place.name,
                                  estimated: leg.source == .estimated)
        }
        return best
    }
}
