import Foundation

extension Decimal {
    /// `numerator ÷ denominator` rounded half away from zero to `scale` places, exactly.
    ///
    /// `Decimal` division keeps 38 significant digits, so a quotient that does not end
    /// (37,996.70 ÷ 30,000 = 1.26655666…) is cut short; multiplied afterwards, it can land
    /// a hair below a half cent that the exact value sits on (7,500 × that = 9,499.174999…
    /// instead of 9,499.175) and round the wrong way. Here the division only proposes a
    /// result `r`; it is then checked, and moved by one unit while wrong, with products
    /// alone: `r` is right when `(r − ½u) × d ≤ |n| < (r + ½u) × d` (u = 10^−scale, ties
    /// going up, i.e. away from zero). Products of decimals are exact in `Decimal` while
    /// they fit its 38 digits, which every money figure below a trillion with up to
    /// twelve decimals does. A zero denominator gives zero (there is no quotient to round).
    public static func roundedQuotient(_ numerator: Decimal, _ denominator: Decimal, scale: Int) -> Decimal {
        guard denominator != 0 else { return 0 }
        let negative = (numerator < 0) != (denominator < 0)
        let n = numerator < 0 ? -numerator : numerator
        let d = denominator < 0 ? -denominator : denominator
        // 10^−scale and half of it are written down, not divided out: a `Decimal` division
        // fills 38 digits and strips the zeros one at a time, so these three took three
        // quarters of the call (the profitability report makes one a line). The values are
        // the same to the bit (checked for scales −2 to 14).
        let unit = Decimal(sign: .plus, exponent: -max(scale, 0), significand: 1)
        let half = Decimal(sign: .plus, exponent: -max(scale, 0) - 1, significand: 5)
        var r = (n / d).rounded(scale: scale)
        // At most a step or two: the proposal is off by a unit only near a tie.
        while (r + half) * d <= n { r += unit }
        while r > 0, (r - half) * d > n { r -= unit }
        return negative && r != 0 ? -r : r
    }
}
