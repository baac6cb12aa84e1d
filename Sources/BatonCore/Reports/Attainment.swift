import Foundation

/// One row of the attainment report: a person's own figures (`rollup` false) or a
/// manager's whole line (`rollup` true).
public struct AttainmentRow: Sendable, Equatable, Codable, KeepsEveryKey {
    public var userId: Int64
    public var name: String
    public var managerId: Int64?
    public var rollup: Bool
    /// A missing quota or attainment is an explicit `null`, as API.md shows (`KeepsEveryKey`).
    public var quota: Money?
    public var credited: Money
    /// credited ÷ quota to 4 places; nil without a quota (or with a zero one).
    public var attainment: DecimalString?
}

/// Quota attainment per person and rolled up each manager's line (PRODUCT.md flow 6).
public enum AttainmentReport {
    /// One row per person under `root` (everyone when nil) with their own quota and
    /// credit, and after each manager's row a roll-up row for their whole line:
    /// credited is the sum over the line including the manager; the quota is the
    /// manager's own, or else their team's (`Rollup.quotas`). Depth first from the
    /// root, people under the same manager in name order.
    ///
    /// `quotas` and `credits` are per user for the period and metric already chosen;
    /// credits are exact (see `bookingCredit`) and rounded to the cent only in the row,
    /// while attainment is computed from the exact sums.
    public static func rows(people: [PersonNode], root: Int64?, quotas: [Int64: Decimal],
                            credits: [Int64: Decimal]) -> [AttainmentRow] {
        let lines = Rollup.lines(people, under: root)
        let rollupQuotas = Rollup.quotas(people, under: root, own: quotas)
        var rows: [AttainmentRow] = []
        for (person, _) in Rollup.walk(people, under: root) {
            let own = credits[person.id] ?? 0
            rows.append(row(person, rollup: false, quota: quotas[person.id], credited: own))
            let line = lines[person.id] ?? [person.id]
            if line.count > 1 {
                let credited = line.reduce(Decimal(0)) { $0 + (credits[$1] ?? 0) }
                rows.append(row(person, rollup: true, quota: rollupQuotas[person.id], credited: credited))
            }
        }
        return rows
    }

    /// A team member's credit for a booking: amount × split ÷ 100, exact. Rounding each
    /// share to the cent would let a 3-way split of 100.00 lose or invent a cent.
    public static func bookingCredit(amount: Decimal, splitPercent: Decimal) -> Decimal {
        amount * splitPercent / 100
    }

    private static func row(_ person: PersonNode, rollup: Bool, quota: Decimal?, credited: Decimal) -> AttainmentRow {
        AttainmentRow(userId: person.id, name: person.name, managerId: person.managerId, rollup: rollup,
                      quota: quota.map(ReportMath.money), credited: ReportMath.money(credited),
                      attainment: ReportMath.ratio(credited, quota))
    }
}
