import Foundation

extension Decimal {
    /// The marks people put between groups of thousands: a comma, a space, a no-break
    /// space (what a copied `USD 1 200 000` holds) and a narrow no-break space.
    static let groupMarks: Set<Character> = [",", " ", "\u{00A0}", "\u{202F}"]

    /// A number as a person types it in a form: `1,200,000`, `1 200 000.50` or `1200000`
    /// (issue 19: quota boxes refused what amount boxes took). Every page's numeric box
    /// and the import's values read through this, so they all take the same text.
    ///
    /// The marks may only stand between groups of three digits before the dot, so
    /// `1,2` (a decimal comma elsewhere in the world) and `12,34,567` are refused, not
    /// misread as twelve or a million; the rest is what the API takes (`apiText`).
    public init?(typed text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.contains(where: Self.groupMarks.contains) else {
            guard let value = Decimal(apiText: text) else { return nil }
            self = value
            return
        }
        let sign = text.hasPrefix("-") ? "-" : ""
        let unsigned = text.dropFirst(sign.count)
        let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let groups = parts[0].split(omittingEmptySubsequences: false, whereSeparator: Self.groupMarks.contains)
        guard let head = groups.first, (1...3).contains(head.count), groups.dropFirst().allSatisfy({ $0.count == 3 }),
            groups.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let value = Decimal(apiText: sign + groups.joined() + (parts.count > 1 ? "." + parts[1] : ""))
        else { return nil }
        self = value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
