import Foundation

/// How the tiers turn attainment into a bonus (BONUS.md, attainment and payout).
public enum BonusMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each tier pays its rate on the part of the attainment inside it.
    case marginal
    /// The rate of the highest tier reached pays on all of the attainment.
    case retroactive
}

/// One tier `[from, to)` of attainment (fractions: 1.00 is the whole quota) and the rate
/// it pays, as a multiple of the target bonus.
public struct BonusTier: Sendable, Hashable, Codable {
    public var from: Decimal
    /// nil: no upper bound (only the last tier).
    public var to: Decimal?
    public var rate: Decimal

    public init(from: Decimal, to: Decimal?, rate: Decimal) {
        self.from = from
        self.to = to
        self.rate = rate
    }

    enum CodingKeys: String, CodingKey { case from, to, rate }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        from = try c.decode(DecimalString.self, forKey: .from).value
        to = try c.decodeIfPresent(DecimalString.self, forKey: .to)?.value
        rate = try c.decode(DecimalString.self, forKey: .rate).value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(DecimalString(from), forKey: .from)
        // Written as null rather than left out, as API.md shows the open tier.
        try c.encode(to.map(DecimalString.init), forKey: .to)
        try c.encode(DecimalString(rate), forKey: .rate)
    }
}

/// The arithmetic part of a bonus plan: everything a statement needs, nothing stored.
/// Fractions (threshold, tier bounds, cap) are of attainment or of the target bonus;
/// `lateCreditPercent` is a percentage (50 means half credit for a late phase).
public struct BonusPlanRules: Sendable, Hashable, Codable {
    public var method: BonusMethod
    /// The plan's target bonus `B`; a person's override replaces it in `compute`.
    public var targetBonus: Decimal
    /// `T`: below this attainment nothing is paid.
    public var threshold: Decimal
    public var tiers: [BonusTier]
    /// `C`: the payout before adjustments is at most `B × C`; nil means no cap.
    public var cap: Decimal?
    public var lateCreditPercent: Decimal
    /// "To standard": a phase beyond this share of its budget hours earns a reduced
    /// credit, as a late one does; nil (the default) leaves credit to dates alone.
    public var budgetTolerance: BudgetTolerance?

    public init(method: BonusMethod = .marginal, targetBonus: Decimal, threshold: Decimal, tiers: [BonusTier],
                cap: Decimal?, lateCreditPercent: Decimal, budgetTolerance: BudgetTolerance? = nil) {
        self.method = method
        self.targetBonus = targetBonus
        self.threshold = threshold
        self.tiers = tiers
        self.cap = cap
        self.lateCreditPercent = lateCreditPercent
        self.budgetTolerance = budgetTolerance
    }

    /// More tiers than this is a mistake in the plan rather than a plan.
    public static let maxTiers = 20

    /// Every broken rule of the plan, each on its field (`tiers[1].from`), so that the
    /// plan editor can mark all of them at once.
    ///
    /// Besides the rules of the brief, the last tier must be open-ended: BONUS.md says it
    /// has no upper bound, and a bounded last tier would silently pay nothing for
    /// attainment above it (the cap is the way to limit a payout).
    public func check(into v: inout Validator) {
        Self.check(self, into: &v)
    }

    public static func check(_ rules: BonusPlanRules, into v: inout Validator) {
        v.check(rules.targetBonus >= 0, "targetBonus", "Target bonus must be 0 or more")
        v.check(rules.targetBonus.significantScale <= 2, "targetBonus", "Target bonus can have at most 2 decimals (cents)")
        v.check(rules.threshold >= 0, "threshold",
                "Threshold must be 0 or more: it is the attainment below which nothing is paid (0.50 is half the quota)")
        if let cap = rules.cap {
            v.check(cap >= 0, "cap",
                    "Cap must be 0 or more: it is a multiple of the target bonus (2.0 pays at most twice the target); leave it out for no cap")
        }
        v.check((0...100).contains(rules.lateCreditPercent), "lateCreditPercent",
                "Late credit must be from 0 to 100 percent of a late phase's value")
        for problem in rules.budgetTolerance?.problems ?? [] { v.add(problem.field, problem.message) }
        checkTiers(rules.tiers, into: &v)
    }

    private static func checkTiers(_ tiers: [BonusTier], into v: inout Validator) {
        guard !tiers.isEmpty else {
            v.add("tiers", "A plan needs at least one tier: for example from 0, to null, rate 1.0")
            return
        }
        v.check(tiers.count <= maxTiers, "tiers", "A plan can have at most \(maxTiers) tiers (it has \(tiers.count))")
        for (i, tier) in tiers.enumerated() {
            let f = "tiers[\(i)]"
            let isLast = i == tiers.count - 1
            if i == 0 {
                v.check(tier.from == 0, "\(f).from",
                        "The first tier must start at 0 so that every attainment falls in a tier; it starts at \(tier.from.plainText)")
            } else if let previousEnd = tiers[i - 1].to, tier.from != previousEnd {
                let problem = tier.from > previousEnd ? "leaves a gap" : "overlaps the previous tier"
                v.add("\(f).from",
                      "Each tier must start where the previous one ends (\(previousEnd.plainText)); starting at \(tier.from.plainText) \(problem)")
            }
            if let to = tier.to {
                v.check(to > tier.from, "\(f).to",
                        "A tier must end above where it starts (\(tier.from.plainText)); it ends at \(to.plainText)")
                v.check(!isLast, "\(f).to",
                        "The last tier must have no upper bound (to: null) so that attainment above \(to.plainText) still pays; use the cap to limit the payout")
            } else {
                v.check(isLast, "\(f).to",
                        "Only the last tier may be open-ended; give this tier an upper bound where the next one starts")
            }
            v.check(tier.rate >= 0, "\(f).rate", "Rate must be 0 or more; it is a multiple of the target bonus (1.0 pays the target at full quota)")
        }
    }

    // MARK: Codable, with decimals as strings as the API writes them

    enum CodingKeys: String, CodingKey {
        case method, targetBonus, threshold, tiers, cap, lateCreditPercent, budgetTolerancePercent, overBudgetCreditPercent
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // BONUS.md: the marginal method is the default.
        method = try c.decodeIfPresent(BonusMethod.self, forKey: .method) ?? .marginal
        targetBonus = try c.decode(Money.self, forKey: .targetBonus).amount
        threshold = try c.decode(DecimalString.self, forKey: .threshold).value
        tiers = try c.decode([BonusTier].self, forKey: .tiers)
        cap = try c.decodeIfPresent(DecimalString.self, forKey: .cap)?.value
        lateCreditPercent = try c.decode(DecimalString.self, forKey: .lateCreditPercent).value
        // Rules stored before the option have neither key: no tolerance, as they were computed.
        if let tolerance = try c.decodeIfPresent(DecimalString.self, forKey: .budgetTolerancePercent)?.value,
           let reduced = try c.decodeIfPresent(DecimalString.self, forKey: .overBudgetCreditPercent)?.value {
            budgetTolerance = BudgetTolerance(tolerancePercent: tolerance, reducedCreditPercent: reduced)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(method, forKey: .method)
        try c.encode(Money(targetBonus), forKey: .targetBonus)
        try c.encode(DecimalString(threshold), forKey: .threshold)
        try c.encode(tiers, forKey: .tiers)
        try c.encode(cap.map(DecimalString.init), forKey: .cap)
        try c.encode(DecimalString(lateCreditPercent), forKey: .lateCreditPercent)
        try c.encodeIfPresent(budgetTolerance.map { DecimalString($0.tolerancePercent) }, forKey: .budgetTolerancePercent)
        try c.encodeIfPresent(budgetTolerance.map { DecimalString($0.reducedCreditPercent) }, forKey: .overBudgetCreditPercent)
    }
}
