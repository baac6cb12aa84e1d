import BatonCore
import Dates
import Foundation
import Testing

private func d(_ text: String) -> Decimal { Decimal(apiText: text)! }
private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

/// BONUS.md's worked example: B = 10,000.00, T = 0.50, tiers [0, 1.00) at 1.0 and
/// [1.00, ∞) at 1.5, cap 2.0, late credit 50%; quota 200,000.00.
private let plan = BonusPlanRules(
    method: .marginal, targetBonus: d("10000.00"), threshold: d("0.50"),
    tiers: [BonusTier(from: 0, to: d("1.00"), rate: d("1.0")), BonusTier(from: d("1.00"), to: nil, rate: d("1.5"))],
    cap: d("2.0"), lateCreditPercent: 50)

private func phase(_ id: Int64, _ name: String, _ value: String, due: String, completed: String,
                   project: Int64 = 5) -> PhaseCreditInput {
    PhaseCreditInput(projectId: project, projectName: "WAN refresh", phaseId: id, phase: name, value: d(value),
                     due: date(due), completedOn: date(completed))
}

private let design = phase(17, "design", "120000.00", due: "2026-02-10", completed: "2026-02-08")
private let rollout = phase(18, "rollout", "60000.00", due: "2026-03-01", completed: "2026-03-09")
private let handover = phase(19, "handover", "80000.00", due: "2026-03-30", completed: "2026-03-28")
private let q1 = [design, rollout, handover]

private func compute(_ rules: BonusPlanRules = plan, quota: String? = "200000.00", phases: [PhaseCreditInput] = q1,
                     adjustments: [Adjustment] = []) -> BonusComputation {
    BonusCalculator.compute(rules: rules, targetBonus: rules.targetBonus, quota: quota.map(d), phases: phases,
                            adjustments: adjustments)
}

/// A plan with one open tier, no threshold and no cap: payout = B × rate × attainment.
private func straight(_ b: String, rate: String = "1") -> BonusPlanRules {
    BonusPlanRules(method: .marginal, targetBonus: d(b), threshold: 0, tiers: [BonusTier(from: 0, to: nil, rate: d(rate))],
                   cap: nil, lateCreditPercent: 50)
}

@Suite struct BonusCalculatorTests {
    // MARK: Credit

    @Test func onTimeIsOnOrBeforeTheDueDate() {
        let onTheDay = BonusCalculator.credit(phase(1, "x", "100.00", due: "2026-03-01", completed: "2026-03-01"), lateCreditPercent: 50)
        #expect(onTheDay.onTime && onTheDay.credit == Money(d("100.00")))
        let dayLate = BonusCalculator.credit(phase(1, "x", "100.00", due: "2026-03-01", completed: "2026-03-02"), lateCreditPercent: 50)
        #expect(!dayLate.onTime && dayLate.credit == Money(d("50.00")))
        let noLateCredit = BonusCalculator.credit(phase(1, "x", "100.00", due: "2026-03-01", completed: "2026-03-02"), lateCreditPercent: 0)
        #expect(noLateCredit.credit == Money(0))
        let oddPercent = BonusCalculator.credit(phase(1, "x", "100.00", due: "2026-03-01", completed: "2026-03-02"), lateCreditPercent: d("33.335"))
        #expect(oddPercent.credit == Money(d("33.34")))  // 33.335 rounded half away from zero
    }

    // MARK: The worked example

    @Test func theWorkedExampleExactly() {
        let s = compute()
        #expect(s.lines.map(\.credit.description) == ["120000.00", "30000.00", "80000.00"])
        #expect(s.lines.map(\.onTime) == [true, false, true])
        #expect(s.credited == Money(d("230000.00")))
        #expect(s.quota == Money(d("200000.00")))
        #expect(s.attainment == DecimalString(d("1.15")))
        #expect(s.tiers.map(\.amount.description) == ["10000.00", "2250.00"])
        #expect(s.uncappedPayout == Money(d("12250.00")))
        #expect(s.payout == Money(d("12250.00")))
        #expect(!s.capApplied && !s.belowThreshold)
        #expect(s.capAmount == Money(d("20000.00")))
        #expect(s.explanation == [
            "design (WAN refresh) completed 2026-02-08, on time (due 2026-02-10): credited in full, 120,000.00",
            "rollout (WAN refresh) completed 2026-03-09, 8 days after its due date 2026-03-01: credited at 50% of 60,000.00 = 30,000.00",
            "handover (WAN refresh) completed 2026-03-28, on time (due 2026-03-30): credited in full, 80,000.00",
            "Credited work 230,000.00 = 120,000.00 + 30,000.00 + 80,000.00",
            "Attainment 1.15 = 230,000.00 ÷ 200,000.00",
            "Attainment 1.15 meets the threshold 0.50.",
            "Marginal method: each tier pays target bonus × its rate × the part of the attainment inside it.",
            "Tier 0–1.00 at rate 1.0: 10,000.00 × 1.0 × 1.00 = 10,000.00",
            "Tier 1.00 and above at rate 1.5: 10,000.00 × 1.5 × 0.15 = 2,250.00",
            "Tiers total 12,250.00",
            "Cap 2.0 × 10,000.00 = 20,000.00 not reached",
            "Payout 12,250.00",
        ])
    }

    @Test func theWorkedExampleRetroactively() {
        var retroactive = plan
        retroactive.method = .retroactive
        let s = compute(retroactive)
        #expect(s.attainment == DecimalString(d("1.15")))
        #expect(s.tiers.map(\.amount.description) == ["0.00", "17250.00"])
        #expect(s.payout == Money(d("17250.00")))
        #expect(!s.capApplied)
        #expect(s.explanation.contains(
            "Retroactive method: the highest tier reached is 1.00 and above, so its rate 1.5 applies to all of the attainment: 10,000.00 × 1.5 × 1.15 = 17,250.00"))
    }

    @Test func aPersonsOwnTargetBonusReplacesThePlans() {
        let s = BonusCalculator.compute(rules: plan, targetBonus: d("12000.00"), quota: d("200000.00"), phases: q1, adjustments: [])
        #expect(s.targetBonus == Money(d("12000.00")))
        #expect(s.payout == Money(d("14700.00")))  // 12,000 × 1.225
        #expect(s.capAmount == Money(d("24000.00")))
    }

    @Test func linesReadInTheOrderTheWorkWasDone() {
        #expect(compute(phases: [handover, design, rollout]).lines.map(\.phase) == ["design", "rollout", "handover"])
        #expect(compute(phases: [handover, design, rollout]).payout == compute().payout)
    }

    // MARK: Budget tolerance ("to standard")

    /// With 110 % tolerance and 50 % credit beyond it: rollout (late, 50 % of 60,000 =
    /// 30,000) also took 130 h of a 100 h budget, so it keeps 50 % of that, 15,000; design
    /// took 110 h of 100 (within) and keeps its full 120,000; handover has no budget
    /// figures and is within. Credited 120,000 + 15,000 + 80,000 = 215,000.
    @Test func aPhaseBeyondTheBudgetToleranceIsCreditedAtTheReducedPercentAfterLateness() {
        var rules = plan
        rules.budgetTolerance = BudgetTolerance(tolerancePercent: 110, reducedCreditPercent: 50)
        var overDesign = design, overRollout = rollout
        (overDesign.budgetHours, overDesign.actualHours) = (100, 110)
        (overRollout.budgetHours, overRollout.actualHours) = (100, 130)
        let s = compute(rules, phases: [overDesign, overRollout, handover])
        #expect(s.lines.map(\.credit) == [Money(d("120000.00")), Money(d("15000.00")), Money(d("80000.00"))])
        #expect(s.lines.map(\.withinBudget) == [true, false, nil])
        #expect(s.credited == Money(d("215000.00")))
        #expect(s.explanation[1] == "rollout (WAN refresh) completed 2026-03-09, 8 days after its due date 2026-03-01: credited at 50% of 60,000.00 = 15,000.00; "
                + "rollout took 130 h against a budget of 100 h (130%), beyond the 110% tolerance: credited at 50% of 30,000.00 = 15,000.00")
        // The default plan (no tolerance) keeps today's credit whatever the hours, and says nothing of them.
        let today = compute(phases: [overDesign, overRollout, handover])
        #expect(today.credited == compute().credited)
        #expect(today.lines.allSatisfy { $0.withinBudget == nil && $0.budgetHours == nil })
        #expect(today.explanation == compute().explanation)
    }

    @Test func theToleranceIsPartOfThePlansRulesAndChecked() throws {
        var rules = plan
        rules.budgetTolerance = BudgetTolerance(tolerancePercent: 110, reducedCreditPercent: 50)
        let json = try JSONEncoder().encode(rules)
        #expect(try JSONDecoder().decode(BonusPlanRules.self, from: json) == rules)
        // Rules stored before the option read as having none.
        #expect(try JSONDecoder().decode(BonusPlanRules.self, from: JSONEncoder().encode(plan)).budgetTolerance == nil)
        rules.budgetTolerance = BudgetTolerance(tolerancePercent: 90, reducedCreditPercent: 150)
        var v = Validator()
        rules.check(into: &v)
        #expect(Set(v.errors.map(\.field)) == ["budgetTolerancePercent", "overBudgetCreditPercent"])
    }

    // MARK: Cap, threshold, quota

    @Test func theCapLimitsTheTiersAndAdjustmentsComeAfterIt() {
        // 400,000 credited on 200,000: 10,000 × (1.0 × 1.00 + 1.5 × 1.00) = 25,000 > cap 20,000.
        let big = [design, handover, phase(20, "extra", "200000.00", due: "2026-03-31", completed: "2026-03-31")]
        let s = compute(phases: big, adjustments: [Adjustment(amount: Money(d("-500.00")), reason: "Typo in a phase value", author: "Max")])
        #expect(s.attainment == DecimalString(2))
        #expect(s.uncappedPayout == Money(d("25000.00")))
        #expect(s.capApplied)
        #expect(s.payout == Money(d("19500.00")))
        #expect(s.explanation.contains("Cap 2.0 × 10,000.00 = 20,000.00 applied: the tiers came to 25,000.00, so 20,000.00 is paid"))
        #expect(s.explanation.contains("Adjustment -500.00 by Max: Typo in a phase value"))
        #expect(s.explanation.last == "Payout = 20,000.00 − 500.00 of adjustments = 19,500.00")

        var retroactive = plan
        retroactive.method = .retroactive
        let r = compute(retroactive, phases: big)
        #expect(r.uncappedPayout == Money(d("30000.00")) && r.capApplied && r.payout == Money(d("20000.00")))
    }

    @Test func reachingTheCapExactlyIsNotApplyingIt() {
        // With a cap of 1.75, attainment 1.5 pays exactly the cap: 10,000 × (1.0 + 1.5 × 0.5) = 17,500.
        var rules = plan
        rules.cap = d("1.75")
        let s = compute(rules, phases: [phase(1, "all", "300000.00", due: "2026-03-31", completed: "2026-03-01")])
        #expect(s.payout == Money(d("17500.00")) && s.uncappedPayout == s.payout && !s.capApplied)
        #expect(s.explanation.contains("Cap 1.75 × 10,000.00 = 17,500.00 not reached"))
    }

    @Test func belowTheThresholdTheTiersPayNothing() {
        let s = compute(phases: [handover], adjustments: [Adjustment(amount: Money(d("100.00")), reason: "Spot award")])
        #expect(s.attainment == DecimalString(d("0.4")))
        #expect(s.belowThreshold)
        #expect(s.tiers.map(\.amount) == [Money(0), Money(0)])
        #expect(s.uncappedPayout == Money(0))
        #expect(s.payout == Money(d("100.00")))
        #expect(s.explanation.contains("Attainment 0.40 is below the threshold 0.50: the tiers pay nothing."))
        // At the threshold exactly, the tiers pay: 10,000 × 1.0 × 0.50.
        let atThreshold = compute(phases: [phase(1, "half", "100000.00", due: "2026-03-31", completed: "2026-03-31")])
        #expect(!atThreshold.belowThreshold && atThreshold.payout == Money(d("5000.00")))
    }

    @Test func noQuotaMeansNoAttainmentAndNoPayout() {
        for quota in [nil, "0"] as [String?] {
            let s = compute(quota: quota)
            #expect(s.quota == nil && s.attainment == nil)
            #expect(s.credited == Money(d("230000.00")))
            #expect(s.payout == Money(0) && s.uncappedPayout == Money(0) && !s.belowThreshold && !s.capApplied)
            #expect(s.explanation.contains("No quota for this period: no attainment and no payout."))
            #expect(s.explanation.last == "Payout 0.00")
        }
        // Adjustments are still paid: they correct earlier periods.
        let clawback = Adjustment(amount: Money(d("-4750.00")), reason: "Phase handover was reopened after its period was locked")
        let s = compute(quota: nil, adjustments: [clawback])
        #expect(s.payout == Money(d("-4750.00")))
        #expect(s.explanation.last == "Payout = 0.00 − 4,750.00 of adjustments = -4,750.00")
    }

    @Test func nothingCompletedIsAZeroStatement() {
        let s = compute(phases: [])
        #expect(s.lines.isEmpty && s.credited == Money(0) && s.attainment == DecimalString(0))
        #expect(s.belowThreshold && s.payout == Money(0))
        #expect(s.explanation.first == "No phases completed in this period: credited work 0.00")
    }

    // MARK: Rounding

    @Test func thePayoutRoundsHalfAwayFromZeroAtCents() {
        // 10.01 × 1 × 0.5 = 5.005 → 5.01 (banker's rounding would say 5.00).
        let s = compute(straight("10.01"), quota: "100.00", phases: [phase(1, "x", "50.00", due: "2026-03-31", completed: "2026-03-31")])
        #expect(s.payout == Money(d("5.01")))
        #expect(s.payout.description == "5.01")
        // 1.00 × 1 × (1.00 ÷ 200.00) = 0.005 → 0.01.
        let tiny = compute(straight("1.00"), quota: "200.00", phases: [phase(1, "x", "1.00", due: "2026-03-31", completed: "2026-03-31")])
        #expect(tiny.attainment == DecimalString(d("0.005")) && tiny.payout == Money(d("0.01")))
    }

    @Test func thePayoutIsRoundedOnceNotTierByTier() {
        // Two tiers of 0.004 each: each shows 0.00, but the payout is 0.008 → 0.01.
        let rules = BonusPlanRules(method: .marginal, targetBonus: 1, threshold: 0,
                                   tiers: [BonusTier(from: 0, to: d("0.004"), rate: 1), BonusTier(from: d("0.004"), to: nil, rate: 1)],
                                   cap: nil, lateCreditPercent: 50)
        let s = compute(rules, quota: "1000.00", phases: [phase(1, "x", "8.00", due: "2026-03-31", completed: "2026-03-31")])
        #expect(s.tiers.map(\.amount) == [Money(0), Money(0)])
        #expect(s.payout == Money(d("0.01")))
    }

    @Test func creditedWorkIsTheExactSumRoundedOnce() {
        // Two late phases of 0.01 at 50%: each line shows 0.01, the work credited is 0.01.
        let late = [phase(1, "a", "0.01", due: "2026-03-01", completed: "2026-03-02"),
                    phase(2, "b", "0.01", due: "2026-03-01", completed: "2026-03-02")]
        let s = compute(straight("100.00"), quota: "1.00", phases: late)
        #expect(s.lines.map(\.credit) == [Money(d("0.01")), Money(d("0.01"))])
        #expect(s.credited == Money(d("0.01")))
        #expect(s.payout == Money(d("1.00")))  // 100 × 0.01
        #expect(s.explanation.contains { $0.contains("rounded once") })
    }

    @Test func anInexactAttainmentIsShownToFourPlacesButUsedExactly() {
        // 100 ÷ 300 = 0.3333…; 30,000 × 0.3333… = 10,000.00 exactly, not 9,999.00.
        let s = compute(straight("30000.00"), quota: "300.00", phases: [phase(1, "x", "100.00", due: "2026-03-31", completed: "2026-03-31")])
        #expect(s.attainment == DecimalString(d("0.3333")))
        #expect(s.payout == Money(d("10000.00")))
        #expect(s.explanation.contains("Attainment ≈0.3333 = 100.00 ÷ 300.00 (shown to 4 places; the exact value is used below)"))
        let twoThirds = compute(straight("1.00"), quota: "3.00", phases: [phase(1, "x", "2.00", due: "2026-03-31", completed: "2026-03-31")])
        #expect(twoThirds.attainment == DecimalString(d("0.6667")))  // half away from zero at 4 places
    }

    // MARK: Clawback

    @Test func aReopenedPhaseIsClawedBackByWhatItAdded() {
        let locked = compute().payout.amount                   // 12,250.00
        let without = compute(phases: [design, rollout]).payout.amount  // 150,000 → 0.75 → 7,500.00
        #expect(without == d("7500.00"))
        let clawback = BonusCalculator.clawback(lockedPayout: locked, payoutWithoutPhase: without, phase: "handover")
        #expect(clawback.amount == Money(d("-4750.00")))
        #expect(clawback.reason == "Phase handover was reopened after its period was locked")
        #expect(clawback.author == nil && clawback.phaseId == nil)

        let named = BonusCalculator.clawback(lockedPayout: locked, payoutWithoutPhase: without, phase: "handover", phaseId: 19, period: "2026-Q1")
        #expect(named.reason == "Phase handover was reopened after its period 2026-Q1 was locked" && named.phaseId == 19)
        // Half a cent rounds away from zero, to the negative side.
        #expect(BonusCalculator.clawback(lockedPayout: d("0.005"), payoutWithoutPhase: 0, phase: "x").amount == Money(d("-0.01")))
        // A phase that added nothing is clawed back by nothing.
        #expect(BonusCalculator.clawback(lockedPayout: 0, payoutWithoutPhase: 0, phase: "x").amount == Money(0))
    }

    // MARK: JSON

    // Encoded as the API encodes (`NullKeeping`), which writes the nulls of records that keep every key.
    @Test func theStatementEncodesAsApiMdShowsIt() throws {
        let data = try JSONEncoder().encode(NullKeeping(compute()))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["quota"] as? String == "200000.00")
        #expect(object["credited"] as? String == "230000.00")
        #expect(object["attainment"] as? String == "1.15")
        #expect(object["payout"] as? String == "12250.00")
        #expect(object["capApplied"] as? Bool == false)
        #expect((object["adjustments"] as? [Any])?.isEmpty == true)

        let line = try #require((object["lines"] as? [[String: Any]])?.first)
        #expect(Set(line.keys) == ["projectId", "project", "phaseId", "phase", "value", "due", "completedOn", "onTime", "credit"])
        #expect(line["projectId"] as? Int == 5 && line["phaseId"] as? Int == 17 && line["phase"] as? String == "design")
        #expect(line["value"] as? String == "120000.00" && line["credit"] as? String == "120000.00")
        #expect(line["due"] as? String == "2026-02-10" && line["completedOn"] as? String == "2026-02-08")
        #expect(line["onTime"] as? Bool == true)

        let tiers = try #require(object["tiers"] as? [[String: Any]])
        #expect(Set(tiers[0].keys) == ["from", "to", "rate", "amount"])
        #expect(tiers[0]["from"] as? String == "0" && tiers[0]["to"] as? String == "1" && tiers[0]["amount"] as? String == "10000.00")
        #expect(tiers[1]["to"] is NSNull && tiers[1]["rate"] as? String == "1.5" && tiers[1]["amount"] as? String == "2250.00")

        // Without a quota the nulls are written, and the statement reads back the same.
        let none = compute(quota: nil)
        let noneObject = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(NullKeeping(none))) as? [String: Any])
        #expect(noneObject["quota"] is NSNull && noneObject["attainment"] is NSNull)
        #expect(try JSONDecoder().decode(BonusComputation.self, from: JSONEncoder().encode(none)) == none)
        #expect(try JSONDecoder().decode(BonusComputation.self, from: data) == compute())
    }

    @Test func adjustmentsEncodeTheirNulls() throws {
        let a = Adjustment(amount: Money(d("-4750.00")), reason: "Phase handover was reopened after its period was locked")
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(NullKeeping(a))) as? [String: Any])
        #expect(object["amount"] as? String == "-4750.00" && object["author"] is NSNull && object["phaseId"] is NSNull)
        #expect(try JSONDecoder().decode(Adjustment.self, from: JSONEncoder().encode(a)) == a)
    }
}
