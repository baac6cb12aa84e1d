@testable import BatonCore
import Dates
import Foundation
import Testing

/// Exact decimals from text: a float literal such as `0.85` would go through Double.
private func dec(_ text: String) -> Decimal { Decimal(apiText: text)! }
private func money(_ text: String) -> Money { Money(dec(text)) }
private func ratio(_ text: String) -> DecimalString { DecimalString(dec(text)) }

/// Advice for a load and a coverage given as text, over one skill with 1,000 h of
/// capacity and a remaining quota of 100,000.
private func advice(load: String, coverage: String, thresholds: GrowthThresholds = GrowthThresholds()) -> GrowthAdvice {
    Growth.advise(weeks: 12, skills: [(skill: "network engineering", demandHours: dec(load) * 1000, capacityHours: 1000)],
                  openPipeline: dec(coverage) * 100_000, remainingQuota: 100_000, thresholds: thresholds)
}

@Suite struct GrowthAdviceTests {
    @Test func loadHighAndCoverageHealthyStrengthensProjectManagement() throws {
        // 600 + 310 h of demand on 480 + 520 h of capacity: 0.91. 340,000 of pipeline on
        // 100,000 of quota left: 3.4.
        let a = Growth.advise(
            weeks: 12,
            skills: [(skill: "writing", demandHours: 310, capacityHours: 520),
                     (skill: "network engineering", demandHours: 600, capacityHours: 480)],
            openPipeline: 340_000, remainingQuota: 100_000, thresholds: GrowthThresholds())
        #expect(a.recommendation == .strengthenProjectManagement)
        #expect(a.deliveryLoad == ratio("0.91"))
        #expect(a.salesCoverage == ratio("3.4"))
        #expect(a.demandHours == ratio("910"))
        #expect(a.capacityHours == ratio("1000"))
        // 910 ÷ 0.70 = 1,300 h of capacity would leave room: 300 more.
        #expect(a.capacityNeededHours == ratio("300"))
        #expect(a.pipelineNeeded == money("0"))
        #expect(a.shortSkills == ["network engineering"])
        #expect(a.skills == [
            SkillLoad(skill: "network engineering", demandHours: ratio("600"), capacityHours: ratio("480"),
                      load: ratio("1.25"), shortHours: ratio("120")),
            SkillLoad(skill: "writing", demandHours: ratio("310"), capacityHours: ratio("520"),
                      load: ratio("0.5962"), shortHours: ratio("0")),
        ])
        #expect(a.sentence == "Delivery is loaded at 0.91 of capacity over the next 12 weeks while the pipeline covers"
            + " 3.4 times the remaining quota: strengthen project management. About 300 h more capacity would bring"
            + " the load down to 0.7. Short: network engineering 120 h.")
    }

    @Test func coverageLowAndLoadWithRoomStrengthensAccountManagement() {
        let a = advice(load: "0.5", coverage: "1.5")
        #expect(a.recommendation == .strengthenAccountManagement)
        // 3 × 100,000 − 150,000.
        #expect(a.pipelineNeeded == money("150000"))
        #expect(a.capacityNeededHours == ratio("0"))
        #expect(a.shortSkills.isEmpty)
        #expect(a.sentence == "Delivery is loaded at 0.5 of capacity over the next 12 weeks while the pipeline covers"
            + " 1.5 times the remaining quota: strengthen account management. Another USD 150,000.00 of pipeline"
            + " would cover the remaining quota 3 times.")
    }

    @Test func bothShortStrengthensBoth() {
        let a = advice(load: "1.2", coverage: "1")
        #expect(a.recommendation == .both)
        #expect(a.sentence.contains("1.2 of capacity"))
        #expect(a.sentence.contains("covers 1 times"))
        #expect(a.sentence.contains("strengthen both project management and account management"))
        #expect(a.sentence.contains("Another USD 200,000.00 of pipeline"))
        // 1,200 ÷ 0.70 − 1,000 = 714.29 h.
        #expect(a.capacityNeededHours == ratio("714.29"))
        #expect(a.sentence.contains("About 714 h more capacity"))
        #expect(a.sentence.hasSuffix("Short: network engineering 200 h."))
    }

    @Test func otherwiseBalanced() {
        for (load, coverage) in [("0.75", "2.5"), ("0.9", "2.5"), ("0.5", "2.5"), ("0.75", "1.5"), ("0.5", "4")] {
            let a = advice(load: load, coverage: coverage)
            #expect(a.recommendation == .balanced, "load \(load), coverage \(coverage)")
            #expect(a.sentence.contains(": balanced, keep the current mix."))
        }
    }

    @Test func theThresholdsAreInclusiveWhereThePlanSaysSo() {
        // "High at 0.85 or more", "healthy at 3.0 or more".
        #expect(advice(load: "0.85", coverage: "3.0").recommendation == .strengthenProjectManagement)
        #expect(advice(load: "0.8499", coverage: "3.0").recommendation == .balanced)
        #expect(advice(load: "0.85", coverage: "2.9999").recommendation == .balanced)
        // "Low below 2.0": exactly 2.0 is not low.
        #expect(advice(load: "0.5", coverage: "2.0").recommendation == .balanced)
        #expect(advice(load: "0.5", coverage: "1.9999").recommendation == .strengthenAccountManagement)
        #expect(advice(load: "0.85", coverage: "2.0").recommendation == .balanced)
        #expect(advice(load: "0.85", coverage: "1.9999").recommendation == .both)
        // "With room below 0.70": exactly 0.70 has none.
        #expect(advice(load: "0.70", coverage: "1.5").recommendation == .balanced)
        #expect(advice(load: "0.6999", coverage: "1.5").recommendation == .strengthenAccountManagement)
    }

    @Test func aMetQuotaCountsAsHealthyCoverageAndSaysSo() throws {
        let a = Growth.advise(weeks: 4, skills: [(skill: "writing", demandHours: 90, capacityHours: 100)],
                              openPipeline: 50_000, remainingQuota: 0, thresholds: GrowthThresholds())
        #expect(a.salesCoverage == nil)
        #expect(a.recommendation == .strengthenProjectManagement)
        #expect(a.sentence.hasPrefix("Delivery is loaded at 0.9 of capacity over the next 4 weeks while the sales quota"
            + " is already met, so coverage counts as healthy: strengthen project management."))
        #expect(try reportJSON(a)["salesCoverage"] is NSNull)
    }

    @Test func noCapacity() {
        let busy = Growth.advise(weeks: 1, skills: [(skill: "writing", demandHours: 40, capacityHours: 0)],
                                 openPipeline: 400_000, remainingQuota: 100_000, thresholds: GrowthThresholds())
        #expect(busy.deliveryLoad == nil)
        #expect(busy.recommendation == .strengthenProjectManagement)
        #expect(busy.skills[0].load == nil)
        #expect(busy.sentence.hasPrefix("Delivery needs 40 h with no capacity over the next week"))
        let idle = Growth.advise(weeks: 1, skills: [], openPipeline: 100_000, remainingQuota: 100_000,
                                 thresholds: GrowthThresholds())
        #expect(idle.recommendation == .strengthenAccountManagement)
        #expect(idle.sentence.hasPrefix("Delivery has no demand and no capacity over the next week"))
    }

    @Test func skillsAreListedMostShortFirstThenByDemand() {
        let a = Growth.advise(
            weeks: 12,
            skills: [(skill: "a", demandHours: 10, capacityHours: 100), (skill: "b", demandHours: 50, capacityHours: 40),
                     (skill: "c", demandHours: dec("80.5"), capacityHours: 50), (skill: "d", demandHours: 30, capacityHours: 100),
                     (skill: "e", demandHours: 30, capacityHours: 100)],
            openPipeline: 0, remainingQuota: 0, thresholds: GrowthThresholds())
        #expect(a.skills.map(\.skill) == ["c", "b", "d", "e", "a"])
        #expect(a.shortSkills == ["c", "b"])
        #expect(a.sentence.hasSuffix("Short: c 30.5 h, b 10 h."))
    }

    @Test func customThresholds() throws {
        let strict = GrowthThresholds(loadHigh: dec("0.95"), loadRoom: dec("0.8"), coverageHealthy: 4, coverageLow: 3)
        try strict.validate()
        #expect(advice(load: "0.9", coverage: "4", thresholds: strict).recommendation == .balanced)
        #expect(advice(load: "0.75", coverage: "2.5", thresholds: strict).recommendation == .strengthenAccountManagement)
        #expect(advice(load: "0.75", coverage: "2.5", thresholds: strict).sentence.contains("cover the remaining quota 4 times"))
    }

    @Test func thresholdsThatContradictEachOtherAreRefused() {
        let bad = GrowthThresholds(loadHigh: dec("0.6"), loadRoom: dec("0.7"), coverageHealthy: 2, coverageLow: 3)
        #expect(throws: ValidationFailure([FieldError("loadRoom", "must not be more than loadHigh"),
                                           FieldError("coverageLow", "must not be more than coverageHealthy")])) {
            try bad.validate()
        }
        #expect(throws: ValidationFailure.self) { try GrowthThresholds(loadHigh: 0, loadRoom: 0).validate() }
        #expect(throws: Never.self) { try GrowthThresholds().validate() }
    }

    @Test func thresholdsInJSON() throws {
        let defaults = GrowthThresholds()
        #expect(defaults.loadHigh == dec("0.85"))
        #expect(defaults.loadRoom == dec("0.7"))
        let json = try reportJSON(defaults)
        #expect(json["loadHigh"] as? String == "0.85")
        #expect(json["loadRoom"] as? String == "0.7")
        #expect(json["coverageHealthy"] as? String == "3")
        #expect(json["coverageLow"] as? String == "2")
        // A configuration that sets one threshold keeps the defaults of the others.
        let partial = try JSONDecoder().decode(GrowthThresholds.self, from: Data(#"{"loadHigh": "0.9"}"#.utf8))
        #expect(partial == GrowthThresholds(loadHigh: dec("0.9")))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(GrowthThresholds.self, from: Data(#"{"loadHigh": 0.9}"#.utf8))
        }
    }

    @Test func theAdviceInJSON() throws {
        let a = advice(load: "0.91", coverage: "3.4")
        let json = try reportJSON(a)
        #expect(json["recommendation"] as? String == "strengthen_project_management")
        #expect(json["deliveryLoad"] as? String == "0.91")
        #expect(json["salesCoverage"] as? String == "3.4")
        #expect(json["openPipeline"] as? String == "340000.00")
        #expect(json["remainingQuota"] as? String == "100000.00")
        #expect(json["demandHours"] as? String == "910")
        #expect(json["weeks"] as? Int == 12)
        #expect((json["thresholds"] as? [String: Any])?["loadHigh"] as? String == "0.85")
        #expect((json["skills"] as? [[String: Any]])?.first?["shortHours"] as? String == "0")
        #expect(json["sentence"] as? String == a.sentence)
        let back = try JSONDecoder().decode(GrowthAdvice.self, from: JSONEncoder().encode(a))
        #expect(back == a)
        #expect(GrowthRecommendation.allCases.map(\.rawValue)
            == ["strengthen_project_management", "strengthen_account_management", "both", "balanced"])
    }

    @Test func noQuotaIsNotCalledAQuotaMet() {
        let skills = [(skill: "network", demandHours: Decimal(100), capacityHours: Decimal(400))]
        let none = Growth.advise(weeks: 12, skills: skills, openPipeline: 50_000, remainingQuota: 0, hasQuota: false)
        #expect(none.sentence.contains("no bookings quota is set"))
        #expect(!none.sentence.contains("already met"))
        let met = Growth.advise(weeks: 12, skills: skills, openPipeline: 50_000, remainingQuota: 0, hasQuota: true)
        #expect(met.sentence.contains("already met"))
    }

    /// Issue 16, item 11: a manager's quota is the team's target, not an addition to it.
    /// Morgan (manager, 300,000) leads Ana (120,000) and Ben (100,000); Priya has no
    /// quota and leads Dev (50,000). The firm's quota is 300,000 + 50,000, and raising
    /// Morgan's by 100,000 raises it by 100,000, not by 100,000 on top of the team's.
    @Test func aManagersQuotaIsTheTeamsTargetCountedOnce() {
        let people = [PersonNode(id: 1, name: "Morgan", managerId: nil), PersonNode(id: 2, name: "Ana", managerId: 1),
                      PersonNode(id: 3, name: "Ben", managerId: 1), PersonNode(id: 4, name: "Priya", managerId: nil),
                      PersonNode(id: 5, name: "Dev", managerId: 4)]
        var own: [Int64: Decimal] = [1: 300_000, 2: 120_000, 3: 100_000, 5: 50_000]
        #expect(Growth.firmQuota(people: people, own: own) == 350_000)
        own[1] = 400_000
        #expect(Growth.firmQuota(people: people, own: own) == 450_000)
        // Without a manager's own quota, the team's add up.
        own[1] = nil
        #expect(Growth.firmQuota(people: people, own: own) == 270_000)
        #expect(Growth.firmQuota(people: people, own: [:]) == nil)
    }

    /// A skill with demand and nobody to deliver it is never "balanced".
    @Test func aSkillWithDemandAndNoCapacityIsNamed() {
        // Overall 0.6 load and 2.5 coverage would be balanced; but nobody does cabling.
        let a = Growth.advise(
            weeks: 12,
            skills: [(skill: "network engineering", demandHours: 500, capacityHours: 1000),
                     (skill: "cabling", demandHours: 100, capacityHours: 0)],
            openPipeline: 250_000, remainingQuota: 100_000)
        #expect(a.recommendation == .strengthenProjectManagement)
        #expect(!a.sentence.contains("balanced"))
        #expect(a.sentence.hasSuffix("Nobody can deliver cabling (100 h): hire, train or subcontract."), "\(a.sentence)")
        // With low coverage as well: both.
        let b = Growth.advise(weeks: 12, skills: [(skill: "cabling", demandHours: 10, capacityHours: 0),
                                                  (skill: "writing", demandHours: 10, capacityHours: 1000)],
                              openPipeline: 100_000, remainingQuota: 100_000)
        #expect(b.recommendation == .both)
    }
}

/// Growth capacity counts each working hour once (issue 18): a person who holds two
/// skills is not counted in both skill lines.
@Suite struct GrowthSkillCapacityTests {
    // Monday 10 to Sunday 16 August 2026, 40 h a week less Wednesday's public holiday: 32 h.
    let from = CalendarDate("2026-08-10")!
    let to = CalendarDate("2026-08-17")!
    var ana: PersonAvailability {
        PersonAvailability(userId: 1, name: "Ana", skills: ["Training": 3, "wireless": 4],
                           calendar: WorkingCalendar(week: .standard(weeklyHours: 40),
                                                     holidays: [CalendarDate("2026-08-12")!]))
    }

    @Test func aPersonWithTwoSkillsIsCountedOnceAcrossThem() {
        // 20 h of training and 30 h of wireless compete for Ana's 32 h: training (first by
        // name) takes 20, wireless the other 12; nothing is left to share. Before, both
        // lines showed 32 h (64 h of a 32 h person) and nothing looked short.
        let c = Growth.skillCapacity(demand: ["training": 20, "Wireless": 30], people: [ana], from: from, to: to)
        #expect(c == ["training": 20, "wireless": 12])
        let a = Growth.advise(weeks: 1, skills: c.keys.sorted().map { k in
            (skill: k, demandHours: ["training": Decimal(20), "wireless": 30][k] ?? 0, capacityHours: c[k] ?? 0)
        }, openPipeline: 0, remainingQuota: 0)
        #expect(a.capacityHours == DecimalString(32))
        #expect(a.shortSkills == ["wireless"])
        #expect(a.skills.first?.shortHours == DecimalString(18))
    }

    @Test func hoursTheDemandLeavesAreSharedAmongThePersonsSkills() {
        // 10 h of training demand; the 22 h left are split 11 / 11: the lines add up to 32 h.
        let c = Growth.skillCapacity(demand: ["training": 10], people: [ana], from: from, to: to)
        #expect(c == ["training": 21, "wireless": 11])
        #expect(c.values.reduce(0, +) == 32)
    }
}
