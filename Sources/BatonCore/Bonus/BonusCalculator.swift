import Dates
import Foundation

/// A completed phase credited to a project manager in the period of its completion date.
public struct PhaseCreditInput: Sendable, Hashable {
    public var projectId: Int64
    public var projectName: String
    public var phaseId: Int64
    public var phase: String
    /// The phase's value in cents: the contract value times the phase's share.
    public var value: Decimal
    public var due, completedOn: CalendarDate
    /// The phase's budget hours and its approved hours, for a plan with a budget
    /// tolerance; nil (a deal, or a phase without figures) is within any tolerance.
    public var budgetHours, actualHours: Decimal?

    public init(projectId: Int64, projectName: String, phaseId: Int64, phase: String, value: Decimal,
                due: CalendarDate, completedOn: CalendarDate, budgetHours: Decimal? = nil, actualHours: Decimal? = nil) {
        self.projectId = projectId
        self.projectName = projectName
        self.phaseId = phaseId
        self.phase = phase
        self.value = value
        self.due = due
        self.completedOn = completedOn
        self.budgetHours = budgetHours
        self.actualHours = actualHours
    }
}

/// One credited phase as a statement shows it; `credit` is rounded to cents.
public struct CreditLine: Sendable, Hashable, Codable {
    public var projectId: Int64
    public var project: String
    public var phaseId: Int64
    public var phase: String
    public var value: Money
    public var due, completedOn: CalendarDate
    public var onTime: Bool
    /// Set only when the plan has a budget tolerance and the phase has budget hours:
    /// its budget and approved hours, and whether they kept it within the tolerance.
    /// Left out otherwise, so statements of plans without the option read as before.
    public var budgetHours, actualHours: DecimalString?
    public var withinBudget: Bool?
    public var credit: Money
}

/// What one tier paid on a statement; `amount` is rounded to cents.
public struct TierPart: Sendable, Hashable, Codable, KeepsEveryKey {
    public var from: DecimalString
    /// nil: the open last tier, written as `"to": null`.
    public var to: DecimalString?
    public var rate: DecimalString
    public var amount: Money
}

/// A correction added to a payout after the cap: a manager's adjustment, or a clawback
/// of a phase reopened after its period was locked. Its absent author and phase are
/// written as `null`.
public struct Adjustment: Sendable, Hashable, Codable, KeepsEveryKey {
    public var amount: Money
    public var reason: String
    /// Who made it (a name); nil for the ones Baton makes itself, like clawbacks.
    public var author: String?
    /// The phase a clawback is about.
    public var phaseId: Int64?

    public init(amount: Money, reason: String, author: String? = nil, phaseId: Int64? = nil) {
        self.amount = amount
        self.reason = reason
        self.author = author
        self.phaseId = phaseId
    }
}

/// A statement's numbers and the words that explain them. Money is rounded to cents,
/// each amount once, from exact intermediate values; `attainment` is rounded to four
/// places for display only. Nulls are written, not left out: "no quota" is an answer a
/// statement gives.
public struct BonusComputation: Sendable, Hashable, Codable, KeepsEveryKey {
    public var method: BonusMethod
    /// The target bonus used: the person's override or the plan's.
    public var targetBonus: Money
    public var quota: Money?
    public var credited: Money
    public var attainment: DecimalString?
    public var lines: [CreditLine]
    public var tiers: [TierPart]
    public var belowThreshold: Bool
    /// `B × C`, nil when the plan has no cap.
    public var capAmount: Money?
    public var capApplied: Bool
    /// The tiers' sum before the cap and before adjustments.
    public var uncappedPayout: Money
    public var adjustments: [Adjustment]
    public var payout: Money
    public var explanation: [String]

    enum CodingKeys: String, CodingKey {
        case method, targetBonus, quota, credited, attainment, lines, tiers, belowThreshold, capAmount, capApplied,
             uncappedPayout, adjustments, payout, explanation
    }

    /// Written by hand although the statement keeps every key: `StatementRecord` (the
    /// API's statement) encodes it into its own container, where a synthesized encoding
    /// would be told to leave its nulls out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(targetBonus, forKey: .targetBonus)
        try c.encode(quota, forKey: .quota)
        try c.encode(credited, forKey: .credited)
        try c.encode(attainment, forKey: .attainment)
        try c.encode(lines, forKey: .lines)
        try c.encode(tiers, forKey: .tiers)
        try c.encode(belowThreshold, forKey: .belowThreshold)
        try c.encode(capAmount, forKey: .capAmount)
        try c.encode(capApplied, forKey: .capApplied)
        try c.encode(uncappedPayout, forKey: .uncappedPayout)
        try c.encode(adjustments, forKey: .adjustments)
        try c.encode(payout, forKey: .payout)
        try c.encode(explanation, forKey: .explanation)
    }
}

/// The bonus arithmetic of BONUS.md.
///
/// Every intermediate value is exact: credits, the credited sum and each tier's amount
/// times the quota are products and sums of decimals, and attainment (a quotient that
/// need not end) is never used as a rounded or cut-short value. Each statement amount and
/// the payout is then one division rounded half away from zero to cents, exactly
/// (`Decimal.roundedQuotient`), once, at the end. Rounding earlier (the attainment, each
/// credit, each tier) could move the payout by a cent: 5,000 × 1.5 × 37,996.70 ÷ 30,000
/// is 9,499.175 and pays 9,499.18, not the 9,499.17 that a 38-digit attainment gives.
public enum BonusCalculator {
    /// A phase's statement line: on time (completed on or before its due date) credits
    /// 100% of its value, late credits `lateCreditPercent` of it; then, with a budget
    /// tolerance, a phase beyond it keeps only the tolerance's reduced percentage of
    /// that. The credit shown is rounded to cents; `compute` sums the exact credits.
    public static func credit(_ phase: PhaseCreditInput, lateCreditPercent: Decimal,
                              budgetTolerance: BudgetTolerance? = nil) -> CreditLine {
        let exact = exactCredit(phase, lateCreditPercent: lateCreditPercent, budgetTolerance: budgetTolerance)
        let measured = budgetTolerance != nil && (phase.budgetHours ?? 0) > 0
        return CreditLine(projectId: phase.projectId, project: phase.projectName, phaseId: phase.phaseId,
                          phase: phase.phase, value: Money(phase.value.rounded(scale: 2)), due: phase.due,
                          completedOn: phase.completedOn, onTime: exact.onTime,
                          budgetHours: measured ? phase.budgetHours.map(DecimalString.init) : nil,
                          actualHours: measured ? DecimalString(phase.actualHours ?? 0) : nil,
                          withinBudget: measured ? exact.withinBudget : nil, credit: Money(exact.credit.rounded(scale: 2)))
    }

    /// A person's statement for one period.
    ///
    /// - Parameters:
    ///   - targetBonus: the person's `B`: their override, or the plan's `rules.targetBonus`.
    ///   - quota: the person's completed-work quota for the period; nil or not above 0
    ///     means no quota, hence no attainment and no tier payout.
    ///   - phases: the phases credited in the period (completed in it and not reopened).
    ///   - adjustments: added after the cap, whatever the attainment.
    public static func compute(rules: BonusPlanRules, targetBonus: Decimal, quota: Decimal?,
                               phases: [PhaseCreditInput], adjustments: [Adjustment]) -> BonusComputation {
        var words: [String] = []
        let b = targetBonus

        // Credit. Lines are sorted so that a statement reads in the order work was done,
        // whatever order the phases came in.
        let ordered = phases.sorted {
            ($0.completedOn, $0.projectId, $0.phaseId) < ($1.completedOn, $1.projectId, $1.phaseId)
        }
        var credited = Decimal(0)
        var lines: [CreditLine] = []
        for phase in ordered {
            let exact = exactCredit(phase, lateCreditPercent: rules.lateCreditPercent, budgetTolerance: rules.budgetTolerance)
            credited += exact.credit
            let line = credit(phase, lateCreditPercent: rules.lateCreditPercent, budgetTolerance: rules.budgetTolerance)
            lines.append(line)
            var text = describe(line, phase: phase, onTime: exact.onTime, lateCreditPercent: rules.lateCreditPercent)
            if let tolerance = rules.budgetTolerance, !exact.withinBudget, let budget = phase.budgetHours {
                // The reduction is said in the phase's own sentence, so a statement keeps one
                // sentence per line (the sales wording replaces them by position).
                text += "; " + tolerance.explanation(phase: phase.phase, budgetHours: budget, actualHours: phase.actualHours ?? 0,
                                                     before: exact.beforeBudget, after: exact.credit)
            }
            words.append(text)
        }
        words.append(describeCredited(credited, lines: lines))

        let adjustmentTotal = adjustments.reduce(Decimal(0)) { $0 + $1.amount.amount }
        let capAmount = rules.cap.map { b * $0 }

        // No quota: nothing to measure attainment against, so only adjustments are paid.
        guard let quota, quota > 0 else {
            words.append("No quota for this period: no attainment and no payout.")
            let tiers = rules.tiers.map { TierPart($0, amount: 0) }
            words.append(contentsOf: describe(adjustments, before: 0, total: adjustmentTotal))
            return BonusComputation(
                method: rules.method, targetBonus: Money(b.rounded(scale: 2)), quota: nil,
                credited: Money(credited.rounded(scale: 2)), attainment: nil, lines: lines, tiers: tiers,
                belowThreshold: false, capAmount: capAmount.map { Money($0.rounded(scale: 2)) }, capApplied: false,
                uncappedPayout: Money(0), adjustments: adjustments, payout: Money(adjustmentTotal.rounded(scale: 2)),
                explanation: words)
        }

        // Every tier amount is kept as a numerator over the quota (amount = N ÷ quota), so
        // no quotient is taken before the end: attainment = credited ÷ quota is only ever
        // compared or multiplied in the form `credited` against `fraction × quota`, and each
        // figure is one exact division rounded once (`Decimal.roundedQuotient`).
        let attainment = credited / quota // words only
        let shownAttainment = Decimal.roundedQuotient(credited, quota, scale: 4)
        var attainmentWords = "Attainment \(fraction(attainment)) = \(money(credited)) ÷ \(money(quota))"
        if shownAttainment * quota != credited {
            attainmentWords += " (shown to 4 places; the exact value is used below)"
        }
        words.append(attainmentWords)

        // Tiers.
        let belowThreshold = credited < rules.threshold * quota
        var numerators = [Decimal](repeating: 0, count: rules.tiers.count)
        let shown = { (numerator: Decimal) in Decimal.roundedQuotient(numerator, quota, scale: 2) }
        if rules.tiers.isEmpty {
            words.append("The plan has no tiers, so they pay nothing.")
        } else if belowThreshold {
            words.append("Attainment \(fraction(attainment)) is below the threshold \(fraction(rules.threshold)): the tiers pay nothing.")
        } else {
            if rules.threshold > 0 {
                words.append("Attainment \(fraction(attainment)) meets the threshold \(fraction(rules.threshold)).")
            }
            switch rules.method {
            case .marginal:
                words.append("Marginal method: each tier pays target bonus × its rate × the part of the attainment inside it.")
                for (i, tier) in rules.tiers.enumerated() {
                    // The part of the attainment inside the tier, times the quota.
                    let upper = tier.to.map { min(credited, $0 * quota) } ?? credited
                    let part = max(0, upper - tier.from * quota)
                    numerators[i] = b * tier.rate * part
                    if part > 0 {
                        words.append("Tier \(label(tier)) at rate \(rate(tier.rate)): \(money(b)) × \(rate(tier.rate)) × \(fraction(part / quota)) = \(money(shown(numerators[i])))")
                    } else {
                        words.append("Tier \(label(tier)) at rate \(rate(tier.rate)): not reached, 0.00")
                    }
                }
            case .retroactive:
                // The highest tier whose start the attainment reaches; the first always is.
                let reached = rules.tiers.lastIndex { $0.from * quota <= credited } ?? 0
                let tier = rules.tiers[reached]
                numerators[reached] = b * tier.rate * credited
                words.append("Retroactive method: the highest tier reached is \(label(tier)), so its rate \(rate(tier.rate)) applies to all of the attainment: \(money(b)) × \(rate(tier.rate)) × \(fraction(attainment)) = \(money(shown(numerators[reached])))")
            }
        }
        let tierNumerator = numerators.reduce(Decimal(0), +)
        let tierTotal = shown(tierNumerator)
        let tiers = zip(rules.tiers, numerators).map { TierPart($0, amount: shown($1)) }
        if !belowThreshold, rules.tiers.count > 1 {
            words.append("Tiers total \(money(tierTotal))")
        }

        // Cap.
        var beforeNumerator = tierNumerator
        var capApplied = false
        if let c = rules.cap, let capAmount {
            if tierNumerator > capAmount * quota {
                beforeNumerator = capAmount * quota
                capApplied = true
                words.append("Cap \(rate(c)) × \(money(b)) = \(money(capAmount)) applied: the tiers came to \(money(tierTotal)), so \(money(capAmount)) is paid")
            } else {
                words.append("Cap \(rate(c)) × \(money(b)) = \(money(capAmount)) not reached")
            }
        } else {
            words.append("No cap in this plan")
        }

        // The payout is one quotient, rounded once: (tiers or cap) + adjustments.
        let payout = Decimal.roundedQuotient(beforeNumerator + adjustmentTotal * quota, quota, scale: 2)
        words.append(contentsOf: describe(adjustments, before: shown(beforeNumerator), total: adjustmentTotal, payout: payout))
        return BonusComputation(
            method: rules.method, targetBonus: Money(b.rounded(scale: 2)), quota: Money(quota.rounded(scale: 2)),
            credited: Money(credited.rounded(scale: 2)), attainment: DecimalString(shownAttainment), lines: lines,
            tiers: tiers, belowThreshold: belowThreshold, capAmount: capAmount.map { Money($0.rounded(scale: 2)) },
            capApplied: capApplied, uncappedPayout: Money(tierTotal), adjustments: adjustments,
            payout: Money(payout), explanation: words)
    }

    /// The clawback of a phase reopened after its period was locked: minus what its
    /// credit added to the locked payout (BONUS.md, runs, statements and locking).
    ///
    /// - Parameters:
    ///   - lockedPayout: the locked statement's payout.
    ///   - payoutWithoutPhase: what that locked period would have paid without the phase's credit.
    ///   - period: the locked period's key, named in the reason when given.
    public static func clawback(lockedPayout: Decimal, payoutWithoutPhase: Decimal, phase: String,
                                phaseId: Int64? = nil, period: String? = nil) -> Adjustment {
        let when = period.map { "its period \($0)" } ?? "its period"
        return Adjustment(amount: Money((payoutWithoutPhase - lockedPayout).rounded(scale: 2)),
                          reason: "Phase \(phase) was reopened after \(when) was locked", author: nil, phaseId: phaseId)
    }

    // MARK: Arithmetic

    private static func exactCredit(_ phase: PhaseCreditInput, lateCreditPercent: Decimal, budgetTolerance: BudgetTolerance?)
        -> (onTime: Bool, withinBudget: Bool, beforeBudget: Decimal, credit: Decimal) {
        let onTime = phase.completedOn <= phase.due
        // Multiplying before dividing by 100 keeps the result exact for cent values.
        let timed = onTime ? phase.value : phase.value * lateCreditPercent / 100
        guard let budgetTolerance, let budget = phase.budgetHours else { return (onTime, true, timed, timed) }
        let actual = phase.actualHours ?? 0
        let within = budgetTolerance.isWithin(budgetHours: budget, actualHours: actual)
        return (onTime, within, timed, budgetTolerance.credit(timed, budgetHours: budget, actualHours: actual))
    }

    // MARK: Words

    private static func describe(_ line: CreditLine, phase: PhaseCreditInput, onTime: Bool, lateCreditPercent: Decimal) -> String {
        let name = phase.projectName.isEmpty ? phase.phase : "\(phase.phase) (\(phase.projectName))"
        if onTime {
            return "\(name) completed \(phase.completedOn), on time (due \(phase.due)): credited in full, \(money(phase.value))"
        }
        let days = phase.due.days(until: phase.completedOn)
        return "\(name) completed \(phase.completedOn), \(days) day\(days == 1 ? "" : "s") after its due date \(phase.due): credited at \(lateCreditPercent.plainText)% of \(money(phase.value)) = \(money(line.credit.amount))"
    }

    private static func describeCredited(_ credited: Decimal, lines: [CreditLine]) -> String {
        guard !lines.isEmpty else { return "No phases completed in this period: credited work 0.00" }
        var text = "Credited work \(money(credited))"
        if lines.count == 1 {
            text += " from 1 phase"
        } else if lines.count <= 12 {
            text += " = " + lines.map { money($0.credit.amount) }.joined(separator: " + ")
        } else {
            text += " from \(lines.count) phases"
        }
        // Lines are rounded one by one; the total is the exact credits' sum, rounded once.
        if lines.reduce(Decimal(0), { $0 + $1.credit.amount }) != credited.rounded(scale: 2) {
            text += " (the exact credits' sum, rounded once, so it may differ from the rounded lines by a cent)"
        }
        return text
    }

    private static func describe(_ adjustments: [Adjustment], before: Decimal, total: Decimal,
                                 payout: Decimal? = nil) -> [String] {
        var words = adjustments.map { a in
            "Adjustment \(money(a.amount.amount))\(a.author.map { " by \($0)" } ?? ""): \(a.reason)"
        }
        if adjustments.isEmpty {
            words.append("Payout \(money(payout ?? before))")
        } else {
            let sign = total < 0 ? "−" : "+"
            let magnitude = total < 0 ? -total : total
            words.append("Payout = \(money(before)) \(sign) \(money(magnitude)) of adjustments = \(money(payout ?? before + total))")
        }
        return words
    }

    /// `10,000.00`: money as people read it, grouped, rounded to cents.
    static func money(_ value: Decimal) -> String {
        String(value.display(currency: "").dropFirst())
    }

    /// An attainment or a fraction of it: four places at most, two at least (`1.15`,
    /// `0.1250`→`0.125`), marked `≈` when the exact value has more.
    static func fraction(_ value: Decimal) -> String {
        padded(value, minimumScale: 2)
    }

    /// A rate or a multiple of the target bonus: `1.0`, `1.5`, `1.25`.
    static func rate(_ value: Decimal) -> String {
        padded(value, minimumScale: 1)
    }

    private static func padded(_ value: Decimal, minimumScale: Int) -> String {
        let shown = value.rounded(scale: 4)
        let scale = max(minimumScale, shown.significantScale)
        return (shown == value ? "" : "≈") + shown.fixed(scale: scale)
    }

    private static func label(_ tier: BonusTier) -> String {
        let from = tier.from == 0 ? "0" : fraction(tier.from)
        guard let to = tier.to else { return "\(from) and above" }
        return "\(from)–\(fraction(to))"
    }
}

extension TierPart {
    /// A tier as a statement shows it, with what it paid rounded to cents.
    init(_ tier: BonusTier, amount: Decimal) {
        self.init(from: DecimalString(tier.from), to: tier.to.map(DecimalString.init), rate: DecimalString(tier.rate),
                  amount: Money(amount.rounded(scale: 2)))
    }
}
