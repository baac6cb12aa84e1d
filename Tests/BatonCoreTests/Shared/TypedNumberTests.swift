import BatonCore
import Foundation
import Testing

/// Issue 19, item 7: every numeric box takes its number with the thousands grouped.
@Suite struct TypedNumberTests {
    @Test(arguments: [
        ("1,200,000", "1200000"), ("1200000", "1200000"), ("1 200 000.50", "1200000.5"), ("1\u{00A0}200\u{00A0}000", "1200000"),
        ("-45,000.25", "-45000.25"), ("999", "999"), ("0.5", "0.5"), ("  30,000.00 ", "30000"), ("12,345.678", "12345.678"),
    ])
    func groupedDigitsAreTheNumberTheyShow(text: String, expected: String) {
        #expect(Decimal(typed: text) == Decimal(apiText: expected))
    }

    /// A mark anywhere but between groups of three could mean a decimal comma: refused, never misread.
    @Test(arguments: ["1,2", "12,34,567", "1,2000", ",200", "1,200,", "1.200,50", "1,,200", "abc", "", "1,200.5.0", "1e6", "USD 1,200"])
    func anythingElseIsRefused(text: String) {
        #expect(Decimal(typed: text) == nil)
    }
}
