import BatonCore
import Dates
import Foundation
import Testing

/// Properties of the bonus arithmetic over random plans and periods. The generator is
/// seeded, so a failure names a case that fails again on every machine.
private let cases = 500
private let quarterStart = CalendarDate(year: 2026, month: 1, day: 1)!

private func cents(_ n: Int) -> Decimal { Decimal(n) / 100 }

/// A valid plan: 1–4 tiers from 0 in steps of 0.10–1.00, rates 0.0–3.0, threshold
/// 0–1.00, a cap of 0.5–4.0 most of the time.
private func randomPlan(_ r: inout SeededGenerator, nonDecreasingRates: Bool = false) -> BonusPlanRules {
    let count = r.int(1...4)
    var bounds: [Decimal] = [0]
    for _ in 1..<max(count, 1) { bounds.append(bounds.last! + cents(r.int(10...100))) }
    var rates = (0..<count).map { _ in Decimal(r.int(0...30)) / 10 }
    if nonDecreasingRates { rates.sort() }
    let tiers = (0..<count).map { i in
        BonusTier(from: bounds[i], to: i + 1 < count ? bounds[i + 1] : nil, rate: rates[i])
    }
    return BonusPlanRules(
        method: r.pick(BonusMethod.allCases), targetBonus: cents(r.int(0...5_000_000)),
        threshold: Decimal(r.int(0...20)) * Decimal(string: "0.05")!, tiers: tiers,
        cap: r.chance(0.7) ? Decimal(r.int(5...40)) / 10 : nil, lateCreditPercent: Decimal(r.int(0...100)))
}

private func randomPhase(_ r: inout SeededGenerator, id: Int64) -> PhaseCreditInput {
    let due = quarterStart.adding(days: r.int(0...89))
    return PhaseCreditInput(projectId: Int64(r.int(1...5)), projectName: "P", phaseId: id, phase: "phase \(id)",
                            value: cents(r.int(0...20_000_000)), due: due, completedOn: due.adding(days: r.int(-20...20)))
}

private func randomPhases(_ r: inout SeededGenerator) -> [PhaseCreditInput] {
    (0..<r.int(0...6)).map { randomPhase(&r, id: Int64($0 + 1)) }
}

/// A quota that puts the work's full value anywhere from 0.1 to 5 times it: half the
/// time low (attainment high, to reach upper tiers and the cap), half the time high.
private func randomQuota(_ r: inout SeededGenerator, for phases: [PhaseCreditInput]) -> Decimal {
    let total = phases.reduce(Decimal(0)) { $0 + $1.value }
    let percent = r.chance(0.5) ? r.int(20...150) : r.int(100...1000)
    let quota = (total * Decimal(percent) / 100).rounded(scale: 2)
    return quota > 0 ? quota : cents(r.int(1...10_000_000))
}

private func compute(_ rules: BonusPlanRules, quota: Decimal, phases: [PhaseCreditInput]) -> BonusComputation {
    BonusCalculator.compute(rules: rules, targetBonus: rules.targetBonus, quota: quota, phases: phases, adjustments: [])
}

/// The exact attainment, recomputed here from the inputs (the statement shows it rounded).
private func exactAttainment(_ rules: BonusPlanRules, quota: Decimal, phases: [PhaseCreditInput]) -> Decimal {
    phases.reduce(Decimal(0)) { sum, p in
        sum + (p.completedOn <= p.due ? p.value : p.value * rules.lateCreditPercent / 100)
    } / quota
}

@Suite struct BonusPropertyTests {
    @Test func randomPlansAreValid() {
        var r = SeededGenerator(seed: 1)
        for _ in 0..<cases {
            var v = Validator()
            randomPlan(&r).check(into: &v)
            #expect(v.errors.isEmpty)
        }
    }

    @Test func belowTheThresholdNothingIsPaid() {
        var r = SeededGenerator(seed: 11)
        var below = 0
        for i in 0..<cases {
            let rules = randomPlan(&r)
            let phases = randomPhases(&r)
            let quota = randomQuota(&r, for: phases)
            let s = compute(rules, quota: quota, phases: phases)
            let attainment = exactAttainment(rules, quota: quota, phases: phases)
            #expect(s.belowThreshold == (attainment < rules.threshold), "case \(i)")
            if s.belowThreshold {
                below += 1
                #expect(s.payout == Money(0) && s.uncappedPayout == Money(0), "case \(i)")
                #expect(s.tiers.allSatisfy { $0.amount == Money(0) }, "case \(i)")
            }
            // And the payout never depends on the order the phases came in.
            #expect(compute(rules, quota: quota, phases: phases.reversed()) == s, "case \(i)")
        }
        #expect(below >= 25, "the generator should reach below the threshold often (it did \(below) times)")
    }

    @Test func thePayoutNeverExceedsTheCap() {
        var r = SeededGenerator(seed: 22)
        var capped = 0
        for i in 0..<cases {
            let rules = randomPlan(&r)
            let phases = randomPhases(&r)
            let s = compute(rules, quota: randomQuota(&r, for: phases), phases: phases)
            #expect(s.payout.amount >= 0, "case \(i)")
            #expect(s.payout <= s.uncappedPayout, "case \(i)")
            guard let cap = rules.cap else {
                #expect(s.capAmount == nil && !s.capApplied && s.payout == s.uncappedPayout, "case \(i)")
                continue
            }
            let limit = (rules.targetBonus * cap).rounded(scale: 2)
            #expect(s.payout.amount <= limit, "case \(i): \(s.payout) above the cap \(limit)")
            if s.capApplied {
                capped += 1
                // The tiers came to more than the cap (by less than a cent, they may round to it).
                #expect(s.payout.amount == limit && s.uncappedPayout.amount >= limit, "case \(i)")
            } else {
                #expect(s.payout == s.uncappedPayout, "case \(i)")
            }
        }
        #expect(capped >= 25, "the generator should hit the cap often (it did \(capped) times)")
    }

    @Test func moreWorkNeverPaysLessWhenNoRateDecreases() {
        var r = SeededGenerator(seed: 33)
        var rose = 0
        for i in 0..<cases {
            let rules = randomPlan(&r, nonDecreasingRates: true)
            let phases = randomPhases(&r)
            let quota = randomQuota(&r, for: phases)
            let before = compute(rules, quota: quota, phases: phases).payout

            // More work three ways: one more phase, a phase worth more, a late phase on time.
            var more = phases + [randomPhase(&r, id: 99)]
            #expect(compute(rules, quota: quota, phases: more).payout >= before, "case \(i): one more phase")
            if !phases.isEmpty {
                more = phases
                let k = r.int(0...(phases.count - 1))
                more[k].value += cents(r.int(1...5_000_000))
                let after = compute(rules, quota: quota, phases: more).payout
                #expect(after >= before, "case \(i): a phase worth more")
                if after > before { rose += 1 }
                more = phases
                more[k].completedOn = min(more[k].completedOn, more[k].due)
                #expect(compute(rules, quota: quota, phases: more).payout >= before, "case \(i): on time instead of late")
            }
        }
        #expect(rose >= 100, "more work should often pay more (it did \(rose) times)")
    }

    @Test func bothMethodsAgreeInsideTheFirstTier() {
        var r = SeededGenerator(seed: 44)
        var inside = 0
        for i in 0..<cases {
            var marginal = randomPlan(&r)
            marginal.method = .marginal
            var retroactive = marginal
            retroactive.method = .retroactive
            let phases = randomPhases(&r)
            let quota = randomQuota(&r, for: phases)
            let attainment = exactAttainment(marginal, quota: quota, phases: phases)
            guard attainment < marginal.tiers[0].to ?? attainment + 1 else { continue }
            inside += 1
            let m = compute(marginal, quota: quota, phases: phases)
            let t = compute(retroactive, quota: quota, phases: phases)
            #expect(m.payout == t.payout, "case \(i): attainment \(attainment) in [0, \(marginal.tiers[0].to?.plainText ?? "∞"))")
            #expect(m.tiers == t.tiers && m.capApplied == t.capApplied, "case \(i)")
        }
        #expect(inside >= 100, "the generator should stay inside the first tier often (it did \(inside) times)")
    }

    @Test func retroactivePaysAtLeastMarginalWhenRatesRise() {
        // With rising rates, the highest rate on all of the attainment is never less than
        // each rate on its own slice.
        var r = SeededGenerator(seed: 55)
        for i in 0..<cases {
            var rules = randomPlan(&r, nonDecreasingRates: true)
            rules.method = .marginal
            let phases = randomPhases(&r)
            let quota = randomQuota(&r, for: phases)
            let m = compute(rules, quota: quota, phases: phases)
            rules.method = .retroactive
            #expect(compute(rules, quota: quota, phases: phases).payout >= m.payout, "case \(i)")
        }
    }
}
