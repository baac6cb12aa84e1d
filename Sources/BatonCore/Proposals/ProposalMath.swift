import Foundation

/// A proposal's money: every line total, their sum, the proposal-level discount and
/// what the client pays. All in cents already.
public struct ProposalTotals: Sendable, Equatable, Codable {
    public var subtotal: Decimal
    public var discount: Decimal
    public var total: Decimal
    /// One per line, in line order.
    public var lineTotals: [Decimal]

    public init(subtotal: Decimal, discount: Decimal, total: Decimal, lineTotals: [Decimal]) {
        self.subtotal = subtotal
        self.discount = discount
        self.total = total
        self.lineTotals = lineTotals
    }

    enum CodingKeys: String, CodingKey { case subtotal, discount, total, lineTotals }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        subtotal = try c.decode(Money.self, forKey: .subtotal).amount
        discount = try c.decode(Money.self, forKey: .discount).amount
        total = try c.decode(Money.self, forKey: .total).amount
        lineTotals = try c.decode([Money].self, forKey: .lineTotals).map(\.amount)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Money(subtotal), forKey: .subtotal)
        try c.encode(Money(discount), forKey: .discount)
        try c.encode(Money(total), forKey: .total)
        try c.encode(lineTotals.map(Money.init), forKey: .lineTotals)
    }
}

/// The arithmetic and the input rules of a proposal's lines.
///
/// Rounding happens once per amount, half away from zero to cents, at the end: a line
/// is quantity × price × (1 − discount) computed exactly and rounded once, so that
/// 3 × 33.33 less 10% is 89.99 and not 90.00 (which rounding after each step could give).
public enum ProposalMath {
    public static let maxLines = 200
    public static let maxDescriptionLength = 500
    /// Prices and totals stay below a trillion, which the money columns hold with room.
    public static let moneyLimit = Decimal(1_000_000_000_000)

    public static func lineTotal(_ line: ProposalLineInput) -> Decimal {
        // Dividing by 100 last keeps the product exact: Decimal divides by 100 without loss.
        (line.quantity * line.unitPrice * (100 - line.discountPercent) / 100).rounded(scale: 2)
    }

    /// The subtotal, discount and total are what the client pays once: a recurring
    /// line's total is one bill, which `RecurringMath` reads per month and per term.
    public static func totals(lines: [ProposalLineInput], discountPercent: Decimal) -> ProposalTotals {
        let lineTotals = lines.map(lineTotal)
        let subtotal = lines.indices.filter { lines[$0].recurrence == nil }.reduce(Decimal(0)) { $0 + lineTotals[$1] }
        let discount = (subtotal * discountPercent / 100).rounded(scale: 2)
        return ProposalTotals(subtotal: subtotal, discount: discount, total: subtotal - discount, lineTotals: lineTotals)
    }

    /// The accepted proposal's total split into the work the project delivers and the
    /// money that passes through it. The proposal discount applies to every line alike,
    /// so the pass-through lines carry their share of it: their value is their subtotal
    /// less the discount on it, rounded as the proposal's discount is (`P − round(P × d)`),
    /// and the services get the rest of the total, so `serviceValue + passThroughValue ==
    /// total` exactly and neither is ever negative. Each pass-through line's amount is its
    /// exact share `line × (100 − d) ÷ 100` cut to cents, the cents left over going one each
    /// to the lines that lost the most (then in line order), so the amounts add up to the
    /// pass-through value and none is negative. `passThrough` is in line order.
    public static func split(lines: [ProposalLineInput], discountPercent: Decimal) -> ProposalSplit {
        let totals = totals(lines: lines, discountPercent: discountPercent)
        // A recurring pass-through (a licence resold monthly) belongs to the agreement, not the project.
        let indices = lines.indices.filter { lines[$0].kind == .passThrough && lines[$0].recurrence == nil }
        let subtotal = indices.reduce(Decimal(0)) { $0 + totals.lineTotals[$1] }
        let passThrough = subtotal - (subtotal * discountPercent / 100).rounded(scale: 2)
        // Largest remainders: every exact share cut to cents, then the missing cents.
        let exact = indices.map { totals.lineTotals[$0] * (100 - discountPercent) / 100 }
        var amounts = exact.map(\.centsDown)
        var missing = passThrough - amounts.reduce(Decimal(0), +)
        let byLoss = exact.indices.sorted { (exact[$0] - amounts[$0], $1) > (exact[$1] - amounts[$1], $0) }
        for k in byLoss where missing > 0 {
            amounts[k] += Decimal(string: "0.01") ?? 0
            missing -= Decimal(string: "0.01") ?? 0
        }
        return ProposalSplit(serviceValue: totals.total - passThrough, passThroughValue: passThrough,
                             passThrough: zip(indices, amounts).map { ProposalSplit.Item(lineIndex: $0, amount: $1) })
    }

    /// Every broken rule of the lines and the proposal discount, each on its field
    /// (`lines[2].quantity`), so that the editor can mark all of them at once.
    public static func check(lines: [ProposalLineInput], discountPercent: Decimal, into v: inout Validator) {
        v.check(!lines.isEmpty, "lines", "A proposal needs at least one line: add a typical project from the catalog or a free-text line")
        v.check(lines.count <= maxLines, "lines", "A proposal can have at most \(maxLines) lines (it has \(lines.count)); combine some")
        let errorsBefore = v.errors.count
        for (i, line) in lines.enumerated() {
            check(line, field: "lines[\(i)]", into: &v)
        }
        v.check((0...100).contains(discountPercent), "discountPercent", "Discount must be from 0 to 100 percent")
        // The total is only worth judging when each line is sound; otherwise the line
        // errors already say what to fix.
        if v.errors.count == errorsBefore, !lines.isEmpty {
            let total = totals(lines: lines, discountPercent: discountPercent).subtotal
            v.check(total < moneyLimit, "lines", "The proposal comes to \(total.moneyText), more than a proposal can hold (under 1000000000000.00); lower a quantity or a price")
        }
    }

    private static func check(_ line: ProposalLineInput, field f: String, into v: inout Validator) {
        let text = line.description?.trimmed ?? ""
        if let id = line.typicalProjectId {
            v.check(id > 0, "\(f).typicalProjectId", "Choose a typical project from the catalog (the id must be a positive number)")
            v.check(line.kind == .service, "\(f).kind",
                    "A typical project from the catalog is a service; write travel, expenses or resale as a free-text pass-through line")
        } else {
            v.check(!text.isEmpty, "\(f).description", "Describe the line, or choose a typical project from the catalog")
        }
        v.check(text.count <= maxDescriptionLength, "\(f).description",
                "Description must be at most \(maxDescriptionLength) characters (it has \(text.count))")
        if line.quantity <= 0 {
            v.add("\(f).quantity", "Quantity must be more than 0")
        } else {
            v.check(line.quantity.significantScale <= 4, "\(f).quantity", "Quantity can have at most 4 decimals")
        }
        if line.unitPrice < 0 {
            v.add("\(f).unitPrice", "Unit price must be 0 or more")
        } else {
            v.check(line.unitPrice.significantScale <= 2, "\(f).unitPrice", "Unit price can have at most 2 decimals (cents)")
            v.check(line.unitPrice < moneyLimit, "\(f).unitPrice", "Unit price must be less than 1000000000000.00")
        }
        v.check((0...100).contains(line.discountPercent), "\(f).discountPercent", "Discount must be from 0 to 100 percent")
        line.recurrence?.check(field: "\(f).recurrence", into: &v)
    }
}

/// What an accepted proposal becomes on its project: the contract value (services, which
/// the phases divide) and the pass-through budget items (which no phase holds).
public struct ProposalSplit: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        /// The line's index in the proposal (0-based, in line order).
        public var lineIndex: Int
        /// The line's total less its share of the proposal discount.
        public var amount: Decimal

        public init(lineIndex: Int, amount: Decimal) {
            self.lineIndex = lineIndex
            self.amount = amount
        }
    }

    public var serviceValue: Decimal
    public var passThroughValue: Decimal
    public var passThrough: [Item]

    public init(serviceValue: Decimal, passThroughValue: Decimal, passThrough: [Item]) {
        self.serviceValue = serviceValue
        self.passThroughValue = passThroughValue
        self.passThrough = passThrough
    }
}

extension Decimal {
    /// Cut (not rounded) to cents, toward zero: 0.0199 → 0.01.
    fileprivate var centsDown: Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, 2, .down)
        return result
    }
}
