import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private let april1 = date("2026-04-01")
private let april8 = date("2026-04-08")
private let april15 = date("2026-04-15")

/// 40 h of network engineering over the 14 days from April 1, at a client in Portland.
private let need = StaffingNeed(skill: "network engineering", hours: 40, start: april1, end: april15,
                                siteLocation: "12 Harbor Rd, Portland, OR")

private func person(_ id: Int64, _ name: String, level: Int?, booked: Decimal = 0, worked: Bool = false,
                    home: String? = nil) -> StaffingCandidateInput {
    StaffingCandidateInput(userId: id, name: name, level: level, weeklyCapacityHours: 40,
                           bookings: booked > 0 ? [Booking(start: april1, end: april15, hoursPerWeek: booked)] : [],
                           workedForAccount: worked, homeLocation: home)
}

@Suite struct StaffingRankingTests {
    @Test func theApiExample() throws {
        // Kim: 40 h/week, booked 20 h/week for the first week: 80 − 20 = 60 free.
        let kim = StaffingCandidateInput(userId: 21, name: "Kim", level: 4, weeklyCapacityHours: 40,
                                         bookings: [Booking(start: april1, end: april8, hoursPerWeek: 20)],
                                         workedForAccount: true, homeLocation: "Denver, CO")
        let ranked = StaffingRanking.rank(need, candidates: [kim])
        #expect(ranked == [StaffingSuggestion(
            userId: 21, name: "Kim", level: 4, freeHours: 60, workedForAccount: true, sameLocation: false,
            reasons: ["level 4", "60 h free in the window", "covers the 40 h needed", "worked for this client"])])

        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(ranked[0])) as! [String: Any]
        #expect(Set(json.keys) == ["userId", "name", "level", "freeHours", "workedForAccount", "sameLocation", "reasons"])
        #expect(json["freeHours"] as? String == "60")
        #expect(json["userId"] as? Int == 21)
        let back = try JSONDecoder().decode(StaffingSuggestion.self, from: JSONEncoder().encode(ranked[0]))
        #expect(back == ranked[0])
    }

    @Test func onlyPeopleWithTheSkillAreListed() {
        let ranked = StaffingRanking.rank(need, candidates: [
            person(1, "Ana", level: nil), person(2, "Bo", level: 0), person(3, "Cy", level: 1),
        ])
        #expect(ranked.map(\.userId) == [3])
    }

    @Test func coveringTheHoursComesBeforeLevel() {
        // The level-5 expert is fully booked: nothing free, so the free level-2 person
        // ranks first. Among the covering, level decides before free hours.
        let expert = person(1, "Expert", level: 5, booked: 40)
        let junior = person(2, "Junior", level: 2)
        let senior = person(3, "Senior", level: 4, booked: 20)   // 40 free: exactly covers
        let ranked = StaffingRanking.rank(need, candidates: [expert, junior, senior])
        #expect(ranked.map(\.name) == ["Senior", "Junior", "Expert"])
        #expect(ranked[0].reasons == ["level 4", "40 h free in the window", "covers the 40 h needed"])
        #expect(ranked[2].reasons == ["level 5", "0 h free in the window", "40 h short of the need"])
    }

    @Test func amongTheShortLevelThenFreeHoursDecide() {
        let need = StaffingNeed(skill: "writing", hours: 100, start: april1, end: april15)
        let ranked = StaffingRanking.rank(need, candidates: [
            person(1, "A", level: 3, booked: 10),   // 60 free
            person(2, "B", level: 3),               // 80 free
            person(3, "C", level: 4, booked: 30),   // 20 free
        ])
        #expect(ranked.map(\.name) == ["C", "B", "A"])
        #expect(ranked[1].reasons == ["level 3", "80 h free in the window", "20 h short of the need"])
    }

    @Test func freeHoursAreWorkingDaysNotCalendarDays() {
        // Wednesday April 1 to Friday April 10: eight working days of 8 h, 64 h (the
        // old pro rata rule said 40 × 10 ÷ 7 = 57.14, weekend included).
        let need = StaffingNeed(skill: "writing", hours: Decimal(string: "70.5")!, start: april1, end: date("2026-04-11"))
        let ranked = StaffingRanking.rank(need, candidates: [person(1, "A", level: 2)])
        #expect(ranked[0].freeHours == DecimalString(64))
        #expect(ranked[0].reasons == ["level 2", "64 h free in the window", "6.5 h short of the need"])
        // A public holiday on Friday April 3 and a day off on Monday April 6 take 16 h more.
        var away = person(1, "A", level: 2)
        away.calendar = WorkingCalendar(week: .standard(weeklyHours: 40), holidays: [date("2026-04-03")],
                                        timeOff: [date("2026-04-06"): 8])
        #expect(StaffingRanking.rank(need, candidates: [away])[0].freeHours == DecimalString(48))
    }

    @Test func aCoveredNeedHasNoSuggestionsAndAPartlyCoveredOneAsksForWhatIsLeft() {
        var covered = need
        covered.assignedHours = 40
        #expect(StaffingRanking.rank(covered, candidates: [person(1, "A", level: 3)]).isEmpty)
        var half = need
        half.assignedHours = 25
        #expect(StaffingRanking.rank(half, candidates: [person(1, "A", level: 3)])[0].reasons
            == ["level 3", "80 h free in the window", "covers the 15 h needed"])
    }

    @Test func peopleWhoseRolesDoNotDeliverAreNeverSuggested() {
        var sales = person(1, "Sales", level: 5)
        sales.delivers = false
        #expect(StaffingRanking.rank(need, candidates: [sales, person(2, "Consultant", level: 1)]).map(\.name) == ["Consultant"])
        #expect(!StaffingRanking.delivers(["admin"]) && !StaffingRanking.delivers(["sales", "account_manager"]))
        #expect(!StaffingRanking.delivers(["project_manager"]))
        #expect(StaffingRanking.delivers(["consultant"]) && StaffingRanking.delivers(["manager", "consultant"]))
    }

    @Test func thenHistoryWithTheClientThenLocationThenName() {
        let ranked = StaffingRanking.rank(need, candidates: [
            person(5, "zoe", level: 3),
            person(4, "Yan", level: 3, home: "portland, OR"),
            person(3, "Xi", level: 3, worked: true),
            person(2, "Wen", level: 3, worked: true, home: "Portland, OR"),
            person(1, "Val", level: 3),
        ])
        #expect(ranked.map(\.name) == ["Wen", "Xi", "Yan", "Val", "zoe"])
        #expect(ranked[0].reasons == ["level 3", "80 h free in the window", "covers the 40 h needed",
                                      "worked for this client", "based near the site"])
        #expect(ranked[2].sameLocation && !ranked[2].workedForAccount)
    }

    @Test func sameNamesFallBackToUserId() {
        let ranked = StaffingRanking.rank(need, candidates: [person(9, "Sam", level: 2), person(4, "Sam", level: 2)])
        #expect(ranked.map(\.userId) == [4, 9])
    }

    @Test func nearMeansTheSiteNamesTheCityOrTheOtherWayRound() {
        #expect(StaffingRanking.isNear(home: "Portland, OR", site: "12 Harbor Rd, Portland, OR"))
        #expect(StaffingRanking.isNear(home: "PORTLAND", site: "portland"))
        #expect(StaffingRanking.isNear(home: "Portland Metro, OR", site: " Portland "))
        #expect(StaffingRanking.isNear(home: "Zürich, CH", site: "Bahnhofstrasse 1, Zurich"))
        #expect(!StaffingRanking.isNear(home: "Denver, CO", site: "12 Harbor Rd, Portland, OR"))
        #expect(!StaffingRanking.isNear(home: nil, site: "Portland"))
        #expect(!StaffingRanking.isNear(home: "Portland", site: nil))
        #expect(!StaffingRanking.isNear(home: ", OR", site: "Portland, OR"))
        #expect(!StaffingRanking.isNear(home: "Portland", site: "  "))
    }
}
