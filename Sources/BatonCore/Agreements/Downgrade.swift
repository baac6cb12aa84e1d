import Foundation

/// One line's new terms in a mid-term downgrade: fewer units or a lower price per period
/// (either left out keeps the current one); 0 units takes the line off the agreement.
public struct LineReduction: Sendable, Equatable {
    public var lineId: Int64
    public var quantity, unitPrice: Decimal?

    public init(lineId: Int64, quantity: Decimal? = nil, unitPrice: Decimal? = nil) {
        (self.lineId, self.quantity, self.unitPrice) = (lineId, quantity, unitPrice)
    }
}

/// A downgrade of a live agreement (issue 23, item 4): its lines after the reductions,
/// and the MRR they bring in, less than before. The difference is churn from the day it
/// takes effect; the agreement runs on to its end (and renews) at the reduced lines.
public enum Downgrade {
    /// The agreement's lines (`id`, terms) after `reductions`, in their order, and their MRR
    /// less `discountPercent`. Refused, in words the person can act on, when a reduction
    /// names a line the agreement does not have, raises a quantity or a price (that is an
    /// expansion: a new proposal), leaves the MRR where it was, or takes every line off
    /// (that is a cancellation).
    public static func apply(
        _ reductions: [LineReduction], to lines: [(id: Int64, line: ProposalLineInput)], discountPercent: Decimal, mrr: Decimal
    ) throws -> (lines: [(id: Int64, line: ProposalLineInput)], mrr: Decimal) {
        guard !reductions.isEmpty else { throw AgreementRefusal(message: "Say which lines are reduced") }
        var kept: [(id: Int64, line: ProposalLineInput)] = []
        let known = Set(lines.map(\.id))
        if let stranger = reductions.first(where: { !known.contains($0.lineId) }) {
            throw AgreementRefusal(message: "The agreement has no line \(stranger.lineId)")
        }
        for (id, line) in lines {
            var reduced = line
            for r in reductions where r.lineId == id {
                if let q = r.quantity { reduced.quantity = q }
                if let p = r.unitPrice { reduced.unitPrice = p }
            }
            guard reduced.quantity >= 0, reduced.unitPrice >= 0 else { throw AgreementRefusal(message: "Quantities and prices cannot be negative") }
            guard reduced.quantity <= line.quantity, reduced.unitPrice <= line.unitPrice else {
                throw AgreementRefusal(message: "A downgrade lowers quantities or prices; to add to the agreement, accept a new proposal")
            }
            if reduced.quantity > 0 { kept.append((id, reduced)) }
        }
        guard !kept.isEmpty else { throw AgreementRefusal(message: "Every line would go: cancel the agreement instead") }
        let after = AgreementRules.mrr(lines: kept.map(\.line), discountPercent: discountPercent)
        guard after < mrr else { throw AgreementRefusal(message: "A downgrade must lower the MRR (now \(mrr))") }
        return (kept, after)
    }
}
