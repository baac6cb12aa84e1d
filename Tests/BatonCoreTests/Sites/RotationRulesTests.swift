import BatonCore
import Dates
import Foundation
import Testing

/// The pure rules of issue 24's second half: the nearest trip for a suggestion, travel
/// in the capacity check, and what a changed plan says.
@Suite struct RotationRulesTests {
    let office = Place(id: 1, name: "Brussels office"), antwerp = Place(id: 2, name: "Antwerp"), mechelen = Place(id: 3, name: "Mechelen")
    var travel: TravelTimes { TravelTimes(entered: [.init(1, 2): 45, .init(1, 3): 30, .init(2, 3): 25]) }
    let monday = CalendarDate(year: 2031, month: 6, day: 2)!

    @Test func theNearestTripIsFromWhereTheyAlreadyWorkWhenThatIsCloser() {
        let fromAntwerp = StaffingTravel.nearest(to: mechelen, homeBase: office, alreadyAt: [antwerp], travel: travel)
        #expect(fromAntwerp == StaffingTravel(minutesPerDay: 25, from: "Antwerp, where they already work then", estimated: false))
        #expect(fromAntwerp?.reason == "25 min travel a day from Antwerp, where they already work then")
        #expect(StaffingTravel.nearest(to: mechelen, homeBase: office, alreadyAt: [], travel: travel)?.minutesPerDay == 30)
        // Already at the need's site: no travel at all.
        #expect(StaffingTravel.nearest(to: mechelen, homeBase: office, alreadyAt: [mechelen], travel: travel)?.minutesPerDay == 0)
        #expect(StaffingTravel.nearest(to: mechelen, homeBase: nil, alreadyAt: [], travel: travel) == nil)
    }

    @Test func aDayThatFitsOnWorkAloneIsPastTheHoursWithTravel() {
        let calendar = WorkingCalendar(week: .standard(weeklyHours: 40))
        let antwerpWeek = SiteBooking(assignmentId: 10, site: antwerp,
                                      booking: Booking(start: monday, end: monday.adding(days: 5), hoursPerDay: 4))
        let tuesday = monday.adding(days: 1)
        let mechelenTuesday = SiteBooking(assignmentId: 0, site: mechelen, booking: Booking(start: tuesday, end: tuesday.adding(days: 1), hoursPerDay: 4))
        // 4 + 4 h is the day's 8 h; office → Antwerp → Mechelen adds 70 min.
        #expect(Overbooking.overbookedDays(calendar: calendar, existing: [antwerpWeek.booking], adding: mechelenTuesday.booking).isEmpty)
        let over = TravelOverbooking.overbookedDays(calendar: calendar, existing: [antwerpWeek], adding: mechelenTuesday, homeBase: office, travel: travel)
        #expect(over.map(\.day) == [tuesday] && over.first?.working == 8)
        #expect(Overbooking.describe(over) == "\(tuesday) (9.17 h against 8 h)")
        // 2 h fits: 6 h of work and 1 h 10 of travel.
        let twoHours = SiteBooking(assignmentId: 0, site: mechelen, booking: Booking(start: tuesday, end: tuesday.adding(days: 1), hoursPerDay: 2))
        #expect(TravelOverbooking.overbookedDays(calendar: calendar, existing: [antwerpWeek], adding: twoHours, homeBase: office, travel: travel).isEmpty)
        // A change replaces the assignment's own booking rather than adding to it.
        let shorter = SiteBooking(assignmentId: 10, site: antwerp, booking: Booking(start: monday, end: monday.adding(days: 5), hoursPerDay: 7))
        #expect(TravelOverbooking.overbookedDays(calendar: calendar, existing: [antwerpWeek], adding: shorter, homeBase: office, travel: travel).isEmpty)
    }

    @Test func aChangedPlanSaysEachTermThatChanged() {
        let before = PlanTerms(role: "Engineer", start: monday, end: monday.adding(days: 4), hoursPerDay: 4, place: "Antwerp")
        var after = before
        after.end = monday.adding(days: 5)
        after.hoursPerDay = Decimal(string: "5.5")!
        after.place = "Ghent, Dok 2"
        #expect(PlanChange.lines(from: before, to: after) == [
            "Dates: 2031-06-02 to 2031-06-06 → 2031-06-02 to 2031-06-07", "Hours: 4 h a day → 5.5 h a day", "Where: Antwerp → Ghent, Dok 2"])
        #expect(PlanChange.lines(from: before, to: before).isEmpty)
        #expect(PlanChange.isSoon(from: before, to: after, today: monday.adding(days: -13)))
        #expect(!PlanChange.isSoon(from: before, to: after, today: monday.adding(days: -14)))
        #expect(!PlanChange.isSoon(from: before, to: after, today: monday.adding(days: 6)))
    }
}
