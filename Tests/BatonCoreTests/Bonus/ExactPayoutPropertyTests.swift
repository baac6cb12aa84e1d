import BatonCore
import Dates
import Foundation
import Testing

/// The payout against a reference computed with exact rational arithmetic: BONUS.md's
/// formula on fractions that are never cut short, rounded half away from zero to cents
/// once at the end. The generator is seeded, so a failing case fails again everywhere.

/// A fraction of two `Int128`s in lowest terms, denominator above zero. Every operation
/// is exact or traps on overflow (Swift's checked arithmetic), so a result it gives is
/// never approximate; the inputs below stay many orders of magnitude inside its range.
private struct Rational: Comparable {
    var n: Int128
    var d: Int128

    init(_ n: Int128, _ d: Int128 = 1) {
        let sign: Int128 = d < 0 ? -1 : 1
        let g = Rational.gcd(n < 0 ? -n : n, d < 0 ? -d : d)
        self.n = sign * n / (g == 0 ? 1 : g)
        self.d = sign * d / (g == 0 ? 1 : g)
    }

    /// A decimal as it is written (`"-37996.70"`), digit by digit: no floating point.
    init(_ value: Decimal) {
        var text = value.description
        let negative = text.hasPrefix("-")
        if negative { text.removeFirst() }
        var n: Int128 = 0
        var d: Int128 = 1
        var afterDot = false
        for c in text {
            if c == "." { afterDot = true; continue }
            guard let digit = c.wholeNumberValue else { continue }
            n = n * 10 + Int128(digit)
            if afterDot { d *= 10 }
        }
        self.init(negative ? -n : n, d)
    }

    static func gcd(_ a: Int128, _ b: Int128) -> Int128 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    /// Over the least common denominator, so sums of many amounts stay small.
    static func + (l: Rational, r: Rational) -> Rational {
        let g = gcd(l.d, r.d)
        return Rational(l.n * (r.d / g) + r.n * (l.d / g), l.d / g * r.d)
    }
    static func - (l: Rational, r: Rational) -> Rational { l + Rational(-r.n, r.d) }
    static func * (l: Rational, r: Rational) -> Rational { Rational(l.n * r.n, l.d * r.d) }
    static func / (l: Rational, r: Rational) -> Rational { Rational(l.n * r.d, l.d * r.n) }
    static func < (l: Rational, r: Rational) -> Bool { l.n * r.d < r.n * l.d }
    static let zero = Rational(0)

    /// Rounded half away from zero to cents.
    var cents: Decimal {
        let magnitude = n < 0 ? -n : n
        var whole = magnitude * 100 / d
        let rest = magnitude * 100 % d
        if 2 * rest >= d { whole += 1 }
        let text = String(whole)
        let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) ?? 0
        return (n < 0 ? -value : value) / 100
    }

    /// The value has an exact half cent (the case rounding gets wrong most easily).
    var isHalfCent: Bool {
        let magnitude = n < 0 ? -n : n
        return (2 * magnitude * 100) % d == 0 && (magnitude * 100) % d != 0
    }
}

/// What BONUS.md says a statement pays, computed on exact fractions.
private struct Reference {
    var belowThreshold: Bool
    var tiers: [Decimal]
    var uncapped: Decimal
    var capApplied: Bool
    var payout: Decimal
    var exactPayout: Rational

    init(rules: BonusPlanRules, quota: Decimal, phases: [PhaseCreditInput], adjustments: Decimal) {
        var credited = Rational.zero
        for p in phases {
            let value = Rational(p.value)
            credited = credited + (p.completedOn <= p.due ? value : value * Rational(rules.lateCreditPercent) / Rational(100))
        }
        let a = credited / Rational(quota)
        let b = Rational(rules.targetBonus)
        belowThreshold = a < Rational(rules.threshold)
        var amounts = [Rational](repeating: .zero, count: rules.tiers.count)
        if !belowThreshold {
            switch rules.method {
            case .marginal:
                for (i, tier) in rules.tiers.enumerated() {
                    let upper = tier.to.map { min(a, Rational($0)) } ?? a
                    amounts[i] = b * Rational(tier.rate) * max(.zero, upper - Rational(tier.from))
                }
            case .retroactive:
                let reached = rules.tiers.lastIndex { !(a < Rational($0.from)) } ?? 0
                amounts[reached] = b * Rational(rules.tiers[reached].rate) * a
            }
        }
        tiers = amounts.map(\.cents)
        let total = amounts.reduce(Rational.zero, +)
        uncapped = total.cents
        var before = total
        capApplied = false
        if let cap = rules.cap, Rational(cap) * b < total {
            before = Rational(cap) * b
            capApplied = true
        }
        exactPayout = before + Rational(adjustments)
        payout = exactPayout.cents
    }
}

private let quarterStart = CalendarDate(year: 2026, month: 1, day: 1)!
private func cents(_ n: Int) -> Decimal { Decimal(n) / 100 }

private func tiers(_ r: inout SeededGenerator) -> [BonusTier] {
    let count = r.int(1...4)
    var bounds: [Decimal] = [0]
    for _ in 1..<max(count, 1) { bounds.append((bounds.last ?? 0) + cents(r.int(5...100))) }
    return (0..<count).map { i in
        BonusTier(from: bounds[i], to: i + 1 < count ? bounds[i + 1] : nil, rate: Decimal(r.int(0...400)) / 100)
    }
}

private func phases(_ r: inout SeededGenerator, count: Int) -> [PhaseCreditInput] {
    (0..<count).map { i in
        let due = quarterStart.adding(days: r.int(0...89))
        return PhaseCreditInput(projectId: 1, projectName: "P", phaseId: Int64(i + 1), phase: "phase \(i + 1)",
                                value: cents(r.int(1...10_000_000)), due: due, completedOn: due.adding(days: r.int(-10...10)))
    }
}

private func check(_ rules: BonusPlanRules, quota: Decimal, phases: [PhaseCreditInput], adjustments: [Adjustment] = [],
                   case i: Int) {
    let s = BonusCalculator.compute(rules: rules, targetBonus: rules.targetBonus, quota: quota, phases: phases,
                                    adjustments: adjustments)
    let want = Reference(rules: rules, quota: quota, phases: phases,
                         adjustments: adjustments.reduce(Decimal(0)) { $0 + $1.amount.amount })
    let what = "case \(i): \(rules.method) B \(rules.targetBonus) quota \(quota) credited \(s.credited)"
    #expect(s.belowThreshold == want.belowThreshold, "\(what)")
    #expect(s.tiers.map(\.amount.amount) == want.tiers, "\(what)")
    #expect(s.uncappedPayout.amount == want.uncapped, "\(what)")
    #expect(s.capApplied == want.capApplied, "\(what)")
    #expect(s.payout.amount == want.payout, "\(what): paid \(s.payout), exact \(want.payout)")
}

/// Issue 17's figures: 37,996.70 credited against a quota of 30,000.00, target 5,000.00,
/// tiers [0, 1) at 1.0 and 1 and above at 1.5.
private func issueCase(_ method: BonusMethod) -> BonusComputation {
    let rules = BonusPlanRules(method: method, targetBonus: 5000, threshold: 0,
                               tiers: [BonusTier(from: 0, to: 1, rate: 1), BonusTier(from: 1, to: nil, rate: 1.5)],
                               cap: nil, lateCreditPercent: 50)
    let phase = PhaseCreditInput(projectId: 1, projectName: "Harbor", phaseId: 1, phase: "Build",
                                 value: Decimal(string: "37996.70")!, due: quarterStart, completedOn: quarterStart)
    return BonusCalculator.compute(rules: rules, targetBonus: 5000, quota: 30000, phases: [phase], adjustments: [])
}

private func money(_ text: String) -> Money { Money(Decimal(string: text) ?? -1) }

@Suite struct ExactPayoutPropertyTests {
    /// Retroactive: 5,000 × 1.5 × 37,996.70 ÷ 30,000 = 9,499.175 exactly, which pays
    /// 9,499.18; an attainment cut to 38 digits (1.2665566…6) paid 9,499.17.
    @Test func theRetroactiveHalfCentCaseRoundsUp() {
        let s = issueCase(.retroactive)
        #expect(s.payout == money("9499.18"))
        #expect(s.uncappedPayout == money("9499.18"))
        #expect(s.tiers.map(\.amount) == [Money(0), money("9499.18")])
        // Attainment is shown rounded to four places, and only shown so.
        #expect(s.attainment == DecimalString(Decimal(string: "1.2666")!))
        #expect(s.explanation.contains { $0.contains("= 9,499.18") })
        #expect(s.explanation.last == "Payout 9,499.18")
    }

    /// Marginal: 5,000 × 1.0 × 1 + 5,000 × 1.5 × 0.266556… = 5,000 + 1,999.175: the upper
    /// tier pays 1,999.18 and the payout is 6,999.18 (1,999.17 and 6,999.17 before).
    @Test func theMarginalHalfCentCaseRoundsUp() {
        let s = issueCase(.marginal)
        #expect(s.tiers.map(\.amount) == [Money(5000), money("1999.18")])
        #expect(s.payout == money("6999.18"))
    }

    /// Random plans of both methods: credits (some late), quotas, targets, thresholds,
    /// 1–4 tiers with rates to two places, caps and adjustments.
    @Test func randomPlansPayTheExactFormulaRoundedOnce() {
        var r = SeededGenerator(seed: 1717)
        var capped = 0
        var upperTiers = 0
        for i in 0..<2000 {
            let rules = BonusPlanRules(
                method: r.pick(BonusMethod.allCases), targetBonus: cents(r.int(0...5_000_000)),
                threshold: Decimal(r.int(0...100)) / 100, tiers: tiers(&r),
                cap: r.chance(0.6) ? Decimal(r.int(50...400)) / 100 : nil, lateCreditPercent: Decimal(r.int(0...10_000)) / 100)
            let work = phases(&r, count: r.int(0...6))
            let total = work.reduce(Decimal(0)) { $0 + $1.value }
            // A quota from a fifth of the work's value to five times it, in cents, often
            // with a factor of 3 or 7 so that the attainment does not end.
            var quota = (total * Decimal(r.int(20...500)) / 100).rounded(scale: 2)
            if r.chance(0.5) { quota = (quota / 3).rounded(scale: 2) * 3 }
            if r.chance(0.3) { quota = (quota / 7).rounded(scale: 2) * 7 }
            if quota <= 0 { quota = cents(r.int(1...10_000_000)) }
            let adjustments = r.chance(0.2)
                ? [Adjustment(amount: Money(cents(r.int(-100_000...100_000))), reason: "correction")] : []
            check(rules, quota: quota, phases: work, adjustments: adjustments, case: i)
            let s = BonusCalculator.compute(rules: rules, targetBonus: rules.targetBonus, quota: quota, phases: work,
                                            adjustments: [])
            if s.capApplied { capped += 1 }
            if s.tiers.dropFirst().contains(where: { $0.amount.amount > 0 }) { upperTiers += 1 }
        }
        #expect(capped >= 100, "the generator should hit the cap often (it did \(capped) times)")
        #expect(upperTiers >= 300, "the generator should reach upper tiers often (it did \(upperTiers) times)")
    }

    /// Cases built to land on an exact half cent through an attainment that never ends:
    /// a quota of 3 × m (m a power-of-ten-friendly amount) and a target bonus × rate with
    /// a factor of 3, as in the 9,499.175 case. Rounding a cut-short attainment gets a
    /// share of these wrong; the exact arithmetic gets every one right.
    @Test func halfCentsReachedThroughEndlessAttainmentsRoundAwayFromZero() {
        var r = SeededGenerator(seed: 9499)
        var ties = 0
        for i in 0..<6000 {
            let m = r.pick([1000, 2000, 2500, 4000, 5000, 8000, 10000, 12500, 20000, 25000, 40000, 50000])
            let quota = Decimal(3 * m)
            let rate = r.pick([Decimal(string: "1.5")!, Decimal(string: "0.75")!, Decimal(string: "1.2")!, 3, Decimal(string: "0.6")!])
            // B × rate keeps a factor of 3 that cancels the quota's, so the payout ends.
            let target = Decimal(75 * r.int(1...400))
            let method = r.pick(BonusMethod.allCases)
            let rules = BonusPlanRules(method: method, targetBonus: target, threshold: 0,
                                       tiers: [BonusTier(from: 0, to: nil, rate: rate)], cap: nil, lateCreditPercent: 50)
            let credited = cents(r.int(1...10_000_000))
            let phase = PhaseCreditInput(projectId: 1, projectName: "P", phaseId: 1, phase: "Build", value: credited,
                                         due: quarterStart, completedOn: quarterStart)
            let want = Reference(rules: rules, quota: quota, phases: [phase], adjustments: 0)
            if want.exactPayout.isHalfCent { ties += 1 }
            check(rules, quota: quota, phases: [phase], case: i)
        }
        #expect(ties >= 40, "the generator should land on half cents often (it did \(ties) times)")
    }

    @Test func roundedQuotientIsExactHalfAwayFromZero() {
        #expect(Decimal.roundedQuotient(Decimal(string: "284975.25")!, 30, scale: 2) == Decimal(string: "9499.18")!)
        #expect(Decimal.roundedQuotient(Decimal(string: "-284975.25")!, 30, scale: 2) == Decimal(string: "-9499.18")!)
        #expect(Decimal.roundedQuotient(Decimal(string: "284975.24")!, 30, scale: 2) == Decimal(string: "9499.17")!)
        #expect(Decimal.roundedQuotient(1, 3, scale: 4) == Decimal(string: "0.3333")!)
        #expect(Decimal.roundedQuotient(2, 3, scale: 2) == Decimal(string: "0.67")!)
        #expect(Decimal.roundedQuotient(5, 0, scale: 2) == 0)
        var r = SeededGenerator(seed: 3)
        for i in 0..<5000 {
            let n = cents(r.int(-1_000_000_000...1_000_000_000)) * Decimal(r.int(1...99_999))
            let d = cents(r.int(1...100_000_000))
            #expect(Decimal.roundedQuotient(n, d, scale: 2) == (Rational(n) / Rational(d)).cents, "case \(i): \(n) ÷ \(d)")
        }
    }
}
