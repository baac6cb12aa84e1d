import Dates
import Foundation

/// Where the growth advice draws its lines (PRODUCT.md flow 7), configurable.
/// In JSON each is a decimal string (`"0.85"`); a missing one takes its default.
public struct GrowthThresholds: Sendable, Equatable, Codable {
    /// Delivery load at or above this is high.
    @DecimalText public var loadHigh: Decimal
    /// Delivery load below this has room.
    @DecimalText public var loadRoom: Decimal
    /// Sales coverage at or above this is healthy.
    @DecimalText public var coverageHealthy: Decimal
    /// Sales coverage below this is low.
    @DecimalText public var coverageLow: Decimal

    // Built from integers: a float literal such as `0.85` goes through Double and
    // would not be exactly 0.85 as a Decimal.
    public static let defaultLoadHigh = Decimal(85) / 100
    public static let defaultLoadRoom = Decimal(70) / 100
    public static let defaultCoverageHealthy = Decimal(3)
    public static let defaultCoverageLow = Decimal(2)

    public init(loadHigh: Decimal = GrowthThresholds.defaultLoadHigh,
                loadRoom: Decimal = GrowthThresholds.defaultLoadRoom,
                coverageHealthy: Decimal = GrowthThresholds.defaultCoverageHealthy,
                coverageLow: Decimal = GrowthThresholds.defaultCoverageLow) {
        self.loadHigh = loadHigh
        self.loadRoom = loadRoom
        self.coverageHealthy = coverageHealthy
        self.coverageLow = coverageLow
    }

    /// Thresholds that contradict each other would make two recommendations true at
    /// once, or none ever reachable, so configuration is refused rather than guessed.
    public func validate() throws(ValidationFailure) {
        var v = Validator()
        v.check(loadRoom > 0, "loadRoom", "must be more than 0")
        v.check(loadHigh > 0, "loadHigh", "must be more than 0")
        v.check(loadRoom <= loadHigh, "loadRoom", "must not be more than loadHigh")
        v.check(coverageLow > 0, "coverageLow", "must be more than 0")
        v.check(coverageHealthy > 0, "coverageHealthy", "must be more than 0")
        v.check(coverageLow <= coverageHealthy, "coverageLow", "must not be more than coverageHealthy")
        try v.throwIfInvalid()
    }

    enum CodingKeys: String, CodingKey { case loadHigh, loadRoom, coverageHealthy, coverageLow }

    /// Read by hand only because a missing threshold takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            loadHigh: try c.decodeIfPresent(DecimalString.self, forKey: .loadHigh)?.value ?? Self.defaultLoadHigh,
            loadRoom: try c.decodeIfPresent(DecimalString.self, forKey: .loadRoom)?.value ?? Self.defaultLoadRoom,
            coverageHealthy: try c.decodeIfPresent(DecimalString.self, forKey: .coverageHealthy)?.value
                ?? Self.defaultCoverageHealthy,
            coverageLow: try c.decodeIfPresent(DecimalString.self, forKey: .coverageLow)?.value ?? Self.defaultCoverageLow)
    }
}

/// Delivery demand against capacity for one skill over the horizon.
public struct SkillLoad: Sendable, Equatable, Codable, KeepsEveryKey {
    public var skill: String
    public var demandHours, capacityHours: DecimalString
    /// demand ÷ capacity to 4 places; nil (an explicit `null`) when nobody has the
    /// skill's hours free.
    public var load: DecimalString?
    /// The hours no one is there for: demand − capacity, never below 0.
    public var shortHours: DecimalString
}

/// The answer to the firm's question: grow project management or account management?
public enum GrowthRecommendation: String, Sendable, Codable, CaseIterable {
    case strengthenProjectManagement = "strengthen_project_management"
    case strengthenAccountManagement = "strengthen_account_management"
    case both
    case balanced
}

/// The organize-for-growth advice (`/reports/growth`): the recommendation, a sentence
/// saying it with the figures, and the figures themselves.
public struct GrowthAdvice: Sendable, Equatable, Codable, KeepsEveryKey {
    public var recommendation: GrowthRecommendation
    public var sentence: String
    /// The horizon, in weeks, that demand and capacity cover.
    public var weeks: Int
    /// Σ demand ÷ Σ capacity to 4 places; nil (an explicit `null`) with no capacity.
    public var deliveryLoad: DecimalString?
    /// Open pipeline ÷ account management's load (the remaining quota plus the ARR of
    /// the renewals due) to 4 places; nil when there is nothing left to win or renew.
    public var salesCoverage: DecimalString?
    public var demandHours, capacityHours: DecimalString
    public var openPipeline, remainingQuota: Money
    /// How much delivery is short: the capacity hours to add for the load to come down
    /// to `loadRoom` (0 when it is already there).
    public var capacityNeededHours: DecimalString
    /// How much sales is short: the pipeline to add for coverage to reach
    /// `coverageHealthy` (0 when it is already there).
    public var pipelineNeeded: Money
    /// The agreements ending within the horizon (active or renewal due) and their ARR:
    /// renewals account management must win, counted in its load beside the quota.
    public var renewalsDue: Int
    public var renewalsDueArr: Money
    public var thresholds: GrowthThresholds
    /// Short hours first, the most short first.
    public var skills: [SkillLoad]
    /// The skills with short hours, in the same order.
    public var shortSkills: [String]
}

/// Compares the two sides of the firm and says which one to grow (PRODUCT.md flow 7).
public enum Growth {
    /// The firm's bookings quota, each target counted once: a manager's quota is their
    /// team's target, not an addition to it, as in the attainment roll-up
    /// (`Rollup.quotas`). It is the sum, over the tops of the reporting line, of their
    /// roll-up quota: their own when set, else what their people's roll-ups add up to.
    /// Nil when nobody has a quota.
    public static func firmQuota(people: [PersonNode], own: [Int64: Decimal]) -> Decimal? {
        let ids = Set(people.map(\.id))
        let rolled = Rollup.quotas(people, under: nil, own: own)
        var total: Decimal?
        for person in people where person.managerId == nil || person.managerId == person.id || !ids.contains(person.managerId ?? 0) {
            if let q = rolled[person.id] { total = (total ?? 0) + q }
        }
        // Quotas of people not in the line at all (unknown ids) still count once.
        for (id, q) in own where !ids.contains(id) { total = (total ?? 0) + q }
        return total
    }

    /// Delivery capacity per skill over `[from, to)` with each working hour counted
    /// once, on the capacity check's exact allocation (`CapacityAllocation`).
    ///
    /// A person's working hours (their `WorkingCalendar`: week, holidays, approved time
    /// off; bookings are not subtracted, since won work is already in the demand) go
    /// first to the demand of the skills they hold, as a maximum flow over people ×
    /// skills (skills served in name order when they compete). What the flow leaves of
    /// a person is shared equally among the skills they hold (to 0.1 h,
    /// the last skill taking the remainder). So the skills' capacities add up to the
    /// people's working hours exactly, a short skill's capacity is exactly what the
    /// allocation gives it (a holder with hours left would have been used), and a
    /// person with two skills is no longer counted in both.
    public static func skillCapacity(demand: [String: Decimal], people: [PersonAvailability],
                                     from: CalendarDate, to: CalendarDate) -> [String: Decimal] {
        let key = { (s: String) in s.trimmed.lowercased() }
        let wanted = Dictionary(demand.map { (key($0.key), $0.value) }, uniquingKeysWith: +)
            .filter { $0.value > 0 }.sorted { $0.key < $1.key }
        // Demand to 0.1 h (it is pro-rated, so long decimals): the flow then moves tenths of an
        // hour, and every line is exact at the one place the reports show.
        let needs = wanted.map { CapacityNeed(skill: $0.key, hours: $0.value.rounded(scale: 1), start: from, end: to) }
        // In id order, so that the same firm gives the same split every time (ties in the flow).
        let working = people.sorted { $0.userId < $1.userId }.map { PersonAvailability(userId: $0.userId, name: $0.name, skills: $0.skills, calendar: $0.calendar) }
        let plan = CapacityAllocation.allocate(needs: needs, people: working)
        var capacity: [String: Decimal] = [:]
        for person in working {
            var used: [String: Decimal] = [:]
            for (edge, hours) in plan.flow where edge.person == person.userId { used[needs[edge.need].skill, default: 0] += hours }
            let share = CapacityShare.split(working: person.calendar.hours(from: from, to: to),
                                            held: person.skills.keys.map(key), used: used)
            for (skill, hours) in share { capacity[skill, default: 0] += hours }
        }
        return capacity
    }

    /// The advice for a horizon of `weeks`.
    ///
    /// - `skills`: per skill, the delivery demand over the horizon (won work not yet
    ///   done plus probability-weighted pipeline, in hours) and the capacity for it.
    /// - `openPipeline`, `remainingQuota`: the sales side, in money; the remaining
    ///   bookings quota is what is left to sell this period. `hasQuota` false: nobody
    ///   has a bookings quota this period, which the sentence must not call "met".
    /// - `renewalsDue`: the agreements ending within the horizon and their ARR; renewing
    ///   them is account management's work as much as the quota, so coverage is the open
    ///   pipeline (where the renewal opportunities are) over the remaining quota plus that ARR.
    /// - `currency`: only for the sentence.
    ///
    /// The recommendation compares the exact load and coverage with the thresholds; the
    /// sentence shows them to 2 places.
    public static func advise(weeks: Int, skills: [(skill: String, demandHours: Decimal, capacityHours: Decimal)],
                              openPipeline: Decimal, remainingQuota: Decimal, hasQuota: Bool = true,
                              renewalsDue: (count: Int, arr: Decimal) = (0, 0),
                              thresholds t: GrowthThresholds = GrowthThresholds(),
                              currency: String = "USD") -> GrowthAdvice {
        let demand = skills.reduce(Decimal(0)) { $0 + $1.demandHours }
        let capacity = skills.reduce(Decimal(0)) { $0 + $1.capacityHours }
        let load: Decimal? = capacity > 0 ? demand / capacity : nil
        // Account management's load: what is left of the quota and the renewals coming up.
        let salesLoad = remainingQuota + renewalsDue.arr
        // A quota already met with nothing to renew needs no pipeline: healthy, not infinite.
        let coverage: Decimal? = salesLoad > 0 ? openPipeline / salesLoad : nil

        // With no capacity at all, any demand overloads delivery and no demand leaves it idle.
        let loadIsHigh = load.map { $0 >= t.loadHigh } ?? (demand > 0)
        let loadHasRoom = load.map { $0 < t.loadRoom } ?? (demand == 0)
        let coverageIsHealthy = coverage.map { $0 >= t.coverageHealthy } ?? true
        let coverageIsLow = coverage.map { $0 < t.coverageLow } ?? false

        // A skill with demand and nobody to deliver it is never balanced, whatever the totals say.
        let uncovered = skills.filter { $0.demandHours > 0 && $0.capacityHours <= 0 }
        var recommendation: GrowthRecommendation =
            if loadIsHigh && coverageIsLow { .both }
            else if loadIsHigh && coverageIsHealthy { .strengthenProjectManagement }
            else if coverageIsLow && loadHasRoom { .strengthenAccountManagement }
            else { .balanced }
        if !uncovered.isEmpty {
            if recommendation == .balanced { recommendation = .strengthenProjectManagement }
            if recommendation == .strengthenAccountManagement { recommendation = .both }
        }

        let skillLoads = skills.map { s in
            SkillLoad(skill: s.skill, demandHours: hours(s.demandHours), capacityHours: hours(s.capacityHours),
                      load: ReportMath.ratio(s.demandHours, s.capacityHours),
                      shortHours: hours(max(0, s.demandHours - s.capacityHours)))
        }.sorted { a, b in
            if a.shortHours.value != b.shortHours.value { return a.shortHours.value > b.shortHours.value }
            if a.demandHours.value != b.demandHours.value { return a.demandHours.value > b.demandHours.value }
            return a.skill < b.skill
        }
        let short = skillLoads.filter { $0.shortHours.value > 0 }

        let capacityNeeded = t.loadRoom > 0 ? max(0, demand / t.loadRoom - capacity) : 0
        let pipelineNeeded = salesLoad > 0 ? max(0, salesLoad * t.coverageHealthy - openPipeline) : 0

        var sentence = sentence(
            weeks: weeks, demand: demand, load: load, coverage: coverage, hasQuota: hasQuota, recommendation: recommendation,
            capacityNeeded: capacityNeeded, pipelineNeeded: pipelineNeeded, thresholds: t, short: short,
            renewals: renewalsDue, currency: currency)
        if !uncovered.isEmpty {
            let names = uncovered.map { "\($0.skill) (\($0.demandHours.rounded(scale: 1).plainText) h)" }.joined(separator: ", ")
            sentence += " Nobody can deliver \(names): hire, train or subcontract."
        }

        return GrowthAdvice(
            recommendation: recommendation, sentence: sentence, weeks: weeks,
            deliveryLoad: ReportMath.ratio(demand, capacity),
            salesCoverage: ReportMath.ratio(openPipeline, salesLoad),
            demandHours: hours(demand), capacityHours: hours(capacity),
            openPipeline: ReportMath.money(openPipeline), remainingQuota: ReportMath.money(remainingQuota),
            capacityNeededHours: hours(capacityNeeded), pipelineNeeded: ReportMath.money(pipelineNeeded),
            renewalsDue: renewalsDue.count, renewalsDueArr: ReportMath.money(renewalsDue.arr),
            thresholds: t, skills: skillLoads, shortSkills: short.map(\.skill))
    }

    /// Hours as shown: to 2 places (weighted demand can carry more).
    private static func hours(_ value: Decimal) -> DecimalString { DecimalString(value.rounded(scale: 2)) }

    private static func sentence(weeks: Int, demand: Decimal, load: Decimal?, coverage: Decimal?, hasQuota: Bool,
                                 recommendation: GrowthRecommendation, capacityNeeded: Decimal,
                                 pipelineNeeded: Decimal, thresholds t: GrowthThresholds, short: [SkillLoad],
                                 renewals: (count: Int, arr: Decimal), currency: String) -> String {
        func figure(_ value: Decimal, _ scale: Int) -> String { value.rounded(scale: scale).plainText }
        let horizon = weeks == 1 ? "the next week" : "the next \(weeks) weeks"

        var text: String
        if let load {
            text = "Delivery is loaded at \(figure(load, 2)) of capacity over \(horizon)"
        } else if demand > 0 {
            text = "Delivery needs \(figure(demand, 1)) h with no capacity over \(horizon)"
        } else {
            text = "Delivery has no demand and no capacity over \(horizon)"
        }
        // The renewals coming up are account management's load beside the quota.
        let owed = renewals.count == 0 ? "the remaining quota"
            : "the remaining quota and \(renewals.count) renewal\(renewals.count == 1 ? "" : "s") due (\(renewals.arr.display(currency: currency)) ARR)"
        if let coverage {
            text += " while the pipeline covers \(figure(coverage, 2)) times \(owed)"
        } else if hasQuota {
            text += " while the sales quota is already met, so coverage counts as healthy"
        } else {
            text += " while no bookings quota is set for this period, so coverage is not judged"
        }
        switch recommendation {
        case .strengthenProjectManagement: text += ": strengthen project management."
        case .strengthenAccountManagement: text += ": strengthen account management."
        case .both: text += ": strengthen both project management and account management."
        case .balanced: text += ": balanced, keep the current mix."
        }

        // Say by how much the side to strengthen is short.
        if recommendation == .strengthenProjectManagement || recommendation == .both, capacityNeeded > 0 {
            text += " About \(figure(capacityNeeded, 0)) h more capacity would bring the load down to"
                + " \(figure(t.loadRoom, 2))."
        }
        if recommendation == .strengthenAccountManagement || recommendation == .both, pipelineNeeded > 0 {
            text += " Another \(pipelineNeeded.display(currency: currency)) of pipeline would cover \(owed)"
                + " \(figure(t.coverageHealthy, 2)) times."
        }
        if !short.isEmpty {
            text += " Short: "
                + short.map { "\($0.skill) \(figure($0.shortHours.value, 1)) h" }.joined(separator: ", ") + "."
        }
        return text
    }
}
