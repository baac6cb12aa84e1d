@testable import BatonCore
import Dates
import Foundation
import Testing

private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// A small deterministic generator, so that a failing case can be run again.
private struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct CapacityAllocationTests {
    /// docs/delivery.md's example. Two weeks from Monday September 7, 2026 (a public
    /// holiday, Labor Day). Ana (40 h, wireless and training) has approved time off on
    /// Thursday 10 and Friday 11: 7 working days, 56 h. Ben (40 h, wireless) is booked
    /// 4 h a day elsewhere: 9 working days of 4 free hours, 36 h. The proposal needs
    /// 80 h of wireless over both weeks and 24 h of training in the second.
    ///
    /// Counting Ana's hours for both skills said wireless had 92 h free for 80 needed
    /// and training 40 for 24: fine. Counted once there are 56 + 36 = 92 h for 104:
    /// 12 h short. Wireless, the earlier need, is served first (Ben's 36 h and 44 of
    /// Ana's); training gets the 12 h Ana has left in the second week.
    @Test func theHandComputedCase() {
        let start = date("2026-09-07"), secondWeek = date("2026-09-14"), end = date("2026-09-21")
        let labourDay: Set<CalendarDate> = [start]
        let ana = PersonAvailability(
            userId: 1, name: "Ana", skills: ["wireless": 4, "training": 3],
            calendar: WorkingCalendar(week: .standard(weeklyHours: 40), holidays: labourDay,
                                      timeOff: [date("2026-09-10"): 8, date("2026-09-11"): 8]))
        let ben = PersonAvailability(
            userId: 2, name: "Ben", skills: ["wireless": 3],
            calendar: WorkingCalendar(week: .standard(weeklyHours: 40), holidays: labourDay),
            bookings: [Booking(start: date("2026-08-31"), end: date("2026-10-01"), hoursPerDay: 4)])
        #expect(CapacityCheck.freeHours(ana, from: start, to: end) == 56)
        #expect(CapacityCheck.freeHours(ben, from: start, to: end) == 36)
        let needs = [CapacityNeed(skill: "Wireless", hours: 80, start: start, end: end),
                     CapacityNeed(skill: "Training", hours: 24, start: secondWeek, end: end)]
        let verdict = CapacityCheck.verdict(needs: needs, people: [ana, ben])
        #expect(verdict.skills == [
            SkillCapacity(skill: "Wireless", hoursNeeded: 80, hoursFree: 80, shortfall: 0, people: 2),
            SkillCapacity(skill: "Training", hoursNeeded: 24, hoursFree: 12, shortfall: 12, people: 1),
        ])
        #expect(verdict.sentence == "Short by 12 h in skills Training (12 h). It would use Ana (56 h), Ben (36 h).")
        #expect(verdict.people.first?.bySkill.map(\.hours) == [44, 12])

        // With 12 h less wireless it can be staffed, and says so in one sentence.
        let smaller = [CapacityNeed(skill: "Wireless", hours: 68, start: start, end: end), needs[1]]
        #expect(CapacityCheck.verdict(needs: smaller, people: [ana, ben]).sentence
            == "Can be staffed: 92 h with Ana (56 h), Ben (36 h).")
    }

    @Test func nobodyWithTheSkillsSaysSo() {
        let verdict = CapacityCheck.verdict(needs: [CapacityNeed(skill: "Cabling", hours: 10, start: date("2026-09-07"),
                                                                 end: date("2026-09-14"))], people: [])
        #expect(verdict.sentence == "Short by 10 h in skills Cabling (10 h). Nobody with these skills has free hours in the window.")
        #expect(CapacityCheck.verdict(needs: [], people: []).sentence.hasPrefix("Nothing to staff"))
    }

    /// The allocation against brute force on small random cases: by the max-flow
    /// min-cut theorem, the most hours that can be covered is the least, over every
    /// set T of needs, of the hours of the needs outside T plus the free hours of every
    /// (person, day) that could serve a need in T. That is computed here day by day,
    /// independently of the stretches the allocation cuts the days into.
    @Test(arguments: 0..<300)
    func matchesBruteForceOnSmallRandomCases(seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &* 7919 &+ 17)
        let base = date("2026-09-07")
        let skills = ["a", "b", "c"]
        let people: [PersonAvailability] = (0..<Int.random(in: 1...3, using: &rng)).map { i in
            var held: [String: Int] = [:]
            for s in skills where Bool.random(using: &rng) { held[s] = 3 }
            var holidays: Set<CalendarDate> = []
            if Int.random(in: 0..<3, using: &rng) == 0 { holidays.insert(base.adding(days: Int.random(in: 0..<14, using: &rng))) }
            var off: [CalendarDate: Decimal] = [:]
            if Bool.random(using: &rng) { off[base.adding(days: Int.random(in: 0..<14, using: &rng))] = Decimal(Int.random(in: 1...8, using: &rng)) }
            let bookings: [Booking] = (0..<Int.random(in: 0...2, using: &rng)).map { _ in
                let s = Int.random(in: 0..<14, using: &rng)
                return Booking(start: base.adding(days: s), end: base.adding(days: s + Int.random(in: 1...7, using: &rng)),
                               hoursPerDay: Decimal(Int.random(in: 1...6, using: &rng)))
            }
            return PersonAvailability(userId: Int64(i + 1), skills: held,
                                      calendar: WorkingCalendar(week: .standard(weeklyHours: Decimal(5 * Int.random(in: 4...8, using: &rng))),
                                                                holidays: holidays, timeOff: off),
                                      bookings: bookings)
        }
        let needs: [CapacityNeed] = (0..<Int.random(in: 1...4, using: &rng)).map { _ in
            let s = Int.random(in: 0..<12, using: &rng)
            return CapacityNeed(skill: skills[Int.random(in: 0..<3, using: &rng)], hours: Decimal(Int.random(in: 1...60, using: &rng)),
                                start: base.adding(days: s), end: base.adding(days: s + Int.random(in: 1...9, using: &rng)))
        }
        let plan = CapacityAllocation.allocate(needs: needs, people: people)

        // Brute force: every subset of needs.
        var best: Decimal?
        for mask in 0..<(1 << needs.count) {
            var cut: Decimal = 0
            for (i, n) in needs.enumerated() where mask & (1 << i) == 0 { cut += n.hours }
            for p in people {
                var day = base
                while day < base.adding(days: 30) {
                    let serves = needs.indices.contains { i in
                        mask & (1 << i) != 0 && p.skills[needs[i].skill] != nil && needs[i].start <= day && day < needs[i].end
                    }
                    if serves { cut += CapacityCheck.freeHours(p, from: day, to: day.adding(days: 1)) }
                    day = day.adding(days: 1)
                }
            }
            best = min(best ?? cut, cut)
        }
        #expect(plan.total == best, "seed \(seed)")
        // And the plan itself is one a person could work: no need over its hours, no
        // person over their free hours in the needs' days.
        for (i, n) in needs.enumerated() { #expect(plan.allocated[i] <= n.hours) }
        for p in people {
            let given = plan.flow.filter { $0.key.person == p.userId }.values.reduce(0, +)
            #expect(given <= CapacityCheck.freeHours(p, from: base, to: base.adding(days: 30)))
        }
    }
}

/// A person's working hours given to their skills once each (issue 18).
@Suite struct CapacityShareTests {
    @Test func usedHoursGoToTheirSkillAndTheRestIsSharedToTheHour() {
        #expect(CapacityShare.split(working: 96, held: ["security", "network engineering"], used: ["network engineering": 56])
                == ["network engineering": 76, "security": 20])
        // A third each to 0.1 h, the last taking the remainder: still 100 in all.
        let thirds = CapacityShare.split(working: 100, held: ["a", "b", "c"], used: [:])
        #expect(thirds == ["a": Decimal(string: "33.3")!, "b": Decimal(string: "33.3")!, "c": Decimal(string: "33.4")!])
        // Overbooked: no more than the hours there are.
        #expect(CapacityShare.split(working: 8, held: ["a", "b"], used: ["a": 10]) == ["a": 8, "b": 0])
        #expect(CapacityShare.split(working: 8, held: [], used: [:]).isEmpty)
    }
}
