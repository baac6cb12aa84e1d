import BatonCore
import Foundation
import Testing

@Suite struct FirmSettingsTests {
    func fields(_ s: FirmSettings) -> Set<String> {
        var v = Validator()
        s.check(into: &v)
        return Set(v.errors.map(\.field))
    }

    @Test func theStandardSettingsAreTheOldConstants() {
        #expect(fields(.standard).isEmpty)
        #expect(FirmSettings.standard.travel == TravelRules.standard)
        #expect(FirmSettings.standard.renewalLeadDays == 90)
    }

    @Test func eachRuleNamesItsField() {
        let bad = FirmSettings(timeZone: "Mars/Olympus", averageSpeedKmh: 0, farthestApartKm: -1, travelRoundingMinutes: 61, renewalLeadDays: 0)
        #expect(fields(bad) == ["timeZone", "averageSpeedKmh", "farthestApartKm", "travelRoundingMinutes", "renewalLeadDays"])
        // An abbreviation does not follow summer time: only zone names are taken.
        #expect(fields(FirmSettings(timeZone: "CET")) == ["timeZone"])
        #expect(fields(FirmSettings(timeZone: "Europe/Brussels")).isEmpty)
    }

    @Test func theTravelRulesFollowTheSettings() {
        let s = FirmSettings(averageSpeedKmh: 90, farthestApartKm: 50, travelRoundingMinutes: 15)
        // 100 km at 90 km/h is 66.7 minutes: 67, rounded up to 75.
        #expect(s.travel.estimatedMinutes(kilometres: 100) == 75)
        #expect(s.travel.farthestApartKm == 50)
        #expect(FirmSettings(timeZone: "Europe/Brussels").zone.identifier == "Europe/Brussels")
    }
}
