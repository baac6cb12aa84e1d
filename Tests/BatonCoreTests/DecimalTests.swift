import BatonCore
import Foundation
import Testing

@Suite struct DecimalTests {
    @Test(arguments: [
        ("0.125", 2, "0.13"), ("-0.125", 2, "-0.13"), ("0.124", 2, "0.12"), ("2.5", 0, "3"), ("-2.5", 0, "-3"),
        ("1.00005", 4, "1.0001"), ("99999999999.995", 2, "100000000000.00"), ("0", 2, "0.00"),
    ])
    func roundsHalfAwayFromZero(text: String, scale: Int, expected: String) {
        let value = Decimal(apiText: text)!
        #expect(value.fixed(scale: scale) == expected)
    }

    @Test func moneyIsWrittenWithTwoDecimals() {
        #expect(Decimal(125000).moneyText == "125000.00")
        #expect(Decimal(apiText: "0.5")!.moneyText == "0.50")
        #expect(Decimal(apiText: "-12.3")!.moneyText == "-12.30")
    }

    @Test func plainTextDropsTrailingZeros() {
        #expect(Decimal(apiText: "40.00")!.plainText == "40")
        #expect(Decimal(apiText: "12.50")!.plainText == "12.5")
        #expect(Decimal(apiText: "-0.0")!.plainText == "0")
    }

    @Test(arguments: ["", "-", "1.", ".5", "1e5", "1,5", " 1", "0x10", "NaN", "1.2.3", "--1", String(repeating: "9", count: 39)])
    func apiDecimalsRefuseAnythingButPlainDigits(text: String) {
        #expect(Decimal(apiText: text) == nil)
    }

    @Test func apiDecimalsAreExact() {
        let cents = Decimal(apiText: "0.01")!
        var sum = Decimal(0)
        for _ in 0..<100 { sum += cents }
        #expect(sum == 1)
        #expect(Decimal(apiText: "99999999999.99")!.moneyText == "99999999999.99")
    }

    @Test func moneyDecodesFromStringsOnly() throws {
        struct Box: Codable { var amount: Money }
        let ok = try JSONDecoder().decode(Box.self, from: Data(#"{"amount": "84000.00"}"#.utf8))
        #expect(ok.amount.amount == 84000)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Box.self, from: Data(#"{"amount": 84000}"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Box.self, from: Data(#"{"amount": "1.005"}"#.utf8)) }
        let encoded = String(decoding: try JSONEncoder().encode(Box(amount: Money(Decimal(7)))), as: UTF8.self)
        #expect(encoded == #"{"amount":"7.00"}"#)
    }

    @Test func amountsAreWrittenWithTheirThousandsGrouped() {
        #expect(Decimal(string: "1234567.5")!.grouped(scale: 1) == "1,234,567.5")
        #expect(Decimal(string: "-1234.567")!.grouped(scale: 2) == "-1,234.57")
        #expect(Decimal(string: "999")!.grouped(scale: 0) == "999")
        #expect(Decimal(string: "182500")!.display(currency: "USD") == "USD 182,500.00")
        #expect(Decimal(string: "-0.5")!.display(currency: "EUR") == "EUR -0.50")
    }
}
