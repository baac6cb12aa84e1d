@testable import BatonCore
import Foundation
import Testing

/// Exact decimals from text: a float literal such as `0.85` would go through Double.
private func dec(_ text: String) -> Decimal { Decimal(apiText: text)! }
private func money(_ text: String) -> Money { Money(dec(text)) }
private func ratio(_ text: String) -> DecimalString { DecimalString(dec(text)) }

private let quotas: [Int64: Decimal] = [7: 120_000, 8: 100_000, 5: 50_000, 10: 30_000]
private let credits: [Int64: Decimal] = [3: 10_000, 7: 130_000, 8: 100_000, 5: 40_000, 10: 20_000]

private func row(_ id: Int64, _ name: String, _ managerId: Int64?, rollup: Bool = false, quota: String?,
                 credited: String, attainment: String?) -> AttainmentRow {
    AttainmentRow(userId: id, name: name, managerId: managerId, rollup: rollup, quota: quota.map(money),
                  credited: money(credited), attainment: attainment.map(ratio))
}

@Suite struct AttainmentTests {
    @Test func threeLevelsByHand() {
        let rows = AttainmentReport.rows(people: reportingLine, root: 3, quotas: quotas, credits: credits)
        #expect(rows == [
            row(3, "Dee", nil, quota: nil, credited: "10000", attainment: nil),
            // Dee's line: 10,000 + 130,000 + 100,000 + 40,000 + 20,000 = 300,000 against
            // Max's 220,000 + Zoe's 50,000: 1.1111…
            row(3, "Dee", nil, rollup: true, quota: "270000", credited: "300000", attainment: "1.1111"),
            // Max sells nothing himself and has no quota of his own.
            row(4, "Max", 3, quota: nil, credited: "0", attainment: nil),
            // API.md: 230,000 ÷ 220,000 = 1.04545… → 1.0455.
            row(4, "Max", 3, rollup: true, quota: "220000", credited: "230000", attainment: "1.0455"),
            // API.md: 130,000 ÷ 120,000 = 1.08333… → 1.0833.
            row(7, "Ana", 4, quota: "120000", credited: "130000", attainment: "1.0833"),
            row(8, "Bo", 4, quota: "100000", credited: "100000", attainment: "1"),
            row(5, "Zoe", 3, quota: "50000", credited: "40000", attainment: "0.8"),
            // Zoe's own quota stands for her line: 60,000 ÷ 50,000.
            row(5, "Zoe", 3, rollup: true, quota: "50000", credited: "60000", attainment: "1.2"),
            // 2 ÷ 3 rounds up at the fifth place.
            row(10, "Eve", 5, quota: "30000", credited: "20000", attainment: "0.6667"),
        ])
    }

    @Test func aManagersLineOnly() {
        let rows = AttainmentReport.rows(people: reportingLine, root: 4, quotas: quotas, credits: credits)
        #expect(rows.map(\.userId) == [4, 4, 7, 8])
        #expect(rows.map(\.rollup) == [false, true, false, false])
    }

    @Test func everyoneWhenNoRoot() {
        let rows = AttainmentReport.rows(people: reportingLine, root: nil, quotas: quotas, credits: credits)
        #expect(rows == AttainmentReport.rows(people: reportingLine, root: 3, quotas: quotas, credits: credits))
    }

    @Test func noAttainmentWithoutAQuotaOrAgainstAZeroOne() {
        let rows = AttainmentReport.rows(people: reportingLine, root: 4, quotas: [7: 0], credits: [7: 5_000])
        #expect(rows[0].quota == nil && rows[0].attainment == nil)
        // Max's team quota is Ana's zero: shown, but no ratio against it.
        #expect(rows[1].quota == money("0") && rows[1].attainment == nil)
        #expect(rows[2].quota == money("0") && rows[2].attainment == nil)
    }

    @Test func bookingCreditIsExact() {
        #expect(AttainmentReport.bookingCredit(amount: dec("84000.00"), splitPercent: 60) == 50_400)
        #expect(AttainmentReport.bookingCredit(amount: dec("1000"), splitPercent: dec("12.5")) == 125)
        // A three-way split of 100.00 adds back to exactly 100.00.
        let shares = ["33.33", "33.33", "33.34"].map {
            AttainmentReport.bookingCredit(amount: dec("100.00"), splitPercent: dec($0))
        }
        #expect(shares.reduce(0, +) == 100)
        #expect(shares[0] == dec("33.33"))
        // Kept exact: 0.25 at 50% is 0.125, not yet a rounded 0.13.
        #expect(AttainmentReport.bookingCredit(amount: dec("0.25"), splitPercent: 50) == dec("0.125"))
    }

    @Test func creditsAreRoundedToTheCentOnlyInTheRowHalfAwayFromZero() {
        let half = AttainmentReport.bookingCredit(amount: dec("0.25"), splitPercent: 50)
        let rows = AttainmentReport.rows(people: reportingLine, root: 4, quotas: [7: 1], credits: [7: half, 8: half])
        #expect(rows[2].credited == money("0.13"))
        // The roll-up sums the exact credits (0.25), not the rounded ones (0.26).
        #expect(rows[1].credited == money("0.25"))
        #expect(rows[1].attainment == ratio("0.25"))
    }

    @Test func theJSONMatchesAPIExample() throws {
        let rows = AttainmentReport.rows(people: reportingLine, root: 4, quotas: quotas, credits: credits)
        let ana = try reportJSON(rows[2])
        #expect(ana["userId"] as? Int == 7)
        #expect(ana["name"] as? String == "Ana")
        #expect(ana["managerId"] as? Int == 4)
        #expect(ana["rollup"] as? Bool == false)
        #expect(ana["quota"] as? String == "120000.00")
        #expect(ana["credited"] as? String == "130000.00")
        #expect(ana["attainment"] as? String == "1.0833")
        let maxRow = try reportJSON(rows[0])
        // Nulls are written, not left out.
        #expect(maxRow["quota"] is NSNull)
        #expect(maxRow["attainment"] is NSNull)
        let rollup = try reportJSON(rows[1])
        #expect(rollup["rollup"] as? Bool == true)
        #expect(rollup["quota"] as? String == "220000.00")
        #expect(rollup["credited"] as? String == "230000.00")
        #expect(rollup["attainment"] as? String == "1.0455")

        let back = try JSONDecoder().decode([AttainmentRow].self, from: JSONEncoder().encode(rows))
        #expect(back == rows)
    }
}
