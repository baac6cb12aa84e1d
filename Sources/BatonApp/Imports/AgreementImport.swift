import BatonCore
import Dates
import Foundation
import Postgres

/// An agreement a firm brings from before Baton, as one row of its CSV file.
struct ImportedAgreement: Sendable {
    /// The file's line it came from, and the term in whole months with its notice.
    var line, termMonths, noticeDays: Int
    var accountID: Int64
    var name: String
    var start, end: CalendarDate
    var mrr: Decimal
    var autoRenew: Bool
}

/// Agreements in from CSV (issue 23, item 6): the contracts a firm already has, so
/// that their renewals come up and their revenue is in the book. Columns (any order,
/// case, spaces and underscores ignored): `account external id`, `start`, `end`, `mrr`,
/// `auto-renew`, and optionally `name` and `notice days`. All or nothing: every row is
/// checked, each problem named by its line, and only a file without any is stored,
/// through `AgreementActions.bringIn`, in one transaction.
struct AgreementImport {
    static let required = ["account external id", "start", "end", "mrr", "auto-renew"]
    static let optional = ["name", "notice days"]
    let services: AppServices

    /// Checks every row, then (unless `dryRun`) stores them all; answers how many rows
    /// the file holds, or throws every row's problem (422).
    func run(_ db: Connection, caller: Caller, text: String, dryRun: Bool, today: CalendarDate) async throws -> Int {
        guard ImportAccess.canImport(caller.roles) else {
            throw APIError.forbidden("Only admins, managers and account managers import files.")
        }
        let table: CSVTable
        do { table = try CSV.parse(text) } catch { throw ValidationFailure("file", error.message) }
        let keys = table.header.map(Self.key)
        let column = Dictionary((Self.required + Self.optional).map { name in (name, keys.firstIndex(of: Self.key(name))) },
                                uniquingKeysWith: { a, _ in a })
        let missing = Self.required.filter { column[$0] == nil }
        guard missing.isEmpty else {
            throw ValidationFailure("file", "The file needs the columns \(Self.required.joined(separator: ", ")); missing: \(missing.joined(separator: ", "))")
        }
        var v = Validator()
        var rows: [ImportedAgreement] = []
        for record in table.records {
            func cell(_ name: String) -> String { column[name].flatMap { $0 }.map { record.fields[$0].trimmed } ?? "" }
            if let row = try await read(db, caller: caller, line: record.line, cell: cell, today: today, into: &v) { rows.append(row) }
        }
        try v.throwIfInvalid()
        if !dryRun { _ = try await AgreementActions(services: services).bringIn(db, caller: caller, rows) }
        return table.records.count
    }

    /// One row, or nil with its problems added to `v` under "line N".
    private func read(
        _ db: Connection, caller: Caller, line: Int, cell: (String) -> String, today: CalendarDate, into v: inout Validator
    ) async throws -> ImportedAgreement? {
        let field = "line \(line)"
        let before = v.errors.count
        let externalID = cell("account external id")
        let account: Int64? = externalID.isEmpty ? nil : try await db.query("""
            SELECT a.id FROM accounts a
            WHERE a.external_id = \(externalID) AND a.archived_at IS NULL AND \(Scope.accountOf(caller, column: "a.id"))
            """).first?.decode("id")
        v.check(account != nil, field, externalID.isEmpty ? "The account external id is empty"
                                                          : "No account you can see has the external id \(externalID)")
        let start = CalendarDate(cell("start")), end = CalendarDate(cell("end"))
        v.check(start != nil, field, "The start must be a date, YYYY-MM-DD")
        v.check(end != nil, field, "The end must be a date, YYYY-MM-DD")
        let mrr = Decimal(apiText: cell("mrr"))
        v.check(mrr.map { $0 >= 0 && $0 == $0.rounded(scale: 2) && $0 < 1_000_000_000_000 } ?? false, field,
                "MRR must be an amount of 0 or more with at most two decimals, like 1500.00")
        let autoRenew = Self.yesNo[cell("auto-renew").lowercased()]
        v.check(autoRenew != nil, field, "Auto-renew must be yes or no (true/false, 1/0)")
        let notice = cell("notice days").isEmpty ? 0 : Int(cell("notice days"))
        v.check(notice.map { (0...365).contains($0) } ?? false, field, "Notice days must be a whole number from 0 to 365")
        let name = cell("name").isEmpty ? "Agreement \(externalID)" : cell("name")
        v.check(name.count <= 200, field, "The name must be at most 200 characters")
        var months: Int?
        if let start, let end {
            months = Self.termMonths(start: start, end: end)
            v.check(end >= start, field, "The end \(end) is before the start \(start)")
            v.check(end < start || months != nil, field, "The term must be at most 120 months")
            v.check(end >= today, field, "The agreement ended on \(end); import the agreements still running")
        }
        if let account, let start, try await AgreementStore().exists(db, accountID: account, start: start) {
            v.add(field, "The account \(externalID) already has an agreement starting on \(start)")
        }
        guard v.errors.count == before, let account, let start, let end, let months, let mrr, let autoRenew, let notice else { return nil }
        return ImportedAgreement(line: line, termMonths: months, noticeDays: notice, accountID: account, name: name, start: start, end: end,
                                 mrr: mrr, autoRenew: autoRenew)
    }

    /// The whole months a term from `start` to `end` runs: the fewest whose last day
    /// (`AgreementRules.endDate`) is on or after `end`; nil past 120.
    static func termMonths(start: CalendarDate, end: CalendarDate) -> Int? {
        (1...120).first { AgreementRules.endDate(start: start, termMonths: $0) >= end }
    }

    static let yesNo = ["yes": true, "y": true, "true": true, "1": true, "no": false, "n": false, "false": false, "0": false]

    /// How a column name is matched: case, spaces, hyphens and underscores do not count.
    static func key(_ name: String) -> String {
        String(name.lowercased().filter { !$0.isWhitespace && $0 != "_" && $0 != "-" })
    }
}
