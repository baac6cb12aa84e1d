import Foundation

/// The reports' shared arithmetic. Sums stay exact; only what is shown is rounded,
/// and always half away from zero (`Decimal.rounded(scale:)`), the business's one rule.
enum ReportMath {
    /// Ratios (attainment, coverage, win rate, load) are shown to 4 places, like
    /// API.md's `"attainment": "1.0833"`.
    static let ratioScale = 4

    /// `numerator ÷ denominator` to 4 places, or nil when the denominator is not above
    /// zero: a ratio against no target (or a negative one) means nothing.
    static func ratio(_ numerator: Decimal, _ denominator: Decimal?) -> DecimalString? {
        guard let denominator, denominator > 0 else { return nil }
        return DecimalString((numerator / denominator).rounded(scale: ratioScale))
    }

    /// Money as presented: to the cent.
    static func money(_ amount: Decimal) -> Money { Money(amount.rounded(scale: 2)) }
}
