import Foundation

/// How often a recurring line is billed. Its price is per period; the book is read
/// per month (MRR), so a period says how many months it covers.
public enum BillingPeriod: String, Sendable, Codable, CaseIterable {
    case monthly, quarterly, annual

    public var months: Int {
        switch self {
        case .monthly: 1
        case .quarterly: 3
        case .annual: 12
        }
    }
}

/// What makes a proposal line (or a catalog item) recurring: it is billed every
/// `period` for `termMonths`, may renew by itself, and either side must give
/// `noticeDays` of notice to stop it. A line without one is sold once.
public struct Recurrence: Sendable, Equatable, Codable {
    public var period: BillingPeriod
    public var termMonths: Int
    public var autoRenew: Bool
    public var noticeDays: Int

    public init(period: BillingPeriod, termMonths: Int, autoRenew: Bool = false, noticeDays: Int = 0) {
        (self.period, self.termMonths, self.autoRenew, self.noticeDays) = (period, termMonths, autoRenew, noticeDays)
    }

    enum CodingKeys: String, CodingKey { case period, termMonths, autoRenew, noticeDays }

    /// Auto-renewal and notice may be left out: no auto-renewal, no notice.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        period = try c.decode(BillingPeriod.self, forKey: .period)
        termMonths = try c.decode(Int.self, forKey: .termMonths)
        autoRenew = try c.decodeIfPresent(Bool.self, forKey: .autoRenew) ?? false
        noticeDays = try c.decodeIfPresent(Int.self, forKey: .noticeDays) ?? 0
    }

    /// What the printed proposal says of the terms: "per month for 12 months, renews
    /// automatically, 30 days' notice".
    public var words: String {
        let each = ["monthly": "per month", "quarterly": "per quarter", "annual": "per year"][period.rawValue] ?? period.rawValue
        var parts = ["\(each) for \(termMonths) months"]
        if autoRenew { parts.append("renews automatically") }
        if noticeDays > 0 { parts.append("\(noticeDays) days' notice") }
        return parts.joined(separator: ", ")
    }

    /// How many times the line is billed in its term.
    public var periodsInTerm: Int { termMonths / period.months }

    public static let maxTermMonths = 120
    public static let maxNoticeDays = 365

    /// The term must be whole periods (a quarterly line runs 3, 6, 9… months), so that
    /// its contract value is a whole number of bills.
    public func check(field f: String, into v: inout Validator) {
        if termMonths < 1 || termMonths > Self.maxTermMonths {
            v.add("\(f).termMonths", "Term must be from 1 to \(Self.maxTermMonths) months")
        } else {
            v.check(termMonths % period.months == 0, "\(f).termMonths",
                    "A \(period.rawValue) line's term must be whole periods: a multiple of \(period.months) months")
        }
        v.check((0...Self.maxNoticeDays).contains(noticeDays), "\(f).noticeDays", "Notice must be from 0 to \(Self.maxNoticeDays) days")
    }
}

/// A proposal's value read three ways: what is paid once, what recurs per month, and
/// the whole contract (once + every recurring bill over its term).
public struct RecurringTotals: Sendable, Equatable {
    public var oneOff, perMonth, contractValue: Decimal

    public init(oneOff: Decimal, perMonth: Decimal, contractValue: Decimal) {
        (self.oneOff, self.perMonth, self.contractValue) = (oneOff, perMonth, contractValue)
    }
}

/// The arithmetic of recurring lines. A recurring line's total (`ProposalMath.lineTotal`)
/// is what one bill comes to; the proposal discount applies to recurring lines as to
/// every other. Each figure is computed exactly and rounded once, to cents, at the end:
/// an annual 1,000.00 is 83.33 a month, and twelve of them still make 1,000.00 of
/// contract value, not 999.96.
public enum RecurringMath {
    /// A month of a recurring line (0 for a line sold once), before the proposal discount.
    public static func perMonth(_ line: ProposalLineInput) -> Decimal {
        guard let r = line.recurrence else { return 0 }
        return ProposalMath.lineTotal(line) / Decimal(r.period.months)
    }

    /// Every bill of a recurring line over its term, before the proposal discount.
    public static func termValue(_ line: ProposalLineInput) -> Decimal {
        guard let r = line.recurrence else { return 0 }
        return ProposalMath.lineTotal(line) * Decimal(r.periodsInTerm)
    }

    public static func totals(lines: [ProposalLineInput], discountPercent: Decimal) -> RecurringTotals {
        let oneOff = ProposalMath.totals(lines: lines, discountPercent: discountPercent).total
        let keep = (100 - discountPercent) / 100
        let month = lines.reduce(Decimal(0)) { $0 + perMonth($1) } * keep
        let term = lines.reduce(Decimal(0)) { $0 + termValue($1) } * keep
        return RecurringTotals(oneOff: oneOff, perMonth: month.rounded(scale: 2), contractValue: oneOff + term.rounded(scale: 2))
    }
}
