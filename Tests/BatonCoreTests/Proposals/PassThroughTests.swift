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
        #expect(s.passThrough.map(\.amount) == [d("0.01"), d("0.09")])
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
