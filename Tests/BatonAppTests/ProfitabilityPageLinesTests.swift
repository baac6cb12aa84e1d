@testable import BatonApp
import BatonCore
import Dates
import Foundation
import Testing

/// The profitability page shows at most `linesShown` lines: beyond that, the ones with the
/// most cost, in the report's order, with a note; the total still counts every line.
@Suite struct ProfitabilityPageLinesTests {
    func line(_ i: Int, cost: Int) -> ProfitabilityReport.Line {
        .init(key: "\(i)", label: String(format: "Project %04d", i), hours: DecimalString(1), cost: Money(Decimal(cost)),
              value: Money(0), margin: Money(Decimal(-cost)), marginPercent: nil, budgetHours: nil, overBudget: nil)
    }

    func report(_ lines: [ProfitabilityReport.Line]) -> ProfitabilityReport {
        ProfitabilityReport(from: CalendarDate(year: 2026, month: 1, day: 1)!, to: CalendarDate(year: 2026, month: 12, day: 31)!,
                            by: "project", lines: lines, total: line(0, cost: 0), utilization: [])
    }

    @Test func aLongReportShowsTheLinesWithTheMostCostInItsOrder() {
        // 150 projects; the cost rises and falls, so the most costly are not the first ones.
        let lines = (1...150).map { line($0, cost: ($0 * 37) % 151) }
        var page = ProfitabilityPage(reportNav: [])
        page.fill(report(lines), currency: "USD")
        #expect(page.shownLines.count == ProfitabilityPage.linesShown)
        let shownCosts = page.shownLines.map(\.cost.amount)
        let leftOut = Set(lines.map(\.key)).subtracting(page.shownLines.map(\.key))
        #expect(lines.filter { leftOut.contains($0.key) }.allSatisfy { $0.cost.amount <= shownCosts.min() ?? 0 })
        #expect(page.shownLines.map(\.label) == page.shownLines.map(\.label).sorted(), "in the report's order")
        #expect(page.linesNote == "The 100 projects with the most cost, of 150; the total counts every one, and the CSV lists them all.")
    }

    /// The page asks the store for the shown lines only (their margin percentages are exact
    /// quotients, drawn for the lines kept): it shows the same lines and note as from every line.
    @Test func aReportTheStoreAlreadyCutShowsTheSameLinesAndCount() {
        let lines = (1...150).map { line($0, cost: ($0 * 37) % 151) }
        let kept = ProfitabilityReport.mostCost(lines.map(\.cost.amount), limit: ProfitabilityPage.linesShown)
        var whole = ProfitabilityPage(reportNav: [])
        whole.fill(report(lines), currency: "USD")
        var cut = ProfitabilityPage(reportNav: [])
        cut.fill(report(kept.map { lines[$0] }), lineCount: lines.count, currency: "USD")
        #expect(cut.shownLines.map(\.key) == whole.shownLines.map(\.key))
        #expect(cut.linesNote == whole.linesNote && cut.linesNote != nil)
    }

    @Test func aShortReportShowsEveryLine() {
        var page = ProfitabilityPage(reportNav: [])
        page.fill(report((1...12).map { line($0, cost: $0) }), currency: "USD")
        #expect(page.shownLines.count == 12 && page.linesNote == nil)
    }
}
