import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate {
    guard let d = CalendarDate(text) else { Issue.record("bad date \(text)"); return CalendarDate(daysSinceEpoch: 0) }
    return d
}

/// The hand case of issue 24, by hand (great-circle kilometres from the haversine
/// formula, radius 6371.0088 km; the firm's speed 60 km/h, estimates rounded up to
/// 5 minutes, sites more than 100 km apart flagged):
///
/// - Brussels office (home base) → Antwerp site: 41.59 km, 42 min, estimate 45 min.
/// - Brussels → Ghent: 50.12 km, estimate 55 min. Antwerp → Liège: 105.19 km.
/// - Antwerp → Ghent is entered in the firm's table: 50 min.
///
/// Anna, 40 h week, Monday 1 June 2026: 4 h at Antwerp then 4 h at Ghent. Travel
/// 45 + 50 = 95 min; work 8 h + 1 h 35 = 9 h 35 > 8 h: over hours; the two sites are
/// 51.20 km apart: not too far. Tuesday: Antwerp only, 4 h + 45 min: within the day, 3 h 15 free.
/// Wednesday: 4 h Antwerp and 3 h Liège: 105 km apart, flagged; 7 h + 45 min + the
/// Antwerp → Liège estimate (105.19 km, 106 min, 110 min) = 9 h 35: over hours.
/// Thursday: a day of approved time off: no stops, no travel, no flags.
@Suite struct DayPlanTests {
    let office = Place(id: 1, name: "Brussels office", coordinates: Coordinates(latitude: 50.8467, longitude: 4.3525))
    let antwerp = Place(id: 2, name: "Antwerp", coordinates: Coordinates(latitude: 51.2194, longitude: 4.4025))
    let ghent = Place(id: 3, name: "Ghent", coordinates: Coordinates(latitude: 51.0543, longitude: 3.7174))
    let liege = Place(id: 4, name: "Liège", coordinates: Coordinates(latitude: 50.6326, longitude: 5.5797))
    let monday = date("2026-06-01")
    var travel: TravelTimes { TravelTimes(entered: [.init(3, 2): 50]) }
    var calendar: WorkingCalendar {
        WorkingCalendar(week: .standard(weeklyHours: 40), holidays: [], timeOff: [monday.adding(days: 3): 8])
    }

    func booking(_ id: Int64, _ site: Place, days: Int, from: Int = 0, hours: Decimal) -> SiteBooking {
        SiteBooking(assignmentId: id, site: site,
                    booking: Booking(start: monday.adding(days: from), end: monday.adding(days: from + days), hoursPerDay: hours))
    }

    var week: [DayPlan] {
        DayPlanner.plans(
            from: monday, to: monday.adding(days: 7), homeBase: office,
            bookings: [booking(10, antwerp, days: 5, hours: 4), booking(11, ghent, days: 1, hours: 4),
                       booking(12, liege, days: 1, from: 2, hours: 3)],
            calendar: calendar, travel: travel)
    }

    @Test func distancesAndEstimates() {
        #expect(abs(office.coordinates!.kilometres(to: antwerp.coordinates!) - 41.59) < 0.01)
        #expect(TravelRules.standard.estimatedMinutes(kilometres: 41.59) == 45)
        #expect(TravelRules.standard.estimatedMinutes(kilometres: 0) == 0)
        #expect(travel.leg(from: office, to: antwerp) == TravelLeg(
            fromSiteId: 1, toSiteId: 2, minutes: 45, kilometres: office.coordinates!.kilometres(to: antwerp.coordinates!), source: .estimated))
        #expect(travel.leg(from: ghent, to: antwerp).minutes == 50)
        #expect(travel.leg(from: ghent, to: antwerp).source == .entered)
        #expect(travel.leg(from: Place(id: 9, name: "Nowhere"), to: antwerp).source == .unknown)
    }

    @Test func rotatingBetweenTwoSitesOnOneDay() {
        let day = week[0]
        #expect(day.stops.map(\.site.name) == ["Antwerp", "Ghent"])
        #expect(day.legs.map(\.minutes) == [45, 50])
        #expect(day.workHours == 8)
        #expect(day.travelMinutes == 95)
        #expect(day.flags == [.overHours])
        #expect(abs((day.farthestApartKm ?? 0) - 51.20) < 0.01)
    }

    @Test func oneSiteDay() {
        #expect(week[1].travelMinutes == 45)
        #expect(week[1].flags.isEmpty)
        #expect(week[1].freeHours == Decimal(string: "3.25"))
    }

    @Test func sitesTooFarApart() {
        let day = week[2]
        #expect(day.legs.map(\.minutes) == [45, 110])
        #expect(day.flags == [.overHours, .sitesTooFarApart])
    }

    @Test func timeOffDayHasNoStops() {
        let day = week[3]
        #expect(day.isDayOff)
        #expect(day.stops.isEmpty && day.legs.isEmpty && day.flags.isEmpty)
        #expect(week[5].stops.isEmpty)
    }

    @Test func travelTakesFreeHoursAwayExactly() {
        let plan = DayPlanner.plan(day: monday, homeBase: office, bookings: [booking(10, antwerp, days: 1, hours: 6)],
                                   calendar: calendar, travel: travel)
        #expect(plan.flags.isEmpty)
        #expect(plan.freeHours == Decimal(8) - 6 - Decimal(45) / 60)
    }
}

/// The feed's words for the hand case's Monday: one travel event, the route and each leg.
@Suite struct SiteCalendarTests {
    @Test func mondaysTravelIsAnEventOfItsOwn() throws {
        let week = DayPlanTests()
        let monday = week.week[0]
        let event = try #require(SiteCalendar.travelEvent(userID: 12, plan: monday, homeBase: week.office, stamp: "20310601T000000Z"))
        #expect(event.uid == "travel-12-2026-06-01@baton")
        #expect(event.summary == "Travel 1 h 35: Brussels office → Antwerp → Ghent")
        #expect(event.description?.hasPrefix("Brussels office → Antwerp: 45 min (estimated)\nAntwerp → Ghent: 50 min\n") == true)
        #expect(SiteCalendar.travelEvent(userID: 12, plan: week.week[3], homeBase: week.office, stamp: "") == nil)
        #expect(SiteCalendar.location(siteName: "Antwerp", address: " Haven 1 ") == "Antwerp, Haven 1")
        #expect(SiteCalendar.duration(120) == "2 h" && SiteCalendar.duration(5) == "5 min")
    }
}

/// Suggestions that know the map: two level-3 people free all week (40 h), one 45 min from
/// the site (estimated), one 1 h 30 away (entered). Travel comes off each working day:
/// 40 − 5 × 0.75 = 36.25 h and 40 − 5 × 1.5 = 32.5 h; both cover a 30 h need, so the
/// nearer is first on free hours, and each says its trip.
@Suite struct TravelInSuggestionsTests {
    @Test func travelReducesFreeHoursAndRanks() {
        let monday = CalendarDate("2026-06-01")!
        let need = StaffingNeed(skill: "Networks", hours: 30, start: monday, end: monday.adding(days: 7))
        let near = StaffingCandidateInput(userId: 1, name: "Near", level: 3, calendar: WorkingCalendar(week: .standard(weeklyHours: 40)),
                                          travel: StaffingTravel(minutesPerDay: 45, from: "Brussels office", estimated: true))
        let far = StaffingCandidateInput(userId: 2, name: "Far", level: 3, calendar: WorkingCalendar(week: .standard(weeklyHours: 40)),
                                         travel: StaffingTravel(minutesPerDay: 90, from: "Liège office", estimated: false))
        let ranked = StaffingRanking.rank(need, candidates: [far, near])
        #expect(ranked.map(\.name) == ["Near", "Far"])
        #expect(ranked.map(\.freeHours.value) == [Decimal(string: "36.25")!, Decimal(string: "32.5")!])
        #expect(ranked[0].reasons.contains("45 min travel a day from Brussels office (estimated)"))
        #expect(ranked[1].reasons.contains("1 h 30 travel a day from Liège office"))
    }
}
