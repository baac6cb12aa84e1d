import BatonCore
import Dates
import Foundation
import Testing

private func d(_ text: String) -> Decimal { Decimal(apiText: text)! }

private let start = CalendarDate(year: 2027, month: 4, day: 1)!

/// Issue 17, item 5: services versus pass-through. The proposal's total holds every
/// line; the project's contract value and its phases hold the services only.
@Suite struct PassThroughTests {
    static let issueLines = [
        ProposalLineInput(typicalProjectId: 7, quantity: 1, unitPrice: d("46499.99")),
        ProposalLineInput(description: "Travel", quantity: 1, unitPrice: d("1485.00")),
    ]

    @Test func theIssuesCaseSplitsIntoServicesAndTravel() {
        let totals = ProposalMath.totals(lines: Self.issueLines, discountPercent: 0)
        #expect(totals.total == d("47984.99"), "the client still pays everything")
        let split = ProposalMath.split(lines: Self.issueLines, discountPercent: 0)
        #expect(split.serviceValue == d("46499.99"))
        #expect(split.passThroughValue == d("1485.00"))
        #expect(split.passThrough == [ProposalSplit.Item(lineIndex: 1, amount: d("1485.00"))])
    }

    @Test func phaseValuesSumToTheServicesOnly() {
        let split = ProposalMath.split(lines: Self.issueLines, discountPercent: 0)
        let template = TemplateOnLine(
            typicalProjectId: 7, name: "Cloud migration",
            phases: [TemplatePhase(name: "Plan", offsetDays: 0, lengthDays: 10, sharePercent: d("33.33")),
                     TemplatePhase(name: "Move", offsetDays: 10, lengthDays: 30, sharePercent: d("33.33")),
                     TemplatePhase(name: "Hypercare", offsetDays: 40, lengthDays: 14, sharePercent: d("33.34"))],
            checklist: [], quantity: 1, lineTotal: d("46499.99"))
        let plan = HandoffPlan.plan(contractValue: split.serviceValue, start: start, templates: [template], fallbackName: "X")
        #expect(plan.phases.reduce(Decimal(0)) { $0 + $1.value } == d("46499.99"))
        #expect(plan.phases.map(\.value) == [d("15498.45"), d("15498.45"), d("15503.09")])
    }

    @Test func theProposalDiscountIsSharedByEveryLine() {
        // 1,000.00 of services and 100.00 of travel, 10% off the proposal: the client
        // pays 990.00, of which 90.00 is the travel's and 900.00 the project's.
        let lines = [ProposalLineInput(typicalProjectId: 1, quantity: 1, unitPrice: 1000),
                     ProposalLineInput(description: "Travel", quantity: 1, unitPrice: 100)]
        let split = ProposalMath.split(lines: lines, discountPercent: 10)
        #expect(split.serviceValue == 900)
        #expect(split.passThroughValue == 90)
        // Cents that do not divide evenly still add up: 33.33 + 0.01, 5% off.
        let odd = [ProposalLineInput(description: "Workshop", quantity: 3, unitPrice: d("11.11"), kind: .service),
                   ProposalLineInput(description: "Hotel", quantity: 1, unitPrice: d("0.01")),
                   ProposalLineInput(description: "Train", quantity: 1, unitPrice: d("0.09"))]
        let s = ProposalMath.split(lines: odd, discountPercent: 5)
        let total = ProposalMath.totals(lines: odd, discountPercent: 5).total
        #expect(s.serviceValue + s.passThroughValue == total)
        // 0.10 of pass-through less 5% (0.005 → 0.01) is 0.09: the shares 0.0095 and 0.0855
        // are cut to 0.00 and 0.08, and the missing cent goes to the line that lost most.
        #expect(s.passThroughValue == d("0.09"))
        #expect(s.passThrough.map(\.amount) == [d("0.01"), d("0.08")])
    }

    /// Rounding each pass-through line on its own could take more than the total: two
    /// lines of 0.01 at 50% off are 0.005 each, 0.01 each when rounded, 0.02 in all, while
    /// the client pays 0.01. The pass-through value is rounded as the discount is, once.
    @Test func nothingIsNegativeWhenEveryLineIsPassThrough() {
        let cent = ProposalLineInput(description: "Parking", quantity: 1, unitPrice: d("0.01"))
        let split = ProposalMath.split(lines: [cent, cent], discountPercent: 50)
        #expect(ProposalMath.totals(lines: [cent, cent], discountPercent: 50).total == d("0.01"))
        #expect(split.serviceValue == 0)
        #expect(split.passThroughValue == d("0.01"))
        #expect(split.passThrough.map(\.amount) == [d("0.01"), 0])
        // Five lines of 0.01 at 49% off: 0.0051 each, 0.0255 in all → 0.03 passes through,
        // a cent each to the first three (equal losses go in line order).
        let five = ProposalMath.split(lines: Array(repeating: cent, count: 5), discountPercent: 49)
        #expect(five.passThrough.map(\.amount) == [d("0.01"), d("0.01"), d("0.01"), 0, 0])
        #expect(five.serviceValue == 0)
    }

    /// Random proposals: services and pass-through add up to the total, the items to the
    /// pass-through value, nothing is negative, and no item is more than a cent away from
    /// its exact share of the discounted total.
    @Test func randomSplitsAddUpAndNeverGoNegative() {
        var r = SeededGenerator(seed: 1485)
        for i in 0..<3000 {
            let lines = (0..<r.int(1...6)).map { _ in
                ProposalLineInput(typicalProjectId: r.chance(0.3) ? 1 : nil, description: "x",
                                  quantity: Decimal(r.int(1...400)) / Decimal(r.pick([1, 4, 100])),
                                  unitPrice: Decimal(r.int(0...(r.chance(0.5) ? 99 : 5_000_000))) / 100,
                                  discountPercent: r.chance(0.3) ? Decimal(r.int(0...10_000)) / 100 : 0,
                                  kind: r.chance(0.6) ? .passThrough : .service)
            }
            let discount = r.chance(0.5) ? Decimal(r.int(0...10_000)) / 100 : 0
            let totals = ProposalMath.totals(lines: lines, discountPercent: discount)
            let s = ProposalMath.split(lines: lines, discountPercent: discount)
            #expect(s.serviceValue + s.passThroughValue == totals.total, "case \(i)")
            #expect(s.passThrough.reduce(Decimal(0)) { $0 + $1.amount } == s.passThroughValue, "case \(i)")
            #expect(s.serviceValue >= 0 && s.passThroughValue >= 0, "case \(i): \(s.serviceValue) + \(s.passThroughValue)")
            for item in s.passThrough {
                let share = totals.lineTotals[item.lineIndex] * (100 - discount) / 100
                #expect(item.amount >= 0 && abs(item.amount - share) < d("0.01"), "case \(i): \(item.amount) for \(share)")
            }
        }
    }

    @Test func aFreeTextLineIsPassThroughUnlessItSaysService() throws {
        let json = #"""
        [{"typicalProjectId": 4, "quantity": "1", "unit": "fixed", "unitPrice": "180000.00"},
         {"description": "Travel", "quantity": "10", "unit": "day", "unitPrice": "250.00"},
         {"description": "Extra workshop", "quantity": "1", "unit": "day", "unitPrice": "1200.00", "kind": "service"},
         {"description": "Switches for resale", "quantity": "4", "unit": "fixed", "unitPrice": "900.00", "kind": "pass_through"}]
        """#
        let lines = try JSONDecoder().decode([ProposalLineInput].self, from: Data(json.utf8))
        #expect(lines.map(\.kind) == [.service, .passThrough, .service, .passThrough])
        let split = ProposalMath.split(lines: lines, discountPercent: 0)
        #expect(split.serviceValue == d("181200.00"), "API.md's example: the catalog work and the custom service")
        #expect(split.passThroughValue == d("6100.00"))
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ProposalLineInput.self, from: Data(#"{"description": "x", "quantity": "1", "unit": "fixed", "unitPrice": "1.00", "kind": "expense"}"#.utf8))
        }
    }

    @Test func aCatalogLineCannotBePassThrough() {
        var v = Validator()
        ProposalMath.check(lines: [ProposalLineInput(typicalProjectId: 4, quantity: 1, unitPrice: 10, kind: .passThrough)],
                           discountPercent: 0, into: &v)
        #expect(v.errors.map(\.field) == ["lines[0].kind"])
    }
}
