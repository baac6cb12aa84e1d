import BatonCore
import Dates
import Foundation
import Postgres

/// How the MRR movement report groups its lines.
enum RecurringRevenueGrouping: String, CaseIterable, Sendable { case month, account, owner }

/// One line of the MRR movement: a month, an account or an owner. opening + new +
/// expansion − contraction − churn = closing; `renewal` is the MRR of renewed terms
/// that started in it; `arr` is the closing MRR × 12.
struct RecurringRevenueLine: Encodable, Sendable, KeepsEveryKey {
    var label: String
    /// The account's or the owner's id; null for a month (and for accounts with no owner).
    var id: Int64?
    var opening, new, expansion, contraction, churn, renewal, closing, arr: Money

    init(label: String, id: Int64?, _ m: MRRMovement) {
        (self.label, self.id) = (label, id)
        (opening, new, expansion, contraction) = (Money(m.opening), Money(m.new), Money(m.expansion), Money(m.contraction))
        (churn, renewal, closing, arr) = (Money(m.churn), Money(m.renewal), Money(m.closing), Money(AgreementRules.arr(mrr: m.closing)))
    }

    static let csvHeader = ["label", "id", "opening", "new", "expansion", "contraction", "churn", "renewal", "closing", "arr"]
    var csvRow: [String] {
        [label, id.map(String.init) ?? ""] + [opening, new, expansion, contraction, churn, renewal, closing, arr].map(\.description)
    }
}

/// `GET /reports/recurring-revenue`: the MRR movement over `[from, to]`, month by month
/// or added up per account or per owner, and the whole window's total.
struct RecurringRevenueReport: Encodable, Sendable {
    var from, to: CalendarDate
    var by: String
    var lines: [RecurringRevenueLine]
    var total: RecurringRevenueLine
}

/// One fiscal quarter's retention: the accounts paying at its opening, what they churned,
/// contracted and expanded by its close, and the two ratios (4 places; null with nothing
/// at the opening).
struct RetentionQuarter: Encodable, Sendable, KeepsEveryKey {
    var quarter: String
    var from, to: CalendarDate
    var opening, churn, contraction, expansion, new, closing: Money
    var grossRetention, netRetention: DecimalString?

    static let csvHeader = ["quarter", "from", "to", "opening", "churn", "contraction", "expansion", "new", "closing", "grossRetention", "netRetention"]
    var csvRow: [String] {
        [quarter, from.description, to.description] + [opening, churn, contraction, expansion, new, closing].map(\.description)
            + [grossRetention?.description ?? "", netRetention?.description ?? ""]
    }
}

struct RetentionReport: Encodable, Sendable {
    var quarters: [RetentionQuarter]
}

/// An agreement whose term ends within the window asked, with where its renewal stands:
/// the agreement's status (renewal due once the renewal opportunity is open) and that
/// opportunity's stage.
struct RenewalDue: Encodable, Sendable, KeepsEveryKey {
    var agreement: AgreementRecord
    /// The account's name and owner, and the renewal opportunity's stage by name (null until it is opened).
    var accountName: String
    var ownerName, renewalStage: String?
    /// The last day to give notice: the end less the notice days.
    var noticeBy: CalendarDate
    /// `window`: the smallest of the 30, 60 and 90-day windows the end falls in.
    var daysLeft, window: Int

    static let csvHeader = ["agreementId", "name", "account", "owner", "endOn", "noticeBy", "daysLeft", "window", "status",
                            "autoRenew", "mrr", "arr", "renewalOpportunityId", "renewalStage"]
    var csvRow: [String] {
        let a = agreement
        return [String(a.id), a.name, accountName, ownerName ?? "", a.endOn.description, noticeBy.description, String(daysLeft), String(window),
                a.status.rawValue, String(a.autoRenew), a.mrr.description, a.arr.description, a.renewalOpportunityId.map(String.init) ?? "",
                renewalStage ?? ""]
    }
}

struct RenewalsDueReport: Encodable, Sendable {
    var today: CalendarDate
    var within: Int
    /// How many end within 30, 60 and 90 days (each window includes the shorter ones).
    var within30, within60, within90: Int
    var renewals: [RenewalDue]
}

/// The recurring revenue reports' SQL: the movements of the accounts the caller sees, as
/// the book (`BookEntry`) that `RecurringRevenue` computes on, and the renewals coming up.
struct RecurringRevenueStore: Sendable {
    struct Entry { var book: BookEntry; var accountName: String; var ownerID: Int64?; var ownerName: String? }

    /// The recurring book of the accounts the caller sees up to `last`: every change of
    /// MRR that `AgreementActions` wrote in `agreement_movements` (new, expansion, churn,
    /// renewal), each a signed delta from its day, with the account's name and owner.
    func book(_ db: Connection, caller: Caller, startedBy last: CalendarDate) async throws -> [Entry] {
        try await db.query("""
            SELECT m.account_id, m.kind, m.on_day, m.mrr_delta, m.mrr_after, c.name AS account_name, c.owner_id, u.name AS owner_name
            FROM agreement_movements m JOIN accounts c ON c.id = m.account_id LEFT JOIN users u ON u.id = c.owner_id
            WHERE m.on_day <= \(last) AND \(Scope.accountOf(caller, column: "m.account_id"))
            """).map { row in
            let kind: String = try row.decode("kind")
            let after: Decimal = try row.decode("mrr_after")
            let entry = BookEntry(accountId: try row.decode("account_id"), mrr: try row.decode("mrr_delta"), startOn: try row.decode("on_day"),
                                  renewed: kind == "renewal" ? after : nil)
            return Entry(book: entry, accountName: try row.decode("account_name"), ownerID: try row.decode("owner_id"),
                         ownerName: try row.decode("owner_name"))
        }
    }

    /// The live agreements the caller sees ending from `today` to `today + within` days.
    func renewalsDue(_ db: Connection, caller: Caller, today: CalendarDate, within: Int) async throws -> [RenewalDue] {
        try await db.query("""
            SELECT \(AgreementStore.columns), c.name AS account_name, u.name AS owner_name, st.name AS stage_name
            FROM agreements a JOIN accounts c ON c.id = a.account_id LEFT JOIN users u ON u.id = c.owner_id
            LEFT JOIN opportunities o ON o.id = a.renewal_opportunity_id LEFT JOIN pipeline_stages st ON st.key = o.stage_key
            WHERE a.status IN ('active', 'renewal_due') AND a.end_on BETWEEN \(today) AND \(today.adding(days: within))
              AND \(Scope.accountOf(caller, column: "a.account_id"))
            ORDER BY a.end_on, a.id
            """).map { row in
            let agreement = try AgreementStore.record(row)
            let daysLeft = today.days(until: agreement.endOn)
            return RenewalDue(
                agreement: agreement, accountName: try row.decode("account_name"), ownerName: try row.decode("owner_name"),
                renewalStage: try row.decode("stage_name"), noticeBy: RecurringRevenue.noticeBy(endOn: agreement.endOn, noticeDays: agreement.noticeDays),
                daysLeft: daysLeft, window: RecurringRevenue.renewalWindow(daysLeft: daysLeft) ?? within)
        }
    }

    /// How many agreements, and how much ARR, come up for renewal from `today` to `last`,
    /// firm-wide (the growth advice's account-management load).
    func renewalLoad(_ db: Connection, today: CalendarDate, last: CalendarDate) async throws -> (count: Int, arr: Decimal) {
        // The advice is the firm's, read past the manager's own accounts as its other figures are.
        let row = try await db.withoutRowSecurity {
            try await db.expectRow("""
                SELECT count(*)::int AS n, coalesce(sum(mrr), 0) AS mrr FROM agreements
                WHERE status IN ('active', 'renewal_due') AND end_on BETWEEN \(today) AND \(last)
                """)
        }
        return (try row.decode("n"), AgreementRules.arr(mrr: try row.decode("mrr")))
    }
}

/// What the agreements page shows: a status, an account owner, an end within so many days.
struct AgreementListFilter: Sendable {
    var status: AgreementStatus?
    var ownerID: Int64?
    var endingWithin: Int?
}

extension RecurringRevenueStore {
    /// An agreement with the names the list shows beside it.
    struct Listed { var agreement: AgreementRecord; var accountName: String; var ownerName: String? }

    /// The agreements the caller sees that pass the filter, soonest end first (at most `limit`).
    func agreements(_ db: Connection, caller: Caller, filter: AgreementListFilter, today: CalendarDate, limit: Int) async throws -> [Listed] {
        var conditions: [Query] = [Scope.accountOf(caller, column: "a.account_id")]
        if let status = filter.status { conditions.append("a.status = \(status.rawValue)") }
        if let owner = filter.ownerID { conditions.append("c.owner_id = \(owner)") }
        if let days = filter.endingWithin { conditions.append("a.end_on BETWEEN \(today) AND \(today.adding(days: days))") }
        return try await db.query("""
            SELECT \(AgreementStore.columns), c.name AS account_name, u.name AS owner_name
            FROM agreements a JOIN accounts c ON c.id = a.account_id LEFT JOIN users u ON u.id = c.owner_id
            WHERE \(Query.join(conditions, separator: " AND ")) ORDER BY a.end_on, a.id LIMIT \(limit)
            """).map { Listed(agreement: try AgreementStore.record($0), accountName: try $0.decode("account_name"), ownerName: try $0.decode("owner_name")) }
    }

    /// One agreement the caller sees, with its account's name and owner: the agreement's page.
    func agreement(_ db: Connection, id: Int64, caller: Caller) async throws -> Listed? {
        try await db.query("""
            SELECT \(AgreementStore.columns), c.name AS account_name, u.name AS owner_name
            FROM agreements a JOIN accounts c ON c.id = a.account_id LEFT JOIN users u ON u.id = c.owner_id
            WHERE a.id = \(id) AND \(Scope.accountOf(caller, column: "a.account_id"))
            """).first.map { Listed(agreement: try AgreementStore.record($0), accountName: try $0.decode("account_name"), ownerName: try $0.decode("owner_name")) }
    }

    /// The owners of the accounts with agreements the caller sees: the owner filter's choices.
    func agreementOwners(_ db: Connection, caller: Caller) async throws -> [(id: Int64, name: String)] {
        try await db.query("""
            SELECT DISTINCT u.id, u.name FROM agreements a JOIN accounts c ON c.id = a.account_id JOIN users u ON u.id = c.owner_id
            WHERE \(Scope.accountOf(caller, column: "a.account_id")) ORDER BY u.name, u.id
            """).map { (id: try $0.decode("id"), name: try $0.decode("name")) }
    }
}
