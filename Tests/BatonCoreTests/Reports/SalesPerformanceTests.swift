@testable import BatonCore
import Dates
import Foundation
import Testing

/// Exact decimals from text: a float literal would go through Double.
private func dec(_ text: String) -> Decimal { Decimal(apiText: text)! }
private func money(_ text: String) -> Money { Money(dec(text)) }
private func ratio(_ text: String) -> DecimalString { DecimalString(dec(text)) }
private func date(_ text: String) -> CalendarDate { CalendarDate(text)! }

private func closed(_ owner: Int64, _ amount: String, won: Bool, _ created: String, _ closedOn: String,
                    project: String? = nil) -> ClosedDeal {
    ClosedDeal(ownerId: owner, amount: dec(amount), won: won, createdOn: date(created), closedOn: date(closedOn),
               typicalProject: project)
}

/// Ana: three won (cycles 30, 30 and 16 days; 2026 is not a leap year, so
/// February 1 → March 3 is 30 days) and two lost.
private let ana: [ClosedDeal] = [
    closed(7, "30000.00", won: true, "2026-01-01", "2026-01-31", project: "Network assessment"),
    closed(7, "45000.00", won: true, "2026-02-01", "2026-03-03", project: "WAN refresh"),
    closed(7, "60000.00", won: true, "2026-01-10", "2026-01-26", project: "Network assessment"),
    closed(7, "20000.00", won: false, "2026-01-05", "2026-03-20", project: "WAN refresh"),
    closed(7, "10000.00", won: false, "2026-02-05", "2026-02-06"),
]

@Suite struct SalesPerformanceTests {
    @Test func byHand() {
        // Win rate 3 ÷ 5; size 135,000 ÷ 3; cycle 76 ÷ 3 = 25.33… → 25.3. The lost deals'
        // amounts and durations do not count.
        #expect(SalesPerformance.row(key: "Ana", deals: ana) == PerformanceRow(
            key: "Ana", won: 3, lost: 2, winRate: ratio("0.6"), averageDealSize: money("45000.00"),
            averageCycleDays: ratio("25.3")))
    }

    @Test func ratesAndAveragesRoundHalfAwayFromZero() {
        let deals = [
            closed(1, "0.01", won: true, "2026-01-01", "2026-01-01"),
            closed(1, "0.02", won: true, "2026-01-01", "2026-01-02"),
            closed(1, "5", won: false, "2026-01-01", "2026-01-02"),
        ]
        let row = SalesPerformance.row(key: "x", deals: deals)
        #expect(row.winRate == ratio("0.6667"))
        #expect(row.averageDealSize == money("0.02"))  // 0.015
        #expect(row.averageCycleDays == ratio("0.5"))
    }

    @Test func nothingToAverage() {
        let none = SalesPerformance.row(key: "Bo", deals: [])
        #expect(none == PerformanceRow(key: "Bo", won: 0, lost: 0, winRate: nil, averageDealSize: nil,
                                       averageCycleDays: nil))
        let allLost = SalesPerformance.row(key: "Bo", deals: [closed(8, "100", won: false, "2026-01-01", "2026-02-01")])
        #expect(allLost.winRate == ratio("0"))
        #expect(allLost.averageDealSize == nil)
        #expect(allLost.averageCycleDays == nil)
    }

    @Test func aCloseDateOfRecordBeforeCreationCountsAsNoTime() {
        // An old deal imported today: created after its recorded close.
        let row = SalesPerformance.row(key: "x", deals: [
            closed(1, "100", won: true, "2026-03-01", "2025-12-01"),
            closed(1, "100", won: true, "2026-01-01", "2026-01-11"),
        ])
        #expect(row.averageCycleDays == ratio("5"))
    }

    @Test func byOwnerAndByTypicalProject() {
        let bo = closed(8, "1000", won: true, "2026-01-01", "2026-01-03")
        let stranger = closed(99, "1000", won: false, "2026-01-01", "2026-01-03")
        let owners = SalesPerformance.byOwner(ana + [bo, stranger], names: [7: "Ana", 8: "Bo"])
        #expect(owners.map(\.key) == ["#99", "Ana", "Bo"])
        #expect(owners[1] == SalesPerformance.row(key: "Ana", deals: ana))

        let projects = SalesPerformance.byTypicalProject(ana)
        #expect(projects.map(\.key) == ["Network assessment", "WAN refresh"])
        // Network assessment: both won, 45,000 on average, (30 + 16) ÷ 2 days.
        #expect(projects[0] == PerformanceRow(key: "Network assessment", won: 2, lost: 0, winRate: ratio("1"),
                                              averageDealSize: money("45000"), averageCycleDays: ratio("23")))
        #expect(projects[1].winRate == ratio("0.5"))
    }

    @Test func theJSON() throws {
        let json = try reportJSON(SalesPerformance.row(key: "Ana", deals: ana))
        #expect(json["key"] as? String == "Ana")
        #expect(json["won"] as? Int == 3)
        #expect(json["lost"] as? Int == 2)
        #expect(json["winRate"] as? String == "0.6")
        #expect(json["averageDealSize"] as? String == "45000.00")
        #expect(json["averageCycleDays"] as? String == "25.3")
        let empty = try reportJSON(SalesPerformance.row(key: "Bo", deals: []))
        #expect(empty["winRate"] is NSNull)
    }
}
