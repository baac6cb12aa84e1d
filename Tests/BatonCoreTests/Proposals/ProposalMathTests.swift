import BatonCore
import Foundation
import Testing

private func d(_ text: String) -> Decimal { Decimal(apiText: text)! }

private func line(_ quantity: String, _ price: String, discount: String = "0", unit: LineUnit = .fixed,
                  typicalProjectId: Int64? = nil, description: String? = "Work") -> ProposalLineInput {
    ProposalLineInput(typicalProjectId: typicalProjectId, description: description, quantity: d(quantity), unit: unit,
                      unitPrice: d(price), discountPercent: d(discount))
}

@Suite struct ProposalMathTests {
    @Test func theApiWorkedExampleComesTo182500() {
        let lines = [
            line("1", "180000.00", typicalProjectId: 4, description: nil),
            line("10", "250.00", unit: .day, description: "Travel"),
        ]
        let totals = ProposalMath.totals(lines: lines, discountPercent: 0)
        #expect(totals.lineTotals == [d("180000.00"), d("2500.00")])
        #expect(totals.subtotal.moneyText == "182500.00")
        #expect(totals.discount == 0)
        #expect(totals.total.moneyText == "182500.00")
        var v = Validator()
        ProposalMath.check(lines: lines, discountPercent: 0, into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test(arguments: [
        ("3", "33.33", "10", "89.99"),      // 89.991 rounds down
        ("1", "0.25", "50", "0.13"),        // 0.125 rounds away from zero
        ("0.5", "0.25", "0", "0.13"),       // 0.125 again, from the quantity
        ("0.0625", "2.00", "0", "0.13"),    // and from four-decimal quantities
        ("0.5", "0.09", "10", "0.04"),      // 0.0405 once; rounding the 0.045 first would give 0.05
        ("2", "100.00", "100", "0.00"),
        ("1.5", "120.00", "12.5", "157.50"),
    ])
    func lineTotalsRoundOnceHalfAwayFromZero(quantity: String, price: String, discount: String, expected: String) {
        #expect(ProposalMath.lineTotal(line(quantity, price, discount: discount)).moneyText == expected)
    }

    @Test func theProposalDiscountIsRoundedToCentsAndTakenOffTheSubtotal() {
        let totals = ProposalMath.totals(lines: [line("1", "100.25")], discountPercent: 50)
        #expect(totals.subtotal.moneyText == "100.25")
        #expect(totals.discount.moneyText == "50.13")   // 50.125 away from zero
        #expect(totals.total.moneyText == "50.12")
        #expect(totals.discount + totals.total == totals.subtotal)
    }

    @Test func theSubtotalAddsLineTotalsThatAreAlreadyCents() {
        // Each line is 0.125 → 0.13; adding the exact values first would give 0.38.
        let lines = Array(repeating: line("1", "0.25", discount: "50"), count: 3)
        #expect(ProposalMath.totals(lines: lines, discountPercent: 0).subtotal.moneyText == "0.39")
    }

    @Test func aProposalNeedsAtLeastOneLine() {
        var v = Validator()
        ProposalMath.check(lines: [], discountPercent: 0, into: &v)
        #expect(v.errors.map(\.field) == ["lines"])
        #expect(v.errors.first?.message.hasPrefix("A proposal needs at least one line") == true)
    }

    @Test func aProposalHasAtMost200Lines() {
        var v = Validator()
        ProposalMath.check(lines: Array(repeating: line("1", "1.00"), count: 200), discountPercent: 0, into: &v)
        #expect(v.errors.isEmpty)
        ProposalMath.check(lines: Array(repeating: line("1", "1.00"), count: 201), discountPercent: 0, into: &v)
        #expect(v.errors.map(\.field) == ["lines"])
    }

    @Test func everyBrokenRuleIsReportedOnItsField() {
        let lines = [
            line("0", "-1.00", discount: "101", description: "  "),
            line("1.00001", "1.005", discount: "-1", description: String(repeating: "x", count: 501)),
            line("1", "1000000000000.00", typicalProjectId: 0, description: nil),
        ]
        var v = Validator()
        ProposalMath.check(lines: lines, discountPercent: 150, into: &v)
        #expect(v.errors.map(\.field) == [
            "lines[0].description", "lines[0].quantity", "lines[0].unitPrice", "lines[0].discountPercent",
            "lines[1].description", "lines[1].quantity", "lines[1].unitPrice", "lines[1].discountPercent",
            "lines[2].typicalProjectId", "lines[2].unitPrice",
            "discountPercent",
        ])
        #expect(throws: ValidationFailure.self) { try v.throwIfInvalid() }
    }

    @Test func aLineFromTheCatalogNeedsNoDescription() {
        var v = Validator()
        ProposalMath.check(lines: [line("1", "0.00", typicalProjectId: 4, description: nil)], discountPercent: 100, into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test func limitsAreInclusiveWhereTheRulesSaySo() {
        var v = Validator()
        ProposalMath.check(lines: [line("0.0001", "999999999999.99", discount: "100"),
                                   line("1", "0.00", description: String(repeating: "é", count: 500))],
                           discountPercent: 0, into: &v)
        #expect(v.errors.isEmpty)
    }

    @Test func aTotalTooLargeToStoreIsRefused() {
        var v = Validator()
        ProposalMath.check(lines: [line("2", "600000000000.00")], discountPercent: 0, into: &v)
        #expect(v.errors.map(\.field) == ["lines"])
        #expect(v.errors.first?.message.contains("1200000000000.00") == true)
    }

    @Test func linesDecodeFromTheApiBody() throws {
        let json = #"""
        [{"typicalProjectId": 4, "quantity": "1", "unit": "fixed", "unitPrice": "180000.00", "discountPercent": "0"},
         {"description": "Travel", "quantity": "10", "unit": "day", "unitPrice": "250.00"}]
        """#
        let lines = try JSONDecoder().decode([ProposalLineInput].self, from: Data(json.utf8))
        #expect(lines == [line("1", "180000.00", typicalProjectId: 4, description: nil),
                          line("10", "250.00", unit: .day, description: "Travel")])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ProposalLineInput.self, from: Data(#"{"quantity": 1, "unit": "fixed", "unitPrice": "1.00"}"#.utf8))
        }
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ProposalLineInput.self, from: Data(#"{"quantity": "1", "unit": "week", "unitPrice": "1.00"}"#.utf8))
        }
    }

    @Test func totalsEncodeAsMoneyStrings() throws {
        let totals = ProposalMath.totals(lines: [line("3", "33.33", discount: "10")], discountPercent: 0)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(totals), as: UTF8.self)
        #expect(json == #"{"discount":"0.00","lineTotals":["89.99"],"subtotal":"89.99","total":"89.99"}"#)
        #expect(try JSONDecoder().decode(ProposalTotals.self, from: Data(json.utf8)) == totals)
    }

    @Test func enumerationsUseTheApiNames() {
        #expect(ProposalStatus.inReview.rawValue == "in_review")
        #expect(ProposalStatus.allCases.map(\.rawValue) == ["draft", "in_review", "approved", "sent", "accepted", "declined", "expired", "superseded"])
        #expect(ProposalAction.allCases.map(\.rawValue) == ["submit", "approve", "return", "send", "accept", "decline"])
        #expect(ProposalAction(rawValue: "return") == .return)
        #expect(LineUnit.allCases.map(\.rawValue) == ["fixed", "hour", "day"])
        #expect(ProposalStatus.allCases.filter(\.isOpen) == [.draft, .inReview, .approved, .sent])
    }
}
